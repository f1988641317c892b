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
 * daemons are combined (tt_state_combine). */
typedef enum {
	TT_STATE_STOPPED,    /* no daemon answers */
	TT_STATE_CONNECTED,  /* peers online over direct UDP */
	TT_STATE_RELAY,      /* a peer is online through a TCP relay */
	TT_STATE_CONNECTING, /* the daemon runs, its peer is not online */
	TT_STATE_ERROR,      /* the daemon failed, or a tunnel is in error */
	TT_N_STATES
} TtState;

const char *tt_state_name(TtState s);   /* "stopped", "connected", ... (icon names) */
const char *tt_state_label(TtState s);  /* for people: "connected via TCP relay" */
/* The state to show for several daemons: an error wins, then a daemon
 * still connecting, then one on a relay; stopped ones count only when all
 * are stopped. */
TtState tt_state_combine(TtState a, TtState b);

typedef struct {
	char *tox_id, *public_key, *name, *role, *dht, *version;
	double uptime_s;
	gint64 pid;
} TtNodeInfo;

typedef struct {
	char *public_key, *name, *path, *session;
	gboolean online;
	double rtt_ms, rtt_var_ms, loss, compression_ratio;
	gint64 window_bytes, tx_bytes, rx_bytes, tx_packets, rx_packets, streams;
} TtPeerInfo;

typedef struct {
	char *name, *listen, *destination, *peer, *state, *error;
	gint64 streams_active, streams_total, refused, bytes_up, bytes_down;
	double rate_up, rate_down;
} TtTunnelInfo;

typedef struct {
	TtNodeInfo node;
	GPtrArray *peers;   /* of TtPeerInfo * */
	GPtrArray *tunnels; /* of TtTunnelInfo * */
	guint n_streams;
} TtSnapshot;

/* A snapshot from its JSON object (a status reply or a snapshot event).
 * Missing members read as empty / zero; a member of the wrong type is an
 * error, as is a reply with "ok": false. */
TtSnapshot *tt_snapshot_from_json(JsonNode *node, GError **error);
TtSnapshot *tt_snapshot_parse(const char *text, gssize len, GError **error);
void tt_snapshot_free(TtSnapshot *s);

/* The state this snapshot shows (the daemon answers, so never STOPPED):
 * ERROR when a tunnel is in error; otherwise, of the peers that matter (on a
 * client the servers its tunnels use, on a server every client), CONNECTING
 * when one is offline (or there are none), RELAY when one is online through
 * TCP, else CONNECTED. */
TtState tt_snapshot_state(const TtSnapshot *s);

/* Summed rates of all tunnels, bytes per second. */
void tt_snapshot_rates(const TtSnapshot *s, double *up, double *down);

const TtPeerInfo *tt_snapshot_peer(const TtSnapshot *s, const char *public_key);

/* ---- rate history ---- */

#define TT_HISTORY_SECONDS 300

typedef struct {
	double t;          /* seconds, monotonic */
	double up, down;   /* bytes per second */
} TtSample;

typedef struct TtHistory TtHistory;

TtHistory *tt_history_new(double span_s);
void tt_history_free(TtHistory *h);
/* Record every tunnel's rates at time now (seconds). Samples older than the
 * span are dropped, and so are tunnels that no longer exist. */
void tt_history_add(TtHistory *h, const TtSnapshot *s, double now);
/* The samples of one tunnel, oldest first; NULL when unknown. */
const GArray *tt_history_get(const TtHistory *h, const char *tunnel);
double tt_history_span(const TtHistory *h);
void tt_history_clear(TtHistory *h);

#endif
