/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `tunnel status|reload|stop`: a client of the daemon's control socket. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/conn.h"
#include "cli/ctl.h"

/* A peer's round trip and loss older than this are not shown as current
 * (a subscribed or asked daemon probes every 2 s, and every 300 ms while
 * data flows). */
#define FRESH_S 10.0
/* A status request has the daemon probe its peers at once: `tunnel status`
 * waits up to this long, asking again every 100 ms, for the answers of the
 * peers that have none younger than FRESH_S, so that the first status after
 * an idle while shows figures, not their absence. */
#define FRESH_WAIT_MS 1000
#define MAX(a, b) ((a) > (b) ? (a) : (b))

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static double num(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

static void human_bytes(double v, char *out, size_t n)
{
	static const char *const units[] = { "B", "KB", "MB", "GB", "TB" };
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(out, n, u ? "%.1f %s" : "%.0f %s", v, units[u]);
}

static void human_duration(double s, char *out, size_t n)
{
	long t = (long)s;

	if (t >= 86400)
		snprintf(out, n, "%ldd%02ldh", t / 86400, t % 86400 / 3600);
	else if (t >= 3600)
		snprintf(out, n, "%ldh%02ldm", t / 3600, t % 3600 / 60);
	else
		snprintf(out, n, "%ldm%02lds", t / 60, t % 60);
}

static void short_key(const char *key, char *out, size_t n)
{
	size_t len = strlen(key);

	if (len > 16)
		snprintf(out, n, "%.8s..%s", key, key + len - 4);
	else
		snprintf(out, n, "%s", key);
}

/* Requests waiting for approval: the whole key, which `tunnel allow` takes. */
static void print_pending(json_object *arr, const struct tt_config *cfg)
{
	const char *file = cfg ? cfg->path : "FILE.ini";
	char age[64];

	if (!arr || !json_object_array_length(arr))
		return;
	printf("\n%-64s %7s  %s\n", "FRIEND REQUEST WAITING FOR APPROVAL", "ASKED", "NAME");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		human_duration(num(p, "age_s"), age, sizeof(age));
		printf("%-64s %7s  %s\n", str(p, "public_key"), age, str(p, "message"));
	}
	printf("answer with: tunnel allow %s KEY, or tunnel deny %s KEY\n", file, file);
}

/* A measured figure, or false when it is null or absent. */
static bool known(json_object *o, const char *key, double *v)
{
	json_object *x;

	if (!json_object_object_get_ex(o, key, &x) || json_object_is_type(x, json_type_null))
		return false;
	*v = json_object_get_double(x);
	return true;
}

/* Is the peer's newest probe sample FRESH_S old or younger? */
static bool fresh(json_object *p)
{
	double age;

	return known(p, "rtt_age_s", &age) && age <= FRESH_S;
}

static void format_ms(double ms, char *out, size_t n)
{
	snprintf(out, n, ms < 1 ? "%.2f ms" : ms < 100 ? "%.1f ms" : "%.0f ms", ms);
}

/* "0.16 ms"; "-" before anything was measured; an old sample with its age
 * ("12.3 ms, 2m05s ago"): the peer has not answered since. */
static void format_rtt(json_object *p, char *out, size_t n)
{
	char ms[32], age[32];
	double rtt, a;

	if (!known(p, "rtt_ms", &rtt)) {
		snprintf(out, n, "-");
		return;
	}
	format_ms(rtt, ms, sizeof(ms));
	if (fresh(p) || !known(p, "rtt_age_s", &a)) {
		snprintf(out, n, "%s", ms);
		return;
	}
	human_duration(a, age, sizeof(age));
	snprintf(out, n, "%s, %s ago", ms, age);
}

/* "0.1%/2.0%": our datagrams to the peer lost, then the peer's to us, over
 * the window the snapshot states; "-" for a share not measured, or not
 * lately (the round trip's column gives the age). */
