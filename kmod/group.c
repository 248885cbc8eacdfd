// SPDX-License-Identifier: GPL-2.0
/*
 * The per network namespace registry of groups of upstreams.  Groups and
 * upstreams share one namespace of names; an upstream that is a member of
 * a group cannot be removed, so a group's members live as long as it holds
 * them.  The list and the members are read under RCU; changes take the
 * namespace's lock.
 */
#include <linux/slab.h>

#include "group.h"
#include "upstream.h"

/**
 * dnspool_group_alloc() - a new group, not listed, with defaults
 *
 * Sequential, 5 s for a query, race-delay auto.
 *
 * Context: process context; sleeps.
 * Return: the group, with one reference, or NULL.
 */
struct dnspool_group *dnspool_group_alloc(void)
{
	struct dnspool_group *g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);

	if (!g)
		return NULL;
	kref_init(&g->ref);
	g->strategy = DNSPOOL_STRATEGY_SEQUENTIAL;
	g->timeout_ms = 5 * MSEC_PER_SEC;
	return g;
}

static void dnspool_group_members_rcu(struct rcu_head *rcu)
{
	struct dnspool_group_members *m = container_of(rcu, struct dnspool_group_members, rcu);
	unsigned int i;

	for (i = 0; i < m->n; i++)
		dnspool_upstream_put(m->up[i]);
	kfree(m);
}

/**
 * dnspool_group_members_free() - drop a members list, after the readers
 * @m: the list, or NULL
 *
 * Context: any context but hard interrupt.
 */
void dnspool_group_members_free(struct dnspool_group_members *m)
{
	if (m)
		call_rcu(&m->rcu, dnspool_group_members_rcu);
}

static void dnspool_group_release(struct kref *ref)
{
	struct dnspool_group *g = container_of(ref, struct dnspool_group, ref);

	dnspool_group_members_free(rcu_dereference_protected(g->members, true));
	kfree_rcu(g, rcu);
}

/**
 * dnspool_group_put() - drop a reference on a group
 * @g: the group
 *
 * Context: any context but hard interrupt.
 */
void dnspool_group_put(struct dnspool_group *g)
{
	kref_put(&g->ref, dnspool_group_release);
}

/**
 * dnspool_group_get() - find a group of the registry
 * @dn: the namespace's state
 * @name: its name
 *
 * Context: any context but hard interrupt; takes no lock.
 * Return: the group, with a reference for the caller to put, or NULL.
 */
struct dnspool_group *dnspool_group_get(struct dnspool_net *dn, const char *name)
{
	struct dnspool_group *g, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(g, &dn->groups, node) {
		if (strcmp(g->name, name))
			continue;
		if (kref_get_unless_zero(&g->ref))
			found = g;
		break;
	}
	rcu_read_unlock();
	return found;
}

/**
 * dnspool_group_insert() - list a new group
 * @dn: the namespace's state
 * @g: the group, named and set
 * @m: its members, held; the group's on success
 *
 * The registry takes the caller's reference on success.
 *
 * Context: process context; sleeps.
 * Return: 0; -EEXIST, the name is taken (by an upstream or a group);
 * -ENOSPC, the namespace has as many groups as it may; -ENOENT, a member
 * was removed meanwhile; -ESHUTDOWN, the namespace is going.
 */
int dnspool_group_insert(struct dnspool_net *dn, struct dnspool_group *g,
			 struct dnspool_group_members *m)
{
	unsigned int i;
	int err = 0;

	mutex_lock(&dn->lock);
	if (dnspool_registry_name_taken(dn, g->name))
		err = -EEXIST;
	else if (dn->ngroups >= DNSPOOL_MAX_GROUPS)
		err = -ENOSPC;
	else if (dn->dead)
		err = -ESHUTDOWN;
	for (i = 0; !err && i < m->n; i++)
		if (m->up[i]->unlinked)
			err = -ENOENT;
	if (!err) {
		rcu_assign_pointer(g->members, m);
		list_add_tail_rcu(&g->node, &dn->groups);
		dn->ngroups++;
		dnspool_registry_changed(dn);
	}
	mutex_unlock(&dn->lock);
	return err;
}

