/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Adding a line to an ini file: see include/toxtun/ini_edit.h. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"
#include "toxtun/ini_edit.h"
#include "toxtun/ini_lexer.h"

/* Where the new line goes: after the line that ends at `after` (its line
 * break included), with that line's break and indentation; or, without a
 * section, at the end. */
struct spot {
	bool found;          /* the section exists */
	size_t after;        /* offset just past the anchor line (and its break) */
	bool anchor_broken;  /* the anchor line has a line break */
	const char *eol;     /* the anchor's line break, or the file's first one */
	size_t indent_at, indent_len;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Would "key = value" read back as exactly this key and value? */
static bool writable(const char *key, const char *value)
{
	size_t klen = strlen(key), vlen = strlen(value);
	char line[TT_INI_LINE_MAX + 2];
	struct tt_ini_line tok;
	int n;

	if (!klen || strpbrk(key, "\r\n") || strpbrk(value, "\r\n"))
		return false;
	n = snprintf(line, sizeof(line), "%s = %s", key, value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return false;
	tt_ini_lex(line, (size_t)n, false, &tok);
	return tok.kind == TT_INI_PAIR && tok.name_start == 0 && tok.name_end == klen &&
	       tok.value_end - tok.value_start == vlen && tok.value_end == (size_t)n;
}

/* The line's break: "\r\n" when a CR ends it, else "\n". */
static const char *line_break(const char *line, size_t len)
{
	return len && line[len - 1] == '\r' ? "\r\n" : "\n";
}

static void find_spot(const char *text, size_t len, const char *section, struct spot *s)
{
	size_t pos = 0, slen = strlen(section);
	bool in_section = false, first = true;
	const char *first_eol = NULL, *anchor_eol = NULL;

	memset(s, 0, sizeof(*s));
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		struct tt_ini_line tok;
		bool anchor = false;

		tt_ini_lex(line, n, first, &tok);
		if (!first_eol && nl)
			first_eol = line_break(line, n);
		if (tok.kind == TT_INI_SECTION) {
			in_section = tok.name_end - tok.name_start == slen &&
			             !strncasecmp(line + tok.name_start, section, slen);
			if (in_section) {
				s->found = anchor = true;
				s->indent_len = 0;
			}
		} else if (tok.kind == TT_INI_PAIR && in_section) {
			anchor = true;
			s->indent_len = tok.name_start;
		}
		if (anchor) {
			s->after = pos + n + (nl ? 1 : 0);
			s->anchor_broken = nl != NULL;
			anchor_eol = nl ? line_break(line, n) : NULL;
			s->indent_at = pos;
		}
		first = false;
		pos += n + (nl ? 1 : 0);
	}
	if (!s->found) {
		s->after = len;
		s->anchor_broken = len == 0 || text[len - 1] == '\n';
	}
	/* The last line of a file has no break to copy: the file's first one. */
	s->eol = anchor_eol ? anchor_eol : first_eol ? first_eol : "\n";
}

bool tt_ini_add_pair(const char *text, size_t len, const char *section, const char *key,
                     const char *value, char **out, size_t *outlen)
{
	struct spot s;
	size_t cap, n = 0, eol_len;
	char *buf;

#define PUT(p, l)                              \
	do {                                   \
		memcpy(buf + n, (p), (l));     \
		n += (l);                      \
	} while (0)
#define PUTS(str) PUT((str), strlen(str))

	if (!writable(key, value) || !*section || strpbrk(section, "[]\r\n"))
		return false;
	find_spot(text, len, section, &s);
	eol_len = strlen(s.eol);
	cap = len + s.indent_len + strlen(section) + strlen(key) + strlen(value) + 6 * eol_len + 8;
	buf = malloc(cap);
	if (!buf)
		return false;
	PUT(text, s.after);
	if (!s.anchor_broken)
		PUTS(s.eol);
	if (!s.found) {
		if (len)
			PUTS(s.eol); /* a blank line before the new section */
		PUTS("[");
		PUTS(section);
		PUTS("]");
		PUTS(s.eol);
	}
	/* The indentation's blanks only: a byte order mark is none. */
	for (size_t i = 0; i < s.indent_len && is_blank(text[s.indent_at + i]); i++)
		buf[n++] = text[s.indent_at + i];
	PUTS(key);
	PUTS(" = ");
	PUTS(value);
	/* At the end of a text that had no final break, the new line has none. */
	if (s.anchor_broken || s.after < len)
		PUTS(s.eol);
	PUT(text + s.after, len - s.after);
	buf[n] = '\0';
#undef PUT
#undef PUTS
	*out = buf;
	*outlen = n;
	return true;
}

/* ---- the file ---- */

static bool write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		len -= (size_t)w;
	}
	return true;
}

/* Replace target with text: a new file next to it, renamed over it, so that
 * a reader (the daemon reloading, the tray) sees the old file or the new
 * one, never half of one. */
static bool replace_file(const char *target, const char *text, size_t len, char *err, size_t errlen)
{
	char tmp[PATH_MAX + 16], dir[PATH_MAX];
	struct stat st;
	int fd, dfd;

	if (stat(target, &st) < 0) {
		tt_cfg_errf(err, errlen, "%s: %s", target, strerror(errno));
		return false;
	}
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", target);
	fd = mkstemp(tmp);
	if (fd < 0) {
		tt_cfg_errf(err, errlen, "cannot write next to %s: %s", target, strerror(errno));
		return false;
	}
	/* root keeps the owner (a file in /etc/toxtun that a service's user
	 * reads); set-id bits are not handed to anyone else. */
	if (geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0)
		st.st_mode &= ~(mode_t)(S_ISUID | S_ISGID);
	if (fchmod(fd, st.st_mode & 07777) < 0 || !write_all(fd, text, len) || fsync(fd) < 0) {
		tt_cfg_errf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		tt_cfg_errf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, target) < 0) {
		tt_cfg_errf(err, errlen, "cannot replace %s: %s", target, strerror(errno));
		goto fail;
	}
	/* The rename itself must survive a crash too. */
	snprintf(dir, sizeof(dir), "%s", target);
	dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return true;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return false;
}

bool tt_ini_file_add_pair(const char *path, const char *section, const char *key, const char *value,
                          char *err, size_t errlen)
{
	char target[PATH_MAX], *text = NULL, *edited = NULL;
	size_t len = 0, edited_len = 0;
	struct tt_config *cfg = NULL;
	struct tt_error e;
	bool ok = false;

	if (!realpath(path, target)) {
		tt_cfg_errf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	text = tt_cfg_read_file(target, &len, &e);
	if (!text || !tt_config_load_buffer(path, text, len, &cfg, &e)) {
		tt_error_format(&e, path, err, errlen);
		goto out;
	}
	tt_config_free(cfg);
	if (!tt_ini_add_pair(text, len, section, key, value, &edited, &edited_len)) {
		tt_cfg_errf(err, errlen, "cannot add '%s = %s' to [%s]", key, value, section);
		goto out;
	}
	if (!tt_config_load_buffer(path, edited, edited_len, &cfg, &e)) {
		tt_error_format(&e, path, err, errlen);
		goto out;
	}
	tt_config_free(cfg);
	ok = replace_file(target, edited, edited_len, err, errlen);
out:
	free(text);
	free(edited);
	return ok;
}
