#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tox/tcpwatch.h"

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

int tcpwatch_scan(int epfd)
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
