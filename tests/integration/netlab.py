# SPDX-License-Identifier: GPL-3.0-or-later
"""netlab: a private network of namespaces with an emulated link, for tests and
the benchmark (bench/run).

    cli  10.77.1.2 ---- r-cli 10.77.1.1 ┐
                                        router ── c2s, s2c: TUN devices read by netem
    srv  10.77.2.2 ---- r-srv 10.77.2.1 ┤
                                        │
    pub  10.77.3.2 ---- r-pub 10.77.3.1 ┘   (tox-bootstrapd lives here)

Four namespaces, named "toxtun-<pid>-<random>-<role>" so that parallel runs
never clash and leftovers of a killed run are recognisable (cleanup_stale()).
None of them is connected to the host's own network: every address is private
to them and nothing can leave this machine.

In the router, policy routing sends what arrives from cli for srv into TUN
device c2s and what arrives from srv for cli into s2c. netem (bench/netem)
holds each packet as long as the configured link would (delay, jitter, loss,
reordering, rate, buffer) and writes it back into the same device; its
incoming interface is then the TUN device, so the rule does not match again
and the router forwards it normally. With emulate_pub, the client's traffic to
and from pub takes the same two devices too (the emulated link is then the
client's whole access link; srv <-> pub stays clean).

With nat=("cli", "srv") (either or both), that host sits behind a NAT router
of its own, namespace "<role>-nat": the host gets 10.77.1x.2 on a private
link to it, and the NAT router takes the host's place on the router link
(10.77.x.2) and masquerades everything leaving there (nftables). Nothing
routes to the private networks, so cli and srv see only each other's
translated address and must hole-punch (or use pub's TCP relay):

    cli 10.77.11.2 -- cli-nat 10.77.11.1 | 10.77.1.2 ---- r-cli 10.77.1.1 (router)

block(role, proto) and unblock() drop forwarded traffic to and from one side
in the router (nftables): UDP only to force the TCP relay, or everything for
an outage of that side's access link (its way to pub included).

Python 3 standard library only; needs root, `ip` (iproute2), /dev/net/tun;
`nft` (nftables) for NAT and block().
"""

import os
import re
import shutil
import signal
import subprocess
import time

import toxnet

ROLES = ("cli", "srv", "pub", "router")
SUBNET = {"cli": 1, "srv": 2, "pub": 3}
NATTABLE = ("cli", "srv")  # roles that can sit behind a NAT router (Lab nat=)
NS_PREFIX = "toxtun-"
_NS_RE = re.compile(r"^toxtun-(\d+)-[0-9a-f]+-(cli|srv|pub|router|cli-nat|srv-nat)$")
C2S_TABLE, S2C_TABLE = 100, 101


def address(role):
    """The address of a host namespace (cli, srv, pub) on its router link."""
    return "10.77.%d.2" % SUBNET[role]


def private_address(role):
    """The address of a host behind its NAT router (Lab nat=)."""
    return "10.77.%d.2" % (10 + SUBNET[role])


def nft(netns, script):
    """Load an nftables script (`nft -f -`) in namespace netns."""
    try:
        result = subprocess.run(["ip", "netns", "exec", netns, "nft", "-f", "-"], input=script,
                                capture_output=True, text=True, timeout=30)
    except OSError as exc:
        raise toxnet.HarnessError("cannot run nft: %s" % exc)
    if result.returncode != 0:
        raise toxnet.HarnessError("nft in %s failed: %s\n%s" % (netns, result.stderr.strip(),
                                                                 toxnet.indent(script)))
    return result.stdout


def netem_binary():
    """$TOXTUN_NETEM, else bench/netem in $TOXTUN_BUILD_DIR or ./build."""
    candidates = [os.environ.get("TOXTUN_NETEM")]
    build_dir = os.environ.get("TOXTUN_BUILD_DIR")
    if build_dir:
        candidates.append(os.path.join(build_dir, "bench", "netem"))
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    candidates.append(os.path.join(repo, "build", "bench", "netem"))
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    raise toxnet.HarnessError("netem binary not found (build target `netem`, bench/CMakeLists.txt); "
                              "tried %s" % ", ".join(p for p in candidates if p))


