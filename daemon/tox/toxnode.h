/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Tox node: one Tox instance with a persistent identity, its friends,
 * and the custom packets toxtun exchanges with them. */
#ifndef TOXTUN_TOXNODE_H
#define TOXTUN_TOXNODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tox/tox.h>

#include "toxtun/config.h"

/* Lossy packets carrying ENet datagrams start with this byte (200-254 reach
 * the application; 192-199 are routed to ToxAV). */
#define TOXNODE_LOSSY_ID 201
/* Lossless packets for node-level control (160-191). */
#define TOXNODE_LOSSLESS_ID 170

struct toxnode;

struct toxnode_events {
	/* The friend's connection changed: TOX_CONNECTION_NONE, _TCP or _UDP. */
	void (*friend_connection)(void *ctx, uint32_t fnum, TOX_CONNECTION status);
	/* Someone sent a friend request with this message (untrusted bytes, not
	 * NUL-terminated). Return true to accept it. */
	bool (*friend_request)(void *ctx, const uint8_t pubkey[TT_PUBKEY_SIZE], const uint8_t *msg,
	                       size_t len);
	/* A lossy packet with our id; data excludes the id byte. */
	void (*lossy)(void *ctx, uint32_t fnum, const uint8_t *data, size_t len);
	/* A lossless packet with our id; data excludes the id byte. */
	void (*lossless)(void *ctx, uint32_t fnum, const uint8_t *data, size_t len);
};

/* Create the node from cfg: load the profile (or create and save a new
 * identity), set the name (the server's, or without [server] the
 * client's), bootstrap. With offline set, nothing touches the
 * network (for `tunnel id`). Fails with err set, e.g. on a corrupt profile. */
struct toxnode *toxnode_new(const struct tt_config *cfg, bool offline, char *err, size_t errlen);
void toxnode_free(struct toxnode *node);

void toxnode_set_events(struct toxnode *node, const struct toxnode_events *ev, void *ctx);
Tox *toxnode_tox(struct toxnode *node);
/* tox_iterate; returns how many friend packets (lossy or lossless) it
 * delivered to the callbacks. */
size_t toxnode_iterate(struct toxnode *node);
/* Milliseconds until tox wants to be iterated again when idle. */
uint32_t toxnode_interval(struct toxnode *node);
/* The UDP socket tox receives on, to wake up when a packet arrives; -1 if unknown. */
int toxnode_udp_fd(struct toxnode *node);

void toxnode_address(struct toxnode *node, uint8_t id[TT_TOX_ID_SIZE]);
bool toxnode_save(struct toxnode *node, char *err, size_t errlen);
/* The friend list changed since the last save (saved from the event loop). */
bool toxnode_is_dirty(const struct toxnode *node);

/* Add a server by its full Tox ID: toxcore sends it a friend request with
 * message (our name: what the server's owner sees when asked to approve us),
 * and sends it again now and then until the server accepts. Returns the
 * friend number or UINT32_MAX with err set. */
uint32_t toxnode_add_server(struct toxnode *node, const uint8_t id[TT_TOX_ID_SIZE], const char *message,
                            char *err, size_t errlen);
/* Accept a friend without a request (allowed key or accepted request). */
uint32_t toxnode_add_friend_key(struct toxnode *node, const uint8_t pubkey[TT_PUBKEY_SIZE]);
bool toxnode_friend_key(struct toxnode *node, uint32_t fnum, uint8_t pubkey[TT_PUBKEY_SIZE]);
uint32_t toxnode_friend_by_key(struct toxnode *node, const uint8_t pubkey[TT_PUBKEY_SIZE]);
void toxnode_delete_friend(struct toxnode *node, uint32_t fnum);
TOX_CONNECTION toxnode_friend_status(struct toxnode *node, uint32_t fnum);
/* Has the friend ever been online: for a server we asked to be friends
 * with, has it accepted us? toxcore keeps the time it last saw a friend in
 * the profile, so this survives restarts. */
bool toxnode_friend_approved(struct toxnode *node, uint32_t fnum);
/* A friend request from pubkey was not accepted, but may be asked again.
 * toxcore hands us each key's request once and ignores the sender's resends
 * until 32 other keys have asked; this makes it forget the key, so that the
 * next resend arrives. Done after the current tox_iterate; nothing happens
 * to a key that is a friend. */
void toxnode_forget_request(struct toxnode *node, const uint8_t pubkey[TT_PUBKEY_SIZE]);
/* Friend numbers, for walking the list. */
size_t toxnode_friends(struct toxnode *node, uint32_t *out, size_t max);

/* Send an ENet datagram: pkt[0] is reserved for our packet id (written
 * here), the datagram follows; len counts both. Returns 0, or -EAGAIN when
 * tox's queue is full (a congestion signal), -ENOTCONN when the friend is
 * offline, -EINVAL otherwise. */
int toxnode_send_lossy(struct toxnode *node, uint32_t fnum, uint8_t *pkt, size_t len);
int toxnode_send_lossless(struct toxnode *node, uint32_t fnum, const uint8_t *data, size_t len);

const char *toxnode_connection_str(TOX_CONNECTION c);
TOX_CONNECTION toxnode_dht_status(const struct toxnode *node);
/* The friend's Tox name, NUL-terminated ("" if unknown). */
void toxnode_friend_name(struct toxnode *node, uint32_t fnum, char *out, size_t n);
void toxnode_set_name(struct toxnode *node, const char *name);

#endif
