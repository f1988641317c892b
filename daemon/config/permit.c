/* SPDX-License-Identifier: GPL-3.0-or-later */
/* [server] permit = HOST:PORT and allow = PUBKEY, and the checks the server
 * runs against them for every stream a client opens. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"

/* ---- parsing ---- */

/* A network written as ADDR/BITS; the host part may be [IPv6]. The stored
 * form is canonical ("fd00::/8"), so tt_permit_check can parse it back. */
static bool parse_cidr(const char *addr, size_t addr_len, bool bracketed,
                       const char *bits, size_t bits_len, struct tt_permit *p,
                       char *err, size_t errlen)
{
	char host[TT_HOST_MAX], text[INET6_ADDRSTRLEN];
	unsigned max = bracketed ? 128 : 32;
	uint64_t prefix = 0;
	enum tt_uint_result r;
	const char *lb = bracketed ? "[" : "", *rb = bracketed ? "]" : "";
	struct in6_addr a;

	if (addr_len == 0 || addr_len >= sizeof(host)) {
		tt_cfg_errf(err, errlen, "bad CIDR '%s%.*s%s%s/%.*s%s': network must be an IP address",
		            lb, TT_TOKEN(addr, addr_len), rb, TT_TOKEN(bits, bits_len));
		return false;
	}
	memcpy(host, addr, addr_len);
	host[addr_len] = '\0';
	if (inet_pton(bracketed ? AF_INET6 : AF_INET, host, &a) != 1) {
		tt_cfg_errf(err, errlen, "bad CIDR '%s%s%s/%.*s%s': network must be an %s address%s",
		            lb, host, rb, TT_TOKEN(bits, bits_len), bracketed ? "IPv6" : "IPv4",
		            bracketed ? "" : " (IPv6 networks go in brackets)");
		return false;
	}
	r = tt_cfg_parse_uint(bits, bits_len, max, &prefix);
	if (r != TT_UINT_OK) {
		tt_cfg_errf(err, errlen, "bad CIDR '%s%s%s/%.*s%s': prefix length must be 0..%u",
		            lb, host, rb, TT_TOKEN(bits, bits_len), max);
		return false;
	}
	/* Stored canonical: inet_ntop's spelling and no leading zeros. */
	inet_ntop(bracketed ? AF_INET6 : AF_INET, &a, text, sizeof(text));
	snprintf(p->host, sizeof(p->host), "%s/%u", text, (unsigned)prefix);
	return true;
}

/* HOST of HOST:PORT, already cut out; bits is the text after a '/' or NULL. */
static bool parse_permit_host(const char *host, size_t len, bool bracketed,
                              const char *bits, size_t bits_len, struct tt_permit *p,
                              char *err, size_t errlen)
{
	if (!bracketed && len == 1 && host[0] == '*' && !bits) {
		p->any_host = true;
		strcpy(p->host, "*");
		return true;
	}
	if (bits)
		return parse_cidr(host, len, bracketed, bits, bits_len, p, err, errlen);
	return tt_cfg_check_host(host, len, bracketed, TT_HOST_REMOTE, p->host, err, errlen);
}

/* HOST:PORT cut into its parts. bits is the prefix length after a '/', or
 * NULL; colon points at the ':' before the port. */
struct permit_parts {
	const char *host, *bits, *colon;
	size_t hlen, bits_len;
	bool bracketed;
};

/* "[v6]:P", "[v6]/N:P", and "[v6/N]:P" as people also write it. */
static bool split_bracketed(const char *value, struct permit_parts *pp, char *err, size_t errlen)
{
	size_t vlen = strlen(value);
	const char *close = value + 1 + strcspn(value + 1, "[]"), *slash;

	if (*close != ']') {
		tt_cfg_errf(err, errlen, "bad host '%.*s%s': unclosed '['", TT_TOKEN(value, vlen));
		return false;
	}
	pp->bracketed = true;
	pp->host = value + 1;
	pp->hlen = (size_t)(close - pp->host);
	pp->colon = close + 1;
	slash = memchr(pp->host, '/', pp->hlen);
	if (slash) {
		pp->bits = slash + 1;
		pp->bits_len = (size_t)(close - pp->bits);
		pp->hlen = (size_t)(slash - pp->host);
	} else if (*pp->colon == '/') {
		pp->bits = pp->colon + 1;
		pp->bits_len = strcspn(pp->bits, ":");
		pp->colon = pp->bits + pp->bits_len;
	}
	if (*pp->colon != ':') {
		tt_cfg_errf(err, errlen, "bad permit '%.*s%s': expected HOST:PORT", TT_TOKEN(value, vlen));
		return false;
	}
	return true;
}

static bool split_plain(const char *value, struct permit_parts *pp, char *err, size_t errlen)
{
	size_t vlen = strlen(value);
	const char *slash;

	pp->colon = strchr(value, ':');
	if (!pp->colon) {
		tt_cfg_errf(err, errlen, "bad permit '%.*s%s': expected HOST:PORT", TT_TOKEN(value, vlen));
		return false;
	}
	/* Which colon would end an unbracketed IPv6 address? Refuse to guess. */
	if (strchr(pp->colon + 1, ':')) {
		tt_cfg_errf(err, errlen,
		            "bad permit '%.*s%s': IPv6 addresses go in brackets, e.g. [fd00::1]:22",
		            TT_TOKEN(value, vlen));
		return false;
	}
	pp->host = value;
	pp->hlen = (size_t)(pp->colon - value);
	slash = memchr(pp->host, '/', pp->hlen);
	if (slash) {
		pp->bits = slash + 1;
		pp->bits_len = (size_t)(pp->colon - pp->bits);
		pp->hlen = (size_t)(slash - pp->host);
	}
	return true;
}

