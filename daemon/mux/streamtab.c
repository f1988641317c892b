/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stream table (mux/streamtab.h). */
#include <stdlib.h>

#include "mux/streamtab.h"

#define INITIAL_BUCKETS 64

static size_t bucket_of(size_t n_buckets, uint32_t id) { return (id * 2654435761u) & (n_buckets - 1); }

bool streamtab_init(struct streamtab *t)
{
	*t = (struct streamtab){ .n_buckets = INITIAL_BUCKETS };
	t->buckets = calloc(t->n_buckets, sizeof(*t->buckets));
	return t->buckets != NULL;
}

void streamtab_free(struct streamtab *t)
{
	free(t->buckets);
	t->buckets = NULL;
}

struct stream_entry *streamtab_find(const struct streamtab *t, uint32_t id)
{
	for (struct stream_entry *e = t->buckets[bucket_of(t->n_buckets, id)]; e; e = e->hnext)
		if (e->id == id)
			return e;
	return NULL;
}

static void rehash(struct streamtab *t)
{
	size_t n = t->n_buckets * 2;
	struct stream_entry **b = calloc(n, sizeof(*b));

	if (!b)
		return; /* keep the old table: longer chains, still correct */
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct stream_entry *e = t->buckets[i], *next;

		for (; e; e = next) {
			size_t k = bucket_of(n, e->id);

			next = e->hnext;
			e->hnext = b[k];
			b[k] = e;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = n;
}

static void hash_insert(struct streamtab *t, struct stream_entry *e)
{
	size_t k;

	if (t->n_hashed >= t->n_buckets * 2)
		rehash(t);
	k = bucket_of(t->n_buckets, e->id);
	e->hnext = t->buckets[k];
	t->buckets[k] = e;
	t->n_hashed++;
}

static void hash_remove(struct streamtab *t, struct stream_entry *e)
{
	struct stream_entry **pp = &t->buckets[bucket_of(t->n_buckets, e->id)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == e) {
			*pp = e->hnext;
			t->n_hashed--;
			return;
		}
	}
}

void streamtab_add(struct streamtab *t, struct stream_entry *e)
{
	e->prev = NULL;
	e->next = t->head;
	if (t->head)
		t->head->prev = e;
	else
		t->tail = e;
	t->head = e;
	t->n++;
	if (e->id)
		hash_insert(t, e);
	else
		t->n_waiting++;
}

void streamtab_assign(struct streamtab *t, struct stream_entry *e, bool odd)
{
	uint32_t first = odd ? 1 : 2;

	do {
		if (t->next_id == 0 || t->next_id > UINT32_MAX - 2)
			t->next_id = first;
		else
			t->next_id += 2;
	} while (streamtab_find(t, t->next_id));
	e->id = t->next_id;
	t->n_waiting--;
	hash_insert(t, e);
}

void streamtab_remove(struct streamtab *t, struct stream_entry *e)
{
	if (e->id)
		hash_remove(t, e);
	else
		t->n_waiting--;
	if (e->prev)
		e->prev->next = e->next;
	else
		t->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		t->tail = e->prev;
	t->n--;
}

void streamtab_rotate(struct streamtab *t)
{
	struct stream_entry *head = t->head, *last = t->tail;

	if (!head || head == last)
		return;
	t->head = head->next;
	t->head->prev = NULL;
	head->prev = last;
	head->next = NULL;
	last->next = head;
	t->tail = head;
}

void streamtab_restart_ids(struct streamtab *t) { t->next_id = 0; }
