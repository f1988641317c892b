/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "forward/fwd.h"
#include "forward/listener.h"
#include "forward/proxy.h"
#include "forward/sockutil.h"
#include "forward/tunnels.h"
#include "forward/udp.h"
#include "mux/session.h"
#include "mux/stream.h"
#include "toxtun/log.h"

/* Accept at most this many per wake-up, so that a burst cannot starve the
 * rest of the loop. */
#define ACCEPT_BATCH 64
/* Out of file descriptors: stop accepting this long instead of spinning. */
#define EMFILE_BACKOFF 1.0
/* On an up tunnel a new connection's SYN waits this long for the first
 * bytes from the application (libev rounds it up to 1 ms), to carry them in
 * the same datagram. A client that speaks first (HTTP, TLS, the benchmark)
 * has sent them by then; sent apart, the two straddled a TCP relay's
 * 30 ms forwarding cycle (tox-bootstrapd's loop) in a quarter of the
 * benchmark's new connections, which then took 30 ms longer. A server that
 * speaks first (ssh) loses that millisecond. */
#define FIRST_BYTES_WAIT 0.0005
#define FIRST_BYTES_MAX 4096

struct pending;

struct listener {
	struct fwd *f;
	struct tt_client_tunnel t;
	int fd;
	ev_io io;
	ev_timer backoff;
	struct udpfwd *udp; /* a udp line: the forward does it all */
	bool starved;       /* out of descriptors: pausing */
	struct pending *pending; /* accepted, waiting for their first bytes */
};

struct pending {
	struct listener *l;
	int fd;
	char origin[80];
	ev_io io;
	ev_timer timer;
	struct pending *next, **pprev;
};

static void open_stream(struct listener *l, struct session *s, int fd, const char *origin,
                        const uint8_t *early, size_t early_len)
{
	if (l->t.kind == TT_TUNNEL_REVERSE) {
		/* A server's listener for a peer's reverse line: the SYN names
		 * this address, the peer picks the destination. */
		struct tunnel_stats *ts = tunnels_server(l->f->tunnels, l->t.server_id, l->t.listen_host,
		                                         l->t.listen_port);
		struct stream_open o = {
			.tunnel = l->t.name, .origin = origin, .counters = ts ? &ts->c : NULL,
			.host = l->t.listen_host, .port = l->t.listen_port,
			.syn_flags = TT_FRAME_FLAG_REVERSE, .early = early, .early_len = early_len,
		};

		stream_open_local(s, fd, &o);
	} else {
		struct stream_open o = {
			.tunnel = l->t.name, .origin = origin,
			.counters = tunnels_client_counters(l->f->tunnels, l->t.name),
			.host = l->t.remote_host, .port = l->t.remote_port,
			.early = early, .early_len = early_len,
		};

		stream_open_local(s, fd, &o);
	}
}

static void pending_free(struct pending *p, bool close_fd)
{
	ev_io_stop(p->l->f->loop, &p->io);
	ev_timer_stop(p->l->f->loop, &p->timer);
	if (p->next)
		p->next->pprev = p->pprev;
	*p->pprev = p->next;
	if (close_fd)
		close(p->fd);
	free(p);
}

/* The first bytes came, or the wait is over: open the stream with what the
 * socket holds. */
static void pending_open(struct pending *p, bool readable)
{
	struct listener *l = p->l;
	struct session *s = fwd_session(l->f, l->t.server_id, false);
	uint8_t buf[FIRST_BYTES_MAX];
	ssize_t n = 0;

	if (readable && (n = recv(p->fd, buf, sizeof(buf), 0)) < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			log_debug("tunnel %s: connection from %s: %s", l->t.name, p->origin, strerror(errno));
			pending_free(p, true);
			return;
		}
		n = 0;
	}
	if (!s) {
		log_warn("tunnel %s: connection from %s refused: no session for its server", l->t.name,
		         p->origin);
		pending_free(p, true);
		return;
	}
	open_stream(l, s, p->fd, p->origin, buf, (size_t)n);
	pending_free(p, false);
}

static void on_first_bytes(struct ev_loop *loop, ev_io *w, int revents)
{
	pending_open(w->data, true);
}

static void on_first_bytes_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
	pending_open(w->data, false);
}

