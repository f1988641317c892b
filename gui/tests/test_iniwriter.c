/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The line-preserving ini writer: round trips and edits that touch only
 * their own lines. */
#include <string.h>

#include "iniwriter.h"
#include "testutil.h"

static char *roundtrip(const char *text, gsize len, gsize *out_len)
{
	IniDoc *doc = ini_doc_new(text, len);
	char *out = ini_doc_serialize(doc, out_len);

	ini_doc_free(doc);
	return out;
}

/* Real-looking files: every byte must come back unchanged. */
static const char *const files[] = {
	"",
	"\n",
	"[server]",
	"; toxtun server\n# written by hand\n\n[server]\nname = office\n",
	"\xEF\xBB\xBF[tox]\r\nbootstrap = 127.0.0.1 33445 ABCD\r\n\r\n[server]\r\nname=x\r\n",
	"  [ server ]   ; indented header with a comment\n\tpermit\t=\t127.0.0.1:22\t; tab spaced\n",
	"[client]\nssh  = 2222:127.0.0.1:22:ID ; aligned\nweb  = *:8080:10.0.0.5:80:ID\n\n\n; trailing comment",
	"[client]\nkey:value\nno equals sign here\n[unknown section]\nwhatever = 1\n[server]\nname = a\n[server]\npermit = *:*\n",
	"[server]\nname = spaced   value   \n   \n\t\n",
	"key before any section = 1\n[server]\n",
	"[server]\nname =\nother =;not a comment\nthird = x;y ; comment\nfourth = ; only a comment\n",
};

static void test_roundtrip(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		gsize len = 0;
		char *out = roundtrip(files[i], strlen(files[i]), &len);

		g_assert_cmpuint(len, ==, strlen(files[i]));
		g_assert_cmpstr(out, ==, files[i]);
		g_free(out);
	}
}

static void test_parse(void)
{
	const char *text = files[7];
	IniDoc *doc = ini_doc_new(text, strlen(text));
	char *v;
	char **all;

	g_assert_cmpint(ini_line_kind(ini_doc_line(doc, 0)), ==, INI_LINE_SECTION);
	/* The daemon refuses "key:value" (the '=' must come first), and so
	 * does the editor, with the daemon's words. */
	g_assert_cmpint(ini_line_kind(ini_doc_line(doc, 1)), ==, INI_LINE_INVALID);
	g_assert_cmpstr(ini_line_error(ini_doc_line(doc, 1)), ==,
	                "expected 'key = value' or '[section]', got 'key:value'");
	g_assert_null(ini_doc_get(doc, "client", "key"));
	g_assert_cmpint(ini_line_kind(ini_doc_line(doc, 2)), ==, INI_LINE_INVALID);
	g_assert_cmpstr(ini_line_section(ini_doc_line(doc, 4)), ==, "unknown section");
	v = ini_doc_get(doc, "SERVER", "Name");
	g_assert_cmpstr(v, ==, "a");
	g_free(v);
	/* Repeated sections are one section. */
	all = ini_doc_get_all(doc, "server", "permit");
	g_assert_cmpuint(g_strv_length(all), ==, 1);
	g_assert_cmpstr(all[0], ==, "*:*");
	g_strfreev(all);
	ini_doc_free(doc);

	doc = ini_doc_new(files[10], strlen(files[10]));
	v = ini_doc_get(doc, "server", "name");
	g_assert_cmpstr(v, ==, "");
	g_free(v);
	/* As inih reads it: a ';' right after '=' is part of the value... */
	v = ini_doc_get(doc, "server", "other");
	g_assert_cmpstr(v, ==, ";not a comment");
	g_free(v);
	v = ini_doc_get(doc, "server", "fourth");
	g_assert_cmpstr(v, ==, "");
	g_free(v);
	/* ...one after a blank starts a comment, one inside a word does not. */
	v = ini_doc_get(doc, "server", "third");
	g_assert_cmpstr(v, ==, "x;y");
	g_free(v);
	ini_doc_free(doc);

	doc = ini_doc_new(files[4], strlen(files[4]));
	g_assert_true(ini_doc_has_section(doc, "tox")); /* behind a byte order mark */
	v = ini_doc_get(doc, "tox", "bootstrap");
	g_assert_cmpstr(v, ==, "127.0.0.1 33445 ABCD"); /* no \r */
	g_free(v);
	ini_doc_free(doc);
}

