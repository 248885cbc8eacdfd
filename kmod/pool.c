// SPDX-License-Identifier: GPL-2.0
/*
 * A pool of connections to one upstream over one transport: a query takes
 * an idle connection; or opens a new one while the pool has fewer than
 * max-conns; or, when the pool is full, shares the least recently used.
 * Each connection carries many queries at once, matched by a random DNS ID
 * unique on it.  A reaper closes connections idle too long; a tick ends
 * dials that took too long; each query's own timer (xmit.c) retransmits it
 * or ends it when its time is up.
 *
 * Locking: pool->lock, then conn->lock.  pool->lock is taken in process
 * context alone; conn->lock with bottom halves off, for the data_ready
 * callback of a UDP or TCP socket takes answers off the socket in softirq
 * and ends their queries there.  Other socket callbacks only queue work.
 * Everything that sleeps (dialing, sending, receiving, closing) runs in
 * works on dnspool_wq, unlocked; a query ends (its done() runs) exactly
 * once, with no lock held but, where its answer arrives, the receiving
 * socket's: whoever takes it out of its connection's table ends it.  A
 * sender holds a reference on the query it sends, so that a query
 * ending meanwhile stays in memory.  The connection itself (its queries,
 * its work) is in conn.c; the pool owns the lists of connections, opens
 * and closes them, and ends what they leave behind.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include <net/sock.h>

#include "conn.h"
#include "dnsmsg.h"
#include "ghost.h"
#include "limits.h"
#include "pool.h"
#include "trace.h"
#include "upstream.h"
#include "xmit.h"

struct workqueue_struct *dnspool_wq;

/*
 * After a failed dial the pool opens no connection for a hold-down, so
 * that no user can make the host hammer a dead upstream: queries that
 * would need one fail at once with the dial's error.  It lasts a second,
 * doubles each time the dial that follows it fails too, up to half a
 * minute, and ends with a dial that succeeds.  Dials begun before a
 * hold-down started, or before the change that ended it (a new tls-name
 * for a rejected certificate), do not count: a wave of dials that fail
 * one after the other lengthens nothing.
 */
#define DNSPOOL_HOLDDOWN_MIN	HZ
#define DNSPOOL_HOLDDOWN_MAX	(30 * HZ)

static const char *dnspool_transport_name(enum dnspool_transport t)
{
	return t == DNSPOOL_TRANSPORT_UDP ? "udp" : t == DNSPOOL_TRANSPORT_TCP ? "tcp" : "tls";
}

/**
 * dnspool_pool_count_end() - a query of @pool ended
 * @pool: the pool
 * @err: its outcome, 0 when answered
 *
 * Context: any.
 */
void dnspool_pool_count_end(struct dnspool_pool *pool, int err)
{
	if (!err)
		atomic64_inc(&pool->stats.answers);
	else if (err == -ECANCELED)
		;	/* a group's member query, no longer needed */
	else if (dnspool_error_class(err) == DNSPOOL_ERROR_CLASS_LOCAL)
		atomic64_inc(&pool->stats.local_errors);
	else
		atomic64_inc(&pool->stats.upstream_errors);
	if (err == -ETIMEDOUT)
		atomic64_inc(&pool->stats.timeouts);
	atomic_dec(&pool->inflight);
}

/* UDP sockets are replaced after a share of queries or a lifetime so that
 * the source port keeps changing (RFC 5452).
 */
static bool dnspool_pool_should_rotate(struct dnspool_pool *pool, struct dnspool_conn *conn)
{
	unsigned long life = msecs_to_jiffies(DNSPOOL_PARAM(pool, rotate_interval_ms));

	if (pool->ops->transport != DNSPOOL_TRANSPORT_UDP)
		return false;
	return READ_ONCE(conn->served) >= DNSPOOL_PARAM(pool, rotate_queries) ||
	       time_after(jiffies, conn->born + life);
}

/**
 * dnspool_pool_kill_conn() - a connection stops: to the graveyard
 * @pool: its pool
 * @conn: the connection
 * @err: why
 * @orphans: its queries go here, to be retried or ended by the caller
 *	(dnspool_pool_orphans())
 *
 * The caller kicks the pool's gc work to close it.
 *
 * Context: holding @pool's lock and @conn's.
 */
