/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session's lifecycle and handshake, and the glue between ENet and the
 * parts it is made of: the stream table (mux/streamtab.h), the pacing
 * bucket (mux/pace.h) and the channels' packing and reassembly
 * (mux/chan.h). */
#include <enet/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "link/cc.h"
#include "link/link.h"
#include "mux/chan.h"
#include "mux/pace.h"
#include "mux/probe.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "mux/streamtab.h"
#include "toxtun/enet_patches.h"
#include "toxtun/frame.h"
#include "toxtun/log.h"
#include "util/spares.h"

/* Frames are cut into ENet packets of exactly one datagram's payload. */
#define PACKET_SIZE ENETP_PACKET_PAYLOAD
/* How late a packet through a TCP relay may be before it is sent again. */
#define RELAY_DELAY_MS 200
/* What may wait in ENet beyond the window: bounded so that ENet's O(n)
 * queue scans stay cheap and memory is bounded (docs/design.md, "Send queue"), and because a
 * frame of another stream (a keystroke) waits behind all of it. A quarter
 * of the window keeps ENet fed between acknowledgements. */
#define BACKLOG_MIN (64 * 1024)
#define BACKLOG_MAX (256 * 1024)
/* Spare packet buffers a session keeps for reuse (see on_packet_free). */
#define SPARE_MAX 512

struct session {
	const struct session_env *env;
	uint8_t pk[TT_PUBKEY_SIZE];
	char name[2 * TT_PUBKEY_SIZE + 1];
	uint32_t fnum;
	TOX_CONNECTION friend_status;
	bool wanted;                /* we have tunnels to it: open the session */
	bool listening;             /* we listen for its reverse lines: open it too */
	bool opener;                /* we opened the ENet connection in use */
	bool lingered;              /* disconnected for idleness: reconnect on demand */
	enum session_state state;
	ENetPeer *peer;
	uint64_t remote_boot;
	struct tt_hello remote;
	uint32_t local_window;      /* what our HELLO advertised */
	struct streamtab tab;
	/* channels */
	struct chanbuf tx[SESSION_CHANNELS], rx[SESSION_CHANNELS];
	/* ENet backlog and window sizing */
	uint64_t enet_queued;
	bool blocked;
	uint64_t acked_total;
	/* ENet's count of commands sent and timed out, which it zeroes every
	 * 10 s (ENET_PEER_PACKET_LOSS_INTERVAL, protocol.c:1621-1637): the
	 * values last seen and the running totals */
	uint32_t enet_sent_seen, enet_lost_seen;
	uint64_t enet_sent, enet_lost;
	bool window_full;           /* ENet had a full window at some point this tick */
	struct spares spare;        /* packet buffers ENet has given back */
	double idle_since;
	struct cc cc;
	uint32_t window;
	struct pace pace;           /* what enters ENet */
	ev_timer pace_timer;        /* while pace.paced */
	struct probe probe;         /* round trip and loss (mux/probe.h) */
	uint64_t wire_at_probe;     /* stats.tx_wire + rx_wire when the last PING left */
	struct session_stats stats;
};

static double now(const struct session *s) { return ev_now(s->env->loop); }

/* The probes' clock: the loop's time is that of the last wake-up, and a
 * round trip on 127.0.0.1 is a tenth of a millisecond. */
static uint64_t clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t backlog(const struct session *s)
{
	uint64_t b = s->window / 4;

	return b < BACKLOG_MIN ? BACKLOG_MIN : b > BACKLOG_MAX ? BACKLOG_MAX : b;
}

/* Let the streams read again, the first in the list first; the list turns
 * by one each time. While the pacing is in debt only small reads go
 * (stream.c), so the stream first to read after a refill is the one whose
 * chunk goes: taken in the same order each time (the event loop keeps the
 * order its watchers were started in), one of 8 bulk streams had 87 MB
 * through and the other seven 3 MB each. */
static void resume_streams(struct session *s)
{
	for (struct stream_entry *e = s->tab.head; e; e = e->next)
		stream_update_read(e->stream);
	streamtab_rotate(&s->tab);
}

/* The bucket is out of debt again (or, while paced, re-armed until it is). */
static void on_pace_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = w->data;
	double wait = pace_on_timer(&s->pace, now(s), cc_pacing_rate(&s->cc));

	if (wait > 0) {
		ev_timer_set(w, wait, 0);
		ev_timer_start(loop, w);
		return;
	}
	resume_streams(s);
}

