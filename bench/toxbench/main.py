# SPDX-License-Identifier: GPL-3.0-or-later
"""bench/run: build, set up, measure, tear down, report.

Everything runs on this machine: a private tox-bootstrapd, the two tunnel
daemons, the load generator, and for the emulated paths four network
namespaces of our own with the user-space link emulator between them. Nothing
is sent to any address outside this machine.
"""

import argparse
import datetime
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import netlab
import toxnet

from . import report
from .runner import BenchError, Run, log
from .scenarios import BY_NAME, SCENARIOS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="bench/run",
        description="toxtun benchmark: raw Tox ceiling, throughput, latency, concurrency, "
                    "CPU and memory over emulated paths; writes bench/results/.")
    parser.add_argument("--scenario", default="all",
                        help="comma-separated: %s, or all (default)"
                             % ",".join(s.name for s in SCENARIOS))
    parser.add_argument("--quick", action="store_true",
                        help="shorter transfers, fewer round trips, 10 s idle window")
    parser.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    parser.add_argument("--no-build", action="store_true", help="use the binaries as they are")
    parser.add_argument("--out", default=os.path.join(REPO, "bench", "results"),
                        help="where results.md, results.json and the PNGs go")
    parser.add_argument("--seconds", type=float, default=0,
                        help="override every bulk transfer's duration")
    parser.add_argument("--idle-seconds", type=float, default=0,
                        help="override the idle-CPU window (60 s, --quick 10 s)")
    parser.add_argument("--conns", type=int, default=1000,
                        help="connections of the concurrency measurement")
    parser.add_argument("--emulate-bootstrap", action="store_true",
                        help="the client's traffic to the bootstrap node/relay goes through "
                             "the emulated link too (default: reachable without emulation)")
    parser.add_argument("--skip-ceiling", action="store_true",
                        help="do not run the raw blaster (no ratios, no CPU target)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    args = parser.parse_args(argv)
    args.out = os.path.abspath(args.out)
    args.build_dir = os.path.abspath(args.build_dir)
    if args.scenario == "all":
        args.scenarios = list(SCENARIOS)
    else:
        names = [n.strip() for n in args.scenario.split(",") if n.strip()]
        unknown = [n for n in names if n not in BY_NAME]
        if unknown or not names:
            parser.error("unknown scenario %s (known: %s)"
                         % (", ".join(unknown) or "''", ", ".join(BY_NAME)))
        args.scenarios = [BY_NAME[n] for n in names]
    return args


# --------------------------------------------------------------------------
# Build


def build(build_dir):
    """Configure if needed (with the bench tools on) and build what we run."""
    cache = os.path.join(build_dir, "CMakeCache.txt")
    configure = not os.path.exists(cache)
    if not configure:
        with open(cache) as f:
            configure = "TOXTUN_BENCH:BOOL=OFF" in f.read()
    if configure:
        log("configuring %s" % build_dir)
        _run(["cmake", "-S", REPO, "-B", build_dir, "-DTOXTUN_BENCH=ON"])
    log("building tunnel, netem, blaster in %s" % build_dir)
    _run(["cmake", "--build", build_dir, "--target", "tunnel", "netem", "blaster",
          "-j", str(os.cpu_count() or 2)])


def _run(argv):
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit("`%s` failed:\n%s%s" % (" ".join(argv), result.stdout[-3000:],
                                                 result.stderr[-3000:]))


def find_tools(build_dir):
    tools = {"tunnel": os.path.join(build_dir, "tunnel"),
             "netem": os.path.join(build_dir, "bench", "netem"),
             "blaster": os.path.join(build_dir, "bench", "blaster")}
    missing = [p for p in tools.values() if not os.access(p, os.X_OK)]
    if missing:
        raise SystemExit("missing binaries: %s (build them, or drop --no-build)"
                         % ", ".join(missing))
    return tools


# --------------------------------------------------------------------------
# Machine description


def _capture(argv, default="?"):
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=20, cwd=REPO)
    except (OSError, subprocess.TimeoutExpired):
        return default
    return result.stdout.strip() if result.returncode == 0 and result.stdout.strip() else default


