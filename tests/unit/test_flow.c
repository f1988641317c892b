/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the per-stream rules (daemon/mux/flow.c): credit flow
 * control and half-close, first case by case, then as two flows talking to
 * each other through a simulated in-order channel. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mux/flow.h"

/* ---- credit, sending side ---- */

static void test_initial(void)
{
	struct flow f;

	memset(&f, 0xa5, sizeof(f)); /* flow_init must not depend on prior contents */
	flow_init(&f, 1000, 5000);
	CHECK_EQ_U(flow_tx_credit(&f), 5000);
	CHECK_EQ_U(f.rx_window, 1000);
	CHECK_EQ_U(f.rx_allowed, 1000);
	CHECK_EQ_U(f.rx_received, 0);
	CHECK_EQ_U(f.rx_buffered, 0);
	CHECK_EQ_U(f.rx_ungranted, 0);
	CHECK(!f.local_eof && !f.remote_fin && !f.shut_wr);
	CHECK(!flow_finished(&f));
	CHECK(!flow_take_shutdown(&f));

	/* A peer that advertised no window: nothing may be sent yet. */
	flow_init(&f, 1000, 0);
	CHECK_EQ_U(flow_tx_credit(&f), 0);

	/* Peer windows above 4 GiB are representable. */
	flow_init(&f, 1, (uint64_t)1 << 40);
	CHECK_EQ_U(flow_tx_credit(&f), (uint64_t)1 << 40);
}

static void test_send(void)
{
	struct flow f;

	flow_init(&f, 1000, 5000);
	flow_on_sent(&f, 1);
	CHECK_EQ_U(flow_tx_credit(&f), 4999);
	flow_on_sent(&f, 2999);
	CHECK_EQ_U(flow_tx_credit(&f), 2000);
	flow_on_sent(&f, 2000);
	CHECK_EQ_U(flow_tx_credit(&f), 0);
	/* Sending without credit is a caller bug, but the credit must not
	 * wrap around to a huge value because of it. */
	flow_on_sent(&f, 10);
	CHECK_EQ_U(flow_tx_credit(&f), 0);
	/* ...and a WINDOW first pays back the overdraft. */
	CHECK(flow_on_window(&f, 15));
	CHECK_EQ_U(flow_tx_credit(&f), 5);
}

static void test_window(void)
{
	struct flow f;

	flow_init(&f, 1000, 100);
	flow_on_sent(&f, 100);
	CHECK_EQ_U(flow_tx_credit(&f), 0);
	CHECK(flow_on_window(&f, 40));
	CHECK_EQ_U(flow_tx_credit(&f), 40);
	CHECK(flow_on_window(&f, 1));
	CHECK_EQ_U(flow_tx_credit(&f), 41);

	/* A zero increment makes no sense: a protocol error, nothing changes. */
	CHECK(!flow_on_window(&f, 0));
	CHECK_EQ_U(flow_tx_credit(&f), 41);

	/* The largest increment is fine, more than once (64-bit counters). */
	CHECK(flow_on_window(&f, UINT32_MAX));
	CHECK(flow_on_window(&f, UINT32_MAX));
	CHECK_EQ_U(flow_tx_credit(&f), 41 + 2ull * UINT32_MAX);

	/* Credit that would overflow is rejected and leaves the credit alone. */
	flow_init(&f, 1000, UINT64_MAX - 10);
	CHECK(!flow_on_window(&f, 11));
	CHECK(!flow_on_window(&f, UINT32_MAX));
	CHECK_EQ_U(flow_tx_credit(&f), UINT64_MAX - 10);
	CHECK(flow_on_window(&f, 10)); /* exactly to the top is still representable */
	CHECK_EQ_U(flow_tx_credit(&f), UINT64_MAX);
	CHECK(!flow_on_window(&f, 1));
	CHECK_EQ_U(flow_tx_credit(&f), UINT64_MAX);
}

/* ---- credit, receiving side ---- */

