/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where things are: see paths.h. */
#include <string.h>
#include <sys/un.h>

#include "confedit.h"
#include "paths.h"
#include "toxtun/control_path.h"

#ifndef TOXTUN_ICON_ROOT
#define TOXTUN_ICON_ROOT "/usr/local/share/icons"
#endif

/* The path a daemon for ini and role listens on, by the daemon's own rule;
 * NULL when it does not fit in a unix socket address (nothing can listen
 * there). */
static char *socket_path(const char *ini, const char *control_socket, const char *role)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];

	if (!tt_control_socket_path(ini, control_socket, role, path, sizeof(path)))
		return NULL;
	return g_strdup(path);
}

char **tray_socket_candidates(const char *ini, const char *role, const char *control_socket)
{
	static const char *const roles[] = { "server", "client", "run" };
	GPtrArray *out = g_ptr_array_new();
	char *path;

	if (control_socket && *control_socket) {
		if ((path = socket_path(ini, control_socket, role)))
			g_ptr_array_add(out, path);
	} else {
		if ((path = socket_path(ini, NULL, role)))
			g_ptr_array_add(out, path);
		for (guint i = 0; i < G_N_ELEMENTS(roles); i++) {
			if (strcmp(roles[i], role) != 0 && (path = socket_path(ini, NULL, roles[i])))
				g_ptr_array_add(out, path);
		}
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

const char *tray_infer_role(const char *ini)
{
	ConfEdit *ce = confedit_load(ini, NULL);
	gboolean client = ce && (ce->lists[CE_TUNNELS]->len > 0);

	confedit_free(ce);
	return client ? "client" : "server";
}

char *tray_daemon_log_path(const char *ini, const char *role)
{
	size_t len;
	const char *stem = tt_ini_stem(ini, &len);
	char *name = g_strdup_printf("%.*s.%s.log", (int)len, stem, role);
	char *out = g_build_filename(g_get_user_state_dir(), "toxtun", name, NULL);

	g_free(name);
	return out;
}

char *tray_unit_instance(const char *ini)
{
	size_t len;
	const char *stem = tt_ini_stem(ini, &len);
	char *dir = g_build_filename(g_get_user_config_dir(), "toxtun", NULL);
	char *name = g_strndup(stem, len), *expected = g_strdup_printf("%s/%s.ini", dir, name);
	char *given = g_canonicalize_filename(ini, NULL), *want = g_canonicalize_filename(expected, NULL);
	gboolean ok = len > 0 && strcmp(given, want) == 0;

	/* systemd would escape anything else in the instance, and %i would
	 * then name another file. */
	for (size_t i = 0; ok && i < len; i++)
		ok = g_ascii_isalnum(name[i]) || name[i] == '-' || name[i] == '_';
	g_free(dir);
	g_free(expected);
	g_free(given);
	g_free(want);
	if (!ok)
		g_clear_pointer(&name, g_free);
	return name;
}

char *tray_exe_path(void)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL);

	return exe ? exe : g_find_program_in_path("toxtun-tray");
}

char *tray_exe_dir(void)
{
	char *exe = g_file_read_link("/proc/self/exe", NULL);
	char *dir = exe ? g_path_get_dirname(exe) : g_get_current_dir();

	g_free(exe);
	return dir;
}

char *tray_tunnel_binary(void)
{
	const char *env = g_getenv("TOXTUN_BIN");
	char *dir, *here;

	if (env && *env)
		return g_strdup(env);
	dir = tray_exe_dir();
	here = g_build_filename(dir, "tunnel", NULL);
	g_free(dir);
	if (g_file_test(here, G_FILE_TEST_IS_EXECUTABLE))
		return here;
	g_free(here);
	here = g_find_program_in_path("tunnel");
	return here ? here : g_strdup("tunnel");
}

char *tray_icon_root(void)
{
	const char *env = g_getenv("TOXTUN_TRAY_ICONS");
	char *dir, *built, *probe;

	if (env && *env)
		return g_strdup(env);
	/* The build tree: toxtun-tray sits in the build directory, the
	 * rendered icons in gui/icons below it. */
	dir = tray_exe_dir();
	built = g_build_filename(dir, "gui", "icons", NULL);
	probe = g_build_filename(built, "hicolor", "scalable", "status", "toxtun-connected.svg", NULL);
	g_free(dir);
	if (g_file_test(probe, G_FILE_TEST_EXISTS)) {
		g_free(probe);
		return built;
	}
	g_free(probe);
	g_free(built);
	return g_strdup(TOXTUN_ICON_ROOT);
}
