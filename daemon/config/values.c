/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Single-value validators: numbers, ports, booleans, hex keys, Tox IDs,
 * host fields and the "HOST PORT PUBKEY" node entries of [tox]. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

void tt_cfg_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

enum tt_uint_result tt_cfg_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	bool too_big = false;

	if (len == 0)
		return TT_UINT_JUNK;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return TT_UINT_JUNK;
		/* Keep scanning after an overflow: "99999999999x" is junk, not
		 * out of range. Once past max, v stops growing, so it cannot wrap. */
		if (!too_big) {
			v = v * 10 + (uint64_t)(s[i] - '0');
			too_big = v > max;
		}
	}
	if (too_big)
		return TT_UINT_RANGE;
	*out = v;
	return TT_UINT_OK;
}

bool tt_cfg_parse_port(const char *s, size_t len, uint16_t *out, char *err, size_t errlen)
{
	uint64_t v = 0;

	switch (tt_cfg_parse_uint(s, len, 65535, &v)) {
	case TT_UINT_JUNK:
		tt_cfg_errf(err, errlen, "bad port '%.*s%s': not a number", TT_TOKEN(s, len));
		return false;
	case TT_UINT_RANGE:
		break;
	case TT_UINT_OK:
		if (v != 0) {
			*out = (uint16_t)v;
			return true;
		}
		break;
	}
	tt_cfg_errf(err, errlen, "bad port '%.*s%s': must be 1..65535", TT_TOKEN(s, len));
	return false;
}

bool tt_parse_port(const char *value, uint16_t *out, char *err, size_t errlen)
{
	return tt_cfg_parse_port(value, strlen(value), out, err, errlen);
}

bool tt_parse_bool(const char *value, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(value, yes[i])) {
			*out = true;
			return true;
		}
		if (!strcasecmp(value, no[i])) {
			*out = false;
			return true;
		}
	}
	tt_cfg_errf(err, errlen, "bad boolean '%.*s%s': expected yes/no, true/false, on/off or 1/0",
	            TT_TOKEN(value, strlen(value)));
	return false;
}

