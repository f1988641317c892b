/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Desktop notifications of friend requests: a server with approve = ask
 * gets a notification for each computer asking to connect, with Allow and
 * Deny buttons (the application's "allow" and "deny" actions, whose target
 * is (ini path, public key)); it is withdrawn once the request is answered,
 * here or anywhere else. GNotification: no library beyond GIO. */
#ifndef TOXTUN_GUI_NOTIFY_H
#define TOXTUN_GUI_NOTIFY_H

#include <gio/gio.h>

#include "service.h"

/* After d changed: notify the new requests, withdraw the answered ones.
 * forget: d leaves the tray, withdraw all of its notifications. */
void tray_notify_requests(GApplication *app, TrayService *d, gboolean forget);

#endif
