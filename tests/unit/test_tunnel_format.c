/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the [client] line formatter (tt_format_client_line and
 * tt_format_tunnel_fields, include/toxtun/config.h): what it writes is read
 * back by tt_parse_client_line as the same tunnel, and a line in the
 * formatter's own spelling comes back byte for byte, for every kind of line. */
#include <string.h>

#include "check.h"
#include "toxtun/config.h"
#include "toxtun/config_keys.h"

#define ID1 "A5A02FECA08E3EAC7E646B89C0507A8AAF9136E05DC756FF09F86230951820670F908F2E7719"

/* Every kind, with and without the listen address, with IPv6 literals,
 * '*' and host names. */
static const struct {
	const char *line;
	enum tt_tunnel_kind kind;
} lines[] = {
	{ "2222:127.0.0.1:22:" ID1, TT_TUNNEL_FORWARD },
	{ "*:8080:wiki.lan:80:" ID1, TT_TUNNEL_FORWARD },
	{ "10.0.0.2:8080:10.0.0.5:80:" ID1, TT_TUNNEL_FORWARD },
	{ "[::1]:2222:[fd00::5]:22:" ID1, TT_TUNNEL_FORWARD },
	{ "2222:[2001:db8::1]:22:" ID1, TT_TUNNEL_FORWARD },
	{ "socks5:1080:" ID1, TT_TUNNEL_SOCKS },
	{ "socks5:*:1080:" ID1, TT_TUNNEL_SOCKS },
	{ "socks5:[::]:1080:" ID1, TT_TUNNEL_SOCKS },
	{ "socks5:0.0.0.0:1080:" ID1, TT_TUNNEL_SOCKS },
	{ "reverse:2222:127.0.0.1:22:" ID1, TT_TUNNEL_REVERSE },
	{ "reverse:*:8080:localhost:3000:" ID1, TT_TUNNEL_REVERSE },
	{ "reverse:[fd00::1]:2222:[::1]:22:" ID1, TT_TUNNEL_REVERSE },
	{ "reverse:10.0.0.2:2222:192.168.1.5:22:" ID1, TT_TUNNEL_REVERSE },
	{ "udp:5353:10.0.0.1:53:" ID1, TT_TUNNEL_UDP },
	{ "udp:*:5353:dns.lan:53:" ID1, TT_TUNNEL_UDP },
	{ "udp:[::1]:5353:[2001:db8::53]:53:" ID1, TT_TUNNEL_UDP },
	{ "udp:0.0.0.0:65535:dns.lan.:1:" ID1, TT_TUNNEL_UDP },
};

static bool same_tunnel(const struct tt_client_tunnel *a, const struct tt_client_tunnel *b)
{
	return a->kind == b->kind && !strcmp(a->name, b->name) && !strcmp(a->listen_host, b->listen_host) &&
	       a->listen_port == b->listen_port && !strcmp(a->remote_host, b->remote_host) &&
	       a->remote_port == b->remote_port && !memcmp(a->server_id, b->server_id, TT_TOX_ID_SIZE) &&
	       a->listen_given == b->listen_given;
}

/* parse -> format is the line; format -> parse is the tunnel. */
static void test_round_trip(void)
{
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct tt_client_tunnel t, back;
		char out[512], err[256];
		size_t len;

		if (!CHECK(tt_parse_client_line("t1", lines[i].line, &t, err, sizeof(err)))) {
			fprintf(stderr, "  %s: %s\n", lines[i].line, err);
			continue;
		}
		CHECK_EQ_I(t.kind, lines[i].kind);
		len = tt_format_client_line(&t, out, sizeof(out));
		CHECK_EQ_U(len, strlen(lines[i].line));
		CHECK_STR(out, lines[i].line);
		if (CHECK(tt_parse_client_line("t1", out, &back, err, sizeof(err))))
			CHECK(same_tunnel(&t, &back));
	}
}

/* Other spellings of the same tunnel come out in the formatter's: the
 * prefix in lower case, the Tox ID in upper case, ports without leading
 * zeros. */
