/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * netem: a user-space link emulator on TUN devices.
 *
 * The kernel on the benchmark machines has no sch_netem, so delay, jitter,
 * loss, reordering and a rate limit are applied here instead. The router
 * namespace sends every packet of one direction of the emulated link into a
 * TUN device (policy routing on the incoming interface); this program reads
 * it, holds it as long as the link would, and writes it back into the same
 * TUN device, from where the kernel forwards it on (its incoming interface is
 * then the TUN device, so the policy rule does not match again).
 *
 * One process serves any number of devices, each with its own settings, so
 * the two directions of a link are independent (asymmetric links, and tests
 * that check each direction on its own).
 *
 * Per packet, in this order, as a real path would treat it:
 *   1. random loss (Bernoulli, --loss percent);
 *   2. the bottleneck: a FIFO queue drained at --rate; a packet that would
 *      find more than --queue milliseconds worth of bytes ahead of it is
 *      dropped (drop-tail), like a router buffer;
 *   3. propagation: --delay, plus a uniform jitter in [-jitter, +jitter].
 *      Jitter alone does not reorder: a packet never leaves before the one
 *      admitted before it (a real path reorders rarely; --reorder does it on
 *      purpose);
 *   4. --reorder percent of packets are held back --reorder-gap ms more, so
 *      the packets behind them overtake them.
 *
 * Packets wait in a binary heap ordered by departure time, so the cost per
 * packet is O(log n) with n the packets in flight (a 50 Mbit/s, 100 ms link
 * holds ~500). One thread; ppoll with nanosecond timeouts and a timer slack of
 * 1 ns, so departures are late by the scheduler's latency only.
 *
 * Output on stdout: "netem ready" once every device is attached (the harness
 * waits for it), and one "stats" line per device on SIGUSR1 and at exit.
 * SIGTERM and SIGINT end it cleanly.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define MAX_DEVS 8
/* The largest packet a TUN device without GSO hands us is its MTU; reading
 * into a 64 KiB buffer also copes with a device whose MTU was raised. */
#define READ_BUF 65536
/* Bound on packets in flight per device, whatever the settings: memory stays
 * bounded (at ~1.5 KB per packet, ~100 MB) even with a huge delay. */
#define MAX_INFLIGHT 65536
/* Packets read per device per wake-up before serving departures again, so a
 * flood in one direction cannot delay the other direction's departures. */
#define READ_BATCH 64

struct pkt {
	uint64_t due;   /* departure time, CLOCK_MONOTONIC ns */
	uint64_t seq;   /* admission order: ties on `due` keep FIFO order */
	uint32_t len;
	unsigned char data[];
};

struct dev {
	char name[IFNAMSIZ];
	int fd;
	/* settings */
	double delay_ms, jitter_ms, loss_pct, reorder_pct, reorder_gap_ms;
	double rate_kbit; /* 0: unlimited */
	double queue_ms;  /* bottleneck buffer, in milliseconds at --rate */
	/* state */
	uint64_t link_free_at; /* when the bottleneck finishes the last admitted packet */
	uint64_t last_due;     /* departure of the last in-order packet */
	uint64_t next_seq;
	struct pkt **heap;
	size_t n, cap;
	/* counters */
	uint64_t in, in_bytes, lost, overflow, reordered, out, out_bytes, write_errors;
};

static struct dev devs[MAX_DEVS];
static int ndevs;
static volatile sig_atomic_t stop_requested, stats_requested;
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* splitmix64: fast, good enough for loss and jitter decisions, and
 * reproducible with --seed (the tests compare against statistical bounds, not
 * exact values, but a fixed seed makes a failure repeatable). */
static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_unit(void) { return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0); }

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool pkt_before(const struct pkt *a, const struct pkt *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static bool heap_push(struct dev *d, struct pkt *p)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 1024;
		struct pkt **h = realloc(d->heap, cap * sizeof(*h));
		if (!h)
			return false;
		d->heap = h;
		d->cap = cap;
	}
	size_t i = d->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!pkt_before(p, d->heap[parent]))
			break;
		d->heap[i] = d->heap[parent];
		i = parent;
	}
	d->heap[i] = p;
	return true;
}

