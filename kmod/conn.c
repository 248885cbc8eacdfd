// SPDX-License-Identifier: GPL-2.0
/*
 * A connection of a pool: its socket, made by its transport; its queries,
 * each under a random DNS ID unique on it (RFC 5452), queued in order for
 * sending; and its work, which dials, sends and receives.  A connection
 * that breaks, or whose dial fails, is handed back to its pool, which
 * closes it and retries or ends its queries.
 *
 * Locking: the pool's lock, then the connection's, the latter with bottom
 * halves off: an answer (over UDP or TCP) is matched, and its query ended,
 * in the softirq that receives it (dnspool_conn_answer_atomic()); other
 * socket callbacks only queue the work.  The work sleeps (dialing, sending,
 * receiving) holding neither.  A query's submitter may send what is queued
 * itself (dnspool_conn_send_now()); the connection's I/O has one owner at
 * a time, the work or such a submitter, besides that softirq receive.
 */
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

#include "conn.h"
#include "dnsmsg.h"
#include "ghost.h"
#include "limits.h"
#include "pool.h"
#include "sock.h"
#include "trace.h"
#include "upstream.h"
#include "xmit.h"

/* Queries a submitter sends itself, its own and those queued before it. */
#define DNSPOOL_CONN_SUBMIT_BUDGET	4

/**
 * dnspool_conn_unlink() - take a query off its connection
 * @conn: the connection
 * @q: one of its queries
 *
 * Context: holding @conn's lock.
 */
void dnspool_conn_unlink(struct dnspool_conn *conn, struct dnspool_query *q)
{
	lockdep_assert_held(&conn->lock);
	hash_del(&q->hnode);
	list_del_init(&q->txnode);
	/* An answer lost on this connection is of no other. */
	clear_bit(DNSPOOL_Q_LOST, &q->flags);
	WRITE_ONCE(q->conn, NULL);
	conn->nqueries--;
}

static struct dnspool_query *dnspool_conn_find(struct dnspool_conn *conn, u16 id)
{
	struct dnspool_query *q;

	hash_for_each_possible(conn->queries, q, hnode, id)
		if (q->wire_id == id)
			return q;
	return NULL;
}

/**
 * dnspool_conn_enqueue() - give a query a wire ID unique on @conn (and not
 * remembered there) and queue it for sending
 * @conn: the connection
 * @q: the query, on no connection
 *
 * Context: holding @conn's lock.
 * Return: 0; -ESHUTDOWN, @conn is dead; -ENOBUFS, @conn carries as many
 * queries as it may, or no free ID was found.
 */
int dnspool_conn_enqueue(struct dnspool_conn *conn, struct dnspool_query *q)
{
	int tries;
	u16 id;

	lockdep_assert_held(&conn->lock);
	if (conn->state == DNSPOOL_CONN_DEAD)
		return -ESHUTDOWN;
	if (conn->nqueries >= DNSPOOL_CONN_MAX_QUERIES)
		return -ENOBUFS;
	for (tries = 0; tries < 32; tries++) {
		id = get_random_u16();
		if (!dnspool_conn_find(conn, id) && !dnspool_ghost_known(conn->ghosts, id))
			break;
	}
	if (tries == 32)
		return -ENOBUFS;
	q->wire_id = id;
	dnsmsg_set_id(q->msg, id);
	q->sent = 0;
	/* Set after q->pool: see dnspool_xmit_due(). */
	smp_store_release(&q->conn, conn);
	hash_add(conn->queries, &q->hnode, id);
	list_add_tail(&q->txnode, &conn->txq);
	conn->nqueries++;
	conn->last_used = jiffies;
	return 0;
}

static void dnspool_conn_io_work(struct work_struct *work);
static void dnspool_conn_answers_later(struct dnspool_conn *conn, bool drop);

/**
 * dnspool_conn_free() - close a connection's socket and free it
 * @conn: the connection, on no list, whose work never ran or no longer
 *	runs, and which carries no query
 *
 * Context: process context, no lock held; sleeps.
 */
