/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Probes of round trip and loss: see probe.h. */
#include <string.h>

#include "mux/probe.h"

void probe_init(struct probe *p) { memset(p, 0, sizeof(*p)); }

static bool expired(const struct probe *p, uint64_t now)
{
	return now - p->stamp >= PROBE_EXPIRE_US;
}

bool probe_due(const struct probe *p, uint64_t now, uint64_t moved)
{
	if (!p->stamp)
		return true; /* never sent (the clock is never 0) */
	if (now < p->stamp)
		return false;
	if (p->outstanding)
		return expired(p, now);
	return now - p->stamp >= (moved >= PROBE_BUSY_BYTES ? PROBE_BUSY_INTERVAL_US : PROBE_INTERVAL_US);
}

void probe_sent(struct probe *p, uint64_t now, uint64_t tx)
{
	p->outstanding = true;
	p->stamp = now;
	p->tx_at_ping = tx;
}

/* The i-th newest sample (0: the newest); i < p->n. */
static const struct probe_sample *newest(const struct probe *p, unsigned i)
{
	return &p->hist[(p->next + PROBE_HISTORY - 1 - i) % PROBE_HISTORY];
}

/* The lowest round trip per PROBE_MIN_BUCKET_US: a minute of samples
 * every 300 ms would take 200 of them. */
static void add_low(struct probe *p, uint64_t t, uint64_t rtt)
{
	struct probe_bucket *b = &p->mins[(p->next_min + PROBE_MIN_BUCKETS - 1) % PROBE_MIN_BUCKETS];

	if (p->n_mins && t - b->start < PROBE_MIN_BUCKET_US) {
		if (rtt < b->low)
			b->low = rtt;
		return;
	}
	p->mins[p->next_min] = (struct probe_bucket){ .start = t, .low = rtt };
	p->next_min = (p->next_min + 1) % PROBE_MIN_BUCKETS;
	if (p->n_mins < PROBE_MIN_BUCKETS)
		p->n_mins++;
}

bool probe_answered(struct probe *p, uint64_t now, const struct tt_pong *pong, uint64_t rx)
{
	struct probe_sample s;

	if (!p->outstanding || pong->stamp != p->stamp || now < p->stamp || expired(p, now)) {
		p->ignored++;
		return false;
	}
	p->outstanding = false;
	s = (struct probe_sample){ .t = now, .rtt = now - p->stamp, .tx = p->tx_at_ping,
	                           .peer_rx = pong->rx, .peer_tx = pong->tx, .rx = rx };
	if (p->n) {
		const struct probe_sample *last = newest(p, 0);

		/* A count that went back (the peer is a new process, or our
		 * link forgot the friend) starts the counting afresh. */
		if (s.tx < last->tx || s.peer_rx < last->peer_rx || s.peer_tx < last->peer_tx ||
		    s.rx < last->rx)
			p->n = 0;
	}
	p->hist[p->next] = s;
	p->next = (p->next + 1) % PROBE_HISTORY;
	if (p->n < PROBE_HISTORY)
		p->n++;
	add_low(p, now, s.rtt);
	return true;
}

/* 1 - got / sent, within 0..1; false when too little was sent to tell. */
static bool share_lost(uint64_t sent, uint64_t got, double *out)
{
	if (sent < PROBE_LOSS_DATAGRAMS)
		return false;
	*out = got >= sent ? 0 : 1 - (double)got / (double)sent;
	return true;
}

void probe_figures(const struct probe *p, uint64_t now, struct probe_figures *out)
{
	const struct probe_sample *last, *from = NULL;
	uint64_t rtts[PROBE_HISTORY], low = UINT64_MAX;
	unsigned k = 0;

	memset(out, 0, sizeof(*out));
	if (!p->n)
		return;
	last = newest(p, 0);
	out->rtt_known = true;
	out->age_s = now > last->t ? (double)(now - last->t) / 1e6 : 0;
	/* rtt: the median of the samples of the window, insertion-sorted */
	for (unsigned i = 0; i < p->n; i++) {
		const struct probe_sample *s = newest(p, i);
		unsigned j;

		if (last->t - s->t > PROBE_RTT_WINDOW_US)
			break;
		for (j = k++; j > 0 && rtts[j - 1] > s->rtt; j--)
			rtts[j] = rtts[j - 1];
		rtts[j] = s->rtt;
	}
	out->rtt_samples = k;
	out->rtt_ms = (k % 2 ? (double)rtts[k / 2] : (rtts[k / 2 - 1] + rtts[k / 2]) / 2.0) / 1000;
	/* min_rtt: the buckets that reach into the window */
	for (unsigned i = 0; i < p->n_mins; i++) {
		const struct probe_bucket *b = &p->mins[i];

		if (b->start + PROBE_MIN_BUCKET_US + PROBE_MIN_WINDOW_US > last->t && b->low < low)
			low = b->low;
	}
	out->min_rtt_ms = (double)low / 1000;
	/* loss: from the newest sample at least the window before the last
	 * with enough datagrams each way since, else from the oldest held */
	for (unsigned i = 1; i < p->n; i++) {
		from = newest(p, i);
		if (last->t - from->t >= PROBE_LOSS_WINDOW_US && last->tx - from->tx >= PROBE_LOSS_DATAGRAMS &&
		    last->peer_tx - from->peer_tx >= PROBE_LOSS_DATAGRAMS)
			break;
	}
	if (!from)
		return;
	out->loss_window_s = (double)(last->t - from->t) / 1e6;
	out->loss_known = share_lost(last->tx - from->tx, last->peer_rx - from->peer_rx, &out->loss);
	out->loss_in_known = share_lost(last->peer_tx - from->peer_tx, last->rx - from->rx, &out->loss_in);
}
