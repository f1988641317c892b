# SPDX-License-Identifier: GPL-3.0-or-later
"""A daemon SIGKILLed in the middle of a transfer, then started again.

A netlab Lab (2 ms each way) with tox-bootstrapd in the public namespace; a
download far too large to finish runs through the tunnel when one daemon is
killed (no goodbye on the wire) and restarted with the same profile. The other
daemon cannot tell a dead peer from an outage until the restarted one comes
back with a new boot id; from then on:

  1. server killed: the client resets the broken stream promptly (its local
     TCP connection is reset - a clean EOF would pass a truncated download
     off as complete - rather than hanging), reconnects by itself, and new
     connections work;
  2. client killed, with a download and an upload running: the server drops
     the old streams (the destinations' connections are reset, the sink's
     not ended by an EOF that would pass a truncated upload off as complete;
     `tunnel status --json` lists no stream), and accepts new ones, after
     which no stream is left over either.

test_restart.py covers a server restart without load.
"""

import threading

import netlab
import toxnet
from test_outage import PatientSource

RECONNECT_TIMEOUT = 180.0
HUGE = 10_000_000_000  # never finishes: the kill always lands mid-transfer


def stale_streams(node):
    """The streams a daemon still holds (status --json), as a list."""
    snap = node.status()
    return snap.get("streams", []) + [p for p in snap.get("peers", []) if p.get("streams")]


def start_download(sc, lab, port, label):
    sock = lab.call("cli", toxnet.connect, port, io_timeout=600)
    sc.add(sock)
    got = {"n": 0}

    def progressed():
        sock.settimeout(30)
        got["n"] += len(sock.recv(256 * 1024))
        return got["n"] >= 5_000_000
    sc.step("%s: a download is under way" % label, toxnet.wait_until, progressed, 120,
            "5 MB of the download")
    return sock


def start_upload(sc, lab, port):
    """Sends until the connection breaks, in a thread."""
    sock = lab.call("cli", toxnet.connect, port, io_timeout=600)
    sc.add(sock)

    def send():
        try:
            toxnet.send_payload(sock, 4, HUGE)
        except OSError:
            pass  # the kill breaks it
    threading.Thread(target=send, daemon=True, name="upload").start()
    return sock


def check_new_connections(sc, lab, port, label, seed):
    sent, echoed = lab.call("cli", toxnet.echo_roundtrip, port, seed, 2_000_000)
    sc.check("%s: a new connection works (2 MB echoed intact)" % label,
             echoed.nbytes == sent.nbytes and echoed.sha256 == sent.sha256, (sent, echoed))


def body(sc):
    netlab.require_lab(sc, nftables=False)
    lab = netlab.start_lab(sc, netlab.Lab(sc.dir, netlab.LinkSpec(delay_ms=2),
                                          netlab.LinkSpec(delay_ms=2)))
    source = sc.add(lab.call("srv", PatientSource, HUGE, 3))
    sink = sc.add(lab.call("srv", toxnet.SinkServer))
    echo = sc.add(lab.call("srv", toxnet.EchoServer))
    _, server, client, ports = netlab.start_tunnel(
        sc, lab, {"down": source.port, "up": sink.port, "echo": echo.port})

    # 1. The server dies.
    label = "server killed"
    sock = start_download(sc, lab, ports["down"], label)
    mark = client.log_mark()
    server.kill()
    server.start()
    sc.step("%s: restarted with the same Tox ID" % label, server.wait_started)
    how, seconds, _ = toxnet.wait_closed(sock, RECONNECT_TIMEOUT)
    sc.check("%s: the client closes the broken local connection within %.0f s of the restart "
             "(%s after %.1f s)" % (label, RECONNECT_TIMEOUT, how, seconds), how != "open")
    sc.check("%s: ... with a reset, not an EOF that looks like a complete download" % label,
             how == "reset", how)
    sc.check("%s: the client logged the restart" % label,
             client.log_has(r"peer %s restarted: resetting" % server.public_key, mark))
    sc.step("%s: the client reports session up again, by itself" % label,
            client.wait_session_up, server, RECONNECT_TIMEOUT, mark)
    check_new_connections(sc, lab, ports["echo"], label, 1)
    sc.step("%s: the client holds no stale stream" % label, toxnet.wait_until,
            lambda: not stale_streams(client), 30, "the client's streams to go")

    # 2. The client dies.
    label = "client killed"
    sock = start_download(sc, lab, ports["down"], label)
    upload = start_upload(sc, lab, ports["up"])
    sc.step("%s: an upload is under way" % label, sink.wait_accepted, 1, 60)
    errors_before = len(source.errors)
    mark = server.log_mark()
    sc.check("%s: the server lists both streams before the kill" % label,
             len(server.status().get("streams", [])) == 2, server.status().get("streams"))
    client.kill()
    sock.close()
    upload.close()
    client.start()
    sc.step("%s: restarted with the same Tox ID" % label, client.wait_started)
    try:
        toxnet.wait_until(lambda: len(source.errors) > errors_before, RECONNECT_TIMEOUT,
                          "the destination's connection to be closed")
        sc.check("%s: the server closes the download's destination connection" % label, True)
    except toxnet.HarnessError as exc:
        sc.check("%s: the server closes the download's destination connection" % label, False,
                 exc)
    try:
        toxnet.wait_until(lambda: sink.errors or sink.results, 30,
                          "the upload's destination connection to end")
    except toxnet.HarnessError:
        pass
    sc.check("%s: the upload's destination connection is reset, not ended by an EOF"
             % label, sink.errors and not sink.results,
             "results %s, errors %s" % (sink.results, sink.errors))
    sc.step("%s: the server drops the old stream (status --json)" % label,
            toxnet.wait_until, lambda: not stale_streams(server), 30,
            "no stream listed by the server")
    sc.check("%s: the server logged the restart" % label,
             server.log_has(r"peer %s restarted: resetting" % client.public_key, mark))
    sc.step("%s: session up again" % label, toxnet.wait_tunnel_up, server, client,
            RECONNECT_TIMEOUT)
    check_new_connections(sc, lab, ports["echo"], label, 2)
    sc.step("%s: afterwards no stream is left on either side" % label, toxnet.wait_until,
            lambda: not stale_streams(server) and not stale_streams(client), 30,
            "both sides without streams")

    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


if __name__ == "__main__":
    toxnet.main("kill", body)
