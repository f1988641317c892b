/* The daemon: the event loop and everything it owns. One per process. */
#ifndef TOXTUN_DAEMON_H
#define TOXTUN_DAEMON_H

#include <ev.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "tox/tcpwatch.h"
#include "toxtun/config.h"

struct toxnode;
struct link;
struct session;
struct listener;
struct rlisten;
struct tunnel_stats;
struct control;

enum daemon_role { ROLE_SERVER = 1, ROLE_CLIENT = 2 };

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
	struct listener **listeners;
	size_t n_listeners, cap_listeners;
	struct rlisten *reverse;           /* server: listeners for peers' reverse lines */
	struct tunnel_stats **tunnels;     /* per-tunnel accounting (core/tunnels.h) */
	size_t n_tunnels, cap_tunnels;
	struct control *control;
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
};

/* Build everything from cfg (which the daemon then owns) and run until a
 * signal stops it. Returns the process exit status. */
int daemon_run(struct tt_config *cfg, unsigned roles);

/* The session with this node, created on demand when create is set. */
struct session *daemon_session(struct daemon *d, const uint8_t pubkey[TT_PUBKEY_SIZE], bool create);
/* Configuration (core/reconfigure.c). */
bool daemon_start_tunnel(struct daemon *d, const struct tt_client_tunnel *t, char *err, size_t errlen);
void daemon_apply_allow(struct daemon *d);
/* Re-read the ini and apply it; the reply object for the control socket. */
json_object *daemon_reload(struct daemon *d, const char *source);
bool daemon_close_stream(struct daemon *d, uint32_t id, const uint8_t *peer, char *err, size_t errlen);
/* Stop the loop as SIGTERM does. */
void daemon_stop(struct daemon *d);
const char *daemon_role_str(const struct daemon *d);

/* Something needs the loop to iterate tox and ENet fast for a while. */
void daemon_kick(struct daemon *d);

#endif
