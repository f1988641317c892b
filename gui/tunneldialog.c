/* The tunnel dialog: see tunneldialog.h. */
#include "tunneldialog.h"

static const char *const ids[TF_COUNT] = {
	[TF_NAME] = "name",
	[TF_LISTEN_HOST] = "listen_host",
	[TF_LISTEN_PORT] = "listen_port",
	[TF_REMOTE_HOST] = "remote_host",
	[TF_REMOTE_PORT] = "remote_port",
	[TF_SERVER_ID] = "server_id",
	[TF_KIND] = NULL, /* the "socks" check button */
};

/* A proxy has no destination: its fields are off while the box is ticked. */
static void on_socks_toggled(GtkToggleButton *b, gpointer data)
{
	GtkBuilder *builder = data;
	gboolean socks = gtk_toggle_button_get_active(b);

	gtk_widget_set_sensitive(GTK_WIDGET(gtk_builder_get_object(builder, "remote_host")), !socks);
	gtk_widget_set_sensitive(GTK_WIDGET(gtk_builder_get_object(builder, "remote_port")), !socks);
}

static void show_error(GtkBuilder *b, const char *id, const char *msg)
{
	GtkWidget *label = GTK_WIDGET(gtk_builder_get_object(b, id));

	gtk_label_set_text(GTK_LABEL(label), msg ? msg : "");
	gtk_widget_set_visible(label, msg != NULL);
}

gboolean tt_tunnel_dialog_run(GtkWindow *parent, const char *title, char *const *fields, char **name,
                              char **value)
{
	GtkBuilder *b = gtk_builder_new_from_resource("/org/toxtun/tray/tunnel-dialog.ui");
	GtkDialog *dialog = GTK_DIALOG(gtk_builder_get_object(b, "dialog"));
	GtkEntry *entries[TF_COUNT];
	GtkToggleButton *socks = GTK_TOGGLE_BUTTON(gtk_builder_get_object(b, "socks"));
	gboolean done = FALSE, ok = FALSE;

	gtk_window_set_title(GTK_WINDOW(dialog), title);
	gtk_window_set_transient_for(GTK_WINDOW(dialog), parent);
	for (int i = 0; i < TF_COUNT; i++) {
		char eid[32];

		if (!ids[i])
			continue;
		entries[i] = GTK_ENTRY(gtk_builder_get_object(b, ids[i]));
		gtk_entry_set_text(entries[i], fields && fields[i] ? fields[i] : "");
		g_snprintf(eid, sizeof(eid), "%s_error", ids[i]);
		show_error(b, eid, NULL);
	}
	g_signal_connect(socks, "toggled", G_CALLBACK(on_socks_toggled), b);
	gtk_toggle_button_set_active(socks, fields && fields[TF_KIND] && *fields[TF_KIND]);
	on_socks_toggled(socks, b);
	gtk_widget_grab_focus(GTK_WIDGET(entries[TF_NAME]));
	while (!done) {
		const char *text[TF_COUNT];
		char *errors[TF_COUNT], *whole = NULL, *v = NULL;
		int first_bad = -1;

		if (gtk_dialog_run(dialog) != GTK_RESPONSE_OK)
			break;
		for (int i = 0; i < TF_COUNT; i++)
			text[i] = ids[i] ? gtk_entry_get_text(entries[i]) : "";
		text[TF_KIND] = gtk_toggle_button_get_active(socks) ? TT_KIND_SOCKS : "";
		ok = tt_tunnel_validate(text, errors, &whole, &v);
		for (int i = 0; i < TF_COUNT; i++) {
			char eid[32];

			if (!ids[i]) {
				g_free(errors[i]);
				continue;
			}
			g_snprintf(eid, sizeof(eid), "%s_error", ids[i]);
			show_error(b, eid, errors[i]);
			if (errors[i] && first_bad < 0)
				first_bad = i;
			g_free(errors[i]);
		}
		show_error(b, "whole_error", whole);
		g_free(whole);
		if (ok) {
			*name = g_strstrip(g_strdup(text[TF_NAME]));
			*value = v;
			done = TRUE;
		} else if (first_bad >= 0) {
			gtk_widget_grab_focus(GTK_WIDGET(entries[first_bad]));
		}
	}
	gtk_widget_destroy(GTK_WIDGET(dialog));
	g_object_unref(b);
	return ok;
}
