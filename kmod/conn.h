/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A connection of a pool: one kernel socket to the upstream, the queries
 * it carries, and its state from dialing to closed.  What a transport
 * does with the socket sits behind struct dnspool_conn_ops.
 */
#ifndef _DNSPOOL_CONN_H
#define _DNSPOOL_CONN_H

#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/net.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <uapi/linux/dnspool.h>

#include "query.h"

struct dnspool_pool;
struct dnspool_file_ref;
struct dnspool_ghosts;

/* A connection carries at most this many queries at once: a sixteenth of
 * the DNS ID space, so that random IDs seldom collide.
 */
#define DNSPOOL_CONN_MAX_QUERIES	4096

/* Answers a connection's work may have waiting (struct dnspool_later),
 * and their bytes.
 */
#define DNSPOOL_CONN_MAX_LATER		256
#define DNSPOOL_CONN_MAX_LATER_BYTES	(256 * 1024)

/* The longest answer ended where it arrives: its netlink message, built
 * there with GFP_ATOMIC, stays within a page.  Longer ones go to the work.
 */
#define DNSPOOL_ATOMIC_ANSWER_MAX	2048

/**
 * struct dnspool_later - an answer received where it could not be handled,
 * left to the connection's work
 * @node: on the connection's list
 * @msg: the answer, kmalloc'ed
 * @len: its length
 */
struct dnspool_later {
	struct list_head node;
	u8 *msg;
	size_t len;
};

/**
 * struct dnspool_conn_ops - what a transport does; the pool knows nothing
 * of sockets
 * @transport: which one it is
 * @open: create conn->sock, in the context that grows the pool (the
 *	requester's, for a query), which the socket is charged to; sleeps
 * @dial: start connecting conn->sock, from the connection's work
 * @dialed: is the dial done?  0 yes, -EINPROGRESS not yet, <0 failed
 * @send: send one query: 0 sent whole, -EAGAIN the socket is full (the
 *	work runs again on write space), another error: the connection is
 *	broken (on UDP: the query alone failed)
 * @recv: read whatever arrived (and @data_ready left), handing each DNS
 *	message to dnspool_conn_answer(), in one batch flushed before it
 *	returns: 0 when drained, <0 the connection is broken
 * @stop: optional: the connection closes and its work no longer runs; end
 *	what may still call into it (a TLS handshake in progress)
 * @destroy: optional: free the transport's state; the socket is gone
 * @join_dialing: opening a connection is costly (a TLS handshake): new
 *	queries wait for one being opened rather than open another
 * @send_direct: a query's submitter may send it itself when the
 *	connection is open, idle and its socket not full, sparing the work
 *	a wake-up
 * @data_ready: optional: called by the socket's data_ready callback
 *	(softirq; over TCP also the process context of whoever releases
 *	the socket's lock) under its sk_callback_lock (read), instead of
 *	waking the work: receives there, without sleeping, what it can,
 *	with dnspool_conn_answer_atomic() (one batch, flushed before it
 *	returns), and wakes the work for the rest
 * @tx_stalled: optional: after a send that went out whole, and in the
 *	work: does the socket hold data it accepted but has not sent, with
 *	no event sure to come to send it?  Then it has been pushed again,
 *	and the pool's tick looks again (dnspool_pool_retry_tx()); no lock
 *	held, sleeps
 *
 * All but @open, @send, @tx_stalled and @data_ready run in the connection's
 * work, or once it no longer runs; @send and @tx_stalled run in the work
 * or, with @send_direct, in a query's submitter, one at a time
 * (DNSPOOL_CONN_BUSY).
 */
struct dnspool_conn_ops {
	enum dnspool_transport transport;
	int (*open)(struct dnspool_conn *conn);
	int (*dial)(struct dnspool_conn *conn);
	int (*dialed)(struct dnspool_conn *conn);
	int (*send)(struct dnspool_conn *conn, struct dnspool_query *q);
	int (*recv)(struct dnspool_conn *conn);
	void (*stop)(struct dnspool_conn *conn);
	void (*destroy)(struct dnspool_conn *conn);
	void (*data_ready)(struct dnspool_conn *conn);
	bool (*tx_stalled)(struct dnspool_conn *conn);
	bool join_dialing;
	bool send_direct;
};

/* Bits of dnspool_conn.io_flags. */
enum {
	DNSPOOL_CONN_BUSY,	/* the work or a submitter does its I/O */
	DNSPOOL_CONN_AGAIN,	/* another found it busy: look again */
};

extern const struct dnspool_conn_ops dnspool_udp_ops;
extern const struct dnspool_conn_ops dnspool_tcp_ops;
extern const struct dnspool_conn_ops dnspool_tls_ops;

/* The socket callbacks a connection replaces, and calls. */
enum dnspool_conn_cb {
	DNSPOOL_CB_DATA_READY,
	DNSPOOL_CB_WRITE_SPACE,
	DNSPOOL_CB_STATE_CHANGE,
	DNSPOOL_CB_ERROR_REPORT,
	DNSPOOL_NR_CB,
};

