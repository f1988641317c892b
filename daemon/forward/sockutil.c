/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "forward/sockutil.h"

void sock_set_nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

bool sock_addr_str(const struct sockaddr *sa, char *out, size_t n)
{
	const void *a;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return false;
	return inet_ntop(sa->sa_family, a, out, (socklen_t)n) != NULL;
}

void sock_endpoint_str(const struct sockaddr *sa, char *out, size_t n)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	sock_addr_str(sa, a, sizeof(a));
	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else if (sa->sa_family == AF_INET6)
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	sock_host_port_str(a, (uint16_t)port, out, n);
}

void sock_host_port_str(const char *host, uint16_t port, char *out, size_t n)
{
	snprintf(out, n, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
}

static int listen_on(const struct sockaddr *sa, socklen_t len, int type, bool dual, int *err_out)
{
	int fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, zero = 0;

	if (fd < 0) {
		*err_out = errno;
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (sa->sa_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dual ? &zero : &one, sizeof(int));
	if (bind(fd, sa, len) < 0 || (type == SOCK_STREAM && listen(fd, 1024) < 0)) {
		*err_out = errno;
		close(fd);
		return -1;
	}
	return fd;
}

int sock_listen(const char *host, uint16_t port, char *err, size_t errlen)
{
	return sock_bind(host, port, SOCK_STREAM, err, errlen);
}

int sock_bind(const char *host, uint16_t port, int type, char *err, size_t errlen)
{
	int e = 0, fd;

	if (strcmp(host, "*") == 0) {
		struct sockaddr_in6 any6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
		                             .sin6_addr = IN6ADDR_ANY_INIT };
		struct sockaddr_in any4 = { .sin_family = AF_INET, .sin_port = htons(port),
		                            .sin_addr.s_addr = htonl(INADDR_ANY) };

		/* One dual-stack socket; a host without IPv6 gets an IPv4 one. */
		fd = listen_on((struct sockaddr *)&any6, sizeof(any6), type, true, &e);
		if (fd < 0 && (e == EAFNOSUPPORT || e == EADDRNOTAVAIL))
			fd = listen_on((struct sockaddr *)&any4, sizeof(any4), type, false, &e);
	} else {
		struct addrinfo hints = { .ai_socktype = type, .ai_flags = AI_NUMERICSERV | AI_PASSIVE };
		struct addrinfo *res = NULL;
		char portstr[8];
		int rc;

		snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
		rc = getaddrinfo(host, portstr, &hints, &res);
		if (rc != 0) {
			snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
			return -1;
		}
		fd = listen_on(res->ai_addr, res->ai_addrlen, type, false, &e);
		freeaddrinfo(res);
	}
	if (fd < 0)
		snprintf(err, errlen, "cannot listen on %s:%u: %s", host, (unsigned)port, strerror(e));
	return fd;
}
