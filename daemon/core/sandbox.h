/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The daemon's confinement once it is up (docs/security.md): a seccomp
 * filter (libseccomp) allowing the system calls that serving, reloading
 * and resolving names need, and no_new_privs. */
#ifndef TOXTUN_SANDBOX_H
#define TOXTUN_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

/* Confine this process, every thread it has and will have. False (err set)
 * when the kernel refused the filter; the daemon then runs unconfined. */
bool sandbox_enter(char *err, size_t errlen);

/* Whether this build can confine itself: not under the sanitizers, whose
 * leak checker stops the process with ptrace at exit. */
bool sandbox_supported(void);

#endif
