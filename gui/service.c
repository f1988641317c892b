/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One configured daemon (TrayService): see service.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "ctlclient.h"
#include "service.h"
#include "paths.h"
#include "usage.h"
#include "toxtun/config.h"

#define SNAPSHOT_INTERVAL_MS 1000

struct TrayServicePriv {
	TrayCtlClient *ctl;
	TrayServiceChanged changed;
	gpointer user;
	char *control_socket;  /* [control] socket, when the file sets one */
	char *profile;         /* the identity file */
	char *config_error;    /* the file does not load */
	char *run_error;       /* the last start failed */
	GSubprocess *child;    /* a daemon we started and still watch */
	gboolean stopping;     /* we asked it to stop: its exit is no error */
	char *log;
	goffset log_mark;      /* where this run's lines start in the log */
	GCancellable *cancel;  /* for helper processes (systemctl, tunnel id) */
	GHashTable *announced; /* keys of the requests tray_service_pending_changes reported */
	const char *progress;  /* a client's last progress words, for the log */
	gboolean probing;      /* systemctl is asked whether the unit is there */
	gboolean start_probed; /* Start came meanwhile: start once it answers */
};

static void update_state(TrayService *d);
static void start_now(TrayService *d);

static void notify(TrayService *d)
{
	if (d->priv->changed)
		d->priv->changed(d, d->priv->user);
}

static void set_str(char **slot, const char *value)
{
	if (g_strcmp0(*slot, value) == 0)
		return;
	g_free(*slot);
	*slot = value ? g_strdup(value) : NULL;
}

/* ---- the control connection ---- */

static void on_connected(TrayCtlClient *c, const char *path, const char *role, const char *version,
                         gpointer user)
{
	TrayService *d = user;

	g_message("%s: connected to the daemon at %s (%s, toxtun %s)", d->label, path, role, version);
	d->connected = TRUE;
	d->starting = FALSE;
	g_clear_pointer(&d->priv->run_error, g_free);
	update_state(d);
	notify(d);
}

static void on_disconnected(TrayCtlClient *c, const char *reason, gpointer user)
{
	TrayService *d = user;

	g_message("%s: daemon connection closed: %s", d->label, reason);
	d->connected = FALSE;
	g_clear_pointer(&d->snap, tray_snapshot_free);
	tray_history_clear(d->history);
	update_state(d);
	notify(d);
}

/* A client's way to its server, as the window words it, goes to the log
 * (journal or terminal) when it changes. */
static void log_progress(TrayService *d)
{
	const char *words = strcmp(d->snap->node.role, "server") != 0 && d->snap->tunnels->len
	                            ? tray_progress_words(tray_snapshot_progress(d->snap))
	                            : NULL;

	if (words && words != d->priv->progress)
		g_message("%s: %s", d->label, words);
	d->priv->progress = words;
}

static void on_snapshot(TrayCtlClient *c, JsonNode *node, gpointer user)
{
	TrayService *d = user;
	GError *error = NULL;
	TraySnapshot *s = tray_snapshot_from_json(node, &error);

	if (!s) {
		g_warning("%s: bad snapshot: %s", d->label, error->message);
		g_error_free(error);
		return;
	}
	tray_snapshot_free(d->snap);
	d->snap = s;
	if (*s->node.tox_id)
		set_str(&d->tox_id, s->node.tox_id);
	tray_history_add(d->history, s, (double)g_get_monotonic_time() / G_USEC_PER_SEC);
	log_progress(d);
	update_state(d);
	notify(d);
}

/* A request shows at once, before the next snapshot lists it. */
static void on_event(TrayCtlClient *c, const char *event, JsonNode *node, gpointer user)
{
	TrayService *d = user;
	JsonObject *o = json_node_get_object(node);
	const char *key = json_object_get_string_member_with_default(o, "public_key", "");

	if (strcmp(event, "friend_request") != 0 || !d->snap || !*key)
		return;
	g_message("%s: friend request from %s", d->label, key);
	tray_snapshot_add_pending(d->snap, key, json_object_get_string_member_with_default(o, "message", ""));
	notify(d);
}

static void make_control(TrayService *d)
{
	static const TrayCtlClientCallbacks cb = { on_connected, on_disconnected, on_snapshot, on_event };
	char **paths = tray_socket_candidates(d->ini, d->role, d->priv->control_socket);

	tray_ctlclient_free(d->priv->ctl);
	d->connected = FALSE;
	d->priv->ctl = tray_ctlclient_new((const char *const *)paths, SNAPSHOT_INTERVAL_MS, &cb, d);
	g_strfreev(paths);
	tray_ctlclient_start(d->priv->ctl);
}

