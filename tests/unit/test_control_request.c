/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for control request parsing (daemon/control/request.c), the
 * daemon's first contact with whatever a local client writes to the control
 * socket (see daemon/control/PROTOCOL.md).
 *
 * Every line is copied into a heap buffer of exactly its length, without a
 * terminating NUL, the way the daemon hands over a slice of its input buffer:
 * under ASan a read past the end of the line is caught. Every request is
 * cleared after use, so that a leaked tag shows up in LeakSanitizer's report. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "control/request.h"

#define KEY_HEX "00112233445566778899AABBCCDDEEFF0123456789abcdefFEDCBA9876543210"

struct parsed {
	bool ok;
	struct control_request req;
	char err[256];
};

/* Parse buf[0..n) from an exact-size heap copy. */
static bool parse_n(const char *buf, size_t n, struct parsed *p)
{
	char *copy = malloc(n ? n : 1);

	if (!copy) {
		perror("malloc");
		exit(2);
	}
	memcpy(copy, buf, n);
	/* A marker, so that a failure that forgets to set err is visible. */
	snprintf(p->err, sizeof(p->err), "(err not set)");
	p->ok = control_request_parse(copy, n, &p->req, p->err, sizeof(p->err));
	free(copy);
	return p->ok;
}

static bool parse(const char *line, struct parsed *p)
{
	return parse_n(line, strlen(line), p);
}

static bool contains(const char *haystack, const char *needle)
{
	return strstr(haystack, needle) != NULL;
}

/* The line is refused and the message contains what; the request holds no
 * tag (the line had none, or it could not be read). */
#define REFUSED(line, what)                                                            \
	do {                                                                           \
		struct parsed p_;                                                      \
		CHECK(!parse((line), &p_));                                            \
		check_result(contains(p_.err, (what)), __FILE__, __LINE__,             \
		             "error for %s contains \"%s\" (got \"%s\")", (line),      \
		             (what), p_.err);                                          \
		CHECK(!p_.req.has_tag && p_.req.tag == NULL);                          \
		control_request_clear(&p_.req);                                        \
	} while (0)

/* ---- every command ---- */

static void test_commands(void)
{
	static const struct {
		const char *line;
		enum control_cmd cmd;
	} plain[] = {
		{ "{\"cmd\":\"status\"}", CMD_STATUS },
		{ "{\"cmd\":\"unsubscribe\"}", CMD_UNSUBSCRIBE },
		{ "{\"cmd\":\"reload\"}", CMD_RELOAD },
		{ "{\"cmd\":\"shutdown\"}", CMD_SHUTDOWN },
		/* Whitespace between tokens is JSON, not an error. */
		{ "  { \"cmd\" :\t\"status\" }", CMD_STATUS },
	};
	struct parsed p;

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (CHECK(parse(plain[i].line, &p))) {
			CHECK_EQ_I(p.req.cmd, plain[i].cmd);
			CHECK(!p.req.has_tag && p.req.tag == NULL);
		} else {
			fprintf(stderr, "  %s: %s\n", plain[i].line, p.err);
		}
		control_request_clear(&p.req);
	}

	if (CHECK(parse("{\"cmd\":\"subscribe\",\"interval_ms\":1000}", &p))) {
		CHECK_EQ_I(p.req.cmd, CMD_SUBSCRIBE);
		CHECK_EQ_U(p.req.interval_ms, 1000);
	}
	control_request_clear(&p.req);

	/* Member order does not matter. */
	if (CHECK(parse("{\"interval_ms\":250,\"cmd\":\"subscribe\"}", &p))) {
		CHECK_EQ_I(p.req.cmd, CMD_SUBSCRIBE);
		CHECK_EQ_U(p.req.interval_ms, 250);
	}
	control_request_clear(&p.req);

	/* close_stream without a peer: the id alone. */
	if (CHECK(parse("{\"cmd\":\"close_stream\",\"id\":7}", &p))) {
		CHECK_EQ_I(p.req.cmd, CMD_CLOSE_STREAM);
		CHECK_EQ_U(p.req.stream_id, 7);
		CHECK(!p.req.has_peer);
	}
	control_request_clear(&p.req);

	/* With a peer: the key is decoded, hex digits of either case. */
	if (CHECK(parse("{\"cmd\":\"close_stream\",\"id\":42,\"peer\":\"" KEY_HEX "\"}", &p))) {
		static const uint8_t key[TT_PUBKEY_SIZE] = {
			0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
			0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
			0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
		};

		CHECK_EQ_I(p.req.cmd, CMD_CLOSE_STREAM);
		CHECK_EQ_U(p.req.stream_id, 42);
		CHECK(p.req.has_peer);
		CHECK_MEM(p.req.peer, key, sizeof(key));
	} else {
		fprintf(stderr, "  close_stream with peer: %s\n", p.err);
	}
	control_request_clear(&p.req);
}

