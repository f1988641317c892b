/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit test for the in-process transport (enet-patches/transport.c), with
 * two real ENet hosts: A is attached, B is stock and talks UDP on 127.0.0.1.
 * A's datagrams must reach the transport's send (to the alias port A
 * connected to), which relays them to B through a UDP socket of the test;
 * what B answers comes back through the transport's receive. B, unattached,
 * must keep libenet's own socket calls; A's own socket must see nothing; a
 * second host cannot attach; after detaching, A's sends reach the kernel
 * again. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "toxtun/enet_patches.h"

#define ALIAS_PORT 7
#define QUEUE 64

struct bridge {
	int fd;                  /* the test's UDP socket: B knows A by its address */
	ENetAddress b;
	unsigned sent, received, wrong_port;
	uint8_t q[QUEUE][ENET_PROTOCOL_MAXIMUM_MTU];
	size_t qlen[QUEUE], head, n;
};

static int on_send(void *ctx, const ENetAddress *to, const ENetBuffer *buffers, size_t count)
{
	struct bridge *br = ctx;
	struct iovec iov[8];
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = br->b.host,
	                           .sin_port = htons(br->b.port) };
	struct msghdr m = { .msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = iov };
	size_t len = 0;

	if (to->port != ALIAS_PORT)
		br->wrong_port++;
	for (size_t i = 0; i < count && i < 8; i++) {
		iov[i].iov_base = buffers[i].data;
		iov[i].iov_len = buffers[i].dataLength;
		len += buffers[i].dataLength;
	}
	m.msg_iovlen = count;
	sendmsg(br->fd, &m, 0);
	br->sent++;
	return (int)len;
}

static int on_receive(void *ctx, ENetAddress *from, ENetBuffer *buffer)
{
	struct bridge *br = ctx;
	size_t len;

	if (!br->n)
		return 0;
	len = br->qlen[br->head];
	if (len > buffer->dataLength)
		len = buffer->dataLength;
	memcpy(buffer->data, br->q[br->head], len);
	br->head = (br->head + 1) % QUEUE;
	br->n--;
	from->host = htonl(INADDR_LOOPBACK);
	from->port = ALIAS_PORT;
	br->received++;
	return (int)len;
}

/* What B sent to the bridge, queued for A. */
static void pump_bridge(struct bridge *br)
{
	for (;;) {
		size_t slot = (br->head + br->n) % QUEUE;
		ssize_t n;

		if (br->n == QUEUE)
			return;
		n = recv(br->fd, br->q[slot], sizeof(br->q[slot]), MSG_DONTWAIT);
		if (n < 0)
			return;
		br->qlen[slot] = (size_t)n;
		br->n++;
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct bridge br;

static void test_attached_host_talks_through_transport(void)
{
	ENetAddress any = { .host = htonl(INADDR_LOOPBACK), .port = 0 }, alias = any;
	ENetHost *a = enet_host_create(&any, 4, 2, 0, 0), *b = enet_host_create(&any, 4, 2, 0, 0);
	struct enetp_transport t = { .send = on_send, .receive = on_receive, .ctx = &br };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sin);
	char err[256];
	bool a_up = false, b_up = false, echoed = false, sent_hello = false;
	ENetPeer *pa, *pb = NULL;
	uint8_t junk[64];

	if (!CHECK(a && b))
		return;
	br.fd = socket(AF_INET, SOCK_DGRAM, 0);
	bind(br.fd, (struct sockaddr *)&sin, sizeof(sin));
	getsockname(br.fd, (struct sockaddr *)&sin, &sl);
	enet_socket_get_address(b->socket, &br.b);
	br.b.host = htonl(INADDR_LOOPBACK);

	CHECK(enetp_transport_attach(a, &t, err, sizeof(err)));
	CHECK(!enetp_transport_attach(b, &t, err, sizeof(err)));
	CHECK(strstr(err, "already") != NULL);

	alias.port = ALIAS_PORT;
	pa = enet_host_connect(a, &alias, 2, 0);
	for (double end = now() + 10; !echoed && now() < end;) {
		struct pollfd pf[2] = { { .fd = br.fd, .events = POLLIN }, { .fd = b->socket, .events = POLLIN } };
		ENetEvent e;

		while (enet_host_service(b, &e, 0) > 0) {
			if (e.type == ENET_EVENT_TYPE_CONNECT) {
				b_up = true;
				pb = e.peer;
			} else if (e.type == ENET_EVENT_TYPE_RECEIVE) {
				enet_peer_send(e.peer, 0, enet_packet_create(e.packet->data, e.packet->dataLength,
				                                              ENET_PACKET_FLAG_RELIABLE));
				enet_packet_destroy(e.packet);
			}
		}
		enet_host_flush(b);
		pump_bridge(&br);
		while (enet_host_service(a, &e, 0) > 0) {
			if (e.type == ENET_EVENT_TYPE_CONNECT)
				a_up = true;
			else if (e.type == ENET_EVENT_TYPE_RECEIVE) {
				echoed = e.packet->dataLength == 6 && !memcmp(e.packet->data, "hello", 6);
				enet_packet_destroy(e.packet);
			}
		}
		if (a_up && !sent_hello) {
			enet_peer_send(pa, 0, enet_packet_create("hello", 6, ENET_PACKET_FLAG_RELIABLE));
			sent_hello = true;
		}
		enet_host_flush(a);
		if (!br.n)
			poll(pf, 2, 10);
	}
	CHECK(a_up);
	CHECK(b_up);
	CHECK(echoed);
	CHECK(br.sent >= 2);     /* CONNECT, then the data at least */
	CHECK(br.received >= 2); /* VERIFY_CONNECT, then the echo */
	CHECK_EQ_U(br.wrong_port, 0);
	/* B spoke real UDP, to the bridge's address. */
	if (CHECK(pb != NULL))
		CHECK_EQ_U(pb->address.port, ntohs(sin.sin_port));
	/* Nothing went through A's own socket. */
	CHECK(recv(a->socket, junk, sizeof(junk), MSG_DONTWAIT) < 0 && errno == EAGAIN);

	/* Detached, A's sends reach the kernel again: to the bridge here. */
	enetp_transport_detach(a);
	{
		ENetAddress to = { .host = htonl(INADDR_LOOPBACK), .port = ntohs(sin.sin_port) };
		ENetBuffer buf = { .data = "raw", .dataLength = 3 };
		unsigned before = br.sent;
		struct pollfd pf = { .fd = br.fd, .events = POLLIN };

		CHECK_EQ_U(enet_socket_send(a->socket, &to, &buf, 1), 3);
		CHECK_EQ_U(br.sent, before);
		if (CHECK(poll(&pf, 1, 5000) == 1)) {
			ssize_t n = recv(br.fd, junk, sizeof(junk), 0);

			CHECK(n == 3 && !memcmp(junk, "raw", 3));
		}
	}
	/* And another host may attach. */
	CHECK(enetp_transport_attach(b, &t, err, sizeof(err)));
	enetp_transport_detach(b);
	enet_host_destroy(a);
	enet_host_destroy(b);
	close(br.fd);
}

int main(void)
{
	if (enet_initialize() != 0)
		return 1;
	RUN(test_attached_host_talks_through_transport);
	enet_deinitialize();
	return check_report();
}
