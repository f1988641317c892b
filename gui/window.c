/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The main window: see window.h. */
#include <string.h>

#include "editor.h"
#include "firstrun.h"
#include "format.h"
#include "graph.h"
#include "icons.h"
#include "overview.h"
#include "qr.h"
#include "widgets.h"
#include "window.h"

enum { TAB_OVERVIEW, TAB_STATUS, TAB_IDENTITY, TAB_CONFIG };

enum { NODE_NAME, NODE_ROLE, NODE_KEY, NODE_DHT, NODE_UPTIME, NODE_VERSION, NODE_PID, NODE_FILE, N_NODE };
static const char *const node_titles[N_NODE] = { "Name", "Role", "Public key", "DHT", "Uptime",
	                                         "Version", "PID", "Config file" };

enum { P_KEY, P_NAME, P_ONLINE, P_PATH, P_SESSION, P_RTT, P_LOSS, P_STREAMS, P_SENT, P_RECEIVED, N_PCOLS };
static const char *const peer_titles[N_PCOLS] = { "peer", "name", "online", "path", "session",
	                                          "RTT", "loss", "streams", "sent", "received" };

typedef struct {
	GtkWidget *row, *title, *route, *state, *counts, *rates, *totals, *graph;
} TunnelRow;

struct TrayWindow {
	GtkWidget *win;
	GPtrArray *daemons;
	TrayService *shown;
	TrayWindowHooks hooks;
	GPtrArray *leaving;      /* TrayService * to forget once stopped */
	guint leaving_idle;      /* forgets them outside their own callbacks */

	GtkWidget *stack;        /* the main page and the first-run pages */
	GtkWidget *welcome, *share, *connect;
	TrayOverview *overview;

	GtkWidget *chooser;      /* which daemon, when there are several */
	GtkWidget *state_icon, *state_label, *startstop, *error_label;
	GtkWidget *notebook;

	GtkWidget *node[N_NODE];
	GtkWidget *not_running;
	GtkWidget *running_box;
	GtkListStore *peers;
	GtkWidget *peers_empty;
	GtkWidget *tunnel_list;
	GPtrArray *tunnel_rows;  /* of TunnelRow *, in list order */
	char *tunnel_names;      /* the names the rows were built for */
	GtkWidget *tunnels_empty;

	GtkWidget *id_label, *id_hint, *qr, *copy;
	TrayEditor *editor;
	gboolean filling;
};

/* ---- helpers ---- */

static GtkWidget *heading(const char *text)
{
	GtkWidget *l = gtk_label_new(NULL);
	char *m = g_markup_printf_escaped("<b>%s</b>", text);

	gtk_label_set_markup(GTK_LABEL(l), m);
	gtk_label_set_xalign(GTK_LABEL(l), 0);
	g_free(m);
	return l;
}

static GtkWidget *value_label(void)
{
	GtkWidget *l = gtk_label_new(NULL);

	gtk_label_set_xalign(GTK_LABEL(l), 0);
	gtk_label_set_selectable(GTK_LABEL(l), TRUE);
	gtk_label_set_ellipsize(GTK_LABEL(l), PANGO_ELLIPSIZE_MIDDLE);
	return l;
}

static GtkWidget *dim(GtkWidget *w)
{
	gtk_style_context_add_class(gtk_widget_get_style_context(w), "dim-label");
	return w;
}

void tray_copy_tox_id(TrayService *d)
{
	if (d && d->tox_id)
		gtk_clipboard_set_text(gtk_clipboard_get(GDK_SELECTION_CLIPBOARD), d->tox_id, -1);
}

/* ---- tunnels ---- */

static void tunnel_row_free(gpointer p)
{
	g_free(p);
}

