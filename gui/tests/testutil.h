/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the tray's unit tests. */
#ifndef TOXTUN_GUI_TESTUTIL_H
#define TOXTUN_GUI_TESTUTIL_H

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "toxtun/config.h"

/* A valid Tox ID (76 hex digits, correct checksum) made from a seed. */
static inline char *test_tox_id(guint8 seed)
{
	uint8_t id[TT_TOX_ID_SIZE];
	char hex[2 * TT_TOX_ID_SIZE + 1];

	for (int i = 0; i < 36; i++)
		id[i] = (uint8_t)(seed * 31 + i * 7);
	id[36] = id[37] = 0;
	for (int i = 0; i < 36; i++)
		id[36 + i % 2] ^= id[i];
	tt_toxid_format(id, hex);
	return g_strdup(hex);
}

/* Lines of a that are not in b at the same place, counted after aligning
 * the common head and tail: how many lines an edit touched. */
static inline guint test_changed_lines(const char *a, const char *b)
{
	char **la = g_strsplit(a, "\n", -1), **lb = g_strsplit(b, "\n", -1);
	guint na = g_strv_length(la), nb = g_strv_length(lb), head = 0, tail = 0, n;

	while (head < na && head < nb && strcmp(la[head], lb[head]) == 0)
		head++;
	while (tail < na - head && tail < nb - head && strcmp(la[na - 1 - tail], lb[nb - 1 - tail]) == 0)
		tail++;
	n = MAX(na - head - tail, nb - head - tail);
	g_strfreev(la);
	g_strfreev(lb);
	return n;
}

/* A home of the test's own: HOME and the XDG directories in a new
 * temporary directory, so that nothing of the user's is read or written.
 * Call before anything asks GLib for them (it keeps the first answer).
 * (GTest's G_TEST_OPTION_ISOLATE_DIRS does the same per test, but GLib 2.74
 * leaks the strings it sets, which LeakSanitizer reports.) */
static inline char *test_private_home(void)
{
	static const char *const vars[][2] = {
		{ "HOME", "home" }, { "XDG_CONFIG_HOME", "config" }, { "XDG_CACHE_HOME", "cache" },
		{ "XDG_STATE_HOME", "state" }, { "XDG_DATA_HOME", "data" }, { "XDG_RUNTIME_DIR", "runtime" },
	};
	char *root = g_dir_make_tmp("toxtun-gui-test-XXXXXX", NULL);

	g_assert_nonnull(root);
	for (gsize i = 0; i < G_N_ELEMENTS(vars); i++) {
		char *dir = g_build_filename(root, vars[i][1], NULL);

		g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
		g_setenv(vars[i][0], dir, TRUE);
		g_free(dir);
	}
	return root;
}

/* Remove a directory tree made by a test (no symbolic links followed). */
static inline void test_remove_tree(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		char *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			test_remove_tree(child);
		else
			g_unlink(child);
		g_free(child);
	}
	if (dir)
		g_dir_close(dir);
	g_rmdir(path);
}

#endif
