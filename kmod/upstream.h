/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per network namespace registry of DNS upstreams.
 */
#ifndef _DNSPOOL_UPSTREAM_H
#define _DNSPOOL_UPSTREAM_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <uapi/linux/dnspool.h>

#include "limits.h"
#include "pool.h"
#include "sock.h"

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
	u32 rotate_queries;
	u32 rotate_interval_ms;
};

struct dnspool_upstream {
	struct kref ref;		/* the registry's, each query's */
	struct list_head node;
	struct net *net;		/* no reference: pernet exit ends us */
	char name[DNSPOOL_NAME_MAX_LEN + 1];
	enum dnspool_transport transport;
	/* sockaddr_in or sockaddr_in6, port included */
	struct sockaddr_storage addr;
	/* Changed under pool.lock too: the pool reads it when it dials. */
	char tls_name[DNSPOOL_TLS_NAME_MAX_LEN + 1];
	struct dnspool_params params;
	/* The upstream's own transport; and TCP for a udp upstream, for
	 * truncated answers and queries that ask for it.
	 */
	struct dnspool_pool pool;
	struct dnspool_pool tcp_pool;
};

struct dnspool_net {
	/* Serialises changes; protects @upstreams, @count and the
	 * configuration of every upstream on the list.
	 */
	struct mutex lock;
	struct list_head upstreams;
	unsigned int count;
	u32 gen;			/* changes with @upstreams, for dumps */
	bool dead;			/* the namespace is exiting */
	struct list_head node;		/* dnspool_nets */
	struct dnspool_limits_net limits;
	struct dnspool_releaser releaser;
};

struct dnspool_net *dnspool_net(const struct net *net);
void dnspool_params_init(struct dnspool_params *p);
u16 dnspool_default_port(enum dnspool_transport transport);
struct dnspool_upstream *dnspool_upstream_find(struct dnspool_net *dn,
					       const char *name);
int dnspool_upstream_insert(struct dnspool_net *dn, struct dnspool_upstream *up);
struct dnspool_upstream *dnspool_upstream_alloc(struct net *net);
void dnspool_upstream_start(struct dnspool_upstream *up);
void dnspool_upstream_remove(struct dnspool_net *dn, struct dnspool_upstream *up);
void dnspool_upstream_put(struct dnspool_upstream *up);
void dnspool_upstream_set_tls_name(struct dnspool_upstream *up, const char *name);
void dnspool_upstream_tls_name(struct dnspool_upstream *up, char *buf, size_t size);

/* DNS over TLS needs the handshake upcall (tlshd) and kernel TLS. */
static inline bool dnspool_tls_supported(void)
{
	return IS_ENABLED(CONFIG_NET_HANDSHAKE) && IS_ENABLED(CONFIG_TLS);
}

/*
 * ... and a handshake layer with the fixes DoT relies on: a socket whose
 * request cannot be submitted gets its destructor back ("net/handshake:
 * restore destructor on submit failure", 6.12.64; without it each failure
 * with no agent leaks the socket's route and stalls namespace exit), and
 * a request holds the socket's file until the agent's accept has its own
 * ("Take a long-lived file reference at submit", 6.12.93; "hand off the
 * pinned file reference to accept_doit", 6.12.114; without them a cancel
 * racing an accept frees what the accept reads).  In the 6.12 series the
 * first release with all three is 6.12.114; earlier 6.x series lack them.
 * Kbuild defines DNSPOOL_HANDSHAKE_FIXED for 6.12.114 and later 6.12
 * releases; for another kernel the administrator, who knows whether it
 * has them, says so with the module parameter tls_handshake_fixed.
 */
bool dnspool_tls_handshake_fixed(void);

struct dnspool_pool *dnspool_upstream_pool(struct dnspool_upstream *up, bool tcp);
void dnspool_upstream_params_changed(struct dnspool_upstream *up, bool tls_name);
void dnspool_registry_shutdown(void);

int dnspool_registry_init(void);
void dnspool_registry_exit(void);

#endif /* _DNSPOOL_UPSTREAM_H */
