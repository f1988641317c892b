/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the ini loader and the validators of include/toxtun/config.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "toxtun/config.h"

static int passed, failed, group_failed;

#define CHECK(cond) check((cond), #cond, __FILE__, __LINE__)

static bool check(bool ok, const char *what, const char *file, int line)
{
	if (ok) {
		passed++;
	} else {
		failed++;
		group_failed++;
		fprintf(stderr, "  %s:%d: check failed: %s\n", file, line, what);
	}
	return ok;
}

static void group(const char *name, void (*fn)(void))
{
	group_failed = 0;
	fn();
	printf("%-4s %s\n", group_failed ? "FAIL" : "ok", name);
}

/* Real Tox IDs with valid checksums (the first two are from the spec). */
#define ID1 "A5A02FECA08E3EAC7E646B89C0507A8AAF9136E05DC756FF09F86230951820670F908F2E7719"
#define ID2 "6BA28AC06C1D57783FE017FA9322D0B356E61404C92155A04F64F3B19C75633E8BDDEFFA4856"
#define ID3 "56A1ADE4B65B86BCD51CC73E2CD4E542179F47959FE3E0E21B4B0ACDADE51855D34D34D37CB5"
/* ID1 with its last digit changed: the checksum no longer matches. */
#define ID1_BADSUM "A5A02FECA08E3EAC7E646B89C0507A8AAF9136E05DC756FF09F86230951820670F908F2E7718"
#define KEY1 "F404ABAA1C99A9D37D61AB54898F56793E1DEF8BD46B1038B9D822E8460FAB67"
#define KEY2 "3F0A45A268367C1BEA652F258C85F4A66DA76BCAA667A49E770BCC4917AB6A25"

#define INI "/etc/toxtun/test.ini"

static char err[1024];

/* ---- helpers ---- */

/* The loader, its error put into err the way `tunnel` prints it. */
static bool load_buffer(const char *path, const char *text, size_t len, struct tt_config **cfg)
{
	struct tt_error e;

	if (tt_config_load_buffer(path, text, len, cfg, &e))
		return true;
	tt_error_format(&e, path, err, sizeof(err));
	return false;
}

static bool load_file(const char *path, struct tt_config **cfg)
{
	struct tt_error e;

	if (tt_config_load(path, cfg, &e))
		return true;
	tt_error_format(&e, path, err, sizeof(err));
	return false;
}

static struct tt_config *load_as(const char *path, const char *text)
{
	struct tt_config *cfg = NULL;

	err[0] = '\0';
	if (!load_buffer(path, text, strlen(text), &cfg)) {
		fprintf(stderr, "  unexpected error: %s\n", err);
		return NULL;
	}
	return cfg;
}

static struct tt_config *load(const char *text)
{
	return load_as(INI, text);
}

/* The text must be refused with "INI:LINE: ..." containing phrase. */
static bool refused(const char *text, int line, const char *phrase)
{
	static struct tt_config sentinel;
	struct tt_config *cfg = &sentinel; /* must stay untouched */
	char prefix[64];
	bool ok;

	err[0] = '\0';
	if (load_buffer(INI, text, strlen(text), &cfg)) {
		fprintf(stderr, "  accepted but should fail with '%s':\n%s\n", phrase, text);
		tt_config_free(cfg);
		return false;
	}
	snprintf(prefix, sizeof(prefix), INI ":%d: ", line);
	ok = strncmp(err, prefix, strlen(prefix)) == 0 && strstr(err, phrase) != NULL &&
	     cfg == &sentinel && !strchr(err, '\n');
	if (!ok)
		fprintf(stderr, "  expected '%s...%s', got '%s'\n", prefix, phrase, err);
	return ok;
}

/* A validator must fail and say phrase. */
static bool says(bool result, const char *phrase)
{
	if (result) {
		fprintf(stderr, "  accepted, expected '%s'\n", phrase);
		return false;
	}
	if (!strstr(err, phrase)) {
		fprintf(stderr, "  expected '%s', got '%s'\n", phrase, err);
		return false;
	}
	return true;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	tt_hex_format(b, n, out);
}

static char tmpdir[64];

static const char *write_file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
	return path;
}

/* ---- validators ---- */

static void test_hex_and_toxid(void)
{
	uint8_t id[TT_TOX_ID_SIZE], bytes[3] = { 0x00, 0xab, 0xff };
	char hex[2 * TT_TOX_ID_SIZE + 1], lower[2 * TT_TOX_ID_SIZE + 1];

	to_hex(bytes, 3, hex);
	CHECK(!strcmp(hex, "00ABFF"));
	to_hex(bytes, 0, hex);
	CHECK(!strcmp(hex, ""));

	CHECK(tt_toxid_parse(ID1, id, err, sizeof(err)));
	tt_toxid_format(id, hex);
	CHECK(!strcmp(hex, ID1));
	CHECK(id[0] == 0xA5 && id[37] == 0x19);

	/* Either case on input, upper case on output. */
	for (size_t i = 0; i <= strlen(ID2); i++)
		lower[i] = (char)(ID2[i] >= 'A' && ID2[i] <= 'F' ? ID2[i] + 32 : ID2[i]);
	CHECK(tt_toxid_parse(lower, id, err, sizeof(err)));
	tt_toxid_format(id, hex);
	CHECK(!strcmp(hex, ID2));
	CHECK(tt_toxid_parse(ID3, id, err, sizeof(err)));

	CHECK(says(tt_toxid_parse(ID1_BADSUM, id, err, sizeof(err)), "checksum mismatch"));
	CHECK(says(tt_toxid_parse(ID1_BADSUM, id, err, sizeof(err)), "bad Tox ID '" ID1_BADSUM "'"));
	CHECK(says(tt_toxid_parse("A5A0", id, err, sizeof(err)), "expected 76 hex digits, got 4"));
	CHECK(says(tt_toxid_parse(ID1 "00", id, err, sizeof(err)), "got 78"));
	CHECK(says(tt_toxid_parse("", id, err, sizeof(err)), "got 0"));
	memcpy(lower, ID1, sizeof(ID1));
	lower[10] = 'G';
	CHECK(says(tt_toxid_parse(lower, id, err, sizeof(err)), "not hexadecimal"));

	/* A tiny or missing error buffer is fine. */
	CHECK(!tt_toxid_parse("x", id, err, 1) && err[0] == '\0');
	CHECK(!tt_toxid_parse("x", id, NULL, 0));
}

static void test_scalars(void)
{
	uint16_t port = 0;
	bool b = false;
	uint8_t key[TT_PUBKEY_SIZE];
	char hex[2 * TT_PUBKEY_SIZE + 1];
	static const char *const truthy[] = { "yes", "YES", "true", "True", "on", "1" };
	static const char *const falsy[] = { "no", "No", "false", "FALSE", "off", "0" };

	CHECK(tt_parse_port("1", &port, err, sizeof(err)) && port == 1);
	CHECK(tt_parse_port("65535", &port, err, sizeof(err)) && port == 65535);
	CHECK(tt_parse_port("00080", &port, err, sizeof(err)) && port == 80);
	CHECK(says(tt_parse_port("0", &port, err, sizeof(err)), "bad port '0': must be 1..65535"));
	CHECK(says(tt_parse_port("65536", &port, err, sizeof(err)), "bad port '65536'"));
	CHECK(says(tt_parse_port("99999999999999999999999", &port, err, sizeof(err)), "must be 1..65535"));
	CHECK(says(tt_parse_port("http", &port, err, sizeof(err)), "bad port 'http': not a number"));
	CHECK(says(tt_parse_port("-1", &port, err, sizeof(err)), "not a number"));
	CHECK(says(tt_parse_port("+1", &port, err, sizeof(err)), "not a number"));
	CHECK(says(tt_parse_port("8080 ", &port, err, sizeof(err)), "not a number"));
	CHECK(says(tt_parse_port("0x50", &port, err, sizeof(err)), "not a number"));
	CHECK(says(tt_parse_port("", &port, err, sizeof(err)), "bad port ''"));

	for (size_t i = 0; i < 6; i++) {
		b = false;
		CHECK(tt_parse_bool(truthy[i], &b, err, sizeof(err)) && b);
		b = true;
		CHECK(tt_parse_bool(falsy[i], &b, err, sizeof(err)) && !b);
	}
	CHECK(says(tt_parse_bool("maybe", &b, err, sizeof(err)), "bad boolean 'maybe'"));
	CHECK(says(tt_parse_bool("", &b, err, sizeof(err)), "bad boolean"));
	CHECK(says(tt_parse_bool("yess", &b, err, sizeof(err)), "expected yes/no"));

	CHECK(tt_parse_pubkey(KEY1, key, err, sizeof(err)));
	to_hex(key, sizeof(key), hex);
	CHECK(!strcmp(hex, KEY1));
	CHECK(says(tt_parse_pubkey("F404", key, err, sizeof(err)),
	           "bad public key 'F404': expected 64 hex digits, got 4"));
	CHECK(says(tt_parse_pubkey(ID1, key, err, sizeof(err)), "got 76"));
	CHECK(says(tt_parse_pubkey("Z404ABAA1C99A9D37D61AB54898F56793E1DEF8BD46B1038B9D822E8460FAB67",
	                           key, err, sizeof(err)), "not hexadecimal"));
}