/* The request is reset on every parse: nothing from an earlier (or a
 * failed) request leaks into the next one parsed into the same struct. */
static void test_reset_between_requests(void)
{
	struct parsed p;

	CHECK(parse("{\"cmd\":\"close_stream\",\"id\":9,\"peer\":\"" KEY_HEX "\",\"tag\":1}", &p));
	control_request_clear(&p.req);
	CHECK(!p.req.has_tag && p.req.tag == NULL);
	if (CHECK(parse("{\"cmd\":\"status\"}", &p))) {
		CHECK_EQ_U(p.req.stream_id, 0);
		CHECK(!p.req.has_peer);
		CHECK(!p.req.has_tag && p.req.tag == NULL);
	}
	control_request_clear(&p.req);

	/* A close_stream whose peer is bad must not look like one with a peer
	 * to a caller that ignores the result. */
	CHECK(!parse("{\"cmd\":\"close_stream\",\"id\":9,\"peer\":\"xyz\"}", &p));
	CHECK(!p.req.has_peer);
	control_request_clear(&p.req);

	/* Clearing twice, or a request that never had a tag, is harmless. */
	control_request_clear(&p.req);
}

/* ---- boundaries of the numeric arguments ---- */

static void test_boundaries(void)
{
	static const struct {
		const char *line;
		uint32_t interval, id;
	} good[] = {
		{ "{\"cmd\":\"subscribe\",\"interval_ms\":100}", 100, 0 },
		{ "{\"cmd\":\"subscribe\",\"interval_ms\":60000}", 60000, 0 },
		{ "{\"cmd\":\"close_stream\",\"id\":1}", 0, 1 },
		{ "{\"cmd\":\"close_stream\",\"id\":4294967295}", 0, 4294967295u },
		{ "{\"cmd\":\"close_stream\",\"id\":2147483648}", 0, 2147483648u },
	};
	struct parsed p;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (CHECK(parse(good[i].line, &p))) {
			CHECK_EQ_U(p.req.interval_ms, good[i].interval);
			CHECK_EQ_U(p.req.stream_id, good[i].id);
		} else {
			fprintf(stderr, "  %s: %s\n", good[i].line, p.err);
		}
		control_request_clear(&p.req);
	}
}

/* ---- the tag ---- */

/* A tag of any JSON type is kept as it was sent (json-c's plain printing of
 * it is compared) and echoed the way the daemon adds it to its reply. */
static void check_tag(const char *tag_json, const char *printed)
{
	char line[512], want[512];
	struct parsed p;

	snprintf(line, sizeof(line), "{\"tag\":%s,\"cmd\":\"status\"}", tag_json);
	if (!CHECK(parse(line, &p))) {
		fprintf(stderr, "  %s: %s\n", line, p.err);
		control_request_clear(&p.req);
		return;
	}
	if (CHECK(p.req.has_tag)) {
		json_object *reply = json_object_new_object();

		CHECK_STR(p.req.tag ? json_object_to_json_string_ext(p.req.tag, JSON_C_TO_STRING_PLAIN) : "null",
		          printed);
		/* What control.c does with it: a null tag (json-c's NULL) must come
		 * out as "tag":null, not vanish. */
		json_object_object_add(reply, "ok", json_object_new_boolean(1));
		json_object_object_add(reply, "tag", json_object_get(p.req.tag));
		snprintf(want, sizeof(want), "{\"ok\":true,\"tag\":%s}", printed);
		CHECK_STR(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN), want);
		json_object_put(reply);
	}
	/* The reply owns its own reference: clearing the request (after the
	 * reply is gone or before) frees the tag exactly once, which ASan checks. */
	control_request_clear(&p.req);
	CHECK(!p.req.has_tag && p.req.tag == NULL);
}

