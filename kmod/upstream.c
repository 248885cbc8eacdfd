// SPDX-License-Identifier: GPL-2.0
/*
 * The per network namespace registry of DNS upstreams: each namespace
 * (each container) names and configures its own upstreams, and loses them
 * when it exits.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netns/generic.h>

#include "conn.h"
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

/* Every namespace's registry, for module unload; protected by the mutex. */
static LIST_HEAD(dnspool_nets);
static DEFINE_MUTEX(dnspool_nets_lock);

struct dnspool_net *dnspool_net(const struct net *net)
{
	return net_generic(net, dnspool_net_id);
}

/* The seed's defaults (DESIGN.md) plus a query timeout of dig's 5 s. */
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
}

struct dnspool_upstream *dnspool_upstream_alloc(struct net *net)
{
	struct dnspool_upstream *up = kzalloc(sizeof(*up), GFP_KERNEL_ACCOUNT);

	if (!up)
		return NULL;
	kref_init(&up->ref);
	up->net = net;
	dnspool_params_init(&up->params);
	return up;
}

/* Once the transport is known: the pools. */
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

struct dnspool_pool *dnspool_upstream_pool(struct dnspool_upstream *up, bool tcp)
{
	if (tcp && up->tcp_pool.ops)
		return &up->tcp_pool;
	return &up->pool;
}

/* Pools read the name when they dial; it changes under the pool's lock. */
void dnspool_upstream_set_tls_name(struct dnspool_upstream *up, const char *name)
{
	spin_lock(&up->pool.lock);
	strscpy(up->tls_name, name, sizeof(up->tls_name));
	spin_unlock(&up->pool.lock);
}

void dnspool_upstream_tls_name(struct dnspool_upstream *up, char *buf, size_t size)
{
	spin_lock(&up->pool.lock);
	strscpy(buf, up->tls_name, size);
	spin_unlock(&up->pool.lock);
}

void dnspool_upstream_params_changed(struct dnspool_upstream *up, bool tls_name)
{
	if (up->pool.ops)
		dnspool_pool_params_changed(&up->pool, tls_name);
	if (up->tcp_pool.ops)
		dnspool_pool_params_changed(&up->tcp_pool, tls_name);
}

static void dnspool_upstream_release(struct kref *ref)
{
	kfree(container_of(ref, struct dnspool_upstream, ref));
}

void dnspool_upstream_put(struct dnspool_upstream *up)
{
	kref_put(&up->ref, dnspool_upstream_release);
}

/* Closes the pools: in-flight queries end with -ESHUTDOWN.  Sleeps. */
static void dnspool_upstream_shutdown(struct dnspool_upstream *up)
{
	dnspool_pool_shutdown(&up->pool);
	dnspool_pool_shutdown(&up->tcp_pool);
}

u16 dnspool_default_port(enum dnspool_transport transport)
{
	return transport == DNSPOOL_TRANSPORT_TLS ? 853 : 53;
}

struct dnspool_upstream *dnspool_upstream_find(struct dnspool_net *dn,
					       const char *name)
{
	struct dnspool_upstream *up;

	lockdep_assert_held(&dn->lock);
	list_for_each_entry(up, &dn->upstreams, node)
		if (!strcmp(up->name, name))
			return up;
	return NULL;
}

/* Takes ownership of @up on success. */
int dnspool_upstream_insert(struct dnspool_net *dn, struct dnspool_upstream *up)
{
	lockdep_assert_held(&dn->lock);
	if (dnspool_upstream_find(dn, up->name))
		return -EEXIST;
	if (dn->count >= DNSPOOL_MAX_UPSTREAMS)
		return -ENOSPC;
	if (dn->dead)
		return -ESHUTDOWN;
	list_add_tail(&up->node, &dn->upstreams);
	dn->count++;
	dn->gen++;
	return 0;
}

/* Unlinks @up and closes its pools; dn->lock held (pool shutdown takes no
 * registry lock).
 */
void dnspool_upstream_remove(struct dnspool_net *dn, struct dnspool_upstream *up)
{
	lockdep_assert_held(&dn->lock);
	list_del(&up->node);
	dn->count--;
	dn->gen++;
	dnspool_upstream_shutdown(up);
	dnspool_upstream_put(up);
}

static void dnspool_net_flush(struct dnspool_net *dn)
{
	struct dnspool_upstream *up, *tmp;

	mutex_lock(&dn->lock);
	dn->dead = true;
	list_for_each_entry_safe(up, tmp, &dn->upstreams, node)
		dnspool_upstream_remove(dn, up);
	mutex_unlock(&dn->lock);
	/* Sockets with a file closed by workers are released before the
	 * namespace's TCP state goes.
	 */
	dnspool_releaser_flush(&dn->releaser);
}

/*
 * Module unload, before the family goes: every pool of every namespace is
 * closed while in-flight queries can still be answered (with an error).
 */
void dnspool_registry_shutdown(void)
{
	struct dnspool_net *dn;

	mutex_lock(&dnspool_nets_lock);
	list_for_each_entry(dn, &dnspool_nets, node)
		dnspool_net_flush(dn);
	mutex_unlock(&dnspool_nets_lock);
}

static int __net_init dnspool_net_init(struct net *net)
{
	struct dnspool_net *dn = dnspool_net(net);

	mutex_init(&dn->lock);
	INIT_LIST_HEAD(&dn->upstreams);
	dnspool_limits_net_init(&dn->limits, net);
	dnspool_releaser_init(&dn->releaser);
	mutex_lock(&dnspool_nets_lock);
	list_add(&dn->node, &dnspool_nets);
	mutex_unlock(&dnspool_nets_lock);
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
	mutex_lock(&dnspool_nets_lock);
	list_del(&dn->node);
	mutex_unlock(&dnspool_nets_lock);
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

int dnspool_registry_init(void)
{
	return register_pernet_subsys(&dnspool_net_ops);
}

void dnspool_registry_exit(void)
{
	unregister_pernet_subsys(&dnspool_net_ops);
}
