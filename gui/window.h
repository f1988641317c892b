/* The main window: the live status of one daemon (node, peers, tunnels with
 * rate graphs), its identity (Tox ID, copy button, QR code) and the config
 * editor. Refreshed from the daemon's snapshots; closing it only hides it. */
#ifndef TOXTUN_GUI_WINDOW_H
#define TOXTUN_GUI_WINDOW_H

#include <gtk/gtk.h>

#include "daemon.h"

typedef struct TtWindow TtWindow;

/* daemons: the app's list of TtDaemon * (not owned; read on every update). */
TtWindow *tt_window_new(GtkApplication *app, GPtrArray *daemons);
void tt_window_free(TtWindow *w);
void tt_window_present(TtWindow *w);
/* The list of daemons changed (one added). */
void tt_window_daemons_changed(TtWindow *w);
/* One daemon's state or snapshot changed. */
void tt_window_daemon_changed(TtWindow *w, TtDaemon *d);

/* Put the Tox ID on the clipboard. */
void tt_copy_tox_id(TtDaemon *d);

#endif
