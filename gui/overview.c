/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The overview tab: see overview.h. */
#include <string.h>

#include "browser.h"
#include "format.h"
#include "overview.h"
#include "qr.h"
#include "usage.h"
#include "widgets.h"

struct TrayOverview {
	GtkWidget *root;
	TrayService *d;
	TrayBrowser browser;

	GtkWidget *words, *words_hint, *error;

	GtkWidget *server_box;
	GtkWidget *id_label, *copy_id, *qr;
	GtkWidget *requests, *requests_frame, *requests_empty, *answer_msg;
	char *request_keys;   /* the keys the rows were built for */
	GPtrArray *request_ages; /* per row: its age label */

	GtkWidget *client_box, *uses;
	char *use_keys;       /* what the use rows were built for */
};

/* ---- what it is doing, in words ---- */

static const char *server_words(const TraySnapshot *s, char **owned)
{
	guint online = 0, relay = 0;

	for (guint i = 0; i < s->peers->len; i++) {
		const TrayPeerInfo *p = g_ptr_array_index(s->peers, i);

		online += p->online;
		relay += p->online && strcmp(p->path, "tcp") == 0;
	}
	if (online == 0)
		return strcmp(s->node.dht, "none") == 0 || !*s->node.dht
		               ? "shared: joining the Tox network…"
		               : "shared: waiting for the other computer to connect";
	*owned = g_strdup_printf("connected: %u computer%s (%s)", online, online == 1 ? "" : "s",
	                         relay == online ? "through a relay" : relay ? "direct UDP and through a relay"
	                                                                     : "direct UDP");
	return *owned;
}

/* Colours of the words: on the way, done, waiting for a person, wrong,
 * idle. */
#define WORDS_BUSY "#9a6700"
#define WORDS_UP "#1a7f37"
#define WORDS_PERSON "#813d9c"
#define WORDS_ERROR "#c01c28"
#define WORDS_IDLE "#5e5c64"

/* The words, the colour they are shown in, and a hint on what to do. */
static const char *words_for(TrayService *d, char **owned, const char **colour, const char **hint)
{
	const TraySnapshot *s = d->snap;

	*colour = WORDS_BUSY;
	*hint = NULL;
	if (!d->connected || !s) {
		if (d->starting)
			return "starting…";
		*colour = d->state == TRAY_STATE_ERROR ? WORDS_ERROR : WORDS_IDLE;
		return d->state == TRAY_STATE_ERROR ? "not running" : "stopped: press Start to run it";
	}
	if (strcmp(d->role, "server") == 0 || s->tunnels->len == 0) {
		const char *w = server_words(s, owned);

		if (*owned)
			*colour = WORDS_UP;
		return w;
	}
	{
		TrayProgress p = tray_snapshot_progress(s);

		if (p == TRAY_PROGRESS_DIRECT || p == TRAY_PROGRESS_RELAY)
			*colour = WORDS_UP;
		if (p == TRAY_PROGRESS_APPROVAL) {
			*colour = WORDS_PERSON;
			*hint = "The other computer's toxtun window lists this one among the computers asking to "
			        "connect, under this computer's name: whoever uses it there clicks Allow.";
		}
		if (p == TRAY_PROGRESS_LOOKING)
			*hint = "The other computer may be off, or both are still finding their way through the "
			        "Tox network, which can take a minute.";
		return tray_progress_words(p);
	}
}

static void fill_words(TrayOverview *o)
{
	char *owned = NULL, *m;
	const char *colour, *hint, *w = words_for(o->d, &owned, &colour, &hint);

	m = g_markup_printf_escaped("<span size='x-large' weight='bold' foreground='%s'>%s</span>", colour, w);
	gtk_label_set_markup(GTK_LABEL(o->words), m);
	g_free(m);
	g_free(owned);
	tray_message_set(o->words_hint, hint, FALSE);
	tray_message_set(o->error, o->d->error, TRUE);
}

/* ---- a server: its ID and the requests ---- */