static struct pkt *heap_pop(struct dev *d)
{
	struct pkt *top = d->heap[0], *last = d->heap[--d->n];
	size_t i = 0;
	for (;;) {
		size_t child = 2 * i + 1;
		if (child >= d->n)
			break;
		if (child + 1 < d->n && pkt_before(d->heap[child + 1], d->heap[child]))
			child++;
		if (!pkt_before(d->heap[child], last))
			break;
		d->heap[i] = d->heap[child];
		i = child;
	}
	if (d->n)
		d->heap[i] = last;
	return top;
}

static uint64_t ms_to_ns(double ms) { return ms <= 0 ? 0 : (uint64_t)(ms * 1e6 + 0.5); }

/* Decide a packet's fate and departure time; false when it is dropped. */
static bool admit(struct dev *d, uint64_t now, uint32_t len, uint64_t *due)
{
	d->in++;
	d->in_bytes += len;
	if (d->loss_pct > 0 && rng_unit() * 100.0 < d->loss_pct) {
		d->lost++;
		return false;
	}
	uint64_t sent = now;
	if (d->rate_kbit > 0) {
		/* Bytes still ahead of this packet in the bottleneck queue follow
		 * from when the link will be free again. */
		uint64_t start = d->link_free_at > now ? d->link_free_at : now;
		double backlog_bytes = (double)(start - now) * d->rate_kbit / 8e6;
		double limit_bytes = d->queue_ms * d->rate_kbit / 8.0;
		/* Always room for one packet, or a tiny queue would block forever. */
		if (backlog_bytes > 0 && backlog_bytes + len > limit_bytes) {
			d->overflow++;
			return false;
		}
		sent = start + (uint64_t)((double)len * 8e6 / d->rate_kbit + 0.5);
		d->link_free_at = sent;
	}
	int64_t jitter = 0;
	if (d->jitter_ms > 0)
		jitter = (int64_t)((rng_unit() * 2.0 - 1.0) * d->jitter_ms * 1e6);
	int64_t t = (int64_t)sent + (int64_t)ms_to_ns(d->delay_ms) + jitter;
	uint64_t when = t < (int64_t)sent ? sent : (uint64_t)t;
	if (d->reorder_pct > 0 && rng_unit() * 100.0 < d->reorder_pct) {
		/* Held back without moving last_due: the packets after it keep
		 * their schedule and overtake it. */
		d->reordered++;
		when = (when > d->last_due ? when : d->last_due) + ms_to_ns(d->reorder_gap_ms);
	} else {
		if (when < d->last_due)
			when = d->last_due;
		d->last_due = when;
	}
	*due = when;
	return true;
}

static void read_packets(struct dev *d, unsigned char *buf)
{
	for (int i = 0; i < READ_BATCH; i++) {
		ssize_t len = read(d->fd, buf, READ_BUF);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				fprintf(stderr, "netem: read %s: %s\n", d->name, strerror(errno));
				stop_requested = 1;
			}
			return;
		}
		if (len == 0)
			return;
		uint64_t now = now_ns(), due;
		if (!admit(d, now, (uint32_t)len, &due))
			continue;
		if (d->n >= MAX_INFLIGHT) {
			d->overflow++;
			continue;
		}
		struct pkt *p = malloc(sizeof(*p) + (size_t)len);
		if (!p) {
			d->overflow++;
			continue;
		}
		p->due = due;
		p->seq = d->next_seq++;
		p->len = (uint32_t)len;
		memcpy(p->data, buf, (size_t)len);
		if (!heap_push(d, p)) {
			free(p);
			d->overflow++;
		}
	}
}

/* Write every packet whose time has come; return the earliest pending
 * departure over all devices (UINT64_MAX: nothing pending). */
