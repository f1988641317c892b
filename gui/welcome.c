/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The welcome page: see firstrun.h. */
#include "autostart.h"
#include "firstrun.h"
#include "paths.h"
#include "setup.h"
#include "widgets.h"

typedef struct {
	TrayFirstRunHooks hooks;
	GtkWidget *title, *intro, *back, *autostart, *message;
	gboolean filling;
} Welcome;

static Welcome *state(GtkWidget *page)
{
	return g_object_get_data(G_OBJECT(page), "welcome");
}

static void on_share(GtkButton *b, gpointer data)
{
	Welcome *w = data;

	w->hooks.go(TRAY_PAGE_SHARE, w->hooks.user);
}

static void on_connect(GtkButton *b, gpointer data)
{
	Welcome *w = data;

	w->hooks.go(TRAY_PAGE_CONNECT, w->hooks.user);
}

static void on_back(GtkButton *b, gpointer data)
{
	Welcome *w = data;

	w->hooks.go(TRAY_PAGE_MAIN, w->hooks.user);
}

static void on_open(GtkButton *b, gpointer data)
{
	Welcome *w = data;
	GtkFileChooserNative *fc = gtk_file_chooser_native_new("Open a toxtun file", tray_toplevel(GTK_WIDGET(b)),
	                                                       GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
	GtkFileFilter *ini = gtk_file_filter_new();
	char *dir = tray_setup_dir();

	gtk_file_filter_set_name(ini, "toxtun files (*.ini)");
	gtk_file_filter_add_pattern(ini, "*.ini");
	gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(fc), ini);
	if (g_file_test(dir, G_FILE_TEST_IS_DIR))
		gtk_file_chooser_set_current_folder(GTK_FILE_CHOOSER(fc), dir);
	g_free(dir);
	if (gtk_native_dialog_run(GTK_NATIVE_DIALOG(fc)) == GTK_RESPONSE_ACCEPT) {
		char *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(fc));

		if (path) {
			TrayService *d = w->hooks.add(NULL, path, w->hooks.user);

			if (d)
				w->hooks.done(d, FALSE, w->hooks.user);
			else
				tray_message_set(w->message, "That file cannot be opened.", TRUE);
		}
		g_free(path);
	}
	g_object_unref(fc);
}

static void on_autostart(GObject *sw, GParamSpec *pspec, gpointer data)
{
	Welcome *w = data;
	gboolean on = gtk_switch_get_active(GTK_SWITCH(w->autostart));
	char *exe = tray_exe_path();
	GError *error = NULL;

	if (w->filling)
		return;
	if (!tray_autostart_set(on, exe, &error)) {
		tray_message_set(w->message, error->message, TRUE);
		g_error_free(error);
		w->filling = TRUE;
		gtk_switch_set_active(GTK_SWITCH(w->autostart), tray_autostart_enabled());
		w->filling = FALSE;
	} else {
		tray_message_set(w->message, NULL, FALSE);
	}
	g_free(exe);
}

/* One of the two large choices: a title and what it does. */
static GtkWidget *choice(const char *mnemonic, const char *what, GCallback cb, Welcome *w)
{
	GtkWidget *b = gtk_button_new(), *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
	GtkWidget *title = gtk_label_new_with_mnemonic(mnemonic), *text = gtk_label_new(what);
	PangoAttrList *big = pango_attr_list_new();

	pango_attr_list_insert(big, pango_attr_scale_new(1.4));
	pango_attr_list_insert(big, pango_attr_weight_new(PANGO_WEIGHT_BOLD));
	gtk_label_set_attributes(GTK_LABEL(title), big);
	pango_attr_list_unref(big);
	gtk_label_set_mnemonic_widget(GTK_LABEL(title), b);
	gtk_label_set_line_wrap(GTK_LABEL(text), TRUE);
	gtk_label_set_justify(GTK_LABEL(text), GTK_JUSTIFY_CENTER);
	gtk_label_set_max_width_chars(GTK_LABEL(text), 30);
	gtk_box_pack_start(GTK_BOX(box), title, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), text, FALSE, FALSE, 0);
	gtk_widget_set_valign(box, GTK_ALIGN_START);
	gtk_container_set_border_width(GTK_CONTAINER(box), 18);
	gtk_container_add(GTK_CONTAINER(b), box);
	gtk_style_context_add_class(gtk_widget_get_style_context(b), "suggested-action");
	gtk_widget_set_size_request(b, 320, 150);
	g_signal_connect(b, "clicked", cb, w);
	return b;
}

