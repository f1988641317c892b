/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ev.h>

#include "mux/compress.h"
#include "mux/flow.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "mux/streamtab.h"
#include "toxtun/log.h"

/* Bytes read from a local socket per read: large enough to fill many
 * packets and to compress well, small enough to stay fair among streams. */
#define READ_CHUNK (32 * 1024)
/* A stream whose last read shrank to half or less reads up to this much:
 * what it sends per read stays within READ_CHUNK, and LZ4 on twice the
 * input shrinks log-like text 4.48x instead of 4.25x and runs 5 % faster
 * (a loopback text upload is bound by the sender's CPU, about half of it
 * per packet). The most a DATA frame holds. */
#define READ_CHUNK_COMPRESSIBLE TT_FRAME_MAX_PAYLOAD
/* While the pacing is in debt, a TCP stream reads only if no more than this
 * waits in its socket: a keystroke or a request goes ahead of the bulk at
 * once, as before; but every bulk stream reading its chunk once per refill
 * sent 8 x 32 KiB at once with 8 streams, a burst that queued 40 ms at a
 * 50 Mbit/s bottleneck; congestion control took that for a standing queue
 * and cruised at 0.8 x the rate (8 streams on the 200 ms path: 1.1-1.5
 * MB/s, one stream 2.05). */
#define DEBT_READ_MAX 4096
#define MAX_IOV 64
/* The largest datagram a DATA frame carries (and UDP over IPv4 can). */
#define DATAGRAM_MAX 65507
/* Datagrams read from one socket per wake-up. */
#define DATAGRAM_BATCH 64

enum stream_state {
	STREAM_WAITING,   /* client: accepted, the tunnel is not up yet */
	STREAM_DIALING,   /* server: connecting to the destination */
	STREAM_OPEN,      /* carrying data (client: also before SYNACK) */
};

struct chunk {
	struct chunk *next;
	uint32_t len, off;
	uint8_t data[];
};

struct stream {
	struct session *session;
	struct stream_entry entry;         /* in the session's table; entry.id is 0 while WAITING */
	uint32_t id;
	int fd;
	uint8_t channel;
	unsigned pace_epoch;               /* the session's pacing epoch of our last read */
	enum stream_state state;
	bool from_client_side;             /* we accepted it locally (we sent SYN) */
	bool synack;                       /* client: the destination answered */
	uint8_t syn_flags;                 /* TT_FRAME_FLAG_REVERSE / TT_FRAME_FLAG_UDP of its SYN */
	uint8_t *early;                    /* bytes read during a proxy handshake, sent after SYN */
	size_t early_len;
	char tunnel[TT_NAME_MAX];          /* client: tunnel name; server: "" or a reverse line's */
	char origin[80];                   /* local peer address (client side) */
	char dest_host[TT_HOST_MAX];
	uint16_t dest_port;
	struct flow flow;                  /* credit and half-close, in uncompressed bytes */
	uint32_t rx_window;
	struct chunk *rx_head, *rx_tail;
	struct lz4_state lz4;
	/* statistics */
	uint64_t bytes_up, bytes_down;     /* up = from the local socket to the peer */
	double opened;
	struct stream_counters *counters;  /* the tunnel it counts towards, or NULL */
	const struct stream_endpoint *ep;  /* the forward that opened it */
	void *ep_ctx;
	double last_active;                /* datagram streams expire when idle */
	ev_io rio, wio;
	ev_timer timer;                    /* WAITING: wait timeout; datagrams: idle timeout */
};

static struct ev_loop *loop_of(struct stream *st) { return session_loop(st->session); }

static void on_readable(struct ev_loop *loop, ev_io *w, int revents);
static void written(struct stream *st, size_t n);
static void on_writable(struct ev_loop *loop, ev_io *w, int revents);
static void on_wait_timeout(struct ev_loop *loop, ev_timer *w, int revents);
static void on_idle_timeout(struct ev_loop *loop, ev_timer *w, int revents);

static bool is_datagram(const struct stream *st) { return st->syn_flags & TT_FRAME_FLAG_UDP; }

/* Connected at both ends: a cut from now on loses data. */
static bool stream_established(const struct stream *st)
{
	return st->from_client_side ? st->synack : st->state == STREAM_OPEN;
}

static struct stream *stream_alloc(struct session *s)
{
	struct stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->session = s;
	st->entry.stream = st;
	st->fd = -1;
	st->opened = ev_now(session_loop(s));
	ev_init(&st->rio, on_readable);
	ev_init(&st->wio, on_writable);
	ev_init(&st->timer, on_wait_timeout);
	st->rio.data = st->wio.data = st->timer.data = st;
	return st;
}

