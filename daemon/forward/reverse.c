/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward/fwd.h"
#include "forward/listener.h"
#include "forward/reverse.h"
#include "forward/sockutil.h"
#include "forward/tunnels.h"
#include "mux/session.h"
#include "toxtun/log.h"

/* Listeners one peer may hold on a server. */
#define MAX_PER_PEER 64

struct rlisten {
	struct rlisten *next;
	uint8_t pk[TT_PUBKEY_SIZE];
	struct listener *l;
};

static const struct tt_client_tunnel *line_of(const struct rlisten *r) { return listener_tunnel(r->l); }

static void send_frame(struct session *s, uint8_t type, uint32_t value, const char *host, uint16_t port)
{
	uint8_t f[TT_FRAME_CONTROL_MAX];

	session_send_control(s, f, tt_frame_put_endpoint(f, type, 0, 0, value, host, port));
}

/* ---- client ---- */

static bool line_for_peer(const struct tt_client_tunnel *t, const uint8_t pk[TT_PUBKEY_SIZE])
{
	return t->kind == TT_TUNNEL_REVERSE && !memcmp(t->server_id, pk, TT_PUBKEY_SIZE);
}

void reverse_session_up(struct fwd *f, struct session *s)
{
	if (!(f->roles & ROLE_CLIENT))
		return;
	for (size_t i = 0; i < f->cfg->n_tunnels; i++) {
		const struct tt_client_tunnel *t = &f->cfg->tunnels[i];

		if (line_for_peer(t, session_pubkey(s)))
			send_frame(s, TT_FRAME_LISTEN, 1, t->listen_host, t->listen_port);
	}
}

void reverse_line_changed(struct fwd *f, const struct tt_client_tunnel *t, bool added)
{
	struct session *s = fwd_session(f, t->server_id, false);

	if (s && session_state(s) == SESSION_UP)
		send_frame(s, TT_FRAME_LISTEN, added, t->listen_host, t->listen_port);
}

const struct tt_client_tunnel *reverse_find_line(struct fwd *f, const uint8_t pk[TT_PUBKEY_SIZE],
                                                 const char *host, uint16_t port)
{
	if (!(f->roles & ROLE_CLIENT))
		return NULL;
	for (size_t i = 0; i < f->cfg->n_tunnels; i++) {
		const struct tt_client_tunnel *t = &f->cfg->tunnels[i];

		if (line_for_peer(t, pk) && t->listen_port == port && !strcmp(t->listen_host, host))
			return t;
	}
	return NULL;
}

void reverse_on_reply(struct fwd *f, struct session *s, const struct tt_syn *reply)
{
	const struct tt_client_tunnel *t = reverse_find_line(f, session_pubkey(s), reply->host, reply->port);
	struct tunnel_stats *ts = t ? tunnels_find_client(f->tunnels, t->name) : NULL;
	char where[TT_HOST_MAX + 8];

	if (!t)
		return; /* the line went away meanwhile */
	sock_host_port_str(reply->host, reply->port, where, sizeof(where));
	if (reply->window == TT_REASON_NONE) {
		log_info("tunnel %s: the server listens on %s", t->name, where);
		if (ts)
			ts->error[0] = '\0';
		return;
	}
	log_warn("tunnel %s: the server does not listen on %s: %s", t->name, where,
	         tt_reason_str((uint8_t)reply->window));
	if (ts)
		snprintf(ts->error, sizeof(ts->error), "the server does not listen on %.150s: %s", where,
		         tt_reason_str((uint8_t)reply->window));
}

/* ---- server ---- */

static bool same_place(const struct tt_client_tunnel *t, const char *host, uint16_t port)
{
	return t->listen_port == port && !strcmp(t->listen_host, host);
}

static void close_listener(struct fwd *f, struct rlisten **pp, const char *why)
{
	struct rlisten *r = *pp;
	struct session *s = fwd_session(f, r->pk, false);
	char where[TT_HOST_MAX + 8];
	bool more = false;

	sock_host_port_str(line_of(r)->listen_host, line_of(r)->listen_port, where, sizeof(where));
	log_info("peer %s: no longer listening on %s for it: %s", s ? session_name(s) : "?", where, why);
	*pp = r->next;
	listener_free(r->l);
	for (struct rlisten *o = f->reverse; o; o = o->next)
		more |= !memcmp(o->pk, r->pk, TT_PUBKEY_SIZE);
	if (s && !more)
		session_set_listening(s, false);
	free(r);
}

