# SPDX-License-Identifier: GPL-3.0-or-later
"""Resource limits on the client: what a flood of local connections, a lack of
file descriptors and a reader that never reads may cost, and that memory comes
back after a load.

1. max_waiting: with the server down, 30 local connections to a tunnel whose
   `max_waiting = 20`: 20 wait, 10 are closed at once and logged; when the
   server comes up, the 20 are served.
2. Memory after a load: 200 concurrent echo connections; when they are gone
   both daemons' RSS is back near what it was before.
3. A slow reader: the server's destination pushes 200 MB into a local
   connection that reads nothing. The client daemon's RSS stays within the
   stream's window plus a margin, the transfer stalls (credit), and resumes
   intact when the reader reads.
4. EMFILE: the client's RLIMIT_NOFILE is lowered (prlimit) to a few
   descriptors above what it uses; connections beyond it wait in the listen
   backlog. The daemon logs the failed accept, pauses instead of spinning
   (its CPU time stays flat while it is at the limit), and serves the waiting
   connections once descriptors are free again.
"""

import select
import socket
import subprocess
import time

import toxnet
from test_concurrency import run_wave, CONNECTIONS as WAVE_CONNECTIONS, PAYLOAD as WAVE_PAYLOAD

MAX_WAITING = 20
FLOOD = 30
STREAM_WINDOW = 1024 * 1024
SOURCE_BYTES = 200 * 1000 * 1000
# The slow reader: what the client may hold beyond its baseline (the window,
# plus ENet's and the session's buffers and allocator slack).
SLOW_MARGIN_KIB = 6 * 1024
# After the load: how far above the baseline RSS may stay.
BASELINE_MARGIN_KIB = 4 * 1024
EMFILE_HEADROOM = 12
EMFILE_EXTRA = 20
EMFILE_WINDOW_S = 5.0


def rss(node):
    return toxnet.proc_status_kib(node.proc.pid)


def readable(sock):
    return bool(select.select([sock], [], [], 0)[0])


def check_echo_on(sock, seed):
    data = toxnet.payload_bytes(seed, 10_000)
    sock.sendall(data)
    return toxnet.recv_upto(sock, len(data)) == data


def tunnel(node, name):
    for t in node.status()["tunnels"]:
        if t["name"] == name:
            return t
    raise toxnet.HarnessError("no tunnel %s in the snapshot of %s" % (name, node.name))


def max_waiting(sc, server, client, echo_port):
    """Part 1; starts the server."""
    socks = [toxnet.connect(echo_port) for _ in range(FLOOD)]
    try:
        pattern = (r"tunnel echo: connection from \S+ refused: %d connections already wait "
                   "for the tunnel" % MAX_WAITING)
        toxnet.wait_until(lambda: len(client.log.find(pattern)) >= FLOOD - MAX_WAITING, 30,
                          "the refusals beyond max_waiting")
        closed = toxnet.wait_until(
            lambda: [s for s in socks if readable(s)] if
            len([s for s in socks if readable(s)]) >= FLOOD - MAX_WAITING else None,
            30, "the refused connections to be closed")
        sc.check("max_waiting: %d of %d connections refused and closed at once, %d wait"
                 % (FLOOD - MAX_WAITING, FLOOD, MAX_WAITING),
                 len(closed) == FLOOD - MAX_WAITING and
                 all(s.recv(1) == b"" for s in closed), "%d closed" % len(closed))
        sc.check("max_waiting: each refusal is logged",
                 len(client.log.find(pattern)) == FLOOD - MAX_WAITING,
                 "%d lines" % len(client.log.find(pattern)))
        waiting = [s for s in socks if s not in closed]
        server.start()
        sc.step("the server comes up: session up", toxnet.wait_tunnel_up, server, client)
        ok = [check_echo_on(s, i) for i, s in enumerate(waiting)]
        sc.check("max_waiting: the %d connections that waited are served" % len(waiting),
                 all(ok), "%d of %d echoed" % (sum(ok), len(waiting)))
    finally:
        for s in socks:
            s.close()


