/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the LZ4 path of stream data (daemon/mux/compress.c):
 * compress_data_frame's choice between compressed and raw frames and its
 * back-off for incompressible streams, and decompress_payload's checks.
 *
 * Frames are built in heap buffers of exactly the documented size, so ASan
 * catches a write past what the caller is told to reserve. */
#include <lz4.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mux/compress.h"
#include "toxtun/frame.h"

#define BACKOFF_CAP 64 /* BACKOFF_MAX in compress.c */

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		perror("malloc");
		exit(2);
	}
	return p;
}

static void fill_text(uint8_t *p, size_t n, unsigned salt)
{
	static const char *const words[] = {"the ", "tunnel ", "forwards ", "TCP ", "over ", "Tox; ",
	                                    "every ", "stream ", "is ", "multiplexed.\n"};

	for (size_t i = 0; i < n;) {
		const char *w = words[(i / 7 + salt) % 10];

		for (size_t k = 0; w[k] && i < n; k++)
			p[i++] = (uint8_t)w[k];
	}
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = check_rand();

		memcpy(p + i, &r, n - i < 8 ? n - i : 8);
	}
}

/* A stream as compress_data_frame sees it: its id and compression history. */
struct zstream {
	uint32_t id;
	struct lz4_state z;
};

/* A frame buffer as stream.c reserves it: header, 2 bytes, the LZ4 bound. */
static uint8_t *new_frame(size_t n) { return xmalloc(TT_FRAME_HEADER + 2 + COMPRESS_BOUND(n)); }

/* Run data through compress_data_frame, decode the frame and recover the
 * bytes. Returns the frame size (0 on failure, after a failed check) and
 * says whether it was compressed. */
static size_t round_trip(struct zstream *st, const uint8_t *data, size_t n, bool *compressed, int line)
{
	uint8_t *frame = new_frame(n), *copy, *out = xmalloc(n);
	struct tt_frame f;
	const char *err = NULL;
	size_t size;
	long r;

	memcpy(frame + TT_FRAME_HEADER, data, n);
	size = compress_data_frame(&st->z, st->id, frame, n);
	/* Decode from an exact-size copy: the frame must be self-contained. */
	copy = xmalloc(size);
	memcpy(copy, frame, size);
	r = tt_frame_decode(copy, size, &f, &err);
	if (!check_result(r == (long)size, __FILE__, line, "frame of %zu decodes (got %ld, %s)", size, r,
	                  err ? err : "-"))
		goto fail;
	check_result(f.type == TT_FRAME_DATA && f.stream == st->id, __FILE__, line, "DATA on stream %u",
	             (unsigned)st->id);
	*compressed = f.flags & TT_FRAME_FLAG_LZ4;
	if (*compressed) {
		r = decompress_payload(f.payload, f.len, out, n);
		if (!check_result(r == (long)n, __FILE__, line, "decompressed %ld of %zu", r, n))
			goto fail;
		check_result(memcmp(out, data, n) == 0, __FILE__, line, "decompressed bytes differ");
		/* It was worth it: at least 1/16 saved. */
		check_result(f.len <= n - n / 16, __FILE__, line, "compressed %u of %zu", f.len, n);
	} else {
		check_result(f.flags == 0 && f.len == n && size == TT_FRAME_HEADER + n, __FILE__, line,
		             "raw frame of %zu: flags %u len %u size %zu", n, f.flags, f.len, size);
		check_result(memcmp(f.payload, data, n) == 0, __FILE__, line, "raw bytes differ");
	}
	free(frame);
	free(copy);
	free(out);
	return size;
fail:
	free(frame);
	free(copy);
	free(out);
	return 0;
}

#define ROUND_TRIP(st, data, n, c) round_trip((st), (data), (n), (c), __LINE__)

static void test_compressible(void)
{
	static const size_t sizes[] = {100, 1000, 1400, 4096, 32 * 1024, TT_FRAME_MAX_PAYLOAD};
	uint8_t *text = xmalloc(TT_FRAME_MAX_PAYLOAD);

	fill_text(text, TT_FRAME_MAX_PAYLOAD, 0);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct zstream st = {.id = 7};
		bool c = false;
		size_t size = ROUND_TRIP(&st, text, sizes[i], &c);

		if (!CHECK(c))
			fprintf(stderr, "  (%zu bytes of text went raw)\n", sizes[i]);
		CHECK(size < TT_FRAME_HEADER + sizes[i]);
		CHECK_EQ_U(st.z.backoff, 0);
		CHECK_EQ_U(st.z.skip, 0);
	}
	/* Text compresses well, not just by a sixteenth. */
	{
		struct zstream st = {.id = 1};
		bool c;

		CHECK(ROUND_TRIP(&st, text, 32 * 1024, &c) < 8 * 1024);
	}
	/* The stream id ends up in the frame for any id. */
	{
		struct zstream st = {.id = 0xfffffffe};
		bool c;

		ROUND_TRIP(&st, text, 4096, &c);
		CHECK(c);
	}
	free(text);
}