struct session *session_new(const struct session_env *env, const uint8_t pubkey[TT_PUBKEY_SIZE])
{
	struct session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (!streamtab_init(&s->tab)) {
		free(s);
		return NULL;
	}
	s->spare = (struct spares){ .size = PACKET_SIZE, .max = SPARE_MAX };
	s->env = env;
	memcpy(s->pk, pubkey, TT_PUBKEY_SIZE);
	tt_hex_format(pubkey, TT_PUBKEY_SIZE, s->name);
	s->fnum = UINT32_MAX;
	s->window = ENETP_MIN_WINDOW;
	s->idle_since = now(s);
	cc_init(&s->cc, now(s));
	ev_init(&s->pace_timer, on_pace_timer);
	s->pace_timer.data = s;
	pace_init(&s->pace, now(s));
	return s;
}

const uint8_t *session_pubkey(const struct session *s) { return s->pk; }
const char *session_name(const struct session *s) { return s->name; }
enum session_state session_state(const struct session *s) { return s->state; }
uint32_t session_fnum(const struct session *s) { return s->fnum; }
void session_set_fnum(struct session *s, uint32_t fnum) { s->fnum = fnum; }
void session_set_wanted(struct session *s, bool wanted) { s->wanted = wanted; }
void session_set_listening(struct session *s, bool listening) { s->listening = listening; }
size_t session_stream_count(const struct session *s) { return s->tab.n; }
struct stream *session_first_stream(const struct session *s) { return s->tab.head ? s->tab.head->stream : NULL; }
struct ev_loop *session_loop(const struct session *s) { return s->env->loop; }
const struct session_limits *session_limits(const struct session *s) { return s->env->limits; }
uint64_t session_peer_window(const struct session *s) { return s->remote.window; }

void session_get_info(const struct session *s, struct session_info *out)
{
	memset(out, 0, sizeof(*out));
	out->state = s->state;
	out->idle = s->state == SESSION_DOWN && s->lingered;
	out->friend_status = s->friend_status;
	out->window = s->window;
	out->pacing_bytes_s = cc_pacing_rate(&s->cc);
	out->delivery_bytes_s = s->cc.btlbw;
	out->cc_min_rtt_ms = s->cc.min_rtt * 1000;
	out->cc_state = cc_state_name(s->cc.state);
	out->streams = s->tab.n;
	out->stats = s->stats;
	probe_figures(&s->probe, clock_us(), &out->measured);
}

bool session_ready(const struct session *s)
{
	return s->state == SESSION_UP ||
	       (s->lingered && s->state == SESSION_DOWN && s->friend_status != TOX_CONNECTION_NONE);
}

const char *session_state_str(const struct session_info *info)
{
	return info->idle ? "idle" : session_state_name(info->state);
}

const char *session_state_name(enum session_state state)
{
	switch (state) {
	case SESSION_UP: return "up";
	case SESSION_HELLO: return "hello";
	case SESSION_CONNECTING: return "connecting";
	case SESSION_CLOSING: return "closing";
	default: return "down";
	}
}

/* ---- streams ---- */

bool session_close_stream(struct session *s, uint32_t id)
{
	struct stream_entry *e = streamtab_find(&s->tab, id);

	if (!e)
		return false;
	stream_abort(e->stream, TT_REASON_RESET, true, "closed from the control socket");
	return true;
}

void session_add_stream(struct session *s, struct stream_entry *e)
{
	streamtab_add(&s->tab, e);
	s->lingered = false;
	s->stats.streams_total++;
}

void session_start_stream(struct session *s, struct stream_entry *e)
{
	streamtab_assign(&s->tab, e, s->opener);
	stream_start_client(e->stream, e->id, s->remote.window);
}

void session_remove_stream(struct session *s, struct stream_entry *e)
{
	streamtab_remove(&s->tab, e);
	if (s->tab.n == 0)
		s->idle_since = now(s);
}

/* ---- output: frames packed into full ENet packets ---- */

