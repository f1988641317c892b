/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ini line lexer: see include/toxtun/ini_lexer.h.
 *
 * Each line is handed to inih on its own, and what inih makes of it is the
 * verdict: an error, a key = value pair (inih calls the handler), or nothing
 * to report (a blank line, a comment or a section header). The code here
 * only prepares the line for inih, finds where inih's key and value lie in
 * the line as given, adds the loader's own rules (loader_rules) and words
 * the messages. */
#include <ctype.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"
#include "toxtun/ini_lexer.h"

/* inih reads a line into a buffer of INI_MAX_LINE bytes, the NUL included:
 * a longer line it would silently split into several. Debian's inih keeps
 * the default. */
_Static_assert(TT_INI_LINE_MAX + 1 <= INI_MAX_LINE, "a line the lexer lets through must fit inih's buffer");

static const char BOM[] = "\xEF\xBB\xBF";
#define BOM_LEN (sizeof(BOM) - 1)

/* Blanks are what inih strips: isspace(), as inih calls it. */
static bool is_blank(char c)
{
	return isspace((unsigned char)c);
}

static void invalid(struct tt_ini_line *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void invalid(struct tt_ini_line *out, const char *fmt, ...)
{
	va_list ap;

	out->kind = TT_INI_INVALID;
	va_start(ap, fmt);
	vsnprintf(out->error, sizeof(out->error), fmt, ap);
	va_end(ap);
}

/* ---- asking inih ---- */

/* What inih reported for the one line it was handed. */
struct inih_said {
	int pairs;
	size_t name_len, value_len;
	char name[TT_INI_LINE_MAX + 1], value[TT_INI_LINE_MAX + 1];
};

static int record(void *user, const char *section, const char *name, const char *value)
{
	struct inih_said *said = user;

	(void)section; /* one line has none: a header line calls nothing */
	if (said->pairs++ == 0) {
		said->name_len = strlen(name);
		said->value_len = strlen(value);
		memcpy(said->name, name, said->name_len + 1);
		memcpy(said->value, value, said->value_len + 1);
	}
	return 1;
}

/* Hand inih line[start, start + n) (n <= TT_INI_LINE_MAX - bom) as a file of
 * its own. With bom, the file's byte order mark goes first and the text is
 * inih's first line, where inih skips the mark; otherwise the text is its
 * second line, so that a mark there is text, as it is anywhere else in a
 * file. Returns inih's result: 0, or the number of the line it refused. */
static int ask_inih(const char *line, size_t bom, size_t start, size_t n, struct inih_said *said)
{
	char text[1 + TT_INI_LINE_MAX + 1];
	size_t at = bom ? 0 : 1;

	if (bom)
		memcpy(text, line, bom);
	else
		text[0] = '\n';
	memcpy(text + at + bom, line + start, n);
	text[at + bom + n] = '\0';
	memset(said, 0, sizeof(*said));
	return ini_parse_string(text, record, said);
}

/* ---- the verdict ---- */

/* What inih lets through but the daemon refuses, for reasons of its own:
 * text after a section header other than a comment; a key split at ':'
 * (inih's "key: value", which would take "*:81:host:22:ID", a [client] line
 * without a name, as key "*") or an empty key. end: where the line ends
 * without its trailing blanks. */
static void loader_rules(const char *line, size_t start, size_t end, size_t sep, struct tt_ini_line *out)
{
	if (out->kind == TT_INI_SECTION) {
		size_t rest = out->name_end;

		while (line[rest] != ']')
			rest++;
		for (rest++; rest < end && is_blank(line[rest]); rest++)
			;
		if (rest < end && line[rest] != ';' && line[rest] != '#')
			invalid(out, "unexpected text after section header: '%.*s%s'",
			        TT_TOKEN(line + rest, end - rest));
	} else if (out->kind == TT_INI_PAIR && (line[sep] != '=' || out->name_end == out->name_start)) {
		invalid(out, "expected 'key = value' or '[section]', got '%.*s%s'",
		        TT_TOKEN(line + start, end - start));
	}
}

/* Where inih's key and value lie in line[start, end) (the line without its
 * surrounding blanks): the key from start, then blanks, the separator inih
 * split at (returned), blanks and the value. False if that is not what inih
 * said, which cannot happen. */
static bool locate_pair(const char *line, size_t start, size_t end, const struct inih_said *said,
                        struct tt_ini_line *out, size_t *sep)
{
	size_t i = start + said->name_len;

	if (i >= end || memcmp(line + start, said->name, said->name_len))
		return false;
	out->name_start = start;
	out->name_end = i;
	while (i < end && is_blank(line[i]))
		i++;
	if (i >= end || (line[i] != '=' && line[i] != ':'))
		return false;
	*sep = i++;
	/* (An empty value sits where a comment or the line's end begins.) */
	while (i < end && is_blank(line[i]))
		i++;
	if (end - i < said->value_len || memcmp(line + i, said->value, said->value_len))
		return false;
	out->value_start = i;
	out->value_end = i + said->value_len;
	out->kind = TT_INI_PAIR;
	return true;
}

void tt_ini_lex(const char *line, size_t len, bool first, struct tt_ini_line *out)
{
	struct inih_said said;
	size_t bom, start, end, max, sep = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	/* What inih cannot be handed: it reads C strings, a line at a time. */
	if (memchr(line, '\0', len)) {
		invalid(out, "NUL byte in line (not a text file?)");
		return;
	}
	if (memchr(line, '\n', len)) {
		invalid(out, "line break inside a line");
		return;
	}
	/* inih skips a byte order mark at the very start of the file and
	 * strips blanks; the line's own indentation is not handed over, so
	 * that it does not count against inih's buffer (nor make inih take
	 * the line for the continuation of a value). */
	bom = first && len >= BOM_LEN && !memcmp(line, BOM, BOM_LEN) ? BOM_LEN : 0;
	for (start = bom; start < len && is_blank(line[start]); start++)
		;
	for (end = len; end > start && is_blank(line[end - 1]); end--)
		;
	max = TT_INI_LINE_MAX - bom;
	rc = ask_inih(line, bom, start, end - start > max ? max : end - start, &said);

	if (end - start > max) {
		/* Only a comment may be longer than inih's buffer: inih, handed
		 * its start, must take it as one. */
		if (rc == 0 && !said.pairs && line[start] != '[')
			out->kind = TT_INI_COMMENT;
		else
			invalid(out, "line too long (%zu characters, at most %zu)", end - start, max);
		return;
	}
	if (rc != 0) {
		if (line[start] == '[')
			invalid(out, "unterminated section header '%.*s%s'", TT_TOKEN(line + start, end - start));
		else
			invalid(out, "expected 'key = value' or '[section]', got '%.*s%s'",
			        TT_TOKEN(line + start, end - start));
		return;
	}
	if (said.pairs) {
		if (said.pairs > 1 || !locate_pair(line, start, end, &said, out, &sep))
			invalid(out, "expected 'key = value' or '[section]', got '%.*s%s'",
			        TT_TOKEN(line + start, end - start));
	} else if (start == end) {
		out->kind = TT_INI_BLANK;
	} else if (line[start] == '[') {
		/* A header inih accepted: the name runs to the first ']'. */
		out->kind = TT_INI_SECTION;
		out->name_start = start + 1;
		out->name_end = (size_t)((const char *)memchr(line + start, ']', end - start) - line);
		while (out->name_start < out->name_end && is_blank(line[out->name_start]))
			out->name_start++;
		while (out->name_end > out->name_start && is_blank(line[out->name_end - 1]))
			out->name_end--;
	} else {
		out->kind = TT_INI_COMMENT;
	}
	loader_rules(line, start, end, sep, out);
}

/* inih is asked where a value written after "k=" would end: a long value a
 * window at a time, each window starting on the last byte of the one before
 * (inih sees a ';' as a comment only after a blank, and the blank must be in
 * the window too). */
size_t tt_ini_comment_at(const char *s, size_t len)
{
	enum { WINDOW = TT_INI_LINE_MAX - 2 };
	char line[TT_INI_LINE_MAX + 1] = "k=";
	size_t on_line = 0;

	/* A line break (or a NUL) ends the line: nothing after it is on it. */
	while (on_line < len && s[on_line] != '\n' && s[on_line])
		on_line++;
	for (size_t off = 0; off < on_line; off += WINDOW - 1) {
		size_t n = on_line - off < WINDOW ? on_line - off : WINDOW, i;
		struct tt_ini_line tok;

		memcpy(line + 2, s + off, n);
		tt_ini_lex(line, n + 2, false, &tok);
		if (tok.kind != TT_INI_PAIR)
			break; /* cannot happen: "k=" and no line break */
		/* inih's value ends before blanks and the comment, if any. */
		for (i = tok.value_end; i < n + 2 && is_blank(line[i]); i++)
			;
		if (i < n + 2)
			return off + i - 2;
		if (off + n >= on_line)
			break;
	}
	return len;
}
