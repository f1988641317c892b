/* One configured ini file and its daemon, as the tray sees it: the control
 * connection (adopting a daemon that already runs, reconnecting after a
 * restart), starting and stopping it (`tunnel ROLE FILE.ini` detached, or the
 * systemd user unit toxtun-ROLE@NAME.service when the user installed one),
 * its latest snapshot, rate history and state. */
#ifndef TOXTUN_GUI_DAEMON_H
#define TOXTUN_GUI_DAEMON_H

#include <glib.h>

#include "model.h"

typedef struct TtDaemon TtDaemon;

typedef void (*TtDaemonChanged)(TtDaemon *d, gpointer user);
/* ok: the daemon accepted; message: what it said (an error, or a summary). */
typedef void (*TtDaemonDone)(TtDaemon *d, gboolean ok, const char *message, gpointer user);

struct TtDaemon {
	/* read-only for everyone else */
	char *ini;            /* absolute path */
	char *role;           /* "server", "client" or "run" */
	char *label;          /* "client.ini (client)" */
	TtState state;
	char *error;          /* why the state is ERROR, else NULL */
	TtSnapshot *snap;     /* the latest snapshot while connected */
	TtHistory *history;
	char *tox_id;         /* from the daemon, or `tunnel id` while it is stopped */
	char *unit;           /* the systemd user unit, when installed */
	gboolean connected;   /* the control socket answers */
	gboolean starting;    /* we started it and wait for its socket */

	/* private */
	struct TtDaemonPriv *priv;
};

TtDaemon *tt_daemon_new(const char *ini, const char *role, TtDaemonChanged changed, gpointer user);
void tt_daemon_free(TtDaemon *d);

void tt_daemon_start(TtDaemon *d);
void tt_daemon_stop(TtDaemon *d);
/* Is it running (connected) or on its way (starting)? */
gboolean tt_daemon_active(const TtDaemon *d);

/* Ask the daemon to re-read its file. done gets the result; a daemon that
 * is not running is "ok" (it reads the file when started). */
void tt_daemon_reload(TtDaemon *d, TtDaemonDone done, gpointer user);

/* Re-read the ini (after an edit): control socket path, config errors. */
void tt_daemon_config_changed(TtDaemon *d);

#endif
