/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a client's tunnels are for, as the window's overview says it. */
#include <string.h>

#include "testutil.h"
#include "usage.h"

static char *id1;

static void test_usage(void)
{
	char *text = g_strdup_printf("[client]\n"
	                             "ssh = 2222:127.0.0.1:22:%s\n"
	                             "web = socks5:1080:%s\n"
	                             "wiki = *:8080:10.0.0.5:80:%s\n"
	                             "back = reverse:8022:127.0.0.1:22:%s\n",
	                             id1, id1, id1, id1);
	struct tt_config *cfg = NULL;
	struct tt_error e;
	GPtrArray *uses;
	const TrayUse *u;

	g_assert_true(tt_config_load_buffer("/x/c.ini", text, strlen(text), &cfg, &e));
	uses = tray_usage_list(cfg);
	g_assert_cmpuint(uses->len, ==, 4);
	u = g_ptr_array_index(uses, 0);
	g_assert_cmpint(u->kind, ==, TRAY_USE_SSH);
	g_assert_cmpstr(u->copy, ==, "ssh -p 2222 localhost");
	g_assert_cmpuint(u->port, ==, 2222);
	u = g_ptr_array_index(uses, 1);
	g_assert_cmpint(u->kind, ==, TRAY_USE_PROXY);
	g_assert_cmpstr(u->copy, ==, "127.0.0.1:1080");
	g_assert_nonnull(strstr(u->text, "SOCKS5"));
	u = g_ptr_array_index(uses, 2);
	g_assert_cmpint(u->kind, ==, TRAY_USE_FORWARD);
	g_assert_cmpstr(u->copy, ==, "127.0.0.1:8080");
	g_assert_nonnull(strstr(u->text, "10.0.0.5:80"));
	u = g_ptr_array_index(uses, 3);
	g_assert_cmpint(u->kind, ==, TRAY_USE_REVERSE);
	g_ptr_array_unref(uses);
	tt_config_free(cfg);
	g_free(text);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	id1 = test_tox_id(1);
	g_test_add_func("/usage/kinds", test_usage);
	rc = g_test_run();
	g_free(id1);
	return rc;
}
