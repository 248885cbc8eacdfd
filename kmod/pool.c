// SPDX-License-Identifier: GPL-2.0
/*
 * A pool of connections to one upstream over one transport, with the
 * seed's semantics: reuse an idle connection; open a new one while under
 * max-conns; when the pool is full, share the least recently used one.
 * Each connection carries many queries at once, matched by a random DNS ID
 * unique on it.  A reaper closes connections idle too long; a tick ends
 * queries that ran out of time and dials that took too long.
 *
 * Locking: pool->lock, then conn->lock.  Socket callbacks only queue work,
 * so both are taken in process context alone.  Everything that sleeps
 * (dialing, sending, receiving, closing) runs in works on dnspool_wq,
 * unlocked; a query ends (its done() runs) in process context with no lock
 * held, exactly once: whoever takes it out of its connection's table ends
 * it.  A sender holds a reference on the query it sends, so that a query
 * ending meanwhile stays in memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "conn.h"
#include "dnsmsg.h"
#include "limits.h"
#include "pool.h"
#include "upstream.h"

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

/* Parameters change under the registry's lock while pools read them. */
#define PARAM(pool, field) READ_ONCE((pool)->up->params.field)

static const char *transport_name(enum dnspool_transport t)
{
	return t == DNSPOOL_TRANSPORT_UDP ? "udp" : t == DNSPOOL_TRANSPORT_TCP ? "tcp" : "tls";
}

/* Local errors are this host's; only upstream errors are the upstream's. */
int dnspool_error_class(int err)
{
	switch (-err) {
	case ETIMEDOUT:
	case ECONNREFUSED:
	case ECONNRESET:
	case ECONNABORTED:
	case EPIPE:
	case EHOSTUNREACH:
	case EPROTO:
	case EBADMSG:
	case EKEYREJECTED:	/* its TLS handshake was rejected */
		return DNSPOOL_ERROR_CLASS_UPSTREAM;
	default:
		return DNSPOOL_ERROR_CLASS_LOCAL;
	}
}

/**
 * dnspool_query_alloc() - a query for the pools
 * @size: bytes to allocate, for a structure that embeds the query first
 * @msg: the DNS query, checked by dnsmsg_check_query()
 * @len: its length
 * @qlen: its question section's length, as dnsmsg_check_query() said
 * @name_len: its question's name's length, likewise
 * @gfp: allocation flags
 *
 * Return: the query, with one reference, or an ERR_PTR().
 */
struct dnspool_query *dnspool_query_alloc(size_t size, const u8 *msg, size_t len,
					  size_t qlen, size_t name_len, gfp_t gfp)
{
	struct dnspool_query *q;

	q = kzalloc(size, gfp);
	if (!q)
		return ERR_PTR(-ENOMEM);
	q->name_len = name_len;
	q->msg = kmemdup(msg, len, gfp);
	if (!q->msg) {
		kfree(q);
		return ERR_PTR(-ENOMEM);
	}
	q->qlen = qlen;
	q->len = len;
	q->client_id = dnsmsg_id(msg);
	refcount_set(&q->ref, 1);
	INIT_HLIST_NODE(&q->hnode);
	INIT_LIST_HEAD(&q->txnode);
	return q;
}

void dnspool_query_put(struct dnspool_query *q)
{
	if (!refcount_dec_and_test(&q->ref))
		return;
	if (q->up)
		dnspool_upstream_put(q->up);
	kfree(q->answer);
	kfree(q->msg);
	kfree(q);
}

/* A query of @pool ended with @err: counted. */
static void pool_count_end(struct dnspool_pool *pool, int err)
{
	if (!err)
		atomic64_inc(&pool->stats.answers);
	else if (dnspool_error_class(err) == DNSPOOL_ERROR_CLASS_LOCAL)
		atomic64_inc(&pool->stats.local_errors);
	else
		atomic64_inc(&pool->stats.upstream_errors);
	if (err == -ETIMEDOUT)
		atomic64_inc(&pool->stats.timeouts);
	atomic_dec(&pool->inflight);
}