/* ---- state ---- */

static void update_state(TrayService *d)
{
	const char *err = NULL;

	if (d->connected) {
		d->state = d->snap ? tray_snapshot_state(d->snap) : TRAY_STATE_CONNECTING;
		if (d->state == TRAY_STATE_ERROR && d->snap) {
			for (guint i = 0; i < d->snap->tunnels->len && !err; i++) {
				const TrayTunnelInfo *t = g_ptr_array_index(d->snap->tunnels, i);

				if (strcmp(t->state, "error") == 0)
					err = t->error;
			}
		}
	} else if (d->priv->run_error) {
		d->state = TRAY_STATE_ERROR;
		err = d->priv->run_error;
	} else if (d->starting) {
		d->state = TRAY_STATE_CONNECTING;
	} else if (d->priv->config_error) {
		d->state = TRAY_STATE_ERROR;
		err = d->priv->config_error;
	} else {
		d->state = TRAY_STATE_STOPPED;
	}
	set_str(&d->error, err);
}

/* ---- helpers run in the background ---- */

typedef void (*RunDone)(TrayService *d, gboolean ok, const char *out, gpointer user);

typedef struct {
	TrayService *d;
	RunDone done;
	gpointer user;
} Run;

static void on_run_done(GObject *src, GAsyncResult *res, gpointer data)
{
	Run *r = data;
	char *out = NULL, *err = NULL;
	GError *error = NULL;
	gboolean ok = g_subprocess_communicate_utf8_finish(G_SUBPROCESS(src), res, &out, &err, &error);

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
		/* The daemon object is gone. */
	} else {
		if (ok)
			ok = g_subprocess_get_if_exited(G_SUBPROCESS(src)) &&
			     g_subprocess_get_exit_status(G_SUBPROCESS(src)) == 0;
		r->done(r->d, ok, ok ? out : (err && *err ? err : out), r->user);
	}
	g_clear_error(&error);
	g_free(out);
	g_free(err);
	g_free(r);
}

/* Run argv, collect its output, call done (not after the daemon is freed). */
static void run_async(TrayService *d, const char *const *argv, RunDone done, gpointer user)
{
	GError *error = NULL;
	GSubprocess *p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
	                                   &error);
	Run *r;

	if (!p) {
		done(d, FALSE, error->message, user);
		g_error_free(error);
		return;
	}
	r = g_new(Run, 1);
	r->d = d;
	r->done = done;
	r->user = user;
	g_subprocess_communicate_utf8_async(p, NULL, d->priv->cancel, on_run_done, r);
	g_object_unref(p);
}

static void on_unit_probe(TrayService *d, gboolean ok, const char *out, gpointer user)
{
	char *unit = user;

	d->priv->probing = FALSE;
	if (ok && out && g_str_has_prefix(out, "loaded")) {
		g_message("%s: using the systemd user unit %s", d->label, unit);
		set_str(&d->unit, unit);
		notify(d);
	}
	g_free(unit);
	if (d->priv->start_probed) {
		d->priv->start_probed = FALSE;
		start_now(d);
	}
}

/* Only a file the unit runs may be started through it: see
 * tray_unit_instance. */
static void probe_unit(TrayService *d)
{
	char *instance = tray_unit_instance(d->ini);
	char *systemctl = g_find_program_in_path("systemctl");

	if (instance && systemctl && !g_getenv("TOXTUN_TRAY_NO_SYSTEMD")) {
		char *unit = g_strdup_printf("toxtun-%s@%s.service", d->role, instance);
		const char *argv[] = { systemctl, "--user", "show", "-p", "LoadState", "--value", unit, NULL };

		d->priv->probing = TRUE;
		run_async(d, argv, on_unit_probe, unit);
	}
	g_free(instance);
	g_free(systemctl);
}

static void on_tox_id(TrayService *d, gboolean ok, const char *out, gpointer user)
{
	char *id = ok && out ? g_strstrip(g_strdup(out)) : NULL;

	if (id && strlen(id) == 2 * TT_TOX_ID_SIZE && !d->tox_id) {
		d->tox_id = id;
		id = NULL;
		notify(d);
	}
	g_free(id);
}

/* The Tox ID while the daemon is stopped: `tunnel id`, but only for an
 * existing identity (it would create one otherwise). */
