/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per network namespace registry of DNS upstreams.
 */
#ifndef _DNSPOOL_UPSTREAM_H
#define _DNSPOOL_UPSTREAM_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <net/net_namespace.h>
#include <uapi/linux/dnspool.h>

#include "breaker.h"
#include "limits.h"
#include "pool.h"
#include "sock.h"

/* A namespace holds at most this many upstreams: a container's root may add
 * them, so their memory must stay bounded.
 */
#define DNSPOOL_MAX_UPSTREAMS	256

/**
 * struct dnspool_params - an upstream's pool parameters
 * @max_conns: connections per pool
 * @idle_timeout_ms: an idle connection is closed after this
 * @reap_interval_ms: how often idle connections are looked for
 * @dial_timeout_ms: a connection that is not open after this fails
 * @query_timeout_ms: a query not answered after this fails
 * @rotate_queries: a UDP socket is replaced after this many queries
 * @rotate_interval_ms: ... or after this long
 * @rto_initial_ms: a UDP query's retransmission timeout before a round
 *	trip is measured
 * @rto_min_ms: its least value
 * @rto_max_ms: its greatest value
 * @breaker_failures: consecutive upstream failures that open the circuit
 *	breaker; 0: it never opens
 * @breaker_backoff_ms: how long it first stays open
 *
 * Written whole, each with WRITE_ONCE(), under the upstream's lock; the
 * pools read them with READ_ONCE() (DNSPOOL_PARAM()).
 */
struct dnspool_params {
	u32 max_conns;
	u32 idle_timeout_ms;
	u32 reap_interval_ms;
	u32 dial_timeout_ms;
	u32 query_timeout_ms;
	u32 rotate_queries;
	u32 rotate_interval_ms;
	u32 rto_initial_ms;
	u32 rto_min_ms;
	u32 rto_max_ms;
	u32 breaker_failures;
	u32 breaker_backoff_ms;
};

/**
 * struct dnspool_upstream - a DNS server and the pools of sockets to it
 * @ref: the registry's reference while it is listed, and one for each
 *	query and request that uses it
 * @node: on its namespace's list (RCU), under the namespace's lock
 * @rcu: frees it after the readers of the list are done
 * @net: its namespace; no reference: the namespace's exit removes it
 * @unlinked: taken off the list; under the namespace's lock
 * @name: its name, fixed once listed
 * @transport: fixed
 * @addr: sockaddr_in or sockaddr_in6, port included; fixed
 * @lock: protects @tls_name and serialises changes to @params
 * @tls_name: the name its certificate must carry (DoT); the pool reads it
 *	when it dials
 * @params: its pool parameters
 * @pool: its pool, over its own transport
 * @tcp_pool: for a UDP upstream, the pool for truncated answers and for
 *	queries that ask for TCP; unused (no ops) otherwise
 * @breaker: its circuit breaker, fed by both pools' queries
 */
struct dnspool_upstream {
	struct kref ref;
	struct list_head node;
	struct rcu_head rcu;
	struct net *net;
	bool unlinked;
	char name[DNSPOOL_NAME_MAX_LEN + 1];
	enum dnspool_transport transport;
	struct sockaddr_storage addr;
	spinlock_t lock;		/* see above */
	char tls_name[DNSPOOL_TLS_NAME_MAX_LEN + 1];
	struct dnspool_params params;
	struct dnspool_pool pool;
	struct dnspool_pool tcp_pool;
	struct dnspool_breaker breaker;
};

/**
 * struct dnspool_net - dnspool's state in a network namespace
 * @lock: protects changes to @upstreams, @count, @groups, @ngroups,
 *	@listeners, @nlisteners, @gen and @dead; held for no sleeping work
 *	(closing an upstream's pools happens after it)
 * @upstreams: the registry: its upstreams, in the order they were added;
 *	read under RCU
 * @count: how many are listed
 * @groups: its groups of upstreams (group.h), read under RCU
 * @ngroups: how many
 * @listeners: its DNS listeners (listener.h), read under RCU
 * @nlisteners: how many
 * @gen: changes with @upstreams, for dumps to tell they were interrupted
 * @dead: the namespace, or the module, is going: nothing is added
 * @limits: the namespace's bounds and their use
 * @releaser: drops socket files that works closed
 */
struct dnspool_net {
	struct mutex lock;		/* see above */
	struct list_head upstreams;
	unsigned int count;
	struct list_head groups;
	unsigned int ngroups;
	struct list_head listeners;
	unsigned int nlisteners;
	u32 gen;
	bool dead;
	struct dnspool_limits_net limits;
	struct dnspool_releaser releaser;
};

struct dnspool_net *dnspool_net(const struct net *net);
void dnspool_params_init(struct dnspool_params *p);
u16 dnspool_default_port(enum dnspool_transport transport);
struct dnspool_upstream *dnspool_upstream_get(struct dnspool_net *dn,
					      const char *name);
int dnspool_upstream_insert(struct dnspool_net *dn, struct dnspool_upstream *up);
struct dnspool_upstream *dnspool_upstream_alloc(struct net *net);
void dnspool_upstream_start(struct dnspool_upstream *up);
int dnspool_upstream_remove(struct dnspool_net *dn, struct dnspool_upstream *up,
			    char *group);
bool dnspool_registry_name_taken(struct dnspool_net *dn, const char *name);
void dnspool_registry_changed(struct dnspool_net *dn);
void dnspool_upstream_put(struct dnspool_upstream *up);
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
u32 dnspool_registry_gen(struct dnspool_net *dn);
void dnspool_registry_shutdown(void);

int dnspool_registry_init(void);
void dnspool_registry_exit(void);

#endif /* _DNSPOOL_UPSTREAM_H */
