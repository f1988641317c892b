/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The daemon: the event loop and everything it owns. One per process. */
#ifndef TOXTUN_DAEMON_H
#define TOXTUN_DAEMON_H

#include <ev.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "forward/fwd.h"
#include "toxtun/config.h"

struct toxnode;
struct link;
struct session;
struct tunnels;
struct pending;
struct daemon;

/* What the layer above (the control socket, control/) attaches to a daemon
 * it runs. */
struct daemon_hooks {
	/* The loop exists and nothing else yet: false (with err) stops the start,
	 * before the profile's node is touched. */
	bool (*attach)(void *ctx, struct daemon *d, char *err, size_t errlen);
	/* The daemon stops: let go of it, before its parts go. */
	void (*detach)(void *ctx, struct daemon *d);
	/* A friend request was kept for approval ([server] approve = ask), with
	 * its message made safe to show (core/pending.h). Not for a refresh of
	 * one already waiting. */
	void (*friend_request)(void *ctx, struct daemon *d, const uint8_t pubkey[TT_PUBKEY_SIZE],
	                       const char *message);
};

/* Build everything from cfg (which the daemon then owns) and run until a
 * signal stops it. roles: ROLE_* bits (forward/fwd.h). Returns the process
 * exit status. */
int daemon_run(struct tt_config *cfg, unsigned roles, const struct daemon_hooks *hooks, void *ctx);

/* The session with this node, created on demand when create is set. */
struct session *daemon_session(struct daemon *d, const uint8_t pubkey[TT_PUBKEY_SIZE], bool create);
/* Configuration (core/reconfigure.c). */
bool daemon_start_tunnel(struct daemon *d, const struct tt_client_tunnel *t, char *err, size_t errlen);
void daemon_apply_allow(struct daemon *d);
/* Re-read the ini and apply it; the reply object for the control socket. */
json_object *daemon_reload(struct daemon *d, const char *source);
bool daemon_close_stream(struct daemon *d, uint32_t id, const uint8_t *peer, char *err, size_t errlen);
/* Friend requests waiting for approval (core/approve.c). Allow: add "allow =
 * KEY" to the ini file (unless an allow line names the key already), reload
 * as daemon_reload does, accept the friend. Deny: forget the request, which
 * may be made again. False with err set. */
bool daemon_allow(struct daemon *d, const uint8_t pubkey[TT_PUBKEY_SIZE], char *err, size_t errlen);
bool daemon_deny(struct daemon *d, const uint8_t pubkey[TT_PUBKEY_SIZE], char *err, size_t errlen);
/* Stop the loop as SIGTERM does. */
void daemon_stop(struct daemon *d);
const char *daemon_role_str(const struct daemon *d);

/* Somebody reads the peers' statistics: every session probes round trip
 * and loss (mux/probe.h) for the next `seconds`, and at once where a probe
 * is due. Otherwise sessions send nothing for them. */
void daemon_watch_stats(struct daemon *d, double seconds);

/* What the control socket reads. */
struct ev_loop *daemon_loop(const struct daemon *d);
const struct tt_config *daemon_config(const struct daemon *d);
unsigned daemon_roles(const struct daemon *d);
struct toxnode *daemon_node(const struct daemon *d);
struct link *daemon_link(const struct daemon *d);
double daemon_started(const struct daemon *d);
unsigned daemon_relay_resets(const struct daemon *d);
struct tunnels *daemon_tunnels(const struct daemon *d);
size_t daemon_n_sessions(const struct daemon *d);
struct session *daemon_session_at(const struct daemon *d, size_t i);
/* What the forwards share: for the control socket's own streams (pipes). */
struct fwd *daemon_fwd(struct daemon *d);
const struct pending *daemon_pending(const struct daemon *d);

#endif
