/* The daemon: the event loop and everything it owns. One per process. */
#ifndef TOXTUN_DAEMON_H
#define TOXTUN_DAEMON_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>

#include "toxtun/config.h"

struct toxnode;
struct link;
struct session;
struct listener;

enum daemon_role { ROLE_SERVER = 1, ROLE_CLIENT = 2 };

struct daemon {
	struct ev_loop *loop;
	struct tt_config *cfg;
	unsigned roles;            /* ROLE_* bits */
	struct toxnode *node;
	struct link *link;
	uint64_t boot_id;          /* random per process: lets peers see a restart */
	struct session **sessions;
	size_t n_sessions, cap_sessions;
	struct listener **listeners;
	size_t n_listeners;
	bool stopping;
	ev_timer tox_timer, link_timer, housekeeping;
	ev_io tox_io;
	ev_prepare before_sleep;
	ev_signal sig_int, sig_term, sig_hup, sig_pipe;
	double started;
};

/* Build everything from cfg (which the daemon then owns) and run until a
 * signal stops it. Returns the process exit status. */
int daemon_run(struct tt_config *cfg, unsigned roles);

/* The session with this node, created on demand when create is set. */
struct session *daemon_session(struct daemon *d, const uint8_t pubkey[TT_PUBKEY_SIZE], bool create);
/* Something needs the loop to iterate tox and ENet fast for a while. */
void daemon_kick(struct daemon *d);

#endif
