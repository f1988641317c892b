/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "mux/compress.h"
#include "toxtun/frame.h"

#define BACKOFF_MAX 64

size_t compress_data_frame(struct lz4_state *z, uint32_t stream, uint8_t *frame, size_t n)
{
	static uint8_t scratch[LZ4_COMPRESSBOUND(TT_FRAME_MAX_PAYLOAD)];
	uint8_t *raw = frame + TT_FRAME_HEADER;
	int c;

	z->halves = false;
	if (z->skip) {
		z->skip--;
		goto raw;
	}
	c = LZ4_compress_default((const char *)raw, (char *)scratch, (int)n, (int)sizeof(scratch));
	/* Worth it only when it saves at least 1/16: less does not save packets. */
	if (c <= 0 || (size_t)c + 2 > n - n / 16) {
		z->backoff = z->backoff ? z->backoff * 2 : 1;
		if (z->backoff > BACKOFF_MAX)
			z->backoff = BACKOFF_MAX;
		z->skip = z->backoff;
		goto raw;
	}
	z->backoff = 0;
	z->halves = (size_t)c + 2 <= n / 2;
	raw[0] = (uint8_t)(n >> 8);
	raw[1] = (uint8_t)n;
	memcpy(raw + 2, scratch, (size_t)c);
	return tt_frame_put_header(frame, TT_FRAME_DATA, TT_FRAME_FLAG_LZ4, stream, (uint16_t)(c + 2)) + 2 + (size_t)c;
raw:
	return tt_frame_put_header(frame, TT_FRAME_DATA, 0, stream, (uint16_t)n) + n;
}

long decompress_payload(const uint8_t *payload, size_t len, uint8_t *out, size_t cap)
{
	size_t orig;
	int n;

	if (len < 3)
		return -1;
	orig = (size_t)payload[0] << 8 | payload[1];
	if (orig == 0 || orig > cap)
		return -1;
	n = LZ4_decompress_safe((const char *)payload + 2, (char *)out, (int)(len - 2), (int)orig);
	return n == (int)orig ? (long)orig : -1;
}
