/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "toxtun/log.h"
#include "tox/memlock.h"
#include "tox/profile.h"
#include "tox/toxnode.h"

/* While the DHT is down, bootstrap again this often: a node can lose its DHT
 * connection after minutes on a quiet network (see docs/design.md, "Friends"). */
#define REBOOTSTRAP_MS 10000
/* Requests to forget after an iterate (toxnode_forget_request): as many as
 * toxcore remembers; more would be forgotten by toxcore anyway. */
#define FORGET_MAX 32

struct toxnode {
	Tox *tox;
	/* Copies of what the node needs from the configuration: a reload
	 * replaces the configuration, but never the identity or the network. */
	char *profile;
	struct tt_node_entry *bootstrap, *relays;
	size_t n_bootstrap, n_relays;
	const struct toxnode_events *ev;
	void *ctx;
	TOX_CONNECTION dht;
	uint64_t last_bootstrap_ms;
	size_t rx_packets; /* friend packets delivered, for toxnode_iterate */
	uint8_t forget[FORGET_MAX][TT_PUBKEY_SIZE];
	size_t n_forget;
	bool dirty;
	bool offline;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

const char *toxnode_connection_str(TOX_CONNECTION c)
{
	switch (c) {
	case TOX_CONNECTION_UDP: return "udp";
	case TOX_CONNECTION_TCP: return "tcp";
	default: return "none";
	}
}

static void on_self_connection(Tox *tox, TOX_CONNECTION status, void *user)
{
	struct toxnode *node = user;

	if (status == node->dht)
		return;
	if (status == TOX_CONNECTION_NONE)
		log_warn("dht: connection lost");
	else
		log_info("dht: connected (%s)", toxnode_connection_str(status));
	node->dht = status;
}

static void on_friend_connection(Tox *tox, uint32_t fnum, TOX_CONNECTION status, void *user)
{
	struct toxnode *node = user;

	if (node->ev && node->ev->friend_connection)
		node->ev->friend_connection(node->ctx, fnum, status);
}

static void on_friend_request(Tox *tox, const uint8_t *pk, const uint8_t *msg, size_t len, void *user)
{
	struct toxnode *node = user;

	if (node->ev && node->ev->friend_request && node->ev->friend_request(node->ctx, pk, msg, len))
		toxnode_add_friend_key(node, pk);
}

static void on_lossy(Tox *tox, uint32_t fnum, const uint8_t *data, size_t len, void *user)
{
	struct toxnode *node = user;

	node->rx_packets++;
	if (len > 1 && data[0] == TOXNODE_LOSSY_ID && node->ev && node->ev->lossy)
		node->ev->lossy(node->ctx, fnum, data + 1, len - 1);
}

static void on_lossless(Tox *tox, uint32_t fnum, const uint8_t *data, size_t len, void *user)
{
	struct toxnode *node = user;

	node->rx_packets++;
	if (len > 1 && data[0] == TOXNODE_LOSSLESS_ID && node->ev && node->ev->lossless)
		node->ev->lossless(node->ctx, fnum, data + 1, len - 1);
}

static void on_tox_log(Tox *tox, TOX_LOG_LEVEL level, const char *file, uint32_t line,
                       const char *func, const char *message, void *user)
{
	if (level >= TOX_LOG_LEVEL_WARNING)
		log_debug("toxcore: %s:%u %s: %s", file, (unsigned)line, func, message);
}

static void bootstrap(struct toxnode *node)
{
	/* Explicit relays first: toxcore keeps one TCP relay per public key and
	 * ignores a later one with the same key, so a bootstrap node added as a
	 * relay on its UDP port must not shadow its real relay port. */
	for (size_t i = 0; i < node->n_relays; i++) {
		const struct tt_node_entry *r = &node->relays[i];
		Tox_Err_Bootstrap e;

		tox_add_tcp_relay(node->tox, r->host, r->port, r->pubkey, &e);
		if (e != TOX_ERR_BOOTSTRAP_OK)
			log_warn("tcp relay %s:%u rejected (error %d)", r->host, (unsigned)r->port, (int)e);
	}
	for (size_t i = 0; i < node->n_bootstrap; i++) {
		const struct tt_node_entry *b = &node->bootstrap[i];
		Tox_Err_Bootstrap e1, e2;

		tox_bootstrap(node->tox, b->host, b->port, b->pubkey, &e1);
		/* Public bootstrap nodes are TCP relays too, on the same port; a node
		 * without UDP needs them to get anywhere. */
		tox_add_tcp_relay(node->tox, b->host, b->port, b->pubkey, &e2);
		if (e1 != TOX_ERR_BOOTSTRAP_OK)
			log_warn("bootstrap %s:%u failed (error %d)", b->host, (unsigned)b->port, (int)e1);
	}
	node->last_bootstrap_ms = now_ms();
}

static void *dup_entries(const struct tt_node_entry *src, size_t n)
{
	void *p = malloc(n ? n * sizeof(*src) : 1);

	if (p && n)
		memcpy(p, src, n * sizeof(*src));
	return p;
}

static bool copy_settings(struct toxnode *node, const struct tt_config *cfg)
{
	node->profile = strdup(cfg->profile);
	node->bootstrap = dup_entries(cfg->bootstrap, cfg->n_bootstrap);
	node->relays = dup_entries(cfg->tcp_relays, cfg->n_tcp_relays);
	node->n_bootstrap = cfg->n_bootstrap;
	node->n_relays = cfg->n_tcp_relays;
	return node->profile && node->bootstrap && node->relays;
}

static const char *new_error_str(Tox_Err_New e)
{
	switch (e) {
	case TOX_ERR_NEW_MALLOC: return "out of memory";
	case TOX_ERR_NEW_PORT_ALLOC: return "no free UDP port (33445-33545)";
	case TOX_ERR_NEW_LOAD_ENCRYPTED: return "the profile is encrypted, which toxtun does not support";
	case TOX_ERR_NEW_LOAD_BAD_FORMAT: return "the profile is corrupt or not a Tox profile";
	default: return "cannot create the Tox instance";
	}
}

struct toxnode *toxnode_new(const struct tt_config *cfg, bool offline, char *err, size_t errlen)
{
	struct toxnode *node = calloc(1, sizeof(*node));
	struct Tox_Options *opt = NULL;
	uint8_t *save = NULL;
	size_t save_len = 0;
	bool exists;
	Tox_Err_New enew;

