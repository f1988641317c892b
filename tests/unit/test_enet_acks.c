/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for acknowledgement merging (enet-patches: enetp_ack_only,
 * enetp_acks_add) and for telling which datagrams the link sends twice
 * (enetp_carries_data): on hand-made datagrams, and on the datagrams a real
 * ENet host sends, merged or doubled and fed back to a real ENet host that
 * must take every acknowledgement in them and deliver a doubled packet
 * once. Also the bounds on retransmission timeouts
 * (enetp_peer_bound_timeouts), on a real host's unacknowledged commands. */
#include <arpa/inet.h>
#include <time.h>

#include "check.h"
#include "toxtun/enet_patches.h"

/* One ACKNOWLEDGE command: header (command, channel, reliable sequence
 * number), the acknowledged sequence number, its sent time. */
static size_t put_ack(uint8_t *p, uint16_t seq)
{
	p[0] = ENET_PROTOCOL_COMMAND_ACKNOWLEDGE;
	p[1] = 0xff;
	p[2] = p[3] = 0;
	p[4] = (uint8_t)(seq >> 8);
	p[5] = (uint8_t)seq;
	p[6] = 0x12;
	p[7] = 0x34;
	return 8;
}

static size_t ack_datagram(uint8_t *p, uint16_t peer_id, uint16_t first, unsigned n)
{
	size_t len = 2;

	p[0] = (uint8_t)(peer_id >> 8);
	p[1] = (uint8_t)peer_id;
	for (unsigned i = 0; i < n; i++)
		len += put_ack(p + len, (uint16_t)(first + i));
	return len;
}

static void test_ack_only(void)
{
	uint8_t d[64];
	size_t len = ack_datagram(d, 3, 1, 2);

	CHECK(enetp_ack_only(d, len));
	CHECK(!enetp_ack_only(d, 2));           /* a header alone */
	CHECK(!enetp_ack_only(d, len - 1));     /* a cut command */
	CHECK(!enetp_carries_data(d, len, 256));
	d[0] |= 0x80;                           /* sent time: something wants an ack */
	CHECK(!enetp_ack_only(d, len));
	d[0] = 0x40;                            /* compressed */
	CHECK(!enetp_ack_only(d, len));
	d[0] = 0;
	d[2 + 8] = ENET_PROTOCOL_COMMAND_PING;  /* an acknowledgement and a ping */
	CHECK(!enetp_ack_only(d, len));
	d[2 + 8] = ENET_PROTOCOL_COMMAND_ACKNOWLEDGE | 0x80;
	CHECK(enetp_ack_only(d, len));          /* flags on the command do not matter */
}

/* Header with sent time, then commands. */
static size_t put_cmd(uint8_t *p, uint8_t cmd, size_t data)
{
	size_t size = enet_protocol_command_size(cmd);

	memset(p, 0, size + data);
	p[0] = cmd | ENET_PROTOCOL_COMMAND_FLAG_ACKNOWLEDGE;
	if (cmd == ENET_PROTOCOL_COMMAND_SEND_RELIABLE) {
		p[4] = (uint8_t)(data >> 8);
		p[5] = (uint8_t)data;
		return size + data;
	}
	return size;
}

static void test_carries_data(void)
{
	uint8_t d[256] = { 0x80, 0, 0x12, 0x34 };
	size_t len = 4;

	len += put_cmd(d + len, ENET_PROTOCOL_COMMAND_PING, 0);
	CHECK(!enetp_carries_data(d, len, 256));     /* ENet's keep-alive */
	len += put_cmd(d + len, ENET_PROTOCOL_COMMAND_ACKNOWLEDGE, 0);
	CHECK(!enetp_carries_data(d, len, 256));
	len += put_cmd(d + len, ENET_PROTOCOL_COMMAND_SEND_RELIABLE, 64);
	CHECK(enetp_carries_data(d, len, 256));      /* behind a ping and an ack */
	CHECK(!enetp_carries_data(d, 4 + 4 + 8 + 3, 256)); /* its command cut short */
	d[0] = 0;                               /* no sent time */
	CHECK(!enetp_carries_data(d, len, 256));
	d[0] = 0x80 | 0x40;                     /* compressed */
	CHECK(!enetp_carries_data(d, len, 256));
	CHECK(!enetp_carries_data(d, 3, 256));
}

/* ENet packs a small packet behind the partial last packet of a bulk read:
 * the datagram carries it, whatever its size; large packets alone do not. */
