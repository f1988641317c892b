# SPDX-License-Identifier: GPL-3.0-or-later
"""Parallel transfers over a rate-limited path share it evenly.

A netlab Lab whose link carries 80 Mbit/s each way with 25 ms of delay, so
that congestion control paces the session. Eight uploads of the same size
start together through one tunnel (a browser's parallel connections). When
the first of them has arrived in full, every other one must have at least
half of its bytes through: the pacing takes turns among the streams. Then
all eight must arrive intact.

The pacing used to hand each refill to whichever stream the event loop
served first, the same one every time: one of eight streams had 87 MB
through while the other seven had 3 MB each (the flow-control window they
were granted at the start).
"""

import os
import threading

import netlab
import toxnet

LINK = netlab.LinkSpec(delay_ms=25, rate_kbit=80000)
STREAMS = 8
NBYTES = int(os.environ.get("TOXTUN_FAIRNESS_BYTES") or 12_000_000)


class CountingSink(toxnet.LocalServer):
    """A SinkServer that also keeps a live count of each connection's bytes."""

    def __init__(self):
        self.counts = {}
        super().__init__()

    def handle(self, conn):
        key = conn.fileno()
        self.counts[key] = 0
        self.report(toxnet.read_to_eof(conn, progress=lambda n: self.counts.__setitem__(key, n)))


def body(sc):
    netlab.require_lab(sc)
    lab = netlab.start_lab(sc, netlab.Lab(sc.dir, LINK, LINK, seed=11))
    sink = sc.add(lab.call("srv", CountingSink))
    _, server, client, ports = netlab.start_tunnel(sc, lab, {"bulk": sink.port}, verbose=False)

    sent, errors = {}, []

    def upload(i):
        try:
            sent[i] = lab.call("cli", toxnet.upload, ports["bulk"], 100 + i, NBYTES)
        except Exception as exc:  # reported by the check below
            errors.append("upload %d: %s" % (i, exc))

    threads = [threading.Thread(target=upload, args=(i,), daemon=True) for i in range(STREAMS)]
    for t in threads:
        t.start()
    sink.wait_results(1)
    counts = sorted(sink.counts.values())
    sc.note("when the first upload had arrived, the %d had: %s MB"
            % (STREAMS, " ".join("%.1f" % (c / 1e6) for c in counts)))
    sc.check("all %d uploads were accepted" % STREAMS, len(counts) == STREAMS, counts)
    sc.check("when the first of %d uploads of %d bytes has arrived, every other one has "
             "at least half through" % (STREAMS, NBYTES),
             len(counts) == STREAMS and counts[0] >= NBYTES // 2, counts)

    got = sink.wait_results(STREAMS)
    for t in threads:
        t.join(toxnet.IO_TIMEOUT)
    sc.check("no upload failed", not errors, errors)
    sc.check("all %d uploads arrived intact (SHA-256)" % STREAMS,
             sorted(r.sha256 for r in got) == sorted(sent.values())
             and all(r.nbytes == NBYTES for r in got), got)

    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


if __name__ == "__main__":
    toxnet.main("fairness", body)