/* Count bytes towards the stream's tunnel. "Up" is from the client's local
 * side to the server, whichever side we are. */
static void count_bytes(struct stream *st, bool read_locally, size_t n)
{
	bool up = read_locally == st->from_client_side;

	if (up)
		st->bytes_up += n;
	else
		st->bytes_down += n;
	if (st->counters) {
		if (up)
			st->counters->bytes_up += n;
		else
			st->counters->bytes_down += n;
	}
}

static void attach_counters(struct stream *st, struct stream_counters *c)
{
	st->counters = c;
	if (c) {
		c->streams_total++;
		c->streams_active++;
	}
}

static void count_refused(struct stream *st)
{
	session_count_refused(st->session);
	if (st->counters)
		st->counters->refused++;
}

static void set_fd(struct stream *st, int fd)
{
	st->fd = fd;
	ev_io_set(&st->rio, fd, EV_READ);
	ev_io_set(&st->wio, fd, EV_WRITE);
}

/* What a log line calls this stream. */
static void describe(const struct stream *st, char *out, size_t n)
{
	if (st->from_client_side)
		snprintf(out, n, "tunnel %s: connection from %s to %s:%u", st->tunnel, st->origin,
		         st->dest_host, (unsigned)st->dest_port);
	else
		snprintf(out, n, "peer %s: stream %u to %s:%u", session_name(st->session),
		         (unsigned)st->id, st->dest_host, (unsigned)st->dest_port);
}

void stream_free(struct stream *st)
{
	struct ev_loop *loop = loop_of(st);
	struct chunk *c, *next;

	ev_io_stop(loop, &st->rio);
	ev_io_stop(loop, &st->wio);
	ev_timer_stop(loop, &st->timer);
	if (st->ep && st->ep->detached)
		st->ep->detached(st->ep_ctx, st);
	st->ep = NULL;
	if (st->fd >= 0)
		close(st->fd);
	for (c = st->rx_head; c; c = next) {
		next = c->next;
		free(c);
	}
	if (st->counters)
		st->counters->streams_active--;
	free(st->early);
	session_remove_stream(st->session, &st->entry);
	free(st);
}

static void send_frame_u32(struct stream *st, uint8_t type, uint32_t v)
{
	uint8_t *p = session_reserve(st->session, st->channel, TT_FRAME_HEADER + 4);

	if (p)
		session_commit(st->session, st->channel, tt_frame_put_u32(p, type, st->id, v));
}

static void send_frame_empty(struct stream *st, uint8_t type)
{
	uint8_t *p = session_reserve(st->session, st->channel, TT_FRAME_HEADER);

	if (p)
		session_commit(st->session, st->channel, tt_frame_put_empty(p, type, st->id));
}