void dnspool_pool_kill_conn(struct dnspool_pool *pool, struct dnspool_conn *conn,
			    int err, struct list_head *orphans)
{
	struct dnspool_query *q;
	struct hlist_node *tmp;
	int bkt;

	lockdep_assert_held(&pool->lock);
	lockdep_assert_held(&conn->lock);
	conn->state = DNSPOOL_CONN_DEAD;
	conn->error = err;
	hash_for_each_safe(conn->queries, bkt, tmp, q, hnode) {
		dnspool_conn_unlink(conn, q);
		/* Its sender still reads it: it may not go elsewhere. */
		if (q->sending)
			q->retries = DNSPOOL_QUERY_MAX_RETRIES;
		list_add_tail(&q->txnode, orphans);
	}
	if (!conn->draining)
		pool->nconns--;
	list_move_tail(&conn->node, &pool->graveyard);
}

/**
 * dnspool_pool_kick_gc() - close the connections in the graveyard
 * @pool: the pool
 *
 * The pool's works are queued under pool->lock and never once the pool is
 * dead: shutdown, which sets dead under that lock, then cancels them for
 * good.  (A connection's work is queued by its socket's callbacks and by
 * the pool, under no lock; closing a connection disables it.  The due work
 * is queued by timers, which stop with their queries.)
 *
 * Context: holding @pool's lock.
 */
void dnspool_pool_kick_gc(struct dnspool_pool *pool)
{
	lockdep_assert_held(&pool->lock);
	if (!pool->dead)
		queue_work(dnspool_wq, &pool->gc_work);
}

/* Connections due for rotation stop taking queries, and close once idle;
 * the pool lock held.  They have no query left to orphan.
 */
static void dnspool_pool_close_idle_rotated(struct dnspool_pool *pool)
{
	struct dnspool_conn *conn, *tmp;
	LIST_HEAD(none);

	list_for_each_entry_safe(conn, tmp, &pool->conns, node) {
		spin_lock_bh(&conn->lock);
		if (!conn->draining && conn->state == DNSPOOL_CONN_READY &&
		    dnspool_pool_should_rotate(pool, conn)) {
			conn->draining = true;
			pool->nconns--;
			pool->rotated++;
		}
		/* Drained: dnspool_pool_kill_conn() will not count it again. */
		if (conn->draining && !conn->nqueries)
			dnspool_pool_kill_conn(pool, conn, 0, &none);
		spin_unlock_bh(&conn->lock);
	}
	if (!list_empty(&pool->graveyard))
		dnspool_pool_kick_gc(pool);
	WARN_ON_ONCE(!list_empty(&none));
}

/*
 * The connection for a new query; pool->lock held.  NULL when the pool
 * should grow.  @capped: the pool may not grow (a bound of the namespace
 * is reached); share a connection if there is one.
 */
static struct dnspool_conn *dnspool_pool_pick(struct dnspool_pool *pool, bool capped)
{
	struct dnspool_conn *conn;

	/* An idle connection, the most recently used first: the others may
	 * then idle out.
	 */
	list_for_each_entry_reverse(conn, &pool->conns, node)
		if (!conn->draining && !READ_ONCE(conn->nqueries))
			return conn;
	/* Rather than pay for another handshake, wait for the one going on;
	 * after a hold-down, one dial probes the upstream for all.
	 */
	if (pool->ops->join_dialing || pool->dial_error)
		list_for_each_entry_reverse(conn, &pool->conns, node)
			if (!conn->draining && READ_ONCE(conn->state) == DNSPOOL_CONN_DIALING &&
			    READ_ONCE(conn->nqueries) < DNSPOOL_CONN_MAX_QUERIES)
				return conn;
	if (pool->nconns < DNSPOOL_PARAM(pool, max_conns) && !capped)
		return NULL;
	/* Full: share the least recently used connection. */
	list_for_each_entry(conn, &pool->conns, node) {
		if (!conn->draining) {
			pr_debug("pool full, sharing the least recently used connection to %pISpc (%s)\n",
				 &pool->up->addr, dnspool_transport_name(pool->ops->transport));
			return conn;
		}
	}
	return NULL;
}

/* While a connection dials: its deadline is checked this often. */
static void dnspool_pool_arm_tick(struct dnspool_pool *pool)
{
	unsigned int ms = clamp(DNSPOOL_PARAM(pool, dial_timeout_ms) / 4, 10U, 100U);

	lockdep_assert_held(&pool->lock);
	if (!pool->dead)
		queue_delayed_work(dnspool_wq, &pool->tick_work, msecs_to_jiffies(ms));
}

