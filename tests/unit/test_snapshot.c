/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the status snapshot's JSON (daemon/control/snapshot.c): the
 * shape documented in daemon/control/PROTOCOL.md is what `tunnel status`, the
 * tray and scripts read, so every documented field is checked by name, type
 * and value after a round trip through the text the daemon sends (printed
 * the way control.c prints it, then parsed back). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "control/snapshot.h"
#include "toxtun/version.h"

#define KEY_A "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
#define KEY_B "FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210"
#define TOX_ID KEY_A "0102030405AB"

/* Strings that JSON must escape: quotes, backslashes, every kind of control
 * character, plus a slash and non-ASCII text that must pass unchanged. */
#define NASTY "q\"uo\"te \\back\\slash\\ nl\n cr\r tab\t \x01\x08\x0c\x1f del\x7f /sl/ \xc3\xa9t\xc3\xa9"

/* The field names of PROTOCOL.md's snapshot, in its order. */
static const char *const top_keys[] = { "ok", "node", "peers", "tunnels", "streams", "pending" };
static const char *const node_keys[] = { "tox_id", "public_key", "name", "role", "dht", "relay_resets", "uptime_s", "version", "pid" };
static const char *const peer_keys[] = {
	"public_key", "name", "online", "approved", "path", "session", "rtt_ms", "rtt_age_s", "min_rtt_ms", "loss",
	"loss_in", "loss_window_s", "window_bytes", "tx_bytes", "rx_bytes", "tx_packets", "rx_packets",
	"compression_ratio", "streams", "cc", "cc_min_rtt_ms", "delivery_bytes_s", "pacing_bytes_s",
	"relay_limit_bytes_s", "sendq",
};
/* Absent while nothing is measured: the age of no sample, the window of no count. */
static const char *const peer_keys_unmeasured[] = { "rtt_age_s", "loss_window_s" };
static const char *const tunnel_keys[] = {
	"name", "listen", "destination", "peer", "state", "streams_active", "streams_total", "refused",
	"datagrams_dropped", "bytes_up", "bytes_down", "rate_up", "rate_down", /* "error" only in state error */
};
static const char *const stream_keys[] = {
	"id", "peer", "tunnel", "client", "destination", "age_s", "bytes_up", "bytes_down", "state",
};
static const char *const pending_keys[] = { "public_key", "message", "age_s" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- a hand-built snapshot ---- */

static struct snap_peer peers[2];
static struct snap_tunnel tunnels[3];
static struct snap_stream streams[2];
static struct snap_pending pending[2];

static void build(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	memset(peers, 0, sizeof(peers));
	memset(tunnels, 0, sizeof(tunnels));
	memset(streams, 0, sizeof(streams));

	snprintf(s->node.tox_id, sizeof(s->node.tox_id), "%s", TOX_ID);
	snprintf(s->node.public_key, sizeof(s->node.public_key), "%s", KEY_A);
	snprintf(s->node.name, sizeof(s->node.name), "%s", NASTY);
	s->node.role = "server";
	s->node.dht = "udp";
	s->node.uptime_s = 12.54;
	s->node.pid = 1234;
	s->node.relay_resets = 3;

	snprintf(peers[0].public_key, sizeof(peers[0].public_key), "%s", KEY_B);
	snprintf(peers[0].name, sizeof(peers[0].name), "%s", "friend's Tox name");
	peers[0].online = true;
	peers[0].approved = true;
	peers[0].path = "udp";
	peers[0].session = "up";
	peers[0].rtt_known = peers[0].loss_known = peers[0].loss_in_known = true;
	peers[0].rtt_ms = 1.25;
	peers[0].rtt_age_s = 0.44;
	peers[0].min_rtt_ms = 0.1234;
	peers[0].loss = 0.012345;
	peers[0].loss_in = 1;
	peers[0].loss_window_s = 10.04;
	peers[0].window_bytes = 65536;
	peers[0].tx_bytes = 1000001;
	peers[0].rx_bytes = 2000002;
	peers[0].tx_packets = 303;
	peers[0].rx_packets = 404;
	peers[0].compression_ratio = 1.506;
	peers[0].streams = 2;
	peers[0].cc_state = "probe_bw";
	peers[0].cc_min_rtt_ms = 101.25;
	peers[0].delivery_bytes_s = 6250000;
	peers[0].pacing_bytes_s = 7812500;
	peers[0].relay_limit_bytes_s = 0;
	peers[0].sendq = 7;

	snprintf(peers[1].public_key, sizeof(peers[1].public_key), "%s", KEY_A);
	/* name left empty: a friend that never sent one */
	peers[1].online = false;
	peers[1].path = "none";
	peers[1].session = "idle";
	/* nothing measured: a version 1 peer, or no probe answered yet (the
	 * figures behind the flags must not show) */
	peers[1].rtt_ms = 250.06;
	peers[1].loss = 1;
	peers[1].window_bytes = UINT32_MAX;
	/* Counters beyond 2^53 and 2^63 must come out exact, not as doubles or
	 * negative numbers. */
	peers[1].tx_bytes = UINT64_MAX;
	peers[1].rx_bytes = (UINT64_C(1) << 53) + 1;
	peers[1].tx_packets = 0;
	peers[1].rx_packets = UINT64_C(9223372036854775808);
	peers[1].compression_ratio = 1;
	peers[1].streams = 0;
	peers[1].cc_state = "startup";
	peers[1].cc_min_rtt_ms = 0;
	peers[1].delivery_bytes_s = 0;
	peers[1].pacing_bytes_s = UINT64_MAX;
	peers[1].relay_limit_bytes_s = 9324000;
	peers[1].sendq = 0;

	snprintf(tunnels[0].name, sizeof(tunnels[0].name), "web");
	snprintf(tunnels[0].listen, sizeof(tunnels[0].listen), "127.0.0.1:8080");
	snprintf(tunnels[0].destination, sizeof(tunnels[0].destination), "10.0.0.5:80");
	snprintf(tunnels[0].peer, sizeof(tunnels[0].peer), "%s", KEY_B);
	tunnels[0].state = "up";
	tunnels[0].streams_active = 1;
	tunnels[0].streams_total = 10;
	tunnels[0].refused = 2;
	tunnels[0].datagrams_dropped = 7;
	tunnels[0].bytes_up = 5000;
	tunnels[0].bytes_down = 600000;
	tunnels[0].rate_up = 1234.6;
	tunnels[0].rate_down = 0.4;

	/* A server-side tunnel: no listen address. */
	snprintf(tunnels[1].name, sizeof(tunnels[1].name), "10.0.0.5:22 for FEDCBA98");
	snprintf(tunnels[1].destination, sizeof(tunnels[1].destination), "[fd00::1]:22");
	snprintf(tunnels[1].peer, sizeof(tunnels[1].peer), "%s", KEY_B);
	tunnels[1].state = "waiting";
	tunnels[1].rate_up = 99.5001;

	snprintf(tunnels[2].name, sizeof(tunnels[2].name), "%s", NASTY);
	snprintf(tunnels[2].listen, sizeof(tunnels[2].listen), "0.0.0.0:80");
	snprintf(tunnels[2].destination, sizeof(tunnels[2].destination), "example.org:80");
	snprintf(tunnels[2].peer, sizeof(tunnels[2].peer), "%s", KEY_A);
	tunnels[2].state = "error";
	snprintf(tunnels[2].error, sizeof(tunnels[2].error), "cannot listen on 0.0.0.0:80: %s", NASTY);
	tunnels[2].refused = UINT64_MAX;

	streams[0].id = 1;
	snprintf(streams[0].peer, sizeof(streams[0].peer), "%s", KEY_B);
	snprintf(streams[0].tunnel, sizeof(streams[0].tunnel), "web");
	snprintf(streams[0].client, sizeof(streams[0].client), "127.0.0.1:51234");
	snprintf(streams[0].destination, sizeof(streams[0].destination), "10.0.0.5:80");
	streams[0].age_s = 3.21;
	streams[0].bytes_up = 100;
	streams[0].bytes_down = 200;
	streams[0].state = "open";

	streams[1].id = UINT32_MAX;
	snprintf(streams[1].peer, sizeof(streams[1].peer), "%s", KEY_A);
	snprintf(streams[1].tunnel, sizeof(streams[1].tunnel), "%s", NASTY);
	snprintf(streams[1].client, sizeof(streams[1].client), "[::1]:40000");
	snprintf(streams[1].destination, sizeof(streams[1].destination), "[fd00::1]:443");
	streams[1].age_s = 0;
	streams[1].state = "half-closed";

	s->peers = peers;
	s->n_peers = N(peers);
	s->tunnels = tunnels;
	s->n_tunnels = N(tunnels);
	s->streams = streams;
	s->n_streams = N(streams);

	memset(pending, 0, sizeof(pending));
	snprintf(pending[0].public_key, sizeof(pending[0].public_key), "%s", KEY_A);
	snprintf(pending[0].message, sizeof(pending[0].message), "alice-laptop");
	pending[0].age_s = 1.54;
	snprintf(pending[1].public_key, sizeof(pending[1].public_key), "%s", KEY_B);
	snprintf(pending[1].message, sizeof(pending[1].message), "%s", NASTY);
	pending[1].age_s = 3600;
	s->pending = pending;
	s->n_pending = N(pending);
}

/* ---- helpers ---- */

/* snapshot_to_json printed as control.c sends it, and parsed back. The
 * printed text is kept as well for the checks on number formatting. */
struct round_trip {
	json_object *built;   /* from snapshot_to_json */
	const char *text;     /* owned by built */
	json_object *parsed;  /* json_tokener_parse(text) */
};

static bool round_trip(const struct snapshot *s, struct round_trip *rt)
{
	rt->parsed = NULL;
	rt->text = NULL;
	rt->built = snapshot_to_json(s);
	if (!CHECK(rt->built != NULL))
		return false;
	rt->text = json_object_to_json_string_ext(rt->built, JSON_C_TO_STRING_PLAIN);
	if (!CHECK(rt->text != NULL))
		return false;
	/* One line on the socket: no raw newline, nor any other control
	 * character, may be left in the text. */
	{
		const char *c = rt->text;

		while (*c && (unsigned char)*c >= 0x20)
			c++;
		check_result(*c == '\0', __FILE__, __LINE__, "raw control character 0x%02x at offset %td",
		             (unsigned char)*c, c - rt->text);
	}
	rt->parsed = json_tokener_parse(rt->text);
	if (!check_result(rt->parsed != NULL, __FILE__, __LINE__, "the text parses back: %s", rt->text))
		return false;
	return CHECK(json_object_is_type(rt->parsed, json_type_object));
}

static void round_trip_free(struct round_trip *rt)
{
	json_object_put(rt->parsed);
	json_object_put(rt->built);
}

static const char *type_name(json_object *v)
{
	return json_type_to_name(json_object_get_type(v));
}

/* The member key of o, of the given type; NULL (and a failure) otherwise. */
static json_object *member_at(json_object *o, const char *key, enum json_type type, int line)
{
	json_object *v;

	if (!check_result(json_object_object_get_ex(o, key, &v), __FILE__, line, "\"%s\" is present", key))
		return NULL;
	if (!check_result(json_object_is_type(v, type), __FILE__, line, "\"%s\" is %s (got %s)", key,
	                  json_type_to_name(type), type_name(v)))
		return NULL;
	return v;
}
#define member(o, key, type) member_at((o), (key), (type), __LINE__)

/* Exactly these keys, no more (a stray key would be undocumented). */
static void check_keys_at(json_object *o, const char *const *keys, size_t n, int line)
{
	for (size_t i = 0; i < n; i++)
		check_result(json_object_object_get_ex(o, keys[i], NULL), __FILE__, line, "\"%s\" is present", keys[i]);
	check_result((size_t)json_object_object_length(o) == n, __FILE__, line, "%zu keys (got %d: %s)", n,
	             json_object_object_length(o), json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}
#define check_keys(o, keys, n) check_keys_at((o), (keys), (n), __LINE__)

static void check_str_at(json_object *o, const char *key, const char *want, int line)
{
	json_object *v = member_at(o, key, json_type_string, line);

	if (v) {
		const char *got = json_object_get_string(v);

		check_result((size_t)json_object_get_string_len(v) == strlen(want) && strcmp(got, want) == 0,
		             __FILE__, line, "\"%s\" is \"%s\" (got \"%s\")", key, want, got);
	}
}
#define check_str(o, key, want) check_str_at((o), (key), (want), __LINE__)

static void check_u64_at(json_object *o, const char *key, uint64_t want, int line)
{
	json_object *v = member_at(o, key, json_type_int, line);

	if (v)
		check_result(json_object_get_uint64(v) == want && (want > INT64_MAX || json_object_get_int64(v) >= 0),
		             __FILE__, line, "\"%s\" is %" PRIu64 " (got %s)", key, want,
		             json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}
#define check_u64(o, key, want) check_u64_at((o), (key), (want), __LINE__)

static void check_bool_at(json_object *o, const char *key, bool want, int line)
{
	json_object *v = member_at(o, key, json_type_boolean, line);

	if (v)
		check_result(json_object_get_boolean(v) == want, __FILE__, line, "\"%s\" is %s", key,
		             want ? "true" : "false");
}
#define check_bool(o, key, want) check_bool_at((o), (key), (want), __LINE__)

/* A number printed with exactly `decimals` digits after the point (none and
 * no point for 0), within rounding of want. built is the same object before
 * printing, whose text is what the daemon sent. Values with decimals parse
 * back as doubles, the others as integers. */
static void check_num_at(json_object *built, json_object *o, const char *key, double want, int decimals,
                         int line)
{
	json_object *b, *v = member_at(o, key, decimals ? json_type_double : json_type_int, line);
	const char *text, *dot;
	int got_decimals;
	double tolerance = 0.5;

	for (int i = 0; i < decimals; i++)
		tolerance /= 10;

	if (!v || !check_result(json_object_object_get_ex(built, key, &b), __FILE__, line, "built \"%s\"", key))
		return;
	text = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN);
	dot = strchr(text, '.');
	got_decimals = dot ? (int)strlen(dot + 1) : 0;
	check_result(got_decimals == decimals && !strpbrk(text, "eE"), __FILE__, line,
	             "\"%s\" printed with %d decimals (got \"%s\")", key, decimals, text);
	check_result(fabs(json_object_get_double(v) - want) <= tolerance + 1e-9, __FILE__, line,
	             "\"%s\" is %g (got %s)", key, want, text);
}
#define check_num(built, o, key, want, decimals) check_num_at((built), (o), (key), (want), (decimals), __LINE__)

/* The text of member key in the printed line, e.g. "\"rtt_ms\":1.2": how a
 * reader without json-c sees it. */
static bool printed(const struct round_trip *rt, const char *fragment)
{
	return check_result(strstr(rt->text, fragment) != NULL, __FILE__, __LINE__, "printed text has %s", fragment);
}

/* ---- the full snapshot ---- */

static void check_node(json_object *built, json_object *node)
{
	check_keys(node, node_keys, N(node_keys));
	check_str(node, "tox_id", TOX_ID);
	check_str(node, "public_key", KEY_A);
	check_str(node, "name", NASTY);
	check_str(node, "role", "server");
	check_str(node, "dht", "udp");
	check_u64(node, "relay_resets", 3);
	check_num(built, node, "uptime_s", 12.5, 1);
	check_str(node, "version", TOXTUN_VERSION);
	check_u64(node, "pid", 1234);
}

static void check_null_at(json_object *o, const char *key, int line)
{
	member_at(o, key, json_type_null, line);
}
#define check_null(o, key) check_null_at((o), (key), __LINE__)

/* The probe's figures: numbers when known; otherwise null, and no age nor
 * window. */
static void check_measured(json_object *built, json_object *o, const struct snap_peer *p)
{
	size_t absent = 0;

	if (p->rtt_known) {
		check_num(built, o, "rtt_ms", p->rtt_ms, 3);
		check_num(built, o, "rtt_age_s", p->rtt_age_s, 1);
		check_num(built, o, "min_rtt_ms", p->min_rtt_ms, 3);
	} else {
		check_null(o, "rtt_ms");
		check_null(o, "min_rtt_ms");
		CHECK(!json_object_object_get_ex(o, "rtt_age_s", NULL));
		absent++;
	}
	if (p->loss_known)
		check_num(built, o, "loss", p->loss, 4);
	else
		check_null(o, "loss");
	if (p->loss_in_known)
		check_num(built, o, "loss_in", p->loss_in, 4);
	else
		check_null(o, "loss_in");
	if (p->loss_known || p->loss_in_known) {
		check_num(built, o, "loss_window_s", p->loss_window_s, 1);
	} else {
		CHECK(!json_object_object_get_ex(o, "loss_window_s", NULL));
		absent++;
	}
	for (size_t i = 0; i < N(peer_keys); i++) {
		bool optional = false;

		for (size_t j = 0; j < N(peer_keys_unmeasured); j++)
			optional |= strcmp(peer_keys[i], peer_keys_unmeasured[j]) == 0;
		if (!optional)
			check_result(json_object_object_get_ex(o, peer_keys[i], NULL), __FILE__, __LINE__,
			             "\"%s\" is present", peer_keys[i]);
	}
	check_result((size_t)json_object_object_length(o) == N(peer_keys) - absent, __FILE__, __LINE__,
	             "%zu keys (got %d)", N(peer_keys) - absent, json_object_object_length(o));
}

static void check_peer(json_object *built, json_object *o, const struct snap_peer *p)
{
	check_measured(built, o, p);
	check_str(o, "public_key", p->public_key);
	check_str(o, "name", p->name);
	check_bool(o, "online", p->online);
	check_bool(o, "approved", p->approved);
	check_str(o, "path", p->path);
	check_str(o, "session", p->session);
	check_u64(o, "window_bytes", p->window_bytes);
	check_u64(o, "tx_bytes", p->tx_bytes);
	check_u64(o, "rx_bytes", p->rx_bytes);
	check_u64(o, "tx_packets", p->tx_packets);
	check_u64(o, "rx_packets", p->rx_packets);
	check_num(built, o, "compression_ratio", p->compression_ratio, 2);
	check_u64(o, "streams", p->streams);
	check_str(o, "cc", p->cc_state);
	check_num(built, o, "cc_min_rtt_ms", p->cc_min_rtt_ms, 1);
	check_u64(o, "delivery_bytes_s", p->delivery_bytes_s);
	check_u64(o, "pacing_bytes_s", p->pacing_bytes_s);
	check_u64(o, "relay_limit_bytes_s", p->relay_limit_bytes_s);
	check_u64(o, "sendq", p->sendq);
}

static void check_tunnel(json_object *built, json_object *o, const struct snap_tunnel *t)
{
	bool is_error = strcmp(t->state, "error") == 0;
	json_object *e;

	for (size_t i = 0; i < N(tunnel_keys); i++)
		check_result(json_object_object_get_ex(o, tunnel_keys[i], NULL), __FILE__, __LINE__,
		             "\"%s\" is present", tunnel_keys[i]);
	check_str(o, "name", t->name);
	check_str(o, "listen", t->listen);
	check_str(o, "destination", t->destination);
	check_str(o, "peer", t->peer);
	check_str(o, "state", t->state);
	check_u64(o, "streams_active", t->streams_active);
	check_u64(o, "streams_total", t->streams_total);
	check_u64(o, "refused", t->refused);
	check_u64(o, "datagrams_dropped", t->datagrams_dropped);
	check_u64(o, "bytes_up", t->bytes_up);
	check_u64(o, "bytes_down", t->bytes_down);
	check_num(built, o, "rate_up", t->rate_up, 0);
	check_num(built, o, "rate_down", t->rate_down, 0);
	/* "error" exactly when the state is error. */
	CHECK(json_object_object_get_ex(o, "error", &e) == is_error);
	if (is_error)
		check_str(o, "error", t->error);
	check_result((size_t)json_object_object_length(o) == N(tunnel_keys) + is_error, __FILE__, __LINE__,
	             "tunnel %s has %zu keys (got %d)", t->name, N(tunnel_keys) + is_error,
	             json_object_object_length(o));
}

static void check_stream(json_object *built, json_object *o, const struct snap_stream *st)
{
	check_keys(o, stream_keys, N(stream_keys));
	check_u64(o, "id", st->id);
	check_str(o, "peer", st->peer);
	check_str(o, "tunnel", st->tunnel);
	check_str(o, "client", st->client);
	check_str(o, "destination", st->destination);
	check_num(built, o, "age_s", st->age_s, 1);
	check_u64(o, "bytes_up", st->bytes_up);
	check_u64(o, "bytes_down", st->bytes_down);
	check_str(o, "state", st->state);
}

static void check_pending(json_object *built, json_object *o, const struct snap_pending *p)
{
	check_keys(o, pending_keys, N(pending_keys));
	check_str(o, "public_key", p->public_key);
	check_str(o, "message", p->message);
	check_num(built, o, "age_s", p->age_s, 1);
}

/* Each element of the array key (in both trees), checked against items. */
#define CHECK_ARRAY(rt, key, items, n, fn)                                                         \
	do {                                                                                       \
		json_object *pa_ = member((rt)->parsed, (key), json_type_array), *ba_;             \
		if (pa_ && CHECK(json_object_object_get_ex((rt)->built, (key), &ba_)) &&            \
		    CHECK_EQ_U(json_object_array_length(pa_), (n))) {                              \
			for (size_t i_ = 0; i_ < (n); i_++) {                                      \
				json_object *po_ = json_object_array_get_idx(pa_, i_);             \
				if (check_result(json_object_is_type(po_, json_type_object),      \
				                 __FILE__, __LINE__, "%s[%zu] is an object", (key), i_)) \
					fn(json_object_array_get_idx(ba_, i_), po_, &(items)[i_]); \
			}                                                                          \
		}                                                                                  \
	} while (0)

static void test_full_snapshot(void)
{
	struct snapshot s;
	struct round_trip rt;
	json_object *node, *bnode;

	build(&s);
	if (!round_trip(&s, &rt)) {
		round_trip_free(&rt);
		return;
	}
	check_keys(rt.parsed, top_keys, N(top_keys));
	check_bool(rt.parsed, "ok", true);
	node = member(rt.parsed, "node", json_type_object);
	if (node && CHECK(json_object_object_get_ex(rt.built, "node", &bnode)))
		check_node(bnode, node);
	CHECK_ARRAY(&rt, "peers", peers, N(peers), check_peer);
	CHECK_ARRAY(&rt, "tunnels", tunnels, N(tunnels), check_tunnel);
	CHECK_ARRAY(&rt, "streams", streams, N(streams), check_stream);
	CHECK_ARRAY(&rt, "pending", pending, N(pending), check_pending);
	round_trip_free(&rt);
	/* snapshot_to_json only reads: the input is unchanged and can be
	 * turned into JSON again with the same result. */
	CHECK_EQ_U(s.n_peers, N(peers));
	CHECK(s.peers == peers);
}

/* The printed numbers as a reader sees them in the line. */
static void test_number_text(void)
{
	struct snapshot s;
	struct round_trip rt;

	build(&s);
	if (round_trip(&s, &rt)) {
		/* Round trips to the microsecond, shares to a hundredth of a
		 * percent; unknown figures are null, whatever the numbers behind. */
		printed(&rt, "\"rtt_ms\":1.250,\"rtt_age_s\":0.4,\"min_rtt_ms\":0.123,");
		printed(&rt, "\"loss\":0.0123,\"loss_in\":1.0000,\"loss_window_s\":10.0,");
		printed(&rt, "\"rtt_ms\":null,\"min_rtt_ms\":null,\"loss\":null,\"loss_in\":null,\"window_bytes\"");
		/* 101.25 is a tie; either neighbour is one decimal. */
		CHECK(strstr(rt.text, "\"cc_min_rtt_ms\":101.2,") || strstr(rt.text, "\"cc_min_rtt_ms\":101.3,"));
		printed(&rt, "\"compression_ratio\":1.51,");
		printed(&rt, "\"compression_ratio\":1.00,");
		printed(&rt, "\"uptime_s\":12.5,");
		printed(&rt, "\"age_s\":3.2,");
		printed(&rt, "\"age_s\":0.0,");
		printed(&rt, "\"rate_up\":1235,");
		printed(&rt, "\"rate_down\":0}");
		printed(&rt, "\"rate_up\":100,");
		printed(&rt, "\"tx_bytes\":18446744073709551615,");
		printed(&rt, "\"rx_bytes\":9007199254740993,");
		printed(&rt, "\"rx_packets\":9223372036854775808,");
		printed(&rt, "\"window_bytes\":4294967295,");
		printed(&rt, "\"id\":4294967295,");
		printed(&rt, "\"pid\":1234}");
		printed(&rt, "\"ok\":true,");
		printed(&rt, "\"online\":false,");
	}
	round_trip_free(&rt);
}

/* Strings needing escapes come out as valid JSON that reads back as the
 * same bytes (checked field by field in test_full_snapshot; here on their
 * own, with every control character). */
static void test_string_escapes(void)
{
	struct snapshot s;
	struct round_trip rt;
	char all[TT_NAME_MAX];
	size_t n = 0;

	/* Every byte from 0x01 up as far as the field allows (all the control
	 * characters among them), and a two-byte UTF-8 character. */
	for (int c = 1; c < 0x80 && n < sizeof(all) - 3; c++)
		all[n++] = (char)c;
	all[n++] = '\xc3';
	all[n++] = '\xa9';
	all[n] = '\0';

	build(&s);
	memcpy(s.node.name, all, n + 1);
	snprintf(tunnels[1].error, sizeof(tunnels[1].error), "%s", all);
	tunnels[1].state = "error";
	if (round_trip(&s, &rt)) {
		json_object *node = member(rt.parsed, "node", json_type_object);
		json_object *arr = member(rt.parsed, "tunnels", json_type_array);

		if (node)
			check_str(node, "name", all);
		if (arr && CHECK_EQ_U(json_object_array_length(arr), 3))
			check_str(json_object_array_get_idx(arr, 1), "error", all);
		/* Quotes and backslashes are escaped, not dropped. */
		printed(&rt, "q\\\"uo\\\"te \\\\back\\\\slash\\\\ nl\\n cr\\r tab\\t \\u0001");
	}
	round_trip_free(&rt);
}

/* ---- edge cases ---- */

static void test_empty_snapshot(void)
{
	struct snapshot s;
	struct round_trip rt;

	/* A fresh daemon: no peers, tunnels or streams (NULL arrays), and
	 * unset strings, which come out empty rather than as null. */
	memset(&s, 0, sizeof(s));
	if (round_trip(&s, &rt)) {
		json_object *node = member(rt.parsed, "node", json_type_object), *a;

		check_keys(rt.parsed, top_keys, N(top_keys));
		if (node) {
			check_keys(node, node_keys, N(node_keys));
			check_str(node, "tox_id", "");
			check_str(node, "role", "");
			check_str(node, "dht", "");
			check_str(node, "version", TOXTUN_VERSION);
		}
		if ((a = member(rt.parsed, "peers", json_type_array)))
			CHECK_EQ_U(json_object_array_length(a), 0);
		if ((a = member(rt.parsed, "tunnels", json_type_array)))
			CHECK_EQ_U(json_object_array_length(a), 0);
		if ((a = member(rt.parsed, "streams", json_type_array)))
			CHECK_EQ_U(json_object_array_length(a), 0);
		if ((a = member(rt.parsed, "pending", json_type_array)))
			CHECK_EQ_U(json_object_array_length(a), 0);
		printed(&rt, "\"peers\":[],\"tunnels\":[],\"streams\":[],\"pending\":[]}");
	}
	round_trip_free(&rt);

	/* Zero counts with non-NULL arrays are the same. */
	build(&s);
	s.n_peers = s.n_tunnels = s.n_streams = s.n_pending = 0;
	if (round_trip(&s, &rt))
		printed(&rt, "\"peers\":[],\"tunnels\":[],\"streams\":[],\"pending\":[]}");
	round_trip_free(&rt);
}

/* Unset state strings (NULL pointers in a peer, tunnel or stream) are
 * printed as "" rather than crashing or printing null. */
static void test_null_strings(void)
{
	struct snapshot s;
	struct round_trip rt;

	build(&s);
	peers[0].path = NULL;
	peers[0].session = NULL;
	tunnels[0].state = NULL;
	streams[0].state = NULL;
	if (round_trip(&s, &rt)) {
		json_object *a;

		if ((a = member(rt.parsed, "peers", json_type_array))) {
			check_str(json_object_array_get_idx(a, 0), "path", "");
			check_str(json_object_array_get_idx(a, 0), "session", "");
		}
		if ((a = member(rt.parsed, "tunnels", json_type_array)))
			check_str(json_object_array_get_idx(a, 0), "state", "");
		if ((a = member(rt.parsed, "streams", json_type_array)))
			check_str(json_object_array_get_idx(a, 0), "state", "");
	}
	round_trip_free(&rt);
}

/* Numbers that are not numbers (a division by zero upstream) must not turn
 * the whole line into invalid JSON: "%f" prints them as nan or inf. */
static void test_non_finite(void)
{
	struct snapshot s;
	struct round_trip rt;

	build(&s);
	s.node.uptime_s = INFINITY;
	peers[0].rtt_ms = NAN;
	peers[0].loss = -INFINITY;
	peers[0].compression_ratio = NAN;
	tunnels[0].rate_up = INFINITY;
	streams[0].age_s = NAN;
	if (round_trip(&s, &rt)) {
		CHECK(!strstr(rt.text, "nan") && !strstr(rt.text, "inf") && !strstr(rt.text, "NAN") &&
		      !strstr(rt.text, "INF"));
		printed(&rt, "\"uptime_s\":0.0,");
		/* A figure that is not a number is no measurement: null. */
		printed(&rt, "\"rtt_ms\":null,\"rtt_age_s\":0.4,");
		printed(&rt, "\"loss\":null,");
		printed(&rt, "\"compression_ratio\":0.00,");
		printed(&rt, "\"rate_up\":0,");
		printed(&rt, "\"age_s\":0.0,");
	}
	round_trip_free(&rt);
}

/* Fields filled to their size (no NUL until the last byte) come out whole. */
static void test_full_length_strings(void)
{
	struct snapshot s;
	struct round_trip rt;

	build(&s);
	memset(s.node.name, 'n', sizeof(s.node.name) - 1);
	s.node.name[sizeof(s.node.name) - 1] = '\0';
	memset(tunnels[2].error, 'e', sizeof(tunnels[2].error) - 1);
	tunnels[2].error[sizeof(tunnels[2].error) - 1] = '\0';
	memset(streams[0].client, 'c', sizeof(streams[0].client) - 1);
	streams[0].client[sizeof(streams[0].client) - 1] = '\0';
	if (round_trip(&s, &rt)) {
		json_object *node = member(rt.parsed, "node", json_type_object), *a;

		if (node)
			check_str(node, "name", s.node.name);
		if ((a = member(rt.parsed, "tunnels", json_type_array)))
			check_str(json_object_array_get_idx(a, 2), "error", tunnels[2].error);
		if ((a = member(rt.parsed, "streams", json_type_array)))
			check_str(json_object_array_get_idx(a, 0), "client", streams[0].client);
	}
	round_trip_free(&rt);
}

/* snapshot_free releases the arrays the collector allocates, and leaves the
 * snapshot empty so that freeing twice is harmless. */
static void test_snapshot_free(void)
{
	struct snapshot s;

	memset(&s, 0, sizeof(s));
	s.peers = calloc(3, sizeof(*s.peers));
	s.tunnels = calloc(2, sizeof(*s.tunnels));
	s.streams = calloc(1, sizeof(*s.streams));
	if (!CHECK(s.peers && s.tunnels && s.streams))
		return;
	s.n_peers = 3;
	s.n_tunnels = 2;
	s.n_streams = 1;
	snapshot_free(&s);
	CHECK(s.peers == NULL && s.tunnels == NULL && s.streams == NULL);
	CHECK(s.n_peers == 0 && s.n_tunnels == 0 && s.n_streams == 0);
	snapshot_free(&s);
}

/* Round trip known, loss not yet (one sample), or only one direction's
 * (the peer sent nothing over the window). */
static void test_partly_measured(void)
{
	struct snapshot s;
	struct round_trip rt;
	json_object *a;

	build(&s);
	peers[0].loss_known = peers[0].loss_in_known = false;
	peers[1].rtt_known = peers[1].loss_in_known = true;
	peers[1].rtt_ms = 0.16;
	peers[1].min_rtt_ms = 0.09;
	peers[1].rtt_age_s = 31;
	peers[1].loss_in = 0.05;
	peers[1].loss_window_s = 12;
	if (round_trip(&s, &rt) && (a = member(rt.parsed, "peers", json_type_array))) {
		json_object *b;

		if (CHECK(json_object_object_get_ex(rt.built, "peers", &b)))
			for (size_t i = 0; i < N(peers); i++)
				check_peer(json_object_array_get_idx(b, i), json_object_array_get_idx(a, i), &peers[i]);
		printed(&rt, "\"rtt_ms\":1.250,\"rtt_age_s\":0.4,\"min_rtt_ms\":0.123,\"loss\":null,\"loss_in\":null,\"window_bytes\"");
		printed(&rt, "\"rtt_ms\":0.160,\"rtt_age_s\":31.0,\"min_rtt_ms\":0.090,\"loss\":null,\"loss_in\":0.0500,\"loss_window_s\":12.0,");
	}
	round_trip_free(&rt);
}

int main(void)
{
	RUN(test_full_snapshot);
	RUN(test_number_text);
	RUN(test_partly_measured);
	RUN(test_string_escapes);
	RUN(test_empty_snapshot);
	RUN(test_null_strings);
	RUN(test_non_finite);
	RUN(test_full_length_strings);
	RUN(test_snapshot_free);
	return check_report();
}
