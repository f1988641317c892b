/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Client side of a [client] udp line: one bound UDP socket; each source
 * address that sends to it gets its own datagram stream to the server,
 * which answers that address. A stream ends after [link] udp_timeout
 * seconds without a datagram either way. */
#ifndef TOXTUN_UDP_H
#define TOXTUN_UDP_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "toxtun/config.h"

struct fwd;
struct udpfwd;

/* Answers go back to each source address on the forward's socket; one is
 * dropped when the socket is full, as UDP may. */
struct udpfwd *udpfwd_new(struct fwd *f, const struct tt_client_tunnel *t, char *err, size_t errlen);
/* Close the socket and end every stream of the line. */
void udpfwd_free(struct udpfwd *u);

#endif
