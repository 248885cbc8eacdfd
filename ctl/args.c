// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/dnspool.h>

#include "args.h"
#include "dnspoolctl.h"

static const char *const transports[] = {
	[DNSPOOL_TRANSPORT_UDP] = "udp",
	[DNSPOOL_TRANSPORT_TCP] = "tcp",
	[DNSPOOL_TRANSPORT_TLS] = "tls",
};

const char *transport_name(uint32_t transport)
{
	if (transport < sizeof(transports) / sizeof(transports[0]) && transports[transport])
		return transports[transport];
	return "unknown";
}

/*
 * ADDR[:PORT] at @host, the end of argument @s (for the messages); an IPv6
 * ADDR in brackets.  @scheme: the URI's, for the example, or NULL.
 */
static int parse_host_port(const char *s, const char *host, const char *scheme,
			   int *family, struct in6_addr *addr, uint16_t *port)
{
	const char *portstr = NULL;
	char buf[INET6_ADDRSTRLEN + 1];
	size_t len;

	if (*host == '[') {
		const char *end = strchr(host, ']');

		if (!end)
			return dp_usage_err("'%s': IPv6 address without its closing ']'", s);
		len = end - host - 1;
		host++;
		if (end[1] == ':')
			portstr = end + 2;
		else if (end[1])
			return dp_usage_err("'%s': unexpected '%s' after the address", s, end + 1);
		*family = AF_INET6;
	} else {
		const char *colon = strchr(host, ':');

		if (colon && strchr(colon + 1, ':'))
			return dp_usage_err("'%s': put an IPv6 address in brackets, as in %s%s[::1]:53",
					    s, scheme ? scheme : "", scheme ? "://" : "");
		len = colon ? (size_t)(colon - host) : strlen(host);
		portstr = colon ? colon + 1 : NULL;
		*family = AF_INET;
	}
	if (len == 0 || len >= sizeof(buf))
		return dp_usage_err("'%s': bad address", s);
	memcpy(buf, host, len);
	buf[len] = '\0';
	if (inet_pton(*family, buf, addr) != 1)
		return dp_usage_err("'%s': '%s' is not an %s address", s, buf,
				    *family == AF_INET ? "IPv4" : "IPv6");
	*port = 0;
	if (portstr) {
		char *end;
		unsigned long p;

		errno = 0;
		p = strtoul(portstr, &end, 10);
		if (!*portstr || *end || errno || p < 1 || p > 65535 || *portstr == '-' ||
		    *portstr == '+')
			return dp_usage_err("'%s': port must be a number from 1 to 65535", s);
		*port = p;
	}
	return 0;
}

static const char *const listener_protos[] = {
	[DNSPOOL_LISTENER_PROTO_UDP] = "udp",
	[DNSPOOL_LISTENER_PROTO_TCP] = "tcp",
	[DNSPOOL_LISTENER_PROTO_BOTH] = "both",
};

const char *listener_proto_name(uint32_t proto)
{
	if (proto < ARRAY_LEN(listener_protos))
		return listener_protos[proto];
	return "unknown";
}

int parse_listener_proto(const char *s, uint32_t *proto)
{
	uint32_t p;

	for (p = 0; p < ARRAY_LEN(listener_protos); p++) {
		if (!strcmp(s, listener_protos[p])) {
			*proto = p;
			return 0;
		}
	}
	return dp_usage_err("unknown proto '%s' (udp, tcp, both)", s);
}

/* udp://ADDR[:PORT], tcp://..., tls://...; an IPv6 ADDR in brackets. */
int parse_uri(const char *s, struct dp_uri *uri)
{
	const char *sep = strstr(s, "://");
	uint32_t t;

	memset(uri, 0, sizeof(*uri));
	if (!sep)
		return dp_usage_err("'%s' is not a URI: use udp://ADDR[:PORT], tcp://... or tls://...", s);
	for (t = DNSPOOL_TRANSPORT_UDP; t <= DNSPOOL_TRANSPORT_TLS; t++)
		if (strlen(transports[t]) == (size_t)(sep - s) &&
		    !strncmp(s, transports[t], sep - s))
			uri->transport = t;
	if (!uri->transport)
		return dp_usage_err("unknown scheme '%.*s' in '%s': use udp, tcp or tls",
				    (int)(sep - s), s, s);
	return parse_host_port(s, sep + 3, transports[uri->transport], &uri->family,
			       &uri->addr, &uri->port);
}

/* ADDR[:PORT], as a URI has it after its scheme. */
int parse_addr_port(const char *s, int *family, struct in6_addr *addr, uint16_t *port)
{
	memset(addr, 0, sizeof(*addr));
	return parse_host_port(s, s, NULL, family, addr, port);
}

/* "192.0.2.1:53", "[2001:db8::1]:53": as parse_addr_port() takes it. */
void format_addr_port(int family, const void *addr, unsigned int port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family, addr, a, sizeof(a));
	snprintf(buf, len, family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, port);
}

/* ADDR/LEN, or ADDR alone for one host; IPv6 without brackets. */
int parse_prefix(const char *s, struct dp_prefix *p)
{
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned int max;

	memset(p, 0, sizeof(*p));
	if (len == 0 || len >= sizeof(buf))
		return dp_usage_err("'%s' is not a network: use ADDR/LEN or ADDR", s);
	memcpy(buf, s, len);
	buf[len] = '\0';
	p->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	max = p->family == AF_INET ? 32 : 128;
	if (inet_pton(p->family, buf, &p->addr) != 1)
		return dp_usage_err("'%s': '%s' is not an %s address", s, buf,
				    p->family == AF_INET ? "IPv4" : "IPv6");
	p->len = max;
	if (slash) {
		char *end;
		unsigned long n;

		errno = 0;
		n = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || errno || n > max || slash[1] == '-' || slash[1] == '+')
			return dp_usage_err("'%s': prefix length must be a number from 0 to %u",
					    s, max);
		p->len = n;
	}
	return 0;
}

void format_prefix(int family, const void *addr, unsigned int plen, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(family, addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, plen);
}

/* A number with a unit: 250ms, 10s, 5m, 1h. */
int parse_duration_ms(const char *s, uint32_t *ms)
{
	static const struct { const char *unit; unsigned long long ms; } units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	unsigned long long v;
	char *end;
	size_t i;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-' || *s == '+')
		return dp_usage_err("'%s' is not a duration: use a number and a unit, as in 250ms, 10s, 5m", s);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		if (v > UINT32_MAX / units[i].ms)
			return dp_usage_err("duration '%s' is too long", s);
		*ms = v * units[i].ms;
		return 0;
	}
	if (!*end)
		return dp_usage_err("duration '%s' needs a unit: ms, s, m or h", s);
	return dp_usage_err("'%s': unknown unit '%s': use ms, s, m or h", s, end);
}

int parse_u32(const char *s, uint32_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (end == s || *end || errno || n > UINT32_MAX || *s == '-' || *s == '+')
		return dp_usage_err("'%s' is not a number", s);
	*v = n;
	return 0;
}

/* The largest unit that shows @ms exactly, so that output parses back. */
void format_duration_ms(uint32_t ms, char *buf, size_t len)
{
	if (ms && ms % 3600000 == 0)
		snprintf(buf, len, "%uh", ms / 3600000);
	else if (ms && ms % 60000 == 0)
		snprintf(buf, len, "%um", ms / 60000);
	else if (ms && ms % 1000 == 0)
		snprintf(buf, len, "%us", ms / 1000);
	else
		snprintf(buf, len, "%ums", ms);
}
