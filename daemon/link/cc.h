/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Congestion control for one peer: how fast the link may send to it and how
 * much ENet may have in flight. Pure logic, fed once per housekeeping tick,
 * unit-tested.
 *
 * ENet has a fixed window and no congestion control (docs/design.md, "Window"); Tox adds
 * none to lossy packets. Loss on these paths is mostly not congestion (a
 * wireless hop, a 1 % lossy WAN), so a loss-driven controller would crawl.
 * This is model-based in the manner of BBR: it measures the delivery rate
 * (bytes ENet saw acknowledged) and the lowest round-trip time, and
 *
 *  - paces what enters ENet at gain x the best recent delivery rate, the
 *    gain cycling 1.25, 0.75, 1, 1, 1, 1, 1, 1 per round trip so that it
 *    probes for more and then drains the queue the probe built (1.15 and
 *    0.85 on direct paths of 20 ms and more, where that queue delays every
 *    other stream), and 0.8 instead of 1 while the RTT shows a queue left
 *    standing;
 *  - lets ENet have twice the bandwidth-delay product in flight (sized to
 *    the current RTT, up to 3 x the lowest, while cruising). The pacing,
 *    not the window, sets the rate; the window is a cap.
 *
 * It starts by doubling-plus (2.89 x per round trip, as BBR) until the
 * delivery rate stops growing by a quarter for three rounds, or for two
 * rounds in a row that lost a fifth of their packets (a bottleneck's buffer
 * overflowing: random loss on these paths is a few per cent), then drains
 * the queue that start-up built. When the lowest RTT is 10 s old (on paths of
 * 20 ms and more), it halves the window for two rounds or so (PROBE_RTT) and
 * takes the lowest RTT seen then: a queue left standing must not become the
 * path's RTT for good. That costs about 1 % of the throughput.
 */
#ifndef TOXTUN_CC_H
#define TOXTUN_CC_H

#include <stdbool.h>
#include <stdint.h>

#define CC_SAMPLES 40         /* ticks of delivery history */
#define CC_TICK 0.1           /* seconds: how often cc_update runs */

enum cc_state { CC_STARTUP, CC_DRAIN, CC_PROBE_BW, CC_PROBE_RTT };

struct cc {
	enum cc_state state;
	/* cumulative delivered bytes at each of the last CC_SAMPLES ticks */
	uint64_t delivered[CC_SAMPLES];
	double at[CC_SAMPLES];
	unsigned n;                 /* ticks seen (ring position) */
	/* delivery-rate samples (bytes/s); -1: none that tick */
	double rate[CC_SAMPLES];
	double btlbw;               /* best recent delivery rate, bytes/s */
	double min_rtt;             /* seconds */
	double srtt;                /* the latest smoothed RTT */
	double probe_rtt_low;       /* PROBE_RTT: the lowest srtt seen in it */
	double min_rtt_at;          /* when it was last lowered or refreshed */
	double round_start;         /* start of the current round (phase) */
	double full_bw;             /* start-up: rate to beat by 25 % */
	unsigned full_bw_rounds;    /* rounds without that growth */
	unsigned overflow_rounds;   /* consecutive start-up rounds that lost a fifth */
	unsigned phase;             /* PROBE_BW gain cycle position; rounds in DRAIN, PROBE_RTT */
	double probe_from;          /* PROBE_BW: the estimate when the probe began */
	uint64_t sent, lost;        /* datagrams sent and lost so far (cc_on_loss) */
	uint64_t round_sent, round_lost; /* the same at the start of the round */
	double pacing_gain, cwnd_gain;
	bool rtt_jitters;           /* set by the owner: the RTT swings on its own (a TCP relay) */
};

void cc_init(struct cc *c, double now);
/* Once per tick. delivered: bytes acknowledged so far (cumulative).
 * rtt: the current smoothed round-trip time in seconds (0: unknown).
 * inflight: bytes sent and not acknowledged. app_limited: the sender had
 * less to send than the window and pacing allowed, so this tick's rate says
 * nothing about the path unless it is a new best. */
void cc_update(struct cc *c, double now, uint64_t delivered, double rtt, uint64_t inflight,
               bool app_limited);
/* Before cc_update: datagrams sent and found lost so far (cumulative). */
void cc_on_loss(struct cc *c, uint64_t sent, uint64_t lost);
/* Bytes per second to pace at; 0 while nothing is known (do not pace). */
double cc_pacing_rate(const struct cc *c);
/* Bytes ENet may have in flight. */
uint32_t cc_window(const struct cc *c);
const char *cc_state_name(enum cc_state s);

#endif
