/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Applying a configuration: at start and on reload (control socket, SIGHUP).
 * A reload changes tunnels, policy and tuning; it never changes the
 * identity or the Tox network settings, which need a restart. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon.h"
#include "core/daemon_impl.h"
#include "forward/listener.h"
#include "forward/reverse.h"
#include "link/link.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "tox/toxnode.h"
#include "toxtun/frame.h"
#include "toxtun/log.h"
#include "util/grow.h"

static bool add_listener(struct daemon *d, struct listener *l)
{
	if (!GROW_FOR_ONE(d->listeners, d->cap_listeners, d->n_listeners))
		return false;
	d->listeners[d->n_listeners++] = l;
	return true;
}

bool daemon_start_tunnel(struct daemon *d, const struct tt_client_tunnel *t, char *err, size_t errlen)
{
	struct tunnel_stats *ts = tunnels_find_client(&d->tunnels, t->name);
	struct listener *l;
	struct session *s;
	char e[256];

	if (!ts && !(ts = tunnels_add_client(&d->tunnels, t))) {
		snprintf(err, errlen, "tunnel %s: out of memory", t->name);
		return false;
	}
	ts->error[0] = '\0';
	if (toxnode_add_server(d->node, t->server_id, d->cfg->client_name, e, sizeof(e)) == UINT32_MAX) {
		snprintf(err, errlen, "tunnel %s: %s", t->name, e);
		goto fail;
	}
	s = daemon_session(d, t->server_id, true);
	if (!s) {
		snprintf(err, errlen, "tunnel %s: out of memory", t->name);
		goto fail;
	}
	session_set_wanted(s, true);
	if (t->kind == TT_TUNNEL_REVERSE) {
		/* The server listens; it is asked whenever the session comes up. */
		reverse_line_changed(&d->fwd, t, true);
		log_info("tunnel %s: asking %s to listen on %s for %s", t->name, session_name(s),
		         ts->listen, ts->destination);
		return true;
	}
	l = listener_new(&d->fwd, t, e, sizeof(e));
	if (!l || !add_listener(d, l)) {
		listener_free(l);
		snprintf(err, errlen, "tunnel %s: %s", t->name, l ? "out of memory" : e);
		goto fail;
	}
	log_info("listening on %s for tunnel %s -> %s via %s", ts->listen, t->name, ts->destination,
	         session_name(s));
	return true;
fail:
	snprintf(ts->error, sizeof(ts->error), "%s", err);
	return false;
}

/* Forget a friend and everything we had with it. */
static void forget_friend(struct daemon *d, uint32_t fnum, const uint8_t pk[TT_PUBKEY_SIZE])
{
	reverse_drop_peer(&d->fwd, pk, "the peer is no longer allowed");
	for (size_t i = 0; i < d->n_sessions; i++) {
		if (memcmp(session_pubkey(d->sessions[i]), pk, TT_PUBKEY_SIZE) == 0) {
			session_free(d->sessions[i], TT_REASON_NOT_PERMITTED);
			d->sessions[i] = d->sessions[--d->n_sessions];
			break;
		}
	}
	link_forget_friend(d->link, fnum);
	toxnode_delete_friend(d->node, fnum);
}

void daemon_apply_allow(struct daemon *d)
{
	struct tt_config *cfg = d->cfg;
	uint32_t *friends;
	size_t n;

	daemon_pending_recheck(d);
	/* Under approve = ask the allow list is the whole truth, even empty. */
	if (cfg->n_allow == 0 && cfg->approve == TT_APPROVE_AUTO)
		return;
	n = toxnode_friends(d->node, NULL, 0);
	friends = calloc(n ? n : 1, sizeof(*friends));
	if (friends && toxnode_friends(d->node, friends, n) == n) {
		for (size_t i = 0; i < n; i++) {
			uint8_t pk[TT_PUBKEY_SIZE];
			char hex[2 * TT_PUBKEY_SIZE + 1];

			if (!toxnode_friend_key(d->node, friends[i], pk) || tt_allow_check(cfg, pk))
				continue;
			/* A client's own servers are friends too; keep them. */
			if ((d->roles & ROLE_CLIENT) && daemon_session(d, pk, false) &&
			    tunnels_peer_in_use(&d->tunnels, pk))
				continue;
			tt_hex_format(pk, TT_PUBKEY_SIZE, hex);
			log_info("forgetting friend %s: not in allow list", hex);
			forget_friend(d, friends[i], pk);
		}
	}
	free(friends);
	for (size_t i = 0; i < cfg->n_allow; i++)
		toxnode_add_friend_key(d->node, cfg->allow[i]);
}

static bool same_tunnel(const struct tt_client_tunnel *a, const struct tt_client_tunnel *b)
{
	return a->kind == b->kind &&
	       strcmp(a->listen_host, b->listen_host) == 0 && a->listen_port == b->listen_port &&
	       strcmp(a->remote_host, b->remote_host) == 0 && a->remote_port == b->remote_port &&
	       memcmp(a->server_id, b->server_id, TT_TOX_ID_SIZE) == 0;
}

static const struct tt_client_tunnel *find_tunnel(const struct tt_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_tunnels; i++)
		if (strcmp(cfg->tunnels[i].name, name) == 0)
			return &cfg->tunnels[i];
	return NULL;
}

/* Stop a tunnel: its listener closes (a reverse line's on the server);
 * connections already open run on. */
