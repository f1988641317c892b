# SPDX-License-Identifier: GPL-3.0-or-later
"""A real browser through the SOCKS5 proxy: headless Chromium loads a page with
62 subresources from a local web server through a `socks5:` tunnel.

- The page (http://localhost:PORT/, the name resolved by the server) pulls in
  images (two of them 1-2 MB of noise), scripts (sync, defer, async; one of
  1 MB), stylesheets (one of 300 KB), cross-origin iframes on
  http://127.0.0.1:PORT/ with an image each, and fetch() calls of 1 KB..2 MB
  whose SHA-256 the page checks. Its JavaScript counts load/error events and
  writes the tally into the DOM; the test reads it over the DevTools protocol
  (--remote-debugging-pipe) and requires every resource loaded and verified.
- The web server (http.server, HTTP/1.1 keep-alive) logs every request: each
  resource requested exactly once and written in full, nothing else asked.
- The traffic really went through the tunnel: every connection the web server
  accepted belongs to the server daemon (its socket, found through /proc), the
  client's socks tunnel counts at least as many streams and the bytes served,
  and Chromium used several parallel connections.
- HTTP CONNECT: in a second browser context whose proxy is the same port as
  an HTTP proxy, a WebSocket (Chromium tunnels ws:// through an HTTP proxy with
  CONNECT; plain http:// would be a GET, which the proxy refuses) reaches an
  echo server and gets its messages back.

Skipped, saying why, when chromium is not installed (tests/install-deps.sh
installs it).
"""

import base64
import fcntl
import hashlib
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

import toxnet

# Deadlines: generous, for a loaded 2-core machine and the ASan build.
BROWSER_START_TIMEOUT = 60.0
PAGE_TIMEOUT = 240.0
CDP_TIMEOUT = 60.0

CHROMIUM_FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--disable-extensions", "--metrics-recording-only", "--disable-domain-reliability",
    "--disable-breakpad", "--disable-crash-reporter", "--disable-dev-shm-usage",
    "--mute-audio", "--password-store=basic", "--use-mock-keychain",
    # Chromium's own background requests would otherwise go to the proxy too
    # (the server then looking Google's names up): network time
    # (clients2.google.com), on-demand components (update.googleapis.com) and
    # account checks (accounts.google.com). The last two are pointed at the
    # discard port, which Chromium then leaves alone.
    "--disable-client-side-phishing-detection", "--no-pings",
    "--disable-features=" + ",".join([
        "NetworkTimeServiceQuerying", "Translate", "OptimizationHints",
        "OptimizationHintsFetching", "OptimizationGuideModelDownloading", "MediaRouter",
        "SafeBrowsing", "AutofillServerCommunication"]),
    "--component-updater=url-source=http://127.0.0.1:9/", "--gaia-url=http://127.0.0.1:9/",
]


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


# --------------------------------------------------------------------------
# The page and its resources


def png(width, height, rng=None, color=(0, 0, 0)):
    """A valid RGB PNG: random noise (incompressible, stored as is) when rng is
    given, else one flat color."""
    if rng is not None:
        rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
        data = zlib.compress(rows, 0)
    else:
        rows = (b"\x00" + bytes(color) * width) * height
        data = zlib.compress(rows, 9)

    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data)
            + chunk(b"IEND", b""))


