/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `tunnel pipe`: stdin and stdout through the tunnel (ssh's ProxyCommand). */
#ifndef TOXTUN_PIPE_CLI_H
#define TOXTUN_PIPE_CLI_H

#include "toxtun/config.h"

/* target is HOST:PORT ([v6]:PORT), as seen from the server; via names the
 * [client] line whose server carries it, or NULL to let the daemon choose.
 * Returns the exit status: 0 when both directions ended cleanly, 1 with one
 * line on stderr otherwise. */
int cli_pipe(const struct tt_config *cfg, const char *socket_path, const char *target, const char *via);

#endif
