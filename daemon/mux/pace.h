/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pacing bucket of a session: what enters ENet does so no faster than
 * congestion control's pacing rate, so that ENet sends as soon as it gets
 * it and no queue of ours adds to the round trip it measures. A token
 * bucket of payload bytes that may go into bounded debt; pure (the caller
 * passes the time and the rate, and owns the timer), unit-tested in
 * tests/unit/test_pace.c. */
#ifndef TOXTUN_PACE_H
#define TOXTUN_PACE_H

#include <stdbool.h>
#include <stddef.h>

struct pace {
	double tokens, last;
	bool paced;       /* in debt: out of tokens until the timer */
	unsigned epoch;   /* one more each time the bucket is refilled */
};

void pace_init(struct pace *p, double now);
/* Charge len bytes sent at now. Returns the seconds after which to look at
 * the bucket again (pace_on_timer) when this put it into debt, else 0. */
double pace_charge(struct pace *p, double now, double rate, size_t len);
/* The timer fired: the seconds to wait again while still in debt, or 0 when
 * the bucket is out of debt (the epoch then moves on). */
double pace_on_timer(struct pace *p, double now, double rate);
/* May a reader whose last read was in epoch read now? While in debt each
 * reader gets one read per refill, as long as the debt stays shallow. */
bool pace_may_read(const struct pace *p, double rate, unsigned epoch);

#endif
