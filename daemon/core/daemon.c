/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/daemon.h"
#include "core/daemon_impl.h"
#include "core/sandbox.h"
#include "forward/dial.h"
#include "forward/listener.h"
#include "forward/reverse.h"
#include "forward/resolve.h"
#include "link/link.h"
#include "mux/session.h"
#include "tox/profile.h"
#include "tox/tcpwatch.h"
#include "tox/toxnode.h"
#include "toxtun/frame.h"
#include "toxtun/log.h"
#include "util/grow.h"
#include "toxtun/version.h"

/* tox_iterate cadence while data flows. Packets on the UDP socket wake us
 * at once (tox_io), those from a TCP relay too while we are idle (tcp_io);
 * while data flows over a relay, they wait for the next iterate, on average
 * half of it. Lossy packets leave without one. */
#define FAST_INTERVAL_TCP 0.001
#define FAST_INTERVAL_UDP 0.01
/* ENet service cadence while data is in flight (retransmits: their timeout
 * is at least 1.5 RTT). Arriving acknowledgements wake ENet at once. */
#define LINK_FAST_INTERVAL 0.005
#define LINK_IDLE_INTERVAL 0.05
/* After any packet, stay fast at least this long. */
#define FAST_LINGER 0.2
#define HOUSEKEEPING_INTERVAL 0.1
/* Receive moderation. An iterate that took RX_BATCH friend packets or more
 * from the UDP socket means a stream is arriving: the socket then goes
 * unwatched for RX_HOLDOFF (libev's epoll backend rounds it up to 1 ms) and
 * the next iterate takes what came meanwhile, one tox_iterate per batch as
 * the raw blaster does. A lone packet, or a keystroke sent twice, is taken
 * at once and the socket stays watched: a ping-pong pays no holdoff. */
#define RX_HOLDOFF 0.0005
#define RX_BATCH 4
#define BOOT_PACKET 'B'

static double fast_until;

/* ---- sessions ---- */

struct session *daemon_session(struct daemon *d, const uint8_t pubkey[TT_PUBKEY_SIZE], bool create)
{
	struct session *s;

	for (size_t i = 0; i < d->n_sessions; i++)
		if (memcmp(session_pubkey(d->sessions[i]), pubkey, TT_PUBKEY_SIZE) == 0)
			return d->sessions[i];
	if (!create)
		return NULL;
	if (!GROW_FOR_ONE(d->sessions, d->cap_sessions, d->n_sessions))
		return NULL;
	s = session_new(&d->senv, pubkey);
	if (!s)
		return NULL;
	session_set_fnum(s, toxnode_friend_by_key(d->node, pubkey));
	if (session_fnum(s) != UINT32_MAX)
		session_on_friend_status(s, toxnode_friend_status(d->node, session_fnum(s)));
	d->sessions[d->n_sessions++] = s;
	return s;
}

static struct session *session_of_friend(struct daemon *d, uint32_t fnum, bool create)
{
	uint8_t pk[TT_PUBKEY_SIZE];

	if (!toxnode_friend_key(d->node, fnum, pk))
		return NULL;
	return daemon_session(d, pk, create && (d->roles & ROLE_SERVER));
}

/* Is anything reaching us through a TCP relay (whose packets, while data
 * flows, wait for the next iterate), or is there no UDP socket to watch at
 * all (watched, or resting after a wake-up)? */
static bool relayed(struct daemon *d)
{
	return !(ev_is_active(&d->tox_io) || ev_is_active(&d->rx_holdoff)) || link_relayed(d->link);
}

static double fast_interval(struct daemon *d)
{
	return relayed(d) ? FAST_INTERVAL_TCP : FAST_INTERVAL_UDP;
}

void daemon_kick(struct daemon *d)
{
	double interval = fast_interval(d);

	fast_until = ev_now(d->loop) + FAST_LINGER;
	if (d->tox_timer.repeat > interval) {
		d->tox_timer.repeat = interval;
		ev_timer_again(d->loop, &d->tox_timer);
	}
	if (d->link_timer.repeat > LINK_FAST_INTERVAL) {
		d->link_timer.repeat = LINK_FAST_INTERVAL;
		ev_timer_again(d->loop, &d->link_timer);
	}
}

