/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A connection to a running daemon's control socket, for the commands that
 * talk to one (`tunnel status|reload|stop|allow|deny`). */
#ifndef TOXTUN_CLI_CONN_H
#define TOXTUN_CLI_CONN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "toxtun/config.h"

struct ctl_conn {
	int fd;
	char *buf;
	size_t len, cap;
	char path[4096];          /* the socket that answered */
	char tried[3 * 4096 + 16]; /* the sockets tried, for a message */
};

enum ctl_open_result {
	CTL_OPEN_OK,
	CTL_OPEN_NO_DAEMON,       /* nobody answers at any of c->tried */
	CTL_OPEN_FAILED,          /* something answers, but not a toxtun daemon (printed) */
};

/* Connect to socket_path when given, else to the first of cfg's server,
 * client and run sockets that answers, and read the daemon's hello. */
enum ctl_open_result ctl_open(struct ctl_conn *c, const struct tt_config *cfg, const char *socket_path);
void ctl_close(struct ctl_conn *c);

bool ctl_send(struct ctl_conn *c, const char *line);
/* The next JSON line, or NULL (closed, or not JSON). */
json_object *ctl_read(struct ctl_conn *c);
/* Send one request object and return its reply (pushed events skipped), or
 * NULL when the daemon closed the connection. */
json_object *ctl_request(struct ctl_conn *c, json_object *request);

/* "tunnel: " and the message on stderr. */
void ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
