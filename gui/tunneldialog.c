/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The tunnel dialog: see tunneldialog.h. */
#include "tunneldialog.h"

static const char *const ids[TF_COUNT] = {
	[TF_NAME] = "name",
	[TF_LISTEN_HOST] = "listen_host",
	[TF_LISTEN_PORT] = "listen_port",
	[TF_REMOTE_HOST] = "remote_host",
	[TF_REMOTE_PORT] = "remote_port",
	[TF_SERVER_ID] = "server_id",
	[TF_KIND] = NULL, /* the "kind" combo box */
};

/* What the dialog says for each kind, in the order of the combo's items. */
static const struct kind_text {
	const char *kind; /* TF_KIND */
	const char *hint;
	const char *listen_heading, *listen_host_tip, *listen_port_tip;
	const char *dest_heading, *remote_host_tip;
	gboolean has_dest;
} kinds[] = {
	{ TT_PREFIX_FORWARD, "Connections to a port here go to a destination that the server reaches.",
	  "Listen on this machine", "empty: 127.0.0.1; * = every interface", "the local port",
	  "Destination, as the server sees it", "an IP or a name, as the server sees it", TRUE },
	{ TT_PREFIX_SOCKS,
	  "A SOCKS5 and HTTP CONNECT proxy here: each connection says where it goes, and the server "
	  "connects there (its permit lines decide where).",
	  "Listen on this machine", "empty: 127.0.0.1; * = every interface", "the local port of the proxy",
	  "Destination: each connection names its own", "", FALSE },
	{ TT_PREFIX_REVERSE,
	  "The server listens, and each connection there comes back to a destination that this machine "
	  "reaches. The server's permit_listen lines must allow the address and port.",
	  "Listen on the server", "an address on the server; empty: 127.0.0.1; * = every interface",
	  "the port on the server", "Destination on this machine", "an IP or a name, as this machine sees it",
	  TRUE },
	{ TT_PREFIX_UDP,
	  "Datagrams to a UDP port here go to a destination that the server reaches; each sender is a "
	  "session of its own, which ends after [link] udp_timeout seconds of silence.",
	  "Listen on this machine (UDP)", "empty: 127.0.0.1; * = every interface", "the local UDP port",
	  "Destination, as the server sees it (UDP)", "an IP or a name, as the server sees it", TRUE },
};

static GtkWidget *widget(GtkBuilder *b, const char *id)
{
	return GTK_WIDGET(gtk_builder_get_object(b, id));
}

static void set_label(GtkBuilder *b, const char *id, const char *text)
{
	gtk_label_set_text(GTK_LABEL(widget(b, id)), text);
}

/* Headings, hints and the fields in use follow the kind. */
static void on_kind_changed(GtkComboBox *combo, gpointer data)
{
	GtkBuilder *b = data;
	int i = gtk_combo_box_get_active(combo);
	const struct kind_text *k = &kinds[i >= 0 && i < (int)G_N_ELEMENTS(kinds) ? i : 0];
	static const char *const dest_ids[] = { "remote_host", "remote_host_label", "remote_port",
		                                "remote_port_label" };

	set_label(b, "kind_hint", k->hint);
	set_label(b, "listen_heading", k->listen_heading);
	set_label(b, "dest_heading", k->dest_heading);
	gtk_widget_set_tooltip_text(widget(b, "listen_host"), k->listen_host_tip);
	gtk_widget_set_tooltip_text(widget(b, "listen_port"), k->listen_port_tip);
	gtk_widget_set_tooltip_text(widget(b, "remote_host"), *k->remote_host_tip ? k->remote_host_tip : NULL);
	/* A proxy has no destination: its fields are off. */
	for (size_t j = 0; j < G_N_ELEMENTS(dest_ids); j++)
		gtk_widget_set_sensitive(widget(b, dest_ids[j]), k->has_dest);
}

static int kind_index(const char *kind)
{
	for (int i = 0; i < (int)G_N_ELEMENTS(kinds); i++) {
		if (g_ascii_strcasecmp(kind ? kind : "", kinds[i].kind) == 0)
			return i;
	}
	return 0;
}

static void show_error(GtkBuilder *b, const char *id, const char *msg)
{
	GtkWidget *label = widget(b, id);

	gtk_label_set_text(GTK_LABEL(label), msg ? msg : "");
	gtk_widget_set_visible(label, msg != NULL);
}

gboolean tray_tunnel_dialog_run(GtkWindow *parent, const char *title, char *const *fields, char **name,
                                char **value)
{
	GtkBuilder *b = gtk_builder_new_from_resource("/org/toxtun/tray/tunnel-dialog.ui");
	GtkDialog *dialog = GTK_DIALOG(gtk_builder_get_object(b, "dialog"));
	GtkEntry *entries[TF_COUNT];
	GtkComboBox *kind = GTK_COMBO_BOX(gtk_builder_get_object(b, "kind"));
	gboolean done = FALSE, ok = FALSE;

	gtk_window_set_title(GTK_WINDOW(dialog), title);
	gtk_window_set_transient_for(GTK_WINDOW(dialog), parent);
	set_label(b, "server_heading", "Server");
	for (int i = 0; i < TF_COUNT; i++) {
		char eid[32];

		if (!ids[i])
			continue;
		entries[i] = GTK_ENTRY(gtk_builder_get_object(b, ids[i]));
		gtk_entry_set_text(entries[i], fields && fields[i] ? fields[i] : "");
		g_snprintf(eid, sizeof(eid), "%s_error", ids[i]);
		show_error(b, eid, NULL);
	}
	/* No item is active yet, so this emits "changed". */
	g_signal_connect(kind, "changed", G_CALLBACK(on_kind_changed), b);
	gtk_combo_box_set_active(kind, kind_index(fields ? fields[TF_KIND] : NULL));
	gtk_widget_grab_focus(GTK_WIDGET(entries[TF_NAME]));
	while (!done) {
		const char *text[TF_COUNT];
		char *errors[TF_COUNT], *whole = NULL, *v = NULL;
		int first_bad = -1, k;

		if (gtk_dialog_run(dialog) != GTK_RESPONSE_OK)
			break;
		for (int i = 0; i < TF_COUNT; i++)
			text[i] = ids[i] ? gtk_entry_get_text(entries[i]) : "";
		k = gtk_combo_box_get_active(kind);
		text[TF_KIND] = kinds[k >= 0 && k < (int)G_N_ELEMENTS(kinds) ? k : 0].kind;
		ok = tray_tunnel_validate(text, errors, &whole, &v);
		for (int i = 0; i < TF_COUNT; i++) {
			char eid[32];

			if (!ids[i])
				continue;
			g_snprintf(eid, sizeof(eid), "%s_error", ids[i]);
			show_error(b, eid, errors[i]);
			if (errors[i] && first_bad < 0)
				first_bad = i;
		}
		/* The combo offers known kinds only; should one be refused, say so. */
		show_error(b, "whole_error", whole ? whole : errors[TF_KIND]);
		for (int i = 0; i < TF_COUNT; i++)
			g_free(errors[i]);
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
