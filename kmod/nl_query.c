// SPDX-License-Identifier: GPL-2.0
/*
 * The family's QUERY operation: a DNS query for an upstream's pool, and
 * its answer back to the requester: as a message of its own, perhaps in
 * one datagram with other answers to the same requester, or as the
 * request's reply.
 */
#include <linux/completion.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "dnsmsg.h"
#include "group.h"
#include "limits.h"
#include "netlink-gen.h"
#include "netlink.h"
#include "pool.h"
#include "query.h"
#include "upstream.h"

/*
 * How a query's answer goes back.  Without NLM_F_ACK it is a message of
 * its own, sent when the query ends, or with the answers the same receive
 * run took for the same requester (ASYNC).  With it, the request waits
 * for the end (WAITING), and the answer is its reply, before the ack
 * (ENDED); a request that stops waiting (a signal) leaves the query to end
 * unseen (ABANDONED).
 */
enum dnspool_nl_mode {
	DNSPOOL_NL_ASYNC,
	DNSPOOL_NL_WAITING,
	DNSPOOL_NL_ENDED,
	DNSPOOL_NL_ABANDONED,
};

/* A query from a netlink socket, and where its answer goes. */
struct dnspool_nl_query {
	struct dnspool_query q;		/* first: the pool frees it whole */
	struct net *net;
	struct sock *sk;		/* the requester's socket, held */
	u32 portid;
	u32 seq;
	struct dnspool_inflight charge;	/* against the requester's bounds */
	char group[DNSPOOL_NAME_MAX_LEN + 1];	/* the group asked, or "" */
	int mode;			/* enum dnspool_nl_mode, cmpxchg()ed */
	int err;			/* the outcome, for a waiting request */
	struct completion ended;	/* for a waiting request */
};

/* Set at unload: no new query; the pools close before the family goes. */
static bool dnspool_nl_closing;

/**
 * dnspool_nl_close_queries() - unload, first step: refuse new queries
 *
 * Queries still in the pools get answered (with an error) while the family
 * is there.
 */
void dnspool_nl_close_queries(void)
{
	WRITE_ONCE(dnspool_nl_closing, true);
}

static int dnspool_nl_fill_answer(struct sk_buff *skb, struct dnspool_nl_query *nq,
				  int err)
{
	struct dnspool_query *q = &nq->q;
	void *hdr;

	hdr = genlmsg_put(skb, nq->portid, nq->seq, &dnspool_nl_family, 0,
			  DNSPOOL_CMD_QUERY);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, DNSPOOL_A_QUERY_UPSTREAM, q->up->name) ||
	    nla_put_u32(skb, DNSPOOL_A_QUERY_TRANSPORT, q->transport))
		goto nla_put_failure;
	if (err) {
		if (nla_put_u32(skb, DNSPOOL_A_QUERY_ERROR, -err) ||
		    nla_put_u32(skb, DNSPOOL_A_QUERY_ERROR_CLASS, dnspool_error_class(err)))
			goto nla_put_failure;
	} else if (nla_put(skb, DNSPOOL_A_QUERY_MSG, q->answer_len, q->answer) ||
		   nla_put_u32(skb, DNSPOOL_A_QUERY_RTT_US, q->rtt_us) ||
		   nla_put_u8(skb, DNSPOOL_A_QUERY_REUSED, q->reused)) {
		goto nla_put_failure;
	}
	if (nq->group[0] &&
	    (nla_put_string(skb, DNSPOOL_A_QUERY_GROUP, nq->group) ||
	     nla_put_u32(skb, DNSPOOL_A_QUERY_ASKED, q->members_asked)))
		goto nla_put_failure;
	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static struct sk_buff *dnspool_nl_answer_msg(struct dnspool_nl_query *nq, int err,
					     gfp_t gfp)
{
	size_t size = NLMSG_GOODSIZE / 8 + (err ? 0 : nq->q.answer_len);
	struct sk_buff *skb = genlmsg_new(size, gfp);

	if (skb && dnspool_nl_fill_answer(skb, nq, err)) {
		nlmsg_free(skb);
		skb = NULL;
	}
	return skb;
}

