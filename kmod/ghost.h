/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The wire IDs a connection used recently and no longer waits on: so that
 * an answer that comes late is told from one to no query of ours, and so
 * that such an ID is not given to a new query while that answer may come.
 */
#ifndef _DNSPOOL_GHOST_H
#define _DNSPOOL_GHOST_H

#include <linux/bitmap.h>
#include <linux/types.h>

struct dnspool_query;

/* IDs remembered per connection at most: the oldest go first. */
#define DNSPOOL_GHOSTS		512

/**
 * struct dnspool_ghost - one remembered ID
 * @q: the query that was sent under it, when a later transmission of the
 *	same query is still waiting for its answer: an answer to this one
 *	may end it.  Holds a reference.  NULL once the query ended.
 * @expires: when it is forgotten, in jiffies (low 32 bits)
 * @id: the wire ID
 */
struct dnspool_ghost {
	struct dnspool_query *q;
	u32 expires;
	u16 id;
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

void dnspool_ghost_add(struct dnspool_ghosts *g, u16 id, struct dnspool_query *q,
		       unsigned long expires);
bool dnspool_ghost_find(struct dnspool_ghosts *g, u16 id, struct dnspool_query **q);
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
