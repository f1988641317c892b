/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * blaster: the raw ceiling of Tox lossy packets between two nodes.
 *
 * toxtun carries everything in 1272-byte Tox lossy packets, and Tox's cost
 * is per packet (docs/design.md, "Per-packet cost"), so the most toxtun can ever move over a path is
 * what two bare Tox nodes move there in full-size lossy packets. This program
 * measures that, with libtoxcore and nothing else:
 *
 *   blaster recv [NODE OPTIONS]                 prints "id <TOX ID>", accepts the
 *                                               first friend request, counts
 *   blaster send --friend ID [NODE OPTIONS] [STEP OPTIONS]
 *
 * The sender befriends the receiver, waits for the friend connection (direct
 * UDP unless --no-udp), then sends paced packets in steps of increasing rate.
 * After each step it asks the receiver (lossless packet, so the answer is
 * reliable) how many packets of that step arrived and how much CPU the
 * receiver spent on them. A step is good when loss stays under --max-loss and
 * the sender kept up with the requested rate; the rate grows until a step
 * fails, then a geometric bisection narrows the gap. The result is the
 * delivered rate of the best good step, with the CPU seconds both processes
 * spent per GB delivered. The last line on stdout is "result {json}".
 *
 * Both processes iterate Tox the way the tunnel daemon does: every
 * millisecond while packets flow; when idle, the receiver sleeps until its
 * UDP socket is readable or Tox's own interval passes.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <tox/tox.h>

#include "tox/memlock.h"

#define DATA_ID 250          /* lossy: [250][u32 step][u32 seq][fill] */
#define REPORT_REQ_ID 170    /* lossless sender->receiver: [170][u32 step] */
#define REPORT_ID 171        /* lossless receiver->sender: [171][u32 step][6 x u64] */
#define DONE_ID 172          /* lossless sender->receiver: stop */
#define MAX_STEPS 64
#define MAX_NODES 8
#define HEADER_LEN 9

struct endpoint {
	char host[256];
	uint16_t port;
	uint8_t key[TOX_PUBLIC_KEY_SIZE];
};

struct step_stats {          /* receiver side, per step */
	uint64_t count, bytes;
	uint64_t cpu_first, cpu_last; /* process CPU ns around the step's packets */
	uint64_t t_first, t_last;     /* CLOCK_MONOTONIC ns */
};

struct report {              /* what the sender got back for one step */
	bool valid;
	uint32_t step;
	uint64_t count, bytes, cpu_first, cpu_last, t_first, t_last;
};

struct state {
	bool sender;
	uint32_t friend_num;
	bool have_friend;
	TOX_CONNECTION friend_conn;
	bool done;
	/* receiver */
	struct step_stats steps[MAX_STEPS + 1];
	int data_step;           /* step that got packets during the last iterate, or -1 */
	/* sender */
	struct report report;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull), .tv_nsec = (long)(t % 1000000000ull) };
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR && !stop_signal)
		;
}

static void put_u32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_u64(uint8_t *p, uint64_t v)
{
	put_u32(p, (uint32_t)(v >> 32));
	put_u32(p + 4, (uint32_t)v);
}

static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) << 32 | get_u32(p + 4); }

