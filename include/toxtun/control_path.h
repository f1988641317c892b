/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where a daemon's control socket is. The daemon listens there, `tunnel
 * status` and the tray look for it there: one rule, so that they always
 * meet (daemon/control/PROTOCOL.md documents it for everyone else). */
#ifndef TOXTUN_CONTROL_PATH_H
#define TOXTUN_CONTROL_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* The control socket of the daemon started as `tunnel ROLE ini_path` (role
 * "server", "client" or "run"):
 *   control_socket, the file's [control] socket, when it is set (not NULL,
 *     not empty);
 *   else $XDG_RUNTIME_DIR/toxtun/STEM.ROLE.sock when XDG_RUNTIME_DIR is an
 *     absolute path;
 *   else /run/toxtun/STEM.ROLE.sock for root;
 *   else /tmp/toxtun-UID/STEM.ROLE.sock (UID: the real user id);
 * STEM being the ini file's name without its directory and extension
 * ("/etc/toxtun/office.ini" -> "office"). Reads the environment and the uid.
 * False when the path does not fit in n bytes. */
bool tt_control_socket_path(const char *ini_path, const char *control_socket, const char *role, char *out,
                            size_t n);

/* STEM above: the name that socket paths, the tray's log files and the
 * systemd units (toxtun-ROLE@STEM.service) give a configuration. A span of
 * ini_path (*len bytes from the pointer returned); trailing slashes are
 * ignored as by basename(3), and a leading dot is part of the name
 * (".toxtunrc" stays whole). */
const char *tt_ini_stem(const char *ini_path, size_t *len);

#endif
