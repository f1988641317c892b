/* The tray icon: see tray.h. Both backends are here, behind one interface;
 * CMake defines TOXTUN_HAVE_APPINDICATOR when the library is found. */
#include "icons.h"
#include "tray.h"

#ifdef TOXTUN_HAVE_APPINDICATOR
#include <libayatana-appindicator/app-indicator.h>
#endif

struct TtTray {
	GtkMenu *menu;
	TtState state;
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

const char *tt_tray_backend(void)
{
	return "appindicator";
}

static void backend_create(TtTray *t)
{
	t->indicator = app_indicator_new_with_path("toxtun-tray", tt_icon_name(t->state),
	                                           APP_INDICATOR_CATEGORY_COMMUNICATIONS, tt_icons_root());
	app_indicator_set_title(t->indicator, "toxtun");
	app_indicator_set_menu(t->indicator, t->menu);
	app_indicator_set_status(t->indicator, APP_INDICATOR_STATUS_ACTIVE);
}

static void backend_set_state(TtTray *t)
{
	app_indicator_set_icon_full(t->indicator, tt_icon_name(t->state), tt_state_label(t->state));
}

static void backend_set_title(TtTray *t)
{
	app_indicator_set_title(t->indicator, t->title);
}

static GObject *backend_object(TtTray *t)
{
	return G_OBJECT(t->indicator);
}

#else /* GtkStatusIcon */

G_GNUC_BEGIN_IGNORE_DEPRECATIONS

const char *tt_tray_backend(void)
{
	return "statusicon";
}

static void popup(GtkStatusIcon *icon, guint button, guint time, gpointer data)
{
	TtTray *t = data;

	gtk_menu_popup(t->menu, NULL, NULL, gtk_status_icon_position_menu, icon, button, time);
}

static void on_activate(GtkStatusIcon *icon, gpointer data)
{
	popup(icon, 1, gtk_get_current_event_time(), data);
}

static void backend_create(TtTray *t)
{
	t->icon = gtk_status_icon_new_from_icon_name(tt_icon_name(t->state));
	gtk_status_icon_set_name(t->icon, "toxtun-tray");
	gtk_status_icon_set_title(t->icon, "toxtun");
	gtk_status_icon_set_tooltip_text(t->icon, "toxtun");
	g_signal_connect(t->icon, "activate", G_CALLBACK(on_activate), t);
	g_signal_connect(t->icon, "popup-menu", G_CALLBACK(popup), t);
	gtk_status_icon_set_visible(t->icon, TRUE);
}

static void backend_set_state(TtTray *t)
{
	gtk_status_icon_set_from_icon_name(t->icon, tt_icon_name(t->state));
}

static void backend_set_title(TtTray *t)
{
	gtk_status_icon_set_title(t->icon, t->title);
	gtk_status_icon_set_tooltip_text(t->icon, t->title);
}

static GObject *backend_object(TtTray *t)
{
	return G_OBJECT(t->icon);
}

G_GNUC_END_IGNORE_DEPRECATIONS

#endif

TtTray *tt_tray_new(GtkMenu *menu)
{
	TtTray *t = g_new0(TtTray, 1);

	t->menu = g_object_ref_sink(menu);
	t->state = TT_STATE_STOPPED;
	backend_create(t);
	return t;
}

void tt_tray_free(TtTray *t)
{
	if (!t)
		return;
	g_object_unref(backend_object(t));
	g_object_unref(t->menu);
	g_free(t->title);
	g_free(t);
}

void tt_tray_update(TtTray *t, TtState state, const char *title)
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
