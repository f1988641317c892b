/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The first run: what the window's "Share this computer" and "Connect to a
 * computer" write, and the checks on what a person types there.
 *
 * New files go to $XDG_CONFIG_HOME/toxtun/NAME.ini (~/.config/toxtun), where
 * the systemd user units look for them. Their [tox] section is copied from
 * $XDG_CONFIG_HOME/toxtun/defaults.ini when that file exists, so that an
 * administrator (or a test) can preset the bootstrap nodes; without it the
 * daemon uses its built-in public nodes. Every text is judged by the
 * daemon's own loader before anything is written.
 *
 * GLib only (no GTK), so that it is unit-tested directly.
 */
#ifndef TOXTUN_GUI_SETUP_H
#define TOXTUN_GUI_SETUP_H

#include <glib.h>

#include "toxtun/config_keys.h"

#define TRAY_SETUP_SERVER_NAME "server"   /* server.ini */
#define TRAY_SETUP_DEFAULTS_NAME "defaults" /* defaults.ini: never a connection */
#define TRAY_SETUP_NAME_MAX 32
#define TRAY_SETUP_SSH_PORT 2222
#define TRAY_SETUP_PROXY_PORT 1080

/* What "Share this computer" offers the other side. */
typedef enum {
	TRAY_SHARE_SSH,    /* permit = 127.0.0.1:22 */
	TRAY_SHARE_WEB,    /* permit = *:80, permit = *:443 */
	TRAY_SHARE_ONE,    /* permit = the HOST:PORT given */
	TRAY_SHARE_CUSTOM, /* no permit line: the editor opens on the file */
} TrayShareOffer;

/* What "Connect to a computer" reaches. */
typedef enum {
	TRAY_CONNECT_SSH,    /* PORT -> 127.0.0.1:22 on the other side */
	TRAY_CONNECT_PROXY,  /* socks5: on PORT */
	TRAY_CONNECT_CUSTOM, /* a line from the tunnel dialog */
} TrayConnectUse;

/* $XDG_CONFIG_HOME/toxtun, and NAME.ini in it. */
char *tray_setup_dir(void);
char *tray_setup_path(const char *name);

/* A Tox ID as pasted (blanks and line breaks anywhere, a "tox:" in front
 * are ignored). TRUE with *id the ID in upper case; FALSE with *msg saying
 * what is wrong in words for people (also for an empty text: what to paste).
 * Either out pointer may be NULL. */
gboolean tray_setup_check_id(const char *text, char **id, char **msg);

/* A connection's name: it becomes NAME.ini, the systemd unit's instance
 * and the control socket's name, so letters, digits, '-' and '_' only. */
gboolean tray_setup_check_name(const char *text, char **name, char **msg);

/* A local port typed in (1024..65535: lower ones need root). */
gboolean tray_setup_check_port(const char *text, guint16 *port, char **msg);

/* Can a daemon listen on 127.0.0.1:port right now? FALSE with the message
 * the daemon would log ("cannot listen on 127.0.0.1:2222: Address already
 * in use"). */
gboolean tray_setup_port_free(guint16 port, char **msg);

/* The [tox] section of an ini text, line for line as written (line ends
 * made "\n"), without its profile lines: each file keeps an identity of its
 * own. "" when the text has no [tox] section. */
char *tray_setup_tox_section(const char *text, gsize len);

/* The [tox] section of $XDG_CONFIG_HOME/toxtun/defaults.ini ("" when there
 * is none). */
char *tray_setup_default_tox(void);

/* The server's file: tox is a [tox] section (or ""), service the HOST:PORT
 * of TRAY_SHARE_ONE, allows the allow keys to keep (NULL: none). NULL with
 * *err when service is not a valid permit. */
char *tray_setup_server_text(const char *tox, TrayShareOffer offer, const char *service,
                             const char *const *allows, char **err);

/* The value of the [client] line for TRAY_CONNECT_SSH or _PROXY, written by
 * the daemon's formatter; its name in *name (static). */
char *tray_setup_client_value(TrayConnectUse use, guint16 port, const char *server_id, const char **name);

/* A client's file with one [client] line. */
char *tray_setup_client_text(const char *tox, const char *tunnel_name, const char *value);

/* Would the daemon load this text as path? FALSE with *msg ("LINE: what"). */
gboolean tray_setup_check_text(const char *path, const char *text, char **msg);

/* The allow keys of an existing server file (kept when it is replaced). */
char **tray_setup_existing_allows(const char *path);

/* Write a new file (mode 0600, its directory made 0700). Fails with
 * G_IO_ERROR_EXISTS when it exists and replace is FALSE. */
gboolean tray_setup_write(const char *path, const char *text, gboolean replace, GError **error);

#endif