static bool parse_hex(const char *hex, uint8_t *out, size_t n)
{
	if (strlen(hex) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

/* HOST:PORT:KEY, split from the right so an IPv6 host may contain colons. */
static bool parse_endpoint(const char *s, struct endpoint *e)
{
	const char *k = strrchr(s, ':');
	if (!k || k == s)
		return false;
	const char *p = k - 1;
	while (p > s && *p != ':')
		p--;
	if (*p != ':' || p == s || (size_t)(p - s) >= sizeof(e->host))
		return false;
	memcpy(e->host, s, (size_t)(p - s));
	e->host[p - s] = 0;
	char *end;
	long port = strtol(p + 1, &end, 10);
	if (end != k || port <= 0 || port > 65535)
		return false;
	e->port = (uint16_t)port;
	return parse_hex(k + 1, e->key, TOX_PUBLIC_KEY_SIZE);
}

static const char *conn_str(TOX_CONNECTION c)
{
	return c == TOX_CONNECTION_UDP ? "udp" : c == TOX_CONNECTION_TCP ? "tcp" : "none";
}

/* ---- callbacks ---- */

static void on_friend_request(Tox *tox, const uint8_t *pk, const uint8_t *msg, size_t len, void *ud)
{
	struct state *st = ud;
	if (st->sender || st->have_friend)
		return;
	Tox_Err_Friend_Add err;
	uint32_t n = tox_friend_add_norequest(tox, pk, &err);
	if (n != UINT32_MAX) {
		st->friend_num = n;
		st->have_friend = true;
		printf("friend request accepted\n");
		fflush(stdout);
	}
}

static void on_friend_conn(Tox *tox, uint32_t fn, TOX_CONNECTION c, void *ud)
{
	struct state *st = ud;
	if (!st->have_friend || fn != st->friend_num)
		return;
	st->friend_conn = c;
	printf("friend %s\n", c == TOX_CONNECTION_NONE ? "offline" : conn_str(c));
	fflush(stdout);
}

static void on_lossy(Tox *tox, uint32_t fn, const uint8_t *data, size_t len, void *ud)
{
	struct state *st = ud;
	if (st->sender || len < HEADER_LEN || data[0] != DATA_ID)
		return;
	uint32_t step = get_u32(data + 1);
	if (step > MAX_STEPS)
		return;
	struct step_stats *s = &st->steps[step];
	if (s->count == 0) {
		s->cpu_first = cpu_ns();
		s->t_first = mono_ns();
	}
	s->count++;
	s->bytes += len;
	st->data_step = (int)step;
}

static void on_lossless(Tox *tox, uint32_t fn, const uint8_t *data, size_t len, void *ud)
{
	struct state *st = ud;
	if (len < 1)
		return;
	if (!st->sender && data[0] == REPORT_REQ_ID && len >= 5) {
		uint32_t step = get_u32(data + 1);
		if (step > MAX_STEPS)
			return;
		const struct step_stats *s = &st->steps[step];
		uint8_t out[5 + 6 * 8];
		out[0] = REPORT_ID;
		put_u32(out + 1, step);
		put_u64(out + 5, s->count);
		put_u64(out + 13, s->bytes);
		put_u64(out + 21, s->cpu_first);
		put_u64(out + 29, s->cpu_last);
		put_u64(out + 37, s->t_first);
		put_u64(out + 45, s->t_last);
		/* A failed send is fine: the sender asks again. */
		tox_friend_send_lossless_packet(tox, fn, out, sizeof(out), NULL);
	} else if (!st->sender && data[0] == DONE_ID) {
		st->done = true;
	} else if (st->sender && data[0] == REPORT_ID && len >= 5 + 6 * 8) {
		struct report *r = &st->report;
		r->step = get_u32(data + 1);
		r->count = get_u64(data + 5);
		r->bytes = get_u64(data + 13);
		r->cpu_first = get_u64(data + 21);
		r->cpu_last = get_u64(data + 29);
		r->t_first = get_u64(data + 37);
		r->t_last = get_u64(data + 45);
		r->valid = true;
	}
}

/* ---- setup ---- */

struct config {
	bool sender, udp;
	struct endpoint nodes[MAX_NODES], relays[MAX_NODES];
	int n_nodes, n_relays;
	uint8_t friend_addr[TOX_ADDRESS_SIZE];
	bool have_friend_addr;
	double start_rate, max_rate, step_seconds, max_loss, growth, settle_seconds, min_packets;
	double connect_timeout, lifetime;
	size_t size;
};

static Tox *make_tox(const struct config *cfg, struct state *st)
{
	struct Tox_Options *opt = tox_options_new(NULL);
	if (!opt)
		return NULL;
	tox_options_set_udp_enabled(opt, cfg->udp);
	/* The test networks are IPv4 only, and LAN discovery broadcasts where the
	 * benchmark has no business. */
	tox_options_set_ipv6_enabled(opt, false);
	tox_options_set_local_discovery_enabled(opt, false);
	Tox_Err_New err;
	Tox *tox = tox_new(opt, &err);
	tox_options_free(opt);
	if (!tox) {
		fprintf(stderr, "blaster: tox_new failed (error %d)\n", (int)err);
		return NULL;
	}
	tox_callback_friend_request(tox, on_friend_request);
	tox_callback_friend_connection_status(tox, on_friend_conn);
	tox_callback_friend_lossy_packet(tox, on_lossy);
	tox_callback_friend_lossless_packet(tox, on_lossless);
	for (int i = 0; i < cfg->n_nodes; i++) {
		const struct endpoint *e = &cfg->nodes[i];
		if (!tox_bootstrap(tox, e->host, e->port, e->key, NULL))
			fprintf(stderr, "blaster: bootstrap %s:%u refused\n", e->host, e->port);
	}
	for (int i = 0; i < cfg->n_relays; i++) {
		const struct endpoint *e = &cfg->relays[i];
		if (!tox_add_tcp_relay(tox, e->host, e->port, e->key, NULL))
			fprintf(stderr, "blaster: tcp relay %s:%u refused\n", e->host, e->port);
	}
	(void)st;
	return tox;
}

/* The UDP socket toxcore reads from, found by its port: polling it lets an
 * idle receiver sleep until a packet arrives instead of spinning. */
static int find_udp_fd(Tox *tox)
{
	Tox_Err_Get_Port err;
	uint16_t port = tox_self_get_udp_port(tox, &err);
	if (err != TOX_ERR_GET_PORT_OK)
		return -1;
	DIR *dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	int found = -1;
	struct dirent *de;
	while ((de = readdir(dir)) && found < 0) {
		int fd = atoi(de->d_name);
		struct stat sb;
		if (de->d_name[0] == '.' || fd == dirfd(dir) || fstat(fd, &sb) < 0 || !S_ISSOCK(sb.st_mode))
			continue;
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int type = 0;
		socklen_t tl = sizeof(type);
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_DGRAM)
			continue;
		uint16_t p = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
		           : ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port) : 0;
		if (p == port)
			found = fd;
	}
	closedir(dir);
	return found;
}

