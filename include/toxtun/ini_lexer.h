/* One line of an ini file, classified the way `tunnel` reads it.
 *
 * The daemon's loader reads every line through tt_ini_lex, and the tray's
 * line-preserving editor classifies every line with it, so the tray refuses
 * exactly the lines the daemon refuses and splits keys from values where
 * the daemon does. Syntax only: which sections and keys exist is the
 * loader's business (toxtun/config_keys.h).
 *
 * The syntax: blanks (space, tab, CR, VT, FF) around a line do not count. A
 * line is blank, a comment (';' or '#' first), a section header ("[name]",
 * then nothing or a comment) or a pair "key = value": the key ends at the
 * first '=', which must come before any ':' (so that a [client] line without
 * a name, "*:81:host:22:ID", is refused rather than read as key "*"), and the
 * value ends at an inline comment, a ';' right after a blank. Anything else
 * is invalid, and so is a line longer than TT_INI_LINE_MAX (comments aside).
 */
#ifndef TOXTUN_INI_LEXER_H
#define TOXTUN_INI_LEXER_H

#include <stdbool.h>
#include <stddef.h>

/* Characters of a line without its surrounding blanks. 199 is what the
 * daemon has always accepted (inih's default buffer, which read the files
 * before this lexer did); a longer line is pasted junk more often than not. */
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
 * is a blank like any other). first: the file's first line, where a UTF-8
 * byte order mark is skipped. Pure: no state, no allocation. */
void tt_ini_lex(const char *line, size_t len, bool first, struct tt_ini_line *out);

/* Where an inline comment starts in s (a ';' right after a blank), or len
 * when there is none: a value written into a file must not contain one, or
 * it reads back cut short. */
size_t tt_ini_comment_at(const char *s, size_t len);

#endif