static void test_receive(void)
{
	struct flow f;

	/* Up to the window, exactly. */
	flow_init(&f, 1000, 0);
	CHECK(flow_on_received(&f, 999));
	CHECK(flow_on_received(&f, 1));
	CHECK_EQ_U(f.rx_buffered, 1000);
	CHECK(!flow_on_received(&f, 1));
	/* A rejected frame is not counted. */
	CHECK_EQ_U(f.rx_received, 1000);
	CHECK_EQ_U(f.rx_buffered, 1000);

	/* One frame over the window is rejected whole; the window itself fits. */
	flow_init(&f, 1000, 0);
	CHECK(!flow_on_received(&f, 1001));
	CHECK_EQ_U(f.rx_received, 0);
	CHECK_EQ_U(f.rx_buffered, 0);
	CHECK(flow_on_received(&f, 1000));

	flow_init(&f, 1000, 0);
	CHECK(flow_on_received(&f, 600));
	CHECK(!flow_on_received(&f, 401));
	CHECK(flow_on_received(&f, 400));

	/* Writing locally alone does not open the window: only a grant does.
	 * (The peer knows only what it was granted.) */
	flow_init(&f, 1000, 0);
	CHECK(flow_on_received(&f, 1000));
	CHECK_EQ_U(flow_on_written(&f, 100), 0); /* < 1/4, buffer not empty */
	CHECK(!flow_on_received(&f, 1));
}

static void test_grant_batching(void)
{
	struct flow f;
	uint32_t g;

	/* Data remains buffered: nothing until a quarter window is written. */
	flow_init(&f, 1024, 0);
	CHECK(flow_on_received(&f, 1024));
	for (int i = 0; i < 255; i++) {
		g = flow_on_written(&f, 1);
		if (!CHECK_EQ_U(g, 0))
			break;
	}
	CHECK_EQ_U(flow_on_written(&f, 1), 256);
	CHECK_EQ_U(f.rx_ungranted, 0);
	CHECK_EQ_U(f.rx_allowed, 1024 + 256);
	/* Counting starts again after a grant. */
	CHECK_EQ_U(flow_on_written(&f, 255), 0);
	CHECK_EQ_U(flow_on_written(&f, 300), 555); /* one big write: everything ungranted */

	/* The buffer empties: a sixteenth is enough. */
	flow_init(&f, 1024, 0);
	CHECK(flow_on_received(&f, 64));
	CHECK_EQ_U(flow_on_written(&f, 63), 0); /* 1 byte still buffered */
	CHECK_EQ_U(flow_on_written(&f, 1), 64);
	CHECK_EQ_U(f.rx_buffered, 0);

	/* Empty, but less than a sixteenth: wait for more. */
	flow_init(&f, 1024, 0);
	CHECK(flow_on_received(&f, 63));
	CHECK_EQ_U(flow_on_written(&f, 63), 0);
	CHECK_EQ_U(f.rx_buffered, 0);
	CHECK(flow_on_received(&f, 1));
	CHECK_EQ_U(flow_on_written(&f, 1), 64);

	/* Empty buffer after a quarter: the quarter rule already applies. */
	flow_init(&f, 1024, 0);
	CHECK(flow_on_received(&f, 300));
	CHECK_EQ_U(flow_on_written(&f, 300), 300);

	/* A window that is not a multiple of 16 rounds the thresholds down. */
	flow_init(&f, 1000, 0); /* quarter 250, sixteenth 62 */
	CHECK(flow_on_received(&f, 1000));
	CHECK_EQ_U(flow_on_written(&f, 249), 0);
	CHECK_EQ_U(flow_on_written(&f, 1), 250);
	CHECK_EQ_U(flow_on_written(&f, 249), 0);
	CHECK_EQ_U(flow_on_written(&f, 440), 689); /* 61 left buffered */
	CHECK_EQ_U(flow_on_written(&f, 61), 0);    /* empty, but 61 < 62 */
	CHECK(flow_on_received(&f, 1));
	CHECK_EQ_U(flow_on_written(&f, 1), 62);
	flow_init(&f, 1000, 0);
	CHECK(flow_on_received(&f, 62));
	CHECK_EQ_U(flow_on_written(&f, 61), 0);
	CHECK_EQ_U(flow_on_written(&f, 1), 62);

	/* Tiny windows never stall: thresholds of 0 mean "grant at once". */
	flow_init(&f, 1, 0);
	CHECK(flow_on_received(&f, 1));
	CHECK(!flow_on_received(&f, 1));
	CHECK_EQ_U(flow_on_written(&f, 1), 1);
	CHECK(flow_on_received(&f, 1));
	flow_init(&f, 15, 0); /* quarter 3, sixteenth 0 */
	CHECK(flow_on_received(&f, 15));
	CHECK_EQ_U(flow_on_written(&f, 2), 0);
	CHECK_EQ_U(flow_on_written(&f, 1), 3);
	CHECK_EQ_U(flow_on_written(&f, 12), 12);
}

