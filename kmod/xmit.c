// SPDX-License-Identifier: GPL-2.0
/*
 * A query's timer.  Each query a pool takes has one timer_list, armed while
 * the query is on a connection, for the next thing to do about it: over
 * UDP, send it again once its retransmission timeout passes unanswered;
 * over any transport, end it at its deadline.  The timer wheel keeps the
 * timers in order, so nothing walks the queries in flight, and a pool with
 * none has no timer pending.  The wheel fires a timer late by at most an
 * eighth of its delay: a jiffy for the timeouts of a fast network.
 *
 * A timer fires in softirq context: it only puts its query on its pool's
 * list of fired timers (lock-free) and queues the pool's due work, which
 * acts under the pool's and the connection's locks, in process context.
 *
 * Each transmission of a UDP query has its own wire ID, on the connection
 * it goes out on, perhaps another one than the last (another source port).
 * The last transmission is the live one, on its connection's table of
 * queries; the connections of the earlier ones remember their IDs (ghost.h)
 * so that an answer to any of them ends the query.  Whoever takes the query
 * off its connection's table ends it, once: an answer to the live
 * transmission, the due work at the deadline, or dnspool_query_claim() for
 * anyone else (an answer to an earlier transmission).  Later answers are
 * counted as late and dropped.  A query is sent at most
 * DNSPOOL_MAX_RETRANSMITS times again, whatever its timeouts, so that one
 * request costs a bounded number of datagrams.
 *
 * At most DNSPOOL_RTX_WINDOW queries of a pool are being retransmitted at
 * once: a query takes a place in the window with its first retransmission
 * and gives it back when it ends or leaves the pool.  When a burst
 * overflows the upstream's receive buffer, what was lost is so sent again
 * as the upstream answers what it sent again before, rather than whole
 * into the same overflowing buffer, and a silent upstream gets at most the
 * window's queries' retransmissions.  Every query in the window ends by its
 * deadline, so the window never stays shut (as credits earned by answers
 * would, once all that is in flight is lost).  A query that finds the
 * window full keeps its tries and looks again after its timeout.
 *
 * References: a pending timer holds one on its query, which passes to the
 * list when the timer fires; the due work drops it.
 */
#include <linux/jiffies.h>
#include <linux/llist.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/sched.h>

#include "conn.h"
#include "ghost.h"
#include "pool.h"
#include "query.h"
#include "trace.h"
#include "upstream.h"
#include "xmit.h"

/* With the defaults the deadline comes first (50 ms doubled six times
 * passes 5 s); with rto-max at its least, this bounds the datagrams.
 */
#define DNSPOOL_MAX_RETRANSMITS	7

/* Queries of a pool being retransmitted at once. */
#define DNSPOOL_RTX_WINDOW	64

/**
 * dnspool_pool_rto_ms() - @pool's retransmission timeout now
 * @pool: the pool
 *
 * Return: milliseconds, within the upstream's rto-min and rto-max.
 */
u32 dnspool_pool_rto_ms(struct dnspool_pool *pool)
{
	struct dnspool_rto_params p = {
		.initial_ms = DNSPOOL_PARAM(pool, rto_initial_ms),
		.min_ms = DNSPOOL_PARAM(pool, rto_min_ms),
		.max_ms = DNSPOOL_PARAM(pool, rto_max_ms),
	};

	return dnspool_rtt_rto_ms(&pool->rtt, &p);
}

/* When @q's timer acts next: its retransmission timeout, doubled for each
 * retransmission so far (within rto-max) and lengthened by up to a quarter
 * at random, or its deadline if that comes first.  The queries of a burst
 * that was lost together are so not sent again all at once, into the same
 * overflowing buffer.  A stream does not retransmit, nor a query sent as
 * often as it may be: its timer waits for the deadline.
 */
static unsigned long dnspool_xmit_next(struct dnspool_pool *pool, struct dnspool_query *q)
{
	unsigned long at;
	u64 ms;

	if (pool->ops->transport != DNSPOOL_TRANSPORT_UDP ||
	    q->tries >= DNSPOOL_MAX_RETRANSMITS)
		return q->deadline;
	ms = (u64)dnspool_pool_rto_ms(pool) << q->tries;
	ms = min_t(u64, ms, DNSPOOL_PARAM(pool, rto_max_ms));
	ms += get_random_u32_below(ms / 4 + 1);
	at = jiffies + msecs_to_jiffies(ms);
	return time_before(at, q->deadline) ? at : q->deadline;
}

