# SPDX-License-Identifier: GPL-3.0-or-later
"""The control socket and `tunnel status|reload|stop` against real daemons.

- the snapshot's byte counters match what actually went through a tunnel,
  on the client and on the server;
- `reload` adds a tunnel and removes another while a transfer on a third
  continues intact;
- malformed and hostile requests get error replies and the daemon keeps
  serving; a client that stops reading is dropped, not buffered;
- another uid is refused by the socket (SO_PEERCRED);
- a live socket makes a second daemon refuse to start, a stale one is
  replaced;
- the `tunnel` command line: status (table and --json), reload, stop, and
  exit 1 with a message when no daemon runs.
A second scenario (test_control_relay.py) checks `path` on a TCP relay.
"""

import json
import os
import pwd
import socket
import subprocess
import sys
import threading

import toxnet

MB = 1_000_000
UP_BYTES = 3 * MB
DOWN_BYTES = 2 * MB
LONG_BYTES = 20 * MB


class Control:
    """A control-socket client: JSON lines, replies matched in order, pushed
    events kept apart."""

    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.file = self.sock.makefile("rb")
        self.events = []
        self.hello = self.read()

    def read(self):
        line = self.file.readline()
        if not line:
            raise toxnet.HarnessError("the daemon closed the control connection")
        return json.loads(line)

    def send_raw(self, data):
        self.sock.sendall(data)

    def request(self, obj):
        self.send_raw(json.dumps(obj).encode() + b"\n")
        return self.reply()

    def reply(self):
        while True:
            msg = self.read()
            if "event" in msg:
                self.events.append(msg)
                continue
            return msg

    def close(self):
        self.file.close()
        self.sock.close()


def tunnel_by_name(snapshot, name):
    for t in snapshot["tunnels"]:
        if t["name"] == name:
            return t
    return None


