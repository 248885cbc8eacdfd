// SPDX-License-Identifier: GPL-2.0
/*
 * The dnspool generic netlink family: its registration, what its handlers
 * share, and NETNS_GET.  Policies, the ops table and the multicast groups
 * are generated from the YNL spec into netlink-gen.c, compiled here: for a
 * genetlink-legacy family the generator leaves the family to us, and
 * makes the groups' table static.  The handlers, in nl_*.c, turn requests
 * into registry and pool calls.  Only the nl*.c files speak genetlink.
 */
#include <linux/ctype.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "limits.h"
#include "netlink-gen.c"
#include "netlink.h"
#include "upstream.h"

/* dnspoolctl's keywords within the lists of names it reads (a group's
 * members end at the first): no upstream or group may be named so.
 */
static const char *const dnspool_nl_keywords[] = {
	"strategy", "race-delay", "timeout",
};

/**
 * dnspool_nl_check_name() - an upstream's or a group's name, checked
 * @attr: the attribute, a NUL-terminated string (the policy checked it)
 * @name: the name is copied here (DNSPOOL_NAME_MAX_LEN + 1 bytes)
 * @extack: why it is refused
 *
 * Names end up in logs, file names and JSON: they are kept plain, letters,
 * digits, '-', '_' and '.'.
 *
 * Return: 0 or -EINVAL.
 */
int dnspool_nl_check_name(struct nlattr *attr, char *name, struct netlink_ext_ack *extack)
{
	const char *s;
	size_t i;

	nla_strscpy(name, attr, DNSPOOL_NAME_MAX_LEN + 1);
	if (!name[0]) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "name is empty");
		return -EINVAL;
	}
	for (s = name; *s; s++) {
		if (!isalnum(*s) && !strchr("-_.", *s)) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "a name may hold only letters, digits, '-', '_' and '.'");
			return -EINVAL;
		}
	}
	for (i = 0; i < ARRAY_SIZE(dnspool_nl_keywords); i++) {
		if (!strcmp(name, dnspool_nl_keywords[i])) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "a name may not be a keyword (strategy, race-delay, timeout)");
			return -EINVAL;
		}
	}
	return 0;
}

/**
 * dnspool_nl_monitored() - does anyone listen to @net's monitor group?
 * @net: the namespace
 *
 * Notifications are built only when someone does.
 *
 * Context: any context but hard interrupt.
 * Return: true when the monitor group has listeners in @net.
 */
bool dnspool_nl_monitored(struct net *net)
{
	return genl_has_listeners(&dnspool_nl_family, net, DNSPOOL_NLGRP_MONITOR);
}

/**
 * dnspool_nl_multicast() - send a notification to @net's monitor group
 * @net: the namespace
 * @skb: the notification, consumed
 * @gfp: how the delivery may allocate
 *
 * Context: any context but hard interrupt; with GFP_ATOMIC, no sleep.
 */
void dnspool_nl_multicast(struct net *net, struct sk_buff *skb, gfp_t gfp)
{
	genlmsg_multicast_netns(&dnspool_nl_family, net, skb, 0, DNSPOOL_NLGRP_MONITOR, gfp);
}

/**
 * dnspool_nl_set_why() - an extended ack's message chosen at run time
 * @extack: the request's extended ack, or NULL
 * @attr: the attribute it blames, or NULL
 * @why: a string literal of this module's, or NULL for none: the message
 *	must outlive the request, which is why NL_SET_ERR_MSG() takes only
 *	literals
 */
void dnspool_nl_set_why(struct netlink_ext_ack *extack,
			const struct nlattr *attr, const char *why)
{
	if (!extack || !why)
		return;
	do_trace_netlink_extack(why);
	extack->_msg = why;
	if (attr)
		NL_SET_BAD_ATTR(extack, attr);
}

/**
 * dnspool_nl_put_addr() - an address and port as netlink attributes
 * @skb: the message
 * @addr: sockaddr_in or sockaddr_in6
 * @a4: the attribute for an IPv4 address
 * @a6: the attribute for an IPv6 address
 * @port: the attribute for the port
 *
 * Return: 0 or -EMSGSIZE.
 */
int dnspool_nl_put_addr(struct sk_buff *skb, const struct sockaddr_storage *addr,
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

struct genl_family dnspool_nl_family __ro_after_init = {
	.name = DNSPOOL_FAMILY_NAME,
	.version = DNSPOOL_FAMILY_VERSION,
	.netnsok = true,
	/* Handlers take no lock of the family's: requests run in parallel. */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.split_ops = dnspool_nl_ops,
	.n_split_ops = ARRAY_SIZE(dnspool_nl_ops),
	.mcgrps = dnspool_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(dnspool_nl_mcgrps),
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

