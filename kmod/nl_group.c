// SPDX-License-Identifier: GPL-2.0
/*
 * The family's group operations: add, set, del and get (one, or a dump),
 * each checking everything before it writes, and their notifications.
 */
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "group.h"
#include "netlink-gen.h"
#include "netlink.h"
#include "upstream.h"

/*
 * The members a request names, each an upstream of the namespace, once;
 * NULL with *@err set (and the extack saying why) otherwise, or when the
 * request names none (-ENODATA: none given).
 */
static struct dnspool_group_members *dnspool_nl_get_members(struct genl_info *info, int *err)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	char name[DNSPOOL_NAME_MAX_LEN + 1];
	struct dnspool_group_members *m;
	struct dnspool_upstream *up;
	struct nlattr *attr;
	unsigned int i;
	int rem;

	*err = -ENODATA;
	if (!info->attrs[DNSPOOL_A_GROUP_MEMBER])
		return NULL;
	*err = -ENOMEM;
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return NULL;
	*err = 0;
	nlmsg_for_each_attr_type(attr, DNSPOOL_A_GROUP_MEMBER, info->nlhdr, GENL_HDRLEN, rem) {
		if (m->n == DNSPOOL_GROUP_MAX_MEMBERS) {
			NL_SET_ERR_MSG_ATTR_FMT(info->extack, attr,
						"a group holds at most %d members",
						DNSPOOL_GROUP_MAX_MEMBERS);
			*err = -E2BIG;
			break;
		}
		/* A multi-attr string's policy does not ask for its NUL. */
		if (nla_strscpy(name, attr, sizeof(name)) <= 0) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "not an upstream name");
			*err = -EINVAL;
			break;
		}
		up = dnspool_upstream_get(dn, name);
		if (!up) {
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "no upstream of this name");
			*err = -ENOENT;
			break;
		}
		for (i = 0; i < m->n; i++)
			if (m->up[i] == up)
				break;
		if (i < m->n) {
			dnspool_upstream_put(up);
			NL_SET_ERR_MSG_ATTR(info->extack, attr, "an upstream is a member once");
			*err = -EINVAL;
			break;
		}
		m->up[m->n++] = up;
	}
	if (!*err)
		return m;
	for (i = 0; i < m->n; i++)
		dnspool_upstream_put(m->up[i]);
	kfree(m);
	return NULL;
}

/* The request's optional u32 attribute @type, or NULL. */
static const u32 *dnspool_nl_opt_u32(struct genl_info *info, int type, u32 *v)
{
	if (!info->attrs[type])
		return NULL;
	*v = nla_get_u32(info->attrs[type]);
	return v;
}

static int dnspool_nl_fill_group(struct sk_buff *skb, struct dnspool_group *g,
				 u32 portid, u32 seq, int flags, u8 cmd,
				 struct netlink_callback *cb)
{
	struct dnspool_group_stats *s = &g->stats;
	struct dnspool_group_members *m;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &dnspool_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_string(skb, DNSPOOL_A_GROUP_NAME, g->name) ||
	    nla_put_u32(skb, DNSPOOL_A_GROUP_STRATEGY, READ_ONCE(g->strategy)) ||
	    nla_put_u32(skb, DNSPOOL_A_GROUP_RACE_DELAY_MS, READ_ONCE(g->race_delay_ms)) ||
	    nla_put_u32(skb, DNSPOOL_A_GROUP_TIMEOUT_MS, READ_ONCE(g->timeout_ms)) ||
	    nla_put_uint(skb, DNSPOOL_A_GROUP_QUERIES, atomic64_read(&s->queries)) ||
	    nla_put_uint(skb, DNSPOOL_A_GROUP_ANSWERS, atomic64_read(&s->answers)) ||
	    nla_put_uint(skb, DNSPOOL_A_GROUP_FAILOVERS, atomic64_read(&s->failovers)) ||
	    nla_put_uint(skb, DNSPOOL_A_GROUP_RACES, atomic64_read(&s->races)) ||
	    nla_put_uint(skb, DNSPOOL_A_GROUP_RACES_WON_OTHER,
			 atomic64_read(&s->races_won_other)))
		goto nla_put_failure;
	rcu_read_lock();
	m = rcu_dereference(g->members);
	for (i = 0; i < m->n; i++) {
		if (nla_put_string(skb, DNSPOOL_A_GROUP_MEMBER, m->up[i]->name) ||
		    nla_put_uint(skb, DNSPOOL_A_GROUP_MEMBER_ANSWERS,
				 atomic64_read(&m->answers[i]))) {
			rcu_read_unlock();
			goto nla_put_failure;
		}
	}
	rcu_read_unlock();
	genlmsg_end(skb, hdr);
	return 0;