def memory_after_load(sc, server, client, echo_port):
    """Part 2."""
    toxnet.wait_until(lambda: tunnel(client, "echo")["streams_active"] == 0, 30,
                      "the echo streams to end")
    base = {n.name: rss(n) for n in (server, client)}
    peak = dict(base)
    sessions = run_wave(echo_port, first_index=1000)
    failures = [s for s in sessions if not s.ok]
    sc.check("load: %d concurrent connections echo %d KiB each" %
             (WAVE_CONNECTIONS, WAVE_PAYLOAD // 1024), not failures,
             "; ".join(s.describe() for s in failures[:3]))
    for n in (server, client):
        peak[n.name] = max(peak[n.name], rss(n))
    toxnet.wait_until(lambda: tunnel(client, "echo")["streams_active"] == 0 and
                      toxnet.peer_streams(server, client.public_key) == 0, 60,
                      "every stream of the load to end on both sides")
    for n in (server, client):
        # Freed memory may take a moment (a tick of the loop) to leave; under
        # ASan it stays in the quarantine, so do not wait for it there.
        if not toxnet.SANITIZED:
            try:
                toxnet.wait_until(lambda: rss(n) - base[n.name] < BASELINE_MARGIN_KIB, 30,
                                  "%s's RSS to come back" % n.name, interval=0.5)
            except toxnet.HarnessError:
                pass  # judged below, with the figure
        after = rss(n)
        sc.note("%s RSS: %d KiB before, %d KiB peak, %d KiB after the load"
                % (n.name, base[n.name], peak[n.name], after))
        toxnet.check_memory(sc, "%s: RSS back within %d MiB of its baseline after the load"
                            % (n.name, BASELINE_MARGIN_KIB // 1024),
                            after - base[n.name] < BASELINE_MARGIN_KIB,
                            "%d KiB" % (after - base[n.name]))


def slow_reader(sc, server, client, source, source_port):
    """Part 3."""
    base = rss(client)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)  # no kernel autotuning
    sock.settimeout(toxnet.IO_TIMEOUT)
    sock.connect(("127.0.0.1", source_port))
    try:
        peak = [base]
        history = []

        def stalled():
            peak[0] = max(peak[0], rss(client))
            history.append(tunnel(client, "source")["bytes_down"])
            # Stalled: no progress over the last 3 s of samples (every 0.5 s).
            return len(history) > 6 and history[-1] > 0 and history[-1] == history[-7]

        toxnet.wait_until(stalled, 120, "the transfer to the slow reader to stall", interval=0.5)
        held = history[-1]
        sc.note("slow reader: %d bytes reached the client before the stall; client RSS %d KiB "
                "before, %d KiB peak" % (held, base, peak[0]))
        sc.check("slow reader: the transfer stalls far short of %d MB (credit)"
                 % (SOURCE_BYTES // 1000000), held < 20 * 1000 * 1000, held)
        toxnet.check_memory(sc, "slow reader: the client's RSS stays within the window "
                            "(%d KiB) + %d MiB" % (STREAM_WINDOW // 1024, SLOW_MARGIN_KIB // 1024),
                            peak[0] - base < STREAM_WINDOW // 1024 + SLOW_MARGIN_KIB,
                            "grew by %d KiB" % (peak[0] - base))
        # The reader reads: the stream resumes, in order.
        want = 3 * held
        got = toxnet.recv_upto(sock, want, 1 << 20)
        sc.check("slow reader: reading resumes the stream, every byte in order",
                 bytes(got[:want]) == toxnet.payload_bytes(source.seed, want),
                 "%d bytes read" % len(got))
    finally:
        sock.close()
    toxnet.wait_until(lambda: tunnel(client, "source")["streams_active"] == 0, 30,
                      "the slow reader's stream to end")


def emfile(sc, client, echo_port):
    """Part 4."""
    pid = client.proc.pid
    used = toxnet.proc_fd_count(pid)
    limit = used + EMFILE_HEADROOM
    soft = int(subprocess.run(["prlimit", "--pid", str(pid), "--nofile", "--raw", "--noheadings",
                               "--output=SOFT"], capture_output=True, text=True).stdout)
    # The soft limit only: lowering the hard one could not be undone.
    res = subprocess.run(["prlimit", "--pid", str(pid), "--nofile=%d:" % limit],
                         capture_output=True, text=True)
    sc.require("prlimit lowers the client's RLIMIT_NOFILE to %d (%d in use)" % (limit, used),
               res.returncode == 0, res.stderr)
    mark = client.log_mark()
    socks = []
    try:
        for _ in range(EMFILE_HEADROOM + EMFILE_EXTRA):
            socks.append(toxnet.connect(echo_port))  # the backlog takes what accept cannot
        sc.step("EMFILE: the client logs that it cannot accept and pauses", client.wait_log,
                r"tunnel echo: cannot accept: Too many open files; pausing", 30, mark)
        toxnet.wait_until(lambda: toxnet.proc_fd_count(pid) >= limit - 1, 30,
                          "the client to reach its descriptor limit")
        cpu0, wall0 = toxnet.proc_cpu_seconds(pid), time.monotonic()
        pauses0 = len(client.log.find(r"cannot accept: Too many open files", mark))
        # Measure the daemon at its limit for a while (measurement, not a wait).
        time.sleep(EMFILE_WINDOW_S)
        cpu = toxnet.proc_cpu_seconds(pid) - cpu0
        wall = time.monotonic() - wall0
        pauses = len(client.log.find(r"cannot accept: Too many open files", mark)) - pauses0
        sc.note("EMFILE: %.2f s of CPU in %.1f s at the limit, %d more pauses logged"
                % (cpu, wall, pauses))
        sc.check("EMFILE: the daemon does not spin at the limit (CPU < 20% of wall time)",
                 cpu < 0.2 * wall, "%.2f s CPU in %.1f s" % (cpu, wall))
        sc.check("EMFILE: it retries about once a second, not in a loop",
                 pauses <= 2 * wall + 2, "%d pauses in %.1f s" % (pauses, wall))
        # Free descriptors: close the connections it accepted (the first ones).
        accepted = [s for s in socks[:EMFILE_HEADROOM]]
        for s in accepted:
            s.close()
        waiting = socks[EMFILE_HEADROOM:]
        ok = [check_echo_on(s, 2000 + i) for i, s in enumerate(waiting[:8])]
        sc.check("EMFILE: once descriptors are free, the connections from the backlog are "
                 "served", all(ok), "%d of %d echoed" % (sum(ok), len(ok)))
    finally:
        for s in socks:
            s.close()
    raise_back = subprocess.run(["prlimit", "--pid", str(pid), "--nofile=%d:" % soft],
                                capture_output=True, text=True)
    sc.check("the client's limit is raised again (%d)" % soft, raise_back.returncode == 0,
             raise_back.stderr)


def body(sc):
    toxnet.raise_fd_limit(4 * WAVE_CONNECTIONS + 1024)
    boot = sc.bootstrap()
    tox = toxnet.tox_section(boot)
    echo = sc.add(toxnet.EchoServer())
    source = sc.add(toxnet.SourceServer(SOURCE_BYTES, 5))
    server = sc.node("server", "server", tox + "[server]\n")
    echo_port, source_port = toxnet.free_port(), toxnet.free_port()
    client = sc.node("client", "client", tox + "[client]\n"
                     + toxnet.client_line("echo", echo_port, echo.port, server.tox_id()) + "\n"
                     + toxnet.client_line("source", source_port, source.port, server.tox_id())
                     + "\n[link]\nmax_waiting = %d\nstream_window = %d\n"
                     % (MAX_WAITING, STREAM_WINDOW))
    client.start()
    sc.step("client listening", client.wait_listening, "echo")

    max_waiting(sc, server, client, echo_port)
    memory_after_load(sc, server, client, echo_port)
    slow_reader(sc, server, client, source, source_port)
    emfile(sc, client, echo_port)

    toxnet.end_pair(sc, server, client)


if __name__ == "__main__":
    toxnet.main("limits", body)