static void test_node_entry(void)
{
	struct tt_node_entry e;
	char hex[2 * TT_PUBKEY_SIZE + 1];

	CHECK(tt_parse_node_entry("node.tox.biribiri.org 33445 " KEY1, &e, err, sizeof(err)));
	CHECK(!strcmp(e.host, "node.tox.biribiri.org") && e.port == 33445);
	to_hex(e.pubkey, TT_PUBKEY_SIZE, hex);
	CHECK(!strcmp(hex, KEY1));
	CHECK(tt_parse_node_entry("  10.1.2.3\t443   " KEY2 "  ", &e, err, sizeof(err)));
	CHECK(!strcmp(e.host, "10.1.2.3") && e.port == 443);
	CHECK(tt_parse_node_entry("2001:db8::1 33445 " KEY1, &e, err, sizeof(err)));
	CHECK(!strcmp(e.host, "2001:db8::1"));
	CHECK(tt_parse_node_entry("[2001:db8::2] 33445 " KEY1, &e, err, sizeof(err)));
	CHECK(!strcmp(e.host, "2001:db8::2"));

	CHECK(says(tt_parse_node_entry("host 33445", &e, err, sizeof(err)),
	           "bad node 'host 33445': expected HOST PORT PUBKEY, got 2 fields"));
	CHECK(says(tt_parse_node_entry("host 1 " KEY1 " extra", &e, err, sizeof(err)), "got 4 fields"));
	CHECK(says(tt_parse_node_entry("host 0 " KEY1, &e, err, sizeof(err)), "bad port '0'"));
	CHECK(says(tt_parse_node_entry("host 1 ABCD", &e, err, sizeof(err)), "bad public key 'ABCD'"));
	CHECK(says(tt_parse_node_entry("bad_host 1 " KEY1, &e, err, sizeof(err)),
	           "bad host 'bad_host': not an IP address or host name"));
	CHECK(says(tt_parse_node_entry("[fd00::1 1 " KEY1, &e, err, sizeof(err)), "bad host"));
	CHECK(says(tt_parse_node_entry("[1.2.3.4] 1 " KEY1, &e, err, sizeof(err)), "not an IPv6 address"));
}

/* HOST:PORT as `tunnel pipe` takes it. */
static void test_endpoint(void)
{
	char host[TT_HOST_MAX];
	uint16_t port;

	CHECK(tt_parse_endpoint("db.internal:5432", host, sizeof(host), &port, err, sizeof(err)));
	CHECK(!strcmp(host, "db.internal") && port == 5432);
	CHECK(tt_parse_endpoint("10.0.0.5:22", host, sizeof(host), &port, err, sizeof(err)));
	CHECK(!strcmp(host, "10.0.0.5") && port == 22);
	CHECK(tt_parse_endpoint("[fd00::7]:443", host, sizeof(host), &port, err, sizeof(err)));
	CHECK(!strcmp(host, "fd00::7") && port == 443);
	CHECK(says(tt_parse_endpoint("host", host, sizeof(host), &port, err, sizeof(err)),
	           "'host' is not HOST:PORT"));
	CHECK(says(tt_parse_endpoint("host:0", host, sizeof(host), &port, err, sizeof(err)), "bad port '0'"));
	CHECK(says(tt_parse_endpoint("host:70000", host, sizeof(host), &port, err, sizeof(err)), "bad port"));
	CHECK(says(tt_parse_endpoint("fd00::7:443", host, sizeof(host), &port, err, sizeof(err)), "bad host"));
	CHECK(says(tt_parse_endpoint("[fd00::7:443", host, sizeof(host), &port, err, sizeof(err)),
	           "is not [IPV6]:PORT"));
	CHECK(says(tt_parse_endpoint("bad_host:1", host, sizeof(host), &port, err, sizeof(err)), "bad host"));
	CHECK(says(tt_parse_endpoint("hh:22", host, 2, &port, err, sizeof(err)), "host name too long"));
}