static void probe_tox_id(TrayService *d)
{
	char *bin;

	if (d->tox_id || !d->priv->profile || !g_file_test(d->priv->profile, G_FILE_TEST_EXISTS))
		return;
	bin = tray_tunnel_binary();
	{
		const char *argv[] = { bin, "id", d->ini, NULL };

		run_async(d, argv, on_tox_id, NULL);
	}
	g_free(bin);
}

/* ---- configuration ---- */

void tray_service_config_changed(TrayService *d)
{
	struct tt_config *cfg = NULL;
	struct tt_error error;
	char *old_socket = g_strdup(d->priv->control_socket);

	g_clear_pointer(&d->priv->config_error, g_free);
	if (tt_config_load(d->ini, &cfg, &error)) {
		set_str(&d->priv->control_socket, cfg->control_socket);
		set_str(&d->priv->profile, cfg->profile);
		g_ptr_array_unref(d->uses);
		d->uses = tray_usage_list(cfg);
		tt_config_free(cfg);
	} else {
		/* Shown as `tunnel` would print it. */
		char text[4096 + TT_ERROR_MAX];

		tt_error_format(&error, d->ini, text, sizeof(text));
		d->priv->config_error = g_strdup(text);
	}
	if (!d->priv->ctl || g_strcmp0(old_socket, d->priv->control_socket) != 0)
		make_control(d);
	g_free(old_socket);
	probe_tox_id(d);
	update_state(d);
	notify(d);
}

/* ---- life cycle ---- */

TrayService *tray_service_new(const char *ini, const char *role, TrayServiceChanged changed, gpointer user)
{
	TrayService *d = g_new0(TrayService, 1);
	char *base;

	d->priv = g_new0(struct TrayServicePriv, 1);
	d->ini = g_canonicalize_filename(ini, NULL);
	d->role = g_strdup(role);
	base = g_path_get_basename(d->ini);
	d->label = g_strdup_printf("%s (%s)", base, role);
	g_free(base);
	d->history = tray_history_new(TRAY_HISTORY_SECONDS);
	d->priv->changed = changed;
	d->priv->user = user;
	d->priv->cancel = g_cancellable_new();
	d->priv->announced = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	d->uses = tray_usage_list(NULL);
	d->priv->log = tray_daemon_log_path(d->ini, d->role);
	tray_service_config_changed(d);
	probe_unit(d);
	return d;
}

void tray_service_free(TrayService *d)
{
	if (!d)
		return;
	g_cancellable_cancel(d->priv->cancel);
	g_object_unref(d->priv->cancel);
	tray_ctlclient_free(d->priv->ctl);
	/* A daemon we started keeps running: it is not ours to stop. */
	g_clear_object(&d->priv->child);
	g_free(d->priv->control_socket);
	g_free(d->priv->profile);
	g_free(d->priv->config_error);
	g_free(d->priv->run_error);
	g_free(d->priv->log);
	g_hash_table_unref(d->priv->announced);
	g_free(d->priv);
	g_ptr_array_unref(d->uses);
	tray_snapshot_free(d->snap);
	tray_history_free(d->history);
	g_free(d->ini);
	g_free(d->role);
	g_free(d->label);
	g_free(d->error);
	g_free(d->tox_id);
	g_free(d->unit);
	g_free(d);
}

gboolean tray_service_active(const TrayService *d)
{
	return d->connected || d->starting;
}

/* The last line the daemon logged since log_mark, without its timestamp and
 * level: why it exited. */
static char *last_log_line(TrayService *d)
{
	char *text = NULL, *out = NULL;
	gsize len = 0;

	if (g_file_get_contents(d->priv->log, &text, &len, NULL) && (goffset)len > d->priv->log_mark) {
		char **lines = g_strsplit(text + d->priv->log_mark, "\n", -1);

		for (int i = (int)g_strv_length(lines) - 1; i >= 0 && !out; i--) {
			char *l = g_strstrip(lines[i]);
			GRegex *re;
			GMatchInfo *m;

			if (!*l)
				continue;
			re = g_regex_new("^\\d{4}-\\d\\d-\\d\\dT\\S+\\s+[A-Z]+\\s+(.*)$", 0, 0, NULL);
			out = g_regex_match(re, l, 0, &m) ? g_match_info_fetch(m, 1) : g_strdup(l);
			g_match_info_free(m);
			g_regex_unref(re);
		}
		g_strfreev(lines);
	}
	g_free(text);
	return out;
}

