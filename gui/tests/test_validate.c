/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Validation shared with the daemon: the tray accepts exactly what
 * `tunnel` accepts, and blames the right field. */
#include <string.h>

#include "testutil.h"
#include "validate.h"

static char *id1;

/* The value the daemon's formatter writes from the dialog's fields (what
 * tray_tunnel_validate writes once they are valid). */
static char *compose(const char *const f[TF_COUNT])
{
	struct tt_tunnel_fields tf = { f[TF_KIND], f[TF_LISTEN_HOST], f[TF_LISTEN_PORT],
		                       f[TF_REMOTE_HOST], f[TF_REMOTE_PORT], f[TF_SERVER_ID] };
	size_t len = tt_format_tunnel_fields(&tf, NULL, 0);
	char *out = g_malloc(len + 1);

	tt_format_tunnel_fields(&tf, out, len + 1);
	return out;
}

/* The TF_KIND the editor opens a line with when it does not parse (a bad
 * "reverse:" line is still meant to be a reverse line). */
static const char *kind_word(const char *value)
{
	return tt_tunnel_prefix(tt_tunnel_kind_of(value, NULL));
}

static void fields_free(char *errors[TF_COUNT])
{
	for (int i = 0; i < TF_COUNT; i++)
		g_free(errors[i]);
}

static void test_good(void)
{
	const char *f[TF_COUNT] = { "ssh", "", "2222", "127.0.0.1", "22", id1, "" };
	const char *f6[TF_COUNT] = { "v6", "::1", "2222", "fd00::5", "22", id1, "" };
	const char *fs[TF_COUNT] = { "web", "*", "1080", "ignored", "", id1, TT_PREFIX_SOCKS };
	char *errors[TF_COUNT], *whole, *value, *expect;

	g_assert_true(tray_tunnel_validate(f, errors, &whole, &value));
	expect = g_strdup_printf("2222:127.0.0.1:22:%s", id1);
	g_assert_cmpstr(value, ==, expect);
	g_free(expect);
	g_free(value);

	/* IPv6 literals get their brackets. */
	g_assert_true(tray_tunnel_validate(f6, errors, &whole, &value));
	expect = g_strdup_printf("[::1]:2222:[fd00::5]:22:%s", id1);
	g_assert_cmpstr(value, ==, expect);
	g_free(expect);
	g_free(value);

	/* A SOCKS5 / HTTP proxy line: no destination. */
	g_assert_true(tray_tunnel_validate(fs, errors, &whole, &value));
	expect = g_strdup_printf("socks5:*:1080:%s", id1);
	g_assert_cmpstr(value, ==, expect);
	g_free(expect);
	g_free(value);
}

/* Each bad field is blamed alone, with the daemon's own message, whatever
 * the kind of line. */
static void test_blame(void)
{
	struct {
		TrayTunnelField field;
		const char *value;
	} cases[] = {
		{ TF_NAME, "bad name" },   { TF_LISTEN_HOST, "example.com" }, { TF_LISTEN_PORT, "0" },
		{ TF_LISTEN_PORT, "http" }, { TF_REMOTE_HOST, "bad_host!" },   { TF_REMOTE_PORT, "65536" },
		{ TF_SERVER_ID, "1234" },   { TF_LISTEN_HOST, "[10.0.0.1]" },  { TF_REMOTE_HOST, "300.1.1.1" },
	};
	const char *const kinds[] = { TT_PREFIX_FORWARD, TT_PREFIX_SOCKS, TT_PREFIX_REVERSE, TT_PREFIX_UDP };

	for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
		gboolean socks = strcmp(kinds[k], TT_PREFIX_SOCKS) == 0;

		for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
			const char *f[TF_COUNT] = { "ssh", "", "2222", "127.0.0.1", "22", id1, kinds[k] };
			char *errors[TF_COUNT], *whole, *value;
			gboolean unused = socks && (cases[c].field == TF_REMOTE_HOST || cases[c].field == TF_REMOTE_PORT);

			f[cases[c].field] = cases[c].value;
			if (unused) {
				/* A proxy has no destination: nothing to blame there. */
				g_assert_true(tray_tunnel_validate(f, errors, &whole, &value));
				g_assert_null(strstr(value, cases[c].value));
				g_free(value);
				continue;
			}
			g_assert_false(tray_tunnel_validate(f, errors, &whole, &value));
			g_assert_null(value);
			g_assert_null(whole);
			for (int i = 0; i < TF_COUNT; i++) {
				if (i == (int)cases[c].field)
					g_assert_nonnull(errors[i]);
				else
					g_assert_null(errors[i]);
			}
			/* The message names the bad text. */
			g_assert_nonnull(strstr(errors[cases[c].field], cases[c].value));
			fields_free(errors);
		}
	}
}

