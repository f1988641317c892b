# SPDX-License-Identifier: GPL-3.0-or-later
"""Dynamic forwarding: a [client] socks5 line is a SOCKS5 and HTTP CONNECT proxy.

- curl through SOCKS5 (names resolved by the server: --socks5-hostname, and
  IPv4 literals) and through HTTP CONNECT reaches a local web server;
- username/password (RFC 1929) when socks_user/socks_pass are set: right
  credentials pass, wrong ones are refused;
- the server's permit list applies: a forbidden destination gets SOCKS reply
  0x02 and HTTP 403, a refused one 0x05 and 502;
- bad requests get the right answers and are logged: SOCKS4, an unsupported
  command (BIND), an unknown address type, a truncated request, HTTP GET.
"""

import http.server
import socket
import struct
import subprocess
import sys
import threading

import toxnet

PAGE = b"hello through the socks tunnel\n" * 100


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def curl(*args):
    return subprocess.run(["curl", "-sS", "--max-time", "60", "--noproxy", ""] + list(args),
                          capture_output=True, timeout=90)


def raw(port, data, read=10):
    """Send raw bytes to the proxy; return what comes back before it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(data)
        got = b""
        try:
            while len(got) < read:
                chunk = s.recv(read - len(got))
                if not chunk:
                    break
                got += chunk
        except OSError:
            pass
        return got


def socks_connect(port, host_bytes, atyp, dport, greeting=b"\x05\x01\x00"):
    """Greeting + CONNECT; returns (method reply, connect reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(greeting)
        method = s.recv(2)
        s.sendall(b"\x05\x01\x00" + bytes([atyp]) + host_bytes + struct.pack(">H", dport))
        reply = s.recv(10)
        return method, reply


def body(sc):
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    sc.add(type("Closer", (), {"close": lambda self: web.shutdown()})())
    refused = sc.add(toxnet.RefusedPort())
    boot = sc.bootstrap()
    server = sc.node("server", "server", toxnet.tox_section(boot) +
                     "[server]\nname = socks test\npermit = 127.0.0.1:%d\npermit = localhost:%d\n"
                     "permit = 127.0.0.1:%d\n" % (web.server_port, web.server_port, refused.port))
    port, auth_port = toxnet.free_port(), toxnet.free_port()
    client = sc.node("client", "client", toxnet.tox_section(boot) +
                     "[client]\nproxy = socks5:%d:%s\n" % (port, server.tox_id()))
    server.start()
    client.start()
    sc.step("tunnel up", toxnet.wait_tunnel_up, server, client)
    url = "http://localhost:%d/" % web.server_port

    r = curl("--socks5-hostname", "127.0.0.1:%d" % port, url)
    sc.check("curl --socks5-hostname (name resolved by the server)", r.stdout == PAGE, r.stderr)
    r = curl("--socks5", "127.0.0.1:%d" % port, "http://127.0.0.1:%d/" % web.server_port)
    sc.check("curl --socks5 with an IPv4 literal", r.stdout == PAGE, r.stderr)
    r = curl("--proxytunnel", "--proxy", "http://127.0.0.1:%d" % port, url)
    sc.check("curl through HTTP CONNECT", r.stdout == PAGE, r.stderr)

    # Forbidden and refused destinations.
    method, reply = socks_connect(port, socket.inet_aton("127.0.0.1"), 1, 9)
    sc.check("a destination outside permit: SOCKS reply 0x02", reply[:2] == b"\x05\x02", reply)
    method, reply = socks_connect(port, socket.inet_aton("127.0.0.1"), 1, refused.port)
    sc.check("a refused destination: SOCKS reply 0x05", reply[:2] == b"\x05\x05", reply)
    got = raw(port, b"CONNECT 127.0.0.1:9 HTTP/1.1\r\nHost: x\r\n\r\n", 64)
    sc.check("a destination outside permit: HTTP 403", got.startswith(b"HTTP/1.1 403"), got)
    got = raw(port, b"CONNECT 127.0.0.1:%d HTTP/1.1\r\n\r\n" % refused.port, 64)
    sc.check("a refused destination: HTTP 502", got.startswith(b"HTTP/1.1 502"), got)

    # Bad requests.
    got = raw(port, b"\x04\x01\x00\x50\x7f\x00\x00\x01\x00")
    sc.check("SOCKS4 is closed without a reply", got == b"", got)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"\x05\x01\x00")
        s.recv(2)
        s.sendall(b"\x05\x02\x00\x01\x7f\x00\x00\x01\x00\x50")
        got = s.recv(10)
    sc.check("BIND gets reply 0x07 (command not supported)", got[:2] == b"\x05\x07", got)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"\x05\x01\x00")
        s.recv(2)
        s.sendall(b"\x05\x01\x00\x09\x00\x00")
        got = s.recv(10)
    sc.check("an unknown address type gets reply 0x08", got[:2] == b"\x05\x08", got)
    got = raw(port, b"\x05\x01\x02", 2)
    sc.check("no acceptable method: 0x05 0xFF", got == b"\x05\xff", got)
    got = raw(port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 64)
    sc.check("plain HTTP GET: 405", got.startswith(b"HTTP/1.1 405"), got)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"\x05\x01\x00\x05\x01")  # greeting + a truncated request, then EOF
        s.shutdown(socket.SHUT_WR)
        s.recv(2)
        sc.check("a truncated request ends cleanly", s.recv(10) == b"")
    for what in ("address type not supported", "BIND is not supported", "SOCKS4 is not supported",
                 "only CONNECT is supported"):
        sc.check("logged: %s" % what, client.log_has(what))
    sc.check("server logged the refused destination", server.log_has(r"refused: not permitted"))

    # Username and password.
    client.stop()
    client.write_ini(toxnet.tox_section(boot) + "[client]\nsocks_user = alice\nsocks_pass = s3cret\n"
                     "proxy = socks5:%d:%s\n" % (auth_port, server.tox_id()))
    client.start()
    sc.step("tunnel up again", toxnet.wait_tunnel_up, server, client)
    r = curl("--socks5-hostname", "alice:s3cret@127.0.0.1:%d" % auth_port, url)
    sc.check("right credentials pass", r.stdout == PAGE, r.stderr)
    r = curl("--socks5-hostname", "alice:wrong@127.0.0.1:%d" % auth_port, url)
    sc.check("wrong credentials are refused", r.returncode != 0 and r.stdout == b"")
    r = curl("--socks5-hostname", "127.0.0.1:%d" % auth_port, url)
    sc.check("no credentials are refused", r.returncode != 0)
    sc.check("logged: wrong username or password", client.log_has("wrong username or password"))
    client.stop()
    server.stop()


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("socks").run(body))