/* ---- hex ---- */

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode exactly 2*n hex digits of either case into n bytes. */
static bool hex_decode(const char *hex, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hex_nibble(hex[2 * i]), lo = hex_nibble(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

void tt_hex_format(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

bool tt_cfg_parse_pubkey(const char *s, size_t len, uint8_t out[TT_PUBKEY_SIZE],
                         char *err, size_t errlen)
{
	if (len != 2 * TT_PUBKEY_SIZE) {
		tt_cfg_errf(err, errlen, "bad public key '%.*s%s': expected %d hex digits, got %zu",
		            TT_TOKEN(s, len), 2 * TT_PUBKEY_SIZE, len);
		return false;
	}
	if (!hex_decode(s, TT_PUBKEY_SIZE, out)) {
		tt_cfg_errf(err, errlen, "bad public key '%.*s%s': not hexadecimal", TT_TOKEN(s, len));
		return false;
	}
	return true;
}

bool tt_parse_pubkey(const char *hex, uint8_t out[TT_PUBKEY_SIZE], char *err, size_t errlen)
{
	return tt_cfg_parse_pubkey(hex, strlen(hex), out, err, errlen);
}

/* ---- Tox IDs ---- */

/* The last two bytes of a Tox ID are the XOR of the even and of the odd bytes
 * before them (public key + nospam); they catch typos in IDs copied by hand. */
static void toxid_checksum(const uint8_t id[TT_TOX_ID_SIZE], uint8_t sum[2])
{
	sum[0] = sum[1] = 0;
	for (size_t i = 0; i < TT_TOX_ID_SIZE - 2; i++)
		sum[i % 2] ^= id[i];
}

bool tt_cfg_parse_toxid(const char *s, size_t len, uint8_t out[TT_TOX_ID_SIZE],
                        char *err, size_t errlen)
{
	uint8_t id[TT_TOX_ID_SIZE], sum[2];

	if (len != 2 * TT_TOX_ID_SIZE) {
		tt_cfg_errf(err, errlen, "bad Tox ID '%.*s%s': expected %d hex digits, got %zu",
		            TT_TOKEN(s, len), 2 * TT_TOX_ID_SIZE, len);
		return false;
	}
	if (!hex_decode(s, TT_TOX_ID_SIZE, id)) {
		tt_cfg_errf(err, errlen, "bad Tox ID '%.*s%s': not hexadecimal", TT_TOKEN(s, len));
		return false;
	}
	toxid_checksum(id, sum);
	if (sum[0] != id[TT_TOX_ID_SIZE - 2] || sum[1] != id[TT_TOX_ID_SIZE - 1]) {
		tt_cfg_errf(err, errlen, "bad Tox ID '%.*s%s': checksum mismatch (mistyped?)",
		            TT_TOKEN(s, len));
		return false;
	}
	memcpy(out, id, TT_TOX_ID_SIZE);
	return true;
}

bool tt_toxid_parse(const char *hex, uint8_t out[TT_TOX_ID_SIZE], char *err, size_t errlen)
{
	return tt_cfg_parse_toxid(hex, strlen(hex), out, err, errlen);
}

void tt_toxid_format(const uint8_t id[TT_TOX_ID_SIZE], char out[2 * TT_TOX_ID_SIZE + 1])
{
	tt_hex_format(id, TT_TOX_ID_SIZE, out);
}

/* ---- hosts ---- */

static bool is_ipv4(const char *s)
{
	struct in_addr a;

	return inet_pton(AF_INET, s, &a) == 1;
}

static bool is_ipv6(const char *s)
{
	struct in6_addr a;

	return inet_pton(AF_INET6, s, &a) == 1;
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 1123 names: dot-separated labels of 1..63 letters, digits and inner
 * hyphens, 253 bytes at most, optionally with the root's trailing dot. */
bool tt_cfg_is_hostname(const char *s, size_t len)
{
	size_t label = 0;

	if (len > 0 && s[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return false;
			label = 0;
		} else if (is_alnum(s[i]) || (s[i] == '-' && label > 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return s[len - 1] != '-';
}

/* "10.1.2" or "300.1.1.1" would pass as host names, but nobody means a name
 * by them: a mistyped IPv4 address should be refused, not resolved. */
static bool looks_numeric(const char *s)
{
	for (; *s; s++) {
		if ((*s < '0' || *s > '9') && *s != '.')
			return false;
	}
	return true;
}

bool tt_cfg_check_host(const char *s, size_t len, bool bracketed, enum tt_host_kind kind,
                       char out[TT_HOST_MAX], char *err, size_t errlen)
{
	const char *lb = bracketed ? "[" : "", *rb = bracketed ? "]" : "";
	char buf[TT_HOST_MAX];
	const char *why = NULL;

	if (len == 0) {
		tt_cfg_errf(err, errlen, "bad host '%s%s': empty", lb, rb);
		return false;
	}
	if (len >= TT_HOST_MAX || memchr(s, '\0', len)) {
		tt_cfg_errf(err, errlen, "bad host '%s%.*s%s%s': longer than %d bytes",
		            lb, TT_TOKEN(s, len), rb, TT_HOST_MAX - 1);
		return false;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';

	if (bracketed) {
		if (!is_ipv6(buf))
			why = "not an IPv6 address";
	} else if (kind == TT_HOST_LISTEN) {
		if (strcmp(buf, "*") && !is_ipv4(buf))
			why = "a listen address must be an IP address or '*'";
	} else if (is_ipv4(buf) || (kind == TT_HOST_NODE && is_ipv6(buf))) {
		why = NULL;
	} else if (looks_numeric(buf)) {
		why = "not a valid IPv4 address";
	} else if (!tt_cfg_is_hostname(buf, len)) {
		why = "not an IP address or host name";
	}
	if (why) {
		tt_cfg_errf(err, errlen, "bad host '%s%.*s%s%s': %s", lb, TT_TOKEN(buf, len), rb, why);
		return false;
	}
	memcpy(out, buf, len + 1);
	return true;
}

/* ---- [tox] bootstrap / tcp_relay ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

bool tt_parse_node_entry(const char *value, struct tt_node_entry *out, char *err, size_t errlen)
{
	struct tt_node_entry e;
	const char *tok[3];
	size_t toklen[3];
	int n = 0;
	const char *p = value;

	memset(&e, 0, sizeof(e));
	/* Split at runs of blanks; count past three so that extra fields are
	 * refused rather than ignored. */
	while (*p) {
		const char *start;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		start = p;
		while (*p && !is_blank(*p))
			p++;
		if (n < 3) {
			tok[n] = start;
			toklen[n] = (size_t)(p - start);
		}
		n++;
	}
	if (n != 3) {
		tt_cfg_errf(err, errlen, "bad node '%.*s%s': expected HOST PORT PUBKEY, got %d fields",
		            TT_TOKEN(value, strlen(value)), n);
		return false;
	}
	/* "[::1]" is accepted too, for people used to writing IPv6 that way. */
	if (toklen[0] >= 2 && tok[0][0] == '[' && tok[0][toklen[0] - 1] == ']') {
		if (!tt_cfg_check_host(tok[0] + 1, toklen[0] - 2, true, TT_HOST_NODE, e.host, err, errlen))
			return false;
	} else if (!tt_cfg_check_host(tok[0], toklen[0], false, TT_HOST_NODE, e.host, err, errlen)) {
		return false;
	}
	if (!tt_cfg_parse_port(tok[1], toklen[1], &e.port, err, errlen))
		return false;
	if (!tt_cfg_parse_pubkey(tok[2], toklen[2], e.pubkey, err, errlen))
		return false;
	*out = e;
	return true;
}

bool tt_parse_endpoint(const char *value, char *host, size_t host_len, uint16_t *port, char *err,
                       size_t errlen)
{
	const char *colon = strrchr(value, ':');
	const char *h = value;
	size_t hlen;
	bool bracketed = value[0] == '[';
	char out[TT_HOST_MAX];

	if (!colon) {
		tt_cfg_errf(err, errlen, "'%s' is not HOST:PORT", value);
		return false;
	}
	hlen = (size_t)(colon - value);
	if (bracketed) {
		if (hlen < 2 || value[hlen - 1] != ']') {
			tt_cfg_errf(err, errlen, "'%s' is not [IPV6]:PORT", value);
			return false;
		}
		h++;
		hlen -= 2;
	}
	if (!tt_cfg_check_host(h, hlen, bracketed, TT_HOST_REMOTE, out, err, errlen) ||
	    !tt_cfg_parse_port(colon + 1, strlen(colon + 1), port, err, errlen))
		return false;
	if (strlen(out) >= host_len) {
		tt_cfg_errf(err, errlen, "host name too long");
		return false;
	}
	memcpy(host, out, strlen(out) + 1);
	return true;
}
