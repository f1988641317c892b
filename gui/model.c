/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Snapshots, states and rate history: see model.h. */
#include <string.h>

#include "model.h"

static const char *const state_names[TRAY_N_STATES] = {
	[TRAY_STATE_STOPPED] = "stopped",
	[TRAY_STATE_CONNECTED] = "connected",
	[TRAY_STATE_RELAY] = "relay",
	[TRAY_STATE_CONNECTING] = "connecting",
	[TRAY_STATE_ERROR] = "error",
};

static const char *const state_labels[TRAY_N_STATES] = {
	[TRAY_STATE_STOPPED] = "stopped",
	[TRAY_STATE_CONNECTED] = "connected",
	[TRAY_STATE_RELAY] = "connected via TCP relay",
	[TRAY_STATE_CONNECTING] = "connecting",
	[TRAY_STATE_ERROR] = "error",
};

const char *tray_state_name(TrayState s)
{
	return s < TRAY_N_STATES ? state_names[s] : "error";
}

const char *tray_state_label(TrayState s)
{
	return s < TRAY_N_STATES ? state_labels[s] : "error";
}

TrayState tray_state_combine(TrayState a, TrayState b)
{
	return a > b ? a : b;
}

/* ---- JSON ---- */

#define SNAPSHOT_ERROR (snapshot_error_quark())
static GQuark snapshot_error_quark(void)
{
	return g_quark_from_static_string("toxtun-snapshot-error");
}

/* Member readers: absent or null reads as the default; anything else of the
 * wrong type fails the whole snapshot (a daemon we do not understand). */
struct reader {
	const char *where;
	GError *error;
};

static JsonNode *member(struct reader *r, JsonObject *o, const char *key, JsonNodeType type)
{
	JsonNode *n = json_object_get_member(o, key);

	if (!n || JSON_NODE_HOLDS_NULL(n))
		return NULL;
	if (JSON_NODE_TYPE(n) != type) {
		if (!r->error)
			r->error = g_error_new(SNAPSHOT_ERROR, 1, "%s.%s has the wrong type", r->where, key);
		return NULL;
	}
	return n;
}

static char *get_str(struct reader *r, JsonObject *o, const char *key)
{
	JsonNode *n = member(r, o, key, JSON_NODE_VALUE);

	if (n && json_node_get_value_type(n) != G_TYPE_STRING) {
		if (!r->error)
			r->error = g_error_new(SNAPSHOT_ERROR, 1, "%s.%s is not a string", r->where, key);
		n = NULL;
	}
	return g_strdup(n ? json_node_get_string(n) : "");
}

static double get_num(struct reader *r, JsonObject *o, const char *key)
{
	JsonNode *n = member(r, o, key, JSON_NODE_VALUE);
	GType t;

	if (!n)
		return 0;
	t = json_node_get_value_type(n);
	if (t == G_TYPE_INT64)
		return (double)json_node_get_int(n);
	if (t == G_TYPE_DOUBLE)
		return json_node_get_double(n);
	if (!r->error)
		r->error = g_error_new(SNAPSHOT_ERROR, 1, "%s.%s is not a number", r->where, key);
	return 0;
}

/* A measurement: *known is false when it is absent or null. */
static double get_measured(struct reader *r, JsonObject *o, const char *key, gboolean *known)
{
	*known = member(r, o, key, JSON_NODE_VALUE) != NULL;
	return get_num(r, o, key);
}

static gint64 get_int(struct reader *r, JsonObject *o, const char *key)
{
	return (gint64)get_num(r, o, key);
}

static gboolean get_bool(struct reader *r, JsonObject *o, const char *key)
{
	JsonNode *n = member(r, o, key, JSON_NODE_VALUE);

	if (n && json_node_get_value_type(n) != G_TYPE_BOOLEAN) {
		if (!r->error)
			r->error = g_error_new(SNAPSHOT_ERROR, 1, "%s.%s is not a boolean", r->where, key);
		return FALSE;
	}
	return n ? json_node_get_boolean(n) : FALSE;
}

