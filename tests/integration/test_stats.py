# SPDX-License-Identifier: GPL-3.0-or-later
"""Round trip and loss in the snapshot tell what the path does.

The snapshot's `rtt_ms` and `loss` come from probes (PING/PONG frames,
daemon/mux/probe.h) and the link's datagram counts. Each figure is checked
against an independent measure of the same path:

1. 127.0.0.1, a tunnel to an echo service and one to a source of bulk data.
   Right after the session comes up nothing has been measured on the side
   nobody asked (the server): `rtt_ms` is null and `rtt_age_s` absent; the
   status request starts a probe whose sample follows within a deadline.
   `tunnel status` on the client, asked for the first time, waits for its
   probe and prints a round trip. Left alone for 30 s (no traffic, no status
   request) the daemon probes nothing once the 10 s after the last request
   are over: the newest sample is that old. Asked again, it probes at once;
   the fresh `rtt_ms` is within 1 ms of the p50 of a ping-pong of 64-byte
   messages through the echo tunnel. Then the same while a download of
   30 MB/s runs through the other tunnel: the ping-pong and the probes
   (every 300 ms while data flows and a client is subscribed) wait in the
   same queues, and `rtt_ms` (the median of the probes of the last 10 s) is
   within 1 ms of the ping-pong's p50 over those 10 s.
   The download is paced: on this project's 2 shared cores a download at
   full speed (60-100 MB/s) leaves the daemons busy, and a busy daemon takes
   the echo's reply from its socket later than it answers a PING; the
   ping-pong's p50 was then 2-2.5 ms above the probes' median (3.4 against
   1.7 ms, 5.0 against 2.6), of which a ping-pong beside the tunnel took
   0.03 ms. At 30-40 MB/s they agreed within 0.3 ms. The source and the
   reader of the download run in a process of their own, so that the
   ping-pong never waits for this interpreter's lock behind them.
2. netlab, the benchmark's wan path (50 ms each way, 1 % loss, 50 Mbit/s),
   once the friends reach each other over UDP (not through the bootstrap
   node's relay, which netem does not delay): `rtt_ms` within 10 % of the
   100 ms round trip.
3. netlab, the benchmark's lossy path (50 ms each way, 5 % loss, no rate
   cap) while an upload runs: `loss` (client to server) and `loss_in` (server
   to client) against netem's own counters (lost / in of devices c2s and
   s2c) over the window the daemon states (`loss_window_s`, ending
   `rtt_age_s` before the snapshot), within 1.5 percentage points.

Parts 2 and 3 need root (network namespaces); without it they are skipped
and said so. Every wait is for a condition with a deadline; the 30 s of
part 1 is the idleness under test, not a synchronisation.
"""

import multiprocessing
import os
import re
import socket
import statistics
import threading
import time

import netlab
import toxnet
from test_control import Control

PING_BYTES = 64
IDLE_S = 30.0
WATCH_S = 10.0  # WATCH_S in daemon/control/control.c
BUSY_S = 14.0
SANITIZED = os.environ.get("TOXTUN_SANITIZED") == "1"
# Paced (see above); the sanitizer build's daemons are several times slower.
BULK_RATE = int(os.environ.get("TOXTUN_STATS_BULK_RATE") or (5_000_000 if SANITIZED else 30_000_000))
RTT_TOLERANCE_MS = 1.0
WAN = netlab.LinkSpec(delay_ms=50, loss_pct=1, rate_kbit=50000)
LOSSY = netlab.LinkSpec(delay_ms=50, loss_pct=5)
LOSS_TOLERANCE = 0.015


# ---- traffic --------------------------------------------------------------


class EndlessSource(toxnet.LocalServer):
    """Sends incompressible data on every connection until the other end goes,
    at rate bytes/s (0: as fast as it can)."""

    CHUNK = 64 * 1024

    def __init__(self, rate=0):
        self.rate = rate
        self.block = toxnet.payload_bytes(7, 1 << 20)
        super().__init__()

    def handle(self, conn):
        started, sent, off = time.monotonic(), 0, 0
        try:
            while True:
                conn.sendall(self.block[off:off + self.CHUNK])
                off = (off + self.CHUNK) % len(self.block)
                sent += self.CHUNK
                ahead = sent / self.rate - (time.monotonic() - started) if self.rate else 0
                if ahead > 0:
                    time.sleep(ahead)
        except OSError:
            pass


