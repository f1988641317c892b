/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The config editor's model: see confedit.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <gio/gio.h>

#include "confedit.h"
#include "toxtun/config.h"
#include "toxtun/config_keys.h"
#include "validate.h"

static const char *const list_section[CE_N_LISTS] = {
	[CE_PERMITS] = TT_SECTION_SERVER, [CE_ALLOWS] = TT_SECTION_SERVER,
	[CE_PERMIT_LISTENS] = TT_SECTION_SERVER, [CE_TUNNELS] = TT_SECTION_CLIENT,
};
/* The key of every line of a list; tunnels are keyed by their names. */
static const char *const list_key[CE_N_LISTS] = {
	[CE_PERMITS] = TT_KEY_PERMIT, [CE_ALLOWS] = TT_KEY_ALLOW, [CE_PERMIT_LISTENS] = TT_KEY_PERMIT_LISTEN,
	[CE_TUNNELS] = NULL,
};

static void item_free(gpointer p)
{
	CeItem *it = p;

	g_free(it->key);
	g_free(it->value);
	g_free(it->error);
	g_free(it);
}

static CeItem *item_new(const char *key, const char *value, IniLine *origin)
{
	CeItem *it = g_new0(CeItem, 1);

	it->key = g_strdup(key);
	it->value = g_strdup(value);
	it->origin = origin;
	return it;
}

ConfEdit *confedit_new(const char *path, const char *text, gsize len)
{
	ConfEdit *ce = g_new0(ConfEdit, 1);

	ce->path = g_strdup(path);
	ce->original = g_strndup(text, len);
	ce->original_len = len;
	ce->doc = ini_doc_new(text, len);
	for (int i = 0; i < CE_N_LISTS; i++)
		ce->lists[i] = g_ptr_array_new_with_free_func(item_free);

	ce->name_origin = ini_doc_find(ce->doc, TT_SECTION_SERVER, TT_KEY_NAME, 0);
	ce->server_name = ce->name_origin ? ini_line_value(ce->name_origin) : NULL;
	for (guint i = 0; i < ini_doc_n_lines(ce->doc); i++) {
		IniLine *l = ini_doc_line(ce->doc, i);
		const char *sec = ini_line_section(l);
		char *key, *value;

		if (ini_line_kind(l) != INI_LINE_PAIR)
			continue;
		key = ini_line_key(l);
		value = ini_line_value(l);
		if (!g_ascii_strcasecmp(sec, TT_SECTION_CLIENT) && !tt_client_key_is_setting(key)) {
			g_ptr_array_add(ce->lists[CE_TUNNELS], item_new(key, value, l));
		} else {
			for (int k = 0; k < CE_N_LISTS; k++) {
				if (list_key[k] && !g_ascii_strcasecmp(sec, list_section[k]) &&
				    !g_ascii_strcasecmp(key, list_key[k]))
					g_ptr_array_add(ce->lists[k], item_new(list_key[k], value, l));
			}
		}
		g_free(key);
		g_free(value);
	}
	return ce;
}

ConfEdit *confedit_load(const char *path, GError **error)
{
	GError *e = NULL;
	char *text = NULL;
	gsize len = 0;
	ConfEdit *ce;

	if (!g_file_get_contents(path, &text, &len, &e)) {
		if (!g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_propagate_error(error, e);
			return NULL;
		}
		g_clear_error(&e);
	}
	ce = confedit_new(path, text ? text : "", len);
	g_free(text);
	return ce;
}

void confedit_free(ConfEdit *ce)
{
	if (!ce)
		return;
	for (int i = 0; i < CE_N_LISTS; i++)
		g_ptr_array_unref(ce->lists[i]);
	ini_doc_free(ce->doc);
	g_free(ce->path);
	g_free(ce->original);
	g_free(ce->server_name);
	g_free(ce->name_error);
	g_free(ce->file_error);
	g_free(ce);
}

CeItem *confedit_append(ConfEdit *ce, CeList list, const char *key, const char *value)
{
	CeItem *it = item_new(list_key[list] ? list_key[list] : key, value, NULL);

	g_ptr_array_add(ce->lists[list], it);
	return it;
}

void confedit_remove(ConfEdit *ce, CeList list, guint index)
{
	if (index < ce->lists[list]->len)
		g_ptr_array_remove_index(ce->lists[list], index);
}

void confedit_item_set(CeItem *item, const char *key, const char *value)
{
	if (key) {
		g_free(item->key);
		item->key = g_strdup(key);
	}
	if (value) {
		g_free(item->value);
		item->value = g_strdup(value);
	}
}

void confedit_set_name(ConfEdit *ce, const char *name)
{
	g_free(ce->server_name);
	ce->server_name = name && *name ? g_strdup(name) : NULL;
}

/* Did item change against its line? */
static gboolean item_changed(const CeItem *it, gboolean *key_changed)
{
	char *k = ini_line_key(it->origin), *v = ini_line_value(it->origin);
	gboolean kc = strcmp(k, it->key) != 0, vc = strcmp(v, it->value) != 0;

	g_free(k);
	g_free(v);
	if (key_changed)
		*key_changed = kc;
	return kc || vc;
}

