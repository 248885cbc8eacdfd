// SPDX-License-Identifier: GPL-2.0
/*
 * The per network namespace registry of listeners, and their lifetime: a
 * listener's sockets are opened by the request that adds it, in the
 * requester's context, and closed by the one that removes it (or by the
 * namespace's exit), which waits for its client connections to close.
 * Queries in flight keep the listener's memory, not its sockets: their
 * answers are dropped once it is gone.
 */
#include <linux/cred.h>
#include <linux/memcontrol.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "listener.h"
#include "pool.h"
#include "upstream.h"

/**
 * dnspool_listener_alloc() - a listener, unlisted, with no socket
 * @net: its namespace
 *
 * Its owner is the calling task's user.
 *
 * Context: process context.
 * Return: the listener, holding one reference, or NULL.
 */
struct dnspool_listener *dnspool_listener_alloc(struct net *net)
{
	struct dnspool_listener *l;

	l = kvzalloc(sizeof(*l), GFP_KERNEL_ACCOUNT);
	if (!l)
		return NULL;
	kref_init(&l->ref);
	INIT_LIST_HEAD(&l->node);
	l->net = net;
	l->owner = current_euid();
	l->memcg = get_mem_cgroup_from_mm(current->mm);
	mutex_init(&l->sock_lock);
	INIT_WORK(&l->udp_work, dnspool_lsn_udp_work);
	INIT_WORK(&l->accept_work, dnspool_lsn_accept_work);
	spin_lock_init(&l->lock);
	INIT_LIST_HEAD(&l->conns);
	hash_init(l->clients);
	spin_lock_init(&l->rate_lock);
	get_random_bytes(&l->rate_key, sizeof(l->rate_key));
	return l;
}

static void dnspool_listener_free_rcu(struct rcu_head *rcu)
{
	struct dnspool_listener *l = container_of(rcu, struct dnspool_listener, rcu);

	kfree(rcu_dereference_protected(l->cfg, true));
	mem_cgroup_put(l->memcg);
	mutex_destroy(&l->sock_lock);
	kvfree(l);
}

static void dnspool_listener_release(struct kref *ref)
{
	struct dnspool_listener *l = container_of(ref, struct dnspool_listener, ref);

	/* Readers of the namespace's list may still see it. */
	call_rcu(&l->rcu, dnspool_listener_free_rcu);
}

/**
 * dnspool_listener_put() - drop a reference on a listener
 * @l: the listener
 *
 * Context: any context but hard interrupt.
 */
void dnspool_listener_put(struct dnspool_listener *l)
{
	kref_put(&l->ref, dnspool_listener_release);
}

/**
 * dnspool_listener_kick() - queue one of a listener's works
 * @l: the listener
 * @work: its UDP or accept work
 *
 * A queued work holds a reference, which it drops when it has run.
 *
 * Context: any context but hard interrupt.
 */
void dnspool_listener_kick(struct dnspool_listener *l, struct work_struct *work)
{
	kref_get(&l->ref);
	if (!queue_work(dnspool_wq, work))
		dnspool_listener_put(l);
}

/**
 * dnspool_listener_get() - a listed listener, by name
 * @dn: the namespace's state
 * @name: the name
 *
 * Context: any context but hard interrupt.
 * Return: the listener, held, or NULL.
 */
