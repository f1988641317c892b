/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The keys of each section: called by the loader once per "key = value" line. */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "config_internal.h"
#include "toxtun/config_keys.h"

/* Keys that may appear once; a second one is more likely a copy-paste slip
 * than an intended override, so it is refused. */
enum {
	SEEN_PROFILE = 1u << 0,
	SEEN_UDP = 1u << 1,
	SEEN_IPV6 = 1u << 2,
	SEEN_LAN = 1u << 3,
	SEEN_NAME = 1u << 4,
	SEEN_SOCKET = 1u << 5,
	SEEN_SANDBOX = 1u << 24,
	SEEN_PORT = 1u << 25,
	SEEN_APPROVE = 1u << 26,
	SEEN_CLIENT_NAME = 1u << 27,
	SEEN_SOCKS_USER = 1u << 28,
	SEEN_SOCKS_PASS = 1u << 29,
	SEEN_LINK_FIRST = 6, /* [link] keys: bit 6 + index in link_keys */
};

static bool first_time(struct tt_loader *ld, uint32_t bit, const char *key)
{
	if (ld->seen & bit)
		return tt_loader_fail(ld, "duplicate key '%s' in [%s]", key,
		                      tt_cfg_section_name(ld->section));
	ld->seen |= bit;
	return true;
}

static bool unknown_key(struct tt_loader *ld, const char *key)
{
	return tt_loader_fail(ld, "unknown key '%.*s%s' in [%s]", TT_TOKEN(key, strlen(key)),
	                      tt_cfg_section_name(ld->section));
}

static bool out_of_memory(struct tt_loader *ld)
{
	return tt_loader_fail(ld, "out of memory");
}

static bool set_bool(struct tt_loader *ld, uint32_t bit, const char *key, const char *value,
                     bool *dst)
{
	char msg[256];

	if (!first_time(ld, bit, key))
		return false;
	if (!tt_parse_bool(value, dst, msg, sizeof(msg)))
		return tt_loader_fail(ld, "%s", msg);
	return true;
}

/* ---- [tox] ---- */

static bool add_node(struct tt_loader *ld, struct tt_node_entry **arr, size_t *n, size_t *cap,
                     const char *value)
{
	struct tt_node_entry e, *p;
	char msg[256];

	if (!tt_parse_node_entry(value, &e, msg, sizeof(msg)))
		return tt_loader_fail(ld, "%s", msg);
	p = tt_cfg_grow(*arr, cap, *n + 1, sizeof(**arr));
	if (!p)
		return out_of_memory(ld);
	*arr = p;
	p[(*n)++] = e;
	return true;
}

static bool tox_key(struct tt_loader *ld, const char *key, const char *value)
{
	struct tt_config *cfg = ld->cfg;

	if (!strcasecmp(key, TT_KEY_PROFILE)) {
		if (!first_time(ld, SEEN_PROFILE, key))
			return false;
		cfg->profile = tt_cfg_resolve_path(cfg->path, value);
		return cfg->profile ? true : out_of_memory(ld);
	}
	if (!strcasecmp(key, TT_KEY_BOOTSTRAP))
		return add_node(ld, &cfg->bootstrap, &cfg->n_bootstrap, &ld->cap_bootstrap, value);
	if (!strcasecmp(key, TT_KEY_TCP_RELAY))
		return add_node(ld, &cfg->tcp_relays, &cfg->n_tcp_relays, &ld->cap_relays, value);
	if (!strcasecmp(key, TT_KEY_UDP))
		return set_bool(ld, SEEN_UDP, key, value, &cfg->udp);
	if (!strcasecmp(key, TT_KEY_IPV6))
		return set_bool(ld, SEEN_IPV6, key, value, &cfg->ipv6);
	if (!strcasecmp(key, TT_KEY_LOCAL_DISCOVERY))
		return set_bool(ld, SEEN_LAN, key, value, &cfg->local_discovery);
	if (!strcasecmp(key, TT_KEY_PORT)) {
		char msg[256];

		if (!first_time(ld, SEEN_PORT, key))
			return false;
		if (!tt_parse_port(value, &cfg->port, msg, sizeof(msg)))
			return tt_loader_fail(ld, "%s", msg);
		return true;
	}
	return unknown_key(ld, key);
}

/* ---- [server] ---- */

/* The Tox nickname ([server]) or the name in our friend requests
 * ([client]): any bytes Tox accepts, but no control characters, which would
 * only garble logs and friend lists. */