static TunnelRow *tunnel_row_new(void)
{
	TunnelRow *r = g_new0(TunnelRow, 1);
	GtkWidget *grid = gtk_grid_new();

	gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
	gtk_grid_set_row_spacing(GTK_GRID(grid), 2);
	gtk_container_set_border_width(GTK_CONTAINER(grid), 6);
	r->title = value_label();
	r->route = value_label();
	r->state = value_label();
	r->counts = dim(value_label());
	r->rates = value_label();
	r->totals = dim(value_label());
	r->graph = tray_graph_new();
	gtk_widget_set_hexpand(r->route, TRUE);
	gtk_grid_attach(GTK_GRID(grid), r->title, 0, 0, 1, 1);
	gtk_grid_attach(GTK_GRID(grid), r->state, 1, 0, 1, 1);
	gtk_grid_attach(GTK_GRID(grid), r->route, 0, 1, 2, 1);
	gtk_grid_attach(GTK_GRID(grid), r->rates, 0, 2, 1, 1);
	gtk_grid_attach(GTK_GRID(grid), r->counts, 1, 2, 1, 1);
	gtk_grid_attach(GTK_GRID(grid), r->totals, 0, 3, 2, 1);
	gtk_grid_attach(GTK_GRID(grid), r->graph, 2, 0, 1, 4);
	r->row = gtk_list_box_row_new();
	gtk_list_box_row_set_activatable(GTK_LIST_BOX_ROW(r->row), FALSE);
	gtk_container_add(GTK_CONTAINER(r->row), grid);
	gtk_widget_show_all(r->row);
	return r;
}

static void fill_tunnel_row(TrayWindow *w, TunnelRow *r, const TrayTunnelInfo *t)
{
	char *up = tray_format_rate(t->rate_up), *down = tray_format_rate(t->rate_down);
	char *tup = tray_format_bytes((double)t->bytes_up), *tdown = tray_format_bytes((double)t->bytes_down);
	char *s, *m;
	const char *color = strcmp(t->state, "up") == 0      ? "#1a7f37"
	                    : strcmp(t->state, "error") == 0 ? "#c01c28"
	                                                     : "#9a6700";

	m = g_markup_printf_escaped("<b>%s</b>", t->name);
	gtk_label_set_markup(GTK_LABEL(r->title), m);
	g_free(m);
	s = *t->listen ? g_strdup_printf("%s → %s", t->listen, t->destination)
	               : g_strdup_printf("→ %s", t->destination);
	gtk_label_set_text(GTK_LABEL(r->route), s);
	g_free(s);
	m = strcmp(t->state, "error") == 0
	            ? g_markup_printf_escaped("<span foreground='%s'>error: %s</span>", color, t->error)
	            : g_markup_printf_escaped("<span foreground='%s'>%s</span>", color, t->state);
	gtk_label_set_markup(GTK_LABEL(r->state), m);
	g_free(m);
	s = g_strdup_printf("streams %" G_GINT64_FORMAT " active, %" G_GINT64_FORMAT " total, %" G_GINT64_FORMAT
	                    " refused",
	                    t->streams_active, t->streams_total, t->refused);
	gtk_label_set_text(GTK_LABEL(r->counts), s);
	g_free(s);
	m = g_markup_printf_escaped("<span foreground='#1c73e8'>↑ %s</span>   <span foreground='#ee8c0d'>↓ %s</span>",
	                            up, down);
	gtk_label_set_markup(GTK_LABEL(r->rates), m);
	g_free(m);
	s = g_strdup_printf("total ↑ %s  ↓ %s", tup, tdown);
	gtk_label_set_text(GTK_LABEL(r->totals), s);
	g_free(s);
	tray_graph_set(r->graph, tray_history_get(w->shown->history, t->name), tray_history_span(w->shown->history));
	g_free(up);
	g_free(down);
	g_free(tup);
	g_free(tdown);
}

static void fill_tunnels(TrayWindow *w, const TraySnapshot *s)
{
	GString *names = g_string_new(NULL);

	for (guint i = 0; s && i < s->tunnels->len; i++) {
		const TrayTunnelInfo *t = g_ptr_array_index(s->tunnels, i);

		g_string_append_printf(names, "%s\n", t->name);
	}
	if (g_strcmp0(names->str, w->tunnel_names) != 0) {
		GList *children = gtk_container_get_children(GTK_CONTAINER(w->tunnel_list));

		for (GList *c = children; c; c = c->next)
			gtk_widget_destroy(c->data);
		g_list_free(children);
		g_ptr_array_set_size(w->tunnel_rows, 0);
		for (guint i = 0; s && i < s->tunnels->len; i++) {
			TunnelRow *r = tunnel_row_new();

			gtk_container_add(GTK_CONTAINER(w->tunnel_list), r->row);
			g_ptr_array_add(w->tunnel_rows, r);
		}
		g_free(w->tunnel_names);
		w->tunnel_names = g_strdup(names->str);
	}
	g_string_free(names, TRUE);
	for (guint i = 0; s && i < s->tunnels->len; i++)
		fill_tunnel_row(w, g_ptr_array_index(w->tunnel_rows, i), g_ptr_array_index(s->tunnels, i));
	gtk_widget_set_visible(w->tunnels_empty, !s || s->tunnels->len == 0);
}

