/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/collect.h"
#include "control/control.h"
#include "control/request.h"
#include "control/snapshot.h"
#include "core/daemon.h"
#include "forward/pipestream.h"
#include "mux/session.h"
#include "toxtun/control_path.h"
#include "toxtun/log.h"
#include "toxtun/version.h"

/* Sessions probe round trip and loss only while somebody reads them
 * (daemon_watch_stats): for this long after a status request, and while a
 * subscription lasts (each snapshot extends it past the next one). An idle
 * tunnel nobody watches sends nothing for them. */
#define WATCH_S 10.0

/* A client that lets this much pile up unread is dropped, not buffered. */
#define OUTPUT_MAX (1024 * 1024)
#define CLIENTS_MAX 64

struct client {
	struct control *c;
	struct client *next;
	int fd;
	char *in;
	size_t in_len;
	char *out;
	size_t out_len, out_off, out_cap;
	bool closing;              /* close once the output is flushed */
	struct control_request pipe; /* a pipe request, handled once its line is taken */
	bool piping;
	ev_io rio, wio;
	ev_timer sub;              /* subscription */
};

struct control {
	struct daemon *d;
	struct ev_loop *loop;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int fd;
	ev_io io;
	struct client *clients;
	size_t n_clients;
};

/* ---- paths ---- */

bool control_socket_path(const struct tt_config *cfg, const char *role, char *out, size_t n)
{
	return tt_control_socket_path(cfg->path, cfg->control_socket, role, out, n);
}

/* The socket's directory: created 0700, and refused unless it is ours and
 * private (another user must not be able to swap the socket). */
static bool private_dir(const char *path, char *err, size_t errlen)
{
	char copy[4096], *dir;
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return false;
	}
	if (stat(dir, &st) < 0) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return false;
	}
	if (st.st_uid != getuid() && strcmp(dir, "/tmp") != 0) {
		snprintf(err, errlen, "%s belongs to another user", dir);
		return false;
	}
	if ((st.st_mode & 077) && st.st_uid == getuid() && chmod(dir, 0700) < 0) {
		snprintf(err, errlen, "cannot make %s private: %s", dir, strerror(errno));
		return false;
	}
	return true;
}

/* ---- output ---- */

static void client_free(struct client *cl);
static bool flush(struct client *cl);

/* Write what is queued. Returns false when the client was freed (an error,
 * or it was closing and everything went out). */
static bool flush(struct client *cl)
{
	while (cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(cl->c->loop, &cl->wio);
			return true;
		}
		if (n < 0) {
			client_free(cl);
			return false;
		}
		cl->out_off += (size_t)n;
	}
	cl->out_off = cl->out_len = 0;
	ev_io_stop(cl->c->loop, &cl->wio);
	if (cl->closing) {
		client_free(cl);
		return false;
	}
	return true;
}

/* Queue one JSON line. Returns false when the client was dropped (it must
 * not be touched any more). */
static bool send_json(struct client *cl, json_object *obj)
{
	size_t len;
	const char *text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN, &len);

	if (cl->out_len - cl->out_off + len + 1 > OUTPUT_MAX) {
		log_warn("control: a client does not read its replies; dropping it");
		client_free(cl);
		return false;
	}
	if (cl->out_off && cl->out_len + len + 1 > cl->out_cap) {
		memmove(cl->out, cl->out + cl->out_off, cl->out_len - cl->out_off);
		cl->out_len -= cl->out_off;
		cl->out_off = 0;
	}
	if (cl->out_len + len + 1 > cl->out_cap) {
		size_t cap = cl->out_cap ? cl->out_cap : 4096;
		char *p;

		while (cap < cl->out_len + len + 1)
			cap *= 2;
		p = realloc(cl->out, cap);
		if (!p) {
			client_free(cl);
			return false;
		}
		cl->out = p;
		cl->out_cap = cap;
	}
	memcpy(cl->out + cl->out_len, text, len);
	cl->out[cl->out_len + len] = '\n';
	cl->out_len += len + 1;
	return true;
}

/* Send and release obj, with the tag of req if it is a reply to one;
 * returns false if the client is gone. */
