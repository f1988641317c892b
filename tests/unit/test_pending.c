/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests for the friend requests waiting for approval (core/pending.h):
 * the bound, the oldest going first, the rate limit, refreshes, and the
 * message made safe to show. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "core/pending.h"

static void key(uint8_t pk[TT_PUBKEY_SIZE], unsigned n)
{
	memset(pk, 0, TT_PUBKEY_SIZE);
	pk[0] = (uint8_t)(n >> 8);
	pk[1] = (uint8_t)n;
	pk[31] = 0xAA;
}

static enum pending_result add(struct pending *p, unsigned n, const char *msg, double now,
                               struct pending_entry *dropped)
{
	uint8_t pk[TT_PUBKEY_SIZE];

	key(pk, n);
	return pending_add(p, pk, (const uint8_t *)msg, strlen(msg), now, dropped);
}

static bool has(const struct pending *p, unsigned n)
{
	uint8_t pk[TT_PUBKEY_SIZE];

	key(pk, n);
	return pending_find(p, pk) != NULL;
}

static void test_bound_oldest_out(void)
{
	struct pending p;
	struct pending_entry dropped;
	double t = 100;

	pending_init(&p, t);
	/* Slower than the bucket refills: only the bound counts. */
	for (unsigned i = 0; i < PENDING_MAX; i++)
		CHECK_EQ_I(add(&p, i, "client", t += PENDING_PERIOD, NULL), PENDING_KEPT);
	CHECK_EQ_U(p.n, PENDING_MAX);
	CHECK_EQ_I(add(&p, 1000, "newcomer", t += PENDING_PERIOD, &dropped), PENDING_KEPT_FULL);
	CHECK_EQ_U(p.n, PENDING_MAX);
	CHECK(dropped.pk[1] == 0 && dropped.pk[0] == 0); /* key 0, the first to ask */
	CHECK(!has(&p, 0) && has(&p, 1) && has(&p, 1000));
	CHECK_EQ_I(add(&p, 1001, "again", t += PENDING_PERIOD, &dropped), PENDING_KEPT_FULL);
	CHECK(dropped.pk[1] == 1 && !has(&p, 1));
	/* Entries stay oldest first. */
	for (size_t i = 1; i < p.n; i++)
		CHECK(p.v[i - 1].received <= p.v[i].received);
	CHECK_STR(p.v[p.n - 1].message, "again");
}

static void test_rate_limit(void)
{
	struct pending p;
	double t = 5;
	unsigned kept = 0;

	pending_init(&p, t);
	/* A burst: the first PENDING_BURST are kept, the rest dropped. */
	for (unsigned i = 0; i < 20; i++)
		kept += add(&p, i, "x", t, NULL) == PENDING_KEPT;
	CHECK_EQ_U(kept, PENDING_BURST);
	CHECK_EQ_U(p.n, PENDING_BURST);
	CHECK(!has(&p, PENDING_BURST));
	/* Then one per period. */
	CHECK_EQ_I(add(&p, 100, "x", t + 0.5 * PENDING_PERIOD, NULL), PENDING_TOO_FAST);
	CHECK_EQ_I(add(&p, 100, "x", t + 1.01 * PENDING_PERIOD, NULL), PENDING_KEPT);
	CHECK_EQ_I(add(&p, 101, "x", t + 1.5 * PENDING_PERIOD, NULL), PENDING_TOO_FAST);
	CHECK_EQ_I(add(&p, 101, "x", t + 2.02 * PENDING_PERIOD, NULL), PENDING_KEPT);
	/* A steady flood at 10 a second for a minute keeps about one a second. */
	kept = 0;
	t += 10;
	pending_init(&p, t);
	for (unsigned i = 0; i < 600; i++)
		kept += add(&p, 1000 + i, "x", t + i * 0.1, NULL) != PENDING_TOO_FAST;
	CHECK(kept >= PENDING_BURST + 59 && kept <= PENDING_BURST + 61);
	CHECK_EQ_U(p.n, PENDING_MAX);
	/* A quiet spell fills the bucket again, but no more than the burst. */
	t += 3600;
	kept = 0;
	for (unsigned i = 0; i < 20; i++)
		kept += add(&p, 5000 + i, "x", t, NULL) != PENDING_TOO_FAST;
	CHECK_EQ_U(kept, PENDING_BURST);
	/* A clock that goes back takes nothing and gives nothing. */
	CHECK_EQ_I(add(&p, 6000, "x", t - 100, NULL), PENDING_TOO_FAST);
}

