/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/spares.h"
#include "link/link.h"
#include "tox/toxnode.h"
#include "toxtun/enet_patches.h"
#include "toxtun/log.h"
#include "util/grow.h"

/* Pacing on a TCP relay, in bytes per second on the wire (a datagram costs
 * its size plus WIRE_OVERHEAD: Tox's encryption and the UDP/IP headers).
 * The session's congestion control (cc.c) paces data before it reaches
 * ENet; a relay also collapses somewhere above 8 000 packets/s (docs/design.md, "Relays")
 * and tells us only through SENDQ, so on that path a second limit starts
 * low, grows while no SENDQ is seen, and backs off multiplicatively on
 * SENDQ. Direct UDP is not paced here. */
#define WIRE_OVERHEAD 60
#define WIRE_PACKET (ENETP_MTU + 1 + WIRE_OVERHEAD)
#define TCP_RATE_START (1500.0 * WIRE_PACKET)
#define TCP_RATE_MAX (7000.0 * WIRE_PACKET)
#define RATE_MIN (200.0 * WIRE_PACKET)
#define RATE_STEP_MS 100
#define RATE_STEP (150.0 * WIRE_PACKET)
#define BURST_MS 4 /* tokens accumulate for at most this long */
#define SMALL_DATAGRAM 256
#define SMALL_PACKET 256 /* bytes of data: a keystroke, a ping-pong, a window update */
/* Acknowledgement-only datagrams from ENet wait at most this long, or until
 * this many have gathered, and leave as one (enet_patches.h). A few ms on a
 * round trip ENet measures; a fraction of the Tox packets while data flows
 * one way (measured: 36 642 acknowledgement datagrams for 50 386 data
 * datagrams on the 50 Mbit/s path, before). */
#define ACK_DELAY 0.002
#define ACK_MERGE_MAX 32
/* What may wait for one friend, in ENet's bytes, while its pacing holds
 * datagrams back. Beyond that they are dropped, as a full socket buffer
 * would drop them; ENet retransmits. */
#define ALIAS_BUFFER (2 * 1024 * 1024)
/* The largest datagram a Tox lossy packet carries after our id byte. */
#define DGRAM_MAX (TOX_MAX_CUSTOM_PACKET_SIZE - 1)
#define SPARE_DGRAMS 128
/* Datagrams from Tox that wait for ENet: past this many, ENet reads them
 * at once, inside tox_iterate, instead of before the loop sleeps. One
 * iterate can deliver a whole socket buffer (800 datagrams were seen);
 * held until the end, they took 1.1 MB that the heap, fragmented by what
 * ENet allocated meanwhile, did not give back. */
#define DELIVER_BATCH 64

/* A datagram between ENet and Tox. data[0] is room for our packet id, so
 * that it goes to Tox without another copy. */
struct dgram {
	struct dgram *next;
	uint16_t len;               /* ENet's bytes, from data + 1 */
	uint16_t port;              /* received: the alias it came from */
	uint8_t data[1 + DGRAM_MAX];
};

struct dgq {
	struct dgram *head, *tail;
	size_t n, bytes;
};

struct alias {
	uint32_t fnum;
	uint16_t port;              /* the address ENet knows the friend by */
	ENetPeer *peer;             /* the ENet peer at this address, if any */
	uint32_t window;
	TOX_CONNECTION path;
	ev_timer refill;
	struct link *link;
	struct dgq out;             /* sent by ENet, not yet handed to Tox */
	/* pacing */
	double tokens;              /* bytes */
	double tcp_rate;            /* the relay's SENDQ-driven limit */
	ev_tstamp last_refill, last_step;
	struct enetp_acks acks;     /* acknowledgements waiting to leave as one */
	ev_timer ack_timer;
	struct link_stats stats;
	bool resume_on_rx;          /* link_relay_reset: resume at the next datagram */
};

struct link {
	struct ev_loop *loop;
	struct toxnode *node;
	ENetHost *host;
	size_t peer_slots; /* what enet_host_create allocated */
	ENetAddress host_addr;
	struct enetp_transport transport;
	struct dgq in;              /* from Tox, for ENet to read */
	ev_prepare before_sleep;    /* where ENet reads them */
	struct spares spare;        /* a few freed datagrams, for reuse */
	const struct link_events *ev;
	void *ctx;
	struct alias **aliases;
	size_t n_aliases, cap_aliases;
	struct alias *last_hit;
	uint16_t next_port;
	uint32_t outage_ms;
};

