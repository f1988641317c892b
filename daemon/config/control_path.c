/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The control socket's path: see include/toxtun/control_path.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "toxtun/control_path.h"

const char *tt_ini_stem(const char *path, size_t *len)
{
	size_t end = strlen(path), start;
	const char *dot;

	while (end > 1 && path[end - 1] == '/')
		end--;
	start = end;
	while (start > 0 && path[start - 1] != '/')
		start--;
	dot = memrchr(path + start, '.', end - start);
	if (dot && dot > path + start)
		end = (size_t)(dot - path);
	*len = end - start;
	return path + start;
}

bool tt_control_socket_path(const char *ini_path, const char *control_socket, const char *role, char *out,
                            size_t n)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *stem;
	size_t stem_len;
	int len;

	if (control_socket && *control_socket) {
		len = snprintf(out, n, "%s", control_socket);
		return len >= 0 && (size_t)len < n;
	}
	stem = tt_ini_stem(ini_path, &stem_len);
	/* A relative XDG_RUNTIME_DIR would put the socket wherever the daemon
	 * happens to run; the spec says to ignore it. */
	if (xdg && xdg[0] == '/')
		len = snprintf(out, n, "%s/toxtun/%.*s.%s.sock", xdg, (int)stem_len, stem, role);
	else if (getuid() == 0)
		len = snprintf(out, n, "/run/toxtun/%.*s.%s.sock", (int)stem_len, stem, role);
	else
		len = snprintf(out, n, "/tmp/toxtun-%ld/%.*s.%s.sock", (long)getuid(), (int)stem_len, stem, role);
	return len >= 0 && (size_t)len < n;
}
