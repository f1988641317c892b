/* Validation shared with the daemon: the tray accepts exactly what
 * `tunnel` accepts, and blames the right field. */
#include <string.h>

#include "testutil.h"
#include "validate.h"

static char *id1;

static void fields_free(char *errors[TF_COUNT])
{
	for (int i = 0; i < TF_COUNT; i++)
		g_free(errors[i]);
}

static void test_good(void)
{
	const char *f[TF_COUNT] = { "ssh", "", "2222", "127.0.0.1", "22", id1, "" };
	const char *f6[TF_COUNT] = { "v6", "::1", "2222", "fd00::5", "22", id1, "" };
	const char *fs[TF_COUNT] = { "web", "*", "1080", "ignored", "", id1, TT_KIND_SOCKS };
	char *errors[TF_COUNT], *whole, *value, *expect;

	g_assert_true(tt_tunnel_validate(f, errors, &whole, &value));
	expect = g_strdup_printf("2222:127.0.0.1:22:%s", id1);
	g_assert_cmpstr(value, ==, expect);
	g_free(expect);
	g_free(value);

	/* IPv6 literals get their brackets. */
	g_assert_true(tt_tunnel_validate(f6, errors, &whole, &value));
	expect = g_strdup_printf("[::1]:2222:[fd00::5]:22:%s", id1);
	g_assert_cmpstr(value, ==, expect);
	g_free(expect);
	g_free(value);

	/* A SOCKS5 / HTTP proxy line: no destination. */
	g_assert_true(tt_tunnel_validate(fs, errors, &whole, &value));
	expect = g_strdup_printf("socks5:*:1080:%s", id1);
	g_assert_cmpstr(value, ==, expect);
	g_free(expect);
	g_free(value);
}

/* Each bad field is blamed alone, with the daemon's own message. */
static void test_blame(void)
{
	struct {
		TtTunnelField field;
		const char *value;
	} cases[] = {
		{ TF_NAME, "bad name" },   { TF_LISTEN_HOST, "example.com" }, { TF_LISTEN_PORT, "0" },
		{ TF_LISTEN_PORT, "http" }, { TF_REMOTE_HOST, "bad_host!" },   { TF_REMOTE_PORT, "65536" },
		{ TF_SERVER_ID, "1234" },
	};

	for (guint c = 0; c < G_N_ELEMENTS(cases); c++) {
		const char *f[TF_COUNT] = { "ssh", "", "2222", "127.0.0.1", "22", id1, "" };
		char *errors[TF_COUNT], *whole, *value;

		f[cases[c].field] = cases[c].value;
		g_assert_false(tt_tunnel_validate(f, errors, &whole, &value));
		g_assert_null(value);
		g_assert_null(whole);
		for (int i = 0; i < TF_COUNT; i++) {
			if (i == (int)cases[c].field)
				g_assert_nonnull(errors[i]);
			else
				g_assert_null(errors[i]);
		}
		fields_free(errors);
	}
}

static void test_checksum_message(void)
{
	char *bad = g_strdup(id1), *errors[TF_COUNT], *whole, *value;
	const char *f[TF_COUNT] = { "ssh", "", "2222", "127.0.0.1", "22", bad, "" };
	struct tt_client_tunnel t;
	char daemon_err[512], *line;

	/* A typo in the last digit: the checksum catches it. */
	bad[75] = bad[75] == '0' ? '1' : '0';
	g_assert_false(tt_tunnel_validate(f, errors, &whole, &value));
	g_assert_nonnull(strstr(errors[TF_SERVER_ID], "checksum"));
	/* The very message `tunnel` prints. */
	line = g_strdup_printf("2222:127.0.0.1:22:%s", bad);
	g_assert_false(tt_parse_client_line("ssh", line, &t, daemon_err, sizeof(daemon_err)));
	g_assert_cmpstr(errors[TF_SERVER_ID], ==, daemon_err);
	g_free(line);
	fields_free(errors);
	g_free(bad);
}

