/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Listeners: kernel sockets, per network namespace, that answer DNS clients
 * over UDP and TCP with the pools of an upstream or a group.
 */
#ifndef _DNSPOOL_LISTENER_H
#define _DNSPOOL_LISTENER_H

#include <linux/atomic.h>
#include <linux/hashtable.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/siphash.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/dnspool.h>

#include "query.h"
#include "limits.h"

struct dnspool_net;
struct mem_cgroup;
struct sock;
struct socket;

/* A namespace holds at most this many listeners. */
#define DNSPOOL_MAX_LISTENERS	16

/* Defaults of a listener's parameters (RFC 7766 suggests seconds of idle). */
#define DNSPOOL_LISTENER_TCP_IDLE_MS	10000
#define DNSPOOL_LISTENER_TCP_MAX	256

/* Queries one TCP client connection may have in flight or unwritten. */
#define DNSPOOL_LISTENER_TCP_PIPELINE	64

/* Bytes of answers one TCP client connection may have unwritten before it
 * is read no more.
 */
#define DNSPOOL_LISTENER_TCP_OUT_MAX	(64 * 1024)

/* Buckets of the rate limiter: client networks tracked at once. */
#define DNSPOOL_RATE_BITS	10

/* An answer built here: a header, a question, an OPT record. */
#define DNSPOOL_LQ_REPLY_MAX	(12 + 255 + 4 + 11)

/**
 * struct dnspool_prefix - a network, for a listener's allow list
 * @addr: its address; an IPv4 network as an IPv4-mapped IPv6 address
 * @len: its prefix length, over @addr's 128 bits
 */
struct dnspool_prefix {
	struct in6_addr addr;
	u8 len;
};

/**
 * struct dnspool_listener_cfg - a listener's changeable parameters, replaced
 * whole by listener-set and read under RCU
 * @rcu: freed after the readers are done
 * @target: the upstream or group queries go to, by name
 * @nallow: how many networks @allow holds
 * @allow: the networks whose clients are served
 * @rate: queries per second per client network; 0: no limit
 * @tcp_idle_ms: an idle TCP client connection is closed after this
 * @tcp_max: TCP client connections open at once
 */
struct dnspool_listener_cfg {
	struct rcu_head rcu;
	char target[DNSPOOL_NAME_MAX_LEN + 1];
	unsigned int nallow;
	struct dnspool_prefix allow[DNSPOOL_LISTENER_MAX_ALLOW];
	u32 rate;
	u32 tcp_idle_ms;
	u32 tcp_max;
};

/**
 * struct dnspool_listener_stats - a listener's counters (see the spec)
 * @queries: well-formed queries forwarded
 * @answers: answers sent
 * @servfail: of them, SERVFAIL for queries the target failed
 * @refused_acl: datagrams and connections from clients outside allow
 * @rate_limited: queries over the rate limit
 * @malformed: messages that are not forwardable queries
 * @truncated: UDP answers sent as their header and question, TC set
 * @tcp_conns_total: TCP client connections accepted
 * @tcp_refused: TCP client connections over a cap
 * @drops: queries and answers lost for want of memory or room
 */
struct dnspool_listener_stats {
	atomic64_t queries;
	atomic64_t answers;
	atomic64_t servfail;
	atomic64_t refused_acl;
	atomic64_t rate_limited;
	atomic64_t malformed;
	atomic64_t truncated;
	atomic64_t tcp_conns_total;
	atomic64_t tcp_refused;
	atomic64_t drops;
};

/**
 * struct dnspool_rate_bucket - the token bucket of one client network
 * @key: the network (an IPv4 /24 or an IPv6 /56) that last used it;
 *	networks whose keys hash alike share it
 * @tokens: queries it may still send, times HZ
 * @stamp: when @tokens was last refilled, in jiffies
 */
struct dnspool_rate_bucket {
	u64 key;
	u64 tokens;
	unsigned long stamp;
};

