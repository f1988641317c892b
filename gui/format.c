/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Numbers for people: see format.h. */
#include <string.h>

#include "format.h"

char *tray_format_bytes(double v)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;

	if (v < 0)
		v = 0;
	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	return u ? g_strdup_printf("%.1f %s", v, units[u]) : g_strdup_printf("%.0f %s", v, units[u]);
}

char *tray_format_rate(double v)
{
	char *b = tray_format_bytes(v), *r = g_strconcat(b, "/s", NULL);

	g_free(b);
	return r;
}

char *tray_format_duration(double s)
{
	long t = s > 0 ? (long)s : 0;

	if (t >= 86400)
		return g_strdup_printf("%ld d %02ld h", t / 86400, t % 86400 / 3600);
	if (t >= 3600)
		return g_strdup_printf("%ld h %02ld min", t / 3600, t % 3600 / 60);
	if (t >= 60)
		return g_strdup_printf("%ld min %02ld s", t / 60, t % 60);
	return g_strdup_printf("%ld s", t);
}

char *tray_format_key(const char *key)
{
	size_t n = strlen(key);

	if (n <= 16)
		return g_strdup(key);
	return g_strdup_printf("%.8s…%s", key, key + n - 4);
}

char *tray_format_path(const char *path)
{
	const char *home = g_get_home_dir();
	size_t n = home ? strlen(home) : 0;

	if (n > 1 && strncmp(path, home, n) == 0 && path[n] == '/')
		return g_strdup_printf("~%s", path + n);
	return g_strdup(path);
}

static gboolean stale(double age_s)
{
	return age_s > TRAY_FRESH_S;
}

char *tray_format_rtt(gboolean known, double rtt_ms, double age_s, gboolean up)
{
	char *ms, *age, *out;

	if (!known)
		return g_strdup("—");
	if (stale(age_s) && !up)
		return g_strdup("idle");
	ms = g_strdup_printf(rtt_ms < 1 ? "%.2f ms" : rtt_ms < 100 ? "%.1f ms" : "%.0f ms", rtt_ms);
	if (!stale(age_s))
		return ms;
	age = tray_format_duration(age_s);
	out = g_strdup_printf("%s, %s ago", ms, age);
	g_free(ms);
	g_free(age);
	return out;
}

char *tray_format_loss(gboolean out_known, double out, gboolean in_known, double in, double age_s)
{
	char *o, *i, *r;

	if (stale(age_s) || (!out_known && !in_known))
		return g_strdup("—");
	o = out_known ? g_strdup_printf("%.1f %%", 100 * out) : g_strdup("—");
	i = in_known ? g_strdup_printf("%.1f %%", 100 * in) : g_strdup("—");
	r = g_strdup_printf("↑ %s  ↓ %s", o, i);
	g_free(o);
	g_free(i);
	return r;
}