static void test_client_line(void)
{
	struct tt_client_tunnel t;
	uint8_t id[TT_TOX_ID_SIZE];
	char longname[400];

	tt_toxid_parse(ID1, id, NULL, 0);
	CHECK(tt_parse_client_line("toxtun1", "*:81:127.0.0.1:8181:" ID1, &t, err, sizeof(err)));
	CHECK(!strcmp(t.name, "toxtun1") && !strcmp(t.listen_host, "*") && t.listen_port == 81);
	CHECK(!strcmp(t.remote_host, "127.0.0.1") && t.remote_port == 8181);
	CHECK(!memcmp(t.server_id, id, sizeof(id)) && t.line == 0);

	/* No local address: loopback, like ssh -L. */
	CHECK(tt_parse_client_line("t2", "8282:127.0.0.1:8282:" ID2, &t, err, sizeof(err)));
	CHECK(!strcmp(t.listen_host, "127.0.0.1") && t.listen_port == 8282);

	/* IPv6 in brackets, stored without them. */
	CHECK(tt_parse_client_line("v6", "[::1]:8080:[fd00::5]:22:" ID3, &t, err, sizeof(err)));
	CHECK(!strcmp(t.listen_host, "::1") && t.listen_port == 8080);
	CHECK(!strcmp(t.remote_host, "fd00::5") && t.remote_port == 22);
	CHECK(tt_parse_client_line("v6b", "[::]:8080:db.internal.example:5432:" ID3, &t, err, sizeof(err)));
	CHECK(!strcmp(t.listen_host, "::") && !strcmp(t.remote_host, "db.internal.example"));
	CHECK(tt_parse_client_line("a-b_c.d", "0.0.0.0:1:localhost:65535:" ID1, &t, err, sizeof(err)));
	CHECK(!strcmp(t.remote_host, "localhost") && t.remote_port == 65535);

	/* Wrong number of fields, with a hint when IPv6 lost its brackets. */
	CHECK(says(tt_parse_client_line("t", "81:127.0.0.1:" ID1, &t, err, sizeof(err)),
	           "bad tunnel '81:127.0.0.1:" ID1 "': expected [localip:]localport:remoteip:remoteport:toxid, got 3 fields"));
	CHECK(says(tt_parse_client_line("t", "::1:81:h:22:" ID1, &t, err, sizeof(err)),
	           "got 7 fields (IPv6 addresses go in brackets)"));
	CHECK(says(tt_parse_client_line("t", "", &t, err, sizeof(err)), "got 1 field"));

	/* Hosts. */
	CHECK(says(tt_parse_client_line("t", "[::1:8080:h:22:" ID1, &t, err, sizeof(err)),
	           "bad host '[::1:8080:h:22:"));
	CHECK(says(tt_parse_client_line("t", "[::1:8080:h:22:" ID1, &t, err, sizeof(err)), "unclosed '['"));
	CHECK(says(tt_parse_client_line("t", "[::1:8080:[fd00::5]:22:" ID1, &t, err, sizeof(err)),
	           "unclosed '['"));
	CHECK(says(tt_parse_client_line("t", ":8080:h:22:" ID1, &t, err, sizeof(err)), "bad host '': empty"));
	CHECK(says(tt_parse_client_line("t", "8080::22:" ID1, &t, err, sizeof(err)), "bad host '': empty"));
	CHECK(says(tt_parse_client_line("t", "[]:8080:h:22:" ID1, &t, err, sizeof(err)), "bad host '[]': empty"));
	CHECK(says(tt_parse_client_line("t", "localhost:8080:h:22:" ID1, &t, err, sizeof(err)),
	           "bad host 'localhost': a listen address must be an IP address or '*'"));
	CHECK(says(tt_parse_client_line("t", "8080:bad_name:22:" ID1, &t, err, sizeof(err)),
	           "bad host 'bad_name': not an IP address or host name"));
	CHECK(says(tt_parse_client_line("t", "8080:999.1.1.1:22:" ID1, &t, err, sizeof(err)),
	           "bad host '999.1.1.1': not a valid IPv4 address"));
	CHECK(says(tt_parse_client_line("t", "8080:[1.2.3.4]:22:" ID1, &t, err, sizeof(err)),
	           "bad host '[1.2.3.4]': not an IPv6 address"));
	CHECK(says(tt_parse_client_line("t", "[::1]x:8080:h:22:" ID1, &t, err, sizeof(err)),
	           "bad host '[::1]x'"));
	CHECK(says(tt_parse_client_line("t", "8080:-h:22:" ID1, &t, err, sizeof(err)), "bad host '-h'"));
	CHECK(says(tt_parse_client_line("t", "8080:a..b:22:" ID1, &t, err, sizeof(err)), "bad host 'a..b'"));
	snprintf(longname, sizeof(longname), "8080:%0256d:22:%s", 0, ID1);
	memset(longname + 5, 'a', 256);
	CHECK(says(tt_parse_client_line("t", longname, &t, err, sizeof(err)), "longer than 255 bytes"));

	/* Ports. */
	CHECK(says(tt_parse_client_line("t", "0:h:22:" ID1, &t, err, sizeof(err)), "bad port '0'"));
	CHECK(says(tt_parse_client_line("t", "81:h:70000:" ID1, &t, err, sizeof(err)),
	           "bad port '70000': must be 1..65535"));
	CHECK(says(tt_parse_client_line("t", "*:web:h:22:" ID1, &t, err, sizeof(err)),
	           "bad port 'web': not a number"));

	/* The server's Tox ID. */
	CHECK(says(tt_parse_client_line("t", "81:h:22:ABC", &t, err, sizeof(err)),
	           "bad Tox ID 'ABC': expected 76 hex digits, got 3"));
	CHECK(says(tt_parse_client_line("t", "81:h:22:" ID1_BADSUM, &t, err, sizeof(err)), "checksum mismatch"));
	CHECK(says(tt_parse_client_line("t", "81:h:22:[" ID1 "]", &t, err, sizeof(err)), "bad Tox ID"));

	/* Names. */
	CHECK(says(tt_parse_client_line("my tunnel", "81:h:22:" ID1, &t, err, sizeof(err)),
	           "bad tunnel name 'my tunnel'"));
	CHECK(says(tt_parse_client_line("", "81:h:22:" ID1, &t, err, sizeof(err)), "bad tunnel name ''"));
	memset(longname, 'n', 128);
	longname[128] = '\0';
	CHECK(says(tt_parse_client_line(longname, "81:h:22:" ID1, &t, err, sizeof(err)), "bad tunnel name"));
	longname[127] = '\0';
	CHECK(tt_parse_client_line(longname, "81:h:22:" ID1, &t, err, sizeof(err)));
}

static void test_permit_parse(void)
{
	struct tt_permit p;

	CHECK(tt_parse_permit("*:*", &p, err, sizeof(err)) && p.any_host && p.port == 0);
	CHECK(!strcmp(p.host, "*"));
	CHECK(tt_parse_permit("*:22", &p, err, sizeof(err)) && p.any_host && p.port == 22);
	CHECK(tt_parse_permit("10.0.0.0/8:*", &p, err, sizeof(err)) && !p.any_host && p.port == 0);
	CHECK(!strcmp(p.host, "10.0.0.0/8"));
	CHECK(tt_parse_permit("10.0.0.0/08:80", &p, err, sizeof(err)) && !strcmp(p.host, "10.0.0.0/8"));
	CHECK(tt_parse_permit("[fd00::]/8:22", &p, err, sizeof(err)) && !strcmp(p.host, "fd00::/8"));
	CHECK(p.port == 22);
	CHECK(tt_parse_permit("[fd00::/8]:22", &p, err, sizeof(err)) && !strcmp(p.host, "fd00::/8"));
	CHECK(says(tt_parse_permit("[fd00::/8]/8:22", &p, err, sizeof(err)), "expected HOST:PORT"));
	CHECK(says(tt_parse_permit("[fd00::/x]:22", &p, err, sizeof(err)), "bad CIDR '[fd00::]/x'"));
	CHECK(tt_parse_permit("[FD00:0::1]/128:22", &p, err, sizeof(err)) && !strcmp(p.host, "fd00::1/128"));
	CHECK(tt_parse_permit("[::1]:22", &p, err, sizeof(err)) && !strcmp(p.host, "::1"));
	CHECK(tt_parse_permit("192.168.1.5:443", &p, err, sizeof(err)) && !strcmp(p.host, "192.168.1.5"));
	CHECK(p.port == 443);
	CHECK(tt_parse_permit("Intranet.Example.COM:80", &p, err, sizeof(err)));
	CHECK(!strcmp(p.host, "Intranet.Example.COM") && !p.any_host);

	CHECK(says(tt_parse_permit("10.0.0.1", &p, err, sizeof(err)), "bad permit '10.0.0.1': expected HOST:PORT"));
	CHECK(says(tt_parse_permit("fd00::1:22", &p, err, sizeof(err)), "IPv6 addresses go in brackets"));
	CHECK(says(tt_parse_permit("[fd00::1:22", &p, err, sizeof(err)), "bad host '[fd00::1:22': unclosed '['"));
	CHECK(says(tt_parse_permit("[fd00::1]22", &p, err, sizeof(err)), "expected HOST:PORT"));
	CHECK(says(tt_parse_permit("[fd00::]/8", &p, err, sizeof(err)), "expected HOST:PORT"));
	CHECK(says(tt_parse_permit(":22", &p, err, sizeof(err)), "bad host '': empty"));
	CHECK(says(tt_parse_permit("host:", &p, err, sizeof(err)), "bad port ''"));
	CHECK(says(tt_parse_permit("host:0", &p, err, sizeof(err)), "bad port '0'"));
	CHECK(says(tt_parse_permit("host:**", &p, err, sizeof(err)), "bad port '**'"));
	CHECK(says(tt_parse_permit("10.0.0.0/33:22", &p, err, sizeof(err)),
	           "bad CIDR '10.0.0.0/33': prefix length must be 0..32"));
	CHECK(says(tt_parse_permit("[fd00::]/129:22", &p, err, sizeof(err)), "prefix length must be 0..128"));
	CHECK(says(tt_parse_permit("10.0.0.0/:22", &p, err, sizeof(err)), "bad CIDR"));
	CHECK(says(tt_parse_permit("example.com/8:22", &p, err, sizeof(err)),
	           "bad CIDR 'example.com/8': network must be an IPv4 address"));
	CHECK(says(tt_parse_permit("[1.2.3.4]/8:22", &p, err, sizeof(err)), "must be an IPv6 address"));
	CHECK(says(tt_parse_permit("*/8:22", &p, err, sizeof(err)), "bad CIDR"));
	CHECK(says(tt_parse_permit("a_b:22", &p, err, sizeof(err)), "bad host 'a_b'"));
}

static struct tt_config *with_permits(const char *lines)
{
	char text[1024];

	snprintf(text, sizeof(text), "[server]\n%s", lines);
	return load(text);
}

