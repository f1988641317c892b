/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the proxy request parser
 * (daemon/forward/proxy_request.c): any local program may write any bytes to
 * a socks5 line, in any pieces.
 *
 * Input layout:
 *   byte 0: bit 0 - credentials configured (RFC 1929 required);
 *           bit 1 - the message is the payload repeated to
 *                   PROXY_REQUEST_MAX - 8 + (byte 0 >> 2) % 16 bytes, so
 *                   that the 8 KiB limit is reached (libFuzzer's default
 *                   max_len, 4096, never gets there);
 *   byte 1: how many piece sizes follow (0..7), one byte each (1..256 bytes
 *           per piece; after the last one the rest comes in one piece);
 *   the rest: the payload.
 * The message is parsed in those pieces and all at once, each call getting
 * an exact-size heap copy of the bytes so far (ASan catches a read past
 * them), and both must end the same way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward/proxy_request.h"
#include "fuzz.h"

struct outcome {
	enum proxy_verdict v;
	struct proxy_request r;
	uint8_t said[8 * PROXY_REPLY_MAX]; /* every reply, concatenated */
	size_t said_len;
};

static const char *user, *pass;

/* What must hold after any call. */
static void check_call(const struct proxy_request *r, enum proxy_verdict v, size_t len)
{
	REQUIRE(v == PROXY_MORE || v == PROXY_COMPLETE || v == PROXY_REFUSED);
	REQUIRE(v == r->verdict);
	REQUIRE(r->reply_len <= sizeof(r->reply));
	/* Decided before the buffer a caller keeps is full. */
	if (len >= PROXY_REQUEST_MAX)
		REQUIRE(v != PROXY_MORE);
	if (v == PROXY_COMPLETE) {
		REQUIRE(r->kind == PROXY_REQUEST_SOCKS5 || r->kind == PROXY_REQUEST_HTTP);
		REQUIRE(r->used > 0 && r->used <= len && r->used <= PROXY_REQUEST_MAX);
		REQUIRE(memchr(r->host, '\0', sizeof(r->host)) != NULL);
		REQUIRE(r->port != 0);
		REQUIRE(r->why == NULL);
	}
	if (v == PROXY_REFUSED) {
		REQUIRE(r->why != NULL && r->why[0] != '\0');
		if (r->kind == PROXY_REQUEST_HTTP)
			REQUIRE(r->http_status != NULL && r->socks_code == 0 && r->reply_len > 0);
		else if (r->kind == PROXY_REQUEST_SOCKS5)
			REQUIRE(r->http_status == NULL && r->socks_code != 0 && r->reply_len >= 2);
		else
			REQUIRE(r->http_status == NULL && r->socks_code == 0 && r->reply_len == 0);
	}
	if (r->kind == PROXY_REQUEST_HTTP && v != PROXY_REFUSED)
		REQUIRE(r->reply_len == 0); /* the stream answers, once connected */
}

/* Feed msg[0..len) as prefixes ending at ends[0..n), stopping at the first
 * verdict; once decided, a further call says the same and nothing more. */
static void feed(const uint8_t *msg, const size_t *ends, size_t n, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	proxy_request_init(&o->r);
	o->v = PROXY_MORE;
	for (size_t i = 0; i < n && o->v == PROXY_MORE; i++) {
		uint8_t *prefix = malloc(ends[i] ? ends[i] : 1);

		REQUIRE(prefix != NULL);
		memcpy(prefix, msg, ends[i]);
		o->v = proxy_request_feed(&o->r, prefix, ends[i], user, pass);
		check_call(&o->r, o->v, ends[i]);
		REQUIRE(o->said_len + o->r.reply_len <= sizeof(o->said));
		memcpy(o->said + o->said_len, o->r.reply, o->r.reply_len);
		o->said_len += o->r.reply_len;
		if (o->v != PROXY_MORE) {
			REQUIRE(proxy_request_feed(&o->r, prefix, ends[i], user, pass) == o->v);
			REQUIRE(o->r.reply_len == 0);
		}
		free(prefix);
	}
}

static bool same_str(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static void check_same(const struct outcome *a, const struct outcome *b)
{
	REQUIRE(a->v == b->v);
	REQUIRE(a->r.kind == b->r.kind);
	REQUIRE(a->said_len == b->said_len && memcmp(a->said, b->said, a->said_len) == 0);
	REQUIRE(same_str(a->r.why, b->r.why));
	REQUIRE(a->r.socks_code == b->r.socks_code);
	REQUIRE(same_str(a->r.http_status, b->r.http_status));
	if (a->v == PROXY_COMPLETE) {
		REQUIRE(strcmp(a->r.host, b->r.host) == 0);
		REQUIRE(a->r.port == b->r.port);
		REQUIRE(a->r.used == b->r.used);
	}
}

static void parse(const uint8_t *msg, size_t len, const uint8_t *sizes, size_t nsizes)
{
	static struct outcome whole, pieces;
	size_t ends[8], n = 0, at = 0;

	for (size_t i = 0; i < nsizes && at < len; i++) {
		at += (size_t)sizes[i] + 1;
		ends[n++] = at < len ? at : len;
	}
	if (at < len)
		ends[n++] = len;
	if (n == 0)
		ends[n++] = len;
	feed(msg, ends, n, &pieces);
	feed(msg, &len, 1, &whole);
	check_same(&whole, &pieces);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sizes, *payload;
	size_t nsizes, plen;
	uint8_t flags;

	if (size < 2)
		return 0;
	flags = data[0];
	nsizes = data[1] % 8;
	if (size < 2 + nsizes)
		return 0;
	sizes = data + 2;
	payload = data + 2 + nsizes;
	plen = size - 2 - nsizes;
	user = flags & 1 ? "alice" : NULL;
	pass = flags & 1 ? "s3cret" : NULL;
	if (flags & 2 && plen > 0) {
		size_t len = PROXY_REQUEST_MAX - 8 + (size_t)(flags >> 2) % 16;
		uint8_t *msg = malloc(len);

		REQUIRE(msg != NULL);
		for (size_t i = 0; i < len; i++)
			msg[i] = payload[i % plen];
		parse(msg, len, sizes, nsizes);
		free(msg);
	} else {
		parse(payload, plen, sizes, nsizes);
	}
	return 0;
}