/* ---- peers and node ---- */

static void fill_peers(TrayWindow *w, const TraySnapshot *s)
{
	gtk_list_store_clear(w->peers);
	for (guint i = 0; s && i < s->peers->len; i++) {
		const TrayPeerInfo *p = g_ptr_array_index(s->peers, i);
		char *key = tray_format_key(p->public_key);
		gboolean up = strcmp(p->session, "up") == 0;
		char *rtt = tray_format_rtt(p->rtt_known, p->rtt_ms, p->rtt_age_s, up);
		char *loss = tray_format_loss(p->loss_known, p->loss, p->loss_in_known, p->loss_in, p->rtt_age_s);
		char *streams = g_strdup_printf("%" G_GINT64_FORMAT, p->streams);
		char *sent = tray_format_bytes((double)p->tx_bytes), *recv = tray_format_bytes((double)p->rx_bytes);
		const char *path = strcmp(p->path, "tcp") == 0 ? "TCP relay" : strcmp(p->path, "udp") == 0 ? "UDP" : p->path;

		gtk_list_store_insert_with_values(w->peers, NULL, -1, P_KEY, key, P_NAME, p->name, P_ONLINE,
		                                  p->online ? "online" : "offline", P_PATH, path, P_SESSION,
		                                  p->session, P_RTT, rtt, P_LOSS, loss, P_STREAMS, streams, P_SENT,
		                                  sent, P_RECEIVED, recv, -1);
		g_free(key);
		g_free(rtt);
		g_free(loss);
		g_free(streams);
		g_free(sent);
		g_free(recv);
	}
	gtk_widget_set_visible(w->peers_empty, !s || s->peers->len == 0);
}

static void fill_node(TrayWindow *w, TrayService *d)
{
	const TraySnapshot *s = d ? d->snap : NULL;
	char *v[N_NODE] = { NULL };

	if (s) {
		const char *dht = s->node.dht;

		v[NODE_NAME] = g_strdup(s->node.name);
		v[NODE_ROLE] = g_strdup(s->node.role);
		v[NODE_KEY] = g_strdup(s->node.public_key);
		v[NODE_DHT] = g_strdup(strcmp(dht, "udp") == 0   ? "connected (UDP)"
		                       : strcmp(dht, "tcp") == 0 ? "connected (TCP relay)"
		                       : strcmp(dht, "none") == 0 ? "not connected"
		                                                  : dht);
		v[NODE_UPTIME] = tray_format_duration(s->node.uptime_s);
		v[NODE_VERSION] = g_strdup(s->node.version);
		v[NODE_PID] = g_strdup_printf("%" G_GINT64_FORMAT, s->node.pid);
	}
	if (d)
		v[NODE_FILE] = g_strdup(d->ini);
	for (int i = 0; i < N_NODE; i++) {
		gtk_label_set_text(GTK_LABEL(w->node[i]), v[i] && *v[i] ? v[i] : "–");
		g_free(v[i]);
	}
}

/* ---- identity ---- */

static void fill_identity(TrayWindow *w, TrayService *d)
{
	const char *id = d ? d->tox_id : NULL;

	if (id) {
		char *m = g_markup_printf_escaped("<span font_family='monospace' size='large'>%.38s\n%s</span>", id,
		                                  strlen(id) > 38 ? id + 38 : "");

		gtk_label_set_markup(GTK_LABEL(w->id_label), m);
		g_free(m);
	} else {
		gtk_label_set_text(GTK_LABEL(w->id_label),
		                   "Not known yet: start the daemon once to create this node's identity.");
	}
	tray_qr_set_text(w->qr, id);
	gtk_widget_set_sensitive(w->copy, id != NULL);
}

/* ---- the whole window ---- */

