/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a client's tunnels are for, in words for people: the ssh command for
 * a tunnel to the other computer's SSH, the proxy settings for a SOCKS5
 * line, the local address of any other forward. The window's overview shows
 * these next to copy buttons.
 *
 * GLib only (no GTK), so that it is unit-tested directly.
 */
#ifndef TOXTUN_GUI_USAGE_H
#define TOXTUN_GUI_USAGE_H

#include <glib.h>

#include "toxtun/config.h"

typedef enum {
	TRAY_USE_SSH,     /* a forward to port 22 */
	TRAY_USE_PROXY,   /* a socks5: line */
	TRAY_USE_FORWARD, /* any other forward */
	TRAY_USE_REVERSE, /* the other computer listens */
	TRAY_USE_UDP,
} TrayUseKind;

typedef struct {
	TrayUseKind kind;
	char *tunnel;  /* the line's name */
	char *text;    /* what it does: "Log in to the other computer: …" */
	char *copy;    /* what to copy or type: "ssh -p 2222 localhost", "127.0.0.1:1080" */
	guint16 port;  /* the local port (the server's for a reverse line) */
} TrayUse;

/* One entry per [client] line of cfg (a GPtrArray of TrayUse *, freeing them). */
GPtrArray *tray_usage_list(const struct tt_config *cfg);

#endif
