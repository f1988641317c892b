/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the pacing bucket (daemon/mux/pace.c): a token bucket of
 * payload bytes that may go into bounded debt, pure (time and rate passed
 * in).
 *
 * Pacing decides when a session's bytes enter ENet and which streams may
 * read while the bucket is in debt: a wait too long stalls every stream of
 * the session, one too short or missing lets a burst queue up in ENet, and
 * a wrong read rule either locks out an interactive stream behind a bulk
 * one or lets a thousand streams dig a deep hole. The expectations come
 * from pace.h and the constants in pace.c, repeated here: the bucket holds
 * max(4 ms at the rate, 16 KiB); a debt is looked at again after
 * debt / rate, at most CC_TICK later; streams may take their one read per
 * refill while the debt is under max(50 ms at the rate, 256 KiB).
 *
 * Rates and times are powers of two where it matters, so that the
 * arithmetic is exact and the checks can be too. */
#include <limits.h>
#include <math.h>

#include "check.h"
#include "link/cc.h"
#include "mux/pace.h"

#define BURST 0.004
#define BURST_MIN (16 * 1024)
#define DEBT 0.05
#define DEBT_MIN (256 * 1024)

#define MIB (1024.0 * 1024.0)
#define GIB (1024.0 * MIB)

static double burst_cap(double rate) { return fmax(rate * BURST, BURST_MIN); }
static double debt_max(double rate) { return fmax(rate * DEBT, DEBT_MIN); }