static void test_tags(void)
{
	check_tag("\"abc\"", "\"abc\"");
	check_tag("\"\"", "\"\"");
	check_tag("\"quote \\\" back \\\\ nl \\n\"", "\"quote \\\" back \\\\ nl \\n\"");
	check_tag("\"\\u00e9\"", "\"\xc3\xa9\"");
	check_tag("17", "17");
	check_tag("-3", "-3");
	check_tag("18446744073709551615", "18446744073709551615");
	check_tag("2.5", "2.5");
	check_tag("true", "true");
	check_tag("false", "false");
	check_tag("null", "null");
	check_tag("{}", "{}");
	check_tag("[]", "[]");
	check_tag("{\"a\":[1,{\"b\":null}],\"c\":\"d\"}", "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}");
	check_tag("[1,\"two\",3.5,null,[true]]", "[1,\"two\",3.5,null,[true]]");

	/* A tag on a command with arguments, after them. */
	{
		struct parsed p;

		if (CHECK(parse("{\"cmd\":\"subscribe\",\"interval_ms\":500,\"tag\":\"s1\"}", &p))) {
			CHECK_EQ_U(p.req.interval_ms, 500);
			CHECK(p.req.has_tag);
			CHECK_STR(json_object_get_string(p.req.tag), "s1");
		}
		control_request_clear(&p.req);
	}
}

/* On failure the tag is still there when the line was a readable object, so
 * the error reply can carry it; control_request_clear releases it (ASan's
 * leak check would report it otherwise). */
static void check_tag_on_error(const char *line, const char *what)
{
	struct parsed p;

	CHECK(!parse(line, &p));
	check_result(contains(p.err, what), __FILE__, __LINE__, "error for %s contains \"%s\" (got \"%s\")",
	             line, what, p.err);
	if (CHECK(p.req.has_tag && p.req.tag != NULL))
		CHECK_STR(json_object_to_json_string_ext(p.req.tag, JSON_C_TO_STRING_PLAIN), "[\"t\",1]");
	control_request_clear(&p.req);
	CHECK(!p.req.has_tag && p.req.tag == NULL);
}

static void test_tag_on_error(void)
{
	check_tag_on_error("{\"tag\":[\"t\",1]}", "missing \"cmd\"");
	check_tag_on_error("{\"tag\":[\"t\",1],\"cmd\":5}", "\"cmd\" must be a string");
	check_tag_on_error("{\"tag\":[\"t\",1],\"cmd\":\"fly\"}", "unknown command 'fly'");
	/* The tag comes before or after the bad member: it is kept either way. */
	check_tag_on_error("{\"cmd\":\"fly\",\"tag\":[\"t\",1]}", "unknown command 'fly'");
	check_tag_on_error("{\"tag\":[\"t\",1],\"cmd\":\"subscribe\"}", "missing \"interval_ms\"");
	check_tag_on_error("{\"tag\":[\"t\",1],\"cmd\":\"subscribe\",\"interval_ms\":5}", "100..60000");
	check_tag_on_error("{\"tag\":[\"t\",1],\"cmd\":\"close_stream\",\"id\":0}", "\"id\" must be");
	check_tag_on_error("{\"tag\":[\"t\",1],\"cmd\":\"close_stream\",\"id\":1,\"peer\":\"ab\"}", "\"peer\"");

	/* A null tag on failure: present, and NULL. */
	{
		struct parsed p;

		CHECK(!parse("{\"tag\":null,\"cmd\":\"fly\"}", &p));
		CHECK(p.req.has_tag && p.req.tag == NULL);
		control_request_clear(&p.req);
	}

	/* A line that is not a readable object has no tag to give. */
	REFUSED("{\"tag\":\"t\",\"cmd\":", "malformed JSON");
	REFUSED("{\"tag\":\"t\",\"cmd\":\"status\"} x", "malformed JSON");
	REFUSED("[{\"tag\":\"t\",\"cmd\":\"status\"}]", "a request must be a JSON object");
}

/* ---- malformed lines ---- */