/* Wait for the first bytes of a connection on an up tunnel; false if out of
 * memory (then it opens at once). */
static bool wait_first_bytes(struct listener *l, int fd, const char *origin)
{
	struct pending *p = calloc(1, sizeof(*p));

	if (!p)
		return false;
	p->l = l;
	p->fd = fd;
	snprintf(p->origin, sizeof(p->origin), "%s", origin);
	ev_io_init(&p->io, on_first_bytes, fd, EV_READ);
	ev_timer_init(&p->timer, on_first_bytes_wait, FIRST_BYTES_WAIT, 0);
	p->io.data = p->timer.data = p;
	ev_io_start(l->f->loop, &p->io);
	ev_timer_start(l->f->loop, &p->timer);
	p->next = l->pending;
	if (p->next)
		p->next->pprev = &p->next;
	p->pprev = &l->pending;
	l->pending = p;
	return true;
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct listener *l = w->data;
	struct session *s = fwd_session(l->f, l->t.server_id, false);

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char origin[80];
		int fd = accept4(l->fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* Once per episode: it may last as long as the
				 * connections holding the descriptors. */
				if (!l->starved)
					log_warn("tunnel %s: cannot accept: %s; pausing for %.0f s at a time "
					         "until it can", l->t.name, strerror(errno), EMFILE_BACKOFF);
				else
					log_debug("tunnel %s: cannot accept: %s; pausing again", l->t.name,
					          strerror(errno));
				l->starved = true;
				ev_io_stop(loop, &l->io);
				ev_timer_set(&l->backoff, EMFILE_BACKOFF, 0); /* a fired one-shot is spent */
				ev_timer_start(loop, &l->backoff);
			}
			return;
		}
		if (l->starved) {
			log_info("tunnel %s: accepting again", l->t.name);
			l->starved = false;
		}
		sock_endpoint_str((struct sockaddr *)&ss, origin, sizeof(origin));
		if (!s) {
			log_warn("tunnel %s: connection from %s refused: no session for its server", l->t.name, origin);
			close(fd);
			continue;
		}
		if (session_state(s) != SESSION_UP &&
		    session_stream_count(s) >= l->f->cfg->max_waiting) {
			log_warn("tunnel %s: connection from %s refused: %u connections already wait for the tunnel",
			         l->t.name, origin, l->f->cfg->max_waiting);
			close(fd);
			continue;
		}
		sock_set_nodelay(fd);
		log_debug("tunnel %s: connection from %s", l->t.name, origin);
		if (l->t.kind == TT_TUNNEL_SOCKS)
			proxy_accept(l->f, &l->t, fd, origin);
		else if (session_state(s) != SESSION_UP || !wait_first_bytes(l, fd, origin))
			open_stream(l, s, fd, origin, NULL, 0);
	}
}

static void on_backoff(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct listener *l = w->data;

	ev_io_start(loop, &l->io);
}

struct listener *listener_new(struct fwd *f, const struct tt_client_tunnel *t, char *err, size_t errlen)
{
	struct listener *l = calloc(1, sizeof(*l));

	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->f = f;
	l->t = *t;
	l->fd = -1;
	if (t->kind == TT_TUNNEL_UDP) {
		l->udp = udpfwd_new(f, t, err, errlen);
		if (!l->udp) {
			free(l);
			return NULL;
		}
		return l;
	}
	l->fd = sock_listen(t->listen_host, t->listen_port, err, errlen);
	if (l->fd < 0) {
		free(l);
		return NULL;
	}
	ev_io_init(&l->io, on_accept, l->fd, EV_READ);
	ev_timer_init(&l->backoff, on_backoff, EMFILE_BACKOFF, 0);
	l->io.data = l->backoff.data = l;
	ev_io_start(f->loop, &l->io);
	return l;
}

void listener_free(struct listener *l)
{
	if (!l)
		return;
	if (l->udp) {
		udpfwd_free(l->udp);
		free(l);
		return;
	}
	ev_io_stop(l->f->loop, &l->io);
	ev_timer_stop(l->f->loop, &l->backoff);
	close(l->fd);
	while (l->pending)
		pending_free(l->pending, true);
	free(l);
}

const struct tt_client_tunnel *listener_tunnel(const struct listener *l) { return &l->t; }
