# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line, config errors and identity handling of `tunnel`.

No Tox network is needed: every bad ini must be rejected at start-up, before
any networking, with exit status 2 and one stderr line "FILE:LINE: message".
Each ini still carries a local-only bootstrap line (to a port nobody serves),
so a config that is wrongly accepted cannot make the daemon reach the internet
through the built-in public bootstrap nodes; it is simply killed after the
timeout and the case fails.

Message key words are matched loosely, case-insensitively: the exact wording
belongs to the config parser.
"""

import hashlib
import os
import re
import socket
import stat

import toxnet

# A syntactically valid public key for a bootstrap node that does not exist.
FAKE_NODE_KEY = hashlib.sha256(b"toxtun test: no such node").hexdigest().upper()
DEAD_UDP_PORT = toxnet.free_port(socket.SOCK_DGRAM)
CLI_TIMEOUT = 15.0


def base_tox_section():
    return "[tox]\nbootstrap = 127.0.0.1 %d %s\nlocal_discovery = no\n" % (
        DEAD_UDP_PORT, FAKE_NODE_KEY)


def corrupt_checksum(tox_id):
    """The same Tox ID with its last hex digit changed: the checksum no longer matches."""
    last = tox_id[-1]
    return tox_id[:-1] + ("0" if last != "0" else "1")


def error_cases(tox_id):
    """(label, role, ini lines, the bad line, key word regex or None).

    The expected line number is where the bad line appears in the file; for
    duplicates, the second occurrence."""
    return [
        ("unknown section", "client",
         ["[bogus]", "x = 1"], "[bogus]", r"unknown section"),
        ("unknown key in [tox]", "client",
         ["colour = blue"], "colour = blue", r"unknown key"),
        ("unknown key in [link]", "client",
         ["[link]", "speed = 11"], "speed = 11", r"unknown key"),
        ("listen port out of range", "client",
         ["[client]", "web = 70000:127.0.0.1:80:" + tox_id],
         "web = 70000:127.0.0.1:80:" + tox_id, r"port"),
        ("remote port zero", "client",
         ["[client]", "web = 8080:127.0.0.1:0:" + tox_id],
         "web = 8080:127.0.0.1:0:" + tox_id, r"port"),
        ("Tox ID with a bad checksum", "client",
         ["[client]", "web = 8080:127.0.0.1:80:" + corrupt_checksum(tox_id)],
         "web = 8080:127.0.0.1:80:" + corrupt_checksum(tox_id), r"checksum"),
        ("Tox ID too short", "client",
         ["[client]", "web = 8080:127.0.0.1:80:" + tox_id[:70]],
         "web = 8080:127.0.0.1:80:" + tox_id[:70], r"tox ?id|76|hex|length|short"),
        ("listen port used twice", "client",
         ["[client]", "one = 8080:127.0.0.1:80:" + tox_id,
          "two = 8080:127.0.0.1:81:" + tox_id],
         "two = 8080:127.0.0.1:81:" + tox_id, r"used twice|already used|duplicate"),
        ("tunnel name used twice", "client",
         ["[client]", "web = 8080:127.0.0.1:80:" + tox_id,
          "web = 8081:127.0.0.1:81:" + tox_id],
         "web = 8081:127.0.0.1:81:" + tox_id, r"used twice|duplicate"),
        ("bad boolean", "client",
         ["udp = perhaps"], "udp = perhaps", r"udp|yes|bool"),
        ("bad bootstrap key", "client",
         ["bootstrap = 127.0.0.1 33445 XYZ"], "bootstrap = 127.0.0.1 33445 XYZ",
         r"key|hex"),
        ("bad bootstrap port", "client",
         ["bootstrap = 127.0.0.1 99999 " + FAKE_NODE_KEY],
         "bootstrap = 127.0.0.1 99999 " + FAKE_NODE_KEY, r"port"),
        ("permit with a bad port", "server",
         ["[server]", "permit = 127.0.0.1:99999"], "permit = 127.0.0.1:99999", r"port"),
        ("allow with a short key", "server",
         ["[server]", "allow = " + tox_id[:60]], "allow = " + tox_id[:60],
         r"key|hex|64|length|short"),
        ("[link] value out of range", "client",
         ["[link]", "wait_timeout = 0"], "wait_timeout = 0", r"wait_timeout|range"),
        ("line that is not key = value", "client",
         ["[client]", "this line has no equals sign"],
         "this line has no equals sign", r"key = value|section|syntax"),
    ]


def check_config_error(sc, node, label, role, lines, bad_line, keyword):
    text = base_tox_section() + "\n".join(lines) + "\n"
    node.write_ini(text)
    line_no = text.splitlines().index(bad_line) + 1
    result = node.run_cli(role, node.ini_path, timeout=CLI_TIMEOUT)
    stderr_lines = [l for l in result.stderr.splitlines() if l.strip()]
    where = "%s:%d:" % (node.ini_path, line_no)
    detail = "status %d, stderr %r" % (result.returncode, result.stderr[-400:])
    sc.check("%s: exit status 2" % label, result.returncode == 2, detail)
    sc.check("%s: exactly one line on stderr" % label, len(stderr_lines) == 1, detail)
    message = stderr_lines[0] if stderr_lines else ""
    sc.check("%s: names %s" % (label, os.path.basename(where)), where in message, detail)
    if keyword:
        sc.check("%s: says /%s/" % (label, keyword),
                 re.search(keyword, message.split(where, 1)[-1], re.IGNORECASE), detail)


def check_cli(sc, node):
    """--help, --version, and usage errors that have nothing to do with a file."""
    result = node.run_cli("--help")
    sc.check("--help exits 0 and names the commands",
             result.returncode == 0 and all(w in result.stdout + result.stderr
                                            for w in ("server", "client", "id")),
             "status %d, output %r" % (result.returncode, (result.stdout + result.stderr)[:300]))
    result = node.run_cli("--version")
    sc.check("--version exits 0 and prints a version number",
             result.returncode == 0 and re.search(r"\d+\.\d+\.\d+", result.stdout + result.stderr),
             "status %d, output %r" % (result.returncode, result.stdout + result.stderr))
    result = node.run_cli("no-such-command", node.ini_path, timeout=CLI_TIMEOUT)
    sc.check("an unknown command is an error", result.returncode != 0,
             "status %d" % result.returncode)
    missing = os.path.join(sc.dir, "missing.ini")
    result = node.run_cli("client", missing, timeout=CLI_TIMEOUT)
    sc.check("a missing ini file is an error naming the file",
             result.returncode != 0 and missing in result.stderr,
             "status %d, stderr %r" % (result.returncode, result.stderr))


def check_identity(sc):
    """`tunnel id` creates the identity once and keeps it; profiles are private;
    a corrupt profile is an error, never silently replaced."""
    alpha = sc.node("alpha", "client", base_tox_section())
    first = sc.step("`tunnel id` prints a 76-hex Tox ID alone on stdout", alpha.tox_id)
    second = alpha.run_cli("id", alpha.ini_path).stdout.strip()
    sc.check("`tunnel id` is stable across runs", second.upper() == first, (first, second))
    sc.check("the profile is created next to the ini as NAME.tox",
             os.path.exists(alpha.profile_path), alpha.profile_path)
    if os.path.exists(alpha.profile_path):
        mode = stat.S_IMODE(os.stat(alpha.profile_path).st_mode)
        sc.check("the profile has mode 0600", mode == 0o600, oct(mode))

    beta = sc.node("beta", "client", base_tox_section())
    sc.check("another profile has another Tox ID", beta.tox_id() != first)

    custom = os.path.join(sc.dir, "elsewhere", "custom.tox")
    os.makedirs(os.path.dirname(custom))
    gamma = sc.node("gamma", "client", base_tox_section() + "profile = %s\n" % custom)
    gamma.tox_id()
    sc.check("profile = PATH puts the identity there (mode 0600)",
             os.path.exists(custom) and stat.S_IMODE(os.stat(custom).st_mode) == 0o600
             and not os.path.exists(gamma.profile_path))

    corrupt = sc.node("corrupt", "server", base_tox_section() + "[server]\n")
    garbage = bytes(range(256)) * 3
    with open(corrupt.profile_path, "wb") as profile:
        profile.write(garbage)
    for args in (["id", corrupt.ini_path], ["server", corrupt.ini_path]):
        label = "`tunnel %s` with a corrupt profile" % args[0]
        try:
            result = corrupt.run_cli(*args, timeout=CLI_TIMEOUT)
        except toxnet.HarnessError as exc:  # it started up regardless: killed by run_cli
            sc.check("%s fails and names the profile" % label, False, exc)
            continue
        sc.check("%s fails and names the profile" % label,
                 result.returncode != 0 and corrupt.profile_path in result.stderr
                 and not toxnet.TOX_ID_RE.match(result.stdout.strip()),
                 "status %d, stdout %r, stderr %r" % (result.returncode, result.stdout,
                                                       result.stderr[-300:]))
        with open(corrupt.profile_path, "rb") as profile:
            sc.check("%s leaves the file untouched" % label, profile.read() == garbage)


def body(sc):
    check_identity(sc)
    probe = sc.node("errors", "client", base_tox_section())
    check_cli(sc, probe)
    tox_id = sc.node("target", "server", base_tox_section()).tox_id()
    for label, role, lines, bad_line, keyword in error_cases(tox_id):
        check_config_error(sc, probe, label, role, lines, bad_line, keyword)


if __name__ == "__main__":
    toxnet.main("config_errors", body)
