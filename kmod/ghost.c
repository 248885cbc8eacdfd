// SPDX-License-Identifier: GPL-2.0
/*
 * Remembered wire IDs (ghost.h): a ring, in the order the IDs ended, and a
 * bitmap of the 65536 IDs for a quick test.  An ID is forgotten when its
 * time is up, checked whenever the ring changes and by the pool's reaper,
 * or earlier when the ring is full.  Callers hold the connection's lock.
 */
#include <linux/jiffies.h>

#include "ghost.h"
#include "query.h"

static void dnspool_ghost_forget(struct dnspool_ghosts *g)
{
	struct dnspool_ghost *gh = &g->ring[g->head];

	__clear_bit(gh->id, g->ids);
	/* The last reference, once the query ended: it is freed here. */
	if (gh->q)
		dnspool_query_put(gh->q);
	gh->q = NULL;
	g->head = (g->head + 1) % DNSPOOL_GHOSTS;
	g->count--;
}

/**
 * dnspool_ghosts_expire() - forget the IDs whose time is up
 * @g: the IDs
 * @all: forget every one (the connection closes)
 *
 * Context: any; the connection's lock held, or the connection unused.
 */
void dnspool_ghosts_expire(struct dnspool_ghosts *g, bool all)
{
	u32 now = jiffies;

	while (g->count && (all || (s32)(now - g->ring[g->head].expires) >= 0))
		dnspool_ghost_forget(g);
}

/**
 * dnspool_ghost_add() - remember @id until @expires
 * @g: the IDs
 * @id: a wire ID no query waits on here, not remembered yet
 * @q: the query sent under it, which waits on a later transmission, with a
 *	reference for the ghost to hold; or NULL
 * @expires: when to forget it, in jiffies
 *
 * The oldest ID is forgotten early when the ring is full.
 *
 * Context: any; the connection's lock held.
 */
void dnspool_ghost_add(struct dnspool_ghosts *g, u16 id, struct dnspool_query *q,
		       unsigned long expires)
{
	struct dnspool_ghost *gh;

	dnspool_ghosts_expire(g, false);
	if (g->count == DNSPOOL_GHOSTS)
		dnspool_ghost_forget(g);
	gh = &g->ring[(g->head + g->count) % DNSPOOL_GHOSTS];
	gh->id = id;
	gh->q = q;
	gh->expires = expires;
	__set_bit(id, g->ids);
	g->count++;
}

/**
 * dnspool_ghost_find() - is @id remembered, and for which query?
 * @g: the IDs
 * @id: the ID of an answer that matched no waiting query
 * @q: set to the query sent under @id, with a reference the caller drops,
 *	when one is kept; NULL otherwise
 *
 * Context: any; the connection's lock held.
 * Return: true when the answer is a late one.
 */
bool dnspool_ghost_find(struct dnspool_ghosts *g, u16 id, struct dnspool_query **q)
{
	unsigned int i;

	*q = NULL;
	if (!dnspool_ghost_known(g, id))
		return false;
	/* A late answer is rare: the ring is searched, newest first. */
	for (i = g->count; i--; ) {
		struct dnspool_ghost *gh = &g->ring[(g->head + i) % DNSPOOL_GHOSTS];

		if (gh->id != id)
			continue;
		if (gh->q) {
			refcount_inc(&gh->q->ref);
			*q = gh->q;
		}
		break;
	}
	return true;
}
