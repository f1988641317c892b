/* SPDX-License-Identifier: GPL-3.0-or-later */
/* LZ4 on stream data, before it reaches ENet: Tox's cost is per packet, so
 * compression must shrink the number of packets, not just bytes. Data that
 * does not shrink goes raw, and a stream whose data keeps not shrinking is
 * tried less and less often (random data costs CPU for nothing). */
#ifndef TOXTUN_COMPRESS_H
#define TOXTUN_COMPRESS_H

#include <lz4.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A stream's compression history. */
struct lz4_state {
	uint16_t skip, backoff;    /* chunks still to send raw; the next back-off */
	bool halves;               /* the last chunk shrank to half or less */
};

#define COMPRESS_BOUND(n) LZ4_COMPRESSBOUND(n)

/* frame holds room for a DATA frame: header, 2 bytes, COMPRESS_BOUND(n);
 * n raw bytes were read at frame + TT_FRAME_HEADER. Writes the DATA frame
 * of stream for them (compressed or raw) and returns its size. */
size_t compress_data_frame(struct lz4_state *z, uint32_t stream, uint8_t *frame, size_t n);

/* Decode a compressed DATA payload (u16 original length, LZ4 block) into
 * out. Returns the original length, or -1 if the payload is malformed. */
long decompress_payload(const uint8_t *payload, size_t len, uint8_t *out, size_t cap);

#endif