def missing_requirements(nftables=False):
    """Why this machine cannot run a Lab (with NAT or block(): nftables=True),
    or None."""
    if nftables and not shutil.which("nft"):
        return "no `nft` command (nftables)"
    if os.geteuid() != 0:
        return "needs root (network namespaces, TUN devices)"
    if not os.path.exists("/dev/net/tun"):
        return "no /dev/net/tun"
    try:
        subprocess.run(["ip", "-V"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "no `ip` command (iproute2)"
    return None


class LinkSpec:
    """One direction of the emulated link. Times in ms, rates in kbit/s of IP
    bytes (0 = unlimited), percentages 0..100. queue_ms is the bottleneck's
    buffer, in ms of traffic at `rate_kbit`."""

    FIELDS = ("delay_ms", "jitter_ms", "loss_pct", "reorder_pct", "reorder_gap_ms",
              "rate_kbit", "queue_ms")

    def __init__(self, delay_ms=0.0, jitter_ms=0.0, loss_pct=0.0, reorder_pct=0.0,
                 reorder_gap_ms=5.0, rate_kbit=0.0, queue_ms=50.0):
        self.delay_ms, self.jitter_ms, self.loss_pct = delay_ms, jitter_ms, loss_pct
        self.reorder_pct, self.reorder_gap_ms = reorder_pct, reorder_gap_ms
        self.rate_kbit, self.queue_ms = rate_kbit, queue_ms

    def netem_args(self):
        return ["--delay", repr(float(self.delay_ms)), "--jitter", repr(float(self.jitter_ms)),
                "--loss", repr(float(self.loss_pct)), "--reorder", repr(float(self.reorder_pct)),
                "--reorder-gap", repr(float(self.reorder_gap_ms)),
                "--rate", repr(float(self.rate_kbit)), "--queue", repr(float(self.queue_ms))]

    def describe(self):
        parts = ["%g ms" % self.delay_ms]
        if self.jitter_ms:
            parts.append("±%g ms jitter" % self.jitter_ms)
        if self.loss_pct:
            parts.append("%g %% loss" % self.loss_pct)
        if self.reorder_pct:
            parts.append("%g %% reordered by %g ms" % (self.reorder_pct, self.reorder_gap_ms))
        if self.rate_kbit:
            parts.append("%g Mbit/s (%g ms buffer)" % (self.rate_kbit / 1000, self.queue_ms))
        return ", ".join(parts)

    def as_dict(self):
        return {name: getattr(self, name) for name in self.FIELDS}

    def __repr__(self):
        return "LinkSpec(%s)" % self.describe()


def ip(*args, check=True):
    """Run `ip ARGS`; raise HarnessError with ip's message when it fails."""
    result = subprocess.run(["ip"] + [str(a) for a in args], stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, timeout=30)
    if check and result.returncode != 0:
        raise toxnet.HarnessError("`ip %s` failed: %s" % (" ".join(map(str, args)),
                                                          result.stderr.strip()))
    return result


def _sysctl(netns, *settings):
    result = subprocess.run(["ip", "netns", "exec", netns, "sysctl", "-q", "-w"] + list(settings),
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise toxnet.HarnessError("sysctl %s in %s failed: %s"
                                  % (" ".join(settings), netns, result.stderr.strip()))


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_namespace_processes(netns):
    """SIGKILL every process inside one of our namespaces (they are ours: the
    namespace was made by this module) and wait for them to go."""
    result = ip("netns", "pids", netns, check=False)
    pids = [int(p) for p in result.stdout.split() if p.isdigit()]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + 5
    while pids and time.monotonic() < deadline:
        pids = [p for p in pids if _pid_alive(p)]
        if pids:
            time.sleep(0.05)


def _delete_namespace(netns):
    _kill_namespace_processes(netns)
    ip("netns", "del", netns, check=False)


def cleanup_stale(log=print):
    """Delete namespaces left by runs whose process is gone (a SIGKILLed run
    cannot clean up). Namespaces of live runs are left alone."""
    removed = []
    for line in ip("netns", "list", check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        match = _NS_RE.match(name)
        if match and not _pid_alive(int(match.group(1))):
            _delete_namespace(name)
            removed.append(name)
    if removed and log:
        log("removed %d namespaces of dead runs: %s" % (len(removed), ", ".join(removed)))
    return removed


class Lab:
    """The four namespaces, their links and a running netem. Use as
    `lab = scenario.add(Lab(workdir, c2s, s2c)).start()`; close() removes
    everything, also after a failed start.

    The benchmark loads both cores of a small machine, and netem must get
    the CPU when a packet is due: it runs at `nice` (default -10), a larger
    share of the CPU without changing how the scheduler batches wake-ups.
    realtime (SCHED_FIFO) is off by default: measured here, it made netem
    preempt the sender for every packet and cut a Tox blaster's rate through
    the link from 24 000 to 10 000 packets/s."""

    def __init__(self, workdir, c2s=None, s2c=None, emulate_pub=False, realtime=False, nice=-10,
                 seed=1, nat=()):
        self.workdir = workdir
        self.c2s = c2s or LinkSpec()
        self.s2c = s2c or LinkSpec()
        self.emulate_pub = emulate_pub
        self.realtime = realtime
        self.nice = nice
        self.seed = seed
        self.nat = tuple(nat)
        if any(role not in NATTABLE for role in self.nat):
            raise ValueError("nat= takes roles among %s, not %r" % (NATTABLE, nat))
        self.tag = "%s%d-%s" % (NS_PREFIX, os.getpid(), os.urandom(3).hex())
        self.ns = {role: "%s-%s" % (self.tag, role)
                   for role in ROLES + tuple(r + "-nat" for r in self.nat)}
        self.blocked = set()  # (role, proto) pairs dropped in the router, see block()
        self.netem_log = toxnet.LogFile(os.path.join(workdir, "netem.log"))
        self.netem = None
        self.netem_exit = None  # exit status of the last netem stopped (None: killed)
        self._created = []

    def __repr__(self):
        return "Lab(%s)" % self.tag

    # Building

    def start(self, timeout=30.0):
        missing = missing_requirements(nftables=bool(self.nat))
        if missing:
            raise toxnet.HarnessError("netlab: %s" % missing)
        binary = netem_binary()
        for role in self.ns:
            ip("netns", "add", self.ns[role])
            self._created.append(self.ns[role])
            ip("-n", self.ns[role], "link", "set", "lo", "up")
        router = self.ns["router"]
        # Forwarding on; reverse-path filtering off, or packets the emulator
        # writes back (source cli, arriving on c2s) would fail the check.
        _sysctl(router, "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0")
        for role, net in SUBNET.items():
            # Behind a NAT, the NAT router is what the router sees as `role`.
            outer = self.ns[role + "-nat"] if role in self.nat else self.ns[role]
            ip("-n", router, "link", "add", "r-" + role, "type", "veth",
               "peer", "name", "eth0", "netns", outer)
            ip("-n", router, "addr", "add", "10.77.%d.1/24" % net, "dev", "r-" + role)
            ip("-n", router, "link", "set", "r-" + role, "up")
            ip("-n", outer, "addr", "add", "%s/24" % address(role), "dev", "eth0")
            ip("-n", outer, "link", "set", "eth0", "up")
            ip("-n", outer, "route", "add", "default", "via", "10.77.%d.1" % net)
        for role in self.nat:
            self._start_nat(role)
        for dev in ("c2s", "s2c"):
            ip("-n", router, "tuntap", "add", "dev", dev, "mode", "tun")
            # A long queue between the kernel and netem: a burst while netem
            # waits for the CPU must not be dropped before it is emulated.
            ip("-n", router, "link", "set", dev, "up", "txqueuelen", "10000")
            _sysctl(router, "net.ipv4.conf.%s.rp_filter=0" % dev)
        c2s_nets = [SUBNET["srv"]] + ([SUBNET["pub"]] if self.emulate_pub else [])
        for net in c2s_nets:
            ip("-n", router, "route", "add", "10.77.%d.0/24" % net, "dev", "c2s",
               "table", C2S_TABLE)
        ip("-n", router, "route", "add", "10.77.%d.0/24" % SUBNET["cli"], "dev", "s2c",
           "table", S2C_TABLE)
        ip("-n", router, "rule", "add", "iif", "r-cli", "lookup", C2S_TABLE, "pref", 1000)
        ip("-n", router, "rule", "add", "iif", "r-srv", "lookup", S2C_TABLE, "pref", 1001)
        if self.emulate_pub:
            ip("-n", router, "rule", "add", "iif", "r-pub", "lookup", S2C_TABLE, "pref", 1002)
        self._binary = binary
        self.start_netem(timeout=timeout)
        return self

    def _start_nat(self, role):
        gateway, host = self.ns[role + "-nat"], self.ns[role]
        private = private_address(role).rsplit(".", 1)[0]
        ip("-n", gateway, "link", "add", "lan", "type", "veth", "peer", "name", "eth0",
           "netns", host)
        ip("-n", gateway, "addr", "add", "%s.1/24" % private, "dev", "lan")
        ip("-n", gateway, "link", "set", "lan", "up")
        ip("-n", host, "addr", "add", "%s/24" % private_address(role), "dev", "eth0")
        ip("-n", host, "link", "set", "eth0", "up")
        ip("-n", host, "route", "add", "default", "via", "%s.1" % private)
        _sysctl(gateway, "net.ipv4.ip_forward=1")
        # A home router: the host's connections leave with the NAT's address
        # (Linux keeps the source port when it is free: an endpoint-independent
        # mapping), and only replies to them come in.
        nft(gateway, """
table ip nat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "eth0" counter masquerade
    }
}
table inet filter {
    # Unsolicited packets from outside are dropped before conntrack confirms
    # them: a confirmed entry for a peer's early hole-punching packet would
    # clash with the host's own packet to that peer a moment later, and the
    # NAT would give that one another port (hole punching would then fail).
    chain input {
        type filter hook input priority filter; policy accept;
        iifname "eth0" ct state new drop
    }
    chain forward {
        type filter hook forward priority filter; policy drop;
        ct state established,related accept
        iifname "lan" accept
    }
}
""")

    def nat_translations(self, role):
        """Packets the NAT router of `role` has masqueraded so far."""
        text = nft(self.ns[role + "-nat"], "list chain ip nat postrouting\n")
        match = re.search(r"counter packets (\d+)", text)
        return int(match.group(1)) if match else 0

    def host_address(self, role):
        """Where the host `role` really is: its private address behind a NAT."""
        return private_address(role) if role in self.nat else address(role)

    def block(self, role, proto=None):
        """Drop, in the router, every forwarded packet to or from `role`'s side
        of proto ("udp", "tcp"; None: everything) until unblock()."""
        self.blocked.add((role, proto))
        self._apply_blocks()

    def unblock(self, role=None, proto=None):
        """Lift the blocks of `role` (None: every side) and proto (None: all)."""
        self.blocked = {(r, p) for r, p in self.blocked
                        if not ((role is None or r == role) and (proto is None or p == proto))}
        self._apply_blocks()

    def _apply_blocks(self):
        rules = []
        for role, proto in sorted(self.blocked, key=str):
            match = "meta l4proto %s " % proto if proto else ""
            rules += ['iifname "r-%s" %sdrop' % (role, match),
                      'oifname "r-%s" %sdrop' % (role, match)]
        # One transaction: the old table goes and the new one comes at once.
        nft(self.ns["router"], """
table inet toxtun-block
delete table inet toxtun-block
table inet toxtun-block {
    chain forward {
        type filter hook forward priority filter; policy accept;
        %s
    }
}
""" % "\n        ".join(rules))

    def start_netem(self, c2s=None, s2c=None, timeout=30.0):
        """(Re)start netem, optionally with new link settings. While it is not
        running, the TUN devices drop what is routed into them: traffic never
        bypasses the emulation."""
        if c2s is not None:
            self.c2s = c2s
        if s2c is not None:
            self.s2c = s2c
        self.stop_netem()
        argv = [self._binary, "--seed", str(self.seed)] + (["--realtime"] if self.realtime else [])
        argv += ["--dev", "c2s"] + self.c2s.netem_args() + ["--dev", "s2c"] + self.s2c.netem_args()
        since = self.netem_log.size()
        self.netem = toxnet.spawn(argv, self.netem_log.path, netns=self.ns["router"])
        if self.nice:
            try:
                os.setpriority(os.PRIO_PROCESS, self.netem.pid, self.nice)
            except OSError:
                pass  # only a priority: the emulator works without it
        self.netem_log.wait_for(r"^netem ready$", timeout, since, self.netem, "netem to attach")
        return self

    def stop_netem(self):
        """SIGTERM netem; return its final per-device counters (see stats())."""
        if self.netem is None:
            return {}
        proc, self.netem = self.netem, None
        since = self.netem_log.size()
        self.netem_exit = toxnet._terminate_process(proc, 10)
        return self._parse_stats(self.netem_log.text(since))

    def alive(self):
        return self.netem is not None and self.netem.poll() is None

    def stats(self, timeout=10.0):
        """netem's counters now: {device: {in, in_bytes, lost, overflow,
        reordered, out, out_bytes, write_errors, queued}}."""
        if not self.alive():
            raise toxnet.HarnessError("netem is not running\n%s" % toxnet.indent(self.netem_log.tail()))
        since = self.netem_log.size()
        self.netem.send_signal(signal.SIGUSR1)
        self.netem_log.wait_for(r"^stats dev=s2c ", timeout, since, self.netem, "netem stats")
        return self._parse_stats(self.netem_log.text(since))

    @staticmethod
    def _parse_stats(text):
        stats = {}
        for line in text.splitlines():
            if line.startswith("stats "):
                fields = dict(kv.split("=", 1) for kv in line.split()[1:])
                dev = fields.pop("dev")
                stats[dev] = {k: int(v) for k, v in fields.items()}
        return stats

    def describe(self):
        text = "client→server: %s; server→client: %s" % (self.c2s.describe(), self.s2c.describe())
        return text + ("; bootstrap/relay traffic of the client emulated too" if self.emulate_pub
                       else "; bootstrap node reachable from both without emulation")

    # Using it

    def address(self, role):
        return address(role)

    def spawn(self, role, argv, log_path, env=None):
        return toxnet.spawn(argv, log_path, env=env, netns=self.ns[role])

    def call(self, role, fn, *args, **kwargs):
        """fn(*args, **kwargs) run inside namespace `role` (see toxnet.in_netns)."""
        return toxnet.in_netns(self.ns[role], fn, *args, **kwargs)

    # Teardown

    def close(self):
        try:
            self.stop_netem()
        finally:
            for netns in reversed(self._created):
                _delete_namespace(netns)
            self._created = []


# --------------------------------------------------------------------------
# For tests: a tunnel across a Lab


def require_lab(sc, nftables=False):
    """Skip the scenario (toxnet.Scenario.skip) when this machine cannot
    build a Lab: not root, no TUN device, netem not built, no nftables."""
    missing = missing_requirements(nftables)
    if missing:
        sc.skip(missing)
    try:
        netem_binary()
    except toxnet.HarnessError as exc:
        sc.skip("%s (TOXTUN_BENCH=OFF?)" % exc)


def start_lab(sc, lab):
    """Start `lab`, registered with the scenario so that it is always removed."""
    sc.add(lab)
    sc.step("namespaces, router and netem are up", lab.start)
    sc.note(lab.describe() + ("; behind NAT: %s" % ", ".join(lab.nat) if lab.nat else ""))
    return lab


def start_tunnel(sc, lab, destinations, ini_extra="", udp=True, verbose=True):
    """tox-bootstrapd in pub, `tunnel server` in srv and `tunnel client` in cli
    with one tunnel per destinations item (name: port on srv's loopback), each
    daemon with a control socket of its own; waits until the session is up.
    ini_extra goes into both ini files (e.g. a [link] section).
    Returns (bootstrap, server, client, {name: local port in cli})."""
    boot = sc.add(toxnet.Bootstrap(sc.dir, netns=lab.ns["pub"], address=address("pub")))
    sc.show_log("tox-bootstrapd", boot.log)
    sc.step("tox-bootstrapd is up in pub", boot.start)
    tox = toxnet.tox_section(boot, "ipv6 = no", udp=udp)

    def control(name):
        return "[control]\nsocket = %s\n" % os.path.join(sc.dir, name + ".sock")
    server = sc.add(toxnet.Node("server", "server", sc.dir, tox + control("server") + ini_extra
                                + "[server]\n", netns=lab.ns["srv"]))
    sc.show_log("server", server.log)
    ports = {name: toxnet.free_port() for name in destinations}
    client = sc.add(toxnet.Node(
        "client", "client", sc.dir, tox + control("client") + ini_extra + "[client]\n" +
        "".join(toxnet.client_line(name, ports[name], dest, server.tox_id()) + "\n"
                for name, dest in destinations.items()), netns=lab.ns["cli"]))
    sc.show_log("client", client.log)
    client.tox_id()
    server.start(verbose)
    client.start(verbose)
    seconds = sc.step("session up on both sides", toxnet.wait_tunnel_up, server, client)
    sc.note("tunnel up %.1f s after start" % seconds)
    return boot, server, client, ports


def peer_path(node):
    """`udp`, `tcp` or None: how the node's first peer is reached now."""
    peers = node.status().get("peers") or [{}]
    return peers[0].get("path") if peers[0].get("online") else None