void dnspool_conn_free(struct dnspool_conn *conn)
{
	struct dnspool_pool *pool = conn->pool;

	might_sleep();
	dnspool_sock_close(conn);
	dnspool_conn_answers_later(conn, true);
	if (pool->ops->destroy)
		pool->ops->destroy(conn);
	if (conn->ghosts) {
		dnspool_ghosts_expire(conn->ghosts, true);
		kvfree(conn->ghosts);
	}
	if (conn->charged)
		dnspool_conn_uncharge(&dnspool_net(pool->up->net)->limits);
	kfree(conn);
}

/**
 * dnspool_conn_alloc() - a new connection for @pool
 * @pool: the pool, which does not list it yet
 * @res: set to the connection
 *
 * The connection has its socket, not yet connecting, and is counted
 * against the namespace's bounds.
 *
 * Context: the context that grows the pool, which the socket is charged
 * to; process context, no lock held; sleeps.
 * Return: 0; -EMFILE, a bound of the namespace is reached; -ENOMEM; or the
 * transport's error.
 */
int dnspool_conn_alloc(struct dnspool_pool *pool, struct dnspool_conn **res)
{
	struct dnspool_conn *conn;
	int err;

	might_sleep();
	conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	if (!conn)
		return -ENOMEM;
	conn->ghosts = kvzalloc(sizeof(*conn->ghosts), GFP_KERNEL_ACCOUNT);
	if (!conn->ghosts) {
		kfree(conn);
		return -ENOMEM;
	}
	conn->pool = pool;
	spin_lock_init(&conn->lock);
	hash_init(conn->queries);
	INIT_LIST_HEAD(&conn->txq);
	INIT_LIST_HEAD(&conn->later);
	INIT_WORK(&conn->io_work, dnspool_conn_io_work);
	conn->state = DNSPOOL_CONN_DIALING;
	conn->born = jiffies;
	conn->last_used = jiffies;
	conn->dial_deadline = jiffies + msecs_to_jiffies(DNSPOOL_PARAM(pool, dial_timeout_ms));
	err = dnspool_conn_charge(&dnspool_net(pool->up->net)->limits);
	if (!err) {
		conn->charged = true;
		err = dnspool_sock_open(conn);
	}
	if (err) {
		dnspool_conn_free(conn);
		return err;
	}
	*res = conn;
	return 0;
}

/*
 * Is @q, found under an answer's ID on @conn, waiting for that answer?  It
 * is once sent; a datagram also while being sent, for its answer may come
 * (in softirq, on another CPU) before its sender returns.  conn->lock held.
 */
static bool dnspool_conn_awaits(struct dnspool_conn *conn, struct dnspool_query *q)
{
	return list_empty(&q->txnode) ||
	       (q->sending && conn->pool->ops->transport == DNSPOOL_TRANSPORT_UDP);
}

/*
 * Takes @q off @conn for its answer, remembering the ID it was sent under;
 * conn->lock held.  Returns whether the answer is to its first
 * transmission (its ID tells which), so that the round trip is known.
 */
static bool dnspool_conn_take(struct dnspool_conn *conn, struct dnspool_query *q)
{
	struct dnspool_pool *pool = conn->pool;

	lockdep_assert_held(&conn->lock);
	dnspool_conn_unlink(conn, q);
	dnspool_ghost_add(conn->ghosts, q->wire_id, NULL, q->tries, jiffies +
			  msecs_to_jiffies(DNSPOOL_PARAM(pool, query_timeout_ms)));
	conn->last_used = jiffies;
	return !q->tries && !q->retries;
}

/* Counts an answer that is no DNS response, or too short to be one. */
static bool dnspool_conn_malformed(struct dnspool_conn *conn, const u8 *msg, size_t len)
{
	if (len >= DNS_HDR_LEN && dnsmsg_is_response(msg))
		return false;
	atomic64_inc(&conn->pool->stats.malformed);
	return true;
}