/* The data of every packet we send is a PACKET_SIZE buffer from s->spare,
 * which ENet takes as it is (ENET_PACKET_FLAG_NO_ALLOCATE) and which come
 * back here when ENet frees the packet. enet_packet_create would malloc
 * and free a buffer per datagram instead, of a size past glibc's
 * per-thread cache (1032 bytes): perf on the sending daemon during a bulk
 * upload on 127.0.0.1 put 15.8 % of its time in libc, 5 % of it in
 * malloc's slow path (_int_malloc, unlink_chunk, _int_free); with the
 * buffers reused, 13.2 %. An idle session keeps at most SPARE_MAX of them
 * (620 KiB). */
static void on_packet_free(ENetPacket *p)
{
	struct session *s = p->userData;

	spares_put(&s->spare, p->data);
	s->enet_queued -= p->dataLength;
	if (p->flags & ENET_PACKET_FLAG_SENT)
		s->acked_total += p->dataLength;
	if (s->blocked && s->enet_queued < (s->window + backlog(s)) / 2) {
		s->blocked = false;
		resume_streams(s);
	}
}

/* Pacing happens before ENet: data enters it no faster than congestion
 * control says, so ENet sends as soon as it gets it and no queue of ours
 * adds to the round trip it measures. Frames are never held here. While
 * the bucket is in debt, each stream may read once (session_may_read), as
 * long as the debt is within PACE_DEBT, and only if little waits in its
 * socket (stream.c): a bulk transfer that ran it dry waits for the refill,
 * an interactive stream that had not read since still goes at once,
 * instead of losing every race for the refilled bucket to the bulk; a
 * thousand streams cannot dig a deep hole. */
static void pace(struct session *s, size_t len)
{
	double wait = pace_charge(&s->pace, now(s), cc_pacing_rate(&s->cc), len);

	if (wait > 0) {
		ev_timer_set(&s->pace_timer, wait, 0);
		ev_timer_start(s->env->loop, &s->pace_timer);
	}
}

/* LEN is at most PACKET_SIZE: session_commit cuts the channel buffer in
 * packets of that size and session_flush sends what remains. */
static void emit(struct session *s, uint8_t ch, const uint8_t *data, size_t len)
{
	ENetPacket *p;
	uint8_t *buf;

	if (!s->peer || s->state < SESSION_HELLO || !(buf = spares_get(&s->spare)))
		return;
	memcpy(buf, data, len);
	p = enet_packet_create(buf, len, ENET_PACKET_FLAG_RELIABLE | ENET_PACKET_FLAG_NO_ALLOCATE);
	if (!p) {
		spares_put(&s->spare, buf);
		return;
	}
	p->userData = s;
	p->freeCallback = on_packet_free;
	s->enet_queued += len;
	if (s->enet_queued >= s->window)
		s->window_full = true;
	s->stats.tx_wire += len;
	if (enet_peer_send(s->peer, ch, p) < 0)
		enet_packet_destroy(p);
	pace(s, len);
}

/* Where chan_commit and chan_flush send a channel's packets. */
struct emit_to {
	struct session *s;
	uint8_t channel;
};

static void emit_packet(void *ctx, const uint8_t *data, size_t len)
{
	struct emit_to *to = ctx;

	emit(to->s, to->channel, data, len);
}

uint8_t *session_reserve(struct session *s, uint8_t channel, size_t n)
{
	return chan_reserve(&s->tx[channel], n);
}

void session_commit(struct session *s, uint8_t channel, size_t n)
{
	struct emit_to to = { s, channel };

	chan_commit(&s->tx[channel], n, PACKET_SIZE, emit_packet, &to);
	if (s->enet_queued >= s->window + backlog(s))
		s->blocked = true;
}

static void flush_channel(struct session *s, uint8_t ch)
{
	struct emit_to to = { s, ch };

	chan_flush(&s->tx[ch], emit_packet, &to);
}

void session_flush(struct session *s)
{
	for (int ch = 0; ch < SESSION_CHANNELS; ch++)
		flush_channel(s, (uint8_t)ch);
}

bool session_can_send(const struct session *s)
{
	return s->state == SESSION_UP && !s->blocked;
}

/* A datagram cannot wait for the queue to drain, so it is not held to the
 * point where streams stop reading: a burst of large datagrams on a quiet
 * session (whose window congestion control has shrunk) goes through. Past
 * a second backlog it is dropped, as a full router queue drops it. */