/* Granted credit lets the peer send more, and exactly that much more. */
static void test_grant_round_trip(void)
{
	struct flow a, b;
	uint32_t g;

	flow_init(&a, 4096, 1024); /* A may send 1024 to B */
	flow_init(&b, 1024, 4096);
	flow_on_sent(&a, 1024);
	CHECK_EQ_U(flow_tx_credit(&a), 0);
	CHECK(flow_on_received(&b, 1024));
	g = flow_on_written(&b, 256);
	CHECK_EQ_U(g, 256);
	CHECK(flow_on_window(&a, g));
	CHECK_EQ_U(flow_tx_credit(&a), 256);
	flow_on_sent(&a, 256);
	CHECK(flow_on_received(&b, 256));
	CHECK(!flow_on_received(&b, 1)); /* B's buffer is full again: 1024 */
	CHECK_EQ_U(b.rx_buffered, 1024);
}

/* ---- half-close ---- */

static void test_half_close(void)
{
	struct flow f;

	/* Local EOF: once. */
	flow_init(&f, 1000, 1000);
	CHECK(flow_on_local_eof(&f));
	CHECK(!flow_on_local_eof(&f));
	CHECK(f.local_eof);
	/* The other direction keeps working. */
	CHECK(flow_on_received(&f, 10));

	/* FIN: once; and no data after it, credit or not. */
	flow_init(&f, 1000, 1000);
	CHECK(flow_on_received(&f, 10));
	CHECK(flow_on_remote_fin(&f));
	CHECK(!flow_on_remote_fin(&f));
	CHECK(!flow_on_received(&f, 1));
	CHECK_EQ_U(f.rx_received, 10);
	CHECK_EQ_U(f.rx_buffered, 10);
	/* Our own direction still may send. */
	CHECK_EQ_U(flow_tx_credit(&f), 1000);
	CHECK(flow_on_window(&f, 5));
}

static void test_shutdown(void)
{
	struct flow f;

	/* Not before FIN. */
	flow_init(&f, 1000, 1000);
	CHECK(!flow_take_shutdown(&f));

	/* FIN with nothing buffered: at once, and once. */
	CHECK(flow_on_remote_fin(&f));
	CHECK(flow_take_shutdown(&f));
	CHECK(!flow_take_shutdown(&f));

	/* FIN behind buffered data: only once it is all written. */
	flow_init(&f, 1000, 1000);
	CHECK(flow_on_received(&f, 10));
	CHECK(flow_on_remote_fin(&f));
	CHECK(!flow_take_shutdown(&f));
	flow_on_written(&f, 4);
	CHECK(!flow_take_shutdown(&f));
	flow_on_written(&f, 6);
	CHECK(flow_take_shutdown(&f));
	CHECK(f.shut_wr);
	CHECK(!flow_take_shutdown(&f));

	/* Drained before the FIN arrives. */
	flow_init(&f, 1000, 1000);
	CHECK(flow_on_received(&f, 10));
	flow_on_written(&f, 10);
	CHECK(!flow_take_shutdown(&f));
	CHECK(flow_on_remote_fin(&f));
	CHECK(flow_take_shutdown(&f));
}

static void test_finished(void)
{
	struct flow f;

	/* Only local EOF. */
	flow_init(&f, 1000, 1000);
	CHECK(flow_on_local_eof(&f));
	CHECK(!flow_finished(&f));

	/* Only the remote side closed and shut. */
	flow_init(&f, 1000, 1000);
	CHECK(flow_on_remote_fin(&f));
	CHECK(!flow_finished(&f));
	CHECK(flow_take_shutdown(&f));
	CHECK(!flow_finished(&f));
	CHECK(flow_on_local_eof(&f));
	CHECK(flow_finished(&f));

	/* Both FINs, but bytes still to write: not yet, and not before the
	 * shutdown is taken either. */
	flow_init(&f, 1000, 1000);
	CHECK(flow_on_received(&f, 100));
	CHECK(flow_on_local_eof(&f));
	CHECK(flow_on_remote_fin(&f));
	CHECK(!flow_finished(&f));
	flow_on_written(&f, 99);
	CHECK(!flow_finished(&f));
	flow_on_written(&f, 1);
	CHECK(!flow_finished(&f)); /* drained, but the socket is not shut yet */
	CHECK(flow_take_shutdown(&f));
	CHECK(flow_finished(&f));

	/* Each condition on its own is necessary (set directly: the API cannot
	 * reach some of these states, flow_finished must not rely on that). */
	for (int mask = 0; mask < 16; mask++) {
		flow_init(&f, 1000, 1000);
		f.local_eof = mask & 1;
		f.remote_fin = mask & 2;
		f.shut_wr = mask & 4;
		f.rx_buffered = mask & 8 ? 0 : 1;
		CHECK(flow_finished(&f) == (mask == 15));
	}
}

