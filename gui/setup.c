/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The first run's files and checks: see setup.h. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "iniwriter.h"
#include "setup.h"
#include "toxtun/config.h"
#include "validate.h"

#define ERR_MAX 512

char *tray_setup_dir(void)
{
	return g_build_filename(g_get_user_config_dir(), "toxtun", NULL);
}

char *tray_setup_path(const char *name)
{
	char *dir = tray_setup_dir(), *file = g_strconcat(name, ".ini", NULL);
	char *path = g_build_filename(dir, file, NULL);

	g_free(dir);
	g_free(file);
	return path;
}

/* ---- what people type ---- */

static gboolean fail(char **msg, char *text)
{
	if (msg)
		*msg = text;
	else
		g_free(text);
	return FALSE;
}

/* The ID without what pasting brings along: blanks and line breaks (an ID
 * wrapped in a chat window), and the "tox:" of a Tox URI. */
static char *id_clean(const char *text)
{
	GString *s = g_string_new(NULL);

	for (const char *p = text; *p; p++) {
		if (!g_ascii_isspace(*p))
			g_string_append_c(s, *p);
	}
	if (g_ascii_strncasecmp(s->str, "tox:", 4) == 0)
		g_string_erase(s, 0, 4);
	return g_string_free(s, FALSE);
}

gboolean tray_setup_check_id(const char *text, char **id, char **msg)
{
	char *clean = id_clean(text ? text : ""), err[ERR_MAX];
	uint8_t bin[TT_TOX_ID_SIZE];
	glong n = g_utf8_strlen(clean, -1);
	guint position = 0;

	if (!g_utf8_validate(clean, -1, NULL)) {
		g_free(clean);
		return fail(msg, g_strdup("This is not an ID: an ID has only digits 0–9 and letters A–F."));
	}
	if (n == 0) {
		g_free(clean);
		return fail(msg, g_strdup("Paste the ID that the other computer shows: 76 digits and letters A–F."));
	}
	for (const char *p = clean; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		position++;
		if (!g_unichar_isxdigit(c) || c > 0x7f) {
			char ch[8] = { 0 };

			g_unichar_to_utf8(c, ch);
			g_free(clean);
			return fail(msg, g_strdup_printf("“%s” (character %u) cannot be in an ID: an ID has only "
			                                 "digits 0–9 and letters A–F.",
			                                 ch, position));
		}
	}
	if (n != 2 * TT_TOX_ID_SIZE) {
		char *m = g_strdup_printf("%s: an ID has %d characters, this has %ld. Copy the whole ID again.",
		                          n < 2 * TT_TOX_ID_SIZE ? "Too short" : "Too long", 2 * TT_TOX_ID_SIZE, n);

		g_free(clean);
		return fail(msg, m);
	}
	if (!tt_toxid_parse(clean, bin, err, sizeof(err))) {
		g_free(clean);
		/* Only the checksum is left to fail: a character was changed. */
		return fail(msg, g_strdup("This ID has a typo: its last four characters (a checksum) do not match "
		                          "the rest. Copy it again rather than typing it."));
	}
	if (id)
		*id = g_ascii_strup(clean, -1);
	if (msg)
		*msg = NULL;
	g_free(clean);
	return TRUE;
}

gboolean tray_setup_check_name(const char *text, char **name, char **msg)
{
	char *n = g_strstrip(g_strdup(text ? text : ""));

	if (!*n) {
		g_free(n);
		return fail(msg, g_strdup("Give this connection a name, e.g. office."));
	}
	for (const char *p = n; *p; p = g_utf8_next_char(p)) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_') {
			char ch[8] = { 0 }, *what;
			gunichar c = g_utf8_get_char_validated(p, -1);

			if (c == (gunichar)-1 || c == (gunichar)-2)
				c = 0xfffd;
			g_unichar_to_utf8(c, ch);
			what = g_unichar_isspace(c) ? g_strdup("Spaces") : g_strdup_printf("“%s”", ch);
			g_free(n);
			/* The name becomes a file name, a socket's and a systemd
			 * unit's: anything else would need quoting somewhere. */
			n = g_strdup_printf("%s cannot be in a name: use letters, digits, - and _ (the name becomes "
			                    "the file NAME.ini).",
			                    what);
			g_free(what);
			return fail(msg, n);
		}
	}
	if (strlen(n) > TRAY_SETUP_NAME_MAX) {
		g_free(n);
		return fail(msg, g_strdup_printf("At most %d characters, please.", TRAY_SETUP_NAME_MAX));
	}
	if (g_ascii_strcasecmp(n, TRAY_SETUP_DEFAULTS_NAME) == 0) {
		g_free(n);
		return fail(msg, g_strdup("“defaults” is taken: defaults.ini holds the settings new files start "
		                          "from. Choose another name."));
	}
	if (name)
		*name = n;
	else
		g_free(n);
	if (msg)
		*msg = NULL;
	return TRUE;
}

