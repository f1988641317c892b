/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Our own icons (assets/icons): one per state, and the application's. They
 * live in an icon theme directory of their own (ROOT/hicolor/SIZE/status),
 * added to GTK's search path, so they look the same whatever the theme. */
#ifndef TOXTUN_GUI_ICONS_H
#define TOXTUN_GUI_ICONS_H

#include <gtk/gtk.h>

#include "model.h"

#define TRAY_APP_ICON "toxtun"

/* Adds the icon root to the default icon theme; returns it (owned). */
const char *tray_icons_init(void);
const char *tray_icons_root(void);
/* "toxtun-connected" etc. */
const char *tray_icon_name(TrayState s);
/* An image of the state icon at size px. */
GtkWidget *tray_icon_image(TrayState s, int px);

#endif
