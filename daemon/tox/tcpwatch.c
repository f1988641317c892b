/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
/* The kernel's tcp_info: glibc's netinet/tcp.h lacks tcpi_snd_wnd and the
 * byte counters. */
#include <linux/tcp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tox/tcpwatch.h"

#define TCPI_ESTABLISHED 1 /* tcpi_state: the kernel's TCP_ESTABLISHED */

int tcpwatch_new(void)
{
	return epoll_create1(EPOLL_CLOEXEC);
}

static int sockopt(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, name, &v, &len) < 0)
		return -1;
	return v;
}

/* A connected TCP socket without close-on-exec: toxcore's (tcpwatch.h). */
static bool toxcore_tcp(int fd)
{
	int flags = fcntl(fd, F_GETFD), domain;

	if (flags < 0 || (flags & FD_CLOEXEC))
		return false;
	if (sockopt(fd, SO_TYPE) != SOCK_STREAM)
		return false;
	domain = sockopt(fd, SO_DOMAIN);
	return (domain == AF_INET || domain == AF_INET6) && sockopt(fd, SO_ACCEPTCONN) == 0;
}

static void remember(struct tcpwatch_relays *relays, int fd, double now)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return;
	for (int i = 0; i < relays->n; i++)
		if (relays->r[i].fd == fd && relays->r[i].dev == st.st_dev && relays->r[i].ino == st.st_ino)
			return;
	if (relays->n < TCPWATCH_RELAYS_MAX)
		relays->r[relays->n++] = (struct tcpwatch_relay){
			.fd = fd, .dev = st.st_dev, .ino = st.st_ino, .acked = 0, .moving = now
		};
}

int tcpwatch_scan(int epfd, struct tcpwatch_relays *relays, double now)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *de;
	int watched = 0;

	if (!dir)
		return -1;
	while ((de = readdir(dir))) {
		char *end;
		long fd = strtol(de->d_name, &end, 10);
		struct epoll_event ev = { .events = EPOLLIN | EPOLLET };

		if (*end || end == de->d_name || fd == dirfd(dir) || fd == epfd || !toxcore_tcp((int)fd))
			continue;
		ev.data.fd = (int)fd;
		if (relays)
			remember(relays, (int)fd, now);
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, (int)fd, &ev) == 0) {
			int one = 1;

			/* New to the set: see tcpwatch.h on Nagle. */
			setsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			watched++;
		} else if (errno == EEXIST) {
			watched++; /* this very socket is in the set already */
		}
	}
	closedir(dir);
	return watched;
}

int tcpwatch_drain(int epfd, int *fds, int max)
{
	struct epoll_event evs[16];
	int n, got = 0;

	while ((n = epoll_wait(epfd, evs, 16, 0)) > 0) {
		for (int i = 0; i < n; i++)
			if (got < max)
				fds[got++] = evs[i].data.fd;
		if (n < 16)
			break;
	}
	return got;
}

void tcpwatch_ack(const int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		int one = 1;

		setsockopt(fds[i], IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	}
}

/* Still the socket that was remembered (toxcore may have closed it, and the
 * number gone to another). */
static bool same_socket(const struct tcpwatch_relay *r)
{
	struct stat st;

	return fstat(r->fd, &st) == 0 && st.st_dev == r->dev && st.st_ino == r->ino;
}

/* Waiting on a zero window without progress since the last look? */
static bool stalled(struct tcpwatch_relay *r)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	bool stuck;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(r->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(ti.tcpi_snd_wnd))
		return false; /* a kernel that does not say: never reset */
	stuck = ti.tcpi_state == TCPI_ESTABLISHED && ti.tcpi_snd_wnd == 0 &&
	        (ti.tcpi_notsent_bytes > 0 || ti.tcpi_unacked > 0) && ti.tcpi_bytes_acked == r->acked;
	r->acked = ti.tcpi_bytes_acked;
	return stuck;
}

/* Close the connection with a reset, and leave toxcore a descriptor that
 * reads 0xff bytes: as a packet length (0xffff) or as the rest of a packet
 * it waits for (which fails to decrypt), toxcore refuses them and kills the
 * connection (TCP_common.c, read_packet_TCP_secure_connection). */
static bool reset(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	uint8_t junk[2 + 2048]; /* a length, and up to MAX_PACKET_SIZE after it */
	int sv[2];
	bool ok;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	memset(junk, 0xff, sizeof(junk));
	ok = write(sv[1], junk, sizeof(junk)) == (ssize_t)sizeof(junk);
	if (ok) {
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		/* dup2 closes the TCP socket (with the reset) and clears
		 * close-on-exec: toxcore's descriptor stays a valid one. */
		ok = dup2(sv[0], fd) == fd;
	}
	close(sv[0]);
	close(sv[1]); /* toxcore's writes then fail with EPIPE (ignored) */
	return ok;
}

int tcpwatch_unwedge(struct tcpwatch_relays *relays, double now, double limit)
{
	int done = 0;

	for (int i = 0; i < relays->n;) {
		struct tcpwatch_relay *r = &relays->r[i];

		if (!same_socket(r)) {
			*r = relays->r[--relays->n];
			continue;
		}
		if (!stalled(r)) {
			r->moving = now;
		} else if (now - r->moving >= limit && reset(r->fd)) {
			relays->resets++;
			done++;
			*r = relays->r[--relays->n];
			continue;
		}
		i++;
	}
	return done;
}