/*
 * The query on @conn an answer is for: one waiting under its ID for an
 * answer to its question; NULL otherwise, *@found then the query under
 * that ID if any.  conn->lock held.
 */
static struct dnspool_query *dnspool_conn_match(struct dnspool_conn *conn, const u8 *msg,
						size_t len, struct dnspool_query **found)
{
	struct dnspool_query *q = dnspool_conn_find(conn, dnsmsg_id(msg));

	*found = q;
	if (q && dnspool_conn_awaits(conn, q) &&
	    dnsmsg_question_matches(q->msg, q->qlen, q->name_len, msg, len))
		return q;
	return NULL;
}

/* Is @msg, an answer on @conn, truncated, its query to be asked again of
 * the same server over TCP?
 */
static bool dnspool_conn_to_tcp(struct dnspool_conn *conn, const u8 *msg)
{
	struct dnspool_pool *pool = conn->pool;

	return pool->ops->transport == DNSPOOL_TRANSPORT_UDP && dnsmsg_truncated(msg) &&
	       pool->up->tcp_pool.ops;
}

/*
 * The query an answer on @conn is for, taken off its connection: the
 * caller ends it, and drops the extra reference it holds when *@held is
 * set; *@first says the answer is to its first transmission.  NULL when
 * the answer is late (to a transmission whose query ended, or to an
 * earlier one of a query answered meanwhile), or to no query of ours or to
 * another question (RFC 5452): such a query stays, for its real answer may
 * still come.  @len may be less than the answer's length, when only its
 * head was read.
 */
static struct dnspool_query *dnspool_conn_take_answered(struct dnspool_conn *conn,
							const u8 *msg, size_t len,
							bool *held, bool *first)
{
	struct dnspool_pool *pool = conn->pool;
	struct dnspool_query *q, *found;
	bool late;
	u8 try;

	*held = false;
	if (dnspool_conn_malformed(conn, msg, len))
		return NULL;
	spin_lock_bh(&conn->lock);
	q = dnspool_conn_match(conn, msg, len, &found);
	if (q) {
		*first = dnspool_conn_take(conn, q);
		spin_unlock_bh(&conn->lock);
		return q;
	}
	late = !found && dnspool_ghost_find(conn->ghosts, dnsmsg_id(msg), &q, &try);
	spin_unlock_bh(&conn->lock);
	if (!late) {
		atomic64_inc(&pool->stats.mismatched);
		return NULL;
	}
	/* An earlier transmission's answer ends a query still waiting. */
	if (q) {
		if (dnsmsg_question_matches(q->msg, q->qlen, q->name_len, msg, len) &&
		    dnspool_query_claim(pool, q, NULL)) {
			*held = true;
			*first = !try && !q->retries;
			return q;
		}
		dnspool_query_put(q);
	}
	atomic64_inc(&pool->stats.late_answers);
	return NULL;
}

/* The round trip of @q, answered on @conn; @first: by an answer to its
 * first transmission.
 */
static void dnspool_conn_measure(struct dnspool_conn *conn, struct dnspool_query *q,
				 bool first)
{
	struct dnspool_pool *pool = conn->pool;

	q->rtt_us = ktime_us_delta(ktime_get(), q->sent_at);
	q->transport = pool->ops->transport;
	dnspool_stats_latency(&pool->stats, q->rtt_us);
	/* Karn's rule: only an answer to the first transmission measures
	 * the round trip (each transmission has its own ID, so an answer
	 * to the first is known as such, even after a retransmission).
	 */
	if (first)
		dnspool_rtt_sample(&pool->rtt, q->rtt_us);
}

/**
 * dnspool_conn_answer() - an answer arrived on @conn
 * @conn: the connection
 * @msg: the answer, kmalloc'ed: ours to keep or free
 * @len: its length
 * @b: the batch its query ends in, GFP_KERNEL
 *
 * Context: process context, no lock held but perhaps a TCP socket's
 * lock_sock().
 */