static void test_permit_check(void)
{
	struct tt_config *cfg;

	/* No permit line: loopback only. */
	cfg = with_permits("");
	if (CHECK(cfg != NULL)) {
		CHECK(tt_permit_check(cfg, "localhost", "127.0.0.1", 80));
		CHECK(tt_permit_check(cfg, "127.1.2.3", "127.1.2.3", 1));
		CHECK(tt_permit_check(cfg, "localhost", "::1", 22));
		CHECK(tt_permit_check(cfg, "x", "::ffff:127.0.0.1", 22));
		CHECK(!tt_permit_check(cfg, "x", "128.0.0.1", 22));
		CHECK(!tt_permit_check(cfg, "x", "10.0.0.1", 22));
		CHECK(!tt_permit_check(cfg, "x", "::2", 22));
		CHECK(!tt_permit_check(cfg, "x", "::ffff:10.0.0.1", 22));
		CHECK(!tt_permit_check(cfg, "localhost", "not-an-address", 22));
		CHECK(!tt_permit_check(cfg, "localhost", NULL, 22));
		tt_config_free(cfg);
	}

	cfg = with_permits("permit = 10.0.0.0/8:*\n"
	                   "permit = [fd00::]/8:22\n"
	                   "permit = 192.168.1.5:443\n"
	                   "permit = Intranet.Example.com:80\n"
	                   "permit = *:8080\n");
	if (CHECK(cfg != NULL && cfg->n_permits == 5)) {
		CHECK(tt_permit_check(cfg, "a", "10.1.2.3", 1));
		CHECK(tt_permit_check(cfg, "a", "10.255.255.255", 65535));
		CHECK(tt_permit_check(cfg, "a", "::ffff:10.9.9.9", 5)); /* mapped form */
		CHECK(!tt_permit_check(cfg, "a", "11.0.0.1", 1));
		CHECK(!tt_permit_check(cfg, "a", "127.0.0.1", 1)); /* permits replace the default */
		CHECK(tt_permit_check(cfg, "a", "fd12:3456::1", 22));
		CHECK(tt_permit_check(cfg, "a", "fdff:ffff::1", 22));
		CHECK(!tt_permit_check(cfg, "a", "fd12:3456::1", 23));
		CHECK(!tt_permit_check(cfg, "a", "fe00::1", 22));
		CHECK(tt_permit_check(cfg, "a", "192.168.1.5", 443));
		CHECK(!tt_permit_check(cfg, "a", "192.168.1.5", 444));
		CHECK(!tt_permit_check(cfg, "a", "192.168.1.6", 443));
		CHECK(tt_permit_check(cfg, "intranet.example.COM", "203.0.113.9", 80));
		CHECK(tt_permit_check(cfg, "intranet.example.com.", "203.0.113.9", 80));
		CHECK(!tt_permit_check(cfg, "intranet.example.com", "203.0.113.9", 81));
		CHECK(!tt_permit_check(cfg, "other.example.com", "203.0.113.9", 80));
		CHECK(!tt_permit_check(cfg, NULL, "203.0.113.9", 80));
		CHECK(tt_permit_check(cfg, "anything", "198.51.100.1", 8080));
		CHECK(tt_permit_check(cfg, "anything", NULL, 8080));
		tt_config_free(cfg);
	}

	/* Odd prefix lengths and IPv6 networks that cover mapped IPv4. */
	cfg = with_permits("permit = 172.16.0.0/12:*\n"
	                   "permit = [::ffff:192.0.2.0]/120:*\n"
	                   "permit = [2001:db8:8000::]/33:*\n"
	                   "permit = 0.0.0.0/0:7\n");
	if (CHECK(cfg != NULL)) {
		CHECK(tt_permit_check(cfg, "a", "172.31.255.255", 1));
		CHECK(!tt_permit_check(cfg, "a", "172.32.0.0", 1));
		CHECK(!tt_permit_check(cfg, "a", "172.15.255.255", 1));
		CHECK(tt_permit_check(cfg, "a", "192.0.2.77", 1));
		CHECK(tt_permit_check(cfg, "a", "2001:db8:ffff::1", 1));
		CHECK(!tt_permit_check(cfg, "a", "2001:db8:7fff::1", 1));
		CHECK(tt_permit_check(cfg, "a", "8.8.8.8", 7));
		CHECK(!tt_permit_check(cfg, "a", "2001:4860::8888", 7)); /* 0.0.0.0/0 is IPv4 only */
		tt_config_free(cfg);
	}
}

static void test_allow_check(void)
{
	struct tt_config *cfg;
	uint8_t k1[TT_PUBKEY_SIZE], k2[TT_PUBKEY_SIZE];

	tt_parse_pubkey(KEY1, k1, NULL, 0);
	tt_parse_pubkey(KEY2, k2, NULL, 0);

	cfg = load("[server]\n");
	if (CHECK(cfg != NULL)) {
		CHECK(cfg->n_allow == 0 && tt_allow_check(cfg, k1) && tt_allow_check(cfg, k2));
		tt_config_free(cfg);
	}
	cfg = load("[server]\nallow = " KEY1 "\n");
	if (CHECK(cfg != NULL)) {
		CHECK(cfg->n_allow == 1 && tt_allow_check(cfg, k1) && !tt_allow_check(cfg, k2));
		tt_config_free(cfg);
	}
	cfg = load("[server]\nallow = " KEY2 "\nallow = " KEY1 "\n");
	if (CHECK(cfg != NULL)) {
		CHECK(cfg->n_allow == 2 && tt_allow_check(cfg, k1) && tt_allow_check(cfg, k2));
		tt_config_free(cfg);
	}
}

/* ---- whole files ---- */

static void test_spec_sample(void)
{
	struct tt_config *cfg = load("[server]\n"
	                             "name = whttpd\n"
	                             "[client]\n"
	                             "toxtun1 = *:81:127.0.0.1:8181:" ID1 "\n"
	                             "toxtun2 = 8282:127.0.0.1:8282:" ID2 "\n");
	char hex[2 * TT_TOX_ID_SIZE + 1];

	if (!CHECK(cfg != NULL))
		return;
	CHECK(cfg->has_server && cfg->has_client);
	CHECK(!strcmp(cfg->name, "whttpd"));
	CHECK(cfg->n_tunnels == 2);
	CHECK(!strcmp(cfg->tunnels[0].name, "toxtun1") && cfg->tunnels[0].line == 4);
	CHECK(!strcmp(cfg->tunnels[0].listen_host, "*") && cfg->tunnels[0].listen_port == 81);
	tt_toxid_format(cfg->tunnels[0].server_id, hex);
	CHECK(!strcmp(hex, ID1));
	CHECK(!strcmp(cfg->tunnels[1].name, "toxtun2") && cfg->tunnels[1].line == 5);
	CHECK(!strcmp(cfg->tunnels[1].listen_host, "127.0.0.1"));
	CHECK(!strcmp(cfg->tunnels[1].remote_host, "127.0.0.1") && cfg->tunnels[1].remote_port == 8282);
	tt_toxid_format(cfg->tunnels[1].server_id, hex);
	CHECK(!strcmp(hex, ID2));
	tt_config_free(cfg);
}

static void test_defaults(void)
{
	struct tt_config *cfg = load("");
	char hex[2 * TT_PUBKEY_SIZE + 1];

	if (!CHECK(cfg != NULL))
		return;
	CHECK(!strcmp(cfg->path, INI));
	CHECK(!strcmp(cfg->profile, "/etc/toxtun/test.tox"));
	CHECK(cfg->bootstrap_is_default && cfg->n_bootstrap >= 3);
	CHECK(!strcmp(cfg->bootstrap[0].host, "node.tox.biribiri.org") && cfg->bootstrap[0].port == 33445);
	to_hex(cfg->bootstrap[0].pubkey, TT_PUBKEY_SIZE, hex);
	CHECK(!strcmp(hex, KEY1));
	CHECK(cfg->n_tcp_relays == 0 && cfg->tcp_relays == NULL);
	CHECK(cfg->udp && cfg->ipv6 && cfg->local_discovery);
	CHECK(cfg->port == 0);
	CHECK(cfg->sandbox);
	CHECK(!cfg->has_server && !cfg->has_client);
	CHECK(!strcmp(cfg->name, "toxtun"));
	CHECK(cfg->n_permits == 0 && cfg->n_allow == 0 && cfg->n_tunnels == 0);
	CHECK(cfg->control_socket == NULL);
	CHECK(cfg->outage_timeout_s == 600 && cfg->linger_s == 60 && cfg->wait_timeout_s == 60);
	CHECK(cfg->connect_timeout_s == 10 && cfg->stream_window == 4194304);
	CHECK(cfg->max_streams == 4096 && cfg->max_waiting == 256);
	tt_config_free(cfg);
	tt_config_free(NULL);

	cfg = load("[tox]\nport = 33445\n[daemon]\nsandbox = no\n");
	if (CHECK(cfg != NULL)) {
		CHECK(cfg->port == 33445);
		CHECK(!cfg->sandbox);
		tt_config_free(cfg);
	}

	/* Empty sections still count as present. */
	cfg = load("[client]\n; no tunnels yet\n[server]\n");
	if (CHECK(cfg != NULL)) {
		CHECK(cfg->has_client && cfg->has_server && cfg->n_tunnels == 0);
		tt_config_free(cfg);
	}
}

