// SPDX-License-Identifier: GPL-2.0
/*
 * Remembered wire IDs (ghost.h): a ring, in the order the IDs ended, and a
 * bitmap of the 65536 IDs for a quick test.  An ID is forgotten when its
 * time is up, checked whenever the ring changes and by the pool's reaper,
 * or earlier when the ring is full.  Callers hold the connection's lock.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>

#include "ghost.h"
#include "query.h"

/**
 * dnspool_qref_new() - a reference for the earlier transmissions of a query
 * @gfp: allocation flags
 *
 * Return: with one reference (the query's) and no query yet, or NULL.
 */
struct dnspool_qref *dnspool_qref_new(gfp_t gfp)
{
	struct dnspool_qref *qref = kzalloc(sizeof(*qref), gfp);

	if (qref)
		refcount_set(&qref->ref, 1);
	return qref;
}

/**
 * dnspool_qref_put() - drop a reference on @qref
 * @qref: the reference
 *
 * Context: any.
 */
void dnspool_qref_put(struct dnspool_qref *qref)
{
	if (refcount_dec_and_test(&qref->ref))
		kfree(qref);
}

static void dnspool_ghost_forget(struct dnspool_ghosts *g)
{
	struct dnspool_ghost *gh = &g->ring[g->head];

	__clear_bit(gh->id, g->ids);
	if (gh->qref)
		dnspool_qref_put(gh->qref);
	gh->qref = NULL;
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
 * @qref: the query sent under it, which waits on a later transmission,
 *	with a reference for the ghost to hold; or NULL
 * @try: which transmission of its query @id was
 * @expires: when to forget it, in jiffies
 *
 * The oldest ID is forgotten early when the ring is full.
 *
 * Context: any; the connection's lock held.
 */
void dnspool_ghost_add(struct dnspool_ghosts *g, u16 id, struct dnspool_qref *qref,
		       u8 try, unsigned long expires)
{
	struct dnspool_ghost *gh;

	dnspool_ghosts_expire(g, false);
	if (g->count == DNSPOOL_GHOSTS)
		dnspool_ghost_forget(g);
	gh = &g->ring[(g->head + g->count) % DNSPOOL_GHOSTS];
	gh->id = id;
	gh->qref = qref;
	gh->try = try;
	gh->expires = expires;
	__set_bit(id, g->ids);
	g->count++;
}

/**
 * dnspool_ghost_find() - is @id remembered, and for which query?
 * @g: the IDs
 * @id: the ID of an answer that matched no waiting query
 * @q: set to the query sent under @id, with a reference the caller drops,
 *	when it has not ended; NULL otherwise
 * @try: set to which transmission of it @id was
 *
 * Context: any; the connection's lock held.
 * Return: true when the answer is a late one.
 */
bool dnspool_ghost_find(struct dnspool_ghosts *g, u16 id, struct dnspool_query **q,
			u8 *try)
{
	unsigned int i;

	*q = NULL;
	if (!dnspool_ghost_known(g, id))
		return false;
	/* A late answer is rare: the ring is searched, newest first. */
	for (i = g->count; i--; ) {
		struct dnspool_ghost *gh = &g->ring[(g->head + i) % DNSPOOL_GHOSTS];
		struct dnspool_query *found;

		if (gh->id != id)
			continue;
		*try = gh->try;
		if (!gh->qref)
			break;
		/* Pairs with the query's end, which clears it first. */
		rcu_read_lock();
		found = rcu_dereference(gh->qref->q);
		if (found && refcount_inc_not_zero(&found->ref))
			*q = found;
		rcu_read_unlock();
		break;
	}
	return true;
}
