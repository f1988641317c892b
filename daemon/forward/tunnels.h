/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-tunnel accounting for the control socket: streams, refusals, bytes and
 * rates. A client has one entry per [client] line; a server one per
 * destination it serves to one client, created with the first stream. */
#ifndef TOXTUN_TUNNELS_H
#define TOXTUN_TUNNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mux/stream.h"
#include "toxtun/config.h"

#define TUNNEL_RATE_SAMPLES 6 /* one a second: rates over the last 5 s */

struct tunnel_stats {
	char name[TT_NAME_MAX + TT_HOST_MAX];
	char listen[TT_HOST_MAX + 8];
	char destination[TT_HOST_MAX + 8];
	uint8_t peer[TT_PUBKEY_SIZE];
	bool server_side;
	char error[256];               /* client: the listener could not be opened */
	struct stream_counters c;      /* what its streams add to */
	uint64_t samples_up[TUNNEL_RATE_SAMPLES], samples_down[TUNNEL_RATE_SAMPLES];
	unsigned sample_pos, n_samples;
	double rate_up, rate_down;     /* bytes per second */
};

/* Every entry, in no particular order. */
struct tunnels {
	struct tunnel_stats **v;
	size_t n, cap;
};

/* The entry a stream's counters belong to. */
static inline struct tunnel_stats *tunnel_of(const struct stream_counters *c)
{
	return (struct tunnel_stats *)((const char *)c - offsetof(struct tunnel_stats, c));
}

/* Client line by name, or NULL. */
struct tunnel_stats *tunnels_find_client(struct tunnels *tt, const char *name);
struct tunnel_stats *tunnels_add_client(struct tunnels *tt, const struct tt_client_tunnel *t);
/* Server side: the entry for this client and destination, created on demand. */
struct tunnel_stats *tunnels_server(struct tunnels *tt, const uint8_t peer[TT_PUBKEY_SIZE],
                                    const char *host, uint16_t port);
/* The counters of a client line, or NULL. */
struct stream_counters *tunnels_client_counters(struct tunnels *tt, const char *name);
/* Drop an entry. Its streams must have stopped counting on it first
 * (stream_drop_counters). */
void tunnels_remove(struct tunnels *tt, struct tunnel_stats *ts);
void tunnels_free_all(struct tunnels *tt);
/* Does a client tunnel go through this peer? */
bool tunnels_peer_in_use(const struct tunnels *tt, const uint8_t peer[TT_PUBKEY_SIZE]);
/* Once a second: update the rates. */
void tunnels_sample(struct tunnels *tt);

#endif
