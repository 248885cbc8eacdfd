// SPDX-License-Identifier: GPL-2.0
/*
 * The dnspool generic netlink family: the only file that speaks genetlink.
 * Policies and the ops table are generated from the YNL spec into
 * netlink-gen.c; the handlers here turn requests into registry calls.
 */
#include <linux/ctype.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "netlink.h"
#include "netlink-gen.h"
#include "upstream.h"

static struct genl_family dnspool_nl_family;

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

		if (type & (IPV6_ADDR_ANY | IPV6_ADDR_MULTICAST)) {
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

/* Checks everything before it writes: on error @up is unchanged. */
static int dnspool_nl_get_tls_name(struct genl_info *info,
				   struct dnspool_upstream *up)
{
	struct nlattr *attr = info->attrs[DNSPOOL_A_UPSTREAM_TLS_NAME];

	if (!attr)
		return 0;
	if (up->transport != DNSPOOL_TRANSPORT_TLS) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "tls-name applies only to tls upstreams");
		return -EINVAL;
	}
	if (!nla_len(attr) || !*(char *)nla_data(attr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "tls-name is empty");
		return -EINVAL;
	}
	nla_strscpy(up->tls_name, attr, sizeof(up->tls_name));
	return 0;
}

/* Ranges were checked by the policy; absent attributes keep @p's values. */
static void dnspool_nl_get_params(struct genl_info *info,
				  struct dnspool_params *p)
{
	struct nlattr **attrs = info->attrs;

	if (attrs[DNSPOOL_A_UPSTREAM_MAX_CONNS])
		p->max_conns = nla_get_u32(attrs[DNSPOOL_A_UPSTREAM_MAX_CONNS]);
	if (attrs[DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS])
		p->idle_timeout_ms =
			nla_get_u32(attrs[DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS]);
	if (attrs[DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS])
		p->reap_interval_ms =
			nla_get_u32(attrs[DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS]);
	if (attrs[DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS])
		p->dial_timeout_ms =
			nla_get_u32(attrs[DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS]);
	if (attrs[DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS])
		p->query_timeout_ms =
			nla_get_u32(attrs[DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS]);
}

static int dnspool_nl_fill_upstream(struct sk_buff *skb,
				    const struct dnspool_upstream *up,
				    u32 portid, u32 seq, int flags)
{
	const struct dnspool_params *p = &up->params;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dnspool_nl_family, flags,
			  DNSPOOL_CMD_UPSTREAM_GET);
	if (!hdr)
		return -EMSGSIZE;

	if (nla_put_string(skb, DNSPOOL_A_UPSTREAM_NAME, up->name) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_TRANSPORT, up->transport))
		goto nla_put_failure;

	if (up->addr.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&up->addr;

		if (nla_put_in_addr(skb, DNSPOOL_A_UPSTREAM_IPV4,
				    sin->sin_addr.s_addr) ||
		    nla_put_be16(skb, DNSPOOL_A_UPSTREAM_PORT, sin->sin_port))
			goto nla_put_failure;
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)&up->addr;

		if (nla_put_in6_addr(skb, DNSPOOL_A_UPSTREAM_IPV6,
				     &sin6->sin6_addr) ||
		    nla_put_be16(skb, DNSPOOL_A_UPSTREAM_PORT, sin6->sin6_port))
			goto nla_put_failure;
	}

	if (up->tls_name[0] &&
	    nla_put_string(skb, DNSPOOL_A_UPSTREAM_TLS_NAME, up->tls_name))
		goto nla_put_failure;

	if (nla_put_u32(skb, DNSPOOL_A_UPSTREAM_MAX_CONNS, p->max_conns) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS,
			p->idle_timeout_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS,
			p->reap_interval_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS,
			p->dial_timeout_ms) ||
	    nla_put_u32(skb, DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS,
			p->query_timeout_ms))
		goto nla_put_failure;

	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Looks the upstream of the request's name up; dn->lock must be held. */
static struct dnspool_upstream *dnspool_nl_find(struct dnspool_net *dn,
						struct genl_info *info)
{
	struct nlattr *attr = info->attrs[DNSPOOL_A_UPSTREAM_NAME];
	struct dnspool_upstream *up;

