// SPDX-License-Identifier: GPL-2.0
/*
 * A listener's clients' queries, over either transport: who may ask (the
 * allow list, the rate limit), what is forwarded (a stub's query, checked
 * as the family's QUERY checks it), and the answer sent back: the
 * upstream's, an empty one with TC set when it is longer than a UDP client
 * takes, or an error built from the query's own header and question.
 *
 * This is the module's only code fed by remote, unauthenticated input: it
 * reads a client's header, question and at most one OPT record, no more.
 */
#include <linux/inet.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <net/ipv6.h>

#include "dnsmsg.h"
#include "group.h"
#include "listener.h"
#include "pool.h"
#include "upstream.h"

#define DNS_RCODE_FORMERR	1
#define DNS_RCODE_NOTIMP	4

/* What a UDP client without EDNS takes (RFC 1035 section 4.2.1). */
#define DNS_UDP_MIN_SIZE	512

/* The most sent over UDP whatever a client says it takes: DNS Flag Day
 * 2020's size, which needs no fragment on common paths.  Also the size a
 * reply built here advertises.
 */
#define DNS_UDP_MAX_SIZE	1232

#define DNS_TYPE_OPT		41

/**
 * dnspool_client_addr() - a client's address, for prefix matching
 * @ss: its sockaddr_in or sockaddr_in6
 * @a: set to it as an IPv6 address, an IPv4 one mapped
 */
void dnspool_client_addr(const struct sockaddr_storage *ss, struct in6_addr *a)
{
	if (ss->ss_family == AF_INET)
		ipv6_addr_set_v4mapped(((const struct sockaddr_in *)ss)->sin_addr.s_addr, a);
	else
		*a = ((const struct sockaddr_in6 *)ss)->sin6_addr;
}

static bool dnspool_client_loopback(const struct in6_addr *a)
{
	return ipv6_addr_loopback(a) ||
	       (ipv6_addr_v4mapped(a) && ipv4_is_loopback(a->s6_addr32[3]));
}

static bool dnspool_client_allowed(const struct dnspool_listener_cfg *cfg,
				   const struct in6_addr *a)
{
	unsigned int i;

	for (i = 0; i < cfg->nallow; i++)
		if (ipv6_prefix_equal(&cfg->allow[i].addr, a, cfg->allow[i].len))
			return true;
	return false;
}

/**
 * dnspool_client_net() - the network a client is counted in
 * @a: its address (dnspool_client_addr())
 *
 * An IPv4 /24 or an IPv6 /56: what one site usually holds, as response
 * rate limiting counts them.
 *
 * Return: a key for the network.
 */
u64 dnspool_client_net(const struct in6_addr *a)
{
	if (ipv6_addr_v4mapped(a))
		return BIT_ULL(63) | (ntohl(a->s6_addr32[3]) >> 8);
	return ((u64)ntohl(a->s6_addr32[0]) << 32 | ntohl(a->s6_addr32[1])) >> 8;
}

/*
 * The token bucket of @a's network has a token left: take it.  Buckets are
 * found by a keyed hash; networks whose keys hash alike share a bucket, and
 * its tokens, rather than growing a table: a flood from many networks
 * limits them together, and nobody can pick networks that never share.
 */
static bool dnspool_rate_take(struct dnspool_listener *l, const struct in6_addr *a, u32 rate)
{
	u64 key = dnspool_client_net(a);
	struct dnspool_rate_bucket *b;
	u64 full = (u64)rate * HZ;
	unsigned long now = jiffies;
	bool ok;

	b = &l->rate[siphash_1u64(key, &l->rate_key) & (ARRAY_SIZE(l->rate) - 1)];
	spin_lock_bh(&l->rate_lock);
	if (!b->stamp)
		b->tokens = full;
	else
		b->tokens = min(full, b->tokens + (u64)(now - b->stamp) * rate);
	b->key = key;
	b->stamp = now ?: 1;
	ok = b->tokens >= HZ;
	if (ok)
		b->tokens -= HZ;
	spin_unlock_bh(&l->rate_lock);
	return ok;
}

/**
 * dnspool_lquery_admit() - may this client ask the listener?
 * @l: the listener
 * @client: the client's address (dnspool_client_addr())
 *
 * A client outside the allow list, or over its network's rate, is counted
 * and ignored.
 *
 * Context: process context.
 * Return: true when it may.
 */
bool dnspool_lquery_admit(struct dnspool_listener *l, const struct in6_addr *client)
{
	const struct dnspool_listener_cfg *cfg;
	bool allowed;
	u32 rate;

	rcu_read_lock();
	cfg = rcu_dereference(l->cfg);
	allowed = dnspool_client_allowed(cfg, client);
	rate = cfg->rate;
	rcu_read_unlock();
	if (!allowed) {
		atomic64_inc(&l->stats.refused_acl);
		return false;
	}
	if (rate && !dnspool_client_loopback(client) && !dnspool_rate_take(l, client, rate)) {
		atomic64_inc(&l->stats.rate_limited);
		return false;
	}
	return true;
}

