/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Numbers for people: byte counts, rates and durations, in the style of
 * `tunnel status` (decimal units). */
#ifndef TOXTUN_GUI_FORMAT_H
#define TOXTUN_GUI_FORMAT_H

#include <glib.h>

char *tray_format_bytes(double bytes);      /* "0 B", "1.5 kB", "12.0 MB" */
char *tray_format_rate(double bytes_per_s); /* "0 B/s", "1.5 kB/s" */
char *tray_format_duration(double seconds); /* "42 s", "3 min 05 s", "2 h 07 min", "3 d 04 h" */
/* A public key or Tox ID shortened for tables: "ABCDEF12…7890". */
char *tray_format_key(const char *key);
/* A path with the home directory written "~": "~/.config/toxtun/office.ini". */
char *tray_format_path(const char *path);

/* A peer's round trip and loss are shown as current while their newest
 * sample is this young: a daemon the tray follows probes every 2 s. */
#define TRAY_FRESH_S 10.0
/* "0.16 ms", "12.3 ms", "101 ms"; "—" when unknown; a sample older than
 * TRAY_FRESH_S (age_s; < 0: not given) reads "idle" when the session is not
 * up, else "12.3 ms, 2 min 05 s ago". */
char *tray_format_rtt(gboolean known, double rtt_ms, double age_s, gboolean up);
/* Loss each way, ours to the peer and the peer's to us: "↑ 0.1 %  ↓ 2.0 %";
 * "—" for a direction unknown, or for both when the sample is old. */
char *tray_format_loss(gboolean out_known, double out, gboolean in_known, double in, double age_s);

#endif
