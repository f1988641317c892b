/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where things are: which ini files a systemd user unit may run, and paths
 * as the window shows them. HOME and XDG_CONFIG_HOME are the test's own
 * (test_private_home). */
#include "format.h"
#include "paths.h"
#include "testutil.h"

static void test_unit_instance(void)
{
	char *ok = g_build_filename(g_get_user_config_dir(), "toxtun", "office.ini", NULL), *name;
	char *elsewhere = g_build_filename(g_get_tmp_dir(), "office.ini", NULL);
	char *odd = g_build_filename(g_get_user_config_dir(), "toxtun", "my office.ini", NULL);

	/* Only what %E/toxtun/%i.ini names: the unit runs nothing else. */
	name = tray_unit_instance(ok);
	g_assert_cmpstr(name, ==, "office");
	g_free(name);
	g_assert_null(tray_unit_instance(elsewhere));
	g_assert_null(tray_unit_instance(odd));
	g_assert_null(tray_unit_instance("/etc/toxtun/office.ini"));
	g_free(ok);
	g_free(elsewhere);
	g_free(odd);
}

static void test_format_path(void)
{
	char *in_home = g_build_filename(g_get_home_dir(), ".config", "toxtun", "office.ini", NULL);
	char *shown = tray_format_path(in_home), *other;

	g_assert_cmpstr(shown, ==, "~/.config/toxtun/office.ini");
	g_free(shown);
	/* Only the home directory itself, not a name that starts like it. */
	other = g_strconcat(g_get_home_dir(), "x/a.ini", NULL);
	shown = tray_format_path(other);
	g_assert_cmpstr(shown, ==, other);
	g_free(shown);
	shown = tray_format_path("/etc/toxtun/office.ini");
	g_assert_cmpstr(shown, ==, "/etc/toxtun/office.ini");
	g_free(shown);
	g_free(other);
	g_free(in_home);
}

int main(int argc, char **argv)
{
	char *home = test_private_home();
	int rc;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/paths/unit-instance", test_unit_instance);
	g_test_add_func("/paths/format-path", test_format_path);
	rc = g_test_run();
	test_remove_tree(home);
	g_free(home);
	return rc;
}