static void check_profile(const char *ini, const char *text, const char *expect)
{
	struct tt_config *cfg = load_as(ini, text);

	if (CHECK(cfg != NULL)) {
		if (!CHECK(!strcmp(cfg->profile, expect)))
			fprintf(stderr, "  %s: profile '%s', expected '%s'\n", ini, cfg->profile, expect);
		tt_config_free(cfg);
	}
}

static void test_profile_paths(void)
{
	check_profile("/etc/x/server.ini", "", "/etc/x/server.tox");
	check_profile("foo", "", "foo.tox");
	check_profile("foo.conf", "", "foo.tox");
	check_profile("a.b/c", "", "a.b/c.tox");
	check_profile("dir/.toxtunrc", "", "dir/.toxtunrc.tox");
	check_profile("./x.y.ini", "", "./x.y.tox");
	check_profile("/etc/x/server.ini", "[tox]\nprofile = me.tox\n", "/etc/x/me.tox");
	check_profile("/etc/x/server.ini", "[tox]\nprofile = ../me.tox\n", "/etc/x/../me.tox");
	check_profile("/etc/x/server.ini", "[tox]\nprofile = /var/lib/t/me.tox\n", "/var/lib/t/me.tox");
	check_profile("server.ini", "[tox]\nprofile = sub/me.tox\n", "sub/me.tox");
}

static void test_full_file(void)
{
	struct tt_config *cfg = load(
		"\xEF\xBB\xBF# toxtun configuration\r\n"
		"; both comment styles\r\n"
		"[tox]\r\n"
		"  profile = /var/lib/toxtun/id.tox\r\n"
		"  bootstrap = 192.0.2.1 33445 " KEY1 "\r\n"
		"\tbootstrap = 2001:db8::1 443 " KEY2 "\r\n"
		"  tcp_relay = relay.example.org 3389 " KEY2 "\r\n"
		"  udp = no\r\n"
		"  ipv6 = Off\r\n"
		"  local_discovery = false   ; inline comment\r\n"
		"\r\n"
		"[ Server ]\r\n"
		"name = web box \xC3\xA9\r\n"
		"permit = *:22\r\n"
		"allow = " KEY1 "\r\n"
		"[control]\r\n"
		"socket = run/toxtun.sock\r\n"
		"[link]\r\n"
		"outage_timeout = 10\r\n"
		"linger = 0\r\n"
		"wait_timeout = 3600\r\n"
		"connect_timeout = 300\r\n"
		"stream_window = 67108864\r\n"
		"max_streams = 65536\r\n"
		"max_waiting = 1\r\n"
		"[client]\r\n"
		"web = *:81:127.0.0.1:8181:" ID1 "\r\n"
		"ssh = [::1]:2222:[fd00::5]:22:" ID2 "\r\n"
		"db = 127.0.0.2:5432:db.example.org:5432:" ID3 "\r\n"
		"web6 = [::1]:82:127.0.0.1:80:" ID1);  /* no final newline */

	if (!CHECK(cfg != NULL))
		return;
	CHECK(!strcmp(cfg->profile, "/var/lib/toxtun/id.tox"));
	CHECK(!cfg->bootstrap_is_default && cfg->n_bootstrap == 2);
	CHECK(!strcmp(cfg->bootstrap[0].host, "192.0.2.1") && cfg->bootstrap[0].port == 33445);
	CHECK(!strcmp(cfg->bootstrap[1].host, "2001:db8::1") && cfg->bootstrap[1].port == 443);
	CHECK(cfg->n_tcp_relays == 1 && !strcmp(cfg->tcp_relays[0].host, "relay.example.org"));
	CHECK(cfg->tcp_relays[0].port == 3389);
	CHECK(!cfg->udp && !cfg->ipv6 && !cfg->local_discovery);
	CHECK(cfg->has_server && !strcmp(cfg->name, "web box \xC3\xA9"));
	CHECK(cfg->n_permits == 1 && cfg->permits[0].any_host && cfg->permits[0].port == 22);
	CHECK(cfg->n_allow == 1);
	CHECK(cfg->control_socket && !strcmp(cfg->control_socket, "/etc/toxtun/run/toxtun.sock"));
	CHECK(cfg->outage_timeout_s == 10 && cfg->linger_s == 0 && cfg->wait_timeout_s == 3600);
	CHECK(cfg->connect_timeout_s == 300 && cfg->stream_window == 67108864);
	CHECK(cfg->max_streams == 65536 && cfg->max_waiting == 1);
	CHECK(cfg->has_client && cfg->n_tunnels == 4);
	if (cfg->n_tunnels == 4) {
		CHECK(!strcmp(cfg->tunnels[1].listen_host, "::1") && cfg->tunnels[1].listen_port == 2222);
		CHECK(!strcmp(cfg->tunnels[1].remote_host, "fd00::5") && cfg->tunnels[1].line == 28);
		/* Three tunnels, three different servers. */
		CHECK(memcmp(cfg->tunnels[0].server_id, cfg->tunnels[1].server_id, TT_TOX_ID_SIZE));
		CHECK(memcmp(cfg->tunnels[1].server_id, cfg->tunnels[2].server_id, TT_TOX_ID_SIZE));
		CHECK(!strcmp(cfg->tunnels[2].remote_host, "db.example.org"));
		CHECK(!memcmp(cfg->tunnels[0].server_id, cfg->tunnels[3].server_id, TT_TOX_ID_SIZE));
	}
	tt_config_free(cfg);
}

/* Several tunnels may share a port on different addresses, or go to the
 * same server; listen_host + listen_port is what must be unique. */
static void test_listen_sharing(void)
{
	struct tt_config *cfg = load("[client]\n"
	                             "a = 127.0.0.1:81:h:1:" ID1 "\n"
	                             "b = 127.0.0.2:81:h:1:" ID1 "\n"
	                             "c = [::1]:81:h:1:" ID1 "\n"
	                             "d = 82:h:1:" ID2 "\n"
	                             "e = *:83:h:1:" ID2 "\n");

	if (CHECK(cfg != NULL)) {
		CHECK(cfg->n_tunnels == 5);
		tt_config_free(cfg);
	}
}

/* "PREFIX" followed by 'x' up to a last line of len characters. */
static const char *long_line(char buf[400], const char *prefix, size_t len)
{
	const char *last = strrchr(prefix, '\n') + 1;
	size_t n = strlen(prefix), fill = len - strlen(last);

	memcpy(buf, prefix, n);
	memset(buf + n, 'x', fill);
	buf[n + fill] = '\0';
	return buf;
}

