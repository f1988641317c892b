/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "link/cc.h"
#include "toxtun/enet_patches.h"

#define HIGH_GAIN 2.885      /* 2/ln 2: doubles the delivery rate per round */
#define PROBE_CWND_GAIN 2.0
#define FULL_BW_GROWTH 1.25
#define FULL_BW_ROUNDS 3
#define STARTUP_MAX_LOSS 0.2  /* a round losing more ends start-up */
#define STARTUP_LOSS_MIN 50   /* datagrams a round needs to judge by */
#define STARTUP_LOSS_ROUNDS 2 /* rounds in a row that must lose that much */
#define QUEUE_RTT_RATIO 1.25
#define DRAINED_RTT_RATIO 1.1
#define MIN_RTT_LIFETIME 10.0 /* seconds before PROBE_RTT measures it again */
#define RTT_FLOOR 0.005       /* below this, timer granularity dominates */
#define FILTER_ROUNDS 10
#define WINDOW_SLACK (16 * 1024) /* also the smallest window */
#define PROBE_RTT_WINDOW (4 * ENETP_PACKET_PAYLOAD)
#define PROBE_RTT_MIN 0.02    /* shorter paths: a "queue" is a busy CPU */
#define SRTT_WINDOW_MAX 3.0   /* the window follows the RTT up to this x the lowest */
/* Cruising over a standing queue of more than this x the lowest RTT, and
 * more than CRUISE_QUEUE_MIN, pace at CRUISE_DRAIN_GAIN x the estimate for
 * the round instead of 1 x. A few ms are not a queue but jitter: on a 30 ms
 * path with 5 ms of it each way, 5 % alone cost 10-15 % of the rate. */
#define CRUISE_QUEUE_RATIO 1.05
#define CRUISE_QUEUE_MIN 0.004
#define CRUISE_DRAIN_GAIN 0.8

/* A probe at 1.25 x builds a queue of a quarter of the RTT at the
 * bottleneck for a round, and the drain round after it and the cruise
 * round that notices what is left take as long again: on the 50 Mbit/s,
 * 100 ms path other streams' round trips rose to 150 ms once per cycle.
 * On paths of PROBE_RTT_MIN and more, where such a queue is felt, the
 * probe is gentler; it still finds a rate that grew, by 15 % a cycle. Not
 * on a TCP relay, whose own limit the link finds (link.c) and whose RTT
 * says little about a queue of ours. */
static const double probe_gains[] = { 1.25, 0.75, 1, 1, 1, 1, 1, 1 };
static const double long_probe_gains[] = { 1.15, 0.85, 1, 1, 1, 1, 1, 1 };
#define N_PHASES (sizeof(probe_gains) / sizeof(probe_gains[0]))

/* A direct path long enough that a queue we build is felt: not a short
 * one, where a "queue" is a busy CPU, nor a TCP relay, whose RTT swings with
 * the relay's own load. */
static bool queue_felt(const struct cc *c)
{
	return c->min_rtt >= PROBE_RTT_MIN && !c->rtt_jitters;
}

static double probe_gain(const struct cc *c)
{
	return queue_felt(c) ? long_probe_gains[c->phase] : probe_gains[c->phase];
}

/* A direct path no longer than a tick's round (loopback, a LAN). */
static bool short_path(const struct cc *c)
{
	return c->min_rtt < PROBE_RTT_MIN && !c->rtt_jitters;
}

static void enter_startup(struct cc *c)
{
	c->state = CC_STARTUP;
	c->pacing_gain = c->cwnd_gain = HIGH_GAIN;
	c->full_bw = 0;
	c->full_bw_rounds = 0;
	c->overflow_rounds = 0;
}

static void enter_drain(struct cc *c)
{
	c->state = CC_DRAIN;
	c->pacing_gain = 1 / HIGH_GAIN;
	c->phase = 0;
}

/* Cruise first: the queue is just drained. */
static void enter_probe_bw(struct cc *c)
{
	c->state = CC_PROBE_BW;
	c->phase = 2;
	c->pacing_gain = probe_gain(c);
	c->cwnd_gain = PROBE_CWND_GAIN;
}

