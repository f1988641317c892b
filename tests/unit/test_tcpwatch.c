/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the TCP relay watch (daemon/tox/tcpwatch.c), on real
 * loopback TCP connections: one made the way toxcore 0.2.18 makes its relay
 * connections (socket() without close-on-exec), one the way toxtun makes
 * its own (SOCK_CLOEXEC). Only the first may be watched. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <linux/tcp.h> /* tcp_info with tcpi_snd_wnd */
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "tox/tcpwatch.h"

#define DEADLINE_MS 5000

struct pair {
	int near, far; /* near: the daemon's end; far: the relay's */
};

static int listener;
static struct sockaddr_in addr;

static bool make_pair(struct pair *p, bool cloexec)
{
	p->near = socket(AF_INET, SOCK_STREAM | (cloexec ? SOCK_CLOEXEC : 0), 0);
	if (p->near < 0 || connect(p->near, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return false;
	p->far = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
	return p->far >= 0;
}

static void close_pair(struct pair *p)
{
	close(p->near);
	close(p->far);
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

static int nodelay(int fd)
{
	int v = -1;
	socklen_t len = sizeof(v);

	getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len);
	return v;
}

static void test_watch(void)
{
	struct pair tox, ours;
	int ep = tcpwatch_new(), fds[4], inherited;
	socklen_t len = sizeof(addr);

	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(ep >= 0);
	CHECK(listener >= 0 && bind(listener, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	      listen(listener, 8) == 0 && getsockname(listener, (struct sockaddr *)&addr, &len) == 0);
	/* A TCP socket some parent process leaked to us counts as toxcore's
	 * too; there should be none, but the test must not depend on it. */
	inherited = tcpwatch_scan(ep, NULL, 0);
	CHECK(make_pair(&tox, false));
	CHECK(make_pair(&ours, true));

	/* Of a listener, accepted and connected sockets with close-on-exec and
	 * one without: that one only, with Nagle's algorithm turned off. */
	CHECK_EQ_I(tcpwatch_scan(ep, NULL, 0), inherited + 1);
	CHECK_EQ_I(nodelay(tox.near), 1);
	CHECK_EQ_I(nodelay(ours.near), 0);
	CHECK_EQ_I(tcpwatch_scan(ep, NULL, 0), inherited + 1); /* again: still the one */

	/* Data for our socket, then for toxcore's: only toxcore's is reported. */
	CHECK(write(ours.far, "a", 1) == 1);
	CHECK(write(tox.far, "b", 1) == 1);
	CHECK(readable(ep, DEADLINE_MS));
	CHECK_EQ_I(tcpwatch_drain(ep, fds, 4), 1);
	CHECK_EQ_I(fds[0], tox.near);

	/* Edge-triggered: the unread byte does not keep the set readable (as
	 * a partial packet toxcore leaves would); new data does. */
	CHECK(!readable(ep, 0));
	CHECK_EQ_I(tcpwatch_drain(ep, fds, 4), 0);
	CHECK(write(tox.far, "c", 1) == 1);
	CHECK(readable(ep, DEADLINE_MS));
	CHECK_EQ_I(tcpwatch_drain(ep, fds, 4), 1);
	tcpwatch_ack(fds, 1);
	{
		char buf[4];

		CHECK(read(tox.near, buf, sizeof(buf)) == 2);
	}

	/* A closed socket leaves the set; a new relay connection, even on the
	 * same descriptor number, is found by the next scan. */
	close_pair(&tox);
	CHECK_EQ_I(tcpwatch_scan(ep, NULL, 0), inherited);
	CHECK(make_pair(&tox, false));
	CHECK_EQ_I(tcpwatch_scan(ep, NULL, 0), inherited + 1);
	CHECK(write(tox.far, "d", 1) == 1);
	CHECK(readable(ep, DEADLINE_MS));
	CHECK_EQ_I(tcpwatch_drain(ep, fds, 4), 1);
	CHECK_EQ_I(fds[0], tox.near);

	close_pair(&tox);
	close_pair(&ours);
	close(listener);
	close(ep);
}

static bool tcp_info_of(int fd, struct tcp_info *ti)
{
	socklen_t len = sizeof(*ti);

	return getsockopt(fd, IPPROTO_TCP, TCP_INFO, ti, &len) == 0;
}

/* Write until the socket takes no more and the peer advertises a zero
 * window (the peer reads nothing meanwhile). */
static bool fill_to_zero_window(int fd)
{
	static const char junk[4096];
	struct tcp_info ti;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	for (int waited = 0; waited < DEADLINE_MS; waited++) {
		while (write(fd, junk, sizeof(junk)) > 0)
			;
		if (tcp_info_of(fd, &ti) && ti.tcpi_snd_wnd == 0 && ti.tcpi_notsent_bytes > 0)
			return true;
		poll(NULL, 0, 1);
	}
	return false;
}

/* Read what the peer let through, until the connection ends; its errno. */
static int read_to_end(int fd)
{
	char buf[65536];
	ssize_t n;

	do {
		if (!readable(fd, DEADLINE_MS))
			return ETIMEDOUT;
		n = read(fd, buf, sizeof(buf));
	} while (n > 0);
	return n == 0 ? 0 : errno;
}

/* Two of toxcore's relay connections wait on a zero window: one relay reads
 * nothing more, the other takes some between two looks. Only the first is
 * reset, and only after the limit: the relay's end sees the reset, and
 * toxcore's descriptor then reads a packet length toxcore refuses. */
static void test_unwedge(void)
{
	struct tcpwatch_relays relays = { .n = 0 };
	struct pair stuck, moving;
	struct tcp_info ti;
	int ep = tcpwatch_new(), inherited, small = 4096;
	socklen_t len = sizeof(addr);
	unsigned char head[2];
	uint64_t acked;

	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	CHECK(ep >= 0 && listener >= 0);
	/* Accepted sockets inherit the small receive buffer: a relay's that
	 * fills quickly. */
	CHECK(setsockopt(listener, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)) == 0);
	CHECK(bind(listener, (struct sockaddr *)&addr, sizeof(addr)) == 0 && listen(listener, 8) == 0 &&
	      getsockname(listener, (struct sockaddr *)&addr, &len) == 0);
	inherited = tcpwatch_scan(ep, &relays, 0);
	CHECK(make_pair(&stuck, false));
	CHECK(make_pair(&moving, false));
	CHECK_EQ_I(tcpwatch_scan(ep, &relays, 0), inherited + 2);
	CHECK(fill_to_zero_window(stuck.near));
	CHECK(fill_to_zero_window(moving.near));

	CHECK_EQ_I(tcpwatch_unwedge(&relays, 0.0, 2.0), 0); /* first look */
	CHECK_EQ_I(tcpwatch_unwedge(&relays, 1.0, 2.0), 0); /* 1 s without progress: not yet */
	/* The second relay takes some, and the window closes again. */
	CHECK(tcp_info_of(moving.near, &ti));
	acked = ti.tcpi_bytes_acked;
	CHECK(readable(moving.far, DEADLINE_MS));
	{
		char buf[65536];

		CHECK(read(moving.far, buf, sizeof(buf)) > 0);
	}
	for (int waited = 0; waited < DEADLINE_MS && tcp_info_of(moving.near, &ti) &&
	                     ti.tcpi_bytes_acked == acked; waited++)
		poll(NULL, 0, 1);
	CHECK(ti.tcpi_bytes_acked > acked);
	CHECK(fill_to_zero_window(moving.near));
	CHECK_EQ_I(tcpwatch_unwedge(&relays, 2.5, 2.0), 1);
	CHECK(relays.resets == 1);
	CHECK_EQ_I(relays.n, inherited + 1);
	CHECK_EQ_I(tcpwatch_unwedge(&relays, 2.6, 2.0), 0);

	/* The relay's end was reset: what it had not read is gone. */
	CHECK_EQ_I(read_to_end(stuck.far), ECONNRESET);
	/* toxcore reads a length of 0xffff, over its MAX_PACKET_SIZE. */
	CHECK(read(stuck.near, head, sizeof(head)) == 2 && head[0] == 0xff && head[1] == 0xff);
	/* The descriptor is no relay connection any more: the next scan leaves
	 * it out, and the set lost it when the TCP socket closed. */
	CHECK_EQ_I(tcpwatch_scan(ep, &relays, 3.0), inherited + 1);
	{
		int fds[4];

		CHECK_EQ_I(tcpwatch_drain(ep, fds, 4), 0);
	}
	/* The other connection still works. */
	CHECK(tcp_info_of(moving.near, &ti) && ti.tcpi_state == 1 /* established */);

	close_pair(&stuck);
	close_pair(&moving);
	close(listener);
	close(ep);
}

int main(void)
{
	RUN(test_watch);
	RUN(test_unwedge);
	return check_report();
}
