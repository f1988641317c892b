/* SPDX-License-Identifier: GPL-3.0-or-later */
/* "Connect to a computer": see firstrun.h. */
#include <string.h>

#include "firstrun.h"
#include "format.h"
#include "setup.h"
#include "tunneldialog.h"
#include "validate.h"
#include "widgets.h"

enum { USE_SSH = TRAY_CONNECT_SSH, USE_PROXY = TRAY_CONNECT_PROXY, USE_CUSTOM = TRAY_CONNECT_CUSTOM, N_USES };

typedef struct {
	TrayFirstRunHooks hooks;
	GtkWidget *page;
	GtkWidget *id, *id_msg, *name, *name_msg;
	GtkWidget *use[N_USES];
	GtkWidget *port, *port_label, *port_msg, *message, *connect;
	gboolean port_edited; /* typed by hand: a change of use keeps it */
	gboolean filling;
} Connect;

static TrayConnectUse chosen_use(Connect *c)
{
	for (int i = 0; i < N_USES; i++) {
		if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(c->use[i])))
			return (TrayConnectUse)i;
	}
	return TRAY_CONNECT_SSH;
}

/* Checked as it is typed: what is wrong, or that it is fine. */
static void on_id_changed(GtkEditable *e, gpointer data)
{
	Connect *c = data;
	const char *text = gtk_entry_get_text(GTK_ENTRY(c->id));
	char *msg = NULL;
	gboolean empty = strspn(text, " \t\r\n") == strlen(text);

	if (tray_setup_check_id(text, NULL, &msg))
		tray_message_set(c->id_msg, "✓ A valid ID.", FALSE);
	else
		tray_message_set(c->id_msg, msg, !empty);
	g_free(msg);
}

static void on_name_changed(GtkEditable *e, gpointer data)
{
	Connect *c = data;
	const char *text = gtk_entry_get_text(GTK_ENTRY(c->name));
	char *msg = NULL, *name = NULL;

	/* An empty name is only wrong once Connect is pressed. */
	if (!*text || tray_setup_check_name(text, &name, &msg)) {
		char *path = name ? tray_setup_path(name) : NULL, *shown = path ? tray_format_path(path) : NULL;
		char *note = shown ? g_strdup_printf("Saved as %s", shown) : NULL;

		tray_message_set(c->name_msg, note, FALSE);
		g_free(note);
		g_free(shown);
		g_free(path);
	} else {
		tray_message_set(c->name_msg, msg, TRUE);
	}
	g_free(name);
	g_free(msg);
}

static void on_port_changed(GtkEditable *e, gpointer data)
{
	Connect *c = data;

	if (!c->filling)
		c->port_edited = TRUE;
	tray_message_set(c->port_msg, NULL, FALSE);
}

static void on_use(GtkToggleButton *b, gpointer data)
{
	Connect *c = data;
	TrayConnectUse use = chosen_use(c);

	if (!gtk_toggle_button_get_active(b))
		return;
	gtk_widget_set_sensitive(c->port, use != TRAY_CONNECT_CUSTOM);
	gtk_widget_set_sensitive(c->port_label, use != TRAY_CONNECT_CUSTOM);
	if (!c->port_edited && use != TRAY_CONNECT_CUSTOM) {
		char *p = g_strdup_printf("%d", use == TRAY_CONNECT_PROXY ? TRAY_SETUP_PROXY_PORT : TRAY_SETUP_SSH_PORT);

		c->filling = TRUE;
		gtk_entry_set_text(GTK_ENTRY(c->port), p);
		c->filling = FALSE;
		g_free(p);
	}
	tray_message_set(c->port_msg, NULL, FALSE);
}

/* Custom: the tunnel dialog, with the server and the usual destination
 * filled in. FALSE when cancelled. */
static gboolean custom_line(Connect *c, const char *id, const char *name, char **tname, char **value)
{
	char *fields[TF_COUNT + 1] = { NULL };
	gboolean ok;

	for (int i = 0; i < TF_COUNT; i++)
		fields[i] = g_strdup("");
	g_free(fields[TF_NAME]);
	fields[TF_NAME] = g_strdup(name);
	g_free(fields[TF_REMOTE_HOST]);
	fields[TF_REMOTE_HOST] = g_strdup("127.0.0.1");
	g_free(fields[TF_SERVER_ID]);
	fields[TF_SERVER_ID] = g_strdup(id);
	ok = tray_tunnel_dialog_run(tray_toplevel(c->page), "Add tunnel", fields, tname, value);
	for (int i = 0; i < TF_COUNT; i++)
		g_free(fields[i]);
	return ok;
}

/* A line that listens on this computer's loopback must find its port free;
 * the daemon would say the same, but only after the file is written. */
