/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for a session's stream table (daemon/mux/streamtab.c): the
 * list of all streams (the order in which they take turns to read), the
 * hash by id, and the allocation of ids by parity.
 *
 * A stream the table cannot find drops its peer's frames; an id handed out
 * twice merges two streams; a broken list link skips streams or loops the
 * reader. So every case checks the whole table, not only what it touched:
 * the list both ways, its tail, the counters, every id findable. Then a
 * long random sequence of operations is compared step by step with a
 * model (an array in list order). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "mux/streamtab.h"

/* ---- the whole table checked, optionally against a model ---- */

/* The list head to tail is exactly model[0..n) (when model is given); prev
 * links mirror next links; tail is the last; n, n_waiting, n_hashed count
 * what is there; every entry with an id is found under it, and the hash
 * chains hold nothing else. Reports the first thing wrong. */
static bool table_ok(const struct streamtab *t, struct stream_entry *const *model, size_t n_model,
                     int line)
{
	const struct stream_entry *prev = NULL;
	size_t n = 0, waiting = 0, hashed = 0, chained = 0;
	const char *why = NULL;

	for (const struct stream_entry *e = t->head; e && !why; e = e->next) {
		if (e->prev != prev)
			why = "prev link";
		else if (model && (n >= n_model || model[n] != e))
			why = "list order differs from the model";
		else if (e->id == 0)
			waiting++;
		else if (hashed++, streamtab_find(t, e->id) != e)
			why = "entry not found by its id";
		prev = e;
		if (++n > t->n + 1)
			why = "list longer than n (a loop?)";
	}
	if (!why && t->tail != prev)
		why = "tail is not the last entry";
	if (!why && (t->head == NULL) != (t->tail == NULL))
		why = "head and tail disagree";
	if (!why && t->head && t->head->prev)
		why = "head has a prev";
	if (!why && t->tail && t->tail->next)
		why = "tail has a next";
	if (!why && n != t->n)
		why = "n";
	if (!why && model && n != n_model)
		why = "list shorter than the model";
	if (!why && waiting != t->n_waiting)
		why = "n_waiting";
	if (!why && hashed != t->n_hashed)
		why = "n_hashed";
	if (!why && (t->n_buckets & (t->n_buckets - 1)))
		why = "bucket count not a power of two";
	for (size_t i = 0; i < t->n_buckets && !why; i++)
		for (const struct stream_entry *e = t->buckets[i]; e && !why; e = e->hnext)
			if (e->id == 0 || ++chained > hashed)
				why = "hash chains hold more than the list's ids";
	if (!why && chained != hashed)
		why = "hash chains hold fewer than the list's ids";
	return check_result(why == NULL, __FILE__, line, "table: %s (n %zu, listed %zu)", why ? why : "",
	                    t->n, n);
}

#define TABLE_OK(t) table_ok((t), NULL, 0, __LINE__)

static void entry(struct stream_entry *e, uint32_t id)
{
	memset(e, 0xa5, sizeof(*e)); /* add must not depend on old links */
	e->id = id;
	e->stream = NULL;
}

/* ---- case by case ---- */

