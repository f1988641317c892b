/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parsing what a client of a socks5 line sends before its tunnel opens: the
 * SOCKS5 greeting, RFC 1929 authentication and request, or an HTTP CONNECT
 * head (see proxy_request.h). Pure: the answers are written into the struct
 * for the caller to send.
 *
 * Each step looks at the bytes from r->pos on and either waits (the message
 * is not all there: nothing changes), finishes (r->pos and r->step move on)
 * or ends the parse. The verdict thus depends only on the bytes, never on how
 * they were split between calls. */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward/proxy_request.h"
#include "toxtun/frame.h"

/* The sscanf widths in http_request are written for this size. */
_Static_assert(TT_HOST_MAX == 256, "update the %255s in http_request");

static void say(struct proxy_request *r, const void *p, size_t n)
{
	/* Cannot fill up (see PROXY_REPLY_MAX); cut rather than overrun. */
	if (n > sizeof(r->reply) - r->reply_len)
		n = sizeof(r->reply) - r->reply_len;
	memcpy(r->reply + r->reply_len, p, n);
	r->reply_len += n;
}

static enum proxy_verdict refuse(struct proxy_request *r, const void *answer, size_t n, const char *why)
{
	if (answer)
		say(r, answer, n);
	r->why = why;
	r->step = PROXY_STEP_DONE;
	return PROXY_REFUSED;
}

/* ---- SOCKS5 ---- */

static enum proxy_verdict socks_fail(struct proxy_request *r, uint8_t rep, const char *why)
{
	uint8_t answer[10] = { 5, rep, 0, 1 };

	r->socks_code = rep;
	return refuse(r, answer, sizeof(answer), why);
}

/* VER=5 NMETHODS METHODS: we take "no authentication" (0), or only
 * username/password (2) when credentials are configured. */
static enum proxy_verdict socks_greeting(struct proxy_request *r, const uint8_t *p, size_t n, bool want_auth)
{
	static const uint8_t no_methods[] = { 5, 0xff };
	uint8_t method = want_auth ? 2 : 0, choice[2] = { 5, 0 };
	size_t need;
	bool offered = false;

	if (n < 2)
		return PROXY_MORE;
	need = 2 + (size_t)p[1];
	if (n < need)
		return PROXY_MORE;
	for (size_t i = 2; i < need; i++)
		offered |= p[i] == method;
	if (!offered) {
		r->socks_code = 0xff;
		return refuse(r, no_methods, sizeof(no_methods),
		              want_auth ? "no username/password method offered" : "no 'no authentication' method offered");
	}
	choice[1] = method;
	say(r, choice, sizeof(choice));
	r->pos += need;
	r->step = want_auth ? PROXY_STEP_AUTH : PROXY_STEP_REQUEST;
	return PROXY_MORE;
}

/* Without an early exit, so that the time taken does not tell how much of a
 * guess was right (only whether its length was). */
static bool secret_equal(const uint8_t *got, size_t got_len, const char *want)
{
	size_t n = strlen(want);
	volatile uint8_t diff = 0;

	if (got_len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		diff |= got[i] ^ (uint8_t)want[i];
	return diff == 0;
}

/* RFC 1929: VER=1 ULEN UNAME PLEN PASSWD. With no credentials configured
 * any more (a reload between greeting and authentication) there is nothing
 * to match: refused. */
static enum proxy_verdict socks_auth(struct proxy_request *r, const uint8_t *p, size_t n,
                                     const char *user, const char *pass)
{
	static const uint8_t ok[] = { 1, 0 }, bad[] = { 1, 1 };
	size_t ulen, plen;
	bool user_ok, pass_ok;

	if (n < 2)
		return PROXY_MORE;
	if (p[0] != 1) {
		r->socks_code = 1;
		return refuse(r, bad, sizeof(bad), "bad authentication version");
	}
	ulen = p[1];
	if (n < 2 + ulen + 1)
		return PROXY_MORE;
	plen = p[2 + ulen];
	if (n < 3 + ulen + plen)
		return PROXY_MORE;
	/* Both compared, whatever the first says. */
	user_ok = user && secret_equal(p + 2, ulen, user);
	pass_ok = user && secret_equal(p + 3 + ulen, plen, pass ? pass : "");
	if (!user_ok || !pass_ok) {
		r->socks_code = 1;
		return refuse(r, bad, sizeof(bad), "wrong username or password");
	}
	say(r, ok, sizeof(ok));
	r->pos += 3 + ulen + plen;
	r->step = PROXY_STEP_REQUEST;
	return PROXY_MORE;
}

/* A domain name as the client spelled it: printable ASCII, no spaces. */
static enum proxy_verdict socks_name(struct proxy_request *r, const uint8_t *name, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] >= 0x7f)
			return socks_fail(r, 1, "bad host name");
	if (n == 0)
		return socks_fail(r, 1, "empty host name");
	memcpy(r->host, name, n); /* n <= 255 < TT_HOST_MAX */
	r->host[n] = '\0';
	return PROXY_MORE;
}

