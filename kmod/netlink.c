// SPDX-License-Identifier: GPL-2.0
/*
 * The dnspool generic netlink family: the only file that speaks genetlink.
 * Policies and the ops table are generated from the YNL spec into
 * netlink-gen.c; the handlers here turn requests into registry calls.
 */
#include <linux/completion.h>
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "dnsmsg.h"
#include "limits.h"
#include "netlink.h"
#include "conn.h"
#include "netlink-gen.h"
#include "pool.h"
#include "query.h"
#include "upstream.h"

static struct genl_family dnspool_nl_family;

/*
 * An extended ack's message chosen at run time: @why is a string literal
 * of this module's (the message must outlive the request, which is why
 * NL_SET_ERR_MSG() takes only literals), @attr the attribute it blames,
 * if any.
 */
static void dnspool_nl_set_why(struct netlink_ext_ack *extack,
			       const struct nlattr *attr, const char *why)
{
	if (!extack || !why)
		return;
	do_trace_netlink_extack(why);
	extack->_msg = why;
	if (attr)
		NL_SET_BAD_ATTR(extack, attr);
}

/* Names end up in logs, file names and JSON: keep them plain. */
static int dnspool_nl_get_name(struct nlattr *attr, char *name,
			       struct netlink_ext_ack *extack)
{
	const char *s;

	nla_strscpy(name, attr, DNSPOOL_NAME_MAX_LEN + 1);
	if (!name[0]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "upstream name is empty");
		return -EINVAL;
	}
	for (s = name; *s; s++) {
		if (!isalnum(*s) && !strchr("-_.", *s)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "upstream name may hold only letters, digits, '-', '_' and '.'");
			return -EINVAL;
		}
	}
	return 0;
}

static int dnspool_nl_get_addr(struct genl_info *info,
			       struct dnspool_upstream *up)
{
	struct nlattr *a4 = info->attrs[DNSPOOL_A_UPSTREAM_IPV4];
	struct nlattr *a6 = info->attrs[DNSPOOL_A_UPSTREAM_IPV6];
	struct nlattr *aport = info->attrs[DNSPOOL_A_UPSTREAM_PORT];
	__be16 port = htons(dnspool_default_port(up->transport));

	if (a4 && a6) {
		NL_SET_ERR_MSG_ATTR(info->extack, a6,
				    "give one address, ipv4 or ipv6, not both");
		return -EINVAL;
	}
	if (!a4 && !a6) {
		NL_SET_ERR_MSG(info->extack, "upstream address missing");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, DNSPOOL_A_UPSTREAM_IPV4);
		return -EINVAL;
	}
	if (aport)
		port = nla_get_be16(aport);

	if (a4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&up->addr;
		__be32 ip = nla_get_in_addr(a4);

		if (ipv4_is_zeronet(ip) || ipv4_is_multicast(ip) ||
		    ipv4_is_lbcast(ip)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a4,
					    "upstream address must be a unicast address");
			return -EINVAL;
		}
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = ip;
		sin->sin_port = port;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&up->addr;
		struct in6_addr ip = nla_get_in6_addr(a6);
		int type = ipv6_addr_type(&ip);

		if (ipv6_addr_any(&ip) || (type & IPV6_ADDR_MULTICAST)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a6,
					    "upstream address must be a unicast address");
			return -EINVAL;
		}
		if (type & IPV6_ADDR_LINKLOCAL) {
			NL_SET_ERR_MSG_ATTR(info->extack, a6,
					    "link-local upstream addresses are not supported");
			return -EINVAL;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = ip;
		sin6->sin6_port = port;
	}
	return 0;
}

/* A host name of letters, digits and hyphens (RFC 1123), dots between
 * labels, one trailing dot allowed.
 */
