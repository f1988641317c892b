/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Dynamic forwarding: SOCKS5 and HTTP CONNECT on a [client] socks5 line. */
#ifndef TOXTUN_PROXY_H
#define TOXTUN_PROXY_H

#include <stdbool.h>
#include <stdint.h>

#include "toxtun/config.h"

struct fwd;

/* A connection accepted on a socks5 line: read its handshake, then open a
 * stream to the destination it asks for. The stream answers the client once
 * the server connected, or refused (the RST reason mapped to a SOCKS reply
 * code or HTTP status). */
void proxy_accept(struct fwd *f, const struct tt_client_tunnel *t, int fd, const char *origin);

#endif