static void test_carries_data_behind_bulk(void)
{
	uint8_t d[ENETP_MTU] = { 0x80, 0, 0x12, 0x34 };
	size_t len = 4, bulk;

	len += put_cmd(d + len, ENET_PROTOCOL_COMMAND_ACKNOWLEDGE, 0);
	len += put_cmd(d + len, ENET_PROTOCOL_COMMAND_SEND_RELIABLE, 900);
	bulk = len;
	CHECK(!enetp_carries_data(d, len, 256)); /* bulk data alone */
	CHECK(enetp_carries_data(d, len, 900));  /* small enough for the caller */
	len += put_cmd(d + len, ENET_PROTOCOL_COMMAND_SEND_RELIABLE, 64);
	CHECK(enetp_carries_data(d, len, 256));  /* a ping-pong behind it */
	CHECK(!enetp_carries_data(d, bulk + 5, 256)); /* its command cut short */
	d[bulk] = ENET_PROTOCOL_COMMAND_SEND_FRAGMENT;
	CHECK(!enetp_carries_data(d, len, 256)); /* behind a command we do not walk */
	d[4 + 8] = ENET_PROTOCOL_COMMAND_SEND_RELIABLE;
	d[4 + 8 + 4] = 0xff;                     /* a length past the datagram */
	CHECK(!enetp_carries_data(d, len, 256));
}

static void test_merge(void)
{
	struct enetp_acks acks = { .len = 0 };
	uint8_t a[64], b[64], other[64], big[ENETP_MTU];
	size_t la = ack_datagram(a, 3, 1, 2), lb = ack_datagram(b, 3, 3, 3),
	       lo = ack_datagram(other, 4, 9, 1);

	CHECK(enetp_acks_add(&acks, a, la));
	CHECK(enetp_acks_add(&acks, b, lb));
	CHECK_EQ_U(acks.count, 2);
	CHECK_EQ_U(acks.len, 2 + 5 * 8);
	CHECK_MEM(acks.data, a, la);
	CHECK_MEM(acks.data + la, b + 2, lb - 2);
	CHECK(enetp_ack_only(acks.data, acks.len));
	/* Another peer's header cannot join; nothing held changes. */
	CHECK(!enetp_acks_add(&acks, other, lo));
	CHECK_EQ_U(acks.len, 2 + 5 * 8);
	/* Nor anything that is not acknowledgements alone. */
	other[0] = 0x80;
	CHECK(!enetp_acks_add(&acks, other, lo));
	/* Up to the MTU and no further. */
	acks.len = 0;
	{
		unsigned fit = (ENETP_MTU - 2) / 8;
		size_t lbig = ack_datagram(big, 3, 100, fit);

		CHECK(enetp_acks_add(&acks, big, lbig));
		CHECK(!enetp_acks_add(&acks, a, la));
		CHECK_EQ_U(acks.len, lbig);
	}
}

/* ---- against real ENet hosts on 127.0.0.1 ---- */

#define PACKETS 20

static struct {
	bool on;
	uint8_t data[PACKETS * 2][ENETP_MTU];
	size_t len[PACKETS * 2];
	unsigned n, other;
	/* datagrams that want an acknowledgement: how many, and the first */
	unsigned wanting;
	uint8_t first_wanting[ENETP_MTU];
	size_t first_wanting_len;
} captured;
static unsigned received_by_a;

/* On the sender: keep the datagrams that only acknowledge instead of
 * letting ENet process them. */
