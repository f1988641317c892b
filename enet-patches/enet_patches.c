/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Run-time changes to stock ENet 1.3.17; see README.md in this folder for the
 * upstream behaviour each one replaces. Line references are to upstream
 * protocol.c / peer.c / host.c of v1.3.17. */
#include <enet/time.h>
#include <stddef.h>
#include <string.h>

#include "toxtun/enet_patches.h"

void enetp_host_setup(ENetHost *host)
{
	/* enet_host_create copied ENET_HOST_DEFAULT_MTU (1400) into every peer
	 * slot already; enet_peer_reset later copies host->mtu, so both must
	 * change. A 1.3.17 acceptor takes the MTU from the connect command
	 * (protocol.c:370-378), so the connecting side's value wins anyway. */
	host->mtu = ENETP_MTU;
	for (size_t i = 0; i < host->peerCount; i++)
		host->peers[i].mtu = ENETP_MTU;
	/* Our packets never exceed one datagram's payload; refuse to reassemble
	 * anything much larger from a peer (upstream allows 32 MiB). */
	host->maximumPacketSize = 64 * 1024;
}

void enetp_host_fit_peers(ENetHost *host, size_t slots)
{
	/* ENet only ever takes a slot below peerCount (host.c:185-194 for
	 * enet_host_connect, protocol.c:302-313 for an incoming CONNECT), so
	 * every slot at or above it is free: scanning down from it finds the
	 * highest one in use without touching the rest. A datagram addressed to
	 * a slot at or above peerCount is dropped (protocol.c:1026), and no
	 * peer in use ever sits there. */
	size_t used = host->peerCount < slots ? host->peerCount : slots;

	while (used > 0 && host->peers[used - 1].state == ENET_PEER_STATE_DISCONNECTED)
		used--;
	host->peerCount = used + ENETP_SPARE_PEERS < slots ? used + ENETP_SPARE_PEERS : slots;
}

void enetp_peer_setup(ENetPeer *peer, uint32_t outage_timeout_ms)
{
	if (outage_timeout_ms > ENET_TIME_OVERFLOW / 2)
		outage_timeout_ms = ENET_TIME_OVERFLOW / 2;
	peer->mtu = ENETP_MTU;
	/* Upstream (32, 5000, 30000) drops a peer 5-30 s into an outage. With
	 * minimum = maximum only the elapsed time since the oldest unacknowledged
	 * command counts (protocol.c:1355-1358), so a Tox outage shorter than
	 * outage_timeout_ms never kills the peer. */
	enet_peer_timeout(peer, 32, outage_timeout_ms, outage_timeout_ms);
	/* Upstream pings a quiet peer every 500 ms (ENET_PEER_PING_INTERVAL,
	 * protocol.c:1610), and on Tox each ping and its acknowledgement are
	 * packets that wake both daemons; the outage timeout above needs far
	 * fewer, and Tox keeps the friend connection alive by itself. */
	enet_peer_ping_interval(peer, ENETP_PING_INTERVAL);
	/* ENet shrinks the window by packetThrottle/32 whenever an RTT sample is
	 * above the last one plus twice its variance (peer.c enet_peer_throttle).
	 * On Tox, RTT jitter is the norm, not congestion: with no deceleration
	 * the throttle stays at its limit and our own window governs.
	 * Set the fields directly: enet_peer_throttle_configure would also queue
	 * a command telling the remote side, which does this itself. Not before
	 * the handshake is over: the connecting side checks that the acceptor
	 * echoes the throttle parameters of its CONNECT (protocol.c:946-955). */
	if (peer->state != ENET_PEER_STATE_CONNECTED)
		return;
	peer->packetThrottleAcceleration = ENET_PEER_PACKET_THROTTLE_SCALE;
	peer->packetThrottleDeceleration = 0;
	peer->packetThrottle = ENET_PEER_PACKET_THROTTLE_SCALE;
}

void enetp_peer_set_window(ENetPeer *peer, uint32_t bytes)
{
	if (bytes < ENET_PROTOCOL_MINIMUM_WINDOW_SIZE)
		bytes = ENET_PROTOCOL_MINIMUM_WINDOW_SIZE;
	if (bytes > ENETP_MAX_WINDOW)
		bytes = ENETP_MAX_WINDOW;
	/* The send window check is sender-side only (protocol.c:1429-1431); the
	 * receiver accepts whatever arrives within its reliable windows. */
	peer->windowSize = bytes;
	peer->packetThrottle = ENET_PEER_PACKET_THROTTLE_SCALE;
	if (peer->packetThrottleLimit < ENET_PEER_PACKET_THROTTLE_SCALE)
		peer->packetThrottleLimit = ENET_PEER_PACKET_THROTTLE_SCALE;
}

void enetp_peer_floor_timeout(ENetPeer *peer)
{
	/* ENet times a command out after RTT + 4 x its variance, and on Tox
	 * the variance ENet measures between ack bursts is a few ms while the
	 * RTT itself swings by a quarter as queues come and go: most timeouts
	 * would be spurious retransmissions of packets still on their way.
	 * Keep the variance at least RTT / 8, so the timeout is >= 1.5 RTT. */
	if (peer->roundTripTimeVariance < peer->roundTripTime / 8)
		peer->roundTripTimeVariance = peer->roundTripTime / 8;
}

/* The initial retransmission timeout ENet gives a command (protocol.c:1471). */
uint32_t enetp_base_rto(const ENetPeer *peer)
{
	return peer->roundTripTime + 4 * peer->roundTripTimeVariance;
}

