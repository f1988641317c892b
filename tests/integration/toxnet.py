# SPDX-License-Identifier: GPL-3.0-or-later
"""toxnet: fixtures for the toxtun integration tests.

Every test script builds its own private Tox network on this machine: one real
`tox-bootstrapd` (DHT bootstrap node and TCP relay; it binds every IPv4 address,
having no bind option, but is advertised as 127.0.0.1 and bootstraps off nobody,
so its DHT holds only the test's own nodes), two or more real `tunnel` processes
pointed at it, and plain TCP servers on 127.0.0.1 that play the destinations.
Nothing here talks to the internet.

Rules every helper follows, because Tox timing is slow and noisy:
- Never synchronise with a fixed sleep. Wait on a condition (a log line, a port
  that answers, a result that arrived) with a generous deadline, and fail with
  enough context (the log tail) to debug it from a CI transcript.
- Every process and thread started here is torn down on any exit path:
  Scenario.run() closes what it registered, an atexit hook kills leftover
  processes, SIGTERM is turned into SystemExit so `finally` blocks run, and child
  processes get a parent-death signal (via setpriv) in case we are SIGKILLed.

Network namespaces: spawn(), Bootstrap and Node take an optional `netns`
(the name of a namespace under /run/netns, made by the caller, e.g. with
netlab.py) to run their process inside it, and in_netns() runs Python code
(sockets, probes) inside one. Without `netns` everything runs here, on
127.0.0.1, exactly as before.

Python 3 standard library only.
"""

import atexit
import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

# Friends take ~10 s to meet on loopback; the DHT occasionally needs much
# longer (docs/design.md, "Friends"), so the default deadline is generous.
MEET_TIMEOUT = 90.0
# How long a started process gets to exit after SIGTERM before it counts as hung.
STOP_TIMEOUT = 20.0
# Socket operations in helpers never block longer than this.
IO_TIMEOUT = 120.0

TOX_ID_RE = re.compile(r"^[0-9A-F]{76}$", re.IGNORECASE)
# Lines sanitizer runtimes print: a report in a log fails the node's stop().
SANITIZER_RE = re.compile(
    r"ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: \w+Sanitizer")


class HarnessError(AssertionError):
    """A test expectation or a fixture precondition that did not hold."""


class ScenarioStopped(HarnessError):
    """Raised by Scenario.require()/step() after the failure has been counted:
    the scenario ends without counting it a second time."""


class ScenarioSkipped(ScenarioStopped):
    """Raised by Scenario.skip(): this machine or build cannot run the test."""


# Exit status of a skipped test script (ctest's SKIP_RETURN_CODE, as automake's).
SKIP_STATUS = 77


# --------------------------------------------------------------------------
# Locating the binaries


def built_binary(name, env_var):
    """Path of one of our executables: $env_var (set by ctest), else the build
    directory ($TOXTUN_BUILD_DIR, or build/ in the repository), so that a test
    can also be run by hand."""
    candidates = [os.environ.get(env_var)]
    build_dir = os.environ.get("TOXTUN_BUILD_DIR")
    if build_dir:
        candidates.append(os.path.join(build_dir, name))
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    candidates.append(os.path.join(repo, "build", name))
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    raise HarnessError("%s not found: set %s (tried %s)"
                       % (name, env_var, ", ".join(p for p in candidates if p)))


def tunnel_binary():
    return built_binary("tunnel", "TOXTUN_BIN")


def bootstrapd_binary():
    path = shutil.which("tox-bootstrapd") or "/usr/bin/tox-bootstrapd"
    if not os.access(path, os.X_OK):
        raise HarnessError("tox-bootstrapd not found (Debian package toxcore-utils)")
    return path


# --------------------------------------------------------------------------
# Child processes and their cleanup

_live_processes = set()
_live_lock = threading.Lock()
# setpriv makes the kernel SIGKILL the child when the thread that forked it
# dies, which covers the one exit path atexit cannot: the test being SIGKILLed.
_SETPRIV = shutil.which("setpriv")


def netns_argv(netns, argv):
    """argv run inside network namespace `netns` (None: unchanged)."""
    return list(argv) if netns is None else ["ip", "netns", "exec", netns] + list(argv)


def spawn(argv, log_path, env=None, netns=None):
    """Start argv with stdout and stderr appended to log_path; inside network
    namespace `netns` when given (`ip netns exec` execs, so the returned
    process is argv's own process and its pid is argv's pid).

    Start processes from the main thread only: the parent-death signal fires
    when the forking *thread* exits, so a child spawned from a helper thread
    would die with that thread.
    """
    prefix = [_SETPRIV, "--pdeathsig", "KILL", "--"] if _SETPRIV else []
    argv = netns_argv(netns, argv)
    child_env = dict(os.environ if env is None else env)
    # A UBSan report without a stack is hard to act on from a CI log.
    child_env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    # A session of its own: a Ctrl-C in a terminal reaches only the test, which
    # then stops its children in order (and checks their exit status).
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(prefix + list(argv), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, env=child_env,
                                start_new_session=True)
    with _live_lock:
        _live_processes.add(proc)
    return proc


def forget(proc):
    with _live_lock:
        _live_processes.discard(proc)


def _kill_leftovers():
    with _live_lock:
        procs = list(_live_processes)
        _live_processes.clear()
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass


def _sigterm_to_exit(signum, frame):
    # ctest and CI runners stop tests with SIGTERM: unwind so finally blocks
    # stop our processes instead of leaving them to the parent-death signal.
    raise SystemExit(128 + signum)


