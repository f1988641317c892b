/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rogue_peer: a hostile Tox node for the integration tests.
 *
 *   rogue_peer INI SERVER_TOXID frames PORT HUNG_PORT
 *       Befriend the server, open the ENet connection as a real client does,
 *       send HELLO, then run each malformed-frame case on a fresh connection.
 *       SYNs name 127.0.0.1:PORT (which must accept connections) or, where the
 *       server must not be able to deliver data, 127.0.0.1:HUNG_PORT (whose
 *       connections never complete); the server must permit both. Prints one
 *       line per case: "case NAME: ok ..." or "case NAME: FAIL ...". The
 *       cases about probes (PING, PONG) need the server's peers watched
 *       (a control-socket client subscribed), or it sends no PING.
 *   rogue_peer INI SERVER_TOXID requests N SECONDS
 *       N fresh Tox identities each send the server a friend request; prints
 *       "identity KEY" for each, then iterates them for SECONDS (the test
 *       usually stops it earlier with SIGTERM).
 *
 * The [tox] section of INI gives the profile and the bootstrap node. The
 * Tox node, the ENet link over lossy packets and the frame codec are the
 * daemon's own (toxtun_core); only the bytes sent are crafted here.
 */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "link/link.h"
#include "mux/session.h"
#include "tox/toxnode.h"
#include "toxtun/config.h"
#include "toxtun/frame.h"
#include "toxtun/log.h"

#define CASE_TIMEOUT 30.0
/* Three times the interval at which a watched server probes (2 s). */
#define NO_PING_WAIT 6.0
#define ROGUE_STAMP 0x0123456789abcdefull
#define FLOOD_SYNS 3000
#define RXBUF (256 * 1024)

enum expect {
	EXPECT_SHUTDOWN,     /* the session is dropped with SHUTDOWN (PROTOCOL) */
	EXPECT_INCOMPATIBLE, /* SHUTDOWN (INCOMPATIBLE) */
	EXPECT_RST,          /* stream 1 reset (PROTOCOL), then a new stream 3 gets SYNACK */
	EXPECT_LIMIT,        /* the flood: all but max_streams SYNs refused with LIMIT */
	EXPECT_PONG,         /* the session stays, and our PING is answered with our stamp */
	EXPECT_PING,         /* the server probes us (HELLO version 2): a PING comes */
	EXPECT_NO_PING,      /* HELLO version 1: no PING comes in NO_PING_WAIT */
};

struct rogue;
struct rogue_case {
	const char *name;
	enum expect expect;
	void (*send)(struct rogue *r);
};

struct rogue {
	struct ev_loop *loop;
	struct toxnode *node;
	struct link *link;
	uint32_t fnum;
	uint16_t port, hung_port;
	ENetPeer *peer;
	const struct rogue_case *cases;
	size_t n_cases, current;
	bool started, connected, got_hello, sent, judged, disconnected, probing;
	struct tt_hello remote;
	int shutdown_reason;       /* -1: none */
	int rst1_reason;           /* RST on stream 1, -1: none */
	bool synack3;
	unsigned synacks, rst_limit, rst_other;
	unsigned pings;            /* PINGs from the server */
	bool got_pong;
	struct tt_pong pong;
	double sent_at;
	double deadline;
	int failures;
	uint8_t rx[SESSION_CHANNELS][RXBUF];
	size_t rx_len[SESSION_CHANNELS];
	ev_timer tox_timer, link_timer;
	ev_prepare flush;
};

/* ---- sending crafted bytes ---- */

static void send_raw(struct rogue *r, uint8_t ch, const uint8_t *data, size_t len)
{
	ENetPacket *p = enet_packet_create(data, len, ENET_PACKET_FLAG_RELIABLE);

	if (p && enet_peer_send(r->peer, ch, p) < 0)
		enet_packet_destroy(p);
}

static void send_hello(struct rogue *r, uint16_t version, uint16_t min_version)
{
	uint8_t f[TT_FRAME_HEADER + TT_HELLO_LEN];
	struct tt_hello h = { .version = version, .min_version = min_version, .window = 65536,
	                      .max_streams = 4096, .boot_id = 0x526f677565ull };

	send_raw(r, 0, f, tt_frame_put_hello(f, &h));
}

