/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rules of one stream, apart from its socket: credit-based flow control
 * in both directions and the half-close state. Pure logic, unit-tested.
 *
 * Credit: a side may send while tx_sent < tx_allowed. tx_allowed starts at
 * the window the peer advertised and grows with its WINDOW frames. The
 * receiving side grants more only for bytes it has written to its local
 * socket, so what it buffers never exceeds its window.
 *
 * Half-close: FIN is queued after the last data byte (the channel keeps
 * order); a FIN from the peer shuts the local socket for writing only once
 * everything before it is written. The stream ends when both directions
 * are closed and nothing is left to write.
 */
#ifndef TOXTUN_FLOW_H
#define TOXTUN_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct flow {
	uint64_t tx_allowed, tx_sent;
	uint64_t rx_allowed, rx_received;
	uint32_t rx_window;      /* what we let the peer have in flight */
	uint32_t rx_ungranted;   /* written locally, not granted again yet */
	uint64_t rx_buffered;    /* received, not yet written locally */
	bool local_eof;          /* EOF read locally, FIN queued */
	bool remote_fin;         /* FIN received */
	bool shut_wr;            /* local socket shut for writing */
};

void flow_init(struct flow *f, uint32_t rx_window, uint64_t peer_window);

/* How many bytes we may send now. */
uint64_t flow_tx_credit(const struct flow *f);
void flow_on_sent(struct flow *f, size_t n);
/* A WINDOW frame. False if it makes no sense (zero, or credit overflow). */
bool flow_on_window(struct flow *f, uint32_t increment);

/* DATA arrived: false when it exceeds the credit we granted or follows a FIN. */
bool flow_on_received(struct flow *f, size_t n);
/* n bytes were written to the local socket. Returns the WINDOW increment to
 * send now (0: not yet; grants are batched to a quarter window, or a
 * sixteenth once the buffer is empty). */
uint32_t flow_on_written(struct flow *f, size_t n);

/* The local socket reached EOF: queue FIN. False if it already had. */
bool flow_on_local_eof(struct flow *f);
/* FIN arrived: false if it is a duplicate. */
bool flow_on_remote_fin(struct flow *f);
/* Should the local socket be shut for writing now (FIN received and every
 * byte before it written)? Marks it done when true. */
bool flow_take_shutdown(struct flow *f);
/* Both directions closed and nothing left: the stream is over. */
bool flow_finished(const struct flow *f);

#endif