atexit.register(_kill_leftovers)
if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGTERM, _sigterm_to_exit)


# --------------------------------------------------------------------------
# Network namespaces

_CLONE_NEWNET = 0x40000000
_libc = None


def _setns(fd):
    global _libc
    if hasattr(os, "setns"):  # Python 3.12+
        os.setns(fd, _CLONE_NEWNET)
        return
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if _libc.setns(fd, _CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, "setns: %s" % os.strerror(err))


def in_netns(netns, fn, *args, **kwargs):
    """Call fn(*args, **kwargs) inside network namespace `netns` (a name under
    /run/netns; None: here) and return its result or raise its exception.

    A network namespace belongs to a thread, so fn runs in a new thread that
    joins the namespace first; sockets it creates stay in that namespace and
    can be used from any thread afterwards. Threads fn starts inherit the
    namespace.
    """
    if netns is None:
        return fn(*args, **kwargs)
    outcome = {}

    def runner():
        try:
            fd = os.open(os.path.join("/run/netns", netns), os.O_RDONLY | os.O_CLOEXEC)
            try:
                _setns(fd)
            finally:
                os.close(fd)
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # handed to the caller
            outcome["error"] = exc

    thread = threading.Thread(target=runner, daemon=True, name="netns:%s" % netns)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def raise_fd_limit(wanted=8192):
    """Raise RLIMIT_NOFILE (inherited by the tunnel processes started later)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --------------------------------------------------------------------------
# Waiting


def wait_until(predicate, timeout, what, interval=0.05):
    """Poll predicate() until it returns a true value and return that value;
    raise HarnessError naming `what` when timeout seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise HarnessError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(interval)