static void test_add_find_remove(void)
{
	struct streamtab t;
	struct stream_entry a, b, w1, w2;

	if (!CHECK(streamtab_init(&t)))
		return;
	CHECK(t.head == NULL && t.tail == NULL && t.n == 0 && t.n_waiting == 0);
	CHECK(streamtab_find(&t, 1) == NULL);
	CHECK(streamtab_find(&t, 0) == NULL);
	TABLE_OK(&t);

	entry(&a, 5);
	streamtab_add(&t, &a);
	CHECK(streamtab_find(&t, 5) == &a);
	CHECK(streamtab_find(&t, 7) == NULL);
	CHECK(t.head == &a && t.tail == &a);
	CHECK_EQ_U(t.n, 1);
	CHECK_EQ_U(t.n_waiting, 0);
	TABLE_OK(&t);

	/* Without an id: listed, counted as waiting, not hashed. */
	entry(&w1, 0);
	streamtab_add(&t, &w1);
	CHECK(t.head == &w1 && t.tail == &a);
	CHECK_EQ_U(t.n, 2);
	CHECK_EQ_U(t.n_waiting, 1);
	CHECK_EQ_U(t.n_hashed, 1);
	CHECK(streamtab_find(&t, 0) == NULL);
	TABLE_OK(&t);

	entry(&b, 0xfffffffe);
	streamtab_add(&t, &b);
	entry(&w2, 0);
	streamtab_add(&t, &w2);
	CHECK_EQ_U(t.n_waiting, 2);
	CHECK(streamtab_find(&t, 0xfffffffe) == &b);
	CHECK(streamtab_find(&t, 5) == &a);
	TABLE_OK(&t);

	streamtab_remove(&t, &a);
	CHECK(streamtab_find(&t, 5) == NULL);
	CHECK(t.tail == &w1);
	CHECK_EQ_U(t.n, 3);
	TABLE_OK(&t);
	streamtab_remove(&t, &w1);
	CHECK_EQ_U(t.n_waiting, 1);
	TABLE_OK(&t);
	streamtab_remove(&t, &w2);
	CHECK_EQ_U(t.n_waiting, 0);
	CHECK(t.head == &b && t.tail == &b);
	TABLE_OK(&t);
	streamtab_remove(&t, &b);
	CHECK(t.head == NULL && t.tail == NULL);
	CHECK_EQ_U(t.n, 0);
	CHECK_EQ_U(t.n_hashed, 0);
	CHECK(streamtab_find(&t, 0xfffffffe) == NULL);
	TABLE_OK(&t);

	/* An entry can come back after it was removed. */
	entry(&a, 5);
	streamtab_add(&t, &a);
	CHECK(streamtab_find(&t, 5) == &a);
	TABLE_OK(&t);
	streamtab_free(&t);
	CHECK(t.buckets == NULL);
	streamtab_free(&t); /* twice is harmless */
}

/* Odd ids for the node that opened the connection, even for the other;
 * ids in use are skipped; an assigned entry is hashed and no longer waits. */
static void test_assign_parity(void)
{
	for (int odd = 0; odd <= 1; odd++) {
		struct streamtab t;
		struct stream_entry e[6], taken;
		uint32_t first = odd ? 1 : 2;

		if (!CHECK(streamtab_init(&t)))
			return;
		for (int i = 0; i < 3; i++) {
			entry(&e[i], 0);
			streamtab_add(&t, &e[i]);
			streamtab_assign(&t, &e[i], odd);
			CHECK_EQ_U(e[i].id, first + 2 * i);
			CHECK(streamtab_find(&t, e[i].id) == &e[i]);
		}
		CHECK_EQ_U(t.n_waiting, 0);
		/* The peer's ids have the other parity and do not get in the way;
		 * an id of ours that is somehow taken is skipped. */
		entry(&e[3], first + 7);
		streamtab_add(&t, &e[3]);
		entry(&taken, first + 6);
		streamtab_add(&t, &taken);
		entry(&e[4], 0);
		streamtab_add(&t, &e[4]);
		CHECK_EQ_U(t.n_waiting, 1);
		streamtab_assign(&t, &e[4], odd);
		CHECK_EQ_U(e[4].id, first + 8);
		CHECK_EQ_U(t.n_waiting, 0);
		CHECK(streamtab_find(&t, first + 6) == &taken);
		CHECK(streamtab_find(&t, first + 8) == &e[4]);
		/* Freed ids are not reused before the wrap: ids only go up. */
		streamtab_remove(&t, &e[0]);
		entry(&e[5], 0);
		streamtab_add(&t, &e[5]);
		streamtab_assign(&t, &e[5], odd);
		CHECK_EQ_U(e[5].id, first + 10);
		TABLE_OK(&t);
		streamtab_free(&t);
	}
}

/* Near the end of the id space, allocation wraps to the first id of its
 * parity and skips ids still in use; 0 is never handed out. */