/* Counts answers the requester will not see. */
static void dnspool_nl_undelivered(struct dnspool_pool *pool, struct sock *sk,
				   unsigned int n, bool nomem)
{
	atomic64_add(n, &pool->stats.undelivered);
	/* netlink_overrun() says the same when a buffer is full. */
	if (nomem && !sock_flag(sk, SOCK_DEAD)) {
		WRITE_ONCE(sk->sk_err, ENOBUFS);
		sk_error_report(sk);
	}
}

/* Sends the answers a batch gathered, in one skb, unless the requester's
 * socket is gone since (its port ID may be another's by now).
 */
static void dnspool_nl_batch_flush(struct dnspool_batch *b)
{
	if (sock_flag(b->sk, SOCK_DEAD))
		nlmsg_free(b->skb);
	else if (genlmsg_unicast(sock_net(b->sk), b->skb, b->portid) == -EAGAIN)
		dnspool_nl_undelivered(b->pool, b->sk, b->n, false);
	b->skb = NULL;
	sock_put(b->sk);
}

/* Answers this long go in a message of their own. */
#define DNSPOOL_NL_BATCH_ANSWER_MAX	(NLMSG_DEFAULT_SIZE / 4)

/*
 * Adds @nq's answer to the batch, if the batch is @nq's requester's (one
 * requester per batch: another's answers go as they come), flushing it
 * first when full.  False when the answer is not the batch's to send.
 */
static bool dnspool_nl_batch_add(struct dnspool_batch *b, struct dnspool_nl_query *nq,
				 int err)
{
	if (b->flush != dnspool_nl_batch_flush || b->sk != nq->sk ||
	    b->portid != nq->portid || b->pool != nq->q.pool)
		return false;
	if (!dnspool_nl_fill_answer(b->skb, nq, err)) {
		b->n++;
		return true;
	}
	dnspool_batch_flush(b);
	return false;
}

/* Starts a batch with @nq's answer, in an skb (a page) with room for more. */
static bool dnspool_nl_batch_start(struct dnspool_batch *b, struct dnspool_nl_query *nq,
				   int err)
{
	struct sk_buff *skb;

	if (b->flush || (!err && nq->q.answer_len > DNSPOOL_NL_BATCH_ANSWER_MAX))
		return false;
	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, b->gfp | __GFP_NOWARN);
	if (!skb)
		return false;
	if (dnspool_nl_fill_answer(skb, nq, err)) {
		nlmsg_free(skb);
		return false;
	}
	sock_hold(nq->sk);
	b->sk = nq->sk;
	b->portid = nq->portid;
	b->pool = nq->q.pool;
	b->skb = skb;
	b->n = 1;
	b->flush = dnspool_nl_batch_flush;
	return true;
}

/* Sends @nq's answer in a message of its own. */
static void dnspool_nl_answer_now(struct dnspool_nl_query *nq, int err, gfp_t gfp)
{
	struct sk_buff *skb = dnspool_nl_answer_msg(nq, err, gfp);

	/* Out of memory for the answer: say so, in a smaller message. */
	if (!skb && !err)
		skb = dnspool_nl_answer_msg(nq, -ENOMEM, gfp);
	if (!skb)
		dnspool_nl_undelivered(nq->q.pool, nq->sk, 1, true);
	else if (genlmsg_unicast(nq->net, skb, nq->portid) == -EAGAIN)
		dnspool_nl_undelivered(nq->q.pool, nq->sk, 1, false);
}

/*
 * The query ended: answer the requester, unless its socket is gone (a new
 * socket may have its port ID by now; netlink_release() frees the port ID
 * a moment before it marks the socket dead, a window this check cannot
 * close).
 *
 * Answers ended together (the answers one run of a connection's receive
 * took) are gathered into one datagram for their requester, as
 * nfnetlink_log gathers packets, while something else waits to be read on
 * its socket: a reader with nothing to read may be waiting, and gets its
 * answer at once.  Then one wake-up and one read take many answers.  A
 * batch serves one requester; the answers of others meanwhile go each in
 * a message of its own, as they would without batches.
 *
 * An answer that cannot be delivered (no memory for it, or the reader's
 * receive buffer is full) is counted; the requester learns of it as
 * netlink tells of any message it lost: its socket reports ENOBUFS (which
 * NETLINK_NO_ENOBUFS cannot silence when memory ran out: that flag is
 * netlink's own, out of our reach).
 */
