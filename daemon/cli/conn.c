/* A connection to a running daemon's control socket, for the commands that
 * talk to one (cli/ctl.c, cli/pipe.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/conn.h"
#include "control/control.h"
#include "control/request.h"

#define REPLY_MAX (16 * 1024 * 1024)

static int try_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

json_object *conn_read_json(struct conn *c)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		ssize_t n;

		if (nl) {
			size_t line = (size_t)(nl - c->buf);
			json_object *o = json_tokener_parse(nl == c->buf ? "" : (*nl = '\0', c->buf));

			memmove(c->buf, nl + 1, c->len - line - 1);
			c->len -= line + 1;
			return o;
		}
		if (c->len + 65536 > c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 131072;
			char *p = cap <= REPLY_MAX ? realloc(c->buf, cap) : NULL;

			if (!p)
				return NULL;
			c->buf = p;
			c->cap = cap;
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
}

bool conn_send_line(struct conn *c, const char *line)
{
	size_t len = strlen(line), off = 0;

	while (off < len) {
		ssize_t n = send(c->fd, line + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	return true;
}

bool conn_open(struct conn *c, const struct tt_config *cfg, const char *socket_path, char *path,
               size_t path_len, char *err, size_t errlen)
{
	static const char *const roles[] = { "server", "client", "run" };
	char tried[3 * 4096 + 16] = "";
	json_object *hello, *protocol;
	bool ok;

	c->fd = -1;
	if (socket_path) {
		snprintf(path, path_len, "%s", socket_path);
		c->fd = try_connect(path);
		snprintf(tried, sizeof(tried), "%s", path);
	} else {
		for (size_t i = 0; i < 3 && c->fd < 0; i++) {
			if (!control_socket_path(cfg, roles[i], path, path_len))
				continue;
			c->fd = try_connect(path);
			snprintf(tried + strlen(tried), sizeof(tried) - strlen(tried), "%s%s", i ? ", " : "", path);
		}
	}
	if (c->fd < 0) {
		snprintf(err, errlen, "no tunnel daemon is running (no answer at %s)", tried);
		return false;
	}
	hello = conn_read_json(c);
	ok = hello && json_object_object_get_ex(hello, "protocol", &protocol) &&
	     json_object_get_int(protocol) == CONTROL_PROTOCOL;
	json_object_put(hello);
	if (!ok)
		snprintf(err, errlen, "%s does not speak the toxtun control protocol %d", path, CONTROL_PROTOCOL);
	return ok;
}
