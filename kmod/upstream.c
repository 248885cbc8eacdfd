// SPDX-License-Identifier: GPL-2.0
/*
 * The per network namespace registry of DNS upstreams: each namespace
 * (each container) names and configures its own upstreams, and loses them
 * when it exits.
 */
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netns/generic.h>

#include "conn.h"
#include "group.h"
#include "listener.h"
#include "upstream.h"

static unsigned int dnspool_net_id __read_mostly;

#ifdef DNSPOOL_HANDSHAKE_FIXED
static bool dnspool_handshake_fixed = true;
#else
static bool dnspool_handshake_fixed;
#endif
module_param_named(tls_handshake_fixed, dnspool_handshake_fixed, bool, 0444);
MODULE_PARM_DESC(tls_handshake_fixed,
		 "The kernel's TLS handshake upcall has the fixes DNS over TLS needs (known for 6.12.114 and later 6.12 releases)");

/**
 * dnspool_tls_handshake_fixed() - may tls upstreams be added?
 *
 * Return: true when the handshake layer is known to have the fixes that
 * DNS over TLS relies on (see upstream.h).
 */
bool dnspool_tls_handshake_fixed(void)
{
	return dnspool_handshake_fixed;
}

/**
 * dnspool_net() - dnspool's state in a network namespace
 * @net: the namespace
 *
 * Return: its state, which lives as long as the namespace.
 */
struct dnspool_net *dnspool_net(const struct net *net)
{
	return net_generic(net, dnspool_net_id);
}

/**
 * dnspool_params_init() - the default pool parameters
 * @p: set to them
 *
 * Ten connections per pool, idle ones closed after five minutes (looked
 * for every thirty seconds), ten seconds to open one, and dig's five
 * seconds for a query.  A UDP query is sent again after 400 ms before a
 * round trip is measured (Knot Resolver's initial timeout; unbound's is
 * 376 ms), never sooner than 50 ms (unbound's floor) nor later than 2 s,
 * which leaves at least three tries within the query timeout.  Five
 * upstream failures in a row open the circuit breaker, for a second at
 * first.
 */
void dnspool_params_init(struct dnspool_params *p)
{
	p->max_conns = 10;
	p->idle_timeout_ms = 5 * 60 * MSEC_PER_SEC;
	p->reap_interval_ms = 30 * MSEC_PER_SEC;
	p->dial_timeout_ms = 10 * MSEC_PER_SEC;
	p->query_timeout_ms = 5 * MSEC_PER_SEC;
	/* UDP source ports change this often (RFC 5452) without churning. */
	p->rotate_queries = 5000;
	p->rotate_interval_ms = 60 * MSEC_PER_SEC;
	p->rto_initial_ms = 400;
	p->rto_min_ms = 50;
	p->rto_max_ms = 2 * MSEC_PER_SEC;
	p->breaker_failures = 5;
	p->breaker_backoff_ms = MSEC_PER_SEC;
}

/**
 * dnspool_upstream_alloc() - a new upstream, not listed, with defaults
 * @net: its namespace
 *
 * Context: process context; sleeps.
 * Return: the upstream, with one reference, or NULL.
 */
struct dnspool_upstream *dnspool_upstream_alloc(struct net *net)
{
	struct dnspool_upstream *up = kzalloc(sizeof(*up), GFP_KERNEL_ACCOUNT);

	if (!up)
		return NULL;
	kref_init(&up->ref);
	spin_lock_init(&up->lock);
	up->net = net;
	dnspool_params_init(&up->params);
	dnspool_breaker_init(&up->breaker);
	return up;
}

/**
 * dnspool_upstream_start() - its pools, once its transport is known
 * @up: the upstream, not listed
 */
void dnspool_upstream_start(struct dnspool_upstream *up)
{
	switch (up->transport) {
	case DNSPOOL_TRANSPORT_UDP:
		dnspool_pool_init(&up->pool, up, &dnspool_udp_ops);
		dnspool_pool_init(&up->tcp_pool, up, &dnspool_tcp_ops);
		break;
	case DNSPOOL_TRANSPORT_TCP:
		dnspool_pool_init(&up->pool, up, &dnspool_tcp_ops);
		break;
	case DNSPOOL_TRANSPORT_TLS:
#if IS_ENABLED(CONFIG_NET_HANDSHAKE)
		dnspool_pool_init(&up->pool, up, &dnspool_tls_ops);
#endif
		break;
	}
}