/**
 * dnspool_xmit_arm() - (re)arm @q's timer
 * @q: a query on a connection
 * @at: when, in jiffies
 *
 * Context: any; the query's connection's lock held, so that the timer of a
 * query taken off its connection is never armed again.
 */
void dnspool_xmit_arm(struct dnspool_query *q, unsigned long at)
{
	q->next_at = at;
	refcount_inc(&q->ref);
	/* Already pending: it holds a reference already. */
	if (mod_timer(&q->timer, at))
		refcount_dec(&q->ref);
}

/**
 * dnspool_xmit_arm_first() - arm the timer of a query just put on a
 * connection of @pool
 * @pool: the pool
 * @q: the query
 *
 * Context: any; the query's connection's lock held.
 */
void dnspool_xmit_arm_first(struct dnspool_pool *pool, struct dnspool_query *q)
{
	dnspool_xmit_arm(q, dnspool_xmit_next(pool, q));
}

/**
 * dnspool_xmit_disarm() - stop @q's timer: it ends or leaves its pool
 * @q: a query taken off its connection, which the caller holds a
 *	reference on, still in its pool
 *
 * A timer that fired already is left to its pool's due work, which finds
 * the query on no connection of its own.  The query gives back its place
 * in the pool's retransmission window.
 *
 * Context: any context but hard interrupt, holding no lock the timer
 * takes (it takes none).  From softirq, timer_delete_sync() waits only
 * for the timer running on another CPU: softirqs do not nest on one.
 */
void dnspool_xmit_disarm(struct dnspool_query *q)
{
	if (timer_delete_sync(&q->timer))
		refcount_dec(&q->ref);
	if (test_and_clear_bit(DNSPOOL_Q_RTX, &q->flags))
		atomic_dec(&q->pool->rtx_window);
}

/**
 * dnspool_xmit_timer() - a query's timer fired
 * @t: its timer
 *
 * Context: softirq.
 */
void dnspool_xmit_timer(struct timer_list *t)
{
	struct dnspool_query *q = from_timer(q, t, timer);
	struct dnspool_pool *pool = READ_ONCE(q->pool);

	/* Still on a list from an earlier firing (of the pool the query was
	 * in before a truncated answer moved it): look again in a jiffy.
	 */
	if (test_and_set_bit(DNSPOOL_Q_DUE, &q->flags)) {
		if (mod_timer(&q->timer, jiffies + 1))
			dnspool_query_put(q);
		return;
	}
	if (llist_add(&q->due, &pool->due))
		queue_work(dnspool_wq, &pool->due_work);
}

/* Remembers the wire ID @q leaves @conn with, just taken off it; @waits:
 * the query waits on a later transmission, which an answer to this one
 * may end.  Answers to it are awaited for a query timeout.  conn->lock
 * held.
 */
static void dnspool_xmit_ghost(struct dnspool_pool *pool, struct dnspool_conn *conn,
			       struct dnspool_query *q, bool waits)
{
	unsigned long life = msecs_to_jiffies(DNSPOOL_PARAM(pool, query_timeout_ms));
	struct dnspool_qref *qref = waits ? q->qref : NULL;

	if (qref)
		refcount_inc(&qref->ref);
	dnspool_ghost_add(conn->ghosts, q->wire_id, qref, q->tries, jiffies + life);
}

/* Another connection of @pool, ready and not draining, for a
 * retransmission to go out from another source port; the least recently
 * used first.  pool->lock held.
 */
static struct dnspool_conn *dnspool_xmit_other(struct dnspool_pool *pool,
					       struct dnspool_conn *from)
{
	struct dnspool_conn *conn;

	list_for_each_entry(conn, &pool->conns, node)
		if (conn != from && !conn->draining &&
		    READ_ONCE(conn->state) == DNSPOOL_CONN_READY &&
		    READ_ONCE(conn->nqueries) < DNSPOOL_CONN_MAX_QUERIES)
			return conn;
	return NULL;
}

