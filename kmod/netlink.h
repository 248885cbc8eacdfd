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

void dnspool_nl_set_why(struct netlink_ext_ack *extack,
			const struct nlattr *attr, const char *why);
int dnspool_nl_put_addr(struct sk_buff *skb, const struct sockaddr_storage *addr,
			int a4, int a6, int port);

int dnspool_nl_init(void);
void dnspool_nl_close_queries(void);
void dnspool_nl_exit(void);

#endif /* _DNSPOOL_NETLINK_H */
