/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	include/uapi/linux/dnspool.yaml */
/* YNL-GEN kernel header */

#ifndef _LINUX_DNSPOOL_GEN_H
#define _LINUX_DNSPOOL_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/dnspool.h>

/* Common nested types */
extern const struct nla_policy dnspool_prefix_nl_policy[DNSPOOL_A_PREFIX_LEN + 1];

/* Ops table for dnspool */
extern const struct genl_split_ops dnspool_nl_ops[18];

int dnspool_nl_pre_doit_upstream(const struct genl_split_ops *ops,
				 struct sk_buff *skb, struct genl_info *info);
void
dnspool_nl_post_doit_upstream(const struct genl_split_ops *ops,
			      struct sk_buff *skb, struct genl_info *info);

int dnspool_nl_upstream_add_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_upstream_set_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_upstream_del_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_upstream_get_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_upstream_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb);
int dnspool_nl_query_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_pool_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int dnspool_nl_netns_get_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_group_add_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_group_set_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_group_del_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_group_get_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_group_get_dumpit(struct sk_buff *skb,
				struct netlink_callback *cb);
int dnspool_nl_listener_add_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_listener_set_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_listener_del_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_listener_get_doit(struct sk_buff *skb, struct genl_info *info);
int dnspool_nl_listener_get_dumpit(struct sk_buff *skb,
				   struct netlink_callback *cb);

enum {
	DNSPOOL_NLGRP_MONITOR,
};

#endif /* _LINUX_DNSPOOL_GEN_H */
