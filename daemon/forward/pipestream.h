/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A stream for `tunnel pipe` (ssh's ProxyCommand): a control-socket
 * connection that asked for one destination becomes the stream's local end,
 * as a SOCKS5 connection does after its handshake. */
#ifndef TOXTUN_PIPESTREAM_H
#define TOXTUN_PIPESTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fwd;

/* Open a stream to host:port through the server of [client] line via (""
 * = the one socks5 line's server, or the only server of the file). fd gets
 * one line once the server answered - {"ok":true}, or {"ok":false,"error":
 * "..."} and then it is closed - and after an ok the stream's bytes. early:
 * bytes the client sent after its request. On false (err set) nothing was
 * taken: fd is still the caller's. What the server lets a pipe reach is its
 * permit lines, as for socks5. */
bool pipestream_open(struct fwd *f, int fd, const char *host, uint16_t port, const char *via,
                     const uint8_t *early, size_t early_len, char *err, size_t errlen);

#endif
