/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire IDs a connection used recently and no longer waits on: so that
 * an answer that comes late is told from one to no query of ours, and so
 * that such an ID is not given to a new query while that answer may come.
 */
#ifndef _DNSPOOL_GHOST_H
#define _DNSPOOL_GHOST_H

#include <linux/bitmap.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/types.h>

struct dnspool_query;

/* IDs remembered per connection at most: the oldest go first. */
#define DNSPOOL_GHOSTS		512

/**
 * struct dnspool_qref - how the earlier transmissions of a query find it
 * @ref: the query's, until it ends, and each ghost's
 * @q: the query, until it ends (RCU: a query is freed after a grace
 *	period, and found with refcount_inc_not_zero())
 *
 * A ghost holds this, not the query: the query and its answer go when the
 * query ends, whatever ghosts remain.
 */
struct dnspool_qref {
	refcount_t ref;
	struct dnspool_query __rcu *q;
};

/**
 * struct dnspool_ghost - one remembered ID
 * @qref: the query sent under it while a later transmission of the same
 *	query waits; NULL when the query had ended
 * @expires: when it is forgotten, in jiffies (low 32 bits)
 * @id: the wire ID
 * @try: which transmission of its query it was, 0 the first
 */
struct dnspool_ghost {
	struct dnspool_qref *qref;
	u32 expires;
	u16 id;
	u8 try;
};

/**
 * struct dnspool_ghosts - a connection's remembered IDs, oldest first
 * @ids: which IDs are remembered, for a lookup in constant time
 * @ring: the IDs, in the order they ended
 * @head: the oldest in @ring
 * @count: how many @ring holds
 *
 * Under the connection's lock.
 */
struct dnspool_ghosts {
	DECLARE_BITMAP(ids, 1 << 16);
	struct dnspool_ghost ring[DNSPOOL_GHOSTS];
	unsigned int head;
	unsigned int count;
};

struct dnspool_qref *dnspool_qref_new(gfp_t gfp);
void dnspool_qref_put(struct dnspool_qref *qref);
void dnspool_ghost_add(struct dnspool_ghosts *g, u16 id, struct dnspool_qref *qref,
		       u8 try, unsigned long expires);
bool dnspool_ghost_find(struct dnspool_ghosts *g, u16 id, struct dnspool_query **q,
			u8 *try);
void dnspool_ghosts_expire(struct dnspool_ghosts *g, bool all);

/**
 * dnspool_ghost_known() - is @id remembered?
 * @g: the IDs
 * @id: a wire ID
 *
 * Return: true while an answer to @id may still come.
 */
static inline bool dnspool_ghost_known(const struct dnspool_ghosts *g, u16 id)
{
	return test_bit(id, g->ids);
}

#endif /* _DNSPOOL_GHOST_H */