void stream_abort(struct stream *st, uint8_t reason, bool send_rst, const char *why)
{
	char desc[512];

	if (send_rst && st->id && session_state(st->session) == SESSION_UP) {
		uint8_t *p = session_reserve(st->session, st->channel, TT_FRAME_CONTROL_MAX);

		if (p)
			session_commit(st->session, st->channel,
			               tt_frame_put_rst(p, TT_FRAME_RST, st->id, reason, why));
	}
	if (why) {
		describe(st, desc, sizeof(desc));
		log_info("%s closed: %s", desc, why);
	}
	/* A connection cut short must not look complete: an established stream
	 * that ends for any reason but a normal close is reset (linger 0 sends
	 * RST), as is any stream on a reset or protocol error. A connection the
	 * server refused before it was established just closes. */
	if (st->fd >= 0 && !is_datagram(st) &&
	    (reason == TT_REASON_RESET || reason == TT_REASON_PROTOCOL ||
	     (reason != TT_REASON_NONE && stream_established(st)))) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(st->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	stream_free(st);
}

/* Both directions are done and every byte is written: the stream ends. */
static bool maybe_finish(struct stream *st)
{
	if (flow_finished(&st->flow)) {
		stream_free(st);
		return true;
	}
	return false;
}

/* The pacing lets this stream read now (DEBT_READ_MAX). */
static bool may_read(struct stream *st)
{
	int waiting;

	if (!session_may_read(st->session, &st->pace_epoch))
		return false;
	if (is_datagram(st) || !session_in_debt(st->session))
		return true;
	return ioctl(st->fd, FIONREAD, &waiting) < 0 || waiting <= DEBT_READ_MAX;
}

void stream_update_read(struct stream *st)
{
	bool want = st->state == STREAM_OPEN && st->fd >= 0 && !st->flow.local_eof &&
	            flow_tx_credit(&st->flow) > 0 && may_read(st);

	if (want && !ev_is_active(&st->rio))
		ev_io_start(loop_of(st), &st->rio);
	else if (!want && ev_is_active(&st->rio))
		ev_io_stop(loop_of(st), &st->rio);
}

/* ---- datagram streams ---- */

void stream_send_datagram(struct stream *st, const uint8_t *data, size_t len)
{
	struct session *s = st->session;
	uint8_t *p;

	if (len == 0 || len > DATAGRAM_MAX)
		return; /* an empty DATA frame does not exist; nor do larger datagrams */
	st->last_active = ev_now(loop_of(st));
	if (st->state == STREAM_WAITING) {
		/* The tunnel is not up yet: the first datagram goes after SYN. */
		if (!st->early && (st->early = malloc(len))) {
			memcpy(st->early, data, len);
			st->early_len = len;
		}
		return;
	}
	if (!session_can_send_datagram(s, len) || flow_tx_credit(&st->flow) < len ||
	    !(p = session_reserve(s, st->channel, TT_FRAME_HEADER + 2 + COMPRESS_BOUND(len)))) {
		if (st->counters) /* dropped, as UDP may */
			st->counters->datagrams_dropped++;
		return;
	}
	memcpy(p + TT_FRAME_HEADER, data, len);
	session_commit(s, st->channel, compress_data_frame(&st->lz4, st->id, p, len));
	flow_on_sent(&st->flow, len);
	count_bytes(st, true, len);
	session_count_payload(s, true, len);
}

/* Server side: datagrams from the destination, on the stream's own socket. */
static void read_datagrams(struct stream *st)
{
	static uint8_t buf[DATAGRAM_MAX + 1];

	for (int i = 0; i < DATAGRAM_BATCH; i++) {
		ssize_t n = recv(st->fd, buf, sizeof(buf), 0);

		if (n < 0) {
			/* ECONNREFUSED: an ICMP error for an earlier datagram. */
			if (errno == ECONNREFUSED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				stream_abort(st, TT_REASON_RESET, true, strerror(errno));
			return;
		}
		stream_send_datagram(st, buf, (size_t)n);
	}
}

/* One datagram to the local side: the client answers the source address on
 * its forward's socket, the server sends on its connected socket. A full
 * socket buffer drops it, as UDP would. */
static void send_local_datagram(struct stream *st, const uint8_t *data, size_t len)
{
	st->last_active = ev_now(loop_of(st));
	if (st->fd < 0 && st->ep && st->ep->datagram)
		st->ep->datagram(st->ep_ctx, st, data, len);
	else
		send(st->fd, data, len, MSG_DONTWAIT);
	written(st, len); /* the credit comes back, sent or not */
}

static void start_idle_timer(struct stream *st)
{
	st->last_active = ev_now(loop_of(st));
	ev_set_cb(&st->timer, on_idle_timeout);
	ev_timer_set(&st->timer, session_limits(st->session)->udp_timeout_s, 0);
	ev_timer_start(loop_of(st), &st->timer);
}

static void on_idle_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct stream *st = w->data;
	unsigned timeout = session_limits(st->session)->udp_timeout_s;
	double left = st->last_active + timeout - ev_now(loop);
	char why[64];

	if (left > 0.01) {
		ev_timer_set(w, left, 0);
		ev_timer_start(loop, w);
		return;
	}
	snprintf(why, sizeof(why), "no datagram for %u s", timeout);
	stream_abort(st, TT_REASON_IDLE, true, why);
}

/* Read once from the local socket and send what came as a DATA frame. */
static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct stream *st = w->data;
	struct session *s = st->session;
	uint64_t credit = flow_tx_credit(&st->flow);
	size_t chunk = st->lz4.halves ? READ_CHUNK_COMPRESSIBLE : READ_CHUNK;
	size_t want = credit < chunk ? (size_t)credit : chunk;
	uint8_t *p;
	ssize_t n;

	if (!may_read(st)) {
		ev_io_stop(loop, w); /* resumed by the session (resume_streams) */
		return;
	}
	session_did_read(s, &st->pace_epoch);
	if (is_datagram(st)) {
		read_datagrams(st);
		return;
	}
	if (want == 0) {
		stream_update_read(st);
		return;
	}
	p = session_reserve(s, st->channel, TT_FRAME_HEADER + 2 + COMPRESS_BOUND(want));
	if (!p) {
		stream_abort(st, TT_REASON_RESET, true, "out of memory");
		return;
	}
	n = read(st->fd, p + TT_FRAME_HEADER, want);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		stream_abort(st, TT_REASON_RESET, true, strerror(errno));
		return;
	}
	if (n == 0) {
		flow_on_local_eof(&st->flow);
		send_frame_empty(st, TT_FRAME_FIN);
		stream_update_read(st);
		maybe_finish(st);
		return;
	}
	session_commit(s, st->channel, compress_data_frame(&st->lz4, st->id, p, (size_t)n));
	flow_on_sent(&st->flow, (size_t)n);
	count_bytes(st, true, (size_t)n);
	session_count_payload(s, true, (size_t)n);
	stream_update_read(st);
}