static bool set_name(struct tt_loader *ld, uint32_t bit, const char *key, const char *value,
                     char dst[TT_NAME_MAX])
{
	size_t len = strlen(value);

	if (!first_time(ld, bit, key))
		return false;
	if (len >= TT_NAME_MAX)
		return tt_loader_fail(ld, "bad name '%.*s%s': longer than %d bytes",
		                      TT_TOKEN(value, len), TT_NAME_MAX - 1);
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)value[i] < 0x20 || value[i] == 0x7f)
			return tt_loader_fail(ld, "bad name '%.*s%s': contains control characters",
			                      TT_TOKEN(value, len));
	}
	memcpy(dst, value, len + 1);
	return true;
}

static bool set_approve(struct tt_loader *ld, const char *key, const char *value)
{
	if (!first_time(ld, SEEN_APPROVE, key))
		return false;
	if (!strcasecmp(value, TT_APPROVE_AUTO_WORD))
		ld->cfg->approve = TT_APPROVE_AUTO;
	else if (!strcasecmp(value, TT_APPROVE_ASK_WORD))
		ld->cfg->approve = TT_APPROVE_ASK;
	else
		return tt_loader_fail(ld, "bad value '%.*s%s' for %s: expected " TT_APPROVE_ASK_WORD
		                      " or " TT_APPROVE_AUTO_WORD, TT_TOKEN(value, strlen(value)), key);
	return true;
}

/* permit and permit_listen: parse and append. */
static bool add_permit(struct tt_loader *ld, const char *value, bool listen)
{
	struct tt_config *cfg = ld->cfg;
	struct tt_permit p, **arr = listen ? &cfg->permit_listen : &cfg->permits, *grown;
	size_t *n = listen ? &cfg->n_permit_listen : &cfg->n_permits;
	char msg[256];

	if (!(listen ? tt_parse_permit_listen : tt_parse_permit)(value, &p, msg, sizeof(msg)))
		return tt_loader_fail(ld, "%s", msg);
	grown = tt_cfg_grow(*arr, listen ? &ld->cap_permit_listen : &ld->cap_permits, *n + 1,
	                    sizeof(*grown));
	if (!grown)
		return out_of_memory(ld);
	*arr = grown;
	grown[(*n)++] = p;
	return true;
}

static bool add_allow(struct tt_loader *ld, const char *value)
{
	struct tt_config *cfg = ld->cfg;
	uint8_t key[TT_PUBKEY_SIZE];
	uint8_t (*arr)[TT_PUBKEY_SIZE];
	char msg[256];

	if (!tt_parse_pubkey(value, key, msg, sizeof(msg)))
		return tt_loader_fail(ld, "%s", msg);
	arr = tt_cfg_grow(cfg->allow, &ld->cap_allow, cfg->n_allow + 1, sizeof(*arr));
	if (!arr)
		return out_of_memory(ld);
	cfg->allow = arr;
	memcpy(arr[cfg->n_allow++], key, TT_PUBKEY_SIZE);
	return true;
}

static bool server_key(struct tt_loader *ld, const char *key, const char *value)
{
	if (!strcasecmp(key, TT_KEY_NAME))
		return set_name(ld, SEEN_NAME, key, value, ld->cfg->name);
	if (!strcasecmp(key, TT_KEY_APPROVE))
		return set_approve(ld, key, value);
	if (!strcasecmp(key, TT_KEY_PERMIT))
		return add_permit(ld, value, false);
	if (!strcasecmp(key, TT_KEY_PERMIT_LISTEN))
		return add_permit(ld, value, true);
	if (!strcasecmp(key, TT_KEY_ALLOW))
		return add_allow(ld, value);
	return unknown_key(ld, key);
}

/* ---- [client] ---- */

/* "*", 0.0.0.0 and :: take the port on every address of their family (and
 * :: often on IPv4 too), so they collide with any other use of the port. */
static bool is_wildcard(const char *host)
{
	return !strcmp(host, "*") || !strcmp(host, "0.0.0.0") || !strcmp(host, "::");
}

/* Compare addresses, not spellings: "::1" and "0::1" are the same socket. */
static bool same_address(const char *a, const char *b)
{
	uint8_t x[16], y[16];

	if (inet_pton(AF_INET, a, x) == 1)
		return inet_pton(AF_INET, b, y) == 1 && !memcmp(x, y, 4);
	if (inet_pton(AF_INET6, a, x) == 1)
		return inet_pton(AF_INET6, b, y) == 1 && !memcmp(x, y, 16);
	return !strcmp(a, b);
}