def machine_info():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 1024 / 1024)
    except OSError:
        pass
    commit = _capture(["git", "rev-parse", "--short=12", "HEAD"])
    dirty = _capture(["git", "status", "--porcelain", "--untracked-files=no"], default="")
    subject = _capture(["git", "log", "-1", "--format=%s"], default="")
    load = " ".join("%.2f" % v for v in os.getloadavg())

    def version(pkg):
        return _capture(["pkg-config", "--modversion", pkg])

    return [
        ("CPU", "%d cores, %s" % (os.cpu_count() or 0, model)),
        ("memory", mem),
        ("kernel", "%s %s" % (platform.system(), platform.release())),
        ("OS", _os_name()),
        ("load average at start", "%s (other users' work shares this machine)" % load),
        ("toxcore / enet / lz4", "%s / %s / %s" % (version("toxcore"), version("libenet"),
                                                   version("liblz4"))),
        ("tox-bootstrapd", _capture(["dpkg-query", "-W", "-f", "${Version}", "toxcore-utils"])),
        ("toxtun", "%s%s %s" % (commit, " + uncommitted changes" if dirty else "",
                                ("(%s)" % subject) if subject else "")),
        ("Python", platform.python_version()),
    ]


def _os_name():
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "?"


def text_ratio():
    """How much LZ4 shrinks the text payload, in the reads of up to 64 KiB
    the daemon makes on a stream whose data compresses to half or less."""
    try:
        import ctypes
        from .loadgen import Pattern, BLOCK
        lz4 = ctypes.CDLL("liblz4.so.1")
        data = bytes(Pattern("text", 1).chunk(0, BLOCK))
        out = ctypes.create_string_buffer(70000)
        packed = 0
        for i in range(0, len(data), 65535):
            piece = data[i:i + 65535]
            packed += lz4.LZ4_compress_default(piece, out, len(piece), len(out))
        return len(data) / packed
    except (OSError, AttributeError):
        return None


# --------------------------------------------------------------------------
# Main


def ceiling(run, sc):
    try:
        run.run_blaster()
    except (BenchError, toxnet.HarnessError) as exc:
        run.results["errors"].append("raw ceiling: %s" % exc)
        log("[%s] raw ceiling failed: %s" % (sc.name, str(exc).splitlines()[0]))


def measure_failed(run, sc, name, exc):
    run.results["errors"].append("%s: %s" % (name, exc))
    log("[%s] %s failed: %s" % (sc.name, name, str(exc).splitlines()[0]))


