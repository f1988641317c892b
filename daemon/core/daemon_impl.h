/* SPDX-License-Identifier: GPL-3.0-or-later */
/* struct daemon, shared by the files of core/ only (daemon.c runs it,
 * reconfigure.c applies configurations to it); everyone else goes through
 * core/daemon.h. */
#ifndef TOXTUN_DAEMON_IMPL_H
#define TOXTUN_DAEMON_IMPL_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/daemon.h"
#include "core/pending.h"
#include "forward/fwd.h"
#include "forward/tunnels.h"
#include "mux/session.h"
#include "tox/tcpwatch.h"
#include "toxtun/config.h"

struct listener;

struct daemon {
	struct ev_loop *loop;
	struct tt_config *cfg;
	unsigned roles;            /* ROLE_* bits */
	struct toxnode *node;
	struct link *link;
	uint64_t boot_id;          /* random per process: lets peers see a restart */
	uint8_t self_pk[TT_PUBKEY_SIZE];
	struct session **sessions;
	size_t n_sessions, cap_sessions;
	struct session_env senv;           /* what every session shares */
	struct session_limits limits;      /* from cfg, kept current on reload */
	struct fwd fwd;                    /* what every forward shares */
	struct listener **listeners;
	size_t n_listeners, cap_listeners;
	struct tunnels tunnels;            /* per-tunnel accounting (forward/tunnels.h) */
	struct pending pending;            /* friend requests waiting for approval */
	const struct daemon_hooks *hooks;
	void *hooks_ctx;
	bool stopping;
	ev_timer tox_timer, link_timer, housekeeping;
	unsigned ticks;
	ev_io tox_io;                      /* toxcore's UDP socket, if it has one */
	ev_timer rx_holdoff;               /* tox_io rests after a wake-up */
	ev_io tcp_io;                      /* toxcore's TCP relay sockets (tox/tcpwatch.h) */
	struct tcpwatch_relays relays;     /* the same, watched for a relay that stopped reading */
	unsigned rescan_ticks;             /* scan for them every tick for this many more */
	ev_prepare before_sleep;
	ev_signal sig_int, sig_term, sig_hup;
	double started;
	double watch_until;                /* sessions probe until then (daemon_watch_stats) */
};

/* The configuration in force changed: the sessions' limits and the
 * forwards' view follow it. */
void daemon_config_changed(struct daemon *d);

/* A friend request (core/approve.c): true to accept it. */
bool daemon_friend_request(struct daemon *d, const uint8_t pk[TT_PUBKEY_SIZE], const uint8_t *msg,
                           size_t len);
/* After the allow list or approve changed: pending requests that an allow
 * line now names are answered, and none wait under approve = auto. */
void daemon_pending_recheck(struct daemon *d);

#endif
