/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The first run: the checks on what a person types (ID, name, port), the
 * files each choice writes, the [tox] section copied from defaults.ini, the
 * autostart entry, the browser started through a proxy.
 *
 * HOME and XDG_CONFIG_HOME are the test's own (test_private_home): nothing
 * of the user's is read or written. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "autostart.h"
#include "browser.h"
#include "setup.h"
#include "testutil.h"

static char *id1;

/* What check_id says about text (NULL when it is a good ID). */
static char *id_msg(const char *text)
{
	char *msg = NULL, *id = NULL;
	gboolean ok = tray_setup_check_id(text, &id, &msg);

	g_assert_true(ok == (msg == NULL));
	g_assert_true(ok == (id != NULL));
	g_free(id);
	return msg;
}

static void assert_msg_has(char *msg, const char *part)
{
	g_assert_nonnull(msg);
	if (!strstr(msg, part))
		g_error("message '%s' lacks '%s'", msg, part);
	g_free(msg);
}

static void test_id(void)
{
	char *id = NULL, *msg = NULL, *wrapped, *lower, *typo;

	/* Good, however pasted: lower case, wrapped, spaced, as a tox: URI. */
	lower = g_ascii_strdown(id1, -1);
	g_assert_true(tray_setup_check_id(lower, &id, &msg));
	g_assert_cmpstr(id, ==, id1);
	g_assert_null(msg);
	g_free(id);
	wrapped = g_strdup_printf("  tox:%.38s\n%s \n", lower, lower + 38);
	g_assert_true(tray_setup_check_id(wrapped, &id, NULL));
	g_assert_cmpstr(id, ==, id1);
	g_free(id);

	/* Each fault has its own words. */
	assert_msg_has(id_msg(""), "Paste the ID");
	assert_msg_has(id_msg("   \n"), "Paste the ID");
	assert_msg_has(id_msg("12G4"), "“G” (character 3) cannot be in an ID");
	assert_msg_has(id_msg("12é4"), "“é” (character 3)");
	assert_msg_has(id_msg("ABCDEF"), "Too short: an ID has 76 characters, this has 6");
	{
		char *longer = g_strconcat(id1, "00", NULL);

		assert_msg_has(id_msg(longer), "Too long: an ID has 76 characters, this has 78");
		g_free(longer);
	}
	/* One digit changed: only the checksum can tell. */
	typo = g_strdup(id1);
	typo[10] = typo[10] == '0' ? '1' : '0';
	assert_msg_has(id_msg(typo), "typo");
	g_free(typo);
	g_free(lower);
	g_free(wrapped);
}

static char *name_msg(const char *text)
{
	char *msg = NULL, *name = NULL;
	gboolean ok = tray_setup_check_name(text, &name, &msg);

	g_assert_true(ok == (msg == NULL));
	g_free(name);
	return msg;
}

static void test_name(void)
{
	char *name = NULL;

	g_assert_true(tray_setup_check_name("  office-2_b ", &name, NULL));
	g_assert_cmpstr(name, ==, "office-2_b");
	g_free(name);
	assert_msg_has(name_msg(""), "Give this connection a name");
	assert_msg_has(name_msg("my office"), "Spaces cannot be in a name");
	assert_msg_has(name_msg("a/b"), "“/” cannot be in a name: use letters, digits, - and _");
	assert_msg_has(name_msg("a.b"), "“.” cannot be in a name");
	assert_msg_has(name_msg("büro"), "“ü” cannot be in a name");
	assert_msg_has(name_msg("abcdefghijabcdefghijabcdefghijabc"), "At most 32 characters");
	assert_msg_has(name_msg("Defaults"), "defaults.ini");
}

static void test_port(void)
{
	guint16 port = 0;
	char *msg = NULL;
	GSocket *s;
	GSocketAddress *a;
	GInetAddress *lo;

	g_assert_true(tray_setup_check_port(" 2222 ", &port, NULL));
	g_assert_cmpuint(port, ==, 2222);
	assert_msg_has((tray_setup_check_port("80", NULL, &msg), msg), "Port 80 needs administrator rights");
	assert_msg_has((tray_setup_check_port("70000", NULL, &msg), msg), "bad port '70000'");
	assert_msg_has((tray_setup_check_port("ssh", NULL, &msg), msg), "a port is a number");

	/* A port someone listens on: the daemon's own words. */
	s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	a = g_inet_socket_address_new(lo, 0);
	g_assert_true(g_socket_bind(s, a, TRUE, NULL));
	g_assert_true(g_socket_listen(s, NULL));
	g_object_unref(a);
	a = g_socket_get_local_address(s, NULL);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(a));
	g_assert_false(tray_setup_port_free(port, &msg));
	{
		char *want = g_strdup_printf("cannot listen on 127.0.0.1:%u: Address already in use", port);

		g_assert_cmpstr(msg, ==, want);
		g_free(want);
	}
	g_free(msg);
	g_socket_close(s, NULL);
	g_assert_true(tray_setup_port_free(port, &msg));
	g_assert_null(msg);
	g_object_unref(a);
	g_object_unref(lo);
	g_object_unref(s);
}