/* The halves flag says whether the last chunk shrank to half or less: stream.c
 * then reads up to a whole frame's worth, what goes out per read staying
 * within its usual chunk. Not after a chunk that shrank less, went raw or
 * was not tried. */
static void test_halves(void)
{
	const size_t n = 32 * 1024;
	uint8_t *text = xmalloc(n), *mixed = xmalloc(n), *rnd = xmalloc(n);
	struct zstream st = {.id = 4};
	bool c;

	fill_text(text, n, 1);
	fill_random(rnd, n);
	/* Three fifths random, then text: shrinks, but not to half. */
	memcpy(mixed, rnd, n);
	memcpy(mixed + n * 3 / 5, text, n - n * 3 / 5);

	ROUND_TRIP(&st, text, n, &c);
	CHECK(c && st.z.halves);
	ROUND_TRIP(&st, mixed, n, &c);
	CHECK(c);
	CHECK(!st.z.halves);
	ROUND_TRIP(&st, text, n, &c);
	CHECK(st.z.halves);
	ROUND_TRIP(&st, rnd, n, &c); /* raw, and the next one is skipped */
	CHECK(!c && !st.z.halves);
	CHECK_EQ_U(st.z.skip, 1);
	st.z.halves = true;
	ROUND_TRIP(&st, text, n, &c);
	CHECK(!c && !st.z.halves);
	/* A whole frame's worth of text, as such a stream then reads. */
	{
		uint8_t *big = xmalloc(TT_FRAME_MAX_PAYLOAD);
		struct zstream s2 = {.id = 6};

		fill_text(big, TT_FRAME_MAX_PAYLOAD, 2);
		CHECK(ROUND_TRIP(&s2, big, TT_FRAME_MAX_PAYLOAD, &c) < TT_FRAME_MAX_PAYLOAD / 2);
		CHECK(c && s2.z.halves);
		free(big);
	}
	free(text);
	free(mixed);
	free(rnd);
}

/* LZ4 finds no match in fewer than 13 bytes, so such chunks can only grow
 * (token + literals + our 2-byte length): raw, whatever the content. */
static void test_small_raw(void)
{
	uint8_t buf[32];

	memset(buf, 'a', sizeof(buf));
	for (size_t n = 1; n <= 12; n++) {
		struct zstream st = {.id = 3};
		bool c = true;

		ROUND_TRIP(&st, buf, n, &c);
		if (!CHECK(!c))
			fprintf(stderr, "  (%zu bytes compressed)\n", n);
	}
}

/* Any size, any content: what comes out is what went in. */
static void test_round_trip_sizes(void)
{
	uint8_t *data = xmalloc(TT_FRAME_MAX_PAYLOAD);
	int bad = 0;

	for (int i = 0; i < 300 && bad < 5; i++) {
		struct zstream st = {.id = 9};
		size_t n = (size_t)check_rand_range(1, i % 3 ? 2000 : TT_FRAME_MAX_PAYLOAD);
		int before = check_failed;
		bool c;

		/* Mixed: text with random runs, compressible to varying degrees. */
		fill_text(data, n, (unsigned)i);
		for (size_t k = (size_t)check_rand_range(0, n); k < n; k += (size_t)check_rand_range(1, 64))
			data[k] = (uint8_t)check_rand();
		ROUND_TRIP(&st, data, n, &c);
		bad += check_failed != before;
	}
	CHECK(bad == 0);
	free(data);
}

/* Incompressible data goes raw, and compression is tried less and less:
 * after the k-th failed try, the next 2^(k-1) chunks skip it (cap 64). A
 * compressible chunk resets the back-off. */
