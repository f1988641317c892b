/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading the ini file: inih reads it, a line at a time, each line vetted
 * by the lexer (lexer.c) the tray's editor uses too; the sections, and the
 * defaults filled in afterwards. The keys themselves are handled in
 * sections.c. */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_internal.h"
#include "toxtun/config_keys.h"
#include "toxtun/ini_lexer.h"

/* A config file is a few dozen lines; anything this big is a wrong path. */
#define CONFIG_MAX_BYTES (1024 * 1024)

/* Public bootstrap nodes used when the file has no bootstrap line. */
static const struct {
	const char *host;
	uint16_t port;
	const char *pubkey;
} default_nodes[] = {
	{ "node.tox.biribiri.org", 33445, "F404ABAA1C99A9D37D61AB54898F56793E1DEF8BD46B1038B9D822E8460FAB67" },
	{ "tox.initramfs.io", 33445, "3F0A45A268367C1BEA652F258C85F4A66DA76BCAA667A49E770BCC4917AB6A25" },
	{ "tox.abilinski.com", 33445, "10C00EB250C3233E343E2AEBA07115A5C28920E9C8D29492F6D00B29049EDC7E" },
	{ "tox.kurnevsky.net", 33445, "82EF82BA33445A1F91A7DB27189ECFC0C013E06E3DA71F588ED692BED625EC23" },
};

static const char *const section_names[] = {
	[TT_SEC_NONE] = "", [TT_SEC_TOX] = TT_SECTION_TOX, [TT_SEC_SERVER] = TT_SECTION_SERVER,
	[TT_SEC_CLIENT] = TT_SECTION_CLIENT, [TT_SEC_CONTROL] = TT_SECTION_CONTROL, [TT_SEC_LINK] = TT_SECTION_LINK,
	[TT_SEC_DAEMON] = TT_SECTION_DAEMON,
};

const char *tt_cfg_section_name(enum tt_section section)
{
	return section_names[section];
}

bool tt_loader_fail(struct tt_loader *ld, const char *fmt, ...)
{
	va_list ap;

	if (ld->failed)
		return false;
	ld->failed = true;
	ld->err_line = ld->line;
	va_start(ap, fmt);
	vsnprintf(ld->msg, sizeof(ld->msg), fmt, ap);
	va_end(ap);
	return false;
}

/* ---- small helpers shared with sections.c ---- */

void *tt_cfg_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 4;
	void *p;

	if (need <= *cap)
		return arr;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return NULL;
		ncap *= 2;
	}
	p = realloc(arr, ncap * elem);
	if (p)
		*cap = ncap;
	return p;
}

char *tt_cfg_resolve_path(const char *ini_path, const char *path)
{
	const char *slash = strrchr(ini_path, '/');
	size_t dirlen, len;
	char *out;

	if (path[0] == '/' || !slash)
		return strdup(path);
	dirlen = (size_t)(slash - ini_path) + 1; /* keep the '/' */
	len = strlen(path);
	out = malloc(dirlen + len + 1);
	if (!out)
		return NULL;
	memcpy(out, ini_path, dirlen);
	memcpy(out + dirlen, path, len + 1);
	return out;
}

/* /etc/x/server.ini -> /etc/x/server.tox; "foo" -> "foo.tox". Only a dot in
 * the last component counts, and not a leading one (".toxtunrc"). */
static char *default_profile(const char *ini_path)
{
	const char *base = strrchr(ini_path, '/');
	const char *dot;
	size_t keep;
	char *out;

	base = base ? base + 1 : ini_path;
	dot = strrchr(base, '.');
	keep = dot && dot > base ? (size_t)(dot - ini_path) : strlen(ini_path);
	out = malloc(keep + sizeof(".tox"));
	if (!out)
		return NULL;
	memcpy(out, ini_path, keep);
	memcpy(out + keep, ".tox", sizeof(".tox"));
	return out;
}

/* ---- reading, with inih ---- */

/* A section header: the name must be one of ours. Tracked here rather than
 * per key so that empty and unknown sections are noticed too. */
