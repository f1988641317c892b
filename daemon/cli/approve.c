/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `tunnel allow|deny FILE.ini KEY`: answer a friend request waiting for
 * approval on a server ([server] approve = ask), through the daemon's
 * control socket; `allow` without a running daemon edits the file alone. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli/conn.h"
#include "cli/ctl.h"
#include "toxtun/config_keys.h"
#include "toxtun/ini_edit.h"

bool cli_parse_key(const char *text, uint8_t pk[TT_PUBKEY_SIZE], char *err, size_t errlen)
{
	uint8_t id[TT_TOX_ID_SIZE];
	size_t len = strlen(text);
	char why[256];

	if (len == 2 * TT_TOX_ID_SIZE) {
		if (!tt_toxid_parse(text, id, why, sizeof(why))) {
			snprintf(err, errlen, "%s", why);
			return false;
		}
		memcpy(pk, id, TT_PUBKEY_SIZE); /* a Tox ID starts with the key */
		return true;
	}
	if (len == 2 * TT_PUBKEY_SIZE && tt_parse_pubkey(text, pk, why, sizeof(why)))
		return true;
	snprintf(err, errlen, "bad key '%.80s%s': expected a public key (64 hex digits) or a Tox ID (76)",
	         text, len > 80 ? "..." : "");
	return false;
}

static bool listed(const struct tt_config *cfg, const uint8_t pk[TT_PUBKEY_SIZE])
{
	for (size_t i = 0; i < cfg->n_allow; i++)
		if (!memcmp(cfg->allow[i], pk, TT_PUBKEY_SIZE))
			return true;
	return false;
}

/* No daemon: the allow line alone, for the server's next start. */
static int allow_in_file(const struct tt_config *cfg, const char *hex)
{
	uint8_t pk[TT_PUBKEY_SIZE];
	char err[4096 + 512];

	tt_parse_pubkey(hex, pk, NULL, 0);
	if (listed(cfg, pk)) {
		printf("%s is allowed in %s already; no daemon is running\n", hex, cfg->path);
		return 0;
	}
	if (!tt_ini_file_add_pair(cfg->path, TT_SECTION_SERVER, TT_KEY_ALLOW, hex, err, sizeof(err))) {
		ctl_error("%s", err);
		return 1;
	}
	printf("no daemon is running: added '%s = %s' to %s; it applies when the server starts\n",
	       TT_KEY_ALLOW, hex, cfg->path);
	return 0;
}

int cli_approve(const char *cmd, const struct tt_config *cfg, const char *socket_path,
                const uint8_t pk[TT_PUBKEY_SIZE])
{
	struct ctl_conn c;
	json_object *request, *reply, *ok, *error;
	char hex[2 * TT_PUBKEY_SIZE + 1];
	bool allow = strcmp(cmd, "allow") == 0;
	int status = 0;

	tt_hex_format(pk, TT_PUBKEY_SIZE, hex);
	switch (ctl_open(&c, cfg, socket_path)) {
	case CTL_OPEN_OK:
		break;
	case CTL_OPEN_NO_DAEMON:
		if (allow)
			return allow_in_file(cfg, hex);
		ctl_error("no tunnel daemon is running (no answer at %s): no request to deny", c.tried);
		return 1;
	case CTL_OPEN_FAILED:
		return 1;
	}
	request = json_object_new_object();
	json_object_object_add(request, "cmd", json_object_new_string(cmd));
	json_object_object_add(request, "public_key", json_object_new_string(hex));
	reply = ctl_request(&c, request);
	json_object_put(request);
	if (!reply) {
		ctl_error("%s: the daemon closed the connection", c.path);
		ctl_close(&c);
		return 1;
	}
	if (!json_object_object_get_ex(reply, "ok", &ok) || !json_object_get_boolean(ok)) {
		ctl_error("%s failed: %s", cmd, json_object_object_get_ex(reply, "error", &error)
		                                     ? json_object_get_string(error) : "no reason given");
		status = 1;
	} else if (allow) {
		printf("allowed %s: the daemon added it to %s and accepted it\n", hex, cfg->path);
	} else {
		printf("denied %s: its request is forgotten (it may ask again)\n", hex);
	}
	json_object_put(reply);
	ctl_close(&c);
	return status;
}
