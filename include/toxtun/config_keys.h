/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The words of the ini file: section names, setting keys and the prefixes of
 * [client] lines. The daemon's loader reads them and the tray's editor
 * looks them up and writes them; both take them from here so that they
 * cannot drift apart. Sections and keys match without regard to ASCII case
 * (as the loader reads them); these are the spellings written. */
#ifndef TOXTUN_CONFIG_KEYS_H
#define TOXTUN_CONFIG_KEYS_H

#define TT_SECTION_TOX "tox"
#define TT_SECTION_SERVER "server"
#define TT_SECTION_CLIENT "client"
#define TT_SECTION_CONTROL "control"
#define TT_SECTION_LINK "link"
#define TT_SECTION_DAEMON "daemon"

/* [tox] */
#define TT_KEY_PROFILE "profile"
#define TT_KEY_BOOTSTRAP "bootstrap"
#define TT_KEY_TCP_RELAY "tcp_relay"
#define TT_KEY_UDP "udp"
#define TT_KEY_IPV6 "ipv6"
#define TT_KEY_PORT "port"
#define TT_KEY_SANDBOX "sandbox"
#define TT_KEY_LOCAL_DISCOVERY "local_discovery"

/* [server] */
#define TT_KEY_NAME "name"
#define TT_KEY_PERMIT "permit"
#define TT_KEY_PERMIT_LISTEN "permit_listen"
#define TT_KEY_ALLOW "allow"
#define TT_KEY_APPROVE "approve"

/* The values of approve: what happens to a friend request from a key that
 * no allow line names. */
#define TT_APPROVE_AUTO_WORD "auto"
#define TT_APPROVE_ASK_WORD "ask"

/* [client]: these three are settings (name is TT_KEY_NAME, as in
 * [server]); every other key is a tunnel's name. */
#define TT_KEY_SOCKS_USER "socks_user"
#define TT_KEY_SOCKS_PASS "socks_pass"

/* [control] */
#define TT_KEY_SOCKET "socket"

/* [link] */
#define TT_KEY_OUTAGE_TIMEOUT "outage_timeout"
#define TT_KEY_LINGER "linger"
#define TT_KEY_WAIT_TIMEOUT "wait_timeout"
#define TT_KEY_CONNECT_TIMEOUT "connect_timeout"
#define TT_KEY_STREAM_WINDOW "stream_window"
#define TT_KEY_MAX_STREAMS "max_streams"
#define TT_KEY_MAX_WAITING "max_waiting"
#define TT_KEY_UDP_TIMEOUT "udp_timeout"

/* What a [client] line's value starts with, before a ':', to say its kind
 * (enum tt_tunnel_kind); matched without regard to ASCII case. A forward
 * line has no prefix. */
#define TT_PREFIX_FORWARD ""
#define TT_PREFIX_SOCKS "socks5"
#define TT_PREFIX_REVERSE "reverse"
#define TT_PREFIX_UDP "udp"

#endif
