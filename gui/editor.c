/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The config editor page: see editor.h. */
#include <string.h>

#include "confedit.h"
#include "editor.h"
#include "format.h"
#include "tunneldialog.h"
#include "validate.h"

enum { COL_VALUE, COL_ERROR, COL_FG, N_LIST_COLS };
enum { TCOL_NAME, TCOL_LISTEN, TCOL_DEST, TCOL_SERVER, TCOL_ERROR, TCOL_FG, N_TCOLS };

typedef struct {
	TrayEditor *e;
	CeList which;
	GtkListStore *store;
	GtkTreeView *view;
	GtkCellRenderer *cell;
} ListPart;

struct TrayEditor {
	GtkWidget *root;
	TrayService *d;
	ConfEdit *ce;
	GtkWidget *path_label;
	GtkWidget *server_frame, *client_frame;
	GtkWidget *name_entry, *name_error;
	ListPart lists[CE_TUNNELS]; /* the server's lists, by CeList (the tunnels come last) */
	GtkListStore *tunnels;
	GtkTreeView *tunnel_view;
	GtkWidget *status;      /* the result of the last save */
	gboolean loading;
};

static GtkWidget *error_label(void)
{
	GtkWidget *l = gtk_label_new(NULL);

	gtk_label_set_xalign(GTK_LABEL(l), 0);
	gtk_label_set_line_wrap(GTK_LABEL(l), TRUE);
	gtk_style_context_add_class(gtk_widget_get_style_context(l), "error");
	gtk_widget_set_no_show_all(l, TRUE);
	return l;
}

static void set_error(GtkWidget *label, const char *msg)
{
	gtk_label_set_text(GTK_LABEL(label), msg ? msg : "");
	gtk_widget_set_visible(label, msg != NULL);
}

static void set_status(TrayEditor *e, const char *msg, gboolean bad)
{
	GtkStyleContext *sc = gtk_widget_get_style_context(e->status);

	gtk_label_set_text(GTK_LABEL(e->status), msg ? msg : "");
	if (bad)
		gtk_style_context_add_class(sc, "error");
	else
		gtk_style_context_remove_class(sc, "error");
}

static GtkWindow *toplevel(TrayEditor *e)
{
	GtkWidget *t = gtk_widget_get_toplevel(e->root);

	return GTK_IS_WINDOW(t) ? GTK_WINDOW(t) : NULL;
}

/* ---- showing the model ---- */

static const char *fg(const char *error)
{
	return error ? "#c01c28" : NULL;
}

static void fill_list(ListPart *p)
{
	GPtrArray *items = p->e->ce->lists[p->which];

	gtk_list_store_clear(p->store);
	for (guint i = 0; i < items->len; i++) {
		const CeItem *it = g_ptr_array_index(items, i);

		gtk_list_store_insert_with_values(p->store, NULL, -1, COL_VALUE, it->value, COL_ERROR, it->error,
		                                  COL_FG, fg(it->error), -1);
	}
}

static void fill_lists(TrayEditor *e)
{
	for (int l = 0; l < CE_TUNNELS; l++)
		fill_list(&e->lists[l]);
}

static void fill_tunnels(TrayEditor *e)
{
	GPtrArray *items = e->ce->lists[CE_TUNNELS];

	gtk_list_store_clear(e->tunnels);
	for (guint i = 0; i < items->len; i++) {
		const CeItem *it = g_ptr_array_index(items, i);
		char *err = NULL, **f = tray_tunnel_split(it->key, it->value, &err);
		char *listen = NULL, *dest = NULL, *server = NULL;

		if (f) {
			tray_tunnel_describe((const char *const *)f, &listen, &dest);
			server = tray_format_key(f[TF_SERVER_ID]);
		} else {
			dest = g_strdup(it->value);
		}
		gtk_list_store_insert_with_values(e->tunnels, NULL, -1, TCOL_NAME, it->key, TCOL_LISTEN, listen,
		                                  TCOL_DEST, dest, TCOL_SERVER, server, TCOL_ERROR,
		                                  it->error ? it->error : err, TCOL_FG,
		                                  fg(it->error ? it->error : err), -1);
		g_free(listen);
		g_free(dest);
		g_free(server);
		g_free(err);
		g_strfreev(f);
	}
}