/* ENet's intercept callback gets only the host: one link per process. */
static struct link *the_link;

static struct dgram *dgram_get(struct link *link) { return spares_get(&link->spare); }

static void dgram_put(struct link *link, struct dgram *g) { spares_put(&link->spare, g); }

static void dgq_push(struct dgq *q, struct dgram *g)
{
	g->next = NULL;
	if (q->tail)
		q->tail->next = g;
	else
		q->head = g;
	q->tail = g;
	q->n++;
	q->bytes += g->len;
}

static struct dgram *dgq_pop(struct dgq *q)
{
	struct dgram *g = q->head;

	if (g) {
		q->head = g->next;
		if (!q->head)
			q->tail = NULL;
		q->n--;
		q->bytes -= g->len;
	}
	return g;
}

static void dgq_clear(struct link *link, struct dgq *q)
{
	struct dgram *g;

	while ((g = dgq_pop(q)))
		dgram_put(link, g);
}

static struct alias *alias_by_fnum(struct link *link, uint32_t fnum)
{
	for (size_t i = 0; i < link->n_aliases; i++)
		if (link->aliases[i]->fnum == fnum)
			return link->aliases[i];
	return NULL;
}

static struct alias *alias_by_port(struct link *link, uint16_t port)
{
	if (link->last_hit && link->last_hit->port == port)
		return link->last_hit;
	for (size_t i = 0; i < link->n_aliases; i++)
		if (link->aliases[i]->port == port)
			return link->last_hit = link->aliases[i];
	return NULL;
}

static struct alias *alias_by_peer(struct link *link, const ENetPeer *peer)
{
	return alias_by_port(link, peer->address.port);
}

/* Drop datagrams that do not come from one of our aliases before ENet
 * parses them: only friends reach the ENet host. */
static int ENET_CALLBACK intercept(ENetHost *host, ENetEvent *event)
{
	struct link *link = the_link;

	if (host->receivedAddress.host == link->host_addr.host &&
	    alias_by_port(link, host->receivedAddress.port))
		return 0;
	return 1;
}

static void send_pending(struct alias *a);

/* Only a relay is paced here. Direct UDP used to be capped at 60 000
 * datagrams/s, meant as "unpaced"; that cap, not the CPU, held the tunnel
 * on 127.0.0.1 near 73 MB/s once ENet's datagrams stopped crossing the
 * kernel (122-130 MB/s without it). */
static bool alias_paced(const struct alias *a) { return a->path == TOX_CONNECTION_TCP; }

static double alias_rate(const struct alias *a) { return a->tcp_rate; }

/* How many tokens may gather, and how deep small datagrams may dig. */
static double alias_burst(const struct alias *a)
{
	double cap = alias_rate(a) * (BURST_MS / 1000.0);

	return cap < 2 * WIRE_PACKET ? 2 * WIRE_PACKET : cap;
}

static void alias_refill(struct alias *a)
{
	ev_tstamp now = ev_now(a->link->loop);
	double cap = alias_burst(a);

	a->tokens += (now - a->last_refill) * alias_rate(a);
	if (a->tokens > cap)
		a->tokens = cap;
	a->last_refill = now;
	/* Additive increase on the relay path while no SENDQ was seen. */
	if (alias_paced(a) && now - a->last_step >= RATE_STEP_MS / 1000.0) {
		a->tcp_rate += RATE_STEP;
		if (a->tcp_rate > TCP_RATE_MAX)
			a->tcp_rate = TCP_RATE_MAX;
		a->last_step = now;
	}
}

static void alias_spend(struct alias *a, double cost)
{
	a->tokens -= cost;
	if (a->tokens < -alias_burst(a))
		a->tokens = -alias_burst(a);
}

static void count_sent(struct alias *a, size_t len)
{
	a->stats.tx_packets++;
	a->stats.tx_bytes += len;
}

/* Past its handshake and not leaving: where merged or doubled datagrams are
 * safe (an acknowledgement ENet does not expect in the other states makes it
 * drop the rest of the datagram). */
static bool alias_connected(const struct alias *a)
{
	return a->peer && a->peer->state == ENET_PEER_STATE_CONNECTED;
}

static void alias_pause(struct alias *a, double seconds)
{
	ev_timer_set(&a->refill, seconds, 0);
	ev_timer_start(a->link->loop, &a->refill);
}

static void arm_ack_timer(struct alias *a)
{
	if (!ev_is_active(&a->ack_timer)) {
		ev_timer_set(&a->ack_timer, ACK_DELAY, 0);
		ev_timer_start(a->link->loop, &a->ack_timer);
	}
}