def run_parallel(jobs, timeout=IO_TIMEOUT * 2):
    """Run callables concurrently in threads; return their results in order.

    The first exception raised by any job is re-raised here after all jobs have
    finished or the deadline passed, so no thread is left writing into sockets
    the caller is about to close.
    """
    results = [None] * len(jobs)
    errors = [None] * len(jobs)

    def runner(index, job):
        try:
            results[index] = job()
        except BaseException as exc:  # reported to the caller below
            errors[index] = exc

    threads = [threading.Thread(target=runner, args=(i, job), daemon=True)
               for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise HarnessError("parallel jobs still running after %.0f s" % timeout)
    for exc in errors:
        if exc is not None:
            raise exc
    return results


# --------------------------------------------------------------------------
# Ports


_ports_given = set()


def free_port(kind=socket.SOCK_STREAM, host="127.0.0.1"):
    """A port the kernel just had free on host. Someone may take it before the
    caller binds it; on a test machine that race is rare enough to accept.
    Never one this process was given before: the kernel may hand out the
    same free port to two calls in a row, and two tunnels of one config then
    got the same listen port (test_kill under the sanitizers, once)."""
    while True:
        with socket.socket(socket.AF_INET, kind) as sock:
            sock.bind((host, 0))
            port = sock.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


class RefusedPort:
    """A 127.0.0.1 TCP port where connections are refused (RST) for as long as
    this object lives: the socket is bound but never listens, so no other
    process can start listening there by accident in the meantime."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]

    def close(self):
        self._sock.close()


# --------------------------------------------------------------------------
# Deterministic payloads


class PayloadStream:
    """An endless deterministic byte stream: the same seed always yields the same
    bytes, so both ends of a transfer can compute the expected SHA-256 without
    exchanging the data. Random data is the worst case for the tunnel's LZ4 stage;
    compressible=True mixes in long repeats so that the compressed path is used.
    """

    BLOCK = 64 * 1024

    def __init__(self, seed, compressible=False):
        self._rng = random.Random(seed)
        self._compressible = compressible
        self._buffer = b""

    def _next_block(self):
        if not self._compressible:
            return self._rng.randbytes(self.BLOCK)
        noise = self._rng.randbytes(self.BLOCK // 4)
        motif = self._rng.randbytes(64)
        return noise + motif * ((self.BLOCK - len(noise)) // len(motif))

    def read(self, size):
        while len(self._buffer) < size:
            self._buffer += self._next_block()
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        return chunk

    def chunks(self, total, chunk_size=BLOCK):
        """Yield the first `total` bytes of the stream in chunks."""
        remaining = total
        while remaining > 0:
            chunk = self.read(min(chunk_size, remaining))
            remaining -= len(chunk)
            yield chunk


_digest_cache = {}
_digest_lock = threading.Lock()


def payload_bytes(seed, size, compressible=False):
    return PayloadStream(seed, compressible).read(size)


def payload_digest(seed, size, compressible=False):
    """SHA-256 (hex) of the first `size` bytes of PayloadStream(seed)."""
    key = (seed, size, compressible)
    with _digest_lock:
        if key in _digest_cache:
            return _digest_cache[key]
    digest = hashlib.sha256()
    for chunk in PayloadStream(seed, compressible).chunks(size):
        digest.update(chunk)
    with _digest_lock:
        _digest_cache[key] = digest.hexdigest()
    return _digest_cache[key]


# --------------------------------------------------------------------------
# Logs


class LogFile:
    """A log file written by a child process, read incrementally for regexes."""

    def __init__(self, path):
        self.path = path

    def size(self):
        try:
            return os.path.getsize(self.path)
        except FileNotFoundError:
            return 0

    def text(self, since=0):
        try:
            with open(self.path, "rb") as log:
                log.seek(since)
                return log.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines=40):
        return "\n".join(self.text().splitlines()[-lines:])

    def find(self, pattern, since=0):
        """All matches of pattern (searched line by line) after byte offset since."""
        regex = re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern
        return [m for m in map(regex.search, self.text(since).splitlines()) if m]

    def wait_for(self, pattern, timeout, since=0, process=None, what=None):
        """Wait until a whole line after byte offset `since` matches pattern
        (re.search, case-insensitive) and return the match.

        Fails early when `process` exits without having printed the line.
        Reads only what was appended since the last poll, so waiting on a
        busy verbose log stays cheap.
        """
        regex = re.compile(pattern, re.IGNORECASE)
        deadline = time.monotonic() + timeout
        offset, pending = since, b""
        while True:
            exited = process is not None and process.poll() is not None
            with open(self.path, "rb") as log:
                log.seek(offset)
                data = log.read()
            offset += len(data)
            *lines, pending = (pending + data).split(b"\n")
            if exited and pending:
                lines.append(pending)  # the process is gone: its last line is complete
            for line in lines:
                match = regex.search(line.decode("utf-8", "replace"))
                if match:
                    return match
            label = what or "/%s/ in %s" % (pattern, os.path.basename(self.path))
            if exited:
                raise HarnessError("process exited with status %s before printing %s\n%s"
                                   % (process.returncode, label, indent(self.tail())))
            if time.monotonic() >= deadline:
                raise HarnessError("timed out after %.0f s waiting for %s\n%s"
                                   % (timeout, label, indent(self.tail())))
            time.sleep(0.05)

    def sanitizer_reports(self):
        return [line for line in self.text().splitlines() if SANITIZER_RE.search(line)]

    def excerpt(self, lines=40):
        """What to show when a test fails: the beginning of the first sanitizer
        report (its first frames say where the bug is; the end of the log holds
        only shadow-byte tables), else the tail of the log."""
        text = self.text().splitlines()
        for index, line in enumerate(text):
            if SANITIZER_RE.search(line):
                return "\n".join(text[index:index + lines])
        return "\n".join(text[-lines:])


def indent(text, prefix="    | "):
    return "\n".join(prefix + line for line in text.splitlines()) or prefix + "(empty)"


# --------------------------------------------------------------------------
# tox-bootstrapd


_BOOTSTRAPD_CONFIG = """\
// Written by toxnet.py: a private bootstrap node for one test.
port = {udp_port}
keys_file_path = "{keys}"
pid_file_path = "{pid}"
// IPv4 only: it binds 0.0.0.0 for both UDP and the TCP relay, which works on
// hosts without IPv6; tunnel nodes reach it as 127.0.0.1 (dual-stack sockets
// included). Tox has no option to bind one address.
enable_ipv6 = false
enable_ipv4_fallback = true
// LAN discovery broadcasts beyond loopback; the tests never need it.
enable_lan_discovery = false
enable_tcp_relay = true
tcp_relay_ports = [{tcp_port}]
// The MOTD carries a per-run token: the readiness probe checks that the node
// answering on our UDP port is this daemon and nothing else.
enable_motd = true
motd = "{motd}"
// No other nodes: this DHT consists of the test's own processes.
bootstrap_nodes = ()
"""

# bootstrap_node_packets.c: a 78-byte request starting with 0xF0 is answered
# with 0xF0, a 4-byte version and the MOTD.
_INFO_PACKET_ID = 0xF0
_INFO_REQUEST_LENGTH = 78


class Bootstrap:
    """A real tox-bootstrapd: DHT bootstrap node plus TCP relay for one test.

    Ports are chosen free on 0.0.0.0. tox-bootstrapd silently moves to the next
    UDP port when its port is taken, so readiness is proven on the exact port we
    advertise (an info request answered with our MOTD token), not assumed.

    With `netns`, it runs inside that network namespace and is advertised to
    tunnel nodes as `address` (its address there, reachable from the nodes'
    namespaces); the readiness probes run inside the namespace too.
    """

    START_ATTEMPTS = 3

    def __init__(self, workdir, netns=None, address="127.0.0.1"):
        self.netns = netns
        self.address = address
        self.dir = os.path.join(workdir, "bootstrapd")
        os.makedirs(self.dir, exist_ok=True)
        self.config_path = os.path.join(self.dir, "bootstrapd.conf")
        self.keys_path = os.path.join(self.dir, "keys")
        self.log = LogFile(os.path.join(self.dir, "bootstrapd.log"))
        self.proc = None
        self.udp_port = self.tcp_port = None
        self.public_key = None
        self.motd = None

    def start(self, timeout=30.0):
        last_error = None
        for _ in range(self.START_ATTEMPTS):
            try:
                self._start_once(timeout)
                return self
            except HarnessError as exc:  # most likely a port race: try new ports
                last_error = exc
                self._terminate()
        raise last_error

    def _start_once(self, timeout):
        self.udp_port = free_port(socket.SOCK_DGRAM, "0.0.0.0")
        self.tcp_port = free_port(socket.SOCK_STREAM, "0.0.0.0")
        self.motd = "toxtun-test-" + os.urandom(6).hex()
        with open(self.config_path, "w") as config:
            config.write(_BOOTSTRAPD_CONFIG.format(
                udp_port=self.udp_port, tcp_port=self.tcp_port, keys=self.keys_path,
                pid=os.path.join(self.dir, "bootstrapd.pid"), motd=self.motd))
        since = self.log.size()
        self.proc = spawn([bootstrapd_binary(), "--config=" + self.config_path,
                           "--foreground", "--log-backend=stdout"], self.log.path,
                          netns=self.netns)
        # "Public Key:" is printed after the UDP socket, the TCP relay and the
        # key file are all set up.
        match = self.log.wait_for(r"Public Key: ([0-9A-F]{64})", timeout, since, self.proc,
                                  "tox-bootstrapd to print its public key")
        self.public_key = match.group(1).upper()
        with open(self.keys_path, "rb") as keys:
            file_key = keys.read(32).hex().upper()
        if file_key != self.public_key:
            raise HarnessError("tox-bootstrapd printed key %s but its keys file starts with %s"
                               % (self.public_key, file_key))
        wait_until(lambda: in_netns(self.netns, self.answers_udp), timeout,
                   "tox-bootstrapd to answer on UDP port %d" % self.udp_port, interval=0.1)
        wait_until(lambda: in_netns(self.netns, self.accepts_tcp), timeout,
                   "tox-bootstrapd TCP relay on port %d" % self.tcp_port, interval=0.1)

    def answers_udp(self, wait=0.5):
        """Send a bootstrap info request to our UDP port; True when the reply
        carries this run's MOTD token."""
        request = bytes([_INFO_PACKET_ID]) + bytes(_INFO_REQUEST_LENGTH - 1)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(wait)
            sock.sendto(request, ("127.0.0.1", self.udp_port))
            try:
                reply = sock.recv(2048)
            except (socket.timeout, ConnectionRefusedError):
                return False
        return reply[:1] == bytes([_INFO_PACKET_ID]) and self.motd.encode() in reply[5:]

    def accepts_tcp(self):
        try:
            with socket.create_connection(("127.0.0.1", self.tcp_port), timeout=1):
                return self.alive()
        except OSError:
            return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def ini_lines(self):
        """The [tox] lines that point a tunnel at this node, as bootstrap node
        and as TCP relay."""
        return ["bootstrap = %s %d %s" % (self.address, self.udp_port, self.public_key),
                "tcp_relay = %s %d %s" % (self.address, self.tcp_port, self.public_key)]

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM; raise unless it exits with status 0 in time."""
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        rc = _terminate_process(proc, timeout)
        if rc != 0:
            raise HarnessError("tox-bootstrapd exited with status %s\n%s"
                               % (rc, indent(self.log.tail())))

    def _terminate(self):
        if self.proc is not None:
            proc, self.proc = self.proc, None
            _terminate_process(proc, STOP_TIMEOUT)

    def close(self):
        """Cleanup path: stop without judging the exit status."""
        self._terminate()


def _terminate_process(proc, timeout):
    """SIGTERM, then SIGKILL after timeout. Returns the exit status, or None
    when SIGKILL was needed."""
    try:
        if proc.poll() is None:
            proc.terminate()
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            return None
    finally:
        forget(proc)


# --------------------------------------------------------------------------
# tunnel processes


def tox_section(bootstrap, *extra_lines, udp=True):
    """The [tox] section every test uses: the private bootstrap node and relay,
    no LAN discovery (it broadcasts, never reaching 127.0.0.1 peers anyway)."""
    lines = ["[tox]"] + bootstrap.ini_lines() + [
        "local_discovery = no", "udp = %s" % ("yes" if udp else "no")]
    return "\n".join(lines + list(extra_lines)) + "\n"


def client_line(name, local_port, remote_port, server_tox_id, remote_host="127.0.0.1"):
    """One [client] tunnel: 127.0.0.1:local_port -> remote_host:remote_port at the server."""
    return "%s = %d:%s:%d:%s" % (name, local_port, remote_host, remote_port, server_tox_id)


class Node:
    """One `tunnel` daemon: its ini file, profile and log in the test's directory.

    The ini text is written exactly as given. The log is appended across
    restarts; each start writes a marker line and waits only look at the log of
    the current run unless told otherwise (`since=` a log_mark()).
    """

    def __init__(self, name, role, workdir, ini_text, binary=None, netns=None):
        if role not in ("server", "client", "run"):
            raise ValueError("role must be 'server' or 'client', not %r" % role)
        self.name = name
        self.role = role
        self.netns = netns  # network namespace the daemon runs in (None: this one)
        self.binary = binary or tunnel_binary()
        self.ini_path = os.path.join(workdir, name + ".ini")
        # A private XDG_RUNTIME_DIR: the default control socket is named after
        # the ini file, so nodes of tests running side by side must not share
        # one directory (nor meet a developer's own daemons in /run/toxtun).
        self.runtime_dir = os.path.join(workdir, "run-" + name)
        os.makedirs(self.runtime_dir, mode=0o700, exist_ok=True)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=self.runtime_dir)
        # The daemon's default profile: the ini path with ".tox" for its extension.
        self.profile_path = os.path.join(workdir, name + ".tox")
        self.log = LogFile(os.path.join(workdir, name + ".log"))
        self.proc = None
        self._run_start = 0
        self._tox_id = None
        self.write_ini(ini_text)

    def __repr__(self):
        return "Node(%s, %s)" % (self.name, self.role)

    def write_ini(self, ini_text):
        with open(self.ini_path, "w") as ini:
            ini.write(ini_text)

    def run_cli(self, *args, timeout=30.0):
        """Run `tunnel ARGS...` to completion and return the CompletedProcess
        (text stdout/stderr). A run that overstays timeout is killed and fails."""
        try:
            return subprocess.run([self.binary] + [str(a) for a in args], env=self.env,
                                  stdin=subprocess.DEVNULL, capture_output=True,
                                  text=True, errors="replace", timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise HarnessError("`tunnel %s` still running after %.0f s (stderr: %s)"
                               % (" ".join(map(str, args)), timeout,
                                  str(exc.stderr or "")[-500:]))

    def tox_id(self):
        """`tunnel id NAME.ini`: the 76-hex Tox ID alone on stdout, creating the
        identity on first use. Cached after the first call."""
        if self._tox_id is None:
            result = self.run_cli("id", self.ini_path)
            out = result.stdout.strip()
            if result.returncode != 0 or not TOX_ID_RE.match(out):
                raise HarnessError("`tunnel id %s` gave status %d, stdout %r, stderr %r"
                                   % (self.ini_path, result.returncode, result.stdout,
                                      result.stderr))
            self._tox_id = out.upper()
        return self._tox_id

    @property
    def public_key(self):
        """The first 64 hex digits of the Tox ID: what peers log and allow= lists."""
        return self.tox_id()[:64]

    def start(self, verbose=True):
        if self.alive():
            raise HarnessError("%s is already running" % self.name)
        argv = [self.binary] + (["-v"] if verbose else []) + [self.role, self.ini_path]
        with open(self.log.path, "ab") as log:
            log.write(("=== toxnet: starting %s ===\n" % " ".join(argv)).encode())
        self._run_start = self.log.size()
        self.proc = spawn(argv, self.log.path, env=self.env, netns=self.netns)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_mark(self):
        """An offset into the log: pass as since= to wait for lines printed later."""
        return self.log.size()

    def wait_log(self, pattern, timeout=MEET_TIMEOUT, since=None):
        """Wait for a log line of the current run (or after `since`) to match
        pattern; the timestamp/level prefix is not part of the pattern, matching
        is case-insensitive. Fails early, with the log tail, if the node exits."""
        return self.log.wait_for(pattern, timeout, self._run_start if since is None else since,
                                 self.proc, "/%s/ in the log of %s" % (pattern, self.name))

    def log_has(self, pattern, since=None):
        return bool(self.log.find(pattern, self._run_start if since is None else since))

    def status(self, timeout=30.0):
        """`tunnel status --json`: the daemon's snapshot from its control socket
        (peers, tunnels, streams; daemon/control/PROTOCOL.md)."""
        result = self.run_cli("status", "--json", self.ini_path, timeout=timeout)
        try:
            return json.loads(result.stdout)
        except ValueError:
            raise HarnessError("`tunnel status --json` of %s gave status %d, stdout %r, stderr %r"
                               % (self.name, result.returncode, result.stdout[:300],
                                  result.stderr[:300]))

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM and require exit status 0 within timeout and a log free of
        sanitizer reports. Returns the exit status."""
        if self.proc is None:
            raise HarnessError("%s was never started" % self.name)
        proc, self.proc = self.proc, None
        rc = _terminate_process(proc, timeout)
        if rc is None:
            raise HarnessError("%s did not exit within %.0f s of SIGTERM\n%s"
                               % (self.name, timeout, indent(self.log.tail())))
        reports = self.log.sanitizer_reports()
        if rc != 0 or reports:
            raise HarnessError("%s exited with status %d after SIGTERM%s\n%s"
                               % (self.name, rc, " with sanitizer reports" if reports else "",
                                  indent(self.log.excerpt())))
        return rc

    def kill(self):
        """SIGKILL, as a crash or power loss would: no chance to save anything."""
        if self.proc is not None:
            proc, self.proc = self.proc, None
            proc.kill()
            proc.wait(10)
            forget(proc)

    def restart(self, graceful=True):
        """Stop (SIGTERM, checked) or kill, then start again with the same ini
        and profile."""
        if self.alive():
            self.stop() if graceful else self.kill()
        return self.start()

    def close(self):
        """Cleanup path: stop without judging the exit status."""
        if self.proc is not None:
            proc, self.proc = self.proc, None
            _terminate_process(proc, 5)

    # Waits on the daemon's specified log lines.

    def wait_started(self, timeout=30.0):
        """`tox id: <ID>` is printed at start, once the profile is loaded."""
        return self.wait_log(r"tox id: ([0-9A-F]{76})", timeout)

    def wait_listening(self, tunnel_name, timeout=30.0):
        """Client: `listening on HOST:PORT for tunnel NAME`."""
        return self.wait_log(r"listening on \S+ for tunnel %s\b" % re.escape(tunnel_name),
                             timeout)

    def wait_session_up(self, peer, timeout=MEET_TIMEOUT, since=None):
        """`peer <KEY> session up`: ENet session and version handshake done."""
        return self.wait_log(r"peer %s session up" % peer.public_key, timeout, since)


def echo_tunnel(sc, tunnel="echo"):
    """The common set-up: a bootstrap node, an echo server behind a server
    node, a client with one tunnel to it, both started and the tunnel up.
    Returns (server, client, local port of the tunnel, the echo server)."""
    boot = sc.bootstrap()
    echo = sc.add(EchoServer())
    server = sc.node("server", "server", tox_section(boot) + "[server]\n")
    port = free_port()
    client = sc.node("client", "client", tox_section(boot) + "[client]\n"
                     + client_line(tunnel, port, echo.port, server.tox_id()) + "\n")
    client.tox_id()
    server.start()
    client.start()
    sc.step("session up on both sides", wait_tunnel_up, server, client)
    return server, client, port, echo


def wait_tunnel_up(server, client, timeout=MEET_TIMEOUT):
    """Both ends report the session with each other up: the tunnel is usable.

    Tests wait for this before opening connections so that timing does not
    depend on how the daemon queues connections made early (wait_timeout).
    """
    deadline = time.monotonic() + timeout
    started = time.monotonic()
    client.wait_session_up(server, timeout)
    server.wait_session_up(client, max(1.0, deadline - time.monotonic()))
    return time.monotonic() - started


# --------------------------------------------------------------------------
# Local destination servers


class LocalServer:
    """A TCP server on 127.0.0.1 running in background threads, one thread per
    connection; subclasses implement handle(conn). What a handler reports with
    report() is collected in `results` so tests can wait for it.

    Handlers use blocking sockets with io_timeout (IO_TIMEOUT) so that no thread
    outlives a broken test by more than that; a subclass whose connections must
    wait out a long outage sets a longer one.
    """

    io_timeout = IO_TIMEOUT

    def __init__(self, host="127.0.0.1"):
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(1024)
        self.host = host
        self.port = self._listener.getsockname()[1]
        self.accepted = 0
        self.results = []
        self.errors = []
        self._cond = threading.Condition()
        self._conns = set()
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True,
                                        name="%s:%d" % (type(self).__name__, self.port))
        self._thread.start()

    def __repr__(self):
        return "%s(port %d)" % (type(self).__name__, self.port)

    def _accept_loop(self):
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return  # close() shut the listener down
            with self._cond:
                if self._closed:
                    conn.close()
                    return
                self.accepted += 1
                self._conns.add(conn)
                self._cond.notify_all()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        conn.settimeout(self.io_timeout)
        try:
            self.handle(conn)
        except OSError as exc:
            with self._cond:
                self.errors.append(exc)
                self._cond.notify_all()
        finally:
            with self._cond:
                self._conns.discard(conn)
            conn.close()

    def handle(self, conn):
        raise NotImplementedError

    def report(self, result):
        with self._cond:
            self.results.append(result)
            self._cond.notify_all()

    def wait_results(self, count, timeout=IO_TIMEOUT):
        """Wait until `count` connections have reported; return those reports."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self.results) >= count, timeout):
                raise HarnessError("%r: %d of %d connections reported within %.0f s "
                                   "(errors: %s)" % (self, len(self.results), count,
                                                     timeout, self.errors[:3]))
            return list(self.results[:count])

    def wait_accepted(self, count, timeout=IO_TIMEOUT):
        with self._cond:
            if not self._cond.wait_for(lambda: self.accepted >= count, timeout):
                raise HarnessError("%r accepted %d of %d connections within %.0f s"
                                   % (self, self.accepted, count, timeout))

    def close(self):
        with self._cond:
            self._closed = True
            conns = list(self._conns)
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        except OSError:
            pass
        self._listener.close()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(5)


class Received:
    """What a server read on one connection: byte count and SHA-256."""

    def __init__(self, nbytes, sha256):
        self.nbytes = nbytes
        self.sha256 = sha256

    def __repr__(self):
        return "Received(%d bytes, sha256 %s...)" % (self.nbytes, self.sha256[:12])


def read_to_eof(conn, chunk_size=256 * 1024, progress=None):
    """Read until EOF; return Received. A reset propagates as an OSError.
    progress(total) is called after every read."""
    digest, total = hashlib.sha256(), 0
    while True:
        data = conn.recv(chunk_size)
        if not data:
            return Received(total, digest.hexdigest())
        digest.update(data)
        total += len(data)
        if progress:
            progress(total)


def recv_upto(conn, nbytes, chunk_size=65536):
    """Read until nbytes have come or the peer closed; return what came."""
    got = bytearray()
    while len(got) < nbytes:
        chunk = conn.recv(min(chunk_size, nbytes - len(got)))
        if not chunk:
            break
        got += chunk
    return bytes(got)


def send_payload(conn, seed, nbytes, compressible=False):
    """Send the first nbytes of PayloadStream(seed); return its SHA-256 (hex)."""
    digest = hashlib.sha256()
    for chunk in PayloadStream(seed, compressible).chunks(nbytes):
        conn.sendall(chunk)
        digest.update(chunk)
    return digest.hexdigest()


class EchoServer(LocalServer):
    """Echoes everything; on EOF it half-closes too and reports the byte count."""

    def handle(self, conn):
        total = 0
        while True:
            data = conn.recv(256 * 1024)
            if not data:
                break
            conn.sendall(data)
            total += len(data)
        conn.shutdown(socket.SHUT_WR)
        self.report(total)


class SinkServer(LocalServer):
    """Reads each connection to EOF, reports Received (bytes + SHA-256), then
    closes, so the client sees EOF only after every byte has arrived."""

    def handle(self, conn):
        self.report(read_to_eof(conn))


class SourceServer(LocalServer):
    """Sends nbytes of PayloadStream(seed) on every connection, then half-closes
    and waits for the client's EOF before closing (closing with unread data
    would turn the FIN into a reset). Every connection gets the same bytes:
    expected_sha256 is their digest."""

    def __init__(self, nbytes, seed, compressible=False):
        self.nbytes, self.seed, self.compressible = nbytes, seed, compressible
        super().__init__()

    @property
    def expected_sha256(self):
        return payload_digest(self.seed, self.nbytes, self.compressible)

    def handle(self, conn):
        send_payload(conn, self.seed, self.nbytes, self.compressible)
        conn.shutdown(socket.SHUT_WR)
        self.report(self.nbytes)
        read_to_eof(conn)


class ReplyAfterEofServer(LocalServer):
    """The half-close destination: reads until the client's EOF, reports what it
    read, and only then sends a reply of reply_bytes of PayloadStream(seed) and
    closes. The reply can only arrive if the tunnel forwarded the client's FIN
    while keeping the other direction open."""

    def __init__(self, reply_bytes, seed):
        self.reply_bytes, self.seed = reply_bytes, seed
        super().__init__()

    @property
    def expected_sha256(self):
        return payload_digest(self.seed, self.reply_bytes)

    def handle(self, conn):
        self.report(read_to_eof(conn))
        send_payload(conn, self.seed, self.reply_bytes)
        conn.shutdown(socket.SHUT_WR)


class SendThenReadServer(LocalServer):
    """Half-close in the other direction: sends send_bytes of PayloadStream(seed),
    shuts down its writing side, then keeps reading to EOF and reports Received."""

    def __init__(self, send_bytes, seed):
        self.send_bytes, self.seed = send_bytes, seed
        super().__init__()

    @property
    def expected_sha256(self):
        return payload_digest(self.seed, self.send_bytes)

    def handle(self, conn):
        send_payload(conn, self.seed, self.send_bytes)
        conn.shutdown(socket.SHUT_WR)
        self.report(read_to_eof(conn))


class CloseOnAcceptServer(LocalServer):
    """The destination closes first: every connection is closed on accept."""

    def handle(self, conn):
        self.report("closed")


# --------------------------------------------------------------------------
# Client-side helpers (the application using the tunnel's local port)


def connect(port, host="127.0.0.1", timeout=30.0, io_timeout=IO_TIMEOUT):
    """Connect, retrying refused connections until timeout (a listener that is
    about to appear); the returned socket has io_timeout on every operation."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            sock = socket.create_connection((host, port), timeout=io_timeout)
            return sock
        except ConnectionRefusedError:
            if time.monotonic() >= deadline:
                raise HarnessError("connection to %s:%d still refused after %.0f s"
                                   % (host, port, timeout))
            time.sleep(0.1)