/* Every line the daemon refuses is INVALID in the editor, with the
 * daemon's message, and every line it reads is read alike: the editor and
 * the daemon see a file through the same lexer. */
static void test_daemon_verdicts(void)
{
	static const char *const lines[] = {
		"name = office",       "name: office",          "name=x ; comment",   "[server] junk",
		"[server",             "[ Server ] ; comment",  "no equals sign here", "*:81:h:22:ID = x",
		"name = a:b=c",        "= x",                   "  ; comment",         "name ;= x",
	};

	for (guint i = 0; i < G_N_ELEMENTS(lines); i++) {
		char *text = g_strdup_printf("[server]\n%s\n", lines[i]);
		IniDoc *doc = ini_doc_new(text, strlen(text));
		IniLine *l = ini_doc_line(doc, 1);
		struct tt_config *cfg = NULL;
		struct tt_error err;
		gboolean ok = tt_config_load_buffer("s.ini", text, strlen(text), &cfg, &err);

		if (ini_line_kind(l) == INI_LINE_INVALID) {
			g_assert_false(ok);
			g_assert_cmpint(err.line, ==, 2);
			g_assert_cmpstr(err.message, ==, ini_line_error(l));
		} else if (ini_line_kind(l) == INI_LINE_PAIR) {
			char *key = ini_line_key(l), *value = ini_line_value(l);

			/* The only key of [server] here is name: the daemon
			 * keeps the very value the editor found. */
			g_assert_cmpstr(key, ==, "name");
			g_assert_true(ok);
			g_assert_cmpstr(cfg->name, ==, value);
			g_free(key);
			g_free(value);
		} else {
			g_assert_true(ok);
		}
		tt_config_free(cfg);
		ini_doc_free(doc);
		g_free(text);
	}
}

static char *edit_set(const char *text, const char *section, const char *key, const char *value)
{
	IniDoc *doc = ini_doc_new(text, strlen(text));
	char *out;

	ini_doc_set(doc, section, key, value);
	out = ini_doc_serialize(doc, NULL);
	ini_doc_free(doc);
	return out;
}

static char *edit_insert(const char *text, const char *section, const char *key, const char *value)
{
	IniDoc *doc = ini_doc_new(text, strlen(text));
	char *out;

	ini_doc_insert(doc, section, key, value);
	out = ini_doc_serialize(doc, NULL);
	ini_doc_free(doc);
	return out;
}

static void test_set_keeps_spacing(void)
{
	char *out;

	out = edit_set("; c\n[server]\n  permit   =   1.2.3.4:22   ; office\nname = x\n", "server", "permit",
	               "10.0.0.0/8:*");
	g_assert_cmpstr(out, ==, "; c\n[server]\n  permit   =   10.0.0.0/8:*   ; office\nname = x\n");
	g_free(out);

	out = edit_set("[server]\r\nname=old\r\n# end", "server", "name", "new name");
	g_assert_cmpstr(out, ==, "[server]\r\nname=new name\r\n# end");
	g_free(out);

	/* An empty value gets the file's blank after '='. */
	out = edit_set("[server]\nname =\n", "server", "name", "x");
	g_assert_cmpstr(out, ==, "[server]\nname = x\n");
	g_free(out);
	out = edit_set("[server]\nname=\n", "server", "name", "x");
	g_assert_cmpstr(out, ==, "[server]\nname=x\n");
	g_free(out);
}

