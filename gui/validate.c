/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Field validation through the daemon's parsers: see validate.h. */
#include <string.h>

#include "toxtun/config.h"
#include "toxtun/ini_lexer.h"
#include "validate.h"

#define ERR_MAX 512

/* Stand-ins that the daemon accepts, used to find out which field of a
 * tunnel line is to blame: each field is checked with the others replaced by
 * these. The all-zero Tox ID has a valid (zero) checksum. */
static const char *const good[TF_COUNT] = {
	[TF_NAME] = "t",
	[TF_LISTEN_HOST] = "",
	[TF_LISTEN_PORT] = "1",
	[TF_REMOTE_HOST] = "127.0.0.1",
	[TF_REMOTE_PORT] = "1",
	[TF_SERVER_ID] = "0000000000000000000000000000000000000000000000000000000000000000000000000000",
	[TF_KIND] = "",
};

/* The kind a TF_KIND value names (NULL or empty: a forward), -1 if none. */
static int kind_of(const char *name)
{
	char *k = g_strstrip(g_strdup(name ? name : ""));
	int kind = -1;

	for (int i = TT_TUNNEL_FORWARD; i <= TT_TUNNEL_UDP && kind < 0; i++) {
		if (g_ascii_strcasecmp(k, tt_tunnel_prefix((enum tt_tunnel_kind)i)) == 0)
			kind = i;
	}
	g_free(k);
	return kind;
}

gboolean tray_validate_plain(const char *value, char **err)
{
	size_t len = strlen(value), comment = tt_ini_comment_at(value, len), i = 0;

	/* Whichever comes first is the one to report. */
	while (i < len && (unsigned char)value[i] >= 0x20 && value[i] != 0x7f)
		i++;
	if (i < len && i < comment) {
		*err = g_strdup("must not contain line breaks or control characters");
		return FALSE;
	}
	if (comment < len) {
		*err = g_strdup("' ;' would start a comment here");
		return FALSE;
	}
	return TRUE;
}

static char *host_part(const char *host)
{
	/* IPv6 literals go in brackets; already bracketed ones stay. */
	if (strchr(host, ':') && host[0] != '[')
		return g_strdup_printf("[%s]", host);
	return g_strdup(host);
}

/* The line's value from the dialog's fields (trimmed), written by the
 * daemon's formatter. A known kind takes its own spelling, an unknown one is
 * written as typed, so that the daemon refuses it rather than reading a
 * forward. */
static char *compose(const char *const fields[TF_COUNT])
{
	char *f[TF_COUNT], *out;
	struct tt_tunnel_fields tf;
	size_t len;
	int kind;

	for (int i = 0; i < TF_COUNT; i++)
		f[i] = g_strstrip(g_strdup(fields[i] ? fields[i] : ""));
	kind = kind_of(f[TF_KIND]);
	tf = (struct tt_tunnel_fields){
		.kind = kind >= 0 ? tt_tunnel_prefix((enum tt_tunnel_kind)kind) : f[TF_KIND],
		.listen_host = f[TF_LISTEN_HOST],
		.listen_port = f[TF_LISTEN_PORT],
		.remote_host = f[TF_REMOTE_HOST],
		.remote_port = f[TF_REMOTE_PORT],
		.server_id = f[TF_SERVER_ID],
	};
	len = tt_format_tunnel_fields(&tf, NULL, 0);
	out = g_malloc(len + 1);
	tt_format_tunnel_fields(&tf, out, len + 1);
	for (int i = 0; i < TF_COUNT; i++)
		g_free(f[i]);
	return out;
}

/* Does the line made of fields (with field `only` taken from the user and the
 * rest from good[]) parse? only < 0: every field from the user. */
static gboolean line_ok(const char *const fields[TF_COUNT], int only, char *err)
{
	const char *mix[TF_COUNT];
	struct tt_client_tunnel t;
	char *value, *name;
	gboolean ok;

	for (int i = 0; i < TF_COUNT; i++)
		mix[i] = only < 0 || i == only || i == TF_KIND ? fields[i] : good[i];
	name = g_strstrip(g_strdup(mix[TF_NAME] ? mix[TF_NAME] : ""));
	value = compose(mix);
	ok = tt_parse_client_line(name, value, &t, err, ERR_MAX);
	g_free(value);
	g_free(name);
	return ok;
}

gboolean tray_tunnel_validate(const char *const fields[TF_COUNT], char *errors[TF_COUNT],
                              char **whole, char **value)
{
	char err[ERR_MAX];
	gboolean any = FALSE;
	int kind = kind_of(fields[TF_KIND]);

	*whole = NULL;
	*value = NULL;
	for (int i = 0; i < TF_COUNT; i++)
		errors[i] = NULL;
	if (kind < 0) {
		/* Every field would be blamed for what the kind got wrong. */
		errors[TF_KIND] = g_strdup_printf("unknown tunnel kind '%s'", fields[TF_KIND]);
		return FALSE;
	}
	for (int i = 0; i < TF_COUNT; i++) {
		char *plain_err = NULL;

		/* A proxy has no destination: whatever those fields hold is unused. */
		if (i == TF_KIND || (kind == TT_TUNNEL_SOCKS && (i == TF_REMOTE_HOST || i == TF_REMOTE_PORT)))
			continue;
		if (!tray_validate_plain(fields[i] ? fields[i] : "", &plain_err)) {
			errors[i] = plain_err;
			any = TRUE;
			continue;
		}
		/* The daemon's message names the bad token, which is this field. */
		if (!line_ok(fields, i, err)) {
			errors[i] = g_strdup(err);
			any = TRUE;
		}
	}
	if (any)
		return FALSE;
	if (!line_ok(fields, -1, err)) {
		*whole = g_strdup(err);
		return FALSE;
	}
	*value = compose(fields);
	return TRUE;
}

