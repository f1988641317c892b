# SPDX-License-Identifier: GPL-3.0-or-later
"""Reverse forwarding, like ssh -R: the server listens, the client connects.

The client has two reverse lines: `back` on a port the server's
permit_listen allows, `nope` on one it does not. The server must listen on
the first only, and each connection accepted there must come back through
the tunnel to the echo server on the client's side, intact, many at once.
The client must log the refusal of the second. Then the client's ini loses
`back` and is reloaded: the server stops listening there; it comes back with
the line. Finally the client restarts: the server drops the old listener
with the old process and listens again when the new one asks.
"""

import socket

import toxnet

NBYTES = 20_000_000
PARALLEL = 8


def port_state(port):
    """"open" or "refused": what a connection to 127.0.0.1:port meets."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return "open"
    except ConnectionRefusedError:
        return "refused"


def echo_ok(port, seed, nbytes):
    sent, echoed = toxnet.echo_roundtrip(port, seed, nbytes)
    return echoed.nbytes == nbytes and sent.sha256 == echoed.sha256, (sent, echoed)


def client_ini(boot, server, lines):
    return toxnet.tox_section(boot) + "[client]\n" + "".join(
        "%s = reverse:%d:127.0.0.1:%d:%s\n" % (name, rport, lport, server.tox_id())
        for name, rport, lport in lines)


def body(sc):
    boot = sc.bootstrap()
    echo = sc.add(toxnet.EchoServer())
    allowed, forbidden = toxnet.free_port(), toxnet.free_port()
    server = sc.node("server", "server", toxnet.tox_section(boot) +
                     "[server]\npermit_listen = %d\n" % allowed)
    lines = [("back", allowed, echo.port), ("nope", forbidden, echo.port)]
    client = sc.node("client", "client", client_ini(boot, server, lines))
    client.tox_id()
    server.start()
    client.start()
    sc.step("session up on both sides", toxnet.wait_tunnel_up, server, client)

    sc.step("the client learns that the server listens for `back`", client.wait_log,
            r"tunnel back: the server listens on 127\.0\.0\.1:%d" % allowed, 30)
    sc.step("... and that it refused `nope`", client.wait_log,
            r"tunnel nope: the server does not listen on 127\.0\.0\.1:%d: not permitted" % forbidden, 30)
    sc.check("the server logs the refusal", server.log_has(r"refused: not in permit_listen"))
    sc.check("nothing listens on the forbidden port", port_state(forbidden) == "refused")

    ok, detail = echo_ok(allowed, 1, NBYTES)
    sc.check("%d MB echo through the reverse forward intact" % (NBYTES // 1_000_000), ok, detail)
    results = toxnet.run_parallel([(lambda i=i: echo_ok(allowed, 100 + i, 1_000_000))
                                   for i in range(PARALLEL)])
    sc.check("%d parallel connections through it, all intact" % PARALLEL,
             all(r[0] for r in results), results)
    status = client.status()
    back = [t for t in status.get("tunnels", []) if t.get("name") == "back"]
    sc.check("the client's status counts the reverse streams",
             back and back[0].get("streams_total", 0) >= PARALLEL + 1, back)

    mark = server.log_mark()
    client.write_ini(client_ini(boot, server, lines[1:]))
    reload = client.run_cli("reload", client.ini_path)
    sc.check("reload without `back` succeeds", reload.returncode == 0, reload)
    sc.step("the server stops listening for it", server.wait_log,
            r"no longer listening on 127\.0\.0\.1:%d for it: the peer cancelled it" % allowed, 30, mark)
    sc.check("the port is closed", port_state(allowed) == "refused")

    mark = client.log_mark()
    client.write_ini(client_ini(boot, server, lines))
    reload = client.run_cli("reload", client.ini_path)
    sc.check("reload with `back` again succeeds", reload.returncode == 0, reload)
    sc.step("the server listens again", client.wait_log,
            r"tunnel back: the server listens on", 30, mark)
    ok, detail = echo_ok(allowed, 2, 1_000_000)
    sc.check("echo intact after the reload", ok, detail)

    mark = server.log_mark()
    client.restart()
    sc.step("the server drops the restarted client's old listener", server.wait_log,
            r"no longer listening on 127\.0\.0\.1:%d for it: the peer restarted" % allowed,
            toxnet.MEET_TIMEOUT * 3, mark)
    sc.step("... and listens again for the new process", server.wait_log,
            r"listening on 127\.0\.0\.1:%d for its reverse tunnel" % allowed, toxnet.MEET_TIMEOUT, mark)
    ok, detail = echo_ok(allowed, 3, 1_000_000)
    sc.check("echo intact after the client restarted", ok, detail)

    server.stop()
    client.stop()


if __name__ == "__main__":
    toxnet.main("reverse", body)