/* Written locally: grant the peer more credit when flow says so. */
static void written(struct stream *st, size_t n)
{
	uint32_t grant = flow_on_written(&st->flow, n);

	if (grant)
		send_frame_u32(st, TT_FRAME_WINDOW, grant);
}

/* The queue is empty: finish a half-close the peer asked for. */
static bool after_drain(struct stream *st)
{
	if (flow_take_shutdown(&st->flow))
		shutdown(st->fd, SHUT_WR);
	return maybe_finish(st);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct stream *st = w->data;
	struct iovec iov[MAX_IOV];
	int cnt = 0;
	ssize_t n;

	if (is_datagram(st)) {
		/* Queued while dialling: each chunk is one datagram. */
		while (st->rx_head) {
			struct chunk *c = st->rx_head;

			st->rx_head = c->next;
			send_local_datagram(st, c->data, c->len);
			free(c);
		}
		st->rx_tail = NULL;
		ev_io_stop(loop, &st->wio);
		return;
	}
	for (struct chunk *c = st->rx_head; c && cnt < MAX_IOV; c = c->next, cnt++) {
		iov[cnt].iov_base = c->data + c->off;
		iov[cnt].iov_len = c->len - c->off;
	}
	if (cnt == 0) {
		ev_io_stop(loop, &st->wio);
		after_drain(st);
		return;
	}
	n = writev(st->fd, iov, cnt);
	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		stream_abort(st, TT_REASON_RESET, true, strerror(errno));
		return;
	}
	written(st, (size_t)n);
	while (n > 0) {
		struct chunk *c = st->rx_head;
		size_t left = c->len - c->off;

		if ((size_t)n < left) {
			c->off += (uint32_t)n;
			break;
		}
		n -= (ssize_t)left;
		st->rx_head = c->next;
		free(c);
	}
	if (!st->rx_head) {
		st->rx_tail = NULL;
		ev_io_stop(loop, &st->wio);
		after_drain(st);
	}
}

/* Deliver payload bytes: straight to the socket when nothing is queued,
 * the rest into the queue (bounded by the credit we granted). A local
 * failure aborts (frees) the stream; that is not the peer's fault, so it
 * does not return an error either. */
static void deliver(struct stream *st, const uint8_t *data, size_t len)
{
	struct chunk *c;

	if (is_datagram(st) && st->state == STREAM_OPEN) {
		send_local_datagram(st, data, len);
		return;
	}
	if (!st->rx_head && st->state == STREAM_OPEN) {
		ssize_t n = write(st->fd, data, len);

		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			stream_abort(st, TT_REASON_RESET, true, strerror(errno));
			return;
		}
		if (n > 0) {
			written(st, (size_t)n);
			data += n;
			len -= (size_t)n;
		}
		if (len == 0)
			return;
	}
	c = malloc(sizeof(*c) + len);
	if (!c) {
		stream_abort(st, TT_REASON_RESET, true, "out of memory");
		return;
	}
	c->next = NULL;
	c->len = (uint32_t)len;
	c->off = 0;
	memcpy(c->data, data, len);
	if (st->rx_tail)
		st->rx_tail->next = c;
	else
		st->rx_head = c;
	st->rx_tail = c;
	if (st->state == STREAM_OPEN && !ev_is_active(&st->wio))
		ev_io_start(loop_of(st), &st->wio);
}

