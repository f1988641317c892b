# SPDX-License-Identifier: GPL-3.0-or-later
"""UDP forwarding: a [client] udp line carries datagrams to the server's side.

- A DNS query through the forward to a real DNS server (dnsmasq) on the
  server's side gets the right answer, many times, from several source
  ports at once (one datagram stream per source address).
- A UDP echo server behind the forward: datagrams from 1 byte to 60 000
  bytes come back intact, one for one, boundaries kept; three sources each
  get their own answers only.
- Idle expiry: with [link] udp_timeout = 2 the streams end on both sides a
  few seconds after the last datagram, and a new datagram opens a new one.
"""

import os
import random
import shutil
import socket
import struct
import subprocess
import threading
import time

import toxnet

DNS_NAME = "tunnel.toxtun.test"
DNS_ADDRESS = "10.11.12.13"
IDLE_TIMEOUT = 2


class UdpEcho:
    """A UDP echo server on 127.0.0.1 for the test's lifetime."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.sources = set()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while True:
            try:
                data, source = self.sock.recvfrom(65536)
            except OSError:
                return
            self.sources.add(source)
            self.sock.sendto(data, source)

    def close(self):
        self.sock.close()


class Dnsmasq:
    """dnsmasq answering one name, on 127.0.0.1, in the foreground, and
    answering already (it has bound its port) when the constructor returns.
    The port is one the kernel had free a moment before; a test running
    beside this one may take it first, and dnsmasq then exits ("Address
    already in use"): it is started again on another port."""

    def __init__(self, workdir):
        self.log = toxnet.LogFile(os.path.join(workdir, "dnsmasq.log"))
        for _ in range(5):
            self.port = toxnet.free_port(socket.SOCK_DGRAM)
            self.proc = toxnet.spawn(
                [shutil.which("dnsmasq"), "--keep-in-foreground", "--no-daemon", "--log-queries",
                 "--no-resolv", "--no-hosts", "--bind-interfaces", "--listen-address=127.0.0.1",
                 "--port=%d" % self.port, "--address=/%s/%s" % (DNS_NAME, DNS_ADDRESS),
                 "--pid-file=", "--user=root", "--conf-file=/dev/null"], self.log.path)
            if self._answers():
                return
            toxnet._terminate_process(self.proc, 5)
        raise toxnet.HarnessError("dnsmasq did not start; see %s" % self.log.path)

    def _answers(self):
        """True once dnsmasq answers on its port (any answer: the name asked
        is not the one the test checks the query log for); False if it
        exited or stayed silent for 20 s."""
        query = dns_query_packet("ready.invalid", 0x0bad)
        deadline = time.monotonic() + 20
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(0.2)
            while time.monotonic() < deadline and self.proc.poll() is None:
                sock.sendto(query, ("127.0.0.1", self.port))
                try:
                    if sock.recv(4096)[:2] == query[:2]:
                        return True
                except OSError:  # a timeout, or nobody bound yet (ICMP unreachable)
                    continue
        return False

    def close(self):
        toxnet._terminate_process(self.proc, 5)


def dns_query_packet(name, qid):
    """A recursive query for the A record of name."""
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question + struct.pack(">HH", 1, 1)


def dns_query(port, name, qid):
    """Ask 127.0.0.1:port for the A record of name; return the addresses."""
    query = dns_query_packet(name, qid)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        # Well under the idle timeout: a datagram lost and sent again must
        # not leave the stream idle long enough to expire.
        sock.settimeout(IDLE_TIMEOUT / 4)
        for _ in range(20):  # UDP: ask again if the answer or the query was lost
            sock.sendto(query, ("127.0.0.1", port))
            try:
                reply = sock.recv(4096)
            except socket.timeout:
                continue
            rid, flags, _, ancount, _, _ = struct.unpack(">HHHHHH", reply[:12])
            if rid != qid:
                continue
            return parse_answers(reply, len(query), ancount)
    raise toxnet.HarnessError("no DNS answer through the tunnel after 20 tries")


def parse_answers(reply, offset, count):
    addresses = []
    for _ in range(count):
        if reply[offset] & 0xc0 == 0xc0:  # a compressed name: two bytes
            offset += 2
        else:
            while reply[offset]:
                offset += reply[offset] + 1
            offset += 1
        rtype, _, _, rdlen = struct.unpack(">HHIH", reply[offset:offset + 10])
        offset += 10
        if rtype == 1 and rdlen == 4:
            addresses.append(socket.inet_ntoa(reply[offset:offset + 4]))
        offset += rdlen
    return addresses


def echo_datagrams(port, sizes, seed):
    """Send each size as one datagram and wait for its echo; True when every
    echo came back whole and alone. Lost ones are sent again (UDP)."""
    rng = random.Random(seed)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        # Well under the idle timeout: a datagram lost and sent again must
        # not leave the stream idle long enough to expire.
        sock.settimeout(IDLE_TIMEOUT / 4)
        for size in sizes:
            payload = rng.randbytes(size)
            for _ in range(20):
                sock.sendto(payload, ("127.0.0.1", port))
                try:
                    reply = sock.recv(65536)
                except socket.timeout:
                    continue
                if reply != payload:
                    return False, "datagram of %d bytes came back as %d bytes" % (size, len(reply))
                break
            else:
                return False, "no echo for a datagram of %d bytes" % size
    return True, ""


def tunnel_stats(node, name):
    for t in node.status().get("tunnels", []):
        if t.get("name") == name:
            return t
    return {}


def body(sc):
    if not shutil.which("dnsmasq"):
        sc.skip("dnsmasq is not installed (tests/install-deps.sh installs dnsmasq-base)")
    boot = sc.bootstrap()
    echo = sc.add(UdpEcho())
    dns = sc.add(Dnsmasq(sc.dir))
    server = sc.node("server", "server", toxnet.tox_section(boot) + "[server]\n"
                     "[link]\nudp_timeout = %d\n" % IDLE_TIMEOUT)
    dns_port, echo_port = toxnet.free_port(socket.SOCK_DGRAM), toxnet.free_port(socket.SOCK_DGRAM)
    client = sc.node("client", "client", toxnet.tox_section(boot) + "[client]\n"
                     "dns = udp:%d:127.0.0.1:%d:%s\n" % (dns_port, dns.port, server.tox_id()) +
                     "echo = udp:127.0.0.1:%d:127.0.0.1:%d:%s\n" % (echo_port, echo.port, server.tox_id()) +
                     "[link]\nudp_timeout = %d\n" % IDLE_TIMEOUT)
    client.tox_id()
    server.start()
    client.start()
    sc.step("session up on both sides", toxnet.wait_tunnel_up, server, client)

    answers = sc.step("a DNS query through the forward", dns_query, dns_port, DNS_NAME, 0x1234)
    sc.check("dnsmasq's answer arrives: %s" % DNS_ADDRESS, answers == [DNS_ADDRESS], answers)
    sc.check("dnsmasq saw the query", dns.log.find(r"query\[A\] %s" % DNS_NAME.replace(".", r"\.")))
    results = toxnet.run_parallel([(lambda i=i: dns_query(dns_port, DNS_NAME, 0x100 + i))
                                   for i in range(10)])
    sc.check("10 queries at once from 10 source ports, all answered right",
             all(r == [DNS_ADDRESS] for r in results), results)

    sizes = [1, 2, 100, 1200, 1243, 1244, 5000, 32768, 60000] + [512] * 50
    results = toxnet.run_parallel([(lambda i=i: echo_datagrams(echo_port, sizes, i)) for i in range(3)])
    sc.check("UDP echo from 3 sources: every datagram (1 B .. 60 kB) back whole, one for one",
             all(r[0] for r in results), results)
    sc.check("the echo server saw one source per client source (one stream each)",
             len(echo.sources) == 3, echo.sources)
    stats = tunnel_stats(client, "echo")
    dropped = stats.get("datagrams_dropped", -1) + sum(t.get("datagrams_dropped", 0)
                                                        for t in server.status().get("tunnels", []))
    sc.check("a quiet tunnel drops none of these datagrams (status datagrams_dropped)", dropped == 0, stats)
    sc.check("the client counts the echo tunnel's streams", stats.get("streams_total", 0) >= 3, stats)

    sc.step("the idle streams end on the client", toxnet.wait_until,
            lambda: tunnel_stats(client, "echo").get("streams_active", 1) == 0 and
            tunnel_stats(client, "dns").get("streams_active", 1) == 0, 60, "idle UDP streams closed")
    sc.check("the client logged the idle expiry", client.log_has(r"closed: no datagram for %d s" % IDLE_TIMEOUT))
    sc.step("the server's side ends too", toxnet.wait_until,
            lambda: sum(t.get("streams_active", 0) for t in server.status().get("tunnels", [])) == 0,
            60, "server-side UDP streams closed")
    ok, why = echo_datagrams(echo_port, [700] * 5, 99)
    sc.check("a new datagram after the expiry opens a new stream and is echoed", ok, why)

    server.stop()
    client.stop()


if __name__ == "__main__":
    toxnet.main("udp", body)
