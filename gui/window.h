/* The main window: the live status of one daemon (node, peers, tunnels with
 * rate graphs), its identity (Tox ID, copy button, QR code) and the config
 * editor. Refreshed from the daemon's snapshots; closing it only hides it. */
#ifndef TOXTUN_GUI_WINDOW_H
#define TOXTUN_GUI_WINDOW_H

#include <gtk/gtk.h>

#include "service.h"

typedef struct TrayWindow TrayWindow;

/* daemons: the app's list of TrayService * (not owned; read on every update). */
TrayWindow *tray_window_new(GtkApplication *app, GPtrArray *daemons);
void tray_window_free(TrayWindow *w);
void tray_window_present(TrayWindow *w);
/* The list of daemons changed (one added). */
void tray_window_daemons_changed(TrayWindow *w);
/* One daemon's state or snapshot changed. */
void tray_window_daemon_changed(TrayWindow *w, TrayService *d);

/* Put the Tox ID on the clipboard. */
void tray_copy_tox_id(TrayService *d);

#endif