static bool reply(struct client *cl, json_object *obj, const struct control_request *req)
{
	bool alive;

	if (!obj) {
		client_free(cl);
		return false;
	}
	if (req && req->has_tag) /* a NULL tag is added as "tag":null */
		json_object_object_add(obj, "tag", json_object_get(req->tag));
	alive = send_json(cl, obj);
	json_object_put(obj);
	return alive && flush(cl);
}

static json_object *error_obj(const char *msg)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(msg));
	return o;
}

static json_object *ok_obj(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

static json_object *snapshot_obj(struct daemon *d)
{
	struct snapshot s;
	json_object *o;

	if (!snapshot_collect(d, &s))
		return error_obj("out of memory");
	o = snapshot_to_json(&s);
	snapshot_free(&s);
	return o ? o : error_obj("out of memory");
}

/* ---- commands ---- */

static void on_sub_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct client *cl = w->data;
	struct daemon *d = cl->c->d;
	double watch = w->repeat + WATCH_S; /* w is gone with cl if reply drops it */
	json_object *o = snapshot_obj(d);

	json_object_object_add(o, "event", json_object_new_string("snapshot"));
	if (reply(cl, o, NULL))
		daemon_watch_stats(d, watch);
}

static bool handle(struct client *cl, const char *line, size_t len)
{
	struct daemon *d = cl->c->d;
	struct control_request req;
	char err[1024];
	json_object *o;
	double watch = 0;
	bool alive;

	if (!control_request_parse(line, len, &req, err, sizeof(err))) {
		alive = reply(cl, error_obj(err), &req);
		control_request_clear(&req);
		return alive;
	}
	switch (req.cmd) {
	case CMD_STATUS:
		watch = WATCH_S;
		o = snapshot_obj(d);
		break;
	case CMD_SUBSCRIBE:
		watch = req.interval_ms / 1000.0 + WATCH_S;
		ev_timer_stop(daemon_loop(d), &cl->sub);
		ev_timer_set(&cl->sub, req.interval_ms / 1000.0, req.interval_ms / 1000.0);
		ev_timer_start(daemon_loop(d), &cl->sub);
		o = ok_obj();
		json_object_object_add(o, "interval_ms", json_object_new_int64(req.interval_ms));
		break;
	case CMD_UNSUBSCRIBE:
		ev_timer_stop(daemon_loop(d), &cl->sub);
		o = ok_obj();
		break;
	case CMD_RELOAD:
		o = daemon_reload(d, "control socket");
		break;
	case CMD_CLOSE_STREAM:
		o = daemon_close_stream(d, req.stream_id, req.has_peer ? req.peer : NULL, err, sizeof(err))
		    ? ok_obj() : error_obj(err);
		break;
#ifdef TOXTUN_TEST_HOOKS
	case CMD_SANDBOX_PROBE: {
		/* execve, which the sandbox must stop: the reply says how it failed.
		 * Unconfined, the daemon would become /bin/true and never answer. */
		char *const argv[] = { "/bin/true", NULL };

		log_warn("control: sandbox probe: calling execve (a test build's hook)");
		execve("/bin/true", argv, environ);
		o = ok_obj();
		json_object_object_add(o, "errno", json_object_new_int(errno));
		break;
	}
#endif
	case CMD_PIPE:
		/* The connection becomes the stream: see start_pipe. */
		cl->pipe = req;
		cl->piping = true;
		return true;
	case CMD_ALLOW:
		o = daemon_allow(d, req.public_key, err, sizeof(err)) ? ok_obj() : error_obj(err);
		break;
	case CMD_DENY:
		o = daemon_deny(d, req.public_key, err, sizeof(err)) ? ok_obj() : error_obj(err);
		break;
	case CMD_SHUTDOWN:
		log_info("control: shutdown requested");
		daemon_stop(d);
		o = ok_obj();
		break;
	default:
		o = error_obj("unsupported command");
	}
	alive = reply(cl, o, &req);
	control_request_clear(&req);
	/* After the reply has gone: a probe's stamp is taken when it is
	 * queued, and building and sending the snapshot in between would count
	 * in its round trip (16 us for one peer on 127.0.0.1, more with many
	 * streams; a round trip there is 0.1-0.3 ms). */
	if (watch > 0)
		daemon_watch_stats(d, watch);
	return alive;
}