/* The message under a field of a reverse or udp line is the one `tunnel`
 * prints for that line. */
static void test_blame_daemon_message(void)
{
	struct {
		const char *kind, *line_fmt;
		TrayTunnelField field;
		const char *fields[TF_COUNT];
	} cases[] = {
		{ TT_PREFIX_REVERSE, "reverse:example.com:2222:127.0.0.1:22:%s", TF_LISTEN_HOST,
		  { "back", "example.com", "2222", "127.0.0.1", "22", NULL, TT_PREFIX_REVERSE } },
		{ TT_PREFIX_REVERSE, "reverse:2222:127.0.0.1:0:%s", TF_REMOTE_PORT,
		  { "back", "", "2222", "127.0.0.1", "0", NULL, TT_PREFIX_REVERSE } },
		{ TT_PREFIX_UDP, "udp:70000:10.0.0.1:53:%s", TF_LISTEN_PORT,
		  { "dns", "", "70000", "10.0.0.1", "53", NULL, TT_PREFIX_UDP } },
		{ TT_PREFIX_UDP, "udp:5353:no_such!:53:%s", TF_REMOTE_HOST,
		  { "dns", "", "5353", "no_such!", "53", NULL, TT_PREFIX_UDP } },
	};

	for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
		char *errors[TF_COUNT], *whole, *value, *line = g_strdup_printf(cases[c].line_fmt, id1);
		struct tt_client_tunnel t;
		char daemon_err[512];

		cases[c].fields[TF_SERVER_ID] = id1;
		g_assert_false(tray_tunnel_validate(cases[c].fields, errors, &whole, &value));
		g_assert_false(tt_parse_client_line(cases[c].fields[TF_NAME], line, &t, daemon_err, sizeof(daemon_err)));
		g_assert_cmpstr(errors[cases[c].field], ==, daemon_err);
		fields_free(errors);
		g_free(line);
	}
}

/* A kind the daemon does not know is blamed on the kind, and never written
 * as a forward line. */
static void test_unknown_kind(void)
{
	const char *f[TF_COUNT] = { "ssh", "", "2222", "127.0.0.1", "22", id1, "sideways" };
	char *errors[TF_COUNT], *whole, *value, *line, err[512];
	struct tt_client_tunnel t;

	g_assert_false(tray_tunnel_validate(f, errors, &whole, &value));
	g_assert_null(value);
	g_assert_nonnull(strstr(errors[TF_KIND], "sideways"));
	for (int i = 0; i < TF_KIND; i++)
		g_assert_null(errors[i]);
	fields_free(errors);
	line = compose(f);
	g_assert_true(g_str_has_prefix(line, "sideways:"));
	g_assert_false(tt_parse_client_line("ssh", line, &t, err, sizeof(err)));
	g_free(line);

	/* The kind of a line that does not parse, from its prefix. */
	g_assert_cmpstr(kind_word("reverse:2222:nope"), ==, TT_PREFIX_REVERSE);
	g_assert_cmpstr(kind_word("UDP:x"), ==, TT_PREFIX_UDP);
	g_assert_cmpstr(kind_word("socks5:"), ==, TT_PREFIX_SOCKS);
	g_assert_cmpstr(kind_word("reversed:1:2:3:4"), ==, TT_PREFIX_FORWARD);
	g_assert_cmpstr(kind_word("udp"), ==, TT_PREFIX_FORWARD);
	g_assert_cmpstr(kind_word("2222:127.0.0.1:22:x"), ==, TT_PREFIX_FORWARD);
}

static void test_checksum_message(void)
{
	char *bad = g_strdup(id1), *errors[TF_COUNT], *whole, *value;
	const char *f[TF_COUNT] = { "ssh", "", "2222", "127.0.0.1", "22", bad, "" };
	struct tt_client_tunnel t;
	char daemon_err[512], *line;

	/* A typo in the last digit: the checksum catches it. */
	bad[75] = bad[75] == '0' ? '1' : '0';
	g_assert_false(tray_tunnel_validate(f, errors, &whole, &value));
	g_assert_nonnull(strstr(errors[TF_SERVER_ID], "checksum"));
	/* The very message `tunnel` prints. */
	line = g_strdup_printf("2222:127.0.0.1:22:%s", bad);
	g_assert_false(tt_parse_client_line("ssh", line, &t, daemon_err, sizeof(daemon_err)));
	g_assert_cmpstr(errors[TF_SERVER_ID], ==, daemon_err);
	g_free(line);
	fields_free(errors);
	g_free(bad);
}

