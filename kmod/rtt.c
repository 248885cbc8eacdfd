// SPDX-License-Identifier: GPL-2.0
/*
 * Round-trip time estimation as RFC 6298 does it for TCP: a smoothed RTT
 * (gain 1/8) and mean deviation (gain 1/4), the timeout being the former
 * plus four times the latter, bounded.  The caller applies Karn's rule:
 * only exchanges answered on their first transmission are sampled.
 */
#include <linux/jiffies.h>
#include <linux/math.h>
#include <linux/minmax.h>

#include "rtt.h"

static u64 dnspool_rtt_pack(u32 srtt_us, u32 rttvar_us)
{
	return (u64)srtt_us << 32 | rttvar_us;
}

/**
 * dnspool_rtt_sample() - account for one measured round trip
 * @rtt: the estimate
 * @rtt_us: the round trip, in microseconds
 *
 * Context: any.
 */
void dnspool_rtt_sample(struct dnspool_rtt *rtt, u32 rtt_us)
{
	s64 old = atomic64_read(&rtt->est), new;

	/* 0 stands for "no sample": the smallest estimate is 1 us. */
	rtt_us = max(rtt_us, 1U);
	do {
		u32 srtt = old >> 32, var = (u32)old, delta;

		if (old) {
			delta = srtt > rtt_us ? srtt - rtt_us : rtt_us - srtt;
			var = var - var / 4 + delta / 4;
			srtt = max(srtt - srtt / 8 + rtt_us / 8, 1U);
		} else {
			srtt = rtt_us;
			var = rtt_us / 2;
		}
		new = dnspool_rtt_pack(srtt, var);
	} while (!atomic64_try_cmpxchg(&rtt->est, &old, new));
}

/**
 * dnspool_rtt_srtt_us() - the smoothed round-trip time
 * @rtt: the estimate
 *
 * Return: microseconds, 0 before the first sample.
 */
u32 dnspool_rtt_srtt_us(const struct dnspool_rtt *rtt)
{
	return atomic64_read(&rtt->est) >> 32;
}

/**
 * dnspool_rtt_rto_ms() - the retransmission timeout
 * @rtt: the estimate
 * @p: its bounds
 *
 * The smoothed RTT plus four mean deviations, or at least the timer's
 * granularity (a jiffy), rounded up to a millisecond and bounded by @p;
 * p->initial_ms before the first sample.
 *
 * Return: milliseconds.
 */
u32 dnspool_rtt_rto_ms(const struct dnspool_rtt *rtt, const struct dnspool_rto_params *p)
{
	u64 est = atomic64_read(&rtt->est);
	u64 us;

	if (!est)
		return clamp(p->initial_ms, p->min_ms, p->max_ms);
	us = (est >> 32) + max_t(u64, jiffies_to_usecs(1), 4 * (u64)(u32)est);
	return clamp_t(u64, DIV_ROUND_UP_ULL(us, USEC_PER_MSEC), p->min_ms, p->max_ms);
}