/* The query leaves @q->pool and ends; no lock may be held. */
static void query_end(struct dnspool_query *q, int err)
{
	struct dnspool_pool *pool = q->pool;

	pool_count_end(pool, err);
	q->conn = NULL;
	q->transport = pool->ops->transport;
	q->done(q, err);
	dnspool_query_put(q);
}

/* Takes @q off its connection; conn->lock held. */
static void conn_unlink(struct dnspool_conn *conn, struct dnspool_query *q)
{
	hash_del(&q->hnode);
	list_del_init(&q->txnode);
	conn->nqueries--;
}

static struct dnspool_query *conn_find(struct dnspool_conn *conn, u16 id)
{
	struct dnspool_query *q;

	hash_for_each_possible(conn->queries, q, hnode, id)
		if (q->wire_id == id)
			return q;
	return NULL;
}

/* Gives @q a wire ID unique on @conn and queues it for sending. */
static int conn_enqueue(struct dnspool_conn *conn, struct dnspool_query *q)
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
		if (!conn_find(conn, id))
			break;
	}
	if (tries == 32)
		return -ENOBUFS;
	q->wire_id = id;
	dnsmsg_set_id(q->msg, id);
	q->conn = conn;
	q->sent = 0;
	hash_add(conn->queries, &q->hnode, id);
	list_add_tail(&q->txnode, &conn->txq);
	conn->nqueries++;
	conn->last_used = jiffies;
	return 0;
}

static void conn_io_work(struct work_struct *work);

/* Frees a connection that is on no list and whose work never ran or no
 * longer runs.
 */
static void conn_free(struct dnspool_conn *conn)
{
	struct dnspool_pool *pool = conn->pool;

	dnspool_conn_close(conn);
	if (pool->ops->destroy)
		pool->ops->destroy(conn);
	if (conn->charged)
		dnspool_conn_uncharge(&dnspool_net(pool->up->net)->limits);
	kfree(conn);
}

/*
 * A new connection with its socket, not yet connecting, counted against
 * the namespace's bounds; in the context that grows the pool, no lock held.
 */
static int conn_alloc(struct dnspool_pool *pool, struct dnspool_conn **res)
{
	struct dnspool_conn *conn = kzalloc(sizeof(*conn), GFP_KERNEL_ACCOUNT);
	int err;

	if (!conn)
		return -ENOMEM;
	conn->pool = pool;
	spin_lock_init(&conn->lock);
	hash_init(conn->queries);
	INIT_LIST_HEAD(&conn->txq);
	INIT_WORK(&conn->io_work, conn_io_work);
	conn->state = DNSPOOL_CONN_DIALING;
	conn->born = jiffies;
	conn->last_used = jiffies;
	conn->dial_deadline = jiffies + msecs_to_jiffies(PARAM(pool, dial_timeout_ms));
	err = dnspool_conn_charge(&dnspool_net(pool->up->net)->limits);
	if (!err) {
		conn->charged = true;
		err = dnspool_conn_open(conn);
	}
	if (err) {
		conn_free(conn);
		return err;
	}
	*res = conn;
	return 0;
}

/* UDP sockets are replaced after a share of queries or a lifetime so that
 * the source port keeps changing (RFC 5452).
 */
static bool conn_should_rotate(struct dnspool_pool *pool, struct dnspool_conn *conn)
{
	if (pool->ops->transport != DNSPOOL_TRANSPORT_UDP)
		return false;
	return READ_ONCE(conn->served) >= PARAM(pool, rotate_queries) ||
	       time_after(jiffies, conn->born + msecs_to_jiffies(PARAM(pool, rotate_interval_ms)));
}

/* Moves @conn to the graveyard; pool->lock and conn->lock held.  Its
 * queries go to @orphans, to be retried or ended by the caller.
 */
static void conn_kill_locked(struct dnspool_pool *pool, struct dnspool_conn *conn,
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
		conn_unlink(conn, q);
		/* Its sender still reads it: it may not go elsewhere. */
		if (q->sending)
			q->retried = true;
		list_add_tail(&q->txnode, orphans);
	}
	if (!conn->draining)
		pool->nconns--;
	list_move_tail(&conn->node, &pool->graveyard);
}

/* Works are queued under pool->lock and never once the pool is dead:
 * shutdown, which sets dead under that lock, then cancels them for good.
 */
