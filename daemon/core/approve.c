/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Friend requests under [server] approve = ask: kept pending (core/pending.h)
 * until the control socket allows or denies them. */
#include <stdio.h>
#include <string.h>

#include "core/daemon.h"
#include "core/daemon_impl.h"
#include "tox/toxnode.h"
#include "toxtun/config_keys.h"
#include "toxtun/ini_edit.h"
#include "toxtun/log.h"

#define HEX_KEY (2 * TT_PUBKEY_SIZE + 1)

/* Named by an allow line (tt_allow_check also lets anyone in when there is
 * none, under approve = auto). */
static bool listed(const struct tt_config *cfg, const uint8_t pk[TT_PUBKEY_SIZE])
{
	for (size_t i = 0; i < cfg->n_allow; i++)
		if (!memcmp(cfg->allow[i], pk, TT_PUBKEY_SIZE))
			return true;
	return false;
}

/* Not accepted, so toxcore is made to forget the request: the sender's next
 * resend then reaches us (a refresh, or a second chance after the list or
 * the bucket had no room). */
static bool keep_pending(struct daemon *d, const uint8_t pk[TT_PUBKEY_SIZE], const char *hex,
                         const uint8_t *msg, size_t len)
{
	struct pending_entry dropped;
	const struct pending_entry *e;
	char old[HEX_KEY];

	toxnode_forget_request(d->node, pk);
	switch (pending_add(&d->pending, pk, msg, len, ev_now(d->loop), &dropped)) {
	case PENDING_TOO_FAST:
		log_warn("friend requests arrive too fast: dropped %s", hex);
		return false;
	case PENDING_REFRESHED:
		e = pending_find(&d->pending, pk);
		log_debug("friend request from %s (%s) again: still waiting for approval", hex, e->message);
		return false;
	case PENDING_KEPT_FULL:
		tt_hex_format(dropped.pk, TT_PUBKEY_SIZE, old);
		log_warn("pending list full: dropped the oldest (%s)", old);
		toxnode_forget_request(d->node, dropped.pk);
		break;
	case PENDING_KEPT:
		break;
	}
	e = pending_find(&d->pending, pk);
	log_info("friend request from %s (%s) kept for approval", hex, e->message);
	if (d->hooks && d->hooks->friend_request)
		d->hooks->friend_request(d->hooks_ctx, d, pk, e->message);
	return false;
}

bool daemon_friend_request(struct daemon *d, const uint8_t pk[TT_PUBKEY_SIZE], const uint8_t *msg,
                           size_t len)
{
	char hex[HEX_KEY];

	tt_hex_format(pk, TT_PUBKEY_SIZE, hex);
	if (!(d->roles & ROLE_SERVER)) {
		log_warn("friend request from %s refused: this node is not a server", hex);
		return false;
	}
	if (tt_allow_check(d->cfg, pk)) {
		log_info("friend request from %s accepted", hex);
		pending_remove(&d->pending, pk, NULL);
		return true;
	}
	if (d->cfg->approve == TT_APPROVE_ASK)
		return keep_pending(d, pk, hex, msg, len);
	log_warn("friend request from %s refused: not in allow list", hex);
	return false;
}

void daemon_pending_recheck(struct daemon *d)
{
	if (d->cfg->approve != TT_APPROVE_ASK || !(d->roles & ROLE_SERVER)) {
		/* Their resends are answered by the rule in force now. */
		d->pending.n = 0;
		return;
	}
	for (size_t i = 0; i < d->cfg->n_allow; i++)
		pending_remove(&d->pending, d->cfg->allow[i], NULL);
}

const struct pending *daemon_pending(const struct daemon *d) { return &d->pending; }

/* The reply of daemon_reload, as a bool and err. */
static bool reload(struct daemon *d, char *err, size_t errlen)
{
	json_object *reply = daemon_reload(d, "allow"), *v;
	bool ok = json_object_object_get_ex(reply, "ok", &v) && json_object_get_boolean(v);

	if (!ok)
		snprintf(err, errlen, "%s", json_object_object_get_ex(reply, "error", &v)
		                                    ? json_object_get_string(v) : "reload failed");
	json_object_put(reply);
	return ok;
}

bool daemon_allow(struct daemon *d, const uint8_t pk[TT_PUBKEY_SIZE], char *err, size_t errlen)
{
	const struct pending_entry *waiting = pending_find(&d->pending, pk);
	struct pending_entry e;
	char hex[HEX_KEY];
	bool was_pending = waiting != NULL;

	if (!(d->roles & ROLE_SERVER)) {
		snprintf(err, errlen, "this daemon is not a server");
		return false;
	}
	if (!memcmp(pk, d->self_pk, TT_PUBKEY_SIZE)) {
		snprintf(err, errlen, "that is this node's own key");
		return false;
	}
	tt_hex_format(pk, TT_PUBKEY_SIZE, hex);
	if (!listed(d->cfg, pk) &&
	    !tt_ini_file_add_pair(d->cfg->path, TT_SECTION_SERVER, TT_KEY_ALLOW, hex, err, errlen))
		return false;
	/* The reload answers the request (daemon_pending_recheck): its message
	 * is kept for the log first. */
	if (waiting)
		e = *waiting;
	if (!reload(d, err, errlen))
		return false;
	pending_remove(&d->pending, pk, NULL);
	if (toxnode_add_friend_key(d->node, pk) == UINT32_MAX) {
		snprintf(err, errlen, "toxcore refused %s as a friend", hex);
		return false;
	}
	if (was_pending)
		log_info("friend request from %s (%s) allowed", hex, e.message);
	else
		log_info("%s allowed", hex);
	return true;
}

bool daemon_deny(struct daemon *d, const uint8_t pk[TT_PUBKEY_SIZE], char *err, size_t errlen)
{
	struct pending_entry e;
	char hex[HEX_KEY];

	tt_hex_format(pk, TT_PUBKEY_SIZE, hex);
	if (!pending_remove(&d->pending, pk, &e)) {
		snprintf(err, errlen, "no friend request from %s is pending", hex);
		return false;
	}
	/* Forgotten by toxcore too (keep_pending): it may ask again later. */
	toxnode_forget_request(d->node, pk);
	log_info("friend request from %s (%s) denied", hex, e.message);
	return true;
}