static gboolean port_ok(Connect *c, const char *tname, const char *value)
{
	struct tt_client_tunnel t;
	char err[512], *msg = NULL;

	if (!tt_parse_client_line(tname, value, &t, err, sizeof(err)) || t.kind == TT_TUNNEL_REVERSE ||
	    t.kind == TT_TUNNEL_UDP || strcmp(t.listen_host, "127.0.0.1") != 0)
		return TRUE;
	if (tray_setup_port_free(t.listen_port, &msg))
		return TRUE;
	{
		char *full = g_strdup_printf("%s. Choose another port.", msg);

		tray_message_set(chosen_use(c) == TRAY_CONNECT_CUSTOM ? c->message : c->port_msg, full, TRUE);
		g_free(full);
	}
	g_free(msg);
	return FALSE;
}

static void on_connect(GtkButton *b, gpointer data)
{
	Connect *c = data;
	char *id = NULL, *name = NULL, *msg = NULL, *tname = NULL, *value = NULL, *path = NULL, *tox = NULL,
	     *text = NULL;
	TrayConnectUse use = chosen_use(c);
	GError *error = NULL;
	guint16 port = 0;
	gboolean exists;
	TrayService *d;

	tray_message_set(c->message, NULL, FALSE);
	if (!tray_setup_check_id(gtk_entry_get_text(GTK_ENTRY(c->id)), &id, &msg)) {
		tray_message_set(c->id_msg, msg, TRUE);
		gtk_widget_grab_focus(c->id);
		goto cleanup;
	}
	if (!tray_setup_check_name(gtk_entry_get_text(GTK_ENTRY(c->name)), &name, &msg)) {
		tray_message_set(c->name_msg, msg, TRUE);
		gtk_widget_grab_focus(c->name);
		goto cleanup;
	}
	if (use != TRAY_CONNECT_CUSTOM) {
		const char *fixed;

		if (!tray_setup_check_port(gtk_entry_get_text(GTK_ENTRY(c->port)), &port, &msg)) {
			tray_message_set(c->port_msg, msg, TRUE);
			gtk_widget_grab_focus(c->port);
			goto cleanup;
		}
		value = tray_setup_client_value(use, port, id, &fixed);
		tname = g_strdup(fixed);
	} else if (!custom_line(c, id, name, &tname, &value)) {
		goto cleanup;
	}
	if (!port_ok(c, tname, value))
		goto cleanup;
	path = tray_setup_path(name);
	tox = tray_setup_default_tox();
	text = tray_setup_client_text(tox, tname, value);
	if (!tray_setup_check_text(path, text, &msg)) {
		char *m = g_strdup_printf("The new file would not load: %s", msg);

		tray_message_set(c->message, m, TRUE);
		g_free(m);
		goto cleanup;
	}
	exists = g_file_test(path, G_FILE_TEST_EXISTS);
	if (exists) {
		char *q = g_strdup_printf("A connection named “%s” exists already. Replace it?", name);
		char *shown = tray_format_path(path);
		char *detail = g_strdup_printf("%s is replaced by this new connection. Its identity stays, so "
		                               "a computer that allowed it still does.",
		                               shown);
		gboolean yes = tray_ask(tray_toplevel(c->page), q, detail, "_Replace");

		g_free(q);
		g_free(detail);
		g_free(shown);
		if (!yes) {
			tray_message_set(c->name_msg, "Choose another name, or replace the connection.", TRUE);
			gtk_widget_grab_focus(c->name);
			goto cleanup;
		}
	}
	if (!tray_setup_write(path, text, exists, &error)) {
		tray_message_set(c->message, error->message, TRUE);
		g_error_free(error);
		goto cleanup;
	}
	d = c->hooks.add(TT_SECTION_CLIENT, path, c->hooks.user);
	if (!d) {
		tray_message_set(c->message, "The file was written but cannot be opened.", TRUE);
		goto cleanup;
	}
	tray_service_config_changed(d);
	if (tray_service_active(d))
		tray_service_reload(d, NULL, NULL);
	else
		tray_service_start(d);
	c->hooks.done(d, FALSE, c->hooks.user);
cleanup:
	g_free(id);
	g_free(name);
	g_free(msg);
	g_free(tname);
	g_free(value);
	g_free(path);
	g_free(tox);
	g_free(text);
}

static void on_back(GtkButton *b, gpointer data)
{
	Connect *c = data;

	c->hooks.go(TRAY_PAGE_WELCOME, c->hooks.user);
}

static void connect_reset(GtkWidget *page)
{
	Connect *c = g_object_get_data(G_OBJECT(page), "firstrun-page");

	tray_message_set(c->message, NULL, FALSE);
	tray_message_set(c->port_msg, NULL, FALSE);
	/* A second connection is likely to the same computer, never of the
	 * same name. */
	gtk_entry_set_text(GTK_ENTRY(c->name), "");
	on_id_changed(NULL, c);
	on_name_changed(NULL, c);
}

