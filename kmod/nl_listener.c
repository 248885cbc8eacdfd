// SPDX-License-Identifier: GPL-2.0
/*
 * The family's listener operations: add, set, del and get (one, or a
 * dump), and their notifications.  A listener's sockets are bound here, in
 * the requester's context: a privileged port needs what the requester's
 * own bind would need.
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "group.h"
#include "limits.h"
#include "listener.h"
#include "netlink-gen.h"
#include "netlink.h"
#include "upstream.h"

/* The most TCP client connections per listener in a namespace of another
 * user namespace, whose root anyone may be.
 */
#define DNSPOOL_LISTENER_TCP_MAX_UNTRUSTED	1024

/*
 * A listener answers from the address it is bound to: bound to a wildcard,
 * its answers would leave from whichever address routing picks, which a
 * client that asked another drops.
 */
#define DNSPOOL_NL_LISTENER_UNICAST \
	"a listener's address is one unicast address of this host, not a wildcard"

/* The address and port a request names, into @l->addr. */
static int dnspool_nl_listener_addr(struct genl_info *info, struct dnspool_listener *l)
{
	struct nlattr *a4 = info->attrs[DNSPOOL_A_LISTENER_IPV4];
	struct nlattr *a6 = info->attrs[DNSPOOL_A_LISTENER_IPV6];
	struct nlattr *aport = info->attrs[DNSPOOL_A_LISTENER_PORT];
	__be16 port = aport ? nla_get_be16(aport) : htons(53);

	if (a4 && a6) {
		NL_SET_ERR_MSG_ATTR(info->extack, a6, "give one address, ipv4 or ipv6, not both");
		return -EINVAL;
	}
	if (!a4 && !a6) {
		NL_SET_ERR_MSG(info->extack, "listener address missing");
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, DNSPOOL_A_LISTENER_IPV4);
		return -EINVAL;
	}
	if (a4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&l->addr;
		__be32 ip = nla_get_in_addr(a4);

		if (ipv4_is_zeronet(ip) || ipv4_is_multicast(ip) || ipv4_is_lbcast(ip)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a4, DNSPOOL_NL_LISTENER_UNICAST);
			return -EINVAL;
		}
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = ip;
		sin->sin_port = port;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&l->addr;
		struct in6_addr ip = nla_get_in6_addr(a6);
		int type = ipv6_addr_type(&ip);

		if (ipv6_addr_any(&ip) || type & (IPV6_ADDR_MULTICAST | IPV6_ADDR_LINKLOCAL)) {
			NL_SET_ERR_MSG_ATTR(info->extack, a6, DNSPOOL_NL_LISTENER_UNICAST);
			return -EINVAL;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = ip;
		sin6->sin6_port = port;
	}
	return 0;
}

/* One network of an allow list, checked, into @p. */
static int dnspool_nl_prefix(struct nlattr *attr, struct dnspool_prefix *p,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[DNSPOOL_A_PREFIX_LEN + 1];
	struct in6_addr net;
	unsigned int max;
	int err;

	err = nla_parse_nested(tb, DNSPOOL_A_PREFIX_LEN, attr, dnspool_prefix_nl_policy, extack);
	if (err)
		return err;
	if (!!tb[DNSPOOL_A_PREFIX_IPV4] == !!tb[DNSPOOL_A_PREFIX_IPV6]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a network has one address, ipv4 or ipv6");
		return -EINVAL;
	}
	if (tb[DNSPOOL_A_PREFIX_IPV4]) {
		ipv6_addr_set_v4mapped(nla_get_in_addr(tb[DNSPOOL_A_PREFIX_IPV4]), &p->addr);
		max = 32;
	} else {
		p->addr = nla_get_in6_addr(tb[DNSPOOL_A_PREFIX_IPV6]);
		max = 128;
	}
	p->len = tb[DNSPOOL_A_PREFIX_LEN] ? nla_get_u8(tb[DNSPOOL_A_PREFIX_LEN]) : max;
	if (p->len > max) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DNSPOOL_A_PREFIX_LEN],
				    "an IPv4 prefix is at most 32 bits long, an IPv6 one 128");
		return -EINVAL;
	}
	p->len += 128 - max;
	ipv6_addr_prefix(&net, &p->addr, p->len);
	if (!ipv6_addr_equal(&net, &p->addr)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "the address has bits set past the prefix length");
		return -EINVAL;
	}
	return 0;
}