static void fill(TrayEditor *e)
{
	gboolean server, client;

	e->loading = TRUE;
	gtk_label_set_text(GTK_LABEL(e->path_label), e->d ? e->d->ini : "");
	gtk_entry_set_text(GTK_ENTRY(e->name_entry), e->ce && e->ce->server_name ? e->ce->server_name : "");
	set_error(e->name_error, e->ce ? e->ce->name_error : NULL);
	if (e->ce) {
		fill_lists(e);
		fill_tunnels(e);
	}
	server = e->d && (strcmp(e->d->role, "client") != 0 || ini_doc_has_section(e->ce->doc, TT_SECTION_SERVER));
	client = e->d && (strcmp(e->d->role, "server") != 0 || ini_doc_has_section(e->ce->doc, TT_SECTION_CLIENT));
	gtk_widget_set_visible(e->server_frame, server);
	gtk_widget_set_visible(e->client_frame, client);
	gtk_widget_set_sensitive(e->root, e->ce != NULL);
	e->loading = FALSE;
}

void tray_editor_load(TrayEditor *e, TrayService *d)
{
	GError *error = NULL;

	confedit_free(e->ce);
	e->ce = NULL;
	e->d = d;
	set_status(e, NULL, FALSE);
	if (d) {
		e->ce = confedit_load(d->ini, &error);
		if (!e->ce) {
			set_status(e, error->message, TRUE);
			g_error_free(error);
		}
	}
	fill(e);
}

void tray_editor_forget(TrayEditor *e, TrayService *d)
{
	if (e->d == d)
		tray_editor_load(e, NULL);
}

/* ---- permit and allow lists ---- */

static int selected_index(GtkTreeView *view)
{
	GtkTreeModel *model;
	GtkTreeIter it;
	GtkTreePath *path;
	int index;

	if (!gtk_tree_selection_get_selected(gtk_tree_view_get_selection(view), &model, &it))
		return -1;
	path = gtk_tree_model_get_path(model, &it);
	index = gtk_tree_path_get_indices(path)[0];
	gtk_tree_path_free(path);
	return index;
}

static void on_list_edited(GtkCellRendererText *cell, char *path, char *text, gpointer data)
{
	ListPart *p = data;
	GtkTreeIter it;
	int index = atoi(path);
	CeItem *item;
	char *value, *err = NULL;
	gboolean ok;

	if (!p->e->ce || index < 0 || (guint)index >= p->e->ce->lists[p->which]->len ||
	    !gtk_tree_model_get_iter_from_string(GTK_TREE_MODEL(p->store), &it, path))
		return;
	item = g_ptr_array_index(p->e->ce->lists[p->which], index);
	if (p->which == CE_ALLOWS) {
		/* A whole Tox ID pasted in: its first 64 digits are the key. */
		value = tray_allow_normalize(text, &err);
		ok = value != NULL;
		if (!value)
			value = g_strstrip(g_strdup(text));
	} else {
		value = g_strstrip(g_strdup(text));
		ok = p->which == CE_PERMIT_LISTENS ? tray_validate_permit_listen(value, &err)
		                                   : tray_validate_permit(value, &err);
	}
	confedit_item_set(item, NULL, value);
	g_free(item->error);
	item->error = ok ? NULL : g_strdup(err);
	gtk_list_store_set(p->store, &it, COL_VALUE, value, COL_ERROR, item->error, COL_FG, fg(item->error), -1);
	g_free(value);
	g_free(err);
}

