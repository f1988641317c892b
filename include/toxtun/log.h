/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Logging to stderr: "2026-11-22T10:00:00.123 WARN  message". */
#ifndef TOXTUN_LOG_H
#define TOXTUN_LOG_H

enum tt_log_level { TT_LOG_ERROR, TT_LOG_WARN, TT_LOG_INFO, TT_LOG_DEBUG };

/* Messages above this level are dropped. Default TT_LOG_INFO. */
void tt_log_set_level(enum tt_log_level level);
enum tt_log_level tt_log_get_level(void);

void tt_log(enum tt_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) tt_log(TT_LOG_ERROR, __VA_ARGS__)
#define log_warn(...) tt_log(TT_LOG_WARN, __VA_ARGS__)
#define log_info(...) tt_log(TT_LOG_INFO, __VA_ARGS__)
#define log_debug(...) \
	do { if (tt_log_get_level() >= TT_LOG_DEBUG) tt_log(TT_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