static void send_syn_to(struct rogue *r, uint8_t ch, uint32_t stream, uint16_t port)
{
	uint8_t f[TT_FRAME_CONTROL_MAX];

	send_raw(r, ch, f, tt_frame_put_syn(f, stream, 65536, "127.0.0.1", port));
}

static void send_syn(struct rogue *r, uint8_t ch, uint32_t stream) { send_syn_to(r, ch, stream, r->port); }

static void send_u32(struct rogue *r, uint8_t type, uint32_t stream, uint32_t v)
{
	uint8_t f[TT_FRAME_HEADER + 4];

	send_raw(r, stream % SESSION_CHANNELS, f, tt_frame_put_u32(f, type, stream, v));
}

static void case_bad_type(struct rogue *r)
{
	uint8_t f[TT_FRAME_HEADER];

	send_raw(r, 1, f, tt_frame_put_header(f, 0x63, 0, 1, 0));
}

static void case_bad_length(struct rogue *r)
{
	uint8_t f[TT_FRAME_HEADER + 2] = { 0 };

	tt_frame_put_header(f, TT_FRAME_WINDOW, 0, 1, 2); /* WINDOW carries 4 bytes */
	send_raw(r, 1, f, sizeof(f));
}

static void case_syn_even_id(struct rogue *r) { send_syn(r, 2, 2); }
static void case_syn_stream0(struct rogue *r) { send_syn(r, 0, 0); }
static void case_wrong_channel(struct rogue *r) { send_syn(r, 2, 1); }

static void case_syn_duplicate(struct rogue *r)
{
	send_syn(r, 1, 1);
	send_syn(r, 1, 1);
}

static void case_bad_syn_host(struct rogue *r)
{
	uint8_t f[TT_FRAME_CONTROL_MAX];

	send_raw(r, 1, f, tt_frame_put_syn(f, 1, 65536, "evil\nhost", r->port));
}

static void case_bad_hello(struct rogue *r)
{
	uint8_t f[TT_FRAME_HEADER + TT_HELLO_LEN];
	struct tt_hello h = { .version = 1, .min_version = 1 };

	tt_frame_put_hello(f, &h);
	memcpy(f + TT_FRAME_HEADER, "EVIL", 4);
	send_raw(r, 0, f, sizeof(f));
}

static void case_garbage(struct rogue *r)
{
	uint8_t junk[1000];

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 131 + 7);
	junk[0] = 0xff; /* not a frame type */
	send_raw(r, 5, junk, sizeof(junk));
}

/* DATA frames on stream 1 adding up to bytes (each at most 60000). */
static void send_data(struct rogue *r, uint64_t bytes, uint8_t flags)
{
	static uint8_t f[TT_FRAME_HEADER + 60000];

	while (bytes) {
		uint16_t n = bytes > 60000 ? 60000 : (uint16_t)bytes;

		memset(f + TT_FRAME_HEADER, 'x', n);
		tt_frame_put_header(f, TT_FRAME_DATA, flags, 1, n);
		send_raw(r, 1, f, TT_FRAME_HEADER + n);
		bytes -= n;
	}
}

static void case_data_beyond_window(struct rogue *r)
{
	/* While the server still dials, it writes nothing and grants nothing. */
	send_syn_to(r, 1, 1, r->hung_port);
	send_data(r, (uint64_t)r->remote.window + 1000, 0);
}

static void case_bad_lz4(struct rogue *r)
{
	uint8_t f[TT_FRAME_HEADER + 2 + 64];

	send_syn(r, 1, 1);
	tt_frame_put_header(f, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 1, 2 + 64);
	f[TT_FRAME_HEADER] = 0x10; /* claims 4096 bytes once decompressed */
	f[TT_FRAME_HEADER + 1] = 0x00;
	memset(f + TT_FRAME_HEADER + 2, 0xff, 64);
	send_raw(r, 1, f, sizeof(f));
}