static void dnspool_pool_arm_reaper(struct dnspool_pool *pool)
{
	lockdep_assert_held(&pool->lock);
	if (!pool->dead)
		queue_delayed_work(dnspool_wq, &pool->reap_work,
				   msecs_to_jiffies(DNSPOOL_PARAM(pool, reap_interval_ms)));
}

static void dnspool_pool_end_all(struct list_head *list, int err)
{
	struct dnspool_query *q, *tmp;

	list_for_each_entry_safe(q, tmp, list, txnode) {
		list_del_init(&q->txnode);
		dnspool_query_end(q, err);
	}
}

/* Words for the error a hold-down fails queries with (extack). */
static const char *const dnspool_pool_holddown_why[] = {
	"no TLS handshake agent in the upstream's network namespace: start tlshd there; no new connection for a hold-down (local error)",
	"TLS certificate rejected: not trusted by tlshd, or not for tls-name; no new connection until tls-name changes or a hold-down ends (upstream error)",
	"the upstream's last connection attempt failed; no new connection for a hold-down (upstream error)",
};

static const char *const dnspool_pool_why_limit[] = {
	"the namespace, or the user who owns it, has as many connections as it may (module parameters max_conns_per_*) (local error)",
	"the upstream's connections carry as many queries as they may (local error)",
};

/* May the pool open a connection now?  pool->lock held. */
static int dnspool_pool_may_dial(struct dnspool_pool *pool, const char **why)
{
	lockdep_assert_held(&pool->lock);
	if (!pool->dial_error || !time_before(jiffies, pool->holddown_until))
		return 0;
	*why = dnspool_pool_holddown_why[pool->dial_error == -ESRCH ? 0 :
				 pool->dial_error == -EKEYREJECTED ? 1 : 2];
	return pool->dial_error;
}

/* @conn's dial failed with @err: start a hold-down; pool->lock held. */
static void dnspool_pool_hold_down(struct dnspool_pool *pool, struct dnspool_conn *conn, int err)
{
	unsigned long now = jiffies;

	lockdep_assert_held(&pool->lock);
	/* Our own failures are not the upstream's, but for a missing
	 * handshake agent, which costs the upstream a TCP connection.
	 */
	if (err != -ESRCH && dnspool_error_class(err) != DNSPOOL_ERROR_CLASS_UPSTREAM)
		return;
	if (time_before(conn->born, pool->dial_epoch))
		return;
	pool->holddown = clamp(pool->holddown * 2, (unsigned long)DNSPOOL_HOLDDOWN_MIN,
			       (unsigned long)DNSPOOL_HOLDDOWN_MAX);
	pool->holddown_until = now + pool->holddown;
	pool->dial_epoch = pool->holddown_until;
	pool->dial_error = err;
}

/**
 * dnspool_pool_dial_ok() - a dial of @pool succeeded: the upstream takes
 * connections again
 * @pool: the pool
 *
 * Context: process context, no lock held.
 */
void dnspool_pool_dial_ok(struct dnspool_pool *pool)
{
	spin_lock(&pool->lock);
	pool->dial_error = 0;
	pool->holddown = 0;
	spin_unlock(&pool->lock);
}

/**
 * dnspool_pool_retry_tx() - @conn's socket refused a send for want of
 * memory, not of room: the pool's tick sends again
 * @conn: the connection, whose sender saw -EAGAIN with its socket's send
 *	buffer not full, or whose socket holds data it took but could not
 *	send (&dnspool_conn_ops.tx_stalled)
 *
 * A stream socket's send that cannot allocate returns -EAGAIN, as a full
 * one does (sk_stream_wait_memory() without a timeout), but no write
 * space event need follow: nothing may be in flight for an ACK to free.
 * A blocking sender would sleep a moment and try again; the tick does so
 * for @conn, lest its queries time out as the upstream's failure.
 *
 * Context: process context, no lock held.
 */
void dnspool_pool_retry_tx(struct dnspool_conn *conn)
{
	struct dnspool_pool *pool = conn->pool;

	WRITE_ONCE(conn->tx_retry, true);
	spin_lock(&pool->lock);
	dnspool_pool_arm_tick(pool);
	spin_unlock(&pool->lock);
}

