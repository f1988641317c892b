/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One line of an ini file, classified the way `tunnel` reads it.
 *
 * The daemon's loader reads every line through tt_ini_lex, and the tray's
 * line-preserving editor classifies every line with it, so the tray refuses
 * exactly the lines the daemon refuses and splits keys from values where
 * the daemon does. Syntax only: which sections and keys exist is the
 * loader's business (toxtun/config_keys.h).
 *
 * The verdict is inih's (Debian's libinih, as built: inline comments after a
 * blank, ';' or '#' comment lines, a byte order mark on the first line),
 * asked about the one line: a line is blank, a comment, a section header
 * ("[name]") or a pair "key = value", whose value ends at an inline comment,
 * a ';' right after a blank; whatever inih refuses is invalid. Blanks (what
 * inih strips: isspace) around a line do not count. On top of inih, the
 * loader's own rules, which the tray follows too: a header may be followed
 * by nothing but a comment; the key must be there and end at an '=' (inih
 * would also split "key: value" at the ':', and so take a [client] line
 * without a name, "*:81:host:22:ID", as key "*"); and a line must fit inih's
 * buffer, TT_INI_LINE_MAX characters without its blanks, comments aside.
 * Each line stands alone: an indented line is not the continuation of the
 * value before it, as inih would take it in a whole file.
 */
#ifndef TOXTUN_INI_LEXER_H
#define TOXTUN_INI_LEXER_H

#include <stdbool.h>
#include <stddef.h>

/* Characters of a line without its surrounding blanks: what inih's line
 * buffer (INI_MAX_LINE, 200 bytes with the NUL) holds. On the first line a
 * byte order mark takes 3 of them. A longer line is pasted junk more often
 * than not. */
#define TT_INI_LINE_MAX 199

#define TT_INI_ERROR_MAX 256

enum tt_ini_kind {
	TT_INI_BLANK,
	TT_INI_COMMENT,
	TT_INI_SECTION,
	TT_INI_PAIR,
	TT_INI_INVALID,
};

/* What a line is. Spans are byte offsets into the line as given. */
struct tt_ini_line {
	enum tt_ini_kind kind;
	size_t name_start, name_end;   /* SECTION: its name; PAIR: the key (both
	                                  without surrounding blanks) */
	size_t value_start, value_end; /* PAIR: the value, without surrounding
	                                  blanks or an inline comment; may be empty */
	char error[TT_INI_ERROR_MAX];  /* INVALID: why, one line, e.g. "expected
	                                  'key = value' or '[section]', got 'x'" */
};

/* Classify one physical line of len bytes, without its '\n' (a CR before it
 * is a blank like any other; a '\n' or a NUL byte in it makes it invalid).
 * first: the file's first line, where inih skips a UTF-8 byte order mark.
 * No state, no allocation. */
void tt_ini_lex(const char *line, size_t len, bool first, struct tt_ini_line *out);

/* Where inih would see an inline comment (a ';' right after a blank) in s
 * written as a value, or len when there is none before the end of s or a
 * line break in it: a value written into a file must not contain one, or it
 * reads back cut short. */
size_t tt_ini_comment_at(const char *s, size_t len);

#endif
