/* `tunnel status|reload|stop`: talk to a running daemon's control socket. */
#ifndef TOXTUN_CTL_H
#define TOXTUN_CTL_H

#include <stdbool.h>

#include "toxtun/config.h"

/* cmd is "status", "reload" or "stop". The socket is socket_path when given,
 * else the first of the ini's server/client/run sockets that answers.
 * Returns the exit status: 0, or 1 with a message on stderr. */
int cli_control(const char *cmd, const struct tt_config *cfg, const char *socket_path, bool json, bool watch);

#endif
