/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the ini line lexer (include/toxtun/ini_lexer.h): what each
 * kind of line is, where its key and value are, what an invalid line is told;
 * and that the daemon's loader reads every line exactly as the lexer
 * classifies it (the tray's editor sees the file through the same lexer, so
 * this is what makes the tray refuse exactly what the daemon refuses). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "check.h"
#include "toxtun/config.h"
#include "toxtun/config_keys.h"
#include "toxtun/ini_lexer.h"

#define INI "/etc/toxtun/lexer.ini"

enum { BLANK = TT_INI_BLANK, COMMENT = TT_INI_COMMENT, SECTION = TT_INI_SECTION, PAIR = TT_INI_PAIR,
       INVALID = TT_INI_INVALID };

/* A line and what the lexer must make of it: the name (section or key) and
 * the value, or for an invalid line a phrase of its message. */
static const struct lexed {
	const char *line;
	int kind;
	const char *name, *value;
} lines[] = {
	{ "", BLANK, NULL, NULL },
	{ " \t\r\v\f", BLANK, NULL, NULL },
	{ "; comment", COMMENT, NULL, NULL },
	{ "   # comment = with [things]", COMMENT, NULL, NULL },
	{ "[server]", SECTION, "server", NULL },
	{ "  [ Server ]  ; a comment", SECTION, "Server", NULL },
	{ "[client]# comment", SECTION, "client", NULL },
	{ "[unknown]", SECTION, "unknown", NULL },
	{ "[]", SECTION, "", NULL },
	{ "[server] junk", INVALID, "unexpected text after section header: 'junk'", NULL },
	{ "[server", INVALID, "unterminated section header '[server'", NULL },
	{ "[server ;]", INVALID, "unterminated section header", NULL },
	{ "name = office", PAIR, "name", "office" },
	{ "name=office\r", PAIR, "name", "office" },
	{ "\tname\t=\t spaced   value \t", PAIR, "name", "spaced   value" },
	{ "name =", PAIR, "name", "" },
	{ "name = ; only a comment", PAIR, "name", "" },
	{ "name =;not a comment", PAIR, "name", ";not a comment" },
	{ "name = x;y ; comment", PAIR, "name", "x;y" },
	{ "name = a=b:c", PAIR, "name", "a=b:c" },
	{ "key with blanks = v", PAIR, "key with blanks", "v" },
	{ "t = *:81:[::1]:22:ID", PAIR, "t", "*:81:[::1]:22:ID" },
	/* The '=' must come first: no "key: value", no key made of a tunnel. */
	{ "name: office", INVALID, "expected 'key = value' or '[section]', got 'name: office'", NULL },
	{ "*:81:host:22:ID = x", INVALID, "expected 'key = value'", NULL },
	{ "name ;= x", INVALID, "expected 'key = value'", NULL },
	{ "name;= x", PAIR, "name;", "x" },
	{ "= value", INVALID, "got '= value'", NULL },
	{ "no equals sign here", INVALID, "got 'no equals sign here'", NULL },
};

static void test_lines(void)
{
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const struct lexed *c = &lines[i];
		struct tt_ini_line tok;
		char got[256];

		tt_ini_lex(c->line, strlen(c->line), false, &tok);
		if (!CHECK_EQ_I(tok.kind, c->kind)) {
			fprintf(stderr, "  line '%s'\n", c->line);
			continue;
		}
		if (c->kind == SECTION || c->kind == PAIR) {
			snprintf(got, sizeof(got), "%.*s", (int)(tok.name_end - tok.name_start), c->line + tok.name_start);
			CHECK_STR(got, c->name);
		}
		if (c->kind == PAIR) {
			snprintf(got, sizeof(got), "%.*s", (int)(tok.value_end - tok.value_start),
			         c->line + tok.value_start);
			CHECK_STR(got, c->value);
		}
		if (c->kind == INVALID && !CHECK(strstr(tok.error, c->name) != NULL))
			fprintf(stderr, "  '%s': '%s'\n", c->line, tok.error);
	}
}

/* A byte order mark counts only at the start of the file; a NUL byte is
 * never text; comments may be long, nothing else. */
static void test_edges(void)
{
	struct tt_ini_line tok;
	char line[400];

	tt_ini_lex("\xEF\xBB\xBF[tox]", 8, true, &tok);
	CHECK_EQ_I(tok.kind, SECTION);
	CHECK_EQ_U(tok.name_start, 4);
	tt_ini_lex("\xEF\xBB\xBF[tox]", 8, false, &tok);
	CHECK_EQ_I(tok.kind, INVALID);
	tt_ini_lex("name = a\0b", 10, false, &tok);
	CHECK_EQ_I(tok.kind, INVALID);
	CHECK_STR(tok.error, "NUL byte in line (not a text file?)");

	memset(line, 'x', sizeof(line));
	memcpy(line, "  k = ", 6);
	tt_ini_lex(line, TT_INI_LINE_MAX + 2, false, &tok); /* the indentation does not count */
	CHECK_EQ_I(tok.kind, PAIR);
	tt_ini_lex(line, TT_INI_LINE_MAX + 3, false, &tok);
	CHECK_EQ_I(tok.kind, INVALID);
	CHECK_STR(tok.error, "line too long (200 characters, at most 199)");
	line[2] = '#';
	tt_ini_lex(line, sizeof(line), false, &tok);
	CHECK_EQ_I(tok.kind, COMMENT);

	CHECK_EQ_U(tt_ini_comment_at("a ;b", 4), 2);
	CHECK_EQ_U(tt_ini_comment_at("a\t;b", 4), 2);
	CHECK_EQ_U(tt_ini_comment_at(";a;b", 4), 4);
	CHECK_EQ_U(tt_ini_comment_at("a;b", 3), 3);
}

