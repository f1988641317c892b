# SPDX-License-Identifier: GPL-3.0-or-later
"""A flapping path under load: down 2 s, up 5 s, for a minute.

A netlab Lab (20 Mbit/s, 5 ms each way) with tox-bootstrapd in the public
namespace. An echo connection carries data both ways without pause: the
client sends a deterministic stream and reads the echo concurrently. Meanwhile
the router drops everything to and from the client's side for 2 s out of
every 7, for FLAP_SECONDS. Then the sender stops and half-closes; the echo
must come back complete and identical (SHA-256) over the same connection,
within a deadline. How much moved in each up phase is reported, not judged.
"""

import hashlib
import socket
import threading
import time

import netlab
import toxnet

FLAP_SECONDS = 60.0
DOWN, UP = 2.0, 5.0
FINISH_DEADLINE = 180.0
LINK = netlab.LinkSpec(delay_ms=5, rate_kbit=20000, queue_ms=50)


class PatientEcho(toxnet.EchoServer):
    io_timeout = 600.0


class EchoLoad:
    """Sends PayloadStream(seed) until stop(), then half-closes; reads the
    echo to EOF at the same time. Counts and hashes both directions."""

    def __init__(self, sock, seed):
        self.sock, self.seed = sock, seed
        self.sent = self.echoed = 0
        self.sent_digest, self.echo_digest = hashlib.sha256(), hashlib.sha256()
        self.stopping = threading.Event()
        self.errors = []
        self.eof = threading.Event()
        self.writer = threading.Thread(target=self._send, daemon=True, name="flap-send")
        self.reader = threading.Thread(target=self._read, daemon=True, name="flap-read")
        self.writer.start()
        self.reader.start()

    def _send(self):
        stream = toxnet.PayloadStream(self.seed)
        try:
            while not self.stopping.is_set():
                chunk = stream.read(16 * 1024)
                self.sock.sendall(chunk)
                self.sent_digest.update(chunk)
                self.sent += len(chunk)
            self.sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            self.errors.append(("send", exc))

    def _read(self):
        try:
            while True:
                data = self.sock.recv(256 * 1024)
                if not data:
                    break
                self.echo_digest.update(data)
                self.echoed += len(data)
            self.eof.set()
        except OSError as exc:
            self.errors.append(("read", exc))
            self.eof.set()

    def stop(self):
        self.stopping.set()

    def close(self):
        self.stopping.set()
        try:
            self.sock.close()
        except OSError:
            pass


def body(sc):
    netlab.require_lab(sc, nftables=True)
    lab = netlab.start_lab(sc, netlab.Lab(sc.dir, LINK, LINK))
    echo = sc.add(lab.call("srv", PatientEcho))
    _, server, client, ports = netlab.start_tunnel(sc, lab, {"echo": echo.port})

    sock = lab.call("cli", toxnet.connect, ports["echo"], io_timeout=600)
    load = sc.add(EchoLoad(sock, 21))
    sc.step("the echo load is under way", toxnet.wait_until, lambda: load.echoed > 1_000_000,
            60, "1 MB echoed")
    client_mark = client.log_mark()

    started = time.monotonic()
    phases = []
    while time.monotonic() - started < FLAP_SECONDS:
        # Holding each phase is the scenario itself, not a synchronisation.
        lab.block("cli")
        time.sleep(DOWN)
        lab.unblock()
        before = load.echoed
        time.sleep(UP)
        phases.append(load.echoed - before)
    sc.note("%d down/up cycles; echoed per 5 s up phase (MB): %s"
            % (len(phases), " ".join("%.1f" % (n / 1e6) for n in phases)))
    sc.check("the echo connection survived the flapping", not load.errors, load.errors)

    load.stop()
    stopped = time.monotonic()
    finished = load.eof.wait(FINISH_DEADLINE)
    sc.check("the echo ends with EOF within %.0f s of the sender's end (%.1f s)"
             % (FINISH_DEADLINE, time.monotonic() - stopped), finished and not load.errors,
             load.errors or "still running")
    sc.check("all %d bytes came back intact over the same connection" % load.sent,
             load.echoed == load.sent and
             load.echo_digest.hexdigest() == load.sent_digest.hexdigest(),
             "sent %d, echoed %d" % (load.sent, load.echoed))
    sc.check("the destination saw a single connection (%d)" % echo.accepted, echo.accepted == 1)
    sc.note("%.1f MB each way in %.0f s" % (load.sent / 1e6, time.monotonic() - started))
    drops = len(client.log.find(r"peer \w+ offline", client_mark))
    sc.note("friend connection drops seen by the client: %d" % drops)
    sc.check("no peer restart or stream reset was seen",
             not client.log_has(r"restarted: resetting|closed: ", client_mark)
             and not server.log_has(r"restarted: resetting|closed: "))

    load.close()
    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


if __name__ == "__main__":
    toxnet.main("flap", body)
