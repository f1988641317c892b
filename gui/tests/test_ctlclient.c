/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The control-socket connection against a fake daemon speaking
 * daemon/control/PROTOCOL.md: hello, subscribe, snapshots, tagged replies,
 * and reconnecting by itself when the daemon goes away and comes back. */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ctlclient.h"

#define DEADLINE_S 15
#define KEY "AB12000000000000000000000000000000000000000000000000000000000000"

/* ---- the fake daemon ---- */

typedef struct {
	GSocketService *service;
	char *path;
	GSocketConnection *conn;   /* the last client */
	GDataInputStream *in;
	guint accepted;
	guint subscribes;
	gboolean bad_hello;
} Fake;

static void fake_send(Fake *f, const char *line)
{
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(f->conn));

	/* The client may be gone already (it may hang up at any time). */
	if (g_output_stream_write_all(out, line, strlen(line), NULL, NULL, NULL))
		g_output_stream_write_all(out, "\n", 1, NULL, NULL, NULL);
}

static void fake_read(Fake *f);

static void on_fake_line(GObject *src, GAsyncResult *res, gpointer data)
{
	Fake *f = data;
	char *line = g_data_input_stream_read_line_finish_utf8(G_DATA_INPUT_STREAM(src), res, NULL, NULL);
	JsonParser *p;
	JsonObject *o;
	gint64 tag;
	const char *cmd;
	char *reply;

	if (!line || G_DATA_INPUT_STREAM(src) != f->in) {
		g_free(line);
		return;
	}
	p = json_parser_new();
	g_assert_true(json_parser_load_from_data(p, line, -1, NULL));
	o = json_node_get_object(json_parser_get_root(p));
	tag = json_object_get_int_member(o, "tag");
	cmd = json_object_get_string_member(o, "cmd");
	if (strcmp(cmd, "subscribe") == 0) {
		f->subscribes++;
		reply = g_strdup_printf("{\"ok\":true,\"tag\":%" G_GINT64_FORMAT ",\"interval_ms\":%" G_GINT64_FORMAT "}",
		                        tag, json_object_get_int_member(o, "interval_ms"));
		fake_send(f, reply);
		g_free(reply);
		/* A pushed event between replies, as the daemon may send. */
		fake_send(f, "{\"ok\":true,\"event\":\"snapshot\",\"node\":{\"name\":\"fake\"},\"peers\":[],\"tunnels\":[]}");
		/* And another kind of event: a server's friend request. */
		fake_send(f, "{\"ok\":true,\"event\":\"friend_request\",\"public_key\":\"" KEY "\","
		             "\"message\":\"laptop\"}");
	} else if (strcmp(cmd, "reload") == 0) {
		reply = g_strdup_printf("{\"ok\":true,\"tag\":%" G_GINT64_FORMAT ",\"added\":[\"web\"],\"removed\":[],"
		                        "\"changed\":[],\"errors\":[]}",
		                        tag);
		fake_send(f, reply);
		g_free(reply);
	} else {
		reply = g_strdup_printf("{\"ok\":false,\"tag\":%" G_GINT64_FORMAT ",\"error\":\"unknown command '%s'\"}",
		                        tag, cmd);
		fake_send(f, reply);
		g_free(reply);
	}
	g_object_unref(p);
	g_free(line);
	fake_read(f);
}

static void fake_read(Fake *f)
{
	g_data_input_stream_read_line_async(f->in, G_PRIORITY_DEFAULT, NULL, on_fake_line, f);
}

static gboolean on_incoming(GSocketService *s, GSocketConnection *conn, GObject *src, gpointer data)
{
	Fake *f = data;

	g_clear_object(&f->in);
	g_clear_object(&f->conn);
	f->conn = g_object_ref(conn);
	f->in = g_data_input_stream_new(g_io_stream_get_input_stream(G_IO_STREAM(conn)));
	f->accepted++;
	fake_send(f, f->bad_hello ? "{\"ok\":true,\"event\":\"hello\",\"protocol\":99}"
	                          : "{\"ok\":true,\"event\":\"hello\",\"protocol\":1,\"version\":\"0.1.0\",\"role\":\"client\"}");
	fake_read(f);
	return TRUE;
}

static void fake_start(Fake *f)
{
	GSocketAddress *addr = g_unix_socket_address_new(f->path);

	g_unlink(f->path);
	f->service = g_socket_service_new();
	g_assert_true(g_socket_listener_add_address(G_SOCKET_LISTENER(f->service), addr, G_SOCKET_TYPE_STREAM,
	                                            G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL, NULL));
	g_signal_connect(f->service, "incoming", G_CALLBACK(on_incoming), f);
	g_socket_service_start(f->service);
	g_object_unref(addr);
}

/* The daemon goes away: close its connection (and its socket). */
static void fake_drop(Fake *f, gboolean stop)
{
	if (f->conn)
		g_io_stream_close(G_IO_STREAM(f->conn), NULL, NULL);
	g_clear_object(&f->in);
	g_clear_object(&f->conn);
	if (stop) {
		g_socket_service_stop(f->service);
		g_socket_listener_close(G_SOCKET_LISTENER(f->service));
		g_clear_object(&f->service);
		g_unlink(f->path);
	}
}

/* ---- the client side ---- */

typedef struct {
	guint connected, disconnected, snapshots, replies, events;
	char *path, *role, *last_error, *last_name, *last_event;
} Seen;

static void cb_connected(TrayCtlClient *c, const char *path, const char *role, const char *version, gpointer user)
{
	Seen *s = user;

	s->connected++;
	g_free(s->path);
	g_free(s->role);
	s->path = g_strdup(path);
	s->role = g_strdup(role);
}