static void test_split(void)
{
	char *err = NULL, *line = g_strdup_printf("*:8080:10.0.0.5:80:%s", id1);
	char **f = tray_tunnel_split("wiki", line, &err);

	g_assert_nonnull(f);
	g_assert_cmpstr(f[TF_NAME], ==, "wiki");
	g_assert_cmpstr(f[TF_LISTEN_HOST], ==, "*");
	g_assert_cmpstr(f[TF_LISTEN_PORT], ==, "8080");
	g_assert_cmpstr(f[TF_REMOTE_HOST], ==, "10.0.0.5");
	g_assert_cmpstr(f[TF_REMOTE_PORT], ==, "80");
	g_assert_cmpstr(f[TF_SERVER_ID], ==, id1);
	g_strfreev(f);
	g_free(line);

	/* Without a listen address the field stays empty (not "127.0.0.1"). */
	line = g_strdup_printf("2222:[::1]:22:%s", id1);
	f = tray_tunnel_split("ssh", line, &err);
	g_assert_cmpstr(f[TF_LISTEN_HOST], ==, "");
	g_assert_cmpstr(f[TF_REMOTE_HOST], ==, "::1");
	{
		char *back = compose((const char *const *)f);

		g_assert_cmpstr(back, ==, line);
		g_free(back);
	}
	g_strfreev(f);
	g_free(line);

	/* A proxy line, with and without a listen address. */
	line = g_strdup_printf("socks5:1080:%s", id1);
	f = tray_tunnel_split("proxy", line, &err);
	g_assert_nonnull(f);
	g_assert_cmpstr(f[TF_KIND], ==, TT_PREFIX_SOCKS);
	g_assert_cmpstr(f[TF_LISTEN_HOST], ==, "");
	g_assert_cmpstr(f[TF_LISTEN_PORT], ==, "1080");
	{
		char *back = compose((const char *const *)f);

		g_assert_cmpstr(back, ==, line);
		g_free(back);
	}
	g_strfreev(f);
	g_free(line);
	line = g_strdup_printf("socks5:[::1]:1080:%s", id1);
	f = tray_tunnel_split("proxy", line, &err);
	g_assert_cmpstr(f[TF_LISTEN_HOST], ==, "::1");
	g_strfreev(f);
	g_free(line);

	g_assert_null(tray_tunnel_split("ssh", "2222:127.0.0.1:22", &err));
	g_assert_nonnull(err);
	g_free(err);
}

/* Every kind of line, split into fields and composed again, is the same
 * line; the fields validate to it too, and the tunnel list says where it
 * listens and where it goes. */