static void on_copy_id(GtkButton *b, gpointer data)
{
	TrayOverview *o = data;

	if (o->d && o->d->tox_id)
		gtk_clipboard_set_text(gtk_clipboard_get(GDK_SELECTION_CLIPBOARD), o->d->tox_id, -1);
}

static void fill_id(TrayOverview *o)
{
	const char *id = o->d->tox_id;

	if (id) {
		char *m = g_markup_printf_escaped("<span font_family='monospace' size='large'>%.38s\n%s</span>", id,
		                                  strlen(id) > 38 ? id + 38 : "");

		gtk_label_set_markup(GTK_LABEL(o->id_label), m);
		g_free(m);
	} else {
		gtk_label_set_text(GTK_LABEL(o->id_label), "Not known yet: it appears once the daemon has started.");
	}
	tray_qr_set_text(o->qr, id);
	gtk_widget_set_sensitive(o->copy_id, id != NULL);
}

typedef struct {
	TrayOverview *o;
	TrayService *d;
	char *key, *who;
} AnswerCtx;

static void on_answered(TrayService *d, gboolean ok, const char *message, gpointer user)
{
	AnswerCtx *a = user;

	if (a->o->d == d) {
		char *key = tray_format_key(a->key);
		char *m = !ok ? g_strdup_printf("The daemon did not take it: %s", message)
		          : g_str_equal(message, "allowed")
		                  ? g_strdup_printf("Allowed: %s (key %s) can connect now.", a->who, key)
		                  : g_strdup_printf("Denied: %s (key %s). It may ask again later.", a->who, key);

		g_free(key);

		tray_message_set(a->o->answer_msg, m, !ok);
		g_free(m);
	}
	g_message("%s: %s %s: %s", d->label, ok ? "answered" : "could not answer", a->key, message);
	g_free(a->key);
	g_free(a->who);
	g_free(a);
}

void tray_overview_answer(TrayOverview *o, TrayService *d, const char *public_key, gboolean allow)
{
	AnswerCtx *a = g_new(AnswerCtx, 1);
	const char *who = NULL;

	/* Named as the request named itself, while it is still listed. */
	for (guint i = 0; d->snap && i < d->snap->pending->len && !who; i++) {
		const TrayPendingInfo *p = g_ptr_array_index(d->snap->pending, i);

		if (g_ascii_strcasecmp(p->public_key, public_key) == 0 && *p->message)
			who = p->message;
	}
	*a = (AnswerCtx){ o, d, g_strdup(public_key), g_strdup_printf("“%s”", who ? who : "the computer") };
	if (o->d == d)
		tray_message_set(o->answer_msg, allow ? "Allowing…" : "Denying…", FALSE);
	tray_service_answer(d, public_key, allow, on_answered, a);
}

static void on_allow(GtkButton *b, gpointer data)
{
	TrayOverview *o = data;

	if (o->d)
		tray_overview_answer(o, o->d, g_object_get_data(G_OBJECT(b), "key"), TRUE);
}

static void on_deny(GtkButton *b, gpointer data)
{
	TrayOverview *o = data;

	if (o->d)
		tray_overview_answer(o, o->d, g_object_get_data(G_OBJECT(b), "key"), FALSE);
}