class Site:
    """Every resource of the test page, generated deterministically: path ->
    (content type, body), and `expected`, the names the page must account for
    (a name is the path without its leading slash)."""

    SMALL_IMAGES = 20
    # (width, height) of the noise images: about 1.1 MB and 1.9 MB.
    LARGE_IMAGES = [(600, 600), (800, 800)]
    SCRIPTS = 12          # one of them large
    LARGE_SCRIPT = 1 << 20
    STYLESHEETS = 8       # one of them large
    LARGE_STYLESHEET = 300 * 1024
    FRAMES = 5
    FETCH_SIZES = [1024, 4096, 16384, 65536, 131072, 262144, 524288, 1 << 20,
                   3 << 19, 2 << 20]

    def __init__(self, frame_origin):
        rng = random.Random(7)
        self.files = {}
        self.expected = []
        css_checks, js_lengths = [], {}
        frame_sizes = {i: (40 + i, 30 + i) for i in range(self.FRAMES)}
        head, body, fetches = [], [], []

        def add(path, ctype, data, name=None):
            self.files[path] = (ctype, data)
            if name is not False:
                self.expected.append(name or path[1:])

        # Stylesheets: each sets the width of one element; the rule is the
        # file's last line, so it applies only if the whole file arrived.
        for i in range(self.STYLESHEETS):
            filler = ""
            if i == 3:
                line = ".filler-%d { margin: 1px 2px 3px 4px; color: #123456; }\n"
                n = 0
                while len(filler) < self.LARGE_STYLESHEET:
                    filler += line % n
                    n += 1
            css = "/* stylesheet %d */\n%s#css-%d { width: %dpx; }\n" % (i, filler, i, 10 + i)
            add("/css/%d.css" % i, "text/css", css.encode())
            head.append('<link rel="stylesheet" href="/css/%d.css" onload="ok(\'css/%d.css\')" '
                        'onerror="bad(\'css/%d.css\', \'error event\')">' % (i, i, i))
            body.append('<div id="css-%d" class="css-probe"></div>' % i)
            css_checks.append(("css/%d.css" % i, "css-%d" % i, 10 + i))

        # Scripts: each calls ran(name, payload) at its very end; the payload's
        # length is checked, so a truncated file fails (and would not parse).
        for i in range(self.SCRIPTS):
            size = self.LARGE_SCRIPT if i == 5 else 200 + 100 * i
            payload = base64.b64encode(rng.randbytes(size * 3 // 4 + 3)).decode()[:size]
            name = "js/%d.js" % i
            js = "/* script %d */\nran(%s, %s);\n" % (i, json.dumps(name), json.dumps(payload))
            add("/" + name, "application/javascript", js.encode())
            js_lengths[name] = size
            attr = ("", " defer", " async")[i % 3]
            tag = ('<script src="/%s"%s onload="scriptLoaded(\'%s\')" '
                   'onerror="bad(\'%s\', \'error event\')"></script>' % (name, attr, name, name))
            (head if i < 6 else body).append(tag)

        # Images: small flat ones and two large noise ones.
        sizes = [(16 + i, 16 + 2 * i) for i in range(self.SMALL_IMAGES)] + self.LARGE_IMAGES
        for i, (w, h) in enumerate(sizes):
            name = "img/%d.png" % i
            if (w, h) in self.LARGE_IMAGES:
                data = png(w, h, rng=rng)
            else:
                data = png(w, h, color=(i * 10 % 256, 128, 255 - i * 10 % 256))
            add("/" + name, "image/png", data)
            body.append('<img src="/%s" onload="image(this, \'%s\', %d, %d)" '
                        'onerror="bad(\'%s\', \'error event\')">' % (name, name, w, h, name))

        # Cross-origin iframes (the same server as 127.0.0.1): the frame's
        # script and its image report to the page with postMessage.
        for i, (w, h) in frame_sizes.items():
            add("/frame/%d.png" % i, "image/png", png(w, h, color=(200, 20 * i, 50)))
            frame = ("<!doctype html><html><head><meta charset=utf-8></head><body>"
                     "<script>parent.postMessage({frame: %d, part: 'html'}, '*');</script>"
                     "<img src=\"/frame/%d.png\" "
                     "onload=\"parent.postMessage({frame: %d, part: 'img', w: this.naturalWidth, "
                     "h: this.naturalHeight}, '*')\" "
                     "onerror=\"parent.postMessage({frame: %d, part: 'img', w: -1, h: -1}, '*')\">"
                     "</body></html>" % (i, i, i, i))
            add("/frame/%d.html" % i, "text/html", frame.encode())
            body.append('<iframe src="%s/frame/%d.html" width="80" height="60" '
                        'onload="frameLoaded(%d)"></iframe>' % (frame_origin, i, i))

        # fetch(): binary payloads, checked by SHA-256 in the page.
        for i, size in enumerate(self.FETCH_SIZES):
            data = rng.randbytes(size)
            name = "data/%d.bin" % i
            add("/" + name, "application/octet-stream", data)
            fetches.append([name, size, hashlib.sha256(data).hexdigest()])

        page = PAGE_TEMPLATE % {
            "expected": json.dumps(self.expected),
            "css": json.dumps(css_checks),
            "js": json.dumps(js_lengths),
            "frames": json.dumps(frame_sizes),
            "fetches": json.dumps(fetches),
            "head": "\n".join(head),
            "body": "\n".join(body),
        }
        add("/", "text/html", page.encode(), name=False)

    @property
    def subresources(self):
        return len(self.expected)


PAGE_TEMPLATE = """<!doctype html>
<html><head><meta charset="utf-8"><title>toxtun browser test</title>
<link rel="icon" href="data:,">
<script>
// Every subresource's outcome: name -> "ok" or "error: why".
var EXPECTED = %(expected)s;
var CSS = %(css)s, JS = %(js)s, FRAMES = %(frames)s, FETCHES = %(fetches)s;
var R = {}, events = {load: 0, error: 0}, ran_ = {};
function ok(name) { events.load++; if (!(name in R)) R[name] = "ok"; }
function bad(name, why) { events.error++; R[name] = "error: " + why; }
function ran(name, payload) {
  ran_[name] = payload.length === JS[name] ? "ok" : "payload of " + payload.length + " chars";
}
function scriptLoaded(name) {
  if (ran_[name] === "ok") ok(name); else bad(name, ran_[name] || "loaded but did not run");
}
function image(img, name, w, h) {
  if (img.naturalWidth === w && img.naturalHeight === h) ok(name);
  else bad(name, "decoded as " + img.naturalWidth + "x" + img.naturalHeight);
}
var frameParts = 0, framesDone;
var framesPromise = new Promise(function (resolve) { framesDone = resolve; });
function frameLoaded(i) { events.load++; }
window.addEventListener("message", function (e) {
  var m = e.data, i = m.frame;
  if (e.origin.indexOf("http://127.0.0.1:") !== 0) return;
  if (m.part === "html") ok("frame/" + i + ".html");
  else if (m.w === FRAMES[i][0] && m.h === FRAMES[i][1]) ok("frame/" + i + ".png");
  else bad("frame/" + i + ".png", "decoded as " + m.w + "x" + m.h);
  if (++frameParts === 2 * Object.keys(FRAMES).length) framesDone();
});
function hex(buf) {
  return Array.from(new Uint8Array(buf)).map(function (b) {
    return b.toString(16).padStart(2, "0"); }).join("");
}
function fetchOne(f) {
  var name = f[0], size = f[1], sha = f[2];
  return fetch("/" + name, {cache: "no-store"}).then(function (r) {
    if (!r.ok) throw new Error("HTTP " + r.status);
    return r.arrayBuffer();
  }).then(function (buf) {
    if (buf.byteLength !== size) throw new Error(buf.byteLength + " bytes of " + size);
    if (!window.crypto || !crypto.subtle) throw new Error("no crypto.subtle (not a secure context?)");
    return crypto.subtle.digest("SHA-256", buf);
  }).then(function (digest) {
    if (hex(digest) !== sha) throw new Error("SHA-256 mismatch");
    ok(name);
  }).catch(function (e) { bad(name, String(e)); });
}
var pageLoaded = new Promise(function (resolve) { window.addEventListener("load", resolve); });
var fetchesDone = Promise.all(FETCHES.map(fetchOne));
Promise.all([pageLoaded, fetchesDone, framesPromise]).then(function () {
  CSS.forEach(function (c) {
    var width = getComputedStyle(document.getElementById(c[1])).width;
    if (R[c[0]] === "ok" && width !== c[2] + "px") R[c[0]] = "error: rule not applied (" + width + ")";
  });
  var good = 0, failed = [];
  EXPECTED.forEach(function (name) {
    if (R[name] === "ok") good++; else failed.push(name + ": " + (R[name] || "no event"));
  });
  document.getElementById("result").textContent = "DONE " + JSON.stringify({
    expected: EXPECTED.length, ok: good, failed: failed, events: events,
    ms: Math.round(performance.now())});
});
</script>
%(head)s
<style>.css-probe { height: 1px; }</style>
</head><body>
<h1>toxtun</h1>
<pre id="result">pending</pre>
%(body)s
</body></html>
"""

# What the test asks the page while it loads: the tally, or why not yet.
PROGRESS_JS = """(function () {
  var r = document.getElementById("result");
  if (r && r.textContent.indexOf("DONE ") === 0) return r.textContent;
  if (typeof EXPECTED === "undefined") return "not started: " + document.readyState;
  var missing = EXPECTED.filter(function (n) { return R[n] !== "ok"; });
  return "pending: readyState " + document.readyState + ", " + missing.length
    + " of " + EXPECTED.length + " not done: " + missing.slice(0, 12).join(", ");
})()"""


# --------------------------------------------------------------------------
# The web server


class WebServer:
    """http.server on 127.0.0.1, HTTP/1.1 with keep-alive, serving a Site.

    It logs every request (path, host, bytes written, written in full) and
    every connection (how many requests, whether the server daemon owns the
    other end), and the most connections open at once."""

    def __init__(self):
        self.site = None
        self.owner_pid = None  # the server daemon
        self.lock = threading.Lock()
        self.requests = []      # dicts: path, host, size, sent, complete, conn
        self.connections = []   # dicts: peer, owner, requests
        self.open_now = 0
        self.max_open = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = toxnet.IO_TIMEOUT

            def setup(self):
                super().setup()
                self.conn_info = {"peer": self.client_address, "requests": 0,
                                  "owner": outer.owner_of(self.client_address)}
                with outer.lock:
                    self.conn_info["id"] = len(outer.connections)
                    outer.connections.append(self.conn_info)
                    outer.open_now += 1
                    outer.max_open = max(outer.max_open, outer.open_now)

            def finish(self):
                with outer.lock:
                    outer.open_now -= 1
                try:
                    super().finish()
                except OSError:
                    pass

            def do_GET(self):
                path = self.path.split("?", 1)[0]
                entry = {"path": path, "host": self.headers.get("Host", ""),
                         "conn": self.conn_info["id"], "size": None, "sent": 0,
                         "complete": False}
                with outer.lock:
                    outer.requests.append(entry)
                    self.conn_info["requests"] += 1
                found = outer.site.files.get(path) if outer.site else None
                ctype, data = found if found else ("text/plain", b"not found\n")
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                entry["size"] = len(data)
                view = memoryview(data)
                for offset in range(0, len(data), 256 * 1024):
                    chunk = view[offset:offset + 256 * 1024]
                    self.wfile.write(chunk)
                    entry["sent"] += len(chunk)
                entry["complete"] = entry["sent"] == len(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_port
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()

    def owner_of(self, peer, port=None):
        """'server daemon' when the peer socket (127.0.0.1:port, connected to
        our `port`, by default the web server's) is one of the tunnel server's
        file descriptors, else what it is."""
        want_local = "%s:%04X" % (socket.inet_aton(peer[0])[::-1].hex().upper(), peer[1])
        inode = None
        try:
            with open("/proc/net/tcp") as table:
                for line in table.readlines()[1:]:
                    fields = line.split()
                    if fields[1] == want_local and fields[2].endswith(":%04X" % (port or self.port)):
                        inode = fields[9]
                        break
        except OSError as exc:
            return "unknown (%s)" % exc
        if inode is None:
            return "unknown (socket not in /proc/net/tcp)"
        if self.owner_pid is None:
            return "unknown (no server daemon yet)"
        fd_dir = "/proc/%d/fd" % self.owner_pid
        try:
            for fd in os.listdir(fd_dir):
                try:
                    if os.readlink(os.path.join(fd_dir, fd)) == "socket:[%s]" % inode:
                        return "server daemon"
                except OSError:
                    continue
        except OSError as exc:
            return "unknown (%s)" % exc
        return "another process (socket inode %s)" % inode

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class WebSocketEcho:
    """A minimal WebSocket server (RFC 6455) on 127.0.0.1: echoes every data
    frame back, answers close with close. Logs each handshake's peer owner."""

    GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, web):
        self.web = web  # for owner_of()
        self.owners = []
        self.echoed = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, peer = self._sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn, peer), daemon=True).start()

    @staticmethod
    def _read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _serve(self, conn, peer):
        conn.settimeout(toxnet.IO_TIMEOUT)
        try:
            with conn:
                self._session(conn, peer)
        except (OSError, EOFError):
            pass

    def _session(self, conn, peer):
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                return
            head += chunk
        key = None
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"sec-websocket-key:"):
                key = line.split(b":", 1)[1].strip()
        if key is None:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        self.owners.append(self.web.owner_of(peer, self.port) if peer[0] == "127.0.0.1" else str(peer))
        accept = base64.b64encode(hashlib.sha1(key + self.GUID).digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        while True:
            b0, b1 = self._read(conn, 2)
            opcode, length = b0 & 0x0F, b1 & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._read(conn, 2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._read(conn, 8))[0]
            mask = self._read(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
            payload = self._read(conn, length)
            if length:
                key = (mask * (length // 4 + 1))[:length]
                payload = (int.from_bytes(payload, "big")
                           ^ int.from_bytes(key, "big")).to_bytes(length, "big")
            # Echoed frame by frame: FIN and opcode as received, so a message
            # that came in fragments goes back in the same fragments.
            first = b0 & 0x8F
            if length < 126:
                header = bytes([first, length])
            elif length < 65536:
                header = bytes([first, 126]) + struct.pack(">H", length)
            else:
                header = bytes([first, 127]) + struct.pack(">Q", length)
            if opcode == 0x8:  # close: answer and end
                conn.sendall(header + bytes(payload))
                return
            if opcode == 0x9:  # ping -> pong
                header = bytes([header[0] & 0xF0 | 0xA]) + header[1:]
            conn.sendall(header + bytes(payload))
            if b0 & 0x80 and opcode != 0x9:
                self.echoed += 1

    def close(self):
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._sock.close()


WEBSOCKET_JS = """new Promise(function (resolve) {
  var big = new Uint8Array(%(size)d), got = [], t0 = performance.now();
  for (var i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 9)) & 255;
  var ws = new WebSocket("ws://localhost:%(port)d/echo");
  ws.binaryType = "arraybuffer";
  ws.onopen = function () { ws.send("hello"); ws.send(big); ws.send("bye"); };
  ws.onmessage = function (e) {
    got.push(e.data);
    if (got.length < 3) return;
    var echo = new Uint8Array(got[1]), same = echo.length === big.length;
    for (var j = 0; same && j < big.length; j++) same = echo[j] === big[j];
    ws.close();
    resolve(JSON.stringify({first: got[0], last: got[2], big_ok: same, big_len: echo.length,
                            ms: Math.round(performance.now() - t0)}));
  };
  ws.onerror = function () { resolve(JSON.stringify({error: "websocket error event"})); };
  ws.onclose = function (e) {
    if (got.length < 3) resolve(JSON.stringify({error: "closed early, code " + e.code}));
  };
})"""


# --------------------------------------------------------------------------
# Chromium over the DevTools protocol (--remote-debugging-pipe)


class Chromium:
    """A headless Chromium in a process group of its own, driven over the
    DevTools pipe (fd 3: commands in, fd 4: replies and events out, NUL
    separated JSON). close() kills the whole group and removes the profile."""

    def __init__(self, binary, workdir, proxy):
        self.profile = tempfile.mkdtemp(prefix="chromium-profile-", dir=workdir)
        self.log_path = os.path.join(workdir, "chromium.log")
        self.proc = None
        self._closed = False
        self._next_id = 0
        self._replies = {}
        self._events = []
        self._eof = False
        self._cond = threading.Condition()
        cmd_r, self._cmd_w = os.pipe()
        self._out_r, out_w = os.pipe()
        # Chromium's ends move to fds 3 and 4 in the child (bash below); they
        # must not be 3 or 4 already, or one redirection would undo the other.
        cmd_r, out_w = (self._above(fd, 10) for fd in (cmd_r, out_w))
        argv = [binary] + CHROMIUM_FLAGS + [
            "--user-data-dir=" + self.profile, "--remote-debugging-pipe",
            "--proxy-server=" + proxy, "--proxy-bypass-list=<-loopback>", "about:blank"]
        # The pipe ends must be fds 3 and 4 in Chromium: bash moves them there.
        shell = 'exec "$@" 3<&%d 4>&%d %d<&- %d>&-' % (cmd_r, out_w, cmd_r, out_w)
        prefix = [toxnet._SETPRIV, "--pdeathsig", "KILL", "--"] if toxnet._SETPRIV else []
        # Config and cache under the profile directory too: nothing is written
        # to ~/.config or ~/.cache, and the crash handler, which leaves the
        # process group (a session of its own), names that directory (its
        # --database) so that close() finds it.
        env = dict(os.environ, XDG_CONFIG_HOME=os.path.join(self.profile, "config"),
                   XDG_CACHE_HOME=os.path.join(self.profile, "cache"))
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(prefix + ["bash", "-c", shell, "chromium"] + argv,
                                         stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, pass_fds=(cmd_r, out_w),
                                         env=env, start_new_session=True)
        os.close(cmd_r)
        os.close(out_w)
        self.pgid = self.proc.pid  # start_new_session: leader of its own group
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    @staticmethod
    def _above(fd, lowest):
        """fd moved to a number >= lowest."""
        moved = fcntl.fcntl(fd, fcntl.F_DUPFD, lowest)
        os.close(fd)
        return moved

    def _read_loop(self):
        buf = b""
        while True:
            try:
                data = os.read(self._out_r, 65536)
            except OSError:
                data = b""
            if not data:
                with self._cond:
                    self._eof = True
                    self._cond.notify_all()
                return
            buf += data
            *messages, buf = buf.split(b"\0")
            with self._cond:
                for raw in messages:
                    try:
                        message = json.loads(raw)
                    except ValueError:
                        message = {"method": "(unparsable)", "raw": raw[:200]}
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self._events.append(message)
                self._cond.notify_all()

    def send(self, method, params=None, session=None, timeout=CDP_TIMEOUT):
        """One DevTools command; returns its result or raises HarnessError."""
        with self._cond:
            self._next_id += 1
            ident = self._next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._cmd_w, json.dumps(message).encode() + b"\0")
        except OSError as exc:
            raise toxnet.HarnessError("DevTools pipe closed (%s): %s" % (method, exc))
        with self._cond:
            if not self._cond.wait_for(lambda: ident in self._replies or self._eof, timeout):
                raise toxnet.HarnessError("no DevTools reply to %s within %.0f s"
                                          % (method, timeout))
            reply = self._replies.pop(ident, None)
        if reply is None:
            raise toxnet.HarnessError("Chromium exited before answering %s (status %s)"
                                      % (method, self.proc.poll()))
        if "error" in reply:
            raise toxnet.HarnessError("%s: %s" % (method, reply["error"]))
        return reply.get("result", {})

    def crashed(self):
        with self._cond:
            return [e for e in self._events
                    if e.get("method") in ("Target.targetCrashed", "Inspector.targetCrashed")]

    def open_tab(self, context=None):
        """A new page target (in browser context `context`), attached; returns
        its session id."""
        params = {"url": "about:blank"}
        if context:
            params["browserContextId"] = context
        target = self.send("Target.createTarget", params)["targetId"]
        return self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def evaluate(self, session, expression, await_promise=False, timeout=CDP_TIMEOUT):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": await_promise},
                           session=session, timeout=timeout)
        if "exceptionDetails" in result:
            raise toxnet.HarnessError("page script failed: %s" % result["exceptionDetails"])
        return result.get("result", {}).get("value")

    def processes(self):
        """Pids of this Chromium still alive: its process group, and whatever
        left the group but names our profile directory on its command line."""
        pids = []
        mark = self.profile.encode()
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                with open("/proc/%s/cmdline" % entry, "rb") as cmdline:
                    argv = cmdline.read()
            except OSError:
                continue
            if fields[0] != "Z" and (int(fields[2]) == self.pgid or mark in argv):
                pids.append(int(entry))
        return pids

    def close(self):
        """Kill the whole process group and the processes that left it,
        whatever state they are in; reap the leader; remove the profile.
        Idempotent."""
        if self._closed:
            return
        self._closed = True
        try:
            os.killpg(self.pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        for pid in self.processes():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for fd in (self._cmd_w, self._out_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            toxnet.wait_until(lambda: not self.processes(), 10.0,
                              "Chromium's processes to exit", interval=0.1)
        except toxnet.HarnessError as exc:
            print("      %s: %s" % (exc, self.processes()), flush=True)
        shutil.rmtree(self.profile, ignore_errors=True)


# --------------------------------------------------------------------------
# The test


def tunnel_stats(node, tunnel):
    """The node's `tunnels` entry named `tunnel` in `tunnel status --json`."""
    for entry in node.status().get("tunnels", []):
        if entry.get("name") == tunnel:
            return entry
    raise toxnet.HarnessError("tunnel %s not in the status of %s" % (tunnel, node.name))


def body(sc):
    chromium = find_chromium()
    if chromium is None:
        sc.skip("chromium is not installed (Debian package chromium; tests/install-deps.sh)")

    boot = sc.bootstrap()
    web = sc.add(WebServer())
    echo = sc.add(WebSocketEcho(web))
    web.site = site = Site("http://127.0.0.1:%d" % web.port)
    # Names and the IP literal (the iframes' origin) are both permitted.
    server = sc.node("server", "server", toxnet.tox_section(boot) + "[server]\nname = browser test\n"
                     "permit = localhost:%d\npermit = 127.0.0.1:%d\npermit = localhost:%d\n"
                     % (web.port, web.port, echo.port))
    proxy_port = toxnet.free_port()
    client = sc.node("client", "client", toxnet.tox_section(boot) +
                     "[client]\nweb = socks5:%d:%s\n" % (proxy_port, server.tox_id()))
    server.start()
    client.start()
    # setpriv and ip netns exec exec: the Popen's pid is the daemon's own.
    web.owner_pid = server.proc.pid
    sc.step("tunnel up", toxnet.wait_tunnel_up, server, client)
    sc.note("page: %d subresources, %.1f MB in all"
            % (site.subresources, sum(len(d) for _, d in site.files.values()) / 1e6))

    browser = Chromium(chromium, sc.dir, "socks5://127.0.0.1:%d" % proxy_port)
    sc.add(browser)
    sc.show_log("chromium", toxnet.LogFile(browser.log_path))
    version = sc.step("Chromium answers on the DevTools pipe", browser.send,
                      "Browser.getVersion", timeout=BROWSER_START_TIMEOUT)
    sc.note("%s" % version.get("product"))
    tab = browser.open_tab()

    url = "http://localhost:%d/" % web.port
    started = time.monotonic()
    nav = browser.send("Page.navigate", {"url": url}, session=tab)
    sc.require("Chromium navigated to %s through the proxy" % url, not nav.get("errorText"),
               nav.get("errorText"))
    progress = {}

    def page_done():
        if browser.crashed():
            raise toxnet.HarnessError("the page crashed: %s" % browser.crashed())
        progress["last"] = browser.evaluate(tab, PROGRESS_JS) or ""
        return progress["last"].startswith("DONE ")

    try:
        toxnet.wait_until(page_done, PAGE_TIMEOUT, "the page to finish loading", interval=0.25)
    except toxnet.HarnessError as exc:
        sc.require("the page finished loading", False, "%s; last state: %s"
                   % (exc, progress.get("last")))
    elapsed = time.monotonic() - started
    tally = json.loads(progress["last"][len("DONE "):])
    sc.check("every subresource loaded and verified in the page (%d of %d)"
             % (tally["ok"], tally["expected"]),
             tally["ok"] == tally["expected"] == site.subresources and not tally["failed"],
             tally["failed"][:20])

    # The web server's view. The page may see a response's last bytes before
    # the handler thread that wrote them has noted it.
    try:
        toxnet.wait_until(lambda: all(e["complete"] for e in list(web.requests)), 30.0,
                          "the web server to finish writing its responses")
    except toxnet.HarnessError:
        pass  # reported by the check below
    with web.lock:
        requests = list(web.requests)
        connections = list(web.connections)
        max_open = web.max_open
    wanted = set("/" + name for name in site.expected) | {"/"}
    counts = {}
    for entry in requests:
        counts[entry["path"]] = counts.get(entry["path"], 0) + 1
    sc.check("the web server was asked for every resource exactly once",
             all(counts.get(path) == 1 for path in wanted),
             sorted("%s x%d" % (p, counts.get(p, 0)) for p in wanted if counts.get(p) != 1)[:20])
    sc.check("and for nothing else", set(counts) <= wanted, sorted(set(counts) - wanted))
    incomplete = [e["path"] for e in requests if not e["complete"]]
    sc.check("every response was written in full", not incomplete, incomplete[:20])
    frames_host = [e["host"] for e in requests if e["path"].startswith("/frame/")]
    sc.check("the iframes came from the second origin (127.0.0.1)",
             frames_host and all(h == "127.0.0.1:%d" % web.port for h in frames_host),
             frames_host)
    not_tunnel = [(c["peer"], c["owner"]) for c in connections if c["owner"] != "server daemon"]
    sc.check("every connection to the web server came from the server daemon (%d connections)"
             % len(connections), connections and not not_tunnel, not_tunnel[:10])
    reused = max((c["requests"] for c in connections), default=0)
    sc.check("Chromium used parallel connections (%d at once) and kept them alive "
             "(up to %d requests on one)" % (max_open, reused), max_open >= 2 and reused >= 2)
    served = sum(e["sent"] for e in requests)
    stats = tunnel_stats(client, "web")
    sc.check("the client's socks tunnel carried them (%d streams, %.1f MB down)"
             % (stats["streams_total"], stats["bytes_down"] / 1e6),
             stats["streams_total"] >= len(connections) and stats["bytes_down"] >= served,
             stats)
    sc.note("page loaded in %.1f s (the page's own clock: %.1f s): %d subresources, "
            "%d requests on %d connections, at most %d open at once, %.1f MB served"
            % (elapsed, tally["ms"] / 1000.0, tally["ok"], len(requests), len(connections),
               max_open, served / 1e6))

    # HTTP CONNECT: Chromium tunnels WebSockets through an HTTP proxy.
    context = browser.send("Target.createBrowserContext",
                           {"proxyServer": "http://127.0.0.1:%d" % proxy_port,
                            "proxyBypassList": "<-loopback>"})["browserContextId"]
    tab2 = browser.open_tab(context)
    size = 300 * 1024
    answer = browser.evaluate(tab2, WEBSOCKET_JS % {"size": size, "port": echo.port},
                              await_promise=True, timeout=PAGE_TIMEOUT)
    result = json.loads(answer)
    sc.check("a WebSocket through the HTTP CONNECT proxy echoes text and %d KB binary"
             % (size // 1024),
             result.get("first") == "hello" and result.get("last") == "bye"
             and result.get("big_ok") is True, result)
    sc.check("the WebSocket connection came from the server daemon",
             echo.owners == ["server daemon"], echo.owners)
    sc.check("the client logged the proxy request for the WebSocket",
             client.log_has(r"tunnel web: \S+ asks for localhost:%d" % echo.port))
    sc.note("WebSocket round trip of %d KB: %s ms" % (size // 1024, result.get("ms")))

    # Chromium's own traffic, if any got past the flags: shown, not judged.
    ours = {"localhost:%d" % web.port, "127.0.0.1:%d" % web.port, "localhost:%d" % echo.port}
    asked = re.findall(r"tunnel web: \S+ asks for (\S+)", client.log.text())
    foreign = sorted(set(asked) - ours)
    sc.note("Chromium asked the proxy for %d connections%s" % (
        len(asked), ", also for: " + ", ".join(foreign) if foreign else ", all to the test's servers"))

    browser.close()
    toxnet.end_pair(sc, server, client)


if __name__ == "__main__":
    sys.exit(toxnet.Scenario("browser").run(body))