/* ---- files ---- */

static const char *const defaults_ini =
        "; written by the administrator\r\n"
        "[link]\n"
        "linger = 0\n"
        "[tox]\n"
        "bootstrap = 192.0.2.1 33445 0000000000000000000000000000000000000000000000000000000000000000\n"
        "; our relay\n"
        "tcp_relay = 192.0.2.1 3389 0000000000000000000000000000000000000000000000000000000000000000\n"
        "profile = shared.tox\n"
        "local_discovery = no\n"
        "\n"
        "[server]\n"
        "permit = *:*\n";

static const char *const defaults_tox =
        "[tox]\n"
        "bootstrap = 192.0.2.1 33445 0000000000000000000000000000000000000000000000000000000000000000\n"
        "; our relay\n"
        "tcp_relay = 192.0.2.1 3389 0000000000000000000000000000000000000000000000000000000000000000\n"
        "local_discovery = no\n";

static void test_defaults(void)
{
	char *tox = tray_setup_tox_section(defaults_ini, strlen(defaults_ini)), *dir, *path;

	/* The [tox] lines as written, but a profile: every file keeps an
	 * identity of its own. */
	g_assert_cmpstr(tox, ==, defaults_tox);
	g_free(tox);
	tox = tray_setup_tox_section("[server]\npermit = *:22\n", 21);
	g_assert_cmpstr(tox, ==, "");
	g_free(tox);

	/* Read from $XDG_CONFIG_HOME/toxtun/defaults.ini; none: "". */
	tox = tray_setup_default_tox();
	g_assert_cmpstr(tox, ==, "");
	g_free(tox);
	dir = tray_setup_dir();
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	path = tray_setup_path("defaults");
	g_assert_true(g_str_has_prefix(path, g_get_user_config_dir()));
	g_assert_true(g_str_has_suffix(path, "/toxtun/defaults.ini"));
	g_assert_true(g_file_set_contents(path, defaults_ini, -1, NULL));
	tox = tray_setup_default_tox();
	g_assert_cmpstr(tox, ==, defaults_tox);
	g_free(tox);
	g_free(path);
	g_free(dir);
}

/* The daemon's loader reads text as a file in the config directory. */
static void assert_loads(const char *text)
{
	char *path = tray_setup_path("check"), *msg = NULL;

	if (!tray_setup_check_text(path, text, &msg))
		g_error("the daemon refuses the text: %s\n%s", msg, text);
	g_free(path);
}

/* A server's text as the daemon reads it: asking before it accepts, with
 * these many permit lines. */
static void assert_server(const char *text, size_t n_permits)
{
	struct tt_config *cfg = NULL;
	struct tt_error e;

	assert_loads(text);
	g_assert_true(tt_config_load_buffer("/x/server.ini", text, strlen(text), &cfg, &e));
	g_assert_true(cfg->has_server);
	g_assert_cmpint(cfg->approve, ==, TT_APPROVE_ASK);
	g_assert_cmpuint(cfg->n_permits, ==, n_permits);
	tt_config_free(cfg);
}

static char *server_text(TrayShareOffer offer, const char *service, const char *const *allows)
{
	char *err = NULL, *text = tray_setup_server_text(defaults_tox, offer, service, allows, &err);

	g_assert_nonnull(text);
	g_assert_null(err);
	return text;
}