static void on_list_add(GtkButton *b, gpointer data)
{
	ListPart *p = data;
	GtkTreeIter it;
	GtkTreePath *path;

	if (!p->e->ce)
		return;
	confedit_append(p->e->ce, p->which, NULL, "");
	gtk_list_store_insert_with_values(p->store, &it, -1, COL_VALUE, "", -1);
	path = gtk_tree_model_get_path(GTK_TREE_MODEL(p->store), &it);
	gtk_widget_grab_focus(GTK_WIDGET(p->view));
	gtk_tree_view_set_cursor(p->view, path, gtk_tree_view_get_column(p->view, 0), TRUE);
	gtk_tree_path_free(path);
}

static void on_list_remove(GtkButton *b, gpointer data)
{
	ListPart *p = data;
	int index = selected_index(p->view);

	if (!p->e->ce || index < 0)
		return;
	confedit_remove(p->e->ce, p->which, (guint)index);
	fill_list(p);
}

static GtkWidget *button(const char *mnemonic, GCallback cb, gpointer data)
{
	GtkWidget *b = gtk_button_new_with_mnemonic(mnemonic);

	g_signal_connect(b, "clicked", cb, data);
	return b;
}

static GtkWidget *scrolled(GtkWidget *child, int height)
{
	GtkWidget *sw = gtk_scrolled_window_new(NULL, NULL);

	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(sw), GTK_POLICY_AUTOMATIC, GTK_POLICY_AUTOMATIC);
	gtk_scrolled_window_set_shadow_type(GTK_SCROLLED_WINDOW(sw), GTK_SHADOW_IN);
	gtk_widget_set_size_request(sw, -1, height);
	gtk_container_add(GTK_CONTAINER(sw), child);
	return sw;
}

static void add_text_column(GtkTreeView *view, const char *title, int col, int fg_col, GtkCellRenderer *cell)
{
	GtkTreeViewColumn *c;

	if (!cell)
		cell = gtk_cell_renderer_text_new();
	c = gtk_tree_view_column_new_with_attributes(title, cell, "text", col, "foreground", fg_col, NULL);
	gtk_tree_view_column_set_resizable(c, TRUE);
	gtk_tree_view_append_column(view, c);
}

static GtkWidget *list_part(TrayEditor *e, ListPart *p, CeList which, const char *title, const char *add,
                            const char *hint)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
	GtkWidget *label = gtk_label_new(NULL), *hint_label = gtk_label_new(hint);
	char *markup = g_markup_printf_escaped("<b>%s</b>", title);

	p->e = e;
	p->which = which;
	p->store = gtk_list_store_new(N_LIST_COLS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
	p->view = GTK_TREE_VIEW(gtk_tree_view_new_with_model(GTK_TREE_MODEL(p->store)));
	p->cell = gtk_cell_renderer_text_new();
	g_object_set(p->cell, "editable", TRUE, NULL);
	g_signal_connect(p->cell, "edited", G_CALLBACK(on_list_edited), p);
	add_text_column(p->view,
	                which == CE_PERMITS ? "HOST:PORT" : which == CE_PERMIT_LISTENS ? "[IP:]PORT" : "public key",
	                COL_VALUE, COL_FG, p->cell);
	add_text_column(p->view, "problem", COL_ERROR, COL_FG, NULL);

	gtk_label_set_markup(GTK_LABEL(label), markup);
	g_free(markup);
	gtk_label_set_xalign(GTK_LABEL(label), 0);
	gtk_label_set_xalign(GTK_LABEL(hint_label), 0);
	gtk_label_set_line_wrap(GTK_LABEL(hint_label), TRUE);
	gtk_style_context_add_class(gtk_widget_get_style_context(hint_label), "dim-label");
	gtk_box_pack_start(GTK_BOX(box), label, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), hint_label, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), scrolled(GTK_WIDGET(p->view), 90), TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(buttons), button(add, G_CALLBACK(on_list_add), p), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(buttons), button("Remove", G_CALLBACK(on_list_remove), p), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), buttons, FALSE, FALSE, 0);
	return box;
}

