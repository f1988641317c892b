/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Friend requests waiting for approval (core/pending.h). */
#include <string.h>

#include "core/pending.h"

/* The length of the valid UTF-8 character at s (at most len bytes) and its
 * code point, or 0 when there is none: overlong forms, surrogates and
 * code points past U+10FFFF are not valid. */
static size_t utf8_char(const uint8_t *s, size_t len, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n > len)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Shown as it is: not a control character (C0, DEL, C1), nor one that
 * changes how the text around it reads (bidirectional controls, zero-width
 * characters, line and paragraph separators), which a name shown to a
 * person deciding whom to let in must not contain. */
static bool printable(uint32_t c)
{
	if (c < 0x20 || (c >= 0x7f && c < 0xa0))
		return false;
	if ((c >= 0x200b && c <= 0x200f) || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2060 && c <= 0x206f) || c == 0xfeff || c == 0x061c)
		return false;
	return true;
}

void pending_sanitize(const uint8_t *msg, size_t len, char *out, size_t n)
{
	size_t i = 0, o = 0;

	if (n == 0)
		return;
	while (i < len) {
		uint32_t c;
		size_t k = utf8_char(msg + i, len - i, &c);
		bool ok = k > 0 && printable(c);
		size_t w = ok ? k : 1;

		if (o + w >= n)
			break;
		if (ok)
			memcpy(out + o, msg + i, k);
		else
			out[o] = '?';
		o += w;
		i += k ? k : 1;
	}
	out[o] = '\0';
}

void pending_init(struct pending *p, double now)
{
	memset(p, 0, sizeof(*p));
	p->tokens = PENDING_BURST;
	p->last = now;
}

static size_t index_of(const struct pending *p, const uint8_t pk[TT_PUBKEY_SIZE])
{
	for (size_t i = 0; i < p->n; i++)
		if (!memcmp(p->v[i].pk, pk, TT_PUBKEY_SIZE))
			return i;
	return p->n;
}

static void remove_at(struct pending *p, size_t i)
{
	memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof(p->v[0]));
	p->n--;
}

static void refill(struct pending *p, double now)
{
	if (now > p->last) {
		p->tokens += (now - p->last) / PENDING_PERIOD;
		if (p->tokens > PENDING_BURST)
			p->tokens = PENDING_BURST;
	}
	p->last = now;
}

enum pending_result pending_add(struct pending *p, const uint8_t pk[TT_PUBKEY_SIZE], const uint8_t *msg,
                                size_t len, double now, struct pending_entry *dropped)
{
	struct pending_entry e;
	size_t i = index_of(p, pk);
	enum pending_result r = PENDING_KEPT;

	refill(p, now);
	memcpy(e.pk, pk, TT_PUBKEY_SIZE);
	pending_sanitize(msg, len, e.message, sizeof(e.message));
	e.received = now;
	if (i < p->n) {
		/* It moves to the end: the oldest is whoever asked longest ago. */
		remove_at(p, i);
		p->v[p->n++] = e;
		return PENDING_REFRESHED;
	}
	if (p->tokens < 1)
		return PENDING_TOO_FAST;
	p->tokens -= 1;
	if (p->n == PENDING_MAX) {
		if (dropped)
			*dropped = p->v[0];
		remove_at(p, 0);
		r = PENDING_KEPT_FULL;
	}
	p->v[p->n++] = e;
	return r;
}

const struct pending_entry *pending_find(const struct pending *p, const uint8_t pk[TT_PUBKEY_SIZE])
{
	size_t i = index_of(p, pk);

	return i < p->n ? &p->v[i] : NULL;
}

bool pending_remove(struct pending *p, const uint8_t pk[TT_PUBKEY_SIZE], struct pending_entry *out)
{
	size_t i = index_of(p, pk);

	if (i == p->n)
		return false;
	if (out)
		*out = p->v[i];
	remove_at(p, i);
	return true;
}
