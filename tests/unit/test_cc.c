/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the congestion control model (daemon/link/cc.c), driven by
 * a small fluid model of a path: a bottleneck of a given rate with a FIFO
 * in front of it and a base round trip. Each tick the sender sends as fast
 * as the pacing rate and the window allow; the bottleneck delivers at most
 * its rate; the excess queues and lengthens the round trip. */
#include <math.h>

#include "check.h"
#include "link/cc.h"
#include "toxtun/enet_patches.h"

#define HISTORY 64 /* ticks of deliveries a path remembers for late_acks */

struct path {
	double rate;     /* bottleneck, bytes/s */
	double base_rtt; /* seconds */
	double queue;    /* bytes waiting at the bottleneck */
	double t;
	uint64_t delivered;
	bool app_limited;
	double app_rate; /* what the application offers when app_limited */
	double buffer;   /* bytes the bottleneck holds (0: no limit); the rest is lost */
	double loss;     /* random loss, a fraction of what is sent */
	double sent, lost; /* datagrams */
	double ack_early; /* every other tick, this many bytes are reported delivered early */
	double jitter;    /* every other tick, the smoothed RTT reads this much high */
	bool late_acks;   /* deliveries are acknowledged base_rtt later, not at once */
	uint64_t history[HISTORY]; /* delivered at the end of each tick */
	unsigned ticks;
};

static double path_rtt(const struct path *p) { return p->base_rtt + p->queue / p->rate; }

/* What the sender has seen acknowledged: everything delivered, or with
 * late_acks what was delivered base_rtt ago (linear within a tick). */
static uint64_t acked(const struct path *p)
{
	double lag = p->base_rtt / CC_TICK;
	unsigned k = (unsigned)lag;
	double f = lag - k, newer, older;

	if (!p->late_acks)
		return p->delivered;
	newer = k < p->ticks ? (double)p->history[(p->ticks - 1 - k) % HISTORY] : 0;
	older = k + 1 < p->ticks ? (double)p->history[(p->ticks - 2 - k) % HISTORY] : 0;
	return (uint64_t)(newer * (1 - f) + older * f);
}

/* One tick of CC_TICK seconds; returns the rate delivered in it. */
static double step(struct cc *c, struct path *p)
{
	double pacing = cc_pacing_rate(c), rtt = path_rtt(p), send, out, inflight;
	int odd;

	send = (double)cc_window(c) / rtt; /* window-limited rate */
	if (pacing > 0 && pacing < send)
		send = pacing;
	if (p->app_limited && p->app_rate < send)
		send = p->app_rate;
	p->queue += send * CC_TICK;
	p->sent += send * CC_TICK / ENETP_PACKET_PAYLOAD;
	p->lost += p->loss * send * CC_TICK / ENETP_PACKET_PAYLOAD;
	out = p->queue < p->rate * CC_TICK ? p->queue : p->rate * CC_TICK;
	p->queue -= out;
	if (p->buffer > 0 && p->queue > p->buffer) {
		p->lost += (p->queue - p->buffer) / ENETP_PACKET_PAYLOAD;
		p->queue = p->buffer;
	}
	p->delivered += (uint64_t)out;
	p->history[p->ticks++ % HISTORY] = p->delivered;
	p->t += CC_TICK;
	/* In flight: what waits at the bottleneck and what is on the wire. */
	inflight = p->queue + (send < p->rate ? send : p->rate) * p->base_rtt;
	cc_on_loss(c, (uint64_t)p->sent, (uint64_t)p->lost);
	odd = (int)(p->t / CC_TICK + 0.5) % 2;
	cc_update(c, p->t, acked(p) + (odd ? (uint64_t)p->ack_early : 0),
	          path_rtt(p) + (odd ? p->jitter : 0), (uint64_t)inflight, p->app_limited);
	return out / CC_TICK;
}

/* A new peer: the handshake measured the round trip of the empty path. */
static void start(struct cc *c, struct path *p)
{
	cc_init(c, p->t);
	cc_update(c, p->t, p->delivered, path_rtt(p), 0, true);
}

static double run(struct cc *c, struct path *p, double seconds)
{
	double sum = 0;
	int n = 0;

	for (double end = p->t + seconds; p->t < end - 1e-9; n++)
		sum += step(c, p);
	return n ? sum / n : 0;
}

static bool near(double v, double want, double tolerance)
{
	return fabs(v - want) <= want * tolerance;
}

static void test_nothing_known(void)
{
	struct cc c;

	cc_init(&c, 100);
	CHECK(cc_pacing_rate(&c) == 0); /* unpaced until something was delivered */
	CHECK_EQ_U(cc_window(&c), ENETP_MIN_WINDOW);
	CHECK(c.state == CC_STARTUP);
	CHECK_STR(cc_state_name(c.state), "startup");
}

