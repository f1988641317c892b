/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Snapshots (daemon/control/PROTOCOL.md) into the model: parsing, the
 * icon's state, rates and the graphs' history. */
#include <string.h>

#include "format.h"
#include "model.h"

#define KEY_A "AAAA000000000000000000000000000000000000000000000000000000000000"
#define KEY_B "BBBB000000000000000000000000000000000000000000000000000000000000"

/* The example of PROTOCOL.md, with a peer and a tunnel filled in. */
static char *snapshot(const char *role, const char *peers, const char *tunnels)
{
	return g_strdup_printf(
	        "{\"ok\":true,\"event\":\"snapshot\","
	        "\"node\":{\"tox_id\":\"%s0000000000AA\",\"public_key\":\"%s\",\"name\":\"office\","
	        "\"role\":\"%s\",\"dht\":\"udp\",\"uptime_s\":12.5,\"version\":\"0.1.0\",\"pid\":1234},"
	        "\"peers\":[%s],\"tunnels\":[%s],"
	        "\"streams\":[{\"id\":1,\"peer\":\"%s\",\"tunnel\":\"web\",\"client\":\"127.0.0.1:51234\","
	        "\"destination\":\"10.0.0.5:80\",\"age_s\":3.2,\"bytes_up\":0,\"bytes_down\":0,\"state\":\"open\"}]}",
	        KEY_A, KEY_A, role, peers, tunnels, KEY_B);
}

static char *peer(const char *key, gboolean online, const char *path)
{
	return g_strdup_printf("{\"public_key\":\"%s\",\"name\":\"friend\",\"online\":%s,\"path\":\"%s\","
	                       "\"session\":\"up\",\"rtt_ms\":1.2,\"rtt_age_s\":0.4,\"min_rtt_ms\":0.9,"
	                       "\"loss\":0.01,\"loss_in\":0.0,\"loss_window_s\":10.2,"
	                       "\"window_bytes\":65536,\"tx_bytes\":100,\"rx_bytes\":200,\"tx_packets\":1,"
	                       "\"rx_packets\":2,\"compression_ratio\":1.5,\"streams\":3,\"pacing_bytes_s\":80000000,"
	                       "\"sendq\":0}",
	                       key, online ? "true" : "false", path);
}

static char *tunnel(const char *name, const char *key, const char *state, double up, double down)
{
	return g_strdup_printf("{\"name\":\"%s\",\"listen\":\"127.0.0.1:8080\",\"destination\":\"10.0.0.5:80\","
	                       "\"peer\":\"%s\",\"state\":\"%s\",%s\"streams_active\":1,\"streams_total\":7,"
	                       "\"refused\":2,\"bytes_up\":1000,\"bytes_down\":5000000000,\"rate_up\":%.1f,"
	                       "\"rate_down\":%.1f}",
	                       name, key, state, strcmp(state, "error") == 0 ? "\"error\":\"port in use\"," : "", up,
	                       down);
}

static TraySnapshot *parse(const char *text)
{
	GError *error = NULL;
	TraySnapshot *s = tray_snapshot_parse(text, -1, &error);

	g_assert_no_error(error);
	g_assert_nonnull(s);
	return s;
}

