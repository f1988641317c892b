# SPDX-License-Identifier: GPL-3.0-or-later
"""toxtun-tray on a headless desktop, against a real daemon pair.

A private Tox network (tox-bootstrapd on 127.0.0.1, toxnet.py), a real
`tunnel server` started by the test (the tray must adopt it) and a
`tunnel client` that the tray starts from its menu. The desktop is Xvfb with
trayer as the XEmbed tray (guitest.py); the tray is driven with xdotool like a
person would: clicks on the icon, the keyboard in menus and dialogs.

Checked:
- the icon is embedded in the tray and shows the state, by its pixels and by
  its title: connecting while the server waits, connected (green) once the
  client started from the menu has met the server, rates in the title;
- the window opens from the menu;
- the config editor: a tunnel added in the dialog (after a refused bad
  value) is written into client.ini as one new line, every other byte kept;
  the daemon reloads and listens on it, and data goes through;
- a restarted daemon is adopted again (the tray reconnects by itself);
- a second `toxtun-tray --show` hands over to the running instance;
- Quit leaves the daemons running.
Screenshots of each stage are kept in BUILD/gui-test-artifacts/.
"""

import os
import re
import subprocess
import time

import guitest
import toxnet
from toxnet import HarnessError, wait_until

MEET = toxnet.MEET_TIMEOUT * 2


def unix_connections(path):
    """How many connected sockets (accepted connections) exist at path:
    /proc/net/unix lists the daemon's accepted sockets under its path."""
    count = 0
    with open("/proc/net/unix") as table:
        next(table)
        for line in table:
            fields = line.split()
            if len(fields) >= 8 and fields[7] == path and fields[5] == "03":
                count += 1
    return count


def read(path):
    with open(path, "rb") as f:
        return f.read()


class StopDaemon:
    """Cleanup for a daemon the tray started (not a child of the test):
    `tunnel stop` when the test ends, whatever happened."""

    def __init__(self, node):
        self.node = node

    def close(self):
        try:
            self.node.run_cli("stop", self.node.ini_path, timeout=30)
        except HarnessError:
            pass