/* Iterate for `seconds`, every millisecond (answers, keepalives, relay
 * flushing), stopping early once `until` returns true. */
static bool iterate_for(Tox *tox, struct state *st, double seconds, bool (*until)(struct state *))
{
	uint64_t end = mono_ns() + (uint64_t)(seconds * 1e9);
	while (!stop_signal) {
		tox_iterate(tox, st);
		if (until && until(st))
			return true;
		uint64_t now = mono_ns();
		if (now >= end)
			return false;
		sleep_until(now + 1000000ull);
	}
	return false;
}

/* ---- receiver ---- */

static int run_receiver(const struct config *cfg)
{
	struct state st = { .sender = false, .data_step = -1 };
	Tox *tox = make_tox(cfg, &st);
	if (!tox)
		return 1;
	uint8_t addr[TOX_ADDRESS_SIZE];
	tox_self_get_address(tox, addr);
	printf("id ");
	for (size_t i = 0; i < sizeof(addr); i++)
		printf("%02X", addr[i]);
	printf("\n");
	fflush(stdout);
	int fd = cfg->udp ? find_udp_fd(tox) : -1;
	uint64_t deadline = mono_ns() + (uint64_t)(cfg->lifetime * 1e9);
	uint64_t last_iter = 0;
	while (!stop_signal && !st.done && mono_ns() < deadline) {
		st.data_step = -1;
		last_iter = mono_ns();
		tox_iterate(tox, &st);
		if (st.data_step >= 0) {
			struct step_stats *s = &st.steps[st.data_step];
			s->cpu_last = cpu_ns();
			s->t_last = mono_ns();
			/* Packets flow: iterate at 1 kHz, as the daemon does. */
			sleep_until(last_iter + 1000000ull);
			continue;
		}
		uint32_t interval = tox_iteration_interval(tox);
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			poll(&p, 1, (int)interval);
		} else {
			sleep_until(last_iter + (uint64_t)(interval < 1 ? 1 : interval) * 1000000ull);
		}
	}
	tox_kill(tox);
	printf("receiver done\n");
	return 0;
}