static void test_parse(void)
{
	char *p = peer(KEY_B, TRUE, "udp"), *t = tunnel("web", KEY_B, "up", 10, 20);
	char *text = snapshot("client", p, t);
	TraySnapshot *s = parse(text);
	const TrayPeerInfo *pi;
	const TrayTunnelInfo *ti;

	g_assert_cmpstr(s->node.name, ==, "office");
	g_assert_cmpstr(s->node.role, ==, "client");
	g_assert_cmpstr(s->node.public_key, ==, KEY_A);
	g_assert_cmpfloat(s->node.uptime_s, ==, 12.5);
	g_assert_cmpint(s->node.pid, ==, 1234);
	g_assert_cmpuint(s->peers->len, ==, 1);
	pi = tray_snapshot_peer(s, "bbbb000000000000000000000000000000000000000000000000000000000000");
	g_assert_nonnull(pi);
	g_assert_true(pi->online);
	g_assert_cmpstr(pi->path, ==, "udp");
	g_assert_true(pi->rtt_known);
	g_assert_cmpfloat(pi->rtt_ms, ==, 1.2);
	g_assert_cmpfloat(pi->rtt_age_s, ==, 0.4);
	g_assert_cmpfloat(pi->min_rtt_ms, ==, 0.9);
	g_assert_true(pi->loss_known);
	g_assert_cmpfloat(pi->loss, ==, 0.01);
	g_assert_true(pi->loss_in_known); /* 0.0 is a measurement, not "unknown" */
	g_assert_cmpfloat(pi->loss_in, ==, 0);
	g_assert_cmpfloat(pi->loss_window_s, ==, 10.2);
	g_assert_cmpint(pi->streams, ==, 3);
	ti = g_ptr_array_index(s->tunnels, 0);
	g_assert_cmpstr(ti->name, ==, "web");
	g_assert_cmpint(ti->bytes_down, ==, 5000000000LL); /* beyond 32 bits */
	g_assert_cmpint(ti->refused, ==, 2);
	g_assert_cmpuint(s->n_streams, ==, 1);
	tray_snapshot_free(s);
	g_free(text);
	g_free(p);
	g_free(t);
}

static void test_bad(void)
{
	GError *error = NULL;

	g_assert_null(tray_snapshot_parse("{\"ok\":false,\"error\":\"boom\"}", -1, &error));
	g_assert_nonnull(error);
	g_assert_cmpstr(error->message, ==, "boom");
	g_clear_error(&error);
	g_assert_null(tray_snapshot_parse("[1,2]", -1, &error));
	g_clear_error(&error);
	g_assert_null(tray_snapshot_parse("{\"ok\":true,\"peers\":{}}", -1, &error));
	g_clear_error(&error);
	g_assert_null(tray_snapshot_parse("{\"ok\":true,\"node\":{\"pid\":\"x\"}}", -1, &error));
	g_clear_error(&error);
	g_assert_null(tray_snapshot_parse("{\"ok\":true,\"peers\":[{\"online\":1}]}", -1, &error));
	g_clear_error(&error);
	g_assert_null(tray_snapshot_parse("not json", -1, &error));
	g_clear_error(&error);
	/* Missing members and null read as empty: an older daemon still works. */
	{
		TraySnapshot *s = parse("{\"ok\":true,\"node\":{\"name\":null}}");

		g_assert_cmpstr(s->node.name, ==, "");
		g_assert_cmpuint(s->tunnels->len, ==, 0);
		tray_snapshot_free(s);
	}
}

static TrayState state_of(const char *role, const char *peers, const char *tunnels)
{
	char *text = snapshot(role, peers, tunnels);
	TraySnapshot *s = parse(text);
	TrayState st = tray_snapshot_state(s);

	tray_snapshot_free(s);
	g_free(text);
	return st;
}