/* Queues @q, on no connection, on @conn again; pool->lock held. */
static int dnspool_xmit_again(struct dnspool_pool *pool, struct dnspool_query *q,
			      struct dnspool_conn *conn)
{
	int err;

	spin_lock_bh(&conn->lock);
	err = dnspool_conn_enqueue(conn, q);
	if (!err) {
		if (q->tries < U8_MAX)
			q->tries++;
		dnspool_xmit_arm(q, dnspool_xmit_next(pool, q));
		trace_dnspool_query_retransmit(q, 0);
	}
	spin_unlock_bh(&conn->lock);
	if (err)
		return err;
	list_move_tail(&conn->node, &pool->conns);
	dnspool_conn_kick(conn);
	return 0;
}

/* @q's timer fired: retransmit it, time it out, or wait on. */
static void dnspool_xmit_due(struct dnspool_pool *pool, struct dnspool_query *q)
{
	struct dnspool_qref *fresh = NULL;
	unsigned long now = jiffies;
	struct dnspool_conn *conn, *to;
	LIST_HEAD(orphans);
	int err = 0;

	/* Its first retransmission may be due: earlier transmissions will
	 * need a way to find it.  (Without, their answers count as late.)
	 */
	if (pool->ops->transport == DNSPOOL_TRANSPORT_UDP && !READ_ONCE(q->qref))
		fresh = dnspool_qref_new(GFP_KERNEL);
	spin_lock(&pool->lock);
	/* Pairs with the release in dnspool_conn_enqueue(): the connection
	 * read here is of the pool read next.  A query on none is in other
	 * hands, which end it or put it on a connection, arming its timer.
	 */
	conn = smp_load_acquire(&q->conn);
	if (!conn || READ_ONCE(q->pool) != pool)
		goto out;
	spin_lock_bh(&conn->lock);
	if (q->conn != conn || time_before(now, q->next_at))
		goto out_conn;
	/* Its sender reads it: what went out is known when the send returns. */
	if (q->sending) {
		dnspool_xmit_arm(q, now + 1);
		goto out_conn;
	}
	if (!time_before(now, q->deadline)) {
		/* Half a message on a stream: the stream is lost. */
		bool stuck = dnspool_query_half_sent(q);

		dnspool_conn_unlink(conn, q);
		dnspool_xmit_ghost(pool, conn, q, false);
		if (stuck) {
			dnspool_pool_kill_conn(pool, conn, -ETIMEDOUT, &orphans);
			dnspool_pool_kick_gc(pool);
		}
		/* Waiting for its connection, which waits on this host,
		 * it never reached the upstream; moved by this host's
		 * failure, it had less than its time there.
		 */
		err = dnspool_conn_dial_waits_here(conn) ? -EAGAIN :
		      dnspool_query_timeout_err(q);
		goto out_conn;
	}
	/* On a stream, not sent yet (its socket is full), or sent as often as
	 * it may be: wait on.
	 */
	if (pool->ops->transport != DNSPOOL_TRANSPORT_UDP || !list_empty(&q->txnode) ||
	    q->tries >= DNSPOOL_MAX_RETRANSMITS) {
		dnspool_xmit_arm(q, dnspool_xmit_next(pool, q));
		goto out_conn;
	}
	/* Sent, unanswered, but as many queries as may be are being sent
	 * again: wait on.  The bit is cleared by whoever ends the query,
	 * after taking it off this connection, so after this.
	 */
	if (!test_bit(DNSPOOL_Q_RTX, &q->flags)) {
		if (!atomic_add_unless(&pool->rtx_window, 1, DNSPOOL_RTX_WINDOW)) {
			dnspool_xmit_arm(q, dnspool_xmit_next(pool, q));
			goto out_conn;
		}
		set_bit(DNSPOOL_Q_RTX, &q->flags);
	}
	/* Again, from another source port if there is one. */
	if (!q->qref && fresh) {
		rcu_assign_pointer(fresh->q, q);
		q->qref = fresh;
		fresh = NULL;
	}
	to = dnspool_xmit_other(pool, conn);
	dnspool_conn_unlink(conn, q);
	dnspool_xmit_ghost(pool, conn, q, true);
	spin_unlock_bh(&conn->lock);
	err = dnspool_xmit_again(pool, q, to ?: conn);
	if (err && to)
		err = dnspool_xmit_again(pool, q, conn);
	goto out;

out_conn:
	spin_unlock_bh(&conn->lock);
out:
	spin_unlock(&pool->lock);
	if (fresh)
		dnspool_qref_put(fresh);
	if (err)
		dnspool_query_end(q, err);
	dnspool_pool_orphans(pool, &orphans, -ETIMEDOUT, false);
}