static void test_canonical(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "REVERSE:2222:localhost:22:" ID1, "reverse:2222:localhost:22:" ID1 },
		{ "Socks5:01080:" ID1, "socks5:1080:" ID1 },
		{ "udp:[::1]:53:h:53:a5a02feca08e3eac7e646b89c0507a8aaf9136e05dc756ff09f86230951820670f908f2e7719",
		  "udp:[::1]:53:h:53:" ID1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tt_client_tunnel t;
		char out[512], err[256];

		if (CHECK(tt_parse_client_line("t", cases[i].in, &t, err, sizeof(err)))) {
			tt_format_client_line(&t, out, sizeof(out));
			CHECK_STR(out, cases[i].out);
		}
	}
}

/* Like snprintf: the length of the whole value, and what fits. */
static void test_short_buffer(void)
{
	struct tt_client_tunnel t;
	char out[16], err[256];
	const char *line = "socks5:1080:" ID1;

	CHECK(tt_parse_client_line("p", line, &t, err, sizeof(err)));
	CHECK_EQ_U(tt_format_client_line(&t, out, sizeof(out)), strlen(line));
	CHECK_EQ_U(strlen(out), sizeof(out) - 1);
	CHECK(!strncmp(out, line, sizeof(out) - 1));
	CHECK_EQ_U(tt_format_client_line(&t, NULL, 0), strlen(line));
}

/* Fields as typed: written as given, IPv6 literals bracketed once, an
 * omitted listen address left out, a proxy without its destination, and an
 * unknown kind kept so that the parser refuses the line. */
static void test_fields(void)
{
	struct tt_tunnel_fields f = { NULL, NULL, "2222", "fd00::5", "22", "ID" };
	struct tt_client_tunnel t;
	char out[256], err[256];

	tt_format_tunnel_fields(&f, out, sizeof(out));
	CHECK_STR(out, "2222:[fd00::5]:22:ID");
	f.listen_host = "[::1]";
	f.remote_host = "host";
	tt_format_tunnel_fields(&f, out, sizeof(out));
	CHECK_STR(out, "[::1]:2222:host:22:ID");
	f.kind = TT_PREFIX_SOCKS;
	f.listen_host = "";
	tt_format_tunnel_fields(&f, out, sizeof(out));
	CHECK_STR(out, "socks5:2222:ID");
	f.kind = "sideways";
	f.server_id = ID1;
	tt_format_tunnel_fields(&f, out, sizeof(out));
	CHECK_STR(out, "sideways:2222:host:22:" ID1);
	CHECK(!tt_parse_client_line("t", out, &t, err, sizeof(err)));
	/* Bad text stays bad text: the parser is the judge. */
	f.kind = TT_PREFIX_UDP;
	f.listen_port = "http";
	tt_format_tunnel_fields(&f, out, sizeof(out));
	CHECK_STR(out, "udp:http:host:22:" ID1);
	CHECK(!tt_parse_client_line("t", out, &t, err, sizeof(err)) && strstr(err, "bad port 'http'"));
}

/* The kind a value names by its prefix, whatever the rest. */
static void test_kinds(void)
{
	size_t skip = 99;

	CHECK_EQ_I(tt_tunnel_kind_of("reverse:2222:nope", &skip), TT_TUNNEL_REVERSE);
	CHECK_EQ_U(skip, 8);
	CHECK_EQ_I(tt_tunnel_kind_of("UDP:x", &skip), TT_TUNNEL_UDP);
	CHECK_EQ_I(tt_tunnel_kind_of("socks5:", &skip), TT_TUNNEL_SOCKS);
	CHECK_EQ_U(skip, 7);
	CHECK_EQ_I(tt_tunnel_kind_of("reversed:1:2:3:4", &skip), TT_TUNNEL_FORWARD);
	CHECK_EQ_U(skip, 0);
	CHECK_EQ_I(tt_tunnel_kind_of("udp", NULL), TT_TUNNEL_FORWARD);
	CHECK_STR(tt_tunnel_prefix(TT_TUNNEL_FORWARD), "");
	CHECK_STR(tt_tunnel_prefix(TT_TUNNEL_SOCKS), TT_PREFIX_SOCKS);
	CHECK(tt_client_key_is_setting("socks_user") && tt_client_key_is_setting("SOCKS_PASS"));
	CHECK(!tt_client_key_is_setting("ssh"));
}

int main(void)
{
	RUN(test_round_trip);
	RUN(test_canonical);
	RUN(test_short_buffer);
	RUN(test_fields);
	RUN(test_kinds);
	return check_report();
}