/* The request's allow list, if it gives one, into @cfg. */
static int dnspool_nl_allow(struct genl_info *info, struct dnspool_listener_cfg *cfg)
{
	struct nlattr *attr;
	unsigned int n = 0;
	int rem, err;

	if (!info->attrs[DNSPOOL_A_LISTENER_ALLOW])
		return 0;
	nlmsg_for_each_attr_type(attr, DNSPOOL_A_LISTENER_ALLOW, info->nlhdr, GENL_HDRLEN, rem) {
		if (n == DNSPOOL_LISTENER_MAX_ALLOW) {
			NL_SET_ERR_MSG_ATTR_FMT(info->extack, attr,
						"an allow list holds at most %d networks",
						DNSPOOL_LISTENER_MAX_ALLOW);
			return -E2BIG;
		}
		err = dnspool_nl_prefix(attr, &cfg->allow[n], info->extack);
		if (err)
			return err;
		n++;
	}
	cfg->nallow = n;
	return 0;
}

/*
 * The parameters a request gives, over @old's (or the defaults): checked
 * whole, so that a refused request changes nothing.
 */
static struct dnspool_listener_cfg *dnspool_nl_listener_cfg(struct genl_info *info,
							    const struct dnspool_listener_cfg *old,
							    int *err)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct nlattr *target = info->attrs[DNSPOOL_A_LISTENER_TARGET];
	struct nlattr **attrs = info->attrs;
	struct dnspool_listener_cfg *cfg;
	struct dnspool_upstream *up;
	struct dnspool_group *g;

	*err = -ENOMEM;
	cfg = kzalloc(sizeof(*cfg), GFP_KERNEL_ACCOUNT);
	if (!cfg)
		return NULL;
	if (old) {
		*cfg = *old;
	} else {
		/* Loopback only: 127.0.0.0/8 and ::1. */
		ipv6_addr_set_v4mapped(htonl(INADDR_LOOPBACK & IN_CLASSA_NET), &cfg->allow[0].addr);
		cfg->allow[0].len = 96 + 8;
		cfg->allow[1].addr = in6addr_loopback;
		cfg->allow[1].len = 128;
		cfg->nallow = 2;
		cfg->tcp_idle_ms = DNSPOOL_LISTENER_TCP_IDLE_MS;
		cfg->tcp_max = DNSPOOL_LISTENER_TCP_MAX;
	}
	*err = dnspool_nl_allow(info, cfg);
	if (*err)
		goto err_free;
	if (attrs[DNSPOOL_A_LISTENER_RATE])
		cfg->rate = nla_get_u32(attrs[DNSPOOL_A_LISTENER_RATE]);
	if (attrs[DNSPOOL_A_LISTENER_TCP_IDLE_MS])
		cfg->tcp_idle_ms = nla_get_u32(attrs[DNSPOOL_A_LISTENER_TCP_IDLE_MS]);
	if (attrs[DNSPOOL_A_LISTENER_TCP_MAX])
		cfg->tcp_max = nla_get_u32(attrs[DNSPOOL_A_LISTENER_TCP_MAX]);
	if (cfg->tcp_max > DNSPOOL_LISTENER_TCP_MAX_UNTRUSTED &&
	    dnspool_limits_untrusted(genl_info_net(info))) {
		NL_SET_ERR_MSG_ATTR_FMT(info->extack, attrs[DNSPOOL_A_LISTENER_TCP_MAX],
					"at most %d in a namespace of another user namespace",
					DNSPOOL_LISTENER_TCP_MAX_UNTRUSTED);
		*err = -EPERM;
		goto err_free;
	}
	if (target) {
		nla_strscpy(cfg->target, target, sizeof(cfg->target));
		up = dnspool_upstream_get(dn, cfg->target);
		g = up ? NULL : dnspool_group_get(dn, cfg->target);
		if (up)
			dnspool_upstream_put(up);
		if (g)
			dnspool_group_put(g);
		if (!up && !g) {
			NL_SET_ERR_MSG_ATTR(info->extack, target,
					    "no upstream or group of this name");
			*err = -ENOENT;
			goto err_free;
		}
	}
	*err = 0;
	return cfg;