static bool dnspool_nl_host_name(const char *s)
{
	size_t label = 0;

	for (; *s; s++) {
		if (*s == '.') {
			if (!label || s[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum(*s) || (*s == '-' && label)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return !label || s[-1] != '-';
}

/* An IPv4 or IPv6 address in text form. */
static bool dnspool_nl_ip_literal(const char *s)
{
	u8 addr[16];

	return in4_pton(s, -1, addr, -1, NULL) || in6_pton(s, -1, addr, -1, NULL);
}

/* The request's tls-name for @up, checked; NULL with none.  Writes nothing. */
static const char *dnspool_nl_get_tls_name(struct genl_info *info,
					   const struct dnspool_upstream *up,
					   int *err)
{
	struct nlattr *attr = info->attrs[DNSPOOL_A_UPSTREAM_TLS_NAME];
	const char *name;

	*err = 0;
	if (!attr)
		return NULL;
	*err = -EINVAL;
	if (up->transport != DNSPOOL_TRANSPORT_TLS) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "tls-name applies only to tls upstreams");
		return NULL;
	}
	name = nla_data(attr);
	if (!*name) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "tls-name is empty");
		return NULL;
	}
	/* It reaches the handshake agent and the kernel log: nothing else. */
	if (!dnspool_nl_host_name(name) && !dnspool_nl_ip_literal(name)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "tls-name must be a host name (letters, digits, hyphens, dots) or an IP address");
		return NULL;
	}
	*err = 0;
	return name;
}

/* Ranges were checked by the policy; absent attributes keep @p's values.
 * Pools read the parameters unlocked: each is written once, whole.  The
 * upstream's lock is held, or the upstream is not listed yet.
 */
static void dnspool_nl_get_params(struct genl_info *info,
				  struct dnspool_params *p)
{
	static const struct {
		int attr;
		size_t off;
	} map[] = {
		{ DNSPOOL_A_UPSTREAM_MAX_CONNS, offsetof(struct dnspool_params, max_conns) },
		{ DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS,
		  offsetof(struct dnspool_params, idle_timeout_ms) },
		{ DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS,
		  offsetof(struct dnspool_params, reap_interval_ms) },
		{ DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS,
		  offsetof(struct dnspool_params, dial_timeout_ms) },
		{ DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS,
		  offsetof(struct dnspool_params, query_timeout_ms) },
		{ DNSPOOL_A_UPSTREAM_ROTATE_QUERIES,
		  offsetof(struct dnspool_params, rotate_queries) },
		{ DNSPOOL_A_UPSTREAM_ROTATE_INTERVAL_MS,
		  offsetof(struct dnspool_params, rotate_interval_ms) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (info->attrs[map[i].attr])
			WRITE_ONCE(*(u32 *)((char *)p + map[i].off),
				   nla_get_u32(info->attrs[map[i].attr]));
}

/* An upstream's address and port, as the attributes @a4 or @a6, and @port. */
static int dnspool_nl_put_addr(struct sk_buff *skb, const struct sockaddr_storage *addr,
			       int a4, int a6, int port)
{
	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)addr;

		return nla_put_in_addr(skb, a4, sin->sin_addr.s_addr) ?:
		       nla_put_be16(skb, port, sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)addr;

		return nla_put_in6_addr(skb, a6, &sin6->sin6_addr) ?:
		       nla_put_be16(skb, port, sin6->sin6_port);
	}
}

static int dnspool_nl_fill_upstream(struct sk_buff *skb,
				    struct dnspool_upstream *up,
				    u32 portid, u32 seq, int flags,
				    struct netlink_callback *cb)
{
	char tls_name[DNSPOOL_TLS_NAME_MAX_LEN + 1];
	struct dnspool_params params, *p = &params;
	void *hdr;

	spin_lock(&up->lock);
	params = up->params;
	strscpy(tls_name, up->tls_name, sizeof(tls_name));
	spin_unlock(&up->lock);

	hdr = genlmsg_put(skb, portid, seq, &dnspool_nl_family, flags,
			  DNSPOOL_CMD_UPSTREAM_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);

