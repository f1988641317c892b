/* SPDX-License-Identifier: GPL-3.0-or-later */
/* toxtun configuration: the ini file shared by the daemon and the tray app.
 *
 * Every parser here returns bool and, on failure, writes one human-readable
 * line into err (no trailing newline) naming what is wrong. The loader fills
 * a struct tt_error, which also says on which line. Nothing here logs or
 * exits.
 */
#ifndef TOXTUN_CONFIG_H
#define TOXTUN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_TOX_ID_SIZE 38     /* public key 32 + nospam 4 + checksum 2 */
#define TT_PUBKEY_SIZE 32
#define TT_HOST_MAX 256       /* host names and address literals, NUL included */
#define TT_NAME_MAX 128       /* Tox nickname / tunnel name, NUL included */

/* "HOST PORT PUBKEY" from [tox] bootstrap / tcp_relay lines. */
struct tt_node_entry {
	char host[TT_HOST_MAX];
	uint16_t port;
	uint8_t pubkey[TT_PUBKEY_SIZE];
};

enum tt_tunnel_kind {
	TT_TUNNEL_FORWARD,  /* name = [localip:]localport:remoteip:remoteport:toxid (ssh -L) */
	TT_TUNNEL_SOCKS,    /* name = socks5:[localip:]localport:toxid (ssh -D): SOCKS5 and
	                       HTTP CONNECT on one port; remote_host/remote_port unused */
	TT_TUNNEL_REVERSE,  /* name = reverse:[serverip:]serverport:localhost:localport:toxid
	                       (ssh -R): the server listens (listen_*), connections come
	                       back to remote_* on the client's side */
	TT_TUNNEL_UDP,      /* name = udp:[localip:]localport:remoteip:remoteport:toxid:
	                       datagrams, one session per source address */
};

/* [client] name = [localip:]localport:remoteip:remoteport:toxid */
struct tt_client_tunnel {
	enum tt_tunnel_kind kind;
	char name[TT_NAME_MAX];
	char listen_host[TT_HOST_MAX]; /* "127.0.0.1" when omitted, "*" = every interface,
	                                  IPv6 literals stored without brackets; for
	                                  reverse lines an address on the server */
	uint16_t listen_port;          /* 1..65535 */
	char remote_host[TT_HOST_MAX]; /* IP literal (no brackets) or host name */
	uint16_t remote_port;          /* 1..65535 */
	uint8_t server_id[TT_TOX_ID_SIZE];
	bool listen_given;             /* the line names its listen address (else
	                                  listen_host is the default filled in) */
	int line;                      /* line number in the file, 0 if not from a file */
};

/* [server] approve: what becomes of a friend request from a key that no
 * allow line names. */
enum tt_approve {
	TT_APPROVE_AUTO, /* as without the key: accepted when there is no allow
	                    line, refused otherwise */
	TT_APPROVE_ASK,  /* kept pending until someone allows or denies it */
};

/* [server] permit = HOST:PORT. host is an IP literal, a CIDR (10.0.0.0/8,
 * fd00::/8), a host name, or "*"; port 0 means "*" (any port). */
struct tt_permit {
	char host[TT_HOST_MAX];
	bool any_host;
	bool loopback;  /* permit_listen without an address: loopback addresses only */
	uint16_t port;
};

struct tt_config {
	char *path;                    /* the ini file as given */

	/* [tox] */
	char *profile;                 /* identity file; default: the ini path with its
	                                  extension replaced by ".tox" */
	struct tt_node_entry *bootstrap;
	size_t n_bootstrap;
	bool bootstrap_is_default;     /* no bootstrap line: built-in public nodes */
	struct tt_node_entry *tcp_relays;
	size_t n_tcp_relays;
	bool udp;                      /* default yes */
	bool ipv6;                     /* default yes */
	bool local_discovery;          /* default yes */
	uint16_t port;                 /* the UDP port; 0 (default): the first free one
	                                  of 33445-33545 from a random start */