bool session_can_send_datagram(const struct session *s, size_t len)
{
	return s->state == SESSION_UP && s->enet_queued + len <= s->window + 2 * (uint64_t)BACKLOG_MAX;
}

bool session_may_read(const struct session *s, unsigned *epoch)
{
	return session_can_send(s) && pace_may_read(&s->pace, cc_pacing_rate(&s->cc), *epoch);
}

void session_did_read(const struct session *s, unsigned *epoch) { *epoch = s->pace.epoch; }

bool session_in_debt(const struct session *s) { return s->pace.paced; }

void session_count_payload(struct session *s, bool tx, size_t n)
{
	if (tx)
		s->stats.tx_bytes += n;
	else
		s->stats.rx_bytes += n;
}

void session_count_refused(struct session *s) { s->stats.refused++; }

static void send_control(struct session *s, const uint8_t *frame, size_t len)
{
	uint8_t *p = session_reserve(s, 0, len);

	if (p) {
		memcpy(p, frame, len);
		session_commit(s, 0, len);
	}
}

void session_send_control(struct session *s, const uint8_t *frame, size_t len)
{
	if (s->state == SESSION_UP)
		send_control(s, frame, len);
}

/* ---- lifecycle ---- */

/* Abort every stream that has reached the peer; WAITING ones keep waiting
 * for the next session (the client side of a restart). */
static void abort_streams(struct session *s, uint8_t reason, bool waiting_too)
{
	struct stream_entry *e = s->tab.head, *next;

	for (; e; e = next) {
		next = e->next;
		if (e->id || waiting_too)
			stream_abort(e->stream, reason, false, NULL);
	}
}

static void drop_peer(struct session *s)
{
	for (int ch = 0; ch < SESSION_CHANNELS; ch++)
		s->tx[ch].len = s->rx[ch].len = 0;
	if (s->peer)
		link_reset_peer(s->env->link, s->peer);
	s->peer = NULL;
	s->state = SESSION_DOWN;
	s->blocked = false;
}

static void connect_peer(struct session *s)
{
	s->peer = link_connect(s->env->link, s->fnum, SESSION_CHANNELS,
	                       s->env->limits->outage_timeout_s * 1000u);
	if (!s->peer) {
		log_warn("peer %s: cannot open an ENet connection", s->name);
		return;
	}
	s->peer->data = s;
	s->state = SESSION_CONNECTING;
	/* Ids restart with every ENet session: the other side starts afresh. */
	streamtab_restart_ids(&s->tab);
	s->env->ops->kick(s->env->ctx);
}

static bool want_connection(const struct session *s)
{
	return (s->wanted || s->listening) && s->state == SESSION_DOWN && s->fnum != UINT32_MAX &&
	       s->friend_status != TOX_CONNECTION_NONE && (!s->lingered || s->tab.n);
}

void session_free(struct session *s, uint8_t reason)
{
	if (!s)
		return;
	abort_streams(s, reason, true);
	if (s->peer && s->state >= SESSION_HELLO) {
		uint8_t f[TT_FRAME_CONTROL_MAX];

		send_control(s, f, tt_frame_put_rst(f, TT_FRAME_SHUTDOWN, 0, reason, NULL));
		session_flush(s);
		enet_peer_disconnect_now(s->peer, 0);
	}
	/* Resetting the peer frees its packets, whose callbacks still use s. */
	drop_peer(s);
	ev_timer_stop(s->env->loop, &s->pace_timer);
	for (int ch = 0; ch < SESSION_CHANNELS; ch++) {
		chanbuf_free(&s->tx[ch]);
		chanbuf_free(&s->rx[ch]);
	}
	streamtab_free(&s->tab);
	spares_clear(&s->spare);
	free(s);
}

void session_on_friend_status(struct session *s, TOX_CONNECTION c)
{
	/* A new path (direct UDP <-> TCP relay) has a new rate and RTT: learn
	 * them again. An outage keeps what was known. */
	if (c != TOX_CONNECTION_NONE && s->friend_status != TOX_CONNECTION_NONE && c != s->friend_status) {
		cc_init(&s->cc, now(s));
		if (s->peer)
			enetp_peer_reset_rtt(s->peer);
		/* The samples of the old path say nothing of this one, nor does a
		 * loss window spanning the change: on an emulated 100 ms path the
		 * friends met through the bootstrap node's relay first (43.6 ms,
		 * not emulated), and the median across the change read 72.9 ms. */
		probe_init(&s->probe);
	}
	s->friend_status = c;
	if (want_connection(s))
		connect_peer(s);
}