static void test_state(void)
{
	char *pu = peer(KEY_B, TRUE, "udp"), *pt = peer(KEY_B, TRUE, "tcp"), *po = peer(KEY_B, FALSE, "none");
	char *pa = peer(KEY_A, TRUE, "udp");
	char *tu = tunnel("web", KEY_B, "up", 0, 0), *tw = tunnel("web", KEY_B, "waiting", 0, 0);
	char *te = tunnel("web", KEY_B, "error", 0, 0), *both, *two;

	/* A client: its server's path decides. */
	g_assert_cmpint(state_of("client", pu, tu), ==, TRAY_STATE_CONNECTED);
	g_assert_cmpint(state_of("client", pt, tu), ==, TRAY_STATE_RELAY);
	g_assert_cmpint(state_of("client", po, tw), ==, TRAY_STATE_CONNECTING);
	g_assert_cmpint(state_of("client", "", tw), ==, TRAY_STATE_CONNECTING); /* not even a friend yet */
	g_assert_cmpint(state_of("client", pu, te), ==, TRAY_STATE_ERROR);
	/* A peer the tunnels do not use does not make it connected. */
	g_assert_cmpint(state_of("client", pa, tw), ==, TRAY_STATE_CONNECTING);
	/* A server: waiting until a client is online. */
	g_assert_cmpint(state_of("server", "", ""), ==, TRAY_STATE_CONNECTING);
	g_assert_cmpint(state_of("server", po, ""), ==, TRAY_STATE_CONNECTING);
	g_assert_cmpint(state_of("server", pu, tu), ==, TRAY_STATE_CONNECTED);
	both = g_strdup_printf("%s,%s", pu, po);
	g_assert_cmpint(state_of("server", both, ""), ==, TRAY_STATE_CONNECTED);
	two = g_strdup_printf("%s,%s", pa, pt);
	g_assert_cmpint(state_of("server", two, ""), ==, TRAY_STATE_RELAY);

	g_assert_cmpint(tray_state_combine(TRAY_STATE_STOPPED, TRAY_STATE_CONNECTED), ==, TRAY_STATE_CONNECTED);
	g_assert_cmpint(tray_state_combine(TRAY_STATE_RELAY, TRAY_STATE_CONNECTED), ==, TRAY_STATE_RELAY);
	g_assert_cmpint(tray_state_combine(TRAY_STATE_CONNECTING, TRAY_STATE_RELAY), ==, TRAY_STATE_CONNECTING);
	g_assert_cmpint(tray_state_combine(TRAY_STATE_ERROR, TRAY_STATE_CONNECTED), ==, TRAY_STATE_ERROR);
	g_assert_cmpstr(tray_state_name(TRAY_STATE_RELAY), ==, "relay");
	g_assert_cmpstr(tray_state_label(TRAY_STATE_RELAY), ==, "connected via TCP relay");

	g_free(pu);
	g_free(pt);
	g_free(po);
	g_free(pa);
	g_free(tu);
	g_free(tw);
	g_free(te);
	g_free(both);
	g_free(two);
}

static void test_rates_and_history(void)
{
	char *t1 = tunnel("a", KEY_B, "up", 100, 200), *t2 = tunnel("b", KEY_B, "up", 1, 2);
	char *tunnels = g_strdup_printf("%s,%s", t1, t2);
	char *text = snapshot("client", "", tunnels), *only_a = snapshot("client", "", t1);
	TraySnapshot *s = parse(text), *sa = parse(only_a);
	TrayHistory *h = tray_history_new(60);
	const GArray *a;
	double up, down;

	tray_snapshot_rates(s, &up, &down);
	g_assert_cmpfloat(up, ==, 101);
	g_assert_cmpfloat(down, ==, 202);

	for (int i = 0; i <= 100; i++)
		tray_history_add(h, s, 1000 + i);
	a = tray_history_get(h, "a");
	g_assert_nonnull(a);
	/* Only the last minute is kept. */
	g_assert_cmpuint(a->len, ==, 61);
	g_assert_cmpfloat(g_array_index(a, TraySample, 0).t, ==, 1040);
	g_assert_cmpfloat(g_array_index(a, TraySample, a->len - 1).down, ==, 200);
	/* A tunnel that is gone is forgotten. */
	tray_history_add(h, sa, 1101);
	g_assert_null(tray_history_get(h, "b"));
	g_assert_cmpuint(tray_history_get(h, "a")->len, ==, 61);
	/* A clock that went back restarts the series. */
	tray_history_add(h, sa, 5);
	g_assert_cmpuint(tray_history_get(h, "a")->len, ==, 1);
	tray_history_clear(h);
	g_assert_null(tray_history_get(h, "a"));

	tray_history_free(h);
	tray_snapshot_free(s);
	tray_snapshot_free(sa);
	g_free(text);
	g_free(only_a);
	g_free(tunnels);
	g_free(t1);
	g_free(t2);
}

