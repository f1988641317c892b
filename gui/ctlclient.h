/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A connection to one daemon's control socket (daemon/control/PROTOCOL.md):
 * JSON lines over a unix socket.
 *
 * It connects by itself and keeps doing so: while no daemon answers it tries
 * the candidate socket paths again every second, so a daemon started later
 * (by us or anyone) or restarted is picked up without any action. Once the
 * hello arrives it subscribes to snapshots. Requests are matched to their
 * replies by a tag; requests still waiting when the connection drops get a
 * "connection lost" error.
 */
#ifndef TOXTUN_GUI_CTLCLIENT_H
#define TOXTUN_GUI_CTLCLIENT_H

#include <glib.h>
#include <json-glib/json-glib.h>

#define TRAY_CONTROL_PROTOCOL 1
#define TRAY_CONTROL_RETRY_MS 1000

typedef struct TrayCtlClient TrayCtlClient;

typedef struct {
	/* The daemon said hello: role and version as it reports them. */
	void (*connected)(TrayCtlClient *c, const char *path, const char *role, const char *version,
	                  gpointer user);
	/* The connection is gone (the daemon stopped, crashed, or spoke
	 * nonsense); reason is for the log. Retrying has already begun. */
	void (*disconnected)(TrayCtlClient *c, const char *reason, gpointer user);
	/* A snapshot event (the whole JSON object). */
	void (*snapshot)(TrayCtlClient *c, JsonNode *snapshot, gpointer user);
	/* Any other pushed event (e.g. "friend_request"), the whole object;
	 * may be NULL. */
	void (*event)(TrayCtlClient *c, const char *event, JsonNode *message, gpointer user);
} TrayCtlClientCallbacks;

/* reply is the whole reply object, or NULL with error set (the daemon's
 * "error" message, or the connection's). */
typedef void (*TrayReplyFunc)(TrayCtlClient *c, JsonNode *reply, const char *error, gpointer user);

/* paths: candidate socket paths, tried in order. interval_ms: the
 * subscription's interval. Nothing happens until tray_ctlclient_start(). */
TrayCtlClient *tray_ctlclient_new(const char *const *paths, guint interval_ms,
                                  const TrayCtlClientCallbacks *cb, gpointer user);
void tray_ctlclient_start(TrayCtlClient *c);
/* Stops every callback at once, then drops the connection. */
void tray_ctlclient_free(TrayCtlClient *c);

gboolean tray_ctlclient_is_connected(const TrayCtlClient *c);
/* The path that answered, or NULL. */
const char *tray_ctlclient_path(const TrayCtlClient *c);

/* Send {"cmd": cmd, ...args, "tag": N}. args (may be NULL) is consumed.
 * Without a connection, done is called at once with an error. done may be
 * NULL. */
void tray_ctlclient_request(TrayCtlClient *c, const char *cmd, JsonObject *args, TrayReplyFunc done,
                            gpointer user);

/* Try to connect now instead of at the next retry. */
void tray_ctlclient_poke(TrayCtlClient *c);

#endif
