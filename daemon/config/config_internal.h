/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers shared by the files of daemon/config; not part of the public API. */
#ifndef TOXTUN_CONFIG_INTERNAL_H
#define TOXTUN_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "toxtun/config.h"

/* A bad token is quoted in messages, but cut after this many bytes so that one
 * pasted-in blob cannot turn a message into a screenful. */
#define TT_TOKEN_SHOWN 100

/* Expands to the three arguments of "%.*s%s" for a token of known length. */
#define TT_TOKEN(s, len) \
	(int)((len) > TT_TOKEN_SHOWN ? TT_TOKEN_SHOWN : (len)), (s), \
	((len) > TT_TOKEN_SHOWN ? "..." : "")

/* printf into err; a NULL err or a zero errlen is allowed and ignored. */
void tt_cfg_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Decimal digits only: no sign, no blanks, no base prefix. */
enum tt_uint_result { TT_UINT_OK, TT_UINT_JUNK, TT_UINT_RANGE };
enum tt_uint_result tt_cfg_parse_uint(const char *s, size_t len, uint64_t max, uint64_t *out);

/* Length-delimited variants of the public parsers, for fields cut out of a
 * longer value. */
bool tt_cfg_parse_port(const char *s, size_t len, uint16_t *out, char *err, size_t errlen);
bool tt_cfg_parse_pubkey(const char *s, size_t len, uint8_t out[TT_PUBKEY_SIZE],
                         char *err, size_t errlen);
bool tt_cfg_parse_toxid(const char *s, size_t len, uint8_t out[TT_TOX_ID_SIZE],
                        char *err, size_t errlen);

/* What a host field may hold:
 * LISTEN: an IP literal or "*";
 * REMOTE: an IP literal or a host name (IPv6 only inside brackets, which the
 *         caller has removed and signals with bracketed=true);
 * NODE:   like REMOTE, but a bare IPv6 literal is fine (the field is
 *         delimited by blanks, not colons). */
enum tt_host_kind { TT_HOST_LISTEN, TT_HOST_REMOTE, TT_HOST_NODE };
bool tt_cfg_check_host(const char *s, size_t len, bool bracketed, enum tt_host_kind kind,
                       char out[TT_HOST_MAX], char *err, size_t errlen);
bool tt_cfg_is_hostname(const char *s, size_t len);

/* Make room for `need` elements in a growing array. Returns the (possibly
 * moved) array, or NULL when out of memory, leaving arr untouched. */
void *tt_cfg_grow(void *arr, size_t *cap, size_t need, size_t elem);

/* A path from the ini file: absolute paths are kept, relative ones are taken
 * relative to the directory of the ini file. NULL when out of memory. */
char *tt_cfg_resolve_path(const char *ini_path, const char *path);

/* The whole file in memory (at most 1 MiB: a config file is a few dozen
 * lines, anything bigger is a wrong path), so the reader can count lines and
 * measure them itself. NUL-terminated for convenience; *len excludes the
 * NUL. NULL with err set on failure. */
char *tt_cfg_read_file(const char *path, size_t *len, struct tt_error *err);

/* ---- the loader, split between config.c (reading) and sections.c (keys) ---- */

enum tt_section { TT_SEC_NONE, TT_SEC_TOX, TT_SEC_SERVER, TT_SEC_CLIENT,
                  TT_SEC_CONTROL, TT_SEC_LINK, TT_SEC_DAEMON };

struct tt_loader {
	struct tt_config *cfg;

	/* The file's text and how far the reader got. */
	const char *text;
	size_t len;
	size_t pos;
	int line;                 /* number of the line being read */
	enum tt_section section;  /* tracked by the reader, see config.c */

	uint32_t seen;            /* single-valued keys already set (sections.c) */
	size_t cap_bootstrap, cap_relays, cap_permits, cap_allow, cap_permit_listen, cap_tunnels;

	/* The first error wins; everything after it is ignored. */
	bool failed;
	int err_line;             /* 0: not tied to a line */
	char msg[TT_ERROR_MAX];
};

/* Record an error on the current line. Always returns false. */
bool tt_loader_fail(struct tt_loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *tt_cfg_section_name(enum tt_section section);

/* One "key = value" line of the current section. False once failed. */
bool tt_loader_handle(struct tt_loader *ld, const char *key, const char *value);

#endif