void session_on_remote_boot(struct session *s, uint64_t boot_id)
{
	if (s->remote_boot && s->remote_boot != boot_id) {
		s->env->ops->restarted(s->env->ctx, s);
		if (s->state != SESSION_DOWN) {
			log_warn("peer %s restarted: resetting its streams", s->name);
			abort_streams(s, TT_REASON_RESTARTED, false);
			drop_peer(s);
		}
	}
	s->remote_boot = boot_id;
	if (want_connection(s))
		connect_peer(s);
}

static void send_hello(struct session *s)
{
	uint8_t f[TT_FRAME_HEADER + TT_HELLO_LEN];
	struct tt_hello h = {
		.version = TT_PROTOCOL_VERSION,
		.min_version = TT_PROTOCOL_MIN_VERSION,
		.window = s->env->limits->stream_window,
		.max_streams = s->env->limits->max_streams,
		.boot_id = s->env->boot_id,
	};

	s->local_window = h.window;
	send_control(s, f, tt_frame_put_hello(f, &h));
	session_flush(s);
}

/* Our connection still shows signs of life: it is being opened or has just
 * been (ENet sets lastReceiveTime only when acknowledgements arrive), or
 * the other side was heard from recently (ENet pings every 500 ms). */
static bool connection_alive(const struct session *s)
{
	if (s->state == SESSION_CONNECTING || s->state == SESSION_HELLO)
		return true;
	return s->state == SESSION_UP &&
	       ENET_TIME_DIFFERENCE(s->peer->host->serviceTime, s->peer->lastReceiveTime) < 5000;
}

bool session_on_connect(struct session *s, ENetPeer *peer)
{
	bool ours = peer == s->peer;

	if (s->peer && !ours) {
		/* Two connections with one node: both of us opened one at once, or
		 * the other node restarted or lost the old one. The one opened by
		 * the smaller public key wins, on both sides alike; a connection of
		 * ours that is dead, or was opened by the other side, gives way. */
		bool we_win = memcmp(s->env->self_pk, s->pk, TT_PUBKEY_SIZE) < 0;
		/* A connection still being opened is always one we opened. */
		bool own = s->state == SESSION_CONNECTING || s->opener;

		log_debug("peer %s: second connection (ours %s, state %s, we win: %s, alive: %s)", s->name,
		          own ? "yes" : "no", session_state_name(s->state), we_win ? "yes" : "no",
		          connection_alive(s) ? "yes" : "no");
		if (own && we_win && connection_alive(s))
			return false;
		if (s->tab.n > s->tab.n_waiting)
			log_info("peer %s opened a new connection: resetting the %zu streams of the old one",
			         s->name, s->tab.n - s->tab.n_waiting);
		abort_streams(s, TT_REASON_RESTARTED, false);
		drop_peer(s);
	}
	s->opener = ours;
	s->peer = peer;
	peer->data = s;
	s->state = SESSION_HELLO;
	s->window = ENETP_MIN_WINDOW;
	cc_init(&s->cc, now(s));
	/* A PING of the last connection is answered on it or not at all.
	 * Its samples stay, shown with their age until new ones come; the
	 * datagram counts go on across connections (a peer that restarted
	 * counts from 0 again, which probe_answered notices). */
	s->probe.outstanding = false;
	send_hello(s);
	return true;
}

void session_on_disconnect(struct session *s)
{
	bool was_up = s->state == SESSION_UP;

	s->peer = NULL; /* ENet has reset it already */
	drop_peer(s);
	if (was_up)
		log_info("peer %s session down", s->name);
	abort_streams(s, TT_REASON_RESET, false);
}

static void go_up(struct session *s)
{
	s->state = SESSION_UP;
	log_info("peer %s session up", s->name);
	s->env->ops->up(s->env->ctx, s);
	for (struct stream_entry *e = s->tab.head; e; e = e->next)
		if (!e->id)
			session_start_stream(s, e);
}

