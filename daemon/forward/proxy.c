/* Dynamic forwarding (ssh -D): a local SOCKS5 (RFC 1928, with RFC 1929
 * username/password when configured) and HTTP CONNECT proxy on one port. The
 * handshake is read here without blocking; the destination it names becomes
 * a stream's SYN, and the stream answers the client once the server has
 * connected (or refused, with the matching reply code). */
#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward/fwd.h"
#include "forward/proxy.h"
#include "forward/tunnels.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "toxtun/log.h"

#define HANDSHAKE_TIMEOUT 30.0
/* An HTTP request head must fit; SOCKS5 messages are far smaller. */
#define HEAD_MAX 8192

enum step { STEP_START, STEP_GREETING, STEP_AUTH, STEP_REQUEST, STEP_HTTP };

struct proxy_conn {
	struct fwd *f;
	struct tt_client_tunnel t;
	char origin[80];
	int fd;
	enum step step;
	uint8_t buf[HEAD_MAX];
	size_t len;
	ev_io io;
	ev_timer timer;
};

static void conn_free(struct proxy_conn *pc, bool close_fd)
{
	ev_io_stop(pc->f->loop, &pc->io);
	ev_timer_stop(pc->f->loop, &pc->timer);
	if (close_fd)
		close(pc->fd);
	free(pc);
}

/* Best effort: these replies are a few bytes on a fresh socket. */
static void send_bytes(int fd, const void *p, size_t n)
{
	ssize_t r = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)r;
}

static void refuse(struct proxy_conn *pc, const void *reply, size_t n, const char *why)
{
	if (reply)
		send_bytes(pc->fd, reply, n);
	log_warn("tunnel %s: proxy request from %s refused: %s", pc->t.name, pc->origin, why);
	conn_free(pc, true);
}

static void consume(struct proxy_conn *pc, size_t n)
{
	memmove(pc->buf, pc->buf + n, pc->len - n);
	pc->len -= n;
}

static const struct stream_endpoint *endpoint_of(enum proxy_kind kind);

/* The request is complete: hand the socket to a stream. What the client sent
 * after the request (it may not wait for our reply) goes with it. */
static void open_stream(struct proxy_conn *pc, const char *host, uint16_t port, enum proxy_kind kind)
{
	struct session *s = fwd_session(pc->f, pc->t.server_id, false);
	int fd = pc->fd;
	struct stream_open o = {
		.tunnel = pc->t.name, .counters = tunnels_client_counters(pc->f->tunnels, pc->t.name),
		.origin = pc->origin, .host = host, .port = port, .early = pc->buf,
		.early_len = pc->len, .endpoint = endpoint_of(kind),
	};

	if (!s) {
		refuse(pc, NULL, 0, "no session for its server");
		return;
	}
	log_debug("tunnel %s: %s asks for %s:%u", pc->t.name, pc->origin, host, (unsigned)port);
	ev_io_stop(pc->f->loop, &pc->io);
	stream_open_local(s, fd, &o);
	conn_free(pc, false);
}

/* ---- SOCKS5 ---- */

static const uint8_t no_methods[] = { 5, 0xff };

/* Returns true when it needs more bytes. */
static bool socks_greeting(struct proxy_conn *pc)
{
	bool want_auth = pc->f->cfg->socks_user != NULL;
	uint8_t method = want_auth ? 2 : 0, reply[2] = { 5, 0 };
	size_t need;
	bool offered = false;

	if (pc->len < 2)
		return true;
	need = 2 + (size_t)pc->buf[1];
	if (pc->len < need)
		return true;
	for (size_t i = 2; i < need; i++)
		offered |= pc->buf[i] == method;
	if (!offered) {
		refuse(pc, no_methods, sizeof(no_methods),
		       want_auth ? "no username/password method offered" : "no 'no authentication' method offered");
		return false;
	}
	reply[1] = method;
	send_bytes(pc->fd, reply, sizeof(reply));
	consume(pc, need);
	pc->step = want_auth ? STEP_AUTH : STEP_REQUEST;
	return true;
}

/* RFC 1929: VER=1 ULEN UNAME PLEN PASSWD. Compared without early exit. */
static bool socks_auth(struct proxy_conn *pc)
{
	static const uint8_t ok[] = { 1, 0 }, bad[] = { 1, 1 };
	const char *user = pc->f->cfg->socks_user, *pass = pc->f->cfg->socks_pass;
	size_t ulen, plen;
	bool good;

	if (pc->len < 2)
		return true;
	if (pc->buf[0] != 1) {
		refuse(pc, bad, sizeof(bad), "bad authentication version");
		return false;
	}
	ulen = pc->buf[1];
	if (pc->len < 2 + ulen + 1)
		return true;
	plen = pc->buf[2 + ulen];
	if (pc->len < 3 + ulen + plen)
		return true;
	good = ulen == strlen(user) && plen == strlen(pass);
	good &= sodium_memcmp(pc->buf + 2, user, good ? ulen : 0) == 0;
	good &= sodium_memcmp(pc->buf + 3 + ulen, pass, good ? plen : 0) == 0;
	if (!good) {
		refuse(pc, bad, sizeof(bad), "wrong username or password");
		return false;
	}
	send_bytes(pc->fd, ok, sizeof(ok));
	consume(pc, 3 + ulen + plen);
	pc->step = STEP_REQUEST;
	return true;
}

