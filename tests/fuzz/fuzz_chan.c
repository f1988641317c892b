/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for a session's channels (daemon/mux/chan.c): the
 * reassembly of frames from packets, whatever their split, and the packing
 * of frames into packets.
 *
 * The peer chooses how a channel's byte stream is cut into packets (and a
 * path may cut it in other ways than it was sent), so the frames that come
 * out, and the error if any, must not depend on the cuts. The input is:
 *
 *   byte 0   packet size for re-packing: 1..255, or 0 for a real datagram
 *   byte 1   bits 0-1: how to cut (fixed size, small random sizes with empty
 *            packets, up to 2000 bytes, datagrams and single bytes);
 *            bit 2: reserve room for the largest frame before each commit;
 *            bits 4-7: on_frame stops after that many frames (0: never)
 *   byte 2   the cut's size or seed
 *   byte 3   the channel (of 16)
 *   rest     the channel's byte stream
 *
 * The stream goes through chan_receive once whole and once cut up, and both
 * are checked against a plain decode of the whole stream with the channel
 * rule applied: same frames, same error (or none), same bytes left waiting.
 * The frames that decoded are then packed again through chan_reserve,
 * chan_commit and chan_flush into packets of the chosen size, which must be
 * exactly that size but for flushed tails, and must decode to the same
 * frames.
 *
 * Every packet is an exact-size heap copy freed after the call, so ASan
 * catches reads past a packet and pointers kept into it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mux/chan.h"
#include "toxtun/enet_patches.h"
#include "toxtun/frame.h"
#include "fuzz.h"

#define CHANNELS 16
#define FRAME_MAX (TT_FRAME_HEADER + TT_FRAME_MAX_PAYLOAD)

/* A sequence of frames: their bytes back to back and where each ends.
 * Reused from run to run (never freed: reachable, not a leak). */
struct seq {
	uint8_t *bytes;
	size_t len, cap;
	size_t *ends;
	size_t n, ncap;
	size_t stop_after; /* on_frame returns false on that many frames; 0: never */
};

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 256;
	p = realloc(p, *cap * size);
	REQUIRE(p != NULL);
	return p;
}

static void seq_reset(struct seq *s, size_t stop_after)
{
	s->len = s->n = 0;
	s->stop_after = stop_after;
}

/* Room for n more bytes, then seq_end once they are written. */
static uint8_t *seq_room(struct seq *s, size_t n)
{
	s->bytes = grow(s->bytes, &s->cap, s->len + n, 1);
	return s->bytes + s->len;
}

static void seq_end(struct seq *s, size_t n)
{
	s->len += n;
	s->ends = grow(s->ends, &s->ncap, s->n + 1, sizeof(*s->ends));
	s->ends[s->n++] = s->len;
}

static bool seq_equal(const struct seq *a, const struct seq *b)
{
	return a->n == b->n && a->len == b->len &&
	       (a->n == 0 || memcmp(a->ends, b->ends, a->n * sizeof(*a->ends)) == 0) &&
	       (a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0);
}

/* on_frame: the frame re-encoded from its fields and payload. */
static bool on_frame(void *ctx, const struct tt_frame *f)
{
	struct seq *s = ctx;
	uint8_t *p = seq_room(s, TT_FRAME_HEADER + (size_t)f->len);

	REQUIRE(f->type >= TT_FRAME_HELLO && f->type <= TT_FRAME_TYPE_MAX);
	tt_frame_put_header(p, f->type, f->flags, f->stream, f->len);
	if (f->len)
		memcpy(p + TT_FRAME_HEADER, f->payload, f->len);
	seq_end(s, TT_FRAME_HEADER + (size_t)f->len);
	return !(s->stop_after && s->n >= s->stop_after);
}

/* The reference: the whole stream decoded by the codec alone, the channel
 * rule and the receiver's stop applied by hand. Returns the error (NULL if
 * none) and in *left the bytes that would wait for the next packet. */
static const char *decode_ref(const uint8_t *d, size_t len, uint8_t channel, struct seq *out, size_t *left)
{
	size_t off = 0;

	*left = 0;
	for (;;) {
		struct tt_frame f;
		const char *err = NULL;
		long n = tt_frame_decode(d + off, len - off, &f, &err);

		if (n == 0) {
			*left = len - off;
			return NULL;
		}
		if (n < 0) {
			REQUIRE(err != NULL && *err);
			return err;
		}
		REQUIRE((size_t)n == TT_FRAME_HEADER + (size_t)f.len && (size_t)n <= len - off);
		if (f.type != TT_FRAME_HELLO && f.type != TT_FRAME_SHUTDOWN && f.stream % CHANNELS != channel)
			return "stream on the wrong channel";
		memcpy(seq_room(out, (size_t)n), d + off, (size_t)n);
		seq_end(out, (size_t)n);
		off += (size_t)n;
		if (out->stop_after && out->n >= out->stop_after)
			return NULL; /* the rest is dropped */
	}
}

/* One packet through chan_receive from an exact-size heap copy. */
static const char *feed(struct chanbuf *c, uint8_t channel, const uint8_t *data, size_t len, struct seq *out)
{
	uint8_t *copy = malloc(len ? len : 1);
	const char *err;

	REQUIRE(copy != NULL);
	if (len)
		memcpy(copy, data, len);
	err = chan_receive(c, channel, CHANNELS, copy, len, on_frame, out);
	memset(copy, 0xEE, len);
	free(copy);
	return err;
}

