/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The application: see app.h. */
#include <string.h>

#include "app.h"
#include "service.h"
#include "format.h"
#include "icons.h"
#include "paths.h"
#include "indicator.h"
#include "notify.h"
#include "window.h"
#include "toxtun/version.h"

typedef struct {
	GtkApplication *gtk;
	GPtrArray *daemons;       /* of TrayService *, owned */
	TrayIndicator *tray;
	GtkWidget *menu;
	GPtrArray *menu_daemon_items; /* per daemon: its Start/Stop item */
	GPtrArray *menu_copy_items;   /* per daemon: its copy item */
	GtkWidget *copy_menu_item;    /* "Copy my Tox ID" */
	TrayWindow *window;
	gboolean started;
} App;

static App app;

static void rebuild_menu(void);

/* ---- the saved list of configurations ---- */

static char *saved_list_path(void)
{
	return g_build_filename(g_get_user_config_dir(), "toxtun", "tray.conf", NULL);
}

static void save_list(void)
{
	GKeyFile *kf = g_key_file_new();
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);
	char *path = saved_list_path(), *dir = g_path_get_dirname(path);

	for (guint i = 0; i < app.daemons->len; i++) {
		TrayService *d = g_ptr_array_index(app.daemons, i);

		g_ptr_array_add(items, g_strdup_printf("%s:%s", d->role, d->ini));
	}
	g_key_file_set_comment(kf, NULL, NULL, " toxtun-tray: the ini files it shows (written by toxtun-tray)", NULL);
	g_key_file_set_string_list(kf, "tray", "configs", (const char *const *)items->pdata, items->len);
	g_mkdir_with_parents(dir, 0700);
	if (!g_key_file_save_to_file(kf, path, NULL))
		g_warning("cannot save %s", path);
	g_free(dir);
	g_free(path);
	g_ptr_array_unref(items);
	g_key_file_unref(kf);
}

/* ---- state shown by the tray ---- */

static void update_tray(void)
{
	TrayState st = TRAY_STATE_STOPPED;
	double up = 0, down = 0;
	gboolean running = FALSE;
	const char *error = NULL;
	char *title;

	for (guint i = 0; i < app.daemons->len; i++) {
		TrayService *d = g_ptr_array_index(app.daemons, i);

		st = tray_state_combine(st, d->state);
		if (d->state == TRAY_STATE_ERROR && !error)
			error = d->error;
		if (d->snap) {
			double u, dn;

			tray_snapshot_rates(d->snap, &u, &dn);
			up += u;
			down += dn;
			running = TRUE;
		}
	}
	if (st == TRAY_STATE_ERROR) {
		title = g_strdup_printf("toxtun — error: %.160s", error ? error : "see the window");
	} else if (running) {
		char *u = tray_format_rate(up), *d = tray_format_rate(down);

		title = g_strdup_printf("toxtun — %s — ↑ %s ↓ %s", tray_state_label(st), u, d);
		g_free(u);
		g_free(d);
	} else {
		title = g_strdup_printf("toxtun — %s", tray_state_label(st));
	}
	if (app.tray)
		tray_indicator_update(app.tray, st, title);
	g_free(title);
}

static void update_menu_labels(void)
{
	gboolean any_id = FALSE;

	for (guint i = 0; i < app.daemons->len && i < app.menu_daemon_items->len; i++) {
		TrayService *d = g_ptr_array_index(app.daemons, i);
		char *label = g_strdup_printf("%s %s", tray_service_active(d) ? "Stop" : "Start", d->label);

		gtk_menu_item_set_label(g_ptr_array_index(app.menu_daemon_items, i), label);
		g_free(label);
		if (i < app.menu_copy_items->len)
			gtk_widget_set_sensitive(g_ptr_array_index(app.menu_copy_items, i), d->tox_id != NULL);
		any_id |= d->tox_id != NULL;
	}
	if (app.copy_menu_item)
		gtk_widget_set_sensitive(app.copy_menu_item, any_id);
}

static void on_daemon_changed(TrayService *d, gpointer user)
{
	if (!app.started)
		return;
	update_tray();
	update_menu_labels();
	tray_notify_requests(G_APPLICATION(app.gtk), d, FALSE);
	if (app.window)
		tray_window_daemon_changed(app.window, d);
}

/* ---- the menu ---- */

static TrayService *hook_add(const char *role, const char *path, gpointer user);
static void hook_forget(TrayService *d, gpointer user);