static void fill(TrayWindow *w)
{
	TrayService *d = w->shown;
	char *m;

	w->filling = TRUE;
	gtk_image_set_from_icon_name(GTK_IMAGE(w->state_icon), tray_icon_name(d ? d->state : TRAY_STATE_STOPPED),
	                             GTK_ICON_SIZE_DND);
	gtk_image_set_pixel_size(GTK_IMAGE(w->state_icon), 32);
	m = d ? g_markup_printf_escaped("<b>%s</b>  %s", d->label, tray_state_label(d->state)) : g_strdup("");
	gtk_label_set_markup(GTK_LABEL(w->state_label), m);
	g_free(m);
	gtk_widget_set_visible(w->error_label, d && d->error);
	gtk_label_set_text(GTK_LABEL(w->error_label), d && d->error ? d->error : "");
	gtk_button_set_label(GTK_BUTTON(w->startstop), d && tray_service_active(d) ? "S_top" : "S_tart");
	gtk_widget_set_sensitive(w->startstop, d != NULL);

	gtk_widget_set_visible(w->not_running, !d || !d->connected);
	gtk_widget_set_visible(w->running_box, d && d->connected);
	fill_node(w, d);
	fill_peers(w, d ? d->snap : NULL);
	fill_tunnels(w, d ? d->snap : NULL);
	fill_identity(w, d);
	tray_overview_show(w->overview, d);
	w->filling = FALSE;
}

static void show_daemon(TrayWindow *w, TrayService *d)
{
	if (w->shown != d) {
		w->shown = d;
		g_clear_pointer(&w->tunnel_names, g_free);
		tray_editor_load(w->editor, d);
	}
	fill(w);
}

/* Removed from the list with "Stop it": gone once stopped. Not from the
 * service's own callback, which would free it under its feet. */
static gboolean forget_stopped(gpointer data)
{
	TrayWindow *w = data;

	w->leaving_idle = 0;
	for (guint i = 0; i < w->leaving->len;) {
		TrayService *d = g_ptr_array_index(w->leaving, i);

		if (tray_service_active(d)) {
			i++;
			continue;
		}
		g_ptr_array_remove_index(w->leaving, i);
		w->hooks.forget(d, w->hooks.user);
	}
	return G_SOURCE_REMOVE;
}

void tray_window_daemon_changed(TrayWindow *w, TrayService *d)
{
	if (g_ptr_array_find(w->leaving, d, NULL) && !tray_service_active(d) && !w->leaving_idle)
		w->leaving_idle = g_idle_add(forget_stopped, w);
	if (d == w->shown && gtk_widget_get_visible(w->win))
		fill(w);
}

/* ---- pages ---- */

static void go(TrayWindow *w, const char *page)
{
	GtkWidget *child;

	if (strcmp(page, TRAY_PAGE_MAIN) == 0 && w->daemons->len == 0)
		page = TRAY_PAGE_WELCOME;
	child = gtk_stack_get_child_by_name(GTK_STACK(w->stack), page);
	if (child == w->welcome)
		tray_welcome_refresh(w->welcome, w->daemons->len > 0);
	else if (child != gtk_stack_get_child_by_name(GTK_STACK(w->stack), TRAY_PAGE_MAIN))
		tray_firstrun_page_reset(child);
	gtk_stack_set_visible_child(GTK_STACK(w->stack), child);
}

static const char *current_page(TrayWindow *w)
{
	return gtk_stack_get_visible_child_name(GTK_STACK(w->stack));
}

void tray_window_show_daemon(TrayWindow *w, TrayService *d)
{
	guint i;

	if (g_ptr_array_find(w->daemons, d, &i)) {
		w->filling = TRUE;
		gtk_combo_box_set_active(GTK_COMBO_BOX(w->chooser), (int)i);
		w->filling = FALSE;
		show_daemon(w, d);
	}
	go(w, TRAY_PAGE_MAIN);
	gtk_notebook_set_current_page(GTK_NOTEBOOK(w->notebook), TAB_OVERVIEW);
	tray_window_present(w);
}

void tray_window_answer(TrayWindow *w, TrayService *d, const char *public_key, gboolean allow)
{
	tray_window_show_daemon(w, d);
	tray_overview_answer(w->overview, d, public_key, allow);
}

