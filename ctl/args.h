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

int parse_uri(const char *s, struct dp_uri *uri);
int parse_duration_ms(const char *s, uint32_t *ms);
int parse_u32(const char *s, uint32_t *v);
void format_duration_ms(uint32_t ms, char *buf, size_t len);
const char *transport_name(uint32_t transport);

#endif
