/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pools of kernel sockets to one upstream, the connections in them and the
 * queries they carry.
 */
#ifndef _DNSPOOL_POOL_H
#define _DNSPOOL_POOL_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/net.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <uapi/linux/dnspool.h>

struct dnspool_upstream;
struct dnspool_conn;
struct dnspool_query;
struct dnspool_file_ref;

/* A connection carries at most this many queries at once: a sixteenth of
 * the DNS ID space, so that random IDs seldom collide.
 */
#define DNSPOOL_CONN_MAX_QUERIES	4096

struct dnspool_stats {
	atomic64_t queries;
	atomic64_t answers;
	atomic64_t timeouts;
	atomic64_t local_errors;
	atomic64_t upstream_errors;
	atomic64_t mismatched;
	atomic64_t malformed;
	atomic64_t truncated_retries;
	atomic64_t retries;
	atomic64_t conns_opened;
	atomic64_t conns_closed;
	atomic64_t conns_reaped;
	atomic64_t rotations;
	atomic64_t reuses;
	atomic64_t dial_failures;
	atomic64_t handshakes;
	atomic64_t handshake_failures_agent;
	atomic64_t handshake_failures_timeout;
	atomic64_t handshake_failures_cert;
	atomic64_t handshake_failures_other;
	atomic64_t handshake_time_us;
	atomic64_t undelivered;
};

/* What a transport does; the pool knows nothing of sockets. */
struct dnspool_conn_ops {
	enum dnspool_transport transport;
	/* Create conn->sock, in the context that grows the pool (the
	 * requester's, for a query): the socket is charged to it.  Sleeps.
	 */
	int (*open)(struct dnspool_conn *conn);
	/* Start connecting conn->sock, from the connection's work. */
	int (*dial)(struct dnspool_conn *conn);
	/* Is the dial done?  0 yes, -EINPROGRESS not yet, <0 failed. */
	int (*dialed)(struct dnspool_conn *conn);
	/* Send one query: 0 sent whole, -EAGAIN socket full (retry on
	 * write space), another error: the connection is broken.
	 */
	int (*send)(struct dnspool_conn *conn, struct dnspool_query *q);
	/* Read whatever arrived, handing each DNS message to
	 * dnspool_conn_answer(): 0 when drained, <0 connection broken.
	 */
	int (*recv)(struct dnspool_conn *conn);
	/* Optional: the connection closes and its work no longer runs; end
	 * what may still call into it (a TLS handshake in progress).
	 */
	void (*stop)(struct dnspool_conn *conn);
	/* Free transport state (rx buffers); the socket is already gone. */
	void (*destroy)(struct dnspool_conn *conn);
	/* Opening a connection is costly (a TLS handshake): new queries wait
	 * for one being opened rather than open another.
	 */
	bool join_dialing;
};

struct dnspool_pool {
	struct dnspool_upstream *up;
	const struct dnspool_conn_ops *ops;
	/* Protects conns (least recently used first), graveyard, nconns,
	 * peak, rotated, the hold-down, dead, each connection's draining
	 * flag, and the upstream's tls_name.
	 */
	spinlock_t lock;
	struct list_head conns;
	/* Connections being closed, handed to gc_work. */
	struct list_head graveyard;
	unsigned int nconns;
	unsigned int peak;
	/* Rotated UDP sockets not yet replaced: a new socket replacing one
	 * counts as a rotation, not as growth.
	 */
	unsigned int rotated;
	/* A dial failed with dial_error: no new connection is opened
	 * before holddown_until (jiffies), so that a dead upstream is not
	 * hammered; holddown is how long the last hold-down lasted.
	 */
	int dial_error;
	unsigned long holddown_until;
	unsigned long holddown;
	/* Dials begun before this (jiffies) do not start a hold-down. */
	unsigned long dial_epoch;
	bool dead;
	struct delayed_work reap_work;
	struct delayed_work tick_work;
	struct work_struct gc_work;
	atomic_t inflight;
	struct dnspool_stats stats;
};

enum dnspool_conn_cb {
	DNSPOOL_CB_DATA_READY,
	DNSPOOL_CB_WRITE_SPACE,
	DNSPOOL_CB_STATE_CHANGE,
	DNSPOOL_CB_ERROR_REPORT,
	DNSPOOL_NR_CB,
};

