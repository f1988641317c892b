/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Control requests: one JSON object per line (see PROTOCOL.md). Parsing is
 * separate from acting on them so that it can be unit-tested and fuzzed. */
#ifndef TOXTUN_REQUEST_H
#define TOXTUN_REQUEST_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toxtun/config.h"

#define CONTROL_LINE_MAX (64 * 1024)
#define CONTROL_PROTOCOL 1

enum control_cmd {
	CMD_STATUS,
	CMD_SUBSCRIBE,
	CMD_UNSUBSCRIBE,
	CMD_RELOAD,
	CMD_CLOSE_STREAM,
	CMD_SHUTDOWN,
	CMD_PIPE,
	CMD_SANDBOX_PROBE,        /* test builds only (TOXTUN_TEST_HOOKS) */
	CMD_ALLOW,
	CMD_DENY,
};

struct control_request {
	enum control_cmd cmd;
	bool has_tag;             /* the request had a "tag" (its value may be null) */
	json_object *tag;         /* echoed in the reply; owned, NULL for a null tag */
	uint32_t interval_ms;     /* subscribe: 100..60000 */
	uint32_t stream_id;       /* close_stream */
	bool has_peer;            /* close_stream: peer given */
	uint8_t peer[TT_PUBKEY_SIZE];
	char host[TT_HOST_MAX];   /* pipe: where to, as seen from the server */
	uint16_t port;
	char via[TT_NAME_MAX];    /* pipe: the [client] line whose server carries it; "" = choose */
	uint8_t public_key[TT_PUBKEY_SIZE]; /* allow, deny */
};

/* Parse one line (without its newline). On failure returns false with err
 * set; has_tag and tag may still be set (so that the error reply can carry
 * the tag) and must be released with control_request_clear. */
bool control_request_parse(const char *line, size_t len, struct control_request *out,
                           char *err, size_t errlen);
void control_request_clear(struct control_request *req);

#endif
