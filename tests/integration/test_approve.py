# SPDX-License-Identifier: GPL-3.0-or-later
"""Approving a client: `[server] approve = ask`, `tunnel allow` and `tunnel deny`.

A server with `approve = ask` and no allow line, and a client named
"alice-laptop" with a tunnel to an echo service behind it:
- the client's friend request waits on the server: listed in the snapshot's
  `pending` with the client's name, pushed to a subscribed control client
  as a `friend_request` event, logged;
- meanwhile the client's snapshot says `"approved": false` for the server
  and its tunnel carries nothing (a connection waits wait_timeout, then is
  closed, and nothing reaches the echo service);
- `tunnel deny` forgets the request, which comes back when the client asks
  again (toxcore resends it with a doubling delay, 5 s, 10 s, 20 s...; after
  a short wait the client is restarted, which asks at once);
- `tunnel allow server.ini KEY` adds the allow line to server.ini with every
  comment and blank line where it was, the client connects, its snapshot
  says `"approved": true`, and data crosses the tunnel intact.
Then the bound: rogue_peer (tests/tools/rogue_peer.c) makes FLOOD fresh
identities in one process send the server friend requests. 32 stay pending,
the log says the oldest were dropped, and new keys were never taken faster
than the bucket allows (8 at once, then one a second); the burst was cut
with "arrive too fast". The approved client's tunnel keeps working.
"""

import json
import os
import re
import socket
import threading
import time

import toxnet

# Requests travel through the onion: on a fresh private DHT they arrive
# within a minute or two.
ARRIVAL_TIMEOUT = 180.0
WAIT_TIMEOUT = 5
# How long the denied request gets to come back by itself before the
# client is restarted to ask at once.
RESEND_WAIT = 30.0
FLOOD = 40
PENDING_MAX = 32
BURST = 8
CLIENT_NAME = "alice-laptop"
STRANGER = "F404ABAA1C99A9D37D61AB54898F56793E1DEF8BD46B1038B9D822E8460FAB67"

SERVER_INI_TAIL = """\
# The office server: clients wait for my approval.
[server]
name = office
; only the machines I said yes to
approve = ask

   # loopback only, which is also the default
permit = 127.0.0.1:*   ; the echo service

[link]
linger = 60
"""


