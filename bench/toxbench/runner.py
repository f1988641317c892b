# SPDX-License-Identifier: GPL-3.0-or-later
"""Running one scenario: set the path up, measure, tear everything down.

Processes and namespaces are made with the test fixtures (tests/integration:
toxnet.py for tox-bootstrapd and the tunnel daemons, netlab.py for the
namespaces and the link emulator), so the benchmark and the tests share one
implementation of "a private Tox network on this machine".
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time

import netlab
import toxnet

MB = 1e6
CLK_TCK = os.sysconf("SC_CLK_TCK")
MEET_TIMEOUT = 180.0
BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class BenchError(Exception):
    """A measurement could not be made (not a missed target)."""


def log(msg):
    print("%s %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# --------------------------------------------------------------------------
# /proc


def proc_cpu_seconds(pid):
    """user + system CPU seconds of a process (fields 14 and 15 of stat)."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def host_steal_seconds():
    """CPU seconds the hypervisor gave to others, all cores (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    return int(fields[8]) / CLK_TCK


def proc_memory_mb(pid):
    """(VmRSS, VmHWM) in MiB."""
    values = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024.0
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


def bytes_before(stream, deadline):
    """Bytes of a receive timeline (start, bucket_s, buckets) that arrived
    before `deadline`; the bucket holding it counts in proportion."""
    total = 0.0
    start, width = stream.get("start"), stream.get("bucket_s")
    for i, nbytes in enumerate(stream.get("buckets") or []):
        b0 = start + i * width
        if b0 + width <= deadline:
            total += nbytes
        elif b0 < deadline:
            total += nbytes * (deadline - b0) / width
    return total


class CpuMeter:
    """CPU seconds of a set of processes between start and stop."""

    def __init__(self, procs):
        self.procs = procs  # name -> pid
        self.start = {name: proc_cpu_seconds(pid) for name, pid in procs.items()}
        self.t0 = time.monotonic()

    def stop(self):
        elapsed = time.monotonic() - self.t0
        used = {name: proc_cpu_seconds(pid) - self.start[name] for name, pid in self.procs.items()}
        return used, elapsed


class CcTrace:
    """The sending daemon's congestion control during a bulk run, from its
    control socket every quarter second: [seconds since start, state,
    delivery rate MB/s, window KiB, RTT ms]. When a run is slow, this says
    whether start-up ended early or the path was slow."""

    INTERVAL_MS = 250

    def __init__(self, path):
        self.rows = []
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(5)
                sock.connect(path)
                stream = sock.makefile("rwb")
                stream.readline()  # the greeting
                stream.write(b'{"cmd":"subscribe","interval_ms":%d}\n' % self.INTERVAL_MS)
                stream.flush()
                stream.readline()  # the answer
                while not self._stop.is_set():
                    line = stream.readline()
                    if not line:
                        return
                    for peer in json.loads(line).get("peers", []):
                        self.rows.append([round(time.monotonic() - self._t0, 2), peer.get("cc"),
                                          round((peer.get("delivery_bytes_s") or 0) / MB, 3),
                                          (peer.get("window_bytes") or 0) // 1024,
                                          peer.get("rtt_ms")])
        except (OSError, ValueError):
            return  # a trace is a diagnosis, never a reason to fail a run

    def stop(self):
        self._stop.set()
        self._thread.join(2 * self.INTERVAL_MS / 1000 + 5)
        return self.rows

    @staticmethod
    def startup(rows):
        """How the sender's start-up went, in words."""
        if not rows:
            return "not traced"
        if rows[0][1] != "startup":
            return "already over (%s at %.2f MB/s)" % (rows[0][1], rows[0][2])
        for row in rows:
            if row[1] != "startup":
                return "ended after %.1f s at %.2f MB/s" % (row[0], row[2])
        return "did not end"


# --------------------------------------------------------------------------
# One scenario