/* ---- what sessions and forwards ask of us ---- */

static void on_kick(void *ctx) { daemon_kick(ctx); }

static uint8_t on_open(void *ctx, struct session *s, uint32_t id, const struct tt_syn *syn,
                       uint8_t flags)
{
	struct daemon *d = ctx;

	return dial_syn(&d->fwd, s, id, syn, flags);
}

static void on_listen(void *ctx, struct session *s, const struct tt_syn *req)
{
	struct daemon *d = ctx;

	reverse_on_listen(&d->fwd, s, req);
}

static void on_listen_reply(void *ctx, struct session *s, const struct tt_syn *reply)
{
	struct daemon *d = ctx;

	reverse_on_reply(&d->fwd, s, reply);
}

static void on_session_up(void *ctx, struct session *s)
{
	struct daemon *d = ctx;

	reverse_session_up(&d->fwd, s);
}

static void on_restarted(void *ctx, struct session *s)
{
	struct daemon *d = ctx;

	reverse_drop_peer(&d->fwd, session_pubkey(s), "the peer restarted");
}

static bool on_watched(void *ctx)
{
	struct daemon *d = ctx;

	return ev_now(d->loop) < d->watch_until;
}

static const struct session_ops session_ops = {
	.kick = on_kick,
	.open = on_open,
	.listen = on_listen,
	.listen_reply = on_listen_reply,
	.up = on_session_up,
	.restarted = on_restarted,
	.watched = on_watched,
};

void daemon_watch_stats(struct daemon *d, double seconds)
{
	double until = ev_now(d->loop) + seconds;

	if (until > d->watch_until)
		d->watch_until = until;
	for (size_t i = 0; i < d->n_sessions; i++)
		session_probe(d->sessions[i]);
}

static struct session *fwd_session_of(void *ctx, const uint8_t pk[TT_PUBKEY_SIZE], bool create)
{
	return daemon_session(ctx, pk, create);
}

static const struct fwd_ops fwd_ops = { .session = fwd_session_of };

void daemon_config_changed(struct daemon *d)
{
	const struct tt_config *cfg = d->cfg;

	d->limits = (struct session_limits){
		.outage_timeout_s = cfg->outage_timeout_s, .linger_s = cfg->linger_s,
		.wait_timeout_s = cfg->wait_timeout_s, .udp_timeout_s = cfg->udp_timeout_s,
		.max_streams = cfg->max_streams, .stream_window = cfg->stream_window,
	};
	d->fwd.cfg = cfg;
}

struct ev_loop *daemon_loop(const struct daemon *d) { return d->loop; }
const struct tt_config *daemon_config(const struct daemon *d) { return d->cfg; }
unsigned daemon_roles(const struct daemon *d) { return d->roles; }
struct toxnode *daemon_node(const struct daemon *d) { return d->node; }
struct link *daemon_link(const struct daemon *d) { return d->link; }
double daemon_started(const struct daemon *d) { return d->started; }
unsigned daemon_relay_resets(const struct daemon *d) { return d->relays.resets; }
struct tunnels *daemon_tunnels(const struct daemon *d) { return (struct tunnels *)&d->tunnels; }
size_t daemon_n_sessions(const struct daemon *d) { return d->n_sessions; }
struct session *daemon_session_at(const struct daemon *d, size_t i) { return d->sessions[i]; }
struct fwd *daemon_fwd(struct daemon *d) { return &d->fwd; }

/* ---- Tox events ---- */

static void scan_relays(struct daemon *d)
{
	if (ev_is_active(&d->tcp_io))
		tcpwatch_scan(d->tcp_io.fd, &d->relays, ev_now(d->loop));
}

/* Reset relay connections that took nothing against a zero window for this
 * long (tox/tcpwatch.h): 33 cycles of a working relay (it reads every 30 ms),
 * and far below the 28-32 s after which toxcore would give the friend up.
 * A relay that only paused costs a reconnection, a fraction of a second. */