def _download_main(pipe, rate, moved, stop):
    """The download's both ends, in a process of their own: see Download."""
    source = EndlessSource(rate)
    pipe.send(source.port)
    port = pipe.recv()
    try:
        with toxnet.connect(port) as sock:
            while not stop.is_set():
                data = sock.recv(256 * 1024)
                if not data:
                    raise toxnet.HarnessError("the download ended early")
                with moved.get_lock():
                    moved.value += len(data)
        pipe.send(None)
    except (OSError, toxnet.HarnessError) as exc:
        pipe.send(str(exc))
    source.close()


class Download:
    """A download through a tunnel: the source behind the server and the
    reader, in a process of their own, so that the ping-pong of this process
    never waits for the interpreter's lock behind them. source_port first,
    then start(tunnel port) ... stop()."""

    def __init__(self, rate=0):
        ctx = multiprocessing.get_context("fork")
        self._pipe, child = ctx.Pipe()
        self._moved = ctx.Value("q", 0)
        self._stop = ctx.Event()
        self.proc = ctx.Process(target=_download_main, args=(child, rate, self._moved, self._stop),
                                daemon=True)
        self.proc.start()
        if not self._pipe.poll(30):
            raise toxnet.HarnessError("the download's process did not start")
        self.source_port = self._pipe.recv()
        self.error = None

    @property
    def nbytes(self):
        return self._moved.value

    def start(self, port):
        self._pipe.send(port)

    def stop(self):
        self._stop.set()
        if self._pipe.poll(30):
            self.error = self._pipe.recv()
        else:
            self.error = "the download's process did not finish"
        self.proc.join(10)

    def close(self):
        self._stop.set()
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()


class Upload:
    """An upload through a tunnel in a thread, until stop(); call runs the
    connection where it must (a namespace: lab.call)."""

    def __init__(self, port, call):
        self.port = port
        self.nbytes = 0
        self.error = None
        self._stop = threading.Event()
        self._call = call
        self._thread = threading.Thread(target=self._run, daemon=True, name="upload")
        self._thread.start()

    def _run(self):
        try:
            self._call(self._transfer)
        except (OSError, toxnet.HarnessError) as exc:
            self.error = exc

    def _transfer(self):
        block = toxnet.payload_bytes(9, 256 * 1024)
        with toxnet.connect(self.port) as sock:
            while not self._stop.is_set():
                sock.sendall(block)
                self.nbytes += len(block)

    def stop(self):
        self._stop.set()
        self._thread.join(30)

    def close(self):
        self.stop()


def ping_pong(port, seconds=None, rounds=None):
    """64-byte messages through an echo tunnel, one at a time: a list of
    (monotonic time at the reply, round trip in ms)."""
    out = []
    msg = bytes(range(PING_BYTES))
    deadline = time.monotonic() + (seconds or 1e9)
    with toxnet.connect(port) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while (rounds is None or len(out) < rounds) and time.monotonic() < deadline:
            t0 = time.perf_counter_ns()
            sock.sendall(msg)
            got = toxnet.recv_upto(sock, PING_BYTES)
            t1 = time.perf_counter_ns()
            if got != msg:
                raise toxnet.HarnessError("the echo returned %d bytes, not the message" % len(got))
            out.append((time.monotonic(), (t1 - t0) / 1e6))
    return out


def p50(samples):
    return statistics.median(rtt for _, rtt in samples)


# ---- the snapshot ---------------------------------------------------------


def peer_of(snap):
    peers = snap.get("peers") or []
    if len(peers) != 1:
        raise toxnet.HarnessError("expected one peer in the snapshot, got %r" % peers)
    return peers[0]


def fresh_sample(ctl, within_s):
    """Ask for status until the peer's round trip is a sample younger than
    within_s; returns the peer."""
    peer = peer_of(ctl.request({"cmd": "status"}))
    age = peer.get("rtt_age_s")
    if peer.get("rtt_ms") is not None and age is not None and age < within_s:
        return peer
    return None


