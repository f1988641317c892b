# SPDX-License-Identifier: GPL-3.0-or-later
"""Both roles in one process: `tunnel run` on two nodes, each with a tunnel
to the other. Both want the session and open it at the same moment; exactly
one ENet connection must survive (the one opened by the smaller public
key), and streams must flow both ways over it with ids of both parities.
Then one node restarts: the survivor must drop the stale connection and
carry new streams both ways again."""

import sys

import toxnet

ROUNDS = 3
NBYTES = 300_000


def session_ups(node):
    return sum(1 for line in open(node.log.path) if "session up" in line)


def echo_both_ways(sc, ports, label):
    for what, port in ports:
        for i in range(ROUNDS):
            sent, echoed = toxnet.echo_roundtrip(port, i, NBYTES)
            sc.check("%s: %s echo %d intact" % (label, what, i),
                     sent.sha256 == echoed.sha256 and echoed.nbytes == NBYTES)


def body(sc):
    boot = sc.bootstrap()
    echo = sc.add(toxnet.EchoServer())
    a = sc.node("a", "run", toxnet.tox_section(boot) + "[server]\nname = a\n")
    b = sc.node("b", "run", toxnet.tox_section(boot) + "[server]\nname = b\n")
    pa, pb = toxnet.free_port(), toxnet.free_port()
    a.write_ini(toxnet.tox_section(boot) + "[server]\nname = a\n[client]\n" +
                toxnet.client_line("tob", pa, echo.port, b.tox_id()) + "\n")
    b.write_ini(toxnet.tox_section(boot) + "[server]\nname = b\n[client]\n" +
                toxnet.client_line("toa", pb, echo.port, a.tox_id()) + "\n")
    a.start()
    b.start()
    sc.step("both sessions up", toxnet.wait_tunnel_up, a, b)
    echo_both_ways(sc, (("a->b", pa), ("b->a", pb)), "first run")
    sc.check("one session on each side (no duplicate connection)",
             session_ups(a) == 1 and session_ups(b) == 1, (session_ups(a), session_ups(b)))
    sc.check("no stream was reset or closed early",
             not any(n.log_has(r"reset by peer|closed: |streams of the old one") for n in (a, b)))

    mark = a.log_mark()
    b.restart()
    sc.step("session up again after b restarts", a.wait_session_up, b, toxnet.MEET_TIMEOUT, mark)
    b.wait_session_up(a)
    echo_both_ways(sc, (("a->b", pa), ("b->a", pb)), "after restart")
    a.stop()
    b.stop()


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("run").run(body))