static uint8_t start_listener(struct fwd *f, struct session *s, const char *host, uint16_t port,
                              const char *where)
{
	struct tt_client_tunnel t;
	struct rlisten *r;
	unsigned mine = 0;
	char err[256];

	for (r = f->reverse; r; r = r->next) {
		bool own = !memcmp(r->pk, session_pubkey(s), TT_PUBKEY_SIZE);

		if (same_place(line_of(r), host, port)) {
			if (own)
				return TT_REASON_NONE; /* asked again after the session came back */
			log_warn("peer %s: cannot listen on %s: another peer listens there", session_name(s), where);
			return TT_REASON_LISTEN;
		}
		mine += own;
	}
	if (mine >= MAX_PER_PEER) {
		log_warn("peer %s: cannot listen on %s: it already has %u listeners", session_name(s),
		         where, MAX_PER_PEER);
		return TT_REASON_LIMIT;
	}
	memset(&t, 0, sizeof(t));
	t.kind = TT_TUNNEL_REVERSE;
	snprintf(t.name, sizeof(t.name), "reverse %.60s", where);
	snprintf(t.listen_host, sizeof(t.listen_host), "%s", host);
	t.listen_port = port;
	memcpy(t.server_id, session_pubkey(s), TT_PUBKEY_SIZE); /* the peer it carries to */
	r = calloc(1, sizeof(*r));
	if (!r)
		return TT_REASON_LISTEN;
	r->l = listener_new(f, &t, err, sizeof(err));
	if (!r->l) {
		log_warn("peer %s: %s", session_name(s), err);
		free(r);
		return TT_REASON_LISTEN;
	}
	memcpy(r->pk, session_pubkey(s), TT_PUBKEY_SIZE);
	r->next = f->reverse;
	f->reverse = r;
	session_set_listening(s, true);
	log_info("peer %s: listening on %s for its reverse tunnel", session_name(s), where);
	return TT_REASON_NONE;
}

void reverse_on_listen(struct fwd *f, struct session *s, const struct tt_syn *req)
{
	char where[TT_HOST_MAX + 8];
	uint8_t reason;

	sock_host_port_str(req->host, req->port, where, sizeof(where));
	if (req->window == 0) {
		for (struct rlisten **pp = &f->reverse; *pp; pp = &(*pp)->next) {
			if (!memcmp((*pp)->pk, session_pubkey(s), TT_PUBKEY_SIZE) &&
			    same_place(line_of(*pp), req->host, req->port)) {
				close_listener(f, pp, "the peer cancelled it");
				break;
			}
		}
		return;
	}
	if (!(f->roles & ROLE_SERVER)) {
		reason = TT_REASON_NOT_SERVER;
	} else if (!tt_allow_check(f->cfg, session_pubkey(s)) ||
	           !tt_permit_listen_check(f->cfg, req->host, req->port)) {
		log_warn("peer %s: listening on %s refused: not in permit_listen", session_name(s), where);
		reason = TT_REASON_NOT_PERMITTED;
	} else {
		reason = start_listener(f, s, req->host, req->port, where);
	}
	send_frame(s, TT_FRAME_LISTEN_REPLY, reason, req->host, req->port);
}

void reverse_drop_peer(struct fwd *f, const uint8_t pk[TT_PUBKEY_SIZE], const char *why)
{
	for (struct rlisten **pp = &f->reverse; *pp;) {
		if (!memcmp((*pp)->pk, pk, TT_PUBKEY_SIZE))
			close_listener(f, pp, why);
		else
			pp = &(*pp)->next;
	}
}

void reverse_recheck(struct fwd *f)
{
	for (struct rlisten **pp = &f->reverse; *pp;) {
		const struct tt_client_tunnel *t = line_of(*pp);

		if (!(f->roles & ROLE_SERVER) || !tt_allow_check(f->cfg, (*pp)->pk) ||
		    !tt_permit_listen_check(f->cfg, t->listen_host, t->listen_port))
			close_listener(f, pp, "no longer in permit_listen");
		else
			pp = &(*pp)->next;
	}
}

void reverse_free_all(struct fwd *f)
{
	while (f->reverse) {
		struct rlisten *r = f->reverse;

		f->reverse = r->next;
		listener_free(r->l);
		free(r);
	}
}
