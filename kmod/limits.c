// SPDX-License-Identifier: GPL-2.0
/*
 * What one namespace, one user and one requesting socket may hold.
 *
 * Any user may create a network namespace inside a user namespace of its
 * own and be CAP_NET_ADMIN there, so upstreams, and the connections their
 * pools open, are within reach of unprivileged users; queries are within
 * reach of every local user.  Kernel sockets have no file descriptor, so no
 * file limit bounds them, and sockets opened by a worker are charged to no
 * memory cgroup.  The module keeps counts of its own instead, bounded by
 * module parameters that only the host's administrator can set:
 *
 * - connections per network namespace, stricter for a namespace owned by
 *   a user namespace other than the initial one;
 * - connections per owning user, across all the namespaces that user owns
 *   through its top-level user namespace;
 * - queries in flight per requesting socket and per (namespace, user).
 */
#include <linux/hash.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>

#include "limits.h"

static unsigned int max_conns_per_netns = 4096;
module_param(max_conns_per_netns, uint, 0644);
MODULE_PARM_DESC(max_conns_per_netns,
		 "Most connections in the pools of a network namespace of the initial user namespace (default 4096)");

static unsigned int max_conns_per_userns_netns = 256;
module_param(max_conns_per_userns_netns, uint, 0644);
MODULE_PARM_DESC(max_conns_per_userns_netns,
		 "Most connections in the pools of a network namespace owned by another user namespace (default 256)");

static unsigned int max_conns_per_user = 4096;
module_param(max_conns_per_user, uint, 0644);
MODULE_PARM_DESC(max_conns_per_user,
		 "Most connections in all the network namespaces that one user owns through user namespaces (default 4096)");

static unsigned int max_inflight_per_socket = 4096;
module_param(max_inflight_per_socket, uint, 0644);
MODULE_PARM_DESC(max_inflight_per_socket,
		 "Most queries in flight from one netlink socket (default 4096)");

static unsigned int max_inflight_per_user = 16384;
module_param(max_inflight_per_user, uint, 0644);
MODULE_PARM_DESC(max_inflight_per_user,
		 "Most queries in flight from one user in one network namespace (default 16384)");

/* Connections by owning user, across namespaces; protected by
 * dnspool_owners_lock.
 */
static DEFINE_HASHTABLE(dnspool_owners, 6);
static DEFINE_SPINLOCK(dnspool_owners_lock);

static struct dnspool_count *dnspool_count_find(struct hlist_head *heads, unsigned int bits,
						unsigned long key)
{
	struct dnspool_count *c;

	hlist_for_each_entry(c, &heads[hash_long(key, bits)], node)
		if (c->key == key)
			return c;
	return NULL;
}

/* Finds @key's count or, when there is none, makes @spare (then taken:
 * *@spare becomes NULL) its count.  NULL when there is neither.
 */
static struct dnspool_count *dnspool_count_get(struct hlist_head *heads, unsigned int bits,
					       unsigned long key, struct dnspool_count **spare)
{
	struct dnspool_count *c = dnspool_count_find(heads, bits, key);

	if (c || !*spare)
		return c;
	c = *spare;
	*spare = NULL;
	c->key = key;
	c->n = 0;
	hlist_add_head(&c->node, &heads[hash_long(key, bits)]);
	return c;
}

static void dnspool_count_put(struct dnspool_count *c)
{
	if (c->n)
		return;
	hlist_del(&c->node);
	kfree(c);
}

/**
 * dnspool_limits_untrusted() - is @net owned by a user namespace other
 * than the initial one?
 * @net: the network namespace
 *
 * Such a namespace may belong to any user: its stricter bounds apply, and
 * its sockets are held to the host's buffer limits.
 *
 * Return: true for a namespace of a non-initial user namespace.
 */
bool dnspool_limits_untrusted(const struct net *net)
{
	return net->user_ns != &init_user_ns;
}