/**
 * struct dnspool_listener - a DNS listener and its client connections
 * @ref: the registry's reference while listed, one per query in flight,
 *	per TCP client connection, and per queued work
 * @node: on its namespace's list (RCU), under the namespace's lock
 * @rcu: frees it after the readers of the list are done
 * @unlinked: taken off the list; under the namespace's lock
 * @dead: its sockets are closing: nothing new starts (READ_ONCE)
 * @net: its namespace; no reference: the namespace's exit removes it
 * @owner: who added it, whose in-flight bounds its queries are charged to
 * @memcg: its memory cgroup, which what the works allocate is charged to;
 *	held
 * @name: its name, fixed once listed
 * @addr: sockaddr_in or sockaddr_in6 it listens on, port included; fixed
 * @proto: enum dnspool_listener_proto; fixed
 * @cfg: its parameters; replaced under the namespace's lock
 * @sock_lock: protects @udp and @tcp: taken by the works that use them,
 *	and by the removal that closes them
 * @udp: its UDP socket, or NULL
 * @tcp: its listening TCP socket, or NULL
 * @udp_sk: @udp's sock while it is open, for answers sent from any
 *	context; RCU (bh), cleared before @udp closes
 * @udp_data_ready: @udp's data_ready before ours
 * @tcp_data_ready: @tcp's data_ready before ours, TCP's own, which
 *	accepted sockets get back
 * @udp_work: reads client datagrams
 * @accept_work: accepts TCP client connections
 * @lock: protects @conns, @nconns and @clients; taken with bottom halves
 *	enabled only from process context
 * @conns: its open TCP client connections
 * @nconns: how many
 * @clients: connections per client address (struct dnspool_lclient)
 * @live: client connections whose socket is not yet released
 * @rate_lock: protects @rate
 * @rate_key: the key of the hash that picks a client network's bucket and
 *	its client count, secret, so that nobody can pick networks that share
 *	one
 * @rate: token buckets per client network
 * @inflight: its clients' queries in flight
 * @udp_rx: the datagram being read, under @sock_lock
 * @stats: its counters
 */
struct dnspool_listener {
	struct kref ref;
	struct list_head node;
	struct rcu_head rcu;
	bool unlinked;
	bool dead;
	struct net *net;
	kuid_t owner;
	struct mem_cgroup *memcg;
	char name[DNSPOOL_NAME_MAX_LEN + 1];
	struct sockaddr_storage addr;
	u32 proto;
	struct dnspool_listener_cfg __rcu *cfg;
	struct mutex sock_lock;		/* see above */
	struct socket *udp;
	struct socket *tcp;
	struct sock __rcu *udp_sk;
	void (*udp_data_ready)(struct sock *sk);
	void (*tcp_data_ready)(struct sock *sk);
	struct work_struct udp_work;
	struct work_struct accept_work;
	spinlock_t lock;		/* see above */
	struct list_head conns;
	unsigned int nconns;
	DECLARE_HASHTABLE(clients, 6);
	atomic_t live;
	spinlock_t rate_lock;		/* see above */
	siphash_key_t rate_key;
	struct dnspool_rate_bucket rate[1 << DNSPOOL_RATE_BITS];
	atomic_t inflight;
	u8 udp_rx[DNSPOOL_QUERY_MAX_LEN + 1];
	struct dnspool_listener_stats stats;
};

/**
 * struct dnspool_lconn - a TCP client connection of a listener
 * @ref: its listener's list reference while open, one per query in flight,
 *	one per queued work
 * @l: its listener; held
 * @node: on its listener's list, under the listener's lock, while open
 * @client: the client's address
 * @net_key: its network (dnspool_client_net()), whose connections are
 *	counted
 * @sock: its socket; used by @work alone, released by it
 * @saved_data_ready: the socket's callbacks before ours
 * @saved_write_space: ...
 * @saved_state_change: ...
 * @work: reads queries, writes answers, closes
 * @timer: wakes @work when the connection may have been idle too long
 * @answers: answered queries (struct dnspool_lquery), to write
 * @out: answers being written, in order, under @work
 * @out_off: bytes of the first of @out written
 * @out_bytes: bytes of answers in @out
 * @rx_blocked: reading stopped at a bound of what it may have pending
 * @rx: a query being read: its 2-byte length, then its bytes
 * @rx_len: bytes of @rx read
 * @pending: queries in flight or unwritten
 * @inflight: of them, those the pools have not answered yet
 * @last: when a query was last read or an answer written, in jiffies
 * @closing: it is to close (peer gone, an error, idle, the listener going)
 * @eof: the client closed its side: answer what is pending, then close
 */
