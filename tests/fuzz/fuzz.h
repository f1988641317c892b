/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every libFuzzer harness here shares: an invariant that aborts (and
 * so makes libFuzzer keep the input) when it does not hold. */
#ifndef TOXTUN_FUZZ_H
#define TOXTUN_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#define REQUIRE(cond)                                                                   \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                        \
		}                                                                       \
	} while (0)

#endif