bool tt_parse_permit(const char *value, struct tt_permit *out, char *err, size_t errlen)
{
	struct permit_parts pp;
	struct tt_permit p;

	memset(&pp, 0, sizeof(pp));
	memset(&p, 0, sizeof(p));
	if (value[0] == '[' ? !split_bracketed(value, &pp, err, errlen)
	                    : !split_plain(value, &pp, err, errlen))
		return false;
	if (!parse_permit_host(pp.host, pp.hlen, pp.bracketed, pp.bits, pp.bits_len, &p, err, errlen))
		return false;
	if (!strcmp(pp.colon + 1, "*"))
		p.port = 0;
	else if (!tt_parse_port(pp.colon + 1, &p.port, err, errlen))
		return false;
	*out = p;
	return true;
}

/* permit_listen = [ip:]port: without an address, loopback only; "*" for
 * the address allows any, for the port every port. */
bool tt_parse_permit_listen(const char *value, struct tt_permit *out, char *err, size_t errlen)
{
	struct tt_permit p;

	if (!strchr(value, ':')) {
		memset(&p, 0, sizeof(p));
		p.loopback = true;
		if (strcmp(value, "*") && !tt_parse_port(value, &p.port, err, errlen))
			return false;
		*out = p;
		return true;
	}
	return tt_parse_permit(value, out, err, errlen);
}

/* ---- checking ---- */

/* Every address is compared in IPv6 form: IPv4 a.b.c.d becomes the mapped
 * ::ffff:a.b.c.d and an IPv4 prefix /n becomes /96+n. That way 10.0.0.0/8
 * also covers ::ffff:10.1.2.3, which is what a dual-stack resolver hands out
 * for the same host, and one comparison serves both families. */
struct net {
	uint8_t a[16];
	unsigned bits;
};

static bool parse_addr(const char *s, struct net *n)
{
	struct in_addr v4;

	if (inet_pton(AF_INET6, s, n->a) == 1) {
		n->bits = 128;
		return true;
	}
	if (inet_pton(AF_INET, s, &v4) == 1) {
		memset(n->a, 0, 10);
		n->a[10] = n->a[11] = 0xff;
		memcpy(n->a + 12, &v4, 4);
		n->bits = 128;
		return true;
	}
	return false;
}

/* An entry's host as a network; false when it is a name (or "*"). */
static bool parse_net(const char *host, struct net *n)
{
	char addr[TT_HOST_MAX];
	const char *slash = strchr(host, '/');
	uint64_t bits = 0;
	size_t len;

	if (!slash)
		return parse_addr(host, n);
	len = (size_t)(slash - host);
	if (len >= sizeof(addr))
		return false;
	memcpy(addr, host, len);
	addr[len] = '\0';
	if (!parse_addr(addr, n))
		return false;
	if (tt_cfg_parse_uint(slash + 1, strlen(slash + 1), 128, &bits) != TT_UINT_OK)
		return false;
	/* The entry was validated on load; an IPv4 prefix counts after the 96
	 * bits of the ::ffff: mapping. */
	n->bits = strchr(addr, ':') ? (unsigned)bits : 96 + (unsigned)bits;
	if (n->bits > 128)
		return false;
	return true;
}

static bool net_contains(const struct net *net, const uint8_t a[16])
{
	unsigned full = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->a, a, full))
		return false;
	if (rest == 0)
		return true;
	return ((net->a[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Names compare case-insensitively and with or without the root's dot. */
static bool same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static bool is_loopback(const uint8_t a[16])
{
	static const struct net v4 = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127 }, 104 };
	static const struct net v6 = { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128 };

	return net_contains(&v4, a) || net_contains(&v6, a);
}

static bool permit_matches(const struct tt_permit *p, const char *requested_name,
                           const struct net *addr, uint16_t port)
{
	struct net net;

	if (p->port != 0 && p->port != port)
		return false;
	if (p->any_host)
		return true;
	if (parse_net(p->host, &net))
		return addr && net_contains(&net, addr->a);
	return requested_name && same_name(p->host, requested_name);
}

bool tt_permit_check(const struct tt_config *cfg, const char *requested_name,
                     const char *addr, uint16_t port)
{
	struct net a;
	bool have_addr = addr && parse_addr(addr, &a);

	if (cfg->n_permits == 0)
		return have_addr && is_loopback(a.a);
	for (size_t i = 0; i < cfg->n_permits; i++) {
		if (permit_matches(&cfg->permits[i], requested_name, have_addr ? &a : NULL, port))
			return true;
	}
	return false;
}

bool tt_allow_check(const struct tt_config *cfg, const uint8_t pubkey[TT_PUBKEY_SIZE])
{
	if (cfg->n_allow == 0)
		return cfg->approve == TT_APPROVE_AUTO;
	for (size_t i = 0; i < cfg->n_allow; i++) {
		if (!memcmp(cfg->allow[i], pubkey, TT_PUBKEY_SIZE))
			return true;
	}
	return false;
}

bool tt_permit_listen_check(const struct tt_config *cfg, const char *host, uint16_t port)
{
	struct net a;
	bool have_addr = parse_addr(host, &a);

	for (size_t i = 0; i < cfg->n_permit_listen; i++) {
		const struct tt_permit *p = &cfg->permit_listen[i];

		if (p->port != 0 && p->port != port)
			continue;
		if (p->loopback ? have_addr && is_loopback(a.a)
		                : permit_matches(p, host, have_addr ? &a : NULL, port))
			return true;
	}
	return false;
}
