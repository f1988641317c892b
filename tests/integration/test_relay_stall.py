# SPDX-License-Identifier: GPL-3.0-or-later
"""A TCP relay that stops reading does not take the friend down with it.

A client without UDP uploads through the bootstrap node's TCP relay, and the
relay process is stopped (SIGSTOP) mid-transfer: its socket from the client
fills, the client's connection waits on a zero window, and the client must
reset that connection (daemon/tox/tcpwatch.h) instead of waiting ~30 s for
toxcore's TCP ping to give it up. Once the relay runs again, toxcore's new
connection carries the rest: the upload arrives intact, neither side ever
logs the peer offline, and the reset is counted in the snapshot
(node.relay_resets) and logged.

A stopped relay is the deterministic stand-in for the state measured on a
live one (bench/README.md): unread bytes it waits on, a zero window, and no
progress."""

import os
import signal
import sys
import threading

import toxnet

NBYTES = 30_000_000
FLOWING = 2_000_000


def body(sc):
    boot = sc.bootstrap()
    sink = sc.add(toxnet.SinkServer())
    server = sc.node("server", "server", toxnet.tox_section(boot) + "[server]\nname = stall test\n")
    port = toxnet.free_port()
    client = sc.node("client", "client", toxnet.tox_section(boot, udp=False) +
                     "[client]\n%s\n" % toxnet.client_line("up", port, sink.port, server.tox_id()))
    server.start()
    client.start()
    sc.step("tunnel up through the relay", toxnet.wait_tunnel_up, server, client)
    peer = client.status()["peers"][0]
    sc.check("the client reaches the server through the relay", peer["path"] == "tcp", peer)
    marks = {node: node.log_mark() for node in (client, server)}

    result = {}

    def upload():
        try:
            result["sha"] = toxnet.upload(port, 7, NBYTES)
        except Exception as exc:  # reported below
            result["error"] = exc

    thread = threading.Thread(target=upload, daemon=True)
    thread.start()
    sc.step("the upload flows", toxnet.wait_until,
            lambda: client.status()["peers"][0]["tx_bytes"] >= FLOWING, 60,
            "%d bytes through the relay" % FLOWING, interval=0.25)

    os.kill(boot.proc.pid, signal.SIGSTOP)
    try:
        sc.step("the client resets its stalled relay connection", toxnet.wait_until,
                lambda: client.status()["node"]["relay_resets"] >= 1, 25,
                "node.relay_resets >= 1 with the relay stopped", interval=0.25)
    finally:
        os.kill(boot.proc.pid, signal.SIGCONT)
    sc.check("the reset is logged", client.log_has(r"TCP relay connection took nothing against a "
                                                   r"zero window", since=marks[client]))

    thread.join(toxnet.IO_TIMEOUT + 30)
    sc.check("the upload finished", not thread.is_alive() and "error" not in result,
             result.get("error"))
    got = sink.wait_results(1)[0]
    sc.check("it arrived intact through the new relay connection",
             got.nbytes == NBYTES and got.sha256 == result.get("sha"))
    for node in (client, server):
        sc.check("%s never saw its peer offline" % node.name,
                 not node.log_has(r"peer [0-9A-F]{64} offline", since=marks[node]))
    client.stop()
    server.stop()


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("relay-stall").run(body))
