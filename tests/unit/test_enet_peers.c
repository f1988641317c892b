/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit test for enetp_host_fit_peers: real ENet hosts on loopback UDP. A
 * host with many slots keeps its peerCount at the highest slot in use plus
 * ENETP_SPARE_PEERS; peers connect into it one at a time and several at once,
 * every one of them, including those in the highest slots, exchanges data,
 * and the count comes down again as they leave. */
#include <arpa/inet.h>
#include <time.h>

#include "check.h"
#include "toxtun/enet_patches.h"

#define SLOTS 32
#define CLIENTS 9

static ENetHost *server;
static ENetHost *clients[CLIENTS];
static ENetPeer *to_server[CLIENTS];
static unsigned server_received[CLIENTS + 1];

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t slots_in_use(void)
{
	size_t n = 0;

	for (size_t i = 0; i < SLOTS; i++)
		n += server->peers[i].state != ENET_PEER_STATE_DISCONNECTED;
	return n;
}

static size_t highest_in_use(void)
{
	size_t top = 0;

	for (size_t i = 0; i < SLOTS; i++)
		if (server->peers[i].state != ENET_PEER_STATE_DISCONNECTED)
			top = i + 1;
	return top;
}

static size_t expected_count(void)
{
	size_t want = highest_in_use() + ENETP_SPARE_PEERS;

	return want < SLOTS ? want : SLOTS;
}

/* Service every host, the server as the link does (fit first), until cond()
 * holds; false after a generous deadline. peerCount is checked on each pass. */
static bool pump(bool (*cond)(void *), void *arg)
{
	double deadline = mono() + 20;
	ENetEvent e;

	while (!cond(arg)) {
		if (mono() > deadline)
			return false;
		enetp_host_fit_peers(server, SLOTS);
		if (!CHECK_EQ_U(server->peerCount, expected_count()))
			return false;
		while (enet_host_service(server, &e, 1) > 0)
			if (e.type == ENET_EVENT_TYPE_RECEIVE) {
				server_received[e.packet->data[0] % (CLIENTS + 1)]++;
				enet_packet_destroy(e.packet);
			}
		for (size_t i = 0; i < CLIENTS; i++)
			while (clients[i] && enet_host_service(clients[i], &e, 0) > 0)
				if (e.type == ENET_EVENT_TYPE_RECEIVE)
					enet_packet_destroy(e.packet);
	}
	return true;
}

struct range {
	size_t from, to;
};

static bool all_connected(void *p)
{
	const struct range *r = p;

	for (size_t i = r->from; i < r->to; i++)
		if (to_server[i]->state != ENET_PEER_STATE_CONNECTED)
			return false;
	return slots_in_use() == r->to;
}

static bool all_received(void *p)
{
	for (size_t i = 0; i < CLIENTS; i++)
		if (server_received[i + 1] < *(unsigned *)p)
			return false;
	return true;
}

static bool gone(void *p)
{
	return ((ENetPeer *)p)->state == ENET_PEER_STATE_DISCONNECTED;
}

static bool connect_clients(size_t from, size_t to, const ENetAddress *addr)
{
	struct range r = { from, to };

	for (size_t i = from; i < to; i++) {
		to_server[i] = enet_host_connect(clients[i], addr, 1, 0);
		if (!CHECK(to_server[i]))
			return false;
		enet_host_flush(clients[i]);
	}
	return CHECK(pump(all_connected, &r));
}

static void test_fit_peers(void)
{
	ENetAddress any = { .host = htonl(INADDR_LOOPBACK), .port = 0 }, addr;
	unsigned one = 1;

	server = enet_host_create(&any, SLOTS, 1, 0, 0);
	if (!CHECK(server))
		return;
	for (size_t i = 0; i < CLIENTS; i++)
		if (!CHECK((clients[i] = enet_host_create(&any, 1, 1, 0, 0))))
			goto out;
	enet_socket_get_address(server->socket, &addr);
	addr.host = htonl(INADDR_LOOPBACK);

	enetp_host_fit_peers(server, SLOTS);
	CHECK_EQ_U(server->peerCount, ENETP_SPARE_PEERS);
	/* Fitting is idempotent, and never goes above the slots there are. */
	enetp_host_fit_peers(server, SLOTS);
	CHECK_EQ_U(server->peerCount, ENETP_SPARE_PEERS);
	enetp_host_fit_peers(server, 2);
	CHECK_EQ_U(server->peerCount, 2);

	/* One at a time: the count follows the highest slot in use. */
	for (size_t i = 0; i < 5; i++) {
		if (!connect_clients(i, i + 1, &addr))
			goto out;
		enetp_host_fit_peers(server, SLOTS);
		CHECK_EQ_U(server->peerCount, i + 1 + ENETP_SPARE_PEERS);
	}
	/* As many at once as there are spare slots: all get one. */
	if (!connect_clients(5, CLIENTS, &addr))
		goto out;
	enetp_host_fit_peers(server, SLOTS);
	CHECK_EQ_U(server->peerCount, CLIENTS + ENETP_SPARE_PEERS);

	/* Every peer, the last slot's too, still gets its data through. */
	for (size_t i = 0; i < CLIENTS; i++) {
		uint8_t payload[200] = { (uint8_t)(i + 1) };

		enet_peer_send(to_server[i], 0, enet_packet_create(payload, sizeof(payload), ENET_PACKET_FLAG_RELIABLE));
		enet_host_flush(clients[i]);
	}
	CHECK(pump(all_received, &one));

	/* The peer in the highest slot leaves: the count comes down. */
	{
		ENetPeer *top = &server->peers[highest_in_use() - 1];

		enet_peer_disconnect(top, 0);
		CHECK(pump(gone, top));
		enetp_host_fit_peers(server, SLOTS);
		CHECK_EQ_U(server->peerCount, CLIENTS - 1 + ENETP_SPARE_PEERS);
	}
	/* A hole below the top changes nothing; all gone, back to the spares. */
	enet_peer_reset(&server->peers[0]);
	enetp_host_fit_peers(server, SLOTS);
	CHECK_EQ_U(server->peerCount, CLIENTS - 1 + ENETP_SPARE_PEERS);
	for (size_t i = 0; i < SLOTS; i++)
		enet_peer_reset(&server->peers[i]);
	enetp_host_fit_peers(server, SLOTS);
	CHECK_EQ_U(server->peerCount, ENETP_SPARE_PEERS);
out:
	for (size_t i = 0; i < CLIENTS; i++)
		if (clients[i])
			enet_host_destroy(clients[i]);
	/* enet_host_destroy resets peerCount slots: all of them. */
	server->peerCount = SLOTS;
	enet_host_destroy(server);
}

int main(void)
{
	if (enet_initialize() != 0) {
		fprintf(stderr, "enet_initialize failed\n");
		return 1;
	}
	RUN(test_fit_peers);
	enet_deinitialize();
	return check_report();
}