static void dnspool_nl_query_done(struct dnspool_query *q, int err, struct dnspool_batch *b)
{
	struct dnspool_nl_query *nq = container_of(q, struct dnspool_nl_query, q);
	struct sock *sk = nq->sk;

	dnspool_inflight_uncharge(&nq->charge);
	if (READ_ONCE(nq->mode) != DNSPOOL_NL_ASYNC) {
		/* The request waits: it sends the answer, as its reply.  Or
		 * it gave up, and nobody reads this answer.
		 */
		nq->err = err;
		if (cmpxchg(&nq->mode, DNSPOOL_NL_WAITING, DNSPOOL_NL_ENDED) ==
		    DNSPOOL_NL_WAITING)
			complete(&nq->ended);
		goto out;
	}
	if (sock_flag(sk, SOCK_DEAD))
		goto out;
	/* A netlink attribute holds less than 64 KiB. */
	if (!err && q->answer_len > U16_MAX - NLA_HDRLEN)
		err = -EMSGSIZE;
	if (!dnspool_nl_batch_add(b, nq, err)) {
		if (skb_queue_empty_lockless(&sk->sk_receive_queue) ||
		    !dnspool_nl_batch_start(b, nq, err)) {
			dnspool_nl_answer_now(nq, err, b->gfp);
			goto out;
		}
	}
	/* The reader took what it had meanwhile, and may wait. */
	if (skb_queue_empty_lockless(&sk->sk_receive_queue))
		dnspool_batch_flush(b);
out:
	sock_put(sk);
}

/* The requester of a query: the netlink socket and the user that sent it. */
static int dnspool_nl_charge(struct genl_info *info, struct sk_buff *skb,
			     struct dnspool_nl_query *nq)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	const char *why = NULL;
	int err;

	err = dnspool_inflight_charge(&dn->limits, NETLINK_CB(skb).sk,
				      NETLINK_CB(skb).creds.uid, &nq->charge, &why);
	dnspool_nl_set_why(info->extack, NULL, why);
	return err;
}

/*
 * A request that asked for an ack waits for its query's end, interruptibly
 * and no longer than the query may last, then replies with the answer.
 * The query holds a reference of the request's meanwhile.
 */
static int dnspool_nl_query_wait(struct dnspool_nl_query *nq, struct genl_info *info)
{
	long left = max_t(long, (long)(nq->q.deadline - jiffies), 0) + HZ;
	struct sk_buff *reply;
	long waited;
	int err;

	waited = wait_for_completion_interruptible_timeout(&nq->ended, left);
	if (waited <= 0 && cmpxchg(&nq->mode, DNSPOOL_NL_WAITING, DNSPOOL_NL_ABANDONED) ==
	    DNSPOOL_NL_WAITING) {
		/* Gave up (a signal; or the query outlived its deadline,
		 * which its timer does not let happen): the query
		 * ends later, unseen.
		 */
		err = waited ? -EINTR : -ETIMEDOUT;
		goto out;
	}
	/* Ended, perhaps just as the wait gave up: answer. */
	reply = dnspool_nl_answer_msg(nq, nq->err, GFP_KERNEL);
	if (!reply && !nq->err)
		reply = dnspool_nl_answer_msg(nq, -ENOMEM, GFP_KERNEL);
	err = reply ? genlmsg_reply(reply, info) : -ENOMEM;
	if (err)
		atomic64_inc(&nq->q.pool->stats.undelivered);
out:
	dnspool_query_put(&nq->q);
	return err;
}

