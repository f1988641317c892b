# SPDX-License-Identifier: GPL-3.0-or-later
"""results.md, results.json and the gnuplot PNGs.

Targets are the benchmark's, not a test's: a MISS is reported, it
never fails the run.
"""

import json
import os
import shutil
import subprocess

PASS, MISS = "PASS", "MISS"


def _fmt_mb(value):
    return "%.2f MB/s" % value


def _verdict(ok):
    return "—" if ok is None else (PASS if ok else MISS)


class Row:
    def __init__(self, measure, value, ratio="", target="", ok=None):
        self.measure, self.value, self.ratio, self.target, self.ok = (
            measure, value, ratio, target, ok)


def _bulk_value(r):
    """The rate counts what arrived within the sending time; what was still
    buffered then arrives after (or is cut off on a slow path)."""
    runs = r.get("runs") or []
    best_of = ""
    if len(runs) > 1:
        best_of = "; best of %d runs: %s MB/s, host steal %s CPU s" % (
            len(runs), " / ".join("%.1f" % x["mbytes_s"] for x in runs),
            " / ".join("%.1f" % x["steal_s"] for x in runs))
    return "%s (%.0f s; all %d MB in %.1f s%s%s)" % (
        _fmt_mb(r["mbytes_s"]), r["seconds"], r["bytes"] / 1e6, r["elapsed"],
        "" if r.get("completed", True) else ", tail cut", best_of)


def _searches(searches):
    """The ceiling searched more than once: the best one is the ceiling."""
    if not searches or len(searches) < 2:
        return ""
    return "; best of %d searches: %s MB/s at %s CPU s/GB" % (
        len(searches), " / ".join("%.1f" % x["mbytes_s"] for x in searches),
        " / ".join("%.1f" % x["cpu_s_per_gb"] for x in searches))


def _bulk_label(name):
    _, direction, streams, kind = name.split(":")
    return "%s stream%s %s, %s" % (streams, "" if streams == "1" else "s",
                                    "up (client→server)" if direction == "up"
                                    else "down (server→client)", kind)


