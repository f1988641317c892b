/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The control-socket connection: see ctlclient.h. */
#include <string.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "ctlclient.h"

typedef struct {
	TrayReplyFunc done;
	gpointer user;
} Pending;

struct TrayCtlClient {
	int refs;
	gboolean dead;          /* the owner let go: no more callbacks */
	char **paths;
	guint interval_ms;
	TrayCtlClientCallbacks cb;
	gpointer user;

	guint generation;       /* bumped on every disconnect: stale async results are dropped */
	GCancellable *cancel;   /* of the current attempt or connection */
	GSocketClient *client;
	GSocketConnection *conn;
	GDataInputStream *in;
	GOutputStream *out;
	char *path;             /* the path that answered */
	gboolean hello;         /* the daemon said hello: we are connected */
	gboolean busy;          /* an attempt or a connection is under way */

	GQueue outq;            /* lines (char *) waiting to be written */
	char *writing;          /* the line being written */
	guint retry_id;

	gint64 next_tag;
	GHashTable *pending;    /* tag -> Pending */
};

/* What an async call needs to find its way back. */
typedef struct {
	TrayCtlClient *c;
	guint generation;
	guint index;            /* connect: which path */
} Op;

static void attempt(TrayCtlClient *c, guint index);
static void read_next(TrayCtlClient *c);
static void write_next(TrayCtlClient *c);

static TrayCtlClient *ref(TrayCtlClient *c)
{
	c->refs++;
	return c;
}

static void unref(TrayCtlClient *c)
{
	if (--c->refs > 0)
		return;
	g_strfreev(c->paths);
	g_clear_object(&c->cancel);
	g_clear_object(&c->client);
	g_clear_object(&c->in);
	g_clear_object(&c->conn);
	g_free(c->path);
	g_queue_clear_full(&c->outq, g_free);
	g_free(c->writing);
	g_hash_table_unref(c->pending);
	g_free(c);
}

static Op *op_new(TrayCtlClient *c, guint index)
{
	Op *op = g_new(Op, 1);

	op->c = ref(c);
	op->generation = c->generation;
	op->index = index;
	return op;
}

/* Frees op; returns its TrayCtlClient when the result still matters, else NULL
 * (the reference is then dropped as well). */
static TrayCtlClient *op_finish(Op *op)
{
	TrayCtlClient *c = op->c;
	gboolean stale = c->dead || op->generation != c->generation;

	g_free(op);
	if (stale) {
		unref(c);
		return NULL;
	}
	return c;
}

TrayCtlClient *tray_ctlclient_new(const char *const *paths, guint interval_ms,
                                  const TrayCtlClientCallbacks *cb, gpointer user)
{
	TrayCtlClient *c = g_new0(TrayCtlClient, 1);

	c->refs = 1;
	c->paths = g_strdupv((char **)paths);
	c->interval_ms = interval_ms;
	c->cb = *cb;
	c->user = user;
	c->cancel = g_cancellable_new();
	c->client = g_socket_client_new();
	c->next_tag = 1;
	c->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	g_queue_init(&c->outq);
	return c;
}

gboolean tray_ctlclient_is_connected(const TrayCtlClient *c)
{
	return c->hello;
}

const char *tray_ctlclient_path(const TrayCtlClient *c)
{
	return c->hello ? c->path : NULL;
}

static gboolean retry_cb(gpointer data)
{
	TrayCtlClient *c = data;

	c->retry_id = 0;
	if (!c->busy)
		attempt(c, 0);
	return G_SOURCE_REMOVE;
}

static void schedule_retry(TrayCtlClient *c)
{
	if (!c->retry_id && !c->dead)
		c->retry_id = g_timeout_add(TRAY_CONTROL_RETRY_MS, retry_cb, c);
}

void tray_ctlclient_start(TrayCtlClient *c)
{
	if (!c->busy && !c->retry_id)
		attempt(c, 0);
}

void tray_ctlclient_poke(TrayCtlClient *c)
{
	if (c->busy)
		return;
	if (c->retry_id) {
		g_source_remove(c->retry_id);
		c->retry_id = 0;
	}
	attempt(c, 0);
}

/* Fail every waiting request (the callbacks may free c: hold a ref). */
static void fail_pending(TrayCtlClient *c, const char *why)
{
	GHashTable *pending = c->pending;
	GHashTableIter it;
	gpointer value;

	c->pending = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
	g_hash_table_iter_init(&it, pending);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		Pending *p = value;

		if (p->done && !c->dead)
			p->done(c, NULL, why, p->user);
	}
	g_hash_table_unref(pending);
}

