/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the frame codec (include/toxtun/frame.h, daemon/mux/frame.c).
 *
 * Inputs handed to the decoder are copied into heap buffers of exactly their
 * length, so that under ASan any read past the end of a frame is caught. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "toxtun/frame.h"

/* An exact-size heap copy of buf[0..n): reading past it trips ASan. */
static uint8_t *exact(const uint8_t *buf, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	if (!p) {
		perror("malloc");
		exit(2);
	}
	if (n)
		memcpy(p, buf, n);
	return p;
}

static long decode_exact(const uint8_t *buf, size_t n, struct tt_frame *f, const char **err)
{
	uint8_t *p = exact(buf, n);
	long r = tt_frame_decode(p, n, f, err);

	/* payload points into p: callers of this helper look only at the header
	 * fields and the return value. */
	f->payload = NULL;
	free(p);
	return r;
}

/* A good frame: it decodes to its whole length, every proper prefix asks for
 * more (0, never -1), and bytes after it are not consumed. */
static void check_good(const uint8_t *buf, size_t n, int line)
{
	struct tt_frame f;
	const char *err = NULL;
	uint8_t *more;
	long r;

	r = decode_exact(buf, n, &f, &err);
	check_result(r == (long)n, __FILE__, line, "decode == %zu (got %ld, err %s)", n, r, err ? err : "-");
	for (size_t k = 0; k < n; k++) {
		err = NULL;
		r = decode_exact(buf, k, &f, &err);
		if (!check_result(r == 0, __FILE__, line, "prefix %zu of %zu: 0 (got %ld, err %s)", k, n, r,
		                  err ? err : "-"))
			break;
	}
	more = malloc(n + 5);
	if (!more)
		exit(2);
	memcpy(more, buf, n);
	memset(more + n, 0xAB, 5);
	r = tt_frame_decode(more, n + 5, &f, &err);
	check_result(r == (long)n, __FILE__, line, "decode with trailing bytes == %zu (got %ld)", n, r);
	free(more);
}

#define GOOD(buf, n) check_good((buf), (n), __LINE__)

/* A malformed frame: -1 with the expected reason. */
static void check_bad(const uint8_t *buf, size_t n, const char *want, int line)
{
	struct tt_frame f;
	const char *err = NULL;
	long r = decode_exact(buf, n, &f, &err);

	check_result(r == -1, __FILE__, line, "decode == -1 (got %ld)", r);
	check_result(err && strcmp(err, want) == 0, __FILE__, line, "err \"%s\" (got \"%s\")", want,
	             err ? err : "(null)");
}

#define BAD(buf, n, want) check_bad((buf), (n), (want), __LINE__)

/* A frame from a header and a payload. */
static size_t build(uint8_t *out, uint8_t type, uint8_t flags, uint32_t stream, const void *payload, size_t len)
{
	tt_frame_put_header(out, type, flags, stream, (uint16_t)len);
	if (len)
		memcpy(out + TT_FRAME_HEADER, payload, len);
	return TT_FRAME_HEADER + len;
}

/* A SYN with a raw host field: hlen is the length byte, host the bytes. */
static size_t build_syn(uint8_t *out, uint32_t stream, uint16_t port, uint8_t hlen, const void *host, size_t n)
{
	uint8_t p[7 + 300] = {0, 1, 0, 0, (uint8_t)(port >> 8), (uint8_t)port, hlen};

	memcpy(p + 7, host, n);
	return build(out, TT_FRAME_SYN, 0, stream, p, 7 + n);
}

/* ---- round trips ---- */

static void test_header_layout(void)
{
	uint8_t b[TT_FRAME_HEADER];
	const uint8_t want[] = {TT_FRAME_DATA, 0x01, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc};

	CHECK_EQ_U(tt_frame_put_header(b, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 0x12345678, 0x9abc), TT_FRAME_HEADER);
	CHECK_MEM(b, want, sizeof(want)); /* big endian, as the wire format says */
}

static void test_hello(void)
{
	const struct tt_hello in = {
		.version = 0x0102, .min_version = 1, .window = 0xdeadbeef, .max_streams = 0x01020304,
		.boot_id = 0xfedcba9876543210ULL,
	};
	struct tt_hello out;
	struct tt_frame f;
	const char *err = NULL;
	uint8_t b[TT_FRAME_HEADER + TT_HELLO_LEN + 8];
	size_t n = tt_frame_put_hello(b, &in);

	CHECK_EQ_U(n, TT_FRAME_HEADER + TT_HELLO_LEN);
	CHECK_MEM(b + TT_FRAME_HEADER, TT_HELLO_MAGIC, 4);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.type, TT_FRAME_HELLO);
	CHECK_EQ_U(f.flags, 0);
	CHECK_EQ_U(f.stream, 0);
	CHECK_EQ_U(f.len, TT_HELLO_LEN);
	CHECK(f.payload == b + TT_FRAME_HEADER);
	memset(&out, 0x55, sizeof(out));
	tt_frame_get_hello(&f, &out);
	CHECK_EQ_U(out.version, in.version);
	CHECK_EQ_U(out.min_version, in.min_version);
	CHECK_EQ_U(out.window, in.window);
	CHECK_EQ_U(out.max_streams, in.max_streams);
	CHECK_EQ_U(out.boot_id, in.boot_id);

	/* A longer HELLO is accepted (room for later versions); the known
	 * fields still read the same. */
	tt_frame_put_header(b, TT_FRAME_HELLO, 0, 0, TT_HELLO_LEN + 8);
	memset(b + n, 0xee, 8);
	GOOD(b, n + 8);
	CHECK_EQ_I(tt_frame_decode(b, n + 8, &f, &err), (long)(n + 8));
	tt_frame_get_hello(&f, &out);
	CHECK_EQ_U(out.boot_id, in.boot_id);
}