enum dnspool_conn_state {
	DNSPOOL_CONN_DIALING,
	DNSPOOL_CONN_READY,
	DNSPOOL_CONN_DEAD,
};

struct dnspool_conn {
	struct list_head node;		/* pool->conns or pool->graveyard */
	struct dnspool_pool *pool;
	struct socket *sock;
	/* Protects state, queries, txq, nqueries and the rx error. */
	spinlock_t lock;
	enum dnspool_conn_state state;
	int error;			/* why it died */
	DECLARE_HASHTABLE(queries, 8);	/* by wire ID, from submit to end */
	struct list_head txq;		/* not yet sent whole, in order */
	unsigned int nqueries;
	bool draining;			/* takes no new query (pool->lock) */
	bool charged;			/* counted against the namespace's bounds */
	bool tx_blocked;		/* waits for write space */
	bool dial_started;		/* the work alone */
	/* The dial waits on this host, not on the upstream: written by the
	 * work, read by the tick to pick the error of a dial past its
	 * deadline.
	 */
	bool dial_waits_locally;
	bool cb_installed;		/* our socket callbacks are */
	unsigned long born;		/* jiffies */
	unsigned long last_used;	/* jiffies */
	unsigned long dial_deadline;	/* jiffies */
	u64 served;			/* queries sent over it */
	struct work_struct io_work;
	/* The socket's callbacks ours replaced, and call. */
	void (*saved_cb[DNSPOOL_NR_CB])(struct sock *sk);
	void *priv;			/* transport state */
	struct dnspool_file_ref *file_ref;	/* for the socket's file, if any */
};

/* Delivers the query's outcome; the pool frees the query afterwards. */
typedef void (*dnspool_done_t)(struct dnspool_query *q, int err);

struct dnspool_query {
	refcount_t ref;			/* the pool's, and a sender's */
	struct hlist_node hnode;	/* conn->queries */
	struct list_head txnode;	/* conn->txq while unsent */
	struct dnspool_upstream *up;	/* holds a reference */
	struct dnspool_pool *pool;	/* the pool it is in */
	struct dnspool_conn *conn;	/* while on one */
	u8 *msg;			/* the query, wire ID in place */
	size_t len;
	size_t sent;			/* bytes sent (TCP: with the prefix) */
	size_t qlen, name_len;		/* question section, its name */
	u16 client_id, wire_id;
	bool force_tcp;
	bool retried;
	bool sending;			/* in ops->send() now (conn->lock) */
	bool reused;
	unsigned long deadline;		/* jiffies */
	ktime_t sent_at;
	/* Filled when the query ends: */
	u8 *answer;
	size_t answer_len;
	enum dnspool_transport transport;
	u32 rtt_us;
	dnspool_done_t done;
	void *ctx;			/* the requester's */
};

extern struct workqueue_struct *dnspool_wq;

void dnspool_pool_init(struct dnspool_pool *pool, struct dnspool_upstream *up,
		       const struct dnspool_conn_ops *ops);
void dnspool_pool_shutdown(struct dnspool_pool *pool);
int dnspool_pool_submit(struct dnspool_pool *pool, struct dnspool_query *q,
			const char **why);
void dnspool_pool_params_changed(struct dnspool_pool *pool, bool tls_name);
void dnspool_pool_counts(struct dnspool_pool *pool, unsigned int *active,
			 unsigned int *total, unsigned int *peak);

struct dnspool_query *dnspool_query_alloc(size_t size, const u8 *msg, size_t len,
					  size_t qlen, size_t name_len, gfp_t gfp);
void dnspool_query_put(struct dnspool_query *q);
int dnspool_error_class(int err);

void dnspool_conn_answer(struct dnspool_conn *conn, u8 *msg, size_t len);
void dnspool_conn_answer_lost(struct dnspool_conn *conn, const u8 *head, size_t len,
			      int err);
void dnspool_conn_kick(struct dnspool_conn *conn);

extern const struct dnspool_conn_ops dnspool_udp_ops;
extern const struct dnspool_conn_ops dnspool_tcp_ops;
extern const struct dnspool_conn_ops dnspool_tls_ops;

#endif /* _DNSPOOL_POOL_H */
