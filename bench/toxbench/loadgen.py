# SPDX-License-Identifier: GPL-3.0-or-later
"""Load generator: the applications at both ends of the tunnel.

Runs as its own process (python3 -m toxbench.loadgen ...), inside the client
or server namespace, so that measuring never competes with the harness for
Python's global interpreter lock and its timing is not blurred by it.

  serve    on the server side: one TCP port; each connection starts with a
           request line that picks what it does:
             ECHO                      echo until EOF, then half-close
             SINK KIND SEED TOKEN      read to EOF checking the bytes against
                                       the pattern; print "sink TOKEN {json}"
             SOURCE KIND SEED SECONDS  send the pattern for SECONDS, half-close
  bulk     N parallel streams up (to SINK) or down (from SOURCE) for S seconds,
           then at most --drain seconds for what is still buffered to arrive
  pingpong 64-byte request/response round trips on one connection
  ttfb     new connections: time from connect() to the first echoed byte
  concurrent  many connections at once, each echoing its own payload

Every client command prints exactly one JSON line on stdout, its result.
Times are CLOCK_MONOTONIC (time.monotonic), the same clock in every process
on this machine, so the harness can relate them.

Payload patterns (KIND): "random" is a 1 MiB block of seeded random bytes,
repeated (LZ4's window is 64 KiB, so the repetition cannot be exploited:
incompressible); "text" is seeded log-like lines (timestamps, paths,
addresses, words), which LZ4 compresses about like real logs or HTML. Both
ends derive the same pattern from KIND and SEED, so every byte is checked
without sending checksums.
"""

import argparse
import errno
import json
import os
import random
import resource
import selectors
import signal
import socket
import struct
import sys
import threading
import time

BLOCK = 1 << 20
CHUNK = 256 * 1024
IO_TIMEOUT = 120.0
FAST_RATE = 12e6
LOWAT = 128 * 1024
# Receive timeline resolution (the relay target asks for stalls over 1 s).
BUCKET = 0.25

WORDS = ("account", "address", "agent", "alpha", "archive", "backup", "batch", "cache",
         "client", "cluster", "config", "connect", "daemon", "data", "delta", "device",
         "disk", "download", "error", "event", "export", "field", "file", "gateway",
         "group", "handler", "header", "image", "index", "invoice", "item", "job", "key",
         "label", "latency", "layer", "limit", "listener", "log", "manager", "message",
         "metric", "module", "network", "node", "order", "packet", "page", "path",
         "payload", "peer", "policy", "pool", "profile", "proxy", "queue", "record",
         "region", "relay", "report", "request", "resource", "response", "result",
         "route", "schema", "search", "server", "service", "session", "shard", "socket",
         "source", "stream", "table", "task", "tenant", "thread", "ticket", "timeout",
         "token", "topic", "upload", "user", "value", "version", "volume", "worker")
LEVELS = ("INFO ", "INFO ", "INFO ", "DEBUG", "WARN ", "ERROR")
METHODS = ("GET", "GET", "GET", "POST", "PUT", "DELETE")


def _text_block(rng):
    """Web-server-like log lines. Real logs repeat a lot (a few clients,
    paths and agents), which is what makes them compress; the fields here are
    drawn from small pools so LZ4 shrinks the block about 3x, as it does
    typical logs, HTML or JSON."""
    clients = ["10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(256))
               for _ in range(24)]
    agents = ('"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"',
              '"curl/7.88.1"', '"Go-http-client/1.1"', '"python-requests/2.31.0"')
    parts, size = [], 0
    t = rng.randrange(10 ** 6)
    while size < BLOCK:
        t += rng.randrange(1, 400)
        line = ("2026-11-%02d %02d:%02d:%02d.%03d %s %s /api/v2/%s/%d/%s from %s status %d "
                "in %d ms user=%s agent=%s\n" % (
                    1 + t // 86400000 % 28, t // 3600000 % 24, t // 60000 % 60, t // 1000 % 60,
                    t % 1000, rng.choice(LEVELS), rng.choice(METHODS), rng.choice(WORDS[:24]),
                    rng.randrange(1000), rng.choice(WORDS[24:40]), rng.choice(clients),
                    rng.choice((200, 200, 200, 200, 201, 204, 304, 404)), rng.randrange(1, 90),
                    rng.choice(WORDS[40:50]), rng.choice(agents)))
        parts.append(line.encode())
        size += len(parts[-1])
    return b"".join(parts)[:BLOCK]