err_free:
	kfree(cfg);
	return NULL;
}

static int dnspool_nl_put_prefix(struct sk_buff *skb, const struct dnspool_prefix *p)
{
	struct nlattr *nest = nla_nest_start(skb, DNSPOOL_A_LISTENER_ALLOW);
	bool v4 = ipv6_addr_v4mapped(&p->addr) && p->len >= 96;

	if (!nest)
		return -EMSGSIZE;
	if ((v4 ? nla_put_in_addr(skb, DNSPOOL_A_PREFIX_IPV4, p->addr.s6_addr32[3]) :
		  nla_put_in6_addr(skb, DNSPOOL_A_PREFIX_IPV6, &p->addr)) ||
	    nla_put_u8(skb, DNSPOOL_A_PREFIX_LEN, v4 ? p->len - 96 : p->len)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int dnspool_nl_put_listener_cfg(struct sk_buff *skb, struct dnspool_listener *l)
{
	const struct dnspool_listener_cfg *cfg;
	unsigned int i;
	int err = -EMSGSIZE;

	rcu_read_lock();
	cfg = rcu_dereference(l->cfg);
	if (nla_put_string(skb, DNSPOOL_A_LISTENER_TARGET, cfg->target) ||
	    nla_put_u32(skb, DNSPOOL_A_LISTENER_RATE, cfg->rate) ||
	    nla_put_u32(skb, DNSPOOL_A_LISTENER_TCP_IDLE_MS, cfg->tcp_idle_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_LISTENER_TCP_MAX, cfg->tcp_max))
		goto out;
	for (i = 0; i < cfg->nallow; i++)
		if (dnspool_nl_put_prefix(skb, &cfg->allow[i]))
			goto out;
	err = 0;
out:
	rcu_read_unlock();
	return err;
}

static int dnspool_nl_fill_listener(struct sk_buff *skb, struct dnspool_listener *l,
				    u32 portid, u32 seq, int flags, u8 cmd,
				    struct netlink_callback *cb)
{
	struct dnspool_listener_stats *s = &l->stats;
	unsigned int nconns;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dnspool_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	nconns = READ_ONCE(l->nconns);
	if (nla_put_string(skb, DNSPOOL_A_LISTENER_NAME, l->name) ||
	    dnspool_nl_put_addr(skb, &l->addr, DNSPOOL_A_LISTENER_IPV4,
				DNSPOOL_A_LISTENER_IPV6, DNSPOOL_A_LISTENER_PORT) ||
	    nla_put_u32(skb, DNSPOOL_A_LISTENER_PROTO, l->proto) ||
	    dnspool_nl_put_listener_cfg(skb, l) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_QUERIES, atomic64_read(&s->queries)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_ANSWERS, atomic64_read(&s->answers)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_SERVFAIL, atomic64_read(&s->servfail)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_REFUSED_ACL, atomic64_read(&s->refused_acl)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_RATE_LIMITED, atomic64_read(&s->rate_limited)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_MALFORMED, atomic64_read(&s->malformed)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_TRUNCATED, atomic64_read(&s->truncated)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_TCP_CONNS, nconns) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_TCP_CONNS_TOTAL,
			 atomic64_read(&s->tcp_conns_total)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_TCP_REFUSED, atomic64_read(&s->tcp_refused)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_DROPS, atomic64_read(&s->drops)) ||
	    nla_put_uint(skb, DNSPOOL_A_LISTENER_INFLIGHT, atomic_read(&l->inflight))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Tells the monitor group that @l was added, deleted or changed (@cmd). */
static void dnspool_nl_notify_listener(struct net *net, struct dnspool_listener *l, u8 cmd)
{
	struct sk_buff *skb;

	if (!dnspool_nl_monitored(net))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (dnspool_nl_fill_listener(skb, l, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	dnspool_nl_multicast(net, skb, GFP_KERNEL);
}

/* The listener a request names, held; NULL with the extack set otherwise. */
static struct dnspool_listener *dnspool_nl_listener(struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct nlattr *attr = info->attrs[DNSPOOL_A_LISTENER_NAME];
	struct dnspool_listener *l;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_LISTENER_NAME))
		return NULL;
	l = dnspool_listener_get(dn, nla_data(attr));
	if (!l)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no listener of this name");
	return l;
}

/* Opens the sockets of @l's transports; says why not. */
static int dnspool_nl_listener_open(struct genl_info *info, struct dnspool_listener *l)
{
	int err = 0;

	if (l->proto != DNSPOOL_LISTENER_PROTO_TCP)
		err = dnspool_lsn_udp_open(l);
	if (!err && l->proto != DNSPOOL_LISTENER_PROTO_UDP)
		err = dnspool_lsn_tcp_open(l);
	if (err == -EADDRINUSE)
		NL_SET_ERR_MSG(info->extack, "the address and port are in use");
	else if (err == -EACCES)
		NL_SET_ERR_MSG(info->extack,
			       "a port below ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE");
	else if (err == -EADDRNOTAVAIL)
		NL_SET_ERR_MSG(info->extack, "no interface of this namespace has the address");
	else if (err)
		NL_SET_ERR_MSG(info->extack, "the listener's sockets could not be opened");
	return err;
}

/**
 * dnspool_nl_listener_add_doit() - LISTENER_ADD: a new DNS listener
 * @skb: the request
 * @info: its attributes
 *
 * Context: process context, genetlink's cb_lock held for reading; sleeps.
 * Return: 0 or a negative errno, with an extended ack saying why.
 */
int dnspool_nl_listener_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct dnspool_listener_cfg *cfg;
	struct dnspool_listener *l;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_LISTENER_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_LISTENER_TARGET))
		return -EINVAL;
	l = dnspool_listener_alloc(genl_info_net(info));
	if (!l)
		return -ENOMEM;
	err = dnspool_nl_check_name(attrs[DNSPOOL_A_LISTENER_NAME], l->name, info->extack);
	if (err)
		goto err_put;
	err = dnspool_nl_listener_addr(info, l);
	if (err)
		goto err_put;
	l->proto = DNSPOOL_LISTENER_PROTO_BOTH;
	if (attrs[DNSPOOL_A_LISTENER_PROTO])
		l->proto = nla_get_u32(attrs[DNSPOOL_A_LISTENER_PROTO]);
	cfg = dnspool_nl_listener_cfg(info, NULL, &err);
	if (!cfg)
		goto err_put;
	RCU_INIT_POINTER(l->cfg, cfg);

	/* Checked before the sockets open, and again when it is listed. */
	mutex_lock(&dn->lock);
	if (dnspool_registry_name_taken(dn, l->name))
		err = -EEXIST;
	mutex_unlock(&dn->lock);
	if (!err)
		err = dnspool_nl_listener_open(info, l);
	if (!err) {
		kref_get(&l->ref);	/* the notification's */
		err = dnspool_listener_insert(dn, l);
		if (!err) {
			dnspool_nl_notify_listener(genl_info_net(info), l,
						   DNSPOOL_CMD_LISTENER_ADD_NTF);
			dnspool_listener_put(l);
			return 0;
		}
		dnspool_listener_put(l);
	}
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[DNSPOOL_A_LISTENER_NAME],
				    "an upstream, a group or a listener has this name");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG_FMT(info->extack,
				   "this namespace has %d listeners, the most it may have",
				   DNSPOOL_MAX_LISTENERS);
	dnspool_listener_close_unlisted(l);