def scenario_rows(sc, res):
    """The table of one scenario: every measurement with its target."""
    rows = []
    m = res.get("measures", {})
    ceiling = (res.get("ceiling") or {}).get("best")
    ceil_mb = ceiling["mbytes_s"] if ceiling else None
    if ceiling:
        c = res["ceiling"]
        stalls = ["%.0f s after %.0f packets/s" % (st["stall_s"], st["target_pps"])
                  for st in c.get("steps", []) if st.get("stall_s")]
        rows.append(Row("raw ceiling (blaster, 1272-byte lossy packets, client→server)",
                        "%.0f packets/s = %s at %.2f %% loss; %.1f CPU s/GB; limited by %s%s"
                        % (ceiling["delivered_pps"], _fmt_mb(ceiling["mbytes_s"]),
                           ceiling["loss_pct"], ceiling["cpu_s_per_gb"],
                           c.get("limited_by", "?").replace("_", " "),
                           ("; the path stalled (nothing arrived, not even the reliable "
                            "report) and answered again %s" % ", ".join(stalls))
                           if stalls else "") + _searches(res.get("ceiling_searches")),
                        "1.00", "loss < %.0f %%" % c.get("max_loss_pct", 1)))

    def ratio(mb):
        return "%.2f" % (mb / ceil_mb) if ceil_mb else ""

    # Bulk throughput
    random_up = m.get("bulk:up:1:random")
    for name in [k for k in m if k.startswith("bulk:")]:
        r = m[name]
        _, direction, streams, kind = name.split(":")
        target, ok = "", None
        mb = r["mbytes_s"]
        if sc.name == "loopback" and kind == "random" and ceil_mb:
            share = 0.60 if streams == "1" else 0.70
            target, ok = "≥ %d %% of ceiling" % (share * 100), mb >= share * ceil_mb
        elif sc.name == "loopback" and kind == "text" and r.get("paired_random"):
            # Random data in runs interleaved with these (Scenario.text_vs_random).
            paired = r["paired_random"]
            base = paired["mbytes_s"]
            target = "≥ 2 × the best random run between them (%.2f MB/s; random: %s MB/s)" % (
                2 * base, " / ".join("%.1f" % x["mbytes_s"] for x in paired["runs"]))
            ok = mb >= 2 * base and paired["intact"]
        elif sc.name in ("wan", "far", "lossy") and streams == "1" and kind == "random":
            floor = {"wan": 4.0, "far": 1.8, "lossy": 2.0}[sc.name]
            target, ok = "≥ %g MB/s" % floor, mb >= floor
        value = _bulk_value(r)
        if not r.get("intact"):
            value += " **DATA NOT INTACT**"
            ok = False
        rows.append(Row(_bulk_label(name), value, ratio(mb), target, ok))

    relay = m.get("relay_bulk")
    if relay:
        mb = relay["mbytes_s"]
        value = _bulk_value(relay)
        ok = mb >= 6.0
        if not relay.get("intact"):
            value += " **DATA NOT INTACT**"
            ok = False
        rows.append(Row("bulk down over the relay, %.0f s" % relay["seconds"], value, ratio(mb),
                        "≥ 6 MB/s", ok))
        rows.append(Row("longest receive stall during it", "%.2f s" % relay["max_gap"], "",
                        "≤ 1 s", relay["max_gap"] <= 1.0))
        events = relay.get("offline_events", [])
        rows.append(Row("friend connection drops, from its start to the end of the scenario",
                        "%d%s" % (len(events), (": " + "; ".join(events[:3])) if events else ""),
                        "", "none", not events))

    # CPU per GB: both daemons, from the single-stream random transfer,
    # against the blaster's step at the most similar rate: Tox's cost is per
    # packet and its fixed costs spread over more bytes at higher rates, so
    # comparing at the same rate compares the work, not the load.
    source = relay or random_up
    if source and source.get("cpu_s_per_gb"):
        cpu = source["cpu_s_per_gb"]
        target, ok, versus = "", None, ""
        ref = similar_step(res.get("ceiling"), source["mbytes_s"])
        if ref:
            limit = 1.5 * ref["cpu_s_per_gb"]
            target = "≤ 1.5 × blaster at %.1f MB/s (%.1f)" % (ref["mbytes_s"], limit)
            ok = cpu <= limit
            versus = "%.2f × blaster" % (cpu / ref["cpu_s_per_gb"])
        used = source.get("cpu_s", {})
        rows.append(Row("CPU s per GB, both daemons (%s)" % ("relay bulk" if relay else
                                                             "1 stream up, random"),
                        "%.1f (client %.1f s, server %.1f s)"
                        % (cpu, used.get("client", 0), used.get("server", 0)),
                        versus, target, ok))

    rtt = sc.rtt_ms
    ping = m.get("ping")
    if ping:
        if sc.name == "loopback":
            rows.append(Row("ping-pong 64 B idle, p50", "%.2f ms" % ping["p50"], "", "≤ 2 ms",
                            ping["p50"] <= 2))
            rows.append(Row("ping-pong 64 B idle, p99", "%.2f ms" % ping["p99"], "", "≤ 10 ms",
                            ping["p99"] <= 10))
        else:
            rows.append(Row("ping-pong 64 B idle, p50 / p99", "%.2f / %.2f ms (%d round trips)"
                            % (ping["p50"], ping["p99"], ping["count"])))
    pingb = m.get("ping_bulk")
    if pingb:
        target, ok = "", None
        if sc.name == "loopback":
            target, ok = "p99 ≤ 50 ms", pingb["p99"] <= 50
        elif sc.name == "wan":
            target, ok = "p99 ≤ RTT + 50 = %g ms" % (rtt + 50), pingb["p99"] <= rtt + 50
        rows.append(Row("ping-pong 64 B during a bulk download, p50 / p99",
                        "%.2f / %.2f ms (%d round trips)" % (pingb["p50"], pingb["p99"],
                                                             pingb["count"]), "", target, ok))
    ttfb = m.get("ttfb")
    if ttfb:
        # One round trip of the tunnel itself: the idle ping-pong (a relay
        # adds its own delay to the configured one); else the configured RTT.
        path_rtt = ping["p50"] if ping else rtt
        limit = path_rtt + 5
        rows.append(Row("first byte of a new connection, p50 (max)",
                        "%.2f ms (%.2f ms; %d connections)" % (ttfb["p50"], ttfb["max"],
                                                              ttfb["count"]),
                        "", "p50 ≤ RTT + 5 = %.1f ms (RTT: idle ping-pong p50)" % limit
                        if ping else "p50 ≤ RTT + 5 = %g ms" % limit, ttfb["p50"] <= limit))
    conc = m.get("concurrent")
    if conc:
        rows.append(Row("%d concurrent connections, 64 KB echo each" % conc["conns"],
                        "%d intact in %.1f s%s" % (conc["intact"], conc["elapsed"],
                                                   " (timed out)" if conc["timed_out"] else ""),
                        "", "all intact", conc["intact"] == conc["conns"]))
        for name in ("client", "server"):
            peak, after = conc["peak_rss_mb"][name], conc["rss_after_mb"][name]
            rows.append(Row("%s daemon RSS: peak (VmHWM)" % name, "%.1f MiB" % peak, "",
                            "≤ 100 MB", peak <= 100))
            rows.append(Row("%s daemon RSS %.0f s after" % (name, conc["settle_s"]),
                            "%.1f MiB" % after, "", "≤ 30 MB", after <= 30))
    idle = m.get("idle")
    if idle:
        for name in ("client", "server"):
            rows.append(Row("%s daemon idle CPU over %.0f s, tunnel up" % (name, idle["window_s"]),
                            "%.2f %% of a core (RSS %.1f MiB)" % (idle[name]["cpu_pct"],
                                                                 idle[name]["rss_mb"]),
                            "", "≤ 1 %", idle[name]["cpu_pct"] <= 1.0))
    mem = res.get("final_memory")
    if mem:
        rows.append(Row("daemon RSS at the end (VmRSS; VmHWM)",
                        "client %.1f; %.1f MiB, server %.1f; %.1f MiB"
                        % (mem["client"]["rss_mb"], mem["client"]["hwm_mb"],
                           mem["server"]["rss_mb"], mem["server"]["hwm_mb"])))
    return rows