def run_scenario(sc, workdir, tools, args, results):
    """Run one scenario into results[sc.name] (errors are recorded there; an
    interruption leaves what was measured so far)."""
    run = Run(sc, workdir, tools, args.quick, args)
    results[sc.name] = run.results
    started = time.monotonic()
    log("=== %s: %s" % (sc.name, sc.describe_path()))
    try:
        run.start()
        # The blaster's search for the ceiling pushes the path past its
        # limit. A TCP relay overrun that way collapses for tens of seconds
        # (docs/design.md, "Relays") and would still be down when the tunnel starts: on
        # the relay it runs after the tunnel's measurements (and after the
        # friend connection's drops are counted).
        blaster_last = not sc.udp
        if not args.skip_ceiling and not blaster_last:
            ceiling(run, sc)
        run.start_tunnel()
        bulk = [name for name in sc.measures if name.startswith("bulk:")]
        in_rounds = bulk if sc.bulk_runs > 1 and not args.quick else []
        for name in sc.measures:
            if name in in_rounds:
                if name == in_rounds[0]:  # all of them, in rounds (Run.measure_bulk_rounds)
                    # The ceiling is searched again between the rounds:
                    # a slow minute moves it as much as the tunnel's rate.
                    again = None if args.skip_ceiling or blaster_last else lambda: ceiling(run, sc)
                    for failed, exc in run.measure_bulk_rounds(in_rounds, again).items():
                        measure_failed(run, sc, failed, exc)
                continue
            try:
                run.measure(name)
            except (BenchError, toxnet.HarnessError) as exc:
                measure_failed(run, sc, name, exc)
                run.check_daemons()  # a dead daemon ends the scenario
        relay = run.results["measures"].get("relay_bulk")
        if relay:
            relay["offline_events"] = run.offline_events(relay.pop("offline_marks"))
        run.results["final_memory"] = run.final_memory()
        drops = run.offline_events()
        if drops:
            run.results["notes"].append("the friend connection dropped during the run: %s"
                                        % "; ".join(drops[:4]))
        if not args.skip_ceiling and blaster_last:
            ceiling(run, sc)
    except (BenchError, toxnet.HarnessError, OSError) as exc:
        run.results["errors"].append("scenario stopped: %s" % exc)
        log("[%s] stopped: %s" % (sc.name, str(exc).splitlines()[0]))
    finally:
        for node in (run.client, run.server):
            if node is not None:
                run.results.setdefault("logs", {})[node.name] = node.log.path
        run.close()
        run.results["elapsed_s"] = time.monotonic() - started
    return run.results


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list:
        for sc in SCENARIOS:
            print("%-9s %s: %s" % (sc.name, sc.title, sc.describe_path()))
        return 0
    if os.geteuid() != 0 and any(sc.netns for sc in args.scenarios):
        raise SystemExit("the emulated scenarios need root (network namespaces, TUN devices)")
    if not args.no_build:
        build(args.build_dir)
    tools = find_tools(args.build_dir)
    # The test fixtures find the daemon through this variable.
    os.environ["TOXTUN_BIN"] = tools["tunnel"]
    os.environ["TOXTUN_NETEM"] = tools["netem"]
    toxnet.raise_fd_limit(max(8192, args.conns * 4 + 1024))
    if any(sc.netns for sc in args.scenarios):
        netlab.cleanup_stale(log=log)

    os.makedirs(args.out, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="toxtun-bench-")
    info = {"command": "bench/run " + " ".join(shlex.quote(a) for a in (sys.argv[1:] if argv
                                                                      is None else argv)),
            "started": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "quick": args.quick, "workdir": workdir}
    info["machine"] = machine_info()
    ratio = text_ratio()
    info["machine"].append(("payloads", "random: incompressible; text: log lines%s"
                            % (", LZ4 shrinks them %.1f× in the daemon's 64 KiB reads" % ratio
                               if ratio else "")))
    log("work directory %s" % workdir)
    results = {}
    started = time.monotonic()
    failed = False
    status = 1
    try:
        for sc in args.scenarios:
            run_scenario(sc, workdir, tools, args, results)
            failed |= bool(results[sc.name]["errors"])
    except (KeyboardInterrupt, SystemExit) as exc:
        # Ctrl-C, or SIGTERM (toxnet turns it into SystemExit): every
        # `finally` on the way here has stopped processes and removed
        # namespaces; report what was measured.
        info["interrupted"] = True
        failed = True
        log("interrupted (%s): torn down; writing what was measured"
            % ("Ctrl-C" if isinstance(exc, KeyboardInterrupt) else "signal"))
        status = 130 if isinstance(exc, KeyboardInterrupt) else (exc.code or 1)
    except BaseException:
        info["interrupted"] = True
        failed = True
        traceback.print_exc()
        raise
    finally:
        info["elapsed_s"] = time.monotonic() - started
        toxnet._kill_leftovers()
        if results:
            write_results(args, info, results, workdir)
        if failed or args.keep:
            log("logs kept in %s" % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if info.get("interrupted"):
        return status
    return 1 if failed else 0


def write_results(args, info, results, workdir):
    ran = [sc for sc in args.scenarios if sc.name in results]
    plots = report.make_plots(args.out, workdir, ran, results, warn=log)
    md = os.path.join(args.out, "results.md")
    report.write_markdown(md, info, ran, results, plots)
    report.write_json(os.path.join(args.out, "results.json"), info, results)
    log("wrote %s (+ results.json, %d plots)" % (md, len(plots)))