static void test_assign_wrap(void)
{
	for (int odd = 0; odd <= 1; odd++) {
		struct streamtab t;
		struct stream_entry used[3], e[5];
		uint32_t first = odd ? 1 : 2, top = odd ? UINT32_MAX : UINT32_MAX - 1;

		if (!CHECK(streamtab_init(&t)))
			return;
		/* first and first + 2 in use; first + 6 in use. */
		entry(&used[0], first);
		entry(&used[1], first + 2);
		entry(&used[2], first + 6);
		for (int i = 0; i < 3; i++)
			streamtab_add(&t, &used[i]);
		t.next_id = top - 4;
		for (int i = 0; i < 5; i++) {
			entry(&e[i], 0);
			streamtab_add(&t, &e[i]);
			streamtab_assign(&t, &e[i], odd);
			CHECK(e[i].id != 0);
			CHECK_EQ_U(e[i].id % 2, (unsigned)odd);
		}
		CHECK_EQ_U(e[0].id, top - 2);
		CHECK_EQ_U(e[1].id, top);
		CHECK_EQ_U(e[2].id, first + 4); /* wrapped past first, first + 2 */
		CHECK_EQ_U(e[3].id, first + 8); /* skipped first + 6 */
		CHECK_EQ_U(e[4].id, first + 10);
		TABLE_OK(&t);

		/* The last ids in use (top - 2 and top): straight to the wrap,
		 * where first is free now. */
		streamtab_remove(&t, &used[0]);
		t.next_id = top - 4;
		entry(&used[0], 0);
		streamtab_add(&t, &used[0]);
		streamtab_assign(&t, &used[0], odd);
		CHECK_EQ_U(used[0].id, first);
		TABLE_OK(&t);
		streamtab_free(&t);
	}
}

/* A new connection starts ids again from the first of their parity, still
 * skipping ids in use. */
static void test_restart_ids(void)
{
	struct streamtab t;
	struct stream_entry e[4];

	if (!CHECK(streamtab_init(&t)))
		return;
	for (int i = 0; i < 3; i++) {
		entry(&e[i], 0);
		streamtab_add(&t, &e[i]);
		streamtab_assign(&t, &e[i], true);
	}
	CHECK_EQ_U(e[2].id, 5);
	streamtab_restart_ids(&t);
	CHECK_EQ_U(t.next_id, 0);
	entry(&e[3], 0);
	streamtab_add(&t, &e[3]);
	streamtab_assign(&t, &e[3], true);
	CHECK_EQ_U(e[3].id, 7); /* 1, 3, 5 still in use */
	for (int i = 0; i < 4; i++)
		streamtab_remove(&t, &e[i]);
	streamtab_restart_ids(&t);
	entry(&e[0], 0);
	streamtab_add(&t, &e[0]);
	streamtab_assign(&t, &e[0], true);
	CHECK_EQ_U(e[0].id, 1);
	/* The other side of a new connection: even ids from 2. */
	streamtab_restart_ids(&t);
	entry(&e[1], 0);
	streamtab_add(&t, &e[1]);
	streamtab_assign(&t, &e[1], false);
	CHECK_EQ_U(e[1].id, 2);
	TABLE_OK(&t);
	streamtab_free(&t);
}

/* Thousands of entries: the hash grows and every entry stays findable; ids
 * that all fall in one bucket (multiples of 2^16) are found too. */
static void test_rehash(void)
{
	enum { N = 5000 };
	struct streamtab t;
	struct stream_entry *e = calloc(N, sizeof(*e));
	size_t initial, lost = 0, phantom = 0;

	if (!CHECK(e != NULL) || !CHECK(streamtab_init(&t))) {
		free(e);
		return;
	}
	initial = t.n_buckets;
	for (size_t i = 0; i < N; i++) {
		/* Distinct: odd multipliers are bijections on 32 bits. */
		uint32_t id = i < N / 5 ? (uint32_t)(i + 1) << 16 : (uint32_t)((i + 1) * 2654435761u);

		entry(&e[i], id);
		streamtab_add(&t, &e[i]);
	}
	CHECK(t.n_buckets > initial);
	CHECK(t.n_hashed <= 2 * t.n_buckets);
	TABLE_OK(&t);
	for (size_t i = 0; i < N; i++)
		lost += streamtab_find(&t, e[i].id) != &e[i];
	CHECK_EQ_U(lost, 0);
	for (size_t i = 0; i < 20000; i++) {
		uint32_t id = (uint32_t)check_rand();
		struct stream_entry *f = streamtab_find(&t, id);

		phantom += f && f->id != id;
	}
	CHECK_EQ_U(phantom, 0);

	/* Remove every other one: the rest are still found, the removed not. */
	for (size_t i = 0; i < N; i += 2)
		streamtab_remove(&t, &e[i]);
	for (size_t i = 0; i < N; i++)
		lost += streamtab_find(&t, e[i].id) != (i % 2 ? &e[i] : NULL);
	CHECK_EQ_U(lost, 0);
	CHECK_EQ_U(t.n, N / 2);
	TABLE_OK(&t);
	streamtab_free(&t);
	free(e);
}

