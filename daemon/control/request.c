#include <stdio.h>
#include <string.h>

#include "control/request.h"

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

static bool parse_args(json_object *obj, struct control_request *out, char *err, size_t errlen)
{
	json_object *v;
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
		if (json_object_object_get_ex(obj, "peer", &v)) {
			char e[128];

			if (!json_object_is_type(v, json_type_string) ||
			    !tt_parse_pubkey(json_object_get_string(v), out->peer, e, sizeof(e))) {
				snprintf(err, errlen, "\"peer\" must be a 64-digit public key");
				return false;
			}
			out->has_peer = true;
		}
		return true;
	default:
		return true;
	}
}

bool control_request_parse(const char *line, size_t len, struct control_request *out,
                           char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *obj, *cmd;
	const char *name;
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
	obj = json_tokener_parse_ex(tok, line, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		/* Trailing text after one object is as malformed as a broken one. */
		size_t end = json_tokener_get_parse_end(tok);
		bool only_space = obj != NULL;

		for (size_t i = end; only_space && i < len; i++)
			if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
				only_space = false;
		if (!only_space) {
			snprintf(err, errlen, "malformed JSON: %s",
			         obj ? "text after the object" : json_tokener_error_desc(json_tokener_get_error(tok)));
			goto out;
		}
	}
	if (!json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "a request must be a JSON object");
		goto out;
	}
	if (json_object_object_get_ex(obj, "tag", &out->tag))
		json_object_get(out->tag);
	if (!json_object_object_get_ex(obj, "cmd", &cmd) || !json_object_is_type(cmd, json_type_string)) {
		snprintf(err, errlen, "missing \"cmd\"");
		goto out;
	}
	name = json_object_get_string(cmd);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name) == 0) {
			out->cmd = commands[i].cmd;
			ok = parse_args(obj, out, err, errlen);
			goto out;
		}
	}
	snprintf(err, errlen, "unknown command '%.40s'", name);
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
}