#define RELAY_STALL_LIMIT 1.0

static void unwedge_relays(struct daemon *d)
{
	int n;

	if (!ev_is_active(&d->tcp_io) || !d->relays.n)
		return;
	n = tcpwatch_unwedge(&d->relays, ev_now(d->loop), RELAY_STALL_LIMIT);
	if (n > 0) {
		log_warn("%d TCP relay connection%s took nothing against a zero window for %.0f s: "
		         "reset, toxcore reconnects", n, n == 1 ? "" : "s", RELAY_STALL_LIMIT);
		d->rescan_ticks = 20; /* find the new connection soon */
		link_relay_reset(d->link);
	}
}

static void send_boot(struct daemon *d, uint32_t fnum)
{
	uint8_t pkt[9];

	pkt[0] = BOOT_PACKET;
	for (int i = 0; i < 8; i++)
		pkt[1 + i] = (uint8_t)(d->boot_id >> (56 - 8 * i));
	toxnode_send_lossless(d->node, fnum, pkt, sizeof(pkt));
}

static void on_friend_connection(void *ctx, uint32_t fnum, TOX_CONNECTION status)
{
	struct daemon *d = ctx;
	uint8_t pk[TT_PUBKEY_SIZE];
	char hex[2 * TT_PUBKEY_SIZE + 1];
	struct session *s;

	if (!toxnode_friend_key(d->node, fnum, pk))
		return;
	tt_hex_format(pk, TT_PUBKEY_SIZE, hex);
	if (status == TOX_CONNECTION_NONE)
		log_info("peer %s offline", hex);
	else
		log_info("peer %s online (%s)", hex, toxnode_connection_str(status));
	if (status == TOX_CONNECTION_TCP)
		scan_relays(d);
	link_friend_status(d->link, fnum, status);
	if (status != TOX_CONNECTION_NONE)
		send_boot(d, fnum);
	s = daemon_session(d, pk, false);
	if (s) {
		session_set_fnum(s, fnum);
		session_on_friend_status(s, status);
	}
	daemon_kick(d);
}

static bool on_friend_request(void *ctx, const uint8_t pk[TT_PUBKEY_SIZE], const uint8_t *msg, size_t len)
{
	return daemon_friend_request(ctx, pk, msg, len);
}

/* Which friends may talk ENet with us: a server serves every friend (they
 * passed the allow list to become friends); a client only its servers. */
static bool friend_may_talk(struct daemon *d, uint32_t fnum)
{
	return (d->roles & ROLE_SERVER) || session_of_friend(d, fnum, false);
}

static void on_lossy(void *ctx, uint32_t fnum, const uint8_t *data, size_t len)
{
	struct daemon *d = ctx;

	if (!friend_may_talk(d, fnum))
		return;
	link_deliver(d->link, fnum, data, len);
	fast_until = ev_now(d->loop) + FAST_LINGER;
}

static void on_lossless(void *ctx, uint32_t fnum, const uint8_t *data, size_t len)
{
	struct daemon *d = ctx;
	struct session *s;
	uint64_t boot = 0;

	if (len != 9 || data[0] != BOOT_PACKET)
		return;
	for (int i = 0; i < 8; i++)
		boot = boot << 8 | data[1 + i];
	s = session_of_friend(d, fnum, true);
	if (s) {
		session_set_fnum(s, fnum);
		session_on_remote_boot(s, boot);
	}
}

static const struct toxnode_events tox_events = {
	.friend_connection = on_friend_connection,
	.friend_request = on_friend_request,
	.lossy = on_lossy,
	.lossless = on_lossless,
};

/* ---- link events ---- */

static bool on_peer_connect(void *ctx, ENetPeer *peer, uint32_t fnum)
{
	struct daemon *d = ctx;
	struct session *s;

	if (!friend_may_talk(d, fnum))
		return false;
	s = session_of_friend(d, fnum, true);
	if (!s)
		return false;
	session_set_fnum(s, fnum);
	return session_on_connect(s, peer);
}

static void on_peer_disconnect(void *ctx, ENetPeer *peer)
{
	session_on_disconnect(peer->data);
}

