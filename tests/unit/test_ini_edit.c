/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for tt_ini_add_pair and tt_ini_file_add_pair (toxtun/ini_edit.h):
 * the new line goes where a person would put it and every other byte stays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "toxtun/config.h"
#include "toxtun/ini_edit.h"

#define KEY1 "F404ABAA1C99A9D37D61AB54898F56793E1DEF8BD46B1038B9D822E8460FAB67"
#define KEY2 "3F0A45A268367C1BEA652F258C85F4A66DA76BCAA667A49E770BCC4917AB6A25"
#define ID1 "A5A02FECA08E3EAC7E646B89C0507A8AAF9136E05DC756FF09F86230951820670F908F2E7719"

static char tmpdir[64];

/* text with allow = KEY2 added to [server], compared with expect. */
static bool adds(const char *text, const char *expect)
{
	char *out = NULL;
	size_t len = 0;
	bool ok;

	if (!CHECK(tt_ini_add_pair(text, strlen(text), "server", "allow", KEY2, &out, &len)))
		return false;
	ok = CHECK_STR(out, expect) && CHECK_EQ_U(len, strlen(expect));
	free(out);
	return ok;
}

/* The edited text loads, with KEY2 allowed after whatever was there. */
static void loads_with_key2(const char *text, size_t n_allow)
{
	struct tt_config *cfg = NULL;
	struct tt_error e;
	uint8_t k2[TT_PUBKEY_SIZE];
	char *out = NULL;
	size_t len = 0;

	tt_parse_pubkey(KEY2, k2, NULL, 0);
	if (!CHECK(tt_ini_add_pair(text, strlen(text), "server", "allow", KEY2, &out, &len)))
		return;
	if (CHECK(tt_config_load_buffer("/x/test.ini", out, len, &cfg, &e))) {
		CHECK_EQ_U(cfg->n_allow, n_allow);
		CHECK(cfg->n_allow && !memcmp(cfg->allow[cfg->n_allow - 1], k2, TT_PUBKEY_SIZE));
		tt_config_free(cfg);
	} else {
		fprintf(stderr, "  line %d: %s\n", e.line, e.message);
	}
	free(out);
}

static void test_layout_kept(void)
{
	static const char text[] =
		"# my server\n"
		"[tox]\n"
		"udp = yes   ; keep this\n"
		"\n"
		"[server]\n"
		"  name = office\n"
		"  ; the laptop\n"
		"  allow = " KEY1 "\n"
		"  # more to come\n"
		"\n"
		"[link]\n"
		"linger = 5\n";

	adds(text,
	     "# my server\n"
	     "[tox]\n"
	     "udp = yes   ; keep this\n"
	     "\n"
	     "[server]\n"
	     "  name = office\n"
	     "  ; the laptop\n"
	     "  allow = " KEY1 "\n"
	     "  allow = " KEY2 "\n"
	     "  # more to come\n"
	     "\n"
	     "[link]\n"
	     "linger = 5\n");
	loads_with_key2(text, 2);
	/* A section opened twice: its last block; any case and blanks in the header. */
	adds("[Server]\nname = a\n[tox]\nudp = no\n[ SERVER ]\npermit = *:22\n# end\n",
	     "[Server]\nname = a\n[tox]\nudp = no\n[ SERVER ]\npermit = *:22\nallow = " KEY2 "\n# end\n");
	/* A section without keys: right after its header. */
	adds("[server]\n; nothing yet\n\n[client]\n", "[server]\nallow = " KEY2 "\n; nothing yet\n\n[client]\n");
	/* A byte order mark is no indentation. */
	adds("\xEF\xBB\xBF[server]\n", "\xEF\xBB\xBF[server]\nallow = " KEY2 "\n");
	/* Tabs are copied as they are. */
	adds("[server]\n\tname = x\n", "[server]\n\tname = x\n\tallow = " KEY2 "\n");
}

static void test_crlf(void)
{
	static const char text[] = "[server]\r\nname = office\r\n; end of server\r\n[client]\r\n"
	                           "web = 81:h:80:" ID1 "\r\n";

	adds(text, "[server]\r\nname = office\r\nallow = " KEY2 "\r\n; end of server\r\n[client]\r\n"
	           "web = 81:h:80:" ID1 "\r\n");
	loads_with_key2(text, 1);
	/* A new section takes the file's line ends too. */
	adds("[tox]\r\nudp = no\r\n", "[tox]\r\nudp = no\r\n\r\n[server]\r\nallow = " KEY2 "\r\n");
}

static void test_missing_section(void)
{
	adds("", "[server]\nallow = " KEY2 "\n");
	adds("# just a comment\n", "# just a comment\n\n[server]\nallow = " KEY2 "\n");
	adds("[client]\nweb = 81:h:80:" ID1 "\n",
	     "[client]\nweb = 81:h:80:" ID1 "\n\n[server]\nallow = " KEY2 "\n");
	loads_with_key2("", 1);
	loads_with_key2("[client]\nweb = 81:h:80:" ID1 "\n", 1);
	/* [serverx] is another section. */
	adds("[tox]\n", "[tox]\n\n[server]\nallow = " KEY2 "\n");
}