/* VER=5 CMD RSV ATYP DST.ADDR DST.PORT; only CONNECT. */
static enum proxy_verdict socks_request(struct proxy_request *r, const uint8_t *p, size_t n)
{
	size_t addr_len, need;

	if (n < 5)
		return PROXY_MORE;
	if (p[0] != 5)
		return socks_fail(r, 1, "bad SOCKS version in request");
	switch (p[3]) {
	case 1: addr_len = 4; break;
	case 3: addr_len = 1 + (size_t)p[4]; break;
	case 4: addr_len = 16; break;
	default: return socks_fail(r, 8, "address type not supported");
	}
	need = 4 + addr_len + 2;
	if (n < need)
		return PROXY_MORE;
	if (p[1] != 1)
		return socks_fail(r, 7, p[1] == 2 ? "BIND is not supported" :
		                        p[1] == 3 ? "UDP ASSOCIATE is not supported" : "unknown command");
	/* inet_ntop only formats (no sockets): addresses read the way the rest
	 * of the daemon prints them. */
	if (p[3] == 1)
		inet_ntop(AF_INET, p + 4, r->host, sizeof(r->host));
	else if (p[3] == 4)
		inet_ntop(AF_INET6, p + 4, r->host, sizeof(r->host));
	else if (socks_name(r, p + 5, p[4]) == PROXY_REFUSED)
		return PROXY_REFUSED;
	r->port = (uint16_t)(p[4 + addr_len] << 8 | p[5 + addr_len]);
	if (r->port == 0)
		return socks_fail(r, 1, "port 0");
	r->pos += need;
	r->used = r->pos;
	r->step = PROXY_STEP_DONE;
	return PROXY_COMPLETE;
}

/* ---- HTTP CONNECT ---- */

/* An HTTP answer with no body: status is "200 Connection established" or
 * a refusal, after which the connection closes. */
static size_t http_answer(const char *status, bool ok, char *out, size_t cap)
{
	int n = ok ? snprintf(out, cap, "HTTP/1.1 %s\r\n\r\n", status)
	           : snprintf(out, cap, "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
	                      status);

	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}

static enum proxy_verdict http_fail(struct proxy_request *r, const char *status, const char *why)
{
	char answer[PROXY_REPLY_MAX];

	r->http_status = status;
	return refuse(r, answer, http_answer(status, false, answer, sizeof(answer)), why);
}

/* The end of the head (just past its blank line) within buf[0..len), or 0.
 * The search resumes where the last one stopped, so that a head arriving
 * byte by byte is not scanned over and over. */
static size_t http_head_end(struct proxy_request *r, const uint8_t *buf, size_t len)
{
	if (r->scan < 3)
		r->scan = 3;
	for (; r->scan < len; r->scan++)
		if (!memcmp(buf + r->scan - 3, "\r\n\r\n", 4))
			return r->scan + 1;
	return 0;
}

/* target is host:port or [v6]:port; host and port are set when it is. */
static enum proxy_verdict http_target(struct proxy_request *r, char *target)
{
	const char *colon;
	char *p;
	long port;

	if (target[0] == '[') {
		p = strchr(target, ']');
		if (!p || p[1] != ':')
			return http_fail(r, "400 Bad Request", "bad CONNECT target");
		*p = '\0';
		snprintf(r->host, sizeof(r->host), "%s", target + 1);
		colon = p + 1;
	} else {
		colon = strrchr(target, ':');
		if (!colon || colon == target)
			return http_fail(r, "400 Bad Request", "bad CONNECT target");
		snprintf(r->host, sizeof(r->host), "%.*s", (int)(colon - target), target);
	}
	port = strtol(colon + 1, &p, 10);
	if (*p || port < 1 || port > 65535)
		return http_fail(r, "400 Bad Request", "bad port in CONNECT target");
	r->port = (uint16_t)port;
	return PROXY_MORE;
}

/* "CONNECT target HTTP/1.x", headers, a blank line. The headers are not
 * read: a proxy on the user's own machine needs none of them. */
static enum proxy_verdict http_request(struct proxy_request *r, const uint8_t *buf, size_t len)
{
	char line[512], method[16], target[TT_HOST_MAX], version[16];
	size_t head, llen;
	const uint8_t *cr;

