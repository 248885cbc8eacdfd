/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounds on what a namespace, a user and a requesting socket may hold:
 * connections and queries in flight.
 */
#ifndef _DNSPOOL_LIMITS_H
#define _DNSPOOL_LIMITS_H

#include <linux/hashtable.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/uidgid.h>

struct net;

/**
 * struct dnspool_count - a count of something held by one key
 * @node: in its table's bucket
 * @key: whose count: a requesting socket, or a user's kuid
 * @n: how many it holds; the entry goes when it drops to zero
 */
struct dnspool_count {
	struct hlist_node node;
	unsigned long key;
	unsigned int n;
};

/**
 * struct dnspool_limits_net - one network namespace's use of its bounds
 * @lock: protects @requesters, @users and @inflight; taken with bottom
 *	halves off, for a query may end in softirq
 * @requesters: in-flight counts by requesting socket
 * @users: in-flight counts by requesting user
 * @inflight: queries in flight from all requesters of the namespace
 * @conns: connections open (or opening) in the namespace's pools
 * @owner: the user who owns the namespace through its top-level user
 *	namespace, whose connections across namespaces are bounded too;
 *	INVALID_UID for a namespace of the initial user namespace
 */
struct dnspool_limits_net {
	spinlock_t lock;	/* protects the three below */
	DECLARE_HASHTABLE(requesters, 8);
	DECLARE_HASHTABLE(users, 6);
	unsigned int inflight;
	atomic_t conns;
	kuid_t owner;
};

/**
 * struct dnspool_inflight - a query's share of its requester's bounds
 * @ln: the namespace's accounting
 * @req: the requesting socket's count
 * @user: the requesting user's count
 */
struct dnspool_inflight {
	struct dnspool_limits_net *ln;
	struct dnspool_count *req;
	struct dnspool_count *user;
};

/**
 * struct dnspool_limits_use - bounds and their use, for statistics
 * @conns: connections in the namespace
 * @max_conns: the most it may have
 * @owner: the owning user (INVALID_UID: the initial user namespace's)
 * @owner_conns: connections of the owning user, in all its namespaces
 * @max_owner_conns: the most that user may have
 * @inflight: queries in flight in the namespace
 * @user_inflight: of them, the asking user's
 * @max_inflight_socket: the most one socket may have in flight
 * @max_inflight_user: the most one user may have in flight
 */
struct dnspool_limits_use {
	u32 conns, max_conns;
	kuid_t owner;
	u32 owner_conns, max_owner_conns;
	u32 inflight, user_inflight;
	u32 max_inflight_socket, max_inflight_user;
};

void dnspool_limits_net_init(struct dnspool_limits_net *ln, const struct net *net);
void dnspool_limits_net_exit(struct dnspool_limits_net *ln);

bool dnspool_limits_untrusted(const struct net *net);
int dnspool_conn_charge(struct dnspool_limits_net *ln);
void dnspool_conn_uncharge(struct dnspool_limits_net *ln);

int dnspool_inflight_charge(struct dnspool_limits_net *ln, const void *key,
			    kuid_t uid, struct dnspool_inflight *c, const char **why);
void dnspool_inflight_uncharge(struct dnspool_inflight *c);
void dnspool_limits_get(struct dnspool_limits_net *ln, kuid_t uid,
			struct dnspool_limits_use *use);

#endif /* _DNSPOOL_LIMITS_H */
