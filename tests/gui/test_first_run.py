# SPDX-License-Identifier: GPL-3.0-or-later
"""toxtun-tray's first run, on both sides, from the window alone.

Two desktop users on one headless display (guitest.py): each has a HOME,
XDG_CONFIG_HOME, XDG_RUNTIME_DIR and D-Bus session bus of its own, and
runs its own toxtun-tray with no file to show. A private Tox network
(tox-bootstrapd on 127.0.0.1, toxnet.py) is given to both through
~/.config/toxtun/defaults.ini, whose [tox] section the tray copies into
every file it writes. No systemd user manager here: the trays run `tunnel`
themselves (TOXTUN_TRAY_NO_SYSTEMD=1).

Driven with real input (xdotool clicks and keys), as a person would:
- the server user clicks "Share this computer", chooses one service (a local
  echo server the test runs), and gets an ID and its QR code; the Copy button
  puts the ID on the clipboard;
- the client user clicks "Connect to a computer"; a mistyped ID, a port in
  use and a bad name get messages and write nothing; the ID is pasted from
  the clipboard, the connection is named, Custom opens the tunnel dialog for
  a forward to the echo server;
- the client waits for approval; the server sees the request in its window
  (and a desktop notification with Allow and Deny goes out on its bus) and
  clicks Allow; the daemon adds the allow line; the client connects;
- bytes through the client's local port come back from the echo server
  intact;
- a second connection, a browser proxy (SOCKS5) on another port, is approved
  through the notification's Allow action (as the desktop takes it when its
  button is pressed) and carries a SOCKS5 connection to the echo server;
- "Start at login" writes and removes the autostart entry; "Remove from this
  list" forgets a running connection without stopping it or deleting it
  (Keep it running), or stops it first (Stop it); with none left, the two
  choices are back.
Screenshots of every step are kept in BUILD/gui-test-artifacts/
(first-run-*.png); assets/first-run/ holds a copy for the README.
"""

import os
import re
import socket
import struct
import subprocess

import guitest
import toxnet
from toxnet import HarnessError, wait_until

MEET = toxnet.MEET_TIMEOUT * 2
# The colours of the overview's words (gui/overview.c): connected, and
# waiting for a person on the other side.
WORDS_UP = (0x1a, 0x7f, 0x37)
WORDS_PERSON = (0x81, 0x3d, 0x9c)
# Two windows side by side (each 860 wide by default).
SCREEN = (1760, 900)
TITLE = r"^toxtun$"


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return None