def similar_step(ceiling, mbytes_s):
    """The good blaster step whose delivered rate is closest to mbytes_s."""
    steps = [s for s in (ceiling or {}).get("steps", []) if s.get("good") and s["cpu_s_per_gb"]]
    if not steps or not mbytes_s:
        return None
    return min(steps, key=lambda s: abs(s["mbytes_s"] - mbytes_s))


def _table(rows, with_scenario=False):
    head = ("| scenario " if with_scenario else "") + "| measure | value | vs ceiling | target | |"
    sep = ("|---" if with_scenario else "") + "|---|---|---|---|---|"
    lines = [head, sep]
    for scenario, row in rows:
        cells = ([scenario] if with_scenario else []) + [
            row.measure, row.value, row.ratio, row.target, _verdict(row.ok)]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def write_markdown(path, info, scenarios, results, plots):
    out = ["# toxtun benchmark", ""]
    out.append("`%s` — %s, %s." % (info["command"], info["started"],
                                   "%.0f min" % (info["elapsed_s"] / 60)))
    if info.get("interrupted"):
        out.append("")
        out.append("**Interrupted: the results below are incomplete.**")
    out += ["", "| machine | |", "|---|---|"]
    for key, value in info["machine"]:
        out.append("| %s | %s |" % (key, value))
    out += ["", "Throughput is in MB/s of 10^6 application bytes, received and verified at the "
            "far end. \"vs ceiling\" divides it by the raw ceiling of the same path: two bare "
            "Tox nodes (bench/blaster) sending 1272-byte lossy packets — toxtun's packet size — "
            "at the highest rate that loses under 1 % more than the link itself (bench/README.md "
            "has the details). A text "
            "transfer can exceed 1.00: LZ4 shrinks it before it becomes packets. "
            "Targets are the benchmark's: MISS is information, not a failure. "
            "The machine is shared, so absolute numbers are noisy."]
    summary = []
    for sc in scenarios:
        res = results.get(sc.name)
        if res:
            summary += [(sc.name, r) for r in scenario_rows(sc, res) if r.ok is not None]
    if summary:
        passed = sum(1 for _, r in summary if r.ok)
        out += ["", "## Targets: %d of %d met" % (passed, len(summary)), "",
                _table(summary, with_scenario=True)]
    for sc in scenarios:
        res = results.get(sc.name)
        if not res:
            continue
        out += ["", "## %s (`%s`)" % (sc.title, sc.name), "", "Path: %s." % res["path"]]
        if res.get("session_up_s") is not None:
            out.append("Tunnel up %.1f s after start (friend connection over %s)."
                       % (res["session_up_s"], res.get("daemon_path", "?")))
        for note in res.get("notes", []):
            out.append("Note: %s." % note)
        for err in res.get("errors", []):
            out += ["", "**Error:** " + "\n    ".join(str(err).splitlines())]
        rows = scenario_rows(sc, res)
        if rows:
            out += ["", _table([(sc.name, r) for r in rows])]
    if plots:
        out += ["", "## Plots", ""]
        for name, title in plots:
            out.append("![%s](%s)" % (title, name))
            out.append("")
    with open(path, "w") as f:
        f.write("\n".join(out).rstrip() + "\n")