static void pool_kick_gc(struct dnspool_pool *pool)
{
	lockdep_assert_held(&pool->lock);
	if (!pool->dead)
		queue_work(dnspool_wq, &pool->gc_work);
}

/* Connections due for rotation stop taking queries, and close once idle;
 * the pool lock held.  They have no query left to orphan.
 */
static void pool_close_idle_rotated(struct dnspool_pool *pool)
{
	struct dnspool_conn *conn, *tmp;
	LIST_HEAD(none);

	list_for_each_entry_safe(conn, tmp, &pool->conns, node) {
		spin_lock(&conn->lock);
		if (!conn->draining && conn->state == DNSPOOL_CONN_READY &&
		    conn_should_rotate(pool, conn)) {
			conn->draining = true;
			pool->nconns--;
			pool->rotated++;
		}
		/* Drained: conn_kill_locked() knows not to count it again. */
		if (conn->draining && !conn->nqueries)
			conn_kill_locked(pool, conn, 0, &none);
		spin_unlock(&conn->lock);
	}
	if (!list_empty(&pool->graveyard))
		pool_kick_gc(pool);
	WARN_ON_ONCE(!list_empty(&none));
}

/*
 * The connection for a new query; pool->lock held.  NULL when the pool
 * should grow.  @capped: the pool may not grow (a bound of the namespace
 * is reached); share a connection if there is one.
 */
static struct dnspool_conn *pool_pick(struct dnspool_pool *pool, bool capped)
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
	if (pool->nconns < PARAM(pool, max_conns) && !capped)
		return NULL;
	/* Full: share the least recently used connection. */
	list_for_each_entry(conn, &pool->conns, node) {
		if (!conn->draining) {
			pr_debug("pool full, sharing the least recently used connection to %pISpc (%s)\n",
				 &pool->up->addr, transport_name(pool->ops->transport));
			return conn;
		}
	}
	return NULL;
}

static void pool_arm_tick(struct dnspool_pool *pool)
{
	unsigned int ms = clamp(PARAM(pool, query_timeout_ms) / 4, 10U, 100U);

	lockdep_assert_held(&pool->lock);
	if (!pool->dead)
		queue_delayed_work(dnspool_wq, &pool->tick_work, msecs_to_jiffies(ms));
}

static void pool_arm_reaper(struct dnspool_pool *pool)
{
	lockdep_assert_held(&pool->lock);
	if (!pool->dead)
		queue_delayed_work(dnspool_wq, &pool->reap_work,
				   msecs_to_jiffies(PARAM(pool, reap_interval_ms)));
}

static void pool_end_all(struct list_head *list, int err)
{
	struct dnspool_query *q, *tmp;

	list_for_each_entry_safe(q, tmp, list, txnode) {
		list_del_init(&q->txnode);
		query_end(q, err);
	}
}

/* Words for the error a hold-down fails queries with (extack). */
static const char *const pool_holddown_why[] = {
	"no TLS handshake agent in the upstream's network namespace: start tlshd there; no new connection for a hold-down (local error)",
	"TLS certificate rejected: not trusted by tlshd, or not for tls-name; no new connection until tls-name changes or a hold-down ends (upstream error)",
	"the upstream's last connection attempt failed; no new connection for a hold-down (upstream error)",
};

static const char *const pool_why_limit[] = {
	"the namespace, or the user who owns it, has as many connections as it may (module parameters max_conns_per_*) (local error)",
	"the upstream's connections carry as many queries as they may (local error)",
};

/* May the pool open a connection now?  pool->lock held. */
static int pool_may_dial(struct dnspool_pool *pool, const char **why)
{
	lockdep_assert_held(&pool->lock);
	if (!pool->dial_error || !time_before(jiffies, pool->holddown_until))
		return 0;
	*why = pool_holddown_why[pool->dial_error == -ESRCH ? 0 :
				 pool->dial_error == -EKEYREJECTED ? 1 : 2];
	return pool->dial_error;
}

/* @conn's dial failed with @err: start a hold-down; pool->lock held. */
static void pool_hold_down(struct dnspool_pool *pool, struct dnspool_conn *conn, int err)
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