static void test_backoff(void)
{
	const size_t n = 4096;
	uint8_t *rnd = xmalloc(n), *text = xmalloc(n);
	struct zstream st = {.id = 5};
	uint16_t want = 0;
	int tries = 0, calls = 0;
	bool c;

	fill_text(text, n, 3);
	/* Enough calls to reach the cap and stay there a while. */
	while (tries < 10) {
		uint16_t skip = st.z.skip, backoff = st.z.backoff;

		fill_random(rnd, n);
		ROUND_TRIP(&st, rnd, n, &c);
		calls++;
		if (!CHECK(!c))
			break;
		if (skip) {
			/* Skipped: no try, back-off unchanged. */
			if (!CHECK_EQ_U(st.z.skip, skip - 1) || !CHECK_EQ_U(st.z.backoff, backoff))
				break;
		} else {
			tries++;
			want = want ? (want * 2 > BACKOFF_CAP ? BACKOFF_CAP : want * 2) : 1;
			if (!CHECK_EQ_U(st.z.backoff, want) || !CHECK_EQ_U(st.z.skip, want))
				break;
		}
	}
	/* 1, 2, 4, 8, 16, 32, 64, 64, 64, 64: tries plus skips in between. */
	CHECK_EQ_U(st.z.backoff, BACKOFF_CAP);
	CHECK_EQ_I(calls, 10 + 1 + 2 + 4 + 8 + 16 + 32 + 64 + 64 + 64);

	/* While skipping, even text goes raw: the stream is not tried. */
	for (int i = 0; i < BACKOFF_CAP; i++) {
		c = true;
		ROUND_TRIP(&st, text, n, &c);
		if (!CHECK(!c))
			break;
	}
	CHECK_EQ_U(st.z.skip, 0);
	CHECK_EQ_U(st.z.backoff, BACKOFF_CAP);

	/* The next try finds text: compressed, back-off reset. */
	ROUND_TRIP(&st, text, n, &c);
	CHECK(c);
	CHECK_EQ_U(st.z.backoff, 0);
	CHECK_EQ_U(st.z.skip, 0);
	ROUND_TRIP(&st, text, n, &c);
	CHECK(c);

	/* And the back-off starts over from 1. */
	fill_random(rnd, n);
	ROUND_TRIP(&st, rnd, n, &c);
	CHECK(!c);
	CHECK_EQ_U(st.z.backoff, 1);
	CHECK_EQ_U(st.z.skip, 1);

	/* A chunk that shrinks, but by less than 1/16, counts as a failure:
	 * random data ending in some text. Grow the text until LZ4 shrinks
	 * the chunk, and make sure that is still short of 1/16. */
	{
		static char scratch[LZ4_COMPRESSBOUND(4096)];
		struct zstream s2 = {.id = 5};
		size_t k;
		int z = 0;

		fill_random(rnd, n);
		for (k = 16; k < n / 4; k += 16) {
			memcpy(rnd + n - k, text, k);
			z = LZ4_compress_default((const char *)rnd, scratch, (int)n, (int)sizeof(scratch));
			if (z > 0 && (size_t)z + 2 < n)
				break;
		}
		if (CHECK(z > 0 && (size_t)z + 2 < n && (size_t)z + 2 > n - n / 16)) {
			ROUND_TRIP(&s2, rnd, n, &c);
			CHECK(!c);
			CHECK_EQ_U(s2.z.backoff, 1);
		}
	}
	free(rnd);
	free(text);
}

/* ---- decompress_payload ---- */

/* A valid compressed payload of n bytes of data: u16 length + LZ4 block. */
static size_t make_payload(uint8_t *out, const uint8_t *data, size_t n)
{
	int c = LZ4_compress_default((const char *)data, (char *)out + 2, (int)n, LZ4_compressBound((int)n));

	if (c <= 0) {
		fprintf(stderr, "LZ4_compress_default failed\n");
		exit(2);
	}
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	return 2 + (size_t)c;
}

/* decompress_payload on exact-size copies of input and output. */
static long decompress_exact(const uint8_t *payload, size_t len, size_t cap)
{
	uint8_t *in = xmalloc(len), *out = xmalloc(cap);
	long r;

	memcpy(in, payload, len);
	r = decompress_payload(in, len, out, cap);
	free(in);
	free(out);
	return r;
}

static void test_decompress_good(void)
{
	uint8_t data[3000], payload[3100], out[3000];
	size_t len;

	fill_text(data, sizeof(data), 1);
	len = make_payload(payload, data, sizeof(data));
	memset(out, 0, sizeof(out));
	CHECK_EQ_I(decompress_payload(payload, len, out, sizeof(out)), 3000);
	CHECK_MEM(out, data, sizeof(data));
	/* cap exactly the original length is enough; more is fine too. */
	CHECK_EQ_I(decompress_exact(payload, len, 3000), 3000);
	CHECK_EQ_I(decompress_exact(payload, len, 65535), 3000);

	/* The smallest: one byte (token + one literal). */
	len = make_payload(payload, (const uint8_t *)"x", 1);
	CHECK_EQ_U(len, 4);
	CHECK_EQ_I(decompress_exact(payload, len, 1), 1);
}