static void test_syn(void)
{
	uint8_t b[TT_FRAME_CONTROL_MAX + 16];
	char host[300];
	struct tt_syn syn;
	struct tt_frame f;
	const char *err = NULL;
	size_t n;

	n = tt_frame_put_syn(b, 7, 0x12345678, "example.com", 443);
	CHECK_EQ_U(n, TT_FRAME_HEADER + 7 + 11);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.type, TT_FRAME_SYN);
	CHECK_EQ_U(f.stream, 7);
	tt_frame_get_syn(&f, &syn);
	CHECK_EQ_U(syn.window, 0x12345678);
	CHECK_EQ_U(syn.port, 443);
	CHECK_STR(syn.host, "example.com");

	/* Extremes: one-byte host, port 1 and 65535, largest stream id. */
	n = tt_frame_put_syn(b, 0xffffffff, 0, "h", 65535);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	tt_frame_get_syn(&f, &syn);
	CHECK_EQ_U(f.stream, 0xffffffff);
	CHECK_EQ_U(syn.window, 0);
	CHECK_EQ_U(syn.port, 65535);
	CHECK_STR(syn.host, "h");
	n = tt_frame_put_syn(b, 2, 1, "[::1]", 1);
	GOOD(b, n);

	/* A 255-byte host is the largest: the frame is TT_FRAME_CONTROL_MAX. */
	memset(host, 'a', 255);
	host[255] = '\0';
	n = tt_frame_put_syn(b, 9, 65536, host, 22);
	CHECK_EQ_U(n, TT_FRAME_CONTROL_MAX);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	tt_frame_get_syn(&f, &syn);
	CHECK_EQ_U(strlen(syn.host), 255);
	CHECK_STR(syn.host, host);

	/* A longer host is cut to 255 by the encoder, never overflowing. */
	memset(host, 'b', 299);
	host[299] = '\0';
	n = tt_frame_put_syn(b, 9, 1, host, 22);
	CHECK_EQ_U(n, TT_FRAME_CONTROL_MAX);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	tt_frame_get_syn(&f, &syn);
	CHECK_EQ_U(strlen(syn.host), 255);

	/* Every printable non-space byte is allowed in a host. */
	for (int c = '!'; c < 0x7f; c++) {
		char h[2] = {(char)c, 0};

		n = tt_frame_put_syn(b, 3, 1, h, 80);
		CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	}
}

static void test_u32(void)
{
	static const uint8_t types[] = {TT_FRAME_SYNACK, TT_FRAME_WINDOW};
	static const uint32_t values[] = {0, 1, 0x80000000u, 0xffffffffu, 0x01020304u};
	uint8_t b[TT_FRAME_HEADER + 4];
	struct tt_frame f;
	const char *err = NULL;

	for (size_t t = 0; t < sizeof(types); t++) {
		for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
			size_t n = tt_frame_put_u32(b, types[t], 1 + (uint32_t)v, values[v]);

			CHECK_EQ_U(n, TT_FRAME_HEADER + 4);
			GOOD(b, n);
			CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
			CHECK_EQ_U(f.type, types[t]);
			CHECK_EQ_U(f.stream, 1 + v);
			CHECK_EQ_U(f.len, 4);
			CHECK_EQ_U(tt_frame_get_u32(&f), values[v]);
		}
	}
	/* Byte order on the wire. */
	tt_frame_put_u32(b, TT_FRAME_WINDOW, 1, 0x01020304u);
	CHECK_MEM(b + TT_FRAME_HEADER, "\x01\x02\x03\x04", 4);
}