	if (len > PROXY_REQUEST_MAX)
		len = PROXY_REQUEST_MAX;
	head = http_head_end(r, buf, len);
	if (!head) {
		if (len < PROXY_REQUEST_MAX)
			return PROXY_MORE;
		return http_fail(r, "431 Request Header Fields Too Large", "HTTP request head too large");
	}
	cr = memchr(buf, '\r', head); /* there is one: the head ends in \r\n\r\n */
	llen = (size_t)(cr - buf);
	if (llen >= sizeof(line) || memchr(buf, '\0', head))
		return http_fail(r, "400 Bad Request", "malformed HTTP request line");
	memcpy(line, buf, llen);
	line[llen] = '\0';
	if (sscanf(line, "%15s %255s %15s", method, target, version) != 3 || strncmp(version, "HTTP/1.", 7))
		return http_fail(r, "400 Bad Request", "malformed HTTP request line");
	if (strcmp(method, "CONNECT") != 0)
		return http_fail(r, "405 Method Not Allowed", "only CONNECT is supported");
	if (http_target(r, target) == PROXY_REFUSED)
		return PROXY_REFUSED;
	r->used = head;
	r->step = PROXY_STEP_DONE;
	return PROXY_COMPLETE;
}

/* ---- the steps ---- */

/* The first byte tells the protocol: SOCKS5's version, or an HTTP method's
 * first letter. */
static enum proxy_verdict start(struct proxy_request *r, const uint8_t *buf, size_t len)
{
	if (len == 0)
		return PROXY_MORE;
	if (buf[0] == 5) {
		r->kind = PROXY_REQUEST_SOCKS5;
		r->step = PROXY_STEP_GREETING;
	} else if (buf[0] >= 'A' && buf[0] <= 'Z') {
		r->kind = PROXY_REQUEST_HTTP;
		r->step = PROXY_STEP_HTTP;
	} else {
		return refuse(r, NULL, 0, buf[0] == 4 ? "SOCKS4 is not supported" :
		                                        "neither SOCKS5 nor an HTTP CONNECT request");
	}
	return PROXY_MORE;
}

static enum proxy_verdict step(struct proxy_request *r, const uint8_t *buf, size_t len,
                               const char *user, const char *pass)
{
	const uint8_t *p = buf + r->pos;
	size_t n = len - r->pos;

	switch (r->step) {
	case PROXY_STEP_START: return start(r, buf, len);
	case PROXY_STEP_GREETING: return socks_greeting(r, p, n, user != NULL);
	case PROXY_STEP_AUTH: return socks_auth(r, p, n, user, pass);
	case PROXY_STEP_REQUEST: return socks_request(r, p, n);
	case PROXY_STEP_HTTP: return http_request(r, buf, len);
	case PROXY_STEP_DONE: break;
	}
	return r->verdict;
}

void proxy_request_init(struct proxy_request *r)
{
	memset(r, 0, sizeof(*r));
	r->step = PROXY_STEP_START;
	r->verdict = PROXY_MORE;
}

enum proxy_verdict proxy_request_feed(struct proxy_request *r, const uint8_t *buf, size_t len,
                                      const char *user, const char *pass)
{
	r->reply_len = 0;
	if (r->verdict != PROXY_MORE)
		return r->verdict;
	if (len < r->pos)
		return PROXY_MORE; /* fewer bytes than before: nothing new to see */
	for (;;) {
		enum proxy_request_step before = r->step;

		r->verdict = step(r, buf, len, user, pass);
		if (r->verdict != PROXY_MORE)
			return r->verdict;
		if (r->step == before)
			break;
	}
	/* Cannot happen (SOCKS5 decides within 1032 bytes, HTTP at
	 * PROXY_REQUEST_MAX), but a handshake must end somewhere. */
	if (len >= PROXY_REQUEST_MAX)
		r->verdict = refuse(r, NULL, 0, "handshake too long");
	return r->verdict;
}

/* ---- the answer once the server connected or refused ---- */

static uint8_t socks_rep(uint8_t reason)
{
	switch (reason) {
	case TT_REASON_NOT_PERMITTED: return 2; /* connection not allowed by ruleset */
	case TT_REASON_UNREACHABLE: return 3;   /* network unreachable */
	case TT_REASON_RESOLVE:
	case TT_REASON_TIMEOUT: return 4;       /* host unreachable */
	case TT_REASON_REFUSED: return 5;       /* connection refused */
	default: return 1;                      /* general failure */
	}
}

static const char *http_status(uint8_t reason)
{
	switch (reason) {
	case TT_REASON_NOT_PERMITTED: return "403 Forbidden";
	case TT_REASON_TIMEOUT: return "504 Gateway Timeout";
	case TT_REASON_SHUTDOWN:
	case TT_REASON_LIMIT: return "503 Service Unavailable";
	default: return "502 Bad Gateway";
	}
}

size_t proxy_request_answer(enum proxy_request_kind kind, bool ok, uint8_t reason, uint8_t *out,
                            size_t cap)
{
	if (kind == PROXY_REQUEST_SOCKS5) {
		uint8_t reply[10] = { 5, ok ? 0 : socks_rep(reason), 0, 1 };

		if (cap < sizeof(reply))
			return 0;
		memcpy(out, reply, sizeof(reply));
		return sizeof(reply);
	}
	if (kind == PROXY_REQUEST_HTTP)
		return http_answer(ok ? "200 Connection established" : http_status(reason), ok, (char *)out, cap);
	return 0;
}
