/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DNSPOOL_NETLINK_H
#define _DNSPOOL_NETLINK_H

int dnspool_nl_init(void);
void dnspool_nl_close_queries(void);
void dnspool_nl_exit(void);

#endif /* _DNSPOOL_NETLINK_H */