/* ---- sender ---- */

struct step_result {
	uint32_t step;
	double target_pps, seconds;
	uint64_t attempted;           /* packets toxcore accepted (or lost: not connected) */
	uint64_t sendq;               /* SENDQ refusals: back-pressure, retried */
	uint64_t not_connected, other_err;
	uint64_t received, bytes;
	double loss;                  /* fraction */
	double send_cpu_s, recv_cpu_s;
	double delivered_pps, mbytes_s, cpu_s_per_gb;
	double loss_limit;             /* percent, see loss_limit() */
	double stall_s;                /* how long the path took to answer again */
	bool report_ok, kept_up, good;
	TOX_CONNECTION conn_after;
};

static bool friend_online(struct state *st) { return st->friend_conn != TOX_CONNECTION_NONE; }
static bool friend_udp(struct state *st) { return st->friend_conn == TOX_CONNECTION_UDP; }
static bool report_arrived(struct state *st) { return st->report.valid; }

/* The loss a step may show and still count as under --max-loss: a path that
 * itself loses packets at random (an emulated 5 % loss link) shows that rate
 * only on average, and over a thousand packets the binomial noise is about a
 * percent. A rate is rejected only when its loss is above the limit by more
 * than two standard deviations of that noise. */
static double loss_limit(const struct config *cfg, uint64_t n)
{
	double p = cfg->max_loss / 100.0;
	if (n == 0)
		return cfg->max_loss;
	return cfg->max_loss + 200.0 * sqrt(p * (1 - p) / (double)n);
}

/* Ask the receiver for its count of `step` until it answers (true) or
 * `seconds` pass (false). */
static bool wait_report(Tox *tox, struct state *st, uint32_t step, double seconds)
{
	uint8_t req[5] = { REPORT_REQ_ID };
	put_u32(req + 1, step);
	uint64_t give_up = mono_ns() + (uint64_t)(seconds * 1e9);
	st->report.valid = false;
	while (!stop_signal && mono_ns() < give_up) {
		tox_friend_send_lossless_packet(tox, st->friend_num, req, sizeof(req), NULL);
		if (iterate_for(tox, st, 0.5, report_arrived) && st->report.step == step)
			return true;
		st->report.valid = false;
	}
	return false;
}

