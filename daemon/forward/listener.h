/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Client side: a listening socket per [client] tunnel line. Each accepted
 * connection becomes a stream on the session with the line's server; a udp
 * line's socket is a datagram forward (forward/udp.h). Reverse lines listen
 * on the server (forward/reverse.h). */
#ifndef TOXTUN_LISTENER_H
#define TOXTUN_LISTENER_H

#include "toxtun/config.h"

struct fwd;
struct listener;

struct listener *listener_new(struct fwd *f, const struct tt_client_tunnel *t, char *err, size_t errlen);
void listener_free(struct listener *l);
const struct tt_client_tunnel *listener_tunnel(const struct listener *l);

#endif
