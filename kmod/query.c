// SPDX-License-Identifier: GPL-2.0
/*
 * DNS queries: their memory, their end, and whose failure their errors are.
 */
#include <linux/err.h>
#include <linux/slab.h>

#include "conn.h"
#include "dnsmsg.h"
#include "ghost.h"
#include "breaker.h"
#include "pool.h"
#include "query.h"
#include "trace.h"
#include "upstream.h"
#include "xmit.h"

/**
 * dnspool_error_class() - whose failure an error is
 * @err: a query's or a dial's negative errno
 *
 * Local errors are this host's (memory, ports, bounds, a missing agent);
 * only upstream errors are the upstream's.
 *
 * Return: DNSPOOL_ERROR_CLASS_UPSTREAM or DNSPOOL_ERROR_CLASS_LOCAL.
 */
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
	case EREMOTEIO:		/* it answered SERVFAIL or REFUSED */
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
 * One allocation holds the query, its requester's part and its message.
 *
 * Return: the query, with one reference, or an ERR_PTR().
 */
struct dnspool_query *dnspool_query_alloc(size_t size, const u8 *msg, size_t len,
					  size_t qlen, size_t name_len, gfp_t gfp)
{
	struct dnspool_query *q;

	q = kzalloc(size + len, gfp);
	if (!q)
		return ERR_PTR(-ENOMEM);
	q->name_len = name_len;
	q->msg = (u8 *)q + size;
	memcpy(q->msg, msg, len);
	q->qlen = qlen;
	q->len = len;
	q->client_id = dnsmsg_id(msg);
	refcount_set(&q->ref, 1);
	INIT_HLIST_NODE(&q->hnode);
	INIT_LIST_HEAD(&q->txnode);
	timer_setup(&q->timer, dnspool_xmit_timer, 0);
	return q;
}

/**
 * dnspool_query_put() - drop a reference on a query
 * @q: the query
 *
 * The last frees it, its answer, and its reference on its upstream.
 *
 * Context: any context but hard interrupt.
 */
void dnspool_query_put(struct dnspool_query *q)
{
	if (!refcount_dec_and_test(&q->ref))
		return;
	if (q->up)
		dnspool_upstream_put(q->up);
	kfree(q->answer);
	kfree_rcu(q, rcu);
}

static void __dnspool_query_end(struct dnspool_query *q, int err, struct dnspool_batch *b)
{
	struct dnspool_pool *pool = q->pool;

	dnspool_xmit_disarm(q);
	/* Answers to its earlier transmissions find it no more. */
	if (q->qref) {
		RCU_INIT_POINTER(q->qref->q, NULL);
		dnspool_qref_put(q->qref);
		q->qref = NULL;
	}

	if (err)
		trace_dnspool_query_failed(q, err);
	else
		trace_dnspool_query_answered(q, 0);
	dnspool_pool_count_end(pool, err);
	dnspool_breaker_outcome(pool->up, q->asked_at, err, q->answer);
	WRITE_ONCE(q->conn, NULL);
	q->transport = pool->ops->transport;
	q->done(q, err, b);
	dnspool_query_put(q);
}

/**
 * dnspool_query_end() - the query leaves its pool and ends
 * @q: the query, on no connection and no list
 * @err: its outcome, 0 when answered
 *
 * Stops its timer, counts the outcome, delivers it through q->done() and
 * drops the pool's reference.  Whoever takes the query off its connection
 * ends it, once.
 *
 * Context: process context, no lock held.
 */
void dnspool_query_end(struct dnspool_query *q, int err)
{
	struct dnspool_batch b = DNSPOOL_BATCH(GFP_KERNEL);

	might_sleep();
	__dnspool_query_end(q, err, &b);
	dnspool_batch_flush(&b);
}

/**
 * dnspool_query_end_batched() - dnspool_query_end(), its outcome perhaps
 * delivered with others
 * @q: the query, on no connection and no list
 * @err: its outcome, 0 when answered
 * @b: the batch, flushed by the caller once it ended its queries
 *
 * For answers ended as a connection's receive takes them.  With GFP_ATOMIC
 * in b->gfp it does not sleep: the query's timer may be running on another
 * CPU meanwhile, and waiting for it is safe, for it takes no lock.
 *
 * Context: process context, no lock held but perhaps the receiving TCP
 * socket's lock_sock(); or, with GFP_ATOMIC, softirq, no lock held but the
 * receiving socket's (its sk_callback_lock, a TCP socket's spinlock).
 */
void dnspool_query_end_batched(struct dnspool_query *q, int err, struct dnspool_batch *b)
{
	if (gfpflags_allow_blocking(b->gfp))
		might_sleep();
	__dnspool_query_end(q, err, b);
}
