# SPDX-License-Identifier: GPL-3.0-or-later
"""The server crashes and comes back: the client must recover by itself.

The server is SIGKILLed (no goodbye on the wire, no chance to save state) and
started again with the same profile, so it has the same Tox ID and must still
know the client as a friend. The client keeps running throughout; without any
action from outside it must notice the new server session, report `session up`
again, and serve new connections. Tox can take a long time to re-form a friend
connection after one side vanished (docs/design.md, "Friends"), hence the long deadline.
"""

import toxnet

RECONNECT_TIMEOUT = 180.0


def check_echo(sc, port, label, seed):
    sent, echoed = toxnet.echo_roundtrip(port, seed, 1_000_000)
    sc.check(label, echoed.nbytes == sent.nbytes and echoed.sha256 == sent.sha256,
             (sent, echoed))


def body(sc):
    server, client, port, _ = toxnet.echo_tunnel(sc)
    check_echo(sc, port, "the tunnel works before the crash", 1)

    mark = client.log_mark()
    server.kill()
    sc.check("the server is gone after SIGKILL", not server.alive())
    server.start()
    match = sc.step("the restarted server keeps its Tox ID", server.wait_started)
    sc.check("... the same one as before", match.group(1).upper() == server.tox_id(),
             (match.group(1), server.tox_id()))

    sc.step("the client reports session up again, by itself", client.wait_session_up,
            server, RECONNECT_TIMEOUT, mark)
    sc.step("the restarted server reports session up with the client",
            server.wait_session_up, client, RECONNECT_TIMEOUT)
    check_echo(sc, port, "new connections work after the restart", 2)
    check_echo(sc, port, "... and again", 3)

    sc.step("the restarted server exits 0 on SIGTERM", server.stop)
    sc.step("client exits 0 on SIGTERM", client.stop)


if __name__ == "__main__":
    toxnet.main("restart", body)
