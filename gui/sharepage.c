/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "Share this computer": see firstrun.h. */
#include <gio/gio.h>

#include "firstrun.h"
#include "paths.h"
#include "setup.h"
#include "widgets.h"

typedef struct {
	TrayFirstRunHooks hooks;
	GtkWidget *page;
	GtkWidget *offer[4]; /* radios, by TrayShareOffer */
	GtkWidget *service, *service_msg, *message, *share, *back;
	GCancellable *cancel; /* `tunnel id` while it runs */
	char *path;           /* the file being made */
	TrayShareOffer chosen;
	gboolean replaced;    /* it was there before */
} Share;

static TrayShareOffer chosen_offer(Share *s)
{
	for (int i = 0; i < 4; i++) {
		if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(s->offer[i])))
			return (TrayShareOffer)i;
	}
	return TRAY_SHARE_SSH;
}

static void busy(Share *s, gboolean on)
{
	gtk_widget_set_sensitive(s->share, !on);
	gtk_widget_set_sensitive(s->back, !on);
}

static void on_offer(GtkToggleButton *b, gpointer data)
{
	Share *s = data;
	gboolean one = chosen_offer(s) == TRAY_SHARE_ONE;

	gtk_widget_set_sensitive(s->service, one);
	if (one && gtk_toggle_button_get_active(b))
		gtk_widget_grab_focus(s->service);
	tray_message_set(s->service_msg, NULL, FALSE);
}

/* The identity exists: the file goes into the list, its daemon starts. */
static void finish(Share *s, const char *id)
{
	TrayService *d = s->hooks.add(TT_SECTION_SERVER, s->path, s->hooks.user);

	busy(s, FALSE);
	if (!d) {
		tray_message_set(s->message, "The file was written but cannot be opened.", TRUE);
		return;
	}
	g_message("%s: new identity %s", s->path, id);
	tray_service_config_changed(d);
	if (tray_service_active(d))
		tray_service_reload(d, NULL, NULL);
	else
		tray_service_start(d);
	s->hooks.done(d, s->chosen == TRAY_SHARE_CUSTOM, s->hooks.user);
}

static void on_identity(GObject *src, GAsyncResult *res, gpointer data)
{
	char *out = NULL, *err = NULL;
	GError *error = NULL;
	gboolean ok = g_subprocess_communicate_utf8_finish(G_SUBPROCESS(src), res, &out, &err, &error);
	Share *s;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		/* The page is gone. */
		g_error_free(error);
		g_free(out);
		g_free(err);
		return;
	}
	s = data;
	g_clear_object(&s->cancel);
	ok = ok && g_subprocess_get_if_exited(G_SUBPROCESS(src)) && g_subprocess_get_exit_status(G_SUBPROCESS(src)) == 0;
	if (ok) {
		finish(s, g_strstrip(out));
	} else {
		char *msg = g_strdup_printf("Could not make this computer's identity: %s",
		                            error ? error->message : g_strstrip(err && *err ? err : out));

		busy(s, FALSE);
		tray_message_set(s->message, msg, TRUE);
		g_free(msg);
	}
	g_clear_error(&error);
	g_free(out);
	g_free(err);
}

/* `tunnel id FILE` makes the identity (FILE.tox beside it) and prints the ID. */
static void make_identity(Share *s)
{
	char *bin = tray_tunnel_binary();
	GError *error = NULL;
	GSubprocess *p = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
	                                  bin, "id", s->path, NULL);

	g_free(bin);
	if (!p) {
		tray_message_set(s->message, error->message, TRUE);
		g_error_free(error);
		return;
	}
	busy(s, TRUE);
	tray_message_set(s->message, "Making this computer's identity…", FALSE);
	s->cancel = g_cancellable_new();
	g_subprocess_communicate_utf8_async(p, NULL, s->cancel, on_identity, s);
	g_object_unref(p);
}

static void on_share(GtkButton *b, gpointer data)
{
	Share *s = data;
	char *tox = NULL, *text = NULL, *err = NULL, **allows = NULL;
	GError *error = NULL;

	if (s->cancel)
		return;
	tray_message_set(s->message, NULL, FALSE);
	tray_message_set(s->service_msg, NULL, FALSE);
	g_free(s->path);
	s->path = tray_setup_path(TRAY_SETUP_SERVER_NAME);
	s->chosen = chosen_offer(s);
	s->replaced = g_file_test(s->path, G_FILE_TEST_EXISTS);
	/* A server made again keeps the computers it allowed, and its
	 * identity (server.tox stays). */
	allows = s->replaced ? tray_setup_existing_allows(s->path) : NULL;
	tox = tray_setup_default_tox();
	text = tray_setup_server_text(tox, s->chosen, gtk_entry_get_text(GTK_ENTRY(s->service)),
	                              (const char *const *)allows, &err);
	if (!text) {
		tray_message_set(s->service_msg, err, TRUE);
		gtk_widget_grab_focus(s->service);
		goto cleanup;
	}
	if (!tray_setup_check_text(s->path, text, &err)) {
		char *msg = g_strdup_printf("The new file would not load: %s", err);

		tray_message_set(s->message, msg, TRUE);
		g_free(msg);
		goto cleanup;
	}
	if (s->replaced &&
	    !tray_ask(tray_toplevel(s->page), "This computer is shared already. Replace what it shares?",
	              "server.ini exists in ~/.config/toxtun. Its ID stays the same, and so do the computers "
	              "it allows; what they may reach becomes your new choice.",
	              "_Replace"))
		goto cleanup;
	if (!tray_setup_write(s->path, text, s->replaced, &error)) {
		tray_message_set(s->message, error->message, TRUE);
		g_error_free(error);
		goto cleanup;
	}
	make_identity(s);
cleanup:
	g_strfreev(allows);
	g_free(tox);
	g_free(text);
	g_free(err);
}