/* The user who owns @net through its top-level user namespace. */
static kuid_t dnspool_net_owner(const struct net *net)
{
	const struct user_namespace *ns = net->user_ns;

	if (ns == &init_user_ns)
		return INVALID_UID;
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	return ns->owner;
}

/**
 * dnspool_limits_net_init() - start counting for a namespace
 * @ln: its accounting
 * @net: the namespace
 */
void dnspool_limits_net_init(struct dnspool_limits_net *ln, const struct net *net)
{
	spin_lock_init(&ln->lock);
	hash_init(ln->requesters);
	hash_init(ln->users);
	atomic_set(&ln->conns, 0);
	ln->owner = dnspool_net_owner(net);
}

/**
 * dnspool_limits_net_exit() - a namespace's pools and queries are gone
 * @ln: its accounting, which must be empty
 */
void dnspool_limits_net_exit(struct dnspool_limits_net *ln)
{
	WARN_ON_ONCE(atomic_read(&ln->conns) || ln->inflight);
}

/**
 * dnspool_conn_charge() - count a new connection against its namespace's
 * bound and its owner's
 * @ln: the namespace's accounting
 *
 * Context: process context; may sleep.
 * Return: 0, -EMFILE when a bound is reached, -ENOMEM.
 */
int dnspool_conn_charge(struct dnspool_limits_net *ln)
{
	unsigned int max = uid_valid(ln->owner) ? READ_ONCE(max_conns_per_userns_netns) :
						  READ_ONCE(max_conns_per_netns);
	struct dnspool_count *spare = NULL, *c;
	unsigned long key = __kuid_val(ln->owner);
	int err = 0;

	if (atomic_inc_return(&ln->conns) > max) {
		atomic_dec(&ln->conns);
		return -EMFILE;
	}
	if (!uid_valid(ln->owner))
		return 0;
	spin_lock(&dnspool_owners_lock);
	c = dnspool_count_find(dnspool_owners, HASH_BITS(dnspool_owners), key);
	if (!c) {
		spin_unlock(&dnspool_owners_lock);
		spare = kmalloc(sizeof(*spare), GFP_KERNEL);
		spin_lock(&dnspool_owners_lock);
		c = dnspool_count_get(dnspool_owners, HASH_BITS(dnspool_owners), key, &spare);
	}
	if (!c)
		err = -ENOMEM;
	else if (c->n >= READ_ONCE(max_conns_per_user))
		err = -EMFILE;
	else
		c->n++;
	if (err && c)
		dnspool_count_put(c);
	spin_unlock(&dnspool_owners_lock);
	kfree(spare);
	if (err)
		atomic_dec(&ln->conns);
	return err;
}

/**
 * dnspool_conn_uncharge() - a connection counted by dnspool_conn_charge()
 * is gone
 * @ln: the namespace's accounting
 */
void dnspool_conn_uncharge(struct dnspool_limits_net *ln)
{
	struct dnspool_count *c;

	atomic_dec(&ln->conns);
	if (!uid_valid(ln->owner))
		return;
	spin_lock(&dnspool_owners_lock);
	c = dnspool_count_find(dnspool_owners, HASH_BITS(dnspool_owners), __kuid_val(ln->owner));
	if (!WARN_ON_ONCE(!c || !c->n)) {
		c->n--;
		dnspool_count_put(c);
	}
	spin_unlock(&dnspool_owners_lock);
}

/**
 * dnspool_inflight_charge() - count a query against its requester's bounds
 * @ln: the namespace's accounting
 * @key: the requesting socket, which must outlive the charge
 * @uid: the requesting user
 * @c: filled with the charge, for dnspool_inflight_uncharge()
 * @why: set, when a bound is reached, to a sentence saying which
 *
 * Context: process context; may sleep.
 * Return: 0, -ENOBUFS when a bound is reached, -ENOMEM.
 */
