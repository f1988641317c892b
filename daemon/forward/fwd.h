/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every forward (listener, proxy, udp, reverse, dial) shares: the loop,
 * the configuration in force, the per-tunnel accounting, and a way to the
 * session with a node, which the layer above (core/daemon.c) owns.
 *
 * A plain struct rather than an opaque one: it is a bundle of context that
 * core fills in and keeps current (cfg after a reload), read by every file
 * of the layer. */
#ifndef TOXTUN_FWD_H
#define TOXTUN_FWD_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "toxtun/config.h"

struct session;
struct rlisten;

enum fwd_role { ROLE_SERVER = 1, ROLE_CLIENT = 2 };

struct fwd_ops {
	/* The session with this node, created on demand when create is set. */
	struct session *(*session)(void *ctx, const uint8_t pk[TT_PUBKEY_SIZE], bool create);
};

struct fwd {
	struct ev_loop *loop;
	const struct tt_config *cfg;   /* the configuration in force */
	unsigned roles;                /* ROLE_* bits */
	struct tunnels *tunnels;       /* per-tunnel accounting (forward/tunnels.h) */
	struct rlisten *reverse;       /* server: listeners for peers' reverse lines */
	const struct fwd_ops *ops;
	void *ctx;
};

static inline struct session *fwd_session(const struct fwd *f, const uint8_t pk[TT_PUBKEY_SIZE],
                                          bool create)
{
	return f->ops->session(f->ctx, pk, create);
}

#endif
