/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The application: one instance per user (GtkApplication), the configured
 * daemons, the tray icon with its menu, the window. */
#ifndef TOXTUN_GUI_APP_H
#define TOXTUN_GUI_APP_H

#include <gtk/gtk.h>

#define TRAY_APP_ID "org.toxtun.Tray"

GtkApplication *tray_app_new(void);

#endif
