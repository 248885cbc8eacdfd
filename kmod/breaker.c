// SPDX-License-Identifier: GPL-2.0
/*
 * An upstream's circuit breaker.  Every query the upstream's pools end
 * feeds it: an upstream failure (an upstream-class error, or an answer
 * with rcode SERVFAIL or REFUSED) counts; breaker_failures of them in a
 * row open it, for a back-off that doubles each time the probe after it
 * fails; a good answer (NOERROR, NXDOMAIN) closes it.  This host's own
 * failures (memory, ports, bounds, a missing handshake agent, the
 * upstream's removal) never count: a forwarder that blames an upstream for
 * them cuts off healthy servers and piles their load onto the rest.
 * Queries refused before any network attempt (a hold-down) never reach
 * it, and a query a retransmission recovered ended answered.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>

#include "dnsmsg.h"
#include "breaker.h"
#include "query.h"
#include "upstream.h"

/* An open breaker's back-off grows up to this many times its first. */
#define DNSPOOL_BREAKER_BACKOFF_GROWTH	64

/* Rcodes (RFC 1035 section 4.1.1) that say the upstream could not serve. */
#define DNS_RCODE_NOERROR	0
#define DNS_RCODE_SERVFAIL	2
#define DNS_RCODE_NXDOMAIN	3
#define DNS_RCODE_REFUSED	5

/**
 * dnspool_breaker_init() - a closed breaker, no failure seen
 * @h: the breaker
 */
void dnspool_breaker_init(struct dnspool_breaker *h)
{
	spin_lock_init(&h->lock);
}

/* Closed, open or half-open, at @now; h->lock held. */
static enum dnspool_health dnspool_breaker_state(const struct dnspool_breaker *h,
						 unsigned long now)
{
	if (!h->open)
		return DNSPOOL_HEALTH_CLOSED;
	return time_before(now, h->open_until) ? DNSPOOL_HEALTH_OPEN :
						 DNSPOOL_HEALTH_HALF_OPEN;
}

/* One more upstream failure; h->lock held. */
static void dnspool_breaker_failed(struct dnspool_breaker *h, const struct dnspool_params *p,
				   unsigned long now)
{
	u32 threshold = READ_ONCE(p->breaker_failures);
	unsigned long first = msecs_to_jiffies(READ_ONCE(p->breaker_backoff_ms));

	if (h->failures < U32_MAX)
		WRITE_ONCE(h->failures, h->failures + 1);
	switch (dnspool_breaker_state(h, now)) {
	case DNSPOOL_HEALTH_CLOSED:
		if (!threshold || h->failures < threshold)
			return;
		h->backoff = first;
		break;
	case DNSPOOL_HEALTH_HALF_OPEN:
		/* The probe failed: back off longer. */
		h->backoff = min(max(h->backoff, first) * 2,
				 first * DNSPOOL_BREAKER_BACKOFF_GROWTH);
		break;
	case DNSPOOL_HEALTH_OPEN:
		return;
	}
	WRITE_ONCE(h->open, true);
	h->open_until = now + h->backoff;
}

/* The rcode of an answer, which has a header (dnsmsg checked it). */
static unsigned int dnspool_breaker_rcode(const u8 *answer, size_t len)
{
	return len >= DNS_HDR_LEN ? answer[3] & 0x0f : DNS_RCODE_SERVFAIL;
}

/**
 * dnspool_breaker_outcome() - a query to @up ended
 * @up: the upstream
 * @err: 0 when answered, or its negative errno
 * @answer: the answer, when answered
 * @len: its length
 *
 * Context: any context but hard interrupt; takes the breaker's lock with
 * bottom halves off.
 */
void dnspool_breaker_outcome(struct dnspool_upstream *up, int err, const u8 *answer,
			     size_t len)
{
	struct dnspool_breaker *h = &up->breaker;
	unsigned long now = jiffies;
	unsigned int rcode = 0;

	/* A race's loser, cancelled: no outcome of the upstream's. */
	if (err == -ECANCELED)
		return;
	if (!err) {
		rcode = dnspool_breaker_rcode(answer, len);
		if (rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED)
			err = -EREMOTEIO;
		else if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN)
			return;		/* alive, but not a good answer */
	}
	/* The common case, a good answer to a healthy upstream, takes no
	 * lock.
	 */
	if (!err && !READ_ONCE(h->failures) && !READ_ONCE(h->open))
		return;

	spin_lock_bh(&h->lock);
	if (!err) {
		WRITE_ONCE(h->failures, 0);
		WRITE_ONCE(h->open, false);
		h->backoff = 0;
	} else {
		h->last_error = err;
		h->last_error_at = now;
		if (dnspool_error_class(err) == DNSPOOL_ERROR_CLASS_UPSTREAM)
			dnspool_breaker_failed(h, &up->params, now);
	}
	spin_unlock_bh(&h->lock);
}

/**
 * dnspool_breaker_read() - what the breaker shows now
 * @h: the breaker
 * @info: filled in
 *
 * Context: process context; takes the breaker's lock with bottom halves
 * off.
 */
void dnspool_breaker_read(struct dnspool_breaker *h, struct dnspool_breaker_info *info)
{
	unsigned long now = jiffies;

	spin_lock_bh(&h->lock);
	info->state = dnspool_breaker_state(h, now);
	info->failures = h->failures;
	info->last_error = h->last_error;
	info->last_error_age_ms = h->last_error ?
		min_t(u64, jiffies_to_msecs(now - h->last_error_at), U32_MAX) : 0;
	info->probe_in_ms = info->state == DNSPOOL_HEALTH_OPEN ?
		jiffies_to_msecs(h->open_until - now) : 0;
	spin_unlock_bh(&h->lock);
}