char **tray_tunnel_split(const char *name, const char *value, char **err)
{
	struct tt_client_tunnel t;
	char msg[ERR_MAX], id[2 * TT_TOX_ID_SIZE + 1];
	char **f;

	if (!tt_parse_client_line(name, value, &t, msg, sizeof(msg))) {
		*err = g_strdup(msg);
		return NULL;
	}
	tt_toxid_format(t.server_id, id);
	f = g_new0(char *, TF_COUNT + 1);
	f[TF_NAME] = g_strdup(t.name);
	/* Left out in the line, left empty in the dialog. */
	f[TF_LISTEN_HOST] = g_strdup(t.listen_given ? t.listen_host : "");
	f[TF_LISTEN_PORT] = g_strdup_printf("%u", t.listen_port);
	f[TF_SERVER_ID] = g_strdup(id);
	f[TF_KIND] = g_strdup(tt_tunnel_prefix(t.kind));
	if (t.kind == TT_TUNNEL_SOCKS) {
		f[TF_REMOTE_HOST] = g_strdup("");
		f[TF_REMOTE_PORT] = g_strdup("");
	} else {
		f[TF_REMOTE_HOST] = g_strdup(t.remote_host);
		f[TF_REMOTE_PORT] = g_strdup_printf("%u", t.remote_port);
	}
	return f;
}

/* "HOST:PORT" for the tunnel list: an omitted host is 127.0.0.1. */
static char *host_port(const char *host, const char *port)
{
	char *h = host_part(*host ? host : "127.0.0.1");
	char *out = g_strdup_printf("%s:%s", h, port);

	g_free(h);
	return out;
}

void tray_tunnel_describe(const char *const fields[TF_COUNT], char **listen, char **dest)
{
	char *l = host_port(fields[TF_LISTEN_HOST], fields[TF_LISTEN_PORT]);
	char *d = host_port(fields[TF_REMOTE_HOST], fields[TF_REMOTE_PORT]);

	switch (kind_of(fields[TF_KIND])) {
	case TT_TUNNEL_SOCKS:
		*listen = g_strdup(l);
		*dest = g_strdup("any (SOCKS5 / HTTP proxy)");
		break;
	case TT_TUNNEL_REVERSE:
		*listen = g_strdup_printf("server %s", l);
		*dest = g_strdup_printf("local %s", d);
		break;
	case TT_TUNNEL_UDP:
		*listen = g_strdup_printf("udp %s", l);
		*dest = g_strdup_printf("udp %s", d);
		break;
	default:
		*listen = g_strdup(l);
		*dest = g_strdup(d);
		break;
	}
	g_free(l);
	g_free(d);
}

/* A permit or permit_listen value, by the daemon's parser for it. */
static gboolean check_permit(const char *value,
                             bool (*parse)(const char *, struct tt_permit *, char *, size_t), char **err)
{
	struct tt_permit p;
	char msg[ERR_MAX];

	if (!tray_validate_plain(value, err))
		return FALSE;
	if (!parse(value, &p, msg, sizeof(msg))) {
		*err = g_strdup(msg);
		return FALSE;
	}
	return TRUE;
}

gboolean tray_validate_permit(const char *value, char **err)
{
	return check_permit(value, tt_parse_permit, err);
}

gboolean tray_validate_permit_listen(const char *value, char **err)
{
	return check_permit(value, tt_parse_permit_listen, err);
}

gboolean tray_validate_allow(const char *value, char **err)
{
	uint8_t key[TT_PUBKEY_SIZE];
	char msg[ERR_MAX];

	if (!tray_validate_plain(value, err))
		return FALSE;
	if (!tt_parse_pubkey(value, key, msg, sizeof(msg))) {
		*err = g_strdup(msg);
		return FALSE;
	}
	return TRUE;
}

char *tray_allow_normalize(const char *value, char **err)
{
	uint8_t id[TT_TOX_ID_SIZE];
	char *v = g_strstrip(g_strdup(value));

	if (strlen(v) == 2 * TT_TOX_ID_SIZE && tt_toxid_parse(v, id, NULL, 0)) {
		char hex[2 * TT_PUBKEY_SIZE + 1];

		tt_hex_format(id, TT_PUBKEY_SIZE, hex);
		g_free(v);
		return g_strdup(hex);
	}
	if (!tray_validate_allow(v, err)) {
		g_free(v);
		return NULL;
	}
	return v;
}
