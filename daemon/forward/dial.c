/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward/dial.h"
#include "forward/fwd.h"
#include "forward/resolve.h"
#include "forward/reverse.h"
#include "forward/sockutil.h"
#include "forward/tunnels.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "toxtun/frame.h"
#include "toxtun/log.h"

#define MAX_ADDRS 8

struct dial {
	struct fwd *f;
	struct stream *st;
	int fd;
	struct sockaddr_storage addrs[MAX_ADDRS];
	socklen_t lens[MAX_ADDRS];
	int n_addrs, next;
	uint8_t last_reason;
	char host[256];
	uint16_t port;
	unsigned flags;
	struct resolve *resolve;
	ev_io io;
	ev_timer timer;
};

static uint8_t reason_of(int err)
{
	switch (err) {
	case ECONNREFUSED: return TT_REASON_REFUSED;
	case ETIMEDOUT: return TT_REASON_TIMEOUT;
	case EACCES:
	case EPERM: return TT_REASON_NOT_PERMITTED;
	default: return TT_REASON_UNREACHABLE;
	}
}

static void finish(struct dial *dl, int fd, uint8_t reason)
{
	struct stream *st = dl->st;

	stream_set_endpoint(st, NULL, NULL);
	ev_io_stop(dl->f->loop, &dl->io);
	ev_timer_stop(dl->f->loop, &dl->timer);
	free(dl);
	stream_dial_done(st, fd, reason, NULL);
}

static void try_next(struct dial *dl);

