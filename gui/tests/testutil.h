/* Helpers shared by the tray's unit tests. */
#ifndef TOXTUN_GUI_TESTUTIL_H
#define TOXTUN_GUI_TESTUTIL_H

#include <glib.h>
#include <string.h>

#include "toxtun/config.h"

/* A valid Tox ID (76 hex digits, correct checksum) made from a seed. */
static inline char *test_tox_id(guint8 seed)
{
	uint8_t id[TT_TOX_ID_SIZE];
	char hex[2 * TT_TOX_ID_SIZE + 1];

	for (int i = 0; i < 36; i++)
		id[i] = (uint8_t)(seed * 31 + i * 7);
	id[36] = id[37] = 0;
	for (int i = 0; i < 36; i++)
		id[36 + i % 2] ^= id[i];
	tt_toxid_format(id, hex);
	return g_strdup(hex);
}

/* Lines of a that are not in b at the same place, counted after aligning
 * the common head and tail: how many lines an edit touched. */
static inline guint test_changed_lines(const char *a, const char *b)
{
	char **la = g_strsplit(a, "\n", -1), **lb = g_strsplit(b, "\n", -1);
	guint na = g_strv_length(la), nb = g_strv_length(lb), head = 0, tail = 0, n;

	while (head < na && head < nb && strcmp(la[head], lb[head]) == 0)
		head++;
	while (tail < na - head && tail < nb - head && strcmp(la[na - 1 - tail], lb[nb - 1 - tail]) == 0)
		tail++;
	n = MAX(na - head - tail, nb - head - tail);
	g_strfreev(la);
	g_strfreev(lb);
	return n;
}

#endif
