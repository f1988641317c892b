/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A session's stream table: every stream in a list (the order in which
 * they take turns to read), those that have an id also in a hash by id,
 * and the allocation of ids. Pure bookkeeping, unit-tested on its own
 * (tests/unit/test_streamtab.c): it knows streams only by the entry each
 * embeds. */
#ifndef TOXTUN_STREAMTAB_H
#define TOXTUN_STREAMTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stream;

struct stream_entry {
	struct stream_entry *hnext;       /* hash chain */
	struct stream_entry *prev, *next; /* the list of all streams */
	uint32_t id;                      /* 0: waiting for an id */
	struct stream *stream;            /* what the entry belongs to */
};

struct streamtab {
	struct stream_entry *head, *tail;
	size_t n, n_waiting;
	struct stream_entry **buckets;
	size_t n_buckets, n_hashed;
	uint32_t next_id;
};

bool streamtab_init(struct streamtab *t);
void streamtab_free(struct streamtab *t);
/* Add at the head of the list; hashed when it has an id. */
void streamtab_add(struct streamtab *t, struct stream_entry *e);
/* Give a waiting entry the next free id of our parity (odd when odd is set),
 * skipping ids still in use after a wrap, and hash it. */
void streamtab_assign(struct streamtab *t, struct stream_entry *e, bool odd);
void streamtab_remove(struct streamtab *t, struct stream_entry *e);
struct stream_entry *streamtab_find(const struct streamtab *t, uint32_t id);
/* The head goes to the tail: the next pass over the list starts one further. */
void streamtab_rotate(struct streamtab *t);
/* A new connection: ids start again from the first of their parity. */
void streamtab_restart_ids(struct streamtab *t);

#endif
