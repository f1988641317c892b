/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The main window: for the file chosen, an overview in words (overview.h),
 * the live status of its daemon (node, peers, tunnels with rate graphs), its
 * identity (Tox ID, copy button, QR code) and the config editor; with no
 * file, or after Add…, the first-run pages (firstrun.h). Refreshed from the
 * daemons' snapshots; closing it only hides it. */
#ifndef TOXTUN_GUI_WINDOW_H
#define TOXTUN_GUI_WINDOW_H

#include <gtk/gtk.h>

#include "service.h"

typedef struct TrayWindow TrayWindow;

/* How the window changes the app's list of files. */
typedef struct {
	/* Add path (role "server", "client", or NULL: inferred); returns its
	 * service, NULL when the file cannot be used. */
	TrayService *(*add)(const char *role, const char *path, gpointer user);
	/* Take d out of the list (the file and the daemon stay). */
	void (*forget)(TrayService *d, gpointer user);
	gpointer user;
} TrayWindowHooks;

/* daemons: the app's list of TrayService * (not owned; read on every
 * update). hooks is copied. */
TrayWindow *tray_window_new(GtkApplication *app, GPtrArray *daemons, const TrayWindowHooks *hooks);
void tray_window_free(TrayWindow *w);
void tray_window_present(TrayWindow *w);
/* The list of daemons changed (one added). */
void tray_window_daemons_changed(TrayWindow *w);
/* One daemon's state or snapshot changed. */
void tray_window_daemon_changed(TrayWindow *w, TrayService *d);

/* d is about to leave the list: drop every reference to it. */
void tray_window_forget(TrayWindow *w, TrayService *d);
/* Show d (on its overview) and present the window. */
void tray_window_show_daemon(TrayWindow *w, TrayService *d);
/* Answer a friend request of d, as its Allow / Deny buttons do. */
void tray_window_answer(TrayWindow *w, TrayService *d, const char *public_key, gboolean allow);

/* Put the Tox ID on the clipboard. */
void tray_copy_tox_id(TrayService *d);

#endif
