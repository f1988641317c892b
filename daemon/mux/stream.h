/* A stream: one TCP connection carried over a session.
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
 */
#ifndef TOXTUN_STREAM_H
#define TOXTUN_STREAM_H

#include <ev.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdint.h>

#include "toxtun/config.h"
#include "mux/flow.h"
#include "toxtun/frame.h"

struct session;
struct dial;
struct tunnel_stats;
struct udpfwd;

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
	struct stream *hnext;              /* session's id hash chain */
	struct stream *prev, *next;        /* session's list of all streams */
	uint32_t id;                       /* 0 while WAITING */
	int fd;
	uint8_t channel;
	unsigned pace_epoch;        /* the session's pacing epoch of our last read */
	enum stream_state state;
	bool from_client_side;             /* we accepted it locally (we sent SYN) */
	bool synack;                       /* client: the destination answered */
	uint8_t proxy;                     /* enum proxy_kind: answer the local client on SYNACK/RST */
	uint8_t syn_flags;                 /* TT_FRAME_FLAG_REVERSE / TT_FRAME_FLAG_UDP of its SYN */
	uint8_t *early;                    /* bytes read during a proxy handshake, sent after SYN */
	size_t early_len;
	char tunnel[TT_NAME_MAX];          /* client: tunnel name; server: "" */
	char origin[80];                   /* local peer address (client side) */
	char dest_host[TT_HOST_MAX];
	uint16_t dest_port;
	struct flow flow;                  /* credit and half-close, in uncompressed bytes */
	uint32_t rx_window;
	struct chunk *rx_head, *rx_tail;
	/* compression heuristics */
	uint16_t lz4_skip, lz4_backoff;
	bool lz4_halves;                   /* the last read shrank to half or less */
	/* statistics */
	uint64_t bytes_up, bytes_down;     /* up = from the local socket to the peer */
	double opened;
	struct dial *dial;
	struct tunnel_stats *ts;           /* the tunnel it counts towards, or NULL */
	/* datagram streams: the client side shares its forward's socket (fd is
	 * -1) and answers the source address; both sides expire when idle */
	struct udpfwd *udp;
	struct stream *udp_next;
	struct sockaddr_storage udp_source;
	double last_active;
	ev_io rio, wio;
	ev_timer timer;                    /* WAITING: wait timeout; datagrams: idle timeout */
};

/* What a locally accepted connection (or datagram flow) asks for. */
struct stream_open {
	const char *tunnel;            /* the line's name, for logs */
	struct tunnel_stats *ts;       /* the tunnel it counts towards, or NULL */
	const char *origin;            /* the local peer */
	const char *host;              /* the destination sent in SYN */
	uint16_t port;
	uint8_t syn_flags;
	int proxy;                     /* enum proxy_kind */
	const uint8_t *early;          /* bytes to send right after SYN */
	size_t early_len;
};

/* A locally accepted connection (client side). The stream waits until the
 * session is up, then stream_start_client sends SYN. */
struct stream *stream_new_client(struct session *s, int fd, const struct tt_client_tunnel *t,
                                 const char *origin);
/* The same with a destination chosen per connection (a proxy request), the
 * proxy kind to answer in, and bytes the client already sent after it. */
struct stream *stream_new_client_to(struct session *s, int fd, const struct tt_client_tunnel *t,
                                    const char *origin, const char *host, uint16_t port,
                                    int proxy, const uint8_t *early, size_t early_len);
/* The general form of the two above: fd is -1 for a datagram flow on a UDP
 * forward. NULL (and fd closed) when out of memory. */
struct stream *stream_open_local(struct session *s, int fd, const struct stream_open *o);
/* A SYN arrived. Dials syn's destination after the permit check, or, for a
 * reverse SYN (line set), the line's own destination; answers SYNACK or RST. */
void stream_new_server(struct session *s, uint32_t id, const struct tt_syn *syn, uint8_t flags,
                       const struct tt_client_tunnel *line);
/* A datagram from the local side of a datagram stream: sent as one DATA
 * frame, or dropped (no credit, session busy), as UDP may. */
void stream_send_datagram(struct stream *st, const uint8_t *data, size_t len);

void stream_start_client(struct stream *st, uint32_t id, uint64_t peer_window);

/* Frames for this stream from the peer. Returns false on a protocol
 * violation (the caller resets the stream). */
bool stream_on_frame(struct stream *st, const struct tt_frame *f);

/* The session can take data again: resume reading if credit allows. */
void stream_update_read(struct stream *st);

/* Tear down: close the socket. With send_rst, tell the peer (reason). */
void stream_abort(struct stream *st, uint8_t reason, bool send_rst, const char *why);

/* The dialler's verdict (server side). reason 0 = connected on fd. */
void stream_dial_done(struct stream *st, int fd, uint8_t reason, const char *detail);

void stream_free(struct stream *st);

#endif