/* The queries whose timers fired, in the order they fired. */
static void dnspool_xmit_due_work(struct work_struct *work)
{
	struct dnspool_pool *pool = container_of(work, struct dnspool_pool, due_work);
	struct llist_node *fired = llist_reverse_order(llist_del_all(&pool->due));
	struct dnspool_query *q, *tmp;

	llist_for_each_entry_safe(q, tmp, fired, due) {
		/* From here its timer may put it on the list again. */
		clear_bit_unlock(DNSPOOL_Q_DUE, &q->flags);
		dnspool_xmit_due(pool, q);
		dnspool_query_put(q);
		cond_resched();
	}
}

/**
 * dnspool_query_claim() - take @q off its connection, to end it
 * @pool: the pool the caller found @q in
 * @q: the query, which the caller holds a reference on
 * @unsent: if not NULL, set on success when @q never left this host: it
 *	waited in its connection's send queue (or on a connection still
 *	dialing), not sent once
 *
 * The one way to end a query from outside its live transmission (an answer
 * to an earlier one, a group that no longer needs it): on success the
 * caller owns the query and ends it with dnspool_query_end(), and answers
 * to any of its transmissions that come later are counted as late.
 *
 * Context: process context; no lock held.
 * Return: true when claimed; false when the query ended, is in other
 * hands meanwhile, is being sent (its sender reads it), or is half sent on
 * a stream (the rest of it must follow): it then ends as it may.
 */
bool dnspool_query_claim(struct dnspool_pool *pool, struct dnspool_query *q, bool *unsent)
{
	struct dnspool_conn *conn;
	bool claimed = false;

	spin_lock(&pool->lock);
	/* As in dnspool_xmit_due(). */
	conn = smp_load_acquire(&q->conn);
	if (conn && READ_ONCE(q->pool) == pool) {
		spin_lock_bh(&conn->lock);
		/* Half sent, it stays for the rest of its frame to follow:
		 * leaving its stream mid-frame would garble the queries
		 * after it.
		 */
		if (q->conn == conn && !q->sending && !dnspool_query_half_sent(q)) {
			if (unsent)
				*unsent = !list_empty(&q->txnode) && !q->tries;
			dnspool_conn_unlink(conn, q);
			dnspool_xmit_ghost(pool, conn, q, false);
			claimed = true;
		}
		spin_unlock_bh(&conn->lock);
	}
	spin_unlock(&pool->lock);
	return claimed;
}

/**
 * dnspool_xmit_pool_init() - no timer fired yet for @pool
 * @pool: the pool
 */
void dnspool_xmit_pool_init(struct dnspool_pool *pool)
{
	init_llist_head(&pool->due);
	INIT_WORK(&pool->due_work, dnspool_xmit_due_work);
	atomic_set(&pool->rtx_window, 0);
}

/**
 * dnspool_xmit_pool_shutdown() - stop @pool's due work for good
 * @pool: the pool, dead, whose queries all ended (their timers stopped)
 *	and whose connections' works no longer run
 *
 * Context: process context, no lock held; sleeps.
 */
void dnspool_xmit_pool_shutdown(struct dnspool_pool *pool)
{
	struct dnspool_query *q, *tmp;
	struct llist_node *fired;

	disable_work_sync(&pool->due_work);
	fired = llist_del_all(&pool->due);
	llist_for_each_entry_safe(q, tmp, fired, due) {
		clear_bit_unlock(DNSPOOL_Q_DUE, &q->flags);
		dnspool_query_put(q);
	}
}