static void send_step(Tox *tox, struct state *st, const struct config *cfg, uint32_t step,
                      double rate, double seconds, struct step_result *r)
{
	uint8_t pkt[TOX_MAX_CUSTOM_PACKET_SIZE];
	memset(pkt, 0x5A, sizeof(pkt));
	pkt[0] = DATA_ID;
	put_u32(pkt + 1, step);
	memset(r, 0, sizeof(*r));
	r->step = step;
	r->target_pps = rate;
	uint64_t cpu0 = cpu_ns();
	uint64_t t0 = mono_ns(), end = t0 + (uint64_t)(seconds * 1e9), next_iter = t0;
	double ns_per_pkt = 1e9 / rate;
	uint64_t now;
	while ((now = mono_ns()) < end && !stop_signal) {
		uint64_t due = (uint64_t)((double)(now - t0) / ns_per_pkt) + 1;
		/* A burst bound: after a long stall (the machine is shared) catch up
		 * gradually instead of dumping thousands of packets at once. */
		bool pushed_back = false;
		for (int burst = 0; r->attempted < due && burst < 256; burst++) {
			put_u32(pkt + 5, (uint32_t)r->attempted);
			Tox_Err_Friend_Custom_Packet err;
			if (!tox_friend_send_lossy_packet(tox, st->friend_num, pkt, cfg->size, &err) &&
			    err == TOX_ERR_FRIEND_CUSTOM_PACKET_SENDQ) {
				/* The local send path is full (a TCP relay connection with
				 * unsent bytes, or a full UDP socket buffer): back-pressure,
				 * as a paced sender would take it. The packet is not counted
				 * as sent; it goes again after the next iterate, which is
				 * when toxcore flushes its TCP connections. */
				r->sendq++;
				pushed_back = true;
				break;
			}
			r->attempted++;
			if (err == TOX_ERR_FRIEND_CUSTOM_PACKET_FRIEND_NOT_CONNECTED)
				r->not_connected++;
			else if (err != TOX_ERR_FRIEND_CUSTOM_PACKET_OK)
				r->other_err++;
		}
		now = mono_ns();
		if (pushed_back && next_iter > now + 1000000ull)
			next_iter = now + 1000000ull;
		if (now >= next_iter) {
			tox_iterate(tox, st);
			next_iter = now + 1000000ull;
		}
		uint64_t next_pkt = t0 + (uint64_t)((double)r->attempted * ns_per_pkt);
		uint64_t wake = next_pkt < next_iter ? next_pkt : next_iter;
		if (wake > end)
			wake = end;
		/* Sleeping costs a wake-up; below ~20 us just go round again. */
		if (wake > now + 20000)
			sleep_until(wake);
	}
	r->seconds = (double)(mono_ns() - t0) / 1e9;
	r->send_cpu_s = (double)(cpu_ns() - cpu0) / 1e9;
	r->kept_up = (double)r->attempted >= 0.95 * rate * r->seconds;

	/* Let stragglers arrive, then ask for the count until the answer comes. */
	iterate_for(tox, st, cfg->settle_seconds, NULL);
	wait_report(tox, st, step, 15);
	r->conn_after = st->friend_conn;
	if (st->report.valid && st->report.step == step) {
		r->report_ok = true;
		r->received = st->report.count;
		r->bytes = st->report.bytes;
		r->recv_cpu_s = (double)(st->report.cpu_last - st->report.cpu_first) / 1e9;
	}
	r->loss = r->attempted ? 1.0 - (double)r->received / (double)r->attempted : 1.0;
	if (r->loss < 0)
		r->loss = 0;
	/* Packets queued on the path (a bottleneck's buffer) still arrive after
	 * the last one left: divide by the longer of the sending and the
	 * receiving span, or the rate would include the queue's drain. */
	double span = r->report_ok && st->report.t_last > st->report.t_first
	            ? (double)(st->report.t_last - st->report.t_first) / 1e9 : 0;
	double window = span > r->seconds ? span : r->seconds;
	r->delivered_pps = (double)r->received / window;
	r->mbytes_s = (double)r->bytes / window / 1e6;
	r->cpu_s_per_gb = r->bytes ? (r->send_cpu_s + r->recv_cpu_s) / ((double)r->bytes / 1e9) : 0;
	r->loss_limit = loss_limit(cfg, r->attempted);
	r->good = r->report_ok && r->loss * 100.0 < r->loss_limit;
}

static void print_step_json(FILE *f, const struct step_result *r)
{
	fprintf(f,
	        "{\"step\":%u,\"target_pps\":%.1f,\"seconds\":%.3f,\"attempted\":%" PRIu64
	        ",\"sendq\":%" PRIu64 ",\"not_connected\":%" PRIu64 ",\"received\":%" PRIu64
	        ",\"loss_pct\":%.3f,\"delivered_pps\":%.1f,\"mbytes_s\":%.3f,\"send_cpu_s\":%.3f"
	        ",\"recv_cpu_s\":%.3f,\"cpu_s_per_gb\":%.2f,\"kept_up\":%s,\"report\":%s,\"good\":%s"
	        ",\"path_after\":\"%s\",\"loss_limit_pct\":%.3f,\"stall_s\":%.1f}",
	        r->step, r->target_pps, r->seconds, r->attempted, r->sendq, r->not_connected, r->received,
	        r->loss * 100.0, r->delivered_pps, r->mbytes_s, r->send_cpu_s, r->recv_cpu_s,
	        r->cpu_s_per_gb, r->kept_up ? "true" : "false", r->report_ok ? "true" : "false",
	        r->good ? "true" : "false", conn_str(r->conn_after), r->loss_limit, r->stall_s);
}

