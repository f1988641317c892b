/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for the ini loader and the validators it is built on.
 *
 * The input is loaded as a whole file. Its first line is also fed to the
 * single-value parsers the tray's editor calls directly (a [client] line that
 * parses is formatted and parsed back) and to tt_ini_comment_at (as a value
 * the tray would write), and, when the file loads, to tt_permit_check, so
 * those get inputs that are not pre-filtered by the loader. A file that
 * loads must still load after tt_ini_add_pair added an allow line to it,
 * with that key allowed. */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "toxtun/config.h"
#include "toxtun/ini_lexer.h"
#include "toxtun/ini_edit.h"

#define ALLOW_KEY "F404ABAA1C99A9D37D61AB54898F56793E1DEF8BD46B1038B9D822E8460FAB67"

static void fuzz_add_allow(const uint8_t *data, size_t size, size_t n_allow)
{
	struct tt_config *cfg = NULL;
	uint8_t key[TT_PUBKEY_SIZE];
	char *out = NULL;
	size_t len = 0;

	if (!tt_ini_add_pair((const char *)data, size, "server", "allow", ALLOW_KEY, &out, &len))
		abort();
	if (len <= size || !tt_config_load_buffer("/fuzz/dir/fuzz.ini", out, len, &cfg, NULL) ||
	    cfg->n_allow != n_allow + 1 || !tt_parse_pubkey(ALLOW_KEY, key, NULL, 0) ||
	    !tt_allow_check(cfg, key))
		abort();
	tt_config_free(cfg);
	free(out);
}

static void fuzz_validators(const char *s)
{
	struct tt_client_tunnel t;
	struct tt_permit p;
	struct tt_node_entry e;
	uint8_t id[TT_TOX_ID_SIZE], key[TT_PUBKEY_SIZE];
	uint16_t port;
	bool b;
	char err[128], hex[2 * TT_TOX_ID_SIZE + 1];
	size_t len = strlen(s), comment = tt_ini_comment_at(s, len);

	/* An inline comment is a ';' right after a blank, or there is none. */
	if (comment != len && (comment == 0 || comment > len || s[comment] != ';' ||
	                       !isspace((unsigned char)s[comment - 1])))
		abort();

	if (tt_parse_client_line("t", s, &t, err, sizeof(err))) {
		struct tt_client_tunnel back;
		char line[1024];

		tt_toxid_format(t.server_id, hex);
		/* The formatter is the parser's inverse: what it writes reads
		 * back as the same tunnel. */
		if (tt_format_client_line(&t, line, sizeof(line)) >= sizeof(line) ||
		    !tt_parse_client_line("t", line, &back, err, sizeof(err)) || back.kind != t.kind ||
		    back.listen_port != t.listen_port || back.remote_port != t.remote_port ||
		    back.listen_given != t.listen_given || strcmp(back.listen_host, t.listen_host) ||
		    strcmp(back.remote_host, t.remote_host) || memcmp(back.server_id, t.server_id, TT_TOX_ID_SIZE))
			abort();
	}
	tt_parse_client_line(s, "81:h:22:A5A02FECA08E3EAC7E646B89C0507A8AAF9136E05DC756FF09F86230951820670F908F2E7719",
	                     &t, err, sizeof(err));
	tt_parse_permit(s, &p, err, sizeof(err));
	tt_parse_node_entry(s, &e, err, sizeof(err));
	tt_parse_pubkey(s, key, err, sizeof(err));
	tt_toxid_parse(s, id, err, sizeof(err));
	tt_parse_port(s, &port, err, 1); /* a one-byte error buffer must be fine */
	tt_parse_bool(s, &b, NULL, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tt_config *cfg = NULL;
	struct tt_error err;
	char text[64];
	size_t first = 0;
	char *line;

	if (tt_config_load_buffer("/fuzz/dir/fuzz.ini", (const char *)data, size, &cfg, &err)) {
		/* Exercise the loaded permit list with parts of the input. */
		tt_permit_check(cfg, "host.example", "10.1.2.3", 22);
		tt_permit_check(cfg, NULL, "::ffff:192.168.0.1", 1);
		tt_permit_check(cfg, "x", "fd00::1", 65535);
		fuzz_add_allow(data, size, cfg->n_allow);
		tt_config_free(cfg);
	} else {
		tt_error_format(&err, "/fuzz/dir/fuzz.ini", text, sizeof(text));
	}

	while (first < size && first < 1024 && data[first] != '\n')
		first++;
	line = malloc(first + 1);
	if (!line)
		return 0;
	memcpy(line, data, first);
	line[first] = '\0'; /* an embedded NUL just shortens it */
	fuzz_validators(line);
	free(line);
	return 0;
}