void tray_window_forget(TrayWindow *w, TrayService *d)
{
	g_ptr_array_remove(w->leaving, d);
	tray_editor_forget(w->editor, d);
	if (w->shown == d) {
		w->shown = NULL;
		tray_overview_show(w->overview, NULL);
	}
}

/* ---- first-run hooks ---- */

static TrayService *fr_add(const char *role, const char *path, gpointer user)
{
	TrayWindow *w = user;

	return w->hooks.add(role, path, w->hooks.user);
}

static TrayService *fr_find(const char *path, gpointer user)
{
	TrayWindow *w = user;

	for (guint i = 0; i < w->daemons->len; i++) {
		TrayService *d = g_ptr_array_index(w->daemons, i);

		if (strcmp(d->ini, path) == 0)
			return d;
	}
	return NULL;
}

static void fr_go(const char *page, gpointer user)
{
	go(user, page);
}

static void fr_done(TrayService *d, gboolean edit, gpointer user)
{
	TrayWindow *w = user;

	tray_window_show_daemon(w, d);
	if (edit) {
		tray_editor_load(w->editor, d);
		gtk_notebook_set_current_page(GTK_NOTEBOOK(w->notebook), TAB_CONFIG);
	}
}

static void on_add(GtkButton *b, gpointer data)
{
	go(data, TRAY_PAGE_WELCOME);
}

/* Out of the list: the file stays, and the daemon runs on unless the
 * person asks to stop it. */
static void on_remove(GtkButton *b, gpointer data)
{
	TrayWindow *w = data;
	TrayService *d = w->shown;
	GtkWidget *dialog;
	char *shown;
	int answer;

	if (!d)
		return;
	if (!tray_service_active(d)) {
		w->hooks.forget(d, w->hooks.user);
		return;
	}
	shown = tray_format_path(d->ini);
	dialog = gtk_message_dialog_new(GTK_WINDOW(w->win), GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
	                                GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE, "%s is running. Stop it too?", d->label);
	gtk_message_dialog_format_secondary_text(GTK_MESSAGE_DIALOG(dialog),
	                                         "Either way the file stays where it is, %s, and Open an "
	                                         "existing file… brings it back to this list.",
	                                         shown);
	g_free(shown);
	gtk_dialog_add_buttons(GTK_DIALOG(dialog), "_Cancel", GTK_RESPONSE_CANCEL, "_Keep it running",
	                       GTK_RESPONSE_NO, "_Stop it", GTK_RESPONSE_YES, NULL);
	gtk_dialog_set_default_response(GTK_DIALOG(dialog), GTK_RESPONSE_CANCEL);
	gtk_window_set_title(GTK_WINDOW(dialog), "Remove from this list");
	answer = gtk_dialog_run(GTK_DIALOG(dialog));
	gtk_widget_destroy(dialog);
	if (answer == GTK_RESPONSE_NO) {
		w->hooks.forget(d, w->hooks.user);
	} else if (answer == GTK_RESPONSE_YES) {
		g_ptr_array_add(w->leaving, d);
		tray_service_stop(d);
	}
}

void tray_window_daemons_changed(TrayWindow *w)
{
	GtkComboBoxText *c = GTK_COMBO_BOX_TEXT(w->chooser);
	int active = 0;

	w->filling = TRUE;
	gtk_combo_box_text_remove_all(c);
	for (guint i = 0; i < w->daemons->len; i++) {
		TrayService *d = g_ptr_array_index(w->daemons, i);

		gtk_combo_box_text_append_text(c, d->label);
		if (d == w->shown)
			active = (int)i;
	}
	gtk_combo_box_set_active(GTK_COMBO_BOX(c), w->daemons->len ? active : -1);
	gtk_widget_set_visible(w->chooser, w->daemons->len > 1);
	w->filling = FALSE;
	show_daemon(w, w->daemons->len ? g_ptr_array_index(w->daemons, active) : NULL);
	if (w->daemons->len == 0 && g_strcmp0(current_page(w), TRAY_PAGE_MAIN) == 0)
		go(w, TRAY_PAGE_WELCOME);
}

static void on_chooser(GtkComboBox *c, gpointer data)
{
	TrayWindow *w = data;
	int i = gtk_combo_box_get_active(c);

	if (!w->filling && i >= 0 && (guint)i < w->daemons->len)
		show_daemon(w, g_ptr_array_index(w->daemons, i));
}