def body(sc):
    boot = sc.bootstrap()
    sink = sc.add(toxnet.SinkServer())
    source = sc.add(toxnet.SourceServer(DOWN_BYTES, 7))
    echo = sc.add(toxnet.EchoServer())
    long_sink = sc.add(toxnet.SinkServer())

    server_sock = os.path.join(sc.dir, "server.sock")
    client_sock = os.path.join(sc.dir, "client.sock")
    server = sc.node("server", "server", toxnet.tox_section(boot) +
                     "[server]\nname = control test\n[control]\nsocket = %s\n" % server_sock)
    ports = {n: toxnet.free_port() for n in ("up", "down", "keep", "gone", "new")}
    dest = {"up": sink.port, "down": source.port, "keep": long_sink.port, "gone": echo.port,
            "new": echo.port}

    def client_ini(names):
        return (toxnet.tox_section(boot) + "[control]\nsocket = %s\n[client]\n" % client_sock +
                "\n".join(toxnet.client_line(n, ports[n], dest[n], server.tox_id()) for n in names) + "\n")

    client = sc.node("client", "client", client_ini(["up", "down", "keep", "gone"]))
    server.start()
    client.start()
    sc.step("tunnel up", toxnet.wait_tunnel_up, server, client)

    # --- the hello and a first snapshot
    ctl = Control(client_sock)
    sc.check("hello names protocol 1 and the role",
             ctl.hello.get("protocol") == 1 and ctl.hello.get("role") == "client", ctl.hello)
    snap = ctl.request({"cmd": "status", "tag": "t1"})
    sc.check("status reply is ok and echoes the tag", snap.get("ok") and snap.get("tag") == "t1")
    peers = snap.get("peers", [])
    sc.check("one peer: the server, online, session up",
             len(peers) == 1 and peers[0]["public_key"] == server.public_key and
             peers[0]["online"] and peers[0]["session"] == "up", peers)
    # Friends often meet through the relay and move to direct UDP a moment later.
    sc.check("the peer's path becomes direct UDP",
             toxnet.wait_until(lambda: ctl.request({"cmd": "status"})["peers"][0]["path"] == "udp",
                               60, "the path to become udp"))
    sc.check("node identity", snap["node"]["tox_id"] == client.tox_id() and
             snap["node"]["role"] == "client")
    sc.check("four tunnels, all up", sorted(t["name"] for t in snap["tunnels"]) ==
             ["down", "gone", "keep", "up"] and all(t["state"] == "up" for t in snap["tunnels"]),
             snap["tunnels"])

    # --- counters match what went through
    toxnet.upload(ports["up"], 11, UP_BYTES)
    sink.wait_results(1)
    got = toxnet.download(ports["down"])
    sc.check("download intact", got.nbytes == DOWN_BYTES and got.sha256 == source.expected_sha256)
    snap = ctl.request({"cmd": "status"})
    up, down = tunnel_by_name(snap, "up"), tunnel_by_name(snap, "down")
    sc.check("client counts the upload: bytes_up == %d" % UP_BYTES,
             up["bytes_up"] == UP_BYTES and up["bytes_down"] == 0, up)
    sc.check("client counts the download: bytes_down == %d" % DOWN_BYTES,
             down["bytes_down"] == DOWN_BYTES and down["bytes_up"] == 0, down)
    sc.check("stream totals", up["streams_total"] == 1 and down["streams_total"] == 1 and
             up["streams_active"] == 0, (up, down))
    sc.check("peer counters grew", snap["peers"][0]["tx_bytes"] >= UP_BYTES and
             snap["peers"][0]["rx_bytes"] >= DOWN_BYTES, snap["peers"][0])
    sctl = Control(server_sock)
    ssnap = sctl.request({"cmd": "status"})
    sdest = {t["destination"]: t for t in ssnap["tunnels"]}
    s_up = sdest.get("127.0.0.1:%d" % sink.port, {})
    s_down = sdest.get("127.0.0.1:%d" % source.port, {})
    sc.check("server counts the same bytes",
             s_up.get("bytes_up") == UP_BYTES and s_down.get("bytes_down") == DOWN_BYTES,
             ssnap["tunnels"])
    sc.check("server tunnels name the client as peer",
             s_up.get("peer") == client.public_key, s_up)

    # --- reload while a transfer runs on an unchanged tunnel
    long_result = {}

    def long_upload():
        try:
            long_result["sha"] = toxnet.upload(ports["keep"], 23, LONG_BYTES)
        except Exception as exc:  # reported below
            long_result["error"] = exc

    uploader = threading.Thread(target=long_upload)
    uploader.start()
    toxnet.wait_until(lambda: (tunnel_by_name(ctl.request({"cmd": "status"}), "keep") or {})
                      .get("bytes_up", 0) > 0, 30, "the long transfer to start")
    client.write_ini(client_ini(["up", "down", "keep", "new"]))
    rel = ctl.request({"cmd": "reload"})
    sc.check("reload reply lists the added and removed tunnels",
             rel.get("ok") and rel.get("added") == ["new"] and rel.get("removed") == ["gone"] and
             rel.get("changed") == [], rel)
    sent, echoed = toxnet.echo_roundtrip(ports["new"], 31, 100_000)
    sc.check("the new tunnel carries data", sent.sha256 == echoed.sha256 and echoed.nbytes == 100_000)
    sc.check("the removed tunnel no longer listens",
             toxnet.wait_until(lambda: not port_listens(ports["gone"]), 10,
                               "the removed listener to close"))
    uploader.join(120)
    sc.check("the transfer on the unchanged tunnel finished intact",
             "error" not in long_result and long_sink.wait_results(1)[0].sha256 ==
             long_result.get("sha"), long_result)

    # --- a bad file is refused, the running configuration stays
    client.write_ini(client_ini(["up"]) + "bogus line without equals\n")
    rel = ctl.request({"cmd": "reload"})
    sc.check("a bad file is refused with the parser's message",
             not rel.get("ok") and "client.ini:" in rel.get("error", ""), rel)
    sc.check("after a refused reload the tunnels are unchanged",
             sorted(t["name"] for t in ctl.request({"cmd": "status"})["tunnels"]) ==
             ["down", "keep", "new", "up"])
    client.write_ini(client_ini(["up", "down", "keep", "new"]))

    # --- malformed requests
    for raw, what in ((b"not json\n", "malformed JSON"), (b"[1,2]\n", "a JSON object"),
                      (b'{"nocmd":1}\n', "missing \"cmd\""), (b'{"cmd":"fly"}\n', "unknown command"),
                      (b'{"cmd":"subscribe","interval_ms":1}\n', "interval_ms"),
                      (b'{"cmd":"close_stream","id":999999}\n', "no stream")):
        ctl.send_raw(raw)
        reply = ctl.reply()
        sc.check("%r gets an error naming %s" % (raw.strip(), what),
                 reply.get("ok") is False and what in reply.get("error", ""), reply)
    ctl.send_raw(b"x" * (70 * 1024))
    try:
        reply = ctl.reply()
        sc.check("an over-long line gets an error", reply.get("ok") is False and
                 "longer" in reply.get("error", ""), reply)
    except (toxnet.HarnessError, OSError) as exc:
        sc.check("an over-long line gets an error", False, exc)
    ctl.close()
    ctl = Control(client_sock)
    sc.check("the daemon keeps serving after bad requests",
             ctl.request({"cmd": "status"}).get("ok") is True)

    # --- subscribe pushes snapshots
    sub = ctl.request({"cmd": "subscribe", "interval_ms": 200})
    sc.check("subscribe accepted", sub.get("ok") and sub.get("interval_ms") == 200, sub)
    events = [ctl.read() for _ in range(3)]
    sc.check("snapshots arrive as events", all(e.get("event") == "snapshot" and "tunnels" in e
                                               for e in events))

    # --- a reader that never reads is dropped, the daemon stays fine
    lazy = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    lazy.connect(client_sock)
    lazy.sendall(b'{"cmd":"subscribe","interval_ms":100}\n')
    sc.check("a client that stops reading is dropped",
             toxnet.wait_until(lambda: client.log_has("does not read its replies"), 120,
                               "the lazy client to be dropped"))
    lazy.close()
    ctl.request({"cmd": "unsubscribe"})
    sc.check("still serving", ctl.request({"cmd": "status"}).get("ok") is True)

    # --- another uid
    check_other_uid(sc, client_sock)

    # --- a second daemon on the same socket refuses; the CLI
    other = sc.node("other", "client", client_ini(["up"]).replace(
        "[client]", "[client]").replace("up = %d" % ports["up"], "up = %d" % toxnet.free_port()))
    result = other.run_cli("client", other.ini_path, timeout=60)
    sc.check("a second daemon on a live socket refuses to start",
             result.returncode != 0 and "another tunnel daemon" in result.stderr, result.stderr)

    cli = client.run_cli("status", client.ini_path)
    sc.check("tunnel status prints the table", cli.returncode == 0 and "TUNNEL" in cli.stdout and
             "keep" in cli.stdout and server.public_key[:8] in cli.stdout, cli.stdout + cli.stderr)
    cli = client.run_cli("status", "--json", client.ini_path)
    sc.check("tunnel status --json prints the snapshot",
             cli.returncode == 0 and json.loads(cli.stdout)["node"]["role"] == "client")
    cli = client.run_cli("reload", client.ini_path)
    sc.check("tunnel reload", cli.returncode == 0 and "reloaded" in cli.stdout, cli.stdout + cli.stderr)
    ctl.close()
    sctl.close()
    cli = client.run_cli("stop", client.ini_path)
    sc.check("tunnel stop", cli.returncode == 0)
    sc.check("the daemon exits 0 after stop",
             toxnet.wait_until(lambda: not client.alive(), 20, "the client to exit") and
             client.proc.returncode == 0)
    client.proc = None
    cli = client.run_cli("status", client.ini_path)
    sc.check("status with no daemon: exit 1 and a message",
             cli.returncode == 1 and "no tunnel daemon is running" in cli.stderr, cli.stderr)

    # --- a stale socket (the daemon was killed) is replaced. The instance
    # that carried the traffic stops cleanly first (its exit is judged and
    # LeakSanitizer runs); a fresh one is the one killed.
    server.stop()
    server.start()
    server.wait_started()
    toxnet.wait_until(lambda: server.log_has("control socket:"), 30, "the fresh server's socket")
    server.kill()
    sc.check("the killed daemon left its socket file", os.path.exists(server_sock))
    server.start()
    server.wait_started()
    sc.check("a restarted daemon replaces the stale socket",
             toxnet.wait_until(lambda: server.log_has("control socket:"), 30, "the socket")
             and Control(server_sock).request({"cmd": "status"}).get("ok"))
    server.stop()


