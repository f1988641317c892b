/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Adding a line to an ini file without touching the rest of it.
 *
 * `tunnel allow` and the daemon's allow command add "allow = KEY" to a file
 * a person wrote: its comments, blank lines, order, indentation and line
 * ends must survive byte for byte. The lines are found with the same lexer
 * the loader reads them with (toxtun/ini_lexer.h).
 */
#ifndef TOXTUN_INI_EDIT_H
#define TOXTUN_INI_EDIT_H

#include <stdbool.h>
#include <stddef.h>

/* text (len bytes, need not be NUL-terminated) with "key = value" added to
 * section (matched without regard to ASCII case):
 *   after the last "key = value" line of the section (of its last block when
 *   it is opened more than once), indented like that line;
 *   right after the section's header when it has no such line;
 *   in a new section at the end of the text when there is none.
 * Every other byte stays where it was. The new line ends like the line it
 * follows ("\r\n" or "\n"); at the end of a text without a final line break,
 * it gets none either, and the line before it gets one. *out is malloc'ed
 * and NUL-terminated, *outlen its length without the NUL.
 * False when out of memory, or when the key or value could not be read back
 * as written (a line break, a '=' or ':' in the key, a ';' after a blank in
 * the value, blanks around either): nothing is allocated then. */
bool tt_ini_add_pair(const char *text, size_t len, const char *section, const char *key,
                     const char *value, char **out, size_t *outlen);

/* tt_ini_add_pair on the file at path, which must load before and after
 * (tt_config_load): a file that would not is left untouched and err says
 * why ("PATH:LINE: message"). The new text replaces the file atomically (a
 * temporary file in the same directory, then rename), with the old file's
 * permissions (and owner, for root); a symbolic link is followed, not
 * replaced. False with err set on any failure. */
bool tt_ini_file_add_pair(const char *path, const char *section, const char *key, const char *value,
                          char *err, size_t errlen);

#endif