static void on_hello(struct session *s, const struct tt_frame *f)
{
	struct tt_hello h;

	tt_frame_get_hello(f, &h);
	if (h.version < TT_PROTOCOL_MIN_VERSION || h.min_version > TT_PROTOCOL_VERSION) {
		uint8_t out[TT_FRAME_CONTROL_MAX];

		log_error("peer %s speaks protocol %u (min %u), we speak %u (min %u): refusing it",
		          s->name, h.version, h.min_version, TT_PROTOCOL_VERSION, TT_PROTOCOL_MIN_VERSION);
		send_control(s, out, tt_frame_put_rst(out, TT_FRAME_SHUTDOWN, 0,
		                                      TT_REASON_INCOMPATIBLE, "incompatible versions"));
		session_flush(s);
		enet_peer_disconnect_later(s->peer, 0);
		s->state = SESSION_CLOSING;
		return;
	}
	s->remote = h;
	if (s->remote_boot && s->remote_boot != h.boot_id)
		s->env->ops->restarted(s->env->ctx, s);
	s->remote_boot = h.boot_id;
	if (s->state == SESSION_HELLO)
		go_up(s);
}

static void protocol_error(struct session *s, const char *why)
{
	uint8_t out[TT_FRAME_CONTROL_MAX];

	log_warn("peer %s: protocol error (%s): dropping the session", s->name, why);
	send_control(s, out, tt_frame_put_rst(out, TT_FRAME_SHUTDOWN, 0, TT_REASON_PROTOCOL, why));
	session_flush(s);
	if (s->peer)
		enet_peer_disconnect_later(s->peer, 0);
	abort_streams(s, TT_REASON_PROTOCOL, false);
	s->state = SESSION_CLOSING; /* ignore further frames until the disconnect */
}

static void on_syn(struct session *s, const struct tt_frame *f)
{
	uint8_t out[TT_FRAME_CONTROL_MAX];
	struct tt_syn syn;
	uint8_t reason;

	tt_frame_get_syn(f, &syn);
	reason = s->env->ops->open(s->env->ctx, s, f->stream, &syn, f->flags);
	if (reason) {
		log_warn("peer %s: stream %u to %s:%u refused: %s", s->name, (unsigned)f->stream,
		         syn.host, (unsigned)syn.port, tt_reason_str(reason));
		s->stats.refused++;
		send_control(s, out, tt_frame_put_rst(out, TT_FRAME_RST, f->stream, reason, NULL));
	}
}

/* Answered at once and from inside ENet's service (the only caller of
 * session_on_receive): the PONG enters ENet now and leaves with the flush
 * that ends the service. Left to the flush before the loop sleeps, which
 * runs before that service, it would wait for the next wake-up, up to 50 ms
 * on an idle node. rx is the peer's datagrams counted so far: the PING's
 * and those before it, and any the link holds for ENet behind it (up to 64,
 * DELIVER_BATCH in link.c). */
static void on_ping(struct session *s, const struct tt_frame *f)
{
	uint8_t out[TT_FRAME_HEADER + TT_PONG_LEN];
	struct tt_pong pong = { .stamp = tt_frame_get_ping(f) };
	struct link_stats ls;

	link_get_stats(s->env->link, s->fnum, &ls);
	pong.tx = ls.tx_packets;
	pong.rx = ls.rx_packets;
	send_control(s, out, tt_frame_put_pong(out, &pong));
	flush_channel(s, 0);
}

static void on_pong(struct session *s, const struct tt_frame *f)
{
	uint64_t t = clock_us();
	struct tt_pong pong;
	struct link_stats ls;

	tt_frame_get_pong(f, &pong);
	link_get_stats(s->env->link, s->fnum, &ls);
	if (!probe_answered(&s->probe, t, &pong, ls.rx_packets))
		log_debug("peer %s: a PONG that answers no PING of ours waiting: ignored", s->name);
}

/* The PING goes at once, as the PONG does, and is not paced: the probes
 * measure the queues between the two sessions (ENet's, Tox's, the path's).
 * A keystroke also waits for its session to take it from its socket, which
 * a busy session does later: see tests/integration/test_stats.py. */