static int ENET_CALLBACK capture(ENetHost *host, ENetEvent *event)
{
	(void)event;
	if (enetp_carries_data(host->receivedData, host->receivedDataLength, 256) &&
	    host->receivedDataLength <= ENETP_MTU) {
		if (captured.wanting++ == 0) {
			memcpy(captured.first_wanting, host->receivedData, host->receivedDataLength);
			captured.first_wanting_len = host->receivedDataLength;
		}
	}
	if (!captured.on)
		return 0;
	if (!enetp_ack_only(host->receivedData, host->receivedDataLength)) {
		captured.other++;
		return 0;
	}
	if (captured.n < PACKETS * 2 && host->receivedDataLength <= ENETP_MTU) {
		memcpy(captured.data[captured.n], host->receivedData, host->receivedDataLength);
		captured.len[captured.n++] = host->receivedDataLength;
	}
	return 1;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Service both hosts until cond() holds (a generous deadline). */
static bool pump(ENetHost *a, ENetHost *b, bool (*cond)(void *), void *arg)
{
	double deadline = mono() + 20;
	ENetEvent e;

	while (!cond(arg)) {
		if (mono() > deadline)
			return false;
		while (enet_host_service(a, &e, 1) > 0)
			if (e.type == ENET_EVENT_TYPE_RECEIVE) {
				received_by_a++;
				enet_packet_destroy(e.packet);
			}
		while (enet_host_service(b, &e, 1) > 0)
			if (e.type == ENET_EVENT_TYPE_RECEIVE)
				enet_packet_destroy(e.packet);
	}
	return true;
}

static bool connected(void *p) { return ((ENetPeer *)p)->state == ENET_PEER_STATE_CONNECTED; }
static bool got_acks(void *p) { return captured.n >= *(unsigned *)p; }
static bool all_acked(void *p) { return enet_list_empty(&((ENetPeer *)p)->sentReliableCommands); }
static bool wanting_seen(void *p) { return captured.wanting >= *(unsigned *)p; }

/* Two patched hosts on loopback, a connected to b: the peer on a, or NULL
 * after a failed check. The sender a captures b's acknowledgements. */
static ENetPeer *connect_pair(ENetHost **a, ENetHost **b, ENetAddress *addr_a)
{
	ENetAddress any = { .host = htonl(INADDR_LOOPBACK), .port = 0 }, addr_b;
	ENetPeer *peer;

	*a = enet_host_create(&any, 1, 1, 0, 0);
	*b = enet_host_create(&any, 1, 1, 0, 0);
	if (!CHECK(*a && *b))
		return NULL;
	enetp_host_setup(*a);
	enetp_host_setup(*b);
	enet_socket_get_address((*a)->socket, addr_a);
	enet_socket_get_address((*b)->socket, &addr_b);
	addr_a->host = addr_b.host = htonl(INADDR_LOOPBACK);
	(*a)->intercept = capture;
	peer = enet_host_connect(*a, &addr_b, 1, 0);
	if (!CHECK(peer) || !CHECK(pump(*a, *b, connected, peer)))
		return NULL;
	for (int i = 0; i < 3 && (*b)->peers[0].state != ENET_PEER_STATE_CONNECTED; i++)
		pump(*a, *b, connected, &(*b)->peers[0]);
	enetp_peer_setup(peer, 600000);
	return peer;
}

static void destroy_pair(ENetHost *a, ENetHost *b)
{
	if (a)
		enet_host_destroy(a);
	if (b)
		enet_host_destroy(b);
}

static void test_real_enet(void)
{
	ENetHost *a = NULL, *b = NULL;
	ENetAddress addr_a;
	ENetPeer *peer = connect_pair(&a, &b, &addr_a);
	struct enetp_acks acks = { .len = 0 };
	ENetBuffer buf;

	if (!peer)
		goto out;
	CHECK_EQ_U(peer->pingInterval, ENETP_PING_INTERVAL);

	/* One packet at a time, so that each comes back with its own
	 * acknowledgement datagram, which the sender does not see. */
	captured.on = true;
	for (unsigned i = 1; i <= PACKETS; i++) {
		uint8_t payload[100] = { (uint8_t)i };

		enet_peer_send(peer, 0, enet_packet_create(payload, sizeof(payload), ENET_PACKET_FLAG_RELIABLE));
		enet_host_flush(a);
		if (!CHECK(pump(a, b, got_acks, &i)))
			goto out;
	}
	captured.on = false;
	CHECK(captured.n >= PACKETS);
	CHECK(!enet_list_empty(&peer->sentReliableCommands));

	/* Merged into one datagram, they are all taken. */
	for (unsigned i = 0; i < captured.n; i++)
		CHECK(enetp_acks_add(&acks, captured.data[i], captured.len[i]));
	CHECK_EQ_U(acks.count, captured.n);
	buf.data = acks.data;
	buf.dataLength = acks.len;
	CHECK(enet_socket_send(b->socket, &addr_a, &buf, 1) == (int)acks.len);
	CHECK(pump(a, b, all_acked, peer));
	CHECK_EQ_U(peer->reliableDataInTransit, 0);
	CHECK(peer->state == ENET_PEER_STATE_CONNECTED);
	/* Acknowledgements never want one. */
	for (unsigned i = 0; i < captured.n; i++)
		CHECK(!enetp_carries_data(captured.data[i], captured.len[i], 256));

	/* A data datagram wants one; sent twice, it is received once. */
	{
		uint8_t payload[64] = { 42 };
		unsigned one = 1, two = 2;

		captured.wanting = 0;
		received_by_a = 0;
		enet_peer_send(&b->peers[0], 0, enet_packet_create(payload, sizeof(payload), ENET_PACKET_FLAG_RELIABLE));
		enet_host_flush(b);
		if (!CHECK(pump(a, b, wanting_seen, &one)))
			goto out;
		CHECK(pump(a, b, all_acked, &b->peers[0]));
		buf.data = captured.first_wanting;
		buf.dataLength = captured.first_wanting_len;
		CHECK(enet_socket_send(b->socket, &addr_a, &buf, 1) == (int)captured.first_wanting_len);
		CHECK(pump(a, b, wanting_seen, &two));
		CHECK_EQ_U(received_by_a, 1);
		CHECK(peer->state == ENET_PEER_STATE_CONNECTED);
	}
out:
	destroy_pair(a, b);
}

/* The timeouts of the commands in flight, after bounding them. */
static unsigned bounded(ENetPeer *peer, uint32_t floor_ms, uint32_t cap_ms, uint32_t *out, unsigned max)
{
	unsigned n = 0;

	enetp_peer_bound_timeouts(peer, floor_ms, cap_ms);
	for (ENetListIterator it = enet_list_begin(&peer->sentReliableCommands);
	     it != enet_list_end(&peer->sentReliableCommands) && n < max; it = enet_list_next(it))
		out[n++] = ((ENetOutgoingCommand *)it)->roundTripTimeout;
	return n;
}

static void test_bound_timeouts(void)
{
	ENetHost *a = NULL, *b = NULL;
	ENetAddress addr_a;
	ENetPeer *peer = connect_pair(&a, &b, &addr_a);
	uint32_t base, t[8];
	unsigned three = 3;

	if (!peer)
		goto out;
	/* Three packets in flight: b's acknowledgements are withheld. */
	captured.on = true;
	captured.n = 0;
	for (int i = 0; i < 3; i++) {
		uint8_t payload[100] = { (uint8_t)i };

		enet_peer_send(peer, 0, enet_packet_create(payload, sizeof(payload), ENET_PACKET_FLAG_RELIABLE));
	}
	enet_host_flush(a);
	if (!CHECK(pump(a, b, got_acks, &three)))
		goto out;
	captured.on = false;
	if (!CHECK(!enet_list_empty(&peer->sentReliableCommands)))
		goto out;
	base = peer->roundTripTime + 4 * peer->roundTripTimeVariance;
	/* The first as if backed off many times, the rest as short as can be. */
	for (ENetListIterator it = enet_list_begin(&peer->sentReliableCommands);
	     it != enet_list_end(&peer->sentReliableCommands); it = enet_list_next(it))
		((ENetOutgoingCommand *)it)->roundTripTimeout =
			it == enet_list_begin(&peer->sentReliableCommands) ? 60000 : 1;

	/* Between floor and cap: the backed-off one is capped, the rest raised. */
	CHECK(bounded(peer, base + 200, base + 300, t, 8) >= 1);
	CHECK_EQ_U(t[0], base + 300);
	for (unsigned i = 1, n = bounded(peer, base + 200, base + 300, t, 8); i < n; i++)
		CHECK_EQ_U(t[i], base + 200);
	CHECK_EQ_U(peer->nextTimeout, peer->host->serviceTime); /* capped: looked at again now */

	/* No floor, and a cap under the base timeout: the base timeout. */
	for (unsigned i = 0, n = bounded(peer, 0, 1, t, 8); i < n; i++)
		CHECK_EQ_U(t[i], base);
	/* A floor above the cap is the cap. */
	for (unsigned i = 0, n = bounded(peer, 10 * base + 1000, base + 50, t, 8); i < n; i++)
		CHECK_EQ_U(t[i], base + 50);
out:
	captured.on = false;
	destroy_pair(a, b);
}

int main(void)
{
	if (enet_initialize() != 0)
		return 1;
	RUN(test_ack_only);
	RUN(test_carries_data);
	RUN(test_carries_data_behind_bulk);
	RUN(test_merge);
	RUN(test_real_enet);
	RUN(test_bound_timeouts);
	enet_deinitialize();
	return check_report();
}
