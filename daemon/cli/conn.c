/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The control socket's client side (cli/conn.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/conn.h"
#include "control/control.h"
#include "control/request.h"

/* The largest line taken from the daemon (a snapshot of many streams). */
#define REPLY_MAX (16 * 1024 * 1024)

void ctl_error(const char *fmt, ...)
{
	va_list ap;

	fputs("tunnel: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

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

json_object *ctl_read(struct ctl_conn *c)
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

bool ctl_send(struct ctl_conn *c, const char *line)
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

json_object *ctl_request(struct ctl_conn *c, json_object *request)
{
	json_object *o, *ev;
	char *line;
	bool sent;

	if (asprintf(&line, "%s\n", json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN)) < 0)
		return NULL;
	sent = ctl_send(c, line);
	free(line);
	if (!sent)
		return NULL;
	while ((o = ctl_read(c))) {
		if (!json_object_object_get_ex(o, "event", &ev))
			return o;
		json_object_put(o);
	}
	return NULL;
}

enum ctl_open_result ctl_open(struct ctl_conn *c, const struct tt_config *cfg, const char *socket_path)
{
	static const char *const roles[] = { "server", "client", "run" };
	json_object *hello, *v;
	bool ours;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (socket_path) {
		snprintf(c->path, sizeof(c->path), "%s", socket_path);
		c->fd = try_connect(c->path);
		snprintf(c->tried, sizeof(c->tried), "%s", c->path);
	} else {
		for (size_t i = 0; i < 3 && c->fd < 0; i++) {
			size_t used = strlen(c->tried);

			if (!control_socket_path(cfg, roles[i], c->path, sizeof(c->path)))
				continue;
			c->fd = try_connect(c->path);
			snprintf(c->tried + used, sizeof(c->tried) - used, "%s%s", i ? ", " : "", c->path);
		}
	}
	if (c->fd < 0)
		return CTL_OPEN_NO_DAEMON;
	hello = ctl_read(c);
	ours = hello && json_object_object_get_ex(hello, "protocol", &v) &&
	       json_object_get_int(v) == CONTROL_PROTOCOL;
	json_object_put(hello);
	if (!ours) {
		ctl_error("%s does not speak the toxtun control protocol %d", c->path, CONTROL_PROTOCOL);
		ctl_close(c);
		return CTL_OPEN_FAILED;
	}
	return CTL_OPEN_OK;
}

void ctl_close(struct ctl_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->cap = 0;
}