static int run_sender(const struct config *cfg)
{
	struct state st = { .sender = true, .data_step = -1 };
	Tox *tox = make_tox(cfg, &st);
	if (!tox)
		return 1;
	Tox_Err_Friend_Add ferr;
	const char msg[] = "blaster";
	st.friend_num = tox_friend_add(tox, cfg->friend_addr, (const uint8_t *)msg, sizeof(msg) - 1, &ferr);
	if (st.friend_num == UINT32_MAX) {
		fprintf(stderr, "blaster: cannot add the receiver as friend (error %d)\n", (int)ferr);
		tox_kill(tox);
		return 1;
	}
	st.have_friend = true;
	uint64_t t_start = mono_ns();
	/* Over UDP, wait for the direct path: a friend first seen through a
	 * relay switches to UDP a moment later, and a ceiling measured meanwhile
	 * would be the relay's. */
	bool (*ready)(struct state *) = cfg->udp ? friend_udp : friend_online;
	if (!iterate_for(tox, &st, cfg->connect_timeout, ready)) {
		fprintf(stderr, "blaster: the receiver did not come online (%s) within %.0f s (path: %s)\n",
		        cfg->udp ? "direct UDP" : "TCP relay", cfg->connect_timeout, conn_str(st.friend_conn));
		printf("result {\"error\":\"friend not online within %.0f s\"}\n", cfg->connect_timeout);
		tox_kill(tox);
		return 1;
	}
	double connect_s = (double)(mono_ns() - t_start) / 1e9;
	printf("friend online (%s) after %.1f s\n", conn_str(st.friend_conn), connect_s);
	fflush(stdout);

	struct step_result results[MAX_STEPS + 1];
	/* Step 0 warms the path up (ARP, toxcore's own path probing); not counted. */
	send_step(tox, &st, cfg, 0, cfg->start_rate, 0.5, &results[0]);

	int n = 0, best = -1;
	double rate = cfg->start_rate, good_rate = 0, bad_rate = 0, retried_rate = 0;
	const char *limited_by = "max_steps";
	for (uint32_t step = 1; step <= MAX_STEPS && !stop_signal; step++) {
		if (st.friend_conn == TOX_CONNECTION_NONE) {
			/* An overloaded relay can drop the friend connection; the next
			 * step needs it back (it returns within ~30 s, docs/design.md, "Relays"). */
			printf("friend offline after step %u: waiting for it\n", step - 1);
			fflush(stdout);
			if (!iterate_for(tox, &st, 90, friend_online)) {
				limited_by = "connection_lost";
				break;
			}
		}
		struct step_result *r = &results[step];
		/* Enough packets per step for the loss figure to mean something,
		 * within reason at low rates. */
		double seconds = cfg->min_packets / rate;
		if (seconds < cfg->step_seconds)
			seconds = cfg->step_seconds;
		if (seconds > 5 * cfg->step_seconds)
			seconds = 5 * cfg->step_seconds;
		send_step(tox, &st, cfg, step, rate, seconds, r);
		n = (int)step;
		printf("step %2u target %8.0f pkt/s sent %8" PRIu64 " (sendq refusals %" PRIu64 ") recv %8" PRIu64
		       " loss %6.2f %% delivered %8.0f pkt/s %7.2f MB/s cpu %.2f s/GB%s%s\n",
		       step, rate, r->attempted, r->sendq, r->received, r->loss * 100, r->delivered_pps,
		       r->mbytes_s, r->cpu_s_per_gb, r->kept_up ? "" : " [sender fell behind]",
		       r->report_ok ? "" : " [no report]");
		fflush(stdout);
		if (!r->report_ok) {
			/* Not even the reliable report came back: the path stalled (a
			 * TCP relay can wedge for tens of seconds when overrun,
			 * docs/design.md, "Relays"). Wait for it to answer again before the next
			 * step, or every later step would measure the stall. */
			printf("path stalled after step %u: waiting for the receiver to answer\n", step);
			fflush(stdout);
			uint64_t t_stall = mono_ns();
			if (!wait_report(tox, &st, step, 120)) {
				limited_by = "path_stalled";
				break;
			}
			r->stall_s = (double)(mono_ns() - t_stall) / 1e9;
			printf("path answers again after %.1f s\n", r->stall_s);
			fflush(stdout);
		}
		if (r->good && (best < 0 || r->delivered_pps > results[best].delivered_pps))
			best = (int)step;
		if ((!r->good || !r->kept_up) && retried_rate != rate) {
			/* On a shared machine one step can lose its CPU to someone
			 * else: a rate is only given up when it fails twice. */
			retried_rate = rate;
			printf("step %u fell short: trying the same rate again\n", step);
			fflush(stdout);
			iterate_for(tox, &st, cfg->settle_seconds, NULL);
			continue;
		}
		if (r->good)
			good_rate = rate > good_rate ? rate : good_rate;
		else if (bad_rate == 0 || rate < bad_rate)
			bad_rate = rate;
		if (!r->kept_up && r->good) {
			/* The sender could not send more, because of its CPU or because
			 * the path pushed back: either way, that is the ceiling. */
			limited_by = r->sendq ? "back_pressure" : "sender_cpu";
			break;
		}
		double next;
		if (bad_rate == 0) {
			next = rate * cfg->growth;
			if (next > cfg->max_rate) {
				if (rate >= cfg->max_rate) {
					limited_by = "max_rate";
					break;
				}
				next = cfg->max_rate;
			}
		} else if (good_rate == 0) {
			next = bad_rate / (cfg->growth * cfg->growth);
			if (next < 50) {
				limited_by = "nothing_good";
				break;
			}
		} else {
			if (bad_rate / good_rate < 1.08) {
				limited_by = "loss";
				break;
			}
			next = sqrt(good_rate * bad_rate);
		}
		rate = next;
		/* Drain queues (relay buffers, the emulator's bottleneck) before the
		 * next step so one step's overload does not count against the next. */
		iterate_for(tox, &st, cfg->settle_seconds, NULL);
	}

	printf("result {\"mode\":\"%s\",\"size\":%zu,\"max_loss_pct\":%.2f,\"connect_s\":%.1f,"
	       "\"limited_by\":\"%s\",\"best\":",
	       cfg->udp ? "udp" : "tcp", cfg->size, cfg->max_loss, connect_s, limited_by);
	if (best >= 0)
		print_step_json(stdout, &results[best]);
	else
		printf("null");
	printf(",\"steps\":[");
	for (int i = 1; i <= n; i++) {
		if (i > 1)
			printf(",");
		print_step_json(stdout, &results[i]);
	}
	printf("]}\n");
	fflush(stdout);

	uint8_t done[1] = { DONE_ID };
	tox_friend_send_lossless_packet(tox, st.friend_num, done, 1, NULL);
	iterate_for(tox, &st, 0.2, NULL);
	tox_kill(tox);
	return best >= 0 ? 0 : 3;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: blaster recv [NODE OPTIONS] [--lifetime S]\n"
	        "       blaster send --friend TOXID [NODE OPTIONS] [STEP OPTIONS]\n"
	        "node options:\n"
	        "  --bootstrap HOST:PORT:KEY   DHT node (repeatable)\n"
	        "  --relay HOST:PORT:KEY       TCP relay (repeatable)\n"
	        "  --no-udp                    TCP relays only\n"
	        "step options:\n"
	        "  --start-rate PPS (1000)  --max-rate PPS (100000)  --growth F (1.5)\n"
	        "  --step-seconds S (2)  --settle-seconds S (0.3)  --max-loss PCT (1)\n"
	        "  --min-packets N (2000: a step lasts long enough to send them, up to 5 steps)\n"
	        "  --size BYTES (1272)  --connect-timeout S (120)\n");
}