static void case_data_after_fin(struct rogue *r)
{
	uint8_t f[TT_FRAME_HEADER];

	send_syn(r, 1, 1);
	send_raw(r, 1, f, tt_frame_put_empty(f, TT_FRAME_FIN, 1));
	send_data(r, 100, 0);
}

static void case_window_zero(struct rogue *r)
{
	send_syn(r, 1, 1);
	send_u32(r, TT_FRAME_WINDOW, 1, 0);
}

static void case_synack_from_client(struct rogue *r)
{
	send_syn(r, 1, 1);
	send_u32(r, TT_FRAME_SYNACK, 1, 65536);
}

static void case_syn_flood(struct rogue *r)
{
	for (uint32_t i = 0; i < FLOOD_SYNS; i++) {
		uint32_t id = 2 * i + 1;

		send_syn(r, id % SESSION_CHANNELS, id);
	}
}

static void case_incompatible(struct rogue *r) { (void)r; }

static void send_ping(struct rogue *r, uint32_t stream, uint64_t stamp)
{
	uint8_t f[TT_FRAME_HEADER + TT_PING_LEN];

	tt_frame_put_ping(f, stamp);
	f[5] = (uint8_t)stream; /* the stream id's low byte */
	send_raw(r, (uint8_t)(stream % SESSION_CHANNELS), f, sizeof(f));
}

static void send_pong(struct rogue *r, uint64_t stamp)
{
	uint8_t f[TT_FRAME_HEADER + TT_PONG_LEN];

	send_raw(r, 0, f, tt_frame_put_pong(f, &(struct tt_pong){ .stamp = stamp }));
}

static void case_ping_truncated(struct rogue *r)
{
	uint8_t f[TT_FRAME_HEADER + 4];

	tt_frame_put_header(f, TT_FRAME_PING, 0, 0, 4); /* a stamp is 8 bytes */
	memset(f + TT_FRAME_HEADER, 0x11, 4);
	send_raw(r, 0, f, sizeof(f));
}

static void case_pong_oversized(struct rogue *r)
{
	uint8_t f[TT_FRAME_HEADER + TT_PONG_LEN + 8];

	tt_frame_put_pong(f, &(struct tt_pong){ .stamp = ROGUE_STAMP, .tx = 1, .rx = 1 });
	tt_frame_put_header(f, TT_FRAME_PONG, 0, 0, TT_PONG_LEN + 8);
	memset(f + TT_FRAME_HEADER + TT_PONG_LEN, 0x22, 8);
	send_raw(r, 0, f, sizeof(f));
}

static void case_ping_on_stream(struct rogue *r) { send_ping(r, 1, ROGUE_STAMP); }

/* A PONG for no PING of the server's: ignored. Then a PING of ours, which
 * the server answers. */
static void case_pong_unsolicited(struct rogue *r)
{
	send_pong(r, 42);
	send_pong(r, ROGUE_STAMP);
	send_ping(r, 0, ROGUE_STAMP);
}

static void case_wait(struct rogue *r) { (void)r; }

static const struct rogue_case cases[] = {
	{ "bad-type", EXPECT_SHUTDOWN, case_bad_type },
	{ "bad-length", EXPECT_SHUTDOWN, case_bad_length },
	{ "syn-even-id", EXPECT_SHUTDOWN, case_syn_even_id },
	{ "syn-stream-0", EXPECT_SHUTDOWN, case_syn_stream0 },
	{ "syn-duplicate", EXPECT_SHUTDOWN, case_syn_duplicate },
	{ "wrong-channel", EXPECT_SHUTDOWN, case_wrong_channel },
	{ "bad-syn-host", EXPECT_SHUTDOWN, case_bad_syn_host },
	{ "bad-hello", EXPECT_SHUTDOWN, case_bad_hello },
	{ "garbage", EXPECT_SHUTDOWN, case_garbage },
	{ "incompatible", EXPECT_INCOMPATIBLE, case_incompatible },
	{ "data-beyond-window", EXPECT_RST, case_data_beyond_window },
	{ "bad-lz4", EXPECT_RST, case_bad_lz4 },
	{ "data-after-fin", EXPECT_RST, case_data_after_fin },
	{ "window-zero", EXPECT_RST, case_window_zero },
	{ "synack-from-client", EXPECT_RST, case_synack_from_client },
	{ "syn-flood", EXPECT_LIMIT, case_syn_flood },
	{ "ping-truncated", EXPECT_SHUTDOWN, case_ping_truncated },
	{ "pong-oversized", EXPECT_SHUTDOWN, case_pong_oversized },
	{ "ping-on-stream", EXPECT_SHUTDOWN, case_ping_on_stream },
	{ "pong-unsolicited", EXPECT_PONG, case_pong_unsolicited },
	{ "server-pings", EXPECT_PING, case_wait },
	{ "old-peer-not-pinged", EXPECT_NO_PING, case_wait },
};