/**
 * dnspool_group_update() - change a listed group
 * @dn: the namespace's state
 * @g: the group
 * @m: its new members, held, or NULL to keep them; the group's on success
 * @strategy: the new strategy, or NULL
 * @race_delay_ms: the new race delay, or NULL
 * @timeout_ms: the new timeout, or NULL
 *
 * Queries in flight keep the members they started with.
 *
 * Context: process context; sleeps.
 * Return: 0; -ENOENT, the group or a member was removed meanwhile.
 */
int dnspool_group_update(struct dnspool_net *dn, struct dnspool_group *g,
			 struct dnspool_group_members *m, const u32 *strategy,
			 const u32 *race_delay_ms, const u32 *timeout_ms)
{
	struct dnspool_group_members *old = NULL;
	unsigned int i;
	int err = 0;

	mutex_lock(&dn->lock);
	if (g->unlinked)
		err = -ENOENT;
	for (i = 0; !err && m && i < m->n; i++)
		if (m->up[i]->unlinked)
			err = -ENOENT;
	if (!err) {
		if (m) {
			old = rcu_dereference_protected(g->members, lockdep_is_held(&dn->lock));
			rcu_assign_pointer(g->members, m);
		}
		if (strategy)
			WRITE_ONCE(g->strategy, *strategy);
		if (race_delay_ms)
			WRITE_ONCE(g->race_delay_ms, *race_delay_ms);
		if (timeout_ms)
			WRITE_ONCE(g->timeout_ms, *timeout_ms);
	}
	mutex_unlock(&dn->lock);
	dnspool_group_members_free(old);
	return err;
}

/**
 * dnspool_group_remove() - unlist a group
 * @dn: the namespace's state
 * @g: the group; its queries in flight finish
 *
 * Context: process context; sleeps.
 * Return: 0, or -ENOENT when it was removed meanwhile.
 */
int dnspool_group_remove(struct dnspool_net *dn, struct dnspool_group *g)
{
	mutex_lock(&dn->lock);
	if (g->unlinked) {
		mutex_unlock(&dn->lock);
		return -ENOENT;
	}
	list_del_rcu(&g->node);
	g->unlinked = true;
	dn->ngroups--;
	dnspool_registry_changed(dn);
	mutex_unlock(&dn->lock);
	dnspool_group_put(g);		/* the registry's */
	return 0;
}

/**
 * dnspool_group_has_member() - is @up a member of a group?
 * @dn: the namespace's state, whose lock is held
 * @up: the upstream
 * @group: the name of the first group that has it is copied here
 *	(DNSPOOL_NAME_MAX_LEN + 1 bytes)
 *
 * Return: true when some group has it.
 */
bool dnspool_group_has_member(struct dnspool_net *dn, struct dnspool_upstream *up,
			      char *group)
{
	struct dnspool_group_members *m;
	struct dnspool_group *g;
	unsigned int i;

	lockdep_assert_held(&dn->lock);
	list_for_each_entry(g, &dn->groups, node) {
		m = rcu_dereference_protected(g->members, lockdep_is_held(&dn->lock));
		for (i = 0; i < m->n; i++) {
			if (m->up[i] == up) {
				strscpy(group, g->name, DNSPOOL_NAME_MAX_LEN + 1);
				return true;
			}
		}
	}
	return false;
}

/**
 * dnspool_groups_flush() - remove every group: the namespace is going
 * @dn: the namespace's state, marked dead
 *
 * Context: process context; sleeps.
 */
void dnspool_groups_flush(struct dnspool_net *dn)
{
	struct dnspool_group *g;

	for (;;) {
		mutex_lock(&dn->lock);
		g = list_first_entry_or_null(&dn->groups, struct dnspool_group, node);
		if (g)
			kref_get(&g->ref);
		mutex_unlock(&dn->lock);
		if (!g)
			return;
		dnspool_group_remove(dn, g);
		dnspool_group_put(g);
	}
}
