/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Friend requests waiting for approval ([server] approve = ask).
 *
 * Anyone who knows the server's Tox ID can ask, so the list is bounded in
 * size (the oldest request goes when it is full) and in rate (a token
 * bucket: a burst, then one new request a second): a flood of fresh
 * identities cannot grow memory, nor push legitimate requests out faster
 * than a person reads them. A request from a key already waiting only
 * refreshes it: toxcore resends an unanswered request now and then.
 *
 * Pure (the caller passes the time), unit-tested in tests/unit/test_pending.c. */
#ifndef TOXTUN_PENDING_H
#define TOXTUN_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toxtun/config.h"

#define PENDING_MAX 32
/* The request's message (the client's name) is cut to this many bytes. */
#define PENDING_MESSAGE_MAX 128
/* The bucket: this many new requests at once, then one per PENDING_PERIOD s. */
#define PENDING_BURST 8
#define PENDING_PERIOD 1.0

struct pending_entry {
	uint8_t pk[TT_PUBKEY_SIZE];
	char message[PENDING_MESSAGE_MAX + 1]; /* printable UTF-8, NUL-terminated */
	double received;                       /* the last time it asked */
};

struct pending {
	struct pending_entry v[PENDING_MAX];   /* oldest first */
	size_t n;
	double tokens, last;
};

enum pending_result {
	PENDING_KEPT,        /* a new entry */
	PENDING_REFRESHED,   /* the key was waiting: message and time updated */
	PENDING_KEPT_FULL,   /* a new entry; the oldest was dropped to make room */
	PENDING_TOO_FAST,    /* not kept: the bucket is empty */
};

void pending_init(struct pending *p, double now);
/* A request from pk with msg (len untrusted bytes) at now. On
 * PENDING_KEPT_FULL, dropped (when not NULL) gets the dropped entry. */
enum pending_result pending_add(struct pending *p, const uint8_t pk[TT_PUBKEY_SIZE], const uint8_t *msg,
                                size_t len, double now, struct pending_entry *dropped);
/* The entry of pk, or NULL. */
const struct pending_entry *pending_find(const struct pending *p, const uint8_t pk[TT_PUBKEY_SIZE]);
/* Forget pk's entry, copied to out (when not NULL) first. False if none. */
bool pending_remove(struct pending *p, const uint8_t pk[TT_PUBKEY_SIZE], struct pending_entry *out);

/* msg as printable UTF-8 in out (n bytes, NUL included): control
 * characters, bytes of no valid UTF-8 character, and characters that
 * reorder or hide text (bidirectional controls, zero-width ones) become
 * '?'; cut at a character boundary to fit. */
void pending_sanitize(const uint8_t *msg, size_t len, char *out, size_t n);

#endif
