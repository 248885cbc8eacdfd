/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Groups of upstreams, per network namespace, and the queries asked of
 * them: a strategy (sequential, parallel, racing) over the members, which
 * their circuit breakers steer.
 */
#ifndef _DNSPOOL_GROUP_H
#define _DNSPOOL_GROUP_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/types.h>
#include <uapi/linux/dnspool.h>

struct dnspool_net;
struct dnspool_query;
struct dnspool_upstream;

/* A namespace holds at most this many groups. */
#define DNSPOOL_MAX_GROUPS	64

/**
 * struct dnspool_group_members - a group's members, replaced whole
 * @rcu: freed, and the members put, after the readers are done
 * @n: how many
 * @answers: good answers from each, since they became members
 * @up: the members, in the order the strategy asks them; held
 */
struct dnspool_group_members {
	struct rcu_head rcu;
	unsigned int n;
	atomic64_t answers[DNSPOOL_GROUP_MAX_MEMBERS];
	struct dnspool_upstream *up[DNSPOOL_GROUP_MAX_MEMBERS];
};

/**
 * struct dnspool_group_stats - a group's counters
 * @queries: queries asked of it
 * @answers: of them, those with a good answer
 * @failovers: members asked because one before them failed or was slow
 * @races: members asked while another was still waited for
 * @races_won_other: good answers from a member other than the first asked
 */
struct dnspool_group_stats {
	atomic64_t queries;
	atomic64_t answers;
	atomic64_t failovers;
	atomic64_t races;
	atomic64_t races_won_other;
};

/**
 * struct dnspool_group - upstreams asked together
 * @ref: the registry's reference while listed, and one per query and
 *	request that uses it
 * @node: on its namespace's list of groups (RCU), under the namespace's
 *	lock
 * @rcu: frees it after the readers of the list are done
 * @unlinked: taken off the list; under the namespace's lock
 * @name: its name, fixed once listed
 * @strategy: enum dnspool_strategy
 * @race_delay_ms: for racing: 0, auto, or the delay
 * @timeout_ms: bound on a query to the group
 * @members: its members; replaced under the namespace's lock, read under
 *	RCU
 * @stats: its counters
 *
 * @strategy, @race_delay_ms and @timeout_ms are written with WRITE_ONCE()
 * under the namespace's lock and read with READ_ONCE().
 */
struct dnspool_group {
	struct kref ref;
	struct list_head node;
	struct rcu_head rcu;
	bool unlinked;
	char name[DNSPOOL_NAME_MAX_LEN + 1];
	u32 strategy;
	u32 race_delay_ms;
	u32 timeout_ms;
	struct dnspool_group_members __rcu *members;
	struct dnspool_group_stats stats;
};

struct dnspool_group *dnspool_group_alloc(void);
void dnspool_group_put(struct dnspool_group *g);
struct dnspool_group *dnspool_group_get(struct dnspool_net *dn, const char *name);
int dnspool_group_insert(struct dnspool_net *dn, struct dnspool_group *g,
			 struct dnspool_group_members *m);
int dnspool_group_update(struct dnspool_net *dn, struct dnspool_group *g,
			 struct dnspool_group_members *m, const u32 *strategy,
			 const u32 *race_delay_ms, const u32 *timeout_ms);
int dnspool_group_remove(struct dnspool_net *dn, struct dnspool_group *g);
void dnspool_group_members_free(struct dnspool_group_members *m);
bool dnspool_group_has_member(struct dnspool_net *dn, struct dnspool_upstream *up,
			      char *group);
void dnspool_groups_flush(struct dnspool_net *dn);

int dnspool_group_submit(struct dnspool_group *g, struct dnspool_query *q, const char **why);

#endif /* _DNSPOOL_GROUP_H */