	up = dnspool_upstream_find(dn, nla_data(attr));
	if (!up)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no upstream of this name");
	return up;
}

int dnspool_nl_upstream_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct dnspool_upstream *up;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_UPSTREAM_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_UPSTREAM_TRANSPORT))
		return -EINVAL;

	up = kzalloc(sizeof(*up), GFP_KERNEL_ACCOUNT);
	if (!up)
		return -ENOMEM;

	err = dnspool_nl_get_name(attrs[DNSPOOL_A_UPSTREAM_NAME], up->name,
				  info->extack);
	if (err)
		goto err_free;
	up->transport = nla_get_u32(attrs[DNSPOOL_A_UPSTREAM_TRANSPORT]);
	err = dnspool_nl_get_addr(info, up);
	if (err)
		goto err_free;
	err = dnspool_nl_get_tls_name(info, up);
	if (err)
		goto err_free;
	/* A DoT upstream without a name is verified against its address. */
	if (up->transport == DNSPOOL_TRANSPORT_TLS && !up->tls_name[0])
		snprintf(up->tls_name, sizeof(up->tls_name), "%pISc", &up->addr);
	dnspool_params_init(&up->params);
	dnspool_nl_get_params(info, &up->params);

	mutex_lock(&dn->lock);
	err = dnspool_upstream_insert(dn, up);
	mutex_unlock(&dn->lock);
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
	kfree(up);
	return err;
}

int dnspool_nl_upstream_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct dnspool_upstream *up;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_UPSTREAM_NAME))
		return -EINVAL;

	mutex_lock(&dn->lock);
	up = dnspool_nl_find(dn, info);
	if (!up) {
		err = -ENOENT;
		goto out;
	}
	/* The one step that may fail goes first: a rejected request changes
	 * nothing.
	 */
	err = dnspool_nl_get_tls_name(info, up);
	if (!err)
		dnspool_nl_get_params(info, &up->params);
out:
	mutex_unlock(&dn->lock);
	return err;
}

int dnspool_nl_upstream_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct dnspool_upstream *up;
	int err = 0;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_UPSTREAM_NAME))
		return -EINVAL;

	mutex_lock(&dn->lock);
	up = dnspool_nl_find(dn, info);
	if (up)
		dnspool_upstream_remove(dn, up);
	else
		err = -ENOENT;
	mutex_unlock(&dn->lock);
	return err;
}

int dnspool_nl_upstream_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct dnspool_upstream *up;
	struct sk_buff *msg;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_UPSTREAM_NAME))
		return -EINVAL;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	mutex_lock(&dn->lock);
	up = dnspool_nl_find(dn, info);
	err = up ? dnspool_nl_fill_upstream(msg, up, info->snd_portid,
					    info->snd_seq, 0) : -ENOENT;
	mutex_unlock(&dn->lock);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* cb->args[0]: how many upstreams earlier rounds of the dump sent. */
int dnspool_nl_upstream_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct dnspool_net *dn = dnspool_net(sock_net(skb->sk));
	struct dnspool_upstream *up;
	long idx = 0;
	int err = 0;

	mutex_lock(&dn->lock);
	list_for_each_entry(up, &dn->upstreams, node) {
		if (idx++ < cb->args[0])
			continue;
		err = dnspool_nl_fill_upstream(skb, up,
					       NETLINK_CB(cb->skb).portid,
					       cb->nlh->nlmsg_seq, NLM_F_MULTI);
		if (err) {
			idx--;
			break;
		}
	}
	mutex_unlock(&dn->lock);
	cb->args[0] = idx;
	/* A full skb ends this round; the dump goes on in the next one. */
	return err == -EMSGSIZE ? skb->len : err;
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
	/* Every command validates strictly, reserved header field included. */
	.resv_start_op = DNSPOOL_CMD_UPSTREAM_ADD,
};

int __init dnspool_nl_init(void)
{
	return genl_register_family(&dnspool_nl_family);
}

void dnspool_nl_exit(void)
{
	genl_unregister_family(&dnspool_nl_family);
}