class Pattern:
    """An endless byte stream: BLOCK-byte block of KIND, SEED repeated."""

    _cache = {}
    _lock = threading.Lock()

    def __init__(self, kind, seed):
        key = (kind, seed)
        with Pattern._lock:
            if key not in Pattern._cache:
                rng = random.Random("%s-%s" % (kind, seed))
                if kind == "random":
                    block = rng.randbytes(BLOCK)
                elif kind == "text":
                    block = _text_block(rng)
                else:
                    raise ValueError("unknown payload kind %r" % kind)
                Pattern._cache[key] = block + block  # any window up to BLOCK is contiguous
            self._double = Pattern._cache[key]
        self._view = memoryview(self._double)

    def chunk(self, offset, size):
        start = offset % BLOCK
        return self._view[start:start + min(size, BLOCK)]

    def matches(self, offset, data):
        """True when data is the pattern's bytes at offset (len(data) <= BLOCK)."""
        start = offset % BLOCK
        return self._double[start:start + len(data)] == data


def now():
    return time.monotonic()


def emit(result):
    sys.stdout.write(json.dumps(result) + "\n")
    sys.stdout.flush()


class Timeline:
    """Bytes received per BUCKET seconds since start, and the longest gap
    between two receives while data was owed (up to the give-up, for a
    stream that never completed)."""

    def __init__(self, start):
        self.start = start
        self.buckets = []
        self.last = None
        self.max_gap = 0.0
        self.first = None
        self.total = 0
        self.batched = False

    def add(self, t, n):
        if self.first is None:
            self.first = t
        self.total += n
        if self.last is not None:
            self.max_gap = max(self.max_gap, t - self.last)
        self.last = t
        index = int((t - self.start) / BUCKET)
        if index >= len(self.buckets):
            self.buckets.extend([0] * (index + 1 - len(self.buckets)))
        self.buckets[index] += n

    def batch_reads(self, sock, t):
        """On a fast path, be woken only once LOWAT bytes wait (or at EOF).
        At loopback rates a wake-up per few tens of KB made the receiving
        load generator take a seventh of a core, and every wake-up can
        preempt a daemon; from FAST_RATE on, LOWAT bytes are at most a few
        ms of data, so the timeline loses nothing that matters."""
        if self.batched or t - self.first < 0.25 or self.total < FAST_RATE * (t - self.first):
            return
        self.batched = True
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, LOWAT)

    def stalled_until(self, t):
        """Data was still owed at t (the stream never completed): the
        silence since the last receive is a stall too, often the longest."""
        since = self.last if self.last is not None else self.start
        self.max_gap = max(self.max_gap, t - since)

    def as_dict(self):
        return {"start": self.start, "t_first": self.first, "t_last": self.last,
                "max_gap": self.max_gap, "bucket_s": BUCKET, "buckets": self.buckets}


# --------------------------------------------------------------------------
# serve


def _read_request(conn):
    """The request line, and whatever payload came with it."""
    data = b""
    while b"\n" not in data[:1024]:
        if len(data) >= 1024:
            raise ConnectionError("request line too long")
        more = conn.recv(65536)
        if not more:
            raise ConnectionError("closed before the request line")
        data += more
    line, rest = data.split(b"\n", 1)
    return line.decode("ascii", "replace").split(), rest


def _serve_echo(conn, rest):
    if rest:
        conn.sendall(rest)
    while True:
        data = conn.recv(CHUNK)
        if not data:
            break
        conn.sendall(data)
    conn.shutdown(socket.SHUT_WR)