/* 50 Mbit/s, 100 ms: start-up finds the rate within a few seconds, then the
 * model cruises at it with a window of about twice the BDP and no standing
 * queue. */
static void test_converges(void)
{
	struct path p = { .rate = 6.25e6, .base_rtt = 0.1 };
	struct cc c;
	double got;

	start(&c, &p);
	run(&c, &p, 3);
	CHECK(c.state == CC_PROBE_BW);
	CHECK(near(c.btlbw, p.rate, 0.1));
	got = run(&c, &p, 10);
	CHECK(near(got, p.rate, 0.05));
	CHECK(cc_window(&c) >= 1.5 * p.rate * p.base_rtt && cc_window(&c) <= 3 * p.rate * p.base_rtt);
	CHECK(c.min_rtt < 0.11);
	/* The queue the probes build is drained again: a round trip well under
	 * twice the base one. */
	CHECK(path_rtt(&p) < 1.5 * p.base_rtt);
}

/* A long fat path (200 ms) and a slow one (1 Mbit/s, 50 ms): both
 * converge, and the slow one keeps no standing queue. */
static void test_other_paths(void)
{
	struct path far = { .rate = 2.5e6, .base_rtt = 0.2 };
	struct path slow = { .rate = 125e3, .base_rtt = 0.05 };
	struct cc c;

	start(&c, &far);
	run(&c, &far, 5);
	CHECK(near(run(&c, &far, 10), far.rate, 0.05));
	start(&c, &slow);
	run(&c, &slow, 5);
	CHECK(near(run(&c, &slow, 10), slow.rate, 0.05));
	/* Below ENet's default 64 KiB, which alone would queue half a second. */
	CHECK(cc_window(&c) < ENETP_MIN_WINDOW);
	CHECK(path_rtt(&slow) < 2 * slow.base_rtt);
}

/* Acknowledgements that come in bursts make every other rate sample 2 %
 * high, and the estimate, the best sample, with them. Cruising at 1 x that
 * would fill the 50 ms buffer between probes; the queue is drained instead,
 * and the rate stays near the path's. */
static void test_high_estimate_no_standing_queue(void)
{
	struct path p = { .rate = 6.25e6, .base_rtt = 0.1, .buffer = 6.25e6 * 0.05,
	                  .ack_early = 6.25e6 * 0.1 * 0.02 };
	struct cc c;
	double queued = 0, peak = 0, got = 0;
	int n = 0;

	start(&c, &p);
	run(&c, &p, 5);
	CHECK(c.state == CC_PROBE_BW);
	CHECK(c.btlbw > 1.01 * p.rate);
	for (double end = p.t + 20; p.t < end - 1e-9; n++) {
		got += step(&c, &p);
		queued += path_rtt(&p) - p.base_rtt;
		peak = fmax(peak, path_rtt(&p) - p.base_rtt);
	}
	CHECK(got / n > 0.93 * p.rate);
	/* On average under 15 ms of queue (a fifth of the round trip), where
	 * cruising at the estimate alone sat at 31 ms; the model says 5. */
	CHECK(queued / n < 0.015);
	/* At its peak under a quarter of the round trip: probing at 1.25 x
	 * and draining a queue of 15 % or more, the model says 44 ms, as the
	 * 50 Mbit/s path showed; gentler, 17. */
	CHECK(peak < 0.025);
}

/* A 30 ms path whose RTT jitters by a few ms without any queue: its
 * smoothed RTT is high every other tick, which is no reason to cruise below
 * the estimate. */
static void test_jitter_is_no_queue(void)
{
	struct path p = { .rate = 6.25e6, .base_rtt = 0.03, .jitter = 0.0035 };
	struct cc c;
	double got = 0;
	int n = 0, below = 0;

	start(&c, &p);
	run(&c, &p, 5);
	CHECK(c.state == CC_PROBE_BW);
	for (double end = p.t + 20; p.t < end - 1e-9; n++) {
		got += step(&c, &p);
		below += c.state == CC_PROBE_BW && c.phase >= 2 && c.pacing_gain != 1;
	}
	CHECK_EQ_U(below, 0);
	CHECK(got / n > 0.97 * p.rate);
}

/* The same on a TCP relay: there the RTT swings on its own and is no sign
 * of a queue we built, so the cruise does not back off for it, and the
 * probe is not made gentler for it. */
static void test_relay_cruises_at_estimate(void)
{
	struct path p = { .rate = 6.25e6, .base_rtt = 0.1, .buffer = 6.25e6 * 0.05,
	                  .ack_early = 6.25e6 * 0.1 * 0.02 };
	struct cc c;

	start(&c, &p);
	c.rtt_jitters = true;
	run(&c, &p, 5);
	for (int i = 0; i < 200; i++) {
		step(&c, &p);
		/* The probe as on short paths; cruising rounds pace at the
		 * estimate, never below it. */
		CHECK(c.pacing_gain == 1.25 || c.pacing_gain == 0.75 || c.pacing_gain == 1);
	}
}

