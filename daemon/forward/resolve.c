/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forward/resolve.h"

struct resolve {
	struct resolve *next;       /* in the done list */
	struct gaicb cb;
	struct addrinfo hints;
	char host[256], port[8];
	resolve_cb done;
	void *ctx;
	bool cancelled;             /* only touched on the loop thread */
};

/* Lookups finish on glibc's notification threads; they queue themselves
 * here and wake the loop, which runs the callbacks. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct resolve *done_list;
static ev_async wake;
static struct ev_loop *wake_loop;
static bool wake_started;
static size_t pending;          /* started, not yet delivered (loop thread) */

static void on_lookup_done(union sigval sv)
{
	struct resolve *r = sv.sival_ptr;

	pthread_mutex_lock(&lock);
	r->next = done_list;
	done_list = r;
	pthread_mutex_unlock(&lock);
	ev_async_send(wake_loop, &wake);
}

static void on_wake(struct ev_loop *loop, ev_async *w, int revents)
{
	struct resolve *list, *next;

	pthread_mutex_lock(&lock);
	list = done_list;
	done_list = NULL;
	pthread_mutex_unlock(&lock);
	for (; list; list = next) {
		int err = gai_error(&list->cb);

		next = list->next;
		pending--;
		if (!list->cancelled)
			list->done(list->ctx, err == 0 ? list->cb.ar_result : NULL, err);
		if (list->cb.ar_result)
			freeaddrinfo(list->cb.ar_result);
		free(list);
	}
}

struct resolve *resolve_start(struct ev_loop *loop, const char *host, uint16_t port,
                              resolve_cb cb, void *ctx)
{
	struct resolve *r = calloc(1, sizeof(*r));
	struct gaicb *list[1];
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD };

	if (!r)
		return NULL;
	if (!wake_started) {
		ev_async_init(&wake, on_wake);
		ev_async_start(loop, &wake);
		wake_loop = loop;
		wake_started = true;
	}
	snprintf(r->host, sizeof(r->host), "%s", host);
	snprintf(r->port, sizeof(r->port), "%u", (unsigned)port);
	r->hints.ai_socktype = SOCK_STREAM;
	r->hints.ai_flags = AI_NUMERICSERV;
	r->cb.ar_name = r->host;
	r->cb.ar_service = r->port;
	r->cb.ar_request = &r->hints;
	r->done = cb;
	r->ctx = ctx;
	sev.sigev_notify_function = on_lookup_done;
	sev.sigev_value.sival_ptr = r;
	list[0] = &r->cb;
	if (getaddrinfo_a(GAI_NOWAIT, list, 1, &sev) != 0) {
		free(r);
		return NULL;
	}
	pending++;
	return r;
}

void resolve_cancel(struct resolve *r)
{
	/* The lookup may be running in a thread: let it finish, drop the answer. */
	r->cancelled = true;
}

void resolve_shutdown(struct ev_loop *loop)
{
	/* Lookups still running belong to glibc's threads; give them a moment
	 * so that nothing touches a dead loop, but never hang the exit on DNS. */
	for (int i = 0; pending && i < 200; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		nanosleep(&ts, NULL);
		on_wake(loop, &wake, 0);
	}
	if (wake_started) {
		ev_async_stop(loop, &wake);
		wake_started = false;
	}
}
