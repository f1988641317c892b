# SPDX-License-Identifier: GPL-3.0-or-later
"""UDP blocked by a firewall: the tunnel comes up through the TCP relay.

A netlab Lab with tox-bootstrapd (DHT node and TCP relay) in the public
namespace. Both daemons keep `udp = yes`, as a user would: only the network
stops them.

  1. The router drops every UDP packet to or from the client's side: the
     client can neither bootstrap over UDP nor punch a hole, so the tunnel
     must come up through the relay and carry data both ways intact.
  2. UDP dropped for the server's side as well, and both daemons restarted:
     the tunnel comes up from scratch with both nodes on TCP only.
"""

import netlab
import toxnet

NBYTES = 10_000_000


def transfers(sc, lab, client, server, sink, source, ports, label, seed):
    path = netlab.peer_path(client), netlab.peer_path(server)
    sc.check("%s: the client and the server reach each other through the relay (path tcp)"
             % label, path == ("tcp", "tcp"), "paths: client %s, server %s" % path)
    sent = lab.call("cli", toxnet.upload, ports["up"], seed, NBYTES)
    got = sink.wait_results(seed)[seed - 1]
    sc.check("%s: %d bytes up arrive intact" % (label, NBYTES),
             got.nbytes == NBYTES and got.sha256 == sent, got)
    got = lab.call("cli", toxnet.download, ports["down"])
    sc.check("%s: %d bytes down arrive intact" % (label, NBYTES),
             got.nbytes == NBYTES and got.sha256 == source.expected_sha256, got)
    path = netlab.peer_path(client), netlab.peer_path(server)
    sc.check("%s: still through the relay after the transfers" % label,
             path == ("tcp", "tcp"), "paths: client %s, server %s" % path)


def body(sc):
    netlab.require_lab(sc, nftables=True)
    lab = netlab.start_lab(sc, netlab.Lab(sc.dir, netlab.LinkSpec(delay_ms=2),
                                          netlab.LinkSpec(delay_ms=2)))
    sink = sc.add(lab.call("srv", toxnet.SinkServer))
    source = sc.add(lab.call("srv", toxnet.SourceServer, NBYTES, 9))

    lab.block("cli", "udp")
    sc.note("UDP dropped to and from the client's side")
    _, server, client, ports = netlab.start_tunnel(sc, lab, {"up": sink.port,
                                                             "down": source.port})
    transfers(sc, lab, client, server, sink, source, ports, "client UDP blocked", 1)

    lab.block("srv", "udp")
    sc.note("UDP dropped to and from the server's side too; both daemons restarted")
    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)
    server.start()
    client.start()
    seconds = sc.step("session up again, both sides without UDP", toxnet.wait_tunnel_up,
                      server, client)
    sc.note("tunnel up %.1f s after the restart" % seconds)
    transfers(sc, lab, client, server, sink, source, ports, "both sides UDP blocked", 2)

    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


if __name__ == "__main__":
    toxnet.main("udp-blocked", body)
