#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/daemon.h"
#include "forward/dial.h"
#include "forward/resolve.h"
#include "forward/sockutil.h"
#include "mux/stream.h"
#include "toxtun/frame.h"
#include "toxtun/log.h"

#define MAX_ADDRS 8

struct dial {
	struct daemon *d;
	struct stream *st;
	int fd;
	struct sockaddr_storage addrs[MAX_ADDRS];
	socklen_t lens[MAX_ADDRS];
	int n_addrs, next;
	uint8_t last_reason;
	char host[256];
	uint16_t port;
	unsigned flags;
	struct resolve *resolve;
	ev_io io;
	ev_timer timer;
};

static uint8_t reason_of(int err)
{
	switch (err) {
	case ECONNREFUSED: return TT_REASON_REFUSED;
	case ETIMEDOUT: return TT_REASON_TIMEOUT;
	case EACCES:
	case EPERM: return TT_REASON_NOT_PERMITTED;
	default: return TT_REASON_UNREACHABLE;
	}
}

static void finish(struct dial *dl, int fd, uint8_t reason)
{
	struct stream *st = dl->st;

	st->dial = NULL;
	ev_io_stop(dl->d->loop, &dl->io);
	ev_timer_stop(dl->d->loop, &dl->timer);
	free(dl);
	stream_dial_done(st, fd, reason, NULL);
}

static void try_next(struct dial *dl);

static void on_connected(struct ev_loop *loop, ev_io *w, int revents)
{
	struct dial *dl = w->data;
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(dl->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	ev_io_stop(loop, &dl->io);
	ev_timer_stop(loop, &dl->timer);
	if (err == 0) {
		int fd = dl->fd;

		dl->fd = -1;
		finish(dl, fd, 0);
		return;
	}
	close(dl->fd);
	dl->fd = -1;
	dl->last_reason = reason_of(err);
	try_next(dl);
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct dial *dl = w->data;

	ev_io_stop(loop, &dl->io);
	close(dl->fd);
	dl->fd = -1;
	dl->last_reason = TT_REASON_TIMEOUT;
	try_next(dl);
}

/* Connect to the next permitted address, or give the last failure. */
static void try_next(struct dial *dl)
{
	while (dl->next < dl->n_addrs) {
		int i = dl->next++;
		int type = dl->flags & DIAL_DATAGRAM ? SOCK_DGRAM : SOCK_STREAM;
		int fd = socket(dl->addrs[i].ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0) {
			dl->last_reason = TT_REASON_UNREACHABLE;
			continue;
		}
		if (type == SOCK_STREAM)
			sock_set_nodelay(fd);
		if (connect(fd, (struct sockaddr *)&dl->addrs[i], dl->lens[i]) == 0) {
			finish(dl, fd, 0);
			return;
		}
		if (errno != EINPROGRESS) {
			dl->last_reason = reason_of(errno);
			close(fd);
			continue;
		}
		dl->fd = fd;
		ev_io_set(&dl->io, fd, EV_WRITE);
		ev_io_start(dl->d->loop, &dl->io);
		ev_timer_set(&dl->timer, dl->d->cfg->connect_timeout_s, 0);
		ev_timer_start(dl->d->loop, &dl->timer);
		dl->st->dial = dl;
		return;
	}
	finish(dl, -1, dl->last_reason);
}

/* Keep the resolved addresses the permit list allows, then connect. The
 * permit list applies to every address a name resolved to: a name cannot
 * smuggle a forbidden address past it. */
static void dial_addresses(struct dial *dl, const struct addrinfo *res)
{
	char addr[INET6_ADDRSTRLEN];

	for (const struct addrinfo *ai = res; ai && dl->n_addrs < MAX_ADDRS; ai = ai->ai_next) {
		if (!sock_addr_str(ai->ai_addr, addr, sizeof(addr)))
			continue;
		if ((dl->flags & DIAL_CHECK_PERMIT) && !tt_permit_check(dl->d->cfg, dl->host, addr, dl->port))
			continue;
		memcpy(&dl->addrs[dl->n_addrs], ai->ai_addr, ai->ai_addrlen);
		dl->lens[dl->n_addrs++] = ai->ai_addrlen;
	}
	try_next(dl);
}

static void on_resolved(void *ctx, const struct addrinfo *res, int err)
{
	struct dial *dl = ctx;

	dl->resolve = NULL;
	dl->st->dial = NULL;
	if (err) {
		finish(dl, -1, TT_REASON_RESOLVE);
		return;
	}
	dial_addresses(dl, res);
}

void dial_start(struct daemon *d, struct stream *st, const char *host, uint16_t port, unsigned flags)
{
	struct addrinfo hints = { .ai_socktype = flags & DIAL_DATAGRAM ? SOCK_DGRAM : SOCK_STREAM,
	                          .ai_flags = AI_NUMERICSERV | AI_NUMERICHOST };
	struct addrinfo *res = NULL;
	struct dial *dl = calloc(1, sizeof(*dl));
	char portstr[8];

	if (!dl) {
		stream_dial_done(st, -1, TT_REASON_RESET, "(out of memory)");
		return;
	}
	dl->d = d;
	dl->st = st;
	dl->fd = -1;
	dl->last_reason = TT_REASON_NOT_PERMITTED;
	snprintf(dl->host, sizeof(dl->host), "%s", host);
	dl->port = port;
	dl->flags = flags;
	ev_init(&dl->io, on_connected);
	ev_init(&dl->timer, on_timeout);
	dl->io.data = dl->timer.data = dl;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	/* Literals resolve at once; names go to the resolver off the loop. */
	if (getaddrinfo(host, portstr, &hints, &res) == 0) {
		dial_addresses(dl, res);
		freeaddrinfo(res);
		return;
	}
	dl->resolve = resolve_start(d->loop, host, port, on_resolved, dl);
	if (!dl->resolve) {
		finish(dl, -1, TT_REASON_RESOLVE);
		return;
	}
	st->dial = dl;
}

void dial_cancel(struct dial *dl)
{
	if (dl->resolve)
		resolve_cancel(dl->resolve);
	ev_io_stop(dl->d->loop, &dl->io);
	ev_timer_stop(dl->d->loop, &dl->timer);
	if (dl->fd >= 0)
		close(dl->fd);
	free(dl);
}
