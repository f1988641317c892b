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

/* An epoll descriptor (close-on-exec), or -1 with errno set. */
int tcpwatch_new(void);
/* Add toxcore's TCP sockets that are not in the set yet (a relay connection
 * made since the last scan), and turn Nagle's algorithm off on them. A
 * closed socket leaves the set by itself.
 * Returns how many sockets the set watches. */
int tcpwatch_scan(int epfd);
/* After the descriptor turned readable: consume the readiness so that it
 * turns readable again only on new data. Stores up to max of the sockets
 * that had some in fds; returns how many it stored. */
int tcpwatch_drain(int epfd, int *fds, int max);
/* After toxcore read them: acknowledge at once what came on these sockets
 * (TCP_QUICKACK), so that a relay holding small packets behind Nagle's
 * algorithm sends them now. */
void tcpwatch_ack(const int *fds, int n);

#endif