/* What inih's buffer and reading a line at a time mean: a byte order mark
 * takes 3 of the line's characters, a line break cannot be in a line, and a
 * value longer than inih's buffer still has its comment found anywhere. */
static void test_inih_limits(void)
{
	struct tt_ini_line tok;
	char line[700];

	memset(line, 'x', sizeof(line));
	memcpy(line, "\xEF\xBB\xBFk = ", 7);
	tt_ini_lex(line, 3 + TT_INI_LINE_MAX - 3, true, &tok);
	CHECK_EQ_I(tok.kind, PAIR);
	tt_ini_lex(line, 3 + TT_INI_LINE_MAX - 2, true, &tok);
	CHECK_EQ_I(tok.kind, INVALID);
	CHECK_STR(tok.error, "line too long (197 characters, at most 196)");

	tt_ini_lex("name = a\nb", 10, false, &tok);
	CHECK_EQ_I(tok.kind, INVALID);
	CHECK_STR(tok.error, "line break inside a line");
	CHECK_EQ_U(tt_ini_comment_at("a\n ;b", 5), 5);

	/* " ;" at every place of a long value, across inih's windows. */
	for (size_t at = 1; at < sizeof(line) - 1; at++) {
		memset(line, 'x', sizeof(line));
		line[at - 1] = ' ';
		line[at] = ';';
		if (!CHECK_EQ_U(tt_ini_comment_at(line, sizeof(line)), at))
			break;
		line[at - 1] = 'x';
		if (!CHECK_EQ_U(tt_ini_comment_at(line, sizeof(line)), sizeof(line)))
			break;
	}
}

static bool is_our_section(const char *name, size_t len)
{
	static const char *const ours[] = { TT_SECTION_TOX, TT_SECTION_SERVER, TT_SECTION_CLIENT,
		                            TT_SECTION_CONTROL, TT_SECTION_LINK };

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++) {
		if (strlen(ours[i]) == len && !strncasecmp(name, ours[i], len))
			return true;
	}
	return false;
}

/* Load "[server]\nLINE\n" with the daemon's loader; err as `tunnel` prints it. */
static bool load_line(const char *line, struct tt_config **cfg, char *err, size_t errlen)
{
	struct tt_error e;
	char text[512];

	snprintf(text, sizeof(text), "[server]\n%s\n", line);
	*cfg = NULL;
	if (tt_config_load_buffer(INI, text, strlen(text), cfg, &e))
		return true;
	tt_error_format(&e, INI, err, errlen);
	return false;
}

/* The loader's verdict on every line above, and on those lines made into
 * [server] name lines, is the lexer's: an invalid line fails on its line
 * with the lexer's message, a section header switches sections (ours) or is
 * refused as unknown, and a pair hands the loader the lexer's key and
 * value. */
static void test_loader_agrees(void)
{
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const char *line = lines[i].line;
		struct tt_ini_line tok;
		struct tt_config *cfg;
		char err[1024], expect[512], named[256];
		bool ok;

		tt_ini_lex(line, strlen(line), false, &tok);
		ok = load_line(line, &cfg, err, sizeof(err));
		switch (tok.kind) {
		case TT_INI_BLANK:
		case TT_INI_COMMENT:
			CHECK(ok);
			break;
		case TT_INI_INVALID:
			snprintf(expect, sizeof(expect), INI ":2: %s", tok.error);
			CHECK(!ok && !strcmp(err, expect));
			break;
		case TT_INI_SECTION:
			CHECK(ok == is_our_section(line + tok.name_start, tok.name_end - tok.name_start));
			break;
		case TT_INI_PAIR: {
			int klen = (int)(tok.name_end - tok.name_start);
			const char *key = line + tok.name_start;

			if (klen == 4 && !strncasecmp(key, "name", 4))
				break; /* a value the loader keeps: below */
			/* Any other key is refused in [server], and the message
			 * quotes the key the loader got. */
			if (tok.value_end == tok.value_start)
				snprintf(expect, sizeof(expect), INI ":2: missing value for '%.*s'", klen, key);
			else
				snprintf(expect, sizeof(expect), INI ":2: unknown key '%.*s' in [server]", klen, key);
			if (!CHECK(!ok && !strcmp(err, expect)))
				fprintf(stderr, "  '%s': %s\n", line, ok ? "accepted" : err);
			break;
		}
		}
		tt_config_free(cfg);

		/* The same text as the value of a name line. */
		snprintf(named, sizeof(named), "name = %s", line);
		tt_ini_lex(named, strlen(named), false, &tok);
		/* (Empty names and control characters are refused for
		 * reasons of their own.) */
		if (tok.kind != TT_INI_PAIR || tok.value_end == tok.value_start || strpbrk(named, "\t\r\v\f"))
			continue;
		ok = load_line(named, &cfg, err, sizeof(err));
		snprintf(expect, sizeof(expect), "%.*s", (int)(tok.value_end - tok.value_start), named + tok.value_start);
		if (!CHECK(ok && !strcmp(cfg->name, expect)))
			fprintf(stderr, "  '%s': %s\n", named, ok ? cfg->name : err);
		tt_config_free(cfg);
	}
}

int main(void)
{
	RUN(test_lines);
	RUN(test_edges);
	RUN(test_inih_limits);
	RUN(test_loader_agrees);
	return check_report();
}