void enetp_peer_resume(ENetPeer *peer)
{
	ENetListIterator it;
	uint32_t rto = enetp_base_rto(peer);

	for (it = enet_list_begin(&peer->sentReliableCommands);
	     it != enet_list_end(&peer->sentReliableCommands); it = enet_list_next(it)) {
		ENetOutgoingCommand *cmd = (ENetOutgoingCommand *)it;

		cmd->roundTripTimeout = rto;
	}
	/* The outage must not count towards the peer's timeout any more, and
	 * the next service pass must look at the sent commands now. */
	peer->earliestTimeout = 0;
	peer->nextTimeout = peer->host->serviceTime;
}

void enetp_peer_bound_timeouts(ENetPeer *peer, uint32_t floor_ms, uint32_t cap_ms)
{
	ENetListIterator it;
	int capped = 0;

	if (cap_ms < enetp_base_rto(peer))
		cap_ms = enetp_base_rto(peer);
	if (floor_ms > cap_ms)
		floor_ms = cap_ms;
	for (it = enet_list_begin(&peer->sentReliableCommands);
	     it != enet_list_end(&peer->sentReliableCommands); it = enet_list_next(it)) {
		ENetOutgoingCommand *cmd = (ENetOutgoingCommand *)it;

		if (cmd->roundTripTimeout > cap_ms) {
			cmd->roundTripTimeout = cap_ms;
			capped = 1;
		} else if (cmd->roundTripTimeout < floor_ms) {
			cmd->roundTripTimeout = floor_ms;
		}
	}
	if (capped)
		peer->nextTimeout = peer->host->serviceTime;
}

void enetp_peer_reset_rtt(ENetPeer *peer)
{
	peer->roundTripTime = ENET_PEER_DEFAULT_ROUND_TRIP_TIME;
	peer->roundTripTimeVariance = 0;
	peer->lowestRoundTripTime = ENET_PEER_DEFAULT_ROUND_TRIP_TIME;
	peer->lastRoundTripTime = ENET_PEER_DEFAULT_ROUND_TRIP_TIME;
}

/* The 2-byte header of a datagram without sent time (peer id and session in
 * network order, flags in the top bits); checksums are not enabled. */
#define ACK_HEADER 2
#define ACK_SIZE sizeof(ENetProtocolAcknowledge)

/* A 16-bit field of the wire format, in network order. */
static uint16_t get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The header's flags (ENET_PROTOCOL_HEADER_FLAG_*); len >= 2. */
static uint16_t header_flags(const uint8_t *d)
{
	return get_u16(d) & ENET_PROTOCOL_HEADER_FLAG_MASK;
}

bool enetp_ack_only(const uint8_t *d, size_t len)
{
	if (len < ACK_HEADER + ACK_SIZE || (len - ACK_HEADER) % ACK_SIZE != 0 ||
	    (header_flags(d) & (ENET_PROTOCOL_HEADER_FLAG_SENT_TIME | ENET_PROTOCOL_HEADER_FLAG_COMPRESSED)))
		return false;
	for (size_t i = ACK_HEADER; i < len; i += ACK_SIZE)
		if ((d[i] & ENET_PROTOCOL_COMMAND_MASK) != ENET_PROTOCOL_COMMAND_ACKNOWLEDGE)
			return false;
	return true;
}

bool enetp_carries_data(const uint8_t *d, size_t len, size_t max_data)
{
	size_t i = sizeof(ENetProtocolHeader);

	if (len < i || (header_flags(d) & (ENET_PROTOCOL_HEADER_FLAG_SENT_TIME |
	                                   ENET_PROTOCOL_HEADER_FLAG_COMPRESSED)) !=
	                   ENET_PROTOCOL_HEADER_FLAG_SENT_TIME)
		return false;
	/* Acknowledgements, pings and larger reliable sends may come before
	 * it; anything else ends the walk. A reliable send's data follows its
	 * command. */
	while (i + sizeof(ENetProtocolCommandHeader) <= len) {
		uint8_t cmd = d[i] & ENET_PROTOCOL_COMMAND_MASK;

		if (cmd == ENET_PROTOCOL_COMMAND_SEND_RELIABLE) {
			size_t data;

			if (i + sizeof(ENetProtocolSendReliable) > len)
				return false;
			data = get_u16(d + i + offsetof(ENetProtocolSendReliable, dataLength));
			if (data <= max_data)
				return true;
			i += sizeof(ENetProtocolSendReliable) + data;
			continue;
		}
		if (cmd != ENET_PROTOCOL_COMMAND_ACKNOWLEDGE && cmd != ENET_PROTOCOL_COMMAND_PING)
			return false;
		i += enet_protocol_command_size(cmd);
	}
	return false;
}

bool enetp_acks_add(struct enetp_acks *acks, const uint8_t *d, size_t len)
{
	if (!enetp_ack_only(d, len) || len > sizeof(acks->data))
		return false;
	if (acks->len == 0) {
		memcpy(acks->data, d, len);
		acks->len = len;
		acks->count = 1;
		return true;
	}
	if (memcmp(acks->data, d, ACK_HEADER) != 0 || acks->len + len - ACK_HEADER > sizeof(acks->data))
		return false;
	memcpy(acks->data + acks->len, d + ACK_HEADER, len - ACK_HEADER);
	acks->len += len - ACK_HEADER;
	acks->count++;
	return true;
}