static void test_malformed(void)
{
	static const char request[] = "{\"cmd\":\"close_stream\",\"id\":12,\"peer\":\"" KEY_HEX "\",\"tag\":[1,\"x\"]}";
	struct parsed p;

	/* Every proper prefix of a good request is refused, and says so in a
	 * readable way: json-c's "continue" (it wants more input) is no message
	 * for a user. */
	for (size_t n = 0; n < sizeof(request) - 1; n++) {
		bool ok = !parse_n(request, n, &p) && strncmp(p.err, "malformed JSON: ", 16) == 0 &&
		          !contains(p.err, "continue") && !p.req.has_tag && p.req.tag == NULL;

		control_request_clear(&p.req);
		/* The first bad prefix says enough. */
		if (!check_result(ok, __FILE__, __LINE__, "prefix of %zu bytes refused as malformed (got \"%s\")",
		                  n, p.err))
			break;
	}
	CHECK(parse_n(request, sizeof(request) - 1, &p));
	control_request_clear(&p.req);

	REFUSED("{\"cmd\":\"status\"", "malformed JSON: unexpected end of data");
	REFUSED("{\"cmd\":\"sta", "malformed JSON: unexpected end of data");
	REFUSED("{\"cmd\":\"status\",\"tag\":tr", "malformed JSON");
	REFUSED("", "malformed JSON");
	REFUSED("   ", "malformed JSON");
	REFUSED("not json", "malformed JSON");
	REFUSED("}", "malformed JSON");
	REFUSED("{\"cmd\" \"status\"}", "malformed JSON");
	REFUSED("{\"cmd\":status}", "malformed JSON");
	REFUSED("{\"cmd\":\"status\"]", "malformed JSON");
	REFUSED("{\"cmd\":\"bad escape \\x\"}", "malformed JSON");
	REFUSED("\x01\x02\x7f", "malformed JSON");
	REFUSED("\xff\xfe{}", "malformed JSON");

	/* Text after the object is as malformed as a broken object... */
	REFUSED("{\"cmd\":\"status\"} x", "malformed JSON: text after the object");
	REFUSED("{\"cmd\":\"status\"}{\"cmd\":\"status\"}", "malformed JSON: text after the object");
	REFUSED("{\"cmd\":\"status\"}}", "malformed JSON: text after the object");
	REFUSED("{\"cmd\":\"status\"} 1", "malformed JSON: text after the object");
	REFUSED("null x", "malformed JSON: text after the object");

	/* ...but spaces, tabs and a CR (CRLF clients) after it are not text. */
	if (CHECK(parse("{\"cmd\":\"status\"}   ", &p)))
		CHECK_EQ_I(p.req.cmd, CMD_STATUS);
	control_request_clear(&p.req);
	if (CHECK(parse("{\"cmd\":\"reload\"}\r", &p)))
		CHECK_EQ_I(p.req.cmd, CMD_RELOAD);
	control_request_clear(&p.req);
	if (CHECK(parse("{\"cmd\":\"shutdown\"} \t \r", &p)))
		CHECK_EQ_I(p.req.cmd, CMD_SHUTDOWN);
	control_request_clear(&p.req);
	/* A CR inside the line, before the object, is whitespace as well. */
	if (CHECK(parse("\r{\"cmd\":\"status\"}", &p)))
		CHECK_EQ_I(p.req.cmd, CMD_STATUS);
	control_request_clear(&p.req);

	/* Invalid UTF-8 is refused: replies echo the tag and quote the command,
	 * and must themselves be UTF-8. */
	REFUSED("{\"cmd\":\"st\xff\"}", "malformed JSON");
	REFUSED("{\"cmd\":\"status\",\"tag\":\"\xc3\"}", "malformed JSON");
	REFUSED("{\"cmd\":\"status\",\"tag\":\"\xe2\x82\"}", "malformed JSON");
	/* Valid UTF-8 of every length is fine. */
	if (CHECK(parse("{\"cmd\":\"status\",\"tag\":\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}", &p)))
		CHECK_STR(json_object_get_string(p.req.tag), "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	control_request_clear(&p.req);

	/* Nesting is bounded (json-c's depth limit), not a stack overflow. */
	{
		char deep[2 * 2000 + 64];
		size_t n = 0;

		n += (size_t)sprintf(deep, "{\"cmd\":\"status\",\"tag\":");
		for (int i = 0; i < 2000; i++)
			deep[n++] = '[';
		for (int i = 0; i < 2000; i++)
			deep[n++] = ']';
		deep[n++] = '}';
		CHECK(!parse_n(deep, n, &p));
		CHECK(contains(p.err, "malformed JSON"));
		control_request_clear(&p.req);
	}
}

/* ---- not an object ---- */

static void test_not_object(void)
{
	REFUSED("[]", "a request must be a JSON object");
	REFUSED("[1,2]", "a request must be a JSON object");
	REFUSED("[{\"cmd\":\"status\"}]", "a request must be a JSON object");
	/* A top-level number or literal at the very end of the line: the parser
	 * cannot tell whether it goes on, which must not read as malformed. */
	REFUSED("42", "a request must be a JSON object");
	REFUSED("42 ", "a request must be a JSON object");
	REFUSED("-1.5e3", "a request must be a JSON object");
	REFUSED("\"status\"", "a request must be a JSON object");
	REFUSED("\"{\\\"cmd\\\":\\\"status\\\"}\"", "a request must be a JSON object");
	REFUSED("true", "a request must be a JSON object");
	REFUSED("false ", "a request must be a JSON object");
	REFUSED("null", "a request must be a JSON object");
	REFUSED("null  \r", "a request must be a JSON object");
}

/* ---- the command ---- */

static void test_cmd(void)
{
	struct parsed p;

	REFUSED("{}", "missing \"cmd\"");
	REFUSED("{\"command\":\"status\"}", "missing \"cmd\"");
	REFUSED("{\"Cmd\":\"status\"}", "missing \"cmd\"");
	REFUSED("{\"cmd\":7}", "\"cmd\" must be a string");
	REFUSED("{\"cmd\":null}", "\"cmd\" must be a string");
	REFUSED("{\"cmd\":true}", "\"cmd\" must be a string");
	REFUSED("{\"cmd\":[\"status\"]}", "\"cmd\" must be a string");
	REFUSED("{\"cmd\":{\"status\":1}}", "\"cmd\" must be a string");

	/* An unknown command is named in the message. */
	REFUSED("{\"cmd\":\"fly\"}", "unknown command 'fly'");
	REFUSED("{\"cmd\":\"\"}", "unknown command ''");
	/* Names are exact: no case folding, no prefixes, no padding. */
	REFUSED("{\"cmd\":\"STATUS\"}", "unknown command 'STATUS'");
	REFUSED("{\"cmd\":\"stat\"}", "unknown command 'stat'");
	REFUSED("{\"cmd\":\"statuss\"}", "unknown command 'statuss'");
	REFUSED("{\"cmd\":\" status\"}", "unknown command ' status'");
	REFUSED("{\"cmd\":\"close-stream\"}", "unknown command 'close-stream'");
	/* An escaped NUL does not cut the name short into a known command. */
	REFUSED("{\"cmd\":\"status\\u0000x\"}", "unknown command 'status");
	REFUSED("{\"cmd\":\"status\\u0000\"}", "unknown command 'status");

	/* A long name is cut in the message (it stays one short line); the
	 * beginning is still shown, and the cut is marked. */
	{
		char line[4096], shown[64];

		snprintf(line, sizeof(line), "{\"cmd\":\"");
		for (size_t i = strlen(line); i < 3000; i++)
			line[i] = (char)('a' + i % 26);
		snprintf(line + 3000, sizeof(line) - 3000, "\"}");
		CHECK(!parse(line, &p));
		snprintf(shown, sizeof(shown), "unknown command '%.20s", line + 8);
		CHECK(contains(p.err, shown));
		CHECK(contains(p.err, "...'"));
		CHECK(strlen(p.err) < 80);
		control_request_clear(&p.req);
	}
	/* The cut never splits a UTF-8 character: the message is sent back in
	 * a JSON reply. 39 ASCII letters then a two-byte 'é' straddle it. */
	{
		const char *line = "{\"cmd\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\xc3\xa9\"}";

		CHECK(!parse(line, &p));
		CHECK(contains(p.err, "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'"));
		CHECK(!contains(p.err, "\xc3'") && !contains(p.err, "\xc3."));
		control_request_clear(&p.req);
	}
	/* A name of exactly the shown length is not marked as cut. */
	REFUSED("{\"cmd\":\"0123456789012345678901234567890123456789\"}",
	        "unknown command '0123456789012345678901234567890123456789'");
	/* Non-ASCII names are shown whole when short. */
	REFUSED("{\"cmd\":\"\xc3\xa9t\xc3\xa9\"}", "unknown command '\xc3\xa9t\xc3\xa9'");
}

/* ---- subscribe ---- */

static void test_subscribe_errors(void)
{
	REFUSED("{\"cmd\":\"subscribe\"}", "missing \"interval_ms\"");
	REFUSED("{\"cmd\":\"subscribe\",\"interval\":1000}", "missing \"interval_ms\"");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":0}", "\"interval_ms\" must be 100..60000");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":99}", "\"interval_ms\" must be 100..60000");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":60001}", "\"interval_ms\" must be 100..60000");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":-1000}", "\"interval_ms\" must be 100..60000");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":4294968296}", "\"interval_ms\" must be 100..60000");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":18446744073709551615}", "\"interval_ms\" must be 100..60000");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":\"1000\"}", "\"interval_ms\" must be an integer");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":1000.5}", "\"interval_ms\" must be an integer");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":1000.0}", "\"interval_ms\" must be an integer");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":1e3}", "\"interval_ms\" must be an integer");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":null}", "\"interval_ms\" must be an integer");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":true}", "\"interval_ms\" must be an integer");
	REFUSED("{\"cmd\":\"subscribe\",\"interval_ms\":[1000]}", "\"interval_ms\" must be an integer");
}

