/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The tray icon, whatever shows it: a libayatana-appindicator3 indicator
 * (StatusNotifierItem; the library itself falls back to an XEmbed icon when
 * no StatusNotifier host runs), or, when the library was missing at build
 * time, a GtkStatusIcon. Either way a click opens the menu, so everything
 * must be reachable from it. */
#ifndef TOXTUN_GUI_INDICATOR_H
#define TOXTUN_GUI_INDICATOR_H

#include <gtk/gtk.h>

#include "model.h"

typedef struct TrayIndicator TrayIndicator;

/* The menu is shown on click; it must be fully built and shown. */
TrayIndicator *tray_indicator_new(GtkMenu *menu);
void tray_indicator_free(TrayIndicator *t);
/* The icon for state; title is the tooltip / title (e.g. with rates). */
void tray_indicator_update(TrayIndicator *t, TrayState state, const char *title);
/* Which backend: "appindicator" or "statusicon". */
const char *tray_indicator_backend(void);

#endif
