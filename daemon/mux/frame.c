/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Frame codec: see include/toxtun/frame.h for the layout. */
#include <string.h>

#include "toxtun/frame.h"

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24; p[1] = (v >> 16) & 0xff; p[2] = (v >> 8) & 0xff; p[3] = v & 0xff;
}
static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

const char *tt_reason_str(uint8_t reason)
{
	static const char *const names[] = {
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
	return reason <= TT_REASON_MAX ? names[reason] : "unknown reason";
}

/* Host names in SYN: printable ASCII without spaces; the server resolves them. */
static bool host_ok(const uint8_t *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] >= 0x7f)
			return false;
	return true;
}

static bool text_ok(const uint8_t *p, size_t n)
{
	if (n > 200)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] < ' ' || p[i] >= 0x7f)
			return false;
	return true;
}

/* Payload rules per type; returns an error string or NULL. */
static const char *check_payload(const struct tt_frame *f)
{
	bool session = f->stream == 0;

	switch (f->type) {
	case TT_FRAME_HELLO:
		if (!session)
			return "HELLO on a stream";
		if (f->len < TT_HELLO_LEN || memcmp(f->payload, TT_HELLO_MAGIC, 4) != 0)
			return "bad HELLO";
		return f->flags ? "bad flags" : NULL;
	case TT_FRAME_SHUTDOWN:
		if (!session)
			return "SHUTDOWN on a stream";
		break;
	case TT_FRAME_LISTEN:
	case TT_FRAME_LISTEN_REPLY:
		if (!session)
			return "LISTEN on a stream";
		break;
	case TT_FRAME_PING:
	case TT_FRAME_PONG:
		if (!session)
			return "PING on a stream";
		break;
	default:
		if (session)
			return "stream frame on stream 0";
	}
	if (f->type == TT_FRAME_SYN) {
		if (f->flags & ~(TT_FRAME_FLAG_REVERSE | TT_FRAME_FLAG_UDP) ||
		    f->flags == (TT_FRAME_FLAG_REVERSE | TT_FRAME_FLAG_UDP))
			return "bad flags";
	} else if (f->type != TT_FRAME_DATA && f->flags) {
		return "bad flags";
	}
	switch (f->type) {
	case TT_FRAME_SYN:
	case TT_FRAME_LISTEN:
	case TT_FRAME_LISTEN_REPLY:
		if (f->len < 8 || f->payload[6] + 7u != f->len || !host_ok(f->payload + 7, f->payload[6]))
			return f->type == TT_FRAME_SYN ? "bad SYN" : "bad LISTEN";
		if (get16(f->payload + 4) == 0)
			return f->type == TT_FRAME_SYN ? "SYN to port 0" : "LISTEN on port 0";
		if ((f->type == TT_FRAME_LISTEN && get32(f->payload) > 1) ||
		    (f->type == TT_FRAME_LISTEN_REPLY && get32(f->payload) > TT_REASON_MAX))
			return "bad LISTEN";
		return NULL;
	case TT_FRAME_SYNACK:
	case TT_FRAME_WINDOW:
		return f->len == 4 ? NULL : "bad length";
	case TT_FRAME_RST:
	case TT_FRAME_SHUTDOWN:
		if (f->len < 1 || !text_ok(f->payload + 1, f->len - 1u))
			return "bad reason";
		return NULL;
	case TT_FRAME_DATA:
		if (f->flags & ~TT_FRAME_FLAG_LZ4)
			return "bad flags";
		if (f->len == 0)
			return "empty DATA";
		if ((f->flags & TT_FRAME_FLAG_LZ4) && (f->len < 3 || get16(f->payload) == 0))
			return "bad compressed DATA";
		return NULL;
	case TT_FRAME_FIN:
		return f->len == 0 ? NULL : "bad length";
	case TT_FRAME_PING:
		return f->len == TT_PING_LEN ? NULL : "bad PING";
	case TT_FRAME_PONG:
		return f->len == TT_PONG_LEN ? NULL : "bad PONG";
	case TT_FRAME_HELLO:
		return NULL;
	default:
		return "unknown frame type";
	}
}

long tt_frame_decode(const uint8_t *buf, size_t len, struct tt_frame *f, const char **err)
{
	const char *why;

	if (len < TT_FRAME_HEADER)
		return 0;
	f->type = buf[0];
	f->flags = buf[1];
	f->stream = get32(buf + 2);
	f->len = get16(buf + 6);
	/* Reject an unknown type before waiting for its payload: a garbage
	 * header must not make the receiver buffer 64 KiB first. */
	if (f->type < TT_FRAME_HELLO || f->type > TT_FRAME_TYPE_MAX) {
		*err = "unknown frame type";
		return -1;
	}
	if (len < TT_FRAME_HEADER + (size_t)f->len)
		return 0;
	f->payload = buf + TT_FRAME_HEADER;
	why = check_payload(f);
	if (why) {
		*err = why;
		return -1;
	}
	return TT_FRAME_HEADER + f->len;
}