static void test_refresh(void)
{
	struct pending p;
	uint8_t pk[TT_PUBKEY_SIZE];
	const struct pending_entry *e;
	double t = 0;

	pending_init(&p, t);
	for (unsigned i = 0; i < PENDING_BURST; i++)
		add(&p, i, "first", t, NULL);
	/* The bucket is empty, yet a waiting key's resend is taken: it costs nothing. */
	CHECK_EQ_I(add(&p, 99, "x", t, NULL), PENDING_TOO_FAST);
	CHECK_EQ_I(add(&p, 0, "renamed", t + 0.2, NULL), PENDING_REFRESHED);
	CHECK_EQ_U(p.n, PENDING_BURST);
	key(pk, 0);
	e = pending_find(&p, pk);
	if (CHECK(e != NULL)) {
		CHECK_STR(e->message, "renamed");
		CHECK(e->received == t + 0.2);
	}
	/* It is now the youngest: when full, key 1 goes first. */
	CHECK(!memcmp(p.v[p.n - 1].pk, pk, TT_PUBKEY_SIZE));
	for (unsigned i = 0; i < 100 && p.n < PENDING_MAX; i++)
		add(&p, 200 + i, "filler", t += 1, NULL);
	{
		struct pending_entry dropped;

		CHECK_EQ_I(add(&p, 999, "x", t += 1, &dropped), PENDING_KEPT_FULL);
		CHECK(dropped.pk[1] == 1);
		CHECK(has(&p, 0));
	}
}

static void test_remove(void)
{
	struct pending p;
	struct pending_entry e;
	uint8_t pk[TT_PUBKEY_SIZE];

	pending_init(&p, 0);
	add(&p, 1, "one", 0, NULL);
	add(&p, 2, "two", 0, NULL);
	add(&p, 3, "three", 0, NULL);
	key(pk, 2);
	CHECK(pending_remove(&p, pk, &e) && !strcmp(e.message, "two"));
	CHECK(!pending_remove(&p, pk, NULL));
	CHECK_EQ_U(p.n, 2);
	CHECK(has(&p, 1) && has(&p, 3) && !has(&p, 2));
	CHECK_STR(p.v[0].message, "one");
	CHECK_STR(p.v[1].message, "three");
	/* Asked again after removal: a new entry, which costs a token. */
	CHECK_EQ_I(add(&p, 2, "two again", 0, NULL), PENDING_KEPT);
}

static const char *clean(const char *in, size_t len)
{
	static char out[PENDING_MESSAGE_MAX + 1];

	pending_sanitize((const uint8_t *)in, len, out, sizeof(out));
	return out;
}

static void test_sanitize(void)
{
	char longer[400];

	CHECK_STR(clean("laptop", 6), "laptop");
	CHECK_STR(clean("Zo\xC3\xAB's PC \xE2\x9C\x93 \xF0\x9F\x92\xBB", 18), "Zo\xC3\xAB's PC \xE2\x9C\x93 \xF0\x9F\x92\xBB");
	CHECK_STR(clean("a\nb\tc\x1b[31md\x7f", 12), "a?b?c?[31md?");
	CHECK_STR(clean("nul\0here", 8), "nul?here");
	/* Bytes of no valid character: one '?' each. */
	CHECK_STR(clean("\xFF\xC3x\xE2\x82", 5), "??x??");
	CHECK_STR(clean("\xC0\xAF", 2), "??");                 /* overlong '/' */
	CHECK_STR(clean("\xED\xA0\x80", 3), "???");            /* a surrogate */
	CHECK_STR(clean("\xF4\x90\x80\x80", 4), "????");       /* past U+10FFFF */
	CHECK_STR(clean("\xC2\x85", 2), "?");                  /* C1 NEL */
	/* Text that reads backwards or hides itself. */
	CHECK_STR(clean("evil\xE2\x80\xAEtxt.exe", 14), "evil?txt.exe");
	CHECK_STR(clean("a\xE2\x80\x8B" "b\xE2\x81\xA6" "c\xEF\xBB\xBF", 12), "a?b?c?");
	CHECK_STR(clean("x\xE2\x80\xA8y", 5), "x?y");
	/* Cut at 128 bytes, never inside a character. */
	memset(longer, 'a', sizeof(longer));
	CHECK_EQ_U(strlen(clean(longer, sizeof(longer))), PENDING_MESSAGE_MAX);
	/* "x" then two-byte characters: the 64th would end at byte 129. */
	longer[0] = 'x';
	for (size_t i = 1; i + 2 <= sizeof(longer); i += 2)
		memcpy(longer + i, "\xC3\xA9", 2);
	{
		const char *s = clean(longer, sizeof(longer) - 1);

		CHECK_EQ_U(strlen(s), PENDING_MESSAGE_MAX - 1);
		CHECK(!strcmp(s + strlen(s) - 2, "\xC3\xA9"));
	}
	CHECK_STR(clean("", 0), "");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	RUN(test_bound_oldest_out);
	RUN(test_rate_limit);
	RUN(test_refresh);
	RUN(test_remove);
	RUN(test_sanitize);
	return check_report();
}