	if (!node) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	node->offline = offline;
	if (!copy_settings(node, cfg)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!profile_read(cfg->profile, &save, &save_len, &exists, err, errlen))
		goto fail;
	opt = tox_options_new(NULL);
	if (!opt) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	tox_options_set_udp_enabled(opt, cfg->udp && !offline);
	tox_options_set_ipv6_enabled(opt, cfg->ipv6);
	tox_options_set_local_discovery_enabled(opt, cfg->local_discovery && !offline);
	tox_options_set_log_callback(opt, on_tox_log);
	/* A random start port within tox's default range: a restarted node then
	 * rarely reuses the address its previous instance had. Other nodes'
	 * tables still pair that address with the old, dead DHT key for minutes,
	 * and on a small network that hides the new instance (docs/design.md, "Friends"). */
	if (cfg->port) {
		/* A port the user forwards on a router: that one or none. */
		tox_options_set_start_port(opt, cfg->port);
		tox_options_set_end_port(opt, cfg->port);
	} else {
		tox_options_set_start_port(opt, (uint16_t)(33445 + randombytes_uniform(100)));
		tox_options_set_end_port(opt, 33545);
	}
	if (exists) {
		tox_options_set_savedata_type(opt, TOX_SAVEDATA_TYPE_TOX_SAVE);
		tox_options_set_savedata_data(opt, save, save_len);
	}
	if (!memlock_forgo())
		log_debug("tox: could not forgo locked memory (%s): toxcore's packets cost more CPU",
		          strerror(errno));
	if (!memlock_interposed())
		log_warn("tox: toxcore reaches libsodium's sodium_mlock, not toxtun's: eight system "
		         "calls per packet (daemon/tox/memlock.c)");
	node->tox = tox_new(opt, &enew);
	/* tox_new returns a fresh instance even when it could not load the
	 * profile (LOAD_BAD_FORMAT): that would silently be a new identity. */
	if (!node->tox || enew != TOX_ERR_NEW_OK) {
		if (enew == TOX_ERR_NEW_PORT_ALLOC && cfg->port)
			snprintf(err, errlen, "[tox] port = %u: UDP port %u is taken (another program, or "
			         "another tunnel daemon, uses it)", (unsigned)cfg->port, (unsigned)cfg->port);
		else
			snprintf(err, errlen, "%s: %s", cfg->profile, new_error_str(enew));
		goto fail;
	}
	if (cfg->has_server)
		tox_self_set_name(node->tox, (const uint8_t *)cfg->name, strlen(cfg->name), NULL);
	else if (cfg->has_client)
		tox_self_set_name(node->tox, (const uint8_t *)cfg->client_name, strlen(cfg->client_name), NULL);
	tox_callback_self_connection_status(node->tox, on_self_connection);
	tox_callback_friend_connection_status(node->tox, on_friend_connection);
	tox_callback_friend_request(node->tox, on_friend_request);
	tox_callback_friend_lossy_packet(node->tox, on_lossy);
	tox_callback_friend_lossless_packet(node->tox, on_lossless);
	/* A new identity is saved at once: the ID we print must survive. */
	if (!exists && !toxnode_save(node, err, errlen))
		goto fail;
	if (!offline)
		bootstrap(node);
	tox_options_free(opt);
	free(save);
	return node;
fail:
	tox_options_free(opt);
	free(save);
	toxnode_free(node);
	return NULL;
}

void toxnode_free(struct toxnode *node)
{
	if (!node)
		return;
	if (node->tox)
		tox_kill(node->tox);
	free(node->profile);
	free(node->bootstrap);
	free(node->relays);
	free(node);
}

void toxnode_set_events(struct toxnode *node, const struct toxnode_events *ev, void *ctx)
{
	node->ev = ev;
	node->ctx = ctx;
}

Tox *toxnode_tox(struct toxnode *node) { return node->tox; }

/* toxcore drops a key from the requests it remembers when that key's
 * friend is deleted: a friend added and deleted at once, before any iterate
 * could contact it, does just that. Not from inside tox_iterate, whose
 * request callback is what usually asks for it. */
static void forget_requests(struct toxnode *node)
{
	for (size_t i = 0; i < node->n_forget; i++) {
		uint32_t fnum;

		if (toxnode_friend_by_key(node, node->forget[i]) != UINT32_MAX)
			continue;
		fnum = tox_friend_add_norequest(node->tox, node->forget[i], NULL);
		if (fnum != UINT32_MAX)
			tox_friend_delete(node->tox, fnum, NULL);
	}
	node->n_forget = 0;
}

void toxnode_forget_request(struct toxnode *node, const uint8_t pubkey[TT_PUBKEY_SIZE])
{
	for (size_t i = 0; i < node->n_forget; i++)
		if (!memcmp(node->forget[i], pubkey, TT_PUBKEY_SIZE))
			return;
	if (node->n_forget < FORGET_MAX)
		memcpy(node->forget[node->n_forget++], pubkey, TT_PUBKEY_SIZE);
}

size_t toxnode_iterate(struct toxnode *node)
{
	size_t before = node->rx_packets;

	tox_iterate(node->tox, node);
	if (node->n_forget)
		forget_requests(node);
	if (!node->offline && node->dht == TOX_CONNECTION_NONE &&
	    now_ms() - node->last_bootstrap_ms >= REBOOTSTRAP_MS)
		bootstrap(node);
	return node->rx_packets - before;
}

uint32_t toxnode_interval(struct toxnode *node) { return tox_iteration_interval(node->tox); }

int toxnode_udp_fd(struct toxnode *node)
{
	Tox_Err_Get_Port e;
	uint16_t port = tox_self_get_udp_port(node->tox, &e);
	DIR *dir;
	struct dirent *de;
	int found = -1;

	if (e != TOX_ERR_GET_PORT_OK)
		return -1;
	/* toxcore does not expose its socket: find the UDP socket bound to its port. */
	dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while ((de = readdir(dir)) && found < 0) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int type;
		socklen_t tl = sizeof(type);
		int fd = atoi(de->d_name);
		uint16_t p;

		if (fd <= 2 || fd == dirfd(dir))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 || type != SOCK_DGRAM)
			continue;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
			continue;
		if (ss.ss_family == AF_INET)
			p = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			p = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		else
			continue;
		if (p == port)
			found = fd;
	}
	closedir(dir);
	return found;
}