struct dnspool_lconn {
	struct kref ref;
	struct dnspool_listener *l;
	struct list_head node;
	struct in6_addr client;
	u64 net_key;
	struct socket *sock;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	struct work_struct work;
	struct timer_list timer;
	struct llist_head answers;
	struct list_head out;
	size_t out_off;
	size_t out_bytes;
	bool rx_blocked;
	u8 rx[2 + DNSPOOL_QUERY_MAX_LEN];
	size_t rx_len;
	atomic_t pending;
	atomic_t inflight;
	unsigned long last;
	bool closing;
	bool eof;
};

/**
 * struct dnspool_lquery - a client's query, through the pools
 * @q: the query; first, for the pool frees it whole
 * @l: the listener it came to; held
 * @conn: the TCP client connection it came on (held), or NULL for UDP
 * @client: the UDP client's address and port
 * @udp_size: the most the UDP client takes: 512, or its EDNS size
 * @edns: the query carried an OPT record, so must a reply built here
 * @charge: its share of the listener owner's in-flight bounds
 * @err: its outcome
 * @node: on its TCP connection's answers to write, once ended
 * @out: on its connection's answers being written
 * @reply: the answer to send, once built: the upstream's, or @built
 * @reply_len: its length
 * @prefix: its length as TCP frames it (RFC 1035 section 4.2.2)
 * @built: an answer built here (SERVFAIL, TC, FORMERR): a header, the
 *	question, an OPT record.  Never in the query's message, which a
 *	pool's sender may still be reading when the query ends.
 */
struct dnspool_lquery {
	struct dnspool_query q;
	struct dnspool_listener *l;
	struct dnspool_lconn *conn;
	struct sockaddr_storage client;
	u16 udp_size;
	bool edns;
	struct dnspool_inflight charge;
	int err;
	struct llist_node node;
	struct list_head out;
	u8 *reply;
	size_t reply_len;
	u8 prefix[2];
	u8 built[DNSPOOL_LQ_REPLY_MAX];
};

/* Registry (listener.c). */
struct dnspool_listener *dnspool_listener_alloc(struct net *net);
void dnspool_listener_put(struct dnspool_listener *l);
struct dnspool_listener *dnspool_listener_get(struct dnspool_net *dn, const char *name);
int dnspool_listener_insert(struct dnspool_net *dn, struct dnspool_listener *l);
int dnspool_listener_update(struct dnspool_net *dn, struct dnspool_listener *l,
			    struct dnspool_listener_cfg *cfg);
int dnspool_listener_remove(struct dnspool_net *dn, struct dnspool_listener *l);
void dnspool_listeners_flush(struct dnspool_net *dn);
bool dnspool_listener_name_taken(struct dnspool_net *dn, const char *name);
void dnspool_listener_kick(struct dnspool_listener *l, struct work_struct *work);
void dnspool_listener_close_unlisted(struct dnspool_listener *l);

/* Client queries, either transport (lquery.c). */
bool dnspool_lquery_admit(struct dnspool_listener *l, const struct in6_addr *client);
struct dnspool_lquery *dnspool_lquery_new(struct dnspool_listener *l, u8 *msg, size_t len,
					  size_t *err_len);
void dnspool_lquery_submit(struct dnspool_lquery *lq);
void dnspool_lquery_build_reply(struct dnspool_lquery *lq, bool tcp);
void dnspool_lquery_free(struct dnspool_lquery *lq);
void dnspool_client_addr(const struct sockaddr_storage *ss, struct in6_addr *a);
u64 dnspool_client_net(const struct in6_addr *a);

/* UDP (lsn_udp.c). */
int dnspool_lsn_udp_open(struct dnspool_listener *l);
void dnspool_lsn_udp_work(struct work_struct *work);
void dnspool_lsn_udp_close(struct dnspool_listener *l);
int dnspool_lsn_udp_xmit(struct dnspool_listener *l, const struct sockaddr_storage *to,
			 const void *data, size_t len);

/* TCP (lsn_tcp.c). */
int dnspool_lsn_tcp_open(struct dnspool_listener *l);
void dnspool_lsn_accept_work(struct work_struct *work);
void dnspool_lsn_tcp_close(struct dnspool_listener *l);
void dnspool_lconn_answered(struct dnspool_lquery *lq);
void dnspool_lconn_put(struct dnspool_lconn *c);

#endif /* _DNSPOOL_LISTENER_H */
