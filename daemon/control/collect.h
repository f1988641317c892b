/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Fill a snapshot from the running daemon. */
#ifndef TOXTUN_COLLECT_H
#define TOXTUN_COLLECT_H

#include <stdbool.h>

struct daemon;
struct snapshot;

bool snapshot_collect(struct daemon *d, struct snapshot *out);

#endif