/* Removing the head, the tail, a middle entry and the last one keeps the
 * list and its tail right. */
static void test_remove_positions(void)
{
	struct streamtab t;
	struct stream_entry e[5];
	struct stream_entry *model[5];

	if (!CHECK(streamtab_init(&t)))
		return;
	for (int i = 4; i >= 0; i--) { /* added at the head: the list is e[0..4] */
		entry(&e[i], i % 2 ? 0 : 100 + (uint32_t)i);
		streamtab_add(&t, &e[i]);
	}
	for (int i = 0; i < 5; i++)
		model[i] = &e[i];
	table_ok(&t, model, 5, __LINE__);

	streamtab_remove(&t, &e[0]); /* head */
	table_ok(&t, (struct stream_entry *[]){ &e[1], &e[2], &e[3], &e[4] }, 4, __LINE__);
	CHECK(t.head == &e[1]);
	streamtab_remove(&t, &e[4]); /* tail */
	table_ok(&t, (struct stream_entry *[]){ &e[1], &e[2], &e[3] }, 3, __LINE__);
	CHECK(t.tail == &e[3]);
	streamtab_remove(&t, &e[2]); /* middle */
	table_ok(&t, (struct stream_entry *[]){ &e[1], &e[3] }, 2, __LINE__);
	CHECK(e[1].next == &e[3] && e[3].prev == &e[1]);
	streamtab_remove(&t, &e[3]);
	table_ok(&t, (struct stream_entry *[]){ &e[1] }, 1, __LINE__);
	CHECK(t.head == &e[1] && t.tail == &e[1]);
	streamtab_remove(&t, &e[1]);
	table_ok(&t, NULL, 0, __LINE__);
	CHECK(t.head == NULL && t.tail == NULL);
	streamtab_free(&t);
}

/* Rotation moves the head to the tail; with no entry or one it changes
 * nothing. n rotations of n entries come back to the start. */
static void test_rotate(void)
{
	struct streamtab t;
	struct stream_entry a, b, c;

	if (!CHECK(streamtab_init(&t)))
		return;
	streamtab_rotate(&t);
	CHECK(t.head == NULL && t.tail == NULL);
	TABLE_OK(&t);

	entry(&a, 1);
	streamtab_add(&t, &a);
	streamtab_rotate(&t);
	CHECK(t.head == &a && t.tail == &a && a.prev == NULL && a.next == NULL);
	TABLE_OK(&t);

	entry(&b, 0);
	streamtab_add(&t, &b);
	entry(&c, 3);
	streamtab_add(&t, &c); /* c b a */
	streamtab_rotate(&t);
	table_ok(&t, (struct stream_entry *[]){ &b, &a, &c }, 3, __LINE__);
	streamtab_rotate(&t);
	table_ok(&t, (struct stream_entry *[]){ &a, &c, &b }, 3, __LINE__);
	streamtab_rotate(&t);
	table_ok(&t, (struct stream_entry *[]){ &c, &b, &a }, 3, __LINE__);

	streamtab_remove(&t, &b);
	streamtab_rotate(&t); /* two entries: they swap */
	table_ok(&t, (struct stream_entry *[]){ &a, &c }, 2, __LINE__);
	CHECK(streamtab_find(&t, 1) == &a && streamtab_find(&t, 3) == &c);
	streamtab_free(&t);
}

/* ---- random operations against a model ---- */

enum { POOL = 1500 };

struct model {
	struct stream_entry *list[POOL]; /* head first */
	size_t n;
	uint32_t next_id;
};

static struct stream_entry *model_find(const struct model *m, uint32_t id)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->list[i]->id == id && id)
			return m->list[i];
	return NULL;
}

/* The id streamtab_assign must give, as its header says: the next of our
 * parity after the last, wrapping before the end of the id space to the
 * first, skipping ids in use. */
static uint32_t model_assign(struct model *m, bool odd)
{
	do {
		if (m->next_id == 0 || (uint64_t)m->next_id + 2 > UINT32_MAX)
			m->next_id = odd ? 1 : 2;
		else
			m->next_id += 2;
	} while (model_find(m, m->next_id));
	return m->next_id;
}

/* An id of either parity not in use: near the allocation point (to be
 * skipped later), or anywhere. */
