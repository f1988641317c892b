/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Starting a browser through the proxy: see browser.h. */
#include <errno.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "browser.h"

static const struct {
	const char *program;
	TrayBrowserKind kind;
	const char *label;
} candidates[] = {
	{ "chromium", TRAY_BROWSER_CHROMIUM, "Chromium" },
	{ "chromium-browser", TRAY_BROWSER_CHROMIUM, "Chromium" },
	{ "firefox", TRAY_BROWSER_FIREFOX, "Firefox" },
	{ "firefox-esr", TRAY_BROWSER_FIREFOX, "Firefox" },
};

TrayBrowser tray_browser_find(void)
{
	TrayBrowser b = { TRAY_BROWSER_NONE, NULL, NULL };

	for (gsize i = 0; i < G_N_ELEMENTS(candidates) && !b.path; i++) {
		b.path = g_find_program_in_path(candidates[i].program);
		b.kind = b.path ? candidates[i].kind : TRAY_BROWSER_NONE;
		b.label = b.path ? candidates[i].label : NULL;
	}
	return b;
}

void tray_browser_clear(TrayBrowser *b)
{
	g_clear_pointer(&b->path, g_free);
	b->kind = TRAY_BROWSER_NONE;
	b->label = NULL;
}

char **tray_browser_argv(const TrayBrowser *b, guint16 port, const char *profile)
{
	GPtrArray *a = g_ptr_array_new();

	g_ptr_array_add(a, g_strdup(b->path));
	if (b->kind == TRAY_BROWSER_CHROMIUM) {
		g_ptr_array_add(a, g_strdup_printf("--proxy-server=socks5://127.0.0.1:%u", (unsigned)port));
		/* Chromium resolves names itself unless told that none resolve
		 * here; with SOCKS5 the proxy then gets the names. The proxy's
		 * own address stays reachable. */
		g_ptr_array_add(a, g_strdup("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"));
		g_ptr_array_add(a, g_strdup_printf("--user-data-dir=%s", profile));
		g_ptr_array_add(a, g_strdup("--no-first-run"));
		g_ptr_array_add(a, g_strdup("--no-default-browser-check"));
	} else {
		g_ptr_array_add(a, g_strdup("--new-instance"));
		g_ptr_array_add(a, g_strdup("--profile"));
		g_ptr_array_add(a, g_strdup(profile));
	}
	g_ptr_array_add(a, NULL);
	return (char **)g_ptr_array_free(a, FALSE);
}

char *tray_browser_firefox_prefs(guint16 port)
{
	return g_strdup_printf("// Written by toxtun-tray: everything through the tunnel's SOCKS5 proxy.\n"
	                       "user_pref(\"network.proxy.type\", 1);\n"
	                       "user_pref(\"network.proxy.socks\", \"127.0.0.1\");\n"
	                       "user_pref(\"network.proxy.socks_port\", %u);\n"
	                       "user_pref(\"network.proxy.socks_version\", 5);\n"
	                       "user_pref(\"network.proxy.socks_remote_dns\", true);\n"
	                       "user_pref(\"network.proxy.no_proxies_on\", \"\");\n"
	                       "user_pref(\"browser.shell.checkDefaultBrowser\", false);\n",
	                       (unsigned)port);
}

gboolean tray_browser_launch(const TrayBrowser *b, guint16 port, GError **error)
{
	char *base = g_build_filename(g_get_user_cache_dir(), "toxtun", NULL);
	char *tmpl = g_build_filename(base, "browser-XXXXXX", NULL);
	char **argv = NULL;
	gboolean ok = FALSE;

	if (b->kind == TRAY_BROWSER_NONE) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "neither Chromium nor Firefox is installed");
		goto cleanup;
	}
	if (g_mkdir_with_parents(base, 0700) < 0 || !g_mkdtemp_full(tmpl, 0700)) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot make a profile in %s: %s", base,
		            g_strerror(e));
		goto cleanup;
	}
	if (b->kind == TRAY_BROWSER_FIREFOX) {
		char *prefs = tray_browser_firefox_prefs(port), *js = g_build_filename(tmpl, "user.js", NULL);

		ok = g_file_set_contents(js, prefs, -1, error);
		g_free(js);
		g_free(prefs);
		if (!ok)
			goto cleanup;
	}
	argv = tray_browser_argv(b, port, tmpl);
	ok = g_spawn_async(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
	                   NULL, error);
cleanup:
	g_strfreev(argv);
	g_free(tmpl);
	g_free(base);
	return ok;
}
