/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where things are: a daemon's control socket, its log, the `tunnel`
 * executable, the icons. */
#ifndef TOXTUN_GUI_PATHS_H
#define TOXTUN_GUI_PATHS_H

#include <glib.h>

/* The control sockets a daemon for ini could listen on, most likely first:
 * "[control] socket" when the file sets it, else the default path of
 * daemon/control/PROTOCOL.md (tt_control_socket_path) for role, then for the
 * other roles (the same file may have been started as `tunnel run`).
 * NULL-terminated. */
char **tray_socket_candidates(const char *ini, const char *role, const char *control_socket);

/* The role for an ini file when none was given: "client" when it has a
 * [client] line, else "server". */
const char *tray_infer_role(const char *ini);

/* Where a daemon we start writes its log:
 * $XDG_STATE_HOME/toxtun/NAME.ROLE.log (~/.local/state/...). */
char *tray_daemon_log_path(const char *ini, const char *role);

/* The instance name NAME of the systemd user unit toxtun-ROLE@NAME.service
 * that runs ini, or NULL when no unit runs it: the units run
 * $XDG_CONFIG_HOME/toxtun/NAME.ini (%E/toxtun/%i.ini) and nothing else,
 * whatever `systemctl --user` says (an installed template is "loaded" for any
 * NAME). NAME must also need no escaping in a unit name. */
char *tray_unit_instance(const char *ini);

/* The `tunnel` executable: $TOXTUN_BIN, else the one next to this program,
 * else "tunnel" from PATH. */
char *tray_tunnel_binary(void);

/* The root of our icon theme (a directory holding hicolor/...): the build
 * tree's when run from it, else the installed one. */
char *tray_icon_root(void);

/* The directory of this program's executable, and the executable. */
char *tray_exe_dir(void);
char *tray_exe_path(void);

#endif