static void test_rst_shutdown(void)
{
	uint8_t b[TT_FRAME_CONTROL_MAX + 16];
	char text[300];
	struct tt_rst rst;
	struct tt_frame f;
	const char *err = NULL;
	size_t n;

	n = tt_frame_put_rst(b, TT_FRAME_RST, 5, TT_REASON_REFUSED, "connect: Connection refused");
	CHECK_EQ_U(n, TT_FRAME_HEADER + 1 + 27);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.type, TT_FRAME_RST);
	CHECK_EQ_U(f.stream, 5);
	tt_frame_get_rst(&f, &rst);
	CHECK_EQ_U(rst.reason, TT_REASON_REFUSED);
	CHECK_STR(rst.text, "connect: Connection refused");

	/* No text, NULL or empty: just the reason byte. */
	n = tt_frame_put_rst(b, TT_FRAME_RST, 6, TT_REASON_LIMIT, NULL);
	CHECK_EQ_U(n, TT_FRAME_HEADER + 1);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	memset(&rst, 0x55, sizeof(rst));
	tt_frame_get_rst(&f, &rst);
	CHECK_EQ_U(rst.reason, TT_REASON_LIMIT);
	CHECK_STR(rst.text, "");
	n = tt_frame_put_rst(b, TT_FRAME_RST, 6, TT_REASON_NONE, "");
	CHECK_EQ_U(n, TT_FRAME_HEADER + 1);
	GOOD(b, n);

	/* The reason byte is not interpreted by the codec: an unknown one
	 * passes (tt_reason_str names it). */
	n = tt_frame_put_rst(b, TT_FRAME_RST, 6, 200, "x");
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	tt_frame_get_rst(&f, &rst);
	CHECK_EQ_U(rst.reason, 200);

	/* The encoder keeps text printable (the decoder would reject it). */
	n = tt_frame_put_rst(b, TT_FRAME_RST, 6, TT_REASON_RESET, "a\tb\nc\x7f" "d\xc3\xa9");
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	tt_frame_get_rst(&f, &rst);
	CHECK_STR(rst.text, "a?b?c?d??");

	/* 200 bytes of text is the most; longer is cut by the encoder. */
	memset(text, 'x', 200);
	text[200] = '\0';
	n = tt_frame_put_rst(b, TT_FRAME_RST, 6, TT_REASON_RESET, text);
	CHECK_EQ_U(n, TT_FRAME_HEADER + 201);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	tt_frame_get_rst(&f, &rst);
	CHECK_STR(rst.text, text);
	memset(text, 'y', 299);
	text[299] = '\0';
	n = tt_frame_put_rst(b, TT_FRAME_RST, 6, TT_REASON_RESET, text);
	CHECK_EQ_U(n, TT_FRAME_HEADER + 201);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	tt_frame_get_rst(&f, &rst);
	CHECK_EQ_U(strlen(rst.text), 200);
	CHECK(n <= TT_FRAME_CONTROL_MAX);

	/* SHUTDOWN shares the layout, on stream 0. */
	n = tt_frame_put_rst(b, TT_FRAME_SHUTDOWN, 0, TT_REASON_SHUTDOWN, "bye");
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.type, TT_FRAME_SHUTDOWN);
	CHECK_EQ_U(f.stream, 0);
	tt_frame_get_rst(&f, &rst);
	CHECK_EQ_U(rst.reason, TT_REASON_SHUTDOWN);
	CHECK_STR(rst.text, "bye");
	n = tt_frame_put_rst(b, TT_FRAME_SHUTDOWN, 0, TT_REASON_INCOMPATIBLE, NULL);
	GOOD(b, n);
}

static void test_fin(void)
{
	uint8_t b[TT_FRAME_HEADER];
	struct tt_frame f;
	const char *err = NULL;
	size_t n = tt_frame_put_empty(b, TT_FRAME_FIN, 42);

	CHECK_EQ_U(n, TT_FRAME_HEADER);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.type, TT_FRAME_FIN);
	CHECK_EQ_U(f.stream, 42);
	CHECK_EQ_U(f.len, 0);
}

static void test_data(void)
{
	static uint8_t b[TT_FRAME_HEADER + TT_FRAME_MAX_PAYLOAD];
	struct tt_frame f;
	const char *err = NULL;
	size_t n;

	/* One byte, raw. Every byte value is fine in DATA. */
	n = build(b, TT_FRAME_DATA, 0, 3, "\0", 1);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.type, TT_FRAME_DATA);
	CHECK_EQ_U(f.flags, 0);
	CHECK_EQ_U(f.len, 1);
	CHECK(f.payload == b + TT_FRAME_HEADER);

	/* The largest payload. Too long to test every prefix for, so only a
	 * few: a full header with the payload one byte short must wait. */
	for (size_t i = 0; i < TT_FRAME_MAX_PAYLOAD; i++)
		b[TT_FRAME_HEADER + i] = (uint8_t)(i * 7 + 3);
	tt_frame_put_header(b, TT_FRAME_DATA, 0, 0x7fffffff, TT_FRAME_MAX_PAYLOAD);
	n = TT_FRAME_HEADER + TT_FRAME_MAX_PAYLOAD;
	CHECK_EQ_I(decode_exact(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.len, TT_FRAME_MAX_PAYLOAD);
	CHECK_EQ_U(f.stream, 0x7fffffff);
	CHECK_EQ_I(decode_exact(b, n - 1, &f, &err), 0);
	CHECK_EQ_I(decode_exact(b, TT_FRAME_HEADER, &f, &err), 0);
	CHECK_EQ_I(decode_exact(b, TT_FRAME_HEADER - 1, &f, &err), 0);

	/* Compressed: the decoder checks only the envelope (u16 original
	 * length, non-zero, and at least one block byte). */
	n = build(b, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 3, "\x00\x01\x10", 3);
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.flags, TT_FRAME_FLAG_LZ4);
	CHECK_EQ_U(f.len, 3);
	n = build(b, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 3, "\xff\xff\x00\x00\x00", 5);
	GOOD(b, n);
}

/* PING: a stamp the receiver echoes unchanged in PONG, which adds its
 * datagram counts. Big endian, 64 bits each, on stream 0. */
static void test_ping_pong(void)
{
	uint8_t b[TT_FRAME_HEADER + TT_PONG_LEN + 8];
	const uint8_t want_ping[] = {TT_FRAME_PING, 0, 0, 0, 0, 0, 0, 8,
	                             0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
	const struct tt_pong in = {.stamp = 0xfedcba9876543210ull, .tx = 0x0000000100000002ull,
	                           .rx = UINT64_MAX};
	struct tt_pong out;
	struct tt_frame f;
	const char *err = NULL;
	size_t n;

	n = tt_frame_put_ping(b, 0x0123456789abcdefull);
	CHECK_EQ_U(n, TT_FRAME_HEADER + TT_PING_LEN);
	CHECK_MEM(b, want_ping, sizeof(want_ping));
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.type, TT_FRAME_PING);
	CHECK_EQ_U(f.stream, 0);
	CHECK_EQ_U(tt_frame_get_ping(&f), 0x0123456789abcdefull);
	n = tt_frame_put_ping(b, 0);
	GOOD(b, n);

	n = tt_frame_put_pong(b, &in);
	CHECK_EQ_U(n, TT_FRAME_HEADER + TT_PONG_LEN);
	CHECK_EQ_U(b[0], TT_FRAME_PONG);
	CHECK_EQ_U(b[7], TT_PONG_LEN);
	CHECK_EQ_U(b[TT_FRAME_HEADER], 0xfe);        /* stamp first */
	CHECK_EQ_U(b[TT_FRAME_HEADER + 11], 0x01);   /* then tx */
	CHECK_EQ_U(b[TT_FRAME_HEADER + 23], 0xff);   /* then rx */
	GOOD(b, n);
	CHECK_EQ_I(tt_frame_decode(b, n, &f, &err), (long)n);
	CHECK_EQ_U(f.type, TT_FRAME_PONG);
	memset(&out, 0x55, sizeof(out));
	tt_frame_get_pong(&f, &out);
	CHECK_EQ_U(out.stamp, in.stamp);
	CHECK_EQ_U(out.tx, in.tx);
	CHECK_EQ_U(out.rx, in.rx);
}