def upload(port, seed, nbytes, compressible=False, timeout=IO_TIMEOUT):
    """Send nbytes of PayloadStream(seed) through the local port, half-close,
    and wait for the far side's EOF (a SinkServer closes only after it read
    everything). Returns the SHA-256 sent."""
    with connect(port, io_timeout=timeout) as sock:
        sent = send_payload(sock, seed, nbytes, compressible)
        sock.shutdown(socket.SHUT_WR)
        read_to_eof(sock)
    return sent


def download(port, timeout=IO_TIMEOUT):
    """Read everything the far side sends until EOF; returns Received."""
    with connect(port, io_timeout=timeout) as sock:
        return read_to_eof(sock)


def echo_roundtrip(port, seed, nbytes, compressible=False, timeout=IO_TIMEOUT):
    """Send nbytes through an echo tunnel while reading the echo concurrently
    (a sequential send would deadlock once the windows fill), half-close, and
    return (sent Received, echoed Received) - equal when the tunnel is faithful."""
    with connect(port, io_timeout=timeout) as sock:
        sent = {}

        def sender():
            sent["sha256"] = send_payload(sock, seed, nbytes, compressible)
            sock.shutdown(socket.SHUT_WR)

        writer = threading.Thread(target=sender, daemon=True)
        writer.start()
        echoed = read_to_eof(sock)
        writer.join(timeout)
        if writer.is_alive():
            raise HarnessError("echo sender still blocked after the echo ended")
    return Received(nbytes, sent.get("sha256", "?")), echoed


