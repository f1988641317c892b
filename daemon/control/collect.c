/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/collect.h"
#include "control/snapshot.h"
#include "core/daemon.h"
#include "core/pending.h"
#include "forward/sockutil.h"
#include "forward/tunnels.h"
#include "link/link.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "tox/toxnode.h"

static const char *role_str(unsigned roles)
{
	if (roles == (ROLE_SERVER | ROLE_CLIENT))
		return "run";
	return roles & ROLE_SERVER ? "server" : "client";
}

static void collect_node(struct daemon *d, struct snap_node *n)
{
	uint8_t id[TT_TOX_ID_SIZE];

	unsigned roles = daemon_roles(d);

	toxnode_address(daemon_node(d), id);
	tt_toxid_format(id, n->tox_id);
	tt_hex_format(id, TT_PUBKEY_SIZE, n->public_key);
	snprintf(n->name, sizeof(n->name), "%s", (roles & ROLE_SERVER) ? daemon_config(d)->name : "");
	n->role = role_str(roles);
	n->dht = toxnode_connection_str(toxnode_dht_status(daemon_node(d)));
	n->relay_resets = daemon_relay_resets(d);
	n->uptime_s = ev_now(daemon_loop(d)) - daemon_started(d);
	n->pid = (long)getpid();
}

static void collect_peer(struct daemon *d, struct session *s, struct snap_peer *p)
{
	struct session_info info;
	struct link_stats ls;
	uint64_t wire;

	session_get_info(s, &info);
	snprintf(p->public_key, sizeof(p->public_key), "%s", session_name(s));
	if (session_fnum(s) != UINT32_MAX) {
		toxnode_friend_name(daemon_node(d), session_fnum(s), p->name, sizeof(p->name));
		p->approved = toxnode_friend_approved(daemon_node(d), session_fnum(s));
	}
	p->online = info.friend_status != TOX_CONNECTION_NONE;
	p->path = toxnode_connection_str(info.friend_status);
	p->session = session_state_str(&info);
	p->rtt_known = info.measured.rtt_known;
	p->rtt_ms = info.measured.rtt_ms;
	p->min_rtt_ms = info.measured.min_rtt_ms;
	p->rtt_age_s = info.measured.age_s;
	p->loss_known = info.measured.loss_known;
	p->loss = info.measured.loss;
	p->loss_in_known = info.measured.loss_in_known;
	p->loss_in = info.measured.loss_in;
	p->loss_window_s = info.measured.loss_window_s;
	p->window_bytes = info.window;
	link_get_stats(daemon_link(d), session_fnum(s), &ls);
	p->tx_bytes = ls.tx_bytes;
	p->rx_bytes = ls.rx_bytes;
	p->tx_packets = ls.tx_packets;
	p->rx_packets = ls.rx_packets;
	p->cc_state = info.cc_state;
	p->pacing_bytes_s = (uint64_t)info.pacing_bytes_s;
	p->relay_limit_bytes_s = (uint64_t)ls.relay_bytes_s;
	p->delivery_bytes_s = (uint64_t)info.delivery_bytes_s;
	p->cc_min_rtt_ms = info.cc_min_rtt_ms;
	p->sendq = ls.sendq;
	wire = info.stats.tx_wire + info.stats.rx_wire;
	p->compression_ratio = wire ? (double)(info.stats.tx_bytes + info.stats.rx_bytes) / (double)wire : 1.0;
	p->streams = (uint32_t)info.streams;
}

static void collect_tunnel(struct daemon *d, const struct tunnel_stats *ts, struct snap_tunnel *t)
{
	struct session *s = daemon_session(d, ts->peer, false);

	snprintf(t->name, sizeof(t->name), "%s", ts->name);
	snprintf(t->listen, sizeof(t->listen), "%s", ts->server_side ? "" : ts->listen);
	snprintf(t->destination, sizeof(t->destination), "%s", ts->destination);
	tt_hex_format(ts->peer, TT_PUBKEY_SIZE, t->peer);
	snprintf(t->error, sizeof(t->error), "%s", ts->error);
	if (ts->error[0])
		t->state = "error";
	else
		t->state = s && session_ready(s) ? "up" : "waiting";
	t->streams_active = ts->c.streams_active;
	t->streams_total = ts->c.streams_total;
	t->refused = ts->c.refused;
	t->datagrams_dropped = ts->c.datagrams_dropped;
	t->bytes_up = ts->c.bytes_up;
	t->bytes_down = ts->c.bytes_down;
	t->rate_up = ts->rate_up;
	t->rate_down = ts->rate_down;
}

static void collect_stream(struct daemon *d, struct session *s, const struct stream *st,
                           struct snap_stream *o)
{
	struct stream_info info;

	stream_get_info(st, &info);
	o->id = info.id;
	snprintf(o->peer, sizeof(o->peer), "%s", session_name(s));
	snprintf(o->tunnel, sizeof(o->tunnel), "%s",
	         info.counters ? tunnel_of(info.counters)->name : info.tunnel);
	snprintf(o->client, sizeof(o->client), "%s", info.origin);
	sock_host_port_str(info.dest_host, info.dest_port, o->destination, sizeof(o->destination));
	o->age_s = ev_now(daemon_loop(d)) - info.opened;
	o->bytes_up = info.bytes_up;
	o->bytes_down = info.bytes_down;
	o->state = info.state;
}

static void collect_pending(struct daemon *d, const struct pending_entry *e, struct snap_pending *o)
{
	tt_hex_format(e->pk, TT_PUBKEY_SIZE, o->public_key);
	snprintf(o->message, sizeof(o->message), "%s", e->message);
	o->age_s = ev_now(daemon_loop(d)) - e->received;
}

bool snapshot_collect(struct daemon *d, struct snapshot *out)
{
	size_t n_streams = 0, k = 0;
	const struct tunnels *tt = daemon_tunnels(d);
	const struct pending *pending = daemon_pending(d);
	size_t n_sessions = daemon_n_sessions(d);

	memset(out, 0, sizeof(*out));
	collect_node(d, &out->node);
	for (size_t i = 0; i < n_sessions; i++)
		n_streams += session_stream_count(daemon_session_at(d, i));
	out->peers = calloc(n_sessions ? n_sessions : 1, sizeof(*out->peers));
	out->tunnels = calloc(tt->n ? tt->n : 1, sizeof(*out->tunnels));
	out->streams = calloc(n_streams ? n_streams : 1, sizeof(*out->streams));
	out->pending = calloc(pending->n ? pending->n : 1, sizeof(*out->pending));
	if (!out->peers || !out->tunnels || !out->streams || !out->pending) {
		snapshot_free(out);
		return false;
	}
	for (size_t i = 0; i < n_sessions; i++)
		collect_peer(d, daemon_session_at(d, i), &out->peers[out->n_peers++]);
	for (size_t i = 0; i < tt->n; i++)
		collect_tunnel(d, tt->v[i], &out->tunnels[out->n_tunnels++]);
	for (size_t i = 0; i < n_sessions; i++) {
		struct session *s = daemon_session_at(d, i);

		for (struct stream *st = session_first_stream(s); st && k < n_streams; st = stream_next(st))
			collect_stream(d, s, st, &out->streams[k++]);
	}
	out->n_streams = k;
	for (size_t i = 0; i < pending->n; i++)
		collect_pending(d, &pending->v[i], &out->pending[out->n_pending++]);
	return true;
}
