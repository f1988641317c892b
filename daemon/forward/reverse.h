/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reverse forwarding, like ssh -R.
 *
 * Client: every reverse line asks its server, each time the session with it
 * comes up, to listen on the line's server address (a LISTEN frame; the
 * server answers with LISTEN_REPLY). A connection the server accepts there
 * comes back as a SYN flagged REVERSE naming that address; the client finds
 * its line by it and connects to the line's own destination, so the server
 * never chooses what the client connects to.
 *
 * Server: listens only where [server] permit_listen allows, for allowed
 * peers only. The listeners of a peer live until it cancels them (its line
 * was removed), restarts (a new boot id: it asks again when it comes back),
 * is forgotten, or a reload no longer permits them. While a peer has
 * listeners, the server reopens the session with it on demand.
 */
#ifndef TOXTUN_REVERSE_H
#define TOXTUN_REVERSE_H

#include <stdbool.h>
#include <stdint.h>

#include "toxtun/config.h"
#include "toxtun/frame.h"

struct fwd;
struct session;

/* Client. */
void reverse_session_up(struct fwd *f, struct session *s);          /* ask for every line */
void reverse_line_changed(struct fwd *f, const struct tt_client_tunnel *t, bool added);
void reverse_on_reply(struct fwd *f, struct session *s, const struct tt_syn *reply);
/* The line a reverse SYN from this peer is for, or NULL. */
const struct tt_client_tunnel *reverse_find_line(struct fwd *f, const uint8_t pk[TT_PUBKEY_SIZE],
                                                 const char *host, uint16_t port);

/* Server. */
void reverse_on_listen(struct fwd *f, struct session *s, const struct tt_syn *req);
void reverse_drop_peer(struct fwd *f, const uint8_t pk[TT_PUBKEY_SIZE], const char *why);
void reverse_recheck(struct fwd *f);   /* after a reload: close what is no longer allowed */
void reverse_free_all(struct fwd *f);

#endif