static void test_round_trip(void)
{
	const struct {
		const char *fmt; /* %s: the server's Tox ID */
		const char *kind, *listen_host, *listen_port, *remote_host, *remote_port;
		const char *listen_text, *dest_text;
	} cases[] = {
		{ "2222:127.0.0.1:22:%s", TT_PREFIX_FORWARD, "", "2222", "127.0.0.1", "22", "127.0.0.1:2222",
		  "127.0.0.1:22" },
		{ "*:8080:wiki.lan:80:%s", TT_PREFIX_FORWARD, "*", "8080", "wiki.lan", "80", "*:8080", "wiki.lan:80" },
		{ "[::1]:2222:[fd00::5]:22:%s", TT_PREFIX_FORWARD, "::1", "2222", "fd00::5", "22", "[::1]:2222",
		  "[fd00::5]:22" },
		{ "socks5:1080:%s", TT_PREFIX_SOCKS, "", "1080", "", "", "127.0.0.1:1080", "any (SOCKS5 / HTTP proxy)" },
		{ "socks5:[::]:1080:%s", TT_PREFIX_SOCKS, "::", "1080", "", "", "[::]:1080", "any (SOCKS5 / HTTP proxy)" },
		{ "reverse:2222:127.0.0.1:22:%s", TT_PREFIX_REVERSE, "", "2222", "127.0.0.1", "22",
		  "server 127.0.0.1:2222", "local 127.0.0.1:22" },
		{ "reverse:*:8080:localhost:3000:%s", TT_PREFIX_REVERSE, "*", "8080", "localhost", "3000",
		  "server *:8080", "local localhost:3000" },
		{ "reverse:10.0.0.2:2222:[::1]:22:%s", TT_PREFIX_REVERSE, "10.0.0.2", "2222", "::1", "22",
		  "server 10.0.0.2:2222", "local [::1]:22" },
		{ "reverse:[fd00::1]:2222:192.168.1.5:22:%s", TT_PREFIX_REVERSE, "fd00::1", "2222", "192.168.1.5", "22",
		  "server [fd00::1]:2222", "local 192.168.1.5:22" },
		{ "udp:5353:10.0.0.1:53:%s", TT_PREFIX_UDP, "", "5353", "10.0.0.1", "53", "udp 127.0.0.1:5353",
		  "udp 10.0.0.1:53" },
		{ "udp:0.0.0.0:5353:dns.lan:53:%s", TT_PREFIX_UDP, "0.0.0.0", "5353", "dns.lan", "53",
		  "udp 0.0.0.0:5353", "udp dns.lan:53" },
		{ "udp:[::1]:5353:[2001:db8::53]:53:%s", TT_PREFIX_UDP, "::1", "5353", "2001:db8::53", "53",
		  "udp [::1]:5353", "udp [2001:db8::53]:53" },
	};

	for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
		char *line = g_strdup_printf(cases[c].fmt, id1), *err = NULL, *back, *listen, *dest;
		char *errors[TF_COUNT], *whole, *value;
		char **f = tray_tunnel_split("t1", line, &err);

		if (!f)
			g_error("%s: %s", line, err);
		g_assert_cmpstr(f[TF_NAME], ==, "t1");
		g_assert_cmpstr(f[TF_KIND], ==, cases[c].kind);
		g_assert_cmpstr(f[TF_LISTEN_HOST], ==, cases[c].listen_host);
		g_assert_cmpstr(f[TF_LISTEN_PORT], ==, cases[c].listen_port);
		g_assert_cmpstr(f[TF_REMOTE_HOST], ==, cases[c].remote_host);
		g_assert_cmpstr(f[TF_REMOTE_PORT], ==, cases[c].remote_port);
		g_assert_cmpstr(f[TF_SERVER_ID], ==, id1);
		g_assert_null(f[TF_COUNT]);

		back = compose((const char *const *)f);
		g_assert_cmpstr(back, ==, line);
		g_assert_true(tray_tunnel_validate((const char *const *)f, errors, &whole, &value));
		g_assert_cmpstr(value, ==, line);

		tray_tunnel_describe((const char *const *)f, &listen, &dest);
		g_assert_cmpstr(listen, ==, cases[c].listen_text);
		g_assert_cmpstr(dest, ==, cases[c].dest_text);
		g_free(listen);
		g_free(dest);
		g_free(value);
		g_free(back);
		g_strfreev(f);
		g_free(line);
	}
}

/* The kind is read whatever its case, and written as the daemon documents
 * it; the line means the same. */
static void test_kind_case(void)
{
	char *line = g_strdup_printf("Reverse:2222:127.0.0.1:22:%s", id1), *err = NULL, *back;
	char **f = tray_tunnel_split("back", line, &err);
	struct tt_client_tunnel a, b;
	char msg[512];

	g_assert_nonnull(f);
	g_assert_cmpstr(f[TF_KIND], ==, TT_PREFIX_REVERSE);
	back = compose((const char *const *)f);
	g_assert_true(g_str_has_prefix(back, "reverse:2222:"));
	g_assert_true(tt_parse_client_line("back", line, &a, msg, sizeof(msg)));
	g_assert_true(tt_parse_client_line("back", back, &b, msg, sizeof(msg)));
	g_assert_cmpint(a.kind, ==, TT_TUNNEL_REVERSE);
	g_assert_cmpint(b.kind, ==, TT_TUNNEL_REVERSE);
	g_assert_cmpstr(a.listen_host, ==, b.listen_host);
	g_assert_cmpuint(a.listen_port, ==, b.listen_port);
	g_assert_cmpstr(a.remote_host, ==, b.remote_host);
	g_assert_cmpuint(a.remote_port, ==, b.remote_port);
	g_assert_cmpmem(a.server_id, sizeof(a.server_id), b.server_id, sizeof(b.server_id));
	g_free(back);
	g_strfreev(f);
	g_free(line);
}

