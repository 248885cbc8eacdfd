// SPDX-License-Identifier: GPL-2.0
/*
 * The per network namespace registry of DNS upstreams: each namespace
 * (each container) names and configures its own upstreams, and loses them
 * when it exits.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netns/generic.h>

#include "upstream.h"

static unsigned int dnspool_net_id __read_mostly;

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
	list_add_tail(&up->node, &dn->upstreams);
	dn->count++;
	return 0;
}

void dnspool_upstream_remove(struct dnspool_net *dn, struct dnspool_upstream *up)
{
	lockdep_assert_held(&dn->lock);
	list_del(&up->node);
	dn->count--;
	kfree(up);
}

static int __net_init dnspool_net_init(struct net *net)
{
	struct dnspool_net *dn = dnspool_net(net);

	mutex_init(&dn->lock);
	INIT_LIST_HEAD(&dn->upstreams);
	return 0;
}

/* Runs when the namespace exits and, for every namespace, at module unload
 * (after the family is gone, so no request can race with it).
 */
static void __net_exit dnspool_net_exit(struct net *net)
{
	struct dnspool_net *dn = dnspool_net(net);
	struct dnspool_upstream *up, *tmp;

	mutex_lock(&dn->lock);
	list_for_each_entry_safe(up, tmp, &dn->upstreams, node)
		dnspool_upstream_remove(dn, up);
	mutex_unlock(&dn->lock);
	mutex_destroy(&dn->lock);
}

static struct pernet_operations dnspool_net_ops = {
	.init = dnspool_net_init,
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
