/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The config editor's model: what the editor shows of an ini file (the
 * server's name, permit, allow and permit_listen lists, the client tunnels), and how the
 * edits are written back.
 *
 * Each item remembers the line it came from. Saving rewrites only the lines
 * of changed items, removes the lines of removed ones and inserts new ones
 * (iniwriter.h); every other byte of the file stays. The result is validated
 * by the daemon's own loader (tt_config_load_buffer) before anything is
 * written, and its errors are attached to the item on the line they name.
 *
 * GLib only (no GTK), so that it is unit-tested directly.
 */
#ifndef TOXTUN_GUI_CONFEDIT_H
#define TOXTUN_GUI_CONFEDIT_H

#include <glib.h>

#include "iniwriter.h"

typedef enum { CE_PERMITS, CE_ALLOWS, CE_PERMIT_LISTENS, CE_TUNNELS, CE_N_LISTS } CeList;

typedef struct {
	char *key;        /* the tunnel's name; "permit" / "allow" / "permit_listen" for
	                     the others */
	char *value;
	IniLine *origin;  /* its line in the loaded document, NULL when new */
	char *error;      /* set by confedit_render() */
} CeItem;

typedef struct {
	char *path;
	char *original;   /* the file's bytes when loaded */
	gsize original_len;
	IniDoc *doc;      /* parsed from original; never modified */

	char *server_name;   /* NULL or "": no name line */
	IniLine *name_origin;
	char *name_error;

	GPtrArray *lists[CE_N_LISTS]; /* of CeItem * */
	char *file_error; /* an error not tied to an item */
} ConfEdit;

ConfEdit *confedit_new(const char *path, const char *text, gsize len);
/* Reads the file (a missing file is an empty document). */
ConfEdit *confedit_load(const char *path, GError **error);
void confedit_free(ConfEdit *ce);

CeItem *confedit_append(ConfEdit *ce, CeList list, const char *key, const char *value);
void confedit_remove(ConfEdit *ce, CeList list, guint index);
void confedit_item_set(CeItem *item, const char *key, const char *value);
void confedit_set_name(ConfEdit *ce, const char *name);
/* Has anything changed against the loaded file? */
gboolean confedit_changed(const ConfEdit *ce);

/* The new file text, validated as the daemon validates it. NULL when
 * invalid: then the items' error fields (and name_error / file_error) say
 * why. The errors of the previous call are cleared first. */
char *confedit_render(ConfEdit *ce, gsize *len);

/* Render and write the file, keeping its permissions (atomic replace; a
 * symbolic link is followed). Fails when the file changed on disk since it
 * was loaded, or on any error of confedit_render. After a successful save
 * the model is the written file: every item is new (old CeItem pointers are
 * invalid). */
gboolean confedit_save(ConfEdit *ce, GError **error);

#endif