static bool on_data(struct stream *st, const struct tt_frame *f)
{
	uint8_t buf[TT_FRAME_MAX_PAYLOAD];
	const uint8_t *data = f->payload;
	size_t len = f->len;

	if (f->flags & TT_FRAME_FLAG_LZ4) {
		long n = decompress_payload(f->payload, f->len, buf, sizeof(buf));

		if (n < 0)
			return false;
		data = buf;
		len = (size_t)n;
	}
	if (!flow_on_received(&st->flow, len))
		return false; /* beyond the credit we granted, or after FIN */
	count_bytes(st, false, len);
	session_count_payload(st->session, false, len);
	deliver(st, data, len);
	return true;
}

bool stream_on_frame(struct stream *st, const struct tt_frame *f)
{
	struct tt_rst r;
	char desc[512];

	switch (f->type) {
	case TT_FRAME_DATA:
		return on_data(st, f);
	case TT_FRAME_FIN:
		if (!flow_on_remote_fin(&st->flow))
			return false;
		if (!st->rx_head && st->state == STREAM_OPEN)
			after_drain(st);
		return true;
	case TT_FRAME_WINDOW:
		if (!flow_on_window(&st->flow, tt_frame_get_u32(f)))
			return false;
		stream_update_read(st);
		return true;
	case TT_FRAME_SYNACK:
		if (!st->from_client_side || st->synack)
			return false;
		st->synack = true;
		if (st->ep && st->ep->opened)
			st->ep->opened(st->ep_ctx, st);
		return true;
	case TT_FRAME_RST:
		tt_frame_get_rst(f, &r);
		describe(st, desc, sizeof(desc));
		if (st->from_client_side && !st->synack) {
			count_refused(st);
			if (st->ep && st->ep->refused)
				st->ep->refused(st->ep_ctx, st, r.reason);
			log_warn("%s refused by server: %s", desc, tt_reason_str(r.reason));
		} else {
			log_info("%s reset by peer: %s", desc, tt_reason_str(r.reason));
		}
		stream_abort(st, r.reason == TT_REASON_RESET || stream_established(st) ? TT_REASON_RESET
		                                                                       : TT_REASON_NONE,
		             false, NULL);
		return true;
	default:
		return false;
	}
}

/* ---- client side ---- */

static void on_wait_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct stream *st = w->data;
	char desc[512], why[128];

	describe(st, desc, sizeof(desc));
	snprintf(why, sizeof(why), "the tunnel to %s did not come up within %u s",
	         session_name(st->session), session_limits(st->session)->wait_timeout_s);
	log_warn("%s closed: %s", desc, why);
	if (st->ep && st->ep->refused)
		st->ep->refused(st->ep_ctx, st, TT_REASON_SHUTDOWN);
	stream_free(st);
}

struct stream *stream_open_local(struct session *s, int fd, const struct stream_open *o)
{
	struct stream *st = stream_alloc(s);

	if (st && o->early_len && !(st->early = malloc(o->early_len))) {
		free(st);
		st = NULL;
	}
	if (!st) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	if (o->early_len) {
		memcpy(st->early, o->early, o->early_len);
		st->early_len = o->early_len;
	}
	if (fd >= 0)
		set_fd(st, fd);
	st->from_client_side = true;
	st->ep = o->endpoint;
	st->ep_ctx = o->endpoint_ctx;
	st->syn_flags = o->syn_flags;
	st->state = STREAM_WAITING;
	snprintf(st->tunnel, sizeof(st->tunnel), "%s", o->tunnel);
	snprintf(st->origin, sizeof(st->origin), "%s", o->origin);
	snprintf(st->dest_host, sizeof(st->dest_host), "%s", o->host);
	st->dest_port = o->port;
	st->rx_window = session_limits(s)->stream_window;
	session_add_stream(s, &st->entry);
	attach_counters(st, o->counters);
	if (session_state(s) == SESSION_UP) {
		session_start_stream(s, &st->entry);
	} else {
		ev_timer_set(&st->timer, session_limits(s)->wait_timeout_s, 0);
		ev_timer_start(session_loop(s), &st->timer);
	}
	return st;
}