/* ---- close_stream ---- */

static void test_close_stream_errors(void)
{
	REFUSED("{\"cmd\":\"close_stream\"}", "missing \"id\"");
	REFUSED("{\"cmd\":\"close_stream\",\"peer\":\"" KEY_HEX "\"}", "missing \"id\"");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":0}", "\"id\" must be 1..4294967295");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":-1}", "\"id\" must be 1..4294967295");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":-4294967295}", "\"id\" must be 1..4294967295");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":4294967296}", "\"id\" must be 1..4294967295");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":9223372036854775808}", "\"id\" must be 1..4294967295");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":18446744073709551615}", "\"id\" must be 1..4294967295");
	/* Beyond 64 bits json-c no longer has an integer: refused either way. */
	REFUSED("{\"cmd\":\"close_stream\",\"id\":99999999999999999999999}", "\"id\" must be");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":-99999999999999999999999}", "\"id\" must be");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":\"7\"}", "\"id\" must be an integer");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":7.0}", "\"id\" must be an integer");
	REFUSED("{\"cmd\":\"close_stream\",\"id\":null}", "\"id\" must be an integer");

	/* Bad peers: wrong length, not hex, not a string. */
	static const char *const bad_peers[] = {
		"\"\"",
		"\"0011\"",
		"\"" KEY_HEX "0\"",                                /* 65 digits */
		"\"0" KEY_HEX "\"",                                /* 65 the other way */
		"\"" KEY_HEX "00000000000000\"",                   /* 78: a Tox ID-ish */
		"\"00112233445566778899AABBCCDDEEFF0123456789abcdefFEDCBA987654321\"", /* 63 */
		"\"00112233445566778899AABBCCDDEEFF0123456789abcdefFEDCBA987654321g\"", /* a g */
		"\"00112233445566778899AABBCCDDEEFF0123456789abcdefFEDCBA987654321 \"", /* a space */
		"\" 0112233445566778899AABBCCDDEEFF0123456789abcdefFEDCBA9876543210\"",
		"\"0x112233445566778899AABBCCDDEEFF0123456789abcdefFEDCBA9876543210\"",
		"\"" KEY_HEX "\\u0000\"",                          /* escaped NUL after a good key */
		"\"" KEY_HEX "\\u0000junk\"",
		"\"00112233445566778899AABBCCDDEEFF\\u00000123456789abcdefFEDCBA98765432\"",
		"12345",
		"null",
		"true",
		"[\"" KEY_HEX "\"]",
		"{\"key\":\"" KEY_HEX "\"}",
	};

	for (size_t i = 0; i < sizeof(bad_peers) / sizeof(bad_peers[0]); i++) {
		char line[512];

		snprintf(line, sizeof(line), "{\"cmd\":\"close_stream\",\"id\":3,\"peer\":%s}", bad_peers[i]);
		REFUSED(line, "\"peer\" must be a 64-digit public key");
		/* allow and deny take their key by the same rule. */
		snprintf(line, sizeof(line), "{\"cmd\":\"allow\",\"public_key\":%s}", bad_peers[i]);
		REFUSED(line, "\"public_key\" must be a 64-digit public key");
		snprintf(line, sizeof(line), "{\"cmd\":\"deny\",\"public_key\":%s}", bad_peers[i]);
		REFUSED(line, "\"public_key\" must be a 64-digit public key");
	}
}

