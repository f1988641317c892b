/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "control/snapshot.h"
#include "toxtun/version.h"

#define TOXTUN_SNAPSHOT_VERSION TOXTUN_VERSION

/* json-c's add functions fail only when out of memory; one check at the end
 * (a NULL member) would be noise everywhere, so they are collected here. */
struct builder {
	bool failed;
};

static void add(struct builder *b, json_object *obj, const char *key, json_object *val)
{
	if (!val || json_object_object_add(obj, key, val) != 0) {
		json_object_put(val);
		b->failed = true;
	}
}

static void add_str(struct builder *b, json_object *o, const char *k, const char *v)
{
	add(b, o, k, json_object_new_string(v ? v : ""));
}

static void add_u64(struct builder *b, json_object *o, const char *k, uint64_t v)
{
	add(b, o, k, json_object_new_uint64(v));
}

/* Doubles with as many decimals as a reader needs, so the output stays
 * short (json-c would print 17 significant digits). */
static void add_num(struct builder *b, json_object *o, const char *k, double v, int decimals)
{
	char text[64];

	/* "%f" would print nan or inf, which is not JSON and would make the whole
	 * line unreadable for a client: a value that is not a number reads 0. */
	if (!isfinite(v))
		v = 0;
	snprintf(text, sizeof(text), "%.*f", decimals, v);
	add(b, o, k, json_object_new_double_s(v, text));
}

/* A figure that may not be known yet: JSON null then, never a default that
 * reads like a measurement (nor 0 for one that is not a number). */
static void add_known(struct builder *b, json_object *o, const char *k, bool known, double v,
                      int decimals)
{
	if (known && isfinite(v))
		add_num(b, o, k, v, decimals);
	else if (json_object_object_add(o, k, NULL) != 0)
		b->failed = true;
}

static json_object *node_json(struct builder *b, const struct snap_node *n)
{
	json_object *o = json_object_new_object();

	if (!o) {
		b->failed = true;
		return NULL;
	}
	add_str(b, o, "tox_id", n->tox_id);
	add_str(b, o, "public_key", n->public_key);
	add_str(b, o, "name", n->name);
	add_str(b, o, "role", n->role);
	add_str(b, o, "dht", n->dht);
	add_u64(b, o, "relay_resets", n->relay_resets);
	add_num(b, o, "uptime_s", n->uptime_s, 1);
	add_str(b, o, "version", TOXTUN_SNAPSHOT_VERSION);
	add(b, o, "pid", json_object_new_int64(n->pid));
	return o;
}

static json_object *peer_json(struct builder *b, const struct snap_peer *p)
{
	json_object *o = json_object_new_object();

	if (!o) {
		b->failed = true;
		return NULL;
	}
	add_str(b, o, "public_key", p->public_key);
	add_str(b, o, "name", p->name);
	add(b, o, "online", json_object_new_boolean(p->online));
	add(b, o, "approved", json_object_new_boolean(p->approved));
	add_str(b, o, "path", p->path);
	add_str(b, o, "session", p->session);
	/* Microseconds: a round trip on a LAN is a fraction of a millisecond. */
	add_known(b, o, "rtt_ms", p->rtt_known, p->rtt_ms, 3);
	if (p->rtt_known)
		add_num(b, o, "rtt_age_s", p->rtt_age_s, 1);
	add_known(b, o, "min_rtt_ms", p->rtt_known, p->min_rtt_ms, 3);
	add_known(b, o, "loss", p->loss_known, p->loss, 4);
	add_known(b, o, "loss_in", p->loss_in_known, p->loss_in, 4);
	if (p->loss_known || p->loss_in_known)
		add_num(b, o, "loss_window_s", p->loss_window_s, 1);
	add_u64(b, o, "window_bytes", p->window_bytes);
	add_u64(b, o, "tx_bytes", p->tx_bytes);
	add_u64(b, o, "rx_bytes", p->rx_bytes);
	add_u64(b, o, "tx_packets", p->tx_packets);
	add_u64(b, o, "rx_packets", p->rx_packets);
	add_num(b, o, "compression_ratio", p->compression_ratio, 2);
	add_u64(b, o, "streams", p->streams);
	add_str(b, o, "cc", p->cc_state);
	add_num(b, o, "cc_min_rtt_ms", p->cc_min_rtt_ms, 1);
	add_u64(b, o, "delivery_bytes_s", p->delivery_bytes_s);
	add_u64(b, o, "pacing_bytes_s", p->pacing_bytes_s);
	add_u64(b, o, "relay_limit_bytes_s", p->relay_limit_bytes_s);
	add_u64(b, o, "sendq", p->sendq);
	return o;
}

