/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A browser that goes through a client's SOCKS5 line: an installed
 * Chromium or Firefox, started with a fresh profile of its own that uses the
 * proxy for everything, names included (so that the other computer's DNS
 * answers, and no name leaks to this computer's network).
 *
 * GLib only (no GTK), so that it is unit-tested directly.
 */
#ifndef TOXTUN_GUI_BROWSER_H
#define TOXTUN_GUI_BROWSER_H

#include <glib.h>

typedef enum { TRAY_BROWSER_NONE, TRAY_BROWSER_CHROMIUM, TRAY_BROWSER_FIREFOX } TrayBrowserKind;

typedef struct {
	TrayBrowserKind kind;
	char *path; /* the executable */
	const char *label; /* "Chromium", "Firefox" */
} TrayBrowser;

/* The first of chromium, chromium-browser, firefox, firefox-esr in PATH;
 * kind NONE when there is none. tray_browser_clear() frees it. */
TrayBrowser tray_browser_find(void);
void tray_browser_clear(TrayBrowser *b);

/* The command line (NULL-terminated, g_strfreev) for a browser using the
 * SOCKS5 proxy 127.0.0.1:port, with profile as its own profile directory. */
char **tray_browser_argv(const TrayBrowser *b, guint16 port, const char *profile);

/* Firefox's user.js for that proxy: manual proxy, SOCKS5, remote DNS. */
char *tray_browser_firefox_prefs(guint16 port);

/* Start it (not waited for) with a new profile directory under
 * $XDG_CACHE_HOME/toxtun/. */
gboolean tray_browser_launch(const TrayBrowser *b, guint16 port, GError **error);

#endif