class User:
    """One desktop user: their directories, session bus and tray."""

    def __init__(self, sc, desktop, name, boot, x):
        self.sc, self.desktop, self.name, self.x = sc, desktop, name, x
        self.dir = os.path.join(sc.dir, name)
        home = os.path.join(self.dir, "home")
        self.config = os.path.join(home, ".config")
        self.toxtun = os.path.join(self.config, "toxtun")
        runtime = os.path.join(self.dir, "run")
        os.makedirs(self.toxtun, mode=0o700)
        os.makedirs(runtime, mode=0o700)
        self.bus = sc.add(guitest.SessionBus(self.dir))
        self.env = {
            "HOME": home,
            "XDG_CONFIG_HOME": self.config,
            "XDG_RUNTIME_DIR": runtime,
            "XDG_STATE_HOME": os.path.join(home, ".local", "state"),
            "XDG_CACHE_HOME": os.path.join(home, ".cache"),
            "XDG_DATA_HOME": os.path.join(home, ".local", "share"),
            "DBUS_SESSION_BUS_ADDRESS": self.bus.address,
            "TOXTUN_TRAY_NO_SYSTEMD": "1",
        }
        # An administrator's preset, here the test's bootstrap node.
        self.tox = toxnet.tox_section(boot)
        with open(os.path.join(self.toxtun, "defaults.ini"), "w") as f:
            f.write("; bootstrap nodes for every new file\n" + self.tox + "\n[link]\nlinger = 0\n")
        self.tray = None
        self.win = None

    def path(self, name):
        return os.path.join(self.toxtun, name + ".ini")

    def daemon_log(self, name, role):
        return toxnet.LogFile(os.path.join(self.env["XDG_STATE_HOME"], "toxtun", "%s.%s.log" % (name, role)))

    def tunnel(self, *args):
        return subprocess.run([toxnet.tunnel_binary()] + list(args), env=dict(os.environ, **self.env),
                              capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)

    def public_key(self, ini):
        """The public key of the daemon running ini, once it answers (asked
        of the daemon: a `tunnel id` racing its first start could make a
        second identity)."""
        def ask():
            status = self.tunnel("status", "--json", ini)
            match = re.search(r'"public_key"\s*:\s*"([0-9A-Fa-f]{64})"', status.stdout)
            return match.group(1).upper() if status.returncode == 0 and match else None
        return wait_until(ask, guitest.UI_TIMEOUT, "the daemon of %s to answer" % ini, 0.3)

    def start_tray(self):
        self.tray = self.sc.add(guitest.Tray(self.desktop, self.dir, [], env_extra=self.env))
        self.sc.show_log("%s's toxtun-tray" % self.name, self.tray.log)
        wins = self.sc.step("%s: the tray opens its window by itself (nothing to show yet)" % self.name,
                            wait_until, lambda: self.desktop.windows_of(self.tray.proc.pid, TITLE),
                            guitest.UI_TIMEOUT, "%s's window" % self.name)
        self.win = wins[0]
        self.desktop.move(self.win, self.x, 0)
        self.desktop.wait_painted(self.win)
        return self.win

    def focus(self):
        self.desktop.focus(self.win)

    def buttons(self):
        """The window's suggested-action buttons (big choices, Share,
        Connect, Allow), top to bottom."""
        return self.desktop.colour_boxes(self.win, guitest.SUGGESTED_COLOUR)

    def wait_buttons(self, what, check):
        """Wait until the window's main buttons pass check; returns them. On
        failure the whole screen is kept to look at."""
        try:
            # Wrapped: no buttons at all may be what is awaited.
            boxes = wait_until(lambda: (lambda b: [b] if check(b) else None)(self.buttons()),
                               guitest.UI_TIMEOUT, what, 0.3)[0]
        except HarnessError as exc:
            shot = self.desktop.screenshot("first-run-failed-%s" % self.name)
            self.sc.check("%s: %s" % (self.name, what), False,
                          "%s; buttons %s; screen in %s" % (exc, self.buttons(), shot))
            raise toxnet.ScenarioStopped(what) from None
        self.sc.check("%s: %s" % (self.name, what), True)
        return boxes

    def wait_log(self, pattern, timeout, what):
        return self.sc.step("%s: %s" % (self.name, what), self.tray.log.wait_for, pattern, timeout,
                            0, self.tray.proc)

    def shot(self, name):
        self.desktop.wait_painted(self.win)
        path = self.desktop.screenshot("first-run-" + name, self.win)
        self.sc.note("screenshot %s" % path)

    def close(self):
        """Stop the daemons the tray started (they outlive it by design)."""
        for entry in sorted(os.listdir(self.toxtun)):
            if entry.endswith(".ini") and entry != "defaults.ini":
                self.tunnel("stop", os.path.join(self.toxtun, entry))


def gvariant_string(text):
    return "'%s'" % text.replace("\\", "\\\\").replace("'", "\\'")


def big_choices(boxes):
    """The welcome page: two large buttons side by side."""
    big = [b for b in boxes if b[2] > 250 and b[3] > 100]
    return len(big) == 2


def one_small_button(boxes):
    """A form (share, connect): its one main button, at the bottom."""
    return len(boxes) == 1 and boxes[0][3] < 60


def allow_buttons(boxes):
    return [b for b in boxes if 20 <= b[3] < 60 and b[2] < 150]


def socks5_roundtrip(port, host, dest_port, payload):
    """A SOCKS5 CONNECT (no authentication) to host:dest_port through
    127.0.0.1:port; sends payload, half-closes, returns what came back."""
    with toxnet.connect(port, timeout=30) as s:
        s.sendall(b"\x05\x01\x00")
        if s.recv(2) != b"\x05\x00":
            raise HarnessError("SOCKS5: no method accepted")
        s.sendall(b"\x05\x01\x00\x01" + socket.inet_aton(host) + struct.pack(">H", dest_port))
        reply = b""
        while len(reply) < 10:
            chunk = s.recv(10 - len(reply))
            if not chunk:
                raise HarnessError("SOCKS5: closed during the reply (%r)" % reply)
            reply += chunk
        if reply[1] != 0:
            raise HarnessError("SOCKS5: CONNECT refused, reply %d" % reply[1])
        s.sendall(payload)
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return got
            got += chunk


