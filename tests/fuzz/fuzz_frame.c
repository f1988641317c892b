/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the frame decoder and the LZ4 payload decoder.
 *
 * The input is a channel's byte stream: frames are decoded back to back
 * until one is incomplete or malformed, as session.c does. Every decoded
 * frame goes through its typed accessor, and must survive a round trip
 * through the matching encoder byte for byte: a frame the decoder accepts
 * but the accessors misread would otherwise go unnoticed. Compressed DATA
 * payloads go through decompress_payload.
 *
 * libFuzzer hands over an exact-size heap buffer, so with ASan any read
 * past a frame's end is caught. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mux/compress.h"
#include "toxtun/frame.h"
#include "fuzz.h"

static uint8_t out[TT_FRAME_MAX_PAYLOAD];
static uint8_t enc[TT_FRAME_HEADER + TT_FRAME_MAX_PAYLOAD];
static uint8_t recomp[TT_FRAME_HEADER + 2 + COMPRESS_BOUND(TT_FRAME_MAX_PAYLOAD)];
static uint8_t back[TT_FRAME_MAX_PAYLOAD];

/* Bytes that came out of a compressed frame go back in through the
 * sender's path and must come out the same again. */
static void recompress(uint32_t stream, const uint8_t *data, size_t n)
{
	struct lz4_state z = {0};
	struct tt_frame g;
	const char *err = NULL;
	size_t m;

	memcpy(recomp + TT_FRAME_HEADER, data, n);
	m = compress_data_frame(&z, stream, recomp, n);
	REQUIRE(tt_frame_decode(recomp, m, &g, &err) == (long)m);
	REQUIRE(g.type == TT_FRAME_DATA && g.stream == stream);
	if (g.flags & TT_FRAME_FLAG_LZ4) {
		REQUIRE(decompress_payload(g.payload, g.len, back, n) == (long)n);
		REQUIRE(memcmp(back, data, n) == 0);
	} else {
		REQUIRE(g.len == n && memcmp(g.payload, data, n) == 0);
	}
}

/* Re-encoding gives back the very bytes that were decoded. */
static void same_bytes(const uint8_t *frame, long n, size_t m)
{
	REQUIRE(m == (size_t)n);
	REQUIRE(memcmp(enc, frame, m) == 0);
}

static void check_frame(const uint8_t *frame, long n, const struct tt_frame *f)
{
	switch (f->type) {
	case TT_FRAME_HELLO: {
		struct tt_hello h, h2;
		struct tt_frame g;
		const char *err = NULL;
		size_t m;

		tt_frame_get_hello(f, &h);
		m = tt_frame_put_hello(enc, &h);
		REQUIRE(tt_frame_decode(enc, m, &g, &err) == (long)m);
		tt_frame_get_hello(&g, &h2);
		/* Field by field: the struct has padding. */
		REQUIRE(h.version == h2.version && h.min_version == h2.min_version && h.window == h2.window &&
		        h.max_streams == h2.max_streams && h.boot_id == h2.boot_id);
		/* A longer HELLO keeps its extra bytes; the first 24 must match. */
		REQUIRE(memcmp(enc + TT_FRAME_HEADER, frame + TT_FRAME_HEADER, TT_HELLO_LEN) == 0);
		break;
	}
	case TT_FRAME_SYN:
	case TT_FRAME_LISTEN:
	case TT_FRAME_LISTEN_REPLY: {
		struct tt_syn s;

		tt_frame_get_syn(f, &s);
		REQUIRE(strlen(s.host) == f->payload[6] && s.port != 0);
		same_bytes(frame, n, tt_frame_put_endpoint(enc, f->type, f->flags, f->stream, s.window,
		                                           s.host, s.port));
		break;
	}
	case TT_FRAME_SYNACK:
	case TT_FRAME_WINDOW:
		same_bytes(frame, n, tt_frame_put_u32(enc, f->type, f->stream, tt_frame_get_u32(f)));
		break;
	case TT_FRAME_RST:
	case TT_FRAME_SHUTDOWN: {
		struct tt_rst r;

		tt_frame_get_rst(f, &r);
		REQUIRE(strlen(r.text) == f->len - 1u);
		REQUIRE(tt_reason_str(r.reason) != NULL);
		same_bytes(frame, n, tt_frame_put_rst(enc, f->type, f->stream, r.reason, r.text));
		break;
	}
	case TT_FRAME_FIN:
		same_bytes(frame, n, tt_frame_put_empty(enc, TT_FRAME_FIN, f->stream));
		break;
	case TT_FRAME_PING:
		REQUIRE(f->stream == 0);
		same_bytes(frame, n, tt_frame_put_ping(enc, tt_frame_get_ping(f)));
		break;
	case TT_FRAME_PONG: {
		struct tt_pong p;

		REQUIRE(f->stream == 0);
		tt_frame_get_pong(f, &p);
		same_bytes(frame, n, tt_frame_put_pong(enc, &p));
		break;
	}
	case TT_FRAME_DATA:
		if (f->flags & TT_FRAME_FLAG_LZ4) {
			size_t orig = (size_t)f->payload[0] << 8 | f->payload[1];
			long r = decompress_payload(f->payload, f->len, out, sizeof(out));

			REQUIRE(r == -1 || r == (long)orig);
			if (r > 0)
				recompress(f->stream, out, (size_t)r);
			/* With less room than the original length: always refused. */
			REQUIRE(decompress_payload(f->payload, f->len, out, orig - 1) == -1);
		}
		break;
	default:
		REQUIRE(!"decoded a frame of unknown type");
	}
}

/* Decode frames back to back until one is incomplete or malformed. */
static void decode_all(const uint8_t *data, size_t size)
{
	size_t off = 0;

	for (;;) {
		struct tt_frame f;
		const char *err = NULL;
		long n = tt_frame_decode(data + off, size - off, &f, &err);

		if (n == 0)
			break;
		if (n < 0) {
			REQUIRE(err != NULL && *err);
			break;
		}
		REQUIRE(n >= TT_FRAME_HEADER && (size_t)n <= size - off);
		REQUIRE((size_t)n == TT_FRAME_HEADER + (size_t)f.len);
		REQUIRE(f.payload == data + off + TT_FRAME_HEADER);
		/* One byte short of a good frame is always "wait for more". */
		{
			struct tt_frame g;

			REQUIRE(tt_frame_decode(data + off, (size_t)n - 1, &g, &err) == 0);
		}
		check_frame(data + off, n, &f);
		off += (size_t)n;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *one;

	decode_all(data, size);

	/* A second view of the same input as one frame whose length field is
	 * overwritten to match the input size. Growing or shrinking the input
	 * then explores payload lengths directly (limits such as the 200-byte
	 * RST text), where the raw view needs the length field and the size to
	 * change together. The same seeds serve both views. Copied to an
	 * exact-size buffer so ASan sees overreads. */
	if (size < TT_FRAME_HEADER || size - TT_FRAME_HEADER > TT_FRAME_MAX_PAYLOAD)
		return 0;
	one = malloc(size);
	if (!one)
		return 0;
	memcpy(one, data, size);
	one[6] = (uint8_t)((size - TT_FRAME_HEADER) >> 8);
	one[7] = (uint8_t)(size - TT_FRAME_HEADER);
	decode_all(one, size);
	free(one);
	return 0;
}