void dnspool_conn_answer(struct dnspool_conn *conn, u8 *msg, size_t len,
			 struct dnspool_batch *b)
{
	struct dnspool_pool *pool = conn->pool;
	struct dnspool_upstream *up = pool->up;
	struct dnspool_query *q;
	bool held, first;

	q = dnspool_conn_take_answered(conn, msg, len, &held, &first);
	if (!q) {
		kfree(msg);
		return;
	}
	dnspool_conn_measure(conn, q, first);
	if (dnspool_conn_to_tcp(conn, msg)) {
		/* Truncated: ask the same server again over TCP.  It
		 * answered: what moved the query before is past.
		 */
		kfree(msg);
		atomic64_inc(&pool->stats.truncated_retries);
		q->moved_err = 0;
		dnspool_pool_resubmit(&up->tcp_pool, q);
	} else {
		dnsmsg_set_id(msg, q->client_id);
		q->answer = msg;
		q->answer_len = len;
		dnspool_query_end_batched(q, 0, b);
	}
	if (held)
		dnspool_query_put(q);
}

/*
 * The query an answer on @conn is for, taken off @conn where the answer
 * arrives, for dnspool_conn_answer_atomic(): as dnspool_conn_take_answered()
 * but with no lock that sleeps or is taken with bottom halves on.  NULL
 * with *@later set when the answer needs process context: it is truncated
 * and its query moves to TCP, or it is late and its query still waits, or
 * its query is still being sent on a stream.  @lost: the answer is lost
 * (no memory to keep it): a query being sent is marked, for its sender to
 * end it once done.
 * @len may be less than the answer's length, when only its head was read.
 */
static struct dnspool_query *dnspool_conn_take_now(struct dnspool_conn *conn,
						   const u8 *head, size_t len,
						   bool *first, bool *later, bool lost)
{
	struct dnspool_query *q, *found, *waits = NULL;
	bool late = false;
	u8 try;

	*later = false;
	if (dnspool_conn_malformed(conn, head, len))
		return NULL;
	spin_lock_bh(&conn->lock);
	q = dnspool_conn_match(conn, head, len, &found);
	if (!found) {
		/* Late: its query may still wait, on a later transmission. */
		late = dnspool_ghost_find(conn->ghosts, dnsmsg_id(head), &waits, &try);
		goto out;
	}
	if (!q) {
		/* A stream's sender is still at it, for all the upstream
		 * read: once it is done, the work takes the answer.
		 */
		*later = found->sending && conn->pool->ops->transport != DNSPOOL_TRANSPORT_UDP;
		/* Its answer lost: the sender ends it once done. */
		if (*later && lost)
			set_bit(DNSPOOL_Q_LOST, &found->flags);
		goto out;
	}
	if (dnspool_conn_to_tcp(conn, head)) {
		q = NULL;
		*later = true;
		goto out;
	}
	*first = dnspool_conn_take(conn, q);
out:
	spin_unlock_bh(&conn->lock);
	if (waits) {
		*later = true;
		dnspool_query_put(waits);
	} else if (late) {
		atomic64_inc(&conn->pool->stats.late_answers);
	} else if (!q && !*later) {
		atomic64_inc(&conn->pool->stats.mismatched);
	}
	return q;
}

/*
 * Leaves an answer to the connection's work; false when it was dropped.
 * Without memory to leave it, its query, if it may end here, ends as this
 * host's failure rather than time out later as the upstream's.
 */
static bool dnspool_conn_answer_later(struct dnspool_conn *conn, u8 *msg, size_t len,
				      struct dnspool_batch *b)
{
	struct dnspool_later *l = kmalloc(sizeof(*l), GFP_ATOMIC | __GFP_NOWARN);

