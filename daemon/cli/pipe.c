/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `tunnel pipe FILE.ini HOST:PORT`: stdin and stdout joined to HOST:PORT as
 * the server sees it, through the running client daemon of FILE.ini - what
 * ssh's ProxyCommand wants. The control connection itself becomes the
 * stream (PROTOCOL.md, "pipe"): one request line, one answer line, then the
 * bytes both ways, each direction closed on its own (half-close). */
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/conn.h"
#include "cli/pipe.h"

#define CHUNK 65536

static int fail(struct ctl_conn *c, const char *what, const char *detail)
{
	fprintf(stderr, "tunnel pipe: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	ctl_close(c);
	return 1;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Copy both ways until both are closed. A read end's EOF closes the other
 * side's write end only: the far end's answer still comes back. */
static int relay(int sock)
{
	static char buf[CHUNK];
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = sock, .events = POLLIN } };
	bool in_open = true, out_open = true;

	while (in_open || out_open) {
		p[0].fd = in_open ? 0 : -1;
		p[1].fd = out_open ? sock : -1;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (p[0].revents) {
			ssize_t n = read(0, buf, sizeof(buf));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				in_open = false;
				shutdown(sock, SHUT_WR);
			} else if (!write_all(sock, buf, (size_t)n)) {
				return 1;
			}
		}
		if (p[1].revents) {
			ssize_t n = read(sock, buf, sizeof(buf));

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return 1; /* reset: the stream was cut short */
			if (n == 0) {
				out_open = false;
				close(1);
			} else if (!write_all(1, buf, (size_t)n)) {
				return 1;
			}
		}
	}
	return 0;
}

int cli_pipe(const struct tt_config *cfg, const char *socket_path, const char *target, const char *via)
{
	struct ctl_conn c = { .fd = -1 };
	char err[3 * 4096 + 128], host[TT_HOST_MAX], *line;
	json_object *req, *reply, *ok;
	uint16_t port;
	int status;

	if (!tt_parse_endpoint(target, host, sizeof(host), &port, err, sizeof(err)))
		return fail(&c, "bad destination", err);
	switch (ctl_open(&c, cfg, socket_path)) {
	case CTL_OPEN_NO_DAEMON:
		snprintf(err, sizeof(err), "no tunnel daemon is running (no answer at %s)", c.tried);
		return fail(&c, err, NULL);
	case CTL_OPEN_FAILED:
		return 1; /* said */
	case CTL_OPEN_OK:
		break;
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("pipe"));
	json_object_object_add(req, "host", json_object_new_string(host));
	json_object_object_add(req, "port", json_object_new_int(port));
	if (via)
		json_object_object_add(req, "via", json_object_new_string(via));
	if (asprintf(&line, "%s\n", json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN)) < 0)
		line = NULL;
	json_object_put(req);
	if (!line || !ctl_send(&c, line)) {
		free(line);
		return fail(&c, c.path, "the daemon closed the connection");
	}
	free(line);
	reply = ctl_read(&c);
	if (!reply)
		return fail(&c, c.path, "the daemon closed the connection");
	if (!json_object_object_get_ex(reply, "ok", &ok) || !json_object_get_boolean(ok)) {
		json_object *e = json_object_object_get(reply, "error");

		snprintf(err, sizeof(err), "%s", e ? json_object_get_string(e) : "refused");
		json_object_put(reply);
		return fail(&c, err, NULL);
	}
	json_object_put(reply);
	/* What came behind the answer is the far end's first bytes. */
	if (c.len && !write_all(1, c.buf, c.len))
		return fail(&c, "stdout", strerror(errno));
	status = relay(c.fd);
	ctl_close(&c);
	return status;
}