static void on_child_exit(GObject *src, GAsyncResult *res, gpointer data)
{
	TrayService *d = data;
	GSubprocess *p = G_SUBPROCESS(src);
	GError *error = NULL;

	if (!g_subprocess_wait_finish(p, res, &error)) {
		/* Cancelled: d is gone. */
		g_error_free(error);
		return;
	}
	if (d->priv->child != p)
		return;
	if (!d->priv->stopping && !(g_subprocess_get_if_exited(p) && g_subprocess_get_exit_status(p) == 0)) {
		char *line = last_log_line(d);
		char *msg;

		if (g_subprocess_get_if_signaled(p))
			msg = g_strdup_printf("the daemon was killed by signal %d%s%s", g_subprocess_get_term_sig(p),
			                      line ? ": " : "", line ? line : "");
		else
			msg = g_strdup_printf("%s", line ? line : "the daemon exited with an error");
		g_message("%s: daemon exited: %s (log: %s)", d->label, msg, d->priv->log);
		g_free(d->priv->run_error);
		d->priv->run_error = msg;
		g_free(line);
	}
	g_clear_object(&d->priv->child);
	d->starting = FALSE;
	d->priv->stopping = FALSE;
	update_state(d);
	notify(d);
}

static void child_setup(gpointer data)
{
	/* A session of its own: the daemon outlives the tray and is not hit by
	 * signals meant for the tray's terminal. */
	setsid();
}

static void spawn_daemon(TrayService *d)
{
	GSubprocessLauncher *l;
	GError *error = NULL;
	char *bin = tray_tunnel_binary(), *dir = g_path_get_dirname(d->priv->log);
	int fd, null_fd;
	GSubprocess *p;

	g_mkdir_with_parents(dir, 0700);
	g_free(dir);
	fd = open(d->priv->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || null_fd < 0) {
		g_free(d->priv->run_error);
		d->priv->run_error = g_strdup_printf("cannot open the log %s: %s", d->priv->log, g_strerror(errno));
		if (fd >= 0)
			close(fd);
		if (null_fd >= 0)
			close(null_fd);
		g_free(bin);
		return;
	}
	{
		char *mark = g_strdup_printf("=== toxtun-tray: starting %s %s %s ===\n", bin, d->role, d->ini);

		if (write(fd, mark, strlen(mark)) < 0)
			g_warning("cannot write to %s: %s", d->priv->log, g_strerror(errno));
		g_free(mark);
	}
	d->priv->log_mark = lseek(fd, 0, SEEK_END);
	l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_subprocess_launcher_take_stdin_fd(l, null_fd);
	g_subprocess_launcher_take_stderr_fd(l, dup(fd));
	g_subprocess_launcher_take_stdout_fd(l, fd);
	g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
	p = g_subprocess_launcher_spawn(l, &error, bin, d->role, d->ini, NULL);
	g_object_unref(l);
	if (!p) {
		g_free(d->priv->run_error);
		d->priv->run_error = g_strdup_printf("cannot start %s: %s", bin, error->message);
		g_error_free(error);
		g_free(bin);
		return;
	}
	g_message("%s: started %s %s %s (pid %s), log %s", d->label, bin, d->role, d->ini,
	          g_subprocess_get_identifier(p), d->priv->log);
	g_clear_object(&d->priv->child);
	d->priv->child = p;
	d->priv->stopping = FALSE;
	d->starting = TRUE;
	g_subprocess_wait_async(p, d->priv->cancel, on_child_exit, d);
	g_free(bin);
}

static void on_systemctl(TrayService *d, gboolean ok, const char *out, gpointer user)
{
	if (!ok) {
		char *msg = g_strdup_printf("systemctl --user %s %s failed: %s", (const char *)user, d->unit,
		                            out && *out ? g_strstrip((char *)out) : "no reason given");

		g_free(d->priv->run_error);
		d->priv->run_error = msg;
		d->starting = FALSE;
	}
	update_state(d);
	notify(d);
}

static void systemctl(TrayService *d, const char *verb)
{
	char *bin = g_find_program_in_path("systemctl");
	const char *argv[] = { bin ? bin : "systemctl", "--user", verb, d->unit, NULL };

	run_async(d, argv, on_systemctl, (gpointer)verb);
	g_free(bin);
}

static void start_now(TrayService *d)
{
	d->starting = FALSE;
	if (d->unit) {
		d->starting = TRUE;
		systemctl(d, "start");
	} else {
		spawn_daemon(d);
	}
	tray_ctlclient_poke(d->priv->ctl);
	update_state(d);
	notify(d);
}

