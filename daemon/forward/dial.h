/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The far end of a stream the peer opens: connect to its destination
 * without blocking, within the connect timeout, on a server after the
 * permit check, on a client for its reverse lines. The verdict goes to
 * stream_dial_done (a connected fd, or an RST reason). */
#ifndef TOXTUN_DIAL_H
#define TOXTUN_DIAL_H

#include <stdint.h>

#include "toxtun/frame.h"

struct fwd;
struct session;
struct stream;

enum dial_flags {
	DIAL_CHECK_PERMIT = 1, /* keep only the addresses the permit list allows */
	DIAL_DATAGRAM = 2,     /* a connected UDP socket rather than TCP */
};

/* A SYN (flags TT_FRAME_FLAG_*) from the peer of s for stream id: 0 when a
 * stream was opened and dials, else the reason to refuse it
 * (session_ops.open). */
uint8_t dial_syn(struct fwd *f, struct session *s, uint32_t id, const struct tt_syn *syn,
                 uint8_t flags);

/* While the connection is under way the stream's endpoint is the dial (it
 * is cancelled if the stream goes); the verdict may also come at once,
 * before this returns (then the stream may be gone). */
void dial_start(struct fwd *f, struct stream *st, const char *host, uint16_t port, unsigned flags);

#endif