static uint64_t send_due(void)
{
	uint64_t next = UINT64_MAX, now = now_ns();
	for (int i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		while (d->n && d->heap[0]->due <= now) {
			struct pkt *p = heap_pop(d);
			/* A TUN write hands the packet to the stack at once; it fails only
			 * for a malformed packet or a device going away. Count and go on. */
			if (write(d->fd, p->data, p->len) == (ssize_t)p->len) {
				d->out++;
				d->out_bytes += p->len;
			} else {
				d->write_errors++;
			}
			free(p);
		}
		if (d->n && d->heap[0]->due < next)
			next = d->heap[0]->due;
	}
	return next;
}

static void print_stats(void)
{
	for (int i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		printf("stats dev=%s in=%" PRIu64 " in_bytes=%" PRIu64 " lost=%" PRIu64
		       " overflow=%" PRIu64 " reordered=%" PRIu64 " out=%" PRIu64
		       " out_bytes=%" PRIu64 " write_errors=%" PRIu64 " queued=%zu\n",
		       d->name, d->in, d->in_bytes, d->lost, d->overflow, d->reordered, d->out,
		       d->out_bytes, d->write_errors, d->n);
	}
	fflush(stdout);
}

static int attach(struct dev *d)
{
	/* Attach to a device the harness created and routed (ip tuntap add):
	 * creating one here would leave a device without routes, and traffic
	 * would silently bypass the emulator. */
	if (if_nametoindex(d->name) == 0) {
		fprintf(stderr, "netem: no device %s (create it first: ip tuntap add dev %s mode tun)\n",
		        d->name, d->name);
		return -1;
	}
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "netem: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, d->name, strlen(d->name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "netem: attach %s: %s\n", d->name, strerror(errno));
		close(fd);
		return -1;
	}
	d->fd = fd;
	return 0;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		stats_requested = 1;
	else
		stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: netem [--seed N] [--realtime] --dev TUN [LINK OPTIONS] [--dev TUN [LINK OPTIONS]]...\n"
	        "link options apply to the --dev before them:\n"
	        "  --delay MS         one-way delay (fractions allowed)\n"
	        "  --jitter MS        uniform jitter in [-MS, +MS]; does not reorder\n"
	        "  --loss PCT         random loss, percent\n"
	        "  --reorder PCT      percent of packets held back --reorder-gap ms longer\n"
	        "  --reorder-gap MS   default 5\n"
	        "  --rate KBIT        bottleneck rate in kbit/s (IP bytes); 0 = unlimited\n"
	        "  --queue MS         bottleneck buffer in ms at --rate (default 50)\n"
	        "--realtime asks for SCHED_FIFO so that busy processes on a small machine\n"
	        "do not delay departures (it sleeps in between; its CPU use follows the traffic).\n");
}