void toxnode_address(struct toxnode *node, uint8_t id[TT_TOX_ID_SIZE])
{
	tox_self_get_address(node->tox, id);
}

bool toxnode_save(struct toxnode *node, char *err, size_t errlen)
{
	size_t len = tox_get_savedata_size(node->tox);
	uint8_t *buf = malloc(len ? len : 1);
	bool ok;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	tox_get_savedata(node->tox, buf);
	ok = profile_write(node->profile, buf, len, err, errlen);
	sodium_memzero(buf, len); /* the secret key was in there */
	free(buf);
	if (ok)
		node->dirty = false;
	return ok;
}

bool toxnode_is_dirty(const struct toxnode *node) { return node->dirty; }

uint32_t toxnode_add_server(struct toxnode *node, const uint8_t id[TT_TOX_ID_SIZE], const char *message,
                            char *err, size_t errlen)
{
	Tox_Err_Friend_Add e;
	uint32_t fnum = toxnode_friend_by_key(node, id);

	if (fnum != UINT32_MAX)
		return fnum;
	/* toxcore refuses an empty message */
	if (!message || !*message)
		message = "toxtun";
	fnum = tox_friend_add(node->tox, id, (const uint8_t *)message, strlen(message), &e);
	if (e == TOX_ERR_FRIEND_ADD_OWN_KEY) {
		snprintf(err, errlen, "the server's Tox ID is this node's own");
		return UINT32_MAX;
	}
	if (e != TOX_ERR_FRIEND_ADD_OK) {
		snprintf(err, errlen, "cannot add the server as a friend (error %d)", (int)e);
		return UINT32_MAX;
	}
	node->dirty = true;
	return fnum;
}

