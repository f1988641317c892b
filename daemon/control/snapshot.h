/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The status snapshot (see PROTOCOL.md): plain structs filled by the daemon
 * (control/collect.c), turned into JSON here. Kept apart so that the JSON
 * shape is unit-tested without a running node. */
#ifndef TOXTUN_SNAPSHOT_H
#define TOXTUN_SNAPSHOT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/pending.h"
#include "toxtun/config.h"

#define SNAP_KEY (2 * TT_PUBKEY_SIZE + 1)
#define SNAP_ENDPOINT (TT_HOST_MAX + 8)

struct snap_node {
	char tox_id[2 * TT_TOX_ID_SIZE + 1];
	char public_key[SNAP_KEY];
	char name[TT_NAME_MAX];
	const char *role;        /* "server", "client", "run" */
	const char *dht;         /* "udp", "tcp", "none" */
	uint64_t relay_resets;   /* stalled relay connections reset (tox/tcpwatch.h) */
	double uptime_s;
	long pid;
};

struct snap_peer {
	char public_key[SNAP_KEY];
	char name[TT_NAME_MAX];
	bool online;
	bool approved;           /* has ever been online: accepted our friend request */
	const char *path;        /* "udp", "tcp", "none" */
	const char *session;     /* "up", "hello", "connecting", "down" */
	/* By probe (daemon/mux/probe.h). Unknown: rtt_ms, min_rtt_ms, loss,
	 * loss_in null; rtt_age_s, loss_window_s absent. */
	bool rtt_known, loss_known, loss_in_known;
	double rtt_ms, min_rtt_ms, rtt_age_s;
	double loss, loss_in, loss_window_s;
	uint32_t window_bytes;
	uint64_t tx_bytes, rx_bytes, tx_packets, rx_packets;
	double compression_ratio;
	uint32_t streams;
	const char *cc_state;
	uint64_t pacing_bytes_s, delivery_bytes_s, relay_limit_bytes_s;
	double cc_min_rtt_ms;
	uint64_t sendq;
};

struct snap_tunnel {
	char name[TT_NAME_MAX + TT_HOST_MAX];
	char listen[SNAP_ENDPOINT];
	char destination[SNAP_ENDPOINT];
	char peer[SNAP_KEY];
	const char *state;       /* "up", "waiting", "error" */
	char error[256];
	uint64_t streams_active, streams_total, refused, bytes_up, bytes_down;
	uint64_t datagrams_dropped;
	double rate_up, rate_down;
};

struct snap_stream {
	uint32_t id;
	char peer[SNAP_KEY];
	char tunnel[TT_NAME_MAX + TT_HOST_MAX];
	char client[80];
	char destination[SNAP_ENDPOINT];
	double age_s;
	uint64_t bytes_up, bytes_down;
	const char *state;       /* "waiting", "dialing", "open", "half-closed" */
};

/* A friend request waiting for approval (core/pending.h). */
struct snap_pending {
	char public_key[SNAP_KEY];
	char message[PENDING_MESSAGE_MAX + 1];
	double age_s;            /* since it last asked */
};

struct snapshot {
	struct snap_node node;
	struct snap_peer *peers;
	size_t n_peers;
	struct snap_tunnel *tunnels;
	size_t n_tunnels;
	struct snap_stream *streams;
	size_t n_streams;
	struct snap_pending *pending;
	size_t n_pending;
};

/* {"ok":true,"node":…,"peers":[…],"tunnels":[…],"streams":[…],"pending":[…]};
 * NULL if out of memory. */
json_object *snapshot_to_json(const struct snapshot *s);
void snapshot_free(struct snapshot *s);

#endif
