# SPDX-License-Identifier: GPL-3.0-or-later
"""Malformed frames and a SYN flood from an authorised peer.

rogue_peer (tests/tools/rogue_peer.c) is a real Tox node built from the
daemon's own Tox node, ENet link and frame codec. It befriends the server,
opens the ENet connection as a client does, sends HELLO, and then, on a fresh
connection per case, crafted bytes: unknown frame types, bad lengths, SYNs
with bad stream ids or on the wrong channel, bad HELLOs, garbage, DATA beyond
the granted window, broken LZ4, DATA after FIN, zero credit, and 3000 SYNs
against `max_streams = 64`. It checks the server's answer on the wire (a
SHUTDOWN for session-level damage; a stream RST, with the session still
accepting a new stream, for stream-level damage; RST "too many streams" for
every SYN beyond the cap) and prints one line per case. The probes of round
trip and loss (PING, PONG): truncated, oversized or on a stream they end the
session; a PONG that answers nothing is ignored and a PING answered with its
stamp; and with the server's peers watched (a subscription to its control
socket, held through the attack) the server probes the rogue when its HELLO
says version 2, and never when it says version 1, which would drop the
session on a frame type it does not know.

Here we check each case against the server's log, and that the server never
crashes, that a legitimate client's tunnel keeps working during and after the
attack, and that the server exits cleanly (no sanitizer report).

The legitimate client also asks for destinations by name: the server's permit
lines hold addresses (CIDR), so a name is judged by what it resolves to.
"localhost" resolves into 127.0.0.0/8, permitted for one port; for another
port only 10.0.0.0/8 is permitted, so the same name is refused there and no
byte reaches the listening destination.
"""

import os
import re

import toxnet
from test_refused import expect_refused
from test_stats import Subscription

MAX_STREAMS = 64
STREAM_WINDOW = 65536
FLOOD_SYNS = 3000  # as in rogue_peer.c

# case -> what the server logs about the rogue peer (KEY is filled in)
SESSION_CASES = {
    "bad-type": r"protocol error \(unknown frame type\): dropping the session",
    "bad-length": r"protocol error \(bad length\): dropping the session",
    "syn-even-id": r"protocol error \(SYN with a bad stream id\): dropping the session",
    "syn-stream-0": r"protocol error \(stream frame on stream 0\): dropping the session",
    "syn-duplicate": r"protocol error \(SYN with a bad stream id\): dropping the session",
    "wrong-channel": r"protocol error \(stream on the wrong channel\): dropping the session",
    "bad-syn-host": r"protocol error \(bad SYN\): dropping the session",
    "bad-hello": r"protocol error \(bad HELLO\): dropping the session",
    "garbage": r"protocol error \(unknown frame type\): dropping the session",
    "ping-truncated": r"protocol error \(bad PING\): dropping the session",
    "pong-oversized": r"protocol error \(bad PONG\): dropping the session",
    "ping-on-stream": r"protocol error \(PING on a stream\): dropping the session",
}
STREAM_CASES = ["data-beyond-window", "bad-lz4", "data-after-fin", "window-zero",
                "synack-from-client"]
PROBE_CASES = {
    "pong-unsolicited": "a PONG answering nothing is ignored; a PING is answered with its stamp",
    "server-pings": "the watched server probes a version 2 peer",
    "old-peer-not-pinged": "the watched server never probes a version 1 peer",
}


def check_echo(sc, port, label, seed):
    sent, echoed = toxnet.echo_roundtrip(port, seed, 200_000)
    sc.check(label, echoed.nbytes == sent.nbytes and echoed.sha256 == sent.sha256,
             (sent, echoed))