static void test_server_files(void)
{
	const char *const allows[] = { "AB00000000000000000000000000000000000000000000000000000000000000", NULL };
	char *text, *err = NULL, *name_line = g_strdup_printf("\n" TT_KEY_NAME " = %s\n", g_get_host_name());

	text = server_text(TRAY_SHARE_SSH, NULL, NULL);
	/* The [tox] section first, then the server asking before it accepts. */
	g_assert_true(g_str_has_prefix(strstr(text, "[tox]"), defaults_tox));
	g_assert_nonnull(strstr(text, "\n[server]\n"));
	g_assert_nonnull(strstr(text, name_line));
	g_assert_nonnull(strstr(text, "\napprove = ask\n"));
	g_assert_true(g_str_has_suffix(text, "\npermit = 127.0.0.1:22\n"));
	assert_server(text, 1);
	g_free(text);

	text = server_text(TRAY_SHARE_WEB, NULL, NULL);
	g_assert_true(g_str_has_suffix(text, "\npermit = *:80\npermit = *:443\n"));
	g_assert_nonnull(strstr(text, "\napprove = ask\n"));
	assert_server(text, 2);
	g_free(text);

	text = server_text(TRAY_SHARE_ONE, " 192.168.1.5:8080 ", allows);
	g_assert_true(g_str_has_suffix(text, "\npermit = 192.168.1.5:8080\nallow = " "AB000000000000000000000000"
	                                     "00000000000000000000000000000000000000\n"));
	assert_server(text, 1);
	g_free(text);

	/* Custom: no permit line (the editor opens on the file). */
	text = server_text(TRAY_SHARE_CUSTOM, NULL, NULL);
	g_assert_null(strstr(text, "\npermit ="));
	g_assert_nonnull(strstr(text, "\napprove = ask\n"));
	assert_server(text, 0);
	g_free(text);

	/* Without defaults.ini: no [tox] section (the built-in nodes). */
	text = tray_setup_server_text("", TRAY_SHARE_SSH, NULL, NULL, NULL);
	g_assert_null(strstr(text, "[tox]"));
	assert_server(text, 1);
	g_free(text);

	/* One host:port is judged by the daemon's permit parser. */
	g_assert_null(tray_setup_server_text("", TRAY_SHARE_ONE, "192.168.1.5", NULL, &err));
	g_assert_nonnull(err);
	g_assert_nonnull(strstr(err, "192.168.1.5"));
	g_clear_pointer(&err, g_free);
	g_assert_null(tray_setup_server_text("", TRAY_SHARE_ONE, "  ", NULL, &err));
	g_assert_nonnull(strstr(err, "HOST:PORT"));
	g_clear_pointer(&err, g_free);
	g_assert_null(tray_setup_server_text("", TRAY_SHARE_ONE, "10.0.0.1:22 ;x", NULL, &err));
	g_assert_nonnull(err);
	g_free(err);
	g_free(name_line);
}

static void test_client_files(void)
{
	const char *name = NULL;
	char *value, *text, *want;

	value = tray_setup_client_value(TRAY_CONNECT_SSH, 2222, id1, &name);
	want = g_strdup_printf("2222:127.0.0.1:22:%s", id1);
	g_assert_cmpstr(value, ==, want);
	g_assert_cmpstr(name, ==, "ssh");
	text = tray_setup_client_text(defaults_tox, name, value);
	g_free(want);
	want = g_strdup_printf("%s\n[client]\nssh = 2222:127.0.0.1:22:%s\n", defaults_tox, id1);
	g_assert_true(g_str_has_suffix(text, want));
	g_assert_true(g_str_has_prefix(text, ";"));
	assert_loads(text);
	g_free(want);
	g_free(text);
	g_free(value);

	value = tray_setup_client_value(TRAY_CONNECT_PROXY, 1080, id1, &name);
	want = g_strdup_printf("socks5:1080:%s", id1);
	g_assert_cmpstr(value, ==, want);
	g_assert_cmpstr(name, ==, "web");
	text = tray_setup_client_text("", name, value);
	g_assert_null(strstr(text, "[tox]"));
	g_free(want);
	want = g_strdup_printf("\n[client]\nweb = socks5:1080:%s\n", id1);
	g_assert_true(g_str_has_suffix(text, want));
	assert_loads(text);
	g_free(want);
	g_free(text);
	g_free(value);
}