/* Every class of error, with its message and line. */
static void test_errors(void)
{
	char longline[400];

	CHECK(refused("[server]\n[serverz]\n", 2, "unknown section [serverz]"));
	CHECK(refused("[]\n", 1, "unknown section []"));
	CHECK(refused("[server\n", 1, "unterminated section header '[server'"));
	CHECK(refused("[server] junk\n", 1, "unexpected text after section header: 'junk'"));
	CHECK(refused("name = x\n", 1, "key 'name' outside of any section"));

	CHECK(refused("[tox]\nfoo = 1\n", 2, "unknown key 'foo' in [tox]"));
	CHECK(refused("[tox]\nport = 0\n", 2, "bad port '0'"));
	CHECK(refused("[daemon]\nsandbox = maybe\n", 2, "maybe"));
	CHECK(refused("[daemon]\nuser = x\n", 2, "unknown key 'user' in [daemon]"));
	CHECK(refused("[tox]\nport = 33445\nport = 33446\n", 3, "duplicate key 'port' in [tox]"));
	CHECK(refused("[server]\nname = a\nprofile = x\n", 3, "unknown key 'profile' in [server]"));
	CHECK(refused("[control]\npath = /x\n", 2, "unknown key 'path' in [control]"));
	CHECK(refused("[link]\ntimeout = 5\n", 2, "unknown key 'timeout' in [link]"));

	CHECK(refused("[client]\n*:81:127.0.0.1:8181:" ID1 "\n", 2,
	              "expected 'key = value' or '[section]', got '*:81:127.0.0.1:8181:"));
	CHECK(refused("[server]\njust some words\n", 2, "expected 'key = value'"));
	CHECK(refused("[server]\n= x\n", 2, "expected 'key = value'"));
	CHECK(refused("[server]\nname: x\n", 2, "expected 'key = value'"));
	CHECK(refused("[server]\nname ;= x\n", 2, "expected 'key = value'"));

	CHECK(refused("[server]\nname =\n", 2, "missing value for 'name'"));
	CHECK(refused("[client]\nt1 =   ; nothing\n", 2, "missing value for 't1'"));

	CHECK(refused("[client]\nt = 0:h:22:" ID1 "\n", 2, "bad port '0'"));
	CHECK(refused("[client]\nt = 81:h:65536:" ID1 "\n", 2, "bad port '65536': must be 1..65535"));
	CHECK(refused("[client]\nt = x:h:22:" ID1 "\n", 2, "bad port 'x': not a number"));
	CHECK(refused("[tox]\nbootstrap = h 0 " KEY1 "\n", 2, "bad port '0'"));
	CHECK(refused("[server]\npermit = h:99999\n", 2, "bad port '99999'"));

	CHECK(refused("[client]\nt = [::1:8080:h:22:" ID1 "\n", 2, "unclosed '['"));
	CHECK(refused("[client]\nt = 81::22:" ID1 "\n", 2, "bad host '': empty"));
	CHECK(refused("[client]\nt = 81:no_such:22:" ID1 "\n", 2, "bad host 'no_such'"));
	CHECK(refused("[server]\npermit = [::1:22\n", 2, "bad host '[::1:22': unclosed '['"));
	CHECK(refused("[tox]\ntcp_relay = a$b 1 " KEY1 "\n", 2, "bad host 'a$b'"));

	CHECK(refused("[client]\nt = 81:h:" ID1 "\n", 2, "got 3 fields"));
	CHECK(refused("[client]\nt = 1:2:3:4:5:" ID1 "\n", 2, "got 6 fields"));

	CHECK(refused("[client]\nt = 81:h:22:A5A02FEC\n", 2, "bad Tox ID 'A5A02FEC': expected 76 hex digits, got 8"));
	CHECK(refused("[client]\nt = 81:h:22:" ID1_BADSUM "\n", 2, "bad Tox ID '" ID1_BADSUM "': checksum mismatch"));
	CHECK(refused("[client]\nt = 81:h:22:XYZ02FECA08E3EAC7E646B89C0507A8AAF9136E05DC756FF09F86230951820670F908F2E7719\n",
	              2, "not hexadecimal"));

	CHECK(refused("[server]\nallow = 1234\n", 2, "bad public key '1234': expected 64 hex digits"));
	CHECK(refused("[tox]\nbootstrap = h 1 " ID1 "\n", 2, "bad public key"));
	CHECK(refused("[tox]\nbootstrap = h 1\n", 2, "bad node 'h 1': expected HOST PORT PUBKEY"));

	CHECK(refused("[tox]\nudp = maybe\n", 2, "bad boolean 'maybe'"));
	CHECK(refused("[tox]\nipv6 = 2\n", 2, "bad boolean '2'"));

	CHECK(refused("[link]\nlinger = -1\n", 2, "bad number '-1' for linger: expected a plain non-negative integer"));
	CHECK(refused("[link]\nlinger = +5\n", 2, "bad number '+5'"));
	CHECK(refused("[link]\nlinger = 5s\n", 2, "bad number '5s'"));
	CHECK(refused("[link]\nlinger = 86401\n", 2, "bad number '86401' for linger: out of range 0..86400"));
	CHECK(refused("[link]\noutage_timeout = 9\n", 2, "out of range 10..86000"));
	CHECK(refused("[link]\nstream_window = 99999999999999999999999\n", 2, "out of range 16384..67108864"));
	CHECK(refused("[link]\nmax_streams = 0\n", 2, "bad number '0' for max_streams: out of range 1..65536"));
	CHECK(refused("[link]\nmax_waiting = 65537\n", 2, "out of range 1..65536"));
	CHECK(refused("[link]\nwait_timeout = 0\n", 2, "out of range 1..3600"));
	CHECK(refused("[link]\nconnect_timeout = 301\n", 2, "out of range 1..300"));

	CHECK(refused("[client]\nt = 81:h:22:" ID1 "\n\nt = 82:h:22:" ID1 "\n", 4,
	              "duplicate tunnel name 't' (first defined on line 2)"));
	CHECK(refused("[client]\na = 81:h:22:" ID1 "\nb = 127.0.0.1:81:h:23:" ID2 "\n", 3,
	              "listen address 127.0.0.1:81 of tunnel 'b' is already used by tunnel 'a' (line 2)"));
	CHECK(refused("[client]\na = *:81:h:22:" ID1 "\nb = 10.0.0.1:81:h:23:" ID2 "\n", 3,
	              "listen address 10.0.0.1:81 of tunnel 'b'"));
	CHECK(refused("[client]\na = 10.0.0.1:81:h:22:" ID1 "\nb = *:81:h:23:" ID2 "\n", 3,
	              "listen address *:81 of tunnel 'b' is already used by tunnel 'a'"));
	CHECK(refused("[client]\na = [::1]:81:h:22:" ID1 "\nb = [0::1]:81:h:23:" ID2 "\n", 3,
	              "listen address [0::1]:81 of tunnel 'b'"));
	CHECK(refused("[client]\na = [::]:81:h:22:" ID1 "\nb = 10.0.0.1:81:h:23:" ID2 "\n", 3,
	              "already used by tunnel 'a'"));

	/* A single-valued key given twice. */
	CHECK(refused("[server]\nname = a\n[client]\n[server]\nname = b\n", 5, "duplicate key 'name' in [server]"));
	CHECK(refused("[tox]\nudp = yes\nudp = no\n", 3, "duplicate key 'udp' in [tox]"));
	CHECK(refused("[link]\nlinger = 1\nlinger = 1\n", 3, "duplicate key 'linger' in [link]"));

	CHECK(refused("[server]\nname = a\x01z\n", 2, "bad name"));
	CHECK(refused("[client]\nbad name = 81:h:22:" ID1 "\n", 2, "bad tunnel name 'bad name'"));
	CHECK(refused("[server]\npermit = fd00::1:22\n", 2, "IPv6 addresses go in brackets"));
	CHECK(refused("[server]\npermit = 10.0.0.0/40:22\n", 2, "bad CIDR '10.0.0.0/40'"));

	/* Lines: 199 characters is the most inih can take. */
	CHECK(refused(long_line(longline, "[server]\nname = ", 7 + 128), 2, "longer than 127 bytes"));
	CHECK(refused(long_line(longline, "[client]\nt = ", 199), 2, "bad tunnel")); /* reaches the parser */
	CHECK(refused(long_line(longline, "[client]\nt = ", 200), 2,
	              "line too long (200 characters, at most 199)"));
	CHECK(refused(long_line(longline, "[client]\n\n  t = ", 300), 3, "line too long (298 characters")); /* indentation is not counted */
	/* ...but long comments and indentation are fine. */
	memset(longline, ' ', 350);
	memcpy(longline + 100, "# comment", 9);
	longline[350] = '\0';
	{
		struct tt_config *cfg = load(longline);

		CHECK(cfg != NULL);
		tt_config_free(cfg);
	}

	{
		static const char nul[] = "[server]\nname = a\0b\n";
		struct tt_config *cfg = NULL;

		CHECK(!load_buffer(INI, nul, sizeof(nul) - 1, &cfg));
		CHECK(strstr(err, INI ":2: NUL byte") != NULL && cfg == NULL);
	}

	/* The first error is the one reported. */
	CHECK(refused("[tox]\nudp = x\nfoo = y\n[nope]\n", 2, "bad boolean 'x'"));
}