void cc_init(struct cc *c, double now)
{
	memset(c, 0, sizeof(*c));
	enter_startup(c);
	c->round_start = now;
	c->min_rtt_at = now;
}

static double path_rtt(const struct cc *c)
{
	return c->min_rtt > RTT_FLOOR ? c->min_rtt : RTT_FLOOR;
}

static double round_time(const struct cc *c)
{
	return path_rtt(c) > CC_TICK ? path_rtt(c) : CC_TICK;
}

/* How many ticks back a rate sample and the max filter reach. */
static unsigned ticks(double seconds, unsigned lo, unsigned hi)
{
	unsigned k = (unsigned)ceil(seconds / CC_TICK - 0.01);

	return k < lo ? lo : k > hi ? hi : k;
}

static double bdp(const struct cc *c)
{
	return c->btlbw * path_rtt(c);
}

/* The lowest RTT of the last MIN_RTT_LIFETIME seconds (ENet's smoothed RTT,
 * sampled each tick). When it is that old, PROBE_RTT measures it again. */
static void update_min_rtt(struct cc *c, double now, double rtt)
{
	if (rtt <= 0)
		return;
	c->srtt = rtt;
	if (c->state == CC_PROBE_RTT) {
		if (rtt < c->probe_rtt_low)
			c->probe_rtt_low = rtt;
		return;
	}
	if (c->min_rtt == 0 || rtt <= c->min_rtt) {
		c->min_rtt = rtt;
		c->min_rtt_at = now;
	} else if (now - c->min_rtt_at > MIN_RTT_LIFETIME) {
		if (c->state == CC_PROBE_BW && c->min_rtt >= PROBE_RTT_MIN) {
			c->state = CC_PROBE_RTT;
			c->probe_rtt_low = rtt;
			c->phase = 0;
			c->round_start = now;
		} else {
			c->min_rtt = rtt;
			c->min_rtt_at = now;
		}
	}
}

static void update_btlbw(struct cc *c, double now, uint64_t delivered, bool app_limited)
{
	unsigned idx = c->n % CC_SAMPLES, span, window;
	double best = 0;
	bool any = false;

	c->delivered[idx] = delivered;
	c->at[idx] = now;
	c->rate[idx] = -1; /* no sample */
	c->n++;
	/* The rate over about one round trip: shorter spans see ack bursts. */
	span = ticks(path_rtt(c), 1, CC_SAMPLES / 4);
	if (c->n > span) {
		unsigned from = (c->n - 1 - span) % CC_SAMPLES;
		double dt = now - c->at[from];

		if (dt > 0) {
			double r = (double)(delivered - c->delivered[from]) / dt;

			/* A sender with nothing to send says nothing about the
			 * path, unless it still beat the estimate. */
			if (!app_limited || r > c->btlbw)
				c->rate[idx] = r;
		}
	}
	window = ticks(FILTER_ROUNDS * round_time(c), 10, CC_SAMPLES);
	if (window > c->n)
		window = c->n;
	for (unsigned i = 0; i < window; i++) {
		double r = c->rate[(c->n - 1 - i) % CC_SAMPLES];

		if (r >= 0) {
			any = true;
			if (r > best)
				best = r;
		}
	}
	/* Only application-limited ticks lately: keep what we knew. */
	if (any)
		c->btlbw = best;
}

void cc_on_loss(struct cc *c, uint64_t sent, uint64_t lost)
{
	c->sent = sent;
	c->lost = lost;
}

/* Start-up overflowed a buffer: a fifth of the round lost (the rate
 * estimate lags the overflow, so this ends start-up only once the rate
 * stops growing). Random loss is not that high, and behind so much loss
 * the streams stall on their flow control, so the sender looks
 * application-limited and the plateau alone would never end start-up
 * (measured on the 200 ms path with a 50 ms buffer: 2.5 s at 40-50 % loss). */
static bool startup_overflowed(const struct cc *c)
{
	uint64_t sent = c->sent - c->round_sent, lost = c->lost - c->round_lost;

	return sent >= STARTUP_LOSS_MIN && (double)lost > STARTUP_MAX_LOSS * (double)sent;
}