static bool enter_section(struct tt_loader *ld, const char *name, size_t len)
{
	int found = -1;

	for (int i = TT_SEC_NONE + 1; i <= TT_SEC_DAEMON; i++) {
		if (strlen(section_names[i]) == len && !strncasecmp(name, section_names[i], len))
			found = i;
	}
	if (found < 0)
		return tt_loader_fail(ld, "unknown section [%.*s%s] (expected [" TT_SECTION_TOX "], ["
		                      TT_SECTION_SERVER "], [" TT_SECTION_CLIENT "], [" TT_SECTION_CONTROL
		                      "], [" TT_SECTION_LINK "] or [" TT_SECTION_DAEMON "])", TT_TOKEN(name, len));
	ld->section = (enum tt_section)found;
	if (found == TT_SEC_SERVER)
		ld->cfg->has_server = true;
	else if (found == TT_SEC_CLIENT)
		ld->cfg->has_client = true;
	return true;
}

/* inih's reader: hands inih the file one physical line at a time, each once
 * the lexer (which asked inih about that line alone, and applied the
 * loader's own rules) has let it through. A key = value line goes from its
 * key to its last non-blank: not indented, for Debian's inih takes an
 * indented line as the continuation of the value before it, and one line
 * always, for inih would silently split a line longer than its buffer (num).
 * A header switches the loader's section here, since inih calls nothing for
 * one; it and blank and comment lines reach inih empty (comments may be any
 * length). */
static char *next_line(char *str, int num, void *stream)
{
	struct tt_loader *ld = stream;
	const char *line, *eol;
	struct tt_ini_line tok;
	size_t len, end;

	if (ld->failed || ld->pos >= ld->len)
		return NULL;
	line = ld->text + ld->pos;
	eol = memchr(line, '\n', ld->len - ld->pos);
	len = eol ? (size_t)(eol - line) : ld->len - ld->pos;
	ld->pos += len + (eol ? 1 : 0);
	ld->line++;

	tt_ini_lex(line, len, ld->line == 1, &tok);
	str[0] = '\0';
	switch (tok.kind) {
	case TT_INI_BLANK:
	case TT_INI_COMMENT:
		return str;
	case TT_INI_INVALID:
		tt_loader_fail(ld, "%s", tok.error);
		return NULL;
	case TT_INI_SECTION:
		return enter_section(ld, line + tok.name_start, tok.name_end - tok.name_start) ? str : NULL;
	case TT_INI_PAIR:
		break;
	}
	for (end = len; end > tok.value_end && isspace((unsigned char)line[end - 1]); end--)
		;
	/* The lexer caps a pair's line at TT_INI_LINE_MAX, less than num. */
	if (end - tok.name_start >= (size_t)num) {
		tt_loader_fail(ld, "line too long (%zu characters, at most %d)", end - tok.name_start, num - 1);
		return NULL;
	}
	memcpy(str, line + tok.name_start, end - tok.name_start);
	str[end - tok.name_start] = '\0';
	return str;
}

/* inih's handler: one call per key = value line. The reader tracks the
 * section itself (inih does not see empty sections, nor trims "[ Server ]"),
 * so inih's copy is not needed. */
static int on_pair(void *user, const char *section, const char *key, const char *value)
{
	(void)section;
	return tt_loader_handle(user, key, value);
}

/* ---- loading ---- */

static void set_defaults(struct tt_config *cfg)
{
	strcpy(cfg->name, "toxtun");
	cfg->udp = true;
	cfg->ipv6 = true;
	cfg->local_discovery = true;
	cfg->outage_timeout_s = 600;
	cfg->linger_s = 60;
	cfg->wait_timeout_s = 60;
	cfg->connect_timeout_s = 10;
	cfg->stream_window = 4194304;
	cfg->max_streams = 4096;
	cfg->max_waiting = 256;
	cfg->udp_timeout_s = 60;
	cfg->sandbox = true;
}

static bool add_default_bootstrap(struct tt_config *cfg)
{
	size_t n = sizeof(default_nodes) / sizeof(default_nodes[0]);

	cfg->bootstrap = calloc(n, sizeof(*cfg->bootstrap));
	if (!cfg->bootstrap)
		return false;
	for (size_t i = 0; i < n; i++) {
		struct tt_node_entry *e = &cfg->bootstrap[i];

		snprintf(e->host, sizeof(e->host), "%s", default_nodes[i].host);
		e->port = default_nodes[i].port;
		if (!tt_parse_pubkey(default_nodes[i].pubkey, e->pubkey, NULL, 0))
			abort(); /* the table above is broken */
	}
	cfg->n_bootstrap = n;
	cfg->bootstrap_is_default = true;
	return true;
}

