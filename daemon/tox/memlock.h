/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Forgo locked memory, for speed: see memlock.c. Shared by the daemon and
 * the benchmark's raw Tox blaster, so that the ceiling toxtun is measured
 * against runs Tox the same way. */
#ifndef TOXTUN_MEMLOCK_H
#define TOXTUN_MEMLOCK_H

#include <stdbool.h>

/* RLIMIT_MEMLOCK to 0 and, if held, CAP_IPC_LOCK dropped. False (errno
 * set) if either failed, which costs only speed. */
bool memlock_forgo(void);
/* Whether toxcore reaches this process's sodium_mlock and sodium_munlock,
 * which skip the system calls (memlock.c), rather than libsodium's. */
bool memlock_interposed(void);

#endif
