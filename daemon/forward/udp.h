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

struct daemon;
struct stream;
struct udpfwd;

struct udpfwd *udpfwd_new(struct daemon *d, const struct tt_client_tunnel *t, char *err, size_t errlen);
/* Close the socket and end every stream of the line. */
void udpfwd_free(struct udpfwd *u);
/* A stream of this forward is being freed. */
void udpfwd_forget(struct udpfwd *u, struct stream *st);
/* One datagram back to a source address; dropped when the socket is full. */
void udpfwd_send(struct udpfwd *u, const struct sockaddr_storage *to, const void *data, size_t len);

#endif
