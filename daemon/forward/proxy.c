/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Dynamic forwarding (ssh -D): a local SOCKS5 (RFC 1928, with RFC 1929
 * username/password when configured) and HTTP CONNECT proxy on one port. The
 * handshake is read here without blocking and parsed by proxy_request.c; the
 * destination it names becomes a stream's SYN, and the stream answers the
 * client once the server has connected (or refused, with the matching reply
 * code). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward/fwd.h"
#include "forward/proxy.h"
#include "forward/proxy_request.h"
#include "forward/tunnels.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "toxtun/log.h"

#define HANDSHAKE_TIMEOUT 30.0

struct proxy_conn {
	struct fwd *f;
	struct tt_client_tunnel t;
	char origin[80];
	int fd;
	struct proxy_request req;
	uint8_t buf[PROXY_REQUEST_MAX];
	size_t len;
	ev_io io;
	ev_timer timer;
};

static void conn_free(struct proxy_conn *pc, bool close_fd)
{
	ev_io_stop(pc->f->loop, &pc->io);
	ev_timer_stop(pc->f->loop, &pc->timer);
	if (close_fd)
		close(pc->fd);
	free(pc);
}

/* Best effort: these replies are a few bytes on a fresh socket. */
static void send_bytes(int fd, const void *p, size_t n)
{
	ssize_t r = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)r;
}

static void refuse(struct proxy_conn *pc, const void *reply, size_t n, const char *why)
{
	if (reply)
		send_bytes(pc->fd, reply, n);
	log_warn("tunnel %s: proxy request from %s refused: %s", pc->t.name, pc->origin, why);
	conn_free(pc, true);
}

static void consume(struct proxy_conn *pc, size_t n)
{
	memmove(pc->buf, pc->buf + n, pc->len - n);
	pc->len -= n;
}

static const struct stream_endpoint socks_endpoint, http_endpoint;

/* The request is complete: hand the socket to a stream. What the client sent
 * after the request (it may not wait for our reply) goes with it. */
static void open_stream(struct proxy_conn *pc, const char *host, uint16_t port,
                        enum proxy_request_kind kind)
{
	struct session *s = fwd_session(pc->f, pc->t.server_id, false);
	int fd = pc->fd;
	struct stream_open o = {
		.tunnel = pc->t.name, .counters = tunnels_client_counters(pc->f->tunnels, pc->t.name),
		.origin = pc->origin, .host = host, .port = port, .early = pc->buf,
		.early_len = pc->len, .endpoint = kind == PROXY_REQUEST_SOCKS5 ? &socks_endpoint : &http_endpoint,
	};

	if (!s) {
		refuse(pc, NULL, 0, "no session for its server");
		return;
	}
	log_debug("tunnel %s: %s asks for %s:%u", pc->t.name, pc->origin, host, (unsigned)port);
	ev_io_stop(pc->f->loop, &pc->io);
	stream_open_local(s, fd, &o);
	conn_free(pc, false);
}

/* ---- the handshake loop ---- */

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct proxy_conn *pc = w->data;
	ssize_t n = recv(pc->fd, pc->buf + pc->len, sizeof(pc->buf) - pc->len, MSG_DONTWAIT);
	enum proxy_verdict v;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		log_debug("tunnel %s: %s closed before finishing the proxy handshake", pc->t.name, pc->origin);
		conn_free(pc, true);
		return;
	}
	pc->len += (size_t)n;
	/* Nothing is taken out of buf before the request is complete: the
	 * parser is handed every byte received so far. */
	v = proxy_request_feed(&pc->req, pc->buf, pc->len, pc->f->cfg->socks_user, pc->f->cfg->socks_pass);
	if (v == PROXY_REFUSED) {
		refuse(pc, pc->req.reply, pc->req.reply_len, pc->req.why);
		return;
	}
	if (pc->req.reply_len)
		send_bytes(pc->fd, pc->req.reply, pc->req.reply_len);
	if (v == PROXY_COMPLETE) {
		consume(pc, pc->req.used);
		open_stream(pc, pc->req.host, pc->req.port, pc->req.kind);
	}
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	refuse(w->data, NULL, 0, "no complete request within 30 s");
}

void proxy_accept(struct fwd *f, const struct tt_client_tunnel *t, int fd, const char *origin)
{
	struct proxy_conn *pc = calloc(1, sizeof(*pc));

	if (!pc) {
		close(fd);
		return;
	}
	pc->f = f;
	pc->t = *t;
	pc->fd = fd;
	snprintf(pc->origin, sizeof(pc->origin), "%s", origin);
	proxy_request_init(&pc->req);
	ev_io_init(&pc->io, on_readable, fd, EV_READ);
	ev_timer_init(&pc->timer, on_timeout, HANDSHAKE_TIMEOUT, 0);
	pc->io.data = pc->timer.data = pc;
	ev_io_start(f->loop, &pc->io);
	ev_timer_start(f->loop, &pc->timer);
}

/* ---- the answer, once the stream knows it ---- */

static void answer(struct stream *st, enum proxy_request_kind kind, bool ok, uint8_t reason)
{
	uint8_t out[PROXY_REPLY_MAX];

	send_bytes(stream_fd(st), out, proxy_request_answer(kind, ok, reason, out, sizeof(out)));
}

static void socks_opened(void *ctx, struct stream *st) { answer(st, PROXY_REQUEST_SOCKS5, true, 0); }
static void http_opened(void *ctx, struct stream *st) { answer(st, PROXY_REQUEST_HTTP, true, 0); }

static void socks_refused(void *ctx, struct stream *st, uint8_t reason)
{
	answer(st, PROXY_REQUEST_SOCKS5, false, reason);
}

static void http_refused(void *ctx, struct stream *st, uint8_t reason)
{
	answer(st, PROXY_REQUEST_HTTP, false, reason);
}

static const struct stream_endpoint socks_endpoint = { .opened = socks_opened, .refused = socks_refused };
static const struct stream_endpoint http_endpoint = { .opened = http_opened, .refused = http_refused };
