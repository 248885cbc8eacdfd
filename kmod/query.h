/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A DNS query on its way through a pool: from its submission to its end,
 * answered or not.
 */
#ifndef _DNSPOOL_QUERY_H
#define _DNSPOOL_QUERY_H

#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <uapi/linux/dnspool.h>

struct dnspool_conn;
struct dnspool_pool;
struct sk_buff;
struct sock;
struct dnspool_qref;
struct dnspool_query;
struct dnspool_upstream;

/**
 * struct dnspool_batch - outcomes of queries ended one after another
 * @gfp: how done() may allocate: GFP_KERNEL in process context, GFP_ATOMIC
 *	where answers end their queries as they arrive (in softirq, or under
 *	a TCP socket's lock)
 * @flush: delivers what done() gathered, or NULL when it gathered nothing
 * @sk: the requester's socket the gathered outcomes go to; held
 * @portid: its port
 * @pool: the pool whose queries they are, which counts an undelivered one;
 *	it outlives the batch, for only the pool's own code (its
 *	connections' receive, its ends of queries) ends queries into one
 * @skb: the message that gathers them
 * @n: how many it holds
 *
 * The answers one run of a connection's receive takes share a batch, so
 * that a requester gets them in one message rather than a message each.
 * Whoever ends queries into a batch calls dnspool_batch_flush() before it
 * returns.  The fields past @flush are the requester's (its done()'s).
 */
struct dnspool_batch {
	gfp_t gfp;
	void (*flush)(struct dnspool_batch *b);
	struct sock *sk;
	u32 portid;
	struct dnspool_pool *pool;
	struct sk_buff *skb;
	unsigned int n;
};

#define DNSPOOL_BATCH(_gfp)	{ .gfp = (_gfp) }

/**
 * dnspool_batch_flush() - deliver what a batch gathered
 * @b: the batch
 *
 * Context: as the done() calls that filled it.
 */
static inline void dnspool_batch_flush(struct dnspool_batch *b)
{
	if (b->flush) {
		b->flush(b);
		b->flush = NULL;
	}
}

/**
 * typedef dnspool_done_t - delivers a query's outcome
 * @q: the query, answered (@err 0, q->answer set) or not
 * @err: 0 or a negative errno, classed by dnspool_error_class()
 * @b: the batch it ends in: b->gfp says how it may allocate.  It may
 *	gather the outcome into @b, setting b->flush, rather than deliver it
 *	now, but not keep an outcome a requester waiting for one could have
 *	had (as when nothing else waits to be read on its socket)
 *
 * Called once per query taken by a pool; the pool drops its reference on
 * the query afterwards.  With GFP_KERNEL it may sleep, and no lock is held
 * but perhaps the receiving TCP socket's lock_sock(); with GFP_ATOMIC it
 * may not sleep, and the receiving socket's locks may be held (its
 * sk_callback_lock, a TCP socket's spinlock), which it must not take.
 */
typedef void (*dnspool_done_t)(struct dnspool_query *q, int err, struct dnspool_batch *b);

/*
 * Times a query is moved to another connection when its own breaks before
 * the answer, within its deadline (RFC 7766, section 6.2.4: a client
 * retries unanswered queries after a close).  A server that closes busy
 * connections, as unbound does to idle ones when most of its TCP slots
 * are taken, may close the next one too; a query that breaks every
 * connection it is sent on breaks no more than four.
 */
#define DNSPOOL_QUERY_MAX_RETRIES	3

