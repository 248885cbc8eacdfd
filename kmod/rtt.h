/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pool's round-trip time estimate and the retransmission timeout derived
 * from it, in the shape of TCP's (RFC 6298).
 */
#ifndef _DNSPOOL_RTT_H
#define _DNSPOOL_RTT_H

#include <linux/atomic.h>
#include <linux/types.h>

/**
 * struct dnspool_rtt - smoothed round-trip time and its variation
 * @est: the smoothed RTT (upper 32 bits) and its mean deviation (lower 32
 *	bits), in microseconds; 0 before the first sample.  One word, so
 *	that a sample updates both at once, in any context, without a lock.
 */
struct dnspool_rtt {
	atomic64_t est;
};

/**
 * struct dnspool_rto_params - bounds on a retransmission timeout
 * @initial_ms: before the first sample
 * @min_ms: never less
 * @max_ms: never more, backed-off timeouts included
 */
struct dnspool_rto_params {
	u32 initial_ms;
	u32 min_ms;
	u32 max_ms;
};

void dnspool_rtt_sample(struct dnspool_rtt *rtt, u32 rtt_us);
u32 dnspool_rtt_srtt_us(const struct dnspool_rtt *rtt);
u32 dnspool_rtt_rto_ms(const struct dnspool_rtt *rtt, const struct dnspool_rto_params *p);

#endif /* _DNSPOOL_RTT_H */
