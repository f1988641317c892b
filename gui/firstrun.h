/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's first-run pages: the welcome page with its two large choices
 * ("Share this computer", "Connect to a computer"), opening an existing
 * file and the "Start at login" switch; the share page; the connect page.
 * Each writes a new file in ~/.config/toxtun (setup.h), puts it in the
 * tray's list, starts its daemon and hands it back to the window. They stay
 * reachable once there are files, for a second connection. */
#ifndef TOXTUN_GUI_FIRSTRUN_H
#define TOXTUN_GUI_FIRSTRUN_H

#include <gtk/gtk.h>

#include "service.h"

#define TRAY_PAGE_WELCOME "welcome"
#define TRAY_PAGE_SHARE "share"
#define TRAY_PAGE_CONNECT "connect"
#define TRAY_PAGE_MAIN "main"

typedef struct {
	/* Put path in the tray's list (role "server" or "client", NULL to
	 * infer it from the file) and return its service; a file already in
	 * the list gives the service it has. */
	TrayService *(*add)(const char *role, const char *path, gpointer user);
	/* The service for path when it is in the list, else NULL. */
	TrayService *(*find)(const char *path, gpointer user);
	/* Go to another page (TRAY_PAGE_*). */
	void (*go)(const char *page, gpointer user);
	/* A page is done with d: show it, in the editor when edit is TRUE. */
	void (*done)(TrayService *d, gboolean edit, gpointer user);
	gpointer user;
} TrayFirstRunHooks;

/* The pages; hooks are copied. */
GtkWidget *tray_welcome_page(const TrayFirstRunHooks *hooks);
/* Before it is shown: the title and Back follow whether there are files;
 * the switch follows the autostart entry. */
void tray_welcome_refresh(GtkWidget *page, gboolean have_files);

GtkWidget *tray_share_page(const TrayFirstRunHooks *hooks);
GtkWidget *tray_connect_page(const TrayFirstRunHooks *hooks);
/* Clear messages before a page is shown again. */
void tray_firstrun_page_reset(GtkWidget *page);

#endif
