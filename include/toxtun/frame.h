/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stream multiplexing wire format carried over the ENet peer.
 *
 * Each ENet channel carries a byte stream of frames (the session packs frames
 * back to back and cuts the stream into full-size ENet packets, so that a
 * frame may span packets). A frame is an 8-byte header and a payload:
 *
 *   0       1       2 .. 5          6 .. 7
 *   type    flags   stream id (BE)  payload length (BE)   payload ...
 *
 * Stream 0 is the session itself (HELLO, SHUTDOWN, LISTEN, LISTEN_REPLY,
 * PING, PONG);
 * every other frame names a stream. The node that opened the ENet connection allocates odd stream ids,
 * the other even ones, so ids never collide. All frames of one stream travel
 * on one channel, which keeps them in order.
 *
 * The decoder trusts nothing: anything malformed is reported, never crashes.
 */
#ifndef TOXTUN_FRAME_H
#define TOXTUN_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_FRAME_HEADER 8
#define TT_FRAME_MAX_PAYLOAD 65535
/* Version 2 added PING and PONG. A version 1 node drops the session on a
 * frame type it does not know, so they go only to a peer whose HELLO says 2
 * or more. */
#define TT_PROTOCOL_VERSION 2
#define TT_PROTOCOL_MIN_VERSION 1
#define TT_PROTOCOL_PROBES 2 /* the first version that answers PING */
#define TT_HELLO_MAGIC "TXTN"
#define TT_HELLO_LEN 24

enum tt_frame_type {
	TT_FRAME_HELLO = 1,    /* stream 0: magic, version, min version, window, max streams, boot id */
	TT_FRAME_SYN = 2,      /* open: initial receive window, destination port and host */
	TT_FRAME_SYNACK = 3,   /* the destination answered: receive window */
	TT_FRAME_RST = 4,      /* abort: reason code and optional text */
	TT_FRAME_DATA = 5,     /* bytes; flag LZ4: u16 original length + LZ4 block */
	TT_FRAME_FIN = 6,      /* half-close: no more data in this direction */
	TT_FRAME_WINDOW = 7,   /* credit: u32 more bytes the sender may send */
	TT_FRAME_SHUTDOWN = 8, /* stream 0: the session ends; reason code and text */
	TT_FRAME_LISTEN = 9,   /* stream 0: listen for me (1) or stop (0), port and host */
	TT_FRAME_LISTEN_REPLY = 10, /* stream 0: the answer to LISTEN: reason (0 = listening),
	                               port and host as asked */
	TT_FRAME_PING = 11,    /* stream 0, version 2: u64 stamp, answered at once with PONG */
	TT_FRAME_PONG = 12,    /* stream 0, version 2: u64 stamp of the PING, u64 datagrams sent
	                          to and u64 received from the pinging node so far */
	TT_FRAME_TYPE_MAX = 12,
};

#define TT_FRAME_FLAG_LZ4 0x01      /* DATA */
#define TT_FRAME_FLAG_REVERSE 0x02  /* SYN: for a reverse line; host and port name the
                                       listening address, the receiver picks the destination */
#define TT_FRAME_FLAG_UDP 0x04      /* SYN: a datagram stream, one DATA frame a datagram */

/* Reasons carried by RST and SHUTDOWN. Stable on the wire: append only. */
enum tt_reason {
	TT_REASON_NONE = 0,
	TT_REASON_REFUSED = 1,        /* the destination refused the connection */
	TT_REASON_NOT_PERMITTED = 2,  /* outside the server's permit list */
	TT_REASON_UNREACHABLE = 3,    /* no route / network unreachable */
	TT_REASON_TIMEOUT = 4,        /* the destination did not answer in time */
	TT_REASON_RESOLVE = 5,        /* the destination name did not resolve */
	TT_REASON_LIMIT = 6,          /* too many streams */
	TT_REASON_PROTOCOL = 7,       /* malformed or out-of-state frame */
	TT_REASON_SHUTDOWN = 8,       /* the node is shutting down */
	TT_REASON_RESET = 9,          /* a local socket was reset or failed */
	TT_REASON_INCOMPATIBLE = 10,  /* protocol versions do not overlap */
	TT_REASON_RESTARTED = 11,     /* the peer restarted; its streams are gone */
	TT_REASON_NOT_SERVER = 12,    /* the node does not serve tunnels */
	TT_REASON_IDLE = 13,          /* a datagram session ended for idleness */
	TT_REASON_LISTEN = 14,        /* cannot listen there (address in use, unavailable) */
	TT_REASON_MAX = 14,
};

