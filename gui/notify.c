/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Notifications of friend requests: see notify.h. */
#include "format.h"
#include "notify.h"

static char *notification_id(TrayService *d, const char *key)
{
	char *up = g_ascii_strup(key, -1);
	/* Two servers may be asked by the same computer. */
	char *id = g_strdup_printf("request-%08x-%s", g_str_hash(d->ini), up);

	g_free(up);
	return id;
}

static void send_request(GApplication *app, TrayService *d, const TrayPendingInfo *p)
{
	GNotification *n = g_notification_new("A computer asks to connect");
	char *key = tray_format_key(p->public_key), *id = notification_id(d, p->public_key);
	char *base = g_path_get_basename(d->ini);
	char *body = g_strdup_printf("“%s” (key %s) asks to use this computer (%s). Allow it?",
	                             *p->message ? p->message : "a computer without a name", key, base);

	g_notification_set_body(n, body);
	g_notification_set_priority(n, G_NOTIFICATION_PRIORITY_HIGH);
	g_notification_set_default_action_and_target(n, "app.show-requests", "s", d->ini);
	g_notification_add_button_with_target(n, "Allow", "app.allow", "(ss)", d->ini, p->public_key);
	g_notification_add_button_with_target(n, "Deny", "app.deny", "(ss)", d->ini, p->public_key);
	g_application_send_notification(app, id, n);
	g_message("%s: %s asks to connect (%s)", d->label, p->public_key, p->message);
	g_object_unref(n);
	g_free(key);
	g_free(id);
	g_free(base);
	g_free(body);
}

void tray_notify_requests(GApplication *app, TrayService *d, gboolean forget)
{
	GPtrArray *appeared = g_ptr_array_new(), *gone = g_ptr_array_new_with_free_func(g_free);

	tray_service_pending_changes(d, forget, appeared, gone);
	for (guint i = 0; i < appeared->len; i++)
		send_request(app, d, g_ptr_array_index(appeared, i));
	for (guint i = 0; i < gone->len; i++) {
		char *id = notification_id(d, g_ptr_array_index(gone, i));

		g_application_withdraw_notification(app, id);
		g_free(id);
	}
	g_ptr_array_unref(appeared);
	g_ptr_array_unref(gone);
}
