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

#endif