class IdleSamples:
    """Status requests (which keep the peers probed) until the newest
    sample has changed `count` times: each new one has a time of its own
    (when the status came, less its age)."""

    def __init__(self, ctl):
        self.ctl = ctl
        self.times = set()

    def poll(self, count):
        peer = peer_of(self.ctl.request({"cmd": "status"}))
        if peer.get("rtt_age_s") is not None:
            t = time.monotonic() - peer["rtt_age_s"]
            # idle, samples are 2 s apart; the age is given to 0.1 s
            if all(abs(t - seen) > 0.5 for seen in self.times):
                self.times.add(t)
        return peer if len(self.times) >= count else None


def describe(peer):
    return ("rtt %s ms (age %s s), min %s ms, loss %s, loss_in %s over %s s"
            % (peer.get("rtt_ms"), peer.get("rtt_age_s"), peer.get("min_rtt_ms"),
               peer.get("loss"), peer.get("loss_in"), peer.get("loss_window_s")))


class Subscription:
    """Snapshots pushed every interval, each with the monotonic time it came."""

    def __init__(self, path, interval_ms):
        self.ctl = Control(path)
        reply = self.ctl.request({"cmd": "subscribe", "interval_ms": interval_ms})
        if not reply.get("ok"):
            raise toxnet.HarnessError("subscribe failed: %r" % reply)
        self.snaps = []
        self.cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, daemon=True, name="subscription")
        self._thread.start()

    def _run(self):
        try:
            while True:
                msg = self.ctl.read()
                if msg.get("event") == "snapshot":
                    with self.cond:
                        self.snaps.append((time.monotonic(), msg))
                        self.cond.notify_all()
        except (OSError, ValueError, toxnet.HarnessError):
            return

    def latest(self):
        with self.cond:
            return self.snaps[-1] if self.snaps else (None, None)

    def close(self):
        self.ctl.close()


# ---- 1. loopback ----------------------------------------------------------


def control_path(node, sc):
    return os.path.join(sc.dir, node.name + ".sock")