class Run:
    """Everything of one scenario. close() undoes all of it, whatever state
    start() or a measurement left behind."""

    def __init__(self, scenario, workdir, tools, quick, options):
        self.sc = scenario
        self.dir = os.path.join(workdir, scenario.name)
        os.makedirs(self.dir, exist_ok=True)
        self.tools = tools  # {"tunnel", "netem", "blaster"} -> path
        self.quick = quick
        self.opt = options
        self.resources = []
        self.lab = None
        self.boot = None
        self.server = self.client = None
        self.server_port = self.local_port = None
        self.servers_proc = self.servers_log = None
        self._n = 0
        self.results = {"scenario": scenario.name, "title": scenario.title,
                        "path": scenario.describe_path(), "measures": {}, "errors": [],
                        "notes": []}

    # Namespaces and processes

    def ns(self, role):
        return self.lab.ns[role] if self.lab else None

    def _add(self, item):
        self.resources.append(item)
        return item

    def _env(self):
        env = dict(os.environ)
        paths = [BENCH_DIR, os.path.join(os.path.dirname(BENCH_DIR), "tests", "integration")]
        env["PYTHONPATH"] = os.pathsep.join(paths + [env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        return env

    def _logfile(self, what):
        self._n += 1
        return toxnet.LogFile(os.path.join(self.dir, "%02d-%s.log" % (self._n, what)))

    def spawn_loadgen(self, role, args, what):
        logf = self._logfile(what)
        argv = [sys.executable, "-m", "toxbench.loadgen"] + [str(a) for a in args]
        proc = toxnet.spawn(argv, logf.path, env=self._env(), netns=self.ns(role))
        return proc, logf

    def loadgen(self, role, args, what, timeout):
        """Run a loadgen client command to the end; return its JSON result."""
        proc, logf = self.spawn_loadgen(role, args, what)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            toxnet._terminate_process(proc, 5)
            raise BenchError("%s did not finish within %.0f s\n%s"
                             % (what, timeout, toxnet.indent(logf.tail(10))))
        toxnet.forget(proc)
        return self._json_result(logf, proc.returncode, what)

    @staticmethod
    def _json_result(logf, rc, what):
        for line in reversed(logf.text().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise BenchError("%s exited with status %s without a result\n%s"
                         % (what, rc, toxnet.indent(logf.tail(15))))

    def daemon_pids(self):
        return {"client": self.client.proc.pid, "server": self.server.proc.pid}

    def check_daemons(self):
        for node in (self.client, self.server):
            if not node.alive():
                raise BenchError("the %s daemon exited (status %s)\n%s"
                                 % (node.name, node.proc.poll() if node.proc else "?",
                                    toxnet.indent(node.log.tail(20))))
        if self.lab and not self.lab.alive():
            raise BenchError("netem exited\n%s" % toxnet.indent(self.lab.netem_log.tail()))

    # Setting up

    def start(self):
        sc = self.sc
        if sc.netns:
            self.lab = self._add(netlab.Lab(self.dir, sc.link, sc.link,
                                            emulate_pub=self.opt.emulate_bootstrap))
            self.lab.start()
            self.results["netem"] = self.lab.describe()
            self.boot = self._add(toxnet.Bootstrap(self.dir, netns=self.ns("pub"),
                                                   address=netlab.address("pub")))
        else:
            self.boot = self._add(toxnet.Bootstrap(self.dir))
        self.boot.start()
        log("[%s] tox-bootstrapd up (udp %d, tcp relay %d)"
            % (sc.name, self.boot.udp_port, self.boot.tcp_port))

    def start_tunnel(self):
        sc = self.sc
        proc, logf = self.spawn_loadgen("srv", ["serve"], "servers")
        self._add(_Proc(proc))
        self.servers_proc, self.servers_log = proc, logf
        self.server_port = int(logf.wait_for(r"^listening (\d+)", 30, 0, proc,
                                             "the load generator's server").group(1))
        tox = toxnet.tox_section(self.boot, "ipv6 = no", udp=sc.udp)

        def control(name):
            # A control socket of our own: the default path is per user and
            # per ini name, shared with anyone else running "client.ini".
            return "[control]\nsocket = %s\n" % os.path.join(self.dir, name + ".sock")
        self.server = self._add(toxnet.Node("server", "server", self.dir,
                                            tox + control("server") +
                                            "[server]\nname = toxtun bench\n",
                                            binary=self.tools["tunnel"], netns=self.ns("srv")))
        self.local_port = toxnet.free_port()
        # linger = 0: the session stays up while idle (the idle-CPU and
        # first-byte measurements are about an up tunnel).
        self.client = self._add(toxnet.Node(
            "client", "client", self.dir,
            tox + control("client") + "[link]\nlinger = 0\n[client]\n" +
            toxnet.client_line("bench", self.local_port, self.server_port,
                               self.server.tox_id()) + "\n",
            binary=self.tools["tunnel"], netns=self.ns("cli")))
        self.client.tox_id()
        self.server.start(verbose=False)
        self.client.start(verbose=False)
        self.client.wait_listening("bench")
        seconds = toxnet.wait_tunnel_up(self.server, self.client, MEET_TIMEOUT)
        self.results["session_up_s"] = seconds
        want = "udp" if sc.udp else "tcp"
        # Friends often meet through the relay and switch to direct UDP a
        # moment later: measuring before that would measure the relay.
        try:
            self.client.wait_log(r"peer %s online \(%s\)" % (self.server.public_key, want), 60)
        except toxnet.HarnessError:
            pass
        online = self.client.log.find(r"peer %s online \((udp|tcp)\)" % self.server.public_key)
        path = online[-1].group(1) if online else "?"
        self.results["daemon_path"] = path
        log("[%s] tunnel up after %.1f s, friend connection over %s" % (sc.name, seconds, path))
        if path != want:
            self.results["notes"].append("the daemons' friend connection is over %s, not %s"
                                         % (path, want))
        # One round trip proves the whole chain before anything is timed.
        self.loadgen("cli", ["pingpong", "--port", self.local_port, "--count", 3, "--warmup", 0],
                     "warmup", 120)

    def close(self):
        for item in reversed(self.resources):
            try:
                item.close()
            except Exception as exc:  # keep tearing down
                log("[%s] cleanup of %r: %s" % (self.sc.name, item, exc))
        self.resources = []

    # The raw ceiling

    def run_blaster(self):
        sc = self.sc
        opts = ["--bootstrap", "%s:%d:%s" % (self.boot.address, self.boot.udp_port,
                                             self.boot.public_key),
                "--relay", "%s:%d:%s" % (self.boot.address, self.boot.tcp_port,
                                         self.boot.public_key)]
        if not sc.udp:
            opts.append("--no-udp")
        recv_log = self._logfile("blaster-recv")
        recv = toxnet.spawn([self.tools["blaster"], "recv", "--lifetime", "1800"] + opts,
                            recv_log.path, netns=self.ns("srv"))
        self._add(_Proc(recv))
        tox_id = recv_log.wait_for(r"^id ([0-9A-F]{76})", 30, 0, recv,
                                   "the blaster receiver's Tox ID").group(1)
        step_seconds = 1.0 if self.quick else 2.0
        send_log = self._logfile("blaster-send")
        argv = [self.tools["blaster"], "send", "--friend", tox_id] + opts + [
            "--step-seconds", step_seconds, "--start-rate", sc.blaster["start_rate"],
            "--growth", sc.blaster["growth"], "--max-rate", sc.blaster["max_rate"],
            "--max-loss", sc.blaster_max_loss(),
            "--connect-timeout", MEET_TIMEOUT]
        send = toxnet.spawn([str(a) for a in argv], send_log.path, netns=self.ns("cli"))
        self._add(_Proc(send))
        log("[%s] raw ceiling: blaster %s -> %s" % (sc.name, "client", "server"))
        try:
            send.wait(MEET_TIMEOUT + 64 * (step_seconds + 16))
        except subprocess.TimeoutExpired:
            raise BenchError("the blaster did not finish\n%s" % toxnet.indent(send_log.tail()))
        for line in reversed(send_log.text().splitlines()):
            if line.startswith("result "):
                result = json.loads(line[len("result "):])
                break
        else:
            raise BenchError("the blaster printed no result (status %s)\n%s"
                             % (send.returncode, toxnet.indent(send_log.tail())))
        if result.get("error") or not result.get("best"):
            raise BenchError("the blaster found no rate with loss under %.1f %%: %s\n%s"
                             % (sc.blaster_max_loss(), result.get("error", ""),
                                toxnet.indent(send_log.tail())))
        best = result["best"]
        log("[%s] raw ceiling %.0f packets/s = %.2f MB/s at %.2f %% loss, %.1f CPU s/GB "
            "(limited by %s)" % (sc.name, best["delivered_pps"], best["mbytes_s"],
                                 best["loss_pct"], best["cpu_s_per_gb"], result["limited_by"]))
        # Stop both now: they must not compete with the tunnel.
        for proc in (send, recv):
            toxnet._terminate_process(proc, 10)
        # Searched more than once (on loopback, between the rounds of bulk
        # runs): the best search is the ceiling, all of them are listed.
        self.results.setdefault("ceiling_searches", []).append(
            {"mbytes_s": best["mbytes_s"], "cpu_s_per_gb": best["cpu_s_per_gb"],
             "limited_by": result["limited_by"]})
        ceiling = self.results.get("ceiling")
        if ceiling is None or best["mbytes_s"] > ceiling["best"]["mbytes_s"]:
            self.results["ceiling"] = result
        return result

    # Measurements

    def measure(self, name):
        kind = name.split(":")[0]
        method = getattr(self, "m_" + kind)
        self.check_daemons()
        result = method(*name.split(":")[1:])
        self.check_daemons()
        self.results["measures"][name] = result
        return result

    def _seconds(self, full, quick):
        if self.opt.seconds:
            return self.opt.seconds
        return quick if self.quick else full

    def m_idle(self):
        window = self.opt.idle_seconds or (10.0 if self.quick else 60.0)
        log("[%s] idle CPU over %.0f s" % (self.sc.name, window))
        meter = CpuMeter(self.daemon_pids())
        deadline = time.monotonic() + window
        # This is a measurement window, not a synchronisation: the daemons
        # must be watched doing nothing for that long.
        while time.monotonic() < deadline:
            self.check_daemons()
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        used, elapsed = meter.stop()
        result = {"window_s": elapsed}
        for name, pid in self.daemon_pids().items():
            rss, hwm = proc_memory_mb(pid)
            result[name] = {"cpu_pct": 100.0 * used[name] / elapsed, "rss_mb": rss, "hwm_mb": hwm}
        log("[%s] idle: client %.2f %%, server %.2f %% of a core; RSS %.1f / %.1f MB"
            % (self.sc.name, result["client"]["cpu_pct"], result["server"]["cpu_pct"],
               result["client"]["rss_mb"], result["server"]["rss_mb"]))
        return result

    def m_bulk(self, direction, streams, kind, seconds=None):
        """The best of the scenario's bulk_runs runs (Scenario.bulk_runs);
        the rates of all of them are kept in "runs"."""
        runs, paired = [], []
        for _ in range(1 if self.quick else self.sc.bulk_runs):
            self._bulk_run(direction, streams, kind, seconds, runs, paired)
        return self._bulk_result(runs, paired)

    def measure_bulk_rounds(self, names, between_rounds=None):
        """The bulk measures NAMES, each run bulk_runs times in rounds (one
        run of every measure, then the next round) rather than each
        bulk_runs times in a row: the machine has slow minutes, and a
        measure whose runs all fell into one (three 8-stream uploads at
        118 MB/s and 12.4 CPU s per GB, where the next measure's ran at
        136-162 MB/s and 10.0-11.6) said more about the minute than about
        the tunnel. between_rounds, if given, is called before every round
        but the first. Returns {name: error} for the measures that failed."""
        runs = {name: [] for name in names}
        paired = {name: [] for name in names}
        failed = {}
        for round_no in range(self.sc.bulk_runs):
            if round_no and between_rounds:
                between_rounds()
            for name in names:
                if name in failed:
                    continue
                self.check_daemons()
                try:
                    self._bulk_run(*name.split(":")[1:], None, runs[name], paired[name])
                except (BenchError, toxnet.HarnessError) as exc:
                    failed[name] = exc
        self.check_daemons()
        for name in names:
            if name not in failed:
                self.results["measures"][name] = self._bulk_result(runs[name], paired[name])
        return failed

    def _bulk_run(self, direction, streams, kind, seconds, runs, paired):
        """One run into RUNS; a text run on a text_vs_random scenario is
        preceded by a random one into PAIRED (Scenario.text_vs_random)."""
        if kind == "text" and self.sc.text_vs_random:
            paired.append(self._bulk_once(direction, int(streams), "random", seconds))
        runs.append(self._bulk_once(direction, int(streams), kind, seconds))

    def _bulk_result(self, runs, paired):
        result = self._best_of(runs)
        if paired:
            result["paired_random"] = self._best_of(paired)
            result["intact"] = result["intact"] and result["paired_random"]["intact"]
        return result

    @staticmethod
    def _best_of(runs):
        result = dict(max(runs, key=lambda r: r["mbytes_s"]))
        result["runs"] = [{"mbytes_s": r["mbytes_s"], "cpu_s_per_gb": r["cpu_s_per_gb"],
                           "steal_s": r["steal_s"], "intact": r["intact"],
                           "startup": CcTrace.startup(r["cc_trace"])} for r in runs]
        # Every run's bytes were verified: one that was not intact is not
        # hidden behind a better one.
        result["intact"] = all(r["intact"] for r in runs)
        return result

    def _bulk_once(self, direction, streams, kind, seconds):
        seconds = seconds or self._seconds(15.0, 5.0)
        # Buffered data (socket buffers, stream windows) keeps arriving after
        # the sender stops; on a slow path that tail is cut short rather than
        # waited for: the rate only counts what arrived within `seconds`.
        drain = 20.0 if self.quick else 40.0
        meter = CpuMeter(self.daemon_pids())
        steal = host_steal_seconds()
        sender = self.client if direction == "up" else self.server
        trace = CcTrace(os.path.join(self.dir, sender.name + ".sock"))
        raw = self.loadgen("cli", ["bulk", "--port", self.local_port, "--dir", direction,
                                   "--streams", streams, "--kind", kind, "--seconds", seconds,
                                   "--drain", drain, "--seed", 1000 + self._n],
                           "bulk-%s-%d-%s" % (direction, streams, kind),
                           seconds + drain + 300)
        per_stream = [s for s in raw["per_stream"] if s]
        if direction == "up":
            per_stream = [self._sink_result(s) for s in per_stream]
        used, _ = meter.stop()
        steal = host_steal_seconds() - steal
        cc_trace = trace.stop()
        deadline = raw["t0"] + seconds
        in_window = sum(bytes_before(s, deadline) for s in per_stream)
        nbytes = sum(s["bytes"] for s in per_stream)
        t_last = max([s["t_last"] for s in per_stream if s.get("t_last")] or [raw["t0"]])
        result = {
            "dir": direction, "streams": streams, "kind": kind, "seconds": seconds,
            "mbytes_s": in_window / seconds / MB,
            "bytes": nbytes, "bytes_in_window": in_window, "elapsed": t_last - raw["t0"],
            "completed": len(per_stream) == streams and all(s["completed"] for s in per_stream),
            "intact": len(per_stream) == streams and all(s["intact"] for s in per_stream),
            "max_gap": max([s.get("max_gap") or 0.0 for s in per_stream] or [0.0]),
            "cpu_s": used,
            "steal_s": steal,
            "cpu_s_per_gb": sum(used.values()) / (nbytes / 1e9) if nbytes else None,
            "errors": raw["errors"],
            "cc_trace": cc_trace,
            # The receive timeline of the first stream is kept for the plots.
            "per_stream": per_stream[:1] + [{k: v for k, v in s.items() if k != "buckets"}
                                            for s in per_stream[1:]],
        }
        log("[%s] bulk %s x%d %s: %.2f MB/s over %.0f s (%d MB in all, %s after %.1f s)%s, "
            "%.1f CPU s/GB; host steal %.1f CPU s; sender's start-up %s" % (
                self.sc.name, direction, streams, kind, result["mbytes_s"], seconds,
                nbytes / MB, "complete" if result["completed"] else "tail cut",
                result["elapsed"], "" if result["intact"] else " NOT INTACT",
                result["cpu_s_per_gb"] or 0, steal, CcTrace.startup(cc_trace)))
        if raw["errors"] or len(per_stream) != streams:
            self.results["errors"].append("bulk %s x%d %s: %d of %d streams reported; %s"
                                          % (direction, streams, kind, len(per_stream), streams,
                                             "; ".join(raw["errors"])))
        return result

    def _sink_result(self, stream):
        """Merge what the sink printed for an upload stream into its result."""
        match = self.servers_log.wait_for(r"^sink %s (\{.*\})$" % stream["token"], 60, 0,
                                          self.servers_proc, "the sink's report")
        sink = json.loads(match.group(1))
        merged = dict(stream)
        merged.update(sink)
        # Everything sent arrived, and arrived as sent.
        merged["intact"] = sink["intact"] and (not stream["completed"] or
                                               sink["bytes"] == stream["sent"])
        return merged

    def m_relay_bulk(self):
        seconds = self._seconds(60.0, 15.0)
        marks = {node.name: node.log_mark() for node in (self.client, self.server)}
        result = self.m_bulk("down", 1, "random", seconds)
        # A wedged relay drops the friend only when toxcore's 32 s friend
        # timeout expires, possibly after the transfer: main.py looks again
        # at the end of the scenario, from the same marks.
        result["offline_marks"] = marks
        result["offline_events"] = self.offline_events(marks)
        return result

    def _ping_count(self):
        full, quick = self.sc.ping_count
        return quick if self.quick else full

    def m_ping(self):
        result = self.loadgen("cli", ["pingpong", "--port", self.local_port,
                                      "--count", self._ping_count()], "pingpong", 600)
        result.pop("samples", None)
        log("[%s] ping-pong idle: p50 %.2f ms, p99 %.2f ms"
            % (self.sc.name, result["p50"], result["p99"]))
        return result

    def m_ping_bulk(self):
        proc, logf = self.spawn_loadgen("cli", ["bulk", "--port", self.local_port, "--dir", "down",
                                                "--streams", 1, "--seconds", 3600],
                                        "background-bulk")
        try:
            logf.wait_for(r"^flowing$", 120, 0, proc, "the background transfer to flow")
            result = self.loadgen("cli", ["pingpong", "--port", self.local_port,
                                          "--count", self._ping_count()], "pingpong-bulk", 900)
        finally:
            toxnet._terminate_process(proc, 10)
        result.pop("samples", None)
        log("[%s] ping-pong during a bulk download: p50 %.2f ms, p99 %.2f ms"
            % (self.sc.name, result["p50"], result["p99"]))
        return result

    def m_ttfb(self):
        count = 10 if self.quick else 30
        result = self.loadgen("cli", ["ttfb", "--port", self.local_port, "--count", count],
                              "ttfb", 600)
        log("[%s] first byte of a new connection: p50 %.2f ms, max %.2f ms"
            % (self.sc.name, result["p50"], result["max"]))
        return result

    def m_concurrent(self):
        conns = self.opt.conns
        result = self.loadgen("cli", ["concurrent", "--port", self.local_port, "--conns", conns,
                                      "--bytes", 65536, "--timeout", 600],
                              "concurrent", 700)
        peak = {name: proc_memory_mb(pid)[1] for name, pid in self.daemon_pids().items()}
        # Let the daemons release what the connections held, then read RSS.
        settle = 5.0 if self.quick else 10.0
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline:
            self.check_daemons()
            time.sleep(0.5)
        after = {name: proc_memory_mb(pid)[0] for name, pid in self.daemon_pids().items()}
        result["peak_rss_mb"] = peak
        result["rss_after_mb"] = after
        result["settle_s"] = settle
        log("[%s] %d concurrent connections x 64 KB echo: %d intact in %.1f s; peak RSS "
            "client %.1f / server %.1f MB, after %.1f / %.1f MB"
            % (self.sc.name, conns, result["intact"], result["elapsed"], peak["client"],
               peak["server"], after["client"], after["server"]))
        return result

    def offline_events(self, since=None):
        """`peer … offline` / `session down` lines of both daemons (since a
        {name: log offset} mark; default: this run of the daemons)."""
        events = []
        for node in (self.client, self.server):
            offset = (since or {}).get(node.name, 0)
            for match in node.log.find(r"peer [0-9A-F]+ (offline|session down)", since=offset):
                events.append("%s: %s" % (node.name, match.string.strip()))
        return events

    def final_memory(self):
        return {name: dict(zip(("rss_mb", "hwm_mb"), proc_memory_mb(pid)))
                for name, pid in self.daemon_pids().items()}


class _Proc:
    """A spawned process as a resource: close() terminates it."""

    def __init__(self, proc):
        self.proc = proc

    def __repr__(self):
        return "process %d" % self.proc.pid

    def close(self):
        toxnet._terminate_process(self.proc, 10)