/*
 * Puts @q on a connection, opening one if the pool should grow.  On error
 * the query is not in the pool, and @why may say why in words.
 */
static int dnspool_pool_enqueue(struct dnspool_pool *pool, struct dnspool_query *q,
				const char **why, struct dnspool_conn **now)
{
	struct dnspool_conn *conn, *fresh = NULL;
	bool grew = false, capped = false, direct = false;
	int err;

	for (;;) {
		spin_lock(&pool->lock);
		if (pool->dead) {
			err = -ESHUTDOWN;
			break;
		}
		dnspool_pool_close_idle_rotated(pool);
		conn = dnspool_pool_pick(pool, capped);
		if (!conn) {
			err = dnspool_pool_may_dial(pool, why);
			if (err)
				break;
		}
		if (!conn && !fresh) {
			spin_unlock(&pool->lock);
			err = dnspool_conn_alloc(pool, &fresh);
			/* A bound of the namespace: share a connection. */
			if (err == -EMFILE && !capped) {
				capped = true;
				continue;
			}
			if (err == -EMFILE)
				*why = dnspool_pool_why_limit[0];
			if (err) {
				spin_lock(&pool->lock);
				break;
			}
			continue;
		}
		if (!conn) {
			conn = fresh;
			fresh = NULL;
			grew = true;
			list_add_tail(&conn->node, &pool->conns);
			pool->nconns++;
			pool->peak = max(pool->peak, pool->nconns);
			if (pool->rotated) {
				pool->rotated--;
				atomic64_inc(&pool->stats.rotations);
			} else {
				atomic64_inc(&pool->stats.conns_opened);
			}
			trace_dnspool_conn_open(conn, 0);
			pr_debug("new connection to %pISpc (%s), %u/%u\n", &pool->up->addr,
				 dnspool_transport_name(pool->ops->transport), pool->nconns,
				 DNSPOOL_PARAM(pool, max_conns));
		}
		list_move_tail(&conn->node, &pool->conns);
		spin_lock_bh(&conn->lock);
		err = dnspool_conn_enqueue(conn, q);
		if (!err) {
			dnspool_xmit_arm_first(pool, q);
			direct = now && dnspool_conn_may_send_now(conn);
		}
		spin_unlock_bh(&conn->lock);
		if (!err) {
			if (grew) {
				dnspool_pool_arm_reaper(pool);
				dnspool_pool_arm_tick(pool);
			}
			if (direct) {
				atomic_inc(&conn->senders);
				*now = conn;
			} else {
				dnspool_conn_kick(conn);
			}
		} else if (err == -ENOBUFS) {
			*why = dnspool_pool_why_limit[1];
		}
		break;
	}
	spin_unlock(&pool->lock);

	if (fresh)
		dnspool_conn_free(fresh);
	return err;
}

/**
 * dnspool_pool_submit() - a query enters the pool
 * @pool: the pool
 * @q: the query, whose done() is set
 * @why: set, on some errors, to a sentence saying why in words
 *
 * Once taken, the query ends, answered or not, through q->done().  A query
 * refused here is counted but not ended: the caller still owns it.
 *
 * Context: process context, no lock held: the pool may open a connection,
 * whose socket is charged to the calling task's cgroups (connections the
 * pool opens from its own works, to retry a query, are charged to none).
 * Return: 0 when taken; -ESHUTDOWN, the pool is closing; -ENOBUFS, its
 * connections are full; -EMFILE, the namespace may open no more
 * connections; -ENOMEM; or the error of the last failed dial, during its
 * hold-down.
 */
int dnspool_pool_submit(struct dnspool_pool *pool, struct dnspool_query *q,
			const char **why)
{
	struct dnspool_conn *now = NULL;
	int err;

	might_sleep();
	WRITE_ONCE(q->pool, pool);
	atomic_inc(&pool->inflight);
	atomic64_inc(&pool->stats.queries);
	q->asked_at = get_jiffies_64();
	q->deadline = jiffies + msecs_to_jiffies(DNSPOOL_PARAM(pool, query_timeout_ms));
	/* Once queued, the query may end (and be freed) at any time. */
	refcount_inc(&q->ref);
	err = dnspool_pool_enqueue(pool, q, why, &now);
	trace_dnspool_query_submit(q, err);
	if (err)
		dnspool_pool_count_end(pool, err);
	dnspool_query_put(q);
	/* Its connection is open and idle: sent from here, with no wake-up
	 * of the connection's work.  (Retries are sent by the works: a
	 * retry that found its connection broken would otherwise recurse.)
	 */
	if (now)
		dnspool_conn_send_now(now);
	return err;
}