err_put:
	dnspool_listener_put(l);
	return err;
}

/**
 * dnspool_nl_listener_set_doit() - LISTENER_SET: change a listener
 * @skb: the request
 * @info: its attributes
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or a negative errno, with an extended ack saying why.
 */
int dnspool_nl_listener_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct dnspool_listener_cfg *cfg, old;
	struct dnspool_listener *l;
	int err;

	l = dnspool_nl_listener(info);
	if (!l)
		return -ENOENT;
	rcu_read_lock();
	old = *rcu_dereference(l->cfg);
	rcu_read_unlock();
	cfg = dnspool_nl_listener_cfg(info, &old, &err);
	if (cfg) {
		err = dnspool_listener_update(dn, l, cfg);
		if (err)
			NL_SET_ERR_MSG(info->extack, "the listener was deleted meanwhile");
		else
			dnspool_nl_notify_listener(genl_info_net(info), l,
						   DNSPOOL_CMD_LISTENER_CHANGE_NTF);
	}
	dnspool_listener_put(l);
	return err;
}

/**
 * dnspool_nl_listener_del_doit() - LISTENER_DEL: remove a listener
 * @skb: the request
 * @info: its attributes
 *
 * Its sockets close, its client connections with them, before it returns.
 *
 * Context: process context, genetlink's cb_lock held for reading; sleeps.
 * Return: 0 or -ENOENT.
 */
