/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward/fwd.h"
#include "forward/sockutil.h"
#include "forward/tunnels.h"
#include "forward/udp.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "toxtun/frame.h"
#include "toxtun/log.h"

/* Datagrams read per wake-up, so that a flood cannot starve the loop. */
#define RECV_BATCH 64
/* Source addresses with a stream at once; more are dropped until some expire. */
#define MAX_FLOWS 1024

/* One source address and its stream: the stream's endpoint. */
struct flow {
	struct udpfwd *u;
	struct stream *st;
	struct sockaddr_storage source;
	struct flow *next;
};

struct udpfwd {
	struct fwd *f;
	struct tt_client_tunnel t;
	int fd;
	ev_io io;
	struct flow *flows;   /* most recently used first */
	size_t n_flows;
	bool warned_full;
};

static bool same_source(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

	return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, 16);
}

/* The stream of this source address, moved to the front; NULL if none. */
static struct stream *find_flow(struct udpfwd *u, const struct sockaddr_storage *src)
{
	for (struct flow **pp = &u->flows; *pp; pp = &(*pp)->next) {
		struct flow *fl = *pp;

		if (same_source(&fl->source, src)) {
			*pp = fl->next;
			fl->next = u->flows;
			u->flows = fl;
			return fl->st;
		}
	}
	return NULL;
}

/* An answer for the source address of a flow, on the forward's socket. */
static void on_flow_datagram(void *ctx, struct stream *st, const uint8_t *data, size_t len)
{
	struct flow *fl = ctx;
	socklen_t tl = fl->source.ss_family == AF_INET ? sizeof(struct sockaddr_in)
	                                               : sizeof(struct sockaddr_in6);

	sendto(fl->u->fd, data, len, MSG_DONTWAIT, (const struct sockaddr *)&fl->source, tl);
}

/* The flow's stream is being freed. */
static void on_flow_detached(void *ctx, struct stream *st)
{
	struct flow *fl = ctx;
	struct udpfwd *u = fl->u;

	for (struct flow **pp = &u->flows; *pp; pp = &(*pp)->next) {
		if (*pp == fl) {
			*pp = fl->next;
			u->n_flows--;
			break;
		}
	}
	free(fl);
}

static const struct stream_endpoint flow_endpoint = {
	.datagram = on_flow_datagram,
	.detached = on_flow_detached,
};

static struct stream *new_flow(struct udpfwd *u, struct session *s, const struct sockaddr_storage *src)
{
	char origin[80];
	struct flow *fl;
	struct stream_open o = {
		.tunnel = u->t.name, .counters = tunnels_client_counters(u->f->tunnels, u->t.name),
		.origin = origin, .host = u->t.remote_host, .port = u->t.remote_port,
		.syn_flags = TT_FRAME_FLAG_UDP, .endpoint = &flow_endpoint,
	};

	if (u->n_flows >= MAX_FLOWS || (session_state(s) != SESSION_UP &&
	                                session_stream_count(s) >= u->f->cfg->max_waiting)) {
		if (!u->warned_full)
			log_warn("tunnel %s: too many datagram flows, dropping new ones", u->t.name);
		u->warned_full = true;
		return NULL;
	}
	u->warned_full = false;
	sock_endpoint_str((const struct sockaddr *)src, origin, sizeof(origin));
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	fl->u = u;
	fl->source = *src;
	fl->next = u->flows;
	u->flows = fl;
	u->n_flows++;
	o.endpoint_ctx = fl;
	/* On failure the stream is not made and its endpoint never hears of it. */
	fl->st = stream_open_local(s, -1, &o);
	if (!fl->st) {
		on_flow_detached(fl, NULL);
		return NULL;
	}
	log_debug("tunnel %s: datagram flow from %s", u->t.name, origin);
	return fl->st;
}

static void on_datagram(struct ev_loop *loop, ev_io *w, int revents)
{
	static uint8_t buf[65536];
	struct udpfwd *u = w->data;
	struct session *s = fwd_session(u->f, u->t.server_id, false);

	for (int i = 0; i < RECV_BATCH; i++) {
		struct sockaddr_storage src;
		socklen_t sl = sizeof(src);
		ssize_t n = recvfrom(u->fd, buf, sizeof(buf), 0, (struct sockaddr *)&src, &sl);
		struct stream *st;

		if (n < 0)
			return; /* EAGAIN, or an ICMP error for something we sent: nothing to do */
		if (n == 0 || !s)
			continue;
		st = find_flow(u, &src);
		if (!st)
			st = new_flow(u, s, &src);
		if (st)
			stream_send_datagram(st, buf, (size_t)n);
	}
}

struct udpfwd *udpfwd_new(struct fwd *f, const struct tt_client_tunnel *t, char *err, size_t errlen)
{
	struct udpfwd *u = calloc(1, sizeof(*u));

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->f = f;
	u->t = *t;
	u->fd = sock_bind(t->listen_host, t->listen_port, SOCK_DGRAM, err, errlen);
	if (u->fd < 0) {
		free(u);
		return NULL;
	}
	ev_io_init(&u->io, on_datagram, u->fd, EV_READ);
	u->io.data = u;
	ev_io_start(f->loop, &u->io);
	return u;
}

void udpfwd_free(struct udpfwd *u)
{
	if (!u)
		return;
	while (u->flows)
		stream_abort(u->flows->st, TT_REASON_SHUTDOWN, true, NULL); /* unlinks itself */
	ev_io_stop(u->f->loop, &u->io);
	close(u->fd);
	free(u);
}