/* A dial succeeded: the upstream takes connections again. */
static void pool_dial_ok(struct dnspool_pool *pool)
{
	spin_lock(&pool->lock);
	pool->dial_error = 0;
	pool->holddown = 0;
	spin_unlock(&pool->lock);
}

/*
 * Puts @q on a connection, opening one if the pool should grow.  On error
 * the query is not in the pool, and @why may say why in words.
 */
static int pool_enqueue(struct dnspool_pool *pool, struct dnspool_query *q,
			const char **why)
{
	struct dnspool_conn *conn, *fresh = NULL;
	bool grew = false, capped = false;
	int err;

	for (;;) {
		spin_lock(&pool->lock);
		if (pool->dead) {
			err = -ESHUTDOWN;
			break;
		}
		pool_close_idle_rotated(pool);
		conn = pool_pick(pool, capped);
		if (!conn) {
			err = pool_may_dial(pool, why);
			if (err)
				break;
		}
		if (!conn && !fresh) {
			spin_unlock(&pool->lock);
			err = conn_alloc(pool, &fresh);
			/* A bound of the namespace: share a connection. */
			if (err == -EMFILE && !capped) {
				capped = true;
				continue;
			}
			if (err == -EMFILE)
				*why = pool_why_limit[0];
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
			pr_debug("new connection to %pISpc (%s), %u/%u\n", &pool->up->addr,
				 transport_name(pool->ops->transport), pool->nconns,
				 PARAM(pool, max_conns));
		}
		list_move_tail(&conn->node, &pool->conns);
		spin_lock(&conn->lock);
		err = conn_enqueue(conn, q);
		spin_unlock(&conn->lock);
		if (!err) {
			if (grew)
				pool_arm_reaper(pool);
			dnspool_conn_kick(conn);
			pool_arm_tick(pool);
		} else if (err == -ENOBUFS) {
			*why = pool_why_limit[1];
		}
		break;
	}
	spin_unlock(&pool->lock);

	if (fresh)
		conn_free(fresh);
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
	int err;

	might_sleep();
	q->pool = pool;
	atomic_inc(&pool->inflight);
	atomic64_inc(&pool->stats.queries);
	q->deadline = jiffies + msecs_to_jiffies(PARAM(pool, query_timeout_ms));
	err = pool_enqueue(pool, q, why);
	if (err)
		pool_count_end(pool, err);
	return err;
}

/* Moves an unanswered query to @pool (the same one, or the TCP pool of a
 * UDP upstream), keeping its deadline.
 */
static void pool_resubmit(struct dnspool_pool *pool, struct dnspool_query *q)
{
	const char *why;
	int err;

	atomic_dec(&q->pool->inflight);
	q->pool = pool;
	atomic_inc(&pool->inflight);
	err = pool_enqueue(pool, q, &why);
	if (err)
		query_end(q, err);
}

/* The queries of a connection that broke: retried once elsewhere, unless
 * the connection never opened (that is their answer) or time is up.
 */
static void pool_orphans(struct dnspool_pool *pool, struct list_head *orphans,
			 int err, bool dialing)
{
	struct dnspool_query *q, *tmp;

	list_for_each_entry_safe(q, tmp, orphans, txnode) {
		list_del_init(&q->txnode);
		if (!dialing && !q->retried && time_before(jiffies, q->deadline)) {
			q->retried = true;
			atomic64_inc(&pool->stats.retries);
			pool_resubmit(pool, q);
		} else {
			query_end(q, err);
		}
	}
}

/* @conn broke: close it, retry its queries.  Its own work calls this; the
 * pool's shutdown waits for it, so the pool lives on.
 */
static void conn_fail(struct dnspool_conn *conn, int err, bool dialing)
{
	struct dnspool_pool *pool = conn->pool;
	LIST_HEAD(orphans);

	spin_lock(&pool->lock);
	spin_lock(&conn->lock);
	if (conn->state == DNSPOOL_CONN_DEAD) {
		spin_unlock(&conn->lock);
		spin_unlock(&pool->lock);
		return;
	}
	conn_kill_locked(pool, conn, err, &orphans);
	spin_unlock(&conn->lock);
	if (dialing)
		pool_hold_down(pool, conn, err);
	pool_kick_gc(pool);
	spin_unlock(&pool->lock);
	if (dialing)
		atomic64_inc(&pool->stats.dial_failures);
	pr_debug("connection to %pISpc (%s) %s: %d\n", &pool->up->addr,
		 transport_name(pool->ops->transport), dialing ? "failed to open" : "broke", err);
	pool_orphans(pool, &orphans, err, dialing);
}