def write_json(path, info, results):
    with open(path, "w") as f:
        json.dump({"info": info, "results": results}, f, indent=1, default=str)
        f.write("\n")


# --------------------------------------------------------------------------
# Plots


def _has_data(path):
    """A table (header line, then name + values) with at least one value."""
    with open(path) as f:
        rows = f.read().splitlines()[1:]
    return any(v != "-" for row in rows for v in row.split()[1:])


def _gnuplot_terminal():
    probe = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"], capture_output=True,
                           text=True)
    if probe.returncode == 0:
        return "pngcairo noenhanced font 'sans,10'"
    return "png noenhanced"


def make_plots(outdir, workdir, scenarios, results, warn):
    """Draw the PNGs with gnuplot; return [(file name, title)]."""
    if not shutil.which("gnuplot"):
        warn("gnuplot not found (Debian package gnuplot-nox): no plots")
        return []
    outdir = os.path.abspath(outdir)  # gnuplot runs in the data directory
    datadir = os.path.join(workdir, "plots")
    os.makedirs(datadir, exist_ok=True)
    terminal = _gnuplot_terminal()
    done = []
    ran = [sc for sc in scenarios if sc.name in results]

    def draw(name, title, script, datafile=None):
        if datafile and not _has_data(os.path.join(datadir, datafile)):
            return
        target = os.path.join(outdir, name)
        full = "set terminal %s size 1000,560\nset output '%s'\n%s\n" % (terminal, target, script)
        spath = os.path.join(datadir, name + ".gp")
        with open(spath, "w") as f:
            f.write(full)
        result = subprocess.run(["gnuplot", spath], cwd=datadir, capture_output=True, text=True)
        if result.returncode != 0 or not os.path.exists(target):
            warn("gnuplot failed for %s: %s" % (name, result.stderr.strip()[-500:]))
        else:
            done.append((name, title))

    def val(res, key, field="mbytes_s"):
        r = res.get("measures", {}).get(key)
        return "%.4f" % r[field] if r and r.get(field) is not None else "-"

    # 1. Throughput against the ceiling, per scenario.
    with open(os.path.join(datadir, "throughput.dat"), "w") as f:
        f.write("scenario ceiling up1 down1 up8 down8 text1 relay\n")
        for sc in ran:
            res = results[sc.name]
            best = (res.get("ceiling") or {}).get("best")
            f.write("%s %s %s %s %s %s %s %s\n" % (
                sc.name, "%.4f" % best["mbytes_s"] if best else "-",
                val(res, "bulk:up:1:random"), val(res, "bulk:down:1:random"),
                val(res, "bulk:up:8:random"), val(res, "bulk:down:8:random"),
                val(res, "bulk:up:1:text"), val(res, "relay_bulk")))
    draw("throughput.png", "Throughput against the raw ceiling", """
set title 'Bulk throughput against the raw Tox ceiling of the same path (MB/s, log scale)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing '-'
set logscale y
set yrange [0.05:*]
set grid ytics
set key outside right top
set ylabel 'MB/s'
plot 'throughput.dat' using 2:xtic(1) title 'raw ceiling', \
     '' using 3 title '1 stream up', '' using 4 title '1 stream down', \
     '' using 5 title '8 streams up', '' using 6 title '8 streams down', \
     '' using 7 title '1 stream up, text', '' using 8 title 'relay, down'
""", "throughput.dat")

    # 2. Latency.
    with open(os.path.join(datadir, "latency.dat"), "w") as f:
        f.write("scenario p50 p99 bp50 bp99 ttfb\n")
        for sc in ran:
            res = results[sc.name]
            f.write("%s %s %s %s %s %s\n" % (
                sc.name, val(res, "ping", "p50"), val(res, "ping", "p99"),
                val(res, "ping_bulk", "p50"), val(res, "ping_bulk", "p99"),
                val(res, "ttfb", "p50")))
    draw("latency.png", "Latency", """
set title '64-byte ping-pong round trips and first byte of a new connection (ms, log scale)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set datafile missing '-'
set logscale y
set grid ytics
set key top left
set ylabel 'ms'
plot 'latency.dat' using 2:xtic(1) title 'idle p50', '' using 3 title 'idle p99', \
     '' using 4 title 'during bulk p50', '' using 5 title 'during bulk p99', \
     '' using 6 title 'new connection, first byte p50'
""", "latency.dat")

    # 3. The ceiling search of each scenario.
    series = []
    for sc in ran:
        steps = ((results[sc.name].get("ceiling") or {}).get("steps")) or []
        if not steps:
            continue
        fname = "ceiling-%s.dat" % sc.name
        with open(os.path.join(datadir, fname), "w") as f:
            for step in sorted(steps, key=lambda s: s["target_pps"]):
                f.write("%.1f %.1f %.3f\n" % (step["target_pps"], step["delivered_pps"],
                                              step["loss_pct"]))
        series.append((fname, sc.name))
    if series:
        top = ", ".join("'%s' using 1:2 with linespoints title '%s'" % s for s in series)
        bottom = ", ".join("'%s' using 1:($3 < 0.01 ? 0.01 : $3) with linespoints title '%s'" % s
                           for s in series)
        draw("ceiling.png", "Raw ceiling search", """
set multiplot layout 2,1 title 'bench/blaster: 1272-byte lossy packets, client→server'
set logscale xy
set grid
set key outside right top
set ylabel 'delivered packets/s'
plot %s, x with lines dashtype 2 lc rgb 'gray' title 'offered'
set ylabel 'loss %%'
set xlabel 'offered packets/s'
set yrange [0.01:100]
plot %s
unset multiplot
""" % (top, bottom))

    # 4. Receive timelines of the single-stream downloads.
    series = []
    for sc in ran:
        m = results[sc.name].get("measures", {})
        r = m.get("relay_bulk") or m.get("bulk:down:1:random")
        streams = (r or {}).get("per_stream") or []
        if not streams or not streams[0].get("buckets"):
            continue
        s0 = streams[0]
        fname = "timeline-%s.dat" % sc.name
        with open(os.path.join(datadir, fname), "w") as f:
            for i, nbytes in enumerate(s0["buckets"]):
                f.write("%.2f %.4f\n" % (i * s0["bucket_s"], nbytes / s0["bucket_s"] / 1e6))
        series.append((fname, sc.name))
    if series:
        draw("timeline.png", "Single-stream download over time", """
set title 'One stream, server→client: MB/s received per 0.25 s'
set grid
set key outside right top
set xlabel 'seconds'
set ylabel 'MB/s'
set logscale y
set yrange [0.01:*]
plot %s
""" % ", ".join("'%s' using 1:($2 < 0.01 ? 0.01 : $2) with steps title '%s'" % s
                for s in series))
    return done
