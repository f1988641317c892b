/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the proxy request parser (daemon/forward/proxy_request.c):
 * what any local program may send to a socks5 line before its tunnel opens.
 *
 * A client's bytes arrive in whatever pieces TCP makes of them, so every
 * message here is parsed whole and then again at every split point (byte by
 * byte, and cut in two at each position), and the outcome must not change:
 * verdict, everything written back, host, port, bytes used, reason. Each call
 * gets an exact-size heap copy of the bytes so far, so that under ASan a read
 * past them is caught. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "forward/proxy_request.h"

#define USER "alice"
#define PASS "s3cret"

/* The configured credentials for the next parse; NULL user: none. */
static const char *cfg_user, *cfg_pass;

struct outcome {
	enum proxy_verdict v;
	struct proxy_request r;          /* as the last call left it */
	uint8_t said[4 * PROXY_REPLY_MAX]; /* every reply, concatenated */
	size_t said_len;
};

static void *copy_of(const void *p, size_t n)
{
	void *c = malloc(n ? n : 1);

	if (!c) {
		perror("malloc");
		exit(2);
	}
	memcpy(c, p, n);
	return c;
}

/* Feed msg as the prefixes ending at ends[0..n) (increasing; the last one is
 * the whole message), stopping at the first verdict. */
static void feed_pieces(const uint8_t *msg, const size_t *ends, size_t n, struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	proxy_request_init(&o->r);
	o->v = PROXY_MORE;
	for (size_t i = 0; i < n && o->v == PROXY_MORE; i++) {
		uint8_t *prefix = copy_of(msg, ends[i]);

		o->v = proxy_request_feed(&o->r, prefix, ends[i], cfg_user, cfg_pass);
		if (o->said_len + o->r.reply_len <= sizeof(o->said)) {
			memcpy(o->said + o->said_len, o->r.reply, o->r.reply_len);
			o->said_len += o->r.reply_len;
		}
		free(prefix);
	}
}