/**
 * dnspool_pool_resubmit() - move an unanswered query to @pool
 * @pool: the same pool, or the TCP pool of a UDP upstream
 * @q: the query, on no connection; it keeps its deadline
 *
 * The query ends here if @pool cannot take it.
 *
 * Context: process context, no lock held.
 */
void dnspool_pool_resubmit(struct dnspool_pool *pool, struct dnspool_query *q)
{
	const char *why;
	int err;

	/* Its timer fires for the pool it is in: armed again there. */
	dnspool_xmit_disarm(q);
	atomic_dec(&q->pool->inflight);
	WRITE_ONCE(q->pool, pool);
	atomic_inc(&pool->inflight);
	err = dnspool_pool_enqueue(pool, q, &why, NULL);
	if (err)
		dnspool_query_end(q, err);
}

/**
 * dnspool_pool_orphans() - the queries of a connection that stopped
 * @pool: its pool
 * @orphans: the queries, on no connection
 * @err: why it stopped
 * @dialing: it never opened: that is their answer
 *
 * Moved to another connection, up to DNSPOOL_QUERY_MAX_RETRIES times,
 * unless the connection never opened or time is up; ended with @err
 * otherwise.  A query moved for want of memory remembers it
 * (&dnspool_query.moved_err).
 *
 * Context: process context, no lock held.
 */
void dnspool_pool_orphans(struct dnspool_pool *pool, struct list_head *orphans,
			  int err, bool dialing)
{
	struct dnspool_query *q, *tmp;

	list_for_each_entry_safe(q, tmp, orphans, txnode) {
		list_del_init(&q->txnode);
		if (!dialing && q->retries < DNSPOOL_QUERY_MAX_RETRIES &&
		    time_before(jiffies, q->deadline)) {
			q->retries++;
			/* Moved for want of memory: this host's failure. */
			q->moved_err = err == -ENOMEM || err == -ENOBUFS ? err : 0;
			atomic64_inc(&pool->stats.retries);
			dnspool_pool_resubmit(pool, q);
		} else {
			dnspool_query_end(q, err);
		}
	}
}

/**
 * dnspool_pool_conn_failed() - a connection broke, or its dial failed
 * @conn: the connection
 * @err: why
 * @dialing: its dial failed: a hold-down may start, and its queries end
 *	with @err, for that is their answer
 *
 * The connection goes to the graveyard, to be closed; its queries are
 * moved to another connection (dnspool_pool_orphans()), or end.  The
 * connection's own work calls this; the pool's shutdown waits for that
 * work, so the pool lives on.
 *
 * Context: process context, no lock held.
 */
void dnspool_pool_conn_failed(struct dnspool_conn *conn, int err, bool dialing)
{
	struct dnspool_pool *pool = conn->pool;
	LIST_HEAD(orphans);

	spin_lock(&pool->lock);
	spin_lock_bh(&conn->lock);
	if (conn->state == DNSPOOL_CONN_DEAD) {
		spin_unlock_bh(&conn->lock);
		spin_unlock(&pool->lock);
		return;
	}
	dnspool_pool_kill_conn(pool, conn, err, &orphans);
	spin_unlock_bh(&conn->lock);
	if (dialing)
		dnspool_pool_hold_down(pool, conn, err);
	dnspool_pool_kick_gc(pool);
	spin_unlock(&pool->lock);
	if (dialing)
		atomic64_inc(&pool->stats.dial_failures);
	pr_debug("connection to %pISpc (%s) %s: %d\n", &pool->up->addr,
		 dnspool_transport_name(pool->ops->transport),
		 dialing ? "failed to open" : "broke", err);
	dnspool_pool_orphans(pool, &orphans, err, dialing);
}