def body(sc):
    guitest.need("dbus-daemon", "dbus-monitor", "gdbus")
    boot = sc.bootstrap()
    echo = sc.add(toxnet.EchoServer())
    desktop = sc.add(guitest.Desktop(sc.dir, *SCREEN))
    sc.step("Xvfb and trayer are up", desktop.start)
    server = sc.add(User(sc, desktop, "server", boot, 0))
    client = sc.add(User(sc, desktop, "client", boot, SCREEN[0] - 860))
    notes = server.bus.monitor("type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
                               os.path.join(server.dir, "notifications.log"))

    # ---- the server: Share this computer, one service ----
    server.start_tray()
    choices = server.wait_buttons("the window offers two large choices", big_choices)
    server.shot("01-choice")
    desktop.click_box(choices[0])                     # Share this computer
    share = server.wait_buttons("Share this computer opens its form", one_small_button)
    server.focus()
    desktop.key("alt+o")                              # _One service this computer reaches
    desktop.type("127.0.0.1:%d" % echo.port)
    server.shot("02-share")
    desktop.click_box(share[0])                       # Share
    ini = server.path("server")
    text = sc.step("server.ini is written in ~/.config/toxtun",
                   wait_until, lambda: read(ini), guitest.UI_TIMEOUT, "server.ini")
    sc.check("... asking before it accepts anyone", "\napprove = ask\n" in text, "\n" + text)
    sc.check("... offering the one service", "\npermit = 127.0.0.1:%d\n" % echo.port in text, "\n" + text)
    sc.check("... with the [tox] section of defaults.ini", server.tox in text, "\n" + text)
    sc.check("... and nothing else of defaults.ini", "linger" not in text, "\n" + text)
    sc.step("the identity is made beside it (server.tox)", wait_until,
            lambda: os.path.exists(server.path("server")[:-4] + ".tox"), guitest.UI_TIMEOUT, "server.tox")
    server_id = server.tunnel("id", ini).stdout.strip()
    sc.require("`tunnel id server.ini` prints the ID", toxnet.TOX_ID_RE.match(server_id), server_id)
    server_log = server.daemon_log("server", "server")
    sc.show_log("the server daemon", server_log)
    sc.step("the tray starts the server daemon", wait_until, lambda: os.path.exists(server_log.path),
            guitest.UI_TIMEOUT, "the server daemon's log")
    sc.step("... which joins the Tox network", server_log.wait_for, r"dht: connected", MEET)
    sc.step("the window shows the ID's QR code", desktop.wait_colour, server.win, (0, 0, 0))
    server.shot("03-shared")
    server.focus()
    desktop.key("alt+o")                              # C_opy the ID

    # ---- the client: Connect to a computer ----
    client.start_tray()
    choices = client.wait_buttons("the client's window offers the two choices", big_choices)
    desktop.click_box(choices[1])                     # Connect to a computer
    connect = client.wait_buttons("Connect to a computer opens its form", one_small_button)
    client.focus()
    typo = server_id[:20] + ("0" if server_id[20] != "0" else "1") + server_id[21:]
    desktop.key("alt+i")
    desktop.type(typo)
    sc.step("a mistyped ID is refused as it is typed (a red message under it)",
            desktop.wait_colour, client.win, guitest.ERROR_TEXT_COLOUR)
    client.shot("04-connect-typo")
    desktop.key("alt+n")
    desktop.type("office")
    desktop.click_box(connect[0])
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    sc.add(busy)
    # Pasted from the clipboard, where the server's Copy button put it.
    client.focus()
    desktop.key("alt+i", "ctrl+a", "ctrl+v")
    sc.step("the pasted ID is the server's: the red message goes",
            wait_until, lambda: not desktop.window_has_colour(client.win, guitest.ERROR_TEXT_COLOUR),
            guitest.UI_TIMEOUT, "no error text in the client's window", 0.3)
    desktop.key("alt+s", "alt+l", "ctrl+a")           # _SSH, _Local port
    desktop.type(str(busy.getsockname()[1]))
    desktop.click_box(connect[0])
    sc.step("a local port in use is refused, in the daemon's words",
            desktop.wait_colour, client.win, guitest.ERROR_TEXT_COLOUR)
    client.shot("05-connect-port-in-use")
    # The clicks before were handled before the paste that removed the red
    # message: neither the mistyped ID nor the busy port wrote anything.
    sc.check("... and nothing is written, for the mistyped ID either",
             sorted(os.listdir(client.toxtun)) == ["defaults.ini"], os.listdir(client.toxtun))

    local = toxnet.free_port()
    client.focus()
    desktop.key("alt+u")                              # C_ustom
    client.shot("06-connect")
    desktop.click_box(connect[0])                     # Connect: the tunnel dialog
    dialog = sc.step("Custom opens the tunnel dialog", wait_until,
                     lambda: desktop.windows_of(client.tray.proc.pid, r"^Add tunnel$"),
                     guitest.UI_TIMEOUT, "the Add tunnel dialog")[0]
    desktop.focus(dialog)
    desktop.wait_painted(dialog)
    desktop.key("alt+p")                              # Listen _port
    desktop.type(str(local))
    desktop.key("alt+r")                              # Destination po_rt
    desktop.type(str(echo.port))
    desktop.screenshot("first-run-07-custom-tunnel", dialog)
    desktop.key("Return")
    office = client.path("office")
    text = sc.step("office.ini is written", wait_until, lambda: read(office), guitest.UI_TIMEOUT, "office.ini")
    line = "\noffice = %d:127.0.0.1:%d:%s\n" % (local, echo.port, server_id)
    sc.check("... with the tunnel to the echo service, the pasted ID in it", line in text, "\n" + text)
    sc.check("... and the [tox] section of defaults.ini", client.tox in text, "\n" + text)
    client_log = client.daemon_log("office", "client")
    sc.show_log("the client daemon", client_log)
    sc.step("the tray starts the client daemon", wait_until, lambda: os.path.exists(client_log.path),
            guitest.UI_TIMEOUT, "the client daemon's log")
    client_key = sc.step("... which answers on its control socket", client.public_key, office)
    client.wait_log(r"office\.ini \(client\): waiting: the other side has not approved this computer yet",
                    MEET, "the window says it waits for approval")
    sc.step("... in the colour of a person's turn", desktop.wait_colour, client.win, WORDS_PERSON)
    client.shot("08-waiting")

    # ---- the server allows it ----
    allow = server.wait_buttons("the request shows in the server's window with Allow",
                                lambda b: allow_buttons(b))
    server.wait_log(r"%s asks to connect" % client_key, 10, "the tray announces the request")
    sc.step("a desktop notification with Allow and Deny goes out on the server's bus",
            notes.wait_for, r'string "Deny"', guitest.UI_TIMEOUT)
    sc.check("... titled for people", re.search(r"A computer asks to connect", notes.text()), notes.tail())
    server.shot("09-request")
    desktop.click_box(allow_buttons(allow)[0])
    sc.step("Allow: the daemon adds the client's key to server.ini", wait_until,
            lambda: ("\nallow = %s\n" % client_key) in (read(ini) or ""), guitest.UI_TIMEOUT, "the allow line")
    server.wait_buttons("the request leaves the list", lambda b: not allow_buttons(b))
    client.wait_log(r"office\.ini \(client\): connected (\(direct UDP\)|through a relay)", MEET,
                    "the client's window says connected")
    sc.step("... in green", desktop.wait_colour, client.win, WORDS_UP)
    sc.step("the server's window says connected too", desktop.wait_colour, server.win, WORDS_UP, MEET)
    server.shot("10-allowed")
    client.shot("11-connected")
    sent, echoed = toxnet.echo_roundtrip(local, 7, 500_000)
    sc.check("bytes through the client's local port come back from the echo service intact",
             sent.sha256 == echoed.sha256 and echoed.nbytes == 500_000, (sent, echoed))

    # ---- a second connection: the browser proxy ----
    client.focus()
    desktop.key("ctrl+n")                             # Add…
    choices = client.wait_buttons("Add… shows the two choices again", big_choices)
    desktop.key("alt+l")                              # Start at _login
    entry = os.path.join(client.config, "autostart", "toxtun-tray.desktop")
    desktop_entry = sc.step("Start at login writes the autostart entry", wait_until,
                            lambda: read(entry), guitest.UI_TIMEOUT, "the autostart entry")
    sc.check("... which starts this tray", "\nExec=%s\n" % os.path.realpath(guitest.tray_binary())
             in desktop_entry and "\nX-GNOME-Autostart-enabled=true\n" in desktop_entry, desktop_entry)
    client.shot("12-add")
    desktop.key("alt+l")
    sc.step("... and switched off, removes it", wait_until, lambda: not os.path.exists(entry),
            guitest.UI_TIMEOUT, "the autostart entry to go")
    desktop.click_box(choices[1])
    connect = client.wait_buttons("Connect to a computer again", one_small_button)
    proxy = toxnet.free_port()
    client.focus()
    desktop.key("alt+i", "ctrl+v", "alt+n")
    desktop.type("web")
    desktop.key("alt+p", "alt+l", "ctrl+a")           # Browser _proxy, _Local port
    desktop.type(str(proxy))
    desktop.click_box(connect[0])
    web = client.path("web")
    text = sc.step("web.ini is written", wait_until, lambda: read(web), guitest.UI_TIMEOUT, "web.ini")
    sc.check("... with a socks5 line", "\nweb = socks5:%d:%s\n" % (proxy, server_id) in text, "\n" + text)
    web_key = sc.step("... and its daemon runs", client.public_key, web)
    server.wait_buttons("the second computer asks the server", lambda b: allow_buttons(b))
    server.wait_log(r"%s asks to connect" % web_key, 10, "... and it is announced")
    # Allow in the notification: what the desktop does when its button is
    # pressed, the application's action with the notification's target.
    target = "[<(%s, %s)>]" % (gvariant_string(ini), gvariant_string(web_key))
    call = subprocess.run(["gdbus", "call", "--address", server.bus.address, "--dest", "org.toxtun.Tray",
                           "--object-path", "/org/toxtun/Tray", "--method", "org.gtk.Actions.Activate",
                           "allow", target, "{}"], capture_output=True, text=True, timeout=30)
    sc.check("the notification's Allow action is taken", call.returncode == 0, call.stderr)
    sc.step("... and allows it", wait_until, lambda: ("\nallow = %s\n" % web_key) in (read(ini) or ""),
            guitest.UI_TIMEOUT, "the second allow line")
    client.wait_log(r"web\.ini \(client\): connected", MEET, "the proxy connection is up")
    sc.step("... and its window says so", desktop.wait_colour, client.win, WORDS_UP)
    client.shot("13-proxy")
    payload = os.urandom(100_000)
    got = sc.step("a SOCKS5 connection through the proxy reaches the echo service",
                  socks5_roundtrip, proxy, "127.0.0.1", echo.port, payload)
    sc.check("... and the bytes come back intact", got == payload, "%d of %d bytes" % (len(got), len(payload)))

    # ---- Remove from this list: forgets, stops nothing, deletes nothing ----
    web_log = client.daemon_log("web", "client")
    pid = int(re.search(r'"pid"\s*:\s*(\d+)', client.tunnel("status", "--json", web).stdout).group(1))
    client.focus()
    desktop.key("alt+r")                              # _Remove from this list
    question = sc.step("removing a running connection asks first", wait_until,
                       lambda: desktop.windows_of(client.tray.proc.pid, r"^Remove from this list$"),
                       guitest.UI_TIMEOUT, "the question")[0]
    desktop.focus(question)
    desktop.wait_painted(question)
    desktop.screenshot("first-run-14-remove", question)
    desktop.key("alt+k")                              # _Keep it running
    conf = os.path.join(client.toxtun, "tray.conf")
    sc.step("the connection leaves the tray's list", wait_until, lambda: "web.ini" not in (read(conf) or ""),
            guitest.UI_TIMEOUT, "tray.conf without web.ini")
    sc.check("... the file stays", os.path.exists(web))
    sc.check("... and so does its daemon", os.path.exists("/proc/%d" % pid), web_log.tail())
    sc.check("the first connection is still listed", "office.ini" in (read(conf) or ""), read(conf))

    # ... and with "Stop it", its daemon stops before it goes.
    office_pid = int(re.search(r'"pid"\s*:\s*(\d+)', client.tunnel("status", "--json", office).stdout).group(1))
    client.focus()
    desktop.key("alt+r")
    question = sc.step("removing the other one asks too", wait_until,
                       lambda: desktop.windows_of(client.tray.proc.pid, r"^Remove from this list$"),
                       guitest.UI_TIMEOUT, "the question")[0]
    desktop.focus(question)
    desktop.key("alt+s")                              # _Stop it
    sc.step("Stop it: its daemon stops", wait_until, lambda: not os.path.exists("/proc/%d" % office_pid),
            toxnet.STOP_TIMEOUT, "the office daemon to exit")
    sc.step("... and then it leaves the list", wait_until, lambda: "office.ini" not in (read(conf) or "x"),
            guitest.UI_TIMEOUT, "tray.conf without office.ini")
    sc.check("... its file stays", os.path.exists(office))
    client.wait_buttons("with nothing left in the list, the window offers the two choices again", big_choices)

    for label, log in (("server tray", server.tray.log), ("client tray", client.tray.log),
                       ("server daemon", server_log), ("client daemon", client_log)):
        reports = log.sanitizer_reports()
        sc.check("no sanitizer report from the %s" % label, not reports, "\n".join(reports[:5]))


if __name__ == "__main__":
    toxnet.main("gui-first-run", body)
