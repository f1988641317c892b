/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The config editor's model: edits written line-preservingly and validated
 * by the daemon's own loader, errors attached to what they are about. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "confedit.h"
#include "testutil.h"
#include "validate.h"

static char *id1, *id2;

/* A client file as people write them: comments of both kinds, aligned
 * values, an inline comment, an unknown-to-us [link] section. */
static char *client_file(void)
{
	return g_strdup_printf("# toxtun client for the office\n"
	                       "; keep this file private\n"
	                       "\n"
	                       "[tox]\n"
	                       "udp = yes   ; direct when possible\n"
	                       "\n"
	                       "[client]\n"
	                       "ssh   = 2222:127.0.0.1:22:%s ; the server\n"
	                       "socks_user = me\n"
	                       "socks_pass = secret ; settings, not tunnels\n"
	                       "wiki  =  *:8080:10.0.0.5:80:%s\n"
	                       "proxy = socks5:1080:%s\n"
	                       "\n"
	                       "[link]\n"
	                       "linger = 30\n",
	                       id1, id1, id1);
}

static char *server_file(void)
{
	return g_strdup("[server]\r\n"
	                "name = office\r\n"
	                "permit = 127.0.0.1:22\r\n"
	                "# the lab\r\n"
	                "permit = 10.0.0.0/8:*\r\n");
}

static char *render(ConfEdit *ce)
{
	gsize len = 0;
	char *out = confedit_render(ce, &len);

	if (out)
		g_assert_cmpuint(strlen(out), ==, len);
	return out;
}

/* Render, expecting exactly expect (which is freed); returns the text. */
static char *render_as(ConfEdit *ce, char *expect)
{
	char *out = render(ce);

	g_assert_nonnull(out);
	g_assert_cmpstr(out, ==, expect);
	g_free(expect);
	return out;
}

static void test_unchanged(void)
{
	char *text = client_file(), *out;
	ConfEdit *ce = confedit_new("client.ini", text, strlen(text));

	/* socks_user / socks_pass are settings, kept as they are. */
	g_assert_cmpuint(ce->lists[CE_TUNNELS]->len, ==, 3);
	g_assert_cmpstr(((CeItem *)g_ptr_array_index(ce->lists[CE_TUNNELS], 2))->key, ==, "proxy");
	g_assert_false(confedit_changed(ce));
	out = render(ce);
	g_assert_cmpstr(out, ==, text);
	g_free(out);
	confedit_free(ce);
	g_free(text);
}

static void test_add_tunnel(void)
{
	char *text = client_file(), *out, *value = g_strdup_printf("3389:10.0.0.7:3389:%s", id2);
	ConfEdit *ce = confedit_new("client.ini", text, strlen(text));
	struct tt_config *cfg = NULL;
	struct tt_error err;

	confedit_append(ce, CE_TUNNELS, "rdp", value);
	g_assert_true(confedit_changed(ce));
	out = render(ce);
	g_assert_nonnull(out);
	g_assert_cmpuint(test_changed_lines(text, out), ==, 1);
	/* After the last tunnel, with the file's spacing around '='. */
	g_assert_nonnull(strstr(out, id1));
	g_assert_nonnull(strstr(out, "wiki  =  *:8080:10.0.0.5:80:"));
	{
		char *expect = g_strdup_printf("%s\nrdp = %s\n\n[link]\n", id1, value);

		g_assert_nonnull(strstr(out, expect));
		g_free(expect);
	}
	/* The daemon reads what the editor meant. */
	g_assert_true(tt_config_load_buffer("client.ini", out, strlen(out), &cfg, &err));
	g_assert_cmpuint(cfg->n_tunnels, ==, 4);
	g_assert_cmpstr(cfg->tunnels[3].name, ==, "rdp");
	g_assert_cmpuint(cfg->tunnels[3].listen_port, ==, 3389);
	g_assert_cmpstr(cfg->socks_pass, ==, "secret");
	tt_config_free(cfg);
	g_free(out);
	g_free(value);
	confedit_free(ce);
	g_free(text);
}

