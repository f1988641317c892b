# SPDX-License-Identifier: GPL-3.0-or-later
"""A network outage in the middle of a transfer: the connection stalls and resumes.

A netlab Lab with tox-bootstrapd in the public namespace. A 100 MB download
runs through the tunnel; once 10 MB have arrived, the router drops every
packet to and from the client's side (its whole access link: the server and
the bootstrap node are out of reach) for OUTAGE seconds, then lets traffic
through again. Shorter than `[link] outage_timeout` (600 s by default), so:

  - the transfer completes intact (SHA-256) over the SAME local TCP
    connection: neither end saw a reset or an EOF, and the destination
    accepted a single connection;
  - nothing arrives while the path is down (the outage was real);
  - bytes flow again within RESUME_DEADLINE seconds of the path returning
    (a deadline against a hang, not a speed measurement; the delay itself is
    reported).

test_outage_long.py runs the same with a 5-minute outage.
"""

import hashlib
import os
import threading
import time

import netlab
import toxnet

NBYTES = 100_000_000
CUT_AFTER = 10_000_000
RESUME_DEADLINE = 30.0
# Nothing may arrive from this long after the cut until the restore: bytes
# already in flight or buffered locally drain first.
DRAIN = 10.0


class PatientSource(toxnet.SourceServer):
    """A SourceServer whose writes wait out the outage instead of timing out."""

    io_timeout = 900.0


class Download:
    """Reads one socket to EOF in a thread: running count, SHA-256, outcome."""

    def __init__(self, sock):
        self.sock = sock
        self.nbytes = 0
        self.received = None  # toxnet.Received once EOF came
        self.error = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="download")
        self.thread.start()

    def _run(self):
        digest = hashlib.sha256()
        try:
            while True:
                data = self.sock.recv(256 * 1024)
                if not data:
                    break
                digest.update(data)
                self.nbytes += len(data)
            self.received = toxnet.Received(self.nbytes, digest.hexdigest())
        except OSError as exc:
            self.error = exc
        finally:
            self.done.set()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.thread.join(5)


def outage_during_download(sc, outage, name):
    netlab.require_lab(sc, nftables=True)
    lab = netlab.start_lab(sc, netlab.Lab(sc.dir, netlab.LinkSpec(delay_ms=2),
                                          netlab.LinkSpec(delay_ms=2)))
    source = sc.add(lab.call("srv", PatientSource, NBYTES, 11))
    _, server, client, ports = netlab.start_tunnel(sc, lab, {name: source.port})

    sock = lab.call("cli", toxnet.connect, ports[name], io_timeout=outage + 600)
    down = sc.add(Download(sock))
    sc.step("the download is under way (%d MB arrived)" % (CUT_AFTER // 1_000_000),
            toxnet.wait_until, lambda: down.nbytes >= CUT_AFTER or down.done.is_set(), 120,
            "%d bytes of the download" % CUT_AFTER)
    sc.require("... and not finished yet", not down.done.is_set(), down.nbytes)

    client_mark, server_mark = client.log_mark(), server.log_mark()
    lab.block("cli")
    cut = time.monotonic()
    sc.note("client's side cut off at %.1f MB received, for %d s" % (down.nbytes / 1e6, outage))
    # Holding the outage is the scenario itself, not a synchronisation.
    time.sleep(DRAIN)
    drained = down.nbytes
    time.sleep(max(0.0, cut + outage - time.monotonic()))
    at_restore = down.nbytes
    lab.unblock()
    restored = time.monotonic()
    sc.check("nothing arrived while the path was down (%d bytes after the first %d s)"
             % (at_restore - drained, DRAIN), at_restore == drained)
    sc.check("the connection is still open at the end of the outage",
             not down.done.is_set(), down.error or down.received)

    try:
        toxnet.wait_until(lambda: down.nbytes > at_restore or down.done.is_set(),
                          RESUME_DEADLINE, "bytes after the restore", interval=0.01)
    except toxnet.HarnessError:
        pass
    resumed = time.monotonic() - restored
    sc.check("bytes flow again within %.0f s of the path returning (%.2f s)"
             % (RESUME_DEADLINE, resumed), down.nbytes > at_restore and resumed <= RESUME_DEADLINE)
    sc.note("resume delay after a %d s outage: %.2f s" % (outage, resumed))

    finished = down.done.wait(300)
    total = time.monotonic() - restored
    sc.check("the download ends with EOF, not an error", finished and down.error is None,
             down.error or "still running after 300 s")
    got = down.received
    sc.check("all %d bytes arrived intact over the same connection" % NBYTES,
             got is not None and got.nbytes == NBYTES and got.sha256 == source.expected_sha256,
             got)
    sc.check("the destination saw a single connection (%d)" % source.accepted,
             source.accepted == 1)
    sc.note("rest of the download took %.1f s after the restore" % total)
    for node, mark in ((client, client_mark), (server, server_mark)):
        events = [m.group(0) for m in node.log.find(
            r"peer \w+ (online \(\w+\)|offline|session up|session down|restarted.*)|"
            r"dht: .*", mark)]
        sc.note("%s during and after the outage: %s" % (node.name, "; ".join(
            e.replace(server.public_key, "server").replace(client.public_key, "client")
            for e in events) or "nothing logged"))
        sc.check("%s: no peer restart or stream reset was seen" % node.name,
                 not node.log_has(r"restarted: resetting|closed: ", mark))

    down.close()
    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


def body(sc):
    outage_during_download(sc, int(os.environ.get("TOXTUN_OUTAGE_SECONDS", 60)), "outage")


if __name__ == "__main__":
    toxnet.main("outage", body)