/**
 * dnspool_nl_query_doit() - QUERY: a DNS query for an upstream's pool
 * @skb: the request
 * @info: its attributes
 *
 * A query the pool cannot take is refused now, the extended ack saying
 * why.  One taken is answered when it ends: by a message of its own, or,
 * when the request asked for an ack, by the request's reply, which the
 * handler waits for (holding genetlink's cb_lock for reading meanwhile).
 *
 * Context: process context, genetlink's cb_lock held for reading; sleeps.
 * Return: 0 or a negative errno.
 */
int dnspool_nl_query_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct nlattr *name = info->attrs[DNSPOOL_A_QUERY_UPSTREAM];
	struct nlattr *msg = info->attrs[DNSPOOL_A_QUERY_MSG];
	struct dnspool_upstream *up = NULL;
	struct dnspool_group *group = NULL;
	struct dnspool_nl_query *nq;
	struct dnspool_query *q;
	struct dnspool_pool *pool = NULL;
	size_t qlen, name_len;
	const char *why = NULL;
	bool waiting;
	int err;

	if (READ_ONCE(dnspool_nl_closing))
		return -ESHUTDOWN;
	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_QUERY_MSG))
		return -EINVAL;
	if (nla_len(msg) > DNSPOOL_QUERY_MAX_LEN) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, msg, "a query holds at most %d bytes",
					DNSPOOL_QUERY_MAX_LEN);
		return -EMSGSIZE;
	}
	err = dnsmsg_check_query(nla_data(msg), nla_len(msg), &qlen, &name_len, &why);
	if (err) {
		dnspool_nl_set_why(info->extack, msg, why);
		return err;
	}

	q = dnspool_query_alloc(sizeof(*nq), nla_data(msg), nla_len(msg), qlen, name_len,
				GFP_KERNEL_ACCOUNT);
	if (IS_ERR(q))
		return PTR_ERR(q);
	nq = container_of(q, struct dnspool_nl_query, q);

	q->force_tcp = nla_get_flag(info->attrs[DNSPOOL_A_QUERY_TCP]);
	up = dnspool_upstream_get(dn, name ? nla_data(name) : NULL);
	if (!up && name)
		group = dnspool_group_get(dn, nla_data(name));
	if (!up && !group) {
		if (name)
			NL_SET_ERR_MSG_ATTR(info->extack, name,
					    "no upstream or group of this name");
		else
			NL_SET_ERR_MSG(info->extack, "no upstream in this namespace");
		err = -ENOENT;
		goto err_free;
	}
	if (up) {
		q->up = up;
		pool = dnspool_upstream_pool(up, q->force_tcp);
	} else {
		strscpy(nq->group, group->name, sizeof(nq->group));
	}

	err = dnspool_nl_charge(info, skb, nq);
	if (err) {
		if (group)
			dnspool_group_put(group);
		goto err_free;
	}
	nq->net = genl_info_net(info);
	nq->sk = NETLINK_CB(skb).sk;
	nq->portid = info->snd_portid;
	nq->seq = info->snd_seq;
	q->done = dnspool_nl_query_done;
	waiting = info->nlhdr->nlmsg_flags & NLM_F_ACK;
	if (waiting) {
		nq->mode = DNSPOOL_NL_WAITING;
		init_completion(&nq->ended);
		refcount_inc(&q->ref);		/* the waiter's */
	}
	/* Held first: the answer may come before submit returns. */
	sock_hold(nq->sk);
	/* Taken: the answer comes later, from the pool.  Refused: the
	 * request's error (and ack) says why, now.  A query taken may have
	 * ended and been freed by the time submit returns, unless waited for.
	 */
	if (group) {
		err = dnspool_group_submit(group, q, &why);
		dnspool_group_put(group);
	} else {
		err = dnspool_pool_submit(pool, q, &why);
	}
	if (!err)
		return waiting ? dnspool_nl_query_wait(nq, info) : 0;
	if (waiting)
		refcount_dec(&q->ref);
	sock_put(nq->sk);
	dnspool_nl_set_why(info->extack, NULL, why);
	dnspool_inflight_uncharge(&nq->charge);
err_free:
	dnspool_query_put(q);
	return err;
}