	if (nla_put_string(skb, DNSPOOL_A_UPSTREAM_NAME, up->name) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_TRANSPORT, up->transport))
		goto nla_put_failure;

	if (dnspool_nl_put_addr(skb, &up->addr, DNSPOOL_A_UPSTREAM_IPV4,
				DNSPOOL_A_UPSTREAM_IPV6, DNSPOOL_A_UPSTREAM_PORT))
		goto nla_put_failure;

	if (tls_name[0] &&
	    nla_put_string(skb, DNSPOOL_A_UPSTREAM_TLS_NAME, tls_name))
		goto nla_put_failure;

	if (nla_put_u32(skb, DNSPOOL_A_UPSTREAM_MAX_CONNS, p->max_conns) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS,
			p->idle_timeout_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS,
			p->reap_interval_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS,
			p->dial_timeout_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS,
			p->query_timeout_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_ROTATE_QUERIES, p->rotate_queries) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_ROTATE_INTERVAL_MS,
			p->rotate_interval_ms))
		goto nla_put_failure;

	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * dnspool_nl_pre_doit_upstream() - find the upstream a request names
 * @ops: the operation
 * @skb: the request
 * @info: its attributes; user_ptr[0] is set to the upstream, held
 *
 * Shared by the requests that act on one upstream (set, del, get).
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0, -EINVAL without a name, -ENOENT when none has it.
 */
int dnspool_nl_pre_doit_upstream(const struct genl_split_ops *ops,
				 struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct nlattr *attr = info->attrs[DNSPOOL_A_UPSTREAM_NAME];
	struct dnspool_upstream *up;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_UPSTREAM_NAME))
		return -EINVAL;
	up = dnspool_upstream_get(dn, nla_data(attr));
	if (!up) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no upstream of this name");
		return -ENOENT;
	}
	info->user_ptr[0] = up;
	return 0;
}

/**
 * dnspool_nl_post_doit_upstream() - drop what the pre_doit took
 * @ops: the operation
 * @skb: the request
 * @info: its attributes
 *
 * Context: process context, genetlink's cb_lock held for reading.
 */
void dnspool_nl_post_doit_upstream(const struct genl_split_ops *ops,
				   struct sk_buff *skb, struct genl_info *info)
{
	dnspool_upstream_put(info->user_ptr[0]);
}

/**
 * dnspool_nl_upstream_add_doit() - UPSTREAM_ADD: a new upstream
 * @skb: the request
 * @info: its attributes
 *
 * Everything is checked before the upstream is listed.
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or a negative errno, with an extended ack saying why.
 */
int dnspool_nl_upstream_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct dnspool_upstream *up;
	const char *tls_name;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_UPSTREAM_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_UPSTREAM_TRANSPORT))
		return -EINVAL;

	up = dnspool_upstream_alloc(genl_info_net(info));
	if (!up)
		return -ENOMEM;

	err = dnspool_nl_get_name(attrs[DNSPOOL_A_UPSTREAM_NAME], up->name,
				  info->extack);
	if (err)
		goto err_free;
	up->transport = nla_get_u32(attrs[DNSPOOL_A_UPSTREAM_TRANSPORT]);
	if (up->transport == DNSPOOL_TRANSPORT_TLS && !dnspool_tls_supported()) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[DNSPOOL_A_UPSTREAM_TRANSPORT],
				    "this kernel cannot do DNS over TLS: it lacks the TLS handshake upcall (CONFIG_NET_HANDSHAKE) or kernel TLS (CONFIG_TLS)");
		err = -EOPNOTSUPP;
		goto err_free;
	}
	if (up->transport == DNSPOOL_TRANSPORT_TLS && !dnspool_tls_handshake_fixed()) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[DNSPOOL_A_UPSTREAM_TRANSPORT],
				    "this kernel's TLS handshake upcall may lack fixes DNS over TLS needs: use 6.12.114 or a later 6.12, or load dnspool with tls_handshake_fixed=1 if it has them (see README)");
		err = -EOPNOTSUPP;
		goto err_free;
	}
	dnspool_upstream_start(up);
	err = dnspool_nl_get_addr(info, up);
	if (err)
		goto err_free;
	tls_name = dnspool_nl_get_tls_name(info, up, &err);
	if (err)
		goto err_free;
	/* Not listed yet: no lock needed.  A DoT upstream without a name is
	 * verified against its address.
	 */
	if (tls_name)
		strscpy(up->tls_name, tls_name, sizeof(up->tls_name));
	else if (up->transport == DNSPOOL_TRANSPORT_TLS)
		snprintf(up->tls_name, sizeof(up->tls_name), "%pISc", &up->addr);
	dnspool_nl_get_params(info, &up->params);

	err = dnspool_upstream_insert(dn, up);
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[DNSPOOL_A_UPSTREAM_NAME],
				    "an upstream of this name exists");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG_FMT(info->extack,
				   "this namespace has %d upstreams, the most it may have",
				   DNSPOOL_MAX_UPSTREAMS);
	if (err)
		goto err_free;
	return 0;