static void next_round(struct cc *c, uint64_t inflight, bool app_limited)
{
	switch (c->state) {
	case CC_STARTUP:
		/* One round is not enough. On the 100 ms, 5 % loss path, with
		 * no queue at all (RTT 108 ms, its lowest), a round early in a
		 * transfer had 29 of its 61 datagrams time out (ENet's timeout,
		 * set by the round trips of a quiet session, expiring before
		 * the burst's acknowledgements came back, is the likely cause):
		 * start-up ended at 0.19 MB/s, and such transfers ran at
		 * 0.7-2.9 MB/s instead of 8-9 (3 of 52). A buffer that overflows
		 * goes on overflowing while start-up pushes. */
		c->overflow_rounds = startup_overflowed(c) ? c->overflow_rounds + 1 : 0;
		if (c->btlbw >= c->full_bw * FULL_BW_GROWTH) {
			c->full_bw = c->btlbw;
			c->full_bw_rounds = 0;
		} else if (c->overflow_rounds >= STARTUP_LOSS_ROUNDS) {
			/* No growth, and a buffer overflowing: the path is full. */
			enter_drain(c);
		} else if ((!app_limited ||
		            (c->srtt > QUEUE_RTT_RATIO * c->min_rtt && (double)inflight >= bdp(c) &&
		             inflight >= ENETP_MIN_WINDOW)) &&
		           ++c->full_bw_rounds >= FULL_BW_ROUNDS) {
			/* Three rounds without growth while sending all we may,
			 * or while a path's worth of our data is out and a queue
			 * builds (then the path, not the application, holds the
			 * rate back; a side that mostly acknowledges sees the
			 * other direction's queue and must not count it). */
			enter_drain(c);
		}
		break;
	case CC_DRAIN:
		/* Until the queue start-up built is gone: in flight no more
		 * than the path holds, or the RTT back near its lowest (or,
		 * should the estimate be off, for at most a few rounds). */
		if ((double)inflight <= bdp(c) || c->srtt <= DRAINED_RTT_RATIO * c->min_rtt ||
		    ++c->phase >= 8)
			enter_probe_bw(c);
		break;
	case CC_PROBE_BW:
		/* On a short path the probe's round shows in the estimate by
		 * its end (a round is one tick, and a rate sample spans one).
		 * If that grew by half the probe's excess or more, the path had
		 * room: probe again at once rather than after seven rounds at
		 * the old rate. A sender that lost a moment at the start of a
		 * transfer (8 streams starting on loopback: start-up ended at
		 * 68 MB/s) otherwise climbed back to the path's 165 MB/s at
		 * 1.25x per 8 rounds, over 3-4 s. On a full path the probe only
		 * queues, the estimate stays, and the cycle goes on. On longer
		 * paths a sample spans two rounds and acks come a round late:
		 * what a probe found shows only diluted by the drain after it. */
		if (c->phase == 0 && short_path(c) &&
		    c->btlbw >= c->probe_from * (1 + (c->pacing_gain - 1) / 2)) {
			c->probe_from = c->btlbw;
			break;
		}
		c->phase = (c->phase + 1) % N_PHASES;
		c->pacing_gain = probe_gain(c);
		if (c->phase == 0)
			c->probe_from = c->btlbw;
		/* The estimate is the best of noisy samples, so it runs a little
		 * above the path (measured on the 50 Mbit/s path: 2 %), and a
		 * cruise at 1 x it fills the bottleneck's buffer between probes:
		 * a standing queue of 35 ms on a 100 ms path, which every other
		 * stream's packets wait behind. Drain it while cruising, where a
		 * queue is felt. */
		if (c->pacing_gain == 1 && queue_felt(c) &&
		    c->srtt > c->min_rtt + fmax((CRUISE_QUEUE_RATIO - 1) * c->min_rtt, CRUISE_QUEUE_MIN))
			c->pacing_gain = CRUISE_DRAIN_GAIN;
		break;
	case CC_PROBE_RTT:
		/* With half the window: drain what we have queued, then see the
		 * round trip of an empty path for a round. */
		if ((++c->phase >= 2 && (double)inflight <= bdp(c) * 0.5 + PROBE_RTT_WINDOW) ||
		    c->phase >= 4) {
			bool longer = c->probe_rtt_low > 1.5 * c->min_rtt;

			c->min_rtt = c->probe_rtt_low;
			c->min_rtt_at = c->round_start;
			enter_probe_bw(c);
			/* A longer path (a new route): the window was too small
			 * for it, so the rate it let through says little. */
			if (longer)
				enter_startup(c);
		}
		break;
	}
}

