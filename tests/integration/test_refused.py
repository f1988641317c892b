# SPDX-License-Identifier: GPL-3.0-or-later
"""Connections the server must not or cannot serve.

Two servers and two clients on one private network:
  server   permit = 127.0.0.1:ECHO and 127.0.0.1:REFUSED only
  guarded  allow = <client's key> only
  client   tunnels: echo (permitted), refused (permitted, nothing listening),
           forbidden (a listening port outside permit), guarded (via the allow list)
  intruder a tunnel to guarded, whose allow list does not contain its key;
           wait_timeout = 5 so its waiting connections give up quickly

In every refused case the application's local connection must be closed
promptly (EOF or reset) rather than left hanging, no byte may reach a
destination it was refused, and both daemons must log why.
"""

import re

import toxnet

# A refusal is one round trip over the tunnel: seconds on loopback.
PROMPT_CLOSE = 10.0
INTRUDER_WAIT_TIMEOUT = 5


def expect_refused(sc, client, server, tunnel, port, reason, label):
    """Connect through `tunnel` and expect a prompt close plus the reason in
    both logs."""
    with toxnet.connect(port) as sock:
        try:
            sock.sendall(b"hello?\n")
        except OSError:
            pass  # the close may already be there: what matters is below
        how, seconds, received = toxnet.wait_closed(sock, PROMPT_CLOSE * 3)
    sc.check("%s: the local connection is closed within %.0f s" % (label, PROMPT_CLOSE),
             how in ("eof", "reset") and seconds < PROMPT_CLOSE and received == 0,
             "%s after %.1f s, %d bytes received" % (how, seconds, received))
    sc.step("%s: the server logs 'refused: %s'" % (label, reason),
            server.wait_log, r"refused: %s" % reason, 10)
    sc.step("%s: the client logs 'tunnel %s: ... refused by server: %s'"
            % (label, tunnel, reason), client.wait_log,
            r"tunnel %s: .*refused by server: %s" % (re.escape(tunnel), reason), 10)


def check_echo(sc, port, label, seed):
    sent, echoed = toxnet.echo_roundtrip(port, seed, 256 * 1024)
    sc.check(label, echoed.nbytes == sent.nbytes and echoed.sha256 == sent.sha256,
             (sent, echoed))


def body(sc):
    boot = sc.bootstrap()
    tox = toxnet.tox_section(boot)
    echo = sc.add(toxnet.EchoServer())
    unpermitted = sc.add(toxnet.SinkServer())  # listening, but outside permit
    refused = sc.add(toxnet.RefusedPort())
    guarded_echo = sc.add(toxnet.EchoServer())
    intruder_target = sc.add(toxnet.EchoServer())

    server = sc.node("server", "server", tox + "[server]\npermit = 127.0.0.1:%d\n"
                     "permit = 127.0.0.1:%d\n" % (echo.port, refused.port))
    ports = {name: toxnet.free_port() for name in ("echo", "refused", "forbidden", "guarded",
                                                   "blocked")}
    # The client's ini names guarded's ID and guarded's ini names the client's
    # key: create the client's identity under a provisional ini first.
    client = sc.node("client", "client", tox)
    guarded = sc.node("guarded", "server", tox + "[server]\nallow = %s\n" % client.public_key)
    client.write_ini(tox + "[client]\n" + "\n".join([
        toxnet.client_line("echo", ports["echo"], echo.port, server.tox_id()),
        toxnet.client_line("refused", ports["refused"], refused.port, server.tox_id()),
        toxnet.client_line("forbidden", ports["forbidden"], unpermitted.port, server.tox_id()),
        toxnet.client_line("guarded", ports["guarded"], guarded_echo.port, guarded.tox_id()),
    ]) + "\n")
    intruder = sc.node("intruder", "client", tox + "[client]\n" + toxnet.client_line(
        "blocked", ports["blocked"], intruder_target.port, guarded.tox_id())
        + "\n[link]\nwait_timeout = %d\n" % INTRUDER_WAIT_TIMEOUT)
    intruder.tox_id()

    for node in (server, guarded, client, intruder):
        node.start()
    sc.step("client and server: session up", toxnet.wait_tunnel_up, server, client)
    sc.step("client and guarded (allowed key): session up", toxnet.wait_tunnel_up,
            guarded, client)
    check_echo(sc, ports["echo"], "a permitted destination works", 1)

    expect_refused(sc, client, server, "refused", ports["refused"], "connection refused",
                   "destination port closed")
    expect_refused(sc, client, server, "forbidden", ports["forbidden"], "not permitted",
                   "destination outside permit")
    sc.check("nothing reached the destination outside permit", unpermitted.accepted == 0,
             "%d connections" % unpermitted.accepted)
    check_echo(sc, ports["echo"], "the tunnel still works after the refusals", 2)

    sc.step("guarded logs the intruder's refused friend request", guarded.wait_log,
            r"friend request from %s refused: not in allow list" % intruder.public_key)
    with toxnet.connect(ports["blocked"]) as sock:
        how, seconds, received = toxnet.wait_closed(sock, INTRUDER_WAIT_TIMEOUT + 30)
    sc.check("the intruder's connection waits wait_timeout (%d s), then is closed"
             % INTRUDER_WAIT_TIMEOUT,
             how in ("eof", "reset") and INTRUDER_WAIT_TIMEOUT - 1 <= seconds
             <= INTRUDER_WAIT_TIMEOUT + 10 and received == 0,
             "%s after %.1f s, %d bytes received" % (how, seconds, received))
    sc.check("the intruder never gets a session", not intruder.log_has(r"session up"))
    sc.check("nothing from the intruder reached guarded's destination",
             intruder_target.accepted == 0, "%d connections" % intruder_target.accepted)
    check_echo(sc, ports["guarded"], "the allowed client is served by guarded", 3)

    for node in (intruder, client, guarded, server):
        sc.step("%s exits 0 on SIGTERM" % node.name, node.stop)


if __name__ == "__main__":
    toxnet.main("refused", body)