static void test_files(void)
{
	struct tt_config *cfg = NULL;
	char path[256], expect[300];
	const char *p;

	/* Not there. */
	snprintf(path, sizeof(path), "%s/missing.ini", tmpdir);
	CHECK(!load_file(path, &cfg) && cfg == NULL);
	snprintf(expect, sizeof(expect), "%s: cannot open: No such file or directory", path);
	if (!CHECK(!strcmp(err, expect)))
		fprintf(stderr, "  got '%s'\n", err);

	/* A directory. */
	CHECK(!load_file(tmpdir, &cfg) && cfg == NULL);
	CHECK(strncmp(err, tmpdir, strlen(tmpdir)) == 0 && strstr(err, ": cannot read: Is a directory"));

	/* Unreadable (meaningless as root, who reads anything). */
	p = write_file("secret.ini", "[server]\n");
	if (geteuid() != 0 && chmod(p, 0) == 0) {
		CHECK(!load_file(p, &cfg) && strstr(err, ": cannot open: Permission denied"));
	}

	/* A real file: relative paths resolve next to it. */
	p = write_file("server.ini", "[tox]\nprofile = keys/me.tox\n[control]\nsocket = ctl.sock\n"
	                             "[client]\nweb = 81:web.example:80:" ID1 "\n");
	snprintf(path, sizeof(path), "%s", p);
	if (CHECK(load_file(path, &cfg))) {
		snprintf(expect, sizeof(expect), "%s/keys/me.tox", tmpdir);
		CHECK(!strcmp(cfg->profile, expect));
		snprintf(expect, sizeof(expect), "%s/ctl.sock", tmpdir);
		CHECK(!strcmp(cfg->control_socket, expect));
		CHECK(!strcmp(cfg->path, path) && cfg->n_tunnels == 1);
		tt_config_free(cfg);
	}

	/* Errors in a file name the file and line. */
	p = write_file("bad.ini", "[client]\n\n  web = 81:web.example:80:" ID1_BADSUM "\n");
	snprintf(path, sizeof(path), "%s", p);
	cfg = NULL;
	CHECK(!load_file(path, &cfg) && cfg == NULL);
	snprintf(expect, sizeof(expect), "%s:3: bad Tox ID", path);
	CHECK(strncmp(err, expect, strlen(expect)) == 0);

	/* Socket paths must fit in sockaddr_un. */
	{
		char text[400] = "[control]\nsocket = /";

		memset(text + strlen(text), 's', 120);
		CHECK(refused(text, 2, "bad socket path"));
	}
}

/* The loader's error keeps the line and the message apart (the tray places
 * the message by the line); tt_error_format joins them into what `tunnel`
 * prints. */
static void test_error_struct(void)
{
	static const char bad_name[] = "[server]\n\nname = a\x01z\n";
	struct tt_config *cfg = NULL;
	struct tt_error e;
	char text[256];

	CHECK(!tt_config_load_buffer(INI, bad_name, sizeof(bad_name) - 1, &cfg, &e) && cfg == NULL);
	CHECK(e.line == 3 && !strcmp(e.message, "bad name 'a\x01z': contains control characters"));
	tt_error_format(&e, INI, text, sizeof(text));
	CHECK(!strcmp(text, INI ":3: bad name 'a\x01z': contains control characters"));

	/* No line to blame: line 0, and no number in the text. */
	CHECK(!tt_config_load_buffer(INI, "[client]\nsocks_user = alice\n", 26, &cfg, &e));
	CHECK(e.line == 0 && !strcmp(e.message, "socks_user and socks_pass go together: set both or neither"));
	tt_error_format(&e, INI, text, sizeof(text));
	CHECK(!strcmp(text, INI ": socks_user and socks_pass go together: set both or neither"));
	CHECK(!tt_config_load("/nonexistent/toxtun.ini", &cfg, &e) && cfg == NULL);
	CHECK(e.line == 0 && !strcmp(e.message, "cannot open: No such file or directory"));

	/* A caller that does not care why. */
	CHECK(!tt_config_load_buffer(INI, "[nope]\n", 7, &cfg, NULL) && cfg == NULL);
	CHECK(!tt_config_load("/nonexistent/toxtun.ini", &cfg, NULL));

	/* A short buffer gets the start, terminated. */
	e.line = 12;
	snprintf(e.message, sizeof(e.message), "bad port");
	tt_error_format(&e, "a.ini", text, 8);
	CHECK(!strcmp(text, "a.ini:1"));
}