/* Closes the connections in the graveyard; process context. */
static void dnspool_pool_gc(struct dnspool_pool *pool)
{
	struct dnspool_conn *conn, *tmp;
	LIST_HEAD(dead);

	spin_lock(&pool->lock);
	list_splice_init(&pool->graveyard, &dead);
	spin_unlock(&pool->lock);

	list_for_each_entry_safe(conn, tmp, &dead, node) {
		list_del(&conn->node);
		/* No work may run, nor be queued, once the socket goes: the
		 * work may be dialing, creating the socket, right now.
		 */
		disable_work_sync(&conn->io_work);
		/* Nor a submitter send on it: none counts itself in now. */
		wait_var_event(&conn->senders, !atomic_read(&conn->senders));
		if (pool->ops->stop)
			pool->ops->stop(conn);
		atomic64_inc(&pool->stats.conns_closed);
		trace_dnspool_conn_close(conn, conn->error);
		dnspool_conn_free(conn);
	}
}

static void dnspool_pool_gc_work(struct work_struct *work)
{
	dnspool_pool_gc(container_of(work, struct dnspool_pool, gc_work));
}

/* Ends dials past their deadline; runs while a connection dials, or waits
 * to send again for want of memory (dnspool_pool_retry_tx()).  It walks
 * the connections, never the queries: those have timers of their own.
 */
static void dnspool_pool_tick_work(struct work_struct *work)
{
	struct dnspool_pool *pool = container_of(to_delayed_work(work),
						 struct dnspool_pool, tick_work);
	struct dnspool_conn *conn, *ctmp;
	unsigned long now = jiffies;
	LIST_HEAD(dial_orphans);
	LIST_HEAD(dial_busy);
	bool dialing = false;

	spin_lock(&pool->lock);
	list_for_each_entry_safe(conn, ctmp, &pool->conns, node) {
		spin_lock_bh(&conn->lock);
		if (conn->state == DNSPOOL_CONN_DIALING) {
			if (time_after(now, conn->dial_deadline)) {
				/* Waiting on this host (a handshake slot, or
				 * the agent, which never sent the upstream a
				 * byte) is not the upstream's timeout.
				 */
				int err = dnspool_conn_dial_waits_here(conn) ?
					  -EAGAIN : -ETIMEDOUT;

				atomic64_inc(&pool->stats.dial_failures);
				dnspool_pool_kill_conn(pool, conn, err,
						       err == -EAGAIN ? &dial_busy : &dial_orphans);
				dnspool_pool_hold_down(pool, conn, err);
			} else {
				/* A dial may wait with no socket event to
				 * come (for a handshake slot): it looks again
				 * now.
				 */
				dialing = true;
				dnspool_conn_kick(conn);
			}
		} else if (conn->state == DNSPOOL_CONN_READY && READ_ONCE(conn->tx_retry)) {
			WRITE_ONCE(conn->tx_retry, false);
			dnspool_conn_kick(conn);
		}
		spin_unlock_bh(&conn->lock);
	}
	if (!list_empty(&dial_orphans) || !list_empty(&dial_busy))
		dnspool_pool_kick_gc(pool);
	if (dialing)
		dnspool_pool_arm_tick(pool);
	spin_unlock(&pool->lock);

	dnspool_pool_orphans(pool, &dial_orphans, -ETIMEDOUT, true);
	dnspool_pool_orphans(pool, &dial_busy, -EAGAIN, true);
}

/* Closes connections idle longer than idle-timeout; busy ones stay. */
static void dnspool_pool_reap_work(struct work_struct *work)
{
	struct dnspool_pool *pool = container_of(to_delayed_work(work),
						 struct dnspool_pool, reap_work);
	unsigned long idle = msecs_to_jiffies(DNSPOOL_PARAM(pool, idle_timeout_ms));
	struct dnspool_conn *conn, *tmp;
	LIST_HEAD(orphans);
	unsigned int reaped = 0;

	spin_lock(&pool->lock);
	list_for_each_entry_safe(conn, tmp, &pool->conns, node) {
		spin_lock_bh(&conn->lock);
		/* Answers to forgotten IDs may come no more. */
		dnspool_ghosts_expire(conn->ghosts, false);
		if (!conn->nqueries && conn->state != DNSPOOL_CONN_DIALING &&
		    time_after(jiffies, conn->last_used + idle)) {
			trace_dnspool_conn_reap(conn, 0);
			dnspool_pool_kill_conn(pool, conn, 0, &orphans);
			reaped++;
		}
		spin_unlock_bh(&conn->lock);
	}
	dnspool_pool_close_idle_rotated(pool);
	if (!list_empty(&pool->conns))
		dnspool_pool_arm_reaper(pool);
	spin_unlock(&pool->lock);

	WARN_ON_ONCE(!list_empty(&orphans));
	if (reaped) {
		atomic64_add(reaped, &pool->stats.conns_reaped);
		pr_debug("reaped %u idle connection(s) to %pISpc (%s)\n", reaped,
			 &pool->up->addr, dnspool_transport_name(pool->ops->transport));
		dnspool_pool_gc(pool);
	}
}