static void peer_free(gpointer p)
{
	TrayPeerInfo *x = p;

	g_free(x->public_key);
	g_free(x->name);
	g_free(x->path);
	g_free(x->session);
	g_free(x);
}

static void pending_free(gpointer p)
{
	TrayPendingInfo *x = p;

	g_free(x->public_key);
	g_free(x->message);
	g_free(x);
}

static void tunnel_free(gpointer p)
{
	TrayTunnelInfo *x = p;

	g_free(x->name);
	g_free(x->listen);
	g_free(x->destination);
	g_free(x->peer);
	g_free(x->state);
	g_free(x->error);
	g_free(x);
}

static gpointer read_peer(struct reader *r, JsonObject *o)
{
	TrayPeerInfo *p = g_new0(TrayPeerInfo, 1);

	r->where = "peers[]";
	p->public_key = get_str(r, o, "public_key");
	p->name = get_str(r, o, "name");
	p->online = get_bool(r, o, "online");
	/* Daemons from before approval existed accept every request. */
	p->approved = json_object_has_member(o, "approved") ? get_bool(r, o, "approved") : TRUE;
	p->path = get_str(r, o, "path");
	p->session = get_str(r, o, "session");
	p->rtt_ms = get_measured(r, o, "rtt_ms", &p->rtt_known);
	p->min_rtt_ms = get_num(r, o, "min_rtt_ms");
	p->rtt_age_s = json_object_has_member(o, "rtt_age_s") ? get_num(r, o, "rtt_age_s") : -1;
	p->loss = get_measured(r, o, "loss", &p->loss_known);
	p->loss_in = get_measured(r, o, "loss_in", &p->loss_in_known);
	p->loss_window_s = get_num(r, o, "loss_window_s");
	p->compression_ratio = get_num(r, o, "compression_ratio");
	p->window_bytes = get_int(r, o, "window_bytes");
	p->tx_bytes = get_int(r, o, "tx_bytes");
	p->rx_bytes = get_int(r, o, "rx_bytes");
	p->tx_packets = get_int(r, o, "tx_packets");
	p->rx_packets = get_int(r, o, "rx_packets");
	p->streams = get_int(r, o, "streams");
	return p;
}

static gpointer read_tunnel(struct reader *r, JsonObject *o)
{
	TrayTunnelInfo *t = g_new0(TrayTunnelInfo, 1);

	r->where = "tunnels[]";
	t->name = get_str(r, o, "name");
	t->listen = get_str(r, o, "listen");
	t->destination = get_str(r, o, "destination");
	t->peer = get_str(r, o, "peer");
	t->state = get_str(r, o, "state");
	t->error = get_str(r, o, "error");
	t->streams_active = get_int(r, o, "streams_active");
	t->streams_total = get_int(r, o, "streams_total");
	t->refused = get_int(r, o, "refused");
	t->bytes_up = get_int(r, o, "bytes_up");
	t->bytes_down = get_int(r, o, "bytes_down");
	t->rate_up = get_num(r, o, "rate_up");
	t->rate_down = get_num(r, o, "rate_down");
	return t;
}

static gpointer read_pending(struct reader *r, JsonObject *o)
{
	TrayPendingInfo *p = g_new0(TrayPendingInfo, 1);

	r->where = "pending[]";
	p->public_key = get_str(r, o, "public_key");
	p->message = get_str(r, o, "message");
	p->age_s = get_num(r, o, "age_s");
	return p;
}