static void cleanup(void)
{
	static const char *const names[] = { "secret.ini", "server.ini", "bad.ini" };
	char path[256];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

static void test_socks_lines(void)
{
	struct tt_client_tunnel t;
	struct tt_config *cfg;

	CHECK(tt_parse_client_line("web", "socks5:1080:" ID1, &t, err, sizeof(err)));
	CHECK(t.kind == TT_TUNNEL_SOCKS && !strcmp(t.listen_host, "127.0.0.1") && t.listen_port == 1080);
	CHECK(tt_parse_client_line("web", "SOCKS5:[::1]:1080:" ID1, &t, err, sizeof(err)));
	CHECK(t.kind == TT_TUNNEL_SOCKS && !strcmp(t.listen_host, "::1"));
	CHECK(tt_parse_client_line("web", "*:1080:10.0.0.1:80:" ID1, &t, err, sizeof(err)) &&
	      t.kind == TT_TUNNEL_FORWARD);
	CHECK(says(tt_parse_client_line("web", "socks5:1080", &t, err, sizeof(err)),
	           "expected socks5:[localip:]localport:toxid, got 1 field"));
	CHECK(says(tt_parse_client_line("web", "socks5:h:1080:" ID1, &t, err, sizeof(err)), "bad host"));
	CHECK(says(tt_parse_client_line("web", "socks5:1080:1234", &t, err, sizeof(err)), "bad Tox ID"));

	cfg = load("[client]\nsocks_user = alice\nsocks_pass = s3cret\nweb = socks5:1080:" ID1 "\n");
	CHECK(cfg && cfg->n_tunnels == 1 && cfg->socks_user && !strcmp(cfg->socks_user, "alice") &&
	      cfg->socks_pass && !strcmp(cfg->socks_pass, "s3cret"));
	tt_config_free(cfg);
	/* Not tied to one line: "FILE: message". */
	cfg = NULL;
	CHECK(!load_buffer(INI, "[client]\nsocks_user = alice\n", 26, &cfg) &&
	      !cfg && !strncmp(err, INI ": ", strlen(INI) + 2) &&
	      strstr(err, "socks_user and socks_pass go together"));
	CHECK(refused("[client]\nsocks_user = a\nsocks_user = b\nsocks_pass = c\n", 3, "duplicate key 'socks_user'"));
	/* A proxy port clashes with a forward on the same address like any other. */
	CHECK(refused("[client]\na = socks5:1080:" ID1 "\nb = 1080:h:1:" ID1 "\n", 3, "already used"));
}

/* [server] approve and [client] name. */
static void test_approve_and_client_name(void)
{
	struct tt_config *cfg;
	uint8_t k1[TT_PUBKEY_SIZE], k2[TT_PUBKEY_SIZE];
	char host[256];

	tt_parse_pubkey(KEY1, k1, NULL, 0);
	tt_parse_pubkey(KEY2, k2, NULL, 0);
	cfg = load("[server]\n");
	if (CHECK(cfg != NULL)) {
		CHECK(cfg->approve == TT_APPROVE_AUTO);
		tt_config_free(cfg);
	}
	cfg = load("[server]\napprove = auto\n");
	if (CHECK(cfg != NULL)) {
		CHECK(cfg->approve == TT_APPROVE_AUTO && tt_allow_check(cfg, k1));
		tt_config_free(cfg);
	}
	/* ask without allow lines: nobody passes without approval. */
	cfg = load("[server]\napprove = ASK\n");
	if (CHECK(cfg != NULL)) {
		CHECK(cfg->approve == TT_APPROVE_ASK && !tt_allow_check(cfg, k1));
		tt_config_free(cfg);
	}
	cfg = load("[server]\napprove = ask\nallow = " KEY1 "\n");
	if (CHECK(cfg != NULL)) {
		CHECK(tt_allow_check(cfg, k1) && !tt_allow_check(cfg, k2));
		tt_config_free(cfg);
	}
	CHECK(refused("[server]\napprove = maybe\n", 2,
	              "bad value 'maybe' for approve: expected ask or auto"));
	CHECK(refused("[server]\napprove = ask\napprove = auto\n", 3, "duplicate key 'approve'"));
	/* A key of [server] only: in [client] it names a tunnel. */
	CHECK(refused("[client]\napprove = ask\n", 2, "bad tunnel 'ask'"));

	/* The client's name: given, or the host name. */
	cfg = load("[client]\nname = Alice's laptop \xC3\xA9\nweb = 81:h:80:" ID1 "\n");
	if (CHECK(cfg != NULL)) {
		CHECK(!strcmp(cfg->client_name, "Alice's laptop \xC3\xA9") && cfg->n_tunnels == 1);
		CHECK(!strcmp(cfg->name, "toxtun")); /* the server's name is another key */
		tt_config_free(cfg);
	}
	cfg = load("[client]\nweb = 81:h:80:" ID1 "\n");
	if (CHECK(cfg != NULL) && CHECK(gethostname(host, sizeof(host)) == 0)) {
		host[sizeof(host) - 1] = '\0';
		host[TT_NAME_MAX - 1] = '\0';
		CHECK(!strcmp(cfg->client_name, host[0] ? host : "toxtun"));
	}
	tt_config_free(cfg);
	CHECK(refused("[client]\nname = a\x01b\n", 2, "contains control characters"));
	CHECK(refused("[client]\nname = a\nname = b\n", 3, "duplicate key 'name'"));
	/* A tunnel once called "name" is not read as the computer's name. */
	CHECK(refused("[client]\nname = 81:h:80:" ID1 "\n", 2,
	              "'name' in [client] is this computer's name, not a tunnel"));
	CHECK(tt_client_key_is_setting("name") && tt_client_key_is_setting("Socks_User"));
	CHECK(!tt_client_key_is_setting("web"));
	{
		struct tt_client_tunnel t;

		CHECK(says(tt_parse_client_line("name", "81:h:80:" ID1, &t, err, sizeof(err)),
		           "bad tunnel name 'name': a setting of [client] has that name"));
	}
}

static void test_reverse_and_udp_lines(void)
{
	struct tt_client_tunnel t;
	struct tt_permit p;
	struct tt_config *cfg;

	/* reverse: the listening address is the server's, 127.0.0.1 by default. */
	CHECK(tt_parse_client_line("back", "reverse:2222:localhost:22:" ID1, &t, err, sizeof(err)));
	CHECK(t.kind == TT_TUNNEL_REVERSE && !strcmp(t.listen_host, "127.0.0.1") && t.listen_port == 2222 &&
	      !strcmp(t.remote_host, "localhost") && t.remote_port == 22);
	CHECK(tt_parse_client_line("back", "REVERSE:*:2222:[::1]:22:" ID1, &t, err, sizeof(err)));
	CHECK(t.kind == TT_TUNNEL_REVERSE && !strcmp(t.listen_host, "*") && !strcmp(t.remote_host, "::1"));
	CHECK(says(tt_parse_client_line("back", "reverse:2222:22:" ID1, &t, err, sizeof(err)),
	           "expected reverse:[serverip:]serverport:localhost:localport:toxid, got 3 fields"));
	CHECK(says(tt_parse_client_line("back", "reverse:host:2222:h:22:" ID1, &t, err, sizeof(err)),
	           "bad host"));
	/* udp: the shape of a forward line. */
	CHECK(tt_parse_client_line("dns", "udp:5353:10.0.0.1:53:" ID1, &t, err, sizeof(err)));
	CHECK(t.kind == TT_TUNNEL_UDP && !strcmp(t.listen_host, "127.0.0.1") && t.listen_port == 5353 &&
	      !strcmp(t.remote_host, "10.0.0.1") && t.remote_port == 53);
	CHECK(says(tt_parse_client_line("dns", "udp:5353:53:" ID1, &t, err, sizeof(err)),
	           "expected udp:[localip:]localport:remoteip:remoteport:toxid"));

	/* A UDP port, a TCP port and a port on the server do not clash... */
	cfg = load("[client]\na = 5353:h:1:" ID1 "\nb = udp:5353:h:1:" ID1 "\nc = reverse:5353:h:1:" ID1 "\n");
	CHECK(cfg && cfg->n_tunnels == 3);
	tt_config_free(cfg);
	/* ... but two of one kind do, and two reverse lines only on one server. */
	CHECK(refused("[client]\na = udp:53:h:1:" ID1 "\nb = udp:*:53:h:2:" ID1 "\n", 3, "already used"));
	CHECK(refused("[client]\na = reverse:80:h:1:" ID1 "\nb = reverse:80:h:2:" ID1 "\n", 3, "already used"));
	cfg = load("[client]\na = reverse:80:h:1:" ID1 "\nb = reverse:80:h:2:" ID2 "\n");
	CHECK(cfg && cfg->n_tunnels == 2);
	tt_config_free(cfg);

	/* permit_listen = [ip:]port: no ip = loopback only; "*" = any. */
	CHECK(tt_parse_permit_listen("2222", &p, err, sizeof(err)) && p.loopback && p.port == 2222);
	CHECK(tt_parse_permit_listen("*", &p, err, sizeof(err)) && p.loopback && p.port == 0);
	CHECK(tt_parse_permit_listen("*:8080", &p, err, sizeof(err)) && p.any_host && p.port == 8080);
	CHECK(says(tt_parse_permit_listen("70000", &p, err, sizeof(err)), "bad port"));
	CHECK(says(tt_parse_permit_listen("x:y", &p, err, sizeof(err)), "bad port"));
	cfg = load("[server]\npermit_listen = 2222\npermit_listen = 10.0.0.0/8:*\npermit_listen = *:8080\n"
	           "[link]\nudp_timeout = 5\n");
	CHECK(cfg && cfg->n_permit_listen == 3 && cfg->udp_timeout_s == 5);
	if (cfg) {
		CHECK(tt_permit_listen_check(cfg, "127.0.0.1", 2222));
		CHECK(tt_permit_listen_check(cfg, "::1", 2222));
		CHECK(!tt_permit_listen_check(cfg, "192.168.1.1", 2222));
		CHECK(!tt_permit_listen_check(cfg, "*", 2222));
		CHECK(!tt_permit_listen_check(cfg, "127.0.0.1", 2223));
		CHECK(tt_permit_listen_check(cfg, "10.1.2.3", 9));
		CHECK(tt_permit_listen_check(cfg, "*", 8080));
		CHECK(tt_permit_listen_check(cfg, "192.168.1.1", 8080));
	}
	tt_config_free(cfg);
	cfg = load("[server]\n");
	CHECK(cfg && !tt_permit_listen_check(cfg, "127.0.0.1", 2222) && cfg->udp_timeout_s == 60);
	tt_config_free(cfg);
	CHECK(refused("[link]\nudp_timeout = 0\n", 2, "out of range 1..86400"));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* keep stdout and stderr in order */
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/toxtun-test-config-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}

	group("hex and Tox IDs", test_hex_and_toxid);
	group("ports, booleans, public keys", test_scalars);
	group("bootstrap / tcp_relay entries", test_node_entry);
	group("HOST:PORT destinations", test_endpoint);
	group("client lines", test_client_line);
	group("permit parsing", test_permit_parse);
	group("permit checks", test_permit_check);
	group("allow checks", test_allow_check);
	group("the spec's sample file", test_spec_sample);
	group("defaults", test_defaults);
	group("profile paths", test_profile_paths);
	group("a file with every key", test_full_file);
	group("listen addresses shared correctly", test_listen_sharing);
	group("socks5 lines and credentials", test_socks_lines);
	group("reverse and udp lines, permit_listen", test_reverse_and_udp_lines);
	group("approve and the client's name", test_approve_and_client_name);
	group("error messages", test_errors);
	group("files on disk", test_files);
	group("errors as a line and a message", test_error_struct);

	cleanup();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
