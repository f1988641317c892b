/* A connection to a running daemon's control socket (PROTOCOL.md). */
#ifndef TOXTUN_CONN_H
#define TOXTUN_CONN_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "toxtun/config.h"

struct conn {
	int fd;
	char *buf;          /* read but not yet taken: a line's rest, or bytes after it */
	size_t len, cap;
};

/* Connect to socket_path when given, else to the first of the ini's
 * server/client/run sockets that answers (path says which), and read its
 * hello. False with err set (c->fd may be open: the caller closes it). */
bool conn_open(struct conn *c, const struct tt_config *cfg, const char *socket_path, char *path,
               size_t path_len, char *err, size_t errlen);
/* One JSON line from the daemon, or NULL (closed, or not JSON). */
json_object *conn_read_json(struct conn *c);
bool conn_send_line(struct conn *c, const char *line);

#endif
