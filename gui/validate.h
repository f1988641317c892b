/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Validation of what the user types, shared with the daemon: every check here
 * calls the daemon's own parsers (include/toxtun/config.h, the static library
 * toxtun_config), so the editor accepts exactly what `tunnel` accepts. */
#ifndef TOXTUN_GUI_VALIDATE_H
#define TOXTUN_GUI_VALIDATE_H

#include <glib.h>

#include "toxtun/config.h"
#include "toxtun/config_keys.h"

/* The fields of one [client] line as the tunnel dialog shows them. */
typedef enum {
	TF_NAME,
	TF_LISTEN_HOST,  /* empty: omitted (127.0.0.1); for a reverse line an
	                    address on the server */
	TF_LISTEN_PORT,
	TF_REMOTE_HOST,  /* for a reverse line: as this machine sees it */
	TF_REMOTE_PORT,
	TF_SERVER_ID,
	TF_KIND,         /* the line's prefix without its ':', one of TT_PREFIX_*
	                    (toxtun/config_keys.h): "" for a forward */
	TF_COUNT
} TrayTunnelField;

/* Validate the fields. On success returns TRUE and sets *value (the line's
 * value, newly allocated: the fields as given, trimmed, joined by the
 * daemon's tt_format_tunnel_fields). On failure errors[i] holds the message for each bad
 * field (others NULL; errors[TF_KIND] for an unknown kind) and *whole, when no single field is to blame, the
 * daemon's message for the whole line. The caller frees errors[] and *whole. */
gboolean tray_tunnel_validate(const char *const fields[TF_COUNT], char *errors[TF_COUNT],
                              char **whole, char **value);

/* Split a line of the file into fields (newly allocated, g_strfreev-able
 * vector of TF_COUNT). NULL with *err when the daemon would refuse it. */
char **tray_tunnel_split(const char *name, const char *value, char **err);

/* How the tunnel list shows a line's fields (from tray_tunnel_split): where it
 * listens ("127.0.0.1:2222", "server 127.0.0.1:2222", "udp [::1]:5353") and
 * where its connections go. Both newly allocated. */
void tray_tunnel_describe(const char *const fields[TF_COUNT], char **listen, char **dest);

/* One permit / permit_listen / allow value; *err set (newly allocated) on
 * failure. */
gboolean tray_validate_permit(const char *value, char **err);
gboolean tray_validate_permit_listen(const char *value, char **err);
gboolean tray_validate_allow(const char *value, char **err);

/* An allow entry as pasted: a 64-digit public key, or a whole 76-digit Tox
 * ID whose first 64 digits are the key. Returns the key to write (newly
 * allocated) or NULL with *err. */
char *tray_allow_normalize(const char *value, char **err);

/* A value must stay on its line and keep its meaning when read back: no line
 * breaks, no control characters, no " ;" (the daemon's lexer would cut it
 * there as an inline comment: tt_ini_comment_at). */
gboolean tray_validate_plain(const char *value, char **err);

#endif