/* A sender with little to send says nothing about the path: the estimate
 * survives an interactive lull and a bulk transfer after it starts at the
 * known rate. */
static void test_app_limited(void)
{
	struct path p = { .rate = 6.25e6, .base_rtt = 0.1 };
	struct cc c;
	double known;

	start(&c, &p);
	run(&c, &p, 5);
	known = c.btlbw;
	p.app_limited = true;
	p.app_rate = 10e3;
	run(&c, &p, 30);
	CHECK(near(c.btlbw, known, 0.01));
	CHECK(cc_pacing_rate(&c) >= 0.7 * known);
	p.app_limited = false;
	CHECK(near(step(&c, &p), p.rate, 0.2));
}

/* The side that only acknowledges (the other side's bulk transfer) sees
 * that transfer's queue in its RTT, sends little and is app-limited: it
 * must stay in start-up, so that when it has a transfer of its own it
 * ramps up at start-up's pace, not at the probe's 25 % per eight rounds. */
static void test_receiver_stays_in_startup(void)
{
	struct path p = { .rate = 6.25e6, .base_rtt = 0.01, .app_limited = true, .app_rate = 300e3 };
	struct cc c;
	double rtt_seen = 0.03; /* the other direction's queue */

	start(&c, &p);
	for (int i = 0; i < 50; i++) {
		p.t += CC_TICK;
		p.delivered += (uint64_t)(p.app_rate * CC_TICK);
		cc_update(&c, p.t, p.delivered, rtt_seen, 8000, true);
	}
	CHECK(c.state == CC_STARTUP);
	/* and its first round sends what the pacing's floor allows, not the
	 * window of the few KB/s it acknowledged at */
	CHECK(cc_window(&c) >= ENETP_MIN_WINDOW);
	CHECK(cc_pacing_rate(&c) >= ENETP_MIN_WINDOW / c.min_rtt);
	p.app_limited = false;
	run(&c, &p, 1);
	CHECK(near(run(&c, &p, 1), p.rate, 0.05));
}

/* The path's rate rises (a competing transfer ends) on a 108 ms path, the
 * WAN profile's lowest RTT, with acknowledgements a round trip late: the
 * estimate follows at the probe's pace, slowly. The 1.15 x probe lasts one
 * 100 ms round, but a rate sample spans two ticks there, so it shows about
 * 1.07 x: 20 s from 1.6 to 8.1 MB/s. Samples of one tick after a probe
 * halved that, and let the estimate creep up on a full path: the
 * benchmark's ping-pong p99 during a download rose by 5-10 ms. */
/* Settle on path P, then raise its rate to RATE: the seconds until the
 * estimate reaches 90 % of it (60 if never). */
static double rise(struct cc *c, struct path *p, double rate)
{
	double from;

	start(c, p);
	run(c, p, 5);
	CHECK(c->state == CC_PROBE_BW);
	CHECK(near(c->btlbw, p->rate, 0.1));
	p->rate = rate;
	from = p->t;
	while (c->btlbw < 0.9 * p->rate && p->t < from + 60)
		step(c, p);
	return p->t - from;
}

static void test_rate_rises(void)
{
	struct path p = { .rate = 1.6e6, .base_rtt = 0.108, .late_acks = true };
	struct cc c;
	double took = rise(&c, &p, 9e6);

	if (!CHECK(took < 25))
		fprintf(stderr, "  %.0f after %.1f s\n", c.btlbw, took);
}

/* On a short path (loopback, a LAN: a round is one tick) a probe that
 * finds room probes again at once: from a tenth of the path to 90 % of it
 * in well under 2 s (at 1.25x per 8 rounds it took 8 s). And on that path
 * once full, the probes go on at their usual pace. */
static void test_rate_rises_short(void)
{
	struct path p = { .rate = 10e6, .base_rtt = 0.002 };
	struct cc c;
	double took = rise(&c, &p, 100e6);
	unsigned probes = 0, last_phase;

	if (!CHECK(took < 2))
		fprintf(stderr, "  %.0f after %.1f s\n", c.btlbw, took);
	/* Full now: over 10 s, one probe round per cycle of 8, no more. */
	run(&c, &p, 2);
	last_phase = c.phase;
	for (int i = 0; i < 100; i++) {
		step(&c, &p);
		probes += c.phase == 0 && last_phase != 0;
		last_phase = c.phase;
	}
	CHECK(probes >= 11 && probes <= 13);
	CHECK(near(run(&c, &p, 5), p.rate, 0.05));
	CHECK(p.queue < 0.1 * p.rate * p.base_rtt + 64 * 1024);
}

