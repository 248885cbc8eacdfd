// SPDX-License-Identifier: GPL-2.0
/*
 * The family's POOL_GET dump: every pool of the namespace, or of one
 * upstream, with its connections and counters.
 */
#include <net/genetlink.h>
#include <net/sock.h>

#include "conn.h"
#include "netlink-gen.h"
#include "netlink.h"
#include "pool.h"
#include "upstream.h"
#include "xmit.h"

static int dnspool_nl_fill_pool(struct sk_buff *skb, struct dnspool_pool *pool,
				struct netlink_callback *cb)
{
	const struct dnspool_upstream *up = pool->up;
	const struct dnspool_stats *st = &pool->stats;
	static const struct {
		int attr;
		size_t off;
	} counters[] = {
#define COUNTER(a, f) { DNSPOOL_A_POOL_##a, offsetof(struct dnspool_stats, f) }
		COUNTER(QUERIES, queries),
		COUNTER(ANSWERS, answers),
		COUNTER(TIMEOUTS, timeouts),
		COUNTER(LOCAL_ERRORS, local_errors),
		COUNTER(UPSTREAM_ERRORS, upstream_errors),
		COUNTER(MISMATCHED, mismatched),
		COUNTER(MALFORMED, malformed),
		COUNTER(TRUNCATED_RETRIES, truncated_retries),
		COUNTER(RETRIES, retries),
		COUNTER(RETRANSMITS, retransmits),
		COUNTER(LATE_ANSWERS, late_answers),
		COUNTER(CONNS_OPENED, conns_opened),
		COUNTER(CONNS_CLOSED, conns_closed),
		COUNTER(CONNS_REAPED, conns_reaped),
		COUNTER(ROTATIONS, rotations),
		COUNTER(REUSES, reuses),
		COUNTER(DIAL_FAILURES, dial_failures),
		COUNTER(HANDSHAKES, handshakes),
		COUNTER(HANDSHAKE_FAILURES_AGENT, handshake_failures_agent),
		COUNTER(HANDSHAKE_FAILURES_TIMEOUT, handshake_failures_timeout),
		COUNTER(HANDSHAKE_FAILURES_CERT, handshake_failures_cert),
		COUNTER(HANDSHAKE_FAILURES_OTHER, handshake_failures_other),
		COUNTER(HANDSHAKE_TIME_US, handshake_time_us),
		COUNTER(UNDELIVERED, undelivered),
#undef COUNTER
	};
	unsigned int active, total, peak;
	u32 srtt = dnspool_rtt_srtt_us(&pool->rtt);
	void *hdr;
	size_t i;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dnspool_nl_family, NLM_F_MULTI, DNSPOOL_CMD_POOL_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	dnspool_pool_counts(pool, &active, &total, &peak);
	if (nla_put_string(skb, DNSPOOL_A_POOL_UPSTREAM, up->name) ||
	    nla_put_u32(skb, DNSPOOL_A_POOL_TRANSPORT, pool->ops->transport))
		goto nla_put_failure;
	if (dnspool_nl_put_addr(skb, &up->addr, DNSPOOL_A_POOL_IPV4,
				DNSPOOL_A_POOL_IPV6, DNSPOOL_A_POOL_PORT))
		goto nla_put_failure;
	if (nla_put_u32(skb, DNSPOOL_A_POOL_ACTIVE_CONNS, active) ||
	    nla_put_u32(skb, DNSPOOL_A_POOL_TOTAL_CONNS, total) ||
	    nla_put_u32(skb, DNSPOOL_A_POOL_PEAK_CONNS, peak) ||
	    nla_put_u32(skb, DNSPOOL_A_POOL_MAX_CONNS, READ_ONCE(up->params.max_conns)) ||
	    nla_put_u32(skb, DNSPOOL_A_POOL_IDLE_TIMEOUT_MS,
			READ_ONCE(up->params.idle_timeout_ms)) ||
	    nla_put_u32(skb, DNSPOOL_A_POOL_INFLIGHT, atomic_read(&pool->inflight)) ||
	    nla_put_u32(skb, DNSPOOL_A_POOL_RTO_MS, dnspool_pool_rto_ms(pool)) ||
	    (srtt && nla_put_u32(skb, DNSPOOL_A_POOL_SRTT_US, srtt)))
		goto nla_put_failure;
	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		const atomic64_t *v = (const void *)((const char *)st + counters[i].off);

		if (nla_put_uint(skb, counters[i].attr, atomic64_read(v)))
			goto nla_put_failure;
	}
	/* The histogram: its buckets in order, then their total time. */
	for (i = 0; i < ARRAY_SIZE(st->latency); i++)
		if (nla_put_uint(skb, DNSPOOL_A_POOL_LATENCY_BUCKET,
				 atomic64_read(&st->latency[i])))
			goto nla_put_failure;
	if (nla_put_uint(skb, DNSPOOL_A_POOL_LATENCY_US, atomic64_read(&st->latency_us)))
		goto nla_put_failure;
	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * dnspool_nl_pool_get_dumpit() - POOL_GET dump: the pools and their counters
 * @skb: the reply being filled
 * @cb: the dump's state: cb->args[0] counts the upstreams done,
 *	cb->args[1] the pools done of the next one
 *
 * Consistent across rounds as the upstream dump is.
 *
 * Context: process context; the registry is read under RCU.
 * Return: the reply's length while more is to come, 0 at the end, or a
 * negative errno.
 */
int dnspool_nl_pool_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_info *info = genl_info_dump(cb);
	struct nlattr *name = info->attrs ? info->attrs[DNSPOOL_A_POOL_UPSTREAM] : NULL;
	struct dnspool_net *dn = dnspool_net(sock_net(skb->sk));
	struct dnspool_upstream *up;
	long idx = 0;
	int err = 0;

	rcu_read_lock();
	cb->seq = dnspool_registry_gen(dn);
	list_for_each_entry_rcu(up, &dn->upstreams, node) {
		struct dnspool_pool *pools[] = { &up->pool, &up->tcp_pool };
		long p;

		if (idx++ < cb->args[0])
			continue;
		if (name && nla_strcmp(name, up->name))
			continue;
		for (p = cb->args[1]; p < ARRAY_SIZE(pools); p++) {
			if (!pools[p]->ops)
				continue;
			err = dnspool_nl_fill_pool(skb, pools[p], cb);
			if (err)
				break;
		}
		if (err) {
			cb->args[1] = p;
			idx--;
			break;
		}
		cb->args[1] = 0;
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return err == -EMSGSIZE ? skb->len : err;
}

