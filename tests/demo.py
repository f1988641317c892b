#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Show a working tunnel on this one machine, with nothing from the internet.

Starts a private Tox bootstrap node on 127.0.0.1, a `tunnel server` and a
`tunnel client`, and a small web server behind the server; then fetches the
page through the client's local port, prints it, and stops everything.
Run after building: python3 tests/demo.py [--keep] (--keep leaves the tunnel
up until Ctrl-C, so that you can try it yourself).
"""

import http.server
import os
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "integration"))
import toxnet  # noqa: E402

PAGE = b"<html><head><title>toxtun demo</title></head><body>Hello through Tox!</body></html>\n"


class Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args):
        pass


def body(sc):
    keep = "--keep" in sys.argv
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    print("web server (behind the tunnel server): http://127.0.0.1:%d/" % web.server_port)

    boot = sc.bootstrap()
    server = sc.node("server", "server", toxnet.tox_section(boot) + "[server]\nname = demo\n")
    port = toxnet.free_port()
    client = sc.node("client", "client", toxnet.tox_section(boot) + "[client]\n" +
                     toxnet.client_line("web", port, web.server_port, server.tox_id()) + "\n")
    print("server Tox ID: %s" % server.tox_id())
    print("client line:   %s" % toxnet.client_line("web", port, web.server_port, "<server ID>"))
    server.start()
    client.start()
    started = time.monotonic()
    print("waiting for the two nodes to find each other through the bootstrap node ...")
    toxnet.wait_tunnel_up(server, client)
    print("tunnel up after %.1f s" % (time.monotonic() - started))

    url = "http://127.0.0.1:%d/" % port
    with urllib.request.urlopen(url, timeout=30) as reply:
        got = reply.read()
    print("GET %s through the tunnel:\n  %s" % (url, got.decode().strip()))
    sc.check("the page came through the tunnel intact", got == PAGE)
    if keep:
        print("the tunnel stays up: try `curl %s`; Ctrl-C to stop" % url)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    server.stop()
    client.stop()
    web.shutdown()


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("demo").run(body))
