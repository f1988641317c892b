/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Channel packing and reassembly (mux/chan.h). */
#include <stdlib.h>
#include <string.h>

#include "mux/chan.h"

void chanbuf_free(struct chanbuf *c)
{
	free(c->buf);
	*c = (struct chanbuf){ 0 };
}

static bool grow(struct chanbuf *c, size_t need)
{
	size_t cap = c->cap ? c->cap : 4096;
	uint8_t *b;

	if (need <= c->cap)
		return true;
	while (cap < need)
		cap *= 2;
	b = realloc(c->buf, cap);
	if (!b)
		return false;
	c->buf = b;
	c->cap = cap;
	return true;
}

uint8_t *chan_reserve(struct chanbuf *c, size_t n)
{
	return grow(c, c->len + n) ? c->buf + c->len : NULL;
}

void chan_commit(struct chanbuf *c, size_t n, size_t packet,
                 void (*emit)(void *ctx, const uint8_t *data, size_t len), void *ctx)
{
	size_t off = 0;

	c->len += n;
	while (c->len - off >= packet) {
		emit(ctx, c->buf + off, packet);
		off += packet;
	}
	if (off) {
		memmove(c->buf, c->buf + off, c->len - off);
		c->len -= off;
	}
}

void chan_flush(struct chanbuf *c, void (*emit)(void *ctx, const uint8_t *data, size_t len),
                void *ctx)
{
	if (c->len) {
		emit(ctx, c->buf, c->len);
		c->len = 0;
	}
}

/* Keep data[off..len) for the next packet. data is either the packet
 * (nothing was pending) or the channel's own buffer. */
static bool keep_tail(struct chanbuf *c, const uint8_t *data, size_t off, size_t len)
{
	size_t left = len - off;

	if (left == 0) {
		c->len = 0;
		return true;
	}
	if (data != c->buf) {
		if (left > c->cap) {
			uint8_t *p = realloc(c->buf, left);

			if (!p)
				return false;
			c->buf = p;
			c->cap = left;
		}
		memcpy(c->buf, data + off, left);
	} else {
		memmove(c->buf, c->buf + off, left);
	}
	c->len = left;
	return true;
}

const char *chan_receive(struct chanbuf *c, uint8_t channel, unsigned n_channels,
                         const uint8_t *data, size_t len,
                         bool (*on_frame)(void *ctx, const struct tt_frame *f), void *ctx)
{
	size_t off = 0;

	/* Parse straight from the packet when nothing is pending on the channel. */
	if (c->len) {
		if (c->len + len > c->cap) {
			uint8_t *p = realloc(c->buf, c->len + len);

			if (!p) {
				c->len = 0;
				return "out of memory";
			}
			c->buf = p;
			c->cap = c->len + len;
		}
		memcpy(c->buf + c->len, data, len);
		c->len += len;
		data = c->buf;
		len = c->len;
	}
	for (;;) {
		struct tt_frame f;
		const char *err = NULL;
		long n = tt_frame_decode(data + off, len - off, &f, &err);

		if (n == 0)
			break;
		if (n < 0) {
			c->len = 0;
			return err;
		}
		if (f.type != TT_FRAME_HELLO && f.type != TT_FRAME_SHUTDOWN &&
		    f.stream % n_channels != channel) {
			c->len = 0;
			return "stream on the wrong channel";
		}
		off += (size_t)n;
		if (!on_frame(ctx, &f)) {
			c->len = 0; /* the session went down: nothing more to parse */
			return NULL;
		}
	}
	if (!keep_tail(c, data, off, len)) {
		c->len = 0;
		return "out of memory";
	}
	return NULL;
}
