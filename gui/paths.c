/* Where things are: see paths.h. */
#include <string.h>
#include <unistd.h>

#include "confedit.h"
#include "paths.h"

#ifndef TOXTUN_ICON_ROOT
#define TOXTUN_ICON_ROOT "/usr/local/share/icons"
#endif

/* The ini's name without directory and extension, as the daemon takes it. */
static char *ini_stem(const char *ini)
{
	char *base = g_path_get_basename(ini);
	char *dot = strrchr(base, '.');

	if (dot && dot != base)
		*dot = '\0';
	return base;
}

char *tray_socket_default(const char *ini, const char *role)
{
	const char *xdg = g_getenv("XDG_RUNTIME_DIR");
	char *stem = ini_stem(ini), *dir, *out;

	if (xdg && xdg[0] == '/')
		dir = g_build_filename(xdg, "toxtun", NULL);
	else if (getuid() == 0)
		dir = g_strdup("/run/toxtun");
	else
		dir = g_strdup_printf("/tmp/toxtun-%ld", (long)getuid());
	out = g_strdup_printf("%s/%s.%s.sock", dir, stem, role);
	g_free(dir);
	g_free(stem);
	return out;
}

char **tray_socket_candidates(const char *ini, const char *role, const char *control_socket)
{
	static const char *const roles[] = { "server", "client", "run" };
	GPtrArray *out = g_ptr_array_new();

	if (control_socket && *control_socket) {
		g_ptr_array_add(out, g_strdup(control_socket));
	} else {
		g_ptr_array_add(out, tray_socket_default(ini, role));
		for (guint i = 0; i < G_N_ELEMENTS(roles); i++) {
			if (strcmp(roles[i], role) != 0)
				g_ptr_array_add(out, tray_socket_default(ini, roles[i]));
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
	char *stem = ini_stem(ini);
	char *name = g_strdup_printf("%s.%s.log", stem, role);
	char *out = g_build_filename(g_get_user_state_dir(), "toxtun", name, NULL);

	g_free(name);
	g_free(stem);
	return out;
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
