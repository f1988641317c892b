/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The control socket: a unix stream socket speaking JSON lines (PROTOCOL.md). */
#ifndef TOXTUN_CONTROL_H
#define TOXTUN_CONTROL_H

#include <stdbool.h>
#include <stddef.h>

struct daemon;
struct daemon_hooks;
struct control;
struct tt_config;

/* The socket path for this ini and role ("server", "client", "run"), by the
 * rule the tray shares: tt_control_socket_path (toxtun/control_path.h). */
bool control_socket_path(const struct tt_config *cfg, const char *role, char *out, size_t n);

/* Listen on path. Fails when another daemon answers there, or when the
 * directory is not private to us. */
struct control *control_new(struct daemon *d, const char *path, char *err, size_t errlen);
void control_free(struct control *c);

/* For daemon_run, with a struct control * to hold it as context: the
 * socket is made before anything else (a second daemon must not touch the
 * profile), and goes first when the daemon stops. */
extern const struct daemon_hooks control_hooks;

#endif