static void test_split(void)
{
	char *err = NULL, *line = g_strdup_printf("*:8080:10.0.0.5:80:%s", id1);
	char **f = tt_tunnel_split("wiki", line, &err);

	g_assert_nonnull(f);
	g_assert_cmpstr(f[TF_NAME], ==, "wiki");
	g_assert_cmpstr(f[TF_LISTEN_HOST], ==, "*");
	g_assert_cmpstr(f[TF_LISTEN_PORT], ==, "8080");
	g_assert_cmpstr(f[TF_REMOTE_HOST], ==, "10.0.0.5");
	g_assert_cmpstr(f[TF_REMOTE_PORT], ==, "80");
	g_assert_cmpstr(f[TF_SERVER_ID], ==, id1);
	g_strfreev(f);
	g_free(line);

	/* Without a listen address the field stays empty (not "127.0.0.1"). */
	line = g_strdup_printf("2222:[::1]:22:%s", id1);
	f = tt_tunnel_split("ssh", line, &err);
	g_assert_cmpstr(f[TF_LISTEN_HOST], ==, "");
	g_assert_cmpstr(f[TF_REMOTE_HOST], ==, "::1");
	{
		char *back = tt_tunnel_compose((const char *const *)f);

		g_assert_cmpstr(back, ==, line);
		g_free(back);
	}
	g_strfreev(f);
	g_free(line);

	/* A proxy line, with and without a listen address. */
	line = g_strdup_printf("socks5:1080:%s", id1);
	f = tt_tunnel_split("proxy", line, &err);
	g_assert_nonnull(f);
	g_assert_cmpstr(f[TF_KIND], ==, TT_KIND_SOCKS);
	g_assert_cmpstr(f[TF_LISTEN_HOST], ==, "");
	g_assert_cmpstr(f[TF_LISTEN_PORT], ==, "1080");
	{
		char *back = tt_tunnel_compose((const char *const *)f);

		g_assert_cmpstr(back, ==, line);
		g_free(back);
	}
	g_strfreev(f);
	g_free(line);
	line = g_strdup_printf("socks5:[::1]:1080:%s", id1);
	f = tt_tunnel_split("proxy", line, &err);
	g_assert_cmpstr(f[TF_LISTEN_HOST], ==, "::1");
	g_strfreev(f);
	g_free(line);

	g_assert_null(tt_tunnel_split("ssh", "2222:127.0.0.1:22", &err));
	g_assert_nonnull(err);
	g_free(err);
}

static void test_permit_allow(void)
{
	char *err = NULL, *key;

	g_assert_true(tt_validate_permit("10.0.0.0/8:*", &err));
	g_assert_true(tt_validate_permit("*:22", &err));
	g_assert_true(tt_validate_permit("[fd00::1]:443", &err));
	g_assert_false(tt_validate_permit("10.0.0.1", &err));
	g_assert_nonnull(err);
	g_clear_pointer(&err, g_free);
	g_assert_false(tt_validate_permit("10.0.0.1:22 ; x", &err));
	g_clear_pointer(&err, g_free);

	/* A whole Tox ID pasted as an allow entry becomes its public key. */
	key = tt_allow_normalize(id1, &err);
	g_assert_cmpuint(strlen(key), ==, 64);
	g_assert_true(strncmp(key, id1, 64) == 0);
	g_assert_true(tt_validate_allow(key, &err));
	g_free(key);
	g_assert_null(tt_allow_normalize("ABC", &err));
	g_assert_nonnull(err);
	g_free(err);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	id1 = test_tox_id(7);
	g_test_add_func("/validate/good", test_good);
	g_test_add_func("/validate/blame", test_blame);
	g_test_add_func("/validate/checksum-message", test_checksum_message);
	g_test_add_func("/validate/split", test_split);
	g_test_add_func("/validate/permit-allow", test_permit_allow);
	rc = g_test_run();
	g_free(id1);
	return rc;
}