/**
 * struct dnspool_query - a DNS query and what became of it
 * @ref: the pool's reference, and a sender's while it sends
 * @hnode: on its connection's table by wire ID, from enqueue to end
 * @txnode: on its connection's queue while unsent; on a private list
 *	while it is being ended or moved
 * @up: the upstream it was asked of; holds a reference
 * @pool: the pool it is in, once submitted
 * @conn: the connection its live transmission is on, while on one: set
 *	under that connection's lock (with release, after @pool), cleared
 *	when it leaves the connection
 * @msg: the query's wire bytes, its wire ID in place; in the query's
 *	allocation, after the structure that embeds it
 * @len: their length
 * @sent: bytes of it sent (on a stream, its length prefix included)
 * @qlen: the length of its question section
 * @name_len: the length of its question's name
 * @client_id: the ID the requester gave it, restored in the answer
 * @wire_id: the ID it carries on its connection
 * @force_tcp: asked over TCP of a UDP upstream
 * @retries: times it was moved to another connection after its own broke;
 *	DNSPOOL_QUERY_MAX_RETRIES once it may be moved no more (also when its
 *	connection broke while it was being sent: its sender still reads it)
 * @sending: it is being sent (under its connection's lock); the tick
 *	leaves it to the sender, and a datagram's answer may end it meanwhile
 * @reused: sent on a connection that had carried a query before
 * @asked_at: when it was submitted, in 64-bit jiffies
 * @deadline: when it times out, in jiffies
 * @timer: fires at @next_at: retransmits it or times it out (xmit.c);
 *	holds a reference while pending
 * @due: on its pool's list of fired timers
 * @flags: DNSPOOL_Q_DUE: on that list; DNSPOOL_Q_RTX: it has a place in
 *	its pool's retransmission window; DNSPOOL_Q_LOST: its answer came
 *	while it was being sent on a stream, and was lost for want of
 *	memory: its sender ends it (atomic bit operations)
 * @next_at: when its timer acts, in jiffies, under its connection's lock
 * @tries: its retransmissions so far
 * @moved_err: -ENOMEM or -ENOBUFS when this host's want of memory last
 *	moved it to another connection, 0 otherwise: should it then time
 *	out, it ends with that error, for the upstream had less than its
 *	timeout to answer it.  Set while it is on no connection, by whoever
 *	moves it; read by whoever ends it
 * @qref: how its earlier transmissions find it (ghost.h), from its first
 *	retransmission; cleared when it ends
 * @sent_at: when it was first sent
 * @answer: the answer, kmalloc'ed, once answered
 * @answer_len: its length
 * @transport: the transport it ended on
 * @rtt_us: the time from its first send to its answer
 * @members_asked: asked of a group (it entered no pool then): how many of
 *	the group's members were asked; 0 otherwise
 * @done: delivers the outcome
 * @ctx: the requester's
 * @rcu: the query is freed after a grace period: its earlier
 *	transmissions look for it under RCU
 */
struct dnspool_query {
	refcount_t ref;
	struct hlist_node hnode;
	struct list_head txnode;
	struct dnspool_upstream *up;
	struct dnspool_pool *pool;
	struct dnspool_conn *conn;
	u8 *msg;
	size_t len;
	size_t sent;
	size_t qlen, name_len;
	u16 client_id, wire_id;
	bool force_tcp;
	u8 retries;
	bool sending;
	bool reused;
	u64 asked_at;
	unsigned long deadline;
	struct timer_list timer;
	struct llist_node due;
	unsigned long flags;
	unsigned long next_at;
	u8 tries;
	int moved_err;
	struct dnspool_qref *qref;
	ktime_t sent_at;
	u8 *answer;
	size_t answer_len;
	enum dnspool_transport transport;
	u32 rtt_us;
	u8 members_asked;
	dnspool_done_t done;
	void *ctx;
	struct rcu_head rcu;
};

/**
 * dnspool_query_half_sent() - part of @q's frame is out on its stream
 * @q: the query, on a connection whose lock the caller holds
 *
 * A stream cannot skip the rest of a frame: a query so far out must go out
 * whole, or its connection be given up.  (A datagram goes out whole or not
 * at all: its @sent stays 0.)
 *
 * Return: true when some but not all of @q's bytes were sent.
 */
static inline bool dnspool_query_half_sent(const struct dnspool_query *q)
{
	return q->sent && !list_empty(&q->txnode);
}

/**
 * dnspool_query_timeout_err() - the error @q ends with when its time is up
 * @q: the query, taken off its connection by whoever ends it
 *
 * This host's want of memory moved it to another connection (its
 * @moved_err): the upstream had less than its timeout to answer it, and
 * the failure is this host's, whenever the move came.  Otherwise the
 * upstream's silence: -ETIMEDOUT.
 *
 * Return: @q's @moved_err, or -ETIMEDOUT.
 */
static inline int dnspool_query_timeout_err(const struct dnspool_query *q)
{
	return q->moved_err ?: -ETIMEDOUT;
}

/* Bits of dnspool_query.flags. */
enum {
	DNSPOOL_Q_DUE,
	DNSPOOL_Q_RTX,
	DNSPOOL_Q_LOST,
};

struct dnspool_query *dnspool_query_alloc(size_t size, const u8 *msg, size_t len,
					  size_t qlen, size_t name_len, gfp_t gfp);
void dnspool_query_put(struct dnspool_query *q);
void dnspool_query_end(struct dnspool_query *q, int err);
void dnspool_query_end_batched(struct dnspool_query *q, int err, struct dnspool_batch *b);
int dnspool_error_class(int err);

#endif /* _DNSPOOL_QUERY_H */