void tray_service_start(TrayService *d)
{
	if (tray_service_active(d))
		return;
	g_clear_pointer(&d->priv->run_error, g_free);
	/* The file may have been edited elsewhere since: its socket path and
	 * whether it loads at all. */
	tray_service_config_changed(d);
	/* A file just added (the first run) is started at once: through its
	 * unit when there is one, so wait for systemctl to say. */
	if (d->priv->probing) {
		d->priv->start_probed = TRUE;
		d->starting = TRUE;
		update_state(d);
		notify(d);
		return;
	}
	start_now(d);
}

static void on_shutdown(TrayCtlClient *c, JsonNode *reply, const char *error, gpointer user)
{
	TrayService *d = user;

	if (error)
		g_message("%s: shutdown: %s", d->label, error);
}

void tray_service_stop(TrayService *d)
{
	d->priv->stopping = TRUE;
	d->priv->start_probed = FALSE;
	if (d->unit) {
		systemctl(d, "stop");
	} else if (d->connected) {
		tray_ctlclient_request(d->priv->ctl, "shutdown", NULL, on_shutdown, d);
	} else if (d->priv->child) {
		g_subprocess_send_signal(d->priv->child, SIGTERM);
	}
	d->starting = FALSE;
	update_state(d);
	notify(d);
}

/* ---- reload ---- */

typedef struct {
	TrayService *d;
	TrayServiceDone done;
	gpointer user;
} Reload;

static char *join_array(JsonObject *o, const char *key)
{
	JsonNode *n = json_object_get_member(o, key);
	JsonArray *a = n && JSON_NODE_HOLDS_ARRAY(n) ? json_node_get_array(n) : NULL;
	GString *s = g_string_new(NULL);

	for (guint i = 0; a && i < json_array_get_length(a); i++) {
		JsonNode *e = json_array_get_element(a, i);

		if (JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING)
			g_string_append_printf(s, "%s%s", s->len ? ", " : "", json_node_get_string(e));
	}
	return g_string_free(s, FALSE);
}

static void on_reload(TrayCtlClient *c, JsonNode *reply, const char *error, gpointer user)
{
	Reload *r = user;

	if (!reply) {
		r->done(r->d, FALSE, error, r->user);
	} else {
		JsonObject *o = json_node_get_object(reply);
		char *errors = join_array(o, "errors");
		char *added = join_array(o, "added"), *removed = join_array(o, "removed");
		char *changed = join_array(o, "changed");
		char *msg;

		if (*errors) {
			r->done(r->d, FALSE, errors, r->user);
		} else {
			msg = g_strdup_printf("reloaded: added %s; removed %s; changed %s", *added ? added : "none",
			                      *removed ? removed : "none", *changed ? changed : "none");
			r->done(r->d, TRUE, msg, r->user);
			g_free(msg);
		}
		g_free(errors);
		g_free(added);
		g_free(removed);
		g_free(changed);
	}
	g_free(r);
}

void tray_service_reload(TrayService *d, TrayServiceDone done, gpointer user)
{
	Reload *r;

	if (!d->connected) {
		done(d, TRUE, "the daemon is not running: it reads the file when started", user);
		return;
	}
	r = g_new(Reload, 1);
	r->d = d;
	r->done = done;
	r->user = user;
	tray_ctlclient_request(d->priv->ctl, "reload", NULL, on_reload, r);
}

/* ---- friend requests ---- */

typedef struct {
	TrayService *d;
	gboolean allow;
	TrayServiceDone done;
	gpointer user;
} Answer;

static void on_answer(TrayCtlClient *c, JsonNode *reply, const char *error, gpointer user)
{
	Answer *a = user;

	if (reply && a->allow) {
		/* The daemon wrote the allow line into the file. */
		tray_service_config_changed(a->d);
	}
	a->done(a->d, reply != NULL, reply ? (a->allow ? "allowed" : "denied") : error, a->user);
	g_free(a);
}

void tray_service_answer(TrayService *d, const char *public_key, gboolean allow, TrayServiceDone done,
                         gpointer user)
{
	JsonObject *args = json_object_new();
	Answer *a = g_new(Answer, 1);

	*a = (Answer){ d, allow, done, user };
	json_object_set_string_member(args, "public_key", public_key);
	tray_ctlclient_request(d->priv->ctl, allow ? "allow" : "deny", args, on_answer, a);
}

void tray_service_pending_changes(TrayService *d, gboolean forget, GPtrArray *appeared, GPtrArray *gone)
{
	tray_pending_diff(d->priv->announced, d->connected && !forget ? d->snap : NULL, appeared, gone);
}