static void test_edit_and_remove(void)
{
	char *text = client_file(), *out, *value = g_strdup_printf("2223:127.0.0.1:22:%s", id1);
	ConfEdit *ce = confedit_new("client.ini", text, strlen(text));
	CeItem *ssh = g_ptr_array_index(ce->lists[CE_TUNNELS], 0);

	confedit_item_set(ssh, "shell", value);
	confedit_remove(ce, CE_TUNNELS, 1);
	out = render(ce);
	g_assert_nonnull(out);
	{
		/* Renamed in place, its spacing and inline comment kept. */
		char *expect = g_strdup_printf("[client]\nshell   = %s ; the server\nsocks_user = me\n", value);

		g_assert_nonnull(strstr(out, expect));
		g_free(expect);
	}
	g_assert_null(strstr(out, "wiki"));
	g_assert_nonnull(strstr(out, "proxy = socks5:1080:"));
	{
		/* Exactly: the original with its ssh line rewritten, wiki's gone. */
		char *ssh_old = g_strdup_printf("ssh   = 2222:127.0.0.1:22:%s ; the server\n", id1);
		char *ssh_new = g_strdup_printf("shell   = %s ; the server\n", value);
		char *wiki = g_strdup_printf("wiki  =  *:8080:10.0.0.5:80:%s\n", id1);
		GString *expect = g_string_new(text);

		g_string_replace(expect, ssh_old, ssh_new, 1);
		g_string_replace(expect, wiki, "", 1);
		g_assert_cmpstr(out, ==, expect->str);
		g_string_free(expect, TRUE);
		g_free(ssh_old);
		g_free(ssh_new);
		g_free(wiki);
	}
	g_free(out);
	g_free(value);
	confedit_free(ce);
	g_free(text);
}

static void test_server_lists(void)
{
	char *text = server_file(), *out, *key = g_strndup(id2, 64);
	ConfEdit *ce = confedit_new("server.ini", text, strlen(text));

	g_assert_cmpstr(ce->server_name, ==, "office");
	g_assert_cmpuint(ce->lists[CE_PERMITS]->len, ==, 2);
	confedit_remove(ce, CE_PERMITS, 0);
	confedit_append(ce, CE_PERMITS, NULL, "[fd00::]/8:443");
	confedit_append(ce, CE_ALLOWS, NULL, key);
	confedit_set_name(ce, "lab server");
	g_free(render_as(ce, g_strdup_printf("[server]\r\nname = lab server\r\n# the lab\r\npermit = 10.0.0.0/8:*\r\n"
	                                     "permit = [fd00::]/8:443\r\nallow = %s\r\n",
	                                     key)));

	/* Clearing the name removes its line (the default applies). */
	confedit_set_name(ce, "");
	out = render(ce);
	g_assert_null(strstr(out, "name"));
	g_free(out);
	g_free(key);
	confedit_free(ce);
	g_free(text);
}

static void test_errors_on_items(void)
{
	char *text = client_file(), *out;
	char *bad_port = g_strdup_printf("70000:127.0.0.1:22:%s", id1);
	char *dup_port = g_strdup_printf("2222:127.0.0.1:23:%s", id2);
	char *good = g_strdup_printf("2224:127.0.0.1:23:%s", id2);
	ConfEdit *ce = confedit_new("client.ini", text, strlen(text));
	CeItem *it;

	/* A bad value: the item's own parser names it. */
	it = confedit_append(ce, CE_TUNNELS, "x", bad_port);
	g_assert_null(render(ce));
	g_assert_nonnull(it->error);
	g_assert_nonnull(strstr(it->error, "70000"));

	/* A conflict only the whole file shows: the daemon's message lands on
	 * the item whose line it names. */
	confedit_item_set(it, NULL, dup_port);
	g_assert_null(render(ce));
	g_assert_nonnull(it->error);
	g_assert_nonnull(strstr(it->error, "already used by tunnel 'ssh'"));
	g_assert_null(((CeItem *)g_ptr_array_index(ce->lists[CE_TUNNELS], 0))->error);

	/* Same name as another tunnel. */
	confedit_item_set(it, "ssh", good);
	g_assert_null(render(ce));
	g_assert_nonnull(strstr(it->error, "duplicate tunnel name"));

	confedit_item_set(it, "y", good);
	out = render(ce);
	g_assert_nonnull(out);
	g_assert_null(it->error);
	g_free(out);

	/* Values that would break out of their line. */
	confedit_item_set(it, "y", "1:h:2:x\n[server]");
	g_assert_null(render(ce));
	g_assert_nonnull(it->error);
	confedit_item_set(it, "y", good);
	confedit_set_name(ce, "a\tb");
	g_assert_null(render(ce));
	g_assert_nonnull(ce->name_error);

	g_free(bad_port);
	g_free(dup_port);
	g_free(good);
	confedit_free(ce);
	g_free(text);
}

static void test_permit_errors(void)
{
	char *text = server_file();
	ConfEdit *ce = confedit_new("server.ini", text, strlen(text));
	CeItem *p = confedit_append(ce, CE_PERMITS, NULL, "10.0.0.0/33:22");
	CeItem *a = confedit_append(ce, CE_ALLOWS, NULL, "not a key");

	g_assert_null(render(ce));
	g_assert_nonnull(p->error);
	g_assert_nonnull(a->error);
	confedit_free(ce);
	g_free(text);
}

