/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Name resolution off the event loop: getaddrinfo_a with its answer handed
 * back to the loop. A literal address never comes here. */
#ifndef TOXTUN_RESOLVE_H
#define TOXTUN_RESOLVE_H

#include <ev.h>
#include <netdb.h>
#include <stdint.h>

struct resolve;

/* res is freed by the resolver after the callback returns; err is a
 * getaddrinfo error code (0 on success). */
typedef void (*resolve_cb)(void *ctx, const struct addrinfo *res, int err);

struct resolve *resolve_start(struct ev_loop *loop, const char *host, uint16_t port,
                              resolve_cb cb, void *ctx);
/* The callback will not be called. */
void resolve_cancel(struct resolve *r);
/* Release the loop watcher (at exit, after every request is done or cancelled). */
void resolve_shutdown(struct ev_loop *loop);

#endif
