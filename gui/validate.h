/* Validation of what the user types, shared with the daemon: every check here
 * calls the daemon's own parsers (include/toxtun/config.h, the static library
 * toxtun_config), so the editor accepts exactly what `tunnel` accepts. */
#ifndef TOXTUN_GUI_VALIDATE_H
#define TOXTUN_GUI_VALIDATE_H

#include <glib.h>

/* The fields of one [client] line as the tunnel dialog shows them. */
typedef enum {
	TF_NAME,
	TF_LISTEN_HOST,  /* empty: omitted (the daemon listens on 127.0.0.1) */
	TF_LISTEN_PORT,
	TF_REMOTE_HOST,
	TF_REMOTE_PORT,
	TF_SERVER_ID,
	TF_KIND,         /* "" : a forward (ssh -L); "socks5": a SOCKS5 / HTTP CONNECT
	                    proxy (ssh -D), which has no destination fields */
	TF_COUNT
} TtTunnelField;

#define TT_KIND_SOCKS "socks5"

/* The value of the line ("[LISTEN:]PORT:HOST:PORT:ID", or
 * "socks5:[LISTEN:]PORT:ID"); IPv6 literals are put in brackets. Fields are
 * used as given (trimmed). */
char *tt_tunnel_compose(const char *const fields[TF_COUNT]);

/* Validate the fields. On success returns TRUE and sets *value (the line's
 * value, newly allocated). On failure errors[i] holds the message for each bad
 * field (others NULL) and *whole, when no single field is to blame, the
 * daemon's message for the whole line. The caller frees errors[] and *whole. */
gboolean tt_tunnel_validate(const char *const fields[TF_COUNT], char *errors[TF_COUNT],
                            char **whole, char **value);

/* Split a line of the file into fields (newly allocated, g_strfreev-able
 * vector of TF_COUNT). NULL with *err when the daemon would refuse it. */
char **tt_tunnel_split(const char *name, const char *value, char **err);

/* Keys of [client] that are settings, not tunnels (socks_user, socks_pass). */
gboolean tt_client_key_is_setting(const char *key);

/* One permit value / allow value; *err set (newly allocated) on failure. */
gboolean tt_validate_permit(const char *value, char **err);
gboolean tt_validate_allow(const char *value, char **err);

/* An allow entry as pasted: a 64-digit public key, or a whole 76-digit Tox
 * ID whose first 64 digits are the key. Returns the key to write (newly
 * allocated) or NULL with *err. */
char *tt_allow_normalize(const char *value, char **err);

/* A value must stay on its line and keep its meaning when read back: no line
 * breaks, no control characters, no " ;" (inih would cut an inline comment). */
gboolean tt_validate_plain(const char *value, char **err);

#endif
