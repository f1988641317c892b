# SPDX-License-Identifier: GPL-3.0-or-later
"""toxtun-tray's config editor with every kind of [client] line.

No Tox network and no daemon: the editor works on the file alone (Save
writes it; with no daemon running there is nothing to reload). The tray is
driven with the keyboard, as a person would: the tunnel list, the tunnel
dialog and its kind selector, the permit_listen list.

Checked, by the bytes written to the file:
- a reverse line edited in the dialog stays a reverse line (only its port
  changes, its inline comment stays);
- a udp line edited in the dialog stays a udp line;
- a tunnel added with the kind selector set to UDP is written as a udp line;
- a permit_listen entry added in the server's list is written after the
  existing one;
- every other byte of the file is kept.
Screenshots of the dialog for each kind are kept in BUILD/gui-test-artifacts/.
"""

import os

import guitest
import toxnet
from toxnet import wait_until


def tox_id(seed):
    """A valid Tox ID (76 hex digits, correct checksum), uppercase as the
    tray writes it."""
    body = bytes((seed * 31 + i * 7) & 0xFF for i in range(36))
    check = [0, 0]
    for i, byte in enumerate(body):
        check[i % 2] ^= byte
    return (body + bytes(check)).hex().upper()


def read(path):
    with open(path, "rb") as f:
        return f.read()


def body(sc):
    guitest.private_user_dirs(sc.dir)
    server_id = tox_id(5)
    # A closed port on 127.0.0.1 as the bootstrap node: nothing leaves the
    # machine (no daemon runs anyway).
    text = ("[tox]\nbootstrap = 127.0.0.1 1 %s\nlocal_discovery = no\n\n" % ("00" * 32)
            + "[server]\npermit_listen = 2222   ; ssh -R from the laptop\n\n"
            + "[client]\n"
            + "ssh   = 2200:127.0.0.1:22:%s\n" % server_id
            + "back  = reverse:2222:127.0.0.1:22:%s   ; comes back here\n" % server_id
            + "dns   = udp:5353:10.0.0.1:53:%s\n" % server_id
            + "proxy = socks5:1080:%s\n" % server_id)
    ini = os.path.join(sc.dir, "kinds.ini")
    with open(ini, "w") as f:
        f.write(text)

    desktop = sc.add(guitest.Desktop(sc.dir))
    sc.step("Xvfb and trayer are up", desktop.start)
    tray = sc.add(guitest.Tray(desktop, sc.dir, ["--show", "--config", ini]))
    sc._logs.append(("toxtun-tray", tray.log))
    window = sc.step("the window opens (--show)",
                     wait_until, lambda: desktop.find_window(r"^toxtun$", onlyvisible=True),
                     guitest.UI_TIMEOUT, "the main window")[0]
    desktop.wait_painted(window)
    desktop.focus(window)
    desktop.key("alt+c")                          # _Configuration

    def open_dialog(title, *keys):
        desktop.focus(window)
        desktop.key(*keys)
        dialog = sc.step("the %s dialog opens" % title,
                         wait_until, lambda: desktop.find_window("^%s$" % title, onlyvisible=True),
                         guitest.UI_TIMEOUT, "the %s dialog" % title)[0]
        desktop.focus(dialog)
        desktop.wait_painted(dialog)
        return dialog

    def close_dialog(title, dialog):
        desktop.key("Return", window=dialog)      # OK (the default)
        sc.step("... and closes on OK: the line is valid",
                wait_until, lambda: not desktop.find_window("^%s$" % title, onlyvisible=True),
                guitest.UI_TIMEOUT, "the %s dialog to close" % title)

    # The tunnel list: _Forwards... (its hint) moves the focus into it, on
    # the first row; rows: 0 ssh, 1 back (reverse), 2 dns (udp), 3 proxy.
    dialog = open_dialog("Edit tunnel", "alt+f", "Down", "Return")
    desktop.screenshot("kinds-01-edit-reverse", dialog)
    desktop.key("alt+p", "ctrl+a")                # Listen _port
    desktop.type("2223")
    close_dialog("Edit tunnel", dialog)

    dialog = open_dialog("Edit tunnel", "alt+f", "Down", "Down", "Return")
    desktop.screenshot("kinds-02-edit-udp", dialog)
    desktop.key("alt+a", "ctrl+a")                # Listen _address
    desktop.type("0.0.0.0")
    close_dialog("Edit tunnel", dialog)

    # A new tunnel: the kind selector from Forward down to UDP.
    dialog = open_dialog("Add tunnel", "alt+a")   # _Add tunnel
    desktop.type("dns2")                          # _Name has the focus
    desktop.key("alt+k", "Down", "Down", "Down")  # _Kind: SOCKS5, Reverse, UDP
    desktop.key("alt+p")
    desktop.type("5354")
    desktop.key("alt+r")                          # Destination po_rt
    desktop.type("53")
    desktop.screenshot("kinds-03-add-udp", dialog)
    close_dialog("Add tunnel", dialog)

    # The server's permit_listen list: a new row, edited in place. A button
    # activated from the keyboard clicks a moment later (and holds the
    # keyboard meanwhile): wait for the new row, selected, before typing.
    # (The current tab's underline has that colour too: count.)
    desktop.focus(window)
    before = desktop.colour_count(window, guitest.SELECTED_ROW_COLOUR)
    desktop.key("alt+d")                          # Add listen a_ddress
    sc.step("a new permit_listen row opens for editing",
            wait_until, lambda: desktop.colour_count(window, guitest.SELECTED_ROW_COLOUR) > before + 2000,
            guitest.UI_TIMEOUT, "a selected row in the window", interval=0.2)
    desktop.type("*:4444")
    desktop.key("Return")
    desktop.wait_painted(window)
    desktop.screenshot("kinds-04-editor", window)
    sc.check("nothing is written before Save", read(ini) == text.encode())

    desktop.key("alt+s")                          # _Save and reload
    sc.step("saving writes the file", wait_until, lambda: read(ini) != text.encode(),
            guitest.UI_TIMEOUT, "the file to change")
    expected = (text
                .replace("permit_listen = 2222   ; ssh -R from the laptop\n",
                         "permit_listen = 2222   ; ssh -R from the laptop\npermit_listen = *:4444\n")
                .replace("back  = reverse:2222:", "back  = reverse:2223:")
                .replace("dns   = udp:5353:", "dns   = udp:0.0.0.0:5353:")
                + "dns2 = udp:5354:127.0.0.1:53:%s\n" % server_id)
    got = read(ini).decode(errors="replace")
    sc.check("the reverse line is still a reverse line, with its new port and its comment",
             "back  = reverse:2223:127.0.0.1:22:%s   ; comes back here\n" % server_id in got, "\n" + got)
    sc.check("the udp line is still a udp line, with its new address",
             "dns   = udp:0.0.0.0:5353:10.0.0.1:53:%s\n" % server_id in got, "\n" + got)
    sc.check("the added UDP tunnel is a udp line", "dns2 = udp:5354:127.0.0.1:53:" in got, "\n" + got)
    sc.check("the file is the old one with exactly these edits", got == expected,
             "\n" + got + "\nexpected:\n" + expected)
    desktop.wait_painted(window)
    desktop.screenshot("kinds-05-saved", window)

    reports = tray.log.sanitizer_reports()
    sc.check("no sanitizer report", not reports, "\n".join(reports[:5]))


if __name__ == "__main__":
    toxnet.main("gui-tray-kinds", body)