err_free:
	dnspool_upstream_put(up);
	return err;
}

/**
 * dnspool_nl_upstream_set_doit() - UPSTREAM_SET: new parameters
 * @skb: the request
 * @info: its attributes; user_ptr[0] the upstream (pre_doit)
 *
 * A rejected request changes nothing.
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or a negative errno, with an extended ack saying why.
 */
int dnspool_nl_upstream_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_upstream *up = info->user_ptr[0];
	bool renamed = false;
	const char *tls_name;
	int err;

	/* The one step that may fail goes first. */
	tls_name = dnspool_nl_get_tls_name(info, up, &err);
	if (err)
		return err;
	spin_lock(&up->lock);
	if (tls_name && strcmp(tls_name, up->tls_name)) {
		strscpy(up->tls_name, tls_name, sizeof(up->tls_name));
		renamed = true;
	}
	dnspool_nl_get_params(info, &up->params);
	spin_unlock(&up->lock);
	dnspool_upstream_params_changed(up, renamed);
	return 0;
}

/**
 * dnspool_nl_upstream_del_doit() - UPSTREAM_DEL: remove an upstream
 * @skb: the request
 * @info: its attributes; user_ptr[0] the upstream (pre_doit)
 *
 * Its queries in flight end with -ESHUTDOWN.
 *
 * Context: process context, genetlink's cb_lock held for reading; sleeps.
 * Return: 0, or -ENOENT when another request removed it meanwhile.
 */
int dnspool_nl_upstream_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	int err;

	err = dnspool_upstream_remove(dn, info->user_ptr[0]);
	if (err)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DNSPOOL_A_UPSTREAM_NAME],
				    "no upstream of this name");
	return err;
}

/**
 * dnspool_nl_upstream_get_doit() - UPSTREAM_GET: one upstream
 * @skb: the request
 * @info: its attributes; user_ptr[0] the upstream (pre_doit)
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or a negative errno.
 */
int dnspool_nl_upstream_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	int err;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = dnspool_nl_fill_upstream(msg, info->user_ptr[0], info->snd_portid,
				       info->snd_seq, 0, NULL);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/**
 * dnspool_nl_upstream_get_dumpit() - UPSTREAM_GET dump: every upstream
 * @skb: the reply being filled
 * @cb: the dump's state: cb->args[0] counts the upstreams earlier rounds
 *	sent
 *
 * An upstream added or deleted between rounds shifts that count: the dump
 * is then flagged NLM_F_DUMP_INTR (the registry's generation changed), and
 * the reader knows to ask again.
 *
 * Context: process context; the registry is read under RCU.
 * Return: the reply's length while more is to come, 0 at the end, or a
 * negative errno.
 */
int dnspool_nl_upstream_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct dnspool_net *dn = dnspool_net(sock_net(skb->sk));
	struct dnspool_upstream *up;
	long idx = 0;
	int err = 0;

	rcu_read_lock();
	/* Pairs with dnspool_registry_changed(): the list walked is at
	 * least as new as the generation read.
	 */
	cb->seq = smp_load_acquire(&dn->gen);
	list_for_each_entry_rcu(up, &dn->upstreams, node) {
		if (idx++ < cb->args[0])
			continue;
		err = dnspool_nl_fill_upstream(skb, up,
					       NETLINK_CB(cb->skb).portid,
					       cb->nlh->nlmsg_seq, NLM_F_MULTI, cb);
		if (err) {
			idx--;
			break;
		}
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	/* A full skb ends this round; the dump goes on in the next one. */
	return err == -EMSGSIZE ? skb->len : err;
}