/* Start-up overflows a buffer of a quarter of the path (50 ms on 200 ms)
 * while the sender looks application-limited (behind that much loss its
 * streams wait for flow control credit), so the plateau does not count:
 * the loss ends start-up within a few rounds of the overflow. */
static void test_startup_overflow(void)
{
	struct path p = { .rate = 2.5e6, .base_rtt = 0.2, .buffer = 2.5e6 * 0.05,
	                  .app_limited = true, .app_rate = 1e12 };
	struct cc c;
	double overflow_at = -1;

	start(&c, &p);
	while (c.state == CC_STARTUP && p.t < 10) {
		step(&c, &p);
		if (overflow_at < 0 && p.lost > 0)
			overflow_at = p.t;
	}
	CHECK(overflow_at > 0);
	CHECK(c.state != CC_STARTUP);
	CHECK(p.t - overflow_at <= 5 * 0.25);
	if (!CHECK(near(c.btlbw, p.rate, 0.1)))
		fprintf(stderr, "  btlbw %.0f at %.1f s, overflow at %.1f s\n", c.btlbw, p.t, overflow_at);
}

/* Random loss, 5 % each way (a tenth of the datagrams time out: lost, or
 * their acknowledgement lost), is not an overflow: start-up still
 * finds the rate. */
static void test_startup_random_loss(void)
{
	struct path p = { .rate = 40e6, .base_rtt = 0.1, .loss = 0.1 };
	struct cc c;

	start(&c, &p);
	while (c.state == CC_STARTUP && p.t < 10)
		step(&c, &p);
	CHECK(c.state != CC_STARTUP);
	if (!CHECK(near(c.btlbw, p.rate, 0.1)))
		fprintf(stderr, "  btlbw %.0f at %.1f s\n", c.btlbw, p.t);
}

/* One round in which half the datagrams time out, without a queue, is no
 * overflow: a session that carried little (so start-up's rate is not
 * growing) starts a transfer, ENet's timeout is too short for its first
 * burst, and start-up must still go on to the path's rate. */
static void test_startup_one_lossy_round(void)
{
	struct path p = { .rate = 10e6, .base_rtt = 0.1, .loss = 0.05,
	                  .app_limited = true, .app_rate = 200e3 };
	struct cc c;

	start(&c, &p);
	run(&c, &p, 2);
	CHECK(c.state == CC_STARTUP);
	p.sent += 100;
	p.lost += 60; /* the burst: 100 more sent, 60 of them timed out */
	step(&c, &p);
	p.app_limited = false;
	while (c.state == CC_STARTUP && p.t < 10)
		step(&c, &p);
	if (!CHECK(near(c.btlbw, p.rate, 0.1)))
		fprintf(stderr, "  btlbw %.0f at %.1f s\n", c.btlbw, p.t);
}

/* The bottleneck slows down (another user, a worse route): the estimate
 * follows within a couple of seconds, and the queue does not run away. */
static void test_rate_drops(void)
{
	struct path p = { .rate = 6.25e6, .base_rtt = 0.1 };
	struct cc c;

	start(&c, &p);
	run(&c, &p, 5);
	p.rate /= 4;
	run(&c, &p, 3);
	CHECK(near(c.btlbw, p.rate, 0.2));
	CHECK(near(run(&c, &p, 5), p.rate, 0.05));
	CHECK(path_rtt(&p) < 2 * p.base_rtt);
}

/* A round trip that grows for good (a longer route): the window sized to
 * the old one holds the rate down until PROBE_RTT (after 10 s) finds the
 * new RTT; then the rate is back within a few seconds. */
static void test_min_rtt_expires(void)
{
	struct path p = { .rate = 2.5e6, .base_rtt = 0.05 };
	struct cc c;

	start(&c, &p);
	run(&c, &p, 3);
	CHECK(near(c.min_rtt, 0.05, 0.1));
	p.base_rtt = 0.3;
	run(&c, &p, 12);
	CHECK(c.min_rtt >= 0.29);
	CHECK(near(run(&c, &p, 5), p.rate, 0.05));
}

int main(void)
{
	RUN(test_nothing_known);
	RUN(test_converges);
	RUN(test_other_paths);
	RUN(test_app_limited);
	RUN(test_receiver_stays_in_startup);
	RUN(test_startup_overflow);
	RUN(test_startup_random_loss);
	RUN(test_startup_one_lossy_round);
	RUN(test_high_estimate_no_standing_queue);
	RUN(test_jitter_is_no_queue);
	RUN(test_relay_cruises_at_estimate);
	RUN(test_rate_drops);
	RUN(test_rate_rises);
	RUN(test_rate_rises_short);
	RUN(test_min_rtt_expires);
	return check_report();
}
