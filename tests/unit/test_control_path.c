/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the control socket's path (include/toxtun/control_path.h):
 * the daemon listens there and `tunnel status` and the tray look for it
 * there, so every case of daemon/control/PROTOCOL.md is checked here once. */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "toxtun/control_path.h"

/* The path for ini and role with XDG_RUNTIME_DIR set to xdg (NULL: unset). */
static const char *path_with(const char *xdg, const char *ini, const char *override, const char *role)
{
	static char out[256];

	if (xdg)
		setenv("XDG_RUNTIME_DIR", xdg, 1);
	else
		unsetenv("XDG_RUNTIME_DIR");
	if (!tt_control_socket_path(ini, override, role, out, sizeof(out)))
		return "(too long)";
	return out;
}

static void test_runtime_dir(void)
{
	CHECK_STR(path_with("/run/user/1000", "/etc/toxtun/office.ini", NULL, "server"),
	          "/run/user/1000/toxtun/office.server.sock");
	CHECK_STR(path_with("/run/user/1000", "client.ini", NULL, "client"),
	          "/run/user/1000/toxtun/client.client.sock");
	CHECK_STR(path_with("/x", "a/b.c/run.ini", NULL, "run"), "/x/toxtun/run.run.sock");
}

/* Without a usable XDG_RUNTIME_DIR: /run/toxtun for root, else a directory
 * of the user's own in /tmp. A relative XDG_RUNTIME_DIR does not count. */
static void test_fallbacks(void)
{
	char expect[128];

	if (getuid() == 0)
		snprintf(expect, sizeof(expect), "/run/toxtun/office.server.sock");
	else
		snprintf(expect, sizeof(expect), "/tmp/toxtun-%ld/office.server.sock", (long)getuid());
	CHECK_STR(path_with(NULL, "/etc/toxtun/office.ini", NULL, "server"), expect);
	CHECK_STR(path_with("", "/etc/toxtun/office.ini", NULL, "server"), expect);
	CHECK_STR(path_with("run/user/1000", "/etc/toxtun/office.ini", NULL, "server"), expect);
}

/* [control] socket wins over everything; an empty one means "not set". */
static void test_override(void)
{
	CHECK_STR(path_with("/run/user/1000", "/etc/toxtun/office.ini", "/srv/ctl.sock", "server"), "/srv/ctl.sock");
	CHECK_STR(path_with(NULL, "office.ini", "/srv/ctl.sock", "client"), "/srv/ctl.sock");
	CHECK_STR(path_with("/r", "office.ini", "", "client"), "/r/toxtun/office.client.sock");
}

/* The name: no directory, no extension (only the last one), a leading dot
 * kept. */
static void test_stem(void)
{
	static const struct {
		const char *ini, *stem;
	} cases[] = {
		{ "/etc/toxtun/office.ini", "office" }, { "office", "office" },     { "a.b.ini", "a.b" },
		{ "/home/u/.toxtunrc", ".toxtunrc" },   { "dir.d/file", "file" },   { "/etc/toxtun/x.ini/", "x" },
		{ "./office.ini", "office" },           { "..ini", "." },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = 0;
		const char *stem = tt_ini_stem(cases[i].ini, &len);
		char got[64];

		snprintf(got, sizeof(got), "%.*s", (int)len, stem);
		CHECK_STR(got, cases[i].stem);
	}
}

/* A path that does not fit is refused, not cut short; one that just fits
 * (NUL included) is fine. */
static void test_too_long(void)
{
	const char *want = "/run/user/1000/toxtun/o.run.sock";
	char out[64];

	setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
	CHECK(!tt_control_socket_path("/etc/toxtun/o.ini", NULL, "run", out, strlen(want)));
	CHECK(tt_control_socket_path("/etc/toxtun/o.ini", NULL, "run", out, strlen(want) + 1));
	CHECK_STR(out, want);
	CHECK(!tt_control_socket_path("o.ini", "/srv/ctl.sock", "run", out, strlen("/srv/ctl.sock")));
}

int main(void)
{
	RUN(test_runtime_dir);
	RUN(test_fallbacks);
	RUN(test_override);
	RUN(test_stem);
	RUN(test_too_long);
	return check_report();
}
