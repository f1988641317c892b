/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "toxtun/log.h"

static enum tt_log_level max_level = TT_LOG_INFO;

void tt_log_set_level(enum tt_log_level level) { max_level = level; }
enum tt_log_level tt_log_get_level(void) { return max_level; }

void tt_log(enum tt_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "ERROR", "WARN ", "INFO ", "DEBUG" };
	char stamp[32], line[2048];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	if (level > max_level)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line so that lines from a crash or a pipe stay whole. */
	fprintf(stderr, "%s.%03ld %s %s\n", stamp, (long)(tv.tv_usec / 1000), names[level], line);
}