/* Truncated, oversized, on a stream, with flags: each a malformed frame,
 * which ends the session like any other (an old peer, version 1, drops it
 * on the type alone: see test_unknown_type). */
static void test_bad_ping_pong(void)
{
	uint8_t b[TT_FRAME_HEADER + 64];
	const uint8_t zeros[64] = {0};
	size_t n;

	for (size_t len = 0; len <= 40; len++) {
		if (len != TT_PING_LEN) {
			n = build(b, TT_FRAME_PING, 0, 0, zeros, len);
			BAD(b, n, "bad PING");
		}
		if (len != TT_PONG_LEN) {
			n = build(b, TT_FRAME_PONG, 0, 0, zeros, len);
			BAD(b, n, "bad PONG");
		}
	}
	/* A PING one byte short of its stamp waits for it if the length says
	 * 8: truncation shows only in the length field. */
	n = tt_frame_put_ping(b, 1);
	CHECK_EQ_I(decode_exact(b, n - 1, &(struct tt_frame){0}, &(const char *){NULL}), 0);

	n = tt_frame_put_ping(b, 1);
	b[5] = 1;
	BAD(b, n, "PING on a stream");
	n = tt_frame_put_pong(b, &(struct tt_pong){.stamp = 1});
	b[2] = 0x80;
	BAD(b, n, "PING on a stream");
	n = tt_frame_put_ping(b, 1);
	b[1] = 1;
	BAD(b, n, "bad flags");
	n = tt_frame_put_pong(b, &(struct tt_pong){.stamp = 1});
	b[1] = 0x80;
	BAD(b, n, "bad flags");
}

/* ---- malformed ---- */

static void test_unknown_type(void)
{
	static const uint8_t types[] = {0, TT_FRAME_TYPE_MAX + 1, 0x10, 0x7f, 0x80, 0xff};
	uint8_t b[TT_FRAME_HEADER + 4] = {0};
	struct tt_frame f;
	const char *err;

	for (size_t i = 0; i < sizeof(types); i++) {
		/* A header promising 60000 bytes of payload: rejected now, from
		 * the header alone, so a receiver never buffers for garbage. */
		tt_frame_put_header(b, types[i], 0, 1, 60000);
		BAD(b, TT_FRAME_HEADER, "unknown frame type");
		tt_frame_put_header(b, types[i], 0, 0, 4);
		BAD(b, TT_FRAME_HEADER + 4, "unknown frame type");
		tt_frame_put_header(b, types[i], 0, 1, 0);
		BAD(b, TT_FRAME_HEADER, "unknown frame type");
		/* Until the header is complete, it cannot be judged. */
		for (size_t k = 0; k < TT_FRAME_HEADER; k++) {
			err = NULL;
			CHECK_EQ_I(decode_exact(b, k, &f, &err), 0);
		}
	}
}

static void test_bad_hello(void)
{
	const struct tt_hello h = {.version = 1, .min_version = 1, .window = 1, .max_streams = 1, .boot_id = 1};
	uint8_t good[TT_FRAME_HEADER + TT_HELLO_LEN], b[TT_FRAME_HEADER + TT_HELLO_LEN];
	size_t n = tt_frame_put_hello(good, &h);

	/* On a stream. */
	memcpy(b, good, n);
	b[5] = 1;
	BAD(b, n, "HELLO on a stream");
	b[2] = 0x80;
	b[5] = 0;
	BAD(b, n, "HELLO on a stream");

	/* Bad magic, at each of its bytes. */
	for (size_t i = 0; i < 4; i++) {
		memcpy(b, good, n);
		b[TT_FRAME_HEADER + i] ^= 0x20;
		BAD(b, n, "bad HELLO");
	}

	/* Short: every length below TT_HELLO_LEN, magic intact where it fits. */
	for (size_t len = 0; len < TT_HELLO_LEN; len++) {
		memcpy(b, good, n);
		tt_frame_put_header(b, TT_FRAME_HELLO, 0, 0, (uint16_t)len);
		BAD(b, TT_FRAME_HEADER + len, "bad HELLO");
	}

	/* Flags. */
	memcpy(b, good, n);
	b[1] = 1;
	BAD(b, n, "bad flags");
	b[1] = 0x80;
	BAD(b, n, "bad flags");
}