	if (!l) {
		dnspool_conn_answer_lost_atomic(conn, msg, len, -ENOMEM, b);
		goto drop;
	}
	l->msg = msg;
	l->len = len;
	spin_lock_bh(&conn->lock);
	if (conn->nlater >= DNSPOOL_CONN_MAX_LATER ||
	    conn->later_bytes + len > DNSPOOL_CONN_MAX_LATER_BYTES) {
		spin_unlock_bh(&conn->lock);
		kfree(l);
		goto drop;
	}
	list_add_tail(&l->node, &conn->later);
	conn->nlater++;
	conn->later_bytes += len;
	spin_unlock_bh(&conn->lock);
	dnspool_conn_kick(conn);
	return true;
drop:
	kfree(msg);
	return false;
}

/* The answers left to the work, or all of them dropped (@drop). */
static void dnspool_conn_answers_later(struct dnspool_conn *conn, bool drop)
{
	struct dnspool_batch b = DNSPOOL_BATCH(GFP_KERNEL);
	struct dnspool_later *l, *tmp;
	LIST_HEAD(list);

	spin_lock_bh(&conn->lock);
	list_splice_init(&conn->later, &list);
	conn->nlater = 0;
	conn->later_bytes = 0;
	spin_unlock_bh(&conn->lock);
	list_for_each_entry_safe(l, tmp, &list, node) {
		if (drop)
			kfree(l->msg);
		else
			dnspool_conn_answer(conn, l->msg, l->len, &b);
		kfree(l);
	}
	dnspool_batch_flush(&b);
}

/**
 * dnspool_conn_answer_atomic() - an answer arrived on @conn, handled where
 * it arrives
 * @conn: the connection
 * @msg: the answer, kmalloc'ed: ours to keep or free
 * @len: its length
 * @b: the batch its query ends in, GFP_ATOMIC
 *
 * An answer to a query waiting on @conn, the common case, ends its query
 * here: no wake-up of the connection's work.  What needs process context
 * (a truncated answer whose query moves to TCP, a late one whose query
 * still waits, one whose query's sender on a stream has not returned yet,
 * one too long for the atomic allocation of its netlink message) is left
 * to the work, up to DNSPOOL_CONN_MAX_LATER answers and
 * DNSPOOL_CONN_MAX_LATER_BYTES, past which they are dropped as a full
 * socket would drop them.
 *
 * Context: softirq, with the socket's sk_callback_lock held for reading
 * (and a stream's spinlock); or process context, no sleep, with no lock
 * held but a stream's socket lock.
 * Return: false when the answer was dropped for want of room.
 */
bool dnspool_conn_answer_atomic(struct dnspool_conn *conn, u8 *msg, size_t len,
				struct dnspool_batch *b)
{
	struct dnspool_query *q;
	bool first, later;

	if (len > DNSPOOL_ATOMIC_ANSWER_MAX)
		return dnspool_conn_answer_later(conn, msg, len, b);
	q = dnspool_conn_take_now(conn, msg, len, &first, &later, false);
	if (!q) {
		if (later)
			return dnspool_conn_answer_later(conn, msg, len, b);
		kfree(msg);
		return true;
	}
	dnspool_conn_measure(conn, q, first);
	dnsmsg_set_id(msg, q->client_id);
	q->answer = msg;
	q->answer_len = len;
	dnspool_query_end_batched(q, 0, b);
	return true;
}

/**
 * dnspool_conn_answer_lost_atomic() - dnspool_conn_answer_lost(), where it
 * may not sleep
 * @conn: the connection
 * @head: the first @len bytes of the answer
 * @len: how many were read
 * @err: why it was lost: a local error
 * @b: the batch its query ends in, GFP_ATOMIC
 *
 * Context: as dnspool_conn_answer_atomic().
 */
void dnspool_conn_answer_lost_atomic(struct dnspool_conn *conn, const u8 *head, size_t len,
				     int err, struct dnspool_batch *b)
{
	struct dnspool_query *q;
	bool first, later;

	q = dnspool_conn_take_now(conn, head, len, &first, &later, true);
	if (q)
		dnspool_query_end_batched(q, err, b);
}