static void test_no_grant_after_fin(void)
{
	struct flow f;

	/* The peer closed its direction: credit for it is pointless. */
	flow_init(&f, 1024, 0);
	CHECK(flow_on_received(&f, 1024));
	CHECK(flow_on_remote_fin(&f));
	CHECK_EQ_U(flow_on_written(&f, 512), 0);
	CHECK_EQ_U(flow_on_written(&f, 512), 0);
	CHECK_EQ_U(f.rx_allowed, 1024);
	CHECK_EQ_U(f.rx_buffered, 0);
	CHECK(flow_take_shutdown(&f));

	/* Ungranted bytes from before the FIN are not granted after it. */
	flow_init(&f, 1024, 0);
	CHECK(flow_on_received(&f, 1024));
	CHECK_EQ_U(flow_on_written(&f, 200), 0);
	CHECK(flow_on_remote_fin(&f));
	CHECK_EQ_U(flow_on_written(&f, 100), 0);
	CHECK_EQ_U(flow_on_written(&f, 724), 0);
	CHECK_EQ_U(f.rx_allowed, 1024);
}

/* ---- two flows talking ---- */

enum msg_type { MSG_DATA, MSG_WINDOW, MSG_FIN };

struct msg {
	enum msg_type type;
	uint64_t seq; /* DATA: stream offset of its first byte */
	uint32_t n;   /* DATA: length; WINDOW: increment */
};

/* One direction of the channel: in order, like an ENet channel. */
struct pipe {
	struct msg *m;
	size_t head, tail, cap;
};

static void pipe_push(struct pipe *p, struct msg m)
{
	if (p->tail == p->cap) {
		if (p->head > 0) {
			memmove(p->m, p->m + p->head, (p->tail - p->head) * sizeof(*p->m));
			p->tail -= p->head;
			p->head = 0;
		}
		if (p->tail == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 64;
			p->m = realloc(p->m, p->cap * sizeof(*p->m));
			if (!p->m) {
				perror("realloc");
				exit(2);
			}
		}
	}
	p->m[p->tail++] = m;
}

static bool pipe_empty(const struct pipe *p) { return p->head == p->tail; }

struct side {
	struct flow fl;
	uint32_t window;      /* our receive window */
	uint64_t total;       /* bytes this side will send */
	uint64_t sent;        /* sent so far (offset of the next byte) */
	uint64_t written;     /* received bytes written locally */
	uint64_t buffered;    /* received, not written: our own count */
	uint64_t max_buffered;
	bool fin_sent, fin_received, shut;
	bool stalled;         /* a slow local reader: writes nothing for a while */
	unsigned max_chunk;
	struct pipe out;      /* to the other side */
	uint64_t granting;    /* sum of the WINDOW increments in out */
};

static int sim_errors;
static unsigned long long sim_checks, sim_steps, sim_full;

/* Invariants checked at every simulation step: only failures are counted
 * (as failed checks), or the pass count would be meaningless millions. One
 * failure is enough to stop a run. */
