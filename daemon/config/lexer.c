/* The ini line lexer: see include/toxtun/ini_lexer.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_internal.h"
#include "toxtun/ini_lexer.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_inline_comment(const char *s, size_t i, size_t from)
{
	return s[i] == ';' && i > from && is_blank(s[i - 1]);
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

size_t tt_ini_comment_at(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && !is_inline_comment(s, i, 0))
		i++;
	return i;
}

/* Shrink [*start, *end) past blanks on both sides. */
static void trim(const char *s, size_t *start, size_t *end)
{
	while (*start < *end && is_blank(s[*start]))
		(*start)++;
	while (*end > *start && is_blank(s[*end - 1]))
		(*end)--;
}

/* "[name]" then nothing or a comment. An inline comment before the ']'
 * leaves the header unterminated. */
static void lex_section(const char *s, size_t start, size_t end, struct tt_ini_line *out)
{
	size_t close = start + 1, rest;

	while (close < end && s[close] != ']' && !is_inline_comment(s, close, start))
		close++;
	if (close >= end || s[close] != ']') {
		invalid(out, "unterminated section header '%.*s%s'", TT_TOKEN(s + start, end - start));
		return;
	}
	for (rest = close + 1; rest < end && is_blank(s[rest]); rest++)
		;
	if (rest < end && s[rest] != ';' && s[rest] != '#') {
		invalid(out, "unexpected text after section header: '%.*s%s'", TT_TOKEN(s + rest, end - rest));
		return;
	}
	out->kind = TT_INI_SECTION;
	out->name_start = start + 1;
	out->name_end = close;
	trim(s, &out->name_start, &out->name_end);
}

/* "key = value": the '=' must come before any ':' or inline comment. The
 * value's inline comment counts from the first byte after the '=' (so
 * "key =;x" has the value ";x"). */
static void lex_pair(const char *s, size_t start, size_t end, struct tt_ini_line *out)
{
	size_t eq = start;

	while (eq < end && s[eq] != '=' && s[eq] != ':' && !is_inline_comment(s, eq, start))
		eq++;
	if (eq >= end || s[eq] != '=' || eq == start) {
		invalid(out, "expected 'key = value' or '[section]', got '%.*s%s'", TT_TOKEN(s + start, end - start));
		return;
	}
	out->kind = TT_INI_PAIR;
	out->name_start = start;
	out->name_end = eq;
	trim(s, &out->name_start, &out->name_end);
	out->value_start = eq + 1;
	out->value_end = eq + 1 + tt_ini_comment_at(s + eq + 1, end - eq - 1);
	trim(s, &out->value_start, &out->value_end);
}

void tt_ini_lex(const char *line, size_t len, bool first, struct tt_ini_line *out)
{
	size_t start = 0, end = len;

	memset(out, 0, sizeof(*out));
	if (memchr(line, '\0', len)) {
		invalid(out, "NUL byte in line (not a text file?)");
		return;
	}
	if (first && len >= 3 && !memcmp(line, "\xEF\xBB\xBF", 3))
		start = 3; /* UTF-8 byte order mark */
	trim(line, &start, &end);
	if (start == end) {
		out->kind = TT_INI_BLANK;
	} else if (line[start] == ';' || line[start] == '#') {
		out->kind = TT_INI_COMMENT; /* of any length */
	} else if (end - start > TT_INI_LINE_MAX) {
		invalid(out, "line too long (%zu characters, at most %d)", end - start, TT_INI_LINE_MAX);
	} else if (line[start] == '[') {
		lex_section(line, start, end, out);
	} else {
		lex_pair(line, start, end, out);
	}
}
