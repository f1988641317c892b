/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session's channels as byte streams: frames packed into packets of one
 * datagram's payload on the way out, and frames reassembled from packets,
 * whatever their split, on the way in. Pure: bytes in, frames out. Unit
 * tests (tests/unit/test_chan.c) and a fuzzer (tests/fuzz/fuzz_chan.c)
 * drive it with arbitrary splits and interleavings of channels. */
#ifndef TOXTUN_CHAN_H
#define TOXTUN_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toxtun/frame.h"

struct chanbuf {
	uint8_t *buf;
	size_t len, cap;
};

void chanbuf_free(struct chanbuf *c);

/* ---- packing ---- */

/* Room for n more bytes at the end of the channel's buffer; NULL when out of
 * memory. Write frames there, then commit them. */
uint8_t *chan_reserve(struct chanbuf *c, size_t n);
/* n bytes were written at the reserved place: every whole packet of
 * `packet` bytes goes to emit, in order; the rest waits for more, or for
 * chan_flush. */
void chan_commit(struct chanbuf *c, size_t n, size_t packet,
                 void (*emit)(void *ctx, const uint8_t *data, size_t len), void *ctx);
/* What waits goes to emit as one (short) packet. */
void chan_flush(struct chanbuf *c, void (*emit)(void *ctx, const uint8_t *data, size_t len),
                void *ctx);

/* ---- reassembly ---- */

/* One packet of channel `channel`: every whole frame, the bytes pending
 * from earlier packets first, goes to on_frame in order, until on_frame
 * returns false (the session stopped: the rest is dropped). A frame cut
 * at the packet's end waits for the next packet. Frames of a stream
 * belong on the channel stream % n_channels (HELLO and SHUTDOWN on any).
 * Returns NULL, or the reason for a protocol error (then nothing is kept). */
const char *chan_receive(struct chanbuf *c, uint8_t channel, unsigned n_channels,
                         const uint8_t *data, size_t len,
                         bool (*on_frame)(void *ctx, const struct tt_frame *f), void *ctx);

#endif