const char *tt_reason_str(uint8_t reason);

struct tt_frame {
	uint8_t type;
	uint8_t flags;
	uint32_t stream;
	uint16_t len;
	const uint8_t *payload; /* points into the decoded buffer */
};

struct tt_hello {
	uint16_t version;
	uint16_t min_version;
	uint32_t window;      /* initial receive window of every stream it accepts */
	uint32_t max_streams; /* streams the sender will hold for this peer */
	uint64_t boot_id;     /* random per process start: a new one means a restart */
};

/* SYN, LISTEN and LISTEN_REPLY: a 32-bit value (SYN: initial window; LISTEN:
 * 1 listen, 0 stop; LISTEN_REPLY: reason), a port and a host. */
struct tt_syn {
	uint32_t window;
	uint16_t port;
	char host[256]; /* NUL-terminated, printable, 1..255 bytes */
};

/* PING's stamp is the sender's clock in microseconds, which the receiver
 * echoes unchanged: only the sender reads it. PONG's counts are the
 * answering node's Tox lossy packets (datagrams) to and from the pinging
 * node since it started, rx as it was when the PING arrived. */
#define TT_PING_LEN 8
#define TT_PONG_LEN 24

struct tt_pong {
	uint64_t stamp;
	uint64_t tx, rx;
};

struct tt_rst {
	uint8_t reason;
	char text[201]; /* NUL-terminated, may be empty */
};

/* Decode the frame at the start of buf. Returns the number of bytes it spans,
 * 0 when buf holds only part of it, or -1 when it is malformed (then *err says
 * why). Type-specific payload checks are done here too, so that a returned
 * frame is always well formed. */
long tt_frame_decode(const uint8_t *buf, size_t len, struct tt_frame *f, const char **err);

/* Payload accessors for decoded frames (never fail on a frame from tt_frame_decode). */
void tt_frame_get_hello(const struct tt_frame *f, struct tt_hello *out);
void tt_frame_get_syn(const struct tt_frame *f, struct tt_syn *out);
void tt_frame_get_rst(const struct tt_frame *f, struct tt_rst *out);
uint32_t tt_frame_get_u32(const struct tt_frame *f); /* SYNACK and WINDOW */
uint64_t tt_frame_get_ping(const struct tt_frame *f);
void tt_frame_get_pong(const struct tt_frame *f, struct tt_pong *out);

/* Encoders: write a whole frame into out (which must have room for the
 * returned size; TT_FRAME_HEADER + payload) and return its size. */
size_t tt_frame_put_header(uint8_t *out, uint8_t type, uint8_t flags, uint32_t stream, uint16_t len);
size_t tt_frame_put_hello(uint8_t *out, const struct tt_hello *h);
size_t tt_frame_put_syn(uint8_t *out, uint32_t stream, uint32_t window, const char *host, uint16_t port);
/* SYN with flags, LISTEN, LISTEN_REPLY: the SYN layout under another type. */
size_t tt_frame_put_endpoint(uint8_t *out, uint8_t type, uint8_t flags, uint32_t stream,
                             uint32_t value, const char *host, uint16_t port);
size_t tt_frame_put_u32(uint8_t *out, uint8_t type, uint32_t stream, uint32_t value);
size_t tt_frame_put_rst(uint8_t *out, uint8_t type, uint32_t stream, uint8_t reason, const char *text);
size_t tt_frame_put_empty(uint8_t *out, uint8_t type, uint32_t stream);
size_t tt_frame_put_ping(uint8_t *out, uint64_t stamp);
size_t tt_frame_put_pong(uint8_t *out, const struct tt_pong *p);

/* Largest encoded control frame (SYN with a 255-byte host, RST with text). */
#define TT_FRAME_CONTROL_MAX (TT_FRAME_HEADER + 4 + 2 + 1 + 255)

#endif