/* permit_listen lines are a list of their own: read, checked with the
 * daemon's parser, added after the last of them, removed. */
static void test_permit_listen(void)
{
	const char *text = "[server]\n"
	                   "permit = 127.0.0.1:22\n"
	                   "permit_listen = 2222   ; loopback only\n"
	                   "allow = %s\n"
	                   "permit_listen = *:8080\n"
	                   "\n"
	                   "[link]\n"
	                   "udp_timeout = 30\n";
	char *key = g_strndup(id2, 64), *file = g_strdup_printf(text, key), *out;
	ConfEdit *ce = confedit_new("server.ini", file, strlen(file));
	struct tt_config *cfg = NULL;
	struct tt_error err;
	CeItem *bad;

	g_assert_cmpuint(ce->lists[CE_PERMITS]->len, ==, 1);
	g_assert_cmpuint(ce->lists[CE_ALLOWS]->len, ==, 1);
	g_assert_cmpuint(ce->lists[CE_PERMIT_LISTENS]->len, ==, 2);
	g_assert_cmpstr(((CeItem *)g_ptr_array_index(ce->lists[CE_PERMIT_LISTENS], 0))->value, ==, "2222");
	out = render(ce);
	g_assert_cmpstr(out, ==, file);
	g_free(out);

	/* A bad value is refused by the daemon's parser, on its item. */
	bad = confedit_append(ce, CE_PERMIT_LISTENS, NULL, "70000");
	g_assert_null(render(ce));
	g_assert_nonnull(bad->error);
	g_assert_nonnull(strstr(bad->error, "70000"));
	g_assert_null(((CeItem *)g_ptr_array_index(ce->lists[CE_PERMIT_LISTENS], 0))->error);

	/* Fixed: written after the last permit_listen line; the first one
	 * removed, its inline comment with it; the rest as it was. */
	confedit_item_set(bad, NULL, "[::1]:2222");
	confedit_remove(ce, CE_PERMIT_LISTENS, 0);
	g_assert_true(confedit_changed(ce));
	out = render_as(ce, g_strdup_printf("[server]\npermit = 127.0.0.1:22\nallow = %s\npermit_listen = *:8080\n"
	                                    "permit_listen = [::1]:2222\n\n[link]\nudp_timeout = 30\n",
	                                    key));
	g_assert_true(tt_config_load_buffer("server.ini", out, strlen(out), &cfg, &err));
	g_assert_cmpuint(cfg->n_permit_listen, ==, 2);
	g_assert_true(tt_permit_listen_check(cfg, "::1", 2222));
	g_assert_false(tt_permit_listen_check(cfg, "127.0.0.1", 2222));
	g_assert_cmpuint(cfg->n_permits, ==, 1);
	g_assert_cmpuint(cfg->udp_timeout_s, ==, 30);
	tt_config_free(cfg);
	g_free(out);
	confedit_free(ce);
	g_free(file);
	g_free(key);
}

/* What the tunnel dialog does: the item's line split into fields, one
 * field changed, the fields validated into the new value. */
static void edit_field(CeItem *item, TrayTunnelField field, const char *text)
{
	char *err = NULL, **f = tray_tunnel_split(item->key, item->value, &err);
	char *errors[TF_COUNT], *whole, *value;

	g_assert_nonnull(f);
	g_free(f[field]);
	f[field] = g_strdup(text);
	g_assert_true(tray_tunnel_validate((const char *const *)f, errors, &whole, &value));
	confedit_item_set(item, NULL, value);
	g_free(value);
	g_strfreev(f);
}

/* Reverse and udp lines are tunnels like the others: kept byte for byte
 * when untouched, and an edit through split/compose (what the dialog does)
 * keeps their kind. */
