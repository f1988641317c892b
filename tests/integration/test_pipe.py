# SPDX-License-Identifier: GPL-3.0-or-later
"""`tunnel pipe FILE.ini HOST:PORT`: stdin and stdout through the tunnel, as
ssh's ProxyCommand wants them.

- a real OpenSSH `ssh` and `scp` with ProxyCommand (on the command line and
  in an ssh config file) reach a real `sshd` behind the server on a private
  port; a 4 MB file goes up and comes back with the same checksum;
- half-close both ways: a service that answers only after the client's EOF
  gets it and its answer comes back whole, and the service's EOF ends the
  pipe's output;
- what a pipe may reach is the server's permit list, as for socks5;
- failures are one line on stderr and a non-zero exit: a refused
  destination (the reason), no daemon running, a tunnel that does not come
  up within wait_timeout, a bad destination.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import sys

import toxnet

FILE_SIZE = 4 * 1024 * 1024


class AnswerAtEof(toxnet.LocalServer):
    """Reads until the client's EOF, then answers with the SHA-256 of what it
    read and the bytes reversed, and closes: only a pipe that passes the EOF
    on gets an answer."""

    def handle(self, conn):
        data = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        conn.sendall(hashlib.sha256(data).hexdigest().encode() + b"\n" + data[::-1])


def start_sshd(sc, workdir):
    """sshd on a private port of 127.0.0.1, key login for root only."""
    sshd = shutil.which("sshd") or "/usr/sbin/sshd"
    if not os.path.exists(sshd) or not shutil.which("ssh"):
        sc.skip("OpenSSH (ssh, sshd) is not installed")
    if os.geteuid() != 0:
        sc.skip("sshd's privilege separation needs root")
    os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
    host_key = os.path.join(workdir, "host_key")
    user_key = os.path.join(workdir, "user_key")
    for key in (host_key, user_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
    auth = os.path.join(workdir, "authorized_keys")
    shutil.copy(user_key + ".pub", auth)
    port = toxnet.free_port()
    config = os.path.join(workdir, "sshd_config")
    with open(config, "w") as f:
        f.write("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\n"
                "PidFile %s\nUsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n"
                "PasswordAuthentication no\nKbdInteractiveAuthentication no\n"
                "Subsystem sftp internal-sftp\nLogLevel VERBOSE\n" % (port, host_key, auth, os.path.join(workdir, "sshd.pid")))
    log = os.path.join(workdir, "sshd.log")
    proc = toxnet.spawn([sshd, "-D", "-e", "-f", config], log)
    sc.add(type("Sshd", (), {"close": lambda self: (proc.terminate(), proc.wait(10))})())
    toxnet.wait_until(lambda: socket_open(port), 30, "sshd listening")
    return port, user_key


def socket_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def ssh_options(key):
    return ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-i", key]


def run(argv, env, stdin=b"", timeout=120):
    return subprocess.run(argv, input=stdin, capture_output=True, env=env, timeout=timeout)


def body(sc):
    boot = sc.bootstrap()
    ssh_port, key = start_sshd(sc, sc.dir)
    answer = sc.add(AnswerAtEof())
    refused = sc.add(toxnet.RefusedPort())
    server = sc.node("server", "server", toxnet.tox_section(boot) +
                     "[server]\npermit = 127.0.0.1:%d\npermit = 127.0.0.1:%d\n"
                     "permit = 127.0.0.1:%d\n" % (ssh_port, answer.port, refused.port))
    client = sc.node("client", "client", toxnet.tox_section(boot) +
                     "[link]\nwait_timeout = 3\n[client]\nproxy = socks5:%d:%s\n"
                     % (toxnet.free_port(), server.tox_id()))
    tunnel = client.binary
    env = client.env
    proxy = "%s pipe %s %%h:%%p" % (tunnel, client.ini_path)

    r = run([tunnel, "pipe", client.ini_path, "127.0.0.1:%d" % answer.port], env)
    sc.check("no daemon running: non-zero exit", r.returncode != 0, r)
    sc.check("no daemon running: one line saying so",
             r.stderr.decode().count("\n") == 1 and b"no tunnel daemon is running" in r.stderr, r.stderr)
    r = run([tunnel, "pipe", client.ini_path, "no-port-here"], env)
    sc.check("a bad destination: non-zero exit and one line", r.returncode != 0 and
             r.stderr.decode().count("\n") == 1 and b"bad destination" in r.stderr, r.stderr)

    # The server is not running: the tunnel cannot come up within wait_timeout.
    client.start()
    client.wait_started()
    r = run([tunnel, "pipe", client.ini_path, "127.0.0.1:%d" % answer.port], env)
    sc.check("a tunnel that does not come up: non-zero exit", r.returncode != 0, r)
    sc.check("a tunnel that does not come up: says so in one line",
             r.stderr.decode().count("\n") == 1 and b"did not come up within 3 s" in r.stderr, r.stderr)

    server.start()
    sc.step("tunnel up", toxnet.wait_tunnel_up, server, client)

    data = os.urandom(FILE_SIZE)
    r = run([tunnel, "pipe", client.ini_path, "127.0.0.1:%d" % answer.port], env, stdin=data)
    expect = hashlib.sha256(data).hexdigest().encode() + b"\n" + data[::-1]
    sc.check("half-close: the service got our EOF and its whole answer came back",
             r.returncode == 0 and r.stdout == expect,
             "exit %d, %d of %d bytes, stderr %r" % (r.returncode, len(r.stdout), len(expect), r.stderr))

    r = run([tunnel, "pipe", client.ini_path, "127.0.0.1:9"], env)
    sc.check("a destination outside permit: non-zero exit, the reason in one line",
             r.returncode != 0 and r.stderr.decode().count("\n") == 1 and b"not permitted" in r.stderr,
             r.stderr)
    r = run([tunnel, "pipe", client.ini_path, "127.0.0.1:%d" % refused.port], env)
    sc.check("a refused destination: non-zero exit, the reason in one line",
             r.returncode != 0 and b"refused" in r.stderr, r.stderr)

    # OpenSSH: ProxyCommand on the command line.
    r = run(["ssh"] + ssh_options(key) + ["-o", "ProxyCommand=" + proxy, "-p", str(ssh_port),
             "root@127.0.0.1", "echo through-the-tunnel"], env)
    sc.check("ssh with ProxyCommand runs a command", r.stdout == b"through-the-tunnel\n",
             (r.returncode, r.stderr))

    # scp up and back, and ProxyCommand from an ssh config file.
    src = os.path.join(sc.dir, "payload")
    back = os.path.join(sc.dir, "payload.back")
    with open(src, "wb") as f:
        f.write(data)
    ssh_config = os.path.join(sc.dir, "ssh_config")
    with open(ssh_config, "w") as f:
        f.write("Host behind-the-tunnel\n  HostName 127.0.0.1\n  Port %d\n  User root\n"
                "  ProxyCommand %s\n" % (ssh_port, proxy))
    remote = os.path.join(sc.dir, "payload.remote")
    r = run(["scp", "-q", "-F", ssh_config] + ssh_options(key) +
            [src, "behind-the-tunnel:" + remote], env, timeout=300)
    sc.check("scp uploads through the pipe", r.returncode == 0, r.stderr)
    r = run(["scp", "-q", "-F", ssh_config] + ssh_options(key) +
            ["behind-the-tunnel:" + remote, back], env, timeout=300)
    sc.check("scp downloads through the pipe", r.returncode == 0, r.stderr)
    with open(back, "rb") as f:
        got = f.read()
    sc.check("the file came back with the same checksum",
             hashlib.sha256(got).digest() == hashlib.sha256(data).digest(),
             "%d of %d bytes" % (len(got), len(data)))
    r = run(["ssh", "-F", ssh_config] + ssh_options(key) +
            ["behind-the-tunnel", "sha256sum " + remote], env)
    sc.check("ssh from a config file: the server's copy has the same checksum",
             r.stdout.split()[:1] == [hashlib.sha256(data).hexdigest().encode()], r)
    client.stop()
    server.stop()


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("pipe").run(body))