/* ---- tunnels ---- */

static void edit_tunnel(TrayEditor *e, int index)
{
	CeItem *item = index >= 0 ? g_ptr_array_index(e->ce->lists[CE_TUNNELS], index) : NULL;
	char **fields = NULL, *name = NULL, *value = NULL, *err = NULL;

	if (item) {
		fields = tray_tunnel_split(item->key, item->value, &err);
		if (!fields) {
			/* Unparseable in the file: start from its name and kind. */
			fields = g_new0(char *, TF_COUNT + 1);
			for (int i = 0; i < TF_COUNT; i++)
				fields[i] = g_strdup(i == TF_NAME ? item->key : "");
			g_free(fields[TF_KIND]);
			fields[TF_KIND] = g_strdup(tt_tunnel_prefix(tt_tunnel_kind_of(item->value, NULL)));
		}
	} else {
		/* A new tunnel: the server of the tunnels already there is the
		 * likely one, and so is the usual destination. */
		fields = g_new0(char *, TF_COUNT + 1);
		for (int i = 0; i < TF_COUNT; i++)
			fields[i] = g_strdup("");
		for (guint i = 0; i < e->ce->lists[CE_TUNNELS]->len; i++) {
			const CeItem *o = g_ptr_array_index(e->ce->lists[CE_TUNNELS], i);
			char **of = tray_tunnel_split(o->key, o->value, &err);

			g_clear_pointer(&err, g_free);
			if (of) {
				g_free(fields[TF_SERVER_ID]);
				fields[TF_SERVER_ID] = g_strdup(of[TF_SERVER_ID]);
				g_strfreev(of);
				break;
			}
		}
		g_free(fields[TF_REMOTE_HOST]);
		fields[TF_REMOTE_HOST] = g_strdup("127.0.0.1");
	}
	g_free(err);
	if (tray_tunnel_dialog_run(toplevel(e), item ? "Edit tunnel" : "Add tunnel", fields, &name, &value)) {
		if (item)
			confedit_item_set(item, name, value);
		else
			confedit_append(e->ce, CE_TUNNELS, name, value);
		fill_tunnels(e);
		set_status(e, "Not saved yet: press Save to write the file.", FALSE);
	}
	g_free(name);
	g_free(value);
	g_strfreev(fields);
}

static void on_tunnel_add(GtkButton *b, gpointer data)
{
	TrayEditor *e = data;

	if (e->ce)
		edit_tunnel(e, -1);
}

static void on_tunnel_edit(GtkButton *b, gpointer data)
{
	TrayEditor *e = data;
	int index = selected_index(e->tunnel_view);

	if (e->ce && index >= 0)
		edit_tunnel(e, index);
}

static void on_tunnel_activated(GtkTreeView *view, GtkTreePath *path, GtkTreeViewColumn *col, gpointer data)
{
	TrayEditor *e = data;

	if (e->ce)
		edit_tunnel(e, gtk_tree_path_get_indices(path)[0]);
}

static void on_tunnel_remove(GtkButton *b, gpointer data)
{
	TrayEditor *e = data;
	int index = selected_index(e->tunnel_view);

	if (!e->ce || index < 0)
		return;
	confedit_remove(e->ce, CE_TUNNELS, (guint)index);
	fill_tunnels(e);
	set_status(e, "Not saved yet: press Save to write the file.", FALSE);
}

