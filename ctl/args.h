/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing and printing of the command line's values. */
#ifndef DNSPOOLCTL_ARGS_H
#define DNSPOOLCTL_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct dp_uri {
	uint32_t transport;	/* enum dnspool_transport */
	int family;		/* AF_INET or AF_INET6 */
	struct in6_addr addr;	/* or a struct in_addr at its start */
	uint16_t port;		/* host order; 0 when the URI gave none */
};

/* A network: a listener's allow list holds them. */
struct dp_prefix {
	int family;		/* AF_INET or AF_INET6 */
	struct in6_addr addr;	/* or a struct in_addr at its start */
	uint8_t len;
};

int parse_uri(const char *s, struct dp_uri *uri);
int parse_addr_port(const char *s, int *family, struct in6_addr *addr, uint16_t *port);
void format_addr_port(int family, const void *addr, unsigned int port, char *buf, size_t len);
int parse_prefix(const char *s, struct dp_prefix *p);
void format_prefix(int family, const void *addr, unsigned int plen, char *buf, size_t len);
int parse_duration_ms(const char *s, uint32_t *ms);
int parse_u32(const char *s, uint32_t *v);
void format_duration_ms(uint32_t ms, char *buf, size_t len);
const char *transport_name(uint32_t transport);
const char *listener_proto_name(uint32_t proto);
int parse_listener_proto(const char *s, uint32_t *proto);

#endif