static void test_decompress_bad(void)
{
	uint8_t data[3000], payload[3100], bad[3100];
	size_t len;

	fill_text(data, sizeof(data), 2);
	len = make_payload(payload, data, sizeof(data));

	/* Shorter than length + one block byte. */
	CHECK_EQ_I(decompress_exact(payload, 0, 3000), -1);
	CHECK_EQ_I(decompress_exact(payload, 1, 3000), -1);
	CHECK_EQ_I(decompress_exact(payload, 2, 3000), -1);

	/* Truncated block, at every length. */
	for (size_t l = 3; l < len; l++) {
		if (!CHECK_EQ_I(decompress_exact(payload, l, 3000), -1))
			break;
	}
	/* Trailing junk after a complete block. */
	memcpy(bad, payload, len);
	bad[len] = 0;
	CHECK_EQ_I(decompress_exact(bad, len + 1, 3000), -1);

	/* The original length disagrees with the block. */
	static const size_t wrong[] = {1, 2, 100, 2999, 3001, 3002, 4000, 65535};
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		memcpy(bad, payload, len);
		bad[0] = (uint8_t)(wrong[i] >> 8);
		bad[1] = (uint8_t)wrong[i];
		CHECK_EQ_I(decompress_exact(bad, len, 65535), -1);
	}
	/* Zero. */
	memcpy(bad, payload, len);
	bad[0] = bad[1] = 0;
	CHECK_EQ_I(decompress_exact(bad, len, 65535), -1);

	/* More than the caller has room for: refused before decoding. */
	CHECK_EQ_I(decompress_exact(payload, len, 2999), -1);
	CHECK_EQ_I(decompress_exact(payload, len, 1), -1);

	/* Garbage blocks. */
	{
		/* A literal run that claims more bytes than follow. */
		static const uint8_t run[] = {0x00, 0x10, 0xf0, 0xff, 0xff, 0xff};
		/* A match reaching back before the start of the output. */
		static const uint8_t back[] = {0x00, 0x20, 0x14, 'a', 0x05, 0x00, 0x10, 'b', 'c', 'd', 'e', 'f'};
		/* A match with offset 0. */
		static const uint8_t zero[] = {0x00, 0x20, 0x14, 'a', 0x00, 0x00, 0x50, 'b', 'c', 'd', 'e', 'f'};

		CHECK_EQ_I(decompress_exact(run, sizeof(run), 65535), -1);
		CHECK_EQ_I(decompress_exact(back, sizeof(back), 65535), -1);
		CHECK_EQ_I(decompress_exact(zero, sizeof(zero), 65535), -1);
	}

	/* Random bytes: may decode by chance only if they are a valid block of
	 * exactly the claimed length; anything else is -1. Never a crash or
	 * a write past cap (ASan). */
	{
		int rejected = 0, other = 0;

		for (int i = 0; i < 2000; i++) {
			size_t l = (size_t)check_rand_range(3, 300), cap = (size_t)check_rand_range(1, 600);
			long r;

			fill_random(bad, l);
			if (i % 2)
				bad[0] = 0; /* plausible lengths too */
			r = decompress_exact(bad, l, cap);
			if (r == -1)
				rejected++;
			else if (r != (long)((size_t)bad[0] << 8 | bad[1]))
				other++;
		}
		CHECK_EQ_I(other, 0);
		CHECK(rejected > 1900);
	}

	/* Flipping bytes in a valid block never yields a wrong-length result. */
	{
		int other = 0;

		for (size_t i = 2; i < len; i++) {
			long r;

			memcpy(bad, payload, len);
			bad[i] ^= (uint8_t)check_rand_range(1, 255);
			r = decompress_exact(bad, len, 3000);
			if (r != -1 && r != 3000)
				other++;
		}
		CHECK_EQ_I(other, 0);
	}
}

int main(void)
{
	check_seed(0x6c7a34);
	RUN(test_compressible);
	RUN(test_small_raw);
	RUN(test_round_trip_sizes);
	RUN(test_backoff);
	RUN(test_halves);
	RUN(test_decompress_good);
	RUN(test_decompress_bad);
	return check_report();
}
