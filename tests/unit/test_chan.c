/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for a session's channels (daemon/mux/chan.c): frames packed
 * into packets of exactly one datagram's payload on the way out, frames
 * reassembled from packets whatever their split on the way in.
 *
 * A channel is a byte stream: a frame may end in the middle of a packet,
 * and a packet may end in the middle of a header. One byte lost, doubled or
 * misplaced at a packet boundary corrupts every later frame of every stream
 * on the channel, so the tests cut streams everywhere (every one- and
 * two-cut split of a short stream, random splits of a long one down to
 * 1-byte packets), interleave the packets of 16 channels, and check the
 * errors: a frame on the wrong channel, a malformed frame, a receiver that
 * stops half-way through a packet.
 *
 * Every packet handed to chan_receive is an exact-size heap copy, freed as
 * soon as the call returns: under ASan a read past its end, or anything
 * still pointing into it later, is caught. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mux/chan.h"
#include "toxtun/enet_patches.h"
#include "toxtun/frame.h"

#define FRAME_MAX (TT_FRAME_HEADER + TT_FRAME_MAX_PAYLOAD)
#define CHANNELS 16

/* ---- helpers: growing byte buffers and frame sequences ---- */

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		perror("realloc");
		exit(2);
	}
	return p;
}

struct bytes {
	uint8_t *p;
	size_t len, cap;
};

/* Room for n more bytes at the end (not counted until bytes_add or len += n). */
static uint8_t *bytes_room(struct bytes *b, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;

		while (cap < b->len + n)
			cap *= 2;
		b->p = xrealloc(b->p, cap);
		b->cap = cap;
	}
	return b->p + b->len;
}

static void bytes_add(struct bytes *b, const void *data, size_t n)
{
	if (n)
		memcpy(bytes_room(b, n), data, n);
	b->len += n;
}

/* A sequence of frames: their bytes back to back, and where each ends. Two
 * sequences with the same bytes and the same ends hold the same frames: a
 * frame's header bytes are its type, flags, stream and length. */
struct frames {
	struct bytes all;
	size_t *ends;
	size_t n, cap;
};

static void frames_add(struct frames *s, const uint8_t *frame, size_t len)
{
	bytes_add(&s->all, frame, len);
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->ends = xrealloc(s->ends, s->cap * sizeof(*s->ends));
	}
	s->ends[s->n++] = s->all.len;
}

static const uint8_t *frame_at(const struct frames *s, size_t i, size_t *len)
{
	size_t start = i ? s->ends[i - 1] : 0;

	*len = s->ends[i] - start;
	return s->all.p + start;
}

static bool frames_equal(const struct frames *a, const struct frames *b)
{
	return a->n == b->n && a->all.len == b->all.len &&
	       (a->n == 0 || memcmp(a->ends, b->ends, a->n * sizeof(*a->ends)) == 0) &&
	       (a->all.len == 0 || memcmp(a->all.p, b->all.p, a->all.len) == 0);
}

static void frames_clear(struct frames *s)
{
	s->all.len = 0;
	s->n = 0;
}

static void frames_free(struct frames *s)
{
	free(s->all.p);
	free(s->ends);
	*s = (struct frames){ 0 };
}

/* ---- helpers: the receiving side ---- */

/* What chan_receive handed to on_frame, re-encoded; stop_after > 0 makes
 * on_frame return false on that many frames. */
struct sink {
	struct frames got;
	size_t stop_after;
};

static bool on_frame(void *ctx, const struct tt_frame *f)
{
	struct sink *s = ctx;
	uint8_t *p = bytes_room(&s->got.all, TT_FRAME_HEADER + (size_t)f->len);

	tt_frame_put_header(p, f->type, f->flags, f->stream, f->len);
	if (f->len)
		memcpy(p + TT_FRAME_HEADER, f->payload, f->len);
	s->got.all.len += TT_FRAME_HEADER + (size_t)f->len;
	/* frames_add would copy again: record the end only. */
	if (s->got.n == s->got.cap) {
		s->got.cap = s->got.cap ? s->got.cap * 2 : 64;
		s->got.ends = xrealloc(s->got.ends, s->got.cap * sizeof(*s->got.ends));
	}
	s->got.ends[s->got.n++] = s->got.all.len;
	return !(s->stop_after && s->got.n >= s->stop_after);
}

/* One packet through chan_receive, from an exact-size heap copy. */
static const char *feed(struct chanbuf *c, uint8_t channel, unsigned n_channels, const uint8_t *data,
                        size_t len, struct sink *s)
{
	uint8_t *copy = xrealloc(NULL, len);
	const char *err;

	if (len)
		memcpy(copy, data, len);
	err = chan_receive(c, channel, n_channels, copy, len, on_frame, s);
	memset(copy, 0xEE, len); /* a frame kept pointing here would now read garbage */
	free(copy);
	return err;
}

/* The reference: the whole byte stream decoded in one piece by the codec.
 * Returns the bytes left over (an incomplete last frame), and the codec's
 * reason in *err when a frame is malformed. */
static size_t decode_whole(const uint8_t *data, size_t len, struct frames *out, const char **err)
{
	size_t off = 0;

	*err = NULL;
	for (;;) {
		struct tt_frame f;
		long n = tt_frame_decode(data + off, len - off, &f, err);

		if (n <= 0)
			return n == 0 ? len - off : 0;
		frames_add(out, data + off, (size_t)n);
		off += (size_t)n;
	}
}

