/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A line-preserving ini document for the config editor.
 *
 * GKeyFile and friends rewrite a whole file (and reject ';' comments); the
 * editor must instead keep everything the user wrote — comments, blank lines,
 * odd spacing, key order, unknown lines, CRLF line ends, a byte order mark —
 * byte for byte, and touch only the lines whose values change.
 *
 * The document is a list of lines, each kept as written plus where its key and
 * value are. Lines are classified by the lexer the daemon reads the file with
 * (toxtun/ini_lexer.h), so a line the daemon refuses is INVALID here too, and
 * a key and value are where the daemon finds them. Section and key lookups
 * ignore ASCII case, as the daemon does for sections and for the keys of
 * [tox], [server], [control] and [link].
 *
 * Lines are addressed by index (0-based) or by handle (IniLine *), which stays
 * valid while other lines are inserted or removed.
 */
#ifndef TOXTUN_GUI_INIWRITER_H
#define TOXTUN_GUI_INIWRITER_H

#include <glib.h>

typedef enum {
	INI_LINE_BLANK,
	INI_LINE_COMMENT,
	INI_LINE_SECTION,
	INI_LINE_PAIR,
	INI_LINE_INVALID, /* refused by the daemon (ini_line_error says why): kept,
	                     never interpreted */
} IniLineKind;

typedef struct IniDoc IniDoc;
typedef struct IniLine IniLine;

/* Never fails: any bytes are a document (lines the daemon refuses are
 * INVALID). */
IniDoc *ini_doc_new(const char *text, gsize len);
IniDoc *ini_doc_copy(const IniDoc *doc);
void ini_doc_free(IniDoc *doc);

/* The document as bytes: exactly the input when nothing was changed.
 * NUL-terminated; *len (if given) excludes the NUL. */
char *ini_doc_serialize(const IniDoc *doc, gsize *len);

guint ini_doc_n_lines(const IniDoc *doc);
IniLine *ini_doc_line(const IniDoc *doc, guint index);
/* -1 when the line is not (or no longer) in the document. */
int ini_doc_line_index(const IniDoc *doc, const IniLine *line);

IniLineKind ini_line_kind(const IniLine *line);
/* The section the line is in ("" before the first header); for a header line,
 * its own name. */
const char *ini_line_section(const IniLine *line);
/* Newly allocated key and value of a PAIR line, as the daemon reads them. */
char *ini_line_key(const IniLine *line);
char *ini_line_value(const IniLine *line);
/* The whole line as written, without its line end. */
const char *ini_line_text(const IniLine *line);
/* Why the daemon refuses an INVALID line (its own message), else NULL. */
const char *ini_line_error(const IniLine *line);

/* The nth (0-based) PAIR line of key in section, or NULL. */
IniLine *ini_doc_find(const IniDoc *doc, const char *section, const char *key, guint nth);
/* The value of the first such line, or NULL. Newly allocated. */
char *ini_doc_get(const IniDoc *doc, const char *section, const char *key);
/* Every value of key in section, in file order (a NULL-terminated vector). */
char **ini_doc_get_all(const IniDoc *doc, const char *section, const char *key);
gboolean ini_doc_has_section(const IniDoc *doc, const char *section);

/* Rewrite a PAIR line in place: key (when not NULL) and value replace only
 * their own bytes; indentation, the spacing around '=', an inline comment and
 * the line end stay. */
void ini_line_set(IniDoc *doc, IniLine *line, const char *key, const char *value);

/* Remove a line; the handle is freed. */
void ini_doc_remove(IniDoc *doc, IniLine *line);

/* Insert "key = value" into section: after the section's last key line (or
 * right after its header when it has none); a missing section is appended at
 * the end, after a blank line. The spacing around '=' follows the nearest
 * key line of the file, the line end the file's first one. */
IniLine *ini_doc_insert(IniDoc *doc, const char *section, const char *key, const char *value);

/* Set the first key in section, or insert it. */
IniLine *ini_doc_set(IniDoc *doc, const char *section, const char *key, const char *value);

#endif