/**
 * dnspool_pool_params_changed() - the upstream's parameters changed
 * @pool: one of its pools
 * @tls_name: its tls-name changed: a rejected certificate may be accepted
 */
void dnspool_pool_params_changed(struct dnspool_pool *pool, bool tls_name)
{
	spin_lock(&pool->lock);
	if (tls_name && pool->dial_error == -EKEYREJECTED) {
		pool->dial_error = 0;
		pool->holddown = 0;
		/* Dials with the old name, if they fail, do not count. */
		pool->dial_epoch = jiffies;
	}
	if (!pool->dead && !list_empty(&pool->conns))
		mod_delayed_work(dnspool_wq, &pool->reap_work,
				 msecs_to_jiffies(DNSPOOL_PARAM(pool, reap_interval_ms)));
	spin_unlock(&pool->lock);
}

/**
 * dnspool_pool_counts() - how many connections @pool has
 * @pool: the pool
 * @active: set to those carrying a query
 * @total: set to all of them, dialing ones included
 * @peak: set to the most it ever had at once
 *
 * Context: process context, no pool lock held.
 */
void dnspool_pool_counts(struct dnspool_pool *pool, unsigned int *active,
			 unsigned int *total, unsigned int *peak)
{
	struct dnspool_conn *conn;

	*active = 0;
	*total = 0;
	spin_lock(&pool->lock);
	list_for_each_entry(conn, &pool->conns, node) {
		(*total)++;
		if (READ_ONCE(conn->nqueries))
			(*active)++;
	}
	*peak = pool->peak;
	spin_unlock(&pool->lock);
}

/**
 * dnspool_pool_init() - an empty pool
 * @pool: the pool, zeroed
 * @up: its upstream
 * @ops: its transport
 */
void dnspool_pool_init(struct dnspool_pool *pool, struct dnspool_upstream *up,
		       const struct dnspool_conn_ops *ops)
{
	pool->up = up;
	pool->ops = ops;
	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->conns);
	INIT_LIST_HEAD(&pool->graveyard);
	pool->dial_epoch = jiffies;
	INIT_DELAYED_WORK(&pool->reap_work, dnspool_pool_reap_work);
	INIT_DELAYED_WORK(&pool->tick_work, dnspool_pool_tick_work);
	INIT_WORK(&pool->gc_work, dnspool_pool_gc_work);
	dnspool_xmit_pool_init(pool);
}

/**
 * dnspool_pool_shutdown() - close every connection, end every query
 * @pool: the pool; nothing if it was never initialised
 *
 * Queries end with -ESHUTDOWN; the pool takes none after this, and no
 * work of its runs once it returns.
 *
 * Context: process context, no lock held; sleeps.
 */
void dnspool_pool_shutdown(struct dnspool_pool *pool)
{
	struct dnspool_conn *conn, *tmp;
	LIST_HEAD(orphans);
	bool had = false;

	might_sleep();
	if (!pool->ops)
		return;
	spin_lock(&pool->lock);
	WRITE_ONCE(pool->dead, true);
	list_for_each_entry_safe(conn, tmp, &pool->conns, node) {
		spin_lock_bh(&conn->lock);
		dnspool_pool_kill_conn(pool, conn, -ESHUTDOWN, &orphans);
		spin_unlock_bh(&conn->lock);
		had = true;
	}
	spin_unlock(&pool->lock);

	dnspool_pool_end_all(&orphans, -ESHUTDOWN);
	cancel_delayed_work_sync(&pool->tick_work);
	cancel_delayed_work_sync(&pool->reap_work);
	cancel_work_sync(&pool->gc_work);
	dnspool_pool_gc(pool);
	dnspool_xmit_pool_shutdown(pool);
	if (had)
		pr_debug("closed all connections to %pISpc (%s)\n", &pool->up->addr,
			 dnspool_transport_name(pool->ops->transport));
}