/* ---- helpers: frames ---- */

static uint8_t rand_printable(bool space)
{
	return (uint8_t)check_rand_range(space ? ' ' : '!', '~');
}

/* A DATA payload length: small ones mostly, the largest now and then. */
static size_t rand_data_len(size_t max_data)
{
	switch (check_rand() % 8) {
	case 0:
		return 1;
	case 1:
		return max_data;
	case 2:
	case 3:
		return check_rand_range(1, max_data);
	default:
		return check_rand_range(1, max_data < 64 ? max_data : 64);
	}
}

/* A stream id that belongs on `channel` of n_channels. */
static uint32_t rand_stream(uint8_t channel, unsigned n_channels)
{
	uint64_t k = check_rand() % 4 ? check_rand_range(channel ? 0 : 1, 100)
	                              : check_rand_range(1, (UINT32_MAX - channel) / n_channels);

	return (uint32_t)(channel + k * n_channels);
}

/* One random well-formed frame that belongs on `channel`, written at out
 * (room for FRAME_MAX); returns its size. One in ten is a session frame:
 * HELLO or SHUTDOWN (any channel), LISTEN or LISTEN_REPLY (channel 0). */
static size_t random_frame(uint8_t *out, uint8_t channel, unsigned n_channels, size_t max_data)
{
	char text[256];
	size_t n, i;

	if (check_rand() % 10 == 0) {
		switch (check_rand() % (channel == 0 ? 4 : 2)) {
		case 0: {
			struct tt_hello h = {
				.version = (uint16_t)check_rand(), .min_version = (uint16_t)check_rand(),
				.window = (uint32_t)check_rand(), .max_streams = (uint32_t)check_rand(),
				.boot_id = check_rand(),
			};
			return tt_frame_put_hello(out, &h);
		}
		case 1:
			n = check_rand_range(0, 200);
			for (i = 0; i < n; i++)
				text[i] = (char)rand_printable(true);
			text[n] = '\0';
			return tt_frame_put_rst(out, TT_FRAME_SHUTDOWN, 0, (uint8_t)check_rand(), text);
		default:
			n = check_rand_range(1, 255);
			for (i = 0; i < n; i++)
				text[i] = (char)rand_printable(false);
			text[n] = '\0';
			return check_rand() % 2
			               ? tt_frame_put_endpoint(out, TT_FRAME_LISTEN, 0, 0, check_rand() % 2, text,
			                                       (uint16_t)check_rand_range(1, 65535))
			               : tt_frame_put_endpoint(out, TT_FRAME_LISTEN_REPLY, 0, 0,
			                                       (uint32_t)check_rand_range(0, TT_REASON_MAX), text,
			                                       (uint16_t)check_rand_range(1, 65535));
		}
	}
	uint32_t stream = rand_stream(channel, n_channels);

	switch (check_rand() % 8) {
	case 0:
		return tt_frame_put_empty(out, TT_FRAME_FIN, stream);
	case 1:
		return tt_frame_put_u32(out, check_rand() % 2 ? TT_FRAME_WINDOW : TT_FRAME_SYNACK, stream,
		                        (uint32_t)check_rand());
	case 2:
		n = check_rand_range(0, 200);
		for (i = 0; i < n; i++)
			text[i] = (char)rand_printable(true);
		text[n] = '\0';
		return tt_frame_put_rst(out, TT_FRAME_RST, stream, (uint8_t)check_rand_range(0, TT_REASON_MAX),
		                        text);
	case 3: {
		static const uint8_t syn_flags[] = { 0, TT_FRAME_FLAG_REVERSE, TT_FRAME_FLAG_UDP };

		n = check_rand_range(1, 255);
		for (i = 0; i < n; i++)
			text[i] = (char)rand_printable(false);
		text[n] = '\0';
		return tt_frame_put_endpoint(out, TT_FRAME_SYN, syn_flags[check_rand() % 3], stream,
		                             (uint32_t)check_rand(), text, (uint16_t)check_rand_range(1, 65535));
	}
	case 4:
		/* The channel does not decompress: a payload that passes the
		 * codec's checks is enough. */
		n = rand_data_len(max_data);
		if (n < 3)
			n = 3;
		tt_frame_put_header(out, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, stream, (uint16_t)n);
		for (i = 0; i < n; i++)
			out[TT_FRAME_HEADER + i] = (uint8_t)check_rand();
		out[TT_FRAME_HEADER] |= 1;
		return TT_FRAME_HEADER + n;
	default:
		n = rand_data_len(max_data);
		tt_frame_put_header(out, TT_FRAME_DATA, 0, stream, (uint16_t)n);
		for (i = 0; i < n; i++)
			out[TT_FRAME_HEADER + i] = (uint8_t)check_rand();
		return TT_FRAME_HEADER + n;
	}
}

static void random_frames(struct frames *out, size_t count, uint8_t channel, unsigned n_channels,
                          size_t max_data)
{
	static uint8_t f[FRAME_MAX];

	for (size_t i = 0; i < count; i++)
		frames_add(out, f, random_frame(f, channel, n_channels, max_data));
}

/* ---- helpers: the sending side ---- */