static void on_peer_receive(void *ctx, ENetPeer *peer, uint8_t channel, ENetPacket *packet)
{
	session_on_receive(peer->data, channel, packet);
}

static const struct link_events link_events = {
	.connect = on_peer_connect,
	.disconnect = on_peer_disconnect,
	.receive = on_peer_receive,
};

/* ---- the loop ---- */

static bool fast(struct daemon *d)
{
	return ev_now(d->loop) < fast_until || link_busy(d->link);
}

static void on_tox_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	toxnode_iterate(d->node);
	if (fast(d))
		w->repeat = fast_interval(d);
	else
		w->repeat = toxnode_interval(d->node) / 1000.0;
	ev_timer_again(loop, w);
}

/* After an iterate woken by the UDP socket or its holdoff: rest the socket
 * while a stream arrives, watch it otherwise. The holdoff is set afresh each
 * time, from the time now: a one-shot libev timer started again without
 * ev_timer_set keeps the (spent) remainder of its last run and fires at the
 * next loop iteration. Resting by the timer alone, not by stopping and
 * starting the watcher per batch, also saves libev two epoll_ctl calls and a
 * wake-up each time (it unregisters a descriptor that reports readiness
 * nobody wants, then registers it anew). */
static void rx_moderate(struct daemon *d, size_t packets)
{
	if (packets >= RX_BATCH) {
		ev_io_stop(d->loop, &d->tox_io);
		ev_timer_stop(d->loop, &d->rx_holdoff);
		ev_now_update(d->loop);
		ev_timer_set(&d->rx_holdoff, RX_HOLDOFF, 0);
		ev_timer_start(d->loop, &d->rx_holdoff);
	} else if (!ev_is_active(&d->tox_io)) {
		ev_io_start(d->loop, &d->tox_io);
	}
}

static void on_tox_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;

	rx_moderate(d, toxnode_iterate(d->node));
}

static void on_rx_holdoff(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	rx_moderate(d, toxnode_iterate(d->node));
}

/* A TCP relay sent something. While data flows over one the tox timer
 * iterates every millisecond anyway; idle, iterate now rather than up to
 * tox_iteration_interval() later. */
static void on_tcp_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct daemon *d = w->data;
	int fds[8], n = tcpwatch_drain(w->fd, fds, 8);

	if (n && d->tox_timer.repeat > FAST_INTERVAL_TCP) {
		toxnode_iterate(d->node);
		tcpwatch_ack(fds, n);
	}
}

static void on_link_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;

	link_service(d->link);
	w->repeat = fast(d) ? LINK_FAST_INTERVAL : LINK_IDLE_INTERVAL;
	ev_timer_again(loop, w);
}

static void on_housekeeping(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct daemon *d = w->data;
	char err[512];

	for (size_t i = 0; i < d->n_sessions;) {
		struct session *s = d->sessions[i];

		session_tick(s);
		if (session_idle(s)) {
			session_free(s, TT_REASON_NONE);
			d->sessions[i] = d->sessions[--d->n_sessions];
			continue;
		}
		i++;
	}
	unwedge_relays(d);
	if (++d->ticks % 10 == 0) {
		tunnels_sample(&d->tunnels);
		scan_relays(d); /* toxcore connects to relays as it goes */
	} else if (d->rescan_ticks) {
		d->rescan_ticks--;
		scan_relays(d);
	}
	if (toxnode_is_dirty(d->node) && !toxnode_save(d->node, err, sizeof(err)))
		log_error("%s", err);
}

/* Before the loop sleeps: hand partial packets to ENet and let it send. */
static void on_before_sleep(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct daemon *d = w->data;

	for (size_t i = 0; i < d->n_sessions; i++)
		session_flush(d->sessions[i]);
	link_flush(d->link);
}

static void on_stop_signal(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct daemon *d = w->data;

	log_info("signal %d: shutting down", w->signum);
	daemon_stop(d);
}

static void on_hup(struct ev_loop *loop, ev_signal *w, int revents)
{
	json_object_put(daemon_reload(w->data, "SIGHUP"));
}

