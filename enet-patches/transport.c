/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ENet's transport, replaced for one host: see README.md ("Transport").
 *
 * Stock ENet sends and receives only through enet_socket_send and
 * enet_socket_receive (unix.c), which protocol.c calls through libenet's
 * procedure linkage table. Defined here, in the executable, they take
 * precedence over libenet's own (the executable comes first in the global
 * symbol scope); for every socket but the attached host's they pass the call
 * on to libenet's, found with dlsym(RTLD_NEXT). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "toxtun/enet_patches.h"

typedef int (*send_fn)(ENetSocket, const ENetAddress *, const ENetBuffer *, size_t);
typedef int (*receive_fn)(ENetSocket, ENetAddress *, ENetBuffer *, size_t);

static struct {
	ENetSocket socket;
	const struct enetp_transport *t;
} attached = { .socket = ENET_SOCKET_NULL };

static send_fn stock_send;
static receive_fn stock_receive;

static bool find_stock(void)
{
	if (!stock_send)
		*(void **)&stock_send = dlsym(RTLD_NEXT, "enet_socket_send");
	if (!stock_receive)
		*(void **)&stock_receive = dlsym(RTLD_NEXT, "enet_socket_receive");
	return stock_send && stock_receive;
}

int enet_socket_send(ENetSocket socket, const ENetAddress *address, const ENetBuffer *buffers,
                     size_t bufferCount)
{
	if (attached.t && socket == attached.socket && address)
		return attached.t->send(attached.t->ctx, address, buffers, bufferCount);
	if (!find_stock())
		return -1;
	return stock_send(socket, address, buffers, bufferCount);
}

int enet_socket_receive(ENetSocket socket, ENetAddress *address, ENetBuffer *buffers,
                        size_t bufferCount)
{
	if (attached.t && socket == attached.socket) {
		/* ENet asks for one buffer of ENET_PROTOCOL_MAXIMUM_MTU bytes;
		 * anything else is not protocol.c calling. */
		if (bufferCount != 1 || !address)
			return 0;
		return attached.t->receive(attached.t->ctx, address, buffers);
	}
	if (!find_stock())
		return -1;
	return stock_receive(socket, address, buffers, bufferCount);
}

bool enetp_transport_attach(ENetHost *host, const struct enetp_transport *t, char *err, size_t errlen)
{
	void *send_global = dlsym(RTLD_DEFAULT, "enet_socket_send");
	void *receive_global = dlsym(RTLD_DEFAULT, "enet_socket_receive");

	if (attached.t) {
		snprintf(err, errlen, "an ENet host already has the in-process transport");
		return false;
	}
	/* libenet binds its calls where the global scope says (its relocations
	 * for these two are PLT slots, and it is not linked -Bsymbolic): these
	 * must be ours, or ENet would send to UDP addresses nobody listens on. */
	if (send_global != (void *)enet_socket_send || receive_global != (void *)enet_socket_receive) {
		snprintf(err, errlen,
		         "enet_socket_send/receive are not this program's (is it linked with "
		         "--export-dynamic or against a libenet with symbolic binding?)");
		return false;
	}
	if (!find_stock()) {
		snprintf(err, errlen, "libenet's own enet_socket_send/receive not found: %s", dlerror());
		return false;
	}
	attached.socket = host->socket;
	attached.t = t;
	return true;
}

void enetp_transport_detach(ENetHost *host)
{
	if (attached.t && attached.socket == host->socket) {
		attached.t = NULL;
		attached.socket = ENET_SOCKET_NULL;
	}
}
