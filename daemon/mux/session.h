/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session: everything between this node and one remote node, carried by a
 * single ENet peer. It runs the version handshake, holds the node's streams,
 * and packs their frames into full-size ENet packets per channel.
 *
 * States: DOWN (no ENet peer) -> CONNECTING (our ENet handshake) -> HELLO
 * (ENet up, waiting for the other side's HELLO) -> UP; CLOSING while a
 * disconnect we asked for completes. A node that has tunnels to the other
 * ("wants" the session) opens it; if both do at once, the connection opened
 * by the smaller public key wins on both sides. The node that opened the
 * connection in use allocates odd stream ids, the other one even ids, and
 * both may open streams.
 */
#ifndef TOXTUN_SESSION_H
#define TOXTUN_SESSION_H

#include <enet/enet.h>
#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <tox/tox.h>

#include "mux/probe.h"
#include "toxtun/config.h"
#include "toxtun/frame.h"

struct link;
struct stream;
struct stream_entry;
struct session;

/* The [link] settings sessions and their streams obey. The owner may change
 * them while sessions run (a reload). */
struct session_limits {
	unsigned outage_timeout_s;  /* keep a silent peer this long */
	unsigned linger_s;          /* close an idle session after this long (0: never) */
	unsigned wait_timeout_s;    /* a client stream waits this long for the session */
	unsigned udp_timeout_s;     /* a datagram stream ends after this long idle */
	unsigned max_streams;       /* per session */
	uint32_t stream_window;     /* per-stream receive window, bytes */
};

/* What a session asks of the layer above it, which knows tunnels, reverse
 * listeners and the node's role. */
struct session_ops {
	/* Iterate tox and ENet fast for a while: something is under way. */
	void (*kick)(void *ctx);
	/* The peer opens stream id (a SYN, flags TT_FRAME_FLAG_*): open it with
	 * stream_new_server and return 0, or return the reason to refuse it. */
	uint8_t (*open)(void *ctx, struct session *s, uint32_t id, const struct tt_syn *syn,
	                uint8_t flags);
	/* The peer asks us to listen for its reverse line (LISTEN), or answers
	 * such a request of ours (LISTEN_REPLY). */
	void (*listen)(void *ctx, struct session *s, const struct tt_syn *req);
	void (*listen_reply)(void *ctx, struct session *s, const struct tt_syn *reply);
	/* The session came up (after both HELLOs). */
	void (*up)(void *ctx, struct session *s);
	/* The peer is a new instance of itself: what it asked of us is void. */
	void (*restarted)(void *ctx, struct session *s);
	/* Does anybody read the peers' statistics now (a control-socket client
	 * subscribed, or a status request of the last seconds)? Then the
	 * session probes round trip and loss every PROBE_INTERVAL_US
	 * (mux/probe.h); otherwise it sends nothing for them. */
	bool (*watched)(void *ctx);
};

/* What every session of a node shares; it must outlive them. */
struct session_env {
	struct ev_loop *loop;
	struct link *link;
	const uint8_t *self_pk;        /* our public key: who wins a crossed open */
	uint64_t boot_id;              /* random per process: lets peers see a restart */
	const struct session_limits *limits;
	const struct session_ops *ops;
	void *ctx;
};

#define SESSION_CHANNELS 16

enum session_state { SESSION_DOWN, SESSION_CLOSING, SESSION_CONNECTING, SESSION_HELLO, SESSION_UP };

struct session_stats {
	uint64_t tx_bytes, rx_bytes;          /* stream payload, uncompressed */
	uint64_t tx_wire, rx_wire;            /* frame bytes handed to / taken from ENet */
	uint64_t streams_total, refused;
};

struct session_info {
	enum session_state state;
	bool idle;                       /* DOWN only because it lingered out: reopens on demand */
	TOX_CONNECTION friend_status;
	struct probe_figures measured;   /* round trip and loss by probe (mux/probe.h) */
	uint32_t window;
	double pacing_bytes_s, delivery_bytes_s;
	double cc_min_rtt_ms;            /* congestion control's lowest ENet round trip of 10 s */
	const char *cc_state;            /* congestion control: startup, drain, probe_bw, probe_rtt */
	size_t streams;
	struct session_stats stats;
};

struct session *session_new(const struct session_env *env, const uint8_t pubkey[TT_PUBKEY_SIZE]);
/* Reset every stream (reason), drop the peer, free. */
void session_free(struct session *s, uint8_t reason);

const uint8_t *session_pubkey(const struct session *s);
const char *session_name(const struct session *s); /* hex public key, for logs */
enum session_state session_state(const struct session *s);
uint32_t session_fnum(const struct session *s);
void session_set_fnum(struct session *s, uint32_t fnum);
/* Does this node dial the session (it has client tunnels to it)? */
void session_set_wanted(struct session *s, bool wanted);
/* Do we listen for its reverse lines (then we reopen the session too)? */
void session_set_listening(struct session *s, bool listening);
/* A session frame (stream 0) for the peer; dropped unless the session is up. */
void session_send_control(struct session *s, const uint8_t *frame, size_t len);

void session_get_info(const struct session *s, struct session_info *out);
const char *session_state_str(const struct session_info *info);
const char *session_state_name(enum session_state state);
/* Usable now or on demand: up, or idle after lingering with the friend online. */
bool session_ready(const struct session *s);
/* Reset one stream by id (control socket). False if there is no such stream. */
bool session_close_stream(struct session *s, uint32_t id);

/* Events from Tox and the link. */
void session_on_friend_status(struct session *s, TOX_CONNECTION c);
void session_on_remote_boot(struct session *s, uint64_t boot_id);
bool session_on_connect(struct session *s, ENetPeer *peer);
void session_on_disconnect(struct session *s);
void session_on_receive(struct session *s, uint8_t channel, ENetPacket *packet);

/* Periodic work (every 100 ms): linger, window sizing, back-off cap, and
 * probes while ops->watched says so. */
void session_tick(struct session *s);
/* Probe round trip and loss now if one is due (mux/probe.h): somebody has
 * just asked for them. */
void session_probe(struct session *s);
/* Hand partially filled packets to ENet (before the loop sleeps). */
void session_flush(struct session *s);
/* True when the session has nothing to do and can be freed (server side). */
bool session_idle(const struct session *s);

/* Streams. */
size_t session_stream_count(const struct session *s);
struct stream *session_first_stream(const struct session *s); /* then stream_next */
struct ev_loop *session_loop(const struct session *s);
const struct session_limits *session_limits(const struct session *s);

/* ---- for streams (mux/stream.c) only ---- */

void session_add_stream(struct session *s, struct stream_entry *e);  /* waiting, or with an id */
/* Give a waiting stream its id and let it send SYN (the session is up). */
void session_start_stream(struct session *s, struct stream_entry *e);
void session_remove_stream(struct session *s, struct stream_entry *e);
uint64_t session_peer_window(const struct session *s);

/* Frame output for streams: room for n bytes at the end of the channel's
 * buffer; write the frame there, then commit it. */
uint8_t *session_reserve(struct session *s, uint8_t channel, size_t n);
void session_commit(struct session *s, uint8_t channel, size_t n);
/* May streams read more from their sockets (ENet's backlog is bounded)? */
bool session_can_send(const struct session *s);
/* May a datagram of len bytes go now, or must it be dropped? */
bool session_can_send_datagram(const struct session *s, size_t len);
/* A stream may read its local socket now: the session can send and the
 * pacing allows this stream (epoch: the stream's own, see session.c). */
bool session_may_read(const struct session *s, unsigned *epoch);
/* The pacing is in debt: a stream that may read then reads only if little
 * waits in its socket (stream.c), so that only an interactive stream goes
 * ahead of the refill. */
bool session_in_debt(const struct session *s);
void session_did_read(const struct session *s, unsigned *epoch);
void session_count_payload(struct session *s, bool tx, size_t n);
void session_count_refused(struct session *s);

#endif