/*
 * The query an answer on @conn is for, taken off the connection; NULL, and
 * counted, when the answer is to no query of ours or to another question
 * (RFC 5452): the query stays, for the real answer may still come.  @len
 * may be less than the answer's length, when only its head was read.
 */
static struct dnspool_query *conn_take_answered(struct dnspool_conn *conn,
						const u8 *msg, size_t len)
{
	struct dnspool_pool *pool = conn->pool;
	struct dnspool_query *q;

	if (len < DNS_HDR_LEN || !dnsmsg_is_response(msg)) {
		atomic64_inc(&pool->stats.malformed);
		return NULL;
	}
	spin_lock(&conn->lock);
	q = conn_find(conn, dnsmsg_id(msg));
	if (!q || !list_empty(&q->txnode) ||
	    !dnsmsg_question_matches(q->msg, q->qlen, q->name_len, msg, len)) {
		spin_unlock(&conn->lock);
		atomic64_inc(&pool->stats.mismatched);
		return NULL;
	}
	conn_unlink(conn, q);
	conn->last_used = jiffies;
	spin_unlock(&conn->lock);
	return q;
}

/**
 * dnspool_conn_answer() - an answer arrived on @conn
 * @conn: the connection
 * @msg: the answer, kmalloc'ed: ours to keep or free
 * @len: its length
 *
 * Context: process context, no lock held.
 */
void dnspool_conn_answer(struct dnspool_conn *conn, u8 *msg, size_t len)
{
	struct dnspool_pool *pool = conn->pool;
	struct dnspool_upstream *up = pool->up;
	struct dnspool_query *q;

	q = conn_take_answered(conn, msg, len);
	if (!q) {
		kfree(msg);
		return;
	}
	q->rtt_us = ktime_us_delta(ktime_get(), q->sent_at);
	q->transport = pool->ops->transport;
	if (pool->ops->transport == DNSPOOL_TRANSPORT_UDP && dnsmsg_truncated(msg) &&
	    up->tcp_pool.ops) {
		/* Truncated: ask the same server again over TCP. */
		kfree(msg);
		atomic64_inc(&pool->stats.truncated_retries);
		pool_resubmit(&up->tcp_pool, q);
		return;
	}
	dnsmsg_set_id(msg, q->client_id);
	q->answer = msg;
	q->answer_len = len;
	query_end(q, 0);
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
	struct dnspool_query *q = conn_take_answered(conn, head, len);

	if (q)
		query_end(q, err);
}

void dnspool_conn_kick(struct dnspool_conn *conn)
{
	queue_work(dnspool_wq, &conn->io_work);
}

/* Sends what is queued, in order, until the socket is full. */
static int conn_tx(struct dnspool_conn *conn)
{
	struct dnspool_pool *pool = conn->pool;
	const struct dnspool_conn_ops *ops = pool->ops;
	struct dnspool_query *q;
	bool failed;
	int err;

	for (;;) {
		spin_lock(&conn->lock);
		q = list_first_entry_or_null(&conn->txq, struct dnspool_query, txnode);
		if (!q || conn->state != DNSPOOL_CONN_READY) {
			spin_unlock(&conn->lock);
			return 0;
		}
		refcount_inc(&q->ref);
		/* The tick leaves a query being sent alone: how much of it
		 * goes out is known only when the send returns.
		 */
		q->sending = true;
		/* Set before the send: write space may come before it returns. */
		WRITE_ONCE(conn->tx_blocked, true);
		if (!q->sent) {
			q->sent_at = ktime_get();
			q->reused = conn->served > 0;
			WRITE_ONCE(conn->served, conn->served + 1);
			if (q->reused)
				atomic64_inc(&pool->stats.reuses);
		}
		spin_unlock(&conn->lock);

		err = ops->send(conn, q);

		failed = false;
		spin_lock(&conn->lock);
		q->sending = false;
		if (err != -EAGAIN)
			WRITE_ONCE(conn->tx_blocked, false);
		/* Unless it ended meanwhile (timed out), it is still ours. */
		if (q->conn == conn && hash_hashed(&q->hnode)) {
			if (!err) {
				list_del_init(&q->txnode);
			} else if (err != -EAGAIN && ops->transport == DNSPOOL_TRANSPORT_UDP) {
				/* A datagram that could not go out fails its
				 * query alone.
				 */
				conn_unlink(conn, q);
				failed = true;
			}
		}
		spin_unlock(&conn->lock);
		if (failed)
			query_end(q, err);
		dnspool_query_put(q);
		if (err == -EAGAIN)
			return 0;
		if (err && ops->transport != DNSPOOL_TRANSPORT_UDP)
			return err;
	}
}

