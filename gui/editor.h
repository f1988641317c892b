/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The config editor page of the window: the server's name, its permit and
 * allow lists, the client tunnels as a table. Saving validates the whole
 * file with the daemon's loader, writes it line-preservingly (confedit.h)
 * and asks the daemon to reload; every error is shown next to what it is
 * about. */
#ifndef TOXTUN_GUI_EDITOR_H
#define TOXTUN_GUI_EDITOR_H

#include <gtk/gtk.h>

#include "service.h"

typedef struct TrayEditor TrayEditor;

TrayEditor *tray_editor_new(void);
void tray_editor_free(TrayEditor *e);
GtkWidget *tray_editor_widget(TrayEditor *e);
/* Show d's file (re-read from disk). NULL: nothing. */
void tray_editor_load(TrayEditor *e, TrayService *d);
/* The daemon shown is going away. */
void tray_editor_forget(TrayEditor *e, TrayService *d);

#endif
