// SPDX-License-Identifier: GPL-2.0
/*
 * The family's upstream operations: add, set, del and get (one, or a
 * dump), each checking everything before it writes.
 */
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "netlink-gen.h"
#include "netlink.h"
#include "pool.h"
#include "query.h"
#include "upstream.h"

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
		{ DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS,
		  offsetof(struct dnspool_params, rto_initial_ms) },
		{ DNSPOOL_A_UPSTREAM_RTO_MIN_MS, offsetof(struct dnspool_params, rto_min_ms) },
		{ DNSPOOL_A_UPSTREAM_RTO_MAX_MS, offsetof(struct dnspool_params, rto_max_ms) },
		{ DNSPOOL_A_UPSTREAM_BREAKER_FAILURES,
		  offsetof(struct dnspool_params, breaker_failures) },
		{ DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS,
		  offsetof(struct dnspool_params, breaker_backoff_ms) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(map); i++)
		if (info->attrs[map[i].attr])
			WRITE_ONCE(*(u32 *)((char *)p + map[i].off),
				   nla_get_u32(info->attrs[map[i].attr]));
}

/* The retransmission timeout's bounds, as the request leaves them, must be
 * in order; the error names an attribute of the request.
 */
static int dnspool_nl_check_rto(struct genl_info *info, const struct dnspool_params *p)
{
	struct nlattr **attrs = info->attrs;

	if (p->rto_min_ms <= p->rto_initial_ms && p->rto_initial_ms <= p->rto_max_ms)
		return 0;
	NL_SET_ERR_MSG_ATTR_FMT(info->extack,
				attrs[DNSPOOL_A_UPSTREAM_RTO_MIN_MS] ?:
				attrs[DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS] ?:
				attrs[DNSPOOL_A_UPSTREAM_RTO_MAX_MS],
				"rto-min-ms <= rto-initial-ms <= rto-max-ms must hold: %u, %u, %u",
				p->rto_min_ms, p->rto_initial_ms, p->rto_max_ms);
	return -EINVAL;
}

/* The circuit breaker's state, as @h shows it. */
static int dnspool_nl_put_breaker(struct sk_buff *skb, const struct dnspool_breaker_info *h)
{
	if (nla_put_u32(skb, DNSPOOL_A_UPSTREAM_HEALTH, h->state) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_FAILURES, h->failures))
		return -EMSGSIZE;
	if (h->last_error &&
	    (nla_put_u32(skb, DNSPOOL_A_UPSTREAM_LAST_ERROR, -h->last_error) ||
	     nla_put_u32(skb, DNSPOOL_A_UPSTREAM_LAST_ERROR_CLASS,
			 dnspool_error_class(h->last_error)) ||
	     nla_put_u32(skb, DNSPOOL_A_UPSTREAM_LAST_ERROR_AGE_MS, h->last_error_age_ms)))
		return -EMSGSIZE;
	if (h->state == DNSPOOL_HEALTH_OPEN &&
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_PROBE_IN_MS, h->probe_in_ms))
		return -EMSGSIZE;
	return 0;
}

/* @up's description as upstream-get gives it, in a message of command
 * @cmd: the get's reply or a dump's part, or a notification.
 */
static int dnspool_nl_fill_upstream(struct sk_buff *skb,
				    struct dnspool_upstream *up,
				    u32 portid, u32 seq, int flags, u8 cmd,
				    struct netlink_callback *cb)
{
	struct dnspool_breaker_info health;
	char tls_name[DNSPOOL_TLS_NAME_MAX_LEN + 1];
	struct dnspool_params params, *p = &params;
	void *hdr;

	spin_lock(&up->lock);
	params = up->params;
	strscpy(tls_name, up->tls_name, sizeof(tls_name));
	spin_unlock(&up->lock);

	dnspool_breaker_read(&up->breaker, &health);

	hdr = genlmsg_put(skb, portid, seq, &dnspool_nl_family, flags, cmd);
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
			p->rotate_interval_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS, p->rto_initial_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_RTO_MIN_MS, p->rto_min_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_RTO_MAX_MS, p->rto_max_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_BREAKER_FAILURES, p->breaker_failures) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS, p->breaker_backoff_ms))
		goto nla_put_failure;
	if (dnspool_nl_put_breaker(skb, &health))
		goto nla_put_failure;

	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * dnspool_nl_notify_upstream() - tell the monitor group of a change
 * @up: the upstream added, deleted or changed, held
 * @cmd: DNSPOOL_CMD_UPSTREAM_{ADD,DEL,CHANGE}_NTF
 *
 * The notification describes @up as upstream-get does.  One that cannot
 * be made (no memory) is lost, as netlink loses a multicast message a
 * listener has no room for.  Requests run in parallel: the notifications
 * of two requests on one upstream at once (an add and a del) may leave in
 * either order.
 *
 * Context: process context; sleeps.
 */