/* What chan_commit and chan_flush emitted. */
struct packets {
	struct bytes all;
	size_t *lens;
	size_t n, cap;
	size_t packet;   /* the size every packet but a flushed tail must have */
	bool flushing;   /* inside chan_flush: a tail, 1..packet-1 bytes */
	size_t bad;      /* packets of the wrong size */
	size_t flushed;  /* tails */
};

static void emit(void *ctx, const uint8_t *data, size_t len)
{
	struct packets *p = ctx;

	if (p->flushing ? len == 0 || len >= p->packet : len != p->packet)
		p->bad++;
	p->flushed += p->flushing;
	bytes_add(&p->all, data, len);
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->lens = xrealloc(p->lens, p->cap * sizeof(*p->lens));
	}
	p->lens[p->n++] = len;
}

static void packets_free(struct packets *p)
{
	free(p->all.p);
	free(p->lens);
	*p = (struct packets){ 0 };
}

static void flush(struct chanbuf *tx, struct packets *out)
{
	out->flushing = true;
	chan_flush(tx, emit, out);
	out->flushing = false;
}

/* Every frame reserved (exactly its size, or reserve_max: as much as the
 * largest frame, as the session does) and committed; one in flush_every
 * (0: none) followed by a flush, and a flush at the end. Returns how many
 * commits left a whole packet or more waiting, or the buffer not empty
 * after a flush: the packer's own invariants. */
static size_t pack(const struct frames *in, size_t packet, unsigned flush_every, bool reserve_max,
                   struct packets *out)
{
	struct chanbuf tx = { 0 };
	size_t broken = 0;

	out->packet = packet;
	for (size_t i = 0; i < in->n; i++) {
		size_t len;
		const uint8_t *f = frame_at(in, i, &len);
		uint8_t *w = chan_reserve(&tx, reserve_max ? FRAME_MAX : len);

		if (!w) {
			broken++;
			break;
		}
		memcpy(w, f, len);
		chan_commit(&tx, len, packet, emit, out);
		broken += tx.len >= packet;
		if (flush_every && check_rand() % flush_every == 0) {
			flush(&tx, out);
			broken += tx.len != 0;
		}
	}
	flush(&tx, out);
	broken += tx.len != 0;
	chanbuf_free(&tx);
	return broken;
}

/* ---- packing ---- */

/* Frames of every kind and size (FIN and other empty-payload frames, DATA
 * up to the largest payload) packed into packets of many sizes, from 1 byte
 * to more than the largest frame: every packet is exactly `packet` bytes
 * but flushed tails, and the packets put together are the frames put
 * together. */
static void test_pack(void)
{
	static const size_t sizes[] = { 1, 2, 7, TT_FRAME_HEADER, TT_FRAME_HEADER + 1, 100, ENETP_PACKET_PAYLOAD,
	                                FRAME_MAX - 1, FRAME_MAX, 3 * FRAME_MAX };
	struct frames in = { 0 };
	static uint8_t f[FRAME_MAX];

	/* The edges first: empty payloads, a 1-byte DATA, the largest DATA. */
	frames_add(&in, f, tt_frame_put_empty(f, TT_FRAME_FIN, 1));
	frames_add(&in, f, tt_frame_put_empty(f, TT_FRAME_FIN, 17));
	tt_frame_put_header(f, TT_FRAME_DATA, 0, 1, 1);
	f[TT_FRAME_HEADER] = 'x';
	frames_add(&in, f, TT_FRAME_HEADER + 1);
	tt_frame_put_header(f, TT_FRAME_DATA, 0, 1, TT_FRAME_MAX_PAYLOAD);
	memset(f + TT_FRAME_HEADER, 'y', TT_FRAME_MAX_PAYLOAD);
	frames_add(&in, f, FRAME_MAX);
	frames_add(&in, f, tt_frame_put_empty(f, TT_FRAME_FIN, 1));
	random_frames(&in, 150, 1, CHANNELS, TT_FRAME_MAX_PAYLOAD);

	for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		for (int mode = 0; mode < 3; mode++) {
			struct packets out = { 0 };
			size_t whole = 0;

			/* 0: flushed only at the end; 1: now and then; 2: reserving
			 * the largest frame each time, flushed often. */
			CHECK_EQ_U(pack(&in, sizes[k], mode == 0 ? 0 : mode == 1 ? 20 : 3, mode == 2, &out), 0);
			CHECK_EQ_U(out.bad, 0);
			CHECK_EQ_U(out.all.len, in.all.len);
			if (out.all.len == in.all.len)
				CHECK_MEM(out.all.p, in.all.p, in.all.len);
			for (size_t i = 0; i < out.n; i++)
				whole += out.lens[i] == sizes[k];
			CHECK_EQ_U(whole + out.flushed, out.n);
			if (mode == 0) /* one tail at most: what did not fill the last packet */
				CHECK_EQ_U(out.n, (in.all.len + sizes[k] - 1) / sizes[k]);
			packets_free(&out);
		}
	}
	frames_free(&in);
}

/* The packer's edges: a commit that fills a packet exactly leaves nothing
 * waiting; flushing nothing emits nothing; a frame larger than several
 * packets comes out as that many packets at once; a reservation larger
 * than what is committed leaves no trace. */