/* Send the held acknowledgements. Refused by a full Tox queue, they wait
 * for another ACK_DELAY (and are dropped if more arrive than fit). */
static void flush_acks(struct alias *a)
{
	uint8_t pkt[1 + ENETP_MTU];
	size_t len = a->acks.len;
	int r;

	if (!len)
		return;
	ev_timer_stop(a->link->loop, &a->ack_timer);
	memcpy(pkt + 1, a->acks.data, len);
	r = toxnode_send_lossy(a->link->node, a->fnum, pkt, len + 1);
	if (r == -EAGAIN) {
		a->stats.sendq++;
		arm_ack_timer(a);
		return;
	}
	alias_spend(a, (double)len + 1 + WIRE_OVERHEAD);
	if (r == 0)
		count_sent(a, len);
	a->acks.len = 0;
	a->acks.count = 0;
}

static void on_ack_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	flush_acks(w->data);
}

/* Hold the datagram back if it only acknowledges (while connected). */
static bool hold_acks(struct alias *a, const struct dgram *g)
{
	const uint8_t *d = g->data + 1;
	size_t len = g->len;

	if (!alias_connected(a) || !enetp_ack_only(d, len))
		return false;
	if (!enetp_acks_add(&a->acks, d, len)) {
		flush_acks(a);
		a->acks.len = 0; /* if still refused: newer acknowledgements win */
		enetp_acks_add(&a->acks, d, len);
	}
	if (a->acks.count >= ACK_MERGE_MAX)
		flush_acks(a);
	else
		arm_ack_timer(a);
	return true;
}

/* Datagrams with a small packet (a keystroke, a ping-pong, a window update)
 * go twice, back to back: on a path that loses 1 %, one in fifty round
 * trips would otherwise wait a retransmission timeout (1.5 round trips or
 * more) - the p99 of interactive use. That holds when ENet packs the small
 * packet behind the last, partial packet of a bulk read, in a datagram of
 * any size. ENet drops the copy by its sequence number and acknowledges it
 * again. Only while connected. Bulk data fills whole datagrams with large
 * packets and is not doubled, but for such a tail that is itself small. */
static bool send_twice(const struct alias *a, const struct dgram *g)
{
	return alias_connected(a) && enetp_carries_data(g->data + 1, g->len, SMALL_PACKET);
}

static void send_copy(struct alias *a, struct dgram *g)
{
	if (toxnode_send_lossy(a->link->node, a->fnum, g->data, g->len + 1u) == 0) {
		alias_spend(a, (double)g->len + 1 + WIRE_OVERHEAD);
		count_sent(a, g->len);
	}
}

/* Forward what ENet sent to this alias, as fast as the pacing allows.
 * Small datagrams (acknowledgements, pings, window updates) never wait for
 * tokens, only pay for them: the side that mostly acknowledges has learnt a
 * low rate, and holding its acknowledgements back would stretch the other
 * side's round trip. */
static void send_pending(struct alias *a)
{
	struct link *link = a->link;
	struct dgram *g;

	alias_refill(a);
	while ((g = a->out.head)) {
		double cost;
		int r;

		if (hold_acks(a, g)) {
			dgram_put(link, dgq_pop(&a->out));
			continue;
		}
		cost = (double)g->len + 1 + WIRE_OVERHEAD;
		if (alias_paced(a) && g->len > SMALL_DATAGRAM && a->tokens < cost) {
			alias_pause(a, (cost - a->tokens) / alias_rate(a));
			return;
		}
		r = toxnode_send_lossy(link->node, a->fnum, g->data, g->len + 1u);
		if (r == -EAGAIN) {
			/* Tox's queue is full: congestion. Keep the datagram, slow
			 * down, and try again shortly. */
			a->stats.sendq++;
			a->tcp_rate = a->tcp_rate * 3 / 4 < RATE_MIN ? RATE_MIN : a->tcp_rate * 3 / 4;
			a->last_step = ev_now(link->loop);
			a->tokens = 0;
			alias_pause(a, 0.002);
			return;
		}
		alias_spend(a, cost);
		if (r == 0) {
			count_sent(a, g->len);
			if (send_twice(a, g))
				send_copy(a, g);
		}
		/* -ENOTCONN: the friend is offline; ENet retransmits later. */
		dgram_put(link, dgq_pop(&a->out));
	}
}

static void on_alias_refill(struct ev_loop *loop, ev_timer *w, int revents)
{
	send_pending(w->data);
}