static GtkWidget *request_row(TrayOverview *o, const TrayPendingInfo *p)
{
	GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 10), *text = gtk_box_new(GTK_ORIENTATION_VERTICAL, 2);
	GtkWidget *who = gtk_label_new(NULL), *age = tray_hint(NULL);
	GtkWidget *allow = gtk_button_new_with_label("Allow"), *deny = gtk_button_new_with_label("Deny");
	char *m = g_markup_printf_escaped("<b>%s</b>", *p->message ? p->message : "A computer without a name");

	gtk_label_set_markup(GTK_LABEL(who), m);
	gtk_label_set_xalign(GTK_LABEL(who), 0);
	gtk_label_set_ellipsize(GTK_LABEL(who), PANGO_ELLIPSIZE_END);
	g_free(m);
	gtk_box_pack_start(GTK_BOX(text), who, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(text), age, FALSE, FALSE, 0);
	g_ptr_array_add(o->request_ages, age);
	gtk_style_context_add_class(gtk_widget_get_style_context(allow), "suggested-action");
	g_object_set_data_full(G_OBJECT(allow), "key", g_strdup(p->public_key), g_free);
	g_object_set_data_full(G_OBJECT(deny), "key", g_strdup(p->public_key), g_free);
	g_signal_connect(allow, "clicked", G_CALLBACK(on_allow), o);
	g_signal_connect(deny, "clicked", G_CALLBACK(on_deny), o);
	gtk_widget_set_valign(allow, GTK_ALIGN_CENTER);
	gtk_widget_set_valign(deny, GTK_ALIGN_CENTER);
	gtk_box_pack_start(GTK_BOX(row), text, TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(row), allow, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(row), deny, FALSE, FALSE, 0);
	gtk_container_set_border_width(GTK_CONTAINER(row), 8);
	gtk_widget_show_all(row);
	return row;
}

static void fill_requests(TrayOverview *o)
{
	const TraySnapshot *s = o->d->connected ? o->d->snap : NULL;
	GString *keys = g_string_new(NULL);

	for (guint i = 0; s && i < s->pending->len; i++)
		g_string_append_printf(keys, "%s\n", ((TrayPendingInfo *)g_ptr_array_index(s->pending, i))->public_key);
	if (g_strcmp0(keys->str, o->request_keys) != 0) {
		GList *children = gtk_container_get_children(GTK_CONTAINER(o->requests));

		for (GList *c = children; c; c = c->next)
			gtk_widget_destroy(c->data);
		g_list_free(children);
		g_ptr_array_set_size(o->request_ages, 0);
		for (guint i = 0; s && i < s->pending->len; i++)
			gtk_container_add(GTK_CONTAINER(o->requests), request_row(o, g_ptr_array_index(s->pending, i)));
		g_free(o->request_keys);
		o->request_keys = g_strdup(keys->str);
	}
	for (guint i = 0; s && i < s->pending->len && i < o->request_ages->len; i++) {
		const TrayPendingInfo *p = g_ptr_array_index(s->pending, i);
		char *key = tray_format_key(p->public_key), *age = tray_format_duration(p->age_s);
		char *text = g_strdup_printf("key %s · asked %s ago", key, age);

		gtk_label_set_text(GTK_LABEL(g_ptr_array_index(o->request_ages, i)), text);
		g_free(text);
		g_free(key);
		g_free(age);
	}
	gtk_widget_set_visible(o->requests_frame, s && s->pending->len > 0);
	gtk_widget_set_visible(o->requests_empty, !s || s->pending->len == 0);
	g_string_free(keys, TRUE);
}

/* ---- a client: how to use its tunnels ---- */

static void on_copy_text(GtkButton *b, gpointer data)
{
	gtk_clipboard_set_text(gtk_clipboard_get(GDK_SELECTION_CLIPBOARD), g_object_get_data(G_OBJECT(b), "text"), -1);
}

static void on_browser(GtkButton *b, gpointer data)
{
	TrayOverview *o = data;
	GError *error = NULL;
	guint port = GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(b), "port"));

	if (!tray_browser_launch(&o->browser, (guint16)port, &error)) {
		tray_message_set(o->error, error->message, TRUE);
		g_error_free(error);
	}
}

