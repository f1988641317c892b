/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Room for one more element at the end of a growable array: the daemon
 * keeps its sessions, listeners, tunnels and the link's aliases in arrays
 * of pointers that double when full. */
#ifndef TOXTUN_GROW_H
#define TOXTUN_GROW_H

#include <stdbool.h>
#include <stdlib.h>

/* v (an lvalue pointer) holds n elements in room for cap (an lvalue);
 * make room for one more. Evaluates to false, with nothing changed, when
 * out of memory. A macro (a GNU statement expression) so that v keeps its
 * type: no pointer is accessed through a void **. */
#define GROW_FOR_ONE(v, cap, n)                                               \
	({                                                                    \
		bool grow_ok_ = true;                                         \
		if ((n) >= (cap)) {                                           \
			size_t grow_cap_ = (cap) ? (cap) * 2 : 8;             \
			void *grow_b_ = realloc((v), grow_cap_ * sizeof(*(v))); \
			if (grow_b_) {                                        \
				(v) = grow_b_;                                \
				(cap) = grow_cap_;                            \
			} else {                                              \
				grow_ok_ = false;                             \
			}                                                     \
		}                                                             \
		grow_ok_;                                                     \
	})

#endif