static void on_back(GtkButton *b, gpointer data)
{
	Share *s = data;

	s->hooks.go(TRAY_PAGE_WELCOME, s->hooks.user);
}

static void share_free(gpointer p)
{
	Share *s = p;

	if (s->cancel)
		g_cancellable_cancel(s->cancel);
	g_clear_object(&s->cancel);
	g_free(s->path);
	g_free(s);
}

static void share_reset(GtkWidget *page)
{
	Share *s = g_object_get_data(G_OBJECT(page), "firstrun-page");

	tray_message_set(s->message, NULL, FALSE);
	tray_message_set(s->service_msg, NULL, FALSE);
}

GtkWidget *tray_share_page(const TrayFirstRunHooks *hooks)
{
	static const char *const labels[4] = {
		"This computer's _SSH: log in to it from the other computer",
		"_Web browsing through this computer (ports 80 and 443 anywhere)",
		"_One service this computer reaches:",
		"C_ustom: choose in the editor",
	};
	Share *s = g_new0(Share, 1);
	GtkWidget *page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
	GtkWidget *one_row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GSList *group = NULL;

	s->hooks = *hooks;
	s->page = page;
	g_object_set_data_full(G_OBJECT(page), "firstrun-page", s, share_free);
	g_object_set_data(G_OBJECT(page), "firstrun-reset", share_reset);
	gtk_container_set_border_width(GTK_CONTAINER(page), 28);
	gtk_box_pack_start(GTK_BOX(page), tray_heading("Share this computer", 1.6), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page),
	                   tray_hint("This computer gets an ID. Give it to the other computer; when that computer "
	                             "asks to connect, you allow it here (a notification says so). Only "
	                             "what you choose below can be reached."),
	                   FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), tray_heading("What may the other computer reach?", 1.1), FALSE, FALSE, 6);
	for (int i = 0; i < 4; i++) {
		s->offer[i] = gtk_radio_button_new_with_mnemonic(group, labels[i]);
		group = gtk_radio_button_get_group(GTK_RADIO_BUTTON(s->offer[i]));
		g_signal_connect(s->offer[i], "toggled", G_CALLBACK(on_offer), s);
	}
	s->service = gtk_entry_new();
	gtk_entry_set_placeholder_text(GTK_ENTRY(s->service), "HOST:PORT, e.g. 192.168.1.20:8080");
	gtk_entry_set_width_chars(GTK_ENTRY(s->service), 34);
	gtk_entry_set_activates_default(GTK_ENTRY(s->service), TRUE);
	gtk_widget_set_sensitive(s->service, FALSE);
	s->service_msg = tray_message_label();
	gtk_widget_set_margin_start(s->service_msg, 28);
	gtk_box_pack_start(GTK_BOX(one_row), s->offer[TRAY_SHARE_ONE], FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(one_row), s->service, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), s->offer[TRAY_SHARE_SSH], FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), s->offer[TRAY_SHARE_WEB], FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), one_row, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), s->service_msg, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), s->offer[TRAY_SHARE_CUSTOM], FALSE, FALSE, 0);

	s->message = tray_message_label();
	gtk_box_pack_start(GTK_BOX(page), s->message, FALSE, FALSE, 6);
	s->back = gtk_button_new_with_mnemonic("_Back");
	g_signal_connect(s->back, "clicked", G_CALLBACK(on_back), s);
	s->share = gtk_button_new_with_mnemonic("S_hare");
	gtk_style_context_add_class(gtk_widget_get_style_context(s->share), "suggested-action");
	gtk_widget_set_can_default(s->share, TRUE);
	g_object_set_data(G_OBJECT(page), "firstrun-default", s->share);
	g_signal_connect(s->share, "clicked", G_CALLBACK(on_share), s);
	gtk_box_pack_start(GTK_BOX(buttons), s->back, FALSE, FALSE, 0);
	gtk_box_pack_end(GTK_BOX(buttons), s->share, FALSE, FALSE, 0);
	gtk_box_pack_end(GTK_BOX(page), buttons, FALSE, FALSE, 0);
	return page;
}
