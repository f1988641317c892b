/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <string.h>

#include "control/request.h"

/* How much of an unknown command's name its error message shows. */
#define UNKNOWN_SHOWN 40

static const struct {
	const char *name;
	enum control_cmd cmd;
} commands[] = {
	{ "status", CMD_STATUS },
	{ "subscribe", CMD_SUBSCRIBE },
	{ "unsubscribe", CMD_UNSUBSCRIBE },
	{ "reload", CMD_RELOAD },
	{ "close_stream", CMD_CLOSE_STREAM },
	{ "shutdown", CMD_SHUTDOWN },
	{ "pipe", CMD_PIPE },
#ifdef TOXTUN_TEST_HOOKS
	/* Makes a call the sandbox forbids (tests/integration/test_sandbox.py). */
	{ "sandbox_probe", CMD_SANDBOX_PROBE },
#endif
	{ "allow", CMD_ALLOW },
	{ "deny", CMD_DENY },
};

/* An integer member within [min, max]; false with err set otherwise. */
static bool get_uint(json_object *obj, const char *key, int64_t min, int64_t max,
                     int64_t *out, char *err, size_t errlen)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v)) {
		snprintf(err, errlen, "missing \"%s\"", key);
		return false;
	}
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, errlen, "\"%s\" must be an integer", key);
		return false;
	}
	*out = json_object_get_int64(v);
	if (*out < min || *out > max) {
		snprintf(err, errlen, "\"%s\" must be %lld..%lld", key, (long long)min, (long long)max);
		return false;
	}
	return true;
}

/* A string member of 1..cap-1 bytes with no NUL in it; false with err set
 * otherwise. An absent optional one leaves out empty. */
static bool get_string(json_object *obj, const char *key, bool optional, char *out, size_t cap,
                       char *err, size_t errlen)
{
	json_object *v;
	size_t len;

	if (!json_object_object_get_ex(obj, key, &v)) {
		out[0] = '\0';
		if (optional)
			return true;
		snprintf(err, errlen, "missing \"%s\"", key);
		return false;
	}
	len = json_object_is_type(v, json_type_string) ? (size_t)json_object_get_string_len(v) : 0;
	if (len == 0 || len >= cap || memchr(json_object_get_string(v), '\0', len)) {
		snprintf(err, errlen, "\"%s\" must be a string of 1..%zu bytes", key, cap - 1);
		return false;
	}
	memcpy(out, json_object_get_string(v), len + 1);
	return true;
}

/* A public key member: 64 hex digits, either case. */
static bool get_key(json_object *obj, const char *key, uint8_t out[TT_PUBKEY_SIZE], char *err,
                    size_t errlen)
{
	json_object *v;
	char e[128];

	if (!json_object_object_get_ex(obj, key, &v)) {
		snprintf(err, errlen, "missing \"%s\"", key);
		return false;
	}
	/* The length check also refuses a key followed by an escaped NUL
	 * ("...\u0000junk"), which the C-string parser would not see. */
	if (!json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) != 2 * TT_PUBKEY_SIZE ||
	    !tt_parse_pubkey(json_object_get_string(v), out, e, sizeof(e))) {
		snprintf(err, errlen, "\"%s\" must be a 64-digit public key", key);
		return false;
	}
	return true;
}

static bool parse_args(json_object *obj, struct control_request *out, char *err, size_t errlen)
{
	int64_t n;

	switch (out->cmd) {
	case CMD_SUBSCRIBE:
		if (!get_uint(obj, "interval_ms", 100, 60000, &n, err, errlen))
			return false;
		out->interval_ms = (uint32_t)n;
		return true;
	case CMD_CLOSE_STREAM:
		if (!get_uint(obj, "id", 1, UINT32_MAX, &n, err, errlen))
			return false;
		out->stream_id = (uint32_t)n;
		if (json_object_object_get_ex(obj, "peer", NULL)) {
			if (!get_key(obj, "peer", out->peer, err, errlen))
				return false;
			out->has_peer = true;
		}
		return true;
	case CMD_PIPE:
		if (!get_string(obj, "host", false, out->host, sizeof(out->host), err, errlen) ||
		    !get_uint(obj, "port", 1, 65535, &n, err, errlen) ||
		    !get_string(obj, "via", true, out->via, sizeof(out->via), err, errlen))
			return false;
		out->port = (uint16_t)n;
		return true;
	case CMD_ALLOW:
	case CMD_DENY:
		return get_key(obj, "public_key", out->public_key, err, errlen);
	default:
		return true;
	}
}