void daemon_stop(struct daemon *d)
{
	d->stopping = true;
	ev_break(d->loop, EVBREAK_ALL);
}

const char *daemon_role_str(const struct daemon *d)
{
	if (d->roles == (ROLE_SERVER | ROLE_CLIENT))
		return "run";
	return d->roles & ROLE_SERVER ? "server" : "client";
}

/* ---- set-up and tear-down ---- */

/* Start-up is done: confine ourselves (core/sandbox.c). */
static void confine(const struct tt_config *cfg)
{
	char err[256];

	if (!cfg->sandbox)
		log_warn("sandbox = no: the daemon runs unconfined, which is for debugging only");
	else if (!sandbox_supported())
		log_warn("sandbox: off in a sanitizer build (its leak checker stops the process with ptrace)");
	else if (!sandbox_enter(err, sizeof(err)))
		log_warn("sandbox: cannot confine the daemon, it runs unconfined: %s", err);
	else
		log_info("sandbox: on (seccomp allowlist, no_new_privs)");
}

static bool setup_client(struct daemon *d, char *err, size_t errlen)
{
	for (size_t i = 0; i < d->cfg->n_tunnels; i++)
		if (!daemon_start_tunnel(d, &d->cfg->tunnels[i], err, errlen))
			return false;
	return true;
}

static void start_watchers(struct daemon *d)
{
	struct ev_loop *loop = d->loop;
	int udp_fd = toxnode_udp_fd(d->node), tcp_fd;

	ev_timer_init(&d->tox_timer, on_tox_timer, 0, toxnode_interval(d->node) / 1000.0);
	ev_timer_init(&d->link_timer, on_link_timer, 0, LINK_IDLE_INTERVAL);
	ev_timer_init(&d->housekeeping, on_housekeeping, HOUSEKEEPING_INTERVAL, HOUSEKEEPING_INTERVAL);
	ev_prepare_init(&d->before_sleep, on_before_sleep);
	ev_signal_init(&d->sig_int, on_stop_signal, SIGINT);
	ev_signal_init(&d->sig_term, on_stop_signal, SIGTERM);
	ev_signal_init(&d->sig_hup, on_hup, SIGHUP);
	d->tox_timer.data = d->link_timer.data = d->housekeeping.data = d;
	d->before_sleep.data = d->sig_int.data = d->sig_term.data = d->sig_hup.data = d;
	ev_timer_again(loop, &d->tox_timer);
	ev_timer_again(loop, &d->link_timer);
	ev_timer_start(loop, &d->housekeeping);
	ev_prepare_start(loop, &d->before_sleep);
	ev_signal_start(loop, &d->sig_int);
	ev_signal_start(loop, &d->sig_term);
	ev_signal_start(loop, &d->sig_hup);
	tcp_fd = tcpwatch_new();
	if (tcp_fd >= 0) {
		ev_io_init(&d->tcp_io, on_tcp_readable, tcp_fd, EV_READ);
		d->tcp_io.data = d;
		ev_io_start(loop, &d->tcp_io);
		scan_relays(d);
	} else {
		log_warn("no epoll set for the TCP relays (%s): their packets wait for the next iterate",
		         strerror(errno));
	}
	/* Wake up as soon as a UDP packet reaches tox instead of on the next tick. */
	if (udp_fd >= 0) {
		ev_io_init(&d->tox_io, on_tox_readable, udp_fd, EV_READ);
		ev_timer_init(&d->rx_holdoff, on_rx_holdoff, RX_HOLDOFF, 0);
		d->tox_io.data = d->rx_holdoff.data = d;
		ev_io_start(loop, &d->tox_io);
	}
}

