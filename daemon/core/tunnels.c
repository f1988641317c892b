#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/daemon.h"
#include "core/tunnels.h"
#include "forward/sockutil.h"
#include "mux/session.h"
#include "mux/stream.h"

/* A server keeps at most this many per-destination entries; beyond it, idle
 * ones are recycled (a client may ask for any number of destinations). */
#define SERVER_ENTRIES_MAX 1024

static struct tunnel_stats *append(struct daemon *d)
{
	struct tunnel_stats *ts;

	if (d->n_tunnels == d->cap_tunnels) {
		size_t cap = d->cap_tunnels ? d->cap_tunnels * 2 : 8;
		struct tunnel_stats **n = realloc(d->tunnels, cap * sizeof(*n));

		if (!n)
			return NULL;
		d->tunnels = n;
		d->cap_tunnels = cap;
	}
	ts = calloc(1, sizeof(*ts));
	if (ts)
		d->tunnels[d->n_tunnels++] = ts;
	return ts;
}

struct tunnel_stats *tunnels_find_client(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->n_tunnels; i++)
		if (!d->tunnels[i]->server_side && strcmp(d->tunnels[i]->name, name) == 0)
			return d->tunnels[i];
	return NULL;
}

struct tunnel_stats *tunnels_add_client(struct daemon *d, const struct tt_client_tunnel *t)
{
	struct tunnel_stats *ts = append(d);

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

struct tunnel_stats *tunnels_server(struct daemon *d, const uint8_t peer[TT_PUBKEY_SIZE],
                                    const char *host, uint16_t port)
{
	char dest[TT_HOST_MAX + 8], hex[2 * TT_PUBKEY_SIZE + 1];
	struct tunnel_stats *ts = NULL;
	size_t n_server = 0;

	sock_host_port_str(host, port, dest, sizeof(dest));
	for (size_t i = 0; i < d->n_tunnels; i++) {
		struct tunnel_stats *t = d->tunnels[i];

		if (!t->server_side)
			continue;
		n_server++;
		if (memcmp(t->peer, peer, TT_PUBKEY_SIZE) == 0 && strcmp(t->destination, dest) == 0)
			return t;
		if (!ts && t->streams_active == 0)
			ts = t; /* the first idle one, recycled if we are full */
	}
	if (n_server < SERVER_ENTRIES_MAX || !ts)
		ts = append(d);
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

void tunnels_remove(struct daemon *d, struct tunnel_stats *ts)
{
	for (size_t i = 0; i < d->n_sessions; i++)
		for (struct stream *st = session_first_stream(d->sessions[i]); st; st = st->next)
			if (st->ts == ts)
				st->ts = NULL;
	for (size_t i = 0; i < d->n_tunnels; i++) {
		if (d->tunnels[i] == ts) {
			d->tunnels[i] = d->tunnels[--d->n_tunnels];
			break;
		}
	}
	free(ts);
}

void tunnels_free_all(struct daemon *d)
{
	for (size_t i = 0; i < d->n_tunnels; i++)
		free(d->tunnels[i]);
	free(d->tunnels);
	d->tunnels = NULL;
	d->n_tunnels = d->cap_tunnels = 0;
}

void tunnels_sample(struct daemon *d)
{
	for (size_t i = 0; i < d->n_tunnels; i++) {
		struct tunnel_stats *t = d->tunnels[i];
		unsigned oldest;

		t->samples_up[t->sample_pos] = t->bytes_up;
		t->samples_down[t->sample_pos] = t->bytes_down;
		t->sample_pos = (t->sample_pos + 1) % TUNNEL_RATE_SAMPLES;
		if (t->n_samples < TUNNEL_RATE_SAMPLES)
			t->n_samples++;
		if (t->n_samples < 2)
			continue;
		/* The slot after the newest is the oldest once the ring is full. */
		oldest = t->n_samples < TUNNEL_RATE_SAMPLES ? 0 : t->sample_pos;
		t->rate_up = (double)(t->bytes_up - t->samples_up[oldest]) / (t->n_samples - 1);
		t->rate_down = (double)(t->bytes_down - t->samples_down[oldest]) / (t->n_samples - 1);
	}
}

bool tunnels_peer_in_use(struct daemon *d, const uint8_t peer[TT_PUBKEY_SIZE])
{
	for (size_t i = 0; i < d->n_tunnels; i++)
		if (!d->tunnels[i]->server_side && memcmp(d->tunnels[i]->peer, peer, TT_PUBKEY_SIZE) == 0)
			return true;
	return false;
}