_print_lock = threading.Lock()


def _serve_sink(conn, rest, kind, seed, token):
    """Reads to EOF (or until the client aborts) checking every byte, then
    prints "sink TOKEN {result}" on stdout, where the harness collects it: an
    upload that is cut short by a reset still has its result."""
    pattern = Pattern(kind, int(seed))
    timeline = Timeline(now())
    offset, intact, first_bad, error = 0, True, None, None
    data = rest
    try:
        while True:
            if data:
                t = now()
                timeline.add(t, len(data))
                timeline.batch_reads(conn, t)
                for piece in range(0, len(data), BLOCK):
                    part = data[piece:piece + BLOCK]
                    if intact and not pattern.matches(offset + piece, part):
                        intact, first_bad = False, offset + piece
                offset += len(data)
            data = conn.recv(CHUNK)
            if not data:
                break
    except OSError as exc:
        error = str(exc)
        timeline.stalled_until(now())  # the uploader gave up on what it still owed
    result = {"bytes": offset, "intact": intact, "first_bad": first_bad, "eof": error is None,
              "error": error}
    result.update(timeline.as_dict())
    with _print_lock:
        sys.stdout.write("sink %s %s\n" % (token, json.dumps(result)))
        sys.stdout.flush()
    if error is None:
        conn.shutdown(socket.SHUT_WR)


def _serve_source(conn, kind, seed, seconds):
    pattern = Pattern(kind, int(seed))
    end = now() + float(seconds)
    offset = 0
    try:
        while now() < end:
            offset += conn.send(pattern.chunk(offset, CHUNK))
        conn.shutdown(socket.SHUT_WR)
    except OSError as exc:
        # The client gave up (a background bulk transfer is stopped this way).
        if exc.errno not in (errno.EPIPE, errno.ECONNRESET):
            raise
        return
    while conn.recv(CHUNK):
        pass


def _handle(conn):
    conn.settimeout(IO_TIMEOUT)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        words, rest = _read_request(conn)
        if words[:1] == ["ECHO"]:
            _serve_echo(conn, rest)
        elif words[:1] == ["SINK"] and len(words) == 4:
            _serve_sink(conn, rest, words[1], words[2], words[3])
        elif words[:1] == ["SOURCE"] and len(words) == 4:
            _serve_source(conn, words[1], words[2], words[3])
        else:
            sys.stderr.write("bad request %r\n" % (words,))
    except (OSError, ConnectionError) as exc:
        sys.stderr.write("connection: %s\n" % exc)
    finally:
        conn.close()


def cmd_serve(args):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(4096)
    print("listening %d" % listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=_handle, args=(conn,), daemon=True).start()


# --------------------------------------------------------------------------
# clients