gboolean confedit_changed(const ConfEdit *ce)
{
	char *name = ce->name_origin ? ini_line_value(ce->name_origin) : NULL;
	gboolean changed = g_strcmp0(name && *name ? name : NULL, ce->server_name) != 0;
	guint originals = 0;

	g_free(name);
	for (int l = 0; l < CE_N_LISTS && !changed; l++) {
		for (guint i = 0; i < ce->lists[l]->len && !changed; i++) {
			const CeItem *it = g_ptr_array_index(ce->lists[l], i);

			changed = !it->origin || item_changed(it, NULL);
			originals += it->origin != NULL;
		}
	}
	if (!changed) {
		/* Same items, same values: was one removed? */
		ConfEdit *fresh = confedit_new(ce->path, ce->original, ce->original_len);
		guint n = 0;

		for (int l = 0; l < CE_N_LISTS; l++)
			n += fresh->lists[l]->len;
		confedit_free(fresh);
		changed = n != originals;
	}
	return changed;
}

static void clear_errors(ConfEdit *ce)
{
	g_clear_pointer(&ce->name_error, g_free);
	g_clear_pointer(&ce->file_error, g_free);
	for (int l = 0; l < CE_N_LISTS; l++) {
		for (guint i = 0; i < ce->lists[l]->len; i++) {
			CeItem *it = g_ptr_array_index(ce->lists[l], i);

			g_clear_pointer(&it->error, g_free);
		}
	}
}

/* Check each item on its own, with the daemon's single-value parsers. */
static gboolean check_items(ConfEdit *ce)
{
	gboolean ok = TRUE;
	char *err = NULL;

	if (ce->server_name && !tray_validate_plain(ce->server_name, &err)) {
		ce->name_error = err;
		err = NULL;
		ok = FALSE;
	}
	for (int l = 0; l < CE_N_LISTS; l++) {
		for (guint i = 0; i < ce->lists[l]->len; i++) {
			CeItem *it = g_ptr_array_index(ce->lists[l], i);
			gboolean good;

			if (l == CE_PERMITS) {
				good = tray_validate_permit(it->value, &err);
			} else if (l == CE_PERMIT_LISTENS) {
				good = tray_validate_permit_listen(it->value, &err);
			} else if (l == CE_ALLOWS) {
				good = tray_validate_allow(it->value, &err);
			} else {
				char **f = tray_validate_plain(it->key, &err) && tray_validate_plain(it->value, &err)
				                   ? tray_tunnel_split(it->key, it->value, &err)
				                   : NULL;

				good = f != NULL;
				g_strfreev(f);
			}
			if (!good) {
				it->error = err;
				err = NULL;
				ok = FALSE;
			}
		}
	}
	return ok;
}

/* Does the loaded configuration hold what the editor meant to write? */
static gboolean same_as_meant(const ConfEdit *ce, const struct tt_config *cfg)
{
	if (cfg->n_permits != ce->lists[CE_PERMITS]->len || cfg->n_allow != ce->lists[CE_ALLOWS]->len ||
	    cfg->n_permit_listen != ce->lists[CE_PERMIT_LISTENS]->len || cfg->n_tunnels != ce->lists[CE_TUNNELS]->len)
		return FALSE;
	if (ce->server_name && strcmp(cfg->name, ce->server_name) != 0)
		return FALSE;
	for (guint i = 0; i < cfg->n_tunnels; i++) {
		const CeItem *it = g_ptr_array_index(ce->lists[CE_TUNNELS], i);

		if (strcmp(cfg->tunnels[i].name, it->key) != 0)
			return FALSE;
	}
	return TRUE;
}