#define CHECK_NEAR(a, b)                                                                          \
	__extension__({                                                                           \
		double check_a_ = (a), check_b_ = (b);                                            \
		check_result(fabs(check_a_ - check_b_) <= 1e-9 * fmax(1, fabs(check_b_)), __FILE__,   \
		             __LINE__, "%s == %s (%.12g vs %.12g)", #a, #b, check_a_, check_b_);  \
	})

/* A bucket filled to its cap at time t (it starts empty). */
static void full_at(struct pace *p, double t, double rate)
{
	pace_init(p, 0);
	pace_on_timer(p, t, rate); /* a refill; not in debt: no wait, no harm */
	p->epoch = 1;
}

static void test_init(void)
{
	struct pace p;

	pace_init(&p, 12.5);
	CHECK(!p.paced);
	CHECK_EQ_U(p.epoch, 1);
	CHECK(p.last == 12.5);
	CHECK(p.tokens == 0);
	CHECK(pace_may_read(&p, MIB, 0));
	CHECK(pace_may_read(&p, MIB, p.epoch));
	/* It starts empty: a first byte at once is a (tiny) debt. */
	CHECK_NEAR(pace_charge(&p, 12.5, MIB, 1), 1 / MIB);
	CHECK(p.paced);
}

/* Up to the cap of a full bucket, charges are free: no wait, not paced.
 * The cap is 16 KiB at low rates, 4 ms worth at high ones. */
static void test_burst(void)
{
	static const double rates[] = { 1000, MIB, 4 * MIB, 64 * MIB, GIB, 1e10 };

	for (size_t k = 0; k < sizeof(rates) / sizeof(*rates); k++) {
		double rate = rates[k], cap = floor(burst_cap(rate));
		struct pace p;
		size_t paid = 0;

		for (int round = 0; round < 20; round++) {
			double left = cap;

			full_at(&p, 1000, rate);
			/* Random pieces up to the cap, at the same instant. */
			while (left > 0) {
				size_t n = (size_t)fmin(left, (double)check_rand_range(1, 70000));

				paid += pace_charge(&p, 1000, rate, n) != 0 || p.paced;
				left -= (double)n;
			}
		}
		check_result(paid == 0, __FILE__, __LINE__, "rate %g: %zu charges paid under the cap", rate, paid);
		/* One byte more than the cap: a debt of (under) one byte. */
		full_at(&p, 1000, rate);
		CHECK_EQ_U(pace_charge(&p, 1000, rate, (size_t)cap), 0);
		CHECK_NEAR(pace_charge(&p, 1000, rate, 1), (1 - (burst_cap(rate) - cap)) / rate);
		CHECK(p.paced);
	}

	/* An idle bucket fills no further than its cap. */
	{
		struct pace p;

		pace_init(&p, 0);
		CHECK_EQ_U(pace_charge(&p, 3600, MIB, BURST_MIN), 0);
		CHECK(pace_charge(&p, 3600, MIB, 1) > 0);
	}

	/* Sending at the rate, after the bucket is full, never pays. */
	{
		struct pace p;
		double t = 10;
		size_t paid = 0;

		full_at(&p, t, MIB);
		for (int i = 0; i < 10000; i++) {
			size_t n = (size_t)check_rand_range(1, 1200);

			paid += pace_charge(&p, t, MIB, n) != 0;
			t += (double)n / MIB;
		}
		CHECK_EQ_U(paid, 0);
		CHECK(!p.paced);
	}
}

/* Going into debt: the wait is the debt at the rate, at most CC_TICK; the
 * bucket is paced; further charges deepen the debt without a new wait (the
 * caller's timer is already set). */
static void test_debt(void)
{
	struct pace p;

	full_at(&p, 1, MIB); /* 16384 tokens */
	CHECK_NEAR(pace_charge(&p, 1, MIB, BURST_MIN + 65536), 0.0625);
	CHECK(p.paced);
	CHECK_NEAR(p.tokens, -65536);
	CHECK(pace_charge(&p, 1, MIB, 1024) == 0);
	CHECK(pace_charge(&p, 1.01, MIB, 100000) == 0);
	CHECK(p.paced);

	/* A second of debt: looked at again after CC_TICK, not a second. */
	full_at(&p, 1, MIB);
	CHECK_NEAR(pace_charge(&p, 1, MIB, BURST_MIN + (size_t)MIB), CC_TICK);
	full_at(&p, 1, MIB);
	CHECK_NEAR(pace_charge(&p, 1, MIB, BURST_MIN + 1000 * (size_t)MIB), CC_TICK);
	/* Just under CC_TICK's worth: the debt itself. */
	full_at(&p, 1, MIB);
	CHECK_NEAR(pace_charge(&p, 1, MIB, BURST_MIN + (size_t)(CC_TICK * MIB)), floor(CC_TICK * MIB) / MIB);
	CHECK(p.tokens > -CC_TICK * MIB);

	/* Time passed before the charge refills first (8 KiB in 1/128 s). */
	full_at(&p, 1, MIB);
	CHECK_EQ_U(pace_charge(&p, 1, MIB, BURST_MIN), 0);
	CHECK_NEAR(pace_charge(&p, 1 + 1.0 / 128, MIB, 8192 + 32768), 0.03125);
}

/* The timer: a further wait while still in debt (the epoch stays), then 0
 * once refilled: paced cleared, epoch moved on. */
static void test_timer(void)
{
	struct pace p;
	double t, w;
	int calls = 0;

	full_at(&p, 1, MIB);
	pace_charge(&p, 1, MIB, BURST_MIN + 65536);
	CHECK_NEAR(pace_on_timer(&p, 1.03125, MIB), 0.03125);
	CHECK(p.paced);
	CHECK_EQ_U(p.epoch, 1);
	CHECK_NEAR(pace_on_timer(&p, 1.0625, MIB), 0);
	CHECK(!p.paced);
	CHECK_EQ_U(p.epoch, 2);
	/* Out of debt, the next charge pays again only past the (new) tokens. */
	CHECK(pace_charge(&p, 1.0625, MIB, 1) > 0);
	CHECK(p.paced);

	/* A second of debt: CC_TICK after CC_TICK, about a second in all. */
	full_at(&p, 1, MIB);
	t = 1 + pace_charge(&p, 1, MIB, BURST_MIN + (size_t)MIB);
	while ((w = pace_on_timer(&p, t, MIB)) > 0 && calls < 100) {
		calls++;
		CHECK(w <= CC_TICK);
		CHECK(p.paced);
		CHECK_EQ_U(p.epoch, 1);
		t += w;
	}
	CHECK(w == 0);
	CHECK(!p.paced);
	CHECK_EQ_U(p.epoch, 2);
	CHECK(t >= 2 - 1e-9 && t <= 2 + 1e-9);
	CHECK(calls >= 9 && calls <= 11);

	/* The timer uses the rate of the moment: at half the rate, half the
	 * refill, and the rest waits twice as long. */
	full_at(&p, 1, MIB);
	pace_charge(&p, 1, MIB, BURST_MIN + 65536);
	CHECK_NEAR(pace_on_timer(&p, 1.0625, MIB / 2), 0.0625);
	CHECK(p.paced);
	/* ... and at a higher one, less. */
	CHECK_NEAR(pace_on_timer(&p, 1.0625 + 1.0 / 64, 2 * MIB), 0);
	CHECK(!p.paced);

	/* A timer that fires early (or twice) while out of debt just clears. */
	full_at(&p, 1, MIB);
	p.paced = true;
	CHECK(pace_on_timer(&p, 1, MIB) == 0);
	CHECK(!p.paced);
	CHECK_EQ_U(p.epoch, 2);
}

/* A rate of 0 (congestion control knows none yet): nothing is paced. */
static void test_rate_zero(void)
{
	struct pace p;

	pace_init(&p, 0);
	for (int i = 0; i < 10; i++)
		CHECK(pace_charge(&p, 0, 0, 1000000000) == 0);
	CHECK(!p.paced);
	CHECK(pace_may_read(&p, 0, p.epoch));
	/* In debt when the rate drops to 0: the timer ends the debt. */
	full_at(&p, 1, MIB);
	pace_charge(&p, 1, MIB, BURST_MIN + 100000);
	CHECK(p.paced);
	CHECK(pace_on_timer(&p, 1, 0) == 0);
	CHECK(!p.paced);
	CHECK_EQ_U(p.epoch, 2);
	CHECK(pace_may_read(&p, 0, p.epoch));
}

/* Who may read: anyone when not paced; while paced, a reader whose last
 * read was in an earlier epoch, once, as long as the debt is shallower
 * than max(50 ms at the rate, 256 KiB). */
static void test_may_read(void)
{
	struct pace p;
	unsigned reader;

	full_at(&p, 1, MIB);
	CHECK(pace_may_read(&p, MIB, p.epoch));
	CHECK(pace_may_read(&p, MIB, p.epoch - 1));

	/* Shallow debt: one read per reader per epoch. */
	pace_charge(&p, 1, MIB, BURST_MIN + 65536);
	reader = p.epoch - 1;
	CHECK(pace_may_read(&p, MIB, reader));
	reader = p.epoch; /* it read (session_did_read) */
	CHECK(!pace_may_read(&p, MIB, reader));
	CHECK(pace_may_read(&p, MIB, 0)); /* one that never read */
	pace_on_timer(&p, 1.03125, MIB);   /* still in debt: same epoch */
	CHECK(!pace_may_read(&p, MIB, reader));
	pace_on_timer(&p, 1.0625, MIB);    /* refilled */
	CHECK(pace_may_read(&p, MIB, reader));
	pace_charge(&p, 1.0625, MIB, 1000); /* in debt again: a new epoch */
	CHECK(p.paced);
	CHECK(pace_may_read(&p, MIB, reader));
	reader = p.epoch;
	CHECK(!pace_may_read(&p, MIB, reader));

	/* The depth limit at a low rate: 256 KiB (50 ms is only 52 KB). */
	CHECK(debt_max(MIB) == DEBT_MIN);
	full_at(&p, 1, MIB);
	pace_charge(&p, 1, MIB, BURST_MIN + DEBT_MIN - 1);
	CHECK(pace_may_read(&p, MIB, 0));
	pace_charge(&p, 1, MIB, 1); /* exactly at the limit: no more */
	CHECK(!pace_may_read(&p, MIB, 0));
	pace_charge(&p, 1, MIB, 1);
	CHECK(!pace_may_read(&p, MIB, 0));
	CHECK(!pace_may_read(&p, MIB, p.epoch));

	/* At a high rate: 50 ms at the rate (about 53.7 MB at 1 GiB/s). */
	full_at(&p, 1, GIB);
	pace_charge(&p, 1, GIB, (size_t)burst_cap(GIB) + 50000000);
	CHECK(p.paced);
	CHECK(pace_may_read(&p, GIB, 0));
	CHECK(!pace_may_read(&p, MIB, 0)); /* the same debt is too deep at a low rate */
	pace_charge(&p, 1, GIB, 4000000);
	CHECK(!pace_may_read(&p, GIB, 0));

	/* Epochs compare for equality only: a wrapped counter still works. */
	full_at(&p, 1, MIB);
	p.epoch = UINT_MAX;
	pace_charge(&p, 1, MIB, BURST_MIN + 65536);
	reader = p.epoch;
	CHECK(!pace_may_read(&p, MIB, reader));
	pace_on_timer(&p, 2, MIB);
	CHECK_EQ_U(p.epoch, 0);
	pace_charge(&p, 2, MIB, BURST_MIN + 65536);
	CHECK(pace_may_read(&p, MIB, reader));
}

int main(void)
{
	check_seed(0x70616365);
	RUN(test_init);
	RUN(test_burst);
	RUN(test_debt);
	RUN(test_timer);
	RUN(test_rate_zero);
	RUN(test_may_read);
	return check_report();
}