def wait_closed(sock, timeout):
    """Wait for the peer to close: returns (how, seconds, bytes_received) with how
    'eof', 'reset' or 'open' (nothing happened within timeout)."""
    started = time.monotonic()
    deadline = started + timeout
    received = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return "open", time.monotonic() - started, received
        sock.settimeout(remaining)
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError as exc:
            if exc.errno in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
                return "reset", time.monotonic() - started, received
            raise
        if not data:
            return "eof", time.monotonic() - started, received
        received += len(data)


# --------------------------------------------------------------------------
# A test script


class Scenario:
    """One test script: a private temp directory, everything started in it, and
    the pass/fail tally printed as `N passed, M failed`.

    Use as `sys.exit(Scenario("name").run(body))` where body(scenario) does the
    work. check() records a failed expectation and goes on; require() stops the
    scenario (the steps after it would only produce noise). The temp directory
    is removed after a clean pass and kept (path printed) otherwise, with every
    log's tail printed for the CI transcript.
    """

    def __init__(self, name):
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="toxtun-%s-" % name)
        self.passed = 0
        self.failed = 0
        self.skipped = None
        self._resources = []  # closed in reverse order by run()
        self._logs = []

    # Tally

    def check(self, what, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok    %s" % what, flush=True)
        else:
            self.failed += 1
            print("FAIL  %s%s" % (what, (": " + str(detail)) if detail != "" else ""),
                  flush=True)
        return bool(ok)

    def require(self, what, ok, detail=""):
        if not self.check(what, ok, detail):
            raise ScenarioStopped(what)

    def skip(self, reason):
        """End the scenario as skipped (exit status SKIP_STATUS), saying why."""
        print("SKIP: %s" % reason, flush=True)
        self.skipped = reason
        raise ScenarioSkipped(reason)

    def step(self, what, action, *args, **kwargs):
        """Run action; pass when it returns, fail (and stop) when it raises."""
        try:
            result = action(*args, **kwargs)
        except HarnessError as exc:
            self.check(what, False, exc)
            raise ScenarioStopped(what) from None
        self.check(what, True)
        return result

    def note(self, text):
        print("      %s" % text, flush=True)

    # Resources

    def add(self, item):
        """Register anything with close() to be closed when the scenario ends."""
        self._resources.append(item)
        return item

    def show_log(self, label, log):
        """Print this LogFile's tail (or sanitizer report) if the scenario fails."""
        self._logs.append((label, log))

    def bootstrap(self):
        boot = self.add(Bootstrap(self.dir))
        self._logs.append(("tox-bootstrapd", boot.log))
        self.step("tox-bootstrapd is up (UDP answers, TCP relay accepts)", boot.start)
        self.note("bootstrap node: udp %d, tcp relay %d, key %s"
                  % (boot.udp_port, boot.tcp_port, boot.public_key))
        return boot

    def node(self, name, role, ini_text):
        node = self.add(Node(name, role, self.dir, ini_text))
        self._logs.append((name, node.log))
        return node

    # Running

    def run(self, body):
        """Run body(self), clean up, print the tally; returns the exit status."""
        print("== %s (work dir %s)" % (self.name, self.dir), flush=True)
        started = time.monotonic()
        try:
            body(self)
        except ScenarioStopped:
            pass
        except HarnessError as exc:
            self.check("scenario ran to the end", False, exc)
        except BaseException as exc:  # report any crash of the harness itself
            self.check("scenario ran to the end", False,
                       "%s\n%s" % (exc, traceback.format_exc()))
        finally:
            for item in reversed(self._resources):
                try:
                    item.close()
                except Exception as exc:
                    print("      cleanup of %r: %s" % (item, exc), flush=True)
            _kill_leftovers()
        # Daemons the body left running were ended by close() above without
        # judging them: their sanitizer reports (LeakSanitizer's come at
        # exit) still fail the scenario.
        for label, log in self._logs:
            reports = log.sanitizer_reports() if os.path.exists(log.path) else []
            if reports:
                self.check("no sanitizer report in the log of %s" % label, False, reports[0])
        if self.failed:
            for label, log in self._logs:
                print("---- log of %s (%s)\n%s" % (label, log.path, indent(log.excerpt())))
            print("work dir kept: %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        print("%d passed, %d failed (%.0f s)" % (self.passed, self.failed,
                                                 time.monotonic() - started), flush=True)
        if self.skipped and not self.failed:
            return SKIP_STATUS
        return 0 if self.failed == 0 and self.passed > 0 else 1