static void test_stream_zero(void)
{
	uint8_t b[64];
	size_t n;

	n = tt_frame_put_syn(b, 0, 1, "host", 80);
	BAD(b, n, "stream frame on stream 0");
	n = tt_frame_put_u32(b, TT_FRAME_SYNACK, 0, 1);
	BAD(b, n, "stream frame on stream 0");
	n = tt_frame_put_u32(b, TT_FRAME_WINDOW, 0, 1);
	BAD(b, n, "stream frame on stream 0");
	n = tt_frame_put_rst(b, TT_FRAME_RST, 0, TT_REASON_RESET, "x");
	BAD(b, n, "stream frame on stream 0");
	n = build(b, TT_FRAME_DATA, 0, 0, "abc", 3);
	BAD(b, n, "stream frame on stream 0");
	n = tt_frame_put_empty(b, TT_FRAME_FIN, 0);
	BAD(b, n, "stream frame on stream 0");

	/* SHUTDOWN is the other way round. */
	n = tt_frame_put_rst(b, TT_FRAME_SHUTDOWN, 1, TT_REASON_SHUTDOWN, "bye");
	BAD(b, n, "SHUTDOWN on a stream");
	n = tt_frame_put_rst(b, TT_FRAME_SHUTDOWN, 0xffffffff, TT_REASON_SHUTDOWN, NULL);
	BAD(b, n, "SHUTDOWN on a stream");
}

static void test_bad_syn(void)
{
	uint8_t b[TT_FRAME_HEADER + 7 + 300], host[256];
	size_t n;

	/* The host length byte disagrees with the payload length. */
	n = build_syn(b, 1, 80, 5, "host", 4);
	BAD(b, n, "bad SYN");
	n = build_syn(b, 1, 80, 3, "host", 4);
	BAD(b, n, "bad SYN");
	n = build_syn(b, 1, 80, 255, "host", 4);
	BAD(b, n, "bad SYN");
	memset(host, 'a', sizeof(host));
	n = build_syn(b, 1, 80, 255, host, 256); /* one byte of junk after the host */
	BAD(b, n, "bad SYN");

	/* Empty host (length byte 0 and nothing after it). */
	n = build_syn(b, 1, 80, 0, "", 0);
	BAD(b, n, "bad SYN");
	/* Length 0 but bytes follow. */
	n = build_syn(b, 1, 80, 0, "a", 1);
	BAD(b, n, "bad SYN");
	/* Payload too short to even hold the length byte. */
	for (uint16_t len = 0; len < 7; len++) {
		tt_frame_put_header(b, TT_FRAME_SYN, 0, 1, len);
		memset(b + TT_FRAME_HEADER, 1, len);
		BAD(b, TT_FRAME_HEADER + len, "bad SYN");
	}

	/* Non-printable, space, DEL, high bytes, NUL: anywhere in the host. */
	static const uint8_t bad[] = {0, 1, '\t', '\n', ' ', 0x7f, 0x80, 0xc3, 0xff};
	for (size_t i = 0; i < sizeof(bad); i++) {
		uint8_t h[3] = {'a', 'b', 'c'};

		for (size_t pos = 0; pos < 3; pos++) {
			h[pos] = bad[i];
			n = build_syn(b, 1, 80, 3, h, 3);
			BAD(b, n, "bad SYN");
			h[pos] = (uint8_t)"abc"[pos];
		}
	}

	/* Port 0. */
	n = tt_frame_put_syn(b, 1, 1, "host", 0);
	BAD(b, n, "SYN to port 0");

	/* Flags: REVERSE or UDP, not both, nothing else. */
	n = tt_frame_put_syn(b, 1, 1, "host", 80);
	b[1] = TT_FRAME_FLAG_LZ4;
	BAD(b, n, "bad flags");
	b[1] = TT_FRAME_FLAG_REVERSE | TT_FRAME_FLAG_UDP;
	BAD(b, n, "bad flags");
	b[1] = 0x80;
	BAD(b, n, "bad flags");
}

static void test_listen(void)
{
	uint8_t b[TT_FRAME_CONTROL_MAX];
	struct tt_frame f;
	struct tt_syn syn;
	const char *err = NULL;
	size_t n;

	/* SYN flags survive the round trip. */
	n = tt_frame_put_endpoint(b, TT_FRAME_SYN, TT_FRAME_FLAG_REVERSE, 3, 4096, "127.0.0.1", 8080);
	CHECK(tt_frame_decode(b, n, &f, &err) == (long)n);
	CHECK_EQ_U(f.flags, TT_FRAME_FLAG_REVERSE);
	n = tt_frame_put_endpoint(b, TT_FRAME_SYN, TT_FRAME_FLAG_UDP, 3, 4096, "10.0.0.1", 53);
	CHECK(tt_frame_decode(b, n, &f, &err) == (long)n);
	CHECK_EQ_U(f.flags, TT_FRAME_FLAG_UDP);

	/* LISTEN and its reply: stream 0, the SYN layout. */
	n = tt_frame_put_endpoint(b, TT_FRAME_LISTEN, 0, 0, 1, "*", 2222);
	CHECK(tt_frame_decode(b, n, &f, &err) == (long)n);
	CHECK_EQ_U(f.type, TT_FRAME_LISTEN);
	tt_frame_get_syn(&f, &syn);
	CHECK(syn.window == 1 && syn.port == 2222 && !strcmp(syn.host, "*"));
	n = tt_frame_put_endpoint(b, TT_FRAME_LISTEN_REPLY, 0, 0, TT_REASON_LISTEN, "::1", 2222);
	CHECK(tt_frame_decode(b, n, &f, &err) == (long)n);
	tt_frame_get_syn(&f, &syn);
	CHECK(syn.window == TT_REASON_LISTEN && syn.port == 2222 && !strcmp(syn.host, "::1"));

	n = tt_frame_put_endpoint(b, TT_FRAME_LISTEN, 0, 1, 1, "*", 2222);
	BAD(b, n, "LISTEN on a stream");
	n = tt_frame_put_endpoint(b, TT_FRAME_LISTEN, 0, 0, 2, "*", 2222);
	BAD(b, n, "bad LISTEN");
	n = tt_frame_put_endpoint(b, TT_FRAME_LISTEN_REPLY, 0, 0, TT_REASON_MAX + 1, "*", 2222);
	BAD(b, n, "bad LISTEN");
	n = tt_frame_put_endpoint(b, TT_FRAME_LISTEN, 0, 0, 1, "*", 0);
	BAD(b, n, "LISTEN on port 0");
	n = tt_frame_put_endpoint(b, TT_FRAME_LISTEN, TT_FRAME_FLAG_REVERSE, 0, 1, "*", 22);
	BAD(b, n, "bad flags");
	n = tt_frame_put_endpoint(b, TT_FRAME_LISTEN_REPLY, 0, 0, 0, "", 22);
	BAD(b, n, "bad LISTEN");
}

