/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A bounded stock of freed blocks of one size, kept for reuse: a hot path
 * that allocates and frees the same size for every datagram takes them
 * from here instead of from malloc. A block in stock holds the link to the
 * next one in its first bytes. Used by the link (its datagrams) and the
 * sessions (their packets' data). */
#ifndef TOXTUN_SPARES_H
#define TOXTUN_SPARES_H

#include <stddef.h>
#include <stdlib.h>

struct spares {
	void *head;
	size_t n;
	size_t size; /* of a block, at least a pointer's */
	size_t max;  /* blocks kept; the rest are freed */
};

static inline void *spares_get(struct spares *s)
{
	void *b = s->head;

	if (!b)
		return malloc(s->size);
	s->head = *(void **)b;
	s->n--;
	return b;
}

static inline void spares_put(struct spares *s, void *b)
{
	if (s->n >= s->max) {
		free(b);
		return;
	}
	*(void **)b = s->head;
	s->head = b;
	s->n++;
}

static inline void spares_clear(struct spares *s)
{
	while (s->head) {
		void *b = s->head;

		s->head = *(void **)b;
		free(b);
	}
	s->n = 0;
}

#endif