/* Each object element of an array member, read by fn into out. */
static void read_array(struct reader *r, JsonObject *o, const char *key, GPtrArray *out,
                       gpointer (*fn)(struct reader *, JsonObject *))
{
	JsonNode *n = member(r, o, key, JSON_NODE_ARRAY);
	JsonArray *a = n ? json_node_get_array(n) : NULL;

	for (guint i = 0; a && i < json_array_get_length(a) && !r->error; i++) {
		JsonNode *e = json_array_get_element(a, i);

		if (!JSON_NODE_HOLDS_OBJECT(e)) {
			r->error = g_error_new(SNAPSHOT_ERROR, 1, "%s[%u] is not an object", key, i);
			break;
		}
		g_ptr_array_add(out, fn(r, json_node_get_object(e)));
	}
}

TraySnapshot *tray_snapshot_from_json(JsonNode *root, GError **error)
{
	struct reader r = { "snapshot", NULL };
	TraySnapshot *s;
	JsonObject *o, *node;
	JsonNode *n;

	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, SNAPSHOT_ERROR, 1, "a snapshot must be a JSON object");
		return NULL;
	}
	o = json_node_get_object(root);
	if (json_object_has_member(o, "ok") && !get_bool(&r, o, "ok")) {
		char *msg = get_str(&r, o, "error");

		g_set_error(error, SNAPSHOT_ERROR, 2, "%s", *msg ? msg : "the daemon reported an error");
		g_free(msg);
		g_clear_error(&r.error);
		return NULL;
	}
	s = g_new0(TraySnapshot, 1);
	s->peers = g_ptr_array_new_with_free_func(peer_free);
	s->tunnels = g_ptr_array_new_with_free_func(tunnel_free);
	s->pending = g_ptr_array_new_with_free_func(pending_free);
	n = member(&r, o, "node", JSON_NODE_OBJECT);
	node = n ? json_node_get_object(n) : json_object_new();
	r.where = "node";
	s->node.tox_id = get_str(&r, node, "tox_id");
	s->node.public_key = get_str(&r, node, "public_key");
	s->node.name = get_str(&r, node, "name");
	s->node.role = get_str(&r, node, "role");
	s->node.dht = get_str(&r, node, "dht");
	s->node.version = get_str(&r, node, "version");
	s->node.uptime_s = get_num(&r, node, "uptime_s");
	s->node.pid = get_int(&r, node, "pid");
	if (!n)
		json_object_unref(node);
	read_array(&r, o, "peers", s->peers, read_peer);
	read_array(&r, o, "tunnels", s->tunnels, read_tunnel);
	read_array(&r, o, "pending", s->pending, read_pending);
	n = member(&r, o, "streams", JSON_NODE_ARRAY);
	s->n_streams = n ? json_array_get_length(json_node_get_array(n)) : 0;
	if (r.error) {
		g_propagate_error(error, r.error);
		tray_snapshot_free(s);
		return NULL;
	}
	return s;
}

TraySnapshot *tray_snapshot_parse(const char *text, gssize len, GError **error)
{
	JsonParser *p = json_parser_new();
	TraySnapshot *s = NULL;

	if (json_parser_load_from_data(p, text, len, error))
		s = tray_snapshot_from_json(json_parser_get_root(p), error);
	g_object_unref(p);
	return s;
}

void tray_snapshot_free(TraySnapshot *s)
{
	if (!s)
		return;
	g_free(s->node.tox_id);
	g_free(s->node.public_key);
	g_free(s->node.name);
	g_free(s->node.role);
	g_free(s->node.dht);
	g_free(s->node.version);
	g_ptr_array_unref(s->peers);
	g_ptr_array_unref(s->tunnels);
	g_ptr_array_unref(s->pending);
	g_free(s);
}

const TrayPeerInfo *tray_snapshot_peer(const TraySnapshot *s, const char *public_key)
{
	for (guint i = 0; i < s->peers->len; i++) {
		const TrayPeerInfo *p = g_ptr_array_index(s->peers, i);

		if (g_ascii_strcasecmp(p->public_key, public_key) == 0)
			return p;
	}
	return NULL;
}