static void conn_io_work(struct work_struct *work)
{
	struct dnspool_conn *conn = container_of(work, struct dnspool_conn, io_work);
	const struct dnspool_conn_ops *ops = conn->pool->ops;
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
			conn_fail(conn, err, true);
			return;
		}
		pool_dial_ok(conn->pool);
		spin_lock(&conn->lock);
		if (conn->state == DNSPOOL_CONN_DIALING)
			conn->state = DNSPOOL_CONN_READY;
		spin_unlock(&conn->lock);
	}
	err = ops->recv(conn);
	if (!err)
		err = conn_tx(conn);
	if (err)
		conn_fail(conn, err, false);
}

/* Closes the connections in the graveyard; process context. */
static void pool_gc(struct dnspool_pool *pool)
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
		if (pool->ops->stop)
			pool->ops->stop(conn);
		atomic64_inc(&pool->stats.conns_closed);
		conn_free(conn);
	}
}

static void pool_gc_work(struct work_struct *work)
{
	pool_gc(container_of(work, struct dnspool_pool, gc_work));
}

/* Ends queries past their deadline and dials past theirs. */
static void pool_tick_work(struct work_struct *work)
{
	struct dnspool_pool *pool = container_of(to_delayed_work(work),
						 struct dnspool_pool, tick_work);
	struct dnspool_conn *conn, *ctmp;
	struct dnspool_query *q, *qtmp;
	struct hlist_node *tmp;
	unsigned long now = jiffies;
	LIST_HEAD(expired);
	LIST_HEAD(orphans);
	LIST_HEAD(dial_orphans);
	LIST_HEAD(dial_busy);
	bool dialing = false;
	int bkt;

	spin_lock(&pool->lock);
	list_for_each_entry_safe(conn, ctmp, &pool->conns, node) {
		bool stuck = false;

		spin_lock(&conn->lock);
		if (conn->state == DNSPOOL_CONN_DIALING) {
			if (time_after(now, conn->dial_deadline)) {
				/* Waiting on this host (a handshake slot) is
				 * not the upstream's timeout.
				 */
				int err = READ_ONCE(conn->dial_waits_locally) ?
					  -EAGAIN : -ETIMEDOUT;

				atomic64_inc(&pool->stats.dial_failures);
				conn_kill_locked(pool, conn, err,
						 err == -EAGAIN ? &dial_busy : &dial_orphans);
				pool_hold_down(pool, conn, err);
				spin_unlock(&conn->lock);
				continue;
			}
			/* A dial may wait with no socket event to come (for
			 * a handshake slot): it looks again now.
			 */
			dialing = true;
			dnspool_conn_kick(conn);
		}
		hash_for_each_safe(conn->queries, bkt, tmp, q, hnode) {
			/* A query being sent is left to its sender: the next
			 * tick sees how much of it went out.
			 */
			if (!time_after(now, q->deadline) || q->sending)
				continue;
			/* Half a TCP message on the wire: the stream is lost. */
			if (q->sent && !list_empty(&q->txnode))
				stuck = true;
			conn_unlink(conn, q);
			list_add_tail(&q->txnode, &expired);
		}
		if (stuck)
			conn_kill_locked(pool, conn, -ETIMEDOUT, &orphans);
		spin_unlock(&conn->lock);
	}
	if (!list_empty(&orphans) || !list_empty(&dial_orphans) || !list_empty(&dial_busy))
		pool_kick_gc(pool);
	/* Dials end by the deadline even when no query waits for them. */
	if (atomic_read(&pool->inflight) || dialing)
		pool_arm_tick(pool);
	spin_unlock(&pool->lock);

	list_for_each_entry_safe(q, qtmp, &expired, txnode) {
		list_del_init(&q->txnode);
		query_end(q, -ETIMEDOUT);
	}
	pool_orphans(pool, &dial_orphans, -ETIMEDOUT, true);
	pool_orphans(pool, &dial_busy, -EAGAIN, true);
	pool_orphans(pool, &orphans, -ETIMEDOUT, false);
}