nla_put_failure:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/* Tells the monitor group that @g was added, deleted or changed (@cmd). */
static void dnspool_nl_notify_group(struct net *net, struct dnspool_group *g, u8 cmd)
{
	struct sk_buff *skb;

	if (!dnspool_nl_monitored(net))
		return;
	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (dnspool_nl_fill_group(skb, g, 0, 0, 0, cmd, NULL)) {
		nlmsg_free(skb);
		return;
	}
	dnspool_nl_multicast(net, skb, GFP_KERNEL);
}

/* The group a request names, held; NULL with the extack set otherwise. */
static struct dnspool_group *dnspool_nl_group(struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct nlattr *attr = info->attrs[DNSPOOL_A_GROUP_NAME];
	struct dnspool_group *g;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_GROUP_NAME))
		return NULL;
	g = dnspool_group_get(dn, nla_data(attr));
	if (!g)
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no group of this name");
	return g;
}

/**
 * dnspool_nl_group_add_doit() - GROUP_ADD: a new group of upstreams
 * @skb: the request
 * @info: its attributes
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or a negative errno, with an extended ack saying why.
 */
int dnspool_nl_group_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct nlattr **attrs = info->attrs;
	struct dnspool_group_members *m;
	struct dnspool_group *g;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_GROUP_NAME) ||
	    GENL_REQ_ATTR_CHECK(info, DNSPOOL_A_GROUP_MEMBER))
		return -EINVAL;
	g = dnspool_group_alloc();
	if (!g)
		return -ENOMEM;
	err = dnspool_nl_check_name(attrs[DNSPOOL_A_GROUP_NAME], g->name, info->extack);
	if (err)
		goto err_put;
	m = dnspool_nl_get_members(info, &err);
	if (!m)
		goto err_put;
	if (attrs[DNSPOOL_A_GROUP_STRATEGY])
		g->strategy = nla_get_u32(attrs[DNSPOOL_A_GROUP_STRATEGY]);
	if (attrs[DNSPOOL_A_GROUP_RACE_DELAY_MS])
		g->race_delay_ms = nla_get_u32(attrs[DNSPOOL_A_GROUP_RACE_DELAY_MS]);
	if (attrs[DNSPOOL_A_GROUP_TIMEOUT_MS])
		g->timeout_ms = nla_get_u32(attrs[DNSPOOL_A_GROUP_TIMEOUT_MS]);

	kref_get(&g->ref);		/* the notification's */
	err = dnspool_group_insert(dn, g, m);
	if (!err) {
		dnspool_nl_notify_group(genl_info_net(info), g, DNSPOOL_CMD_GROUP_ADD_NTF);
		dnspool_group_put(g);
		return 0;
	}
	dnspool_group_put(g);
	dnspool_group_members_free(m);
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[DNSPOOL_A_GROUP_NAME],
				    "an upstream, a group or a listener has this name");
	else if (err == -ENOSPC)
		NL_SET_ERR_MSG_FMT(info->extack,
				   "this namespace has %d groups, the most it may have",
				   DNSPOOL_MAX_GROUPS);
	else if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "a member was deleted meanwhile");
err_put:
	dnspool_group_put(g);
	return err;
}

