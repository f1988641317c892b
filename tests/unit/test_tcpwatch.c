/* Unit tests for the TCP relay watch (daemon/tox/tcpwatch.c), on real
 * loopback TCP connections: one made the way toxcore 0.2.18 makes its relay
 * connections (socket() without close-on-exec), one the way toxtun makes
 * its own (SOCK_CLOEXEC). Only the first may be watched. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
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
	inherited = tcpwatch_scan(ep);
	CHECK(make_pair(&tox, false));
	CHECK(make_pair(&ours, true));

	/* Of a listener, accepted and connected sockets with close-on-exec and
	 * one without: that one only, with Nagle's algorithm turned off. */
	CHECK_EQ_I(tcpwatch_scan(ep), inherited + 1);
	CHECK_EQ_I(nodelay(tox.near), 1);
	CHECK_EQ_I(nodelay(ours.near), 0);
	CHECK_EQ_I(tcpwatch_scan(ep), inherited + 1); /* again: still the one */

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
	CHECK_EQ_I(tcpwatch_scan(ep), inherited);
	CHECK(make_pair(&tox, false));
	CHECK_EQ_I(tcpwatch_scan(ep), inherited + 1);
	CHECK(write(tox.far, "d", 1) == 1);
	CHECK(readable(ep, DEADLINE_MS));
	CHECK_EQ_I(tcpwatch_drain(ep, fds, 4), 1);
	CHECK_EQ_I(fds[0], tox.near);

	close_pair(&tox);
	close_pair(&ours);
	close(listener);
	close(ep);
}

int main(void)
{
	RUN(test_watch);
	return check_report();
}