/* ---- the case runner ---- */

static const struct rogue_case *cur(struct rogue *r) { return &r->cases[r->current]; }

static void start_case(struct rogue *r)
{
	memset(r->rx_len, 0, sizeof(r->rx_len));
	r->connected = r->got_hello = r->sent = r->judged = r->disconnected = false;
	r->probing = r->synack3 = false;
	r->shutdown_reason = r->rst1_reason = -1;
	r->synacks = r->rst_limit = r->rst_other = r->pings = 0;
	r->got_pong = false;
	r->deadline = ev_now(r->loop) + CASE_TIMEOUT;
	r->peer = link_connect(r->link, r->fnum, SESSION_CHANNELS, 60000);
	if (!r->peer) {
		fprintf(stderr, "rogue: cannot open an ENet connection\n");
		exit(1);
	}
	r->peer->data = r;
}

static void finish_case(struct rogue *r, bool ok, const char *detail)
{
	printf("case %s: %s (%s; shutdown reason %d, rst on stream 1 %d, synacks %u, "
	       "limit rsts %u, other rsts %u, pings %u)\n", cur(r)->name, ok ? "ok" : "FAIL", detail,
	       r->shutdown_reason, r->rst1_reason, r->synacks, r->rst_limit, r->rst_other, r->pings);
	fflush(stdout);
	if (!ok)
		r->failures++;
	r->judged = true;
	/* Leave politely; the disconnect event (or a deadline) ends the case. */
	r->deadline = ev_now(r->loop) + 3;
	if (r->peer && !r->disconnected)
		enet_peer_disconnect(r->peer, 0);
}

/* Has the server answered as the case expects? */
static void judge(struct rogue *r)
{
	const struct rogue_case *c = cur(r);

	if (!r->sent || r->judged)
		return;
	switch (c->expect) {
	case EXPECT_SHUTDOWN:
	case EXPECT_INCOMPATIBLE: {
		int want = c->expect == EXPECT_SHUTDOWN ? TT_REASON_PROTOCOL : TT_REASON_INCOMPATIBLE;

		if (r->shutdown_reason >= 0 || r->disconnected)
			finish_case(r, r->shutdown_reason == want, "session dropped");
		return;
	}
	case EXPECT_RST:
		if (r->shutdown_reason >= 0 || r->disconnected) {
			finish_case(r, false, "the whole session was dropped");
		} else if (r->rst1_reason >= 0 && !r->probing) {
			/* The stream is gone; the session must still open a new one. */
			r->probing = true;
			send_syn(r, 3, 3);
		} else if (r->synack3) {
			finish_case(r, r->rst1_reason == TT_REASON_PROTOCOL,
			            "stream reset, session kept: a new stream was accepted");
		}
		return;
	case EXPECT_LIMIT:
		if (r->shutdown_reason >= 0 || r->disconnected)
			finish_case(r, false, "the whole session was dropped");
		else if (r->synacks + r->rst_limit + r->rst_other >= FLOOD_SYNS)
			finish_case(r, r->rst_limit > 0 && r->rst_other == 0 &&
			            r->synacks + r->rst_limit == FLOOD_SYNS, "every SYN answered");
		return;
	case EXPECT_PONG:
		if (r->shutdown_reason >= 0 || r->disconnected)
			finish_case(r, false, "the whole session was dropped");
		else if (r->got_pong)
			/* our HELLO and PING at least have reached the server */
			finish_case(r, r->pong.stamp == ROGUE_STAMP && r->pong.rx >= 2 && r->pong.tx >= 1,
			            "session kept, our PING answered with its stamp and the counts");
		return;
	case EXPECT_PING:
		if (r->shutdown_reason >= 0 || r->disconnected)
			finish_case(r, false, "the whole session was dropped");
		else if (r->pings)
			finish_case(r, true, "the server probes a version 2 peer");
		return;
	case EXPECT_NO_PING:
		if (r->shutdown_reason >= 0 || r->disconnected || r->pings)
			finish_case(r, false, r->pings ? "a PING to a version 1 peer" : "the session was dropped");
		else if (ev_now(r->loop) - r->sent_at >= NO_PING_WAIT)
			finish_case(r, true, "no PING to a version 1 peer");
		return;
	}
}