/* Closes connections idle longer than idle-timeout; busy ones stay. */
static void pool_reap_work(struct work_struct *work)
{
	struct dnspool_pool *pool = container_of(to_delayed_work(work),
						 struct dnspool_pool, reap_work);
	unsigned long idle = msecs_to_jiffies(PARAM(pool, idle_timeout_ms));
	struct dnspool_conn *conn, *tmp;
	LIST_HEAD(orphans);
	unsigned int reaped = 0;

	spin_lock(&pool->lock);
	list_for_each_entry_safe(conn, tmp, &pool->conns, node) {
		spin_lock(&conn->lock);
		if (!conn->nqueries && conn->state != DNSPOOL_CONN_DIALING &&
		    time_after(jiffies, conn->last_used + idle)) {
			conn_kill_locked(pool, conn, 0, &orphans);
			reaped++;
		}
		spin_unlock(&conn->lock);
	}
	pool_close_idle_rotated(pool);
	if (!list_empty(&pool->conns))
		pool_arm_reaper(pool);
	spin_unlock(&pool->lock);

	WARN_ON_ONCE(!list_empty(&orphans));
	if (reaped) {
		atomic64_add(reaped, &pool->stats.conns_reaped);
		pr_debug("reaped %u idle connection(s) to %pISpc (%s)\n", reaped,
			 &pool->up->addr, transport_name(pool->ops->transport));
		pool_gc(pool);
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
				 msecs_to_jiffies(PARAM(pool, reap_interval_ms)));
	spin_unlock(&pool->lock);
}

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

void dnspool_pool_init(struct dnspool_pool *pool, struct dnspool_upstream *up,
		       const struct dnspool_conn_ops *ops)
{
	pool->up = up;
	pool->ops = ops;
	spin_lock_init(&pool->lock);
	INIT_LIST_HEAD(&pool->conns);
	INIT_LIST_HEAD(&pool->graveyard);
	pool->dial_epoch = jiffies;
	INIT_DELAYED_WORK(&pool->reap_work, pool_reap_work);
	INIT_DELAYED_WORK(&pool->tick_work, pool_tick_work);
	INIT_WORK(&pool->gc_work, pool_gc_work);
}

/*
 * Closes every connection and ends every query with -ESHUTDOWN; the pool
 * takes no query after it.  Sleeps.
 */
void dnspool_pool_shutdown(struct dnspool_pool *pool)
{
	struct dnspool_conn *conn, *tmp;
	LIST_HEAD(orphans);
	bool had = false;

	if (!pool->ops)
		return;
	spin_lock(&pool->lock);
	WRITE_ONCE(pool->dead, true);
	list_for_each_entry_safe(conn, tmp, &pool->conns, node) {
		spin_lock(&conn->lock);
		conn_kill_locked(pool, conn, -ESHUTDOWN, &orphans);
		spin_unlock(&conn->lock);
		had = true;
	}
	spin_unlock(&pool->lock);

	pool_end_all(&orphans, -ESHUTDOWN);
	cancel_delayed_work_sync(&pool->tick_work);
	cancel_delayed_work_sync(&pool->reap_work);
	cancel_work_sync(&pool->gc_work);
	pool_gc(pool);
	if (had)
		pr_debug("closed all connections to %pISpc (%s)\n", &pool->up->addr,
			 transport_name(pool->ops->transport));
}