/* A client's name defaults to the host name: what a server's owner most
 * likely knows the machine by when asked to approve it. */
static void default_client_name(struct tt_config *cfg)
{
	char host[256];
	size_t len;

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	len = strlen(host);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)host[i] < 0x20 || host[i] == 0x7f)
			host[i] = '?';
	if (len >= TT_NAME_MAX)
		host[TT_NAME_MAX - 1] = '\0';
	snprintf(cfg->client_name, sizeof(cfg->client_name), "%s", len ? host : "toxtun");
}

/* Defaults that depend on what the file did (not) say. */
static bool finish(struct tt_loader *ld)
{
	struct tt_config *cfg = ld->cfg;

	ld->line = 0; /* errors from here on are not tied to a line */
	if (!cfg->client_name[0]) /* the loader refuses an empty value */
		default_client_name(cfg);
	if (cfg->n_bootstrap == 0 && !add_default_bootstrap(cfg))
		return tt_loader_fail(ld, "out of memory");
	if (!cfg->profile && !(cfg->profile = default_profile(cfg->path)))
		return tt_loader_fail(ld, "out of memory");
	if (!cfg->socks_user != !cfg->socks_pass)
		return tt_loader_fail(ld, "socks_user and socks_pass go together: set both or neither");
	return true;
}

/* Fill err, when the caller gave one. */
static void set_error(struct tt_error *err, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_error(struct tt_error *err, int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}

bool tt_config_load_buffer(const char *path, const char *text, size_t len,
                           struct tt_config **out, struct tt_error *err)
{
	struct tt_loader ld;
	struct tt_config *cfg;
	int rc;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg || !(cfg->path = strdup(path))) {
		set_error(err, 0, "out of memory");
		goto fail;
	}
	set_defaults(cfg);

	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.text = text;
	ld.len = len;
	rc = ini_parse_stream(next_line, &ld, on_pair, &ld);
	if (!ld.failed && rc != 0) {
		/* inih refused a line the lexer let through: cannot happen, as
		 * the lexer asked inih itself, but a file inih refused is not
		 * accepted. */
		ld.line = rc > 0 ? rc : 0;
		tt_loader_fail(&ld, rc > 0 ? "syntax error" : "out of memory");
	}
	if (!ld.failed)
		finish(&ld);
	if (ld.failed) {
		set_error(err, ld.err_line, "%s", ld.msg);
		goto fail;
	}
	*out = cfg;
	return true;

fail:
	tt_config_free(cfg);
	return false;
}

void tt_error_format(const struct tt_error *err, const char *path, char *out, size_t n)
{
	if (err->line > 0)
		snprintf(out, n, "%s:%d: %s", path, err->line, err->message);
	else
		snprintf(out, n, "%s: %s", path, err->message);
}

char *tt_cfg_read_file(const char *path, size_t *len, struct tt_error *err)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, got;

	if (!f) {
		set_error(err, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	/* One byte more than allowed, so that "too large" can be told apart. */
	buf = malloc(CONFIG_MAX_BYTES + 2);
	if (!buf) {
		set_error(err, 0, "out of memory");
		goto fail;
	}
	while ((got = fread(buf + n, 1, CONFIG_MAX_BYTES + 1 - n, f)) > 0) {
		n += got;
		if (n > CONFIG_MAX_BYTES) {
			set_error(err, 0, "file too large (more than %d bytes)", CONFIG_MAX_BYTES);
			goto fail;
		}
	}
	if (ferror(f)) {
		set_error(err, 0, "cannot read: %s", strerror(errno));
		goto fail;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;

fail:
	free(buf);
	fclose(f);
	return NULL;
}

bool tt_config_load(const char *path, struct tt_config **out, struct tt_error *err)
{
	size_t len = 0;
	char *text = tt_cfg_read_file(path, &len, err);
	bool ok;

	if (!text)
		return false;
	ok = tt_config_load_buffer(path, text, len, out, err);
	free(text);
	return ok;
}

void tt_config_free(struct tt_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->profile);
	free(cfg->bootstrap);
	free(cfg->tcp_relays);
	free(cfg->permits);
	free(cfg->allow);
	free(cfg->permit_listen);
	free(cfg->tunnels);
	free(cfg->control_socket);
	free(cfg->socks_user);
	free(cfg->socks_pass);
	free(cfg);
}
