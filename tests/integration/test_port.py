# SPDX-License-Identifier: GPL-3.0-or-later
"""[tox] port pins the Tox node's UDP port.

- a server with `port = P` binds UDP port P (nobody else can while it runs),
  and a client reaches it: the tunnel carries data;
- a second daemon asking for the same port does not start: exit status 1 and
  one clear line naming the port, never a silent other port.
"""

import socket
import sys

import toxnet


def udp_port_taken(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind(("0.0.0.0", port))
        return False
    except OSError:
        return True
    finally:
        s.close()


def body(sc):
    boot = sc.bootstrap()
    port = toxnet.free_port(socket.SOCK_DGRAM, host="0.0.0.0")
    sc.check("the port is free before the server starts", not udp_port_taken(port))
    echo = sc.add(toxnet.EchoServer())
    server = sc.node("server", "server", toxnet.tox_section(boot, "port = %d" % port) +
                     "[server]\npermit = 127.0.0.1:%d\n" % echo.port)
    local = toxnet.free_port()
    client = sc.node("client", "client", toxnet.tox_section(boot) + "[client]\n" +
                     toxnet.client_line("echo", local, echo.port, server.tox_id()) + "\n")
    server.start()
    server.wait_started()
    sc.check("the server holds UDP port %d" % port, udp_port_taken(port))
    client.start()
    sc.step("tunnel up", toxnet.wait_tunnel_up, server, client)
    with socket.create_connection(("127.0.0.1", local), timeout=60) as s:
        s.sendall(b"through a fixed port\n")
        got = b""
        while len(got) < 21:
            chunk = s.recv(64)
            if not chunk:
                break
            got += chunk
    sc.check("the tunnel carries data", got == b"through a fixed port\n", got)

    other = sc.node("other", "server", toxnet.tox_section(boot, "port = %d" % port) + "[server]\n")
    r = other.run_cli("server", other.ini_path, timeout=60)
    sc.check("a second daemon on the same port exits with status 1", r.returncode == 1, r.returncode)
    sc.check("and says which port is taken",
             "[tox] port = %d: UDP port %d is taken" % (port, port) in r.stderr, r.stderr[-400:])
    client.stop()
    server.stop()


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("port").run(body))