def _connect(args, nodelay=True):
    sock = socket.create_connection((args.host, args.port), timeout=IO_TIMEOUT)
    if nodelay:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _abort(sock):
    """Close with a reset: nothing more is sent or waited for."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


def _upload(args, index, results, started_event):
    """Send the pattern for args.seconds, then half-close and give the tunnel
    args.drain seconds to deliver what is still buffered (the sink closes
    once it read everything); past that, reset. The sink reports what it
    received on the server's stdout, under this stream's token."""
    seed = args.seed + index
    pattern = Pattern(args.kind, seed)
    token = "%d-%d-%s" % (os.getpid(), index, os.urandom(4).hex())
    t_start = now()
    sock = _connect(args, nodelay=False)
    completed = False
    offset = 0
    try:
        sock.sendall(("SINK %s %d %s\n" % (args.kind, seed, token)).encode())
        started_event.set()
        end = t_start + args.seconds
        while now() < end:
            sock.sendall(pattern.chunk(offset, CHUNK))
            offset += CHUNK
        sock.shutdown(socket.SHUT_WR)
        t_sent = now()
        sock.settimeout(args.drain)
        try:
            while sock.recv(65536):
                pass
            completed = True
        except socket.timeout:
            pass
    finally:
        if completed:
            sock.close()
        else:
            _abort(sock)
    results[index] = {"token": token, "sent": offset, "t_start": t_start, "t_sent": t_sent,
                      "t_end": now(), "completed": completed}


def _download(args, index, results, started_event):
    """Receive the pattern the source sends for args.seconds, checking it;
    reset if it has not all arrived args.drain seconds after that."""
    seed = args.seed + index
    pattern = Pattern(args.kind, seed)
    t_start = now()
    sock = _connect(args, nodelay=False)
    timeline = Timeline(t_start)
    offset, intact, first_bad, completed = 0, True, None, False
    give_up = t_start + args.seconds + args.drain
    try:
        sock.sendall(("SOURCE %s %d %s\n" % (args.kind, seed, args.seconds)).encode())
        while True:
            sock.settimeout(max(0.01, give_up - now()))
            try:
                data = sock.recv(CHUNK)
            except socket.timeout:
                break
            if not data:
                completed = True
                break
            started_event.set()
            t = now()
            timeline.add(t, len(data))
            timeline.batch_reads(sock, t)
            if intact and not pattern.matches(offset, data):
                intact, first_bad = False, offset
            offset += len(data)
    finally:
        if completed:
            sock.shutdown(socket.SHUT_WR)
            sock.close()
        else:
            timeline.stalled_until(now())
            _abort(sock)
    result = {"bytes": offset, "intact": intact, "first_bad": first_bad, "t_start": t_start,
              "t_end": now(), "completed": completed}
    result.update(timeline.as_dict())
    results[index] = result


def cmd_bulk(args):
    """Per-stream results; the harness turns them into a rate (bytes that
    arrived within args.seconds of the start)."""
    results = [None] * args.streams
    errors = []
    started = threading.Event()

    def run(index):
        try:
            (_upload if args.dir == "up" else _download)(args, index, results, started)
        except Exception as exc:  # reported in the result
            errors.append("stream %d: %s" % (index, exc))
            started.set()

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(args.streams)]
    t0 = now()
    for thread in threads:
        thread.start()
    if started.wait(args.seconds + IO_TIMEOUT):
        # The harness waits for this line to know the transfer is flowing.
        sys.stderr.write("flowing\n")
        sys.stderr.flush()
    for thread in threads:
        thread.join()
    emit({"dir": args.dir, "streams": args.streams, "kind": args.kind, "seconds": args.seconds,
          "t0": t0, "t_end": now(), "errors": errors, "per_stream": results})


def _percentiles(samples_ms):
    ordered = sorted(samples_ms)
    if not ordered:
        return {"count": 0}

    def pct(q):
        return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
    return {"count": len(ordered), "p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99),
            "max": ordered[-1], "min": ordered[0], "mean": sum(ordered) / len(ordered)}


def _recv_exact(sock, n):
    data = b""
    while len(data) < n:
        more = sock.recv(n - len(data))
        if not more:
            raise ConnectionError("closed after %d of %d bytes" % (len(data), n))
        data += more
    return data


def cmd_pingpong(args):
    message = bytes(range(args.size % 256)) * (args.size // 256 + 1)
    message = message[:args.size]
    samples = []
    with _connect(args) as sock:
        sock.sendall(b"ECHO\n")
        for i in range(args.warmup + args.count):
            t = time.perf_counter()
            sock.sendall(message)
            reply = _recv_exact(sock, len(message))
            elapsed = (time.perf_counter() - t) * 1000
            if reply != message:
                raise SystemExit("ping-pong reply differs from the request")
            if i >= args.warmup:
                samples.append(elapsed)
            if args.interval:
                time.sleep(args.interval)
        sock.shutdown(socket.SHUT_WR)
    result = _percentiles(samples)
    result["samples"] = samples
    emit(result)


def cmd_ttfb(args):
    first_byte, connect_ms = [], []
    for _ in range(args.count):
        t = time.perf_counter()
        with _connect(args) as sock:
            t_conn = time.perf_counter()
            sock.sendall(b"ECHO\nx")
            _recv_exact(sock, 1)
            first_byte.append((time.perf_counter() - t) * 1000)
            connect_ms.append((t_conn - t) * 1000)
        time.sleep(args.pause)
    result = _percentiles(first_byte)
    result["samples"] = first_byte
    result["connect_p50"] = _percentiles(connect_ms)["p50"]
    emit(result)


class _EchoConn:
    def __init__(self, index, args, pattern):
        self.index = index
        self.payload = b"ECHO\n" + bytes(pattern.chunk(index * 7919, args.bytes))
        self.expect = self.payload[5:]
        self.sent = self.received = 0
        self.bad = False
        self.done = False
        self.error = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setblocking(False)
        rc = self.sock.connect_ex((args.host, args.port))
        if rc not in (0, errno.EINPROGRESS):
            raise OSError(rc, os.strerror(rc))

    def wants_write(self):
        return self.sent < len(self.payload)

    def on_write(self):
        try:
            self.sent += self.sock.send(self.payload[self.sent:self.sent + 65536])
        except BlockingIOError:
            return
        if self.sent == len(self.payload):
            self.sock.shutdown(socket.SHUT_WR)

    def on_read(self):
        try:
            data = self.sock.recv(65536)
        except BlockingIOError:
            return
        if not data:
            self.done = True
            return
        if data != self.expect[self.received:self.received + len(data)]:
            self.bad = True
        self.received += len(data)

    @property
    def intact(self):
        return self.done and not self.bad and self.error is None and \
            self.received == len(self.expect)


def cmd_concurrent(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = args.conns + 256
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    pattern = Pattern("random", args.seed)
    sel = selectors.DefaultSelector()
    t0 = now()
    conns = []
    for i in range(args.conns):
        conn = _EchoConn(i, args, pattern)
        conns.append(conn)
        sel.register(conn.sock, selectors.EVENT_READ | selectors.EVENT_WRITE, conn)
    open_conns = len(conns)
    deadline = t0 + args.timeout
    while open_conns and now() < deadline:
        for key, events in sel.select(timeout=1.0):
            conn = key.data
            try:
                if events & selectors.EVENT_WRITE and conn.wants_write():
                    conn.on_write()
                if events & selectors.EVENT_READ:
                    conn.on_read()
            except OSError as exc:
                conn.error = str(exc)
                conn.done = True
            if conn.done:
                sel.unregister(conn.sock)
                conn.sock.close()
                open_conns -= 1
            elif not conn.wants_write():
                sel.modify(conn.sock, selectors.EVENT_READ, conn)
    elapsed = now() - t0
    intact = sum(1 for c in conns if c.intact)
    failures = [{"index": c.index, "sent": c.sent, "received": c.received, "bad": c.bad,
                 "error": c.error, "done": c.done} for c in conns if not c.intact][:10]
    for conn in conns:
        if not conn.done:
            conn.sock.close()
    emit({"conns": args.conns, "bytes": args.bytes, "intact": intact, "elapsed": elapsed,
          "timed_out": open_conns > 0, "failures": failures})


def main(argv=None):
    parser = argparse.ArgumentParser(prog="loadgen", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("serve", "bulk", "pingpong", "ttfb", "concurrent"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", choices=("up", "down"), default="up")
    parser.add_argument("--streams", type=int, default=1)
    parser.add_argument("--kind", choices=("random", "text"), default="random")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--drain", type=float, default=30.0,
                        help="bulk: seconds after --seconds for buffered data to arrive")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--interval", type=float, default=0.0)
    parser.add_argument("--pause", type=float, default=0.05)
    parser.add_argument("--conns", type=int, default=1000)
    parser.add_argument("--bytes", type=int, default=65536)
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)
    # The harness stops background transfers with SIGTERM: exit quietly.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    {"serve": cmd_serve, "bulk": cmd_bulk, "pingpong": cmd_pingpong, "ttfb": cmd_ttfb,
     "concurrent": cmd_concurrent}[args.command](args)


if __name__ == "__main__":
    main()