static bool same_str(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

static bool same(const struct outcome *a, const struct outcome *b)
{
	if (a->v != b->v || a->said_len != b->said_len || memcmp(a->said, b->said, a->said_len) ||
	    a->r.kind != b->r.kind)
		return false;
	if (a->v == PROXY_REFUSED)
		return same_str(a->r.why, b->r.why) && a->r.socks_code == b->r.socks_code &&
		       same_str(a->r.http_status, b->r.http_status);
	if (a->v == PROXY_COMPLETE)
		return strcmp(a->r.host, b->r.host) == 0 && a->r.port == b->r.port && a->r.used == b->r.used;
	return true;
}

/* msg[0..len) whole, byte by byte, and cut in two at every position: the
 * same outcome each time. Returns the outcome of the whole message. */
static struct outcome parse(const void *msg, size_t len)
{
	struct outcome whole, split;
	size_t *ends = malloc((len + 1) * sizeof(*ends));
	size_t differ = 0, first = 0;

	if (!ends) {
		perror("malloc");
		exit(2);
	}
	ends[0] = len;
	feed_pieces(msg, ends, 1, &whole);
	for (size_t i = 0; i < len; i++)
		ends[i] = i + 1;
	feed_pieces(msg, ends, len, &split);
	if (!CHECK(same(&whole, &split)))
		fprintf(stderr, "  (fed byte by byte, %zu bytes)\n", len);
	for (size_t k = 1; k < len; k++) {
		ends[0] = k;
		ends[1] = len;
		feed_pieces(msg, ends, 2, &split);
		if (!same(&whole, &split) && !differ++)
			first = k;
	}
	if (!CHECK_EQ_U(differ, 0))
		fprintf(stderr, "  (first two-piece split that differs: at %zu of %zu)\n", first, len);
	free(ends);
	return whole;
}

#define PARSE(lit) parse(lit, sizeof(lit) - 1)

static void expect_complete(const struct outcome *o, enum proxy_request_kind kind, const char *host, uint16_t port,
                            size_t used)
{
	CHECK_EQ_I(o->v, PROXY_COMPLETE);
	CHECK_EQ_I(o->r.kind, kind);
	CHECK_STR(o->r.host, host);
	CHECK_EQ_U(o->r.port, port);
	CHECK_EQ_U(o->r.used, used);
}

static void expect_said(const struct outcome *o, const void *bytes, size_t n)
{
	if (CHECK_EQ_U(o->said_len, n))
		CHECK_MEM(o->said, bytes, n);
}

#define EXPECT_SAID(o, lit) expect_said(o, lit, sizeof(lit) - 1)

/* A SOCKS5 refusal of a request: VER REP RSV ATYP=1, a zero address. */
static void expect_socks_refusal(const struct outcome *o, const char *before, size_t nbefore, uint8_t rep,
                                 const char *why)
{
	uint8_t answer[16] = { 0 };

	CHECK_EQ_I(o->v, PROXY_REFUSED);
	CHECK_STR(o->r.why, why);
	CHECK_EQ_U(o->r.socks_code, rep);
	CHECK(o->r.http_status == NULL);
	memcpy(answer, before, nbefore);
	memcpy(answer + nbefore, (uint8_t[]){ 5, rep, 0, 1 }, 4);
	expect_said(o, answer, nbefore + 10);
}

static void expect_http_refusal(const struct outcome *o, const char *status, const char *why)
{
	char answer[PROXY_REPLY_MAX];
	int n = snprintf(answer, sizeof(answer), "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);

	CHECK_EQ_I(o->v, PROXY_REFUSED);
	CHECK_EQ_I(o->r.kind, PROXY_REQUEST_HTTP);
	CHECK_STR(o->r.why, why);
	CHECK_STR(o->r.http_status, status);
	expect_said(o, answer, (size_t)n);
}

static void no_auth(void)
{
	cfg_user = cfg_pass = NULL;
}

static void with_auth(void)
{
	cfg_user = USER;
	cfg_pass = PASS;
}

/* ---- SOCKS5 ---- */

static void socks_ipv4(void)
{
	struct outcome o;

	no_auth();
	o = PARSE("\x05\x01\x00" "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50");
	expect_complete(&o, PROXY_REQUEST_SOCKS5, "127.0.0.1", 80, 13);
	EXPECT_SAID(&o, "\x05\x00");
	CHECK(o.r.why == NULL);
}

static void socks_domain(void)
{
	struct outcome o;

	no_auth();
	o = PARSE("\x05\x01\x00" "\x05\x01\x00\x03\x0b" "example.com" "\x01\xbb");
	expect_complete(&o, PROXY_REQUEST_SOCKS5, "example.com", 443, 3 + 5 + 11 + 2);
	EXPECT_SAID(&o, "\x05\x00");

	/* The longest name a SOCKS5 request can carry: 255 bytes. */
	uint8_t msg[3 + 5 + 255 + 2] = { 5, 1, 0, 5, 1, 0, 3, 255 };
	char name[256];

	memset(name, 'a', 255);
	name[255] = '\0';
	memcpy(msg + 8, name, 255);
	msg[8 + 255] = 0x1f;
	msg[8 + 256] = 0x90;
	o = parse(msg, sizeof(msg));
	expect_complete(&o, PROXY_REQUEST_SOCKS5, name, 8080, sizeof(msg));
}

static void socks_ipv6(void)
{
	struct outcome o;

	no_auth();
	o = PARSE("\x05\x01\x00"
	          "\x05\x01\x00\x04" "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" "\x00\x16");
	expect_complete(&o, PROXY_REQUEST_SOCKS5, "2001:db8::1", 22, 3 + 22);
	o = PARSE("\x05\x01\x00"
	          "\x05\x01\x00\x04" "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01" "\xff\xff");
	expect_complete(&o, PROXY_REQUEST_SOCKS5, "::1", 65535, 3 + 22);
}

/* A client need not wait for our answers: greeting, request and its first
 * data may come in one piece. The data is not the request's. */
static void socks_early_data(void)
{
	static const char msg[] = "\x05\x01\x00" "\x05\x01\x00\x03\x09" "localhost" "\x00\x50" "GET / HTTP/1.0\r\n\r\n";
	struct outcome o;

	no_auth();
	o = PARSE(msg);
	expect_complete(&o, PROXY_REQUEST_SOCKS5, "localhost", 80, 3 + 5 + 9 + 2);
	CHECK_STR(msg + o.r.used, "GET / HTTP/1.0\r\n\r\n");
}

static void socks_methods(void)
{
	struct outcome o;

	/* Several offered: the one we want is picked wherever it is. */
	no_auth();
	o = PARSE("\x05\x03\x01\x02\x00" "\x05\x01\x00\x01\x0a\x00\x00\x01\x01\xbb");
	expect_complete(&o, PROXY_REQUEST_SOCKS5, "10.0.0.1", 443, 15);
	EXPECT_SAID(&o, "\x05\x00");

	/* No "no authentication" among them. */
	o = PARSE("\x05\x02\x01\x02");
	CHECK_EQ_I(o.v, PROXY_REFUSED);
	CHECK_STR(o.r.why, "no 'no authentication' method offered");
	CHECK_EQ_U(o.r.socks_code, 0xff);
	EXPECT_SAID(&o, "\x05\xff");

	/* No method at all. */
	o = PARSE("\x05\x00");
	CHECK_EQ_I(o.v, PROXY_REFUSED);
	CHECK_STR(o.r.why, "no 'no authentication' method offered");
	EXPECT_SAID(&o, "\x05\xff");

	/* Credentials configured: "no authentication" is not enough. */
	with_auth();
	o = PARSE("\x05\x01\x00");
	CHECK_EQ_I(o.v, PROXY_REFUSED);
	CHECK_STR(o.r.why, "no username/password method offered");
	EXPECT_SAID(&o, "\x05\xff");

	/* A greeting not all there yet: nothing to say. */
	no_auth();
	o = PARSE("\x05\x03\x01\x02");
	CHECK_EQ_I(o.v, PROXY_MORE);
	CHECK_EQ_U(o.said_len, 0);
	o = PARSE("\x05");
	CHECK_EQ_I(o.v, PROXY_MORE);
	CHECK_EQ_I(o.r.kind, PROXY_REQUEST_SOCKS5);
}

static void socks_auth_ok(void)
{
	static const char msg[] = "\x05\x02\x00\x02" "\x01\x05" USER "\x06" PASS
	                          "\x05\x01\x00\x01\xc0\xa8\x01\x02\x00\x35" "data";
	struct outcome o;

	with_auth();
	o = PARSE(msg);
	expect_complete(&o, PROXY_REQUEST_SOCKS5, "192.168.1.2", 53, sizeof(msg) - 1 - 4);
	EXPECT_SAID(&o, "\x05\x02" "\x01\x00");
	CHECK_STR(msg + o.r.used, "data");

	/* Empty username and password are what RFC 1929 allows; if configured so. */
	cfg_user = cfg_pass = "";
	o = PARSE("\x05\x01\x02" "\x01\x00\x00" "\x05\x01\x00\x01\x01\x02\x03\x04\x00\x01");
	expect_complete(&o, PROXY_REQUEST_SOCKS5, "1.2.3.4", 1, 16);
	EXPECT_SAID(&o, "\x05\x02" "\x01\x00");
}

static void socks_auth_bad(void)
{
	struct outcome o;

	with_auth();
	o = PARSE("\x05\x01\x02" "\x01\x05" USER "\x06" "s3creT");
	CHECK_EQ_I(o.v, PROXY_REFUSED);
	CHECK_STR(o.r.why, "wrong username or password");
	CHECK_EQ_U(o.r.socks_code, 1);
	EXPECT_SAID(&o, "\x05\x02" "\x01\x01");

	o = PARSE("\x05\x01\x02" "\x01\x05" "alicE" "\x06" PASS);
	CHECK_STR(o.r.why, "wrong username or password");
	EXPECT_SAID(&o, "\x05\x02" "\x01\x01");

	/* A prefix of the password, and the password with more after it. */
	o = PARSE("\x05\x01\x02" "\x01\x05" USER "\x05" "s3cre");
	CHECK_STR(o.r.why, "wrong username or password");
	o = PARSE("\x05\x01\x02" "\x01\x05" USER "\x07" "s3cret!");
	CHECK_STR(o.r.why, "wrong username or password");
	o = PARSE("\x05\x01\x02" "\x01\x00\x00");
	CHECK_STR(o.r.why, "wrong username or password");

	/* RFC 1929's version is 1; the answer is its failure status. */
	o = PARSE("\x05\x01\x02" "\x05\x05" USER "\x06" PASS);
	CHECK_EQ_I(o.v, PROXY_REFUSED);
	CHECK_STR(o.r.why, "bad authentication version");
	EXPECT_SAID(&o, "\x05\x02" "\x01\x01");

	/* Not all there: waits, having chosen the method. */
	o = PARSE("\x05\x01\x02" "\x01\x05" USER "\x06" "s3c");
	CHECK_EQ_I(o.v, PROXY_MORE);
	EXPECT_SAID(&o, "\x05\x02");
}

/* Credentials removed by a reload between greeting and authentication:
 * nothing to check them against, refused. */
static void socks_auth_reloaded(void)
{
	static const uint8_t greeting[] = { 5, 1, 2 }, all[] = "\x05\x01\x02" "\x01\x05" USER "\x06" PASS;
	struct proxy_request r;

	proxy_request_init(&r);
	CHECK_EQ_I(proxy_request_feed(&r, greeting, sizeof(greeting), USER, PASS), PROXY_MORE);
	CHECK_EQ_U(r.reply_len, 2);
	CHECK_EQ_I(proxy_request_feed(&r, all, sizeof(all) - 1, NULL, NULL), PROXY_REFUSED);
	CHECK_STR(r.why, "wrong username or password");
	if (CHECK_EQ_U(r.reply_len, 2))
		CHECK_MEM(r.reply, "\x01\x01", 2);
}

static void socks_commands(void)
{
	struct outcome o;

	no_auth();
	o = PARSE("\x05\x01\x00" "\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50");
	expect_socks_refusal(&o, "\x05\x00", 2, 7, "BIND is not supported");
	o = PARSE("\x05\x01\x00" "\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00");
	expect_socks_refusal(&o, "\x05\x00", 2, 7, "UDP ASSOCIATE is not supported");
	o = PARSE("\x05\x01\x00" "\x05\x09\x00\x03\x01" "x" "\x00\x50");
	expect_socks_refusal(&o, "\x05\x00", 2, 7, "unknown command");

	/* The command is judged once the whole request is there. */
	o = PARSE("\x05\x01\x00" "\x05\x02\x00\x01\x7f\x00\x00\x01\x00");
	CHECK_EQ_I(o.v, PROXY_MORE);
}

static void socks_bad_requests(void)
{
	struct outcome o;

	no_auth();
	o = PARSE("\x05\x01\x00" "\x04\x01\x00\x01\x7f");
	expect_socks_refusal(&o, "\x05\x00", 2, 1, "bad SOCKS version in request");
	o = PARSE("\x05\x01\x00" "\x05\x01\x00\x02\x7f");
	expect_socks_refusal(&o, "\x05\x00", 2, 8, "address type not supported");
	o = PARSE("\x05\x01\x00" "\x05\x01\x00\x03\x00\x00\x50");
	expect_socks_refusal(&o, "\x05\x00", 2, 1, "empty host name");
	o = PARSE("\x05\x01\x00" "\x05\x01\x00\x03\x05" "a b.c" "\x00\x50");
	expect_socks_refusal(&o, "\x05\x00", 2, 1, "bad host name");
	o = PARSE("\x05\x01\x00" "\x05\x01\x00\x03\x04" "a\x7f" "bc" "\x00\x50");
	expect_socks_refusal(&o, "\x05\x00", 2, 1, "bad host name");
	o = PARSE("\x05\x01\x00" "\x05\x01\x00\x03\x04" "a\x00" "bc" "\x00\x50");
	expect_socks_refusal(&o, "\x05\x00", 2, 1, "bad host name");
	o = PARSE("\x05\x01\x00" "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x00");
	expect_socks_refusal(&o, "\x05\x00", 2, 1, "port 0");

	/* With authentication, the refusal follows both earlier answers. */
	with_auth();
	o = PARSE("\x05\x01\x02" "\x01\x05" USER "\x06" PASS "\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50");
	expect_socks_refusal(&o, "\x05\x02\x01\x00", 4, 7, "BIND is not supported");
}

/* The first byte decides the protocol; others get no answer. */
static void not_socks5(void)
{
	struct outcome o;

	no_auth();
	o = PARSE("\x04\x01\x00\x50\x7f\x00\x00\x01" "user\0");
	CHECK_EQ_I(o.v, PROXY_REFUSED);
	CHECK_STR(o.r.why, "SOCKS4 is not supported");
	CHECK_EQ_U(o.said_len, 0);
	CHECK_EQ_I(o.r.kind, PROXY_REQUEST_UNKNOWN);
	CHECK_EQ_U(o.r.socks_code, 0);
	CHECK(o.r.http_status == NULL);

	o = PARSE("\x16\x03\x01\x02\x00");
	CHECK_STR(o.r.why, "neither SOCKS5 nor an HTTP CONNECT request");
	CHECK_EQ_U(o.said_len, 0);
	o = PARSE("connect example.com:443 HTTP/1.1\r\n\r\n");
	CHECK_STR(o.r.why, "neither SOCKS5 nor an HTTP CONNECT request");

	/* Nothing yet: nothing decided. */
	o = parse("", 0);
	CHECK_EQ_I(o.v, PROXY_MORE);
}

/* ---- HTTP CONNECT ---- */

static void http_connect(void)
{
	static const char msg[] = "CONNECT example.com:443 HTTP/1.1\r\n"
	                          "Host: example.com:443\r\n"
	                          "Proxy-Connection: keep-alive\r\n"
	                          "User-Agent: test\r\n\r\n";
	struct outcome o;

	o = PARSE(msg);
	expect_complete(&o, PROXY_REQUEST_HTTP, "example.com", 443, sizeof(msg) - 1);
	CHECK_EQ_U(o.said_len, 0); /* the stream answers, once connected */

	o = PARSE("CONNECT 10.1.2.3:22 HTTP/1.0\r\n\r\n");
	expect_complete(&o, PROXY_REQUEST_HTTP, "10.1.2.3", 22, 32);

	/* The credentials are for SOCKS5 only. */
	with_auth();
	o = PARSE("CONNECT host:1 HTTP/1.1\r\n\r\n");
	expect_complete(&o, PROXY_REQUEST_HTTP, "host", 1, 27);
	no_auth();
}

static void http_ipv6(void)
{
	static const char msg[] = "CONNECT [2001:db8::1]:8443 HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n";
	struct outcome o;

	o = PARSE(msg);
	expect_complete(&o, PROXY_REQUEST_HTTP, "2001:db8::1", 8443, sizeof(msg) - 1);
	/* Without brackets the last colon ends the host. */
	o = PARSE("CONNECT ::1:80 HTTP/1.1\r\n\r\n");
	expect_complete(&o, PROXY_REQUEST_HTTP, "::1", 80, 27);

	o = PARSE("CONNECT [::1]80 HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad CONNECT target");
	o = PARSE("CONNECT [::1 HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad CONNECT target");
}

static void http_ports(void)
{
	struct outcome o;

	o = PARSE("CONNECT example.com HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad CONNECT target");
	o = PARSE("CONNECT :443 HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad CONNECT target");
	o = PARSE("CONNECT example.com: HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad port in CONNECT target");
	o = PARSE("CONNECT example.com:0 HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad port in CONNECT target");
	o = PARSE("CONNECT example.com:65536 HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad port in CONNECT target");
	o = PARSE("CONNECT example.com:80x HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad port in CONNECT target");
	o = PARSE("CONNECT example.com:-1 HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad port in CONNECT target");
	o = PARSE("CONNECT [::1]: HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad port in CONNECT target");
	o = PARSE("CONNECT example.com:99999999999999999999999 HTTP/1.1\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "bad port in CONNECT target");

	o = PARSE("CONNECT example.com:65535 HTTP/1.1\r\n\r\n");
	expect_complete(&o, PROXY_REQUEST_HTTP, "example.com", 65535, 38);
}

static void http_bad_lines(void)
{
	struct outcome o;

	o = PARSE("GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n");
	expect_http_refusal(&o, "405 Method Not Allowed", "only CONNECT is supported");
	o = PARSE("CONNECT example.com:443\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "malformed HTTP request line");
	o = PARSE("CONNECT example.com:443 HTTP/2\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "malformed HTTP request line");
	o = PARSE("CONNECT\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "malformed HTTP request line");
	/* A NUL anywhere in the head. */
	o = PARSE("CONNECT example.com:443 HTTP/1.1\r\nX: a\0b\r\n\r\n");
	expect_http_refusal(&o, "400 Bad Request", "malformed HTTP request line");

	/* A request line of 511 bytes fits, of 512 does not (the spaces
	 * padding it out are not read). */
	char line[600];

	for (size_t len = 511; len <= 512; len++) {
		snprintf(line, sizeof(line), "CONNECT h:1 HTTP/1.1%*s\r\n\r\n", (int)(len - 20), "");
		o = parse(line, strlen(line));
		if (len == 511)
			expect_complete(&o, PROXY_REQUEST_HTTP, "h", 1, strlen(line));
		else
			expect_http_refusal(&o, "400 Bad Request", "malformed HTTP request line");
	}
}

/* The head ends at its first blank line (CRLF CRLF); bare LFs do not end it. */
static void http_head_end(void)
{
	static const char msg[] = "CONNECT a.b:5 HTTP/1.1\r\nA: 1\r\n\r\nB: 2\r\n\r\n";
	struct outcome o;

	o = PARSE(msg);
	expect_complete(&o, PROXY_REQUEST_HTTP, "a.b", 5, 32);
	CHECK_STR(msg + o.r.used, "B: 2\r\n\r\n");

	o = PARSE("CONNECT a.b:5 HTTP/1.1\n\n");
	CHECK_EQ_I(o.v, PROXY_MORE);
	o = PARSE("CONNECT a.b:5 HTTP/1.1\r\nHost: a.b:5\r\n");
	CHECK_EQ_I(o.v, PROXY_MORE);
	CHECK_EQ_U(o.said_len, 0);
	CHECK_EQ_I(o.r.kind, PROXY_REQUEST_HTTP);
}

static void http_early_data(void)
{
	static const char msg[] = "CONNECT example.com:443 HTTP/1.1\r\n\r\n\x16\x03\x01\x00\x05hello";
	struct outcome o;

	o = PARSE(msg);
	expect_complete(&o, PROXY_REQUEST_HTTP, "example.com", 443, 36);
	CHECK_MEM(msg + o.r.used, "\x16\x03\x01\x00\x05hello", 10);
}

/* A head of len bytes: the request line, one long header, the blank line. */
static char *long_head(size_t len)
{
	static const char start[] = "CONNECT big.example:443 HTTP/1.1\r\nX: ";
	char *head = malloc(len);

	if (!head) {
		perror("malloc");
		exit(2);
	}
	memset(head, 'x', len);
	memcpy(head, start, sizeof(start) - 1);
	memcpy(head + len - 4, "\r\n\r\n", 4);
	return head;
}

static void http_too_long(void)
{
	struct outcome o;
	char *head;

	/* Exactly PROXY_REQUEST_MAX bytes: fits. */
	head = long_head(PROXY_REQUEST_MAX);
	o = parse(head, PROXY_REQUEST_MAX);
	expect_complete(&o, PROXY_REQUEST_HTTP, "big.example", 443, PROXY_REQUEST_MAX);
	free(head);

	/* One more: the blank line is past the limit. */
	head = long_head(PROXY_REQUEST_MAX + 1);
	o = parse(head, PROXY_REQUEST_MAX + 1);
	expect_http_refusal(&o, "431 Request Header Fields Too Large", "HTTP request head too large");
	free(head);

	/* No blank line at all: refused when the limit is reached, whatever
	 * comes after. */
	head = long_head(PROXY_REQUEST_MAX + 100);
	head[PROXY_REQUEST_MAX + 100 - 4] = 'x';
	o = parse(head, PROXY_REQUEST_MAX - 1);
	CHECK_EQ_I(o.v, PROXY_MORE);
	o = parse(head, PROXY_REQUEST_MAX);
	expect_http_refusal(&o, "431 Request Header Fields Too Large", "HTTP request head too large");
	o = parse(head, PROXY_REQUEST_MAX + 100);
	expect_http_refusal(&o, "431 Request Header Fields Too Large", "HTTP request head too large");
	free(head);
}

/* ---- the calls ---- */

/* Once decided, later calls say the same and write nothing more. */
static void verdict_sticks(void)
{
	static const uint8_t msg[] = "\x05\x01\x00" "\x05\x01\x00\x01\x7f\x00\x00\x01\x00\x50" "more";
	static const uint8_t bad[] = "\x05\x01\x01";
	struct proxy_request r;

	proxy_request_init(&r);
	CHECK_EQ_I(proxy_request_feed(&r, msg, 13, NULL, NULL), PROXY_COMPLETE);
	CHECK_EQ_U(r.reply_len, 2);
	CHECK_EQ_I(proxy_request_feed(&r, msg, sizeof(msg) - 1, NULL, NULL), PROXY_COMPLETE);
	CHECK_EQ_U(r.reply_len, 0);
	CHECK_EQ_U(r.used, 13);

	proxy_request_init(&r);
	CHECK_EQ_I(proxy_request_feed(&r, bad, 3, NULL, NULL), PROXY_REFUSED);
	CHECK_EQ_U(r.reply_len, 2);
	CHECK_EQ_I(proxy_request_feed(&r, bad, 3, NULL, NULL), PROXY_REFUSED);
	CHECK_EQ_U(r.reply_len, 0);

	/* The same bytes again (nothing new arrived): no second answer. */
	proxy_request_init(&r);
	CHECK_EQ_I(proxy_request_feed(&r, msg, 3, NULL, NULL), PROXY_MORE);
	CHECK_EQ_U(r.reply_len, 2);
	CHECK_EQ_I(proxy_request_feed(&r, msg, 3, NULL, NULL), PROXY_MORE);
	CHECK_EQ_U(r.reply_len, 0);
}

int main(void)
{
	RUN(socks_ipv4);
	RUN(socks_domain);
	RUN(socks_ipv6);
	RUN(socks_early_data);
	RUN(socks_methods);
	RUN(socks_auth_ok);
	RUN(socks_auth_bad);
	RUN(socks_auth_reloaded);
	RUN(socks_commands);
	RUN(socks_bad_requests);
	RUN(not_socks5);
	RUN(http_connect);
	RUN(http_ipv6);
	RUN(http_ports);
	RUN(http_bad_lines);
	RUN(http_head_end);
	RUN(http_early_data);
	RUN(http_too_long);
	RUN(verdict_sticks);
	return check_report();
}