char *confedit_render(ConfEdit *ce, gsize *len)
{
	IniDoc *doc;
	GHashTable *kept;
	GPtrArray *lines[CE_N_LISTS];
	IniLine *name_line = NULL;
	struct tt_config *cfg = NULL;
	struct tt_error error;
	char *text;
	gsize n;

	clear_errors(ce);
	if (!check_items(ce))
		return NULL;

	/* The copy has the same lines at the same indices: map the items onto
	 * it before anything moves. */
	doc = ini_doc_copy(ce->doc);
	kept = g_hash_table_new(NULL, NULL);
	for (int l = 0; l < CE_N_LISTS; l++) {
		lines[l] = g_ptr_array_new();
		for (guint i = 0; i < ce->lists[l]->len; i++) {
			const CeItem *it = g_ptr_array_index(ce->lists[l], i);
			IniLine *line = it->origin ? ini_doc_line(doc, (guint)ini_doc_line_index(ce->doc, it->origin)) : NULL;

			g_ptr_array_add(lines[l], line);
			if (line)
				g_hash_table_add(kept, line);
		}
	}
	if (ce->name_origin)
		name_line = ini_doc_line(doc, (guint)ini_doc_line_index(ce->doc, ce->name_origin));

	/* 1. Changed items, in place. */
	for (int l = 0; l < CE_N_LISTS; l++) {
		for (guint i = 0; i < ce->lists[l]->len; i++) {
			const CeItem *it = g_ptr_array_index(ce->lists[l], i);
			gboolean key_changed;

			if (it->origin && item_changed(it, &key_changed))
				ini_line_set(doc, lines[l]->pdata[i], key_changed ? it->key : NULL, it->value);
		}
	}
	if (name_line && ce->server_name) {
		char *old = ini_line_value(name_line);

		if (strcmp(old, ce->server_name) != 0)
			ini_line_set(doc, name_line, NULL, ce->server_name);
		g_free(old);
	}

	/* 2. Removed items: every item line of the original that no item keeps. */
	{
		ConfEdit *fresh = confedit_new(ce->path, ce->original, ce->original_len);
		GPtrArray *gone = g_ptr_array_new();

		/* Collect first: removing shifts the indices used for mapping. */
		for (int l = 0; l < CE_N_LISTS; l++) {
			for (guint i = 0; i < fresh->lists[l]->len; i++) {
				const CeItem *it = g_ptr_array_index(fresh->lists[l], i);
				IniLine *line = ini_doc_line(doc, (guint)ini_doc_line_index(fresh->doc, it->origin));

				if (!g_hash_table_contains(kept, line))
					g_ptr_array_add(gone, line);
			}
		}
		for (guint i = 0; i < gone->len; i++)
			ini_doc_remove(doc, gone->pdata[i]);
		g_ptr_array_unref(gone);
		confedit_free(fresh);
	}
	if (name_line && !ce->server_name) {
		ini_doc_remove(doc, name_line);
		name_line = NULL;
	}

	/* 3. New items, in list order, after their kind's last line. */
	if (!name_line && ce->server_name)
		name_line = ini_doc_insert(doc, TT_SECTION_SERVER, TT_KEY_NAME, ce->server_name);
	for (int l = 0; l < CE_N_LISTS; l++) {
		for (guint i = 0; i < ce->lists[l]->len; i++) {
			const CeItem *it = g_ptr_array_index(ce->lists[l], i);

			if (!it->origin)
				lines[l]->pdata[i] = ini_doc_insert(doc, list_section[l], it->key, it->value);
		}
	}
	text = ini_doc_serialize(doc, &n);

	/* 4. The daemon's verdict on the whole file. */
	if (!tt_config_load_buffer(ce->path, text, n, &cfg, &error)) {
		const char *msg = error.message;
		int line = error.line;
		gboolean placed = FALSE;

		if (line > 0 && name_line && ini_doc_line_index(doc, name_line) + 1 == line) {
			ce->name_error = g_strdup(msg);
			placed = TRUE;
		}
		for (int l = 0; l < CE_N_LISTS && line > 0 && !placed; l++) {
			for (guint i = 0; i < ce->lists[l]->len && !placed; i++) {
				CeItem *it = g_ptr_array_index(ce->lists[l], i);

				if (ini_doc_line_index(doc, lines[l]->pdata[i]) + 1 == line) {
					it->error = g_strdup(msg);
					placed = TRUE;
				}
			}
		}
		if (!placed) {
			char whole[4096 + TT_ERROR_MAX];

			tt_error_format(&error, ce->path, whole, sizeof(whole));
			ce->file_error = g_strdup(whole);
		}
		g_clear_pointer(&text, g_free);
	} else if (!same_as_meant(ce, cfg)) {
		ce->file_error = g_strdup("the file would not read back as edited (check for stray text in it)");
		g_clear_pointer(&text, g_free);
	}
	if (cfg)
		tt_config_free(cfg);
	for (int l = 0; l < CE_N_LISTS; l++)
		g_ptr_array_unref(lines[l]);
	g_hash_table_unref(kept);
	ini_doc_free(doc);
	if (text && len)
		*len = n;
	return text;
}

gboolean confedit_save(ConfEdit *ce, GError **error)
{
	char *real = realpath(ce->path, NULL);
	const char *target = real ? real : ce->path;
	char *now = NULL, *text;
	gsize now_len = 0, len = 0;
	struct stat st;
	int mode = 0600;
	gboolean ok;

	text = confedit_render(ce, &len);
	if (!text) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s",
		            ce->file_error ? ce->file_error : "some values are not valid");
		free(real);
		return FALSE;
	}
	if (g_file_get_contents(target, &now, &now_len, NULL)) {
		if (now_len != ce->original_len || memcmp(now, ce->original, now_len) != 0) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG,
			            "%s was changed by someone else since it was opened: reopen it first", ce->path);
			g_free(now);
			g_free(text);
			free(real);
			return FALSE;
		}
		g_free(now);
	} else if (ce->original_len) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s has disappeared", ce->path);
		g_free(text);
		free(real);
		return FALSE;
	}
	if (stat(target, &st) == 0)
		mode = (int)(st.st_mode & 07777);
	ok = g_file_set_contents_full(target, text, (gssize)len,
	                              G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_ONLY_EXISTING, mode,
	                              error);
	if (ok) {
		/* What is on disk now is the new original. */
		ConfEdit *fresh = confedit_new(ce->path, text, len);
		ConfEdit tmp = *ce;

		*ce = *fresh;
		*fresh = tmp;
		confedit_free(fresh);
	}
	g_free(text);
	free(real);
	return ok;
}