/**
 * enum dnspool_conn_state - where a connection is in its life
 * @DNSPOOL_CONN_DIALING: opening; takes queries, which wait
 * @DNSPOOL_CONN_READY: open; its work sends and receives
 * @DNSPOOL_CONN_DEAD: broken or closing; on its pool's graveyard
 */
enum dnspool_conn_state {
	DNSPOOL_CONN_DIALING,
	DNSPOOL_CONN_READY,
	DNSPOOL_CONN_DEAD,
};

/**
 * struct dnspool_conn - one socket of a pool and the queries on it
 * @node: on its pool's conns (least recently used first) or graveyard,
 *	under the pool's lock
 * @pool: its pool, which outlives it
 * @sock: its socket; NULL once closed
 * @lock: protects @state, @error, @queries, @txq, @nqueries and each
 *	query's wire ID, send progress and @sending flag while on it; taken
 *	after the pool's lock, with bottom halves off (answers are matched
 *	in softirq)
 * @state: see enum dnspool_conn_state; read unlocked as a hint
 * @error: why it died
 * @queries: its queries by wire ID, from enqueue to end (their live
 *	transmission)
 * @ghosts: the IDs it no longer waits on but may still see answers to
 * @txq: its queries not yet sent whole, in order
 * @nqueries: how many queries are on it; read unlocked as a hint
 * @draining: takes no new query (rotation); under the pool's lock
 * @charged: counted against the namespace's bounds on connections
 * @tx_blocked: waits for write space; written by the sender, read by the
 *	socket's write_space callback (a barrier on each side)
 * @tx_retry: its stream socket refused a send for want of memory, with
 *	room in its buffer: the pool's tick kicks its work
 * @dial_started: its dial began; the work's alone
 * @dial_waits_locally: its dial waits on this host (a handshake slot, or
 *	the agent to take its handshake) unless its socket sent data; written
 *	by the work, read by the pool's tick
 * @cb_installed: our socket callbacks are installed
 * @born: when it was made, in jiffies
 * @last_used: when it last took or answered a query, in jiffies
 * @dial_deadline: when its dial fails, in jiffies
 * @served: queries sent over it; written by its sender
 * @io_flags: DNSPOOL_CONN_BUSY, DNSPOOL_CONN_AGAIN (atomic bit
 *	operations): one owner of its I/O at a time, the work or a submitter
 * @senders: submitters sending on it outside its work, counted under the
 *	pool's lock while it is live; it is freed once there are none
 * @io_work: dials, sends and receives, on dnspool_wq
 * @saved_cb: the socket's callbacks ours replaced, and call
 * @later: answers received in softirq that need the work (struct
 *	dnspool_later), under @lock
 * @nlater: how many, under @lock
 * @later_bytes: their length in all, under @lock
 * @priv: the transport's state
 * @file_ref: made with the socket's file, if it has one: how a kernel
 *	thread hands the file to its namespace's releaser
 */
struct dnspool_conn {
	struct list_head node;
	struct dnspool_pool *pool;
	struct socket *sock;
	spinlock_t lock;		/* see above */
	enum dnspool_conn_state state;
	int error;
	DECLARE_HASHTABLE(queries, 8);
	struct dnspool_ghosts *ghosts;
	struct list_head txq;
	unsigned int nqueries;
	bool draining;
	bool charged;
	bool tx_blocked;
	bool tx_retry;
	bool dial_started;
	bool dial_waits_locally;
	bool cb_installed;
	unsigned long born;
	unsigned long last_used;
	unsigned long dial_deadline;
	u64 served;
	unsigned long io_flags;
	atomic_t senders;
	struct work_struct io_work;
	/* called by ours */
	void (*saved_cb[DNSPOOL_NR_CB])(struct sock *sk);
	struct list_head later;
	unsigned int nlater;
	size_t later_bytes;
	void *priv;
	struct dnspool_file_ref *file_ref;
};

int dnspool_conn_alloc(struct dnspool_pool *pool, struct dnspool_conn **res);
void dnspool_conn_free(struct dnspool_conn *conn);
int dnspool_conn_enqueue(struct dnspool_conn *conn, struct dnspool_query *q);
void dnspool_conn_unlink(struct dnspool_conn *conn, struct dnspool_query *q);
void dnspool_conn_answer(struct dnspool_conn *conn, u8 *msg, size_t len,
			 struct dnspool_batch *b);
void dnspool_conn_answer_lost(struct dnspool_conn *conn, const u8 *head, size_t len,
			      int err);
bool dnspool_conn_answer_atomic(struct dnspool_conn *conn, u8 *msg, size_t len,
				struct dnspool_batch *b);
bool dnspool_conn_dial_waits_here(struct dnspool_conn *conn);
void dnspool_conn_answer_lost_atomic(struct dnspool_conn *conn, const u8 *head, size_t len,
				     int err, struct dnspool_batch *b);
void dnspool_conn_kick(struct dnspool_conn *conn);
bool dnspool_conn_may_send_now(struct dnspool_conn *conn);
void dnspool_conn_send_now(struct dnspool_conn *conn);

#endif /* _DNSPOOL_CONN_H */