/* Where a line listens: local TCP, local UDP, or on its server (reverse). */
static int listen_space(const struct tt_client_tunnel *t)
{
	return t->kind == TT_TUNNEL_UDP ? 1 : t->kind == TT_TUNNEL_REVERSE ? 2 : 0;
}

static bool listen_conflict(const struct tt_client_tunnel *a, const struct tt_client_tunnel *b)
{
	if (a->listen_port != b->listen_port || listen_space(a) != listen_space(b))
		return false;
	if (a->kind == TT_TUNNEL_REVERSE && memcmp(a->server_id, b->server_id, TT_PUBKEY_SIZE))
		return false;
	return is_wildcard(a->listen_host) || is_wildcard(b->listen_host) ||
	       same_address(a->listen_host, b->listen_host);
}

static bool check_new_tunnel(struct tt_loader *ld, const struct tt_client_tunnel *t)
{
	const struct tt_config *cfg = ld->cfg;

	for (size_t i = 0; i < cfg->n_tunnels; i++) {
		const struct tt_client_tunnel *old = &cfg->tunnels[i];
		bool v6 = strchr(t->listen_host, ':') != NULL;

		if (!strcmp(old->name, t->name))
			return tt_loader_fail(ld, "duplicate tunnel name '%s' (first defined on line %d)",
			                      t->name, old->line);
		if (listen_conflict(old, t))
			return tt_loader_fail(ld, "listen address %s%s%s:%u of tunnel '%s' is already "
			                      "used by tunnel '%s' (line %d)", v6 ? "[" : "",
			                      t->listen_host, v6 ? "]" : "", t->listen_port, t->name,
			                      old->name, old->line);
	}
	return true;
}

/* socks_user / socks_pass: plain strings, at most 255 bytes (RFC 1929). */
static bool socks_credential(struct tt_loader *ld, const char *key, const char *value, char **dst,
                             uint32_t bit)
{
	size_t len = strlen(value);

	if (!first_time(ld, bit, key))
		return false;
	if (len == 0 || len > 255)
		return tt_loader_fail(ld, "bad %s: 1..255 bytes (RFC 1929)", key);
	*dst = strdup(value);
	return *dst ? true : out_of_memory(ld);
}

/* Before name became a setting, a tunnel could be called "name": such a
 * line must not quietly turn into this computer's name. */
static bool set_client_name(struct tt_loader *ld, const char *key, const char *value)
{
	struct tt_client_tunnel t;

	if (tt_parse_client_line("tunnel", value, &t, NULL, 0))
		return tt_loader_fail(ld, "'%s' in [%s] is this computer's name, not a tunnel: "
		                      "give the tunnel another name", key, TT_SECTION_CLIENT);
	return set_name(ld, SEEN_CLIENT_NAME, key, value, ld->cfg->client_name);
}

static bool client_key(struct tt_loader *ld, const char *key, const char *value)
{
	struct tt_config *cfg = ld->cfg;
	struct tt_client_tunnel t, *arr;
	char msg[256];

	if (!strcasecmp(key, TT_KEY_NAME))
		return set_client_name(ld, key, value);
	if (!strcasecmp(key, TT_KEY_SOCKS_USER))
		return socks_credential(ld, key, value, &cfg->socks_user, SEEN_SOCKS_USER);
	if (!strcasecmp(key, TT_KEY_SOCKS_PASS))
		return socks_credential(ld, key, value, &cfg->socks_pass, SEEN_SOCKS_PASS);
	if (!tt_parse_client_line(key, value, &t, msg, sizeof(msg)))
		return tt_loader_fail(ld, "%s", msg);
	t.line = ld->line;
	if (!check_new_tunnel(ld, &t))
		return false;
	arr = tt_cfg_grow(cfg->tunnels, &ld->cap_tunnels, cfg->n_tunnels + 1, sizeof(*arr));
	if (!arr)
		return out_of_memory(ld);
	cfg->tunnels = arr;
	arr[cfg->n_tunnels++] = t;
	return true;
}

/* ---- [control] ---- */

static bool control_key(struct tt_loader *ld, const char *key, const char *value)
{
	struct tt_config *cfg = ld->cfg;
	size_t max = sizeof(((struct sockaddr_un *)0)->sun_path) - 1;
	char *path;

	if (strcasecmp(key, TT_KEY_SOCKET))
		return unknown_key(ld, key);
	if (!first_time(ld, SEEN_SOCKET, key))
		return false;
	/* Relative to the ini file like the profile: the daemon's working
	 * directory is nothing the user controls. */
	path = tt_cfg_resolve_path(cfg->path, value);
	if (!path)
		return out_of_memory(ld);
	if (strlen(path) > max) {
		tt_loader_fail(ld, "bad socket path '%.*s%s': longer than %zu bytes",
		               TT_TOKEN(path, strlen(path)), max);
		free(path);
		return false;
	}
	cfg->control_socket = path;
	return true;
}