static void on_startstop(GtkButton *b, gpointer data)
{
	TrayWindow *w = data;

	if (!w->shown)
		return;
	if (tray_service_active(w->shown))
		tray_service_stop(w->shown);
	else
		tray_service_start(w->shown);
}

static void on_copy(GtkButton *b, gpointer data)
{
	TrayWindow *w = data;

	tray_copy_tox_id(w->shown);
}

static gboolean on_delete(GtkWidget *widget, GdkEvent *ev, gpointer data)
{
	/* The tray keeps running: closing the window only hides it. */
	gtk_widget_hide(widget);
	return TRUE;
}

/* ---- building ---- */

static GtkWidget *status_page(TrayWindow *w)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
	GtkWidget *grid = gtk_grid_new(), *tree, *sw;

	gtk_container_set_border_width(GTK_CONTAINER(box), 12);
	w->not_running = dim(gtk_label_new("The daemon is not running (or its control socket does not answer). "
	                                   "Start it with the button above; a daemon started elsewhere is "
	                                   "picked up by itself."));
	gtk_label_set_line_wrap(GTK_LABEL(w->not_running), TRUE);
	gtk_label_set_xalign(GTK_LABEL(w->not_running), 0);
	gtk_widget_set_no_show_all(w->not_running, TRUE);
	gtk_box_pack_start(GTK_BOX(box), w->not_running, FALSE, FALSE, 0);

	gtk_grid_set_column_spacing(GTK_GRID(grid), 12);
	gtk_grid_set_row_spacing(GTK_GRID(grid), 2);
	for (int i = 0; i < N_NODE; i++) {
		GtkWidget *t = dim(gtk_label_new(node_titles[i]));

		gtk_label_set_xalign(GTK_LABEL(t), 1);
		w->node[i] = value_label();
		gtk_widget_set_hexpand(w->node[i], TRUE);
		gtk_grid_attach(GTK_GRID(grid), t, i % 2 * 2, i / 2, 1, 1);
		gtk_grid_attach(GTK_GRID(grid), w->node[i], i % 2 * 2 + 1, i / 2, 1, 1);
	}
	gtk_box_pack_start(GTK_BOX(box), heading("This node"), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), grid, FALSE, FALSE, 0);

	w->running_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
	w->peers = gtk_list_store_new(N_PCOLS, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
	                              G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING,
	                              G_TYPE_STRING);
	tree = gtk_tree_view_new_with_model(GTK_TREE_MODEL(w->peers));
	for (int i = 0; i < N_PCOLS; i++) {
		GtkTreeViewColumn *c = gtk_tree_view_column_new_with_attributes(
		        peer_titles[i], gtk_cell_renderer_text_new(), "text", i, NULL);

		gtk_tree_view_column_set_resizable(c, TRUE);
		gtk_tree_view_append_column(GTK_TREE_VIEW(tree), c);
	}
	gtk_widget_set_can_focus(tree, FALSE);
	gtk_box_pack_start(GTK_BOX(w->running_box), heading("Peers"), FALSE, FALSE, 0);
	w->peers_empty = dim(gtk_label_new("No peer yet."));
	gtk_label_set_xalign(GTK_LABEL(w->peers_empty), 0);
	gtk_widget_set_no_show_all(w->peers_empty, TRUE);
	gtk_box_pack_start(GTK_BOX(w->running_box), w->peers_empty, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(w->running_box), tree, FALSE, FALSE, 0);

	gtk_box_pack_start(GTK_BOX(w->running_box), heading("Tunnels"), FALSE, FALSE, 0);
	w->tunnels_empty = dim(gtk_label_new("No tunnel."));
	gtk_label_set_xalign(GTK_LABEL(w->tunnels_empty), 0);
	gtk_widget_set_no_show_all(w->tunnels_empty, TRUE);
	gtk_box_pack_start(GTK_BOX(w->running_box), w->tunnels_empty, FALSE, FALSE, 0);
	w->tunnel_list = gtk_list_box_new();
	gtk_list_box_set_selection_mode(GTK_LIST_BOX(w->tunnel_list), GTK_SELECTION_NONE);
	gtk_box_pack_start(GTK_BOX(w->running_box), w->tunnel_list, FALSE, FALSE, 0);
	/* Shown with its children now; fill() shows or hides it as a whole. */
	gtk_widget_show_all(w->running_box);
	gtk_widget_set_no_show_all(w->running_box, TRUE);
	gtk_box_pack_start(GTK_BOX(box), w->running_box, FALSE, FALSE, 0);

	sw = gtk_scrolled_window_new(NULL, NULL);
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(sw), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
	gtk_container_add(GTK_CONTAINER(sw), box);
	return sw;
}

