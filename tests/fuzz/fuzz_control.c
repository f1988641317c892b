/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer harness for control request parsing (daemon/control/request.c):
 * any local client can write any bytes to the control socket.
 *
 * Each input is parsed three ways:
 * - as the line itself;
 * - spliced into request templates ({"cmd":…}, {"tag":…}, interval_ms, id,
 *   peer, public_key), so that argument checks are reached without a seed
 *   corpus having to find the command names first;
 * - when it starts with 0xff, repeated into a line just under or just over
 *   CONTROL_LINE_MAX, which libFuzzer's default max_len (4096) never gets
 *   near.
 * Every parsed request goes through the invariants below, its tag is printed
 * the way a reply would carry it, and it is cleared (LeakSanitizer checks
 * that nothing stays behind). Lines are handed over in exact-size heap
 * buffers without a NUL, as the daemon does, so ASan catches over-reads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/request.h"
#include "fuzz.h"

/* Whole UTF-8 sequences only, by structure (what json-c's validator checks):
 * an error message that cut a character in two would make the JSON reply
 * carrying it invalid. */
static bool utf8_whole(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p;) {
		int more = *p < 0x80 ? 0 : (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;

		if (more < 0)
			return false;
		p++;
		for (; more > 0; more--, p++)
			if ((*p & 0xc0) != 0x80)
				return false;
	}
	return true;
}

/* The tag as a reply carries it: one line that json-c reads back. (Not
 * necessarily the same text or type, nor strict JSON: json-c's lenient
 * parser takes numbers such as 1. or 0e or NaN and keeps a number's text as
 * sent, "0E" printing as 0; a client sending those gets them back.) */
static void check_tag(json_object *tag)
{
	const char *text = json_object_to_json_string_ext(tag, JSON_C_TO_STRING_PLAIN);
	json_object *again;

	REQUIRE(text != NULL);
	REQUIRE(strchr(text, '\n') == NULL);
	again = json_tokener_parse(text);
	REQUIRE(again != NULL || strcmp(text, "null") == 0);
	json_object_put(again);
	/* The default (spaced) printing, which the daemon does not use, for coverage. */
	REQUIRE(json_object_to_json_string(tag) != NULL);
}

/* Parse line[0..len) from an exact-size copy and check what came out. */
static void parse_one(const char *line, size_t len)
{
	struct control_request req;
	char err[1024], tiny[6];
	char *copy = malloc(len ? len : 1);
	bool ok;

	if (!copy)
		return;
	memcpy(copy, line, len);
	err[0] = '\0';
	ok = control_request_parse(copy, len, &req, err, sizeof(err));
	REQUIRE(req.tag == NULL || req.has_tag);
	if (ok) {
		REQUIRE(len <= CONTROL_LINE_MAX);
		REQUIRE(memchr(copy, '\0', len) == NULL);
		REQUIRE(req.cmd >= CMD_STATUS && req.cmd <= CMD_DENY);
		if (req.cmd == CMD_SUBSCRIBE)
			REQUIRE(req.interval_ms >= 100 && req.interval_ms <= 60000);
		if (req.cmd == CMD_CLOSE_STREAM)
			REQUIRE(req.stream_id >= 1);
		else
			REQUIRE(!req.has_peer);
	} else {
		/* A refusal always says why, in words (not json-c's internal
		 * states), within the buffer, without cutting a character. */
		REQUIRE(err[0] != '\0');
		REQUIRE(strlen(err) < sizeof(err));
		REQUIRE(strcmp(err, "malformed JSON: continue") != 0 && strcmp(err, "malformed JSON: success") != 0);
		REQUIRE(utf8_whole(err));
		if (len > CONTROL_LINE_MAX)
			REQUIRE(!req.has_tag);
	}
	if (req.has_tag)
		check_tag(req.tag);
	control_request_clear(&req);
	REQUIRE(req.tag == NULL && !req.has_tag);

	/* The same line with an error buffer too small for any message: cut
	 * and terminated, never overrun (ASan). */
	memset(tiny, 'z', sizeof(tiny));
	if (!control_request_parse(copy, len, &req, tiny, sizeof(tiny) - 1))
		REQUIRE(strlen(tiny) < sizeof(tiny) - 1);
	REQUIRE(tiny[sizeof(tiny) - 1] == 'z');
	control_request_clear(&req);
	free(copy);
}

/* prefix + data + suffix as one line. */
static void parse_spliced(const char *prefix, const uint8_t *data, size_t size, const char *suffix)
{
	size_t np = strlen(prefix), ns = strlen(suffix);
	char *line = malloc(np + size + ns + 1);

	if (!line)
		return;
	memcpy(line, prefix, np);
	memcpy(line + np, data, size);
	memcpy(line + np + size, suffix, ns);
	parse_one(line, np + size + ns);
	free(line);
}

static const struct {
	const char *prefix, *suffix;
} templates[] = {
	{ "{\"cmd\":", "}" },
	{ "{\"cmd\":\"", "\"}" },
	{ "{\"tag\":", ",\"cmd\":\"status\"}" },
	{ "{\"cmd\":\"fly\",\"tag\":", "}" },
	{ "{\"cmd\":\"subscribe\",\"interval_ms\":", "}" },
	{ "{\"cmd\":\"close_stream\",\"id\":", "}" },
	{ "{\"cmd\":\"close_stream\",\"id\":1,\"peer\":", "}" },
	{ "{\"cmd\":\"close_stream\",\"id\":1,\"peer\":\"", "\"}" },
	{ "{\"cmd\":\"allow\",\"public_key\":", "}" },
	{ "{\"cmd\":\"deny\",\"public_key\":\"", "\"}" },
	{ "{\"cmd\":\"status\"}", "" },
};

/* A line of CONTROL_LINE_MAX - 16 .. CONTROL_LINE_MAX + 15 bytes: a status
 * request whose tag string is data repeated (or x's), so that a line of
 * harmless bytes is valid up to the limit and refused past it. */
static void parse_long(const uint8_t *data, size_t size)
{
	static const char head[] = "{\"cmd\":\"status\",\"tag\":\"";
	size_t len = CONTROL_LINE_MAX - 16 + data[0] % 32, hl = sizeof(head) - 1;
	char *line = malloc(len);

	if (!line)
		return;
	data++;
	size--;
	memcpy(line, head, hl);
	for (size_t i = hl; i < len - 2; i++)
		line[i] = size ? (char)data[(i - hl) % size] : 'x';
	memcpy(line + len - 2, "\"}", 2);
	parse_one(line, len);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	parse_one((const char *)data, size);
	if (size >= 2 && data[0] == 0xff) {
		parse_long(data + 1, size - 1);
		return 0;
	}
	/* The spliced forms only for inputs short enough to be arguments. */
	if (size <= 512)
		for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++)
			parse_spliced(templates[i].prefix, data, size, templates[i].suffix);
	return 0;
}