static void socks_fail(struct proxy_conn *pc, uint8_t rep, const char *why)
{
	uint8_t reply[10] = { 5, rep, 0, 1 };

	refuse(pc, reply, sizeof(reply), why);
}

static bool socks_request(struct proxy_conn *pc)
{
	char host[TT_HOST_MAX];
	size_t addr_len, need;
	uint16_t port;

	if (pc->len < 5)
		return true;
	if (pc->buf[0] != 5) {
		socks_fail(pc, 1, "bad SOCKS version in request");
		return false;
	}
	switch (pc->buf[3]) {
	case 1: addr_len = 4; break;
	case 3: addr_len = 1 + (size_t)pc->buf[4]; break;
	case 4: addr_len = 16; break;
	default:
		socks_fail(pc, 8, "address type not supported");
		return false;
	}
	need = 4 + addr_len + 2;
	if (pc->len < need)
		return true;
	if (pc->buf[1] != 1) {
		socks_fail(pc, 7, pc->buf[1] == 2 ? "BIND is not supported" :
		                  pc->buf[1] == 3 ? "UDP ASSOCIATE is not supported" : "unknown command");
		return false;
	}
	if (pc->buf[3] == 1)
		inet_ntop(AF_INET, pc->buf + 4, host, sizeof(host));
	else if (pc->buf[3] == 4)
		inet_ntop(AF_INET6, pc->buf + 4, host, sizeof(host));
	else {
		size_t n = pc->buf[4];

		for (size_t i = 0; i < n; i++) {
			if (pc->buf[5 + i] <= ' ' || pc->buf[5 + i] >= 0x7f) {
				socks_fail(pc, 1, "bad host name");
				return false;
			}
		}
		if (n == 0) {
			socks_fail(pc, 1, "empty host name");
			return false;
		}
		memcpy(host, pc->buf + 5, n);
		host[n] = '\0';
	}
	port = (uint16_t)(pc->buf[4 + addr_len] << 8 | pc->buf[5 + addr_len]);
	if (port == 0) {
		socks_fail(pc, 1, "port 0");
		return false;
	}
	consume(pc, need);
	open_stream(pc, host, port, PROXY_SOCKS5);
	return false;
}

/* ---- HTTP CONNECT ---- */

static void http_fail(struct proxy_conn *pc, const char *status, const char *why)
{
	char reply[128];
	int n = snprintf(reply, sizeof(reply), "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);

	refuse(pc, reply, (size_t)n, why);
}

static bool http_request(struct proxy_conn *pc)
{
	char line[512], method[16], target[TT_HOST_MAX], version[16], host[TT_HOST_MAX];
	const uint8_t *end = NULL;
	const char *colon;
	size_t head, llen;
	char *p;
	long port;

	for (size_t i = 3; i < pc->len && !end; i++)
		if (!memcmp(pc->buf + i - 3, "\r\n\r\n", 4))
			end = pc->buf + i + 1;
	if (!end) {
		if (pc->len < sizeof(pc->buf))
			return true;
		http_fail(pc, "431 Request Header Fields Too Large", "HTTP request head too large");
		return false;
	}
	head = (size_t)(end - pc->buf);
	llen = strcspn((const char *)pc->buf, "\r");
	if (llen >= sizeof(line) || memchr(pc->buf, '\0', head)) {
		http_fail(pc, "400 Bad Request", "malformed HTTP request line");
		return false;
	}
	memcpy(line, pc->buf, llen);
	line[llen] = '\0';
	if (sscanf(line, "%15s %255s %15s", method, target, version) != 3 || strncmp(version, "HTTP/1.", 7)) {
		http_fail(pc, "400 Bad Request", "malformed HTTP request line");
		return false;
	}
	if (strcmp(method, "CONNECT") != 0) {
		http_fail(pc, "405 Method Not Allowed", "only CONNECT is supported");
		return false;
	}
	/* host:port or [v6]:port */
	if (target[0] == '[') {
		p = strchr(target, ']');
		if (!p || p[1] != ':') {
			http_fail(pc, "400 Bad Request", "bad CONNECT target");
			return false;
		}
		*p = '\0';
		snprintf(host, sizeof(host), "%s", target + 1);
		colon = p + 1;
	} else {
		colon = strrchr(target, ':');
		if (!colon || colon == target) {
			http_fail(pc, "400 Bad Request", "bad CONNECT target");
			return false;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - target), target);
	}
	port = strtol(colon + 1, &p, 10);
	if (*p || port < 1 || port > 65535) {
		http_fail(pc, "400 Bad Request", "bad port in CONNECT target");
		return false;
	}
	consume(pc, head);
	open_stream(pc, host, (uint16_t)port, PROXY_HTTP);
	return false;
}

