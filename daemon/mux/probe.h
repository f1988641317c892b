/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The round trip and the loss of the path to a peer, as the session's probes
 * measure them (PING and PONG, include/toxtun/frame.h). Pure: the session
 * gives it the clock and the link's datagram counts, so that it is
 * unit-tested without sockets (tests/unit/test_probe.c).
 *
 * Why probes: ENet's roundTripTime, which the snapshot showed before, has a
 * millisecond's resolution, includes the up to 2 ms for which the link holds
 * acknowledgements, and starts from a default of 500 ms that only
 * acknowledged traffic wears down. On 127.0.0.1 it read 296 ms 19 s after
 * start with nothing sent, 8 ms after a ping-pong of 64-byte messages whose
 * p50 was 0.27 ms, and 8 ms during a 30 MB/s download while the ping-pong's
 * p50 was 1.34 ms; its packetLoss is the share of reliable commands ENet
 * sent again after a timeout, not of datagrams the path lost. A probe's
 * stamp is taken when the PING is queued and read when the PONG is taken
 * from its channel, in microseconds, and the peer answers at once: it waits
 * in the same queues as a keystroke. The same three moments by probe: 0.33,
 * 0.27 and 1.7-1.9 ms.
 *
 * Loss: a PONG carries the peer's counts of datagrams (Tox lossy packets)
 * sent to us and received from us, and the session keeps its own counts as
 * they were when the PING left and when the PONG arrived. Between two
 * samples, the share of our datagrams the peer never received is
 *   loss    = 1 - delta(peer's rx) / delta(our tx)
 * and of its datagrams we never received
 *   loss_in = 1 - delta(our rx) / delta(peer's tx).
 * Datagrams in flight, or queued in ENet ahead of the PING or PONG, at the
 * two ends of the window are counted on one side and not yet on the other:
 * at most a few hundred during a bulk transfer (ENet's backlog beyond the
 * window, 256 KiB, is 211 datagrams), a few tenths of a percentage point of
 * the datagrams of a 10 s window at thousands per second. Idle, it is a
 * datagram or two (the second copy of a PING or PONG, which the link sends
 * twice, arrives before the answer is made or after), and a window of 2 s
 * holds 3 datagrams each way: on an emulated path losing 1 %, loss_in read
 * 33 %. So a window also reaches back until PROBE_LOSS_DATAGRAMS went each
 * way (a minute or two when idle), and a direction with fewer has no
 * figure. A share below 0 (more arrived than the window counts as sent)
 * reads 0.
 */
#ifndef TOXTUN_PROBE_H
#define TOXTUN_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "toxtun/frame.h"

/* Microseconds throughout. */
#define PROBE_INTERVAL_US 2000000ull     /* a probe every 2 s while somebody watches, */
#define PROBE_BUSY_INTERVAL_US 250000ull /* 300 ms while data flows (session_tick looks
                                            every 100 ms): see probe_due */
#define PROBE_BUSY_BYTES (64 * 1024)     /* what flowing means, since the last probe */
#define PROBE_EXPIRE_US 10000000ull      /* an unanswered probe is given up after 10 s */
#define PROBE_RTT_WINDOW_US 10000000ull  /* rtt: the median of the samples of 10 s */
#define PROBE_MIN_WINDOW_US 60000000ull  /* min_rtt: the lowest of 60 s, */
#define PROBE_MIN_BUCKET_US 10000000ull  /* kept as the lowest of each 10 s */
#define PROBE_MIN_BUCKETS 7
#define PROBE_LOSS_WINDOW_US 10000000ull /* loss: between samples 10 s apart or more, */
#define PROBE_LOSS_DATAGRAMS 100         /* and this many datagrams each way */
#define PROBE_HISTORY 64                 /* 19 s at one per 300 ms, 128 s at one per 2 s */

struct probe_sample {
	uint64_t t;            /* when the PONG arrived */
	uint64_t rtt;
	uint64_t tx, peer_rx;  /* our datagrams: sent when the PING left; received by the peer then */
	uint64_t peer_tx, rx;  /* the peer's: sent when the PONG left; received by us when it arrived */
};

struct probe_bucket {
	uint64_t start, low;   /* the lowest sample from start to start + PROBE_MIN_BUCKET_US */
};

struct probe {
	struct probe_sample hist[PROBE_HISTORY];
	unsigned n, next;      /* samples held; where the next goes */
	struct probe_bucket mins[PROBE_MIN_BUCKETS];
	unsigned n_mins, next_min;
	bool outstanding;      /* a PING waits for its PONG */
	uint64_t stamp;        /* the newest PING's stamp (our clock when it left; 0: none yet) */
	uint64_t tx_at_ping;   /* our datagram count then */
	uint64_t ignored;      /* PONGs that answered no outstanding PING */
};

struct probe_figures {
	bool rtt_known;        /* any sample: rtt_ms, min_rtt_ms, age_s */
	double rtt_ms;         /* median of the samples within PROBE_RTT_WINDOW_US of the newest */
	double min_rtt_ms;     /* lowest sample of PROBE_MIN_WINDOW_US before the newest (up to
	                          a bucket more) */
	double age_s;          /* of the newest sample (rtt, loss and loss_in alike) */
	unsigned rtt_samples;  /* how many samples rtt_ms is the median of */
	bool loss_known, loss_in_known; /* PROBE_LOSS_DATAGRAMS or more sent that way */
	double loss, loss_in;  /* 0..1 */
	double loss_window_s;  /* the span the shares were counted over */
};

void probe_init(struct probe *p);
/* May a PING go now? None waits (or the one waiting expired) and the last
 * left PROBE_INTERVAL_US ago or more, or PROBE_BUSY_INTERVAL_US when
 * `moved` (bytes the session carried since it left) is PROBE_BUSY_BYTES or
 * more. Idle, the round trip hardly changes and a probe every 2 s costs
 * next to nothing (a wake-up of both nodes). Under load it varies from
 * sample to sample: on 127.0.0.1 at 40 MB/s one every 2 s gave 0.25 to
 * 8.3 ms, and the median of five was 0.6 ms against a ping-pong's p50 of
 * 1.7 ms while the median of all nine was 1.6 ms; there the probes ride
 * among thousands of datagrams a second. */
bool probe_due(const struct probe *p, uint64_t now, uint64_t moved);
/* A PING with stamp now left; tx: our datagrams to the peer so far. */
void probe_sent(struct probe *p, uint64_t now, uint64_t tx);
/* A PONG arrived at now; rx: the peer's datagrams we received so far. False
 * (and nothing recorded) when it answers no PING of ours that waits. */
bool probe_answered(struct probe *p, uint64_t now, const struct tt_pong *pong, uint64_t rx);
void probe_figures(const struct probe *p, uint64_t now, struct probe_figures *out);

#endif
