# SPDX-License-Identifier: GPL-3.0-or-later
"""A long transfer through a lossy, reordering link arrives bit for bit.

A netlab Lab whose link loses 5 % of the packets and holds back another 5 %
by 3 ms (reordering), in both directions, with 1 ms of delay: every ENet
retransmission path and the receiver's reordering are exercised hundreds of
thousands of times. 1 GB goes up through the tunnel and its SHA-256 at the
destination must equal what was sent.

In the sanitizer build (TOXTUN_SANITIZED=1, set by tests/CMakeLists.txt) the
daemons run several times slower, so the transfer is 100 MB there.
TOXTUN_LOSSY_BYTES overrides the size. The rate is reported, not judged.
"""

import os
import time

import netlab
import toxnet

LINK = netlab.LinkSpec(delay_ms=1, loss_pct=5, reorder_pct=5, reorder_gap_ms=3)
SANITIZED = os.environ.get("TOXTUN_SANITIZED") == "1"
NBYTES = int(os.environ.get("TOXTUN_LOSSY_BYTES") or (100_000_000 if SANITIZED
                                                      else 1_000_000_000))


def body(sc):
    netlab.require_lab(sc)
    lab = netlab.start_lab(sc, netlab.Lab(sc.dir, LINK, LINK, seed=5))
    sink = sc.add(lab.call("srv", toxnet.SinkServer))
    _, server, client, ports = netlab.start_tunnel(sc, lab, {"bulk": sink.port}, verbose=False)
    before = lab.stats()

    started = time.monotonic()
    sent = lab.call("cli", toxnet.upload, ports["bulk"], 33, NBYTES)
    got = sink.wait_results(1)[0]
    seconds = time.monotonic() - started
    sc.check("%d bytes through 5 %% loss and reordering arrive intact (SHA-256)" % NBYTES,
             got.nbytes == NBYTES and got.sha256 == sent, got)
    sc.note("%.0f MB in %.1f s: %.2f MB/s" % (NBYTES / 1e6, seconds, NBYTES / 1e6 / seconds))

    after = lab.stats()
    for dev in ("c2s", "s2c"):
        packets = after[dev]["in"] - before[dev]["in"]
        lost = after[dev]["lost"] - before[dev]["lost"]
        late = after[dev]["reordered"] - before[dev]["reordered"]
        sc.note("%s: %d packets, %d lost (%.2f %%), %d reordered"
                % (dev, packets, lost, 100.0 * lost / max(packets, 1), late))
        sc.check("%s: the link really lost and reordered packets" % dev, lost > 0 and late > 0)
    peer = client.status()["peers"][0]
    sc.note("client's view of the path: rtt %s ms, loss %s, window %s bytes"
            % (peer.get("rtt_ms"), peer.get("loss"), peer.get("window_bytes")))

    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


if __name__ == "__main__":
    toxnet.main("lossy-1g", body)