static void test_pack_edges(void)
{
	struct chanbuf tx = { 0 };
	struct packets out = { .packet = 16 };
	uint8_t *w;

	flush(&tx, &out);
	CHECK_EQ_U(out.n, 0);

	w = chan_reserve(&tx, 8);
	if (!CHECK(w != NULL))
		return;
	tt_frame_put_empty(w, TT_FRAME_FIN, 1);
	chan_commit(&tx, 8, 16, emit, &out);
	CHECK_EQ_U(out.n, 0);
	CHECK_EQ_U(tx.len, 8);
	w = chan_reserve(&tx, 1000); /* more than needed */
	if (!CHECK(w != NULL))
		return;
	tt_frame_put_empty(w, TT_FRAME_FIN, 3);
	chan_commit(&tx, 8, 16, emit, &out);
	CHECK_EQ_U(out.n, 1);
	CHECK_EQ_U(tx.len, 0);
	flush(&tx, &out);
	CHECK_EQ_U(out.n, 1);

	/* 5 packets and 4 bytes from one frame of 84 bytes. */
	w = chan_reserve(&tx, 84);
	if (!CHECK(w != NULL))
		return;
	tt_frame_put_header(w, TT_FRAME_DATA, 0, 5, 76);
	memset(w + TT_FRAME_HEADER, 'd', 76);
	chan_commit(&tx, 84, 16, emit, &out);
	CHECK_EQ_U(out.n, 6);
	CHECK_EQ_U(tx.len, 4);
	CHECK_EQ_U(out.bad, 0);
	flush(&tx, &out);
	CHECK_EQ_U(out.n, 7);
	CHECK_EQ_U(out.lens[6], 4);
	CHECK_EQ_U(tx.len, 0);
	CHECK_EQ_U(out.bad, 0);
	CHECK_EQ_U(out.all.len, 8 + 8 + 84);

	chanbuf_free(&tx);
	CHECK(tx.buf == NULL && tx.len == 0 && tx.cap == 0);
	chanbuf_free(&tx); /* twice is fine */
	packets_free(&out);
}

/* ---- reassembly ---- */

/* A short stream of frames of every kind on channel 3 of 16, cut at every
 * point and at every pair of points (empty packets included): each split
 * gives back exactly the frames decoded from the stream in one piece. */
static void test_split_short(void)
{
	struct frames in = { 0 }, ref = { 0 };
	struct tt_hello h = { .version = 1, .min_version = 1, .window = 1 << 20, .max_streams = 100, .boot_id = 7 };
	uint8_t f[FRAME_MAX];
	const char *err;
	size_t len, splits = 0, bad = 0;
	const uint8_t *s;

	frames_add(&in, f, tt_frame_put_empty(f, TT_FRAME_FIN, 3));
	frames_add(&in, f, tt_frame_put_u32(f, TT_FRAME_WINDOW, 19, 4096));
	tt_frame_put_header(f, TT_FRAME_DATA, 0, 35, 5);
	memcpy(f + TT_FRAME_HEADER, "hello", 5);
	frames_add(&in, f, TT_FRAME_HEADER + 5);
	frames_add(&in, f, tt_frame_put_hello(f, &h));
	frames_add(&in, f, tt_frame_put_rst(f, TT_FRAME_RST, 3, TT_REASON_RESET, "bye"));
	frames_add(&in, f, tt_frame_put_syn(f, 51, 65536, "h", 22));
	frames_add(&in, f, tt_frame_put_empty(f, TT_FRAME_FIN, 0xfffffff3));
	frames_add(&in, f, tt_frame_put_rst(f, TT_FRAME_SHUTDOWN, 0, TT_REASON_SHUTDOWN, ""));
	s = in.all.p;
	len = in.all.len;

	CHECK_EQ_U(decode_whole(s, len, &ref, &err), 0);
	CHECK(err == NULL);
	CHECK(frames_equal(&ref, &in));

	for (size_t i = 0; i <= len; i++) {
		for (size_t j = i; j <= len; j++) {
			struct chanbuf rx = { 0 };
			struct sink out = { 0 };
			bool ok = feed(&rx, 3, CHANNELS, s, i, &out) == NULL &&
			          feed(&rx, 3, CHANNELS, s + i, j - i, &out) == NULL &&
			          feed(&rx, 3, CHANNELS, s + j, len - j, &out) == NULL &&
			          frames_equal(&out.got, &ref) && rx.len == 0;

			/* One line for the first split that fails, not thousands. */
			if (!ok && !bad++)
				check_result(false, __FILE__, __LINE__, "split at %zu and %zu of %zu", i, j, len);
			splits++;
			chanbuf_free(&rx);
			frames_free(&out.got);
		}
	}
	CHECK_EQ_U(bad, 0);
	CHECK_EQ_U(splits, (len + 1) * (len + 2) / 2);
	frames_free(&in);
	frames_free(&ref);
}

/* Feeds a stream in pieces whose sizes next_size picks; returns whether the
 * frames match ref with nothing left over. */
static bool feed_split(const struct frames *in, const struct frames *ref, uint8_t channel,
                       size_t (*next_size)(void))
{
	struct chanbuf rx = { 0 };
	struct sink out = { 0 };
	size_t off = 0, len = in->all.len;
	bool ok = true;

	while (ok && off < len) {
		size_t n = next_size();

		if (n > len - off)
			n = len - off;
		ok = feed(&rx, channel, CHANNELS, in->all.p + off, n, &out) == NULL;
		off += n;
	}
	ok = ok && rx.len == 0 && frames_equal(&out.got, ref);
	chanbuf_free(&rx);
	frames_free(&out.got);
	return ok;
}

