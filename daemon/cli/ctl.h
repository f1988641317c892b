/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `tunnel status|reload|stop|allow|deny`: talk to a running daemon's control
 * socket. */
#ifndef TOXTUN_CTL_H
#define TOXTUN_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toxtun/config.h"

/* cmd is "status", "reload" or "stop". The socket is socket_path when given,
 * else the first of the ini's server/client/run sockets that answers.
 * Returns the exit status: 0, or 1 with a message on stderr. */
int cli_control(const char *cmd, const struct tt_config *cfg, const char *socket_path, bool json, bool watch);

/* The KEY of `tunnel allow|deny`: a public key (64 hex digits) or a Tox ID
 * (76, checksum verified), whose key is taken. False with err set. */
bool cli_parse_key(const char *text, uint8_t pk[TT_PUBKEY_SIZE], char *err, size_t errlen);
/* cmd "allow" or "deny": ask cfg's daemon (or the one at socket_path) to
 * answer pk's friend request. allow without a daemon adds the allow line to
 * cfg's file. Returns the exit status: 0, or 1 with a message on stderr. */
int cli_approve(const char *cmd, const struct tt_config *cfg, const char *socket_path,
                const uint8_t pk[TT_PUBKEY_SIZE]);

#endif