/* ---- input ---- */

static void client_release(struct client *cl);

/* The connection asked for a pipe: it becomes a stream's local end, with
 * what the client sent after its request line (early) as the first bytes.
 * Its requests end here; its replies too, but for the stream's one answer
 * line (forward/pipestream.h). */
static void start_pipe(struct client *cl, const char *early, size_t early_len)
{
	struct control_request *req = &cl->pipe;
	char err[512];

	control_request_clear(req); /* a tag: no reply carries it */
	ev_timer_stop(cl->c->loop, &cl->sub);
	if (cl->out_len > cl->out_off && flush(cl) && cl->out_len > cl->out_off) {
		cl->closing = true;
		reply(cl, error_obj("earlier replies are still unread"), NULL);
		return;
	}
	if (!pipestream_open(daemon_fwd(cl->c->d), cl->fd, req->host, req->port, req->via,
	                     (const uint8_t *)early, early_len, err, sizeof(err))) {
		log_warn("control: pipe to %s:%u refused: %s", req->host, (unsigned)req->port, err);
		cl->closing = true;
		reply(cl, error_obj(err), NULL);
		return;
	}
	client_release(cl);
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
	struct client *cl = w->data;
	ssize_t n;
	size_t start = 0;

	if (cl->closing)
		return;
	n = recv(cl->fd, cl->in + cl->in_len, CONTROL_LINE_MAX + 1 - cl->in_len, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(cl);
		return;
	}
	cl->in_len += (size_t)n;
	for (size_t i = 0; i < cl->in_len; i++) {
		if (cl->in[i] != '\n')
			continue;
		if (i > start && !handle(cl, cl->in + start, i - start))
			return; /* the client is gone */
		start = i + 1;
		if (cl->piping) {
			start_pipe(cl, cl->in + start, cl->in_len - start);
			return;
		}
	}
	memmove(cl->in, cl->in + start, cl->in_len - start);
	cl->in_len -= start;
	if (cl->in_len > CONTROL_LINE_MAX) {
		char msg[80];

		snprintf(msg, sizeof(msg), "request longer than %d bytes", CONTROL_LINE_MAX);
		cl->closing = true;
		ev_io_stop(loop, &cl->rio);
		reply(cl, error_obj(msg), NULL);
	}
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
	flush(w->data);
}

/* Forget the client, leaving its socket open (a pipe's stream has it). */
static void client_release(struct client *cl)
{
	cl->fd = -1;
	client_free(cl);
}

static void client_free(struct client *cl)
{
	struct control *c = cl->c;
	struct client **pp;

	for (pp = &c->clients; *pp; pp = &(*pp)->next) {
		if (*pp == cl) {
			*pp = cl->next;
			break;
		}
	}
	c->n_clients--;
	ev_io_stop(c->loop, &cl->rio);
	ev_io_stop(c->loop, &cl->wio);
	ev_timer_stop(c->loop, &cl->sub);
	if (cl->fd >= 0)
		close(cl->fd);
	free(cl->in);
	free(cl->out);
	free(cl);
}

static bool peer_allowed(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	*uid = cred.uid;
	return cred.uid == getuid() || cred.uid == 0;
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control *c = w->data;
	struct client *cl;
	json_object *hello;
	uid_t uid = (uid_t)-1;
	int fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (!peer_allowed(fd, &uid)) {
		log_warn("control: refused a connection from uid %ld", (long)uid);
		close(fd);
		return;
	}
	if (c->n_clients >= CLIENTS_MAX) {
		log_warn("control: too many clients; refusing one");
		close(fd);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl || !(cl->in = malloc(CONTROL_LINE_MAX + 1))) {
		free(cl);
		close(fd);
		return;
	}
	cl->c = c;
	cl->fd = fd;
	ev_io_init(&cl->rio, on_readable, fd, EV_READ);
	ev_io_init(&cl->wio, on_writable, fd, EV_WRITE);
	ev_init(&cl->sub, on_sub_timer);
	cl->rio.data = cl->wio.data = cl->sub.data = cl;
	cl->next = c->clients;
	c->clients = cl;
	c->n_clients++;
	ev_io_start(loop, &cl->rio);
	hello = ok_obj();
	json_object_object_add(hello, "event", json_object_new_string("hello"));
	json_object_object_add(hello, "protocol", json_object_new_int(CONTROL_PROTOCOL));
	json_object_object_add(hello, "version", json_object_new_string(TOXTUN_VERSION));
	json_object_object_add(hello, "role", json_object_new_string(daemon_role_str(c->d)));
	reply(cl, hello, NULL);
}

