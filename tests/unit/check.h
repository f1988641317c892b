/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A minimal test harness shared by the unit tests: no framework, one header.
 *
 * Every test is its own program (one translation unit), so the counters can
 * live here as statics. A test calls CHECK* as often as it likes, groups
 * related checks with RUN(fn) to get one "ok"/"FAIL" line per group, and
 * returns check_report() from main: it prints "N passed, M failed" (the line
 * ctest logs show) and yields the exit status.
 *
 * The comparison macros print both values on failure, because a bare
 * "a == b failed" rarely says enough to fix a test without a debugger. */
#ifndef TOXTUN_TEST_CHECK_H
#define TOXTUN_TEST_CHECK_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_passed, check_failed, check_group_failed;

static inline bool check_result(bool ok, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static inline bool check_result(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		check_passed++;
		return true;
	}
	check_failed++;
	check_group_failed++;
	fprintf(stderr, "  %s:%d: check failed: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return false;
}

/* Each macro evaluates its arguments exactly once and returns whether the
 * check held, so a test can skip what would crash after a failure:
 *   if (CHECK(p != NULL)) use(p); */
#define CHECK(cond) check_result((cond) ? true : false, __FILE__, __LINE__, "%s", #cond)

#define CHECK_EQ_U(a, b)                                                                        \
	__extension__({                                                                         \
		unsigned long long check_a_ = (unsigned long long)(a), check_b_ = (unsigned long long)(b); \
		check_result(check_a_ == check_b_, __FILE__, __LINE__, "%s == %s (%llu vs %llu)", #a, #b, \
		             check_a_, check_b_);                                               \
	})

#define CHECK_EQ_I(a, b)                                                                        \
	__extension__({                                                                         \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                   \
		check_result(check_a_ == check_b_, __FILE__, __LINE__, "%s == %s (%lld vs %lld)", #a, #b, \
		             check_a_, check_b_);                                               \
	})

/* Strings; a NULL on either side is a failure (not a crash) unless both are. */
#define CHECK_STR(a, b)                                                                         \
	__extension__({                                                                         \
		const char *check_a_ = (a), *check_b_ = (b);                                      \
		bool check_ok_ = check_a_ && check_b_ ? strcmp(check_a_, check_b_) == 0 : check_a_ == check_b_; \
		check_result(check_ok_, __FILE__, __LINE__, "%s == %s (\"%s\" vs \"%s\")", #a, #b,  \
		             check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");       \
	})

#define CHECK_MEM(a, b, n)                                                                      \
	__extension__({                                                                         \
		size_t check_n_ = (n);                                                            \
		check_result(memcmp((a), (b), check_n_) == 0, __FILE__, __LINE__, "%s == %s (%zu bytes)", #a, #b, \
		             check_n_);                                                           \
	})

/* Run one group of checks and print a line for it. */
#define RUN(fn) check_group(#fn, fn)

static inline void check_group(const char *name, void (*fn)(void))
{
	check_group_failed = 0;
	fn();
	printf("%-4s %s\n", check_group_failed ? "FAIL" : "ok", name);
	fflush(stdout);
}

static inline int check_report(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

/* A small deterministic PRNG (splitmix64) for randomized tests, so that a
 * failure reproduces. The seed is fixed unless TOXTUN_TEST_SEED is set;
 * tests print the seed they used. */
static uint64_t check_rng_state;

static inline uint64_t check_seed(uint64_t fallback)
{
	const char *s = getenv("TOXTUN_TEST_SEED");

	check_rng_state = s && *s ? strtoull(s, NULL, 0) : fallback;
	printf("seed %" PRIu64 " (set TOXTUN_TEST_SEED to change)\n", check_rng_state);
	return check_rng_state;
}

static inline uint64_t check_rand(void)
{
	uint64_t z = (check_rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (inclusive); the modulo bias is irrelevant here. */
static inline uint64_t check_rand_range(uint64_t lo, uint64_t hi)
{
	return hi <= lo ? lo : lo + check_rand() % (hi - lo + 1);
}

#endif
