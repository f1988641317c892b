/* The tray icon, whatever shows it: a libayatana-appindicator3 indicator
 * (StatusNotifierItem; the library itself falls back to an XEmbed icon when
 * no StatusNotifier host runs), or, when the library was missing at build
 * time, a GtkStatusIcon. Either way a click opens the menu, so everything
 * must be reachable from it. */
#ifndef TOXTUN_GUI_TRAY_H
#define TOXTUN_GUI_TRAY_H

#include <gtk/gtk.h>

#include "model.h"

typedef struct TtTray TtTray;

/* The menu is shown on click; it must be fully built and shown. */
TtTray *tt_tray_new(GtkMenu *menu);
void tt_tray_free(TtTray *t);
/* The icon for state; title is the tooltip / title (e.g. with rates). */
void tt_tray_update(TtTray *t, TtState state, const char *title);
/* Which backend: "appindicator" or "statusicon". */
const char *tt_tray_backend(void);

#endif
