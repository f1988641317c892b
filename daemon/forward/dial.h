/* Connect to a stream's destination without blocking, within the connect
 * timeout: on a server after the permit check, on a client for its reverse
 * lines. The verdict goes to
 * stream_dial_done (a connected fd, or an RST reason). */
#ifndef TOXTUN_DIAL_H
#define TOXTUN_DIAL_H

#include <stdint.h>

struct daemon;
struct stream;
struct dial;

enum dial_flags {
	DIAL_CHECK_PERMIT = 1, /* keep only the addresses the permit list allows */
	DIAL_DATAGRAM = 2,     /* a connected UDP socket rather than TCP */
};

/* While the connection is under way st->dial holds it; the verdict may also
 * come at once, before this returns (then the stream may be gone). */
void dial_start(struct daemon *d, struct stream *st, const char *host, uint16_t port, unsigned flags);
void dial_cancel(struct dial *dl);

#endif