int main(int argc, char **argv)
{
	memlock_forgo(); /* as the daemon does: the ceiling is Tox run that way */
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	struct config cfg = {
		.udp = true, .start_rate = 1000, .max_rate = 100000, .step_seconds = 2, .max_loss = 1,
		.growth = 1.5, .settle_seconds = 0.3, .connect_timeout = 120, .lifetime = 3600,
		.size = 1272, .min_packets = 2000,
	};
	if (!strcmp(argv[1], "send"))
		cfg.sender = true;
	else if (strcmp(argv[1], "recv")) {
		usage(stderr);
		return 2;
	}
	enum { O_BOOT = 1, O_RELAY, O_NOUDP, O_FRIEND, O_START, O_MAX, O_GROWTH, O_STEP, O_SETTLE,
	       O_LOSS, O_SIZE, O_CONNECT, O_LIFE, O_MINPKT };
	static const struct option opts[] = {
		{ "bootstrap", required_argument, NULL, O_BOOT },
		{ "relay", required_argument, NULL, O_RELAY },
		{ "no-udp", no_argument, NULL, O_NOUDP },
		{ "friend", required_argument, NULL, O_FRIEND },
		{ "start-rate", required_argument, NULL, O_START },
		{ "max-rate", required_argument, NULL, O_MAX },
		{ "growth", required_argument, NULL, O_GROWTH },
		{ "step-seconds", required_argument, NULL, O_STEP },
		{ "settle-seconds", required_argument, NULL, O_SETTLE },
		{ "max-loss", required_argument, NULL, O_LOSS },
		{ "size", required_argument, NULL, O_SIZE },
		{ "connect-timeout", required_argument, NULL, O_CONNECT },
		{ "lifetime", required_argument, NULL, O_LIFE },
		{ "min-packets", required_argument, NULL, O_MINPKT },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		double v = 0;
		if (c != O_BOOT && c != O_RELAY && c != O_NOUDP && c != O_FRIEND && c != '?') {
			char *end;
			v = strtod(optarg, &end);
			if (end == optarg || *end || !(v > 0)) {
				fprintf(stderr, "blaster: bad value '%s'\n", optarg);
				return 2;
			}
		}
		switch (c) {
		case O_BOOT:
		case O_RELAY: {
			bool boot = c == O_BOOT;
			int *n = boot ? &cfg.n_nodes : &cfg.n_relays;
			if (*n == MAX_NODES || !parse_endpoint(optarg, boot ? &cfg.nodes[*n] : &cfg.relays[*n])) {
				fprintf(stderr, "blaster: bad node '%s' (HOST:PORT:64-hex-key)\n", optarg);
				return 2;
			}
			(*n)++;
			break;
		}
		case O_NOUDP: cfg.udp = false; break;
		case O_FRIEND:
			if (!parse_hex(optarg, cfg.friend_addr, TOX_ADDRESS_SIZE)) {
				fprintf(stderr, "blaster: bad Tox ID '%s'\n", optarg);
				return 2;
			}
			cfg.have_friend_addr = true;
			break;
		case O_START: cfg.start_rate = v; break;
		case O_MAX: cfg.max_rate = v; break;
		case O_GROWTH: cfg.growth = v; break;
		case O_STEP: cfg.step_seconds = v; break;
		case O_SETTLE: cfg.settle_seconds = v; break;
		case O_LOSS: cfg.max_loss = v; break;
		case O_SIZE: cfg.size = (size_t)v; break;
		case O_CONNECT: cfg.connect_timeout = v; break;
		case O_LIFE: cfg.lifetime = v; break;
		case O_MINPKT: cfg.min_packets = v; break;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (cfg.sender && !cfg.have_friend_addr) || cfg.growth <= 1.01 ||
	    cfg.size < HEADER_LEN || cfg.size > TOX_MAX_CUSTOM_PACKET_SIZE || cfg.n_nodes + cfg.n_relays == 0) {
		usage(stderr);
		return 2;
	}
	/* Sub-millisecond pacing sleeps; the default 50 us slack would blur them. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return cfg.sender ? run_sender(&cfg) : run_receiver(&cfg);
}