def loopback(sc):
    download = sc.add(Download(BULK_RATE))  # forked before this process has threads
    boot = sc.bootstrap()
    echo = sc.add(toxnet.EchoServer())

    def ini(name):
        return toxnet.tox_section(boot) + "[control]\nsocket = %s\n" % os.path.join(sc.dir, name + ".sock")

    server = sc.node("lo-server", "server", ini("lo-server") + "[server]\n")
    echo_port, bulk_port = toxnet.free_port(), toxnet.free_port()
    client = sc.node("lo-client", "client", ini("lo-client") + "[client]\n" + "\n".join([
        toxnet.client_line("echo", echo_port, echo.port, server.tox_id()),
        toxnet.client_line("bulk", bulk_port, download.source_port, server.tox_id())]) + "\n")
    client.tox_id()
    server.start()
    client.start()
    sc.step("session up on both sides", toxnet.wait_tunnel_up, server, client)
    # Nothing measured yet (the server was never asked): no default passed
    # off as a measurement.
    sctl = sc.add(Control(control_path(server, sc)))
    peer = peer_of(sctl.request({"cmd": "status"}))
    sc.check("before any probe: rtt_ms, min_rtt_ms, loss and loss_in are null, rtt_age_s "
             "and loss_window_s absent",
             peer.get("session") == "up" and "rtt_ms" in peer and peer["rtt_ms"] is None
             and peer.get("min_rtt_ms", 0) is None and peer.get("loss", 0) is None
             and peer.get("loss_in", 0) is None and "rtt_age_s" not in peer
             and "loss_window_s" not in peer, peer)
    started = time.monotonic()
    peer = sc.step("the status request started a probe: a sample within 2 s",
                   toxnet.wait_until, lambda: fresh_sample(sctl, 2.0), 2.0, "a first sample")
    sc.note("first sample %.3f ms, %.0f ms after the status request"
            % (peer["rtt_ms"], (time.monotonic() - started) * 1000))
    sctl.close()
    # `tunnel status` asks, and waits for the probe its request started.
    out = client.run_cli("status", client.ini_path)
    row = [line for line in out.stdout.splitlines() if line.startswith(server.public_key[:8])]
    sc.note("tunnel status:\n%s" % toxnet.indent(out.stdout.rstrip()))
    sc.check("`tunnel status` on a client never asked before shows a measured round trip",
             out.returncode == 0 and len(row) == 1 and re.search(r" \d+\.\d+ ms ", row[0])
             and " ago" not in row[0], out.stdout)
    ctl = sc.add(Control(control_path(client, sc)))

    # Idle: nobody asks, nothing flows. A status request has the peers
    # probed for WATCH_S after it, then nothing.
    last_request = time.monotonic()
    sc.note("idle for %.0f s: no traffic, no status request" % IDLE_S)
    time.sleep(IDLE_S)
    peer = peer_of(ctl.request({"cmd": "status"}))
    unwatched = time.monotonic() - last_request - WATCH_S
    sc.check("after %.0f s idle the newest sample is %s s old: nothing was probed in the %.1f s "
             "nobody watched" % (IDLE_S, peer.get("rtt_age_s"), unwatched),
             (peer.get("rtt_age_s") or 0) >= unwatched - 0.5, describe(peer))
    peer = sc.step("a status request probes at once: a fresh sample within 2 s",
                   toxnet.wait_until, lambda: fresh_sample(ctl, 1.0), 2.0, "a fresh sample")
    first = peer["rtt_ms"]
    # rtt_ms is the median of the samples of 10 s. One sample is one
    # exchange, which a busy machine can delay by milliseconds (seen on
    # these shared cores: 0.99 and 3.2 ms where the ping-pong had p50 0.43
    # and 0.17); the figure to judge is that of three, still idle.
    seen = IdleSamples(ctl)
    peer = sc.step("still asked, three idle samples within 8 s", toxnet.wait_until,
                   lambda: seen.poll(3), 8.0, "three idle samples")
    idle_rtt = peer["rtt_ms"]
    pings = ping_pong(echo_port, rounds=2000)
    sc.note("idle: first sample %.3f ms, rtt_ms %.3f over three; ping-pong p50 %.3f ms, p99 "
            "%.3f ms over %d rounds" % (first, idle_rtt, p50(pings),
                                         sorted(r for _, r in pings)[int(0.99 * len(pings))],
                                         len(pings)))
    sc.check("idle: rtt_ms %.3f is within %g ms of the ping-pong's p50 %.3f"
             % (idle_rtt, RTT_TOLERANCE_MS, p50(pings)),
             abs(idle_rtt - p50(pings)) <= RTT_TOLERANCE_MS)

    # Busy: a download through the other tunnel, the ping-pong beside it.
    sub = sc.add(Subscription(control_path(client, sc), 250))
    download.start(bulk_port)
    toxnet.wait_until(lambda: download.nbytes >= 10_000_000, 60, "the download to run")
    moved = download.nbytes
    pings = ping_pong(echo_port, seconds=BUSY_S)
    t_end = time.monotonic()
    _, snap = sub.latest()
    moved = download.nbytes - moved
    download.stop()
    sc.check("the download ran throughout (%.0f MB at %.1f MB/s)" % (moved / 1e6, moved / 1e6 / BUSY_S),
             download.error is None, download.error)
    peer = peer_of(snap)
    window = [s for s in pings if s[0] >= t_end - 10.0]
    sc.note("busy: %s; ping-pong p50 %.3f ms (last 10 s, %d rounds), p50 %.3f over %.0f s"
            % (describe(peer), p50(window), len(window), p50(pings), BUSY_S))
    sc.check("busy: rtt_ms %s is a fresh sample (age %s s)"
             % (peer.get("rtt_ms"), peer.get("rtt_age_s")),
             peer.get("rtt_ms") is not None and peer.get("rtt_age_s", 99) <= 2.5)
    if peer.get("rtt_ms") is not None:
        sc.check("busy: rtt_ms %.3f is within %g ms of the ping-pong's p50 %.3f"
                 % (peer["rtt_ms"], RTT_TOLERANCE_MS, p50(window)),
                 abs(peer["rtt_ms"] - p50(window)) <= RTT_TOLERANCE_MS)
    toxnet.end_pair(sc, server, client)


# ---- 2. and 3. emulated paths ---------------------------------------------


