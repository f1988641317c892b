/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward/sockutil.h"
#include "forward/tunnels.h"
#include "util/grow.h"

/* A server keeps at most this many per-destination entries; beyond it, idle
 * ones are recycled (a client may ask for any number of destinations). */
#define SERVER_ENTRIES_MAX 1024

static struct tunnel_stats *append(struct tunnels *tt)
{
	struct tunnel_stats *ts;

	if (!GROW_FOR_ONE(tt->v, tt->cap, tt->n))
		return NULL;
	ts = calloc(1, sizeof(*ts));
	if (ts)
		tt->v[tt->n++] = ts;
	return ts;
}

struct tunnel_stats *tunnels_find_client(struct tunnels *tt, const char *name)
{
	for (size_t i = 0; i < tt->n; i++)
		if (!tt->v[i]->server_side && strcmp(tt->v[i]->name, name) == 0)
			return tt->v[i];
	return NULL;
}

struct tunnel_stats *tunnels_add_client(struct tunnels *tt, const struct tt_client_tunnel *t)
{
	struct tunnel_stats *ts = append(tt);

	if (!ts)
		return NULL;
	snprintf(ts->name, sizeof(ts->name), "%s", t->name);
	sock_host_port_str(t->listen_host, t->listen_port, ts->listen, sizeof(ts->listen));
	if (t->kind == TT_TUNNEL_UDP)
		strncat(ts->listen, " (udp)", sizeof(ts->listen) - strlen(ts->listen) - 1);
	else if (t->kind == TT_TUNNEL_REVERSE)
		strncat(ts->listen, " (on the server)", sizeof(ts->listen) - strlen(ts->listen) - 1);
	if (t->kind == TT_TUNNEL_SOCKS)
		snprintf(ts->destination, sizeof(ts->destination), "socks5 (any permitted)");
	else
		sock_host_port_str(t->remote_host, t->remote_port, ts->destination, sizeof(ts->destination));
	memcpy(ts->peer, t->server_id, TT_PUBKEY_SIZE);
	return ts;
}

struct tunnel_stats *tunnels_server(struct tunnels *tt, const uint8_t peer[TT_PUBKEY_SIZE],
                                    const char *host, uint16_t port)
{
	char dest[TT_HOST_MAX + 8], hex[2 * TT_PUBKEY_SIZE + 1];
	struct tunnel_stats *ts = NULL;
	size_t n_server = 0;

	sock_host_port_str(host, port, dest, sizeof(dest));
	for (size_t i = 0; i < tt->n; i++) {
		struct tunnel_stats *t = tt->v[i];

		if (!t->server_side)
			continue;
		n_server++;
		if (memcmp(t->peer, peer, TT_PUBKEY_SIZE) == 0 && strcmp(t->destination, dest) == 0)
			return t;
		if (!ts && t->c.streams_active == 0)
			ts = t; /* the first idle one, recycled if we are full */
	}
	if (n_server < SERVER_ENTRIES_MAX || !ts)
		ts = append(tt);
	else
		memset(ts, 0, sizeof(*ts));
	if (!ts)
		return NULL;
	ts->server_side = true;
	memcpy(ts->peer, peer, TT_PUBKEY_SIZE);
	snprintf(ts->destination, sizeof(ts->destination), "%s", dest);
	tt_hex_format(peer, TT_PUBKEY_SIZE, hex);
	snprintf(ts->name, sizeof(ts->name), "%s for %.8s", dest, hex);
	return ts;
}

struct stream_counters *tunnels_client_counters(struct tunnels *tt, const char *name)
{
	struct tunnel_stats *ts = tunnels_find_client(tt, name);

	return ts ? &ts->c : NULL;
}

void tunnels_remove(struct tunnels *tt, struct tunnel_stats *ts)
{
	for (size_t i = 0; i < tt->n; i++) {
		if (tt->v[i] == ts) {
			tt->v[i] = tt->v[--tt->n];
			break;
		}
	}
	free(ts);
}

void tunnels_free_all(struct tunnels *tt)
{
	for (size_t i = 0; i < tt->n; i++)
		free(tt->v[i]);
	free(tt->v);
	*tt = (struct tunnels){ 0 };
}

void tunnels_sample(struct tunnels *tt)
{
	for (size_t i = 0; i < tt->n; i++) {
		struct tunnel_stats *t = tt->v[i];
		unsigned oldest;

		t->samples_up[t->sample_pos] = t->c.bytes_up;
		t->samples_down[t->sample_pos] = t->c.bytes_down;
		t->sample_pos = (t->sample_pos + 1) % TUNNEL_RATE_SAMPLES;
		if (t->n_samples < TUNNEL_RATE_SAMPLES)
			t->n_samples++;
		if (t->n_samples < 2)
			continue;
		/* The slot after the newest is the oldest once the ring is full. */
		oldest = t->n_samples < TUNNEL_RATE_SAMPLES ? 0 : t->sample_pos;
		t->rate_up = (double)(t->c.bytes_up - t->samples_up[oldest]) / (t->n_samples - 1);
		t->rate_down = (double)(t->c.bytes_down - t->samples_down[oldest]) / (t->n_samples - 1);
	}
}

bool tunnels_peer_in_use(const struct tunnels *tt, const uint8_t peer[TT_PUBKEY_SIZE])
{
	for (size_t i = 0; i < tt->n; i++)
		if (!tt->v[i]->server_side && memcmp(tt->v[i]->peer, peer, TT_PUBKEY_SIZE) == 0)
			return true;
	return false;
}
