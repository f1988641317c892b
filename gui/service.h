/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One configured ini file and its daemon, as the tray sees it: the control
 * connection (adopting a daemon that already runs, reconnecting after a
 * restart), starting and stopping it (`tunnel ROLE FILE.ini` detached, or the
 * systemd user unit toxtun-ROLE@NAME.service when the user installed one),
 * its latest snapshot, rate history and state. */
#ifndef TOXTUN_GUI_SERVICE_H
#define TOXTUN_GUI_SERVICE_H

#include <glib.h>

#include "model.h"

typedef struct TrayService TrayService;

typedef void (*TrayServiceChanged)(TrayService *d, gpointer user);
/* ok: the daemon accepted; message: what it said (an error, or a summary). */
typedef void (*TrayServiceDone)(TrayService *d, gboolean ok, const char *message, gpointer user);

struct TrayService {
	/* read-only for everyone else */
	char *ini;            /* absolute path */
	char *role;           /* "server", "client" or "run" */
	char *label;          /* "client.ini (client)" */
	TrayState state;
	char *error;          /* why the state is ERROR, else NULL */
	TraySnapshot *snap;   /* the latest snapshot while connected */
	TrayHistory *history;
	char *tox_id;         /* from the daemon, or `tunnel id` while it is stopped */
	char *unit;           /* the systemd user unit, when installed */
	GPtrArray *uses;      /* TrayUse * (usage.h): what its [client] lines are for */
	gboolean connected;   /* the control socket answers */
	gboolean starting;    /* we started it and wait for its socket */

	/* private */
	struct TrayServicePriv *priv;
};

TrayService *tray_service_new(const char *ini, const char *role, TrayServiceChanged changed, gpointer user);
void tray_service_free(TrayService *d);

void tray_service_start(TrayService *d);
void tray_service_stop(TrayService *d);
/* Is it running (connected) or on its way (starting)? */
gboolean tray_service_active(const TrayService *d);

/* Ask the daemon to re-read its file. done gets the result; a daemon that
 * is not running is "ok" (it reads the file when started). */
void tray_service_reload(TrayService *d, TrayServiceDone done, gpointer user);

/* Re-read the ini (after an edit): control socket path, config errors. */
void tray_service_config_changed(TrayService *d);

/* Answer a friend request (a server with approve = ask): allow (the daemon
 * adds the key to its file as an allow line and accepts the friend) or
 * deny. done gets the daemon's answer. */
void tray_service_answer(TrayService *d, const char *public_key, gboolean allow, TrayServiceDone done,
                         gpointer user);

/* The requests that appeared and went away since the last call
 * (tray_pending_diff): appeared gets TrayPendingInfo * of d->snap (not
 * owned), gone the keys (owned). All are gone while no daemon answers, and
 * when forget is TRUE (d leaves the tray). */
void tray_service_pending_changes(TrayService *d, gboolean forget, GPtrArray *appeared, GPtrArray *gone);

#endif