/**
 * dnspool_conn_answer_lost() - an answer arrived on @conn that this host
 * could not keep
 * @conn: the connection
 * @head: the first @len bytes of the answer
 * @len: how many were read
 * @err: why it was lost: a local error
 *
 * Its query, if the answer checks out as one to it, ends with @err, this
 * host's failure, rather than time out later as the upstream's.
 *
 * Context: process context, no lock held.
 */
void dnspool_conn_answer_lost(struct dnspool_conn *conn, const u8 *head, size_t len,
			      int err)
{
	struct dnspool_query *q;
	bool held, first;

	q = dnspool_conn_take_answered(conn, head, len, &held, &first);
	if (!q)
		return;
	dnspool_query_end(q, err);
	if (held)
		dnspool_query_put(q);
}

/**
 * dnspool_conn_dial_waits_here() - does @conn's dial wait on this host?
 * @conn: the connection
 *
 * It does while it waits for a handshake slot, or for the agent to take
 * its handshake: the agent has not sent the upstream a byte yet.  A dial,
 * or a query waiting on it, that times out so is this host's failure,
 * not the upstream's.
 *
 * Context: holding @conn's lock.
 * Return: true when it dials and waits on this host.
 */
bool dnspool_conn_dial_waits_here(struct dnspool_conn *conn)
{
	lockdep_assert_held(&conn->lock);
	return conn->state == DNSPOOL_CONN_DIALING && READ_ONCE(conn->dial_waits_locally) &&
	       dnspool_sock_sent_nothing(conn);
}

/**
 * dnspool_conn_kick() - run the connection's work
 * @conn: the connection
 *
 * Context: any context but hard interrupt.
 */
void dnspool_conn_kick(struct dnspool_conn *conn)
{
	queue_work(dnspool_wq, &conn->io_work);
}

/* Sends what is queued, in order, until the socket is full or @budget
 * queries went out; *@more says whether some are left for later.
 */
