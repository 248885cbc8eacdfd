/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family: what its files share, and module load and
 * unload.
 */
#ifndef _DNSPOOL_NETLINK_H
#define _DNSPOOL_NETLINK_H

#include <linux/socket.h>
#include <net/genetlink.h>

extern struct genl_family dnspool_nl_family;

struct dnspool_upstream;
struct dnspool_breaker_info;

int dnspool_nl_check_name(struct nlattr *attr, char *name, struct netlink_ext_ack *extack);
void dnspool_nl_set_why(struct netlink_ext_ack *extack,
			const struct nlattr *attr, const char *why);
int dnspool_nl_put_addr(struct sk_buff *skb, const struct sockaddr_storage *addr,
			int a4, int a6, int port);

bool dnspool_nl_monitored(struct net *net);
void dnspool_nl_multicast(struct net *net, struct sk_buff *skb, gfp_t gfp);
void dnspool_nl_notify_upstream(struct dnspool_upstream *up, u8 cmd);
void dnspool_nl_notify_health(struct dnspool_upstream *up,
			      const struct dnspool_breaker_info *info);

int dnspool_nl_init(void);
void dnspool_nl_close_queries(void);
void dnspool_nl_exit(void);

#endif /* _DNSPOOL_NETLINK_H */