void dnspool_nl_notify_upstream(struct dnspool_upstream *up, u8 cmd)
{
	struct sk_buff *skb;

	if (!dnspool_nl_monitored(up->net))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (dnspool_nl_fill_upstream(skb, up, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	dnspool_nl_multicast(up->net, skb, GFP_KERNEL);
}

/**
 * dnspool_nl_notify_health() - tell the monitor group of a breaker's change
 * @up: the upstream, listed or being removed
 * @info: its breaker's new state
 *
 * The notification carries the upstream's name and @info.  The caller
 * holds the breaker's lock, so that notifications leave in the order of
 * the changes.
 *
 * Context: any context but hard interrupt (a query's end, a timer), bottom
 * halves off; no sleep.
 */
void dnspool_nl_notify_health(struct dnspool_upstream *up,
			      const struct dnspool_breaker_info *info)
{
	struct sk_buff *skb;
	void *hdr;

	if (!dnspool_nl_monitored(up->net))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE / 4, GFP_ATOMIC | __GFP_NOWARN);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &dnspool_nl_family, 0, DNSPOOL_CMD_UPSTREAM_HEALTH_NTF);
	if (!hdr || nla_put_string(skb, DNSPOOL_A_UPSTREAM_NAME, up->name) ||
	    dnspool_nl_put_breaker(skb, info)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	dnspool_nl_multicast(up->net, skb, GFP_ATOMIC);
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

	err = dnspool_nl_check_name(attrs[DNSPOOL_A_UPSTREAM_NAME], up->name,
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
	err = dnspool_nl_check_rto(info, &up->params);
	if (err)
		goto err_free;

	kref_get(&up->ref);		/* the notification's */
	err = dnspool_upstream_insert(dn, up);
	if (!err) {
		dnspool_nl_notify_upstream(up, DNSPOOL_CMD_UPSTREAM_ADD_NTF);
		dnspool_upstream_put(up);
		return 0;
	}
	dnspool_upstream_put(up);
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[DNSPOOL_A_UPSTREAM_NAME],
				    "an upstream, a group or a listener has this name");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG_FMT(info->extack,
				   "this namespace has %d upstreams, the most it may have",
				   DNSPOOL_MAX_UPSTREAMS);
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
	struct dnspool_params params;
	bool renamed = false;
	const char *tls_name;
	int err;

	/* The steps that may fail go first. */
	tls_name = dnspool_nl_get_tls_name(info, up, &err);
	if (err)
		return err;
	spin_lock(&up->lock);
	params = up->params;
	dnspool_nl_get_params(info, &params);
	err = dnspool_nl_check_rto(info, &params);
	if (err) {
		spin_unlock(&up->lock);
		return err;
	}
	if (tls_name && strcmp(tls_name, up->tls_name)) {
		strscpy(up->tls_name, tls_name, sizeof(up->tls_name));
		renamed = true;
	}
	dnspool_nl_get_params(info, &up->params);
	spin_unlock(&up->lock);
	dnspool_upstream_params_changed(up, renamed);
	dnspool_nl_notify_upstream(up, DNSPOOL_CMD_UPSTREAM_CHANGE_NTF);
	return 0;
}

/**
 * dnspool_nl_upstream_del_doit() - UPSTREAM_DEL: remove an upstream
 * @skb: the request
 * @info: its attributes; user_ptr[0] the upstream (pre_doit)
 *
 * Its queries in flight end with -ESHUTDOWN.  A member of a group stays.
 *
 * Context: process context, genetlink's cb_lock held for reading; sleeps.
 * Return: 0, -EBUSY for a member of a group, or -ENOENT when another
 * request removed it meanwhile.
 */
int dnspool_nl_upstream_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	char group[DNSPOOL_NAME_MAX_LEN + 1];
	int err;

	err = dnspool_upstream_remove(dn, info->user_ptr[0], group);
	if (err == -EBUSY)
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, info->attrs[DNSPOOL_A_UPSTREAM_NAME],
					"a member of group '%s': remove it from the group first",
					group);
	else if (err)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DNSPOOL_A_UPSTREAM_NAME],
				    "no upstream of this name");
	else
		dnspool_nl_notify_upstream(info->user_ptr[0], DNSPOOL_CMD_UPSTREAM_DEL_NTF);
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
				       info->snd_seq, 0, DNSPOOL_CMD_UPSTREAM_GET, NULL);
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
	cb->seq = dnspool_registry_gen(dn);
	list_for_each_entry_rcu(up, &dn->upstreams, node) {
		if (idx++ < cb->args[0])
			continue;
		err = dnspool_nl_fill_upstream(skb, up,
					       NETLINK_CB(cb->skb).portid,
					       cb->nlh->nlmsg_seq, NLM_F_MULTI,
					       DNSPOOL_CMD_UPSTREAM_GET, cb);
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