/* ---- [link] ---- */

static const struct link_key {
	const char *name;
	size_t offset;
	bool is_u32;  /* uint32_t rather than unsigned */
	uint32_t min, max;
} link_keys[] = {
	{ TT_KEY_OUTAGE_TIMEOUT, offsetof(struct tt_config, outage_timeout_s), false, 10, 86000 },
	{ TT_KEY_LINGER, offsetof(struct tt_config, linger_s), false, 0, 86400 },
	{ TT_KEY_WAIT_TIMEOUT, offsetof(struct tt_config, wait_timeout_s), false, 1, 3600 },
	{ TT_KEY_CONNECT_TIMEOUT, offsetof(struct tt_config, connect_timeout_s), false, 1, 300 },
	{ TT_KEY_STREAM_WINDOW, offsetof(struct tt_config, stream_window), true, 16384, 67108864 },
	{ TT_KEY_MAX_STREAMS, offsetof(struct tt_config, max_streams), false, 1, 65536 },
	{ TT_KEY_MAX_WAITING, offsetof(struct tt_config, max_waiting), false, 1, 65536 },
	{ TT_KEY_UDP_TIMEOUT, offsetof(struct tt_config, udp_timeout_s), false, 1, 86400 },
};

static bool set_link_value(struct tt_loader *ld, const struct link_key *k, uint32_t bit,
                           const char *value)
{
	size_t len = strlen(value);
	char *field = (char *)ld->cfg + k->offset;
	uint64_t v = 0;

	if (!first_time(ld, bit, k->name))
		return false;
	switch (tt_cfg_parse_uint(value, len, k->max, &v)) {
	case TT_UINT_JUNK:
		return tt_loader_fail(ld, "bad number '%.*s%s' for %s: expected a plain "
		                      "non-negative integer", TT_TOKEN(value, len), k->name);
	case TT_UINT_RANGE:
		break;
	case TT_UINT_OK:
		if (v >= k->min) {
			if (k->is_u32)
				*(uint32_t *)(void *)field = (uint32_t)v;
			else
				*(unsigned *)(void *)field = (unsigned)v;
			return true;
		}
		break;
	}
	return tt_loader_fail(ld, "bad number '%.*s%s' for %s: out of range %u..%u",
	                      TT_TOKEN(value, len), k->name, (unsigned)k->min, (unsigned)k->max);
}

static bool link_key(struct tt_loader *ld, const char *key, const char *value)
{
	for (size_t i = 0; i < sizeof(link_keys) / sizeof(link_keys[0]); i++) {
		if (!strcasecmp(key, link_keys[i].name))
			return set_link_value(ld, &link_keys[i], 1u << (SEEN_LINK_FIRST + i), value);
	}
	return unknown_key(ld, key);
}

/* ---- [daemon] ---- */

static bool daemon_key(struct tt_loader *ld, const char *key, const char *value)
{
	if (!strcasecmp(key, TT_KEY_SANDBOX))
		return set_bool(ld, SEEN_SANDBOX, key, value, &ld->cfg->sandbox);
	return unknown_key(ld, key);
}

/* ---- dispatch ---- */

bool tt_loader_handle(struct tt_loader *ld, const char *key, const char *value)
{
	if (ld->failed)
		return false;
	if (ld->section == TT_SEC_NONE)
		return tt_loader_fail(ld, "key '%.*s%s' outside of any section", TT_TOKEN(key, strlen(key)));
	if (!*value)
		return tt_loader_fail(ld, "missing value for '%.*s%s'", TT_TOKEN(key, strlen(key)));
	switch (ld->section) {
	case TT_SEC_TOX: return tox_key(ld, key, value);
	case TT_SEC_SERVER: return server_key(ld, key, value);
	case TT_SEC_CLIENT: return client_key(ld, key, value);
	case TT_SEC_CONTROL: return control_key(ld, key, value);
	case TT_SEC_LINK: return link_key(ld, key, value);
	case TT_SEC_DAEMON: return daemon_key(ld, key, value);
	case TT_SEC_NONE: break;
	}
	return false;
}
