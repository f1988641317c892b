/* Per-tunnel accounting for the control socket: streams, refusals, bytes and
 * rates. A client has one entry per [client] line; a server one per
 * destination it serves to one client, created with the first stream. */
#ifndef TOXTUN_TUNNELS_H
#define TOXTUN_TUNNELS_H

#include <stdbool.h>
#include <stdint.h>

#include "toxtun/config.h"

struct daemon;

#define TUNNEL_RATE_SAMPLES 6 /* one a second: rates over the last 5 s */

struct tunnel_stats {
	char name[TT_NAME_MAX + TT_HOST_MAX];
	char listen[TT_HOST_MAX + 8];
	char destination[TT_HOST_MAX + 8];
	uint8_t peer[TT_PUBKEY_SIZE];
	bool server_side;
	char error[256];               /* client: the listener could not be opened */
	uint64_t streams_active, streams_total, refused;
	uint64_t datagrams_dropped;    /* udp: dropped for want of room on the link */
	uint64_t bytes_up, bytes_down; /* up = from the client's local side */
	uint64_t samples_up[TUNNEL_RATE_SAMPLES], samples_down[TUNNEL_RATE_SAMPLES];
	unsigned sample_pos, n_samples;
	double rate_up, rate_down;     /* bytes per second */
};

/* Client line by name, or NULL. */
struct tunnel_stats *tunnels_find_client(struct daemon *d, const char *name);
struct tunnel_stats *tunnels_add_client(struct daemon *d, const struct tt_client_tunnel *t);
/* Server side: the entry for this client and destination, created on demand. */
struct tunnel_stats *tunnels_server(struct daemon *d, const uint8_t peer[TT_PUBKEY_SIZE],
                                    const char *host, uint16_t port);
/* Drop an entry; streams still counting on it stop doing so. */
void tunnels_remove(struct daemon *d, struct tunnel_stats *ts);
void tunnels_free_all(struct daemon *d);
/* Does a client tunnel go through this peer? */
bool tunnels_peer_in_use(struct daemon *d, const uint8_t peer[TT_PUBKEY_SIZE]);
/* Once a second: update the rates. */
void tunnels_sample(struct daemon *d);

#endif