static void test_no_final_break(void)
{
	adds("[server]\nname = x", "[server]\nname = x\nallow = " KEY2);
	adds("[server]", "[server]\nallow = " KEY2);
	adds("[server]\r\nname = x", "[server]\r\nname = x\r\nallow = " KEY2);
	adds("[tox]\nudp = no", "[tox]\nudp = no\n\n[server]\nallow = " KEY2);
	loads_with_key2("[server]\nname = x", 1);
}

static void test_refused(void)
{
	char *out = NULL;
	size_t len = 0;

	CHECK(!tt_ini_add_pair("", 0, "server", "allow", "a\nb", &out, &len));
	CHECK(!tt_ini_add_pair("", 0, "server", "allow", "x ;comment", &out, &len));
	CHECK(!tt_ini_add_pair("", 0, "server", "al=low", "x", &out, &len));
	CHECK(!tt_ini_add_pair("", 0, "server", "a:b", "x", &out, &len));
	CHECK(!tt_ini_add_pair("", 0, "server", "", "x", &out, &len));
	CHECK(!tt_ini_add_pair("", 0, "server", "allow", " x", &out, &len));
	CHECK(!tt_ini_add_pair("", 0, "ser]ver", "allow", "x", &out, &len));
	CHECK(!tt_ini_add_pair("", 0, "", "allow", "x", &out, &len));
	CHECK(out == NULL);
	/* Text not NUL-terminated: only len bytes count. */
	if (CHECK(tt_ini_add_pair("[server]\nXXXX", 9, "server", "k", "v", &out, &len)))
		CHECK_STR(out, "[server]\nk = v\n");
	free(out);
}

/* ---- files ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 65536);

	if (f && buf)
		fread(buf, 1, 65535, f);
	if (f)
		fclose(f);
	return buf;
}

static void spit(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
	chmod(path, mode);
}

static void test_file(void)
{
	char path[128], link[160], err[512], *text;
	struct stat st;

	snprintf(path, sizeof(path), "%s/server.ini", tmpdir);
	snprintf(link, sizeof(link), "%s/link.ini", tmpdir);
	spit(path, "; office\n[server]\nname = office\n\n[link]\nlinger = 5\n", 0640);
	if (CHECK(tt_ini_file_add_pair(path, "server", "allow", KEY1, err, sizeof(err)))) {
		text = slurp(path);
		CHECK_STR(text, "; office\n[server]\nname = office\nallow = " KEY1 "\n\n[link]\nlinger = 5\n");
		free(text);
	} else {
		fprintf(stderr, "  %s\n", err);
	}
	CHECK(stat(path, &st) == 0 && (st.st_mode & 07777) == 0640);

	/* Through a symbolic link: the file it names changes, the link stays. */
	CHECK(symlink("server.ini", link) == 0);
	CHECK(tt_ini_file_add_pair(link, "server", "allow", KEY2, err, sizeof(err)));
	CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
	text = slurp(path);
	CHECK(strstr(text, "allow = " KEY1 "\nallow = " KEY2 "\n\n[link]") != NULL);
	free(text);

	/* A file that does not load is not touched. */
	spit(path, "[server]\nnonsense = 1\n", 0600);
	CHECK(!tt_ini_file_add_pair(path, "server", "allow", KEY1, err, sizeof(err)));
	CHECK(strstr(err, "server.ini:2: unknown key 'nonsense'") != NULL);
	text = slurp(path);
	CHECK_STR(text, "[server]\nnonsense = 1\n");
	free(text);
	/* Nor one the new line would break. */
	spit(path, "[server]\n", 0600);
	CHECK(!tt_ini_file_add_pair(path, "server", "allow", "not-a-key", err, sizeof(err)));
	CHECK(strstr(err, "server.ini:2: ") != NULL);
	text = slurp(path);
	CHECK_STR(text, "[server]\n");
	free(text);

	snprintf(path, sizeof(path), "%s/missing.ini", tmpdir);
	CHECK(!tt_ini_file_add_pair(path, "server", "allow", KEY1, err, sizeof(err)));
	CHECK(strstr(err, "No such file") != NULL);
	/* No temporary file is left behind: the directory empties. */
	snprintf(path, sizeof(path), "%s/server.ini", tmpdir);
	CHECK(unlink(path) == 0 && unlink(link) == 0 && rmdir(tmpdir) == 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/toxtun-test-ini-edit-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 2;
	}
	RUN(test_layout_kept);
	RUN(test_crlf);
	RUN(test_missing_section);
	RUN(test_no_final_break);
	RUN(test_refused);
	RUN(test_file);
	return check_report();
}