	/* [server] */
	bool has_server;               /* the section exists */
	char name[TT_NAME_MAX];        /* default "toxtun" */
	struct tt_permit *permits;     /* none: loopback destinations only */
	size_t n_permits;
	uint8_t (*allow)[TT_PUBKEY_SIZE]; /* none: anyone holding the Tox ID (approve
	                                     = auto) or nobody (approve = ask) */
	size_t n_allow;
	enum tt_approve approve;       /* default auto */
	struct tt_permit *permit_listen; /* where clients' reverse lines may listen; none:
	                                    nowhere. "[ip:]port": no ip = loopback only,
	                                    "*" = any address / any port */
	size_t n_permit_listen;

	/* [client] */
	bool has_client;
	struct tt_client_tunnel *tunnels;
	size_t n_tunnels;
	char *socks_user;              /* socks_user / socks_pass: RFC 1929 authentication on */
	char *socks_pass;              /* every socks5 line; NULL when not set */
	char client_name[TT_NAME_MAX]; /* what a server sees in our friend request (and
	                                  our Tox name without [server]); default: the
	                                  host name */

	/* [control] */
	char *control_socket;          /* NULL: the default path (see the daemon) */

	/* [daemon] */
	bool sandbox;                  /* confine the running daemon (seccomp): default yes */

	/* [link] tuning; every value has a default and a documented range */
	unsigned outage_timeout_s;     /* keep a silent peer this long: default 600, 10..86000 */
	unsigned linger_s;             /* keep an idle peer after its last stream: default 60, 0..86400 */
	unsigned wait_timeout_s;       /* a client connection waits this long for the tunnel:
	                                  default 60, 1..3600 */
	unsigned connect_timeout_s;    /* server dial timeout: default 10, 1..300 */
	uint32_t stream_window;        /* per-stream receive window, bytes: default 4194304,
	                                  16384..67108864 */
	unsigned max_streams;          /* per peer: default 4096, 1..65536 */
	unsigned max_waiting;          /* client connections waiting per tunnel: default 256, 1..65536 */
	unsigned udp_timeout_s;        /* a UDP forward's session ends after this long without a
	                                  datagram either way: default 60, 1..86400 */
};

#define TT_ERROR_MAX 512

/* Why a file does not load: the line to blame and what is wrong there, kept
 * apart so that the tray can put the message next to what is on that line
 * without reading a number back out of text. */
struct tt_error {
	int line;                   /* 1-based; 0 when no line is to blame (the file
	                               cannot be read, socks_user without socks_pass) */
	char message[TT_ERROR_MAX]; /* one line, without the path or line number */
};

/* Parse and validate the whole file. On failure *out is untouched and err
 * (when not NULL) says why. */
bool tt_config_load(const char *path, struct tt_config **out, struct tt_error *err);
void tt_config_free(struct tt_config *cfg);

/* Like tt_config_load, for text that is already in memory (the tray's editor,
 * tests, the fuzzer). text need not be NUL-terminated. path is only used to
 * resolve relative paths; nothing is read from it. */
bool tt_config_load_buffer(const char *path, const char *text, size_t len,
                           struct tt_config **out, struct tt_error *err);

/* The error as people and scripts see it: "PATH:LINE: message", or
 * "PATH: message" when no line is to blame. What `tunnel` prints, logs and
 * replies to a reload, and what the tray shows for a file. */
void tt_error_format(const struct tt_error *err, const char *path, char *out, size_t n);

/* Single-value validators, used by tt_config_load and by the tray's editor.
 * On failure err names the bad token, e.g. "bad port '70000'". */
bool tt_parse_client_line(const char *name, const char *value,
                          struct tt_client_tunnel *out, char *err, size_t errlen);

/* The value of a [client] line (what follows "name ="): the inverse of
 * tt_parse_client_line, which reads it back as *t (line aside). The kind's
 * prefix in lower case, IPv6 literals in brackets, the listen address left
 * out when the line left it out (listen_given), the Tox ID in upper case.
 * Returns the value's length, like snprintf: when that is n or more, out
 * holds only its start. */