static void relay_limit_reset(struct alias *a)
{
	a->tcp_rate = TCP_RATE_START;
	a->last_step = ev_now(a->link->loop);
}

static struct alias *alias_get(struct link *link, uint32_t fnum)
{
	struct alias *a = alias_by_fnum(link, fnum);

	if (a)
		return a;
	if (!GROW_FOR_ONE(link->aliases, link->cap_aliases, link->n_aliases))
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	/* A port no other friend has: ENet tells peers apart by address. */
	do
		a->port = link->next_port++;
	while (a->port == 0 || a->port == link->host_addr.port || alias_by_port(link, a->port));
	a->fnum = fnum;
	a->link = link;
	a->window = ENETP_MIN_WINDOW;
	a->path = toxnode_friend_status(link->node, fnum);
	relay_limit_reset(a);
	a->last_refill = ev_now(link->loop);
	ev_init(&a->refill, on_alias_refill);
	a->refill.data = a;
	ev_init(&a->ack_timer, on_ack_timer);
	a->ack_timer.data = a;
	link->aliases[link->n_aliases++] = a;
	return a;
}

static void alias_free(struct link *link, struct alias *a)
{
	ev_timer_stop(link->loop, &a->refill);
	ev_timer_stop(link->loop, &a->ack_timer);
	dgq_clear(link, &a->out);
	if (link->last_hit == a)
		link->last_hit = NULL;
	free(a);
}

/* ENet sent a datagram to a friend: it leaves for Tox now, or waits in the
 * friend's queue while the pacing holds it back. */
static int transport_send(void *ctx, const ENetAddress *to, const ENetBuffer *buffers, size_t count)
{
	struct link *link = ctx;
	struct alias *a = alias_by_port(link, to->port);
	struct dgram *g;
	size_t len = 0;

	for (size_t i = 0; i < count; i++)
		len += buffers[i].dataLength;
	if (!a || to->host != link->host_addr.host || len > DGRAM_MAX ||
	    a->out.bytes + len > ALIAS_BUFFER || !(g = dgram_get(link)))
		return (int)len; /* lost, as UDP would lose it: ENet retransmits */
	g->len = (uint16_t)len;
	for (size_t i = 0, off = 1; i < count; i++) {
		memcpy(g->data + off, buffers[i].data, buffers[i].dataLength);
		off += buffers[i].dataLength;
	}
	dgq_push(&a->out, g);
	if (!ev_is_active(&a->refill))
		send_pending(a); /* may free g */
	return (int)len;
}

/* ENet reads what friends sent, oldest first. */
static int transport_receive(void *ctx, ENetAddress *from, ENetBuffer *buffer)
{
	struct link *link = ctx;
	struct dgram *g;

	while ((g = dgq_pop(&link->in))) {
		int len = g->len;

		if (g->len <= buffer->dataLength) {
			memcpy(buffer->data, g->data + 1, g->len);
			from->host = link->host_addr.host;
			from->port = g->port;
			dgram_put(link, g);
			return len;
		}
		dgram_put(link, g);
	}
	return 0;
}

/* Datagrams from Tox arrive inside tox_iterate; ENet reads what is left of
 * them (fewer than DELIVER_BATCH) before the loop sleeps. */
static void on_before_sleep(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct link *link = w->data;

	if (link->in.head)
		link_service(link);
}

struct link *link_new(struct ev_loop *loop, struct toxnode *node, size_t max_peers, size_t channels,
                      const struct link_events *ev, void *ctx, char *err, size_t errlen)
{
	struct link *link = calloc(1, sizeof(*link));
	ENetAddress addr = { .host = htonl(INADDR_LOOPBACK), .port = 0 };

	if (!link) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	link->loop = loop;
	link->node = node;
	link->ev = ev;
	link->ctx = ctx;
	link->host = enet_host_create(&addr, max_peers, channels, 0, 0);
	if (!link->host) {
		snprintf(err, errlen, "cannot create the ENet host on 127.0.0.1");
		free(link);
		return NULL;
	}
	enetp_host_setup(link->host);
	link->peer_slots = max_peers;
	enet_socket_get_address(link->host->socket, &link->host_addr);
	link->host_addr.host = htonl(INADDR_LOOPBACK);
	link->transport.send = transport_send;
	link->transport.receive = transport_receive;
	link->transport.ctx = link;
	if (!enetp_transport_attach(link->host, &link->transport, err, errlen)) {
		enet_host_destroy(link->host);
		free(link);
		return NULL;
	}
	{
		/* ENet keeps its UDP socket but no longer reads it: connected to
		 * itself, it takes nothing from anyone else. */
		struct sockaddr_in self = { .sin_family = AF_INET,
		                            .sin_addr.s_addr = link->host_addr.host,
		                            .sin_port = htons(link->host_addr.port) };

		connect(link->host->socket, (struct sockaddr *)&self, sizeof(self));
	}
	link->host->intercept = intercept;
	link->outage_ms = 600000;
	link->next_port = 1;
	link->spare = (struct spares){ .size = sizeof(struct dgram), .max = SPARE_DGRAMS };
	the_link = link;
	ev_prepare_init(&link->before_sleep, on_before_sleep);
	link->before_sleep.data = link;
	ev_prepare_start(loop, &link->before_sleep);
	return link;
}