static void test_bad_lengths(void)
{
	uint8_t b[TT_FRAME_HEADER + 16];
	const uint8_t zeros[16] = {0};
	size_t n;

	/* SYNACK and WINDOW carry exactly 4 bytes. */
	static const size_t lens[] = {0, 1, 3, 5, 8, 16};
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		n = build(b, TT_FRAME_SYNACK, 0, 1, zeros, lens[i]);
		BAD(b, n, "bad length");
		n = build(b, TT_FRAME_WINDOW, 0, 1, zeros, lens[i]);
		BAD(b, n, "bad length");
	}

	/* FIN carries nothing. */
	n = build(b, TT_FRAME_FIN, 0, 1, zeros, 1);
	BAD(b, n, "bad length");
	n = build(b, TT_FRAME_FIN, 0, 1, zeros, 16);
	BAD(b, n, "bad length");

	/* Flags on types that have none. */
	n = tt_frame_put_u32(b, TT_FRAME_WINDOW, 1, 1);
	b[1] = 1;
	BAD(b, n, "bad flags");
	n = tt_frame_put_u32(b, TT_FRAME_SYNACK, 1, 1);
	b[1] = 0x40;
	BAD(b, n, "bad flags");
	n = tt_frame_put_empty(b, TT_FRAME_FIN, 1);
	b[1] = 1;
	BAD(b, n, "bad flags");
	n = tt_frame_put_rst(b, TT_FRAME_RST, 1, 0, "x");
	b[1] = 1;
	BAD(b, n, "bad flags");
	n = tt_frame_put_rst(b, TT_FRAME_SHUTDOWN, 0, 0, "x");
	b[1] = 1;
	BAD(b, n, "bad flags");
}

static void test_bad_data(void)
{
	uint8_t b[TT_FRAME_HEADER + 16];
	size_t n;

	n = build(b, TT_FRAME_DATA, 0, 1, NULL, 0);
	BAD(b, n, "empty DATA");
	n = build(b, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 1, NULL, 0);
	BAD(b, n, "empty DATA");

	/* Unknown flags, with or without LZ4. */
	for (unsigned flag = 0x02; flag <= 0x80; flag <<= 1) {
		n = build(b, TT_FRAME_DATA, (uint8_t)flag, 1, "abcd", 4);
		BAD(b, n, "bad flags");
		n = build(b, TT_FRAME_DATA, (uint8_t)(flag | TT_FRAME_FLAG_LZ4), 1, "\x00\x04\x40", 3);
		BAD(b, n, "bad flags");
	}

	/* Compressed but shorter than original length + one block byte. */
	n = build(b, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 1, "\x00", 1);
	BAD(b, n, "bad compressed DATA");
	n = build(b, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 1, "\x00\x04", 2);
	BAD(b, n, "bad compressed DATA");
	/* Original length 0. */
	n = build(b, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 1, "\x00\x00\x40", 3);
	BAD(b, n, "bad compressed DATA");
	n = build(b, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 1, "\x00\x00\x40\x41\x42\x43\x44", 7);
	BAD(b, n, "bad compressed DATA");
}

static void test_bad_reason(void)
{
	uint8_t b[TT_FRAME_HEADER + 300], p[300];
	size_t n;

	/* No reason byte at all. */
	n = build(b, TT_FRAME_RST, 0, 1, NULL, 0);
	BAD(b, n, "bad reason");
	n = build(b, TT_FRAME_SHUTDOWN, 0, 0, NULL, 0);
	BAD(b, n, "bad reason");

	/* Control characters, DEL, high bytes anywhere in the text. */
	static const uint8_t bad[] = {0, '\t', '\n', '\r', 0x1b, 0x1f, 0x7f, 0x80, 0xff};
	for (size_t i = 0; i < sizeof(bad); i++) {
		memcpy(p, "\x01hello", 6);
		p[1] = bad[i];
		n = build(b, TT_FRAME_RST, 0, 1, p, 6);
		BAD(b, n, "bad reason");
		memcpy(p, "\x01hello", 6);
		p[5] = bad[i];
		n = build(b, TT_FRAME_SHUTDOWN, 0, 0, p, 6);
		BAD(b, n, "bad reason");
	}

	/* Text of 200 is the limit; 201 and more is rejected. */
	p[0] = TT_REASON_RESET;
	memset(p + 1, 'z', 250);
	n = build(b, TT_FRAME_RST, 0, 1, p, 1 + 200);
	GOOD(b, n);
	n = build(b, TT_FRAME_RST, 0, 1, p, 1 + 201);
	BAD(b, n, "bad reason");
	n = build(b, TT_FRAME_SHUTDOWN, 0, 0, p, 1 + 201);
	BAD(b, n, "bad reason");
	n = build(b, TT_FRAME_RST, 0, 1, p, 1 + 250);
	BAD(b, n, "bad reason");

	/* A space is text, not a control character. */
	memcpy(p, "\x01 a b ", 6);
	n = build(b, TT_FRAME_RST, 0, 1, p, 6);
	GOOD(b, n);
}