void tray_snapshot_add_pending(TraySnapshot *s, const char *public_key, const char *message)
{
	TrayPendingInfo *p;

	for (guint i = 0; i < s->pending->len; i++) {
		const TrayPendingInfo *o = g_ptr_array_index(s->pending, i);

		if (g_ascii_strcasecmp(o->public_key, public_key) == 0)
			return;
	}
	p = g_new0(TrayPendingInfo, 1);
	p->public_key = g_strdup(public_key);
	p->message = g_strdup(message ? message : "");
	g_ptr_array_add(s->pending, p);
}

void tray_pending_diff(GHashTable *known, const TraySnapshot *s, GPtrArray *appeared, GPtrArray *gone)
{
	GHashTable *now = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTableIter it;
	gpointer key;

	for (guint i = 0; s && i < s->pending->len; i++) {
		TrayPendingInfo *p = g_ptr_array_index(s->pending, i);
		char *k = g_ascii_strup(p->public_key, -1);

		if (!g_hash_table_contains(known, k)) {
			g_hash_table_add(known, g_strdup(k));
			g_ptr_array_add(appeared, p);
		}
		g_hash_table_add(now, k);
	}
	g_hash_table_iter_init(&it, known);
	while (g_hash_table_iter_next(&it, &key, NULL)) {
		if (!g_hash_table_contains(now, key)) {
			g_ptr_array_add(gone, g_strdup(key));
			g_hash_table_iter_remove(&it);
		}
	}
	g_hash_table_unref(now);
}

static TrayProgress peer_progress(const TraySnapshot *s, const TrayPeerInfo *p)
{
	if (p && p->online)
		return strcmp(p->path, "tcp") == 0 ? TRAY_PROGRESS_RELAY : TRAY_PROGRESS_DIRECT;
	/* Unapproved means little while we are off the network: the request
	 * may not even have left. */
	if (p && !p->approved && *s->node.dht && strcmp(s->node.dht, "none") != 0)
		return TRAY_PROGRESS_APPROVAL;
	return TRAY_PROGRESS_LOOKING;
}

TrayProgress tray_snapshot_progress(const TraySnapshot *s)
{
	/* From the furthest behind to the best. */
	static const TrayProgress order[] = { TRAY_PROGRESS_LOOKING, TRAY_PROGRESS_APPROVAL, TRAY_PROGRESS_RELAY,
		                              TRAY_PROGRESS_DIRECT };
	guint worst = G_N_ELEMENTS(order) - 1;

	if (s->tunnels->len == 0)
		return TRAY_PROGRESS_LOOKING;
	for (guint i = 0; i < s->tunnels->len; i++) {
		const TrayTunnelInfo *t = g_ptr_array_index(s->tunnels, i);
		TrayProgress p = peer_progress(s, tray_snapshot_peer(s, t->peer));

		for (guint j = 0; j < worst; j++) {
			if (order[j] == p)
				worst = j;
		}
	}
	return order[worst];
}

const char *tray_progress_words(TrayProgress p)
{
	switch (p) {
	case TRAY_PROGRESS_APPROVAL: return "waiting: the other side has not approved this computer yet";
	case TRAY_PROGRESS_DIRECT: return "connected (direct UDP)";
	case TRAY_PROGRESS_RELAY: return "connected through a relay";
	case TRAY_PROGRESS_LOOKING: break;
	}
	return "looking for the computer…";
}

static TrayState peer_state(const TrayPeerInfo *p)
{
	if (!p || !p->online)
		return TRAY_STATE_CONNECTING;
	return strcmp(p->path, "tcp") == 0 ? TRAY_STATE_RELAY : TRAY_STATE_CONNECTED;
}