void stream_start_client(struct stream *st, uint32_t id, uint64_t peer_window)
{
	uint8_t *p;
	size_t early = 0; /* bytes the SYN's datagram carries */

	st->id = id;
	st->channel = (uint8_t)(id % SESSION_CHANNELS);
	p = session_reserve(st->session, st->channel, TT_FRAME_CONTROL_MAX);
	ev_timer_stop(loop_of(st), &st->timer);
	st->state = STREAM_OPEN;
	/* Optimistic: data may follow the SYN at once, within the window every
	 * stream of the peer starts with (its HELLO). No round trip is lost. */
	flow_init(&st->flow, st->rx_window, peer_window);
	if (p)
		session_commit(st->session, st->channel,
		               tt_frame_put_endpoint(p, TT_FRAME_SYN, st->syn_flags, st->id, st->rx_window,
		                                     st->dest_host, st->dest_port));
	if (st->early_len && st->early_len <= flow_tx_credit(&st->flow) &&
	    (p = session_reserve(st->session, st->channel, TT_FRAME_HEADER + 2 + COMPRESS_BOUND(st->early_len)))) {
		memcpy(p + TT_FRAME_HEADER, st->early, st->early_len);
		session_commit(st->session, st->channel, compress_data_frame(&st->lz4, st->id, p, st->early_len));
		flow_on_sent(&st->flow, st->early_len);
		count_bytes(st, true, st->early_len);
		early = st->early_len;
	}
	log_debug("stream %u: SYN to %s:%u with %zu bytes", st->id, st->dest_host, st->dest_port, early);
	free(st->early);
	st->early = NULL;
	st->early_len = 0;
	if (is_datagram(st))
		start_idle_timer(st);
	stream_update_read(st);
}

/* ---- server side ---- */

struct stream *stream_new_server(struct session *s, uint32_t id, const struct tt_syn *syn,
                                 uint8_t flags, const char *tunnel, const char *host,
                                 uint16_t port, struct stream_counters *counters)
{
	struct stream *st = stream_alloc(s);

	if (!st)
		return NULL;
	st->id = st->entry.id = id;
	st->channel = (uint8_t)(id % SESSION_CHANNELS);
	st->state = STREAM_DIALING;
	st->syn_flags = flags;
	snprintf(st->tunnel, sizeof(st->tunnel), "%s", tunnel);
	snprintf(st->dest_host, sizeof(st->dest_host), "%s", host);
	st->dest_port = port;
	st->rx_window = session_limits(s)->stream_window;
	flow_init(&st->flow, st->rx_window, syn->window); /* as our HELLO promised */
	session_add_stream(s, &st->entry);
	attach_counters(st, counters);
	return st;
}

void stream_set_endpoint(struct stream *st, const struct stream_endpoint *ep, void *ctx)
{
	st->ep = ep;
	st->ep_ctx = ctx;
}

void stream_dial_done(struct stream *st, int fd, uint8_t reason, const char *detail)
{
	char desc[512];

	if (reason) {
		describe(st, desc, sizeof(desc));
		log_warn("%s refused: %s%s%s", desc, tt_reason_str(reason), detail ? " " : "",
		         detail ? detail : "");
		count_refused(st);
		stream_abort(st, reason, true, NULL);
		return;
	}
	set_fd(st, fd);
	st->state = STREAM_OPEN;
	send_frame_u32(st, TT_FRAME_SYNACK, st->rx_window);
	if (is_datagram(st))
		start_idle_timer(st);
	/* What arrived while we were dialling waits in the queue. */
	if (st->rx_head)
		ev_io_start(loop_of(st), &st->wio);
	else if (st->flow.remote_fin && after_drain(st))
		return;
	stream_update_read(st);
}

/* ---- what others see ---- */

static const char *state_str(const struct stream *st)
{
	switch (st->state) {
	case STREAM_WAITING: return "waiting";
	case STREAM_DIALING: return "dialing";
	default: return st->flow.local_eof || st->flow.remote_fin ? "half-closed" : "open";
	}
}

void stream_get_info(const struct stream *st, struct stream_info *out)
{
	*out = (struct stream_info){
		.id = st->id, .state = state_str(st), .tunnel = st->tunnel, .origin = st->origin,
		.dest_host = st->dest_host, .dest_port = st->dest_port, .opened = st->opened,
		.bytes_up = st->bytes_up, .bytes_down = st->bytes_down, .counters = st->counters,
	};
}

struct session *stream_session(const struct stream *st) { return st->session; }
int stream_fd(const struct stream *st) { return st->fd; }
struct stream *stream_next(const struct stream *st) { return st->entry.next ? st->entry.next->stream : NULL; }
uint32_t stream_id(const struct stream *st) { return st->id; }

void stream_drop_counters(struct stream *st, const struct stream_counters *c)
{
	if (st->counters == c)
		st->counters = NULL;
}