GtkWidget *tray_welcome_page(const TrayFirstRunHooks *hooks)
{
	Welcome *w = g_new0(Welcome, 1);
	GtkWidget *page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 14);
	GtkWidget *choices = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 24);
	GtkWidget *more = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);
	GtkWidget *open = gtk_button_new_with_mnemonic("_Open an existing file…");
	GtkWidget *login = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);

	w->hooks = *hooks;
	g_object_set_data_full(G_OBJECT(page), "welcome", w, g_free);
	gtk_container_set_border_width(GTK_CONTAINER(page), 28);
	w->title = tray_heading("Welcome to toxtun", 1.6);
	w->intro = tray_hint("toxtun links two computers through the Tox network, encrypted from end to end: "
	                     "no port to open on the router, no address to know. One computer shares itself, "
	                     "the other connects to it with its ID. Which one is this?");
	gtk_box_pack_start(GTK_BOX(page), w->title, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), w->intro, FALSE, FALSE, 0);

	gtk_widget_set_halign(choices, GTK_ALIGN_CENTER);
	gtk_widget_set_margin_top(choices, 12);
	gtk_widget_set_margin_bottom(choices, 12);
	gtk_box_pack_start(GTK_BOX(choices),
	                   choice("_Share this computer",
	                          "Let another computer reach this one: its SSH, the web through it, or one "
	                          "service. You get an ID to give to the other computer.",
	                          G_CALLBACK(on_share), w),
	                   FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(choices),
	                   choice("_Connect to a computer",
	                          "Reach a computer that shares itself: paste the ID it shows, and choose what "
	                          "to reach there.",
	                          G_CALLBACK(on_connect), w),
	                   FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), choices, FALSE, FALSE, 0);

	g_signal_connect(open, "clicked", G_CALLBACK(on_open), w);
	w->autostart = gtk_switch_new();
	gtk_widget_set_valign(w->autostart, GTK_ALIGN_CENTER);
	g_signal_connect(w->autostart, "notify::active", G_CALLBACK(on_autostart), w);
	gtk_box_pack_start(GTK_BOX(login), tray_field_label("Start at _login", w->autostart), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(login), w->autostart, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(more), open, FALSE, FALSE, 0);
	gtk_box_pack_end(GTK_BOX(more), login, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), more, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page),
	                   tray_hint("Start at login puts the tray icon in your desktop session each time you log "
	                             "in, with the connections listed here."),
	                   FALSE, FALSE, 0);
	w->message = tray_message_label();
	gtk_box_pack_start(GTK_BOX(page), w->message, FALSE, FALSE, 0);

	w->back = gtk_button_new_with_mnemonic("_Back");
	g_signal_connect(w->back, "clicked", G_CALLBACK(on_back), w);
	gtk_widget_set_halign(w->back, GTK_ALIGN_START);
	gtk_widget_set_no_show_all(w->back, TRUE);
	gtk_box_pack_end(GTK_BOX(page), w->back, FALSE, FALSE, 0);
	return page;
}

void tray_welcome_refresh(GtkWidget *page, gboolean have_files)
{
	Welcome *w = state(page);
	char *m = g_markup_printf_escaped("<span size='%d' weight='bold'>%s</span>", (int)(1.6 * 10240),
	                                  have_files ? "Add a connection" : "Welcome to toxtun");

	gtk_label_set_markup(GTK_LABEL(w->title), m);
	g_free(m);
	gtk_widget_set_visible(w->back, have_files);
	tray_message_set(w->message, NULL, FALSE);
	w->filling = TRUE;
	gtk_switch_set_active(GTK_SWITCH(w->autostart), tray_autostart_enabled());
	w->filling = FALSE;
}

void tray_firstrun_page_reset(GtkWidget *page)
{
	void (*reset)(GtkWidget *) = g_object_get_data(G_OBJECT(page), "firstrun-reset");
	GtkWidget *def = g_object_get_data(G_OBJECT(page), "firstrun-default");

	if (reset)
		reset(page);
	/* Return in a field presses the page's main button. */
	if (def)
		gtk_widget_grab_default(def);
}