static GtkWidget *identity_page(TrayWindow *w)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
	GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 12);

	gtk_container_set_border_width(GTK_CONTAINER(box), 12);
	gtk_box_pack_start(GTK_BOX(box), heading("This node's Tox ID"), FALSE, FALSE, 0);
	w->id_label = gtk_label_new(NULL);
	gtk_label_set_selectable(GTK_LABEL(w->id_label), TRUE);
	gtk_label_set_xalign(GTK_LABEL(w->id_label), 0);
	gtk_label_set_line_wrap(GTK_LABEL(w->id_label), TRUE);
	w->copy = gtk_button_new_with_mnemonic("C_opy Tox ID");
	g_signal_connect(w->copy, "clicked", G_CALLBACK(on_copy), w);
	gtk_box_pack_start(GTK_BOX(row), w->id_label, TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(row), w->copy, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), row, FALSE, FALSE, 0);
	w->id_hint = dim(gtk_label_new("A client's [client] lines need the server's whole Tox ID. A server's "
	                               "allow lines take a client's public key: the first 64 digits of its "
	                               "ID. Whoever holds a server's ID may use it unless allow lines "
	                               "restrict it, so treat it as a secret."));
	gtk_label_set_line_wrap(GTK_LABEL(w->id_hint), TRUE);
	gtk_label_set_xalign(GTK_LABEL(w->id_hint), 0);
	gtk_box_pack_start(GTK_BOX(box), w->id_hint, FALSE, FALSE, 0);
	w->qr = tray_qr_new();
	gtk_widget_set_size_request(w->qr, 240, 240);
	gtk_widget_set_halign(w->qr, GTK_ALIGN_START);
	gtk_box_pack_start(GTK_BOX(box), w->qr, FALSE, FALSE, 0);
	return box;
}

static GtkWidget *tab(const char *mnemonic)
{
	return gtk_label_new_with_mnemonic(mnemonic);
}