/*
 * The client's OPT record, if the query has one: its UDP payload size,
 * within 512 and DNS_UDP_MAX_SIZE; 512 without one.
 */
static u16 dnspool_lquery_udp_size(const u8 *msg, size_t len, size_t qlen, bool *edns)
{
	size_t off = DNS_HDR_LEN + qlen;

	/* Checked by dnsmsg_check_query(): records follow the question, OPT
	 * first, its owner the root; a TSIG record, if any, last.
	 */
	*edns = off + 11 <= len && !msg[off] &&
		(msg[off + 1] << 8 | msg[off + 2]) == DNS_TYPE_OPT;
	if (!*edns)
		return DNS_UDP_MIN_SIZE;
	return clamp_t(u16, msg[off + 3] << 8 | msg[off + 4], DNS_UDP_MIN_SIZE,
		       DNS_UDP_MAX_SIZE);
}

/* Makes the header at @msg a bare answer's to itself, with @rcode. */
static void dnspool_lquery_error_header(u8 *msg, u8 rcode)
{
	msg[2] = 0x80 | (msg[2] & 0x79);	/* QR, opcode, RD kept */
	msg[3] = 0x80 | rcode;			/* RA */
	memset(msg + 4, 0, 8);
}

/**
 * dnspool_lquery_new() - a client's message, as a query for the pools
 * @l: the listener it came to
 * @msg: the message, which may be overwritten with an error answer; it
 *	holds min(@len, DNSPOOL_QUERY_MAX_LEN + 1) bytes
 * @len: its length
 * @err_len: when no query results, set to the length of the error answer
 *	built in @msg, or to 0 when nothing is to be answered
 *
 * Messages too short for a header, and responses, are dropped: answering
 * them could loop or reflect.  Other malformed queries get FORMERR, other
 * opcodes NOTIMP, each a bare header.  All are counted as malformed.
 *
 * Context: process context.
 * Return: the query, not yet submitted, or NULL.
 */
struct dnspool_lquery *dnspool_lquery_new(struct dnspool_listener *l, u8 *msg, size_t len,
					  size_t *err_len)
{
	struct dnspool_net *dn = dnspool_net(l->net);
	struct dnspool_lquery *lq;
	struct dnspool_query *q;
	size_t qlen, name_len;
	const char *why;
	u8 rcode;

	*err_len = 0;
	if (len < DNS_HDR_LEN || dnsmsg_is_response(msg)) {
		atomic64_inc(&l->stats.malformed);
		return NULL;
	}
	if (dnsmsg_opcode(msg) != DNS_OPCODE_QUERY)
		rcode = DNS_RCODE_NOTIMP;
	else if (len > DNSPOOL_QUERY_MAX_LEN ||
		 dnsmsg_check_query(msg, len, &qlen, &name_len, &why))
		rcode = DNS_RCODE_FORMERR;
	else
		rcode = 0;
	if (rcode) {
		atomic64_inc(&l->stats.malformed);
		dnspool_lquery_error_header(msg, rcode);
		*err_len = DNS_HDR_LEN;
		return NULL;
	}

	q = dnspool_query_alloc(sizeof(*lq), msg, len, qlen, name_len, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(q))
		goto drop;
	lq = container_of(q, struct dnspool_lquery, q);
	if (dnspool_inflight_charge(&dn->limits, l, l->owner, &lq->charge, &why)) {
		dnspool_query_put(q);
		goto drop;
	}
	kref_get(&l->ref);
	lq->l = l;
	lq->udp_size = dnspool_lquery_udp_size(msg, len, qlen, &lq->edns);
	atomic_inc(&l->inflight);
	atomic64_inc(&l->stats.queries);
	return lq;

drop:
	atomic64_inc(&l->stats.drops);
	return NULL;
}

/**
 * dnspool_lquery_free() - a client's query is done with
 * @lq: the query, answered or dropped
 *
 * Context: any context but hard interrupt.
 */
void dnspool_lquery_free(struct dnspool_lquery *lq)
{
	struct dnspool_listener *l = lq->l;
	struct dnspool_lconn *c = lq->conn;

	dnspool_query_put(&lq->q);
	if (c)
		dnspool_lconn_put(c);
	dnspool_listener_put(l);
}

/* The query's outcome goes to whoever sends its answer. */
static void dnspool_lquery_finish(struct dnspool_lquery *lq, int err)
{
	struct dnspool_listener *l = lq->l;

	lq->err = err;
	atomic_dec(&l->inflight);
	dnspool_inflight_uncharge(&lq->charge);
	if (lq->conn) {
		dnspool_lconn_answered(lq);
		return;
	}
	/* A UDP client's answer goes at once, from here. */
	if (READ_ONCE(l->dead)) {
		atomic64_inc(&l->stats.drops);
	} else {
		dnspool_lquery_build_reply(lq, false);
		if (dnspool_lsn_udp_xmit(l, &lq->client, lq->reply, lq->reply_len))
			atomic64_inc(&l->stats.drops);
		else
			atomic64_inc(&l->stats.answers);
	}
	dnspool_lquery_free(lq);
}

