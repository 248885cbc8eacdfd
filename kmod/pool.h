/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pool of connections to one upstream over one transport.
 */
#ifndef _DNSPOOL_POOL_H
#define _DNSPOOL_POOL_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include "rtt.h"
#include "stats.h"

struct dnspool_conn;
struct dnspool_conn_ops;
struct dnspool_query;
struct dnspool_upstream;

/**
 * struct dnspool_pool - the connections to one upstream over one transport
 * @up: its upstream, which embeds it
 * @ops: its transport; NULL for a pool the upstream does not use
 * @lock: protects @conns, @graveyard, @nconns, @peak, @rotated, the
 *	hold-down (@dial_error to @dial_epoch), @dead and each connection's
 *	draining flag; taken before a connection's lock, in process context
 * @conns: its connections, least recently used first
 * @graveyard: connections being closed, handed to @gc_work
 * @nconns: its connections that take queries
 * @peak: the most it ever had at once
 * @rotated: UDP sockets retired and not yet replaced: a new socket that
 *	replaces one is a rotation, not growth
 * @dial_error: a dial failed with this: no new connection is opened
 *	before @holddown_until, so that a dead upstream is not hammered
 * @holddown_until: in jiffies
 * @holddown: how long the last hold-down lasted, in jiffies
 * @dial_epoch: dials begun before this (jiffies) start no hold-down
 * @dead: shut down: takes no query, queues no work
 * @reap_work: closes idle connections
 * @tick_work: ends dials past their deadlines, while one is dialing
 * @gc_work: closes the connections in @graveyard
 * @due: queries whose timers fired (xmit.c)
 * @due_work: retransmits them, or ends them at their deadlines
 * @rtt: round-trip time of its exchanges (those answered on their first
 *	transmission)
 * @rtx_window: its queries between their first retransmission and their
 *	end, DNSPOOL_RTX_WINDOW at most (xmit.c)
 * @inflight: queries in the pool
 * @stats: its counters
 */
struct dnspool_pool {
	struct dnspool_upstream *up;
	const struct dnspool_conn_ops *ops;
	spinlock_t lock;		/* see above */
	struct list_head conns;
	struct list_head graveyard;
	unsigned int nconns;
	unsigned int peak;
	unsigned int rotated;
	int dial_error;
	unsigned long holddown_until;
	unsigned long holddown;
	unsigned long dial_epoch;
	bool dead;
	struct delayed_work reap_work;
	struct delayed_work tick_work;
	struct work_struct gc_work;
	struct llist_head due;
	struct work_struct due_work;
	struct dnspool_rtt rtt;
	atomic_t rtx_window;
	atomic_t inflight;
	struct dnspool_stats stats;
};

/* The upstream's parameters change under the registry's lock while its
 * pools read them.
 */
#define DNSPOOL_PARAM(pool, field) READ_ONCE((pool)->up->params.field)

extern struct workqueue_struct *dnspool_wq;

void dnspool_pool_init(struct dnspool_pool *pool, struct dnspool_upstream *up,
		       const struct dnspool_conn_ops *ops);
void dnspool_pool_shutdown(struct dnspool_pool *pool);
int dnspool_pool_submit(struct dnspool_pool *pool, struct dnspool_query *q,
			const char **why);
void dnspool_pool_resubmit(struct dnspool_pool *pool, struct dnspool_query *q);
void dnspool_pool_count_end(struct dnspool_pool *pool, int err);
void dnspool_pool_dial_ok(struct dnspool_pool *pool);
void dnspool_pool_retry_tx(struct dnspool_conn *conn);
void dnspool_pool_kill_conn(struct dnspool_pool *pool, struct dnspool_conn *conn,
			    int err, struct list_head *orphans);
void dnspool_pool_kick_gc(struct dnspool_pool *pool);
void dnspool_pool_orphans(struct dnspool_pool *pool, struct list_head *orphans,
			  int err, bool dialing);
void dnspool_pool_conn_failed(struct dnspool_conn *conn, int err, bool dialing);
void dnspool_pool_params_changed(struct dnspool_pool *pool, bool tls_name);
void dnspool_pool_counts(struct dnspool_pool *pool, unsigned int *active,
			 unsigned int *total, unsigned int *peak);

#endif /* _DNSPOOL_POOL_H */