static void test_reverse_udp_lines(void)
{
	char *text = g_strdup_printf("[client]\n"
	                             "back = reverse:2222:127.0.0.1:22:%s ; ssh -R\n"
	                             "dns  = udp:5353:10.0.0.1:53:%s\n"
	                             "web  = reverse:*:8080:[::1]:80:%s\n",
	                             id1, id1, id1);
	ConfEdit *ce = confedit_new("client.ini", text, strlen(text));
	CeItem *back, *dns;
	char *out;
	struct tt_config *cfg = NULL;
	struct tt_error msg;

	g_assert_cmpuint(ce->lists[CE_TUNNELS]->len, ==, 3);
	out = render(ce);
	g_assert_cmpstr(out, ==, text);
	g_free(out);

	back = g_ptr_array_index(ce->lists[CE_TUNNELS], 0);
	dns = g_ptr_array_index(ce->lists[CE_TUNNELS], 1);
	edit_field(back, TF_LISTEN_PORT, "2223");
	edit_field(dns, TF_REMOTE_HOST, "fd00::53");

	out = render_as(ce, g_strdup_printf("[client]\n"
	                                    "back = reverse:2223:127.0.0.1:22:%s ; ssh -R\n"
	                                    "dns  = udp:5353:[fd00::53]:53:%s\n"
	                                    "web  = reverse:*:8080:[::1]:80:%s\n",
	                                    id1, id1, id1));
	g_assert_true(tt_config_load_buffer("client.ini", out, strlen(out), &cfg, &msg));
	g_assert_cmpint(cfg->tunnels[0].kind, ==, TT_TUNNEL_REVERSE);
	g_assert_cmpuint(cfg->tunnels[0].listen_port, ==, 2223);
	g_assert_cmpint(cfg->tunnels[1].kind, ==, TT_TUNNEL_UDP);
	g_assert_cmpstr(cfg->tunnels[1].remote_host, ==, "fd00::53");
	g_assert_cmpint(cfg->tunnels[2].kind, ==, TT_TUNNEL_REVERSE);
	tt_config_free(cfg);
	g_free(out);

	/* A broken reverse line is an error on its item, not a forward. */
	confedit_item_set(back, NULL, "reverse:2222:127.0.0.1:22");
	g_assert_null(render(ce));
	g_assert_nonnull(strstr(back->error, "reverse:"));
	confedit_free(ce);
	g_free(text);
}

static void test_save(void)
{
	char *dir = g_dir_make_tmp("toxtun-confedit-XXXXXX", NULL);
	char *path = g_build_filename(dir, "client.ini", NULL);
	char *text = client_file(), *disk = NULL, *value = g_strdup_printf("3000:127.0.0.1:80:%s", id2);
	ConfEdit *ce;
	GError *error = NULL;
	struct stat st;

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_cmpint(g_chmod(path, 0640), ==, 0);
	ce = confedit_load(path, &error);
	g_assert_no_error(error);
	confedit_append(ce, CE_TUNNELS, "web", value);
	g_assert_true(confedit_save(ce, &error));
	g_assert_no_error(error);
	g_assert_true(g_file_get_contents(path, &disk, NULL, NULL));
	g_assert_cmpuint(test_changed_lines(text, disk), ==, 1);
	g_assert_cmpint(stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0640);
	/* The model now is the file on disk. */
	g_assert_false(confedit_changed(ce));
	g_assert_cmpuint(ce->lists[CE_TUNNELS]->len, ==, 4);
	g_assert_nonnull(((CeItem *)g_ptr_array_index(ce->lists[CE_TUNNELS], 3))->origin);

	/* Someone else changed the file meanwhile: refuse to overwrite. */
	g_assert_true(g_file_set_contents(path, "[client]\n", -1, NULL));
	confedit_remove(ce, CE_TUNNELS, 0);
	g_assert_false(confedit_save(ce, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_WRONG_ETAG);
	g_clear_error(&error);

	/* An invalid edit writes nothing. */
	confedit_free(ce);
	ce = confedit_load(path, &error);
	confedit_append(ce, CE_TUNNELS, "bad name!", value);
	g_assert_false(confedit_save(ce, &error));
	g_clear_error(&error);
	g_free(disk);
	g_assert_true(g_file_get_contents(path, &disk, NULL, NULL));
	g_assert_cmpstr(disk, ==, "[client]\n");

	confedit_free(ce);
	g_free(disk);
	g_free(text);
	g_free(value);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

int main(int argc, char **argv)
{
	int rc;

	g_test_init(&argc, &argv, NULL);
	id1 = test_tox_id(1);
	id2 = test_tox_id(2);
	g_test_add_func("/confedit/unchanged", test_unchanged);
	g_test_add_func("/confedit/add-tunnel", test_add_tunnel);
	g_test_add_func("/confedit/edit-and-remove", test_edit_and_remove);
	g_test_add_func("/confedit/server-lists", test_server_lists);
	g_test_add_func("/confedit/errors-on-items", test_errors_on_items);
	g_test_add_func("/confedit/permit-errors", test_permit_errors);
	g_test_add_func("/confedit/permit-listen", test_permit_listen);
	g_test_add_func("/confedit/reverse-udp-lines", test_reverse_udp_lines);
	g_test_add_func("/confedit/save", test_save);
	rc = g_test_run();
	g_free(id1);
	g_free(id2);
	return rc;
}
