/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How toxtun bends stock ENet 1.3.17 (Debian's libenet) to Tox's link.
 *
 * Every function here changes a documented upstream behaviour at run time,
 * through the public structs of <enet/enet.h>; enet-patches/README.md says
 * what each one alters and why. Nothing is rebuilt; one thing is interposed
 * (enetp_transport_attach: ENet's two socket calls, for one host).
 */
#ifndef TOXTUN_ENET_PATCHES_H
#define TOXTUN_ENET_PATCHES_H

#include <enet/enet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 1272-byte Tox lossy packets minus our one-byte packet id. */
#define ENETP_MTU 1271
/* The largest packet ENet sends unfragmented: enet_peer_send splits anything
 * above MTU - protocol header (4) - SEND_FRAGMENT command (24), although a
 * SEND_RELIABLE command (6) would leave room for 18 bytes more. One byte over
 * this doubles the datagrams - and Tox's cost is per packet. */
#define ENETP_PACKET_PAYLOAD (ENETP_MTU - 4 - 24)
/* The floor of our window: stock ENet's fixed maximum. */
#define ENETP_MIN_WINDOW (64u * 1024u)
#define ENETP_MAX_WINDOW (64u * 1024u * 1024u)
/* How often ENet pings a peer it has not heard from, in ms. */
#define ENETP_PING_INTERVAL 2000

/* After enet_host_create: MTU 1271 on the host and on every peer slot, and
 * a packet size cap (we never send packets larger than one datagram). */
void enetp_host_setup(ENetHost *host);

/* ENet walks all host->peerCount slots, in use or not, once per datagram it
 * sends (protocol.c:1579-1581: the walk restarts while any peer has more to
 * send) and again at every connect, broadcast and throttle. Call this before
 * every enet_host_service, enet_host_flush and enet_host_connect: it lowers
 * peerCount to the highest slot in use plus ENETP_SPARE_PEERS free ones (at
 * most `slots`, what enet_host_create allocated): up to ENETP_SPARE_PEERS
 * new peers find a slot in one call; a further CONNECT in the same call is
 * dropped unanswered and gets one when its sender resends it, as when a host
 * is full (ENet resends after its retransmission timeout, 0.5 s at first).
 * Restore peerCount to `slots` before enet_host_destroy. */
#define ENETP_SPARE_PEERS 4
void enetp_host_fit_peers(ENetHost *host, size_t slots);

/* On every new peer (after enet_host_connect, and on CONNECT on both sides):
 * MTU, outage-tolerant timeouts, and - once connected - ENet's RTT throttle
 * neutralised. */
void enetp_peer_setup(ENetPeer *peer, uint32_t outage_timeout_ms);

/* Re-assert a window larger than ENet's 64 KiB cap. ENet's bandwidth throttle
 * rewrites peer->windowSize on connects and disconnects, so call this before
 * every enet_host_service / enet_host_flush. */
void enetp_peer_set_window(ENetPeer *peer, uint32_t bytes);
/* Keep ENet's retransmission timeout at 1.5 RTT or more (see the .c); like
 * the window, re-assert it before every service and flush. */
void enetp_peer_floor_timeout(ENetPeer *peer);

/* The path came back (Tox reports the friend online again): forget the
 * exponential back-off of every unacknowledged command and retransmit at the
 * next service instead of after up to minutes of back-off. */
void enetp_peer_resume(ENetPeer *peer);

/* The path changed (TCP relay <-> direct UDP): forget the round trip ENet
 * measured on the old one. It restarts from ENet's initial 500 ms and
 * converges down to the new path's, so nothing below that is ever seen. */
void enetp_peer_reset_rtt(ENetPeer *peer);

/* The timeout ENet gives a command it sends: RTT + 4 x variance. */
uint32_t enetp_base_rto(const ENetPeer *peer);

/* Keep the retransmission timeouts of unacknowledged commands between
 * floor_ms and cap_ms: the cap bounds the back-off (upstream doubles it
 * without bound; never below the base timeout, RTT + 4 x variance), the
 * floor holds back retransmissions on a path that delays rather than
 * loses (never above the cap; 0 for none). Cheap enough to call a few
 * times a second: it walks the in-flight commands once. */
void enetp_peer_bound_timeouts(ENetPeer *peer, uint32_t floor_ms, uint32_t cap_ms);

/* Acknowledgement merging. ENet answers every flush that follows a received
 * reliable command with a datagram of its own holding the acknowledgements
 * queued since the last one (protocol.c: enet_protocol_send_acknowledgements
 * in every enet_protocol_send_outgoing_commands): while data arrives one
 * datagram per wake-up, the receiver sends nearly one acknowledgement
 * datagram per data datagram, and on Tox each costs a full packet
 * (encryption, a send, the peer's decryption). The link holds such datagrams
 * for a moment and sends them as one: the concatenation of their commands
 * behind one header is itself a valid ENet datagram (the receiver walks the
 * commands to the datagram's end). */
struct enetp_acks {
	uint8_t data[ENETP_MTU];
	size_t len;      /* 0: nothing held */
	unsigned count;  /* datagrams merged into it */
};

/* Is this datagram nothing but ACKNOWLEDGE commands (no sent time, not
 * compressed, no checksum: how ENet sends acknowledgements alone)? */
bool enetp_ack_only(const uint8_t *datagram, size_t len);
/* Append an acknowledgement-only datagram to what is held. False if it
 * cannot join (another peer's header, or the result would exceed the MTU):
 * send what is held first, then add it to the emptied holder. */
bool enetp_acks_add(struct enetp_acks *acks, const uint8_t *datagram, size_t len);

/* Does this datagram carry a small reliable packet (a SEND_RELIABLE command
 * with at most max_data bytes, after any acknowledgements, pings and larger
 * reliable sends)? The link sends such datagrams twice: a lost keystroke
 * otherwise waits for ENet's retransmission timeout, 1.5 round trips or
 * more, and ENet packs it behind whatever else was queued, such as the
 * tail of a bulk transfer's read. ENet's own pings, twice a second on an
 * idle peer, are not worth it. */
bool enetp_carries_data(const uint8_t *datagram, size_t len, size_t max_data);

/* ENet's transport for one host, replaced (transport.c). ENet sends and
 * receives through enet_socket_send / enet_socket_receive; this program
 * defines both, and for the attached host's socket they call these instead
 * of the kernel. Other hosts' sockets keep libenet's own. */
struct enetp_transport {
	/* A datagram ENet sends to `to`, in `count` pieces. Return its length
	 * (a datagram that cannot go is lost, as on UDP), never less than 0. */
	int (*send)(void *ctx, const ENetAddress *to, const ENetBuffer *buffers, size_t count);
	/* The next datagram for ENet, copied into `buffer` (dataLength bytes
	 * of room) with its sender in `from`: its length, or 0 if none. */
	int (*receive)(void *ctx, ENetAddress *from, ENetBuffer *buffer);
	void *ctx;
};
/* One host per process. False (and why, in err) if another host has it or
 * libenet's calls would not reach this program's definitions. */
bool enetp_transport_attach(ENetHost *host, const struct enetp_transport *t, char *err, size_t errlen);
void enetp_transport_detach(ENetHost *host);
#endif