static bool parse_num(const char *s, double *out, const char *what)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || v < 0 || v != v) {
		fprintf(stderr, "netem: bad %s '%s'\n", what, s);
		return false;
	}
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	enum { O_DEV = 1, O_DELAY, O_JITTER, O_LOSS, O_REORDER, O_GAP, O_RATE, O_QUEUE, O_SEED, O_RT, O_HELP };
	static const struct option opts[] = {
		{ "dev", required_argument, NULL, O_DEV },
		{ "delay", required_argument, NULL, O_DELAY },
		{ "jitter", required_argument, NULL, O_JITTER },
		{ "loss", required_argument, NULL, O_LOSS },
		{ "reorder", required_argument, NULL, O_REORDER },
		{ "reorder-gap", required_argument, NULL, O_GAP },
		{ "rate", required_argument, NULL, O_RATE },
		{ "queue", required_argument, NULL, O_QUEUE },
		{ "seed", required_argument, NULL, O_SEED },
		{ "realtime", no_argument, NULL, O_RT },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	bool realtime = false;
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		struct dev *d = ndevs ? &devs[ndevs - 1] : NULL;
		double v;
		if (c == O_HELP) {
			usage(stdout);
			return 0;
		}
		if (c == '?') {
			usage(stderr);
			return 2;
		}
		if (c == O_SEED) {
			if (!parse_num(optarg, &v, "seed"))
				return 2;
			rng_state = (uint64_t)v;
			continue;
		}
		if (c == O_RT) {
			realtime = true;
			continue;
		}
		if (c == O_DEV) {
			if (ndevs == MAX_DEVS || strlen(optarg) >= IFNAMSIZ || !*optarg) {
				fprintf(stderr, "netem: too many devices or bad name '%s'\n", optarg);
				return 2;
			}
			d = &devs[ndevs++];
			memset(d, 0, sizeof(*d));
			strcpy(d->name, optarg);
			d->fd = -1;
			d->reorder_gap_ms = 5;
			d->queue_ms = 50;
			continue;
		}
		if (!d) {
			fprintf(stderr, "netem: %s before any --dev\n", argv[optind - 2]);
			return 2;
		}
		if (!parse_num(optarg, &v, argv[optind - 2]))
			return 2;
		switch (c) {
		case O_DELAY: d->delay_ms = v; break;
		case O_JITTER: d->jitter_ms = v; break;
		case O_LOSS: d->loss_pct = v; break;
		case O_REORDER: d->reorder_pct = v; break;
		case O_GAP: d->reorder_gap_ms = v; break;
		case O_RATE: d->rate_kbit = v; break;
		case O_QUEUE: d->queue_ms = v; break;
		}
		if ((c == O_LOSS || c == O_REORDER) && v > 100) {
			fprintf(stderr, "netem: percentage above 100: %s\n", optarg);
			return 2;
		}
	}
	if (optind != argc || ndevs == 0) {
		usage(stderr);
		return 2;
	}

	/* Departures are scheduled to the microsecond; the default 50 us timer
	 * slack would add that much to every sleep. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	if (realtime) {
		struct sched_param sp = { .sched_priority = 10 };
		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
			fprintf(stderr, "netem: SCHED_FIFO refused (%s); running at normal priority\n",
			        strerror(errno));
	}

	sigset_t block, orig;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	/* Signals are only delivered inside ppoll: no race between checking the
	 * flags and going to sleep. */
	sigprocmask(SIG_BLOCK, &block, &orig);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	struct pollfd pfd[MAX_DEVS];
	for (int i = 0; i < ndevs; i++) {
		if (attach(&devs[i]) < 0)
			return 1;
		pfd[i].fd = devs[i].fd;
		pfd[i].events = POLLIN;
	}
	for (int i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		printf("dev %s delay=%g jitter=%g loss=%g reorder=%g reorder_gap=%g rate_kbit=%g queue_ms=%g\n",
		       d->name, d->delay_ms, d->jitter_ms, d->loss_pct, d->reorder_pct, d->reorder_gap_ms,
		       d->rate_kbit, d->queue_ms);
	}
	printf("netem ready\n");
	fflush(stdout);

	unsigned char *buf = malloc(READ_BUF);
	if (!buf) {
		fprintf(stderr, "netem: out of memory\n");
		return 1;
	}
	while (!stop_requested) {
		uint64_t next = send_due();
		struct timespec ts, *timeout = NULL;
		if (next != UINT64_MAX) {
			uint64_t now = now_ns(), wait = next > now ? next - now : 0;
			ts.tv_sec = (time_t)(wait / 1000000000ull);
			ts.tv_nsec = (long)(wait % 1000000000ull);
			timeout = &ts;
		}
		int n = ppoll(pfd, (nfds_t)ndevs, timeout, &orig);
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "netem: ppoll: %s\n", strerror(errno));
			break;
		}
		if (stats_requested) {
			stats_requested = 0;
			print_stats();
		}
		if (n <= 0)
			continue;
		for (int i = 0; i < ndevs; i++) {
			if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) {
				fprintf(stderr, "netem: device %s failed\n", devs[i].name);
				stop_requested = 1;
			} else if (pfd[i].revents & POLLIN) {
				read_packets(&devs[i], buf);
			}
		}
	}
	print_stats();
	for (int i = 0; i < ndevs; i++) {
		struct dev *d = &devs[i];
		while (d->n)
			free(heap_pop(d));
		free(d->heap);
		close(d->fd);
	}
	free(buf);
	return 0;
}