TrayState tray_snapshot_state(const TraySnapshot *s)
{
	gboolean client = strcmp(s->node.role, "client") == 0;
	TrayState st = TRAY_STATE_CONNECTED;
	guint counted = 0;

	for (guint i = 0; i < s->tunnels->len; i++) {
		const TrayTunnelInfo *t = g_ptr_array_index(s->tunnels, i);

		if (strcmp(t->state, "error") == 0)
			return TRAY_STATE_ERROR;
	}
	if (client) {
		/* The servers its tunnels use, whether or not they are peers yet. */
		for (guint i = 0; i < s->tunnels->len; i++) {
			const TrayTunnelInfo *t = g_ptr_array_index(s->tunnels, i);

			st = tray_state_combine(st, peer_state(tray_snapshot_peer(s, t->peer)));
			counted++;
		}
	} else {
		/* A server (or both roles): the best it can say is that its peers
		 * are online; with none online it is waiting for them. */
		TrayState best = TRAY_STATE_CONNECTING;

		for (guint i = 0; i < s->peers->len; i++) {
			TrayState ps = peer_state(g_ptr_array_index(s->peers, i));

			if (ps != TRAY_STATE_CONNECTING) {
				st = tray_state_combine(st, ps);
				best = TRAY_STATE_CONNECTED;
			}
		}
		if (best == TRAY_STATE_CONNECTING)
			return TRAY_STATE_CONNECTING;
		counted++;
	}
	return counted ? st : TRAY_STATE_CONNECTING;
}

void tray_snapshot_rates(const TraySnapshot *s, double *up, double *down)
{
	*up = *down = 0;
	for (guint i = 0; i < s->tunnels->len; i++) {
		const TrayTunnelInfo *t = g_ptr_array_index(s->tunnels, i);

		*up += t->rate_up;
		*down += t->rate_down;
	}
}

/* ---- history ---- */

struct TrayHistory {
	double span;
	GHashTable *series; /* tunnel name -> GArray of TraySample */
};

static void series_free(gpointer p)
{
	g_array_unref(p);
}

TrayHistory *tray_history_new(double span_s)
{
	TrayHistory *h = g_new0(TrayHistory, 1);

	h->span = span_s;
	h->series = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, series_free);
	return h;
}

void tray_history_free(TrayHistory *h)
{
	if (!h)
		return;
	g_hash_table_unref(h->series);
	g_free(h);
}

void tray_history_clear(TrayHistory *h)
{
	g_hash_table_remove_all(h->series);
}

double tray_history_span(const TrayHistory *h)
{
	return h->span;
}

static gboolean tunnel_gone(gpointer key, gpointer value, gpointer user)
{
	const TraySnapshot *s = user;

	for (guint i = 0; i < s->tunnels->len; i++) {
		const TrayTunnelInfo *t = g_ptr_array_index(s->tunnels, i);

		if (strcmp(t->name, key) == 0)
			return FALSE;
	}
	return TRUE;
}

void tray_history_add(TrayHistory *h, const TraySnapshot *s, double now)
{
	g_hash_table_foreach_remove(h->series, tunnel_gone, (gpointer)s);
	for (guint i = 0; i < s->tunnels->len; i++) {
		const TrayTunnelInfo *t = g_ptr_array_index(s->tunnels, i);
		GArray *a = g_hash_table_lookup(h->series, t->name);
		TraySample sample = { now, t->rate_up, t->rate_down };
		guint old = 0;

		if (!a) {
			a = g_array_new(FALSE, FALSE, sizeof(TraySample));
			g_hash_table_insert(h->series, g_strdup(t->name), a);
		}
		/* A sample from the past (a clock jump) restarts the series. */
		if (a->len && g_array_index(a, TraySample, a->len - 1).t > now)
			g_array_set_size(a, 0);
		g_array_append_val(a, sample);
		while (old < a->len && g_array_index(a, TraySample, old).t < now - h->span)
			old++;
		if (old)
			g_array_remove_range(a, 0, old);
	}
}

const GArray *tray_history_get(const TrayHistory *h, const char *tunnel)
{
	return g_hash_table_lookup(h->series, tunnel);
}