static size_t size_1(void) { return 1; }
static size_t size_7(void) { return 7; }
static size_t size_header(void) { return TT_FRAME_HEADER; }
static size_t size_packet(void) { return ENETP_PACKET_PAYLOAD; }
static size_t size_tiny(void) { return check_rand_range(0, 16); }
static size_t size_small(void) { return check_rand_range(1, 300); }
static size_t size_medium(void) { return check_rand_range(1, 5000); }
static size_t size_large(void) { return check_rand_range(1, 3 * FRAME_MAX); }
/* Mostly whole datagrams, with a 1-byte or an empty packet now and then. */
static size_t size_mixed(void)
{
	switch (check_rand() % 10) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return check_rand_range(2, 40);
	default:
		return ENETP_PACKET_PAYLOAD;
	}
}

/* Long streams of random frames on channel 5, cut in many ways. Packets of
 * a few bytes go with a stream of smaller frames (and one of 16 KiB): a
 * frame grows in the channel's buffer one packet at a time, by a realloc
 * that moves it under ASan, and 64 KiB frames fed a byte at a time would
 * make the test slow, not better. The stream of large frames still gets
 * 1-byte and empty packets among whole datagrams (size_mixed). */
static void test_split_long(void)
{
	static size_t (*const coarse[])(void) = { size_packet, size_medium, size_large, size_mixed };
	static size_t (*const fine[])(void) = { size_1, size_7, size_header, size_tiny, size_small, size_mixed };
	static uint8_t big[TT_FRAME_HEADER + 16384];
	struct frames in = { 0 }, ref = { 0 }, small = { 0 }, small_ref = { 0 };
	const char *err;
	uint8_t f[TT_FRAME_HEADER + 4];

	random_frames(&in, 600, 5, CHANNELS, TT_FRAME_MAX_PAYLOAD);
	CHECK_EQ_U(decode_whole(in.all.p, in.all.len, &ref, &err), 0);
	CHECK(err == NULL);
	CHECK(frames_equal(&ref, &in));
	for (size_t k = 0; k < sizeof(coarse) / sizeof(*coarse); k++)
		for (int round = 0; round < 3; round++)
			if (!check_result(feed_split(&in, &ref, 5, coarse[k]), __FILE__, __LINE__,
			                  "split way %zu, round %d", k, round))
				break;

	random_frames(&small, 1000, 5, CHANNELS, 2000);
	tt_frame_put_header(big, TT_FRAME_DATA, 0, 5, 16384);
	for (size_t i = 0; i < 16384; i++)
		big[TT_FRAME_HEADER + i] = (uint8_t)i;
	frames_add(&small, big, TT_FRAME_HEADER + 16384);
	frames_add(&small, f, tt_frame_put_empty(f, TT_FRAME_FIN, 5));
	CHECK_EQ_U(decode_whole(small.all.p, small.all.len, &small_ref, &err), 0);
	CHECK(err == NULL);
	CHECK(frames_equal(&small_ref, &small));
	for (size_t k = 0; k < sizeof(fine) / sizeof(*fine); k++)
		if (!check_result(feed_split(&small, &small_ref, 5, fine[k]), __FILE__, __LINE__,
		                  "fine split way %zu", k))
			break;

	frames_free(&in);
	frames_free(&ref);
	frames_free(&small);
	frames_free(&small_ref);
}

/* Frames packed by chan_commit and chan_flush with small packets (and the
 * real datagram size) and fed, packet by packet, to chan_receive come back
 * the same. */
static void test_round_trip(void)
{
	static const size_t sizes[] = { 1, 3, TT_FRAME_HEADER, 13, 100, ENETP_PACKET_PAYLOAD };
	struct frames in = { 0 };

	random_frames(&in, 1000, 9, CHANNELS, 3000);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		struct packets pk = { 0 };
		struct chanbuf rx = { 0 };
		struct sink out = { 0 };
		size_t off = 0, errors = 0;

		CHECK_EQ_U(pack(&in, sizes[k], 7, k % 2, &pk), 0);
		CHECK_EQ_U(pk.bad, 0);
		for (size_t i = 0; i < pk.n; i++) {
			errors += feed(&rx, 9, CHANNELS, pk.all.p + off, pk.lens[i], &out) != NULL;
			off += pk.lens[i];
		}
		CHECK_EQ_U(errors, 0);
		CHECK_EQ_U(rx.len, 0);
		check_result(frames_equal(&out.got, &in), __FILE__, __LINE__,
		             "packet size %zu: %zu frames back of %zu", sizes[k], out.got.n, in.n);
		chanbuf_free(&rx);
		frames_free(&out.got);
		packets_free(&pk);
	}
	frames_free(&in);
}

/* 16 channels, stream ids id % 16 == channel, HELLO and SHUTDOWN on any:
 * each channel's packets arrive in order, but interleaved with the other
 * channels' at random. Every channel gives back its own frames, in order,
 * whatever the others left half-way in their buffers. */