static void teardown(struct daemon *d)
{
	char err[512];

	if (d->hooks && d->hooks->detach)
		d->hooks->detach(d->hooks_ctx, d);
	d->hooks = NULL;
	if (ev_is_active(&d->tcp_io)) {
		ev_io_stop(d->loop, &d->tcp_io);
		close(d->tcp_io.fd);
	}
	for (size_t i = 0; i < d->n_listeners; i++)
		listener_free(d->listeners[i]);
	free(d->listeners);
	reverse_free_all(&d->fwd);
	for (size_t i = 0; i < d->n_sessions; i++)
		session_free(d->sessions[i], TT_REASON_SHUTDOWN);
	free(d->sessions);
	d->sessions = NULL;
	d->n_sessions = 0;
	/* The last tox_iterate below must not call back into what is gone. */
	if (d->node)
		toxnode_set_events(d->node, NULL, NULL);
	if (d->loop)
		resolve_shutdown(d->loop);
	if (d->link) {
		/* Let the goodbyes ENet just queued reach Tox before it goes. */
		link_drain(d->link);
		toxnode_iterate(d->node);
		link_free(d->link);
	}
	if (d->node) {
		if (!toxnode_save(d->node, err, sizeof(err)))
			log_error("%s", err);
		toxnode_free(d->node);
	}
	tunnels_free_all(&d->tunnels);
}

int daemon_run(struct tt_config *cfg, unsigned roles, const struct daemon_hooks *hooks, void *ctx)
{
	struct daemon d = { .cfg = cfg, .roles = roles };
	uint8_t id[TT_TOX_ID_SIZE];
	char hex[2 * TT_TOX_ID_SIZE + 1], err[512];
	int lock_fd, status = 1;

	signal(SIGPIPE, SIG_IGN);
	if (sodium_init() < 0) {
		log_error("libsodium failed to initialise");
		return 1;
	}
	randombytes_buf(&d.boot_id, sizeof(d.boot_id));
	lock_fd = profile_lock(cfg->profile, err, sizeof(err));
	if (lock_fd < 0) {
		log_error("%s", err);
		return 1;
	}
	d.loop = ev_default_loop(EVFLAG_AUTO);
	d.started = ev_now(d.loop);
	pending_init(&d.pending, d.started);
	d.senv = (struct session_env){ .loop = d.loop, .self_pk = d.self_pk, .boot_id = d.boot_id,
	                               .limits = &d.limits, .ops = &session_ops, .ctx = &d };
	d.fwd = (struct fwd){ .loop = d.loop, .roles = roles, .tunnels = &d.tunnels,
	                      .ops = &fwd_ops, .ctx = &d };
	daemon_config_changed(&d);
	/* The control socket first: a second daemon must not touch anything. */
	if (hooks && hooks->attach && !hooks->attach(ctx, &d, err, sizeof(err))) {
		log_error("%s", err);
		goto out;
	}
	d.hooks = hooks;
	d.hooks_ctx = ctx;
	d.node = toxnode_new(cfg, false, err, sizeof(err));
	if (!d.node) {
		log_error("%s", err);
		goto out;
	}
	toxnode_set_events(d.node, &tox_events, &d);
	toxnode_address(d.node, id);
	memcpy(d.self_pk, id, TT_PUBKEY_SIZE);
	tt_toxid_format(id, hex);
	log_info("tox id: %s", hex);
	d.link = link_new(d.loop, d.node, 256, SESSION_CHANNELS, &link_events, &d, err, sizeof(err));
	if (!d.link) {
		log_error("%s", err);
		goto out;
	}
	d.senv.link = d.link;
	link_set_outage(d.link, cfg->outage_timeout_s * 1000u);
	if (roles & ROLE_SERVER)
		daemon_apply_allow(&d);
	if ((roles & ROLE_CLIENT) && !setup_client(&d, err, sizeof(err))) {
		log_error("%s", err);
		goto out;
	}
	start_watchers(&d);
	confine(cfg);
	log_info("toxtun %s running as %s", TOXTUN_VERSION,
	         roles == (ROLE_SERVER | ROLE_CLIENT) ? "server and client" : roles & ROLE_SERVER ? "server" : "client");
	ev_run(d.loop, 0);
	status = d.stopping ? 0 : 1;
out:
	teardown(&d);
	if (d.loop)
		ev_loop_destroy(d.loop);
	close(lock_fd);
	tt_config_free(d.cfg); /* a reload may have replaced the one we were given */
	return status;
}