gboolean tray_setup_check_port(const char *text, guint16 *port, char **msg)
{
	char *t = g_strstrip(g_strdup(text ? text : "")), err[ERR_MAX];
	uint16_t p = 0;
	gboolean ok = tt_parse_port(t, &p, err, sizeof(err));

	g_free(t);
	if (!ok)
		return fail(msg, g_strdup_printf("%s: a port is a number from 1024 to 65535.", err));
	if (p < 1024)
		return fail(msg, g_strdup_printf("Port %u needs administrator rights: choose one from 1024 to 65535.",
		                                 (unsigned)p));
	if (port)
		*port = p;
	if (msg)
		*msg = NULL;
	return TRUE;
}

gboolean tray_setup_port_free(guint16 port, char **msg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, e = 0;

	if (fd < 0)
		return TRUE; /* cannot tell: the daemon will say */
	/* As the daemon binds (daemon/forward/sockutil.c), so that a port the
	 * daemon could take is not refused here. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 1) < 0)
		e = errno;
	close(fd);
	if (e)
		return fail(msg, g_strdup_printf("cannot listen on 127.0.0.1:%u: %s", (unsigned)port, g_strerror(e)));
	if (msg)
		*msg = NULL;
	return TRUE;
}

/* ---- the files ---- */

char *tray_setup_tox_section(const char *text, gsize len)
{
	IniDoc *doc = ini_doc_new(text, len);
	GString *out = g_string_new(NULL);
	gsize keep = 0;

	for (guint i = 0; i < ini_doc_n_lines(doc); i++) {
		IniLine *l = ini_doc_line(doc, i);
		char *key;

		if (g_ascii_strcasecmp(ini_line_section(l), TT_SECTION_TOX) != 0)
			continue;
		key = ini_line_kind(l) == INI_LINE_PAIR ? ini_line_key(l) : NULL;
		/* A profile shared by two files would be one identity for two
		 * daemons. */
		if (!key || g_ascii_strcasecmp(key, TT_KEY_PROFILE) != 0) {
			g_string_append_printf(out, "%s\n", ini_line_text(l));
			if (ini_line_kind(l) != INI_LINE_BLANK)
				keep = out->len;
		}
		g_free(key);
	}
	/* Blank lines that only separated it from the next section. */
	g_string_truncate(out, keep);
	ini_doc_free(doc);
	return g_string_free(out, FALSE);
}

char *tray_setup_default_tox(void)
{
	char *path = tray_setup_path(TRAY_SETUP_DEFAULTS_NAME), *text = NULL, *out;
	gsize len = 0;

	out = g_file_get_contents(path, &text, &len, NULL) ? tray_setup_tox_section(text, len) : g_strdup("");
	g_free(text);
	g_free(path);
	return out;
}

static void append_tox(GString *s, const char *tox)
{
	if (tox && *tox)
		g_string_append_printf(s, "%s%s\n", tox, g_str_has_suffix(tox, "\n") ? "" : "\n");
}

char *tray_setup_server_text(const char *tox, TrayShareOffer offer, const char *service,
                             const char *const *allows, char **err)
{
	GString *s = g_string_new("; Written by toxtun-tray (Share this computer). Computers that know this\n"
	                          "; computer's Tox ID may ask to connect; each waits until it is allowed.\n");
	char *host = g_strdup(g_get_host_name()), *e = NULL, *one = NULL;
	struct tt_permit p;
	char perr[ERR_MAX];

	if (offer == TRAY_SHARE_ONE) {
		one = g_strstrip(g_strdup(service ? service : ""));
		if (!*one || !tt_parse_permit(one, &p, perr, sizeof(perr)) || !tray_validate_plain(one, &e)) {
			if (err)
				*err = e ? e : g_strdup(*one ? perr : "Say which service: HOST:PORT, e.g. 127.0.0.1:8080.");
			else
				g_free(e);
			g_free(one);
			g_free(host);
			g_string_free(s, TRUE);
			return NULL;
		}
	}
	append_tox(s, tox);
	g_string_append(s, "[" TT_SECTION_SERVER "]\n");
	/* The name other computers see; a host name that would not stay on its
	 * line (or is too long for Tox) is left out: "toxtun" then. */
	if (*host && strlen(host) < TT_NAME_MAX && tray_validate_plain(host, &e))
		g_string_append_printf(s, TT_KEY_NAME " = %s\n", host);
	g_clear_pointer(&e, g_free);
	g_string_append(s, TT_KEY_APPROVE " = " TT_APPROVE_ASK_WORD "\n");
	switch (offer) {
	case TRAY_SHARE_SSH:
		g_string_append(s, "; this computer's SSH\n" TT_KEY_PERMIT " = 127.0.0.1:22\n");
		break;
	case TRAY_SHARE_WEB:
		g_string_append(s, "; web browsing through this computer\n"
		                   TT_KEY_PERMIT " = *:80\n" TT_KEY_PERMIT " = *:443\n");
		break;
	case TRAY_SHARE_ONE:
		g_string_append_printf(s, TT_KEY_PERMIT " = %s\n", one);
		break;
	case TRAY_SHARE_CUSTOM:
		g_string_append(s, "; permit = HOST:PORT lines say what the other computers may reach;\n"
		                   "; without any, only this computer's loopback addresses.\n");
		break;
	}
	for (const char *const *a = allows; a && *a; a++)
		g_string_append_printf(s, TT_KEY_ALLOW " = %s\n", *a);
	g_free(one);
	g_free(host);
	return g_string_free(s, FALSE);
}

char *tray_setup_client_value(TrayConnectUse use, guint16 port, const char *server_id, const char **name)
{
	char portstr[8];
	struct tt_tunnel_fields f = { .listen_port = portstr, .server_id = server_id };
	size_t len;
	char *out;

	g_snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	if (use == TRAY_CONNECT_PROXY) {
		f.kind = TT_PREFIX_SOCKS;
		*name = "web";
	} else {
		f.kind = TT_PREFIX_FORWARD;
		f.remote_host = "127.0.0.1";
		f.remote_port = "22";
		*name = "ssh";
	}
	len = tt_format_tunnel_fields(&f, NULL, 0);
	out = g_malloc(len + 1);
	tt_format_tunnel_fields(&f, out, len + 1);
	return out;
}

char *tray_setup_client_text(const char *tox, const char *tunnel_name, const char *value)
{
	GString *s = g_string_new("; Written by toxtun-tray (Connect to a computer).\n");

	append_tox(s, tox);
	g_string_append_printf(s, "[" TT_SECTION_CLIENT "]\n%s = %s\n", tunnel_name, value);
	return g_string_free(s, FALSE);
}

gboolean tray_setup_check_text(const char *path, const char *text, char **msg)
{
	struct tt_config *cfg = NULL;
	struct tt_error e;

	if (!tt_config_load_buffer(path, text, strlen(text), &cfg, &e)) {
		char *m = e.line ? g_strdup_printf("line %d: %s", e.line, e.message) : g_strdup(e.message);

		return fail(msg, m);
	}
	tt_config_free(cfg);
	if (msg)
		*msg = NULL;
	return TRUE;
}

char **tray_setup_existing_allows(const char *path)
{
	char *text = NULL;
	gsize len = 0;
	char **out;
	IniDoc *doc;

	if (!g_file_get_contents(path, &text, &len, NULL))
		return g_new0(char *, 1);
	doc = ini_doc_new(text, len);
	out = ini_doc_get_all(doc, TT_SECTION_SERVER, TT_KEY_ALLOW);
	ini_doc_free(doc);
	g_free(text);
	return out;
}

gboolean tray_setup_write(const char *path, const char *text, gboolean replace, GError **error)
{
	char *dir = g_path_get_dirname(path);
	gboolean ok;

	if (g_mkdir_with_parents(dir, 0700) < 0) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot make %s: %s", dir, g_strerror(e));
		g_free(dir);
		return FALSE;
	}
	g_free(dir);
	if (!replace && g_file_test(path, G_FILE_TEST_EXISTS)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS, "%s exists already", path);
		return FALSE;
	}
	ok = g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
	return ok;
}
