# SPDX-License-Identifier: GPL-3.0-or-later
"""guitest: a headless desktop for the toxtun-tray GUI tests.

An X server (Xvfb) on a free display, `trayer` as the XEmbed system tray
(libayatana-appindicator3 falls back to an XEmbed GtkStatusIcon when no
StatusNotifier host runs, which is the case here), xdotool to click and type,
ImageMagick `import` for screenshots. The tests run under dbus-run-session
(ctest starts them so) so that GtkApplication's single-instance check and the
indicator's D-Bus probing stay private to the test.

Like toxnet.py (whose processes and rules this reuses): no fixed sleeps as
synchronisation, every wait is a condition with a deadline; every process is
stopped on any exit path.
"""

import os
import re
import select
import shutil
import subprocess
import time

import toxnet
from toxnet import HarnessError, wait_until

# Window and icon changes are quick; a daemon's friend coming online is not
# (toxnet.MEET_TIMEOUT).
UI_TIMEOUT = 30.0


def tray_binary():
    return toxnet.built_binary("toxtun-tray", "TOXTUN_TRAY_BIN")


def artifacts_dir():
    """Screenshots are kept here (under the build directory) for people to look at."""
    base = os.environ.get("TOXTUN_BUILD_DIR") or os.getcwd()
    path = os.path.join(base, "gui-test-artifacts")
    os.makedirs(path, exist_ok=True)
    return path


def need(*programs):
    missing = [p for p in programs if not shutil.which(p)]
    if missing:
        raise HarnessError("missing programs: %s (tests/install-deps.sh installs them)"
                           % ", ".join(missing))


def private_user_dirs(workdir):
    """Everything the tray and the daemons it starts keep per user goes into
    the test's directory: control sockets, daemon logs, the tray's list.
    Returns the runtime directory (XDG_RUNTIME_DIR)."""
    runtime = os.path.join(workdir, "run")
    os.makedirs(runtime, mode=0o700)
    os.environ.update({
        "XDG_RUNTIME_DIR": runtime,
        "XDG_STATE_HOME": os.path.join(workdir, "state"),
        "XDG_CONFIG_HOME": os.path.join(workdir, "config"),
        # No systemd user manager here: always launch `tunnel` directly.
        "TOXTUN_TRAY_NO_SYSTEMD": "1",
    })
    return runtime


