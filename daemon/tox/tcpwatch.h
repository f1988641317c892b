/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Wake up when a TCP relay sends us something. toxcore reads its TCP relay
 * connections only in tox_iterate and does not expose their sockets, so an
 * idle daemon behind a relay saw a packet only at its next iterate, up to
 * tox_iteration_interval() (50 ms) late: 20 ms more on every new
 * connection's first byte over the benchmark's relay.
 *
 * A socket toxcore made is told apart from ours by close-on-exec: toxcore
 * 0.2.18 creates its sockets without it (network.c, sys_socket), and every
 * socket toxtun creates or accepts has SOCK_CLOEXEC. Those that are
 * connected (not listening) TCP sockets of either IP family are added,
 * edge-triggered, to an epoll set whose descriptor the caller watches: it
 * becomes readable when new data reaches one of them. Edge-triggered
 * because toxcore reads only whole packets and leaves a partial one in the
 * socket; level-triggered, that would wake the loop until the rest came.
 *
 * The set also undoes Nagle's algorithm on those sockets. toxcore never
 * sets TCP_NODELAY, so of the packets it writes to a relay in a burst (a
 * small datagram and its copy, a reply behind a SYN's acknowledgement) only
 * the first left at once: the rest waited for the relay to acknowledge it,
 * and tox-bootstrapd acknowledges late (it reads every 30 ms). The same
 * holds the other way, where we cannot set tox-bootstrapd's sockets: there
 * the relay's next packets wait for our acknowledgement, which the kernel
 * delays by up to 40 ms; tcpwatch_ack sends it at once. Measured on the
 * benchmark's relay: new connections' first byte in 72 ms, every one a
 * relay cycle (30 ms) late. */
#ifndef TOXTUN_TCPWATCH_H
#define TOXTUN_TCPWATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* toxcore's relay sockets as last scanned, for tcpwatch_unwedge. */
#define TCPWATCH_RELAYS_MAX 64
struct tcpwatch_relay {
	int fd;
	dev_t dev;               /* with ino: this very socket, not a reused number */
	ino_t ino;
	uint64_t acked;          /* tcpi_bytes_acked when last seen */
	double moving;           /* when it was last seen not stalled */
};
struct tcpwatch_relays {
	struct tcpwatch_relay r[TCPWATCH_RELAYS_MAX];
	int n;
	uint64_t resets;         /* connections tcpwatch_unwedge reset, in all */
};

/* An epoll descriptor (close-on-exec), or -1 with errno set. */
int tcpwatch_new(void);
/* Add toxcore's TCP sockets that are not in the set yet (a relay connection
 * made since the last scan), and turn Nagle's algorithm off on them. A
 * closed socket leaves the set by itself. With relays, also remember them
 * there (at now) for tcpwatch_unwedge.
 * Returns how many sockets the set watches. */
int tcpwatch_scan(int epfd, struct tcpwatch_relays *relays, double now);
/* A relay that stopped reading our connection for good.
 *
 * tox-bootstrapd reads only whole packets and leaves a partial one in its
 * socket. Measured on the benchmark's relay (ss -tnmi, kernel 6.18): the
 * kernel had coalesced what arrived into one buffer of about 200 KB of
 * memory, of which the relay read all but the 393 bytes of a packet's
 * beginning. The buffer stays charged in full until those bytes are read, so
 * the socket's memory was at its limit (204 309 of 210 408 bytes) and its
 * window zero: the rest of the packet could not come in, and the relay waited
 * for it. Our side sat with 650 KB unsent against the zero window, its probes
 * answered and nothing taken, until toxcore's TCP ping gave the connection up
 * and the friend went offline with it, 28-32 s later (1 bulk run in 7 over
 * the relay; 10 in 12 when our sends were paced into small segments).
 *
 * This resets such a connection: one whose peer has advertised a zero window
 * while our data waited and has taken none of it for `limit` seconds. (A
 * working relay reads every 30 ms.) The socket is closed with a reset, so the
 * relay drops its side at once. toxcore does not notice a closed socket
 * (it reads only what FIONREAD reports), so its descriptor is made to
 * read a packet length toxcore refuses: toxcore then kills the connection and
 * makes a new one to the same relay, as it would after a read error, in
 * well under its friend timeout.
 * Returns how many connections it reset. */
int tcpwatch_unwedge(struct tcpwatch_relays *relays, double now, double limit);
/* After the descriptor turned readable: consume the readiness so that it
 * turns readable again only on new data. Stores up to max of the sockets
 * that had some in fds; returns how many it stored. */
int tcpwatch_drain(int epfd, int *fds, int max);
/* After toxcore read them: acknowledge at once what came on these sockets
 * (TCP_QUICKACK), so that a relay holding small packets behind Nagle's
 * algorithm sends them now. */
void tcpwatch_ack(const int *fds, int n);

#endif