static TrayWindow *window(void)
{
	static const TrayWindowHooks hooks = { hook_add, hook_forget, NULL };

	if (!app.window)
		app.window = tray_window_new(app.gtk, app.daemons, &hooks);
	return app.window;
}

static void on_open(GtkMenuItem *item, gpointer data)
{
	tray_window_present(window());
}

static void on_startstop(GtkMenuItem *item, gpointer data)
{
	TrayService *d = data;

	if (tray_service_active(d))
		tray_service_stop(d);
	else
		tray_service_start(d);
}

static void on_copy(GtkMenuItem *item, gpointer data)
{
	TrayService *d = data;

	if (!d) {
		/* The first daemon that has an ID. */
		for (guint i = 0; i < app.daemons->len && !d; i++) {
			TrayService *c = g_ptr_array_index(app.daemons, i);

			if (c->tox_id)
				d = c;
		}
	}
	tray_copy_tox_id(d);
}

static void on_quit(GtkMenuItem *item, gpointer data)
{
	g_application_quit(G_APPLICATION(app.gtk));
}

static GtkWidget *menu_item(GtkWidget *menu, const char *label, GCallback cb, gpointer data)
{
	GtkWidget *item = gtk_menu_item_new_with_label(label);

	if (cb)
		g_signal_connect(item, "activate", cb, data);
	gtk_menu_shell_append(GTK_MENU_SHELL(menu), item);
	return item;
}

static void separator(GtkWidget *menu)
{
	gtk_menu_shell_append(GTK_MENU_SHELL(menu), gtk_separator_menu_item_new());
}

/* The menu's items are rebuilt in place (the tray keeps the same menu),
 * when the list of daemons changes; labels change in update_menu_labels(). */
static void rebuild_menu(void)
{
	GList *children = gtk_container_get_children(GTK_CONTAINER(app.menu));

	for (GList *c = children; c; c = c->next)
		gtk_widget_destroy(c->data);
	g_list_free(children);
	g_ptr_array_set_size(app.menu_daemon_items, 0);
	g_ptr_array_set_size(app.menu_copy_items, 0);
	app.copy_menu_item = NULL;

	menu_item(app.menu, "Open window", G_CALLBACK(on_open), NULL);
	separator(app.menu);
	if (app.daemons->len == 0)
		menu_item(app.menu, "Set up a connection…", G_CALLBACK(on_open), NULL);
	for (guint i = 0; i < app.daemons->len; i++) {
		TrayService *d = g_ptr_array_index(app.daemons, i);

		g_ptr_array_add(app.menu_daemon_items, menu_item(app.menu, d->label, G_CALLBACK(on_startstop), d));
	}
	separator(app.menu);
	if (app.daemons->len <= 1) {
		app.copy_menu_item = menu_item(app.menu, "Copy my Tox ID", G_CALLBACK(on_copy), NULL);
	} else {
		GtkWidget *sub = gtk_menu_new();

		app.copy_menu_item = menu_item(app.menu, "Copy my Tox ID", NULL, NULL);
		for (guint i = 0; i < app.daemons->len; i++) {
			TrayService *d = g_ptr_array_index(app.daemons, i);
			char *label = g_strdup_printf("of %s", d->label);

			g_ptr_array_add(app.menu_copy_items, menu_item(sub, label, G_CALLBACK(on_copy), d));
			g_free(label);
		}
		gtk_menu_item_set_submenu(GTK_MENU_ITEM(app.copy_menu_item), sub);
	}
	separator(app.menu);
	menu_item(app.menu, "Quit", G_CALLBACK(on_quit), NULL);
	gtk_widget_show_all(app.menu);
	update_menu_labels();
}

/* ---- configurations ---- */

/* The service for spec ("[ROLE:]FILE"), added to the list unless it is
 * there; NULL with a line in problems when the file does not exist. *added
 * (when given) says whether it is new. */
static TrayService *add_daemon(const char *spec, const char *cwd, GString *problems, gboolean *added)
{
	static const char *const roles[] = { "server", "client", "run" };
	const char *role = NULL, *file = spec;
	char *path;
	TrayService *d;

	if (added)
		*added = FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(roles); i++) {
		size_t n = strlen(roles[i]);

		if (strncmp(spec, roles[i], n) == 0 && spec[n] == ':') {
			role = roles[i];
			file = spec + n + 1;
		}
	}
	path = g_canonicalize_filename(file, cwd);
	if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		g_string_append_printf(problems, "%s: no such file\n", path);
		g_free(path);
		return NULL;
	}
	for (guint i = 0; i < app.daemons->len; i++) {
		TrayService *o = g_ptr_array_index(app.daemons, i);

		/* A file opened again without a role is the one listed. */
		if (strcmp(o->ini, path) == 0 && (!role || strcmp(o->role, role) == 0)) {
			g_free(path);
			return o;
		}
	}
	if (!role)
		role = tray_infer_role(path);
	d = tray_service_new(path, role, on_daemon_changed, NULL);
	g_ptr_array_add(app.daemons, d);
	g_free(path);
	if (added)
		*added = TRUE;
	return d;
}

