/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per network namespace registry of DNS upstreams.
 */
#ifndef _DNSPOOL_UPSTREAM_H
#define _DNSPOOL_UPSTREAM_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <uapi/linux/dnspool.h>

/* A namespace holds at most this many upstreams: a container's root may add
 * them, so their memory must stay bounded.
 */
#define DNSPOOL_MAX_UPSTREAMS	256

struct dnspool_params {
	u32 max_conns;
	u32 idle_timeout_ms;
	u32 reap_interval_ms;
	u32 dial_timeout_ms;
	u32 query_timeout_ms;
};

struct dnspool_upstream {
	struct list_head node;
	char name[DNSPOOL_NAME_MAX_LEN + 1];
	enum dnspool_transport transport;
	/* sockaddr_in or sockaddr_in6, port included */
	struct sockaddr_storage addr;
	char tls_name[DNSPOOL_TLS_NAME_MAX_LEN + 1];
	struct dnspool_params params;
};

struct dnspool_net {
	/* Serialises changes; protects @upstreams, @count and the
	 * configuration of every upstream on the list.
	 */
	struct mutex lock;
	struct list_head upstreams;
	unsigned int count;
};

struct dnspool_net *dnspool_net(const struct net *net);
void dnspool_params_init(struct dnspool_params *p);
u16 dnspool_default_port(enum dnspool_transport transport);
struct dnspool_upstream *dnspool_upstream_find(struct dnspool_net *dn,
					       const char *name);
int dnspool_upstream_insert(struct dnspool_net *dn, struct dnspool_upstream *up);
void dnspool_upstream_remove(struct dnspool_net *dn, struct dnspool_upstream *up);

int dnspool_registry_init(void);
void dnspool_registry_exit(void);

#endif /* _DNSPOOL_UPSTREAM_H */
