/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The link: one ENet host whose datagrams travel as Tox lossy packets.
 *
 * ENet addresses every friend as 127.0.0.1 and a port of its own (an
 * "alias"). ENet's socket calls for the host are replaced in process
 * (enetp_transport_attach): what ENet sends to an alias goes to that friend
 * through Tox, and what the friend sends is queued for ENet to read, which it
 * does before the loop sleeps (or at once, when 64 are waiting). No datagram
 * crosses the kernel between ENet and Tox.
 *
 * On a TCP relay the alias is also where sending is paced: its datagrams
 * leave only as fast as a limit allows that a full Tox send queue (SENDQ)
 * lowers (a relay pushed past its limit collapses; see docs/design.md, "Relays"). The
 * session's congestion control (cc.h) paces data before it reaches ENet.
 */
#ifndef TOXTUN_LINK_H
#define TOXTUN_LINK_H

#include <enet/enet.h>
#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <tox/tox.h>

struct link;
struct toxnode;

struct link_events {
	/* An ENet peer connected (either side). Return false to refuse it
	 * (the link resets the peer). */
	bool (*connect)(void *ctx, ENetPeer *peer, uint32_t fnum);
	/* The peer is gone (timed out or disconnected by the other side). */
	void (*disconnect)(void *ctx, ENetPeer *peer);
	/* A packet arrived; the callee owns it (enet_packet_destroy). */
	void (*receive)(void *ctx, ENetPeer *peer, uint8_t channel, ENetPacket *packet);
};

struct link_stats {
	uint64_t tx_packets, rx_packets; /* Tox lossy packets */
	uint64_t tx_bytes, rx_bytes;
	uint64_t sendq;                  /* sends refused by a full Tox queue */
	double relay_bytes_s;            /* the TCP relay's limit, on the wire (0: direct) */
};

struct link *link_new(struct ev_loop *loop, struct toxnode *node, size_t max_peers, size_t channels,
                      const struct link_events *ev, void *ctx, char *err, size_t errlen);
void link_free(struct link *link);

/* How long a silent peer is kept (both when we connect and when we accept). */
void link_set_outage(struct link *link, uint32_t outage_ms);
/* Open an ENet connection to a friend. NULL on failure. */
ENetPeer *link_connect(struct link *link, uint32_t fnum, size_t channels, uint32_t outage_ms);
/* Forget a peer without telling the other side (the session is being torn
 * down, e.g. because the other node restarted). */
void link_reset_peer(struct link *link, ENetPeer *peer);

/* A lossy packet from a friend (our id byte stripped). */
void link_deliver(struct link *link, uint32_t fnum, const uint8_t *data, size_t len);
/* Tox's view of the friend changed: pick the pacing profile, and when the
 * friend is back, make ENet retransmit now. */
void link_friend_status(struct link *link, uint32_t fnum, TOX_CONNECTION status);
/* A TCP relay connection was reset (tox/tcpwatch.h): ENet's retransmissions
 * to friends reached through a relay have backed off meanwhile; make them
 * retransmit at once when the friend is heard from again (a toxcore
 * reconnection is not a friend status change). */
void link_relay_reset(struct link *link);
/* The friend was deleted: forget its alias (after resetting its peer). */
void link_forget_friend(struct link *link, uint32_t fnum);

/* The window to keep asserting on the friend's peer. */
void link_set_window(struct link *link, uint32_t fnum, uint32_t bytes);
void link_get_stats(struct link *link, uint32_t fnum, struct link_stats *out);

/* Run ENet: receive, dispatch events, send. The link calls it itself when
 * datagrams from Tox wait; call it on a timer as well (it also flushes). */
void link_service(struct link *link);
/* Send what ENet has queued (re-asserting windows first). */
void link_flush(struct link *link);
/* Hand whatever ENet has sent to Tox now, ignoring pacing
 * (at shutdown, so that goodbyes leave before the process does). */
void link_drain(struct link *link);
/* True while any friend is reached through a TCP relay. */
bool link_relayed(struct link *link);
/* True while any peer has data in flight or queued: iterate fast. */
bool link_busy(struct link *link);

#endif