static json_object *tunnel_json(struct builder *b, const struct snap_tunnel *t)
{
	json_object *o = json_object_new_object();

	if (!o) {
		b->failed = true;
		return NULL;
	}
	add_str(b, o, "name", t->name);
	add_str(b, o, "listen", t->listen);
	add_str(b, o, "destination", t->destination);
	add_str(b, o, "peer", t->peer);
	add_str(b, o, "state", t->state);
	if (t->error[0])
		add_str(b, o, "error", t->error);
	add_u64(b, o, "streams_active", t->streams_active);
	add_u64(b, o, "streams_total", t->streams_total);
	add_u64(b, o, "refused", t->refused);
	add_u64(b, o, "datagrams_dropped", t->datagrams_dropped);
	add_u64(b, o, "bytes_up", t->bytes_up);
	add_u64(b, o, "bytes_down", t->bytes_down);
	add_num(b, o, "rate_up", t->rate_up, 0);
	add_num(b, o, "rate_down", t->rate_down, 0);
	return o;
}

static json_object *stream_json(struct builder *b, const struct snap_stream *s)
{
	json_object *o = json_object_new_object();

	if (!o) {
		b->failed = true;
		return NULL;
	}
	add_u64(b, o, "id", s->id);
	add_str(b, o, "peer", s->peer);
	add_str(b, o, "tunnel", s->tunnel);
	add_str(b, o, "client", s->client);
	add_str(b, o, "destination", s->destination);
	add_num(b, o, "age_s", s->age_s, 1);
	add_u64(b, o, "bytes_up", s->bytes_up);
	add_u64(b, o, "bytes_down", s->bytes_down);
	add_str(b, o, "state", s->state);
	return o;
}

static json_object *pending_json(struct builder *b, const struct snap_pending *p)
{
	json_object *o = json_object_new_object();

	if (!o) {
		b->failed = true;
		return NULL;
	}
	add_str(b, o, "public_key", p->public_key);
	add_str(b, o, "message", p->message);
	add_num(b, o, "age_s", p->age_s, 1);
	return o;
}

#define ADD_ARRAY(b, root, key, items, n, fn)                                   \
	do {                                                                    \
		json_object *arr_ = json_object_new_array();                    \
		for (size_t i_ = 0; arr_ && i_ < (n); i_++) {                   \
			json_object *item_ = fn((b), &(items)[i_]);             \
			if (!item_ || json_object_array_add(arr_, item_) != 0) { \
				json_object_put(item_);                         \
				(b)->failed = true;                             \
			}                                                       \
		}                                                               \
		add((b), (root), (key), arr_);                                  \
	} while (0)

json_object *snapshot_to_json(const struct snapshot *s)
{
	struct builder b = { false };
	json_object *root = json_object_new_object();

	if (!root)
		return NULL;
	add(&b, root, "ok", json_object_new_boolean(1));
	add(&b, root, "node", node_json(&b, &s->node));
	ADD_ARRAY(&b, root, "peers", s->peers, s->n_peers, peer_json);
	ADD_ARRAY(&b, root, "tunnels", s->tunnels, s->n_tunnels, tunnel_json);
	ADD_ARRAY(&b, root, "streams", s->streams, s->n_streams, stream_json);
	ADD_ARRAY(&b, root, "pending", s->pending, s->n_pending, pending_json);
	if (b.failed) {
		json_object_put(root);
		return NULL;
	}
	return root;
}

void snapshot_free(struct snapshot *s)
{
	free(s->peers);
	free(s->tunnels);
	free(s->streams);
	free(s->pending);
	s->peers = NULL;
	s->tunnels = NULL;
	s->streams = NULL;
	s->pending = NULL;
	s->n_peers = s->n_tunnels = s->n_streams = s->n_pending = 0;
}