size_t tt_format_client_line(const struct tt_client_tunnel *t, char *out, size_t n);

/* The fields of a [client] line as text, as a person typed them (the tray's
 * tunnel dialog), for a line that has not been parsed yet. */
struct tt_tunnel_fields {
	const char *kind;        /* the prefix without its ':' (TT_PREFIX_*); NULL or
	                            "" for a forward. Written as given, so that an
	                            unknown kind is refused, not made a forward */
	const char *listen_host; /* NULL or "": left out (127.0.0.1) */
	const char *listen_port;
	const char *remote_host; /* not written for a socks5 line */
	const char *remote_port; /* not written for a socks5 line */
	const char *server_id;
};
/* The value these fields make, by the rules of tt_format_client_line:
 * "[listen_host:]listen_port:remote_host:remote_port:server_id" after the
 * kind's prefix (a socks5 line without the destination), a host with a ':'
 * in brackets unless it has them. Nothing else is checked or changed:
 * tt_parse_client_line is the judge. Returns the length like snprintf. */
size_t tt_format_tunnel_fields(const struct tt_tunnel_fields *f, char *out, size_t n);

/* The prefix that starts a [client] line of this kind, without its ':'
 * (TT_PREFIX_* of toxtun/config_keys.h; "" for a forward). */
const char *tt_tunnel_prefix(enum tt_tunnel_kind kind);
/* The kind a [client] line's value names by its prefix (any case), whether
 * or not the rest parses; a forward when it has none. *prefix_len, when not
 * NULL, is the length of the prefix with its ':' (0 for a forward). */
enum tt_tunnel_kind tt_tunnel_kind_of(const char *value, size_t *prefix_len);
/* Is this key of [client] a setting (name, socks_user, socks_pass) rather
 * than the name of a tunnel? */
bool tt_client_key_is_setting(const char *key);
bool tt_parse_permit(const char *value, struct tt_permit *out, char *err, size_t errlen);
bool tt_parse_permit_listen(const char *value, struct tt_permit *out, char *err, size_t errlen);
bool tt_parse_pubkey(const char *hex, uint8_t out[TT_PUBKEY_SIZE], char *err, size_t errlen);
bool tt_parse_node_entry(const char *value, struct tt_node_entry *out, char *err, size_t errlen);
bool tt_parse_bool(const char *value, bool *out, char *err, size_t errlen);
bool tt_parse_port(const char *value, uint16_t *out, char *err, size_t errlen);
/* HOST:PORT, [IPV6]:PORT: a destination as a tunnel line names it. host
 * gets the name or literal without brackets. */
bool tt_parse_endpoint(const char *value, char *host, size_t host_len, uint16_t *port, char *err,
                       size_t errlen);

/* Tox IDs: 76 hex digits, either case; the checksum is verified. */
bool tt_toxid_parse(const char *hex, uint8_t out[TT_TOX_ID_SIZE], char *err, size_t errlen);
void tt_toxid_format(const uint8_t id[TT_TOX_ID_SIZE], char out[2 * TT_TOX_ID_SIZE + 1]);
void tt_hex_format(const uint8_t *bytes, size_t n, char *out); /* out: 2n+1 bytes, uppercase */

/* Does the permit list allow this destination? requested_name is what the
 * client asked for (a name or a literal), addr the resolved address as a
 * string literal (no brackets). With no permit lines only loopback passes. */
bool tt_permit_check(const struct tt_config *cfg, const char *requested_name,
                     const char *addr, uint16_t port);

/* May a client's reverse line listen on host ("*", an IP literal) and port? */
bool tt_permit_listen_check(const struct tt_config *cfg, const char *host, uint16_t port);

/* Is this public key allowed to use the server? When there is no allow
 * line: true with approve = auto, false with approve = ask. */
bool tt_allow_check(const struct tt_config *cfg, const uint8_t pubkey[TT_PUBKEY_SIZE]);

#endif