/* The pools' end of the query: in any context (dnspool_done_t). */
static void dnspool_lquery_done(struct dnspool_query *q, int err, struct dnspool_batch *b)
{
	struct dnspool_lquery *lq = container_of(q, struct dnspool_lquery, q);

	/* Kept past the pool's reference, until the answer is sent. */
	refcount_inc(&q->ref);
	dnspool_lquery_finish(lq, err);
}

/**
 * dnspool_lquery_submit() - forward a client's query to the listener's
 * target
 * @lq: the query, from dnspool_lquery_new(), its conn set for TCP
 *
 * Its outcome, an answer or an error (the target gone, or unable to take
 * it), goes to the sender of answers of its transport.
 *
 * Context: process context: a listener's work, holding at most the
 * listener's sock_lock, which nothing the pools do takes.
 */
void dnspool_lquery_submit(struct dnspool_lquery *lq)
{
	struct dnspool_listener *l = lq->l;
	struct dnspool_net *dn = dnspool_net(l->net);
	char target[DNSPOOL_NAME_MAX_LEN + 1];
	struct dnspool_query *q = &lq->q;
	struct dnspool_upstream *up;
	struct dnspool_group *g = NULL;
	const char *why;
	int err;

	rcu_read_lock();
	strscpy(target, rcu_dereference(l->cfg)->target, sizeof(target));
	rcu_read_unlock();
	q->done = dnspool_lquery_done;
	up = dnspool_upstream_get(dn, target);
	if (!up)
		g = dnspool_group_get(dn, target);
	if (up) {
		q->up = up;
		err = dnspool_pool_submit(dnspool_upstream_pool(up, false), q, &why);
	} else if (g) {
		err = dnspool_group_submit(g, q, &why);
		dnspool_group_put(g);
	} else {
		err = -ENOENT;
	}
	/* Taken, the query's reference is the pool's; refused, still ours. */
	if (err)
		dnspool_lquery_finish(lq, err);
}

/*
 * Builds in lq->built the query's header and question, the header made an
 * answer's with @flags2 and @flags3 (the second and third header bytes),
 * and, when the query had one, an OPT record (RFC 6891 section 7).
 */
static void dnspool_lquery_build(struct dnspool_lquery *lq, u8 flags2, u8 flags3)
{
	struct dnspool_query *q = &lq->q;
	u8 *p = lq->built;

	dnsmsg_set_id(p, q->client_id);
	p[2] = flags2;
	p[3] = flags3;
	memset(p + 4, 0, 8);
	p[5] = 1;				/* QDCOUNT */
	memcpy(p + DNS_HDR_LEN, q->msg + DNS_HDR_LEN, q->qlen);
	lq->reply_len = DNS_HDR_LEN + q->qlen;
	if (lq->edns) {
		static const u8 opt[11] = {
			0, 0, DNS_TYPE_OPT, DNS_UDP_MAX_SIZE >> 8, DNS_UDP_MAX_SIZE & 0xff,
		};

		p[11] = 1;			/* ARCOUNT */
		memcpy(p + lq->reply_len, opt, sizeof(opt));
		lq->reply_len += sizeof(opt);
	}
	lq->reply = p;
}

/**
 * dnspool_lquery_build_reply() - the answer to send a client
 * @lq: the query, ended
 * @tcp: it came over TCP, which takes any length
 *
 * The upstream's answer, which carries the client's ID (the pools put it
 * back); over UDP, when longer than the client takes, its header's flags
 * with TC set over the question alone; SERVFAIL with the question when the
 * query failed.  Counted.
 *
 * Context: any context but hard interrupt.
 */
void dnspool_lquery_build_reply(struct dnspool_lquery *lq, bool tcp)
{
	struct dnspool_listener *l = lq->l;
	struct dnspool_query *q = &lq->q;
	const u8 *msg = q->msg;

	if (lq->err || !q->answer) {
		atomic64_inc(&l->stats.servfail);
		/* QR, the query's opcode and RD; RA. */
		dnspool_lquery_build(lq, 0x80 | (msg[2] & 0x79), 0x80 | DNS_RCODE_SERVFAIL);
	} else if (!tcp && q->answer_len > lq->udp_size) {
		atomic64_inc(&l->stats.truncated);
		dnspool_lquery_build(lq, q->answer[2] | 0x02, q->answer[3]);
	} else {
		lq->reply = q->answer;
		lq->reply_len = q->answer_len;
	}
	lq->prefix[0] = lq->reply_len >> 8;
	lq->prefix[1] = lq->reply_len & 0xff;
}