void tt_frame_get_hello(const struct tt_frame *f, struct tt_hello *out)
{
	out->version = get16(f->payload + 4);
	out->min_version = get16(f->payload + 6);
	out->window = get32(f->payload + 8);
	out->max_streams = get32(f->payload + 12);
	out->boot_id = (uint64_t)get32(f->payload + 16) << 32 | get32(f->payload + 20);
}

void tt_frame_get_syn(const struct tt_frame *f, struct tt_syn *out)
{
	out->window = get32(f->payload);
	out->port = get16(f->payload + 4);
	memcpy(out->host, f->payload + 7, f->payload[6]);
	out->host[f->payload[6]] = '\0';
}

void tt_frame_get_rst(const struct tt_frame *f, struct tt_rst *out)
{
	out->reason = f->payload[0];
	memcpy(out->text, f->payload + 1, f->len - 1u);
	out->text[f->len - 1u] = '\0';
}

uint32_t tt_frame_get_u32(const struct tt_frame *f) { return get32(f->payload); }

uint64_t tt_frame_get_ping(const struct tt_frame *f) { return get64(f->payload); }

void tt_frame_get_pong(const struct tt_frame *f, struct tt_pong *out)
{
	out->stamp = get64(f->payload);
	out->tx = get64(f->payload + 8);
	out->rx = get64(f->payload + 16);
}

size_t tt_frame_put_header(uint8_t *out, uint8_t type, uint8_t flags, uint32_t stream, uint16_t len)
{
	out[0] = type;
	out[1] = flags;
	put32(out + 2, stream);
	put16(out + 6, len);
	return TT_FRAME_HEADER;
}

size_t tt_frame_put_hello(uint8_t *out, const struct tt_hello *h)
{
	uint8_t *p = out + tt_frame_put_header(out, TT_FRAME_HELLO, 0, 0, TT_HELLO_LEN);

	memcpy(p, TT_HELLO_MAGIC, 4);
	put16(p + 4, h->version);
	put16(p + 6, h->min_version);
	put32(p + 8, h->window);
	put32(p + 12, h->max_streams);
	put32(p + 16, (uint32_t)(h->boot_id >> 32));
	put32(p + 20, (uint32_t)h->boot_id);
	return TT_FRAME_HEADER + TT_HELLO_LEN;
}

size_t tt_frame_put_syn(uint8_t *out, uint32_t stream, uint32_t window, const char *host, uint16_t port)
{
	return tt_frame_put_endpoint(out, TT_FRAME_SYN, 0, stream, window, host, port);
}

size_t tt_frame_put_endpoint(uint8_t *out, uint8_t type, uint8_t flags, uint32_t stream,
                             uint32_t window, const char *host, uint16_t port)
{
	size_t n = strnlen(host, 255);
	uint8_t *p = out + tt_frame_put_header(out, type, flags, stream, (uint16_t)(7 + n));

	put32(p, window);
	put16(p + 4, port);
	p[6] = (uint8_t)n;
	memcpy(p + 7, host, n);
	return TT_FRAME_HEADER + 7 + n;
}

size_t tt_frame_put_u32(uint8_t *out, uint8_t type, uint32_t stream, uint32_t value)
{
	tt_frame_put_header(out, type, 0, stream, 4);
	put32(out + TT_FRAME_HEADER, value);
	return TT_FRAME_HEADER + 4;
}

size_t tt_frame_put_rst(uint8_t *out, uint8_t type, uint32_t stream, uint8_t reason, const char *text)
{
	size_t n = text ? strnlen(text, 200) : 0;

	tt_frame_put_header(out, type, 0, stream, (uint16_t)(1 + n));
	out[TT_FRAME_HEADER] = reason;
	for (size_t i = 0; i < n; i++) /* keep the text printable whatever the caller gave */
		out[TT_FRAME_HEADER + 1 + i] = (text[i] >= ' ' && text[i] < 0x7f) ? (uint8_t)text[i] : '?';
	return TT_FRAME_HEADER + 1 + n;
}

size_t tt_frame_put_empty(uint8_t *out, uint8_t type, uint32_t stream)
{
	return tt_frame_put_header(out, type, 0, stream, 0);
}

size_t tt_frame_put_ping(uint8_t *out, uint64_t stamp)
{
	tt_frame_put_header(out, TT_FRAME_PING, 0, 0, TT_PING_LEN);
	put64(out + TT_FRAME_HEADER, stamp);
	return TT_FRAME_HEADER + TT_PING_LEN;
}

size_t tt_frame_put_pong(uint8_t *out, const struct tt_pong *p)
{
	uint8_t *q = out + tt_frame_put_header(out, TT_FRAME_PONG, 0, 0, TT_PONG_LEN);

	put64(q, p->stamp);
	put64(q + 8, p->tx);
	put64(q + 16, p->rx);
	return TT_FRAME_HEADER + TT_PONG_LEN;
}