void link_free(struct link *link)
{
	if (!link)
		return;
	ev_prepare_stop(link->loop, &link->before_sleep);
	log_debug("link: ENet sent %u datagrams, %u bytes; received %u datagrams, %u bytes",
	          link->host->totalSentPackets, link->host->totalSentData,
	          link->host->totalReceivedPackets, link->host->totalReceivedData);
	/* Destroying the host frees every packet ENet still holds; the caller
	 * has reset its peers (and so its packets) before this. */
	enetp_transport_detach(link->host);
	link->host->peerCount = link->peer_slots;
	enet_host_destroy(link->host);
	for (size_t i = 0; i < link->n_aliases; i++)
		alias_free(link, link->aliases[i]);
	free(link->aliases);
	dgq_clear(link, &link->in);
	spares_clear(&link->spare);
	if (the_link == link)
		the_link = NULL;
	free(link);
}

void link_set_outage(struct link *link, uint32_t outage_ms) { link->outage_ms = outage_ms; }

ENetPeer *link_connect(struct link *link, uint32_t fnum, size_t channels, uint32_t outage_ms)
{
	struct alias *a = alias_get(link, fnum);
	ENetAddress addr;
	ENetPeer *peer;

	if (!a)
		return NULL;
	addr.host = htonl(INADDR_LOOPBACK);
	addr.port = a->port;
	enetp_host_fit_peers(link->host, link->peer_slots);
	peer = enet_host_connect(link->host, &addr, channels, 0);
	if (!peer)
		return NULL;
	log_debug("link: connecting to friend %u through alias port %u", (unsigned)fnum, (unsigned)a->port);
	enetp_peer_setup(peer, outage_ms);
	a->peer = peer;
	return peer;
}

void link_reset_peer(struct link *link, ENetPeer *peer)
{
	struct alias *a = alias_by_peer(link, peer);

	if (a && a->peer == peer)
		a->peer = NULL;
	peer->data = NULL;
	enet_peer_reset(peer);
}

void link_deliver(struct link *link, uint32_t fnum, const uint8_t *data, size_t len)
{
	struct alias *a = alias_get(link, fnum);
	struct dgram *g;

	if (!a)
		return;
	a->stats.rx_packets++;
	a->stats.rx_bytes += len;
	if (a->resume_on_rx && a->peer) {
		a->resume_on_rx = false;
		enetp_peer_resume(a->peer);
	}
	/* Out of memory, the datagram is dropped: ENet retransmits it. */
	if (len > DGRAM_MAX || !(g = dgram_get(link)))
		return;
	memcpy(g->data + 1, data, len);
	g->len = (uint16_t)len;
	g->port = a->port;
	dgq_push(&link->in, g);
	if (link->in.n >= DELIVER_BATCH)
		link_service(link);
}

void link_friend_status(struct link *link, uint32_t fnum, TOX_CONNECTION status)
{
	struct alias *a = alias_by_fnum(link, fnum);

	if (!a)
		return;
	a->path = status;
	if (status == TOX_CONNECTION_NONE)
		return;
	relay_limit_reset(a);
	if (a->peer) {
		enetp_peer_resume(a->peer);
		link_service(link);
	}
}

void link_relay_reset(struct link *link)
{
	for (size_t i = 0; i < link->n_aliases; i++)
		if (link->aliases[i]->path == TOX_CONNECTION_TCP)
			link->aliases[i]->resume_on_rx = true;
}

void link_forget_friend(struct link *link, uint32_t fnum)
{
	for (size_t i = 0; i < link->n_aliases; i++) {
		struct alias *a = link->aliases[i];

		if (a->fnum != fnum)
			continue;
		if (a->peer)
			link_reset_peer(link, a->peer);
		alias_free(link, a);
		link->aliases[i] = link->aliases[--link->n_aliases];
		return;
	}
}

