/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The node's persistent identity: the Tox save file. */
#ifndef TOXTUN_PROFILE_H
#define TOXTUN_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Read the whole profile. *exists is false (and true is returned) when the
 * file does not exist yet; any other failure returns false with err set. */
bool profile_read(const char *path, uint8_t **data, size_t *len, bool *exists,
                  char *err, size_t errlen);

/* Write atomically: a 0600 temporary file beside it, fsync, rename. */
bool profile_write(const char *path, const uint8_t *data, size_t len, char *err, size_t errlen);

/* Hold an exclusive lock on PATH.lock for the life of the process, so that
 * two daemons never run one identity. Returns the lock fd or -1 with err set. */
int profile_lock(const char *path, char *err, size_t errlen);

#endif