def main(name, body):
    """Entry point of a test script: run the scenario and exit with its status."""
    sys.exit(Scenario(name).run(body))


# --------------------------------------------------------------------------
# Hostile-input and resource tests: helper processes, /proc, odd ports


class ProcessCloser:
    """Register a spawn()ed helper process with Scenario.add(): terminated
    (SIGTERM, then SIGKILL) when the scenario ends, whatever its state."""

    def __init__(self, proc):
        self.proc = proc

    def close(self):
        _terminate_process(self.proc, 5)


def proc_status_kib(pid, field="VmRSS"):
    """A /proc/PID/status field in KiB (VmRSS, VmHWM, ...); None if gone."""
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def proc_fd_count(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except FileNotFoundError:
        return None


def proc_cpu_seconds(pid):
    """User + system CPU time of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peer_streams(node, public_key):
    """Streams the node holds with the peer (None: no such peer)."""
    for peer in node.status().get("peers", []):
        if peer["public_key"] == public_key:
            return peer["streams"]
    return None


class StallPort:
    """A 127.0.0.1 TCP port that completes connections but never accepts nor
    reads them: what is sent there stays in a small kernel buffer, so the
    sender soon cannot write any more (a destination that stalls)."""

    def __init__(self, backlog=256):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(backlog)
        self.port = self._sock.getsockname()[1]

    def close(self):
        self._sock.close()


class HungPort:
    """A 127.0.0.1 TCP port whose connections never complete: its accept
    queue is full (one connection, never accepted), so the kernel drops new
    SYNs and connect() stays in progress until the caller gives up."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(0)
        self.port = self._sock.getsockname()[1]
        self._filler = socket.create_connection(("127.0.0.1", self.port), timeout=5)

    def close(self):
        self._filler.close()
        self._sock.close()


def end_pair(sc, server, client):
    """The end of a test with one client and one server: the client's session
    never went down, and both exit 0 on SIGTERM without sanitizer reports."""
    sc.check("the client's session with the server never went down",
             not client.log_has(r"peer %s session down" % server.public_key))
    for node in (client, server):
        sc.step("%s exits 0 on SIGTERM, without sanitizer reports" % node.name, node.stop)


# The sanitizer build (set by tests/CMakeLists.txt).
SANITIZED = os.environ.get("TOXTUN_SANITIZED") == "1"


def check_memory(sc, what, ok, detail=""):
    """sc.check() for a bound on a daemon's memory, in the plain build only:
    under ASan (SANITIZED) freed memory sits in its quarantine and the RSS
    measures the sanitizer, so the figure is only reported."""
    if SANITIZED:
        sc.note("not judged in the sanitizer build: %s (%s)" % (what, detail))
        return True
    return sc.check(what, ok, detail)