/**
 * dnspool_nl_group_set_doit() - GROUP_SET: change a group
 * @skb: the request
 * @info: its attributes
 *
 * Members given replace the members.  A rejected request changes nothing.
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or a negative errno, with an extended ack saying why.
 */
int dnspool_nl_group_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct dnspool_group_members *m;
	struct dnspool_group *g;
	u32 strategy, delay, timeout;
	int err;

	g = dnspool_nl_group(info);
	if (!g)
		return -ENOENT;
	m = dnspool_nl_get_members(info, &err);
	if (!m && err != -ENODATA)
		goto out;
	err = dnspool_group_update(dn, g, m,
				   dnspool_nl_opt_u32(info, DNSPOOL_A_GROUP_STRATEGY, &strategy),
				   dnspool_nl_opt_u32(info, DNSPOOL_A_GROUP_RACE_DELAY_MS, &delay),
				   dnspool_nl_opt_u32(info, DNSPOOL_A_GROUP_TIMEOUT_MS, &timeout));
	if (err) {
		dnspool_group_members_free(m);
		NL_SET_ERR_MSG(info->extack, "the group or a member was deleted meanwhile");
	} else {
		dnspool_nl_notify_group(genl_info_net(info), g, DNSPOOL_CMD_GROUP_CHANGE_NTF);
	}
out:
	dnspool_group_put(g);
	return err;
}

/**
 * dnspool_nl_group_del_doit() - GROUP_DEL: remove a group
 * @skb: the request
 * @info: its attributes
 *
 * Its queries in flight finish.
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or -ENOENT.
 */
int dnspool_nl_group_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_net *dn = dnspool_net(genl_info_net(info));
	struct dnspool_group *g;
	int err;

	g = dnspool_nl_group(info);
	if (!g)
		return -ENOENT;
	err = dnspool_group_remove(dn, g);
	if (err)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[DNSPOOL_A_GROUP_NAME],
				    "no group of this name");
	else
		dnspool_nl_notify_group(genl_info_net(info), g, DNSPOOL_CMD_GROUP_DEL_NTF);
	dnspool_group_put(g);
	return err;
}

/**
 * dnspool_nl_group_get_doit() - GROUP_GET: one group
 * @skb: the request
 * @info: its attributes
 *
 * Context: process context, genetlink's cb_lock held for reading.
 * Return: 0 or a negative errno.
 */
int dnspool_nl_group_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dnspool_group *g;
	struct sk_buff *msg;
	int err;

	g = dnspool_nl_group(info);
	if (!g)
		return -ENOENT;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg) {
		dnspool_group_put(g);
		return -ENOMEM;
	}
	err = dnspool_nl_fill_group(msg, g, info->snd_portid, info->snd_seq, 0,
				    DNSPOOL_CMD_GROUP_GET, NULL);
	dnspool_group_put(g);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/**
 * dnspool_nl_group_get_dumpit() - GROUP_GET dump: every group
 * @skb: the reply being filled
 * @cb: the dump's state: cb->args[0] counts the groups earlier rounds sent
 *
 * Context: process context; the registry is read under RCU.
 * Return: the reply's length while more is to come, 0 at the end, or a
 * negative errno.
 */
int dnspool_nl_group_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dnspool_net *dn = dnspool_net(sock_net(skb->sk));
	struct dnspool_group *g;
	long idx = 0;
	int err = 0;

	rcu_read_lock();
	cb->seq = dnspool_registry_gen(dn);
	list_for_each_entry_rcu(g, &dn->groups, node) {
		if (idx++ < cb->args[0])
			continue;
		err = dnspool_nl_fill_group(skb, g, NETLINK_CB(cb->skb).portid,
					    cb->nlh->nlmsg_seq, NLM_F_MULTI,
					    DNSPOOL_CMD_GROUP_GET, cb);
		if (err) {
			idx--;
			break;
		}
	}
	rcu_read_unlock();
	cb->args[0] = idx;
	return err == -EMSGSIZE ? skb->len : err;
}