/* A snapshot of a daemon that knows about approval. */
static TraySnapshot *approval_snapshot(const char *role, const char *dht, const char *peers, const char *tunnels,
                                       const char *pending)
{
	char *text = g_strdup_printf("{\"ok\":true,\"event\":\"snapshot\",\"node\":{\"role\":\"%s\",\"dht\":\"%s\"},"
	                             "\"peers\":[%s],\"tunnels\":[%s]%s%s}",
	                             role, dht, peers, tunnels, pending ? ",\"pending\":" : "", pending ? pending : "");
	TraySnapshot *s = parse(text);

	g_free(text);
	return s;
}

static char *peer_approved(const char *key, gboolean online, const char *path, gboolean approved)
{
	return g_strdup_printf("{\"public_key\":\"%s\",\"online\":%s,\"path\":\"%s\",\"approved\":%s}", key,
	                       online ? "true" : "false", path, approved ? "true" : "false");
}

static void test_pending(void)
{
	TraySnapshot *s = approval_snapshot(
	        "server", "udp", "", "",
	        "[{\"public_key\":\"" KEY_B "\",\"message\":\"laptop\",\"age_s\":1.5},"
	        "{\"public_key\":\"cccc000000000000000000000000000000000000000000000000000000000000\"}]");
	const TrayPendingInfo *p;
	GHashTable *known = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *appeared = g_ptr_array_new(), *gone = g_ptr_array_new_with_free_func(g_free);
	GError *error = NULL;

	g_assert_cmpuint(s->pending->len, ==, 2);
	p = g_ptr_array_index(s->pending, 0);
	g_assert_cmpstr(p->public_key, ==, KEY_B);
	g_assert_cmpstr(p->message, ==, "laptop");
	g_assert_cmpfloat(p->age_s, ==, 1.5);
	p = g_ptr_array_index(s->pending, 1);
	g_assert_cmpstr(p->message, ==, ""); /* absent: empty */

	/* Both are new; then nothing is; a key in another case is the same. */
	tray_pending_diff(known, s, appeared, gone);
	g_assert_cmpuint(appeared->len, ==, 2);
	g_assert_cmpuint(gone->len, ==, 0);
	g_ptr_array_set_size(appeared, 0);
	tray_pending_diff(known, s, appeared, gone);
	g_assert_cmpuint(appeared->len, ==, 0);
	/* One answered: it is gone. An event adds one before the next
	 * snapshot, once. */
	g_ptr_array_remove_index(s->pending, 0);
	tray_snapshot_add_pending(s, KEY_A, "desk");
	tray_snapshot_add_pending(s, "aaaa000000000000000000000000000000000000000000000000000000000000", "desk");
	g_assert_cmpuint(s->pending->len, ==, 2);
	tray_pending_diff(known, s, appeared, gone);
	g_assert_cmpuint(appeared->len, ==, 1);
	g_assert_cmpstr(((TrayPendingInfo *)g_ptr_array_index(appeared, 0))->message, ==, "desk");
	g_assert_cmpuint(gone->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(gone, 0), ==, KEY_B);
	/* The daemon went away: all are gone. */
	g_ptr_array_set_size(gone, 0);
	tray_pending_diff(known, NULL, appeared, gone);
	g_assert_cmpuint(gone->len, ==, 2);
	g_assert_cmpuint(g_hash_table_size(known), ==, 0);
	tray_snapshot_free(s);

	/* Absent (a daemon from before approval): no requests. */
	s = approval_snapshot("server", "udp", "", "", NULL);
	g_assert_cmpuint(s->pending->len, ==, 0);
	tray_snapshot_free(s);
	g_assert_null(tray_snapshot_parse("{\"ok\":true,\"pending\":[{\"message\":3}]}", -1, &error));
	g_clear_error(&error);

	g_hash_table_unref(known);
	g_ptr_array_unref(appeared);
	g_ptr_array_unref(gone);
}

