/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Streams for `tunnel pipe` (forward/pipestream.h). */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "forward/fwd.h"
#include "forward/pipestream.h"
#include "forward/tunnels.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "toxtun/log.h"

/* The line a pipe goes through: the named one, else the socks5 line (a
 * pipe is a one-off SOCKS request), else the first line if every line has
 * the same server. */
static const struct tt_client_tunnel *choose_line(const struct tt_config *cfg, const char *via,
                                                  char *err, size_t errlen)
{
	const struct tt_client_tunnel *first = cfg->n_tunnels ? &cfg->tunnels[0] : NULL;

	for (size_t i = 0; i < cfg->n_tunnels; i++) {
		const struct tt_client_tunnel *t = &cfg->tunnels[i];

		if (via[0] ? strcmp(t->name, via) == 0 : t->kind == TT_TUNNEL_SOCKS)
			return t;
	}
	if (via[0]) {
		snprintf(err, errlen, "no [client] line named %s", via);
		return NULL;
	}
	if (!first) {
		snprintf(err, errlen, "no [client] lines: nothing to reach a server through");
		return NULL;
	}
	for (size_t i = 1; i < cfg->n_tunnels; i++) {
		if (memcmp(cfg->tunnels[i].server_id, first->server_id, TT_PUBKEY_SIZE) != 0) {
			snprintf(err, errlen, "the file's lines go to several servers: name one with --via LINE");
			return NULL;
		}
	}
	return first;
}

/* One line to the pipe's client; it has just read our request's answer
 * and nothing else, so the socket's buffer has room. */
static void answer(struct stream *st, const char *line)
{
	ssize_t n = send(stream_fd(st), line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)n;
}

static void on_opened(void *ctx, struct stream *st) { answer(st, "{\"ok\":true}\n"); }

static void on_refused(void *ctx, struct stream *st, uint8_t reason)
{
	struct session *s = stream_session(st);
	char line[256];

	if (reason == TT_REASON_SHUTDOWN && session_state(s) != SESSION_UP)
		snprintf(line, sizeof(line),
		         "{\"ok\":false,\"error\":\"the tunnel to %.16s... did not come up within %u s\"}\n",
		         session_name(s), session_limits(s)->wait_timeout_s);
	else
		snprintf(line, sizeof(line), "{\"ok\":false,\"error\":\"refused by the server: %s\"}\n",
		         tt_reason_str(reason));
	answer(st, line);
}

static const struct stream_endpoint pipe_endpoint = { .opened = on_opened, .refused = on_refused };

bool pipestream_open(struct fwd *f, int fd, const char *host, uint16_t port, const char *via,
                     const uint8_t *early, size_t early_len, char *err, size_t errlen)
{
	const struct tt_client_tunnel *t;
	struct session *s;

	if (!(f->roles & ROLE_CLIENT)) {
		snprintf(err, errlen, "this daemon is a server: run `tunnel pipe` with a client's file");
		return false;
	}
	t = choose_line(f->cfg, via, err, errlen);
	if (!t)
		return false;
	s = fwd_session(f, t->server_id, false);
	if (!s) {
		snprintf(err, errlen, "tunnel %s: no session for its server", t->name);
		return false;
	}
	if (session_state(s) != SESSION_UP && session_stream_count(s) >= f->cfg->max_waiting) {
		snprintf(err, errlen, "tunnel %s: %u connections already wait for the tunnel", t->name,
		         f->cfg->max_waiting);
		return false;
	}
	struct stream_open o = {
		.tunnel = t->name, .counters = tunnels_client_counters(f->tunnels, t->name),
		.origin = "tunnel pipe", .host = host, .port = port, .early = early,
		.early_len = early_len, .endpoint = &pipe_endpoint,
	};

	log_debug("tunnel %s: a pipe asks for %s:%u", t->name, host, (unsigned)port);
	stream_open_local(s, fd, &o); /* takes fd, even when out of memory */
	return true;
}