void link_set_window(struct link *link, uint32_t fnum, uint32_t bytes)
{
	struct alias *a = alias_by_fnum(link, fnum);

	if (a)
		a->window = bytes;
}

void link_get_stats(struct link *link, uint32_t fnum, struct link_stats *out)
{
	struct alias *a = alias_by_fnum(link, fnum);

	memset(out, 0, sizeof(*out));
	if (a) {
		*out = a->stats;
		out->relay_bytes_s = a->path == TOX_CONNECTION_TCP ? a->tcp_rate : 0;
	}
}

static void dispatch(struct link *link, ENetEvent *e)
{
	struct alias *a = alias_by_peer(link, e->peer);

	switch (e->type) {
	case ENET_EVENT_TYPE_CONNECT:
		if (!a) {
			enet_peer_reset(e->peer);
			return;
		}
		/* The accepting side too: a peer reset by ENet has the stock
		 * 30 s timeout, and the two sides must agree on the outage
		 * they survive or one keeps retransmitting into a dead peer. */
		enetp_peer_setup(e->peer, link->outage_ms);
		{
			ENetPeer *previous = a->peer;

			a->peer = e->peer;
			if (!link->ev->connect(link->ctx, e->peer, a->fnum)) {
				/* Refused (e.g. the loser of a simultaneous open): our
				 * own connection, if any, stays the friend's peer. */
				a->peer = previous == e->peer ? NULL : previous;
				e->peer->data = NULL;
				enet_peer_reset(e->peer);
			}
		}
		break;
	case ENET_EVENT_TYPE_DISCONNECT:
		if (a && a->peer == e->peer)
			a->peer = NULL;
		if (e->peer->data)
			link->ev->disconnect(link->ctx, e->peer);
		e->peer->data = NULL;
		break;
	case ENET_EVENT_TYPE_RECEIVE:
		if (e->peer->data)
			link->ev->receive(link->ctx, e->peer, e->channelID, e->packet);
		else
			enet_packet_destroy(e->packet);
		break;
	default:
		break;
	}
}

/* ENet's bandwidth throttle rewrites the window, and its RTT estimator the
 * variance: put ours back before every service and flush. And keep ENet's
 * walks over its peer slots to the slots in use. */
static void reassert_peers(struct link *link)
{
	enetp_host_fit_peers(link->host, link->peer_slots);
	for (size_t i = 0; i < link->n_aliases; i++) {
		ENetPeer *peer = link->aliases[i]->peer;

		if (peer) {
			enetp_peer_set_window(peer, link->aliases[i]->window);
			enetp_peer_floor_timeout(peer);
		}
	}
}

void link_flush(struct link *link)
{
	reassert_peers(link);
	enet_host_flush(link->host);
}

void link_drain(struct link *link)
{
	for (size_t i = 0; i < link->n_aliases; i++) {
		struct alias *a = link->aliases[i];
		struct dgram *g;

		while ((g = dgq_pop(&a->out))) {
			toxnode_send_lossy(link->node, a->fnum, g->data, g->len + 1u);
			dgram_put(link, g);
		}
		flush_acks(a);
	}
}

void link_service(struct link *link)
{
	ENetEvent e;
	int r;

	reassert_peers(link);
	/* ENet reads at most 256 datagrams per pass: go on until it has read
	 * all that Tox delivered. */
	for (;;) {
		r = enet_host_service(link->host, &e, 0);
		if (r > 0)
			dispatch(link, &e);
		else if (r < 0 || !link->in.head)
			break;
		/* A peer a CONNECT took in that call needs its spare slot back. */
		enetp_host_fit_peers(link->host, link->peer_slots);
	}
	if (r < 0)
		log_warn("link: enet_host_service failed");
	enet_host_flush(link->host);
}

bool link_relayed(struct link *link)
{
	for (size_t i = 0; i < link->n_aliases; i++)
		if (link->aliases[i]->path == TOX_CONNECTION_TCP)
			return true;
	return false;
}

bool link_busy(struct link *link)
{
	for (size_t i = 0; i < link->n_aliases; i++) {
		ENetPeer *p = link->aliases[i]->peer;

		if (p && (!enet_list_empty(&p->sentReliableCommands) ||
		          !enet_list_empty(&p->outgoingCommands)))
			return true;
	}
	return false;
}