/* The list changed: remember it, and show it. */
static void list_changed(void)
{
	save_list();
	rebuild_menu();
	if (app.window)
		tray_window_daemons_changed(app.window);
	update_tray();
}

static TrayService *hook_add(const char *role, const char *path, gpointer user)
{
	char *spec = role ? g_strdup_printf("%s:%s", role, path) : g_strdup(path);
	GString *problems = g_string_new(NULL);
	gboolean added;
	TrayService *d = add_daemon(spec, "/", problems, &added);

	if (problems->len)
		g_message("%s", problems->str);
	if (added)
		list_changed();
	g_string_free(problems, TRUE);
	g_free(spec);
	return d;
}

static void hook_forget(TrayService *d, gpointer user)
{
	g_message("%s: removed from the list (%s stays)", d->label, d->ini);
	tray_notify_requests(G_APPLICATION(app.gtk), d, TRUE);
	if (app.window)
		tray_window_forget(app.window, d);
	g_ptr_array_remove(app.daemons, d);
	list_changed();
}

/* ---- notification actions ---- */

static TrayService *service_of(GVariant *param, const char **key)
{
	const char *ini = NULL;

	if (g_variant_is_of_type(param, G_VARIANT_TYPE("(ss)")))
		g_variant_get(param, "(&s&s)", &ini, key);
	else
		ini = g_variant_get_string(param, NULL);
	for (guint i = 0; ini && i < app.daemons->len; i++) {
		TrayService *d = g_ptr_array_index(app.daemons, i);

		if (strcmp(d->ini, ini) == 0)
			return d;
	}
	return NULL;
}

static void on_answer_action(GSimpleAction *action, GVariant *param, gpointer data)
{
	const char *key = NULL;
	TrayService *d = service_of(param, &key);

	if (d && key)
		tray_window_answer(window(), d, key, GPOINTER_TO_INT(data));
}

static void on_show_requests(GSimpleAction *action, GVariant *param, gpointer data)
{
	TrayService *d = service_of(param, NULL);

	if (d)
		tray_window_show_daemon(window(), d);
	else
		tray_window_present(window());
}

static void add_actions(void)
{
	GSimpleAction *allow = g_simple_action_new("allow", G_VARIANT_TYPE("(ss)"));
	GSimpleAction *deny = g_simple_action_new("deny", G_VARIANT_TYPE("(ss)"));
	GSimpleAction *show = g_simple_action_new("show-requests", G_VARIANT_TYPE_STRING);

	g_signal_connect(allow, "activate", G_CALLBACK(on_answer_action), GINT_TO_POINTER(TRUE));
	g_signal_connect(deny, "activate", G_CALLBACK(on_answer_action), GINT_TO_POINTER(FALSE));
	g_signal_connect(show, "activate", G_CALLBACK(on_show_requests), NULL);
	g_action_map_add_action(G_ACTION_MAP(app.gtk), G_ACTION(allow));
	g_action_map_add_action(G_ACTION_MAP(app.gtk), G_ACTION(deny));
	g_action_map_add_action(G_ACTION_MAP(app.gtk), G_ACTION(show));
	g_object_unref(allow);
	g_object_unref(deny);
	g_object_unref(show);
}

static void load_saved_list(void)
{
	GKeyFile *kf = g_key_file_new();
	char *path = saved_list_path();
	char **items;
	GString *problems = g_string_new(NULL);

	if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL) &&
	    (items = g_key_file_get_string_list(kf, "tray", "configs", NULL, NULL))) {
		for (char **i = items; *i; i++)
			add_daemon(*i, "/", problems, NULL);
		g_strfreev(items);
	}
	if (problems->len)
		g_message("saved configurations skipped: %s", problems->str);
	g_string_free(problems, TRUE);
	g_free(path);
	g_key_file_unref(kf);
}

/* ---- GApplication ---- */