/* ---- reasons ---- */

static void test_reason_str(void)
{
	static const char *const want[] = {
		[TT_REASON_NONE] = "closed",
		[TT_REASON_REFUSED] = "connection refused",
		[TT_REASON_NOT_PERMITTED] = "not permitted",
		[TT_REASON_UNREACHABLE] = "unreachable",
		[TT_REASON_TIMEOUT] = "timed out",
		[TT_REASON_RESOLVE] = "name not resolved",
		[TT_REASON_LIMIT] = "too many streams",
		[TT_REASON_PROTOCOL] = "protocol error",
		[TT_REASON_SHUTDOWN] = "shutting down",
		[TT_REASON_RESET] = "connection reset",
		[TT_REASON_INCOMPATIBLE] = "incompatible protocol version",
		[TT_REASON_RESTARTED] = "peer restarted",
		[TT_REASON_NOT_SERVER] = "peer is not a server",
		[TT_REASON_IDLE] = "idle",
		[TT_REASON_LISTEN] = "cannot listen there",
	};

	/* The table here must cover every reason the header declares. */
	CHECK_EQ_U(sizeof(want) / sizeof(want[0]), TT_REASON_MAX + 1);
	for (unsigned r = 0; r <= TT_REASON_MAX; r++) {
		CHECK_STR(tt_reason_str((uint8_t)r), want[r]);
		/* Names are distinct, so logs tell reasons apart. */
		for (unsigned s = 0; s < r; s++)
			CHECK(strcmp(tt_reason_str((uint8_t)r), tt_reason_str((uint8_t)s)) != 0);
	}
	for (unsigned r = TT_REASON_MAX + 1; r <= 255; r++) {
		if (!CHECK_STR(tt_reason_str((uint8_t)r), "unknown reason"))
			break;
	}
}

/* ---- streams of frames ---- */

/* What build_stream encoded, to compare with what comes out. */
struct expect {
	uint8_t type;
	uint32_t stream;
	size_t size;
	uint32_t value;
};

/* A varied sequence of frames back to back, as a session channel carries. */
static size_t build_stream(uint8_t *out, struct expect *ex, size_t *count)
{
	const struct tt_hello h = {.version = 1, .min_version = 1, .window = 1 << 20, .max_streams = 64, .boot_id = 99};
	uint8_t data[1500];
	size_t off = 0, k = 0, n;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ (i >> 3));
#define ADD(expr, t, s, v)                                                      \
	do {                                                                    \
		n = (expr);                                                     \
		ex[k++] = (struct expect){.type = (t), .stream = (s), .size = n, .value = (v)}; \
		off += n;                                                       \
	} while (0)
	ADD(tt_frame_put_hello(out + off, &h), TT_FRAME_HELLO, 0, 0);
	ADD(tt_frame_put_syn(out + off, 1, 65536, "localhost", 22), TT_FRAME_SYN, 1, 0);
	ADD(tt_frame_put_u32(out + off, TT_FRAME_SYNACK, 1, 131072), TT_FRAME_SYNACK, 1, 131072);
	ADD(build(out + off, TT_FRAME_DATA, 0, 1, data, 1), TT_FRAME_DATA, 1, 1);
	ADD(build(out + off, TT_FRAME_DATA, 0, 3, data, 1500), TT_FRAME_DATA, 3, 1500);
	ADD(tt_frame_put_u32(out + off, TT_FRAME_WINDOW, 1, 4096), TT_FRAME_WINDOW, 1, 4096);
	ADD(build(out + off, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, 1, "\x00\x05\x50hello", 8), TT_FRAME_DATA, 1, 8);
	ADD(tt_frame_put_empty(out + off, TT_FRAME_FIN, 1), TT_FRAME_FIN, 1, 0);
	ADD(build(out + off, TT_FRAME_DATA, 0, 5, data + 7, 700), TT_FRAME_DATA, 5, 700);
	ADD(tt_frame_put_rst(out + off, TT_FRAME_RST, 5, TT_REASON_TIMEOUT, "slow"), TT_FRAME_RST, 5, 0);
	ADD(tt_frame_put_empty(out + off, TT_FRAME_FIN, 3), TT_FRAME_FIN, 3, 0);
	ADD(tt_frame_put_ping(out + off, 12345), TT_FRAME_PING, 0, 0);
	ADD(tt_frame_put_pong(out + off, &(struct tt_pong){.stamp = 12345, .tx = 7, .rx = 9}), TT_FRAME_PONG, 0, 0);
	ADD(tt_frame_put_rst(out + off, TT_FRAME_SHUTDOWN, 0, TT_REASON_SHUTDOWN, NULL), TT_FRAME_SHUTDOWN, 0, 0);
#undef ADD
	*count = k;
	return off;
}

static bool matches(const struct tt_frame *f, long n, const struct expect *e, const uint8_t *at)
{
	if (n != (long)e->size || f->type != e->type || f->stream != e->stream || f->payload != at + TT_FRAME_HEADER)
		return false;
	if (f->type == TT_FRAME_SYNACK || f->type == TT_FRAME_WINDOW)
		return tt_frame_get_u32(f) == e->value;
	if (f->type == TT_FRAME_DATA)
		return f->len == e->value;
	return true;
}