static TrayProgress progress_of(const char *dht, const char *peers)
{
	char *t = tunnel("ssh", KEY_B, "waiting", 0, 0);
	TraySnapshot *s = approval_snapshot("client", dht, peers, t, NULL);
	TrayProgress p = tray_snapshot_progress(s);

	tray_snapshot_free(s);
	g_free(t);
	return p;
}

static void test_progress(void)
{
	char *waiting = peer_approved(KEY_B, FALSE, "none", FALSE);
	char *offline = peer_approved(KEY_B, FALSE, "none", TRUE);
	char *udp = peer_approved(KEY_B, TRUE, "udp", TRUE), *tcp = peer_approved(KEY_B, TRUE, "tcp", TRUE);
	char *old = peer(KEY_B, FALSE, "none");
	TraySnapshot *s;

	g_assert_cmpint(progress_of("udp", ""), ==, TRAY_PROGRESS_LOOKING);
	g_assert_cmpint(progress_of("udp", offline), ==, TRAY_PROGRESS_LOOKING);
	/* Not approved counts only once we are on the network. */
	g_assert_cmpint(progress_of("none", waiting), ==, TRAY_PROGRESS_LOOKING);
	g_assert_cmpint(progress_of("udp", waiting), ==, TRAY_PROGRESS_APPROVAL);
	g_assert_cmpint(progress_of("tcp", waiting), ==, TRAY_PROGRESS_APPROVAL);
	g_assert_cmpint(progress_of("udp", udp), ==, TRAY_PROGRESS_DIRECT);
	g_assert_cmpint(progress_of("udp", tcp), ==, TRAY_PROGRESS_RELAY);
	/* A daemon without the field: approved. */
	g_assert_cmpint(progress_of("udp", old), ==, TRAY_PROGRESS_LOOKING);
	s = approval_snapshot("client", "udp", old, "", NULL);
	g_assert_true(((TrayPeerInfo *)g_ptr_array_index(s->peers, 0))->approved);
	tray_snapshot_free(s);

	g_assert_cmpstr(tray_progress_words(TRAY_PROGRESS_LOOKING), ==, "looking for the computer…");
	g_assert_cmpstr(tray_progress_words(TRAY_PROGRESS_APPROVAL), ==,
	                "waiting: the other side has not approved this computer yet");
	g_assert_cmpstr(tray_progress_words(TRAY_PROGRESS_DIRECT), ==, "connected (direct UDP)");
	g_assert_cmpstr(tray_progress_words(TRAY_PROGRESS_RELAY), ==, "connected through a relay");
	g_free(waiting);
	g_free(offline);
	g_free(udp);
	g_free(tcp);
	g_free(old);
}

/* A peer from its JSON members. */
static TrayPeerInfo *parse_peer(const char *members, TraySnapshot **s)
{
	char *text = g_strdup_printf("{\"ok\":true,\"peers\":[{\"public_key\":\"%s\",%s}]}", KEY_B, members);
	TrayPeerInfo *p;

	*s = parse(text);
	g_free(text);
	g_assert_cmpuint((*s)->peers->len, ==, 1);
	p = g_ptr_array_index((*s)->peers, 0);
	return p;
}

/* Round trip and loss not measured yet are null: unknown, shown as "—",
 * never as 0. */