def body(sc):
    rogue_bin = toxnet.built_binary("rogue_peer", "TOXTUN_ROGUE_BIN")
    boot = sc.bootstrap()
    tox = toxnet.tox_section(boot)
    echo = sc.add(toxnet.EchoServer())
    # Where the rogue's SYNs go (loopback: permitted): a port that accepts
    # (and never reads), and one where connecting hangs, so that the server
    # has written, and so granted, nothing when DATA beyond the window comes.
    sink = sc.add(toxnet.StallPort())
    hung = sc.add(toxnet.HungPort())
    by_name = sc.add(toxnet.EchoServer())
    smuggled = sc.add(toxnet.SinkServer())  # listening, reachable only by a forbidden address
    server = sc.node("server", "server", tox + "[server]\n" + "".join(
        "permit = 127.0.0.1:%d\n" % p for p in (echo.port, sink.port, hung.port))
        + "permit = 127.0.0.0/8:%d\npermit = 10.0.0.0/8:%d\n" % (by_name.port, smuggled.port)
        + "[link]\nmax_streams = %d\nstream_window = %d\n" % (MAX_STREAMS, STREAM_WINDOW))
    port, name_port, smuggle_port = toxnet.free_port(), toxnet.free_port(), toxnet.free_port()
    client = sc.node("client", "client", tox + "[client]\n" + "\n".join([
        toxnet.client_line("echo", port, echo.port, server.tox_id()),
        toxnet.client_line("byname", name_port, by_name.port, server.tox_id(), "localhost"),
        toxnet.client_line("smuggle", smuggle_port, smuggled.port, server.tox_id(), "localhost"),
    ]) + "\n")
    # The rogue's identity: a [tox]-only ini, its key from `tunnel id`.
    rogue = sc.node("rogue", "client", tox)
    key = rogue.public_key
    sc.note("rogue peer %s" % key)
    server.start()
    client.start()
    sc.step("session up on both sides", toxnet.wait_tunnel_up, server, client)
    check_echo(sc, port, "the legitimate client's tunnel works", 1)
    check_echo(sc, name_port, "a name resolving to a permitted address is served", 4)
    expect_refused(sc, client, server, "smuggle", smuggle_port, "not permitted",
                   "a name resolving only to forbidden addresses")
    sc.check("nothing reached the destination behind the forbidden address",
             smuggled.accepted == 0, "%d connections" % smuggled.accepted)

    # Watched, the server probes its peers (the rogue's probe cases).
    sc.add(sc.step("subscribed to the server's snapshots", Subscription,
                   os.path.join(server.runtime_dir, "toxtun", "server.server.sock"), 1000))

    proc = toxnet.spawn([rogue_bin, rogue.ini_path, server.tox_id(), "frames", str(sink.port),
                         str(hung.port)],
                        rogue.log.path)
    sc.add(toxnet.ProcessCloser(proc))
    # While the rogue works, the legitimate client keeps using its tunnel.
    rogue.log.wait_for(r"server online", toxnet.MEET_TIMEOUT, process=proc,
                       what="the rogue to see the server online")
    check_echo(sc, port, "the tunnel works while the rogue peer attacks", 2)
    toxnet.wait_until(lambda: proc.poll() is not None, 240, "rogue_peer to finish its cases",
                      interval=0.5)
    toxnet.forget(proc)
    out = rogue.log.text()
    sc.note("rogue_peer exit status %s" % proc.returncode)

    def case_line(name):
        m = re.search(r"^case %s: (ok|FAIL) .*$" % re.escape(name), out, re.MULTILINE)
        return m.group(0) if m else None

    for name, pattern in SESSION_CASES.items():
        line = case_line(name)
        sc.check("%s: the server ends the session with SHUTDOWN (protocol error)" % name,
                 line and ": ok " in line, line or "no result line")
    for name, pattern in SESSION_CASES.items():
        sc.check("%s: the server logs %s" % (name, pattern.replace("\\", "")),
                 server.log_has(r"peer %s: %s" % (key, pattern)))
    line = case_line("incompatible")
    sc.check("incompatible HELLO: SHUTDOWN (incompatible version)", line and ": ok " in line,
             line or "no result line")
    sc.check("incompatible HELLO: the server logs the versions",
             server.log_has(r"peer %s speaks protocol 99 \(min 99\).*refusing it" % key))

    for name in STREAM_CASES:
        line = case_line(name)
        sc.check("%s: only the stream is reset (RST protocol error), the session takes a new "
                 "stream" % name, line and ": ok " in line, line or "no result line")
    resets = server.log.find(r"peer %s: stream 1 to 127\.0\.0\.1:\d+ closed: protocol error"
                             % key)
    sc.check("the server logs each stream reset (%d)" % len(STREAM_CASES),
             len(resets) >= len(STREAM_CASES), "%d lines" % len(resets))

    for name, what in PROBE_CASES.items():
        line = case_line(name)
        sc.check("%s: %s" % (name, what), line and ": ok " in line, line or "no result line")

    line = case_line("syn-flood")
    sc.check("SYN flood: %d SYNs, each answered, the excess with RST 'too many streams'"
             % FLOOD_SYNS, line and ": ok " in line, line or "no result line")
    m = re.search(r"synacks (\d+), limit rsts (\d+)", line or "")
    if m:
        sc.check("SYN flood: at most max_streams (%d) streams accepted" % MAX_STREAMS,
                 int(m.group(1)) <= MAX_STREAMS and int(m.group(2)) >= FLOOD_SYNS - MAX_STREAMS,
                 line)
    refused = server.log.find(r"peer %s: stream \d+ to \S+ refused: too many streams" % key)
    sc.check("SYN flood: the server logs the refusals", len(refused) >= FLOOD_SYNS - MAX_STREAMS,
             "%d lines" % len(refused))
    sc.check("rogue_peer: every case passed (exit 0)", proc.returncode == 0,
             "\n".join(l for l in out.splitlines() if l.startswith(("case", "done"))))

    sc.check("the server is still running", server.alive())
    check_echo(sc, port, "the legitimate client's tunnel works after the attack", 3)
    sc.check("the server holds no stream of the rogue any more",
             toxnet.wait_until(lambda: toxnet.peer_streams(server, key) in (0, None), 60,
                               "the rogue's streams to be released"))
    toxnet.end_pair(sc, server, client)


if __name__ == "__main__":
    toxnet.main("hostile_frames", body)