static int dnspool_conn_tx(struct dnspool_conn *conn, unsigned int budget, bool *more)
{
	struct dnspool_pool *pool = conn->pool;
	const struct dnspool_conn_ops *ops = pool->ops;
	bool dgram = ops->transport == DNSPOOL_TRANSPORT_UDP;
	bool failed, looked = false;
	struct dnspool_query *q;
	int err, fail_err;

	*more = false;
	for (;;) {
		spin_lock_bh(&conn->lock);
		q = list_first_entry_or_null(&conn->txq, struct dnspool_query, txnode);
		if (!q || conn->state != DNSPOOL_CONN_READY || !budget--) {
			*more = q && conn->state == DNSPOOL_CONN_READY;
			spin_unlock_bh(&conn->lock);
			return 0;
		}
		refcount_inc(&q->ref);
		/* The tick leaves a query being sent alone: how much of it
		 * goes out is known only when the send returns.
		 */
		q->sending = true;
		/* Set before the send: write space may come before it
		 * returns.  Not on a datagram socket, which reports write
		 * space for every skb it frees (the one being sent, on
		 * loopback): see below.
		 */
		if (!dgram)
			WRITE_ONCE(conn->tx_blocked, true);
		if (!q->sent) {
			/* The round trip counts from the first transmission. */
			if (!q->tries)
				q->sent_at = ktime_get();
			q->reused = conn->served > 0;
			WRITE_ONCE(conn->served, conn->served + 1);
			if (q->reused)
				atomic64_inc(&pool->stats.reuses);
		}
		spin_unlock_bh(&conn->lock);

		err = ops->send(conn, q);
		if (!err && ops->tx_stalled && ops->tx_stalled(conn))
			dnspool_pool_retry_tx(conn);
		/* Counted as it goes out: an answer to an earlier transmission
		 * may end the query before its retransmission is sent.
		 */
		if (!err && q->tries && ops->transport == DNSPOOL_TRANSPORT_UDP)
			atomic64_inc(&pool->stats.retransmits);

		failed = false;
		fail_err = err;
		spin_lock_bh(&conn->lock);
		q->sending = false;
		WRITE_ONCE(conn->tx_blocked, err == -EAGAIN);
		/* Sent, even if its answer came back before this lock was
		 * taken and ended it: the event would be missing otherwise.
		 */
		if (!err)
			trace_dnspool_query_sent(q, 0);
		/* Unless it ended meanwhile (answered, timed out), it is
		 * still ours.
		 */
		if (q->conn == conn && hash_hashed(&q->hnode)) {
			if (!err) {
				list_del_init(&q->txnode);
				/* Its answer came while it was being sent,
				 * and was lost (no memory to keep it for the
				 * work, dnspool_conn_answer_lost_atomic()).
				 */
				if (test_and_clear_bit(DNSPOOL_Q_LOST, &q->flags)) {
					dnspool_conn_unlink(conn, q);
					failed = true;
					fail_err = -ENOMEM;
				}
			} else if (err != -EAGAIN && ops->transport == DNSPOOL_TRANSPORT_UDP) {
				/* A datagram that could not go out fails its
				 * query alone.
				 */
				dnspool_conn_unlink(conn, q);
				failed = true;
			}
		}
		spin_unlock_bh(&conn->lock);
		if (failed)
			dnspool_query_end(q, fail_err);
		dnspool_query_put(q);
		/* A datagram socket's space freed before tx_blocked was set
		 * woke nobody: looked for once.
		 */
		if (err == -EAGAIN && dgram && !looked) {
			looked = true;
			/* Pairs with the write_space callback's barrier. */
			smp_mb();
			if (dnspool_sock_writable(conn))
				continue;
		}
		/* A stream socket with room that refused the send could not
		 * allocate: no write space event may come to wake the work.
		 */
		if (err == -EAGAIN && !dgram && dnspool_sock_writable(conn))
			dnspool_pool_retry_tx(conn);
		if (err == -EAGAIN)
			return 0;
		if (err && !dgram)
			return err;
	}
}

/*
 * The connection's I/O has one owner at a time: its work (dialing,
 * receiving what softirq left, sending), or a query's submitter sending a
 * few queries.  So the work never takes an answer while its query is being
 * sent (softirq may: see dnspool_conn_awaits()).  Whoever finds the owner
 * at it leaves a note and goes; the owner looks at the note once done: the
 * work runs again, a submitter kicks the work.
 */
static bool dnspool_conn_own_io(struct dnspool_conn *conn)
{
	for (;;) {
		if (!test_and_set_bit_lock(DNSPOOL_CONN_BUSY, &conn->io_flags)) {
			clear_bit(DNSPOOL_CONN_AGAIN, &conn->io_flags);
			return true;
		}
		set_bit(DNSPOOL_CONN_AGAIN, &conn->io_flags);
		/* Pairs with the barrier in dnspool_conn_release_io(): the
		 * owner sees the note, or this sees the owner gone.
		 */
		smp_mb__after_atomic();
		if (test_bit(DNSPOOL_CONN_BUSY, &conn->io_flags))
			return false;
	}
}

/* Gives up the I/O; true when another came meanwhile and left a note. */
static bool dnspool_conn_release_io(struct dnspool_conn *conn)
{
	clear_bit_unlock(DNSPOOL_CONN_BUSY, &conn->io_flags);
	/* Pairs with the barrier after a note is left. */
	smp_mb__after_atomic();
	return test_bit(DNSPOOL_CONN_AGAIN, &conn->io_flags);
}