def body(sc):
    runtime = guitest.private_user_dirs(sc.dir)
    boot = sc.bootstrap()
    echo = sc.add(toxnet.EchoServer())

    # The server: started by the test, with its control socket set in the
    # file ([control] socket), which the tray must honour.
    server_sock = os.path.join(runtime, "srv-control.sock")
    server = sc.node("server", "server", toxnet.tox_section(boot)
                     + "[server]\nname = office\n\n[control]\nsocket = %s\n" % server_sock)
    server.env["XDG_RUNTIME_DIR"] = runtime
    port1, port2 = toxnet.free_port(), toxnet.free_port()
    # The client, as a person writes it: comments of both kinds, odd spacing,
    # an inline comment. The tray starts it (default control socket).
    client_text = ("; the GUI test's client\n# keep private\n\n" + toxnet.tox_section(boot)
                   + "\n[client]\n"
                   + "echo   =  %d:127.0.0.1:%d:%s   ; first tunnel\n" % (port1, echo.port, server.tox_id())
                   + "\n#  end of tunnels\n[link]\nlinger  = 0\n")
    client = sc.node("client", "client", client_text)
    client.env["XDG_RUNTIME_DIR"] = runtime  # where the tray's daemon puts its socket
    client.tox_id()
    sc.add(StopDaemon(client))
    server.start()
    sc.step("the server daemon is up", server.wait_started)

    desktop = sc.add(guitest.Desktop(sc.dir))
    sc.step("Xvfb and trayer are up", desktop.start)
    sc.note("display %s" % desktop.display)
    tray = sc.add(guitest.Tray(desktop, sc.dir,
                               ["--config", client.ini_path, "--config", "server:" + server.ini_path]))
    sc._logs.append(("toxtun-tray", tray.log))
    # The log of the client daemon the tray starts (gui/service.c).
    client_log = toxnet.LogFile(os.path.join(sc.dir, "state", "toxtun", "client.client.log"))
    sc._logs.append(("client daemon started by the tray", client_log))

    sc.step("the icon is embedded in the tray",
            wait_until, tray.icon_window, guitest.UI_TIMEOUT, "the tray icon")
    sc.step("the running server is adopted: the icon shows connecting",
            tray.wait_icon, "connecting")
    sc.step("... and so does its title", tray.wait_title, r"^toxtun — connecting( — ↑ .*)?$")
    desktop.screenshot("01-connecting")

    # Menu: 0 Open window, 1 Start client.ini (client), 2 Stop server.ini
    # (server), 3 Copy my Tox ID (submenu), 4 Quit.
    tray.menu_choose(1)
    sc.step("the client started from the menu meets the server: the icon turns green",
            tray.wait_icon, "connected", MEET)
    title = sc.step("... and the title says connected, with rates",
                    tray.wait_title, r"^toxtun — connected — ↑ .* ↓ ", MEET)
    sc.note("title: %s" % title)
    desktop.screenshot("02-connected")

    sent, echoed = toxnet.echo_roundtrip(port1, 1, 2_000_000)
    sc.check("the existing tunnel carries data", echoed.sha256 == sent.sha256, (sent, echoed))
    sc.step("the title shows the traffic's rate",
            tray.wait_title, r"↑ [0-9.]+ [kM]B/s ↓ [0-9.]+ [kM]B/s", 20)

    tray.menu_choose(0)
    window = sc.step("the window opens from the menu",
                     wait_until, lambda: desktop.find_window(r"^toxtun$", onlyvisible=True),
                     guitest.UI_TIMEOUT, "the main window")[0]
    desktop.wait_painted(window)
    # It opens on the overview; Stat_us has the graphs, which fill in from
    # the next snapshot (1 s).
    desktop.focus(window)
    desktop.key("alt+u")
    wait_until(lambda: desktop.window_has_colour(window, guitest.GRAPH_UP_COLOUR), 20,
               "a rate graph in the window")
    shot = desktop.screenshot("03-window-status", window)
    sc.note("screenshot: %s" % shot)

    # The config editor: the Configuration tab, Add tunnel.
    desktop.focus(window)
    desktop.key("alt+c", window=None)
    desktop.key("alt+a")
    dialog = sc.step("the Add tunnel dialog opens",
                     wait_until, lambda: desktop.find_window(r"^Add tunnel$", onlyvisible=True),
                     guitest.UI_TIMEOUT, "the Add tunnel dialog")[0]
    desktop.focus(dialog)
    desktop.type("web")                           # _Name has the focus
    desktop.key("alt+p")
    desktop.type(str(port2))                      # Listen _port
    desktop.key("alt+r")
    desktop.type("99999")                         # Destination po_rt: out of range
    desktop.key("Return")
    sc.step("a bad port is refused: the dialog stays open with the daemon's message",
            desktop.wait_colour, dialog, guitest.ERROR_TEXT_COLOUR)
    desktop.screenshot("04-dialog-error", dialog)
    sc.check("... and nothing is written", read(client.ini_path) == client_text.encode())
    desktop.key("alt+r", "ctrl+a")
    desktop.type(str(echo.port))
    desktop.key("Return")
    sc.step("the dialog closes once the line is valid",
            wait_until, lambda: not desktop.find_window(r"^Add tunnel$", onlyvisible=True),
            guitest.UI_TIMEOUT, "the dialog to close")
    desktop.focus(window)
    desktop.key("alt+s")                          # _Save and reload
    new_line = "web = %d:127.0.0.1:%d:%s\n" % (port2, echo.port, server.tox_id())
    anchor = "   ; first tunnel\n"
    expected = client_text.replace(anchor, anchor + new_line, 1).encode()

    def saved():
        return read(client.ini_path) != client_text.encode()
    sc.step("saving writes client.ini", wait_until, saved, guitest.UI_TIMEOUT, "client.ini to change")
    got = read(client.ini_path)
    sc.check("... with one new line after the last tunnel, every other byte kept",
             got == expected, "\n" + got.decode(errors="replace"))

    sc.step("the daemon reloads and listens on the new tunnel",
            toxnet.connect(port2, timeout=30).close)
    sent, echoed = toxnet.echo_roundtrip(port2, 2, 1_000_000)
    sc.check("... which carries data to its destination", echoed.sha256 == sent.sha256, (sent, echoed))
    desktop.wait_painted(window)
    desktop.screenshot("05-editor-saved", window)
    desktop.key("alt+u")                          # back to Stat_us
    wait_until(lambda: desktop.window_has_colour(window, guitest.GRAPH_UP_COLOUR), 20,
               "the status page")
    desktop.screenshot("06-window-two-tunnels", window)

    desktop.key("alt+i")                          # _Identity: the Tox ID and its QR code
    sc.step("the Identity page shows a QR code",
            desktop.wait_colour, window, (0, 0, 0))
    desktop.screenshot("07-identity", window)

    # The server restarts: the tray must find it again by itself.
    sc.check("the tray is connected to the server's control socket",
             wait_until(lambda: unix_connections(server_sock) >= 1, 10, "a control connection"))
    server.stop()
    server.start()
    sc.step("the restarted server is up", server.wait_started)
    sc.step("the tray reconnects to the restarted server by itself",
            wait_until, lambda: unix_connections(server_sock) >= 1, 15, "the tray's control connection")
    sc.step("client and server meet again: connected",
            tray.wait_title, r"^toxtun — connected", MEET)

    # One instance per user: a second start hands over and exits.
    second = subprocess.run([guitest.tray_binary(), "--show", "--config", client.ini_path],
                            env=tray.env, capture_output=True, text=True, timeout=60)
    sc.check("a second toxtun-tray hands over to the first and exits 0",
             second.returncode == 0, second.stderr)
    sc.check("... and the first one still runs", tray.alive())

    # Quit: the tray goes, the daemons stay.
    status = client.run_cli("status", "--json", client.ini_path)
    client_pid = int(re.search(r'"pid"\s*:\s*(\d+)', status.stdout).group(1)) if status.returncode == 0 else 0
    sc.check("the client daemon answers `tunnel status`", client_pid > 0, status.stderr)
    tray.menu_choose(4)
    sc.step("Quit in the menu ends the tray",
            wait_until, lambda: not tray.alive(), guitest.UI_TIMEOUT, "the tray to exit")
    sc.check("... with status 0", tray.proc.returncode == 0, tray.proc.returncode)
    sc.check("... and the daemons keep running",
             client_pid > 0 and os.path.exists("/proc/%d" % client_pid) and server.alive())
    stop = client.run_cli("stop", client.ini_path)
    sc.check("the client daemon started by the tray stops on `tunnel stop`", stop.returncode == 0,
             stop.stderr)
    if client_pid:
        wait_until(lambda: not os.path.exists("/proc/%d" % client_pid), 30, "the client daemon to exit")
    sc.step("the server exits 0 on SIGTERM", server.stop)
    for label, log in (("toxtun-tray", tray.log), ("the client daemon", client_log)):
        reports = log.sanitizer_reports()
        sc.check("no sanitizer report from %s" % label, not reports, "\n".join(reports[:5]))


if __name__ == "__main__":
    toxnet.main("gui-tray", body)