static void test_write(void)
{
	char *path = tray_setup_path("office"), *text = NULL, **allows;
	GError *error = NULL;
	GStatBuf st;

	g_assert_true(tray_setup_write(path, "[server]\nallow = AA\nallow = BB\n", FALSE, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	/* Never over an existing file unless told. */
	g_assert_false(tray_setup_write(path, "x", FALSE, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS);
	g_clear_error(&error);
	allows = tray_setup_existing_allows(path);
	g_assert_cmpuint(g_strv_length(allows), ==, 2);
	g_assert_cmpstr(allows[1], ==, "BB");
	g_strfreev(allows);
	g_assert_true(tray_setup_write(path, "[server]\n", TRUE, &error));
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "[server]\n");
	g_free(text);
	g_free(path);
}

/* ---- the rest of the window's helpers ---- */

static void test_autostart(void)
{
	char *path = tray_autostart_path(), *text = NULL, *want;
	GError *error = NULL;
	GKeyFile *kf = g_key_file_new();
	char *exec;

	g_assert_true(g_str_has_prefix(path, g_get_user_config_dir()));
	g_assert_true(g_str_has_suffix(path, "/autostart/toxtun-tray.desktop"));
	g_assert_false(tray_autostart_enabled());
	g_assert_true(tray_autostart_set(TRUE, "/opt/toxtun/bin/toxtun-tray", &error));
	g_assert_no_error(error);
	g_assert_true(tray_autostart_enabled());
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	want = "[Desktop Entry]\n"
	       "Type=Application\n"
	       "Name=toxtun tray\n"
	       "Comment=The toxtun tray icon: tunnel state, start and stop, statistics\n"
	       "Exec=/opt/toxtun/bin/toxtun-tray\n"
	       "Icon=toxtun\n"
	       "Terminal=false\n"
	       "NoDisplay=true\n"
	       "X-GNOME-Autostart-enabled=true\n";
	g_assert_cmpstr(text, ==, want);
	g_free(text);
	/* Off: the entry goes; off again is no error. */
	g_assert_true(tray_autostart_set(FALSE, NULL, &error));
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	g_assert_false(tray_autostart_enabled());
	g_assert_true(tray_autostart_set(FALSE, NULL, &error));
	g_assert_no_error(error);
	/* A disabled entry is off. */
	g_assert_true(g_file_set_contents(path, "[Desktop Entry]\nX-GNOME-Autostart-enabled=false\n", -1, NULL));
	g_assert_false(tray_autostart_enabled());

	/* A path with a blank is quoted as the spec says. */
	text = tray_autostart_text("/home/a b/toxtun \"x\"");
	g_assert_true(g_key_file_load_from_data(kf, text, -1, G_KEY_FILE_NONE, NULL));
	exec = g_key_file_get_string(kf, "Desktop Entry", "Exec", NULL);
	g_assert_cmpstr(exec, ==, "\"/home/a b/toxtun \\\"x\\\"\"");
	g_free(exec);
	g_free(text);
	g_key_file_unref(kf);
	g_free(path);
}

static void test_browser(void)
{
	TrayBrowser chromium = { TRAY_BROWSER_CHROMIUM, "/usr/bin/chromium", "Chromium" };
	TrayBrowser firefox = { TRAY_BROWSER_FIREFOX, "/usr/bin/firefox", "Firefox" };
	char **argv = tray_browser_argv(&chromium, 1080, "/tmp/p");
	char *joined = g_strjoinv("|", argv), *prefs;

	g_assert_cmpstr(joined, ==,
	                "/usr/bin/chromium|--proxy-server=socks5://127.0.0.1:1080|"
	                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1|--user-data-dir=/tmp/p|"
	                "--no-first-run|--no-default-browser-check");
	g_free(joined);
	g_strfreev(argv);
	argv = tray_browser_argv(&firefox, 1081, "/tmp/q");
	joined = g_strjoinv("|", argv);
	g_assert_cmpstr(joined, ==, "/usr/bin/firefox|--new-instance|--profile|/tmp/q");
	g_free(joined);
	g_strfreev(argv);
	prefs = tray_browser_firefox_prefs(1081);
	g_assert_nonnull(strstr(prefs, "user_pref(\"network.proxy.type\", 1);\n"));
	g_assert_nonnull(strstr(prefs, "user_pref(\"network.proxy.socks\", \"127.0.0.1\");\n"));
	g_assert_nonnull(strstr(prefs, "user_pref(\"network.proxy.socks_port\", 1081);\n"));
	g_assert_nonnull(strstr(prefs, "user_pref(\"network.proxy.socks_remote_dns\", true);\n"));
	g_free(prefs);
}

int main(int argc, char **argv)
{
	char *home = test_private_home();
	int rc;

	g_test_init(&argc, &argv, NULL);
	id1 = test_tox_id(1);
	g_test_add_func("/setup/id", test_id);
	g_test_add_func("/setup/name", test_name);
	g_test_add_func("/setup/port", test_port);
	g_test_add_func("/setup/defaults", test_defaults);
	g_test_add_func("/setup/server-files", test_server_files);
	g_test_add_func("/setup/client-files", test_client_files);
	g_test_add_func("/setup/write", test_write);
	g_test_add_func("/setup/autostart", test_autostart);
	g_test_add_func("/setup/browser", test_browser);
	rc = g_test_run();
	g_free(id1);
	test_remove_tree(home);
	g_free(home);
	return rc;
}