TrayWindow *tray_window_new(GtkApplication *app, GPtrArray *daemons, const TrayWindowHooks *hooks)
{
	TrayWindow *w = g_new0(TrayWindow, 1);
	GtkWidget *vbox = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	GtkWidget *head = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 10);
	GtkWidget *head_text = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
	GtkWidget *add = gtk_button_new_with_label("Add…"), *remove;
	GtkAccelGroup *accel = gtk_accel_group_new();
	TrayFirstRunHooks fr = { fr_add, fr_find, fr_go, fr_done, w };

	w->daemons = daemons;
	w->hooks = *hooks;
	w->leaving = g_ptr_array_new();
	w->tunnel_rows = g_ptr_array_new_with_free_func(tunnel_row_free);
	w->win = gtk_application_window_new(app);
	gtk_window_set_title(GTK_WINDOW(w->win), "toxtun");
	gtk_window_set_icon_name(GTK_WINDOW(w->win), TRAY_APP_ICON);
	gtk_window_set_default_size(GTK_WINDOW(w->win), 860, 640);
	gtk_window_add_accel_group(GTK_WINDOW(w->win), accel);
	g_object_unref(accel);
	g_signal_connect(w->win, "delete-event", G_CALLBACK(on_delete), w);

	gtk_container_set_border_width(GTK_CONTAINER(head), 10);
	w->state_icon = gtk_image_new();
	w->state_label = gtk_label_new(NULL);
	gtk_label_set_xalign(GTK_LABEL(w->state_label), 0);
	w->error_label = gtk_label_new(NULL);
	gtk_label_set_xalign(GTK_LABEL(w->error_label), 0);
	gtk_label_set_line_wrap(GTK_LABEL(w->error_label), TRUE);
	gtk_label_set_selectable(GTK_LABEL(w->error_label), TRUE);
	gtk_style_context_add_class(gtk_widget_get_style_context(w->error_label), "error");
	gtk_widget_set_no_show_all(w->error_label, TRUE);
	gtk_box_pack_start(GTK_BOX(head_text), w->state_label, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(head_text), w->error_label, FALSE, FALSE, 0);
	w->chooser = gtk_combo_box_text_new();
	gtk_widget_set_no_show_all(w->chooser, TRUE);
	g_signal_connect(w->chooser, "changed", G_CALLBACK(on_chooser), w);
	w->startstop = gtk_button_new_with_mnemonic("S_tart");
	g_signal_connect(w->startstop, "clicked", G_CALLBACK(on_startstop), w);
	/* Every letter of "Add" is a mnemonic of the editor already. */
	gtk_widget_set_tooltip_text(add, "Share this computer or connect to another one (Ctrl+N)");
	gtk_widget_add_accelerator(add, "clicked", accel, GDK_KEY_n, GDK_CONTROL_MASK, GTK_ACCEL_VISIBLE);
	g_signal_connect(add, "clicked", G_CALLBACK(on_add), w);
	remove = gtk_button_new_with_mnemonic("_Remove from this list");
	gtk_widget_set_tooltip_text(remove, "The file stays; a running daemon is stopped only if you say so");
	g_signal_connect(remove, "clicked", G_CALLBACK(on_remove), w);
	gtk_box_pack_start(GTK_BOX(head), w->state_icon, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(head), head_text, TRUE, TRUE, 0);
	gtk_box_pack_end(GTK_BOX(head), remove, FALSE, FALSE, 0);
	gtk_box_pack_end(GTK_BOX(head), add, FALSE, FALSE, 0);
	gtk_box_pack_end(GTK_BOX(head), w->startstop, FALSE, FALSE, 0);
	gtk_box_pack_end(GTK_BOX(head), w->chooser, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(vbox), head, FALSE, FALSE, 0);

	w->notebook = gtk_notebook_new();
	w->editor = tray_editor_new();
	w->overview = tray_overview_new();
	gtk_notebook_append_page(GTK_NOTEBOOK(w->notebook), tray_overview_widget(w->overview), tab("Overvie_w"));
	gtk_notebook_append_page(GTK_NOTEBOOK(w->notebook), status_page(w), tab("Stat_us"));
	gtk_notebook_append_page(GTK_NOTEBOOK(w->notebook), identity_page(w), tab("_Identity"));
	gtk_notebook_append_page(GTK_NOTEBOOK(w->notebook), tray_editor_widget(w->editor), tab("_Configuration"));
	gtk_box_pack_start(GTK_BOX(vbox), w->notebook, TRUE, TRUE, 0);

	w->stack = gtk_stack_new();
	w->welcome = tray_welcome_page(&fr);
	w->share = tray_share_page(&fr);
	w->connect = tray_connect_page(&fr);
	gtk_stack_add_named(GTK_STACK(w->stack), vbox, TRAY_PAGE_MAIN);
	gtk_stack_add_named(GTK_STACK(w->stack), w->welcome, TRAY_PAGE_WELCOME);
	gtk_stack_add_named(GTK_STACK(w->stack), w->share, TRAY_PAGE_SHARE);
	gtk_stack_add_named(GTK_STACK(w->stack), w->connect, TRAY_PAGE_CONNECT);
	gtk_container_add(GTK_CONTAINER(w->win), w->stack);
	gtk_widget_show_all(w->stack);
	tray_window_daemons_changed(w);
	go(w, TRAY_PAGE_MAIN);
	return w;
}

void tray_window_free(TrayWindow *w)
{
	if (!w)
		return;
	gtk_widget_destroy(w->win);
	tray_editor_free(w->editor);
	tray_overview_free(w->overview);
	if (w->leaving_idle)
		g_source_remove(w->leaving_idle);
	g_ptr_array_unref(w->leaving);
	g_object_unref(w->peers);
	g_ptr_array_unref(w->tunnel_rows);
	g_free(w->tunnel_names);
	g_free(w);
}

void tray_window_present(TrayWindow *w)
{
	if (w->daemons->len == 0 && g_strcmp0(current_page(w), TRAY_PAGE_MAIN) == 0)
		go(w, TRAY_PAGE_WELCOME);
	fill(w);
	gtk_window_present(GTK_WINDOW(w->win));
}
