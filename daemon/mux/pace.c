/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The pacing bucket (mux/pace.h). */
#include <math.h>

#include "link/cc.h"
#include "mux/pace.h"

/* The bucket holds at most this long's worth (seconds), or BURST_MIN
 * bytes: a stream reads up to 32 KiB at once. */
#define PACE_BURST 0.004
#define PACE_BURST_MIN (16 * 1024)
/* How deep in debt streams may still take their one read per refill: deep
 * enough that a bulk stream's 32 KiB reads never lock out a keystroke, not
 * so deep that a thousand streams' reads become a long burst (50 ms). */
#define PACE_DEBT 0.05
#define PACE_DEBT_MIN (256 * 1024)
/* A debt is looked at again at least this often (seconds), at the rate of
 * the moment: the rate that set the wait may have been stale. A session
 * whose last transfer went the other way knows only the rate of its
 * acknowledgements; the first reads of a new upload then owed minutes at
 * that rate, and the session waited them out long after delivering those
 * reads had taught congestion control the path's real rate (seen: an
 * 8-stream upload on the 200 ms path sent 450 KB, then nothing for 10
 * minutes at a measured 0.8 MB/s). */
#define PACE_WAIT_MAX CC_TICK

void pace_init(struct pace *p, double now)
{
	*p = (struct pace){ .last = now, .epoch = 1 };
}

static void refill(struct pace *p, double now, double rate)
{
	double cap = rate * PACE_BURST;

	if (cap < PACE_BURST_MIN)
		cap = PACE_BURST_MIN;
	p->tokens += (now - p->last) * rate;
	if (p->tokens > cap)
		p->tokens = cap;
	p->last = now;
}

double pace_charge(struct pace *p, double now, double rate, size_t len)
{
	if (rate <= 0)
		return 0;
	refill(p, now, rate);
	p->tokens -= (double)len;
	if (p->tokens < 0 && !p->paced) {
		p->paced = true;
		return fmin(-p->tokens / rate, PACE_WAIT_MAX);
	}
	return 0;
}

double pace_on_timer(struct pace *p, double now, double rate)
{
	if (rate > 0) {
		refill(p, now, rate);
		if (p->tokens < 0)
			return fmin(-p->tokens / rate, PACE_WAIT_MAX);
	}
	p->paced = false;
	p->epoch++;
	return 0;
}

bool pace_may_read(const struct pace *p, double rate, unsigned epoch)
{
	double debt_max = rate * PACE_DEBT;

	if (debt_max < PACE_DEBT_MIN)
		debt_max = PACE_DEBT_MIN;
	return !p->paced || (epoch != p->epoch && p->tokens > -debt_max);
}