static void on_server_frame(struct rogue *r, const struct tt_frame *f)
{
	struct tt_rst rst;

	switch (f->type) {
	case TT_FRAME_HELLO:
		tt_frame_get_hello(f, &r->remote);
		r->got_hello = true;
		break;
	case TT_FRAME_SHUTDOWN:
		tt_frame_get_rst(f, &rst);
		r->shutdown_reason = rst.reason;
		break;
	case TT_FRAME_SYNACK:
		r->synacks++;
		if (f->stream == 3 && r->probing)
			r->synack3 = true;
		break;
	case TT_FRAME_PING:
		/* Answered as a node does, so that the server's probe completes. */
		r->pings++;
		{
			uint8_t out[TT_FRAME_HEADER + TT_PONG_LEN];
			struct tt_pong pong = { .stamp = tt_frame_get_ping(f), .tx = 1, .rx = 1 };

			send_raw(r, 0, out, tt_frame_put_pong(out, &pong));
		}
		break;
	case TT_FRAME_PONG:
		tt_frame_get_pong(f, &r->pong);
		r->got_pong = true;
		break;
	case TT_FRAME_RST:
		tt_frame_get_rst(f, &rst);
		if (f->stream == 1 && cur(r)->expect == EXPECT_RST)
			r->rst1_reason = rst.reason;
		else if (rst.reason == TT_REASON_LIMIT)
			r->rst_limit++;
		else
			r->rst_other++;
		break;
	default:
		break;
	}
}

static void on_receive(void *ctx, ENetPeer *peer, uint8_t ch, ENetPacket *packet)
{
	struct rogue *r = ctx;
	size_t off = 0, *len = &r->rx_len[ch % SESSION_CHANNELS];
	uint8_t *buf = r->rx[ch % SESSION_CHANNELS];

	if (*len + packet->dataLength <= RXBUF) {
		memcpy(buf + *len, packet->data, packet->dataLength);
		*len += packet->dataLength;
	}
	enet_packet_destroy(packet);
	for (;;) {
		struct tt_frame f;
		const char *err = NULL;
		long n = tt_frame_decode(buf + off, *len - off, &f, &err);

		if (n <= 0) {
			if (n < 0) {
				fprintf(stderr, "rogue: the server sent a bad frame: %s\n", err);
				*len = off = 0;
			}
			break;
		}
		on_server_frame(r, &f);
		off += (size_t)n;
	}
	memmove(buf, buf + off, *len - off);
	*len -= off;
	judge(r);
}

static bool on_connect(void *ctx, ENetPeer *peer, uint32_t fnum)
{
	struct rogue *r = ctx;

	r->connected = true;
	peer->data = r;
	if (cur(r)->expect == EXPECT_INCOMPATIBLE)
		send_hello(r, 99, 99);
	else if (cur(r)->expect == EXPECT_NO_PING)
		send_hello(r, 1, 1); /* a node from before probes */
	else
		send_hello(r, TT_PROTOCOL_VERSION, TT_PROTOCOL_MIN_VERSION);
	return true;
}