/* Piece sizes for a cut, from a tiny deterministic generator. */
static uint32_t rng;

static size_t next_piece(unsigned mode, uint8_t arg)
{
	uint32_t r;

	rng = rng * 1103515245u + 12345u;
	r = rng >> 8;
	switch (mode) {
	case 0:
		return (size_t)arg + 1;
	case 1:
		return r % ((unsigned)arg + 2); /* empty packets too */
	case 2:
		return 1 + r % 2000;
	default:
		return r % 3 ? ENETP_PACKET_PAYLOAD : 1;
	}
}

/* What chan_commit and chan_flush emit. */
struct packets {
	struct seq s; /* one "frame" per packet */
	size_t packet;
	bool flushing;
};

static void emit(void *ctx, const uint8_t *data, size_t len)
{
	struct packets *p = ctx;

	if (p->flushing)
		REQUIRE(len > 0 && len < p->packet);
	else
		REQUIRE(len == p->packet);
	memcpy(seq_room(&p->s, len), data, len);
	seq_end(&p->s, len);
}

static struct seq ref, ref_all, whole, split, back;
static struct packets pk;

/* Runs the stream through chan_receive in the pieces next_piece gives
 * (one piece: whole), stopping at the first error or once on_frame said
 * stop (the session is gone: nothing more is fed). Checks the outcome
 * against the reference. */
static void check_receive(const uint8_t *s, size_t len, uint8_t channel, unsigned mode, uint8_t arg,
                          bool in_one, struct seq *out, const char *ref_err, size_t ref_left)
{
	struct chanbuf rx = { 0 };
	const char *err = NULL;
	size_t off = 0;

	rng = (uint32_t)arg << 8 | mode;
	do {
		size_t n = in_one ? len : next_piece(mode, arg);

		if (n > len - off)
			n = len - off;
		err = feed(&rx, channel, s + off, n, out);
		off += n;
	} while (!err && off < len && !(out->stop_after && out->n >= out->stop_after));
	REQUIRE(seq_equal(out, &ref));
	REQUIRE((err == NULL) == (ref_err == NULL));
	if (err)
		REQUIRE(strcmp(err, ref_err) == 0);
	if (err || (ref.stop_after && ref.n >= ref.stop_after)) {
		REQUIRE(rx.len == 0);
	} else {
		REQUIRE(rx.len == ref_left);
		if (ref_left)
			REQUIRE(memcmp(rx.buf, s + len - ref_left, ref_left) == 0);
	}
	chanbuf_free(&rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chanbuf tx = { 0 }, rx = { 0 };
	const uint8_t *s;
	const char *ref_err;
	size_t len, ref_left, left_all;
	size_t packet, stop_after;
	unsigned mode;
	uint8_t arg, channel;
	bool reserve_max;

	if (size < 4)
		return 0;
	packet = data[0] ? data[0] : ENETP_PACKET_PAYLOAD;
	mode = data[1] & 3;
	reserve_max = data[1] & 4;
	stop_after = data[1] >> 4;
	arg = data[2];
	channel = data[3] % CHANNELS;
	s = data + 4;
	len = size - 4;

	/* Received whole, then cut up. */
	seq_reset(&ref, stop_after);
	ref_err = decode_ref(s, len, channel, &ref, &ref_left);
	seq_reset(&whole, stop_after);
	check_receive(s, len, channel, mode, arg, true, &whole, ref_err, ref_left);
	seq_reset(&split, stop_after);
	check_receive(s, len, channel, mode, arg, false, &split, ref_err, ref_left);

	/* Every frame that decoded (no stop), packed again and received. */
	seq_reset(&ref_all, 0);
	decode_ref(s, len, channel, &ref_all, &left_all);
	seq_reset(&pk.s, 0);
	pk.packet = packet;
	for (size_t i = 0; i < ref_all.n; i++) {
		size_t start = i ? ref_all.ends[i - 1] : 0, n = ref_all.ends[i] - start;
		uint8_t *w = chan_reserve(&tx, reserve_max ? FRAME_MAX : n);

		REQUIRE(w != NULL);
		memcpy(w, ref_all.bytes + start, n);
		chan_commit(&tx, n, packet, emit, &pk);
		REQUIRE(tx.len < packet);
		/* A flush now and then, as the session does at the end of a turn. */
		if ((ref_all.bytes[start + 2] ^ ref_all.bytes[start + 7]) % 4 == 0) {
			pk.flushing = true;
			chan_flush(&tx, emit, &pk);
			pk.flushing = false;
			REQUIRE(tx.len == 0);
		}
	}
	pk.flushing = true;
	chan_flush(&tx, emit, &pk);
	pk.flushing = false;
	REQUIRE(tx.len == 0);
	REQUIRE(pk.s.len == ref_all.len);
	REQUIRE(pk.s.len == 0 || memcmp(pk.s.bytes, ref_all.bytes, pk.s.len) == 0);
	seq_reset(&back, 0);
	for (size_t i = 0; i < pk.s.n; i++) {
		size_t start = i ? pk.s.ends[i - 1] : 0;

		REQUIRE(feed(&rx, channel, pk.s.bytes + start, pk.s.ends[i] - start, &back) == NULL);
	}
	REQUIRE(rx.len == 0);
	REQUIRE(seq_equal(&back, &ref_all));
	chanbuf_free(&tx);
	chanbuf_free(&rx);
	return 0;
}