static void test_insert(void)
{
	char *out;

	/* After the last line of the same key, the style of the file. */
	out = edit_insert("[server]\nname=a\npermit=1.1.1.1:1\n; about allow\nallow=K\n\n[client]\n", "server", "permit",
	               "2.2.2.2:2");
	g_assert_cmpstr(out, ==, "[server]\nname=a\npermit=1.1.1.1:1\npermit=2.2.2.2:2\n; about allow\nallow=K\n\n[client]\n");
	g_free(out);

	/* A new key: after the section's last key line, before what follows. */
	out = edit_insert("[client]\nssh = 1:h:2:ID\n\n; servers\n[server]\n", "client", "web", "3:h:4:ID");
	g_assert_cmpstr(out, ==, "[client]\nssh = 1:h:2:ID\nweb = 3:h:4:ID\n\n; servers\n[server]\n");
	g_free(out);

	/* An empty section: right after its header. */
	out = edit_insert("[client]\n; nothing yet\n", "client", "ssh", "v");
	g_assert_cmpstr(out, ==, "[client]\nssh = v\n; nothing yet\n");
	g_free(out);

	/* A missing section, in a file without a final line end, with CRLF. */
	out = edit_insert("[tox]\r\nudp = no", "server", "name", "n");
	g_assert_cmpstr(out, ==, "[tox]\r\nudp = no\r\n\r\n[server]\r\nname = n\r\n");
	g_free(out);

	/* An empty file. */
	out = edit_insert("", "server", "name", "n");
	g_assert_cmpstr(out, ==, "[server]\nname = n\n");
	g_free(out);
}

static void test_remove_and_rename(void)
{
	const char *text = "# head\n[client]\n a = 1:h:2:ID   ; first\n b = 3:h:4:ID\n\n# tail\n";
	IniDoc *doc = ini_doc_new(text, strlen(text));
	IniLine *a = ini_doc_find(doc, "client", "a", 0), *b = ini_doc_find(doc, "client", "b", 0);
	char *out;

	ini_line_set(doc, a, "alpha", "9:h:9:ID");
	ini_doc_remove(doc, b);
	out = ini_doc_serialize(doc, NULL);
	g_assert_cmpstr(out, ==, "# head\n[client]\n alpha = 9:h:9:ID   ; first\n\n# tail\n");
	g_assert_cmpuint(test_changed_lines(text, out), ==, 2);
	g_free(out);
	g_assert_cmpint(ini_doc_line_index(doc, a), ==, 2);
	ini_doc_free(doc);
}

/* Many edits, each touching only its own line. */
static void test_edits_touch_only_their_lines(void)
{
	GString *text = g_string_new("; generated\n[server]\n");
	IniDoc *doc;
	char *out;

	for (int i = 0; i < 50; i++)
		g_string_append_printf(text, "%spermit %s= 10.0.%d.0/24:%d%s\n", i % 3 ? "" : "  ", i % 2 ? "" : "  ", i,
		                       i + 1, i % 5 ? "" : " ; note");
	doc = ini_doc_new(text->str, text->len);
	for (int i = 0; i < 50; i += 7) {
		IniLine *l = ini_doc_find(doc, "server", "permit", (guint)i);
		char *before = ini_doc_serialize(doc, NULL), *after, *v = g_strdup_printf("10.1.%d.0/24:*", i);

		ini_line_set(doc, l, NULL, v);
		after = ini_doc_serialize(doc, NULL);
		g_assert_cmpuint(test_changed_lines(before, after), ==, 1);
		g_free(before);
		g_free(after);
		g_free(v);
	}
	out = ini_doc_serialize(doc, NULL);
	g_assert_cmpuint(test_changed_lines(text->str, out), <=, 50);
	g_assert_nonnull(strstr(out, "  permit   = 10.1.0.0/24:* ; note\n"));
	g_free(out);
	ini_doc_free(doc);
	g_string_free(text, TRUE);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/iniwriter/roundtrip", test_roundtrip);
	g_test_add_func("/iniwriter/parse", test_parse);
	g_test_add_func("/iniwriter/daemon-verdicts", test_daemon_verdicts);
	g_test_add_func("/iniwriter/set-keeps-spacing", test_set_keeps_spacing);
	g_test_add_func("/iniwriter/insert", test_insert);
	g_test_add_func("/iniwriter/remove-and-rename", test_remove_and_rename);
	g_test_add_func("/iniwriter/edits-touch-only-their-lines", test_edits_touch_only_their_lines);
	return g_test_run();
}