/**
 * dnspool_conn_may_send_now() - may a query's submitter send on @conn?
 * @conn: the connection a query was just queued on
 *
 * It may when the connection is open, its socket not full, and the query
 * the only one waiting to be sent on it: the work's wake-up is spared.
 * Answers are received where they arrive, so the work of a connection
 * busy with queries in flight has nothing else to do.  A query queued
 * behind others is left to whoever sends those.
 *
 * When it may, the caller counts itself in @conn->senders and calls
 * dnspool_conn_send_now() once it has dropped the pool's lock; otherwise
 * it kicks the connection's work.
 *
 * Context: holding @conn's pool's lock, which keeps its state from dying,
 * and its own.
 * Return: true when the submitter may send, false when the work must.
 */
bool dnspool_conn_may_send_now(struct dnspool_conn *conn)
{
	lockdep_assert_held(&conn->pool->lock);
	lockdep_assert_held(&conn->lock);
	return conn->pool->ops->send_direct && conn->state == DNSPOOL_CONN_READY &&
	       !READ_ONCE(conn->tx_blocked) && list_is_singular(&conn->txq);
}

/**
 * dnspool_conn_send_now() - a query's submitter sends what is queued on
 * @conn, the work's wake-up spared
 * @conn: the connection, counted in its senders by
 *	dnspool_conn_may_send_now()'s caller, which kept it alive since
 *
 * At most DNSPOOL_CONN_SUBMIT_BUDGET queries go out so: the rest, and any
 * I/O the work was kept from meanwhile, are left to the work.  A socket
 * that fills leaves the rest to the work, woken by write space; a broken
 * connection goes to its pool's graveyard as the work would send it.
 * @conn may be freed once this returns.
 *
 * Context: process context, no lock held.
 */
void dnspool_conn_send_now(struct dnspool_conn *conn)
{
	bool more = true;
	int err = 0;

	if (dnspool_conn_own_io(conn)) {
		err = dnspool_conn_tx(conn, DNSPOOL_CONN_SUBMIT_BUDGET, &more);
		more |= dnspool_conn_release_io(conn);
	}
	if (err)
		dnspool_pool_conn_failed(conn, err, false);
	else if (more)
		dnspool_conn_kick(conn);
	/* The last use of @conn: the gc may free it from here. */
	if (atomic_dec_and_test(&conn->senders))
		wake_up_var(&conn->senders);
}

static void dnspool_conn_io(struct dnspool_conn *conn)
{
	const struct dnspool_conn_ops *ops = conn->pool->ops;
	bool more;
	int err;

	if (READ_ONCE(conn->state) == DNSPOOL_CONN_DEAD)
		return;
	if (READ_ONCE(conn->state) == DNSPOOL_CONN_DIALING) {
		err = 0;
		if (!conn->dial_started) {
			conn->dial_started = true;
			err = ops->dial(conn);
		}
		if (!err)
			err = ops->dialed(conn);
		if (err == -EINPROGRESS)
			return;
		if (err) {
			dnspool_pool_conn_failed(conn, err, true);
			return;
		}
		dnspool_pool_dial_ok(conn->pool);
		spin_lock_bh(&conn->lock);
		if (conn->state == DNSPOOL_CONN_DIALING)
			conn->state = DNSPOOL_CONN_READY;
		spin_unlock_bh(&conn->lock);
	}
	dnspool_conn_answers_later(conn, false);
	err = ops->recv(conn);
	if (!err)
		err = dnspool_conn_tx(conn, UINT_MAX, &more);
	/* Kicked by the pool's tick, perhaps for what the socket holds. */
	if (!err && ops->tx_stalled && READ_ONCE(conn->state) == DNSPOOL_CONN_READY &&
	    ops->tx_stalled(conn))
		dnspool_pool_retry_tx(conn);
	if (err)
		dnspool_pool_conn_failed(conn, err, false);
}

static void dnspool_conn_io_work(struct work_struct *work)
{
	struct dnspool_conn *conn = container_of(work, struct dnspool_conn, io_work);

	/* A submitter sending kicks the work again when it is done. */
	if (!dnspool_conn_own_io(conn))
		return;
	do {
		dnspool_conn_io(conn);
	} while (dnspool_conn_release_io(conn) && dnspool_conn_own_io(conn));
}