static GtkWidget *use_row(TrayOverview *o, const TrayUse *u)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 4), *line = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 8);
	GtkWidget *text = gtk_label_new(u->text), *cmd = gtk_label_new(NULL), *copy = gtk_button_new_with_label("Copy");
	char *m = g_markup_printf_escaped("<span font_family='monospace' size='large'>%s</span>", u->copy);

	gtk_label_set_xalign(GTK_LABEL(text), 0);
	gtk_label_set_line_wrap(GTK_LABEL(text), TRUE);
	gtk_label_set_markup(GTK_LABEL(cmd), m);
	gtk_label_set_selectable(GTK_LABEL(cmd), TRUE);
	g_free(m);
	g_object_set_data_full(G_OBJECT(copy), "text", g_strdup(u->copy), g_free);
	g_signal_connect(copy, "clicked", G_CALLBACK(on_copy_text), o);
	gtk_box_pack_start(GTK_BOX(line), cmd, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(line), copy, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), text, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), line, FALSE, FALSE, 0);
	if (u->kind == TRAY_USE_PROXY) {
		char *label = o->browser.label ? g_strdup_printf("Open %s with this proxy", o->browser.label)
		                               : g_strdup("Open a browser with this proxy");
		GtkWidget *b = gtk_button_new_with_label(label);

		g_free(label);
		g_object_set_data(G_OBJECT(b), "port", GUINT_TO_POINTER((guint)u->port));
		g_signal_connect(b, "clicked", G_CALLBACK(on_browser), o);
		gtk_widget_set_halign(b, GTK_ALIGN_START);
		gtk_widget_set_sensitive(b, o->browser.kind != TRAY_BROWSER_NONE);
		gtk_box_pack_start(GTK_BOX(box), b, FALSE, FALSE, 0);
		gtk_box_pack_start(GTK_BOX(box),
		                   tray_hint(o->browser.kind != TRAY_BROWSER_NONE
		                                     ? "It starts with a fresh profile of its own, which sends "
		                                       "everything through the other computer, names included."
		                                     : "Neither Chromium nor Firefox is installed here: enter the "
		                                       "proxy in your browser's network settings instead."),
		                   FALSE, FALSE, 0);
	}
	gtk_container_set_border_width(GTK_CONTAINER(box), 4);
	gtk_widget_show_all(box);
	return box;
}

static void fill_uses(TrayOverview *o)
{
	GString *keys = g_string_new(NULL);

	for (guint i = 0; i < o->d->uses->len; i++) {
		const TrayUse *u = g_ptr_array_index(o->d->uses, i);

		g_string_append_printf(keys, "%s\n%s\n", u->text, u->copy);
	}
	if (g_strcmp0(keys->str, o->use_keys) != 0) {
		GList *children = gtk_container_get_children(GTK_CONTAINER(o->uses));

		for (GList *c = children; c; c = c->next)
			gtk_widget_destroy(c->data);
		g_list_free(children);
		for (guint i = 0; i < o->d->uses->len; i++)
			gtk_box_pack_start(GTK_BOX(o->uses), use_row(o, g_ptr_array_index(o->d->uses, i)), FALSE, FALSE, 0);
		g_free(o->use_keys);
		o->use_keys = g_strdup(keys->str);
	}
	g_string_free(keys, TRUE);
}

/* ---- the whole tab ---- */

void tray_overview_show(TrayOverview *o, TrayService *d)
{
	gboolean server, client;

	if (o->d != d) {
		o->d = d;
		g_clear_pointer(&o->request_keys, g_free);
		g_clear_pointer(&o->use_keys, g_free);
		tray_message_set(o->answer_msg, NULL, FALSE);
	}
	if (!d)
		return;
	server = strcmp(d->role, "client") != 0;
	client = strcmp(d->role, "server") != 0 && d->uses->len > 0;
	fill_words(o);
	gtk_widget_set_visible(o->server_box, server);
	gtk_widget_set_visible(o->client_box, client);
	if (server) {
		fill_id(o);
		fill_requests(o);
	}
	if (client)
		fill_uses(o);
}

