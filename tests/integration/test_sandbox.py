# SPDX-License-Identifier: GPL-3.0-or-later
"""The daemon confines itself once it is up (daemon/core/sandbox.c).

- a running daemon has a seccomp filter and no_new_privs (/proc/PID/status:
  Seccomp 2, NoNewPrivs 1), and still serves: a tunnel carries data and a
  reload takes effect;
- a forbidden call (execve, made by a test build's control request) fails
  with EPERM and the log names it; the daemon goes on serving;
- with `[daemon] sandbox = no` there is no filter, and the log says the
  daemon runs unconfined.
The sanitizer build cannot confine itself (its leak checker uses ptrace at
exit): there the test checks that the log says so, and skips the rest.
"""

import errno
import json
import os
import socket
import sys

import toxnet


def proc_status(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def control(node, request):
    """One request on the node's control socket; the reply object."""
    path = os.path.join(node.runtime_dir, "toxtun", "%s.%s.sock" % (node.name, node.role))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(30)
        s.connect(path)
        f = s.makefile("rwb")
        f.readline()  # hello
        f.write((json.dumps(request) + "\n").encode())
        f.flush()
        return json.loads(f.readline())


def echo_through(port, data):
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(data)
        got = b""
        while len(got) < len(data):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
        return got


def body(sc):
    server, client, port, echo = toxnet.echo_tunnel(sc)
    sanitized = os.environ.get("TOXTUN_SANITIZED") == "1"
    if sanitized:
        sc.check("a sanitizer build says it runs unconfined",
                 server.log_has("sandbox: off in a sanitizer build"))
        sc.skip("the sanitizers' leak checker needs ptrace: no sandbox in this build")
    for node in (server, client):
        status = proc_status(node.proc.pid)
        sc.check("%s: Seccomp 2 (a filter)" % node.name, status.get("Seccomp") == "2", status.get("Seccomp"))
        sc.check("%s: NoNewPrivs 1" % node.name, status.get("NoNewPrivs") == "1", status.get("NoNewPrivs"))
        sc.check("%s: the log says the sandbox is on" % node.name,
                 node.log_has(r"sandbox: on \(seccomp"))
    data = os.urandom(256 * 1024)
    sc.check("a confined tunnel carries data", echo_through(port, data) == data)

    reply = control(server, {"cmd": "sandbox_probe"})
    sc.check("execve fails with EPERM", reply.get("errno") == errno.EPERM, reply)
    sc.check("the log names the refused call",
             server.wait_log(r"sandbox: system call execve \(\d+\) refused", timeout=10))
    sc.check("the daemon is still there", server.alive())

    # A reload opens the ini again and a new listener.
    port2 = toxnet.free_port()
    client.write_ini(open(client.ini_path).read() +
                     toxnet.client_line("echo2", port2, echo.port, server.tox_id()) + "\n")
    reply = control(client, {"cmd": "reload"})
    sc.check("a confined daemon reloads", reply.get("ok") and reply.get("added") == ["echo2"], reply)
    client.wait_listening("echo2")
    sc.check("the new line carries data", echo_through(port2, data[:4096]) == data[:4096])
    sc.check("nothing else was refused", not client.log_has("sandbox: system call")
             and len(server.log.find("sandbox: system call")) == 1, server.log.find("sandbox: system call"))

    server.stop()
    server.write_ini(open(server.ini_path).read() + "[daemon]\nsandbox = no\n")
    server.start()
    sc.check("sandbox = no: the log warns", server.wait_log("runs unconfined", timeout=30))
    status = proc_status(server.proc.pid)
    sc.check("sandbox = no: no filter", status.get("Seccomp") == "0", status.get("Seccomp"))
    client.stop()
    server.stop()


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("sandbox").run(body))