static GtkWidget *tunnel_part(TrayEditor *e)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4);
	GtkWidget *buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 6);
	GtkWidget *hint = gtk_label_new_with_mnemonic("_Forwards (ssh -L), SOCKS5 / HTTP proxies (ssh -D), "
	                                              "reverse forwards (ssh -R) and UDP forwards. "
	                                              "Double-click one to edit it.");

	e->tunnels = gtk_list_store_new(N_TCOLS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
	                                G_TYPE_STRING, G_TYPE_STRING);
	e->tunnel_view = GTK_TREE_VIEW(gtk_tree_view_new_with_model(GTK_TREE_MODEL(e->tunnels)));
	add_text_column(e->tunnel_view, "name", TCOL_NAME, TCOL_FG, NULL);
	add_text_column(e->tunnel_view, "listen", TCOL_LISTEN, TCOL_FG, NULL);
	add_text_column(e->tunnel_view, "destination", TCOL_DEST, TCOL_FG, NULL);
	add_text_column(e->tunnel_view, "server", TCOL_SERVER, TCOL_FG, NULL);
	add_text_column(e->tunnel_view, "problem", TCOL_ERROR, TCOL_FG, NULL);
	g_signal_connect(e->tunnel_view, "row-activated", G_CALLBACK(on_tunnel_activated), e);
	/* Its mnemonic moves the focus into the list (and selects a row). */
	gtk_label_set_mnemonic_widget(GTK_LABEL(hint), GTK_WIDGET(e->tunnel_view));
	gtk_label_set_xalign(GTK_LABEL(hint), 0);
	gtk_label_set_line_wrap(GTK_LABEL(hint), TRUE);
	gtk_style_context_add_class(gtk_widget_get_style_context(hint), "dim-label");
	gtk_box_pack_start(GTK_BOX(box), hint, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), scrolled(GTK_WIDGET(e->tunnel_view), 140), TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(buttons), button("_Add tunnel…", G_CALLBACK(on_tunnel_add), e), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(buttons), button("_Edit…", G_CALLBACK(on_tunnel_edit), e), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(buttons), button("Re_move", G_CALLBACK(on_tunnel_remove), e), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), buttons, FALSE, FALSE, 0);
	return box;
}

/* ---- saving ---- */

static void on_reloaded(TrayService *d, gboolean ok, const char *message, gpointer user)
{
	TrayEditor *e = user;
	char *msg;

	if (e->d != d)
		return;
	msg = ok ? g_strdup_printf("Saved. %s", message)
	         : g_strdup_printf("Saved, but the daemon did not take it: %s", message);
	set_status(e, msg, !ok);
	g_free(msg);
}

static void on_save(GtkButton *b, gpointer data)
{
	TrayEditor *e = data;
	GError *error = NULL;

	if (!e->ce || !e->d)
		return;
	{
		char *name = g_strstrip(g_strdup(gtk_entry_get_text(GTK_ENTRY(e->name_entry))));

		confedit_set_name(e->ce, name);
		g_free(name);
	}
	if (!confedit_save(e->ce, &error)) {
		char *msg = g_strdup_printf("Not saved: %s", error->message);

		/* Show the errors next to their fields (the model has them). */
		set_status(e, msg, TRUE);
		g_free(msg);
		g_error_free(error);
		set_error(e->name_error, e->ce->name_error);
		fill_lists(e);
		fill_tunnels(e);
		return;
	}
	fill(e);
	set_status(e, "Saved; reloading the daemon…", FALSE);
	tray_service_config_changed(e->d);
	tray_service_reload(e->d, on_reloaded, e);
}

static void on_revert(GtkButton *b, gpointer data)
{
	TrayEditor *e = data;

	tray_editor_load(e, e->d);
}

/* ---- building ---- */

static GtkWidget *frame(const char *title, GtkWidget *child)
{
	GtkWidget *f = gtk_frame_new(NULL), *label = gtk_label_new(NULL);
	char *markup = g_markup_printf_escaped("<b>%s</b>", title);

	gtk_label_set_markup(GTK_LABEL(label), markup);
	g_free(markup);
	gtk_frame_set_label_widget(GTK_FRAME(f), label);
	gtk_container_set_border_width(GTK_CONTAINER(child), 8);
	gtk_container_add(GTK_CONTAINER(f), child);
	gtk_widget_set_no_show_all(f, TRUE);
	gtk_widget_show_all(child);
	return f;
}