static void format_loss(json_object *p, char *out, size_t n)
{
	char o[16] = "-", i[16] = "-";
	double v;

	if (fresh(p) && known(p, "loss", &v))
		snprintf(o, sizeof(o), "%.1f%%", 100 * v);
	if (fresh(p) && known(p, "loss_in", &v))
		snprintf(i, sizeof(i), "%.1f%%", 100 * v);
	snprintf(out, n, "%s/%s", o, i);
}

/* Peers whose session is up but whose figures are missing or old. */
static bool stale_peers(json_object *snap)
{
	json_object *arr;

	if (!json_object_object_get_ex(snap, "peers", &arr))
		return false;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *p = json_object_array_get_idx(arr, i);

		if (strcmp(str(p, "session"), "up") == 0 && !fresh(p))
			return true;
	}
	return false;
}

static void print_status(json_object *snap, const struct tt_config *cfg)
{
	json_object *node, *arr;
	char a[64], b[64], c[64], d[64], key[32];

	if (json_object_object_get_ex(snap, "node", &node)) {
		human_duration(num(node, "uptime_s"), a, sizeof(a));
		printf("node     %s %s%s%s  dht %s  up %s  toxtun %s\n", str(node, "role"),
		       str(node, "tox_id"), str(node, "name")[0] ? "  name " : "", str(node, "name"),
		       str(node, "dht"), a, str(node, "version"));
		if (num(node, "relay_resets") > 0)
			printf("         %.0f stalled TCP relay connection(s) reset\n", num(node, "relay_resets"));
	}
	if (json_object_object_get_ex(snap, "peers", &arr) && json_object_array_length(arr)) {
		printf("\n%-18s %-7s %-4s %-10s %9s %13s %10s %7s %10s %10s\n", "PEER", "ONLINE", "PATH",
		       "SESSION", "RTT", "LOSS OUT/IN", "WINDOW", "STREAMS", "SENT", "RECEIVED");
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *p = json_object_array_get_idx(arr, i);
			json_object *online;
			char rtt[96], loss[40];

			json_object_object_get_ex(p, "online", &online);
			short_key(str(p, "public_key"), key, sizeof(key));
			format_rtt(p, rtt, sizeof(rtt));
			format_loss(p, loss, sizeof(loss));
			human_bytes(num(p, "window_bytes"), a, sizeof(a));
			human_bytes(num(p, "tx_bytes"), b, sizeof(b));
			human_bytes(num(p, "rx_bytes"), c, sizeof(c));
			printf("%-18s %-7s %-4s %-10s %9s %13s %10s %7.0f %10s %10s\n", key,
			       json_object_get_boolean(online) ? "yes" : "no", str(p, "path"), str(p, "session"),
			       rtt, loss, a, num(p, "streams"), b, c);
		}
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *p = json_object_array_get_idx(arr, i), *approved;

			if (json_object_object_get_ex(p, "approved", &approved) &&
			    !json_object_get_boolean(approved))
				printf("  %s has not accepted this computer yet\n", str(p, "public_key"));
		}
	}
	if (json_object_object_get_ex(snap, "tunnels", &arr) && json_object_array_length(arr)) {
		int wn = 6, wl = 6, wd = 11;

		/* Column widths from the content: names and addresses vary a lot. */
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *t = json_object_array_get_idx(arr, i);

			wn = MAX(wn, (int)strlen(str(t, "name")));
			wl = MAX(wl, (int)strlen(str(t, "listen")));
			wd = MAX(wd, (int)strlen(str(t, "destination")));
		}
		printf("\n%-*s %-*s %-*s %-8s %9s %10s %10s %10s %10s\n", wn, "TUNNEL", wl, "LISTEN", wd,
		       "DESTINATION", "STATE", "STREAMS", "UP/s", "DOWN/s", "UP", "DOWN");
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			json_object *t = json_object_array_get_idx(arr, i);
			char streams[32];

			snprintf(streams, sizeof(streams), "%.0f/%.0f", num(t, "streams_active"), num(t, "streams_total"));
			human_bytes(num(t, "rate_up"), a, sizeof(a));
			human_bytes(num(t, "rate_down"), b, sizeof(b));
			human_bytes(num(t, "bytes_up"), c, sizeof(c));
			human_bytes(num(t, "bytes_down"), d, sizeof(d));
			printf("%-*s %-*s %-*s %-8s %9s %10s %10s %10s %10s\n", wn, str(t, "name"), wl,
			       str(t, "listen"), wd, str(t, "destination"), str(t, "state"), streams, a, b, c, d);
			if (strcmp(str(t, "state"), "error") == 0)
				printf("  error: %s\n", str(t, "error"));
		}
	}
	if (json_object_object_get_ex(snap, "pending", &arr))
		print_pending(arr, cfg);
}