static uint32_t free_id(const struct model *m)
{
	for (;;) {
		uint32_t id = check_rand() % 2 ? m->next_id + (uint32_t)check_rand_range(0, 40)
		                               : (uint32_t)check_rand();

		if (id && !model_find(m, id))
			return id;
	}
}

static void test_random_model(void)
{
	static struct stream_entry pool[POOL];
	static struct model m;
	bool in[POOL] = { 0 };
	struct streamtab t;
	size_t steps = 0, bad_assign = 0, bad_find = 0, bad_table = 0, wraps = 0, most_buckets = 0;

	for (int run = 0; run < 4; run++) {
		bool odd = run % 2;

		if (!CHECK(streamtab_init(&t)))
			return;
		memset(in, 0, sizeof(in));
		m.n = 0;
		m.next_id = 0;
		/* Two runs start close to the end of the id space, and do not
		 * restart ids: they wrap, and skip the ids still in use. */
		if (run >= 2)
			t.next_id = m.next_id = (odd ? UINT32_MAX : UINT32_MAX - 1) - 2 * 30;
		for (int step = 0; step < 20000; step++, steps++) {
			unsigned op = (unsigned)(check_rand() % 100);
			/* Grow to about 1000 entries, then hover. */
			bool grow = m.n < 50 || (m.n < POOL && check_rand() % 1000 >= m.n);

			if (op < 40) {
				size_t k;

				if (!grow && m.n) {
					size_t i = check_rand() % m.n;
					struct stream_entry *e = m.list[i];

					streamtab_remove(&t, e);
					memmove(&m.list[i], &m.list[i + 1], (m.n - i - 1) * sizeof(*m.list));
					m.n--;
					in[e - pool] = false;
					continue;
				}
				do
					k = check_rand() % POOL;
				while (in[k]);
				entry(&pool[k], check_rand() % 3 ? 0 : free_id(&m));
				streamtab_add(&t, &pool[k]);
				memmove(&m.list[1], &m.list[0], m.n * sizeof(*m.list));
				m.list[0] = &pool[k];
				m.n++;
				in[k] = true;
			} else if (op < 65) {
				/* Assign the first waiting entry from a random point. */
				size_t start = m.n ? check_rand() % m.n : 0;

				for (size_t j = 0; j < m.n; j++) {
					struct stream_entry *e = m.list[(start + j) % m.n];

					if (e->id == 0) {
						uint32_t last = m.next_id, want = model_assign(&m, odd);

						streamtab_assign(&t, e, odd);
						bad_assign += e->id != want;
						wraps += last && want < last;
						break;
					}
				}
			} else if (op < 80) {
				streamtab_rotate(&t);
				if (m.n > 1) {
					struct stream_entry *h = m.list[0];

					memmove(&m.list[0], &m.list[1], (m.n - 1) * sizeof(*m.list));
					m.list[m.n - 1] = h;
				}
			} else if (op < 99 || run >= 2) {
				uint32_t id = m.n && check_rand() % 2 ? m.list[check_rand() % m.n]->id
				                                      : (uint32_t)check_rand_range(0, 100);

				bad_find += streamtab_find(&t, id) != model_find(&m, id);
			} else {
				streamtab_restart_ids(&t);
				m.next_id = 0;
			}
			/* The whole table now and then (it is O(n)), always at the end. */
			if (step % 97 == 0 && !table_ok(&t, m.list, m.n, __LINE__))
				bad_table++;
			if (bad_table || bad_assign || bad_find)
				break;
		}
		table_ok(&t, m.list, m.n, __LINE__);
		CHECK_EQ_U(t.next_id, m.next_id);
		if (t.n_buckets > most_buckets)
			most_buckets = t.n_buckets;
		streamtab_free(&t);
	}
	CHECK_EQ_U(bad_assign, 0);
	CHECK_EQ_U(bad_find, 0);
	CHECK_EQ_U(bad_table, 0);
	CHECK(steps >= 80000);
	CHECK(wraps > 0);          /* the runs near the end of the id space wrapped */
	CHECK(most_buckets > 64);  /* and the hash grew */
}

int main(void)
{
	check_seed(0x73746162);
	RUN(test_add_find_remove);
	RUN(test_assign_parity);
	RUN(test_assign_wrap);
	RUN(test_restart_ids);
	RUN(test_rehash);
	RUN(test_remove_positions);
	RUN(test_rotate);
	RUN(test_random_model);
	return check_report();
}
