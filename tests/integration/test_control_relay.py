# SPDX-License-Identifier: GPL-3.0-or-later
"""A client without UDP reaches its server through the bootstrap node's TCP
relay: the control socket's snapshot says `path: tcp` on both sides, and a
transfer through that path arrives intact with its bytes counted."""

import json
import socket
import sys

import toxnet

NBYTES = 4_000_000


def status(path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(30)
        sock.connect(path)
        f = sock.makefile("rwb")
        f.readline()  # hello
        f.write(b'{"cmd":"status"}\n')
        f.flush()
        return json.loads(f.readline())


def body(sc):
    boot = sc.bootstrap()
    sink = sc.add(toxnet.SinkServer())
    server_sock = "%s/server.sock" % sc.dir
    client_sock = "%s/client.sock" % sc.dir
    server = sc.node("server", "server", toxnet.tox_section(boot) +
                     "[server]\nname = relay test\n[control]\nsocket = %s\n" % server_sock)
    port = toxnet.free_port()
    client = sc.node("client", "client", toxnet.tox_section(boot, udp=False) +
                     "[control]\nsocket = %s\n[client]\n%s\n"
                     % (client_sock, toxnet.client_line("up", port, sink.port, server.tox_id())))
    server.start()
    client.start()
    sc.step("tunnel up through the relay", toxnet.wait_tunnel_up, server, client)
    peer = status(client_sock)["peers"][0]
    sc.check("client: the server's path is tcp", peer["path"] == "tcp" and peer["online"], peer)
    peer = status(server_sock)["peers"][0]
    sc.check("server: the client's path is tcp", peer["path"] == "tcp", peer)
    sent = toxnet.upload(port, 5, NBYTES)
    got = sink.wait_results(1)[0]
    sc.check("a transfer over the relay arrives intact", got.nbytes == NBYTES and got.sha256 == sent)
    tunnel = status(client_sock)["tunnels"][0]
    sc.check("its bytes are counted", tunnel["bytes_up"] == NBYTES, tunnel)
    client.stop()
    server.stop()


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("control-relay").run(body))
