/* Server side: check a destination against the permit list and connect to
 * it without blocking, within the connect timeout. The verdict goes to
 * stream_dial_done (a connected fd, or an RST reason). */
#ifndef TOXTUN_DIAL_H
#define TOXTUN_DIAL_H

#include <stdint.h>

struct daemon;
struct stream;
struct dial;

/* While the connection is under way st->dial holds it; the verdict may also
 * come at once, before this returns (then the stream may be gone). */
void dial_start(struct daemon *d, struct stream *st, const char *host, uint16_t port);
void dial_cancel(struct dial *dl);

#endif
