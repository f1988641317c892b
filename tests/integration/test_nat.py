# SPDX-License-Identifier: GPL-3.0-or-later
"""Both nodes behind NAT: the tunnel hole-punches a direct UDP path.

A netlab Lab puts the client and the server each behind a NAT router of its
own (nftables masquerade; only replies come back in), with tox-bootstrapd in
the public namespace. Neither node can address the other: each sees only the
other's translated address. The tunnel must come up, reach direct UDP (Tox
hole punching through both NATs, not the bootstrap node's TCP relay), and
carry data both ways intact.
"""

import socket

import netlab
import toxnet

NBYTES = 20_000_000
# Friends often meet through the relay first and switch to UDP a moment later.
UDP_TIMEOUT = 90.0


def unreachable(host, port):
    """True when a TCP connection to host:port fails (no route, refused, timeout)."""
    try:
        with socket.create_connection((host, port), timeout=5):
            return False
    except OSError:
        return True


def body(sc):
    netlab.require_lab(sc, nftables=True)
    lab = netlab.start_lab(sc, netlab.Lab(sc.dir, netlab.LinkSpec(delay_ms=5),
                                          netlab.LinkSpec(delay_ms=5), nat=("cli", "srv")))
    sink = sc.add(lab.call("srv", toxnet.SinkServer))
    source = sc.add(lab.call("srv", toxnet.SourceServer, NBYTES, 7))
    sc.check("the client's private address is unreachable from the server's side",
             lab.call("srv", unreachable, lab.host_address("cli"), sink.port))
    sc.check("the server's private address is unreachable from the client's side",
             lab.call("cli", unreachable, lab.host_address("srv"), sink.port))

    _, server, client, ports = netlab.start_tunnel(sc, lab, {"up": sink.port,
                                                             "down": source.port})
    try:
        toxnet.wait_until(lambda: netlab.peer_path(client) == "udp"
                          and netlab.peer_path(server) == "udp", UDP_TIMEOUT,
                          "direct UDP between the two NATed nodes", interval=1.0)
        sc.check("both nodes reach each other over direct UDP (hole punched)", True)
    except toxnet.HarnessError as exc:
        sc.check("both nodes reach each other over direct UDP (hole punched)", False,
                 "%s; paths: client %s, server %s" % (exc, netlab.peer_path(client),
                                                      netlab.peer_path(server)))
    for role in lab.nat:
        count = lab.nat_translations(role)
        sc.check("the %s's NAT router translated its traffic (%d packets)" % (role, count),
                 count > 0)

    sent = lab.call("cli", toxnet.upload, ports["up"], 5, NBYTES)
    got = sink.wait_results(1)[0]
    sc.check("%d bytes up through both NATs arrive intact" % NBYTES,
             got.nbytes == NBYTES and got.sha256 == sent, got)
    got = lab.call("cli", toxnet.download, ports["down"])
    sc.check("%d bytes down through both NATs arrive intact" % NBYTES,
             got.nbytes == NBYTES and got.sha256 == source.expected_sha256, got)
    sc.note("path at the end: client %s, server %s"
            % (netlab.peer_path(client), netlab.peer_path(server)))

    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


if __name__ == "__main__":
    toxnet.main("nat", body)