/* Drop the connection (or attempt) and start retrying. */
static void disconnect(TrayCtlClient *c, const char *reason)
{
	gboolean was_connected = c->hello;

	ref(c);
	c->generation++;
	g_cancellable_cancel(c->cancel);
	g_object_unref(c->cancel);
	c->cancel = g_cancellable_new();
	if (c->conn)
		g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
	g_clear_object(&c->in);
	g_clear_object(&c->conn);
	c->out = NULL;
	g_queue_clear_full(&c->outq, g_free);
	g_queue_init(&c->outq);
	g_clear_pointer(&c->writing, g_free);
	c->hello = FALSE;
	c->busy = FALSE;
	fail_pending(c, "the connection to the daemon was lost");
	if (was_connected && !c->dead && c->cb.disconnected)
		c->cb.disconnected(c, reason, c->user);
	schedule_retry(c);
	unref(c);
}

void tray_ctlclient_free(TrayCtlClient *c)
{
	if (!c)
		return;
	c->dead = TRUE;
	if (c->retry_id) {
		g_source_remove(c->retry_id);
		c->retry_id = 0;
	}
	disconnect(c, "closed");
	unref(c);
}

/* ---- connecting ---- */

static void on_connect(GObject *src, GAsyncResult *res, gpointer data)
{
	Op *op = data;
	guint index = op->index;
	GError *error = NULL;
	GSocketConnection *conn = g_socket_client_connect_finish(G_SOCKET_CLIENT(src), res, &error);
	TrayCtlClient *c = op_finish(op);

	if (!c) {
		g_clear_object(&conn);
		g_clear_error(&error);
		return;
	}
	if (!conn) {
		g_clear_error(&error);
		c->busy = FALSE;
		attempt(c, index + 1);
		unref(c);
		return;
	}
	c->conn = conn;
	g_free(c->path);
	c->path = g_strdup(c->paths[index]);
	c->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	g_data_input_stream_set_newline_type(c->in, G_DATA_STREAM_NEWLINE_TYPE_LF);
	c->out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	read_next(c);
	unref(c);
}

static void attempt(TrayCtlClient *c, guint index)
{
	GSocketAddress *addr;

	if (c->dead)
		return;
	if (!c->paths[0] || index >= g_strv_length(c->paths)) {
		c->busy = FALSE;
		schedule_retry(c);
		return;
	}
	c->busy = TRUE;
	addr = g_unix_socket_address_new(c->paths[index]);
	g_socket_client_connect_async(c->client, G_SOCKET_CONNECTABLE(addr), c->cancel, on_connect,
	                              op_new(c, index));
	g_object_unref(addr);
}

/* ---- writing ---- */

static void on_written(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *error = NULL;
	gboolean ok = g_output_stream_write_all_finish(G_OUTPUT_STREAM(src), res, NULL, &error);
	TrayCtlClient *c = op_finish(data);

	if (!c) {
		g_clear_error(&error);
		return;
	}
	g_clear_pointer(&c->writing, g_free);
	if (!ok) {
		char *why = g_strdup_printf("write: %s", error->message);

		disconnect(c, why);
		g_free(why);
	} else {
		write_next(c);
	}
	g_clear_error(&error);
	unref(c);
}

static void write_next(TrayCtlClient *c)
{
	if (c->writing || !c->out || g_queue_is_empty(&c->outq))
		return;
	c->writing = g_queue_pop_head(&c->outq);
	g_output_stream_write_all_async(c->out, c->writing, strlen(c->writing), G_PRIORITY_DEFAULT,
	                                c->cancel, on_written, op_new(c, 0));
}

static void send_object(TrayCtlClient *c, JsonObject *o)
{
	JsonNode *n = json_node_new(JSON_NODE_OBJECT);
	char *text;

	json_node_take_object(n, o);
	text = json_to_string(n, FALSE);
	json_node_unref(n);
	g_queue_push_tail(&c->outq, g_strconcat(text, "\n", NULL));
	g_free(text);
	write_next(c);
}