static GtkWidget *entry(int width, GCallback changed, Connect *c)
{
	GtkWidget *e = gtk_entry_new();

	gtk_entry_set_width_chars(GTK_ENTRY(e), width);
	gtk_entry_set_activates_default(GTK_ENTRY(e), TRUE);
	g_signal_connect(e, "changed", changed, c);
	return e;
}

GtkWidget *tray_connect_page(const TrayFirstRunHooks *hooks)
{
	static const char *const labels[N_USES] = {
		"_SSH: log in to the other computer",
		"Browser _proxy: browse the web through the other computer",
		"C_ustom: any tunnel, in the tunnel dialog",
	};
	Connect *c = g_new0(Connect, 1);
	GtkWidget *page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
	GtkWidget *port_row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *back = gtk_button_new_with_mnemonic("_Back");
	PangoAttrList *mono = pango_attr_list_new();
	GSList *group = NULL;

	c->hooks = *hooks;
	c->page = page;
	g_object_set_data_full(G_OBJECT(page), "firstrun-page", c, g_free);
	g_object_set_data(G_OBJECT(page), "firstrun-reset", connect_reset);
	gtk_container_set_border_width(GTK_CONTAINER(page), 28);
	gtk_box_pack_start(GTK_BOX(page), tray_heading("Connect to a computer", 1.6), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page),
	                   tray_hint("The other computer shows its ID where it was shared (Share this computer). "
	                             "Once you connect, it is asked to allow this computer."),
	                   FALSE, FALSE, 4);

	c->id = entry(60, G_CALLBACK(on_id_changed), c);
	pango_attr_list_insert(mono, pango_attr_family_new("monospace"));
	gtk_entry_set_attributes(GTK_ENTRY(c->id), mono);
	pango_attr_list_unref(mono);
	gtk_entry_set_placeholder_text(GTK_ENTRY(c->id), "76 digits and letters A–F");
	c->id_msg = tray_message_label();
	gtk_box_pack_start(GTK_BOX(page), tray_field_label("The other computer's _ID", c->id), FALSE, FALSE, 4);
	gtk_box_pack_start(GTK_BOX(page), c->id, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), c->id_msg, FALSE, FALSE, 0);

	c->name = entry(24, G_CALLBACK(on_name_changed), c);
	gtk_entry_set_placeholder_text(GTK_ENTRY(c->name), "e.g. office");
	gtk_widget_set_halign(c->name, GTK_ALIGN_START);
	c->name_msg = tray_message_label();
	gtk_box_pack_start(GTK_BOX(page), tray_field_label("_Name of this connection", c->name), FALSE, FALSE, 4);
	gtk_box_pack_start(GTK_BOX(page), c->name, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), c->name_msg, FALSE, FALSE, 0);

	gtk_box_pack_start(GTK_BOX(page), tray_heading("What to reach there", 1.1), FALSE, FALSE, 8);
	for (int i = 0; i < N_USES; i++) {
		c->use[i] = gtk_radio_button_new_with_mnemonic(group, labels[i]);
		group = gtk_radio_button_get_group(GTK_RADIO_BUTTON(c->use[i]));
		g_signal_connect(c->use[i], "toggled", G_CALLBACK(on_use), c);
		gtk_box_pack_start(GTK_BOX(page), c->use[i], FALSE, FALSE, 0);
	}
	c->port_msg = tray_message_label();
	c->port = entry(8, G_CALLBACK(on_port_changed), c);
	c->filling = TRUE;
	gtk_entry_set_text(GTK_ENTRY(c->port), "2222");
	c->filling = FALSE;
	c->port_label = tray_field_label("_Local port (on this computer)", c->port);
	gtk_box_pack_start(GTK_BOX(port_row), c->port_label, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(port_row), c->port, FALSE, FALSE, 0);
	gtk_widget_set_margin_top(port_row, 4);
	gtk_box_pack_start(GTK_BOX(page), port_row, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(page), c->port_msg, FALSE, FALSE, 0);

	c->message = tray_message_label();
	gtk_box_pack_start(GTK_BOX(page), c->message, FALSE, FALSE, 6);
	g_signal_connect(back, "clicked", G_CALLBACK(on_back), c);
	c->connect = gtk_button_new_with_mnemonic("_Connect");
	gtk_style_context_add_class(gtk_widget_get_style_context(c->connect), "suggested-action");
	gtk_widget_set_can_default(c->connect, TRUE);
	g_object_set_data(G_OBJECT(page), "firstrun-default", c->connect);
	g_signal_connect(c->connect, "clicked", G_CALLBACK(on_connect), c);
	gtk_box_pack_start(GTK_BOX(buttons), back, FALSE, FALSE, 0);
	gtk_box_pack_end(GTK_BOX(buttons), c->connect, FALSE, FALSE, 0);
	gtk_box_pack_end(GTK_BOX(page), buttons, FALSE, FALSE, 0);
	connect_reset(page);
	return page;
}
