/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The autostart entry: see autostart.h. */
#include <errno.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "autostart.h"

#define GROUP "Desktop Entry"

char *tray_autostart_path(void)
{
	return g_build_filename(g_get_user_config_dir(), "autostart", "toxtun-tray.desktop", NULL);
}

/* Exec= by the Desktop Entry Specification: a path with reserved characters
 * is quoted, and inside quotes ", `, $ and \ are escaped; the key file
 * escaping of \ (as \\) comes on top. */
static char *exec_value(const char *exe)
{
	static const char reserved[] = " \t\n\"'\\><~|&;$*?#()`";
	GString *s;

	if (!strpbrk(exe, reserved))
		return g_strdup(exe);
	s = g_string_new("\"");
	for (const char *p = exe; *p; p++) {
		if (strchr("\"`$\\", *p))
			g_string_append(s, *p == '\\' ? "\\\\\\" : "\\\\");
		g_string_append_c(s, *p);
	}
	g_string_append_c(s, '"');
	return g_string_free(s, FALSE);
}

char *tray_autostart_text(const char *exe)
{
	char *exec = exec_value(exe);
	char *text = g_strdup_printf("[" GROUP "]\n"
	                             "Type=Application\n"
	                             "Name=toxtun tray\n"
	                             "Comment=The toxtun tray icon: tunnel state, start and stop, statistics\n"
	                             "Exec=%s\n"
	                             "Icon=toxtun\n"
	                             "Terminal=false\n"
	                             "NoDisplay=true\n"
	                             "X-GNOME-Autostart-enabled=true\n",
	                             exec);

	g_free(exec);
	return text;
}

gboolean tray_autostart_enabled(void)
{
	char *path = tray_autostart_path();
	GKeyFile *kf = g_key_file_new();
	gboolean on = FALSE;

	if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)) {
		GError *e = NULL;
		gboolean enabled = g_key_file_get_boolean(kf, GROUP, "X-GNOME-Autostart-enabled", &e);

		/* An absent key is no objection. */
		if (e) {
			enabled = TRUE;
			g_clear_error(&e);
		}
		on = enabled && !g_key_file_get_boolean(kf, GROUP, "Hidden", NULL);
	}
	g_key_file_unref(kf);
	g_free(path);
	return on;
}

gboolean tray_autostart_set(gboolean on, const char *exe, GError **error)
{
	char *path = tray_autostart_path(), *dir = g_path_get_dirname(path), *text;
	gboolean ok = TRUE;

	if (!on) {
		if (g_unlink(path) < 0 && errno != ENOENT) {
			int e = errno;

			g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot remove %s: %s", path,
			            g_strerror(e));
			ok = FALSE;
		}
	} else if (g_mkdir_with_parents(dir, 0700) < 0) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e), "cannot make %s: %s", dir, g_strerror(e));
		ok = FALSE;
	} else {
		text = tray_autostart_text(exe);
		ok = g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
		g_free(text);
	}
	g_free(dir);
	g_free(path);
	return ok;
}