static void stop_tunnel(struct daemon *d, const struct tt_client_tunnel *t, bool keep_stats)
{
	const char *name = t->name;
	struct tunnel_stats *ts = tunnels_find_client(&d->tunnels, name);

	if (t->kind == TT_TUNNEL_REVERSE)
		reverse_line_changed(&d->fwd, t, false);

	for (size_t i = 0; i < d->n_listeners; i++) {
		if (strcmp(listener_tunnel(d->listeners[i])->name, name) == 0) {
			listener_free(d->listeners[i]);
			d->listeners[i] = d->listeners[--d->n_listeners];
			break;
		}
	}
	if (ts && !keep_stats) {
		for (size_t i = 0; i < d->n_sessions; i++)
			for (struct stream *st = session_first_stream(d->sessions[i]); st; st = stream_next(st))
				stream_drop_counters(st, &ts->c);
		tunnels_remove(&d->tunnels, ts);
	}
}

static bool tox_settings_differ(const struct tt_config *a, const struct tt_config *b)
{
	return strcmp(a->profile, b->profile) != 0 || a->udp != b->udp || a->ipv6 != b->ipv6 ||
	       a->local_discovery != b->local_discovery || a->port != b->port ||
	       a->n_bootstrap != b->n_bootstrap ||
	       a->n_tcp_relays != b->n_tcp_relays ||
	       memcmp(a->bootstrap, b->bootstrap, a->n_bootstrap * sizeof(*a->bootstrap)) != 0 ||
	       memcmp(a->tcp_relays, b->tcp_relays, a->n_tcp_relays * sizeof(*a->tcp_relays)) != 0 ||
	       (a->control_socket ? !b->control_socket || strcmp(a->control_socket, b->control_socket)
	                          : b->control_socket != NULL);
}

/* The node's Tox name, by toxnode_new's rule. A client's friend requests
 * already sent keep the name they were sent with: toxcore resends them as
 * they were. */
static const char *tox_name(const struct tt_config *cfg)
{
	return cfg->has_server ? cfg->name : cfg->has_client ? cfg->client_name : "";
}

static json_object *error_reply(const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

json_object *daemon_reload(struct daemon *d, const char *source)
{
	struct tt_config *cfg, *old = d->cfg;
	json_object *reply, *added, *removed, *changed, *errors;
	struct tt_error error;
	char err[4096 + TT_ERROR_MAX];

	if (!tt_config_load(old->path, &cfg, &error)) {
		tt_error_format(&error, old->path, err, sizeof(err));
		log_warn("reload (%s) refused, the running configuration stays: %s", source, err);
		return error_reply(err);
	}
	reply = json_object_new_object();
	added = json_object_new_array();
	removed = json_object_new_array();
	changed = json_object_new_array();
	errors = json_object_new_array();
	d->cfg = cfg;
	daemon_config_changed(d);
	if (d->roles & ROLE_CLIENT) {
		for (size_t i = 0; i < old->n_tunnels; i++) {
			const struct tt_client_tunnel *o = &old->tunnels[i];
			const struct tt_client_tunnel *n = find_tunnel(cfg, o->name);

			if (!n) {
				stop_tunnel(d, o, false);
				json_object_array_add(removed, json_object_new_string(o->name));
			} else if (!same_tunnel(o, n)) {
				stop_tunnel(d, o, false);
				json_object_array_add(changed, json_object_new_string(o->name));
			}
		}
		for (size_t i = 0; i < cfg->n_tunnels; i++) {
			const struct tt_client_tunnel *n = &cfg->tunnels[i];
			const struct tt_client_tunnel *o = find_tunnel(old, n->name);

			if (o && same_tunnel(o, n))
				continue;
			if (!o)
				json_object_array_add(added, json_object_new_string(n->name));
			if (!daemon_start_tunnel(d, n, err, sizeof(err))) {
				log_warn("reload: %s", err);
				json_object_array_add(errors, json_object_new_string(err));
			}
		}
	}
	if (strcmp(tox_name(old), tox_name(cfg)) != 0)
		toxnode_set_name(d->node, tox_name(cfg));
	if (d->roles & ROLE_SERVER) {
		daemon_apply_allow(d);
		reverse_recheck(&d->fwd);
	}
	link_set_outage(d->link, cfg->outage_timeout_s * 1000u);
	if (tox_settings_differ(old, cfg))
		log_warn("reload: [tox] and [control] changes take effect at the next start");
	tt_config_free(old);
	log_info("configuration reloaded (%s): %zu added, %zu removed, %zu changed", source,
	         json_object_array_length(added), json_object_array_length(removed),
	         json_object_array_length(changed));
	json_object_object_add(reply, "ok", json_object_new_boolean(1));
	json_object_object_add(reply, "added", added);
	json_object_object_add(reply, "removed", removed);
	json_object_object_add(reply, "changed", changed);
	json_object_object_add(reply, "errors", errors);
	return reply;
}

bool daemon_close_stream(struct daemon *d, uint32_t id, const uint8_t *peer, char *err, size_t errlen)
{
	struct session *match = NULL;
	int found = 0;

	for (size_t i = 0; i < d->n_sessions; i++) {
		struct session *s = d->sessions[i];

		if (peer && memcmp(session_pubkey(s), peer, TT_PUBKEY_SIZE) != 0)
			continue;
		for (struct stream *st = session_first_stream(s); st; st = stream_next(st)) {
			if (stream_id(st) == id) {
				match = s;
				found++;
			}
		}
	}
	if (found == 0) {
		snprintf(err, errlen, "no stream %u", (unsigned)id);
		return false;
	}
	if (found > 1) {
		snprintf(err, errlen, "stream %u exists with several peers: give \"peer\"", (unsigned)id);
		return false;
	}
	return session_close_stream(match, id);
}