static void test_interleave(void)
{
	static const size_t sizes[] = { 5, 50, ENETP_PACKET_PAYLOAD };

	for (size_t k = 0; k < sizeof(sizes) / sizeof(*sizes); k++) {
		struct frames in[CHANNELS] = { 0 };
		struct packets pk[CHANNELS] = { 0 };
		size_t next[CHANNELS] = { 0 }, off[CHANNELS] = { 0 };
		struct chanbuf rx[CHANNELS] = { 0 };
		struct sink out[CHANNELS] = { 0 };
		size_t left = 0, errors = 0, switches = 0;
		int last = -1;

		for (int ch = 0; ch < CHANNELS; ch++) {
			/* The largest frames on some channels, with whole datagrams
			 * only: 5-byte packets of them take long, teach nothing more. */
			random_frames(&in[ch], 150, (uint8_t)ch, CHANNELS,
			              ch % 4 == 0 && sizes[k] == ENETP_PACKET_PAYLOAD ? TT_FRAME_MAX_PAYLOAD : 2000);
			CHECK_EQ_U(pack(&in[ch], sizes[k], 10, false, &pk[ch]), 0);
			left += pk[ch].n;
		}
		while (left) {
			int ch = (int)(check_rand() % CHANNELS);

			if (next[ch] == pk[ch].n)
				continue;
			errors += feed(&rx[ch], (uint8_t)ch, CHANNELS, pk[ch].all.p + off[ch], pk[ch].lens[next[ch]],
			               &out[ch]) != NULL;
			off[ch] += pk[ch].lens[next[ch]++];
			switches += ch != last;
			last = ch;
			left--;
		}
		CHECK_EQ_U(errors, 0);
		CHECK(switches > 100); /* the channels did interleave */
		for (int ch = 0; ch < CHANNELS; ch++) {
			check_result(frames_equal(&out[ch].got, &in[ch]) && rx[ch].len == 0, __FILE__, __LINE__,
			             "packet size %zu, channel %d: %zu frames back of %zu", sizes[k], ch,
			             out[ch].got.n, in[ch].n);
			chanbuf_free(&rx[ch]);
			frames_free(&out[ch].got);
			frames_free(&in[ch]);
			packets_free(&pk[ch]);
		}
	}
}

/* A fresh channel fed packets that end on frame boundaries parses them
 * straight from the packet: nothing is buffered, nothing allocated. Its
 * buffer is still NULL then; under UBSan this once failed, on a memcpy of
 * the (empty) tail into it. */
static void test_whole_frames_fresh_channel(void)
{
	uint8_t p[64];
	struct chanbuf rx = { 0 };
	struct sink out = { 0 };
	size_t n = 0;

	n += tt_frame_put_empty(p + n, TT_FRAME_FIN, 4);
	n += tt_frame_put_u32(p + n, TT_FRAME_WINDOW, 20, 1);
	CHECK(feed(&rx, 4, CHANNELS, p, n, &out) == NULL);
	CHECK(feed(&rx, 4, CHANNELS, p, TT_FRAME_HEADER, &out) == NULL);
	CHECK(feed(&rx, 4, CHANNELS, p, 0, &out) == NULL); /* an empty packet too */
	CHECK_EQ_U(out.got.n, 3);
	CHECK(rx.buf == NULL && rx.len == 0 && rx.cap == 0);
	/* Once a tail waited, the buffer stays for the next one. */
	CHECK(feed(&rx, 4, CHANNELS, p, 3, &out) == NULL);
	CHECK_EQ_U(rx.len, 3);
	CHECK(feed(&rx, 4, CHANNELS, p + 3, n - 3, &out) == NULL);
	CHECK_EQ_U(rx.len, 0);
	CHECK_EQ_U(out.got.n, 5);
	chanbuf_free(&rx);
	frames_free(&out.got);
}

/* ---- errors ---- */

/* A frame of a stream that belongs on another channel: the frames before it
 * are delivered, then the error, and nothing is kept: the next packet on the
 * channel starts clean. */
static void test_wrong_channel(void)
{
	uint8_t p[256], f[TT_FRAME_HEADER + 4];
	struct chanbuf rx = { 0 };
	struct sink out = { 0 };
	size_t n = 0, a;

	n += tt_frame_put_empty(p + n, TT_FRAME_FIN, 19);          /* 19 % 16 == 3 */
	n += tt_frame_put_u32(p + n, TT_FRAME_WINDOW, 5, 100);     /* belongs on 5 */
	n += tt_frame_put_empty(p + n, TT_FRAME_FIN, 35);
	CHECK_STR(feed(&rx, 3, CHANNELS, p, n, &out), "stream on the wrong channel");
	CHECK_EQ_U(out.got.n, 1);
	CHECK_EQ_U(rx.len, 0);

	/* The same with the bad frame cut across two packets: the first packet
	 * is fine (its tail waits), the second fails. */
	frames_clear(&out.got);
	a = TT_FRAME_HEADER + 4;
	CHECK(feed(&rx, 3, CHANNELS, p, a, &out) == NULL);
	CHECK_EQ_U(out.got.n, 1);
	CHECK_EQ_U(rx.len, 4);
	CHECK_STR(feed(&rx, 3, CHANNELS, p + a, n - a, &out), "stream on the wrong channel");
	CHECK_EQ_U(out.got.n, 1);
	CHECK_EQ_U(rx.len, 0);

	/* Nothing kept: a packet with one good frame gives exactly it. */
	frames_clear(&out.got);
	CHECK(feed(&rx, 3, CHANNELS, f, tt_frame_put_empty(f, TT_FRAME_FIN, 35), &out) == NULL);
	CHECK_EQ_U(out.got.n, 1);
	CHECK_EQ_U(rx.len, 0);

	/* Stream 0 frames other than HELLO and SHUTDOWN go on channel 0. */
	n = tt_frame_put_endpoint(p, TT_FRAME_LISTEN, 0, 0, 1, "localhost", 8080);
	CHECK_STR(feed(&rx, 3, CHANNELS, p, n, &out), "stream on the wrong channel");
	frames_clear(&out.got);
	CHECK(feed(&rx, 0, CHANNELS, p, n, &out) == NULL);
	CHECK_EQ_U(out.got.n, 1);
	n = tt_frame_put_endpoint(p, TT_FRAME_LISTEN_REPLY, 0, 0, 0, "localhost", 8080);
	CHECK_STR(feed(&rx, 15, CHANNELS, p, n, &out), "stream on the wrong channel");

	/* A large id: 0xffffffff % 16 == 15. */
	n = tt_frame_put_empty(p, TT_FRAME_FIN, 0xffffffff);
	CHECK(feed(&rx, 15, CHANNELS, p, n, &out) == NULL);
	CHECK_STR(feed(&rx, 14, CHANNELS, p, n, &out), "stream on the wrong channel");

	/* One channel: every stream belongs on it. */
	frames_clear(&out.got);
	CHECK(feed(&rx, 0, 1, p, n, &out) == NULL);
	CHECK_EQ_U(out.got.n, 1);
	chanbuf_free(&rx);
	frames_free(&out.got);
}