static void test_unmeasured(void)
{
	TraySnapshot *s;
	TrayPeerInfo *p;
	GError *error = NULL;
	char *t;

	p = parse_peer("\"session\":\"up\",\"rtt_ms\":null,\"min_rtt_ms\":null,\"loss\":null,"
	               "\"loss_in\":null", &s);
	g_assert_false(p->rtt_known);
	g_assert_false(p->loss_known);
	g_assert_false(p->loss_in_known);
	g_assert_cmpfloat(p->rtt_age_s, <, 0);
	t = tray_format_rtt(p->rtt_known, p->rtt_ms, p->rtt_age_s, TRUE);
	g_assert_cmpstr(t, ==, "—");
	g_free(t);
	t = tray_format_loss(p->loss_known, p->loss, p->loss_in_known, p->loss_in, p->rtt_age_s);
	g_assert_cmpstr(t, ==, "—");
	g_free(t);
	tray_snapshot_free(s);

	/* A round trip measured, the loss not yet (one sample so far). */
	p = parse_peer("\"rtt_ms\":0.162,\"rtt_age_s\":0.3,\"loss\":null,\"loss_in\":null", &s);
	g_assert_true(p->rtt_known);
	g_assert_false(p->loss_known);
	tray_snapshot_free(s);

	/* Absent (a daemon from before probes, or a peer without them). */
	p = parse_peer("\"session\":\"up\"", &s);
	g_assert_false(p->rtt_known);
	g_assert_false(p->loss_known);
	tray_snapshot_free(s);

	/* Of the wrong type: a daemon we do not understand. */
	g_assert_null(tray_snapshot_parse("{\"ok\":true,\"peers\":[{\"rtt_ms\":\"fast\"}]}", -1, &error));
	g_clear_error(&error);
	g_assert_null(tray_snapshot_parse("{\"ok\":true,\"peers\":[{\"loss_in\":[]}]}", -1, &error));
	g_clear_error(&error);
}

/* What the peers' table shows: the figure while fresh; "idle" for an old
 * sample of a session that is not up; the age for an old sample of one
 * that is (the peer did not answer since). Never an old figure as if it
 * were current. */
static void test_format_rtt_loss(void)
{
	static const struct {
		gboolean known;
		double ms, age;
		gboolean up;
		const char *want;
	} rtts[] = {
		{ TRUE, 0.162, 0.4, TRUE, "0.16 ms" },
		{ TRUE, 12.34, 2, TRUE, "12.3 ms" },
		{ TRUE, 101.2, 10, TRUE, "101 ms" },
		{ TRUE, 101.2, -1, TRUE, "101 ms" },   /* age not given */
		{ TRUE, 101.2, 10.1, FALSE, "idle" },
		{ TRUE, 12.34, 125, TRUE, "12.3 ms, 2 min 05 s ago" },
		{ FALSE, 0, 0, TRUE, "—" },
		{ FALSE, 0, 300, FALSE, "—" },
	};
	static const struct {
		gboolean out_known;
		double out;
		gboolean in_known;
		double in, age;
		const char *want;
	} losses[] = {
		{ TRUE, 0.0496, TRUE, 0.0532, 1, "↑ 5.0 %  ↓ 5.3 %" },
		{ TRUE, 0, FALSE, 0, 1, "↑ 0.0 %  ↓ —" },
		{ FALSE, 0, TRUE, 1, 1, "↑ —  ↓ 100.0 %" },
		{ TRUE, 0.0496, TRUE, 0.0532, 11, "—" }, /* old: not shown as current */
		{ FALSE, 0, FALSE, 0, 1, "—" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(rtts); i++) {
		char *t = tray_format_rtt(rtts[i].known, rtts[i].ms, rtts[i].age, rtts[i].up);

		g_assert_cmpstr(t, ==, rtts[i].want);
		g_free(t);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(losses); i++) {
		char *t = tray_format_loss(losses[i].out_known, losses[i].out, losses[i].in_known, losses[i].in,
		                           losses[i].age);

		g_assert_cmpstr(t, ==, losses[i].want);
		g_free(t);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/model/parse", test_parse);
	g_test_add_func("/model/bad", test_bad);
	g_test_add_func("/model/unmeasured", test_unmeasured);
	g_test_add_func("/model/format-rtt-loss", test_format_rtt_loss);
	g_test_add_func("/model/state", test_state);
	g_test_add_func("/model/rates-and-history", test_rates_and_history);
	g_test_add_func("/model/pending", test_pending);
	g_test_add_func("/model/progress", test_progress);
	return g_test_run();
}
