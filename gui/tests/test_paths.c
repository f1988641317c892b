/* Where things are: which ini files a systemd user unit may run. Run with
 * G_TEST_OPTION_ISOLATE_DIRS: XDG_CONFIG_HOME is the test's own. */
#include <glib.h>

#include "paths.h"

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

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	g_test_add_func("/paths/unit-instance", test_unit_instance);
	return g_test_run();
}