/* HELLO and SHUTDOWN (stream 0) are accepted on every channel. */
static void test_session_frames_anywhere(void)
{
	struct tt_hello h = { .version = 1, .min_version = 1, .window = 65536, .max_streams = 8, .boot_id = 42 };
	uint8_t p[512];
	size_t n = 0;

	n += tt_frame_put_hello(p + n, &h);
	n += tt_frame_put_rst(p + n, TT_FRAME_SHUTDOWN, 0, TT_REASON_SHUTDOWN, "going away");
	for (int ch = 0; ch < CHANNELS; ch++) {
		struct chanbuf rx = { 0 };
		struct sink out = { 0 };

		CHECK(feed(&rx, (uint8_t)ch, CHANNELS, p, n - 3, &out) == NULL);
		CHECK(feed(&rx, (uint8_t)ch, CHANNELS, p + n - 3, 3, &out) == NULL);
		CHECK_EQ_U(out.got.n, 2);
		CHECK(out.got.all.len == n && memcmp(out.got.all.p, p, n) == 0);
		chanbuf_free(&rx);
		frames_free(&out.got);
	}
}

/* A malformed frame: chan_receive reports the codec's own reason, after
 * delivering the good frames before it, whether the bad frame arrives whole
 * or cut anywhere; nothing is kept after. */
static void test_malformed(void)
{
	struct bad {
		uint8_t b[32];
		size_t n;
	} bad[16];
	size_t nbad = 0;
	uint8_t good[TT_FRAME_HEADER + 4];
	size_t ngood = tt_frame_put_u32(good, TT_FRAME_WINDOW, 7, 1000);

#define BAD(...)                                                                   \
	do {                                                                       \
		const uint8_t b_[] = { __VA_ARGS__ };                              \
		memcpy(bad[nbad].b, b_, sizeof(b_));                               \
		bad[nbad++].n = sizeof(b_);                                        \
	} while (0)
	BAD(0, 0, 0, 0, 0, 7, 0, 0);                                  /* type 0 */
	BAD(TT_FRAME_TYPE_MAX + 1, 0, 0, 0, 0, 7, 0xff, 0xff);        /* unknown type, huge length */
	BAD(0xff, 0, 0, 0, 0, 7, 0, 1, 'x');
	BAD(TT_FRAME_FIN, 0, 0, 0, 0, 7, 0, 1, 'x');                  /* FIN with a payload */
	BAD(TT_FRAME_FIN, 1, 0, 0, 0, 7, 0, 0);                       /* flags */
	BAD(TT_FRAME_DATA, 0, 0, 0, 0, 7, 0, 0);                      /* empty DATA */
	BAD(TT_FRAME_DATA, 4, 0, 0, 0, 7, 0, 1, 'x');                 /* DATA flags */
	BAD(TT_FRAME_DATA, 1, 0, 0, 0, 7, 0, 3, 0, 0, 'x');           /* LZ4 with length 0 */
	BAD(TT_FRAME_WINDOW, 0, 0, 0, 0, 7, 0, 3, 1, 2, 3);           /* short WINDOW */
	BAD(TT_FRAME_FIN, 0, 0, 0, 0, 0, 0, 0);                       /* stream frame on stream 0 */
	BAD(TT_FRAME_SHUTDOWN, 0, 0, 0, 0, 7, 0, 1, 0);               /* SHUTDOWN on a stream */
	BAD(TT_FRAME_RST, 0, 0, 0, 0, 7, 0, 2, 1, '\n');              /* RST text not printable */
	BAD(TT_FRAME_SYN, 0, 0, 0, 0, 7, 0, 8, 0, 0, 0, 1, 0, 0, 1, 'h'); /* SYN to port 0 */
	BAD(TT_FRAME_HELLO, 0, 0, 0, 0, 0, 0, 4, 'T', 'X', 'T', 'N'); /* short HELLO */
#undef BAD

	for (size_t k = 0; k < nbad; k++) {
		uint8_t p[128];
		struct tt_frame f;
		const char *why = NULL, *err;
		size_t n = 0, fails = 0;

		/* The codec's reason for the bad frame alone. */
		CHECK_EQ_I(tt_frame_decode(bad[k].b, bad[k].n, &f, &why), -1);
		if (!CHECK(why != NULL))
			continue;
		memcpy(p, good, ngood);
		memcpy(p + ngood, bad[k].b, bad[k].n);
		memcpy(p + ngood + bad[k].n, good, ngood);
		n = 2 * ngood + bad[k].n;

		/* Whole, then cut at every point: the error comes once, on the
		 * packet that completes what the codec needs to see. */
		for (size_t cut = 0; cut <= n; cut++) {
			struct chanbuf rx = { 0 };
			struct sink out = { 0 };
			const char *e1 = feed(&rx, 7, CHANNELS, p, cut, &out);
			const char *e2 = e1 ? NULL : feed(&rx, 7, CHANNELS, p + cut, n - cut, &out);

			err = e1 ? e1 : e2;
			if (!err || strcmp(err, why) != 0 || out.got.n != 1 || rx.len != 0)
				fails++;
			/* Nothing kept: the next good frame comes out alone. */
			frames_clear(&out.got);
			if (feed(&rx, 7, CHANNELS, good, ngood, &out) != NULL || out.got.n != 1)
				fails++;
			chanbuf_free(&rx);
			frames_free(&out.got);
		}
		check_result(fails == 0, __FILE__, __LINE__, "bad frame %zu (%s): %zu splits failed", k, why, fails);
	}
}

