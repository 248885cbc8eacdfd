/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A query's transmissions: the timer that sends it again (UDP) or times it
 * out, and the claim that takes it from its live transmission.
 */
#ifndef _DNSPOOL_XMIT_H
#define _DNSPOOL_XMIT_H

#include <linux/timer.h>
#include <linux/types.h>

struct dnspool_pool;
struct dnspool_query;

void dnspool_xmit_timer(struct timer_list *t);
void dnspool_xmit_arm(struct dnspool_query *q, unsigned long at);
void dnspool_xmit_arm_first(struct dnspool_pool *pool, struct dnspool_query *q);
void dnspool_xmit_disarm(struct dnspool_query *q);
bool dnspool_query_claim(struct dnspool_pool *pool, struct dnspool_query *q, bool *unsent);
void dnspool_xmit_pool_init(struct dnspool_pool *pool);
void dnspool_xmit_pool_shutdown(struct dnspool_pool *pool);
u32 dnspool_pool_rto_ms(struct dnspool_pool *pool);

#endif /* _DNSPOOL_XMIT_H */