/* pipe: a destination, and optionally the line to carry it. */
static void test_pipe(void)
{
	struct parsed p;

	if (CHECK(parse("{\"cmd\":\"pipe\",\"host\":\"db.internal\",\"port\":5432}", &p))) {
		CHECK(p.req.cmd == CMD_PIPE);
		CHECK(strcmp(p.req.host, "db.internal") == 0);
		CHECK_EQ_U(p.req.port, 5432);
		CHECK(p.req.via[0] == '\0');
	}
	control_request_clear(&p.req);
	if (CHECK(parse("{\"cmd\":\"pipe\",\"host\":\"::1\",\"port\":22,\"via\":\"office\"}", &p))) {
		CHECK(strcmp(p.req.host, "::1") == 0);
		CHECK(strcmp(p.req.via, "office") == 0);
	}
	control_request_clear(&p.req);
	REFUSED("{\"cmd\":\"pipe\",\"port\":22}", "missing \"host\"");
	REFUSED("{\"cmd\":\"pipe\",\"host\":\"h\"}", "missing \"port\"");
	REFUSED("{\"cmd\":\"pipe\",\"host\":\"\",\"port\":22}", "\"host\" must be a string");
	REFUSED("{\"cmd\":\"pipe\",\"host\":7,\"port\":22}", "\"host\" must be a string");
	REFUSED("{\"cmd\":\"pipe\",\"host\":\"a\\u0000b\",\"port\":22}", "\"host\" must be a string");
	REFUSED("{\"cmd\":\"pipe\",\"host\":\"h\",\"port\":0}", "\"port\" must be 1..65535");
	REFUSED("{\"cmd\":\"pipe\",\"host\":\"h\",\"port\":65536}", "\"port\" must be 1..65535");
	REFUSED("{\"cmd\":\"pipe\",\"host\":\"h\",\"port\":22,\"via\":[]}", "\"via\" must be a string");
	{
		char line[1024], host[400];

		memset(host, 'a', sizeof(host) - 1);
		host[sizeof(host) - 1] = '\0';
		snprintf(line, sizeof(line), "{\"cmd\":\"pipe\",\"host\":\"%s\",\"port\":22}", host);
		REFUSED(line, "\"host\" must be a string of 1..255 bytes");
	}
}