class EmulatorLog:
    """netem's counters sampled every half second with the monotonic time."""

    def __init__(self, lab):
        self.lab = lab
        self.rows = []

    def sample(self):
        stats = self.lab.stats()
        self.rows.append((time.monotonic(), stats))

    def at(self, t, dev, key):
        """The counter at time t, interpolated between the samples around it."""
        rows = self.rows
        for (t0, s0), (t1, s1) in zip(rows, rows[1:]):
            if t0 <= t <= t1:
                a, b = s0[dev][key], s1[dev][key]
                return a + (b - a) * (t - t0) / max(t1 - t0, 1e-9)
        raise toxnet.HarnessError("no emulator counters around t=%.2f (%.2f..%.2f)"
                                  % (t, rows[0][0], rows[-1][0]))

    def loss(self, dev, t0, t1):
        sent = self.at(t1, dev, "in") - self.at(t0, dev, "in")
        lost = self.at(t1, dev, "lost") - self.at(t0, dev, "lost")
        return lost / max(sent, 1), sent


def emulated(sc):
    missing = netlab.missing_requirements()
    if missing:
        sc.note("SKIP the emulated paths: %s" % missing)
        return
    lab = netlab.start_lab(sc, netlab.Lab(sc.dir, WAN, WAN, seed=21))
    sink = sc.add(lab.call("srv", toxnet.SinkServer))
    echo = sc.add(lab.call("srv", toxnet.EchoServer))
    _, server, client, ports = netlab.start_tunnel(sc, lab, {"bulk": sink.port, "echo": echo.port},
                                                   verbose=False)
    ctl = sc.add(Control(control_path(client, sc)))
    # The friends may meet through pub's TCP relay first, which netem does
    # not delay; the probes measure the path in use, and forget the
    # relay's samples when it changes.
    sc.step("the client reaches the server over UDP", toxnet.wait_until,
            lambda: netlab.peer_path(client) == "udp", 60, "a direct UDP path")

    # 2. The wan path's round trip.
    peer = sc.step("wan: a fresh sample within 3 s of a status request", toxnet.wait_until,
                   lambda: fresh_sample(ctl, 1.0), 3.0, "a sample on the wan path")
    sc.note("wan (%s): %s" % (WAN.describe(), describe(peer)))
    sc.check("wan: rtt_ms %.3f within 10 %% of the path's 100 ms" % peer["rtt_ms"],
             abs(peer["rtt_ms"] - 100) <= 10)

    # 3. Loss on the lossy path while an upload runs.
    sub = sc.add(Subscription(control_path(client, sc), 250))
    sc.step("netem restarted with the lossy path (%s)" % LOSSY.describe(), lab.start_netem,
            LOSSY, LOSSY)
    emu = EmulatorLog(lab)
    bulk = sc.add(Upload(ports["bulk"], call=lambda fn: lab.call("cli", fn)))
    toxnet.wait_until(lambda: bulk.nbytes >= 5_000_000 or bulk.error, 60, "the upload to run")
    deadline = time.monotonic() + (20 if SANITIZED else 25)
    while time.monotonic() < deadline:
        emu.sample()
        time.sleep(0.5)
    # The newest snapshot whose window lies within the emulator's samples.
    t_snap, snap = sub.latest()
    emu.sample()
    moved = bulk.nbytes
    bulk.stop()
    sc.check("lossy: the upload ran throughout (%.1f MB)" % (moved / 1e6), bulk.error is None,
             bulk.error)
    peer = peer_of(snap)
    sc.note("lossy (%s), client: %s" % (LOSSY.describe(), describe(peer)))
    if peer.get("loss") is None or peer.get("loss_in") is None:
        sc.check("lossy: loss and loss_in are known", False, describe(peer))
    else:
        t1 = t_snap - peer["rtt_age_s"]
        t0 = t1 - peer["loss_window_s"]
        sc.check("lossy: the window is 10 s or more (%.1f s)" % peer["loss_window_s"],
                 peer["loss_window_s"] >= 10)
        for label, key, dev in (("client→server", "loss", "c2s"),
                                ("server→client", "loss_in", "s2c")):
            want, packets = emu.loss(dev, t0, t1)
            sc.check("lossy: %s %s %.2f %% agrees with netem's %.2f %% (%d packets) within "
                     "%.1f points" % (label, key, 100 * peer[key], 100 * want, packets,
                                      100 * LOSS_TOLERANCE),
                     abs(peer[key] - want) <= LOSS_TOLERANCE)
    sc.step("client exits 0 on SIGTERM", client.stop)
    sc.step("server exits 0 on SIGTERM", server.stop)


def body(sc):
    loopback(sc)
    emulated(sc)


if __name__ == "__main__":
    toxnet.main("stats", body)