/**
 * dnspool_upstream_pool() - the pool a query goes to
 * @up: the upstream
 * @tcp: the query asks for TCP
 *
 * Return: the upstream's TCP pool for a UDP upstream asked for TCP, its
 * own pool otherwise.
 */
struct dnspool_pool *dnspool_upstream_pool(struct dnspool_upstream *up, bool tcp)
{
	if (tcp && up->tcp_pool.ops)
		return &up->tcp_pool;
	return &up->pool;
}

/**
 * dnspool_upstream_tls_name() - a copy of the upstream's tls-name
 * @up: the upstream
 * @buf: where to
 * @size: its size
 *
 * Context: any context but interrupt.
 */
void dnspool_upstream_tls_name(struct dnspool_upstream *up, char *buf, size_t size)
{
	spin_lock(&up->lock);
	strscpy(buf, up->tls_name, size);
	spin_unlock(&up->lock);
}

/**
 * dnspool_upstream_params_changed() - tell the pools their parameters
 * changed
 * @up: the upstream
 * @tls_name: its tls-name changed too
 *
 * Context: process context, no lock held.
 */
void dnspool_upstream_params_changed(struct dnspool_upstream *up, bool tls_name)
{
	if (up->pool.ops)
		dnspool_pool_params_changed(&up->pool, tls_name);
	if (up->tcp_pool.ops)
		dnspool_pool_params_changed(&up->tcp_pool, tls_name);
}

static void dnspool_upstream_release(struct kref *ref)
{
	struct dnspool_upstream *up = container_of(ref, struct dnspool_upstream, ref);

	/* Readers of the list may still be looking at it. */
	kfree_rcu(up, rcu);
}

/**
 * dnspool_upstream_put() - drop a reference on an upstream
 * @up: the upstream; freed, after an RCU grace period, when the last goes
 *	(its pools were shut down when it was removed)
 *
 * Context: any context but hard interrupt.
 */
void dnspool_upstream_put(struct dnspool_upstream *up)
{
	kref_put(&up->ref, dnspool_upstream_release);
}

/**
 * dnspool_default_port() - the port of a transport's DNS servers
 * @transport: the transport
 *
 * Return: 853 for DNS over TLS, 53 otherwise.
 */
u16 dnspool_default_port(enum dnspool_transport transport)
{
	return transport == DNSPOOL_TRANSPORT_TLS ? 853 : 53;
}

/**
 * dnspool_upstream_get() - find an upstream of the registry
 * @dn: the namespace's state
 * @name: its name; NULL for the first upstream added
 *
 * Takes no lock: the registry is read under RCU.
 *
 * Context: any context but hard interrupt.
 * Return: the upstream, with a reference for the caller to put, or NULL.
 */
struct dnspool_upstream *dnspool_upstream_get(struct dnspool_net *dn,
					      const char *name)
{
	struct dnspool_upstream *up, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(up, &dn->upstreams, node) {
		if (name && strcmp(up->name, name))
			continue;
		if (kref_get_unless_zero(&up->ref))
			found = up;
		break;
	}
	rcu_read_unlock();
	return found;
}

/**
 * dnspool_registry_changed() - the upstreams, groups or listeners changed
 * @dn: the namespace's state, whose lock is held
 *
 * A new generation, published after the change (dumps read it with
 * smp_load_acquire() before they walk the list), never 0, which netlink's
 * dump check ignores.
 */
void dnspool_registry_changed(struct dnspool_net *dn)
{
	u32 gen = dn->gen + 1;

	lockdep_assert_held(&dn->lock);
	/* Pairs with the dumps' smp_load_acquire(). */
	smp_store_release(&dn->gen, gen ?: 1);
}

/**
 * dnspool_registry_gen() - the registry's generation, for a dump
 * @dn: the namespace's registry
 *
 * Read before the dump walks the list, which is then at least as new
 * (pairs with dnspool_registry_changed()).
 *
 * Return: the generation, never 0.
 */
u32 dnspool_registry_gen(struct dnspool_net *dn)
{
	/* Pairs with the release in dnspool_registry_changed(). */
	return smp_load_acquire(&dn->gen);
}