/* ---- allow and deny ---- */

static void test_allow_deny(void)
{
	static const uint8_t key[TT_PUBKEY_SIZE] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
		0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
		0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
	};
	struct parsed p;

	if (CHECK(parse("{\"cmd\":\"allow\",\"public_key\":\"" KEY_HEX "\"}", &p))) {
		CHECK_EQ_I(p.req.cmd, CMD_ALLOW);
		CHECK_MEM(p.req.public_key, key, sizeof(key));
	}
	control_request_clear(&p.req);
	if (CHECK(parse("{\"public_key\":\"" KEY_HEX "\",\"cmd\":\"deny\",\"tag\":5}", &p))) {
		CHECK_EQ_I(p.req.cmd, CMD_DENY);
		CHECK_MEM(p.req.public_key, key, sizeof(key));
		CHECK(p.req.has_tag);
	}
	control_request_clear(&p.req);
	REFUSED("{\"cmd\":\"allow\"}", "missing \"public_key\"");
	REFUSED("{\"cmd\":\"deny\",\"peer\":\"" KEY_HEX "\"}", "missing \"public_key\"");
	/* A Tox ID is the command line's business, not the protocol's. */
	REFUSED("{\"cmd\":\"allow\",\"public_key\":\"" KEY_HEX "0102030405AB\"}",
	        "\"public_key\" must be a 64-digit public key");
}

/* ---- NUL bytes and the length limit ---- */

static void test_nul_and_length(void)
{
	static const char with_nul[] = "{\"cmd\":\"status\"}\0";
	static const char nul_inside[] = "{\"cmd\":\"sta\0tus\"}";
	static const char nul_first[] = "\0{\"cmd\":\"status\"}";
	struct parsed p;
	char *big;
	size_t n;

	/* A raw NUL anywhere in the line, even where it would end a C string
	 * right after a good request. */
	CHECK(!parse_n(with_nul, sizeof(with_nul) - 1, &p));
	CHECK(contains(p.err, "NUL byte"));
	control_request_clear(&p.req);
	CHECK(!parse_n(nul_inside, sizeof(nul_inside) - 1, &p));
	CHECK(contains(p.err, "NUL byte"));
	control_request_clear(&p.req);
	CHECK(!parse_n(nul_first, sizeof(nul_first) - 1, &p));
	CHECK(contains(p.err, "NUL byte"));
	control_request_clear(&p.req);

	/* A request of exactly CONTROL_LINE_MAX bytes (padded by a member)
	 * is fine, one byte more is refused before it is parsed at all. */
	big = malloc(CONTROL_LINE_MAX + 2);
	if (!CHECK(big != NULL))
		return;
	n = (size_t)sprintf(big, "{\"cmd\":\"subscribe\",\"interval_ms\":200,\"pad\":\"");
	memset(big + n, 'x', CONTROL_LINE_MAX - n - 2);
	memcpy(big + CONTROL_LINE_MAX - 2, "\"}", 2);
	if (CHECK(parse_n(big, CONTROL_LINE_MAX, &p)))
		CHECK_EQ_U(p.req.interval_ms, 200);
	else
		fprintf(stderr, "  %d-byte request: %s\n", CONTROL_LINE_MAX, p.err);
	control_request_clear(&p.req);

	/* The same request with a trailing space: one byte over. */
	big[CONTROL_LINE_MAX] = ' ';
	CHECK(!parse_n(big, CONTROL_LINE_MAX + 1, &p));
	CHECK(contains(p.err, "longer than 65536 bytes"));
	CHECK(!p.req.has_tag);
	control_request_clear(&p.req);

	/* A big tag: kept whole when the line fits. */
	n = (size_t)sprintf(big, "{\"cmd\":\"status\",\"tag\":\"");
	memset(big + n, 'y', CONTROL_LINE_MAX - n - 2);
	memcpy(big + CONTROL_LINE_MAX - 2, "\"}", 2);
	if (CHECK(parse_n(big, CONTROL_LINE_MAX, &p)))
		CHECK_EQ_U(json_object_get_string_len(p.req.tag), CONTROL_LINE_MAX - n - 2);
	control_request_clear(&p.req);
	free(big);
}