#define SIM_CHECK(cond)                                                        \
	do {                                                                   \
		sim_checks++;                                                  \
		if (!(cond)) {                                                 \
			check_result(false, __FILE__, __LINE__, "%s", #cond);  \
			sim_errors++;                                          \
			return;                                                \
		}                                                              \
	} while (0)

static void sim_send(struct side *s)
{
	uint64_t credit = flow_tx_credit(&s->fl), n;

	if (s->sent == s->total) {
		if (!s->fin_sent) {
			/* The FIN goes after the last byte; the channel keeps order. */
			SIM_CHECK(flow_on_local_eof(&s->fl));
			s->fin_sent = true;
			pipe_push(&s->out, (struct msg){.type = MSG_FIN});
		}
		return;
	}
	if (credit == 0)
		return;
	n = check_rand_range(1, s->max_chunk);
	if (n > credit)
		n = credit;
	if (n > s->total - s->sent)
		n = s->total - s->sent;
	flow_on_sent(&s->fl, (size_t)n);
	pipe_push(&s->out, (struct msg){.type = MSG_DATA, .seq = s->sent, .n = (uint32_t)n});
	s->sent += n;
}

/* Shut the local socket for writing when flow says so (as after_drain). */
static void sim_after_drain(struct side *s)
{
	if (flow_take_shutdown(&s->fl)) {
		SIM_CHECK(s->fin_received && s->buffered == 0 && !s->shut);
		s->shut = true;
	}
}

static void sim_deliver(struct side *from, struct side *to)
{
	struct msg m;

	if (pipe_empty(&from->out))
		return;
	m = from->out.m[from->out.head++];
	switch (m.type) {
	case MSG_DATA:
		/* Everything sent within credit must be accepted, in order. */
		SIM_CHECK(flow_on_received(&to->fl, m.n));
		SIM_CHECK(m.seq == to->written + to->buffered);
		to->buffered += m.n;
		if (to->buffered > to->max_buffered)
			to->max_buffered = to->buffered;
		/* The point of flow control: memory bounded by the window. */
		SIM_CHECK(to->buffered <= to->window);
		SIM_CHECK(to->fl.rx_buffered == to->buffered);
		break;
	case MSG_WINDOW:
		SIM_CHECK(flow_on_window(&to->fl, m.n));
		from->granting -= m.n;
		break;
	case MSG_FIN:
		SIM_CHECK(to->written + to->buffered == from->total);
		SIM_CHECK(flow_on_remote_fin(&to->fl));
		to->fin_received = true;
		if (to->buffered == 0)
			sim_after_drain(to);
		break;
	}
}

static void sim_write(struct side *s)
{
	uint64_t n;
	uint32_t g;

	if (s->buffered == 0 || s->stalled)
		return;
	/* A partial write of random size, sometimes all of it. */
	n = check_rand() % 4 == 0 ? s->buffered : check_rand_range(1, s->buffered);
	g = flow_on_written(&s->fl, (size_t)n);
	s->buffered -= n;
	s->written += n;
	if (g) {
		/* Batched: never less than a sixteenth, and a quarter while
		 * data is still waiting. Never after the peer's FIN. */
		SIM_CHECK(!s->fin_received);
		SIM_CHECK(g >= s->window / 16);
		SIM_CHECK(s->buffered == 0 || g >= s->window / 4);
		pipe_push(&s->out, (struct msg){.type = MSG_WINDOW, .n = g});
		s->granting += g;
	}
	if (s->buffered == 0)
		sim_after_drain(s);
}

/* What the receiver allowed equals what the sender may send, plus grants
 * still in flight; and every byte of the window is accounted for. */
static void sim_invariants(const struct side *s, const struct side *peer)
{
	SIM_CHECK(peer->fl.rx_allowed == s->fl.tx_allowed + peer->granting);
	SIM_CHECK(s->fl.tx_sent == s->sent);
	SIM_CHECK(peer->fl.rx_allowed - peer->fl.rx_received + peer->fl.rx_buffered + peer->fl.rx_ungranted ==
	          peer->window);
}

static bool sim_done(const struct side *a, const struct side *b)
{
	return flow_finished(&a->fl) && flow_finished(&b->fl);
}

/* One run: A and B send to each other at once, with random chunk sizes,
 * random partial writes, stalling readers and random delivery timing. */
static void simulate(uint32_t wa, uint32_t wb, uint64_t ta, uint64_t tb, unsigned long max_steps)
{
	struct side a = {.window = wa, .total = ta}, b = {.window = wb, .total = tb};
	struct side *sides[2] = {&a, &b};
	unsigned long step;
	int errors = sim_errors;

	flow_init(&a.fl, wa, wb);
	flow_init(&b.fl, wb, wa);
	/* Chunks up to a bit more than the peer's window (then credit cuts
	 * them), but not so small that a run takes millions of sends. */
	a.max_chunk = (unsigned)check_rand_range(1 + ta / 5000, wb + wb / 2 + 1 + ta / 5000);
	b.max_chunk = (unsigned)check_rand_range(1 + tb / 5000, wa + wa / 2 + 1 + tb / 5000);
	for (step = 0; step < max_steps && !sim_done(&a, &b) && sim_errors == errors; step++, sim_steps++) {
		struct side *s = sides[check_rand() & 1], *peer = s == &a ? &b : &a;

		switch (check_rand() % 8) {
		case 0:
		case 1:
			sim_send(s);
			break;
		case 2:
		case 3:
		case 4: {
			/* A burst of deliveries: the channel may hold back a lot. */
			unsigned k = (unsigned)check_rand_range(1, 8);

			while (k-- && sim_errors == errors)
				sim_deliver(s, peer);
			break;
		}
		case 5:
		case 6:
			sim_write(s);
			break;
		case 7:
			/* Slow readers come and go; a stalled one fills its window. */
			s->stalled = check_rand() % 3 == 0;
			break;
		}
		if (sim_errors == errors) {
			sim_invariants(&a, &b);
			sim_invariants(&b, &a);
		}
	}
	check_result(sim_done(&a, &b), __FILE__, __LINE__,
	             "run (wa %u wb %u ta %llu tb %llu) finished in %lu steps: a wrote %llu/%llu b wrote %llu/%llu",
	             wa, wb, (unsigned long long)ta, (unsigned long long)tb, step,
	             (unsigned long long)a.written, (unsigned long long)tb, (unsigned long long)b.written,
	             (unsigned long long)ta);
	/* Every byte arrived, in order (checked per DATA), and was written. */
	CHECK_EQ_U(b.written, ta);
	CHECK_EQ_U(a.written, tb);
	CHECK(a.shut && b.shut);
	sim_full += (a.max_buffered == wa) + (b.max_buffered == wb);
	free(a.out.m);
	free(b.out.m);
}

static void test_simulation(void)
{
	/* Windows around the rounding edges of the 1/4 and 1/16 thresholds,
	 * and realistic ones. */
	static const uint32_t windows[] = {1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 65, 1000, 4096, 65536, 1u << 20};
	const size_t nw = sizeof(windows) / sizeof(windows[0]);
	int runs = 0;

	for (size_t i = 0; i < nw; i++) {
		for (int r = 0; r < 30 && sim_errors < 3; r++) {
			uint32_t wa = windows[i], wb = windows[check_rand() % nw];
			/* Enough bytes to cycle each window many times, but keep
			 * tiny windows (one byte per step) quick. */
			uint64_t ta = check_rand_range(0, (uint64_t)wb * 400 < 2000000 ? (uint64_t)wb * 400 : 2000000 + wb);
			uint64_t tb = check_rand_range(0, (uint64_t)wa * 400 < 2000000 ? (uint64_t)wa * 400 : 2000000 + wa);

			simulate(wa, wb, ta, tb, 5000000);
			runs++;
		}
	}
	/* Random windows too. */
	for (int r = 0; r < 100 && sim_errors < 3; r++) {
		uint32_t wa = (uint32_t)check_rand_range(1, 300000), wb = (uint32_t)check_rand_range(1, 300000);

		simulate(wa, wb, check_rand_range(0, (uint64_t)wb * 200 < 1000000 ? (uint64_t)wb * 200 : 1000000),
		         check_rand_range(0, (uint64_t)wa * 200 < 1000000 ? (uint64_t)wa * 200 : 1000000), 5000000);
		runs++;
	}
	printf("     %d simulated runs, %llu steps, %llu invariant checks, %llu full buffers\n", runs, sim_steps,
	       sim_checks, sim_full);
	/* Buffers did fill to the window: the bound held under pressure, not
	 * because the simulation never pushed hard. */
	CHECK(sim_full > 0);
}

/* A stalled reader fills its window exactly to the brim, never beyond,
 * and the sender stops there. */
static void test_stalled_reader(void)
{
	struct side a = {.window = 1000, .total = 100000}, b = {.window = 1000, .total = 0};

	flow_init(&a.fl, 1000, 1000);
	flow_init(&b.fl, 1000, 1000);
	a.max_chunk = 300;
	for (int i = 0; i < 1000; i++) {
		sim_send(&a);
		sim_deliver(&a, &b);
	}
	CHECK_EQ_U(b.buffered, 1000);
	CHECK_EQ_U(flow_tx_credit(&a.fl), 0);
	CHECK(pipe_empty(&a.out));
	/* One write of a quarter: exactly that much room again. */
	b.stalled = false;
	CHECK_EQ_U(flow_on_written(&b.fl, 250), 250);
	b.buffered -= 250;
	CHECK(flow_on_window(&a.fl, 250));
	CHECK_EQ_U(flow_tx_credit(&a.fl), 250);
	free(a.out.m);
	free(b.out.m);
}

int main(void)
{
	check_seed(0x666c6f77);
	RUN(test_initial);
	RUN(test_send);
	RUN(test_window);
	RUN(test_receive);
	RUN(test_grant_batching);
	RUN(test_grant_round_trip);
	RUN(test_half_close);
	RUN(test_shutdown);
	RUN(test_finished);
	RUN(test_no_grant_after_fin);
	RUN(test_stalled_reader);
	RUN(test_simulation);
	return check_report();
}
