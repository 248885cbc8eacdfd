/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An upstream's health: a circuit breaker fed by its queries' outcomes,
 * which counts the upstream's own failures only, never this host's.
 */
#ifndef _DNSPOOL_BREAKER_H
#define _DNSPOOL_BREAKER_H

#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <uapi/linux/dnspool.h>

/**
 * struct dnspool_breaker - an upstream's circuit breaker
 * @lock: protects @open to @told; taken with bottom halves off,
 *	for queries end in softirq too
 * @open: the breaker opened and has not closed since; it is half-open
 *	from @open_until on
 * @failures: consecutive upstream failures, reset by a good answer
 * @open_until: when an open breaker half-opens, in 64-bit jiffies
 * @backoff: how long it last stayed open, in jiffies; 0 while closed
 * @last_error: the last failure's negative errno, of either class; 0
 *	before any
 * @last_error_at: when it happened, in 64-bit jiffies
 * @told: the state last announced to the monitor group
 * @timer: fires when an open breaker half-opens, to announce it; shut
 *	down when the upstream is removed
 */
struct dnspool_breaker {
	spinlock_t lock;		/* see above */
	bool open;
	u32 failures;
	u64 open_until;
	u64 backoff;
	int last_error;
	u64 last_error_at;
	enum dnspool_health told;
	struct timer_list timer;
};

/**
 * struct dnspool_breaker_info - what the breaker shows, at one moment
 * @state: closed, open or half-open
 * @failures: consecutive upstream failures
 * @last_error: the last failure's negative errno; 0 before any
 * @last_error_age_ms: how long ago it happened
 * @probe_in_ms: while open, how long until it half-opens
 */
struct dnspool_breaker_info {
	enum dnspool_health state;
	u32 failures;
	int last_error;
	u32 last_error_age_ms;
	u32 probe_in_ms;
};

struct dnspool_upstream;

void dnspool_breaker_init(struct dnspool_breaker *b);
void dnspool_breaker_stop(struct dnspool_breaker *b);
void dnspool_breaker_outcome(struct dnspool_upstream *up, u64 asked, int err,
			     const u8 *answer);
void dnspool_breaker_read(struct dnspool_breaker *b, struct dnspool_breaker_info *info);

#endif /* _DNSPOOL_BREAKER_H */