void session_probe(struct session *s)
{
	uint8_t out[TT_FRAME_HEADER + TT_PING_LEN];
	struct link_stats ls;
	uint64_t t, wire;

	/* A version 1 peer would drop the session on a frame it does not know. */
	if (s->state != SESSION_UP || s->remote.version < TT_PROTOCOL_PROBES)
		return;
	t = clock_us();
	wire = s->stats.tx_wire + s->stats.rx_wire;
	if (!probe_due(&s->probe, t, wire - s->wire_at_probe))
		return;
	link_get_stats(s->env->link, s->fnum, &ls);
	probe_sent(&s->probe, t, ls.tx_packets);
	s->wire_at_probe = wire;
	send_control(s, out, tt_frame_put_ping(out, t));
	flush_channel(s, 0);
}

static void on_frame(struct session *s, const struct tt_frame *f)
{
	struct stream_entry *e;

	if (f->type == TT_FRAME_HELLO) {
		on_hello(s, f);
		return;
	}
	if (f->type == TT_FRAME_SHUTDOWN) {
		struct tt_rst r;

		tt_frame_get_rst(f, &r);
		log_warn("peer %s ends the session: %s%s%s", s->name, tt_reason_str(r.reason),
		         r.text[0] ? ": " : "", r.text);
		abort_streams(s, r.reason, false);
		if (s->peer)
			enet_peer_disconnect_later(s->peer, 0);
		s->state = SESSION_CLOSING;
		return;
	}
	if (s->state != SESSION_UP && s->state != SESSION_HELLO)
		return;
	if (f->type == TT_FRAME_PING) {
		on_ping(s, f);
		return;
	}
	if (f->type == TT_FRAME_PONG) {
		on_pong(s, f);
		return;
	}
	if (f->type == TT_FRAME_LISTEN || f->type == TT_FRAME_LISTEN_REPLY) {
		struct tt_syn req;

		tt_frame_get_syn(f, &req);
		if (f->type == TT_FRAME_LISTEN)
			s->env->ops->listen(s->env->ctx, s, &req);
		else
			s->env->ops->listen_reply(s->env->ctx, s, &req);
		return;
	}
	e = streamtab_find(&s->tab, f->stream);
	if (f->type == TT_FRAME_SYN) {
		/* The peer allocates ids of the other parity than ours. */
		if (e || (f->stream & 1) == (s->opener ? 1u : 0u)) {
			protocol_error(s, "SYN with a bad stream id");
			return;
		}
		on_syn(s, f);
		return;
	}
	/* Frames for a stream we already closed (its RST crossed them) are
	 * dropped silently: answering would make RST storms. */
	if (!e)
		return;
	if (!stream_on_frame(e->stream, f))
		stream_abort(e->stream, TT_REASON_PROTOCOL, true, "protocol error");
}

static bool alive(const struct session *s)
{
	return s->state == SESSION_UP || s->state == SESSION_HELLO;
}

/* A frame reassembled from a channel: false once the session stopped. */
static bool receive_frame(void *ctx, const struct tt_frame *f)
{
	struct session *s = ctx;

	on_frame(s, f);
	return alive(s);
}

void session_on_receive(struct session *s, uint8_t channel, ENetPacket *packet)
{
	const char *err;

	if (channel >= SESSION_CHANNELS) {
		enet_packet_destroy(packet);
		protocol_error(s, "bad channel");
		return;
	}
	s->stats.rx_wire += packet->dataLength;
	if (!alive(s)) {
		s->rx[channel].len = 0; /* nothing more to parse */
		enet_packet_destroy(packet);
		return;
	}
	err = chan_receive(&s->rx[channel], channel, SESSION_CHANNELS, packet->data,
	                   packet->dataLength, receive_frame, s);
	if (err)
		protocol_error(s, err);
	enet_packet_destroy(packet);
}

/* ---- periodic work ---- */

/* ENet doubles a command's timeout each time it is retransmitted, with no
 * limit. While the peer keeps acknowledging other packets, a packet that
 * timed out was lost, not delayed by congestion (pacing guards against
 * that): retransmitting it after 8, 16, 32 round trips would stall its
 * channel for seconds (on a 200 ms path, a packet lost in the queue that
 * start-up overflowed and lost again held its stream for 2-3 s). Do not
 * double it then (on a short path, add 100 ms: a late packet there is a
 * busy CPU; on a TCP relay, see timeout_floor). When nothing comes back,
 * cap it at 2 s plus two round trips: enough for an outage, which the
 * resume kick ends early. */