static void on_startup(GApplication *gapp, gpointer data)
{
	GtkCssProvider *css = gtk_css_provider_new();

	tray_icons_init();
	gtk_window_set_default_icon_name(TRAY_APP_ICON);
	gtk_css_provider_load_from_data(css, "label.error { color: #c01c28; }", -1, NULL);
	gtk_style_context_add_provider_for_screen(gdk_screen_get_default(), GTK_STYLE_PROVIDER(css),
	                                          GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
	g_object_unref(css);
	app.menu = gtk_menu_new();
	app.menu_daemon_items = g_ptr_array_new();
	app.menu_copy_items = g_ptr_array_new();
	rebuild_menu();
	app.tray = tray_indicator_new(GTK_MENU(app.menu));
	add_actions();
	/* A tray app lives without windows. */
	g_application_hold(gapp);
	app.started = TRUE;
	update_tray();
}

static void on_shutdown(GApplication *gapp, gpointer data)
{
	app.started = FALSE;
	tray_window_free(app.window);
	app.window = NULL;
	tray_indicator_free(app.tray);
	app.tray = NULL;
	/* Daemons keep running: the tray only watches them. */
	g_ptr_array_set_size(app.daemons, 0);
	g_ptr_array_unref(app.menu_daemon_items);
	g_ptr_array_unref(app.menu_copy_items);
}

static int on_command_line(GApplication *gapp, GApplicationCommandLine *cl, gpointer data)
{
	GVariantDict *opts = g_application_command_line_get_options_dict(cl);
	const char **configs = NULL;
	gboolean show = FALSE, first = app.daemons->len == 0, added = FALSE;
	GString *problems = g_string_new(NULL);
	const char *cwd = g_application_command_line_get_cwd(cl);

	g_variant_dict_lookup(opts, "show", "b", &show);
	if (g_variant_dict_lookup(opts, "config", "^a&ay", &configs)) {
		for (const char **c = configs; *c; c++) {
			gboolean new_one = FALSE;

			add_daemon(*c, cwd, problems, &new_one);
			added |= new_one;
		}
		g_free(configs);
	} else if (first) {
		load_saved_list();
		added = app.daemons->len > 0;
	}
	if (problems->len) {
		g_application_command_line_printerr(cl, "toxtun-tray: %s", problems->str);
		g_string_free(problems, TRUE);
		if (first && app.daemons->len == 0)
			return 2;
	} else {
		g_string_free(problems, TRUE);
	}
	if (added)
		list_changed();
	/* Asked again without --show: show the window, that is what a second
	 * start from a launcher means. With nothing to show, the window is
	 * where the first connection is made. */
	if (show || (!first && !added) || app.daemons->len == 0)
		tray_window_present(window());
	return 0;
}

static int on_local_options(GApplication *gapp, GVariantDict *opts, gpointer data)
{
	if (g_variant_dict_contains(opts, "version")) {
		g_print("toxtun-tray %s\n", TOXTUN_VERSION);
		return 0;
	}
	return -1;
}

GtkApplication *tray_app_new(void)
{
	static const GOptionEntry entries[] = {
		{ "show", 's', 0, G_OPTION_ARG_NONE, NULL, "Open the window at start", NULL },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME_ARRAY, NULL,
		  "An ini file to show, repeatable; ROLE: (server, client, run) in front sets its role, "
		  "else it is client when the file has [client] lines, server otherwise",
		  "[ROLE:]FILE.ini" },
		{ "version", 'V', 0, G_OPTION_ARG_NONE, NULL, "Print the version", NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};

	app.gtk = gtk_application_new(TRAY_APP_ID, G_APPLICATION_HANDLES_COMMAND_LINE);
	app.daemons = g_ptr_array_new_with_free_func((GDestroyNotify)tray_service_free);
	g_application_add_main_option_entries(G_APPLICATION(app.gtk), entries);
	g_application_set_option_context_summary(G_APPLICATION(app.gtk),
	                                         "The tray icon of toxtun: the state of the tunnels, "
	                                         "start and stop, live statistics, the config editor.");
	g_signal_connect(app.gtk, "startup", G_CALLBACK(on_startup), NULL);
	g_signal_connect(app.gtk, "shutdown", G_CALLBACK(on_shutdown), NULL);
	g_signal_connect(app.gtk, "command-line", G_CALLBACK(on_command_line), NULL);
	g_signal_connect(app.gtk, "handle-local-options", G_CALLBACK(on_local_options), NULL);
	return app.gtk;
}