/* ---- the listening socket ---- */

/* Is somebody answering at path? A stale file from a dead daemon refuses. */
static bool socket_alive(const struct sockaddr_un *sun)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return alive;
}

struct control *control_new(struct daemon *d, const char *path, char *err, size_t errlen)
{
	struct control *c = calloc(1, sizeof(*c));
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old_mask;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->d = d;
	c->loop = daemon_loop(d);
	c->fd = -1;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		goto fail;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	snprintf(c->path, sizeof(c->path), "%s", path);
	if (!private_dir(path, err, errlen))
		goto fail;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			goto fail;
		}
		if (socket_alive(&sun)) {
			snprintf(err, errlen, "another tunnel daemon is running (its control socket %s answers)", path);
			goto fail;
		}
		unlink(path); /* stale: its daemon is gone */
	}
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		goto fail;
	}
	/* umask first: the socket must never exist with wider permissions. */
	old_mask = umask(0177);
	if (bind(c->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		umask(old_mask);
		snprintf(err, errlen, "cannot bind %s: %s", path, strerror(errno));
		goto fail;
	}
	umask(old_mask);
	chmod(path, 0600);
	if (listen(c->fd, 16) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	ev_io_init(&c->io, on_accept, c->fd, EV_READ);
	c->io.data = c;
	ev_io_start(c->loop, &c->io);
	log_info("control socket: %s", path);
	return c;
fail:
	if (c->fd >= 0)
		close(c->fd);
	free(c);
	return NULL;
}

void control_free(struct control *c)
{
	if (!c)
		return;
	while (c->clients)
		client_free(c->clients);
	ev_io_stop(c->loop, &c->io);
	close(c->fd);
	unlink(c->path);
	free(c);
}

static bool attach(void *ctx, struct daemon *d, char *err, size_t errlen)
{
	struct control **slot = ctx;
	char path[512];

	if (!control_socket_path(daemon_config(d), daemon_role_str(d), path, sizeof(path))) {
		snprintf(err, errlen, "control socket path too long");
		return false;
	}
	*slot = control_new(d, path, err, errlen);
	return *slot != NULL;
}

static void detach(void *ctx, struct daemon *d)
{
	struct control **slot = ctx;

	control_free(*slot);
	*slot = NULL;
}

/* Told to every subscriber at once, so that the tray can ask its user
 * without waiting for the next snapshot. */
static void friend_request(void *ctx, struct daemon *d, const uint8_t pk[TT_PUBKEY_SIZE],
                           const char *message)
{
	struct control *c = *(struct control **)ctx;
	struct client *cl, *next;
	char hex[2 * TT_PUBKEY_SIZE + 1];

	if (!c)
		return;
	tt_hex_format(pk, TT_PUBKEY_SIZE, hex);
	for (cl = c->clients; cl; cl = next) {
		json_object *o;

		next = cl->next; /* reply() may free cl */
		if (!ev_is_active(&cl->sub) || cl->closing)
			continue;
		o = ok_obj();
		json_object_object_add(o, "event", json_object_new_string("friend_request"));
		json_object_object_add(o, "public_key", json_object_new_string(hex));
		json_object_object_add(o, "message", json_object_new_string(message));
		reply(cl, o, NULL);
	}
}

const struct daemon_hooks control_hooks = {
	.attach = attach, .detach = detach, .friend_request = friend_request,
};