struct dnspool_listener *dnspool_listener_get(struct dnspool_net *dn, const char *name)
{
	struct dnspool_listener *l, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(l, &dn->listeners, node) {
		if (!strcmp(l->name, name) && kref_get_unless_zero(&l->ref)) {
			found = l;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/**
 * dnspool_listener_name_taken() - does a listener have @name?
 * @dn: the namespace's state, whose lock is held
 * @name: the name
 *
 * Return: true when taken.
 */
bool dnspool_listener_name_taken(struct dnspool_net *dn, const char *name)
{
	struct dnspool_listener *l;

	lockdep_assert_held(&dn->lock);
	list_for_each_entry(l, &dn->listeners, node)
		if (!strcmp(l->name, name))
			return true;
	return false;
}

/**
 * dnspool_listener_insert() - list a listener whose sockets are open
 * @dn: the namespace's state
 * @l: the listener; the registry takes the caller's reference on success
 *
 * Context: process context; sleeps.
 * Return: 0; -EEXIST, the name is taken; -ENOSPC, the namespace has its
 * most listeners; -ESHUTDOWN, the namespace is going.
 */
int dnspool_listener_insert(struct dnspool_net *dn, struct dnspool_listener *l)
{
	int err = 0;

	mutex_lock(&dn->lock);
	if (dnspool_registry_name_taken(dn, l->name))
		err = -EEXIST;
	else if (dn->nlisteners >= DNSPOOL_MAX_LISTENERS)
		err = -ENOSPC;
	else if (dn->dead)
		err = -ESHUTDOWN;
	if (!err) {
		list_add_tail_rcu(&l->node, &dn->listeners);
		dn->nlisteners++;
		dnspool_registry_changed(dn);
	}
	mutex_unlock(&dn->lock);
	return err;
}

/**
 * dnspool_listener_update() - replace a listed listener's parameters
 * @dn: the namespace's state
 * @l: the listener
 * @cfg: its new parameters; the listener's on success, freed otherwise
 *
 * Queries and connections already taken keep what they started with;
 * a lower tcp-max closes no open connection.
 *
 * Context: process context; sleeps.
 * Return: 0; -ENOENT, the listener was removed meanwhile.
 */
int dnspool_listener_update(struct dnspool_net *dn, struct dnspool_listener *l,
			    struct dnspool_listener_cfg *cfg)
{
	struct dnspool_listener_cfg *old = NULL;
	int err = 0;

	mutex_lock(&dn->lock);
	if (l->unlinked) {
		err = -ENOENT;
	} else {
		old = rcu_replace_pointer(l->cfg, cfg, lockdep_is_held(&dn->lock));
		dnspool_registry_changed(dn);
	}
	mutex_unlock(&dn->lock);
	if (err)
		kfree(cfg);
	else
		kfree_rcu(old, rcu);
	return err;
}

/*
 * Closes a listener's sockets, then its client connections, and waits for
 * them: when this returns, none of its sockets is left, and nothing of it
 * runs but the ends of queries in flight, which drop their answers.
 */
static void dnspool_listener_shutdown(struct dnspool_listener *l)
{
	WRITE_ONCE(l->dead, true);
	dnspool_lsn_udp_close(l);
	dnspool_lsn_tcp_close(l);
}

/**
 * dnspool_listener_remove() - unlist a listener and close its sockets
 * @dn: the namespace's state
 * @l: the listener, held by the caller
 *
 * Context: process context; sleeps until its connections are closed.
 * Return: 0; -ENOENT, it was removed meanwhile.
 */
int dnspool_listener_remove(struct dnspool_net *dn, struct dnspool_listener *l)
{
	mutex_lock(&dn->lock);
	if (l->unlinked) {
		mutex_unlock(&dn->lock);
		return -ENOENT;
	}
	l->unlinked = true;
	list_del_rcu(&l->node);
	dn->nlisteners--;
	dnspool_registry_changed(dn);
	mutex_unlock(&dn->lock);

	dnspool_listener_shutdown(l);
	dnspool_listener_put(l);	/* the registry's */
	return 0;
}

/**
 * dnspool_listeners_flush() - remove every listener of a namespace
 * @dn: the namespace's state, dead already
 *
 * Context: process context; sleeps.
 */
void dnspool_listeners_flush(struct dnspool_net *dn)
{
	struct dnspool_listener *l;

	for (;;) {
		rcu_read_lock();
		l = list_first_or_null_rcu(&dn->listeners, struct dnspool_listener, node);
		if (l && !kref_get_unless_zero(&l->ref))
			l = NULL;
		rcu_read_unlock();
		if (!l)
			break;
		dnspool_listener_remove(dn, l);
		dnspool_listener_put(l);
	}
}

/**
 * dnspool_listener_close_unlisted() - close a listener that was never listed
 * @l: the listener, whose reference the caller drops
 *
 * Context: process context; sleeps.
 */
void dnspool_listener_close_unlisted(struct dnspool_listener *l)
{
	dnspool_listener_shutdown(l);
}