static void on_disconnect(void *ctx, ENetPeer *peer)
{
	struct rogue *r = ctx;

	r->disconnected = true;
	r->peer = NULL;
}

static const struct link_events link_events = {
	.connect = on_connect,
	.disconnect = on_disconnect,
	.receive = on_receive,
};

static void on_friend_connection(void *ctx, uint32_t fnum, TOX_CONNECTION status)
{
	struct rogue *r = ctx;

	link_friend_status(r->link, fnum, status);
	if (status != TOX_CONNECTION_NONE && !r->started) {
		r->started = true;
		printf("server online (%s)\n", toxnode_connection_str(status));
		fflush(stdout);
		start_case(r);
	}
}

static void on_lossy(void *ctx, uint32_t fnum, const uint8_t *data, size_t len)
{
	struct rogue *r = ctx;

	link_deliver(r->link, fnum, data, len);
}

static const struct toxnode_events tox_events = {
	.friend_connection = on_friend_connection,
	.lossy = on_lossy,
};

/* Every few milliseconds: tox, ENet, and the case's progress. */
static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct rogue *r = w->data;

	toxnode_iterate(r->node);
	link_service(r->link);
	if (!r->started)
		return; /* waiting for the server to come online */
	if (r->connected && r->got_hello && !r->sent && !r->disconnected) {
		cur(r)->send(r);
		r->sent = true;
		r->sent_at = ev_now(loop);
	}
	judge(r);
	if (!r->judged && ev_now(loop) > r->deadline)
		finish_case(r, false, "timed out");
	if (r->judged && !r->disconnected && ev_now(loop) > r->deadline) {
		if (r->peer)
			enet_peer_reset(r->peer);
		r->peer = NULL;
		r->disconnected = true;
	}
	if (r->judged && r->disconnected) {
		if (++r->current == r->n_cases) {
			ev_break(loop, EVBREAK_ALL);
			return;
		}
		start_case(r);
	}
}

static void on_flush(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct rogue *r = w->data;

	link_flush(r->link);
}

static int run_frames(struct tt_config *cfg, const uint8_t id[TT_TOX_ID_SIZE], uint16_t port,
                      uint16_t hung_port)
{
	static struct rogue r;
	char err[512];

	r.loop = ev_default_loop(0);
	r.port = port;
	r.hung_port = hung_port;
	r.cases = cases;
	r.n_cases = sizeof(cases) / sizeof(cases[0]);
	r.node = toxnode_new(cfg, false, err, sizeof(err));
	if (!r.node) {
		fprintf(stderr, "rogue: %s\n", err);
		return 1;
	}
	toxnode_set_events(r.node, &tox_events, &r);
	r.link = link_new(r.loop, r.node, 4, SESSION_CHANNELS, &link_events, &r, err, sizeof(err));
	if (!r.link) {
		fprintf(stderr, "rogue: %s\n", err);
		return 1;
	}
	r.fnum = toxnode_friend_by_key(r.node, id);
	if (r.fnum == UINT32_MAX)
		r.fnum = toxnode_add_server(r.node, id, "rogue", err, sizeof(err));
	if (r.fnum == UINT32_MAX) {
		fprintf(stderr, "rogue: %s\n", err);
		return 1;
	}
	toxnode_save(r.node, err, sizeof(err));
	ev_timer_init(&r.tox_timer, on_tick, 0.002, 0.002);
	r.tox_timer.data = &r;
	ev_timer_start(r.loop, &r.tox_timer);
	ev_prepare_init(&r.flush, on_flush);
	r.flush.data = &r;
	ev_prepare_start(r.loop, &r.flush);
	ev_run(r.loop, 0);
	link_free(r.link);
	toxnode_free(r.node);
	printf("done: %d of %zu cases failed\n", r.failures, r.n_cases);
	return r.failures ? 1 : 0;
}

/* ---- friend request flood ---- */

