/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the tunnels are for: see usage.h. */
#include <string.h>

#include "usage.h"

static void use_free(gpointer p)
{
	TrayUse *u = p;

	g_free(u->tunnel);
	g_free(u->text);
	g_free(u->copy);
	g_free(u);
}

/* Where to connect for a tunnel that listens on host: "localhost" for the
 * loopback and for every interface, else the address itself. */
static char *local_host(const char *host)
{
	if (strcmp(host, "*") == 0 || strcmp(host, "127.0.0.1") == 0 || strcmp(host, "::1") == 0)
		return g_strdup("localhost");
	return strchr(host, ':') ? g_strdup_printf("[%s]", host) : g_strdup(host);
}

static char *host_port(const char *host, guint16 port)
{
	return strchr(host, ':') ? g_strdup_printf("[%s]:%u", host, (unsigned)port)
	                         : g_strdup_printf("%s:%u", host, (unsigned)port);
}

static TrayUse *describe(const struct tt_client_tunnel *t)
{
	TrayUse *u = g_new0(TrayUse, 1);
	char *here = local_host(t->listen_host);
	char *dest = host_port(t->remote_host, t->remote_port);
	char *listen = host_port(strcmp(t->listen_host, "*") == 0 ? "127.0.0.1" : t->listen_host, t->listen_port);

	u->tunnel = g_strdup(t->name);
	u->port = t->listen_port;
	switch (t->kind) {
	case TT_TUNNEL_SOCKS:
		u->kind = TRAY_USE_PROXY;
		u->copy = g_strdup(listen);
		u->text = g_strdup_printf("Browse through the other computer: a SOCKS5 proxy at %s, with its DNS "
		                          "(\"remote DNS\", \"proxy DNS when using SOCKS v5\"). "
		                          "HTTP proxy settings work too, at the same address.",
		                          listen);
		break;
	case TT_TUNNEL_FORWARD:
		if (t->remote_port == 22) {
			u->kind = TRAY_USE_SSH;
			u->copy = g_strdup_printf("ssh -p %u %s", (unsigned)t->listen_port, here);
			u->text = g_strdup_printf("Log in to the other computer (SSH at %s there) with:", dest);
		} else {
			u->kind = TRAY_USE_FORWARD;
			u->copy = g_strdup(listen);
			u->text = g_strdup_printf("%s on this computer reaches %s as the other computer sees it:",
			                          listen, dest);
		}
		break;
	case TT_TUNNEL_REVERSE:
		u->kind = TRAY_USE_REVERSE;
		u->copy = g_strdup(listen);
		u->text = g_strdup_printf("On the other computer, %s reaches %s on this one:", listen, dest);
		break;
	case TT_TUNNEL_UDP:
		u->kind = TRAY_USE_UDP;
		u->copy = g_strdup(listen);
		u->text = g_strdup_printf("UDP to %s on this computer reaches %s as the other computer sees it:",
		                          listen, dest);
		break;
	}
	g_free(here);
	g_free(dest);
	g_free(listen);
	return u;
}

GPtrArray *tray_usage_list(const struct tt_config *cfg)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(use_free);

	for (size_t i = 0; cfg && i < cfg->n_tunnels; i++)
		g_ptr_array_add(out, describe(&cfg->tunnels[i]));
	return out;
}