void cc_update(struct cc *c, double now, uint64_t delivered, double rtt, uint64_t inflight,
               bool app_limited)
{
	update_min_rtt(c, now, rtt);
	update_btlbw(c, now, delivered, app_limited);
	/* Ticks come every CC_TICK and a round is at least that: allow a
	 * little lateness or a 100 ms round would take two ticks. */
	if (now - c->round_start >= round_time(c) * 0.9) {
		c->round_start = now;
		next_round(c, inflight, app_limited);
		c->round_sent = c->sent;
		c->round_lost = c->lost;
	}
}

double cc_pacing_rate(const struct cc *c)
{
	double floor, rtt = path_rtt(c);

	if (c->btlbw <= 0)
		return 0;
	if (c->state != CC_STARTUP)
		return c->pacing_gain * c->btlbw;
	/* Starting up, never slower than the smallest window per round trip:
	 * a tunnel that so far carried only keystrokes must not crawl when a
	 * transfer starts. */
	floor = ENETP_MIN_WINDOW / rtt;
	return c->pacing_gain * c->btlbw > floor ? c->pacing_gain * c->btlbw : floor;
}

uint32_t cc_window(const struct cc *c)
{
	double w = c->cwnd_gain * bdp(c) + WINDOW_SLACK;

	if (c->btlbw <= 0)
		return ENETP_MIN_WINDOW; /* ENet's own, until something is known */
	if (c->state == CC_PROBE_RTT) {
		/* Half the BDP: the path's queue drains, half the rate goes on. */
		w = 0.5 * bdp(c);
		return w > PROBE_RTT_WINDOW ? (uint32_t)w : PROBE_RTT_WINDOW;
	}
	/* Cruising, the pacing sets the rate and the window is only a cap: size
	 * it to the RTT we see now if that is longer. A window sized to the
	 * lowest RTT alone holds the rate to window / RTT whenever the RTT grows
	 * (a busy CPU on a short path, a new route on a long one), and the rate
	 * measured then shrinks the window further. Up to three times the
	 * lowest RTT, so that a queue cannot keep itself; starting up, not at
	 * all: the window must not grow with the queue start-up builds. */
	if (c->state == CC_PROBE_BW && c->srtt > path_rtt(c))
		w = c->cwnd_gain * c->btlbw * fmin(c->srtt, SRTT_WINDOW_MAX * path_rtt(c)) + WINDOW_SLACK;
	/* Starting up, at least what the pacing's floor sends in a round trip
	 * (cc_pacing_rate). A session that only acknowledged the other side's
	 * transfer knows a rate of a few KB/s, and its window was 16 KiB when
	 * a transfer of its own began: 0.15 MB/s for the first round on the
	 * 100 ms path, and with 5 % loss start-up once ended there (a download
	 * after an upload in the benchmark: 1.05 MB/s instead of 8-9). */
	if (c->state == CC_STARTUP && w < ENETP_MIN_WINDOW)
		w = ENETP_MIN_WINDOW;
	if (w > ENETP_MAX_WINDOW)
		w = ENETP_MAX_WINDOW;
	return (uint32_t)w;
}

const char *cc_state_name(enum cc_state s)
{
	switch (s) {
	case CC_STARTUP: return "startup";
	case CC_DRAIN: return "drain";
	case CC_PROBE_BW: return "probe_bw";
	case CC_PROBE_RTT: return "probe_rtt";
	}
	return "?";
}
