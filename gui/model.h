/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the tray knows about a daemon: its snapshots (daemon/control/
 * PROTOCOL.md) turned into C structures, the state the icon shows, and the
 * recent rate history of each tunnel for the graphs.
 *
 * GLib and json-glib only (no GTK), so that it is unit-tested directly.
 */
#ifndef TOXTUN_GUI_MODEL_H
#define TOXTUN_GUI_MODEL_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* The icon's states, from the least to the most noteworthy when several
 * daemons are combined (tray_state_combine). */
typedef enum {
	TRAY_STATE_STOPPED,    /* no daemon answers */
	TRAY_STATE_CONNECTED,  /* peers online over direct UDP */
	TRAY_STATE_RELAY,      /* a peer is online through a TCP relay */
	TRAY_STATE_CONNECTING, /* the daemon runs, its peer is not online */
	TRAY_STATE_ERROR,      /* the daemon failed, or a tunnel is in error */
	TRAY_N_STATES
} TrayState;

const char *tray_state_name(TrayState s);   /* "stopped", "connected", ... (icon names) */
const char *tray_state_label(TrayState s);  /* for people: "connected via TCP relay" */
/* The state to show for several daemons: an error wins, then a daemon
 * still connecting, then one on a relay; stopped ones count only when all
 * are stopped. */
TrayState tray_state_combine(TrayState a, TrayState b);

typedef struct {
	char *tox_id, *public_key, *name, *role, *dht, *version;
	double uptime_s;
	gint64 pid;
} TrayNodeInfo;

typedef struct {
	char *public_key, *name, *path, *session;
	gboolean online;
	gboolean approved; /* a client's server has accepted our friend request
	                      (true when the daemon does not say) */
	/* The daemon's probes (PROTOCOL.md, "Round trip and loss"): a figure
	 * that is null or absent is unknown, never 0. */
	gboolean rtt_known, loss_known, loss_in_known;
	double rtt_ms, min_rtt_ms, loss, loss_in, loss_window_s;
	double rtt_age_s;   /* of the newest sample; < 0 when not given */
	double compression_ratio;
	gint64 window_bytes, tx_bytes, rx_bytes, tx_packets, rx_packets, streams;
} TrayPeerInfo;

typedef struct {
	char *name, *listen, *destination, *peer, *state, *error;
	gint64 streams_active, streams_total, refused, bytes_up, bytes_down;
	double rate_up, rate_down;
} TrayTunnelInfo;

/* A friend request waiting for approval on a server (approve = ask). */
typedef struct {
	char *public_key; /* 64 hex digits */
	char *message;    /* what the client sent: its name */
	double age_s;
} TrayPendingInfo;

typedef struct {
	TrayNodeInfo node;
	GPtrArray *peers;   /* of TrayPeerInfo * */
	GPtrArray *tunnels; /* of TrayTunnelInfo * */
	GPtrArray *pending; /* of TrayPendingInfo *; empty on a client */
	guint n_streams;
} TraySnapshot;

/* A snapshot from its JSON object (a status reply or a snapshot event).
 * Missing members read as empty / zero; a member of the wrong type is an
 * error, as is a reply with "ok": false. */
TraySnapshot *tray_snapshot_from_json(JsonNode *node, GError **error);
TraySnapshot *tray_snapshot_parse(const char *text, gssize len, GError **error);
void tray_snapshot_free(TraySnapshot *s);

/* The state this snapshot shows (the daemon answers, so never STOPPED):
 * ERROR when a tunnel is in error; otherwise, of the peers that matter (on a
 * client the servers its tunnels use, on a server every client), CONNECTING
 * when one is offline (or there are none), RELAY when one is online through
 * TCP, else CONNECTED. */
TrayState tray_snapshot_state(const TraySnapshot *s);

/* Summed rates of all tunnels, bytes per second. */
void tray_snapshot_rates(const TraySnapshot *s, double *up, double *down);

const TrayPeerInfo *tray_snapshot_peer(const TraySnapshot *s, const char *public_key);

/* A request announced by a friend_request event before the next snapshot
 * lists it: added to pending unless it is there. */
void tray_snapshot_add_pending(TraySnapshot *s, const char *public_key, const char *message);

/* Which requests are new and which went away (allowed, denied, the daemon
 * gone: s NULL) since the keys in known (upper case; updated). appeared
 * gets the new TrayPendingInfo * of s (not owned), gone the keys that left
 * (owned: give it a free function). */
void tray_pending_diff(GHashTable *known, const TraySnapshot *s, GPtrArray *appeared, GPtrArray *gone);

/* How far a client has come, in words (tray_progress_words). */
typedef enum {
	TRAY_PROGRESS_LOOKING,   /* its server is offline */
	TRAY_PROGRESS_APPROVAL,  /* on the Tox network, the server has not accepted us yet */
	TRAY_PROGRESS_DIRECT,    /* online over direct UDP */
	TRAY_PROGRESS_RELAY,     /* online through a TCP relay */
} TrayProgress;

/* Of the servers a client's tunnels use, the one furthest behind. */
TrayProgress tray_snapshot_progress(const TraySnapshot *s);
const char *tray_progress_words(TrayProgress p);

/* ---- rate history ---- */

#define TRAY_HISTORY_SECONDS 300

typedef struct {
	double t;          /* seconds, monotonic */
	double up, down;   /* bytes per second */
} TraySample;

typedef struct TrayHistory TrayHistory;

TrayHistory *tray_history_new(double span_s);
void tray_history_free(TrayHistory *h);
/* Record every tunnel's rates at time now (seconds). Samples older than the
 * span are dropped, and so are tunnels that no longer exist. */
void tray_history_add(TrayHistory *h, const TraySnapshot *s, double now);
/* The samples of one tunnel, oldest first; NULL when unknown. */
const GArray *tray_history_get(const TrayHistory *h, const char *tunnel);
double tray_history_span(const TrayHistory *h);
void tray_history_clear(TrayHistory *h);

#endif