int dnspool_inflight_charge(struct dnspool_limits_net *ln, const void *key,
			    kuid_t uid, struct dnspool_inflight *c, const char **why)
{
	struct dnspool_count *req, *user, *spare_req = NULL, *spare_user = NULL;
	int err = 0;

	spin_lock_bh(&ln->lock);
	req = dnspool_count_find(ln->requesters, HASH_BITS(ln->requesters), (unsigned long)key);
	user = dnspool_count_find(ln->users, HASH_BITS(ln->users), __kuid_val(uid));
	if (!req || !user) {
		/* Both: either count may go while the lock is dropped. */
		spin_unlock_bh(&ln->lock);
		spare_req = kmalloc(sizeof(*spare_req), GFP_KERNEL_ACCOUNT);
		spare_user = kmalloc(sizeof(*spare_user), GFP_KERNEL_ACCOUNT);
		spin_lock_bh(&ln->lock);
		req = dnspool_count_get(ln->requesters, HASH_BITS(ln->requesters),
					(unsigned long)key, &spare_req);
		user = dnspool_count_get(ln->users, HASH_BITS(ln->users),
					 __kuid_val(uid), &spare_user);
	}
	if (!req || !user) {
		err = -ENOMEM;
	} else if (req->n >= READ_ONCE(max_inflight_per_socket)) {
		*why = "this socket has its most queries in flight (max_inflight_per_socket)";
		err = -ENOBUFS;
	} else if (user->n >= READ_ONCE(max_inflight_per_user)) {
		*why = "this user has its most queries in flight here (max_inflight_per_user)";
		err = -ENOBUFS;
	} else {
		req->n++;
		user->n++;
		ln->inflight++;
	}
	if (err) {
		if (req)
			dnspool_count_put(req);
		if (user)
			dnspool_count_put(user);
	}
	spin_unlock_bh(&ln->lock);
	kfree(spare_req);
	kfree(spare_user);
	if (!err) {
		c->ln = ln;
		c->req = req;
		c->user = user;
	}
	return err;
}

/**
 * dnspool_inflight_uncharge() - the query of charge @c has ended
 * @c: its charge
 *
 * Context: any context but hard interrupt.
 */
void dnspool_inflight_uncharge(struct dnspool_inflight *c)
{
	struct dnspool_limits_net *ln = c->ln;

	if (!ln)
		return;
	spin_lock_bh(&ln->lock);
	c->req->n--;
	dnspool_count_put(c->req);
	c->user->n--;
	dnspool_count_put(c->user);
	ln->inflight--;
	spin_unlock_bh(&ln->lock);
	c->ln = NULL;
}

/**
 * dnspool_limits_get() - the namespace's bounds and their use
 * @ln: the namespace's accounting
 * @uid: the user asking, whose in-flight count is reported
 * @use: filled
 */
void dnspool_limits_get(struct dnspool_limits_net *ln, kuid_t uid,
			struct dnspool_limits_use *use)
{
	struct dnspool_count *c;

	use->conns = atomic_read(&ln->conns);
	use->max_conns = uid_valid(ln->owner) ? READ_ONCE(max_conns_per_userns_netns) :
						READ_ONCE(max_conns_per_netns);
	use->owner = ln->owner;
	use->owner_conns = 0;
	use->max_owner_conns = READ_ONCE(max_conns_per_user);
	if (uid_valid(ln->owner)) {
		spin_lock(&dnspool_owners_lock);
		c = dnspool_count_find(dnspool_owners, HASH_BITS(dnspool_owners),
				       __kuid_val(ln->owner));
		use->owner_conns = c ? c->n : 0;
		spin_unlock(&dnspool_owners_lock);
	}
	spin_lock_bh(&ln->lock);
	use->inflight = ln->inflight;
	c = dnspool_count_find(ln->users, HASH_BITS(ln->users), __kuid_val(uid));
	use->user_inflight = c ? c->n : 0;
	spin_unlock_bh(&ln->lock);
	use->max_inflight_socket = READ_ONCE(max_inflight_per_socket);
	use->max_inflight_user = READ_ONCE(max_inflight_per_user);
}