/**
 * dnspool_upstream_insert() - list a new upstream
 * @dn: the namespace's state
 * @up: the upstream, whose name, transport, address and pools are set
 *
 * The registry takes the caller's reference on success.
 *
 * Context: process context; sleeps.
 * Return: 0; -EEXIST, the name is taken; -ENOSPC, the namespace has as
 * many upstreams as it may; -ESHUTDOWN, the namespace is going.
 */
int dnspool_upstream_insert(struct dnspool_net *dn, struct dnspool_upstream *up)
{
	int err = 0;

	mutex_lock(&dn->lock);
	if (dnspool_registry_name_taken(dn, up->name))
		err = -EEXIST;
	else if (dn->count >= DNSPOOL_MAX_UPSTREAMS)
		err = -ENOSPC;
	else if (dn->dead)
		err = -ESHUTDOWN;
	if (err)
		goto out;
	list_add_tail_rcu(&up->node, &dn->upstreams);
	dn->count++;
	dnspool_registry_changed(dn);
out:
	mutex_unlock(&dn->lock);
	return err;
}

/**
 * dnspool_registry_name_taken() - does an upstream, a group or a listener
 * have @name?
 * @dn: the namespace's state, whose lock is held
 * @name: the name
 *
 * Upstreams, groups and listeners share one namespace of names.
 *
 * Return: true when taken.
 */
bool dnspool_registry_name_taken(struct dnspool_net *dn, const char *name)
{
	struct dnspool_upstream *up;
	struct dnspool_group *g;

	lockdep_assert_held(&dn->lock);
	list_for_each_entry(up, &dn->upstreams, node)
		if (!strcmp(up->name, name))
			return true;
	list_for_each_entry(g, &dn->groups, node)
		if (!strcmp(g->name, name))
			return true;
	return dnspool_listener_name_taken(dn, name);
}

/**
 * dnspool_upstream_remove() - unlist an upstream and close its pools
 * @dn: the namespace's state
 * @up: the upstream, held by the caller
 * @group: for -EBUSY, the name of a group @up is a member of is copied
 *	here (DNSPOOL_NAME_MAX_LEN + 1 bytes)
 *
 * Its queries in flight end with -ESHUTDOWN.  The registry's lock is
 * dropped before the pools close: queries and requests that find other
 * upstreams do not wait for it.  A member of a group stays: the group
 * holds it.
 *
 * Context: process context, no lock held; sleeps.
 * Return: 0; -ENOENT, it was removed already; -EBUSY, it is a member.
 */
int dnspool_upstream_remove(struct dnspool_net *dn, struct dnspool_upstream *up,
			    char *group)
{
	might_sleep();
	mutex_lock(&dn->lock);
	if (up->unlinked) {
		mutex_unlock(&dn->lock);
		return -ENOENT;
	}
	if (dnspool_group_has_member(dn, up, group)) {
		mutex_unlock(&dn->lock);
		return -EBUSY;
	}
	list_del_rcu(&up->node);
	up->unlinked = true;
	dn->count--;
	dnspool_registry_changed(dn);
	mutex_unlock(&dn->lock);

	dnspool_pool_shutdown(&up->pool);
	dnspool_pool_shutdown(&up->tcp_pool);
	/* Its queries ended: its breaker changes no more. */
	dnspool_breaker_stop(&up->breaker);
	dnspool_upstream_put(up);	/* the registry's */
	return 0;
}

/*
 * Removes every upstream; nothing is added afterwards.  No request of the
 * namespace runs (its exit) or none may begin (module unload, after the
 * family stopped taking queries; a request running meanwhile that removes
 * an upstream closes its pools before the family goes).
 */
static void dnspool_net_flush(struct dnspool_net *dn)
{
	char group[DNSPOOL_NAME_MAX_LEN + 1];
	struct dnspool_upstream *up;

	mutex_lock(&dn->lock);
	dn->dead = true;
	mutex_unlock(&dn->lock);
	/* Listeners first: their clients' queries stop coming; those in
	 * flight end with the pools, dropping their answers.
	 */
	dnspool_listeners_flush(dn);
	/* Groups next: their members can then go. */
	dnspool_groups_flush(dn);
	while ((up = dnspool_upstream_get(dn, NULL))) {
		dnspool_upstream_remove(dn, up, group);
		dnspool_upstream_put(up);
	}
	/* Queries asked of groups end from the work queue, after their
	 * members' ends: a listener's client queries, which hold no
	 * reference on the namespace, are uncharged from its state there.
	 */
	flush_workqueue(dnspool_wq);
	/* Sockets with a file closed by works are released before the
	 * namespace's TCP state goes.
	 */
	dnspool_releaser_flush(&dn->releaser);
}

