# SPDX-License-Identifier: GPL-3.0-or-later
"""toxtun-tray with a broken configuration: the error state, and recovery.

No Tox network is needed: the only daemon here never meets anyone (its
bootstrap line points at a closed port on 127.0.0.1, so nothing leaves the
machine).

Checked:
- a file the daemon would refuse shows the error icon (red) at once, and the
  title carries the daemon's own message (file, line, problem);
- Start from the menu launches `tunnel client`, which exits with status 2:
  still an error, with the daemon's message;
- once the file is fixed (by any editor), Start runs the daemon: connecting
  (amber, no server anywhere); Stop from the menu: stopped (grey).
"""

import os

import guitest
import toxnet
from toxnet import wait_until


def body(sc):
    guitest.private_user_dirs(sc.dir)
    good_id = None
    node = sc.node("idsource", "server", "[tox]\nlocal_discovery = no\n[server]\n")
    good_id = node.tox_id()
    bad_id = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")  # a typo: checksum mismatch
    tox = ("[tox]\nbootstrap = 127.0.0.1 1 %s\nlocal_discovery = no\n" % ("00" * 32))
    ini = os.path.join(sc.dir, "broken.ini")
    with open(ini, "w") as f:
        f.write(tox + "[client]\nssh = %d:127.0.0.1:22:%s\n" % (toxnet.free_port(), bad_id))

    desktop = sc.add(guitest.Desktop(sc.dir))
    sc.step("Xvfb and trayer are up", desktop.start)
    tray = sc.add(guitest.Tray(desktop, sc.dir, ["--config", ini]))
    sc._logs.append(("toxtun-tray", tray.log))
    daemon_log = toxnet.LogFile(os.path.join(sc.dir, "state", "toxtun", "broken.client.log"))
    sc._logs.append(("the daemon started by the tray", daemon_log))

    sc.step("a broken file shows the error icon", tray.wait_icon, "error")
    title = sc.step("... with the daemon's message in the title",
                    tray.wait_title, r"^toxtun — error: .*broken\.ini:5: .*checksum")
    sc.note("title: %s" % title)
    desktop.screenshot("errors-01-config")

    # Menu: 0 Open window, 1 Start broken.ini (client), 2 Copy my Tox ID
    # (insensitive: no identity yet, skipped by the keyboard), 3 Quit.
    tray.menu_choose(1)
    sc.step("the daemon started anyway refuses the file and exits",
            daemon_log.wait_for, r"checksum", 30)
    sc.step("... and the icon stays red, with its message",
            tray.wait_title, r"^toxtun — error: .*checksum")

    with open(ini, "w") as f:
        f.write(tox + "[client]\nssh = %d:127.0.0.1:22:%s\n" % (toxnet.free_port(), good_id))
    tray.menu_choose(1)
    sc.step("fixed and started: connecting (no server anywhere)", tray.wait_icon, "connecting")
    sc.step("... title too", tray.wait_title, r"^toxtun — connecting — ↑")
    desktop.screenshot("errors-02-connecting")
    tray.menu_choose(1)
    sc.step("Stop from the menu: stopped", tray.wait_icon, "stopped", 60)
    sc.step("... title too", tray.wait_title, r"^toxtun — stopped$")
    sc.step("the daemon logged a clean stop", daemon_log.wait_for, r"shutdown requested", 10)
    desktop.screenshot("errors-03-stopped")
    reports = tray.log.sanitizer_reports() + daemon_log.sanitizer_reports()
    sc.check("no sanitizer report", not reports, "\n".join(reports[:5]))


if __name__ == "__main__":
    toxnet.main("gui-tray-errors", body)