TrayEditor *tray_editor_new(void)
{
	TrayEditor *e = g_new0(TrayEditor, 1);
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
	GtkWidget *server = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
	GtkWidget *name_row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *name_label = gtk_label_new_with_mnemonic("Server _name");
	GtkWidget *actions = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *save = button("_Save and reload", G_CALLBACK(on_save), e);

	gtk_container_set_border_width(GTK_CONTAINER(box), 12);
	e->path_label = gtk_label_new(NULL);
	gtk_label_set_xalign(GTK_LABEL(e->path_label), 0);
	gtk_label_set_selectable(GTK_LABEL(e->path_label), TRUE);
	gtk_box_pack_start(GTK_BOX(box), e->path_label, FALSE, FALSE, 0);

	e->name_entry = gtk_entry_new();
	gtk_entry_set_placeholder_text(GTK_ENTRY(e->name_entry), "toxtun");
	gtk_label_set_mnemonic_widget(GTK_LABEL(name_label), e->name_entry);
	gtk_box_pack_start(GTK_BOX(name_row), name_label, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(name_row), e->name_entry, TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(server), name_row, FALSE, FALSE, 0);
	e->name_error = error_label();
	gtk_box_pack_start(GTK_BOX(server), e->name_error, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(server),
	                   list_part(e, &e->lists[CE_PERMITS], CE_PERMITS, "Destinations clients may reach (permit)",
	                             "Add _permit",
	                             "HOST:PORT; * for any host or port; IPs, CIDR networks ([fd00::]/8), "
	                             "[IPv6] or names. Without any, only loopback destinations."),
	                   TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(server),
	                   list_part(e, &e->lists[CE_ALLOWS], CE_ALLOWS, "Clients allowed to connect (allow)",
	                             "Add a_llowed client",
	                             "The client's public key (the first 64 digits of its Tox ID; a whole "
	                             "ID is shortened). Without any, anyone holding this server's Tox ID."),
	                   TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(server),
	                   list_part(e, &e->lists[CE_PERMIT_LISTENS], CE_PERMIT_LISTENS,
	                             "Where clients' reverse tunnels may listen (permit_listen)", "Add listen a_ddress",
	                             "[IP:]PORT on this server; without IP, loopback addresses only; * for any "
	                             "address or any port. Without any, reverse tunnels are refused."),
	                   TRUE, TRUE, 0);
	e->server_frame = frame("Server", server);
	gtk_box_pack_start(GTK_BOX(box), e->server_frame, TRUE, TRUE, 0);

	e->client_frame = frame("Client tunnels", tunnel_part(e));
	gtk_box_pack_start(GTK_BOX(box), e->client_frame, TRUE, TRUE, 0);

	e->status = gtk_label_new(NULL);
	gtk_label_set_xalign(GTK_LABEL(e->status), 0);
	gtk_label_set_line_wrap(GTK_LABEL(e->status), TRUE);
	gtk_label_set_selectable(GTK_LABEL(e->status), TRUE);
	gtk_box_pack_start(GTK_BOX(actions), save, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(actions), button("Re_vert", G_CALLBACK(on_revert), e), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(actions), e->status, TRUE, TRUE, 0);
	gtk_box_pack_end(GTK_BOX(box), actions, FALSE, FALSE, 0);

	e->root = gtk_scrolled_window_new(NULL, NULL);
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(e->root), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
	gtk_container_add(GTK_CONTAINER(e->root), box);
	g_object_ref_sink(e->root);
	fill(e);
	return e;
}

void tray_editor_free(TrayEditor *e)
{
	if (!e)
		return;
	confedit_free(e->ce);
	g_object_unref(e->root);
	for (int l = 0; l < CE_TUNNELS; l++)
		g_object_unref(e->lists[l].store);
	g_object_unref(e->tunnels);
	g_free(e);
}

GtkWidget *tray_editor_widget(TrayEditor *e)
{
	return e->root;
}