/* The error for a command we do not know, naming it. A long name is cut
 * (the reply is one short line) at a character boundary, because the message
 * goes into a JSON reply that must stay valid UTF-8; an escaped NUL inside the
 * name also ends the part shown. */
static void unknown_command(const char *name, size_t len, char *err, size_t errlen)
{
	size_t n = strnlen(name, len < UNKNOWN_SHOWN ? len : UNKNOWN_SHOWN);

	if (n < len)
		while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
			n--;
	snprintf(err, errlen, "unknown command '%.*s%s'", (int)n, name, n < len ? "..." : "");
}

bool control_request_parse(const char *line, size_t len, struct control_request *out,
                           char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *obj, *cmd;
	enum json_tokener_error jerr;
	const char *name;
	size_t end, name_len;
	bool ok = false;

	memset(out, 0, sizeof(*out));
	if (len > CONTROL_LINE_MAX) {
		snprintf(err, errlen, "request longer than %d bytes", CONTROL_LINE_MAX);
		return false;
	}
	if (memchr(line, '\0', len)) {
		snprintf(err, errlen, "NUL byte in request");
		return false;
	}
	tok = json_tokener_new();
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	/* Replies echo the tag and may quote the command, and must be UTF-8. */
	json_tokener_set_flags(tok, JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	end = json_tokener_get_parse_end(tok);
	if (json_tokener_get_error(tok) == json_tokener_continue) {
		/* The tokener wants more: the line ended inside a value, or right
		 * after a top-level number or literal that might go on. A NUL is
		 * json-c's end of input: it completes the latter and turns the
		 * former into "unexpected end of data" instead of "continue". */
		obj = json_tokener_parse_ex(tok, "", 1);
		end = len;
	}
	jerr = json_tokener_get_error(tok);
	if (jerr != json_tokener_success) {
		snprintf(err, errlen, "malformed JSON: %s", json_tokener_error_desc(jerr));
		goto out;
	}
	/* Trailing text after one value is as malformed as a broken one; spaces
	 * and the \r of a CRLF line end are not text. */
	for (size_t i = end; i < len; i++) {
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r') {
			snprintf(err, errlen, "malformed JSON: text after the object");
			goto out;
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "a request must be a JSON object");
		goto out;
	}
	/* json-c's null is a NULL object, so has_tag tells "tag":null from no tag. */
	if (json_object_object_get_ex(obj, "tag", &out->tag)) {
		out->has_tag = true;
		json_object_get(out->tag);
	}
	if (!json_object_object_get_ex(obj, "cmd", &cmd)) {
		snprintf(err, errlen, "missing \"cmd\"");
		goto out;
	}
	if (!json_object_is_type(cmd, json_type_string)) {
		snprintf(err, errlen, "\"cmd\" must be a string");
		goto out;
	}
	name = json_object_get_string(cmd);
	name_len = (size_t)json_object_get_string_len(cmd);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		/* Lengths too: "status\u0000x" is not "status". */
		if (name_len == strlen(commands[i].name) && memcmp(name, commands[i].name, name_len) == 0) {
			out->cmd = commands[i].cmd;
			ok = parse_args(obj, out, err, errlen);
			goto out;
		}
	}
	unknown_command(name, name_len, err, errlen);
out:
	json_object_put(obj);
	json_tokener_free(tok);
	return ok;
}

void control_request_clear(struct control_request *req)
{
	if (req->tag)
		json_object_put(req->tag);
	req->tag = NULL;
	req->has_tag = false;
}