/*
 * How a query's answer goes back.  Without NLM_F_ACK it is a message of
 * its own, sent when the query ends (ASYNC).  With it, the request waits
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
	int mode;			/* enum dnspool_nl_mode, cmpxchg()ed */
	int err;			/* the outcome, for a waiting request */
	struct completion ended;	/* for a waiting request */
};

/* Set at unload: no new query; the pools close before the family goes. */
static bool dnspool_nl_closing;

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
	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static struct sk_buff *dnspool_nl_answer_msg(struct dnspool_nl_query *nq, int err)
{
	size_t size = NLMSG_GOODSIZE / 8 + (err ? 0 : nq->q.answer_len);
	struct sk_buff *skb = genlmsg_new(size, GFP_KERNEL);

	if (skb && dnspool_nl_fill_answer(skb, nq, err)) {
		nlmsg_free(skb);
		skb = NULL;
	}
	return skb;
}

/*
 * The query ended: answer the requester, unless its socket is gone (a new
 * socket may have its port ID by now; netlink_release() frees the port ID
 * a moment before it marks the socket dead, a window this check cannot
 * close).  An answer that cannot be delivered (no memory for it, or the
 * reader's receive buffer is full) is counted; the requester learns of it
 * as netlink tells of any message it lost: its socket reports ENOBUFS
 * (which NETLINK_NO_ENOBUFS cannot silence when memory ran out: that flag
 * is netlink's own, out of our reach).
 */
static void dnspool_nl_query_done(struct dnspool_query *q, int err)
{
	struct dnspool_nl_query *nq = container_of(q, struct dnspool_nl_query, q);
	struct sock *sk = nq->sk;
	struct sk_buff *skb;

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
	skb = dnspool_nl_answer_msg(nq, err);
	/* Out of memory for the answer: say so, in a smaller message. */
	if (!skb && !err)
		skb = dnspool_nl_answer_msg(nq, -ENOMEM);
	if (!skb || genlmsg_unicast(nq->net, skb, nq->portid) == -EAGAIN) {
		atomic64_inc(&q->pool->stats.undelivered);
		/* netlink_overrun() says the same when a buffer is full. */
		if (!skb && !sock_flag(sk, SOCK_DEAD)) {
			WRITE_ONCE(sk->sk_err, ENOBUFS);
			sk_error_report(sk);
		}
	}
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
		 * which the pool's tick does not let happen): the query
		 * ends later, unseen.
		 */
		err = waited ? -EINTR : -ETIMEDOUT;
		goto out;
	}
	/* Ended, perhaps just as the wait gave up: answer. */
	reply = dnspool_nl_answer_msg(nq, nq->err);
	if (!reply && !nq->err)
		reply = dnspool_nl_answer_msg(nq, -ENOMEM);
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
	struct dnspool_nl_query *nq;
	struct dnspool_query *q;
	struct dnspool_pool *pool;
	size_t qlen, name_len;
	const char *why = NULL;
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

	up = dnspool_upstream_get(dn, name ? nla_data(name) : NULL);
	if (!up) {
		if (name)
			NL_SET_ERR_MSG_ATTR(info->extack, name, "no upstream of this name");
		else
			NL_SET_ERR_MSG(info->extack, "no upstream in this namespace");
		err = -ENOENT;
		goto err_free;
	}
	q->up = up;
	pool = dnspool_upstream_pool(up, nla_get_flag(info->attrs[DNSPOOL_A_QUERY_TCP]));

	err = dnspool_nl_charge(info, skb, nq);
	if (err)
		goto err_free;
	nq->net = genl_info_net(info);
	nq->sk = NETLINK_CB(skb).sk;
	nq->portid = info->snd_portid;
	nq->seq = info->snd_seq;
	q->done = dnspool_nl_query_done;
	if (info->nlhdr->nlmsg_flags & NLM_F_ACK) {
		nq->mode = DNSPOOL_NL_WAITING;
		init_completion(&nq->ended);
		refcount_inc(&q->ref);		/* the waiter's */
	}
	/* Held first: the answer may come before submit returns. */
	sock_hold(nq->sk);
	/* Taken: the answer comes later, from the pool's work.  Refused: the
	 * request's error (and ack) says why, now.
	 */
	err = dnspool_pool_submit(pool, q, &why);
	if (!err)
		return nq->mode == DNSPOOL_NL_WAITING ? dnspool_nl_query_wait(nq, info) : 0;
	if (nq->mode == DNSPOOL_NL_WAITING)
		refcount_dec(&q->ref);
	sock_put(nq->sk);
	dnspool_nl_set_why(info->extack, NULL, why);
	dnspool_inflight_uncharge(&nq->charge);
