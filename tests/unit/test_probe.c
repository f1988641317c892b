/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the round-trip and loss probes (daemon/mux/probe.c): when a
 * probe is due, which PONG counts, the figures and their windows. Times are
 * microseconds, counts are datagrams. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "mux/probe.h"

#define S 1000000ull /* a second */
#define MS 1000ull

#define CHECK_NEAR(a, b, eps)                                                                 \
	check_result(fabs((double)(a) - (double)(b)) <= (eps), __FILE__, __LINE__, "%s = %g, want %g", \
	             #a, (double)(a), (double)(b))

/* Both ends of a path, with their datagram counts. */
struct sim {
	struct probe p;
	uint64_t t;
	uint64_t tx, peer_rx;  /* ours to the peer */
	uint64_t peer_tx, rx;  /* the peer's to us */
	uint64_t moved;        /* bytes carried since each probe (busy: PROBE_BUSY_BYTES or more) */
};

static void sim_init(struct sim *m)
{
	memset(m, 0, sizeof(*m));
	probe_init(&m->p);
	m->t = 1000 * S;
}

/* Traffic over a while: we send `out` datagrams of which `lost_out` never
 * arrive, the peer sends `in` of which `lost_in` never arrive. */
static void traffic(struct sim *m, uint64_t dt, uint64_t out, uint64_t lost_out, uint64_t in, uint64_t lost_in)
{
	m->t += dt;
	m->tx += out;
	m->peer_rx += out - lost_out;
	m->peer_tx += in;
	m->rx += in - lost_in;
}

/* One probe taking rtt: PING now, PONG rtt later; true if it counted. */
static bool probe_once(struct sim *m, uint64_t rtt)
{
	struct tt_pong pong;

	if (!probe_due(&m->p, m->t, m->moved))
		return false;
	probe_sent(&m->p, m->t, m->tx);
	/* the PING is one datagram each way, and arrives */
	m->tx++;
	m->peer_rx++;
	pong = (struct tt_pong){ .stamp = m->t, .tx = m->peer_tx, .rx = m->peer_rx };
	m->peer_tx++;
	m->rx++;
	m->t += rtt;
	return probe_answered(&m->p, m->t, &pong, m->rx);
}

static void test_nothing_yet(void)
{
	struct probe p;
	struct probe_figures f;

	probe_init(&p);
	CHECK(probe_due(&p, 5 * S, 0));
	probe_figures(&p, 5 * S, &f);
	CHECK(!f.rtt_known);
	CHECK(!f.loss_known);
	CHECK(!f.loss_in_known);
	CHECK_EQ_U(f.rtt_samples, 0);
}

static void test_one_probe(void)
{
	struct probe p;
	struct probe_figures f;
	struct tt_pong pong = { .stamp = 10 * S, .tx = 5, .rx = 6 };

	probe_init(&p);
	probe_sent(&p, 10 * S, 4);
	CHECK(!probe_due(&p, 10 * S + 1, 0));
	CHECK(!probe_due(&p, 19 * S, 1 << 20)); /* still waiting, not yet given up */
	/* Not the stamp of our PING: forged, or of a PING given up. */
	pong.stamp++;
	CHECK(!probe_answered(&p, 10 * S + 160, &pong, 7));
	CHECK_EQ_U(p.ignored, 1);
	probe_figures(&p, 10 * S + 200, &f);
	CHECK(!f.rtt_known);
	pong.stamp--;
	CHECK(probe_answered(&p, 10 * S + 160, &pong, 7));
	/* The same PONG again answers nothing. */
	CHECK(!probe_answered(&p, 10 * S + 170, &pong, 7));
	CHECK_EQ_U(p.ignored, 2);
	probe_figures(&p, 13 * S + 160, &f);
	CHECK(f.rtt_known);
	CHECK_NEAR(f.rtt_ms, 0.160, 1e-9);
	CHECK_NEAR(f.min_rtt_ms, 0.160, 1e-9);
	CHECK_NEAR(f.age_s, 3.0, 1e-9);
	CHECK_EQ_U(f.rtt_samples, 1);
	CHECK(!f.loss_known); /* one sample: no window */
	CHECK(!f.loss_in_known);
	/* The next is due PROBE_INTERVAL_US after the last left, or
	 * PROBE_BUSY_INTERVAL_US once the session carried PROBE_BUSY_BYTES. */
	CHECK(!probe_due(&p, 10 * S + PROBE_INTERVAL_US - 1, PROBE_BUSY_BYTES - 1));
	CHECK(probe_due(&p, 10 * S + PROBE_INTERVAL_US, 0));
	CHECK(!probe_due(&p, 10 * S + PROBE_BUSY_INTERVAL_US - 1, PROBE_BUSY_BYTES));
	CHECK(probe_due(&p, 10 * S + PROBE_BUSY_INTERVAL_US, PROBE_BUSY_BYTES));
}

/* A PONG that never comes (the session went, or an outage) does not stop
 * probing for good, and when it comes late it measures nothing: the
 * round trip of an outage is not the path's. */
static void test_expiry(void)
{
	struct probe p;
	struct probe_figures f;
	struct tt_pong pong = { .stamp = 10 * S };

	probe_init(&p);
	probe_sent(&p, 10 * S, 0);
	CHECK(!probe_due(&p, 10 * S + PROBE_EXPIRE_US - 1, 1 << 20));
	CHECK(probe_due(&p, 10 * S + PROBE_EXPIRE_US, 0));
	CHECK(!probe_answered(&p, 10 * S + PROBE_EXPIRE_US + 1, &pong, 0));
	probe_figures(&p, 30 * S, &f);
	CHECK(!f.rtt_known);
	/* A new PING replaces it; the old PONG still answers nothing. */
	probe_sent(&p, 25 * S, 0);
	CHECK(!probe_answered(&p, 25 * S + 5, &pong, 0));
	pong.stamp = 25 * S;
	CHECK(probe_answered(&p, 25 * S + 5 * MS, &pong, 0));
	probe_figures(&p, 25 * S + 5 * MS, &f);
	CHECK_NEAR(f.rtt_ms, 5.0, 1e-9);
	/* A clock that went back (it never should) answers nothing either. */
	probe_sent(&p, 40 * S, 0);
	pong.stamp = 40 * S;
	CHECK(!probe_due(&p, 39 * S, 0));
	CHECK(!probe_answered(&p, 39 * S, &pong, 0));
}

/* rtt_ms: the median of the samples within 10 s of the newest; min_rtt_ms
 * the lowest of 60 s (kept per 10 s: up to 70 s). */
static void test_median_and_min(void)
{
	static const uint64_t rtts[] = { 5, 1, 9, 3, 7, 100, 2 };
	struct sim m;
	struct probe_figures f;

	sim_init(&m);
	for (size_t i = 0; i < 5; i++) {
		CHECK(probe_once(&m, rtts[i] * MS));
		m.t += 2 * S - rtts[i] * MS;
	}
	m.t -= 2 * S - 7 * MS; /* back to the moment the last PONG arrived */
	probe_figures(&m.p, m.t, &f);
	CHECK_EQ_U(f.rtt_samples, 5);
	CHECK_NEAR(f.rtt_ms, 5.0, 1e-9);     /* of 1 3 5 7 9 */
	CHECK_NEAR(f.min_rtt_ms, 1.0, 1e-9);
	CHECK_NEAR(f.age_s, 0.0, 1e-9);
	m.t += 2 * S - 7 * MS;
	CHECK(probe_once(&m, 100 * MS));     /* 1 9 3 7 100: the 5, 10.1 s before, is out */
	probe_figures(&m.p, m.t, &f);
	CHECK_NEAR(f.rtt_ms, 7.0, 1e-9);
	CHECK_NEAR(f.min_rtt_ms, 1.0, 1e-9);
	/* Twelve seconds later (nobody watched) one more: the others are
	 * older than the window, so it is the figure alone. */
	m.t += 12 * S;
	CHECK(probe_once(&m, 2 * MS));
	probe_figures(&m.p, m.t, &f);
	CHECK_EQ_U(f.rtt_samples, 1);
	CHECK_NEAR(f.rtt_ms, 2.0, 1e-9);
	CHECK_NEAR(f.min_rtt_ms, 1.0, 1e-9); /* within 60 s */
	/* Two samples: the mean of both. */
	m.t += 2 * S;
	CHECK(probe_once(&m, 4 * MS));
	probe_figures(&m.p, m.t, &f);
	CHECK_EQ_U(f.rtt_samples, 2);
	CHECK_NEAR(f.rtt_ms, 3.0, 1e-9);
	/* A minute and a bucket on, the old lowest is forgotten. */
	m.t += 71 * S;
	CHECK(probe_once(&m, 8 * MS));
	probe_figures(&m.p, m.t + 5 * S, &f);
	CHECK_NEAR(f.min_rtt_ms, 8.0, 1e-9);
	CHECK_NEAR(f.age_s, 5.0, 1e-9);
}

/* Loss per direction, over the samples 10 s apart (or the oldest held). */
static void test_loss(void)
{
	struct sim m;
	struct probe_figures f;

	sim_init(&m);
	traffic(&m, S, 500, 0, 30, 0);
	CHECK(probe_once(&m, 50 * MS));
	/* 2 s per probe: 1000 datagrams out of which 50 are lost, 400 in of
	 * which 8 are lost. */
	for (int i = 1; i <= 3; i++) {
		traffic(&m, 2 * S - 50 * MS, 1000, 50, 400, 8);
		CHECK(probe_once(&m, 50 * MS));
		probe_figures(&m.p, m.t, &f);
		CHECK(f.loss_known && f.loss_in_known);
		/* the probes' own datagrams arrive: a little under 5 % and 2 % */
		CHECK_NEAR(f.loss_window_s, 2.0 * i, 1e-9);
		CHECK_NEAR(f.loss, 50.0 * i / (1001.0 * i), 1e-9);
		CHECK_NEAR(f.loss_in, 8.0 * i / (401.0 * i), 1e-9);
	}
	for (int i = 4; i <= 12; i++) {
		traffic(&m, 2 * S - 50 * MS, 1000, 50, 400, 8);
		CHECK(probe_once(&m, 50 * MS));
	}
	probe_figures(&m.p, m.t, &f);
	CHECK_NEAR(f.loss_window_s, 10.0, 1e-9); /* five probes back */
	CHECK_NEAR(f.loss, 250.0 / 5005, 1e-9);
	CHECK_NEAR(f.loss_in, 40.0 / 2005, 1e-9);
	/* Clean from now on: after a window the loss is 0. */
	for (int i = 0; i < 5; i++) {
		traffic(&m, 2 * S - 50 * MS, 1000, 0, 400, 0);
		CHECK(probe_once(&m, 50 * MS));
	}
	probe_figures(&m.p, m.t, &f);
	CHECK_NEAR(f.loss, 0, 1e-12);
	CHECK_NEAR(f.loss_in, 0, 1e-12);
	/* Everything lost one way: 1 but for the probes. */
	for (int i = 0; i < 5; i++) {
		traffic(&m, 2 * S - 50 * MS, 1000, 1000, 400, 0);
		CHECK(probe_once(&m, 50 * MS));
	}
	probe_figures(&m.p, m.t, &f);
	CHECK_NEAR(f.loss, 5000.0 / 5005, 1e-9);
}

/* Over a window in which the peer sent nothing, its share is unknown; more
 * received than the window counts as sent (datagrams in flight at the
 * first probe) reads 0. */
static void test_loss_edges(void)
{
	struct probe p;
	struct probe_figures f;
	struct tt_pong pong;

	probe_init(&p);
	probe_sent(&p, 10 * S, 10000);
	pong = (struct tt_pong){ .stamp = 10 * S, .tx = 5000, .rx = 9000 };
	CHECK(probe_answered(&p, 10 * S + MS, &pong, 4000));
	probe_sent(&p, 12 * S, 10000); /* we sent nothing since */
	pong = (struct tt_pong){ .stamp = 12 * S, .tx = 5000, .rx = 9500 };
	CHECK(probe_answered(&p, 12 * S + MS, &pong, 4000));
	probe_figures(&p, 12 * S + MS, &f);
	CHECK(!f.loss_known);
	CHECK(!f.loss_in_known);
	CHECK(f.rtt_known);
	probe_sent(&p, 14 * S, 11000);
	pong = (struct tt_pong){ .stamp = 14 * S, .tx = 6000, .rx = 10500 };
	CHECK(probe_answered(&p, 14 * S + MS, &pong, 4500));
	probe_figures(&p, 14 * S + MS, &f);
	CHECK(f.loss_known && f.loss_in_known);
	CHECK_NEAR(f.loss, 0, 1e-12);        /* 1500 received of 1000 sent */
	CHECK_NEAR(f.loss_in, 0.5, 1e-12);   /* 500 of 1000 */
	CHECK_NEAR(f.loss_window_s, 4.0, 1e-9);
}

/* An idle tunnel sends a few datagrams every 2 s, the probes' among them,
 * and one copy more or less at either end of a window is a third of it: no
 * share until PROBE_LOSS_DATAGRAMS went each way, over as long a window as
 * that takes. */
static void test_loss_needs_datagrams(void)
{
	struct sim m;
	struct probe_figures f;
	int i;

	sim_init(&m);
	for (i = 0; i < 20; i++) {
		traffic(&m, 2 * S - MS, 2, 0, 2, i == 10); /* 3 each way with the probe's */
		CHECK(probe_once(&m, MS));
	}
	probe_figures(&m.p, m.t, &f);
	CHECK(f.rtt_known);
	CHECK(!f.loss_known);
	CHECK(!f.loss_in_known);
	for (; i < 40; i++) {
		traffic(&m, 2 * S - MS, 2, 0, 2, i == 10);
		CHECK(probe_once(&m, MS));
	}
	probe_figures(&m.p, m.t, &f);
	CHECK(f.loss_known && f.loss_in_known);
	CHECK(f.loss_window_s >= 66 && f.loss_window_s <= 70); /* 34 probes of 3 */
	CHECK_NEAR(f.loss, 0, 1e-12);
	CHECK(f.loss_in > 0.009 && f.loss_in < 0.011);        /* 1 of about 100 */
	/* A transfer: 10 s are enough again. */
	for (i = 0; i < 6; i++) {
		traffic(&m, 2 * S - MS, 1000, 0, 500, 0);
		CHECK(probe_once(&m, MS));
	}
	probe_figures(&m.p, m.t, &f);
	CHECK_NEAR(f.loss_window_s, 10.0, 1e-9);
	CHECK_NEAR(f.loss_in, 0, 1e-12);
}

/* A count that goes back (the peer restarted) starts afresh: no window
 * across it, and no huge figure from an unsigned difference. */
static void test_counts_restart(void)
{
	struct sim m;
	struct probe_figures f;

	sim_init(&m);
	for (int i = 0; i < 6; i++) {
		traffic(&m, 2 * S, 1000, 10, 1000, 10);
		CHECK(probe_once(&m, MS));
	}
	m.peer_tx = m.peer_rx = 0;
	traffic(&m, 2 * S, 100, 0, 100, 0);
	CHECK(probe_once(&m, 3 * MS));
	probe_figures(&m.p, m.t, &f);
	CHECK(f.rtt_known);
	CHECK_EQ_U(f.rtt_samples, 1);
	CHECK_NEAR(f.rtt_ms, 3.0, 1e-9);
	CHECK(!f.loss_known);
	traffic(&m, 2 * S, 100, 0, 100, 0);
	CHECK(probe_once(&m, 3 * MS));
	probe_figures(&m.p, m.t, &f);
	CHECK(f.loss_known && f.loss < 0.01);
}

/* More samples than the history holds: the ring keeps the newest. */
static void test_history_wraps(void)
{
	struct sim m;
	struct probe_figures f;

	sim_init(&m);
	for (unsigned i = 0; i < 3 * PROBE_HISTORY + 1; i++) {
		traffic(&m, 2 * S, 100, i % 2, 100, 0);
		CHECK(probe_once(&m, (1 + i % 7) * MS));
	}
	CHECK_EQ_U(m.p.n, PROBE_HISTORY);
	probe_figures(&m.p, m.t, &f);
	CHECK_EQ_U(f.rtt_samples, 5); /* 2 s and a few ms apart: 5 within 10 s */
	CHECK_NEAR(f.min_rtt_ms, 1.0, 1e-9);
	CHECK(f.loss_known && f.loss > 0.003 && f.loss < 0.006);
}

/* While data flows the probes may come every 250 ms: the median is of all
 * the samples of 10 s, 41 of them, and the lowest of a minute is kept
 * although the history holds 16 s. */
static void test_busy(void)
{
	struct sim m;
	struct probe_figures f;
	unsigned sent = 0;

	sim_init(&m);
	CHECK(probe_once(&m, 200)); /* 0.2 ms, idle */
	m.t += 10 * S;
	CHECK(!probe_due(&m.p, m.t - 9 * S, 0));
	/* 50 s of samples every 250 ms: 1..40 ms in turn, and never below 1 */
	m.moved = PROBE_BUSY_BYTES;
	for (unsigned i = 0; i < 200; i++) {
		uint64_t due = m.p.stamp + PROBE_BUSY_INTERVAL_US;

		traffic(&m, due > m.t ? due - m.t : 0, 2000, 0, 100, 0);
		if (probe_once(&m, (1 + i % 40) * MS))
			sent++;
	}
	CHECK_EQ_U(sent, 200);
	probe_figures(&m.p, m.t, &f);
	CHECK_EQ_U(f.rtt_samples, 41);           /* 10 s at 4 a second, both ends */
	CHECK(f.rtt_ms >= 19 && f.rtt_ms <= 22); /* of 1..40 */
	CHECK_NEAR(f.min_rtt_ms, 0.2, 1e-9);     /* 60 s ago, 16 s beyond the history */
	m.t += 20 * S;
	CHECK(probe_once(&m, 30 * MS));
	probe_figures(&m.p, m.t, &f);
	CHECK_NEAR(f.min_rtt_ms, 1.0, 1e-9);
}

int main(void)
{
	RUN(test_nothing_yet);
	RUN(test_one_probe);
	RUN(test_expiry);
	RUN(test_median_and_min);
	RUN(test_loss);
	RUN(test_loss_edges);
	RUN(test_loss_needs_datagrams);
	RUN(test_counts_restart);
	RUN(test_history_wraps);
	RUN(test_busy);
	return check_report();
}
