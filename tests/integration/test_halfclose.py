# SPDX-License-Identifier: GPL-3.0-or-later
"""Half-close and close ordering through a tunnel.

TCP lets each direction end on its own. Protocols such as HTTP/1.0 uploads,
`nc -N`, rsync or SSH's exit handling rely on it: a side shuts down writing and
still expects everything the other side sends afterwards. The tunnel must carry
a FIN as an end of one direction only, after all the data before it, and must
not turn it into a close of the whole connection.

Tunnels of one client/server pair:
  reply   -> reads until EOF, then replies with 5 MB        (client half-closes first)
  greet   -> sends 2 MB, half-closes, then reads until EOF  (destination half-closes first)
  closing -> closes every connection on accept              (destination closes first)
"""

import socket

import toxnet

MB = 1_000_000
REQUEST_BYTES = 1 * MB
REPLY_BYTES = 5 * MB
GREETING_BYTES = 2 * MB
ANSWER_BYTES = 3 * MB
# A close must travel through both daemons and the Tox link: quick on loopback,
# but a hang shows up as the full deadline.
PROMPT_CLOSE = 5.0


def client_half_closes_first(sc, port, server):
    """The client sends a request, shuts down writing, and must still receive the
    whole reply, then EOF."""
    with toxnet.connect(port) as sock:
        request_sha = toxnet.send_payload(sock, 11, REQUEST_BYTES)
        sock.shutdown(socket.SHUT_WR)
        reply = toxnet.read_to_eof(sock)
    request = server.wait_results(1, timeout=30)[0]
    sc.check("the destination gets the whole request and then EOF",
             request.nbytes == REQUEST_BYTES and request.sha256 == request_sha, request)
    sc.check("after its SHUT_WR the client still receives the whole %d MB reply, then EOF"
             % (REPLY_BYTES // MB),
             reply.nbytes == REPLY_BYTES and reply.sha256 == server.expected_sha256, reply)


def empty_request_then_reply(sc, port, server):
    """A FIN with no data before it: the destination sees EOF at once and replies."""
    with toxnet.connect(port) as sock:
        sock.shutdown(socket.SHUT_WR)
        reply = toxnet.read_to_eof(sock)
    request = server.wait_results(2, timeout=30)[1]
    sc.check("an immediate SHUT_WR reaches the destination as an empty request",
             request.nbytes == 0, request)
    sc.check("... and the reply still arrives in full",
             reply.nbytes == REPLY_BYTES and reply.sha256 == server.expected_sha256, reply)


def destination_half_closes_first(sc, port, server):
    """The destination sends a greeting and shuts down writing: the client gets
    the greeting and EOF, then can still send its answer, which must arrive."""
    with toxnet.connect(port) as sock:
        greeting = toxnet.read_to_eof(sock)
        answer_sha = toxnet.send_payload(sock, 22, ANSWER_BYTES)
        sock.shutdown(socket.SHUT_WR)
        answer = server.wait_results(1, timeout=30)[0]
    sc.check("the client reads the %d MB greeting, then EOF" % (GREETING_BYTES // MB),
             greeting.nbytes == GREETING_BYTES and greeting.sha256 == server.expected_sha256,
             greeting)
    sc.check("after the destination's SHUT_WR the client's %d MB answer still arrives"
             % (ANSWER_BYTES // MB),
             answer.nbytes == ANSWER_BYTES and answer.sha256 == answer_sha, answer)


def destination_closes_first(sc, port, server):
    """The destination closes on accept: the client sees EOF promptly, no hang."""
    with toxnet.connect(port) as sock:
        how, seconds, received = toxnet.wait_closed(sock, PROMPT_CLOSE * 4)
    server.wait_results(1, timeout=10)
    sc.check("when the destination closes at once, the client sees EOF within %.0f s"
             % PROMPT_CLOSE, how == "eof" and seconds < PROMPT_CLOSE and received == 0,
             "%s after %.1f s, %d bytes" % (how, seconds, received))


def body(sc):
    boot = sc.bootstrap()
    reply = sc.add(toxnet.ReplyAfterEofServer(REPLY_BYTES, seed=33))
    greet = sc.add(toxnet.SendThenReadServer(GREETING_BYTES, seed=44))
    closing = sc.add(toxnet.CloseOnAcceptServer())

    server = sc.node("server", "server", toxnet.tox_section(boot) + "[server]\n")
    ports = {"reply": toxnet.free_port(), "greet": toxnet.free_port(),
             "closing": toxnet.free_port()}
    destinations = {"reply": reply.port, "greet": greet.port, "closing": closing.port}
    client = sc.node("client", "client", toxnet.tox_section(boot) + "[client]\n" + "\n".join(
        toxnet.client_line(name, ports[name], destinations[name], server.tox_id())
        for name in ports) + "\n")
    client.tox_id()
    server.start()
    client.start()
    sc.step("session up on both sides", toxnet.wait_tunnel_up, server, client)

    client_half_closes_first(sc, ports["reply"], reply)
    empty_request_then_reply(sc, ports["reply"], reply)
    destination_half_closes_first(sc, ports["greet"], greet)
    destination_closes_first(sc, ports["closing"], closing)

    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


if __name__ == "__main__":
    toxnet.main("halfclose", body)