/* Consume a concatenation one frame at a time. */
static void test_concatenated(void)
{
	static uint8_t buf[8192];
	struct expect ex[16];
	struct tt_frame f;
	const char *err = NULL;
	size_t count, total = build_stream(buf, ex, &count), off = 0, k = 0;
	long n;

	while ((n = tt_frame_decode(buf + off, total - off, &f, &err)) > 0) {
		if (!CHECK(k < count) || !CHECK(matches(&f, n, &ex[k], buf + off)))
			break;
		off += (size_t)n;
		k++;
	}
	CHECK_EQ_I(n, 0);
	CHECK_EQ_U(k, count);
	CHECK_EQ_U(off, total);
}

/* The receiver's view: bytes arrive in arbitrary pieces (ENet packets cut
 * the frame stream anywhere). For every cut point, decode what a buffer
 * ending there holds, then the rest once the remainder arrives. */
static void test_split_everywhere(void)
{
	static uint8_t buf[8192];
	struct expect ex[16];
	size_t count, total = build_stream(buf, ex, &count);
	int bad = 0;

	for (size_t cut = 0; cut <= total && bad < 5; cut++) {
		uint8_t *part = exact(buf, cut);
		struct tt_frame f;
		const char *err = NULL;
		size_t off = 0, k = 0;
		long n;

		while ((n = tt_frame_decode(part + off, cut - off, &f, &err)) > 0) {
			if (k >= count || !matches(&f, n, &ex[k], part + off))
				break;
			off += (size_t)n;
			k++;
		}
		/* Only complete frames were taken; the cut one waits. */
		if (!check_result(n == 0 && off <= cut && cut - off < (k < count ? ex[k].size : 1), __FILE__,
		                  __LINE__, "cut %zu: n %ld off %zu frames %zu", cut, n, off, k))
			bad++;
		free(part);

		/* The rest arrives: the pending tail plus everything after it. */
		part = exact(buf + off, total - off);
		size_t off2 = 0;
		while ((n = tt_frame_decode(part + off2, total - off - off2, &f, &err)) > 0) {
			if (k >= count || !matches(&f, n, &ex[k], part + off2))
				break;
			off2 += (size_t)n;
			k++;
		}
		if (!check_result(n == 0 && k == count && off + off2 == total, __FILE__, __LINE__,
		                  "cut %zu: rest n %ld frames %zu/%zu", cut, n, k, count))
			bad++;
		free(part);
	}
}

/* Random chunking, like session.c: append each piece to a pending buffer,
 * decode all complete frames, keep the tail. */
static void test_random_chunks(void)
{
	static uint8_t buf[8192 * 8], pending[8192 * 8];
	struct expect ex[16 * 8];
	size_t count = 0, total = 0;

	/* Several copies of the sequence, so chunks span frame boundaries
	 * in many ways. */
	for (int rep = 0; rep < 8; rep++) {
		size_t c;

		total += build_stream(buf + total, ex + count, &c);
		count += c;
	}
	for (int round = 0; round < 200; round++) {
		size_t in = 0, plen = 0, k = 0;
		bool ok = true;

		while (in < total && ok) {
			size_t piece = (size_t)check_rand_range(1, round % 2 ? 40 : 1400);
			struct tt_frame f;
			const char *err = NULL;
			size_t off = 0;
			long n;

			if (piece > total - in)
				piece = total - in;
			memcpy(pending + plen, buf + in, piece);
			plen += piece;
			in += piece;
			while ((n = tt_frame_decode(pending + off, plen - off, &f, &err)) > 0) {
				if (k >= count || !matches(&f, n, &ex[k], pending + off)) {
					ok = false;
					break;
				}
				off += (size_t)n;
				k++;
			}
			if (n < 0)
				ok = false;
			memmove(pending, pending + off, plen - off);
			plen -= off;
		}
		if (!check_result(ok && k == count && plen == 0, __FILE__, __LINE__,
		                  "round %d: ok %d frames %zu/%zu left %zu", round, ok, k, count, plen))
			break;
	}
}

/* After a malformed frame nothing more is parsed: the caller stops. But a
 * malformed frame must not be mistaken for a partial one, whatever follows. */
static void test_bad_then_more(void)
{
	uint8_t b[64];
	size_t n = tt_frame_put_empty(b, TT_FRAME_FIN, 0); /* FIN on stream 0 */

	n += tt_frame_put_empty(b + n, TT_FRAME_FIN, 1);
	BAD(b, n, "stream frame on stream 0");
	BAD(b, TT_FRAME_HEADER, "stream frame on stream 0");
}

int main(void)
{
	check_seed(0x746f7874756e);
	RUN(test_header_layout);
	RUN(test_hello);
	RUN(test_syn);
	RUN(test_u32);
	RUN(test_rst_shutdown);
	RUN(test_fin);
	RUN(test_data);
	RUN(test_ping_pong);
	RUN(test_bad_ping_pong);
	RUN(test_unknown_type);
	RUN(test_bad_hello);
	RUN(test_stream_zero);
	RUN(test_bad_syn);
	RUN(test_listen);
	RUN(test_bad_lengths);
	RUN(test_bad_data);
	RUN(test_bad_reason);
	RUN(test_reason_str);
	RUN(test_concatenated);
	RUN(test_split_everywhere);
	RUN(test_random_chunks);
	RUN(test_bad_then_more);
	return check_report();
}
