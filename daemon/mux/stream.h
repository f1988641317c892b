/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A stream: one TCP connection (or one datagram flow) carried over a session.
 *
 * Each direction has credit-based flow control: a side may send only as
 * many bytes as the other granted (initial window + WINDOW frames), and
 * grants more only as it writes to its local socket. So a slow local
 * reader stalls its own stream only, and the memory a stream holds is
 * bounded by its window.
 *
 * Half-close loses nothing: EOF from the local socket becomes a FIN after
 * every byte before it; a FIN from the peer shuts the local socket for
 * writing only once every byte before it has been written.
 *
 * The stream knows nothing of tunnels, proxies or dialling: what opened it
 * (a forward, forward/) hands it an endpoint (struct stream_endpoint) to
 * hear what only it can act on, and counters to add to.
 */
#ifndef TOXTUN_STREAM_H
#define TOXTUN_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toxtun/frame.h"

struct session;
struct stream;

/* What a stream adds its traffic to: a tunnel's totals (forward/tunnels.h). */
struct stream_counters {
	uint64_t streams_active, streams_total, refused;
	uint64_t datagrams_dropped;    /* udp: dropped for want of room on the link */
	uint64_t bytes_up, bytes_down; /* up = from the client's local side */
};

/* What the forward that opened a stream hears of it. Any may be NULL. */
struct stream_endpoint {
	/* Client side: the server connected the stream (SYNACK). */
	void (*opened)(void *ctx, struct stream *st);
	/* Client side: the server refused it (an RST reason), or the tunnel did
	 * not come up in time (TT_REASON_SHUTDOWN). The stream is freed next. */
	void (*refused)(void *ctx, struct stream *st, uint8_t reason);
	/* A datagram for the local side of a stream without a socket (fd -1). */
	void (*datagram)(void *ctx, struct stream *st, const uint8_t *data, size_t len);
	/* The stream is being freed: forget it. */
	void (*detached)(void *ctx, struct stream *st);
};

/* What a locally accepted connection (or datagram flow) asks for. */
struct stream_open {
	const char *tunnel;            /* the line's name, for logs */
	struct stream_counters *counters; /* or NULL */
	const char *origin;            /* the local peer */
	const char *host;              /* the destination sent in SYN */
	uint16_t port;
	uint8_t syn_flags;             /* TT_FRAME_FLAG_REVERSE / TT_FRAME_FLAG_UDP */
	const uint8_t *early;          /* bytes to send right after SYN */
	size_t early_len;
	const struct stream_endpoint *endpoint;
	void *endpoint_ctx;
};

/* A locally accepted connection on fd (client side), or a datagram flow
 * (fd -1). The stream waits until the session is up, then sends SYN. NULL
 * (and fd closed) when out of memory. */
struct stream *stream_open_local(struct session *s, int fd, const struct stream_open *o);

/* A SYN arrived for a destination the forward layer accepted: the stream
 * dials (stream_dial_done tells the verdict). tunnel names the line for a
 * reverse SYN, "" otherwise; host and port are where it goes. NULL when out
 * of memory. */
struct stream *stream_new_server(struct session *s, uint32_t id, const struct tt_syn *syn,
                                 uint8_t flags, const char *tunnel, const char *host,
                                 uint16_t port, struct stream_counters *counters);
void stream_set_endpoint(struct stream *st, const struct stream_endpoint *ep, void *ctx);

/* The dialler's verdict (server side). reason 0 = connected on fd. */
void stream_dial_done(struct stream *st, int fd, uint8_t reason, const char *detail);

/* A datagram from the local side of a datagram stream: sent as one DATA
 * frame, or dropped (no credit, session busy), as UDP may. */
void stream_send_datagram(struct stream *st, const uint8_t *data, size_t len);

/* Tear down: close the socket. With send_rst, tell the peer (reason). */
void stream_abort(struct stream *st, uint8_t reason, bool send_rst, const char *why);

/* What the control socket shows of a stream. */
struct stream_info {
	uint32_t id;
	const char *state;             /* "waiting", "dialing", "open", "half-closed" */
	const char *tunnel;            /* the line's name; "" on a server */
	const char *origin;            /* the local peer (client side) */
	const char *dest_host;
	uint16_t dest_port;
	double opened;                 /* ev_now when it was opened */
	uint64_t bytes_up, bytes_down;
	const struct stream_counters *counters;
};
void stream_get_info(const struct stream *st, struct stream_info *out);
struct session *stream_session(const struct stream *st);
int stream_fd(const struct stream *st);
/* Stop adding to these counters (their tunnel is going away). */
void stream_drop_counters(struct stream *st, const struct stream_counters *c);
/* The next stream of its session (session_first_stream). */
struct stream *stream_next(const struct stream *st);
uint32_t stream_id(const struct stream *st);

/* ---- for the session (mux/session.c) only ---- */

/* The session is up: a waiting client stream gets its id and sends SYN. */
void stream_start_client(struct stream *st, uint32_t id, uint64_t peer_window);
/* Frames for this stream from the peer. Returns false on a protocol
 * violation (the caller resets the stream). */
bool stream_on_frame(struct stream *st, const struct tt_frame *f);
/* The session can take data again: resume reading if credit allows. */
void stream_update_read(struct stream *st);
void stream_free(struct stream *st);

#endif