/*
 * References on the namespaces that are up now, in @nets of @max.  Return:
 * how many; more than @max when @nets was too short (nothing is held then).
 */
static unsigned int dnspool_nets_get(struct net **nets, unsigned int max)
{
	unsigned int n = 0, i;
	struct net *net;

	down_read(&net_rwsem);
	for_each_net(net) {
		if (n < max && maybe_get_net(net))
			nets[n] = net;
		else if (n < max)
			continue;	/* dying: its exit flushes it */
		n++;
	}
	up_read(&net_rwsem);
	if (n > max)
		for (i = 0; i < max; i++)
			put_net(nets[i]);
	return n;
}

/**
 * dnspool_registry_shutdown() - module unload, before the family goes
 *
 * Every pool of every namespace is closed while in-flight queries can
 * still be answered (with an error).  The namespaces that are up are held,
 * then flushed with no lock of the namespace core held: a flush sleeps,
 * and namespaces come and go meanwhile (a dying one flushes itself).
 *
 * Context: process context; sleeps.
 */
void dnspool_registry_shutdown(void)
{
	unsigned int max = 64, n, i;
	struct net **nets;

	for (;;) {
		nets = kvmalloc_array(max, sizeof(*nets), GFP_KERNEL);
		if (!nets)
			break;
		n = dnspool_nets_get(nets, max);
		if (n <= max)
			break;
		kvfree(nets);
		max = n + 64;
	}
	if (!nets) {
		struct net *net;

		/* No memory for the list: flush under net_rwsem, which holds
		 * up namespace creation and exit meanwhile.
		 */
		down_read(&net_rwsem);
		for_each_net(net)
			dnspool_net_flush(dnspool_net(net));
		up_read(&net_rwsem);
		return;
	}
	for (i = 0; i < n; i++) {
		dnspool_net_flush(dnspool_net(nets[i]));
		put_net(nets[i]);
	}
	kvfree(nets);
}

static int __net_init dnspool_net_init(struct net *net)
{
	struct dnspool_net *dn = dnspool_net(net);

	mutex_init(&dn->lock);
	INIT_LIST_HEAD(&dn->upstreams);
	INIT_LIST_HEAD(&dn->groups);
	INIT_LIST_HEAD(&dn->listeners);
	dn->gen = 1;
	dnspool_limits_net_init(&dn->limits, net);
	dnspool_releaser_init(&dn->releaser);
	return 0;
}

/*
 * Kernel sockets hold no reference on their namespace: its pools must be
 * gone before the namespace's TCP and UDP state is, and before the
 * handshake layer's own cleanup.  pre_exit runs first of all.
 */
static void __net_exit dnspool_net_pre_exit(struct net *net)
{
	dnspool_net_flush(dnspool_net(net));
}

/* Runs when the namespace exits and, for every namespace, at module unload
 * (after the family is gone, so no request can race with it).
 */
static void __net_exit dnspool_net_exit(struct net *net)
{
	struct dnspool_net *dn = dnspool_net(net);

	dnspool_net_flush(dn);
	dnspool_limits_net_exit(&dn->limits);
	mutex_destroy(&dn->lock);
}

static struct pernet_operations dnspool_net_ops = {
	.init = dnspool_net_init,
	.pre_exit = dnspool_net_pre_exit,
	.exit = dnspool_net_exit,
	.id = &dnspool_net_id,
	.size = sizeof(struct dnspool_net),
};

/**
 * dnspool_registry_init() - module load: every namespace gets its state
 *
 * Return: 0 or a negative errno.
 */
int dnspool_registry_init(void)
{
	return register_pernet_subsys(&dnspool_net_ops);
}

/**
 * dnspool_registry_exit() - module unload: every namespace's state goes
 */
void dnspool_registry_exit(void)
{
	unregister_pernet_subsys(&dnspool_net_ops);
}