err_free:
	dnspool_query_put(q);
	return err;
}

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
	    nla_put_u32(skb, DNSPOOL_A_POOL_INFLIGHT, atomic_read(&pool->inflight)))
		goto nla_put_failure;
	for (i = 0; i < ARRAY_SIZE(counters); i++) {
		const atomic64_t *v = (const void *)((const char *)st + counters[i].off);

		if (nla_put_uint(skb, counters[i].attr, atomic64_read(v)))
			goto nla_put_failure;
	}
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
	/* Pairs with dnspool_registry_changed(): the list walked is at
	 * least as new as the generation read.
	 */
	cb->seq = smp_load_acquire(&dn->gen);
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

/**
 * dnspool_nl_netns_get_doit() - NETNS_GET: the namespace's bounds and use
 * @skb: the request
 * @info: its attributes
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or a negative errno.
 */
int dnspool_nl_netns_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct dnspool_limits_use use;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_iput(msg, info);
	if (!hdr)
		goto nla_put_failure;
	dnspool_limits_get(&dn->limits, NETLINK_CB(skb).creds.uid, &use);
	if (nla_put_u32(msg, DNSPOOL_A_NETNS_CONNS, use.conns) ||
	    nla_put_u32(msg, DNSPOOL_A_NETNS_MAX_CONNS, use.max_conns) ||
	    (uid_valid(use.owner) &&
	     (nla_put_u32(msg, DNSPOOL_A_NETNS_OWNER_UID,
			  from_kuid_munged(current_user_ns(), use.owner)) ||
	      nla_put_u32(msg, DNSPOOL_A_NETNS_OWNER_CONNS, use.owner_conns) ||
	      nla_put_u32(msg, DNSPOOL_A_NETNS_MAX_OWNER_CONNS, use.max_owner_conns))) ||
	    nla_put_u32(msg, DNSPOOL_A_NETNS_INFLIGHT, use.inflight) ||
	    nla_put_u32(msg, DNSPOOL_A_NETNS_USER_INFLIGHT, use.user_inflight) ||
	    nla_put_u32(msg, DNSPOOL_A_NETNS_MAX_INFLIGHT_SOCKET, use.max_inflight_socket) ||
	    nla_put_u32(msg, DNSPOOL_A_NETNS_MAX_INFLIGHT_USER, use.max_inflight_user))
		goto nla_put_failure;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static struct genl_family dnspool_nl_family __ro_after_init = {
	.name = DNSPOOL_FAMILY_NAME,
	.version = DNSPOOL_FAMILY_VERSION,
	.netnsok = true,
	/* Handlers take the namespace's own lock, never a global one. */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.split_ops = dnspool_nl_ops,
	.n_split_ops = ARRAY_SIZE(dnspool_nl_ops),
	/* resv_start_op is left at zero, as genetlink.h asks of new
	 * families: every command validates strictly, the reserved header
	 * field included.
	 */
};

/**
 * dnspool_nl_init() - module load: register the family
 *
 * Return: 0 or a negative errno.
 */
int __init dnspool_nl_init(void)
{
	return genl_register_family(&dnspool_nl_family);
}

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

/**
 * dnspool_nl_exit() - unload: unregister the family
 *
 * Waits for the requests in progress, the agent's handshake callbacks
 * among them.
 *
 * Context: process context; sleeps.
 */
void dnspool_nl_exit(void)
{
	genl_unregister_family(&dnspool_nl_family);
}