class Desktop:
    """Xvfb + trayer. env() is the environment for X clients."""

    WIDTH, HEIGHT = 1280, 800

    def __init__(self, workdir, width=None, height=None):
        self.dir = workdir
        # Room for two windows side by side when a test needs it.
        self.WIDTH = width or self.WIDTH
        self.HEIGHT = height or self.HEIGHT
        self.display = None
        self.xvfb = None
        self.trayer = None
        self.log = toxnet.LogFile(os.path.join(workdir, "desktop.log"))

    def start(self):
        need("Xvfb", "trayer", "xdotool", "import", "xwininfo")
        # -displayfd: Xvfb picks a free display and tells us which, once it
        # accepts connections; no guessing, no race with other X servers.
        read_fd, write_fd = os.pipe()
        prefix = [toxnet._SETPRIV, "--pdeathsig", "KILL", "--"] if toxnet._SETPRIV else []
        with open(self.log.path, "ab") as log:
            self.xvfb = subprocess.Popen(
                prefix + ["Xvfb", "-displayfd", str(write_fd), "-screen", "0",
                          "%dx%dx24" % (self.WIDTH, self.HEIGHT), "-nolisten", "tcp", "-noreset"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                pass_fds=(write_fd,), start_new_session=True)
        with toxnet._live_lock:
            toxnet._live_processes.add(self.xvfb)
        os.close(write_fd)
        data = b""
        deadline = time.monotonic() + UI_TIMEOUT
        try:
            while not data.endswith(b"\n"):
                if time.monotonic() > deadline or self.xvfb.poll() is not None:
                    raise HarnessError("Xvfb did not start\n" + toxnet.indent(self.log.tail()))
                if not select.select([read_fd], [], [], 0.5)[0]:
                    continue
                chunk = os.read(read_fd, 64)
                if not chunk:
                    raise HarnessError("Xvfb closed -displayfd without a display number\n"
                                       + toxnet.indent(self.log.tail()))
                data += chunk
        finally:
            os.close(read_fd)
        self.display = ":" + data.decode().strip()
        # A tray at the bottom right, clear of windows (there is no window
        # manager: they open at the top left); a solid background so icons
        # show as they are.
        self.trayer = toxnet.spawn(
            ["trayer", "--edge", "bottom", "--align", "right", "--widthtype", "request",
             "--height", "32", "--SetDockType", "true", "--transparent", "false",
             "--tint", "0xffffff", "--expand", "true"], self.log.path, env=self.env())
        wait_until(lambda: self.find_window(r"^panel$", onlyvisible=True), UI_TIMEOUT,
                   "trayer's panel window")
        return self

    def env(self, extra=None):
        env = dict(os.environ)
        env.update({"DISPLAY": self.display, "GDK_BACKEND": "x11",
                    # No accessibility bus in the test session.
                    "NO_AT_BRIDGE": "1"})
        if extra:
            env.update(extra)
        return env

    def run(self, *argv, check=True, timeout=30):
        result = subprocess.run(list(argv), env=self.env(), capture_output=True, text=True,
                                errors="replace", timeout=timeout, stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise HarnessError("%s failed (%d): %s" % (" ".join(argv), result.returncode,
                                                       result.stderr.strip()))
        return result

    # Windows

    def find_window(self, name_regex, onlyvisible=False, classname=None):
        """Window ids whose name (or class) matches; [] if none."""
        argv = ["xdotool", "search"]
        if onlyvisible:
            argv.append("--onlyvisible")
        if classname:
            argv += ["--class", classname]
        else:
            argv += ["--name", name_regex]
        result = self.run(*argv, check=False)
        return [int(w) for w in result.stdout.split()]

    def windows_of(self, pid, name_regex=r".", onlyvisible=True):
        """Ids of the windows a process made (by _NET_WM_PID), whose name
        matches; [] if none. Tells apart two instances' windows of one name."""
        argv = ["xdotool", "search", "--all"] + (["--onlyvisible"] if onlyvisible else []) + [
            "--pid", str(pid), "--name", name_regex]
        return [int(w) for w in self.run(*argv, check=False).stdout.split()]

    def move(self, wid, x, y):
        """Place a window (there is no window manager: they all open at the
        top left)."""
        self.run("xdotool", "windowmove", "--sync", str(wid), str(x), str(y), check=False)
        wait_until(lambda: self.geometry(wid)[:2] == (x, y), UI_TIMEOUT,
                   "window %s to move to %d,%d" % (wid, x, y), interval=0.1)

    def window_name(self, wid):
        result = self.run("xdotool", "getwindowname", str(wid), check=False)
        return result.stdout.strip() if result.returncode == 0 else None

    def geometry(self, wid):
        """(x, y, width, height) of a window on the screen."""
        out = self.run("xwininfo", "-id", str(wid)).stdout
        values = {}
        for key, label in (("x", "Absolute upper-left X"), ("y", "Absolute upper-left Y"),
                           ("w", "Width"), ("h", "Height")):
            match = re.search(r"%s:\s+(-?\d+)" % label, out)
            if not match:
                raise HarnessError("xwininfo gave no %s for %s" % (label, wid))
            values[key] = int(match.group(1))
        return values["x"], values["y"], values["w"], values["h"]

    def override_redirect(self, wid):
        result = self.run("xwininfo", "-id", str(wid), check=False)
        return "Override Redirect State: yes" in result.stdout and "Map State: IsViewable" in result.stdout

    def viewable(self, wid):
        result = self.run("xwininfo", "-id", str(wid), check=False)
        return "Map State: IsViewable" in result.stdout

    def tray_children(self):
        """Ids of the windows embedded in trayer (its icons' sockets hold
        them); found through the X tree below trayer's panel."""
        panels = self.find_window(r"^panel$")
        ids = []
        for panel in panels:
            tree = self.run("xwininfo", "-tree", "-id", str(panel), check=False).stdout
            ids += [int(m, 16) for m in re.findall(r"^\s+(0x[0-9a-f]+) ", tree, re.M)]
        return ids

    # Input

    def click(self, x, y, button=1):
        self.run("xdotool", "mousemove", "--sync", str(x), str(y))
        self.run("xdotool", "click", str(button))

    def click_window(self, wid, button=1):
        x, y, w, h = self.geometry(wid)
        self.click(x + w // 2, y + h // 2, button)

    def key(self, *keys, window=None):
        argv = ["xdotool", "key", "--delay", "40"]
        if window:
            argv += ["--window", str(window)]
        self.run(*(argv + list(keys)))

    def type(self, text):
        self.run("xdotool", "type", "--delay", "15", text)

    def focus(self, wid):
        self.run("xdotool", "windowfocus", "--sync", str(wid), check=False)

    # Pixels

    def screenshot(self, name, window="root"):
        """A PNG in the artifacts directory; returns its path."""
        path = os.path.join(artifacts_dir(), name + ".png")
        self.run("import", "-window", str(window), path, timeout=60)
        return path

    def pixels(self, x, y, w, h):
        """The RGB pixels of a screen area, as a list of (r, g, b)."""
        out = subprocess.run(["import", "-window", "root", "-crop", "%dx%d+%d+%d" % (w, h, x, y),
                              "-depth", "8", "rgb:-"], env=self.env(), capture_output=True,
                             timeout=60, stdin=subprocess.DEVNULL)
        if out.returncode != 0:
            raise HarnessError("import failed: %s" % out.stderr.decode(errors="replace"))
        data = out.stdout
        return [tuple(data[i:i + 3]) for i in range(0, len(data) - 2, 3)]

    def window_pixels(self, wid):
        x, y, w, h = self.geometry(wid)
        return self.pixels(x, y, w, h)

    def window_has_colour(self, wid, colour, tolerance=10, count=20):
        """Does the window show at least count pixels of about this colour?"""
        return self.colour_count(wid, colour, tolerance, count) >= count

    def colour_count(self, wid, colour, tolerance=10, most=None):
        """How many pixels of about this colour the window shows (counting
        stops at most)."""
        hits = 0
        for px in self.window_pixels(wid):
            if all(abs(a - b) <= tolerance for a, b in zip(px, colour)):
                hits += 1
                if most is not None and hits >= most:
                    break
        return hits

    def colour_boxes(self, wid, colour, tolerance=14, min_width=30, min_height=16, step=2):
        """The areas of a window filled with about this colour (buttons of
        one style, say), as (x, y, w, h) in screen coordinates, top to bottom
        then left to right; thin lines and small marks are left out. Found
        as connected areas of matching pixels, looked at every step pixels."""
        x0, y0, w, h = self.geometry(wid)
        px = self.pixels(x0, y0, w, h)
        cols, rows = (w + step - 1) // step, (h + step - 1) // step
        hit = bytearray(cols * rows)
        for r in range(rows):
            base = r * step * w
            for c in range(cols):
                p = px[base + c * step]
                if all(abs(a - b) <= tolerance for a, b in zip(p, colour)):
                    hit[r * cols + c] = 1
        boxes = []
        for start in range(cols * rows):
            if not hit[start]:
                continue
            hit[start] = 0
            stack, cells = [start], []
            while stack:
                i = stack.pop()
                cells.append(i)
                r, c = divmod(i, cols)
                for n in ((i - cols) if r else -1, (i + cols) if r + 1 < rows else -1,
                          (i - 1) if c else -1, (i + 1) if c + 1 < cols else -1):
                    if n >= 0 and hit[n]:
                        hit[n] = 0
                        stack.append(n)
            rs = [i // cols for i in cells]
            cs = [i % cols for i in cells]
            bw, bh = (max(cs) - min(cs) + 1) * step, (max(rs) - min(rs) + 1) * step
            if bw >= min_width and bh >= min_height:
                boxes.append((x0 + min(cs) * step, y0 + min(rs) * step, bw, bh))
        return sorted(boxes, key=lambda b: (b[1], b[0]))

    def click_box(self, box):
        x, y, w, h = box
        self.click(x + w // 2, y + h // 2)

    def wait_colour(self, wid, colour, timeout=UI_TIMEOUT):
        wait_until(lambda: self.window_has_colour(wid, colour), timeout,
                   "colour %s in window %s" % (colour, wid), interval=0.2)

    def wait_painted(self, wid, timeout=UI_TIMEOUT):
        """Wait until the window shows more than a blank background."""
        wait_until(lambda: len(set(self.window_pixels(wid))) > 8, timeout,
                   "window %s to be drawn" % wid, interval=0.2)

    def close(self):
        for proc in (self.trayer, self.xvfb):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            if proc is not None:
                toxnet.forget(proc)


# The icons' colours (assets/icons/*.svg): the main fill of each state.
STATE_COLOURS = {
    "stopped": (0x8c, 0x8c, 0x8c),
    "connecting": (0xf0, 0xa3, 0x0a),
    "connected": (0x2d, 0xa4, 0x4e),
    "relay": (0x3b, 0x82, 0xf6),
    "error": (0xe5, 0x48, 0x4d),
}


# Colours the window uses (gui/graph.c, the CSS of gui/app.c).
GRAPH_UP_COLOUR = (28, 115, 232)
ERROR_TEXT_COLOUR = (0xc0, 0x1c, 0x28)
# The selected row of a list (Adwaita, GTK's default theme).
SELECTED_ROW_COLOUR = (0x35, 0x84, 0xe4)
# A button of the "suggested-action" style: the window's main choices and
# the Allow buttons (Adwaita's blue, shaded from (52, 131, 228) to (37, 122, 226)).
SUGGESTED_COLOUR = (0x2c, 0x7f, 0xe3)


def dominant_state(pixels, tolerance=40):
    """Which state's colour covers most of these pixels (None if none)."""
    counts = dict.fromkeys(STATE_COLOURS, 0)
    for px in pixels:
        for state, colour in STATE_COLOURS.items():
            if all(abs(a - b) <= tolerance for a, b in zip(px, colour)):
                # Greys match "stopped" loosely; demand low saturation there.
                if state == "stopped" and max(px) - min(px) > 20:
                    continue
                counts[state] += 1
                break
    state = max(counts, key=counts.get)
    return state if counts[state] >= 20 else None


class SessionBus:
    """A D-Bus session bus of its own (dbus-daemon --session): one per
    desktop user, so that two tray instances on one display are two users
    (GtkApplication's single instance is per bus), and dbus-monitor can
    watch what one of them sends."""

    def __init__(self, workdir):
        need("dbus-daemon")
        self.path = os.path.join(workdir, "bus")
        self.address = "unix:path=" + self.path
        self.log = toxnet.LogFile(os.path.join(workdir, "dbus.log"))
        self.proc = toxnet.spawn(["dbus-daemon", "--session", "--nofork", "--nopidfile",
                                  "--address=" + self.address], self.log.path)
        wait_until(lambda: os.path.exists(self.path) or self.proc.poll() is not None, UI_TIMEOUT,
                   "dbus-daemon to listen")
        if self.proc.poll() is not None:
            raise HarnessError("dbus-daemon exited\n" + toxnet.indent(self.log.tail()))

    def monitor(self, match, log_path):
        """dbus-monitor on this bus for messages matching match; its output
        goes to log_path (a LogFile to wait on). Closed with the bus."""
        need("dbus-monitor")
        self.monitor_proc = toxnet.spawn(["dbus-monitor", "--address", self.address, match], log_path)
        return toxnet.LogFile(log_path)

    def close(self):
        for proc in (getattr(self, "monitor_proc", None), self.proc):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            if proc is not None:
                toxnet.forget(proc)


class Tray:
    """A toxtun-tray process on a Desktop."""

    def __init__(self, desktop, workdir, args, env_extra=None):
        self.desktop = desktop
        self.log = toxnet.LogFile(os.path.join(workdir, "tray.log"))
        env = desktop.env(env_extra)
        # GTK and its libraries leak plenty at exit by design (caches held
        # until the process ends), which LeakSanitizer would report as
        # errors: leak detection is off for the GUI process only (and so for
        # the daemons it starts, which inherit its environment; the
        # integration tests check the daemon for leaks). ASan's other checks
        # and UBSan stay on, and the tests fail on any report in the logs.
        env["ASAN_OPTIONS"] = "detect_leaks=0"
        env.setdefault("G_MESSAGES_DEBUG", "")
        self.argv = [tray_binary()] + list(args)
        self.env = env
        self.proc = toxnet.spawn(self.argv, self.log.path, env=env)

    def alive(self):
        return self.proc.poll() is None

    def icon_window(self):
        """The tray icon's window embedded in trayer: the XEmbed plug whose
        name is the indicator's title ("toxtun — ...")."""
        ids = self.desktop.find_window(r"^toxtun — ")
        embedded = set(self.desktop.tray_children())
        for wid in ids:
            if wid in embedded and self.desktop.viewable(wid):
                return wid
        return None

    def title(self):
        wid = self.icon_window()
        return self.desktop.window_name(wid) if wid else None

    def icon_state(self):
        wid = self.icon_window()
        if not wid:
            return None
        x, y, w, h = self.desktop.geometry(wid)
        return dominant_state(self.desktop.pixels(x, y, w, h))

    def wait_icon(self, state, timeout=UI_TIMEOUT):
        def check():
            self.require_alive()
            return self.icon_state() == state
        wait_until(check, timeout, "the tray icon to show %s (now %s, title %r)"
                   % (state, self.icon_state(), self.title()), interval=0.25)

    def wait_title(self, regex, timeout=UI_TIMEOUT):
        pattern = re.compile(regex)

        def check():
            self.require_alive()
            title = self.title()
            return title if title and pattern.search(title) else None
        try:
            return wait_until(check, timeout, "the tray title to match /%s/" % regex, interval=0.25)
        except HarnessError as exc:
            raise HarnessError("%s (now %r)" % (exc, self.title()))

    def require_alive(self):
        if not self.alive():
            raise HarnessError("toxtun-tray exited with status %s\n%s"
                               % (self.proc.returncode, toxnet.indent(self.log.tail())))

    def open_menu(self):
        """Click the icon and return the menu's window id. Left click opens
        the menu (it is an indicator)."""
        wid = self.icon_window()
        if not wid:
            raise HarnessError("no tray icon to click")
        before = set(self.menu_windows())
        self.desktop.click_window(wid)
        return wait_until(lambda: [w for w in self.menu_windows() if w not in before]
                          or self.menu_windows(), UI_TIMEOUT, "the tray menu to open")[0]

    def menu_windows(self):
        """Visible popup menus of the app: override-redirect toplevels of
        its class (the main window and the dialogs are managed ones)."""
        ids = self.desktop.find_window(None, onlyvisible=True, classname="toxtun-tray")
        return [w for w in ids if self.desktop.override_redirect(w)]

    def menu_choose(self, index):
        """Open the menu and activate its index-th item (0 = first; separators
        and insensitive items are skipped by the keyboard, as for a person)."""
        menu = self.open_menu()
        # The menu grabs the keyboard: arrows move through the items.
        self.desktop.key(*(["Down"] * (index + 1)), "Return")
        wait_until(lambda: menu not in self.menu_windows(), UI_TIMEOUT, "the menu to close")

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        toxnet.forget(self.proc)

    def close(self):
        self.stop()