static void on_connected(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dial *dl = w->data;
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(dl->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	ev_io_stop(loop, &dl->io);
	ev_timer_stop(loop, &dl->timer);
	if (err == 0) {
		int fd = dl->fd;

		dl->fd = -1;
		finish(dl, fd, 0);
		return;
	}
	close(dl->fd);
	dl->fd = -1;
	dl->last_reason = reason_of(err);
	try_next(dl);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dial *dl = w->data;

	ev_io_stop(loop, &dl->io);
	close(dl->fd);
	dl->fd = -1;
	dl->last_reason = TT_REASON_TIMEOUT;
	try_next(dl);
}

/* Connect to the next permitted address, or give the last failure. */
static void try_next(struct dial *dl)
{
	while (dl->next < dl->n_addrs) {
		int i = dl->next++;
		int type = dl->flags & DIAL_DATAGRAM ? SOCK_DGRAM : SOCK_STREAM;
		int fd = socket(dl->addrs[i].ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			dl->last_reason = TT_REASON_UNREACHABLE;
			continue;
		}
		if (type == SOCK_STREAM)
			sock_set_nodelay(fd);
		if (connect(fd, (struct sockaddr *)&dl->addrs[i], dl->lens[i]) == 0) {
			finish(dl, fd, 0);
			return;
		}
		if (errno != EINPROGRESS) {
			dl->last_reason = reason_of(errno);
			close(fd);
			continue;
		}
		dl->fd = fd;
		ev_io_set(&dl->io, fd, EV_WRITE);
		ev_io_start(dl->f->loop, &dl->io);
		ev_timer_set(&dl->timer, dl->f->cfg->connect_timeout_s, 0);
		ev_timer_start(dl->f->loop, &dl->timer);
		return;
	}
	finish(dl, -1, dl->last_reason);
}

/* Keep the resolved addresses the permit list allows, then connect. The
 * permit list applies to every address a name resolved to: a name cannot
 * smuggle a forbidden address past it. */
static void dial_addresses(struct dial *dl, const struct addrinfo *res)
{
	char addr[INET6_ADDRSTRLEN];

	for (const struct addrinfo *ai = res; ai && dl->n_addrs < MAX_ADDRS; ai = ai->ai_next) {
		if (!sock_addr_str(ai->ai_addr, addr, sizeof(addr)))
			continue;
		if ((dl->flags & DIAL_CHECK_PERMIT) && !tt_permit_check(dl->f->cfg, dl->host, addr, dl->port))
			continue;
		memcpy(&dl->addrs[dl->n_addrs], ai->ai_addr, ai->ai_addrlen);
		dl->lens[dl->n_addrs++] = ai->ai_addrlen;
	}
	try_next(dl);
}

static void on_resolved(void *ctx, const struct addrinfo *res, int err)
{
	struct dial *dl = ctx;

	dl->resolve = NULL;
	if (err) {
		finish(dl, -1, TT_REASON_RESOLVE);
		return;
	}
	dial_addresses(dl, res);
}

/* The stream went away while we were dialling for it. */
static void on_detached(void *ctx, struct stream *st)
{
	struct dial *dl = ctx;

	if (dl->resolve)
		resolve_cancel(dl->resolve);
	ev_io_stop(dl->f->loop, &dl->io);
	ev_timer_stop(dl->f->loop, &dl->timer);
	if (dl->fd >= 0)
		close(dl->fd);
	free(dl);
}

static const struct stream_endpoint dial_endpoint = { .detached = on_detached };

void dial_start(struct fwd *f, struct stream *st, const char *host, uint16_t port, unsigned flags)
{
	struct addrinfo hints = { .ai_socktype = flags & DIAL_DATAGRAM ? SOCK_DGRAM : SOCK_STREAM,
	                          .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST };
	struct addrinfo *res = NULL;
	struct dial *dl = calloc(1, sizeof(*dl));
	char portstr[8];

	if (!dl) {
		stream_dial_done(st, -1, TT_REASON_RESET, "(out of memory)");
		return;
	}
	dl->f = f;
	dl->st = st;
	stream_set_endpoint(st, &dial_endpoint, dl);
	dl->fd = -1;
	dl->last_reason = TT_REASON_NOT_PERMITTED;
	snprintf(dl->host, sizeof(dl->host), "%s", host);
	dl->port = port;
	dl->flags = flags;
	ev_init(&dl->io, on_connected);
	ev_init(&dl->timer, on_timeout);
	dl->io.data = dl->timer.data = dl;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	/* Literals resolve at once; names go to the resolver off the loop. */
	if (getaddrinfo(host, portstr, &hints, &res) == 0) {
		dial_addresses(dl, res);
		freeaddrinfo(res);
		return;
	}
	dl->resolve = resolve_start(f->loop, host, port, on_resolved, dl);
	if (!dl->resolve)
		finish(dl, -1, TT_REASON_RESOLVE);
}

uint8_t dial_syn(struct fwd *f, struct session *s, uint32_t id, const struct tt_syn *syn,
                 uint8_t flags)
{
	const struct tt_client_tunnel *line = NULL;
	struct tunnel_stats *ts;
	struct stream *st;
	uint8_t reason = 0;

	if (flags & TT_FRAME_FLAG_REVERSE) {
		/* For one of our reverse lines, or for nothing we asked. */
		line = reverse_find_line(f, session_pubkey(s), syn->host, syn->port);
		if (!line)
			reason = TT_REASON_NOT_PERMITTED;
	} else if (!(f->roles & ROLE_SERVER)) {
		reason = TT_REASON_NOT_SERVER;
	}
	if (!reason && session_stream_count(s) >= f->cfg->max_streams)
		reason = TT_REASON_LIMIT;
	ts = line ? tunnels_find_client(f->tunnels, line->name)
	          : tunnels_server(f->tunnels, session_pubkey(s), syn->host, syn->port);
	if (reason) {
		if (ts)
			ts->c.refused++;
		return reason;
	}
	/* A reverse line's destination is ours to choose, not the peer's. */
	st = line ? stream_new_server(s, id, syn, flags, line->name, line->remote_host,
	                              line->remote_port, ts ? &ts->c : NULL)
	          : stream_new_server(s, id, syn, flags, "", syn->host, syn->port, ts ? &ts->c : NULL);
	if (!st)
		return 0; /* out of memory: the stream is dropped as before */
	/* may end the stream */
	dial_start(f, st, line ? line->remote_host : syn->host, line ? line->remote_port : syn->port,
	           ((flags & TT_FRAME_FLAG_UDP) ? DIAL_DATAGRAM : 0) | (line ? 0 : DIAL_CHECK_PERMIT));
	return 0;
}