void tray_ctlclient_request(TrayCtlClient *c, const char *cmd, JsonObject *args, TrayReplyFunc done,
                            gpointer user)
{
	JsonObject *o = args ? args : json_object_new();
	Pending *p;
	gint64 *tag;

	if (!c->hello) {
		json_object_unref(o);
		if (done)
			done(c, NULL, "no daemon is running", user);
		return;
	}
	json_object_set_string_member(o, "cmd", cmd);
	json_object_set_int_member(o, "tag", c->next_tag);
	tag = g_new(gint64, 1);
	*tag = c->next_tag++;
	p = g_new(Pending, 1);
	p->done = done;
	p->user = user;
	g_hash_table_insert(c->pending, tag, p);
	send_object(c, o);
}

/* ---- reading ---- */

static void handle_hello(TrayCtlClient *c, JsonObject *o)
{
	JsonObject *sub;
	const char *role, *version;

	if (!json_object_has_member(o, "event") ||
	    g_strcmp0(json_object_get_string_member_with_default(o, "event", ""), "hello") != 0 ||
	    json_object_get_int_member_with_default(o, "protocol", 0) != TRAY_CONTROL_PROTOCOL) {
		disconnect(c, "the socket does not speak the toxtun control protocol 1");
		return;
	}
	role = json_object_get_string_member_with_default(o, "role", "");
	version = json_object_get_string_member_with_default(o, "version", "");
	c->hello = TRUE;
	c->busy = TRUE;
	sub = json_object_new();
	json_object_set_int_member(sub, "interval_ms", c->interval_ms);
	tray_ctlclient_request(c, "subscribe", sub, NULL, NULL);
	if (c->cb.connected)
		c->cb.connected(c, c->path, role, version, c->user);
}

static void handle_line(TrayCtlClient *c, const char *line, gsize len)
{
	JsonParser *parser = json_parser_new();
	JsonNode *root;
	JsonObject *o;
	GError *error = NULL;

	if (!json_parser_load_from_data(parser, line, (gssize)len, &error) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		char *why = g_strdup_printf("the daemon sent something that is not a JSON object: %s",
		                            error ? error->message : "not an object");

		disconnect(c, why);
		g_free(why);
		g_clear_error(&error);
		g_object_unref(parser);
		return;
	}
	root = json_parser_get_root(parser);
	o = json_node_get_object(root);
	if (!c->hello) {
		handle_hello(c, o);
	} else if (json_object_has_member(o, "event")) {
		const char *ev = json_object_get_string_member_with_default(o, "event", "");

		if (strcmp(ev, "snapshot") == 0 && c->cb.snapshot)
			c->cb.snapshot(c, root, c->user);
		else if (strcmp(ev, "snapshot") != 0 && c->cb.event)
			c->cb.event(c, ev, root, c->user);
	} else {
		JsonNode *tn = json_object_get_member(o, "tag");
		gint64 tag = tn && JSON_NODE_HOLDS_VALUE(tn) ? json_node_get_int(tn) : 0;
		Pending *p = g_hash_table_lookup(c->pending, &tag);

		if (p) {
			TrayReplyFunc done = p->done;
			gpointer user = p->user;
			const char *err = NULL;

			g_hash_table_remove(c->pending, &tag);
			if (!json_object_get_boolean_member_with_default(o, "ok", FALSE))
				err = json_object_get_string_member_with_default(o, "error", "the daemon refused");
			if (done)
				done(c, err ? NULL : root, err, user);
		}
	}
	g_object_unref(parser);
}

static void on_line(GObject *src, GAsyncResult *res, gpointer data)
{
	GError *error = NULL;
	gsize len = 0;
	char *line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(src), res, &len, &error);
	TrayCtlClient *c = op_finish(data);
	guint gen;

	if (!c) {
		g_free(line);
		g_clear_error(&error);
		return;
	}
	if (!line) {
		char *why = error ? g_strdup_printf("read: %s", error->message) : g_strdup("the daemon closed the connection");

		disconnect(c, why);
		g_free(why);
		g_clear_error(&error);
		unref(c);
		return;
	}
	gen = c->generation;
	handle_line(c, line, len);
	g_free(line);
	/* The line's handler may have dropped the connection or freed c. */
	if (!c->dead && gen == c->generation)
		read_next(c);
	unref(c);
}

static void read_next(TrayCtlClient *c)
{
	g_data_input_stream_read_line_async(c->in, G_PRIORITY_DEFAULT, c->cancel, on_line, op_new(c, 0));
}