int dnspool_nl_listener_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct dnspool_listener *l;
	int err;

	l = dnspool_nl_listener(info);
	if (!l)
		return -ENOENT;
	err = dnspool_listener_remove(dn, l);
	if (err)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DNSPOOL_A_LISTENER_NAME],
				    "no listener of this name");
	else
		dnspool_nl_notify_listener(genl_info_net(info), l, DNSPOOL_CMD_LISTENER_DEL_NTF);
	dnspool_listener_put(l);
	return err;
}

/**
 * dnspool_nl_listener_get_doit() - LISTENER_GET: one listener
 * @skb: the request
 * @info: its attributes
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or a negative errno.
 */
int dnspool_nl_listener_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_listener *l;
	struct sk_buff *msg;
	int err;

	l = dnspool_nl_listener(info);
	if (!l)
		return -ENOENT;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		dnspool_listener_put(l);
		return -ENOMEM;
	}
	err = dnspool_nl_fill_listener(msg, l, info->snd_portid, info->snd_seq, 0,
				       DNSPOOL_CMD_LISTENER_GET, NULL);
	dnspool_listener_put(l);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/**
 * dnspool_nl_listener_get_dumpit() - LISTENER_GET dump: every listener
 * @skb: the reply being filled
 * @cb: the dump's state: cb->args[0] counts the listeners earlier rounds
 *	sent
 *
 * Context: process context; the registry is read under RCU.
 * Return: the reply's length while more is to come, 0 at the end, or a
 * negative errno.
 */
int dnspool_nl_listener_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dnspool_net *dn = dnspool_net(sock_net(skb->sk));
	struct dnspool_listener *l;
	long idx = 0;
	int err = 0;

	rcu_read_lock();
	cb->seq = dnspool_registry_gen(dn);
	list_for_each_entry_rcu(l, &dn->listeners, node) {
		if (idx++ < cb->args[0])
			continue;
		err = dnspool_nl_fill_listener(skb, l, NETLINK_CB(cb->skb).portid,
					       cb->nlh->nlmsg_seq, NLM_F_MULTI,
					       DNSPOOL_CMD_LISTENER_GET, cb);
		if (err) {
			idx--;
			break;
		}
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return err == -EMSGSIZE ? skb->len : err;
}
