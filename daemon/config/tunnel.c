/* SPDX-License-Identifier: GPL-3.0-or-later */
/* [client] lines: name = [KIND:][localip:]localport:remoteip:remoteport:toxid
 * with KIND reverse or udp, or name = socks5:[localip:]localport:toxid. Read
 * by the loader, written by the tray's editor: the parser and the formatter
 * are both here, each the inverse of the other. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config_internal.h"
#include "toxtun/config_keys.h"

#define TUNNEL_SYNTAX "[localip:]localport:remoteip:remoteport:toxid"
#define REVERSE_SYNTAX TT_PREFIX_REVERSE ":[serverip:]serverport:localhost:localport:toxid"
#define UDP_SYNTAX TT_PREFIX_UDP ":" TUNNEL_SYNTAX
#define SOCKS_SYNTAX TT_PREFIX_SOCKS ":[localip:]localport:toxid"

/* Each kind's prefix, indexed by enum tt_tunnel_kind. */
static const char *const prefixes[] = {
	[TT_TUNNEL_FORWARD] = TT_PREFIX_FORWARD,
	[TT_TUNNEL_SOCKS] = TT_PREFIX_SOCKS,
	[TT_TUNNEL_REVERSE] = TT_PREFIX_REVERSE,
	[TT_TUNNEL_UDP] = TT_PREFIX_UDP,
};

const char *tt_tunnel_prefix(enum tt_tunnel_kind kind)
{
	return prefixes[kind];
}

enum tt_tunnel_kind tt_tunnel_kind_of(const char *value, size_t *prefix_len)
{
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (n && !strncasecmp(value, prefixes[i], n) && value[n] == ':') {
			if (prefix_len)
				*prefix_len = n + 1;
			return (enum tt_tunnel_kind)i;
		}
	}
	if (prefix_len)
		*prefix_len = 0;
	return TT_TUNNEL_FORWARD;
}

bool tt_client_key_is_setting(const char *key)
{
	return !strcasecmp(key, TT_KEY_NAME) || !strcasecmp(key, TT_KEY_SOCKS_USER) ||
	       !strcasecmp(key, TT_KEY_SOCKS_PASS);
}

/* One colon-separated field. raw is the text as written, for messages and for
 * fields that are not hosts; p/len is the same text without IPv6 brackets. */
struct field {
	const char *raw;
	size_t raw_len;
	const char *p;
	size_t len;
	bool bracketed;
};

/* Cut at ':' except inside [...]. At most max fields are stored, but all are
 * counted so the caller can say how many there were. Returns -1 on an
 * unclosed bracket. */
static int split_fields(const char *s, struct field *f, int max, char *err, size_t errlen)
{
	int n = 0;

	for (;;) {
		struct field cur = { .raw = s };

		if (*s == '[') {
			/* A second '[' before the ']' means this one was never closed. */
			const char *close = s + 1 + strcspn(s + 1, "[]");

			if (*close != ']') {
				tt_cfg_errf(err, errlen, "bad host '%.*s%s': unclosed '['",
				            TT_TOKEN(s, (size_t)(close - s)));
				return -1;
			}
			cur.p = s + 1;
			cur.len = (size_t)(close - s - 1);
			cur.bracketed = true;
			s = close + 1;
			/* "[::1]x:..." : let the junk ride along in raw; the host
			 * check below refuses it. */
			if (*s != ':' && *s != '\0') {
				cur.p = cur.raw;
				cur.bracketed = false;
				s += strcspn(s, ":");
				cur.len = (size_t)(s - cur.raw);
			}
		} else {
			cur.p = s;
			s += strcspn(s, ":");
			cur.len = (size_t)(s - cur.raw);
		}
		cur.raw_len = (size_t)(s - cur.raw);
		if (n < max)
			f[n] = cur;
		n++;
		if (*s == '\0')
			return n;
		s++; /* the ':' */
	}
}

/* Tunnel names show up in logs and on the control socket, so they stay
 * plain: letters, digits, '_', '-', '.'. */
static bool check_tunnel_name(const char *name, char *err, size_t errlen)
{
	size_t len = strlen(name);
	bool ok = len > 0 && len < TT_NAME_MAX;

	for (size_t i = 0; ok && i < len; i++) {
		char c = name[i];

		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '_' || c == '-' || c == '.';
	}
	if (!ok) {
		tt_cfg_errf(err, errlen,
		            "bad tunnel name '%.*s%s': use 1..%d letters, digits, '_', '-' or '.'",
		            TT_TOKEN(name, len), TT_NAME_MAX - 1);
		return false;
	}
	/* The loader reads such a line as the setting, never as a tunnel. */
	if (tt_client_key_is_setting(name)) {
		tt_cfg_errf(err, errlen, "bad tunnel name '%s': a setting of [%s] has that name",
		            name, TT_SECTION_CLIENT);
		return false;
	}
	return true;
}

/* socks5:[localip:]localport:toxid - a local SOCKS5 / HTTP CONNECT proxy
 * whose every connection goes where the client asks, through the server. */
static bool parse_socks_line(struct tt_client_tunnel *t, const char *value,
                             struct tt_client_tunnel *out, char *err, size_t errlen)
{
	struct field f[3];
	const struct field *rest;
	int n = split_fields(value, f, 3, err, errlen);