/* ---- the error buffer ---- */

static void test_small_error_buffer(void)
{
	struct control_request req;
	char err[8];

	/* The message is cut to the buffer and terminated; ASan catches any
	 * write past it. */
	memset(err, 'z', sizeof(err));
	CHECK(!control_request_parse("{\"cmd\":\"fly\"}", 13, &req, err, sizeof(err)));
	CHECK_EQ_U(strlen(err), sizeof(err) - 1);
	control_request_clear(&req);

	memset(err, 'z', sizeof(err));
	CHECK(!control_request_parse("[]", 2, &req, err, 1));
	CHECK_EQ_U(err[0], 0);
	CHECK_EQ_U((unsigned char)err[1], 'z');
	control_request_clear(&req);
}

/* ---- random damage ---- */

/* Good requests with random bytes changed, inserted or removed: whatever
 * the result, a refusal says why, and everything is released (ASan). */
static void test_random_damage(void)
{
	static const char *const good[] = {
		"{\"cmd\":\"status\",\"tag\":{\"a\":[1,2.5,\"x\",null,true]}}",
		"{\"cmd\":\"subscribe\",\"interval_ms\":1000,\"tag\":\"w\"}",
		"{\"cmd\":\"close_stream\",\"id\":4294967295,\"peer\":\"" KEY_HEX "\"}",
		"{\"cmd\":\"reload\",\"tag\":-7}",
	};
	static const char alphabet[] = "{}[]\":,\\ 0123456789-+.eE\r\t\nabcdefnrtul\x01\x80\xc3\xa9\xff";
	int refused = 0, accepted = 0, bad = 0;

	check_seed(0x70C7A1);
	for (int round = 0; round < 20000; round++) {
		const char *src = good[check_rand() % (sizeof(good) / sizeof(good[0]))];
		char buf[256];
		size_t n = strlen(src);
		struct parsed p;
		unsigned edits = (unsigned)check_rand_range(1, 4);

		memcpy(buf, src, n);
		for (unsigned e = 0; e < edits; e++) {
			size_t at = (size_t)check_rand_range(0, n ? n - 1 : 0);
			char c = alphabet[check_rand() % (sizeof(alphabet) - 1)];

			switch (check_rand() % 3) {
			case 0:
				if (n)
					buf[at] = c;
				break;
			case 1:
				if (n + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, n - at);
					buf[at] = c;
					n++;
				}
				break;
			default:
				if (n) {
					memmove(buf + at, buf + at + 1, n - at - 1);
					n--;
				}
			}
		}
		/* One check for the whole loop, not 20000: the first bad case is
		 * printed, which is what one needs to reproduce it. */
		if (parse_n(buf, n, &p)) {
			accepted++;
			if ((p.req.cmd == CMD_SUBSCRIBE && (p.req.interval_ms < 100 || p.req.interval_ms > 60000)) ||
			    (p.req.cmd == CMD_CLOSE_STREAM && p.req.stream_id < 1)) {
				if (!bad++)
					fprintf(stderr, "  accepted out of range: %.*s\n", (int)n, buf);
			}
		} else {
			refused++;
			if (!p.err[0] || strcmp(p.err, "(err not set)") == 0 || strcmp(p.err, "malformed JSON: continue") == 0 ||
			    strcmp(p.err, "malformed JSON: success") == 0) {
				if (!bad++)
					fprintf(stderr, "  unclear error \"%s\" for: %.*s\n", p.err, (int)n, buf);
			}
		}
		if (p.req.tag)
			json_object_to_json_string(p.req.tag);
		control_request_clear(&p.req);
	}
	printf("     random damage: %d accepted, %d refused\n", accepted, refused);
	CHECK_EQ_I(bad, 0);
	CHECK(refused > 0 && accepted > 0);
}

int main(void)
{
	RUN(test_commands);
	RUN(test_reset_between_requests);
	RUN(test_boundaries);
	RUN(test_tags);
	RUN(test_tag_on_error);
	RUN(test_malformed);
	RUN(test_not_object);
	RUN(test_cmd);
	RUN(test_subscribe_errors);
	RUN(test_close_stream_errors);
	RUN(test_pipe);
	RUN(test_allow_deny);
	RUN(test_nul_and_length);
	RUN(test_small_error_buffer);
	RUN(test_random_damage);
	return check_report();
}