/* An unknown type is refused as soon as its header is in, before its
 * (announced 64 KiB) payload: nothing waits for it. */
static void test_unknown_type_early(void)
{
	const uint8_t hdr[] = { 0x42, 0, 0, 0, 0, 7, 0xff, 0xff };
	struct chanbuf rx = { 0 };
	struct sink out = { 0 };

	CHECK(feed(&rx, 7, CHANNELS, hdr, 5, &out) == NULL);
	CHECK_EQ_U(rx.len, 5);
	CHECK_STR(feed(&rx, 7, CHANNELS, hdr + 5, 3, &out), "unknown frame type");
	CHECK_EQ_U(rx.len, 0);
	CHECK_EQ_U(out.got.n, 0);
	chanbuf_free(&rx);
	frames_free(&out.got);
}

/* on_frame returning false (the session went down) stops the parse: the
 * frames after it in the packet, and the tail that waited, are dropped,
 * chan_receive reports no error, and the next packet starts clean. */
static void test_stop(void)
{
	uint8_t p[256], f[TT_FRAME_HEADER + 4];
	struct chanbuf rx = { 0 };
	struct sink out = { .stop_after = 2 };
	size_t n = 0, cut;

	for (uint32_t i = 0; i < 5; i++)
		n += tt_frame_put_u32(p + n, TT_FRAME_WINDOW, 2 + 16 * i, i + 1);
	cut = n - 5; /* the fifth frame is cut */

	CHECK(feed(&rx, 2, CHANNELS, p, cut, &out) == NULL);
	CHECK_EQ_U(out.got.n, 2);
	CHECK_EQ_U(rx.len, 0);
	/* The next packet is a fresh frame, not the rest of the fifth. */
	out.stop_after = 0;
	frames_clear(&out.got);
	CHECK(feed(&rx, 2, CHANNELS, f, tt_frame_put_empty(f, TT_FRAME_FIN, 18), &out) == NULL);
	CHECK_EQ_U(out.got.n, 1);
	CHECK(out.got.all.len == TT_FRAME_HEADER && memcmp(out.got.all.p, f, TT_FRAME_HEADER) == 0);

	/* Stopping while parsing from the channel's own buffer (bytes were
	 * pending from the previous packet). */
	frames_clear(&out.got);
	CHECK(feed(&rx, 2, CHANNELS, p, 5, &out) == NULL);
	CHECK_EQ_U(rx.len, 5);
	out.stop_after = 1;
	CHECK(feed(&rx, 2, CHANNELS, p + 5, cut - 5, &out) == NULL);
	CHECK_EQ_U(out.got.n, 1);
	CHECK_EQ_U(rx.len, 0);
	out.stop_after = 0;
	frames_clear(&out.got);
	CHECK(feed(&rx, 2, CHANNELS, p, n, &out) == NULL);
	CHECK_EQ_U(out.got.n, 5);
	CHECK(out.got.all.len == n && memcmp(out.got.all.p, p, n) == 0);

	/* Stopping on the last whole frame drops the tail after it. */
	frames_clear(&out.got);
	out.stop_after = 4;
	CHECK(feed(&rx, 2, CHANNELS, p, cut, &out) == NULL);
	CHECK_EQ_U(out.got.n, 4);
	CHECK_EQ_U(rx.len, 0);

	chanbuf_free(&rx);
	frames_free(&out.got);
}

int main(void)
{
	check_seed(0x6368616e);
	RUN(test_pack);
	RUN(test_pack_edges);
	RUN(test_split_short);
	RUN(test_split_long);
	RUN(test_round_trip);
	RUN(test_interleave);
	RUN(test_whole_frames_fresh_channel);
	RUN(test_wrong_channel);
	RUN(test_session_frames_anywhere);
	RUN(test_malformed);
	RUN(test_unknown_type_early);
	RUN(test_stop);
	return check_report();
}
