#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/tunnels.h"
#include "forward/sockutil.h"
#include "forward/udp.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "toxtun/frame.h"
#include "toxtun/log.h"

/* Datagrams read per wake-up, so that a flood cannot starve the loop. */
#define RECV_BATCH 64
/* Source addresses with a stream at once; more are dropped until some expire. */
#define MAX_FLOWS 1024

struct udpfwd {
	struct daemon *d;
	struct tt_client_tunnel t;
	int fd;
	ev_io io;
	struct stream *flows; /* linked through udp_next, most recently used first */
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
	for (struct stream **pp = &u->flows; *pp; pp = &(*pp)->udp_next) {
		struct stream *st = *pp;

		if (same_source(&st->udp_source, src)) {
			*pp = st->udp_next;
			st->udp_next = u->flows;
			u->flows = st;
			return st;
		}
	}
	return NULL;
}

static struct stream *new_flow(struct udpfwd *u, struct session *s, const struct sockaddr_storage *src)
{
	char origin[80];
	struct stream_open o = {
		.tunnel = u->t.name, .ts = tunnels_find_client(u->d, u->t.name), .origin = origin,
		.host = u->t.remote_host, .port = u->t.remote_port, .syn_flags = TT_FRAME_FLAG_UDP,
	};
	struct stream *st;

	if (u->n_flows >= MAX_FLOWS || (session_state(s) != SESSION_UP &&
	                                session_stream_count(s) >= u->d->cfg->max_waiting)) {
		if (!u->warned_full)
			log_warn("tunnel %s: too many datagram flows, dropping new ones", u->t.name);
		u->warned_full = true;
		return NULL;
	}
	u->warned_full = false;
	sock_endpoint_str((const struct sockaddr *)src, origin, sizeof(origin));
	st = stream_open_local(s, -1, &o);
	if (!st)
		return NULL;
	/* stream_open_local may have sent SYN already; the source is only
	 * needed for answers, which cannot have arrived yet. */
	st->udp = u;
	st->udp_source = *src;
	st->udp_next = u->flows;
	u->flows = st;
	u->n_flows++;
	log_debug("tunnel %s: datagram flow from %s", u->t.name, origin);
	return st;
}

static void on_datagram(struct ev_loop *loop, ev_io *w, int revents)
{
	static uint8_t buf[65536];
	struct udpfwd *u = w->data;
	struct session *s = daemon_session(u->d, u->t.server_id, false);

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

struct udpfwd *udpfwd_new(struct daemon *d, const struct tt_client_tunnel *t, char *err, size_t errlen)
{
	struct udpfwd *u = calloc(1, sizeof(*u));

	if (!u) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	u->d = d;
	u->t = *t;
	u->fd = sock_bind(t->listen_host, t->listen_port, SOCK_DGRAM, err, errlen);
	if (u->fd < 0) {
		free(u);
		return NULL;
	}
	ev_io_init(&u->io, on_datagram, u->fd, EV_READ);
	u->io.data = u;
	ev_io_start(d->loop, &u->io);
	return u;
}

void udpfwd_free(struct udpfwd *u)
{
	if (!u)
		return;
	while (u->flows)
		stream_abort(u->flows, TT_REASON_SHUTDOWN, true, NULL); /* unlinks itself */
	ev_io_stop(u->d->loop, &u->io);
	close(u->fd);
	free(u);
}

void udpfwd_forget(struct udpfwd *u, struct stream *st)
{
	for (struct stream **pp = &u->flows; *pp; pp = &(*pp)->udp_next) {
		if (*pp == st) {
			*pp = st->udp_next;
			u->n_flows--;
			return;
		}
	}
}

void udpfwd_send(struct udpfwd *u, const struct sockaddr_storage *to, const void *data, size_t len)
{
	socklen_t tl = to->ss_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);

	sendto(u->fd, data, len, MSG_DONTWAIT, (const struct sockaddr *)to, tl);
}
