/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The request a client of a socks5 line makes: a SOCKS5 handshake (RFC 1928,
 * with RFC 1929 username/password when configured) or an HTTP CONNECT head.
 * Kept apart from the sockets that carry it (forward/proxy.c), so that every
 * byte sequence a local client may send is unit-tested and fuzzed without a
 * running node. No I/O here: the parser is handed the bytes received so far
 * and says what to write back and whether the request is complete. */
#ifndef TOXTUN_PROXY_REQUEST_H
#define TOXTUN_PROXY_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toxtun/config.h"

/* An HTTP request head must fit in this many bytes (431 otherwise). The
 * SOCKS5 messages are far smaller: greeting, authentication and request
 * together are at most 257 + 513 + 262 bytes. */
#define PROXY_REQUEST_MAX 8192

/* Room for everything one call may ask to write back: the longest is an HTTP
 * refusal (about 90 bytes); SOCKS5 needs at most 2 + 2 + 10. */
#define PROXY_REPLY_MAX 128

enum proxy_verdict {
	PROXY_MORE,     /* not complete yet: feed again when more bytes came */
	PROXY_COMPLETE, /* a request: kind, host, port, used */
	PROXY_REFUSED,  /* turned away: why, and the answer is in reply */
};

enum proxy_request_kind { PROXY_REQUEST_UNKNOWN, PROXY_REQUEST_SOCKS5, PROXY_REQUEST_HTTP };

/* Where the parser is in the handshake; private to proxy_request.c. */
enum proxy_request_step {
	PROXY_STEP_START,
	PROXY_STEP_GREETING,
	PROXY_STEP_AUTH,
	PROXY_STEP_REQUEST,
	PROXY_STEP_HTTP,
	PROXY_STEP_DONE,
};

struct proxy_request {
	/* Parser state (read-only for callers). */
	enum proxy_request_step step;
	enum proxy_verdict verdict;
	size_t pos;  /* bytes used by the SOCKS5 steps finished so far */
	size_t scan; /* HTTP: where the search for the blank line resumes */

	/* Set by every proxy_request_feed: the bytes to write to the client
	 * now, in order (SOCKS5 method choice, authentication status, and on a
	 * refusal its answer). Often empty. */
	uint8_t reply[PROXY_REPLY_MAX];
	size_t reply_len;

	/* Known from the first byte on; UNKNOWN for a refusal of that byte. */
	enum proxy_request_kind kind;

	/* PROXY_COMPLETE: the destination, and how many of the bytes fed the
	 * request used; the bytes after those are the client's early data,
	 * sent before it had our answer, and belong to the tunnel. */
	char host[TT_HOST_MAX]; /* NUL-terminated: IP literal (no brackets) or name */
	uint16_t port;          /* never 0 */
	size_t used;

	/* PROXY_REFUSED: why, in a few words for the log, and the answer that
	 * is at the end of reply: socks_code is the second byte of a SOCKS5
	 * answer (0xff no acceptable method, RFC 1929 status 1, or the
	 * request reply's REP), http_status the status line's code and text.
	 * Neither is set when the client gets no answer (neither SOCKS5 nor
	 * HTTP: there is no protocol to answer in). */
	const char *why;
	uint8_t socks_code;
	const char *http_status;
};

void proxy_request_init(struct proxy_request *r);

/* buf[0..len) is every byte received on the connection so far: each call
 * passes the same bytes as the previous one and any that arrived since.
 * Bytes past PROXY_REQUEST_MAX are never looked at (the caller need not
 * receive more than that before the verdict).
 *
 * user and pass are the configured RFC 1929 credentials, read at each step
 * (a reload may replace them); user NULL: no authentication.
 *
 * Returns the verdict; once COMPLETE or REFUSED, later calls return it again
 * with nothing to write back. */
enum proxy_verdict proxy_request_feed(struct proxy_request *r, const uint8_t *buf, size_t len,
                                      const char *user, const char *pass);

/* The answer to a completed request of kind once the server connected
 * (ok) or refused it (reason: an RST reason, mapped to a SOCKS5 reply code
 * or an HTTP status). Returns its length in out (at most cap bytes). */
size_t proxy_request_answer(enum proxy_request_kind kind, bool ok, uint8_t reason, uint8_t *out,
                            size_t cap);

#endif
