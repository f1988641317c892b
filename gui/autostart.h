/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "Start at login": the user's XDG autostart entry for the tray,
 * $XDG_CONFIG_HOME/autostart/toxtun-tray.desktop. Written or removed on
 * request only; the package installs none for everyone.
 *
 * GLib only (no GTK), so that it is unit-tested directly.
 */
#ifndef TOXTUN_GUI_AUTOSTART_H
#define TOXTUN_GUI_AUTOSTART_H

#include <glib.h>

char *tray_autostart_path(void);

/* The entry that starts exe (an absolute path) at login. */
char *tray_autostart_text(const char *exe);

/* Is there an entry that desktops will start (not Hidden, not disabled)? */
gboolean tray_autostart_enabled(void);

/* Write the entry for exe, or remove it. */
gboolean tray_autostart_set(gboolean on, const char *exe, GError **error);

#endif
