/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Small socket helpers shared by the forwarders. */
#ifndef TOXTUN_SOCKUTIL_H
#define TOXTUN_SOCKUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

void sock_set_nodelay(int fd);
/* The address as a literal without brackets or port. */
bool sock_addr_str(const struct sockaddr *sa, char *out, size_t n);
/* "addr:port" or "[addr]:port". */
void sock_endpoint_str(const struct sockaddr *sa, char *out, size_t n);
/* The same for a host as written (IPv6 literals get brackets) and a port. */
void sock_host_port_str(const char *host, uint16_t port, char *out, size_t n);
/* A non-blocking listening TCP socket on host ("*" = every interface, IPv6
 * and IPv4 alike) and port. Returns the fd, or -1 with err set. */
int sock_listen(const char *host, uint16_t port, char *err, size_t errlen);
/* The same for a bound socket of another type (SOCK_DGRAM: not listening). */
int sock_bind(const char *host, uint16_t port, int type, char *err, size_t errlen);

#endif
