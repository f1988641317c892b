/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The tray icon: see indicator.h. Both backends are here, behind one interface;
 * CMake defines TOXTUN_HAVE_APPINDICATOR when the library is found. */
#include "icons.h"
#include "indicator.h"

#ifdef TOXTUN_HAVE_APPINDICATOR
#include <libayatana-appindicator/app-indicator.h>
#endif

struct TrayIndicator {
	GtkMenu *menu;
	TrayState state;
	char *title;
#ifdef TOXTUN_HAVE_APPINDICATOR
	AppIndicator *indicator;
#else
	GtkStatusIcon *icon;
#endif
};

/* Each backend: its name, creating the icon for t's state, and setting
 * the icon and the title. The rest is shared below. */
#ifdef TOXTUN_HAVE_APPINDICATOR

const char *tray_indicator_backend(void)
{
	return "appindicator";
}

static void backend_create(TrayIndicator *t)
{
	t->indicator = app_indicator_new_with_path("toxtun-tray", tray_icon_name(t->state),
	                                           APP_INDICATOR_CATEGORY_COMMUNICATIONS, tray_icons_root());
	app_indicator_set_title(t->indicator, "toxtun");
	app_indicator_set_menu(t->indicator, t->menu);
	app_indicator_set_status(t->indicator, APP_INDICATOR_STATUS_ACTIVE);
}

static void backend_set_state(TrayIndicator *t)
{
	app_indicator_set_icon_full(t->indicator, tray_icon_name(t->state), tray_state_label(t->state));
}

static void backend_set_title(TrayIndicator *t)
{
	app_indicator_set_title(t->indicator, t->title);
}

static GObject *backend_object(TrayIndicator *t)
{
	return G_OBJECT(t->indicator);
}

#else /* GtkStatusIcon */

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

const char *tray_indicator_backend(void)
{
	return "statusicon";
}

static void popup(GtkStatusIcon *icon, guint button, guint time, gpointer data)
{
	TrayIndicator *t = data;

	gtk_menu_popup(t->menu, NULL, NULL, gtk_status_icon_position_menu, icon, button, time);
}

static void on_activate(GtkStatusIcon *icon, gpointer data)
{
	popup(icon, 1, gtk_get_current_event_time(), data);
}

static void backend_create(TrayIndicator *t)
{
	t->icon = gtk_status_icon_new_from_icon_name(tray_icon_name(t->state));
	gtk_status_icon_set_name(t->icon, "toxtun-tray");
	gtk_status_icon_set_title(t->icon, "toxtun");
	gtk_status_icon_set_tooltip_text(t->icon, "toxtun");
	g_signal_connect(t->icon, "activate", G_CALLBACK(on_activate), t);
	g_signal_connect(t->icon, "popup-menu", G_CALLBACK(popup), t);
	gtk_status_icon_set_visible(t->icon, TRUE);
}

static void backend_set_state(TrayIndicator *t)
{
	gtk_status_icon_set_from_icon_name(t->icon, tray_icon_name(t->state));
}

static void backend_set_title(TrayIndicator *t)
{
	gtk_status_icon_set_title(t->icon, t->title);
	gtk_status_icon_set_tooltip_text(t->icon, t->title);
}

static GObject *backend_object(TrayIndicator *t)
{
	return G_OBJECT(t->icon);
}

G_GNUC_END_IGNORE_DEPRECATIONS

#endif

TrayIndicator *tray_indicator_new(GtkMenu *menu)
{
	TrayIndicator *t = g_new0(TrayIndicator, 1);

	t->menu = g_object_ref_sink(menu);
	t->state = TRAY_STATE_STOPPED;
	backend_create(t);
	return t;
}

void tray_indicator_free(TrayIndicator *t)
{
	if (!t)
		return;
	g_object_unref(backend_object(t));
	g_object_unref(t->menu);
	g_free(t->title);
	g_free(t);
}

void tray_indicator_update(TrayIndicator *t, TrayState state, const char *title)
{
	if (state != t->state) {
		t->state = state;
		backend_set_state(t);
	}
	if (g_strcmp0(title, t->title) != 0) {
		g_free(t->title);
		t->title = g_strdup(title);
		backend_set_title(t);
	}
}