static void cb_disconnected(TrayCtlClient *c, const char *reason, gpointer user)
{
	((Seen *)user)->disconnected++;
}

static void cb_snapshot(TrayCtlClient *c, JsonNode *node, gpointer user)
{
	Seen *s = user;
	JsonObject *n = json_object_get_object_member(json_node_get_object(node), "node");

	s->snapshots++;
	g_free(s->last_name);
	s->last_name = g_strdup(json_object_get_string_member(n, "name"));
}

static void cb_event(TrayCtlClient *c, const char *event, JsonNode *node, gpointer user)
{
	Seen *s = user;
	JsonObject *o = json_node_get_object(node);

	s->events++;
	g_free(s->last_event);
	s->last_event = g_strdup_printf("%s %s %s", event, json_object_get_string_member(o, "public_key"),
	                                json_object_get_string_member(o, "message"));
}

static void cb_reply(TrayCtlClient *c, JsonNode *reply, const char *error, gpointer user)
{
	Seen *s = user;

	s->replies++;
	g_free(s->last_error);
	s->last_error = g_strdup(error);
}

static gboolean wait_for(const guint *counter, guint value)
{
	gint64 deadline = g_get_monotonic_time() + DEADLINE_S * G_USEC_PER_SEC;

	while (*counter < value && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	return *counter >= value;
}

/* Keeps the main loop from blocking forever in wait_for(). */
static gboolean tick(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

static void test_control(void)
{
	static const TrayCtlClientCallbacks cb = { cb_connected, cb_disconnected, cb_snapshot, cb_event };
	char *dir = g_dir_make_tmp("toxtun-control-XXXXXX", NULL);
	char *missing = g_build_filename(dir, "nobody.sock", NULL);
	Fake f = { .path = g_build_filename(dir, "client.client.sock", NULL) };
	const char *paths[] = { missing, f.path, NULL };
	Seen s = { 0 };
	TrayCtlClient *c;
	gint64 t0;
	guint ticker = g_timeout_add(50, tick, NULL);

	fake_start(&f);
	c = tray_ctlclient_new(paths, 1000, &cb, &s);
	tray_ctlclient_start(c);

	/* Connects on the first path that answers, subscribes. */
	g_assert_true(wait_for(&s.connected, 1));
	g_assert_cmpstr(s.path, ==, f.path);
	g_assert_cmpstr(s.role, ==, "client");
	g_assert_true(tray_ctlclient_is_connected(c));
	g_assert_true(wait_for(&s.snapshots, 1));
	g_assert_cmpstr(s.last_name, ==, "fake");
	g_assert_cmpuint(f.subscribes, ==, 1);
	/* Other events have their own callback, whole. */
	g_assert_true(wait_for(&s.events, 1));
	g_assert_cmpstr(s.last_event, ==, "friend_request " KEY " laptop");

	/* Tagged requests: a reply, an error. */
	tray_ctlclient_request(c, "reload", NULL, cb_reply, &s);
	g_assert_true(wait_for(&s.replies, 1));
	g_assert_null(s.last_error);
	tray_ctlclient_request(c, "nonsense", NULL, cb_reply, &s);
	g_assert_true(wait_for(&s.replies, 2));
	g_assert_cmpstr(s.last_error, ==, "unknown command 'nonsense'");

	/* The daemon drops the connection: the client notices and is back
	 * within about the retry interval, subscribed again. */
	fake_drop(&f, FALSE);
	g_assert_true(wait_for(&s.disconnected, 1));
	t0 = g_get_monotonic_time();
	g_assert_true(wait_for(&s.connected, 2));
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);
	g_assert_true(wait_for(&f.subscribes, 2));

	/* The daemon stops (socket gone); a request fails at once; then it
	 * restarts and is adopted. */
	fake_drop(&f, TRUE);
	g_assert_true(wait_for(&s.disconnected, 2));
	tray_ctlclient_request(c, "reload", NULL, cb_reply, &s);
	g_assert_cmpuint(s.replies, ==, 3);
	g_assert_nonnull(s.last_error);
	fake_start(&f);
	g_assert_true(wait_for(&s.connected, 3));

	/* Something that is not a toxtun daemon is not adopted. */
	f.bad_hello = TRUE;
	fake_drop(&f, FALSE);
	g_assert_true(wait_for(&s.disconnected, 3));
	g_assert_true(wait_for(&f.accepted, 5));
	g_assert_cmpuint(s.connected, ==, 3);
	g_assert_false(tray_ctlclient_is_connected(c));

	/* Freed with a request in flight: no callback afterwards. */
	f.bad_hello = FALSE;
	g_assert_true(wait_for(&s.connected, 4));
	tray_ctlclient_request(c, "reload", NULL, cb_reply, &s);
	tray_ctlclient_free(c);
	for (int i = 0; i < 20; i++)
		g_main_context_iteration(NULL, FALSE);
	g_assert_cmpuint(s.replies, ==, 3);

	fake_drop(&f, TRUE);
	g_source_remove(ticker);
	g_rmdir(dir);
	g_free(dir);
	g_free(missing);
	g_free(f.path);
	g_free(s.path);
	g_free(s.role);
	g_free(s.last_error);
	g_free(s.last_name);
	g_free(s.last_event);
}

static void quiet(const char *domain, GLogLevelFlags level, const char *msg, gpointer data)
{
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* GSocketClient narrates every attempt at debug level. */
	g_log_set_handler("GLib-GIO", G_LOG_LEVEL_DEBUG, quiet, NULL);
	g_test_add_func("/control/connect-request-reconnect", test_control);
	return g_test_run();
}