def port_listens(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False


def check_other_uid(sc, path):
    """Connect as a throwaway user: the daemon must close the connection at once."""
    user = "toxtun-ctltest"
    if os.geteuid() != 0:
        sc.note("not root: cannot switch uid, skipping the other-uid check")
        return
    try:
        pwd.getpwnam(user)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                        user], check=True, capture_output=True)
    # The socket's directory is private (0700): another user cannot even reach
    # it. Check both that and, through a copy of the path made reachable, the
    # daemon's own SO_PEERCRED check.
    probe = ("import socket,sys\n"
             "s=socket.socket(socket.AF_UNIX)\n"
             "try:\n s.connect(sys.argv[1])\nexcept OSError as e:\n print('refused:', e); sys.exit(0)\n"
             "s.settimeout(10)\n"
             "d=s.recv(100)\n"
             "print('got', repr(d))\n")
    run = lambda p: subprocess.run(["setpriv", "--reuid", user, "--regid", user, "--clear-groups",
                                    sys.executable, "-c", probe, p], capture_output=True, text=True,
                                   timeout=30)
    res = run(path)
    sc.check("another uid cannot reach the private socket directory",
             "refused" in res.stdout, res.stdout + res.stderr)
    # Open the directory and the socket itself to everyone for a moment, so
    # that only the daemon's own check stands between the other uid and it.
    os.chmod(os.path.dirname(path), 0o755)
    os.chmod(path, 0o666)
    try:
        res = run(path)
        sc.check("another uid is disconnected without a byte (SO_PEERCRED)",
                 "got b''" in res.stdout, res.stdout + res.stderr)
    finally:
        os.chmod(path, 0o600)
        os.chmod(os.path.dirname(path), 0o700)


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("control").run(body))