uint32_t toxnode_add_friend_key(struct toxnode *node, const uint8_t pubkey[TT_PUBKEY_SIZE])
{
	uint32_t fnum = toxnode_friend_by_key(node, pubkey);

	if (fnum != UINT32_MAX)
		return fnum;
	fnum = tox_friend_add_norequest(node->tox, pubkey, NULL);
	if (fnum != UINT32_MAX)
		node->dirty = true;
	return fnum;
}

bool toxnode_friend_key(struct toxnode *node, uint32_t fnum, uint8_t pubkey[TT_PUBKEY_SIZE])
{
	return tox_friend_get_public_key(node->tox, fnum, pubkey, NULL);
}

uint32_t toxnode_friend_by_key(struct toxnode *node, const uint8_t pubkey[TT_PUBKEY_SIZE])
{
	return tox_friend_by_public_key(node->tox, pubkey, NULL);
}

void toxnode_delete_friend(struct toxnode *node, uint32_t fnum)
{
	if (tox_friend_delete(node->tox, fnum, NULL))
		node->dirty = true;
}

TOX_CONNECTION toxnode_friend_status(struct toxnode *node, uint32_t fnum)
{
	return tox_friend_get_connection_status(node->tox, fnum, NULL);
}

bool toxnode_friend_approved(struct toxnode *node, uint32_t fnum)
{
	Tox_Err_Friend_Get_Last_Online e;
	uint64_t seen;

	if (toxnode_friend_status(node, fnum) != TOX_CONNECTION_NONE)
		return true;
	seen = tox_friend_get_last_online(node->tox, fnum, &e);
	return e == TOX_ERR_FRIEND_GET_LAST_ONLINE_OK && seen != 0 && seen != UINT64_MAX;
}

size_t toxnode_friends(struct toxnode *node, uint32_t *out, size_t max)
{
	size_t n = tox_self_get_friend_list_size(node->tox);

	if (out && n <= max)
		tox_self_get_friend_list(node->tox, out);
	return n;
}

static int custom_error(Tox_Err_Friend_Custom_Packet e);

int toxnode_send_lossless(struct toxnode *node, uint32_t fnum, const uint8_t *data, size_t len)
{
	uint8_t pkt[TOX_MAX_CUSTOM_PACKET_SIZE];
	Tox_Err_Friend_Custom_Packet e;

	if (len + 1 > sizeof(pkt))
		return -EINVAL;
	pkt[0] = TOXNODE_LOSSLESS_ID;
	memcpy(pkt + 1, data, len);
	tox_friend_send_lossless_packet(node->tox, fnum, pkt, len + 1, &e);
	return custom_error(e);
}

static int custom_error(Tox_Err_Friend_Custom_Packet e)
{
	switch (e) {
	case TOX_ERR_FRIEND_CUSTOM_PACKET_OK: return 0;
	case TOX_ERR_FRIEND_CUSTOM_PACKET_SENDQ: return -EAGAIN;
	case TOX_ERR_FRIEND_CUSTOM_PACKET_FRIEND_NOT_CONNECTED: return -ENOTCONN;
	default: return -EINVAL;
	}
}

int toxnode_send_lossy(struct toxnode *node, uint32_t fnum, uint8_t *pkt, size_t len)
{
	Tox_Err_Friend_Custom_Packet e;

	pkt[0] = TOXNODE_LOSSY_ID;
	tox_friend_send_lossy_packet(node->tox, fnum, pkt, len, &e);
	return custom_error(e);
}

TOX_CONNECTION toxnode_dht_status(const struct toxnode *node) { return node->dht; }

void toxnode_friend_name(struct toxnode *node, uint32_t fnum, char *out, size_t n)
{
	size_t len = tox_friend_get_name_size(node->tox, fnum, NULL);
	uint8_t buf[TOX_MAX_NAME_LENGTH];

	out[0] = '\0';
	if (n == 0 || len == SIZE_MAX || len > sizeof(buf) || !tox_friend_get_name(node->tox, fnum, buf, NULL))
		return;
	if (len >= n)
		len = n - 1;
	/* A peer's name is untrusted text: keep it printable ASCII (it ends up in
	 * logs and JSON, which must stay valid UTF-8). */
	for (size_t i = 0; i < len; i++)
		out[i] = (buf[i] >= ' ' && buf[i] < 0x7f) ? (char)buf[i] : '?';
	out[len] = '\0';
}

void toxnode_set_name(struct toxnode *node, const char *name)
{
	tox_self_set_name(node->tox, (const uint8_t *)name, strlen(name), NULL);
}