	if (n < 0)
		return false;
	if (n != 2 && n != 3) {
		tt_cfg_errf(err, errlen,
		            "bad tunnel '" TT_PREFIX_SOCKS ":%.*s%s': expected " SOCKS_SYNTAX ", got %d field%s",
		            TT_TOKEN(value, strlen(value)), n, n == 1 ? "" : "s");
		return false;
	}
	if (n == 3) {
		if (!tt_cfg_check_host(f[0].p, f[0].len, f[0].bracketed, TT_HOST_LISTEN,
		                       t->listen_host, err, errlen))
			return false;
		t->listen_given = true;
		rest = f + 1;
	} else {
		strcpy(t->listen_host, "127.0.0.1");
		rest = f;
	}
	if (!tt_cfg_parse_port(rest[0].raw, rest[0].raw_len, &t->listen_port, err, errlen))
		return false;
	if (!tt_cfg_parse_toxid(rest[1].raw, rest[1].raw_len, t->server_id, err, errlen))
		return false;
	t->kind = TT_TUNNEL_SOCKS;
	*out = *t;
	return true;
}

static const char *kind_syntax(enum tt_tunnel_kind kind)
{
	return kind == TT_TUNNEL_REVERSE ? REVERSE_SYNTAX : kind == TT_TUNNEL_UDP ? UDP_SYNTAX
	                                                                         : TUNNEL_SYNTAX;
}

bool tt_parse_client_line(const char *name, const char *value,
                          struct tt_client_tunnel *out, char *err, size_t errlen)
{
	struct tt_client_tunnel t;
	struct field f[5];
	const struct field *rest;
	size_t skip;
	int n;

	memset(&t, 0, sizeof(t));
	if (!check_tunnel_name(name, err, errlen))
		return false;
	strcpy(t.name, name); /* length checked above */

	t.kind = tt_tunnel_kind_of(value, &skip);
	value += skip;
	if (t.kind == TT_TUNNEL_SOCKS)
		return parse_socks_line(&t, value, out, err, errlen);
	/* reverse: and udp: lines have the shape of a forward line; for reverse
	 * the listening address is on the server, the destination here. */
	n = split_fields(value, f, 5, err, errlen);
	if (n < 0)
		return false;
	if (n != 4 && n != 5) {
		tt_cfg_errf(err, errlen, "bad tunnel '%s%s%.*s%s': expected %s, got %d field%s%s",
		            prefixes[t.kind], skip ? ":" : "", TT_TOKEN(value, strlen(value)), kind_syntax(t.kind), n,
		            n == 1 ? "" : "s",
		            n > 5 ? " (IPv6 addresses go in brackets)" : "");
		return false;
	}

	if (n == 5) {
		if (!tt_cfg_check_host(f[0].p, f[0].len, f[0].bracketed, TT_HOST_LISTEN,
		                       t.listen_host, err, errlen))
			return false;
		t.listen_given = true;
		rest = f + 1;
	} else {
		/* Like ssh -L: without an address, listen on loopback only. */
		strcpy(t.listen_host, "127.0.0.1");
		rest = f;
	}
	if (!tt_cfg_parse_port(rest[0].raw, rest[0].raw_len, &t.listen_port, err, errlen))
		return false;
	if (!tt_cfg_check_host(rest[1].p, rest[1].len, rest[1].bracketed, TT_HOST_REMOTE,
	                       t.remote_host, err, errlen))
		return false;
	if (!tt_cfg_parse_port(rest[2].raw, rest[2].raw_len, &t.remote_port, err, errlen))
		return false;
	if (!tt_cfg_parse_toxid(rest[3].raw, rest[3].raw_len, t.server_id, err, errlen))
		return false;

	*out = t;
	return true;
}

/* ---- writing ---- */

/* Text appended like snprintf: len counts everything, buf holds what fits. */
struct out {
	char *buf;
	size_t n, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(o->len < o->n ? o->buf + o->len : NULL, o->len < o->n ? o->n - o->len : 0, fmt, ap);
	va_end(ap);
	if (k > 0)
		o->len += (size_t)k;
}

/* "HOST:", an IPv6 literal in the brackets that keep its colons apart from
 * the line's. */
static void put_host(struct out *o, const char *host)
{
	put(o, strchr(host, ':') && host[0] != '[' ? "[%s]:" : "%s:", host);
}

#define TEXT(s) ((s) ? (s) : "")

size_t tt_format_tunnel_fields(const struct tt_tunnel_fields *f, char *out, size_t n)
{
	struct out o = { out, n, 0 };
	const char *kind = TEXT(f->kind);

	if (n > 0)
		out[0] = '\0';
	if (*kind)
		put(&o, "%s:", kind);
	if (f->listen_host && *f->listen_host)
		put_host(&o, f->listen_host);
	put(&o, "%s:", TEXT(f->listen_port));
	/* A proxy has no destination: each connection names its own. */
	if (strcasecmp(kind, TT_PREFIX_SOCKS) != 0) {
		put_host(&o, TEXT(f->remote_host));
		put(&o, "%s:", TEXT(f->remote_port));
	}
	put(&o, "%s", TEXT(f->server_id));
	return o.len;
}

size_t tt_format_client_line(const struct tt_client_tunnel *t, char *out, size_t n)
{
	char listen_port[8], remote_port[8], id[2 * TT_TOX_ID_SIZE + 1];
	struct tt_tunnel_fields f = {
		.kind = prefixes[t->kind],
		.listen_host = t->listen_given ? t->listen_host : NULL,
		.listen_port = listen_port,
		.remote_host = t->remote_host,
		.remote_port = remote_port,
		.server_id = id,
	};

	snprintf(listen_port, sizeof(listen_port), "%u", t->listen_port);
	snprintf(remote_port, sizeof(remote_port), "%u", t->remote_port);
	tt_toxid_format(t->server_id, id);
	return tt_format_tunnel_fields(&f, out, n);
}