/* What the dialog does when the kind is changed: the same fields make a
 * line of the new kind (a proxy drops the destination). */
static void test_change_kind(void)
{
	const char *kinds[] = { TT_PREFIX_REVERSE, TT_PREFIX_UDP, TT_PREFIX_SOCKS, TT_PREFIX_FORWARD };
	const char *expect[] = { "reverse:2222:127.0.0.1:22:%s", "udp:2222:127.0.0.1:22:%s", "socks5:2222:%s",
		                 "2222:127.0.0.1:22:%s" };

	for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
		const char *f[TF_COUNT] = { "t", "", "2222", "127.0.0.1", "22", id1, kinds[k] };
		char *errors[TF_COUNT], *whole, *value, *want = g_strdup_printf(expect[k], id1);
		struct tt_client_tunnel t;
		char msg[512];

		g_assert_true(tray_tunnel_validate(f, errors, &whole, &value));
		g_assert_cmpstr(value, ==, want);
		g_assert_true(tt_parse_client_line("t", value, &t, msg, sizeof(msg)));
		g_assert_cmpint(t.kind, ==, k == 0 ? TT_TUNNEL_REVERSE : k == 1 ? TT_TUNNEL_UDP : k == 2 ? TT_TUNNEL_SOCKS
		                                                                                        : TT_TUNNEL_FORWARD);
		g_free(value);
		g_free(want);
	}
}

static void test_permit_allow(void)
{
	char *err = NULL, *key;

	g_assert_true(tray_validate_permit("10.0.0.0/8:*", &err));
	g_assert_true(tray_validate_permit("*:22", &err));
	g_assert_true(tray_validate_permit("[fd00::1]:443", &err));
	g_assert_false(tray_validate_permit("10.0.0.1", &err));
	g_assert_nonnull(err);
	g_clear_pointer(&err, g_free);
	g_assert_false(tray_validate_permit("10.0.0.1:22 ; x", &err));
	g_clear_pointer(&err, g_free);

	/* permit_listen: a port alone (loopback), ip:port, '*' for either. */
	g_assert_true(tray_validate_permit_listen("2222", &err));
	g_assert_true(tray_validate_permit_listen("*", &err));
	g_assert_true(tray_validate_permit_listen("*:*", &err));
	g_assert_true(tray_validate_permit_listen("0.0.0.0:8080", &err));
	g_assert_true(tray_validate_permit_listen("[::1]:2222", &err));
	g_assert_null(err);
	g_assert_false(tray_validate_permit_listen("70000", &err));
	g_assert_nonnull(strstr(err, "70000"));
	g_clear_pointer(&err, g_free);
	g_assert_false(tray_validate_permit_listen("ssh", &err));
	g_assert_nonnull(err);
	g_clear_pointer(&err, g_free);
	g_assert_false(tray_validate_permit_listen("2222\n[client]", &err));
	g_assert_nonnull(err);
	g_clear_pointer(&err, g_free);
	/* Not the same syntax as permit: a lone port is no permit. */
	g_assert_false(tray_validate_permit("2222", &err));
	g_clear_pointer(&err, g_free);

	/* A whole Tox ID pasted as an allow entry becomes its public key. */
	key = tray_allow_normalize(id1, &err);
	g_assert_cmpuint(strlen(key), ==, 64);
	g_assert_true(strncmp(key, id1, 64) == 0);
	g_assert_true(tray_validate_allow(key, &err));
	g_free(key);
	g_assert_null(tray_allow_normalize("ABC", &err));
	g_assert_nonnull(err);
	g_free(err);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	id1 = test_tox_id(7);
	g_test_add_func("/validate/good", test_good);
	g_test_add_func("/validate/blame", test_blame);
	g_test_add_func("/validate/blame-daemon-message", test_blame_daemon_message);
	g_test_add_func("/validate/unknown-kind", test_unknown_kind);
	g_test_add_func("/validate/round-trip", test_round_trip);
	g_test_add_func("/validate/kind-case", test_kind_case);
	g_test_add_func("/validate/change-kind", test_change_kind);
	g_test_add_func("/validate/checksum-message", test_checksum_message);
	g_test_add_func("/validate/split", test_split);
	g_test_add_func("/validate/permit-allow", test_permit_allow);
	rc = g_test_run();
	g_free(id1);
	return rc;
}