static int fail(struct ctl_conn *c, const char *what)
{
	ctl_error("%s: %s", c->path, what);
	ctl_close(c);
	return 1;
}

int cli_control(const char *cmd, const struct tt_config *cfg, const char *socket_path, bool json, bool watch)
{
	struct ctl_conn c;
	json_object *reply, *ok, *request;
	int status = 0;

	switch (ctl_open(&c, cfg, socket_path)) {
	case CTL_OPEN_OK:
		break;
	case CTL_OPEN_NO_DAEMON:
		ctl_error("no tunnel daemon is running (no answer at %s)", c.tried);
		return 1;
	case CTL_OPEN_FAILED:
		return 1;
	}
	if (strcmp(cmd, "status") == 0 && watch) {
		if (!ctl_send(&c, "{\"cmd\":\"subscribe\",\"interval_ms\":1000}\n"))
			return fail(&c, "the daemon closed the connection");
		while ((reply = ctl_read(&c))) {
			if (json_object_object_get_ex(reply, "event", &ok) &&
			    !strcmp(json_object_get_string(ok), "snapshot")) {
				printf("\033[H\033[2J");
				if (json)
					printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY));
				else
					print_status(reply, cfg);
				fflush(stdout);
			}
			json_object_put(reply);
		}
		return fail(&c, "the daemon went away");
	}
	request = json_object_new_object();
	json_object_object_add(request, "cmd",
	                       json_object_new_string(strcmp(cmd, "stop") == 0 ? "shutdown" : cmd));
	reply = ctl_request(&c, request);
	if (!reply) {
		json_object_put(request);
		return fail(&c, "the daemon closed the connection");
	}
	for (int waited = 0; strcmp(cmd, "status") == 0 && waited < FRESH_WAIT_MS && stale_peers(reply);
	     waited += 100) {
		struct timespec pause = { .tv_sec = 0, .tv_nsec = 100 * 1000 * 1000 };
		json_object *again;

		nanosleep(&pause, NULL);
		if (!(again = ctl_request(&c, request)))
			break;
		json_object_put(reply);
		reply = again;
	}
	json_object_put(request);
	json_object_object_get_ex(reply, "ok", &ok);
	if (!json_object_get_boolean(ok)) {
		ctl_error("%s failed: %s", cmd, str(reply, "error"));
		status = 1;
	} else if (json) {
		printf("%s\n", json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY));
	} else if (strcmp(cmd, "status") == 0) {
		print_status(reply, cfg);
	} else if (strcmp(cmd, "reload") == 0) {
		json_object *errors = json_object_object_get(reply, "errors");

		for (size_t i = 0; errors && i < json_object_array_length(errors); i++) {
			ctl_error("%s", json_object_get_string(json_object_array_get_idx(errors, i)));
			status = 1;
		}
		printf("reloaded: added %s, removed %s, changed %s\n",
		       json_object_to_json_string_ext(json_object_object_get(reply, "added"), JSON_C_TO_STRING_PLAIN),
		       json_object_to_json_string_ext(json_object_object_get(reply, "removed"), JSON_C_TO_STRING_PLAIN),
		       json_object_to_json_string_ext(json_object_object_get(reply, "changed"), JSON_C_TO_STRING_PLAIN));
	} else {
		printf("stopping\n");
	}
	json_object_put(reply);
	ctl_close(&c);
	return status;
}