static GtkWidget *server_part(TrayOverview *o)
{
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8), *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 18);
	GtkWidget *left = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8), *frame = gtk_frame_new(NULL);

	o->id_label = gtk_label_new(NULL);
	gtk_label_set_selectable(GTK_LABEL(o->id_label), TRUE);
	gtk_label_set_xalign(GTK_LABEL(o->id_label), 0);
	o->copy_id = gtk_button_new_with_mnemonic("C_opy the ID");
	gtk_widget_set_halign(o->copy_id, GTK_ALIGN_START);
	g_signal_connect(o->copy_id, "clicked", G_CALLBACK(on_copy_id), o);
	gtk_box_pack_start(GTK_BOX(left), tray_heading("Give this ID to the other computer", 1.1), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(left), o->id_label, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(left), o->copy_id, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(left),
	                   tray_hint("On the other computer: Connect to a computer, then paste it (or scan the "
	                             "code). Whoever has the ID can ask to connect; only the computers you "
	                             "allow get in."),
	                   FALSE, FALSE, 0);
	o->qr = tray_qr_new();
	gtk_widget_set_size_request(o->qr, 180, 180);
	gtk_widget_set_valign(o->qr, GTK_ALIGN_START);
	gtk_box_pack_start(GTK_BOX(row), left, TRUE, TRUE, 0);
	gtk_box_pack_start(GTK_BOX(row), o->qr, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), row, FALSE, FALSE, 0);

	gtk_box_pack_start(GTK_BOX(box), tray_heading("Computers asking to connect", 1.1), FALSE, FALSE, 6);
	o->requests_empty = tray_hint("Nobody is asking right now. When a computer connects with this ID, it "
	                              "appears here, and a notification says so.");
	gtk_widget_set_no_show_all(o->requests_empty, TRUE);
	o->requests = gtk_box_new(GTK_ORIENTATION_VERTICAL, 0);
	gtk_container_add(GTK_CONTAINER(frame), o->requests);
	o->requests_frame = frame;
	gtk_widget_show_all(frame);
	gtk_widget_set_no_show_all(frame, TRUE);
	gtk_box_pack_start(GTK_BOX(box), o->requests_empty, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), frame, FALSE, FALSE, 0);
	o->answer_msg = tray_message_label();
	gtk_box_pack_start(GTK_BOX(box), o->answer_msg, FALSE, FALSE, 0);
	return box;
}

TrayOverview *tray_overview_new(void)
{
	TrayOverview *o = g_new0(TrayOverview, 1);
	GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);

	o->browser = tray_browser_find();
	o->request_ages = g_ptr_array_new();
	gtk_container_set_border_width(GTK_CONTAINER(box), 16);
	o->words = gtk_label_new(NULL);
	gtk_label_set_xalign(GTK_LABEL(o->words), 0);
	gtk_label_set_line_wrap(GTK_LABEL(o->words), TRUE);
	o->error = tray_message_label();
	o->words_hint = tray_message_label();
	gtk_box_pack_start(GTK_BOX(box), o->words, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), o->words_hint, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), o->error, FALSE, FALSE, 0);

	o->server_box = server_part(o);
	gtk_box_pack_start(GTK_BOX(box), o->server_box, FALSE, FALSE, 0);

	o->client_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 8);
	o->uses = gtk_box_new(GTK_ORIENTATION_VERTICAL, 10);
	gtk_box_pack_start(GTK_BOX(o->client_box), tray_heading("How to use it", 1.1), FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(o->client_box), o->uses, FALSE, FALSE, 0);
	gtk_box_pack_start(GTK_BOX(box), o->client_box, FALSE, FALSE, 0);

	gtk_widget_show_all(box);
	gtk_widget_set_no_show_all(o->server_box, TRUE);
	gtk_widget_set_no_show_all(o->client_box, TRUE);
	o->root = gtk_scrolled_window_new(NULL, NULL);
	gtk_scrolled_window_set_policy(GTK_SCROLLED_WINDOW(o->root), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
	gtk_container_add(GTK_CONTAINER(o->root), box);
	g_object_ref_sink(o->root);
	return o;
}

void tray_overview_free(TrayOverview *o)
{
	if (!o)
		return;
	g_object_unref(o->root);
	g_ptr_array_unref(o->request_ages);
	g_free(o->request_keys);
	g_free(o->use_keys);
	tray_browser_clear(&o->browser);
	g_free(o);
}

GtkWidget *tray_overview_widget(TrayOverview *o)
{
	return o->root;
}