static uint32_t backoff_cap(struct session *s)
{
	ENetPeer *p = s->peer;
	uint32_t rto = enetp_base_rto(p);

	if (ENET_TIME_DIFFERENCE(p->host->serviceTime, p->lastReceiveTime) < 2 * rto + 100) {
		if (s->friend_status == TOX_CONNECTION_TCP)
			return rto + RELAY_DELAY_MS;
		return rto > 100 ? rto : rto + 100;
	}
	return 2000 + 2 * p->roundTripTime;
}

/* A TCP relay delays rather than loses: its round trip jumps by hundreds
 * of ms when the relay pauses or its queue fills (45 to 340 ms on the
 * benchmark's relay), faster than ENet's timeout follows, and every packet
 * then in flight was sent again behind itself: 16-18 % of the reliable
 * commands sent through the relay were copies of packets that arrived. So there no
 * command is retransmitted before RELAY_DELAY_MS past its base timeout.
 * What a relay does lose (about 0.1 % of the datagrams) waits that much
 * longer; a relay connection that is reset is resumed at
 * once (link_relay_reset). */
static uint32_t timeout_floor(struct session *s)
{
	return s->friend_status == TOX_CONNECTION_TCP ? enetp_base_rto(s->peer) + RELAY_DELAY_MS : 0;
}

/* How much an ENet counter grew since it was last seen (it may have been
 * zeroed since). */
static uint64_t counter_delta(uint32_t now, uint32_t *seen)
{
	uint32_t d = now >= *seen ? now - *seen : now;

	*seen = now;
	return d;
}

/* Congestion control: what was acknowledged since the last tick sets the
 * pace and the window (cc.h). */
static void size_window(struct session *s)
{
	uint64_t lost = counter_delta(s->peer->packetsLost, &s->enet_lost_seen);

	s->enet_sent += counter_delta(s->peer->packetsSent, &s->enet_sent_seen);
	s->enet_lost += lost;
	cc_on_loss(&s->cc, s->enet_sent, s->enet_lost);
	/* ENet resends what timed out without asking us: charge it to the
	 * pacing, or new data at the full rate plus the retransmissions
	 * overflow the bottleneck, which loses more, which is resent... Up to
	 * a quarter of the pace: after start-up overflowed, the hundreds that
	 * time out at once leave over several ticks (ENet's window holds them
	 * too), and charging them all at once left the link idle for 0.5 s. */
	if (lost) {
		double charge = (double)lost * PACKET_SIZE, cap = cc_pacing_rate(&s->cc) * CC_TICK / 4;

		pace(s, (size_t)(charge < cap ? charge : cap));
	}
	s->cc.rtt_jitters = s->friend_status == TOX_CONNECTION_TCP;
	cc_update(&s->cc, now(s), s->acked_total, s->peer->roundTripTime / 1000.0,
	          s->peer->reliableDataInTransit, !s->window_full && s->enet_queued < s->window);
	s->window_full = false;
	s->window = cc_window(&s->cc);
	link_set_window(s->env->link, s->fnum, s->window);
}

void session_tick(struct session *s)
{
	unsigned linger = s->env->limits->linger_s;

	if (want_connection(s))
		connect_peer(s);
	if (!s->peer)
		return;
	if (s->state == SESSION_UP) {
		size_window(s);
		if (s->friend_status != TOX_CONNECTION_NONE)
			enetp_peer_bound_timeouts(s->peer, timeout_floor(s), backoff_cap(s));
		if (s->env->ops->watched && s->env->ops->watched(s->env->ctx))
			session_probe(s);
	}
	if (s->opener && s->state == SESSION_UP && s->tab.n == 0 && linger &&
	    now(s) - s->idle_since >= linger) {
		log_info("peer %s: idle for %u s, closing the session until it is needed",
		         s->name, linger);
		s->lingered = true;
		enet_peer_disconnect_later(s->peer, 0);
		s->state = SESSION_CLOSING;
	}
}

bool session_idle(const struct session *s)
{
	return !s->wanted && !s->listening && s->state == SESSION_DOWN && s->tab.n == 0 &&
	       s->friend_status == TOX_CONNECTION_NONE;
}