static int run_requests(struct tt_config *cfg, const uint8_t id[TT_TOX_ID_SIZE], int n, double seconds)
{
	Tox **toxes = calloc((size_t)n, sizeof(*toxes));
	double until;
	struct timespec ts;

	for (int i = 0; i < n; i++) {
		struct Tox_Options *opt = tox_options_new(NULL);
		uint8_t pk[TT_PUBKEY_SIZE];
		char hex[2 * TT_PUBKEY_SIZE + 1];
		Tox_Err_Friend_Add e;

		tox_options_set_local_discovery_enabled(opt, false);
		tox_options_set_ipv6_enabled(opt, false);
		/* Above toxcore's default range, which the daemons use. */
		tox_options_set_start_port(opt, 40000);
		tox_options_set_end_port(opt, 45000);
		toxes[i] = tox_new(opt, NULL);
		tox_options_free(opt);
		if (!toxes[i]) {
			fprintf(stderr, "rogue: tox_new failed for identity %d\n", i);
			return 1;
		}
		for (size_t b = 0; b < cfg->n_bootstrap; b++) {
			tox_bootstrap(toxes[i], cfg->bootstrap[b].host, cfg->bootstrap[b].port,
			              cfg->bootstrap[b].pubkey, NULL);
			tox_add_tcp_relay(toxes[i], cfg->bootstrap[b].host, cfg->bootstrap[b].port,
			                  cfg->bootstrap[b].pubkey, NULL);
		}
		for (size_t b = 0; b < cfg->n_tcp_relays; b++)
			tox_add_tcp_relay(toxes[i], cfg->tcp_relays[b].host, cfg->tcp_relays[b].port,
			                  cfg->tcp_relays[b].pubkey, NULL);
		tox_friend_add(toxes[i], id, (const uint8_t *)"let me in", 9, &e);
		if (e != TOX_ERR_FRIEND_ADD_OK) {
			fprintf(stderr, "rogue: tox_friend_add failed (%d)\n", (int)e);
			return 1;
		}
		tox_self_get_public_key(toxes[i], pk);
		tt_hex_format(pk, TT_PUBKEY_SIZE, hex);
		printf("identity %s\n", hex);
	}
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	until = (double)ts.tv_sec + ts.tv_nsec / 1e9 + seconds;
	for (;;) {
		struct timespec pause = { .tv_sec = 0, .tv_nsec = 20 * 1000 * 1000 };

		for (int i = 0; i < n; i++)
			tox_iterate(toxes[i], NULL);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((double)ts.tv_sec + ts.tv_nsec / 1e9 >= until)
			break;
		nanosleep(&pause, NULL);
	}
	for (int i = 0; i < n; i++)
		tox_kill(toxes[i]);
	free(toxes);
	return 0;
}

int main(int argc, char **argv)
{
	struct tt_config *cfg;
	struct tt_error error;
	uint8_t id[TT_TOX_ID_SIZE];
	char err[1024];
	int status;

	if (argc < 6 || (strcmp(argv[3], "frames") && strcmp(argv[3], "requests"))) {
		fprintf(stderr, "usage: rogue_peer INI SERVER_TOXID frames PORT HUNG_PORT\n"
		                "       rogue_peer INI SERVER_TOXID requests N SECONDS\n");
		return 2;
	}
	if (getenv("ROGUE_VERBOSE"))
		tt_log_set_level(TT_LOG_DEBUG);
	if (!tt_config_load(argv[1], &cfg, &error)) {
		tt_error_format(&error, argv[1], err, sizeof(err));
		fprintf(stderr, "rogue: %s\n", err);
		return 2;
	}
	if (!tt_toxid_parse(argv[2], id, err, sizeof(err))) {
		fprintf(stderr, "rogue: %s\n", err);
		return 2;
	}
	if (!strcmp(argv[3], "frames"))
		status = run_frames(cfg, id, (uint16_t)atoi(argv[4]), (uint16_t)atoi(argv[5]));
	else
		status = run_requests(cfg, id, atoi(argv[4]), atof(argv[5]));
	tt_config_free(cfg);
	return status;
}