class Subscriber:
    """A control-socket client subscribed to a daemon's pushed events,
    read in a thread."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.file = self.sock.makefile("rb")
        self.events = []
        self.lock = threading.Lock()
        self.hello = json.loads(self.file.readline())
        self.sock.sendall(b'{"cmd":"subscribe","interval_ms":60000}\n')
        self.reply = json.loads(self.file.readline())
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            for line in self.file:
                with self.lock:
                    self.events.append(json.loads(line))
        except (OSError, ValueError):
            pass

    def of_kind(self, kind):
        with self.lock:
            return [e for e in self.events if e.get("event") == kind]

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


def pending(node):
    return node.status()["pending"]


def pending_keys(node):
    return [p["public_key"] for p in pending(node)]


def server_peer(client, server):
    for peer in client.status()["peers"]:
        if peer["public_key"] == server.public_key:
            return peer
    return None


def stamp(line):
    """The log line's time in seconds (toxtun's log: ISO time with ms)."""
    match = re.match(r"^\S+T(\d\d):(\d\d):(\d\d)\.(\d{3}) ", line)
    hours, minutes, seconds, ms = map(int, match.groups())
    return hours * 3600 + minutes * 60 + seconds + ms / 1000


def kept_times(log, keys, since):
    """When each request from keys was kept for approval, in log order."""
    regex = re.compile(r"friend request from ([0-9A-F]{64}) \(.*\) kept for approval")
    times = []
    for line in log.text(since).splitlines():
        match = regex.search(line)
        if match and match.group(1) in keys:
            times.append(stamp(line))
    return times


def bucket_respected(times):
    """A token bucket of BURST tokens refilled at one a second admits at
    most BURST + T new entries in any T seconds: the worst window, as
    (entries, seconds), if one breaks that, else None (10 ms of slack for
    the log's clock)."""
    for i in range(len(times)):
        for j in range(i + BURST, len(times)):
            if j - i + 1 > BURST + (times[j] - times[i]) + 0.01:
                return (j - i + 1, times[j] - times[i])
    return None


def identities(log):
    return [m.group(1) for m in log.find(r"^identity ([0-9A-F]{64})$")]


def body(sc):
    boot = sc.bootstrap()
    tox = toxnet.tox_section(boot)
    echo = sc.add(toxnet.EchoServer())
    port = toxnet.free_port()
    server_text = tox + "\n" + SERVER_INI_TAIL
    server = sc.node("server", "server", server_text)
    client = sc.node("client", "client", tox + "[client]\nname = %s\n" % CLIENT_NAME
                     + toxnet.client_line("echo", port, echo.port, server.tox_id())
                     + "\n[link]\nwait_timeout = %d\n" % WAIT_TIMEOUT)
    key = client.public_key

    server.start()
    server.wait_started()
    watcher = sc.add(Subscriber(os.path.join(server.runtime_dir, "toxtun", "server.server.sock")))
    sc.check("a control client subscribes to the server's events",
             watcher.reply.get("ok") is True, watcher.reply)
    client.start()

    # ---- the request waits ----
    sc.step("the server keeps the client's request, logged with its name", server.wait_log,
            r"friend request from %s \(%s\) kept for approval" % (key, CLIENT_NAME),
            ARRIVAL_TIMEOUT)
    waiting = pending(server)
    sc.check("the server's snapshot lists it as pending with the client's name",
             [(p["public_key"], p["message"]) for p in waiting] == [(key, CLIENT_NAME)]
             and waiting[0]["age_s"] >= 0, waiting)
    events = toxnet.wait_until(lambda: watcher.of_kind("friend_request"), 10,
                               "the friend_request event")
    sc.check("the subscriber was told: friend_request with the key and the name",
             events[0] == {"ok": True, "event": "friend_request", "public_key": key,
                           "message": CLIENT_NAME}, events)
    sc.check("nobody is a friend of the server yet", server.status()["peers"] == [],
             server.status()["peers"])
    text = server.run_cli("status", server.ini_path).stdout
    sc.check("`tunnel status` (text) shows the request with the whole key and the name",
             re.search(r"^%s +\S+ +%s$" % (key, CLIENT_NAME), text, re.M) is not None
             and "tunnel allow %s KEY" % server.ini_path in text, text)

    toxnet.wait_until(lambda: client.status()["node"]["dht"] != "none", toxnet.MEET_TIMEOUT,
                      "the client's DHT connection")
    peer = server_peer(client, server)
    sc.check("the client's snapshot says the server has not approved it",
             peer is not None and peer["approved"] is False and peer["online"] is False, peer)
    sc.check("`tunnel status` (text) on the client says so",
             "%s has not accepted this computer yet" % server.public_key
             in client.run_cli("status", client.ini_path).stdout)
    with toxnet.connect(port) as sock:
        try:
            sock.sendall(b"anyone there?\n")
        except OSError:
            pass
        how, seconds, received = toxnet.wait_closed(sock, WAIT_TIMEOUT + 30)
    sc.check("a connection through the unapproved tunnel waits wait_timeout and gets nothing",
             how in ("eof", "reset") and received == 0 and seconds >= WAIT_TIMEOUT - 1,
             "%s after %.1f s, %d bytes" % (how, seconds, received))
    sc.check("nothing reached the echo service", echo.accepted == 0, echo.accepted)

    # ---- deny, and the request comes back ----
    # A resend may arrive at any moment (in several copies, over several
    # onion paths): a request pending right after the deny must be one
    # kept again after it.
    mark = server.log_mark()
    result = server.run_cli("deny", server.ini_path, key)
    sc.check("`tunnel deny server.ini KEY` succeeds", result.returncode == 0,
             (result.returncode, result.stdout, result.stderr))
    sc.check("the request is no longer pending",
             key not in pending_keys(server) or server.log_has(
                 r"friend request from %s \(.*\) kept for approval" % key, since=mark),
             pending(server))
    sc.step("the server logs the denial", server.wait_log,
            r"friend request from %s \(%s\) denied" % (key, CLIENT_NAME), 10)
    result = server.run_cli("deny", server.ini_path, STRANGER)
    sc.check("denying a key that has not asked fails with one line naming the key",
             result.returncode != 0 and "no friend request from %s is pending" % STRANGER
             in result.stderr and result.stderr.count("\n") == 1, result.stderr)

    def asked_again():
        return key in pending_keys(server) and server.log_has(
            r"friend request from %s \(%s\) kept for approval" % (key, CLIENT_NAME), since=mark)

    denied_at = time.monotonic()
    try:
        toxnet.wait_until(asked_again, RESEND_WAIT, "the client's resent request")
        sc.note("the client's request came back by itself after %.0f s"
                % (time.monotonic() - denied_at))
    except toxnet.HarnessError:
        sc.note("no resend within %.0f s (toxcore doubles the delay each time): "
                "restarting the client, which asks at once" % RESEND_WAIT)
        client.restart()
    sc.step("after the denial the client's request is kept pending again", toxnet.wait_until,
            asked_again, ARRIVAL_TIMEOUT, "the request again")
    peer = server_peer(client, server)
    sc.check("the client is still not approved", peer is not None and peer["approved"] is False,
             peer)

    # ---- allow ----
    result = server.run_cli("allow", server.ini_path, client.tox_id())
    sc.check("`tunnel allow server.ini TOXID` succeeds", result.returncode == 0,
             (result.returncode, result.stdout, result.stderr))
    with open(server.ini_path) as ini:
        edited = ini.read()
    expected = server_text.replace("permit = 127.0.0.1:*   ; the echo service\n",
                                   "permit = 127.0.0.1:*   ; the echo service\n"
                                   "allow = %s\n" % key)
    sc.check("server.ini gained the allow line after the last key of [server], "
             "every comment and blank line kept", edited == expected, edited)
    sc.check("the request is no longer pending", key not in pending_keys(server))
    sc.step("the server logs the approval", server.wait_log,
            r"friend request from %s \(%s\) allowed" % (key, CLIENT_NAME), 10)
    sc.step("the client's session comes up", toxnet.wait_tunnel_up, server, client)
    peer = server_peer(client, server)
    sc.check("the client's snapshot says the server approved it",
             peer is not None and peer["approved"] is True, peer)
    sent, echoed = toxnet.echo_roundtrip(port, 1, 200_000)
    sc.check("a connection through the tunnel reaches the echo service intact",
             echoed.nbytes == sent.nbytes and echoed.sha256 == sent.sha256, (sent, echoed))
    result = server.run_cli("allow", server.ini_path, key)
    with open(server.ini_path) as ini:
        again = ini.read()
    sc.check("allowing it again adds no second line", result.returncode == 0 and again == edited,
             (result.returncode, result.stderr))
    result = server.run_cli("allow", server.ini_path, key[:-1] + "G")
    sc.check("a bad key is refused with one line and a non-zero status",
             result.returncode != 0 and result.stderr.count("\n") == 1
             and "bad key" in result.stderr, (result.returncode, result.stderr))

    # ---- the bound and the rate ----
    rogue_bin = toxnet.built_binary("rogue_peer", "TOXTUN_ROGUE_BIN")
    flooder = sc.node("flooder", "client", tox)  # only its ini: rogue_peer reads [tox]
    flood_log = toxnet.LogFile(sc.dir + "/flood.log")
    sc.show_log("rogue_peer (flood)", flood_log)
    mark = server.log_mark()
    sc.add(toxnet.ProcessCloser(toxnet.spawn(
        [rogue_bin, flooder.ini_path, server.tox_id(), "requests", str(FLOOD), "600"],
        flood_log.path)))
    keys = set(toxnet.wait_until(lambda: len(identities(flood_log)) == FLOOD
                                 and identities(flood_log), 60,
                                 "rogue_peer to create %d identities" % FLOOD))
    started = time.monotonic()
    sc.step("%d of the %d strangers' requests wait, the oldest having been dropped"
            % (PENDING_MAX, FLOOD), toxnet.wait_until,
            lambda: len(pending_keys(server)) == PENDING_MAX
            and server.log_has(r"pending list full: dropped the oldest \(([0-9A-F]{64})\)",
                               since=mark),
            ARRIVAL_TIMEOUT * 2, "a full pending list")
    sc.note("the list was full %.0f s after the flood started" % (time.monotonic() - started))
    waiting = pending(server)
    sc.check("every pending request is a stranger's, with its message",
             {p["public_key"] for p in waiting} <= keys
             and all(p["message"] == "let me in" for p in waiting),
             [(p["public_key"][:8], p["message"]) for p in waiting])
    dropped = {m.group(1) for m in server.log.find(
        r"pending list full: dropped the oldest \(([0-9A-F]{64})\)", mark)}
    sc.check("the dropped ones are strangers', not the approved client",
             dropped <= keys and key not in dropped, dropped)
    times = kept_times(server.log, keys, mark)
    sc.check("new keys were never taken faster than %d at once, then one a second"
             % BURST, bucket_respected(times) is None,
             "%s in %s s" % (bucket_respected(times) or ("-", "-")))
    too_fast = server.log.find(r"friend requests arrive too fast: dropped ([0-9A-F]{64})", mark)
    sc.note("%d requests kept, %d cut for arriving too fast"
            % (len(times), len(too_fast)))
    sc.check("the flood's burst was cut: 'friend requests arrive too fast' with a stranger's key",
             too_fast and {m.group(1) for m in too_fast} <= keys, len(too_fast))
    snap = server.status()
    sc.check("the server's only friend is still the approved client",
             [p["public_key"] for p in snap["peers"]] == [key],
             [p["public_key"][:8] for p in snap["peers"]])
    sent, echoed = toxnet.echo_roundtrip(port, 2, 200_000)
    sc.check("the approved client's tunnel works during the flood",
             echoed.sha256 == sent.sha256, (sent, echoed))
    watcher.close()
    toxnet.end_pair(sc, server, client)


if __name__ == "__main__":
    toxnet.main("approve", body)