/* ---- the handshake loop ---- */

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct proxy_conn *pc = w->data;
	ssize_t n = recv(pc->fd, pc->buf + pc->len, sizeof(pc->buf) - pc->len, MSG_DONTWAIT);

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		log_debug("tunnel %s: %s closed before finishing the proxy handshake", pc->t.name, pc->origin);
		conn_free(pc, true);
		return;
	}
	pc->len += (size_t)n;
	/* Each step returns true to wait for more bytes; false when it ended
	 * (refused, or handed over: pc is gone). */
	for (;;) {
		enum step before = pc->step;
		bool more;

		switch (pc->step) {
		case STEP_START:
			if (pc->buf[0] == 5) {
				pc->step = STEP_GREETING;
			} else if (pc->buf[0] >= 'A' && pc->buf[0] <= 'Z') {
				pc->step = STEP_HTTP;
			} else {
				refuse(pc, NULL, 0, pc->buf[0] == 4 ? "SOCKS4 is not supported" :
				                                      "neither SOCKS5 nor an HTTP CONNECT request");
				return;
			}
			continue;
		case STEP_GREETING: more = socks_greeting(pc); break;
		case STEP_AUTH: more = socks_auth(pc); break;
		case STEP_REQUEST: more = socks_request(pc); break;
		case STEP_HTTP: more = http_request(pc); break;
		default: more = false;
		}
		if (!more)
			return;
		if (pc->step == before || pc->len == 0)
			break;
	}
	if (pc->len == sizeof(pc->buf))
		refuse(pc, NULL, 0, "handshake too long");
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	refuse(w->data, NULL, 0, "no complete request within 30 s");
}

void proxy_accept(struct fwd *f, const struct tt_client_tunnel *t, int fd, const char *origin)
{
	struct proxy_conn *pc = calloc(1, sizeof(*pc));

	if (!pc) {
		close(fd);
		return;
	}
	pc->f = f;
	pc->t = *t;
	pc->fd = fd;
	snprintf(pc->origin, sizeof(pc->origin), "%s", origin);
	ev_io_init(&pc->io, on_readable, fd, EV_READ);
	ev_timer_init(&pc->timer, on_timeout, HANDSHAKE_TIMEOUT, 0);
	pc->io.data = pc->timer.data = pc;
	ev_io_start(f->loop, &pc->io);
	ev_timer_start(f->loop, &pc->timer);
}

/* ---- replies, sent by the stream ---- */

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

static void proxy_reply(int fd, enum proxy_kind kind, bool ok, uint8_t reason)
{
	if (kind == PROXY_SOCKS5) {
		uint8_t reply[10] = { 5, ok ? 0 : socks_rep(reason), 0, 1 };

		send_bytes(fd, reply, sizeof(reply));
	} else if (kind == PROXY_HTTP) {
		char reply[160];
		int n = ok ? snprintf(reply, sizeof(reply), "HTTP/1.1 200 Connection established\r\n\r\n")
		           : snprintf(reply, sizeof(reply),
		                      "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		                      http_status(reason));

		send_bytes(fd, reply, (size_t)n);
	}
}

/* The stream answers the proxy client in its own protocol. */
static void socks_opened(void *ctx, struct stream *st) { proxy_reply(stream_fd(st), PROXY_SOCKS5, true, 0); }
static void http_opened(void *ctx, struct stream *st) { proxy_reply(stream_fd(st), PROXY_HTTP, true, 0); }

static void socks_refused(void *ctx, struct stream *st, uint8_t reason)
{
	proxy_reply(stream_fd(st), PROXY_SOCKS5, false, reason);
}

static void http_refused(void *ctx, struct stream *st, uint8_t reason)
{
	proxy_reply(stream_fd(st), PROXY_HTTP, false, reason);
}

static const struct stream_endpoint socks_endpoint = { .opened = socks_opened, .refused = socks_refused };
static const struct stream_endpoint http_endpoint = { .opened = http_opened, .refused = http_refused };

static const struct stream_endpoint *endpoint_of(enum proxy_kind kind)
{
	return kind == PROXY_SOCKS5 ? &socks_endpoint : kind == PROXY_HTTP ? &http_endpoint : NULL;
}
