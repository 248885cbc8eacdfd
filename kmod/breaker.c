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
 * it, and a query a retransmission recovered ended answered.  While it is
 * half-open, only a query asked since then probes: one asked earlier that
 * fails now says nothing of the upstream since.  Each change of state is
 * announced to the family's monitor group, in order, under the breaker's
 * lock.  Times are 64-bit jiffies, which do not wrap.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>

#include "breaker.h"
#include "dnsmsg.h"
#include "netlink.h"
#include "query.h"
#include "upstream.h"

/* An open breaker's back-off grows up to this many times its first. */
#define DNSPOOL_BREAKER_BACKOFF_GROWTH	64

static struct dnspool_upstream *dnspool_breaker_upstream(struct dnspool_breaker *b)
{
	return container_of(b, struct dnspool_upstream, breaker);
}

/* Closed, open or half-open, at @now; b->lock held. */
static enum dnspool_health dnspool_breaker_state(const struct dnspool_breaker *b, u64 now)
{
	if (!b->open)
		return DNSPOOL_HEALTH_CLOSED;
	return time_before64(now, b->open_until) ? DNSPOOL_HEALTH_OPEN :
						   DNSPOOL_HEALTH_HALF_OPEN;
}

/* What the breaker shows at @now; b->lock held. */
static void dnspool_breaker_snap(const struct dnspool_breaker *b, u64 now,
				 struct dnspool_breaker_info *info)
{
	info->state = dnspool_breaker_state(b, now);
	info->failures = b->failures;
	info->last_error = b->last_error;
	info->last_error_age_ms = b->last_error ?
		min_t(u64, jiffies64_to_msecs(now - b->last_error_at), U32_MAX) : 0;
	info->probe_in_ms = info->state == DNSPOOL_HEALTH_OPEN ?
		min_t(u64, jiffies64_to_msecs(b->open_until - now), U32_MAX) : 0;
}

/* Announces the state at @now if it is news; b->lock held, which keeps
 * announcements in the order of the changes.
 */
static void dnspool_breaker_announce(struct dnspool_breaker *b, u64 now)
{
	struct dnspool_breaker_info info;

	dnspool_breaker_snap(b, now, &info);
	if (info.state == b->told)
		return;
	b->told = info.state;
	dnspool_nl_notify_health(dnspool_breaker_upstream(b), &info);
}

/* The back-off ended: the breaker is half-open.  Timer callback. */
static void dnspool_breaker_expired(struct timer_list *t)
{
	struct dnspool_breaker *b = from_timer(b, t, timer);

	spin_lock_bh(&b->lock);
	dnspool_breaker_announce(b, get_jiffies_64());
	spin_unlock_bh(&b->lock);
}

/**
 * dnspool_breaker_init() - a closed breaker, no failure seen
 * @b: the breaker
 */
void dnspool_breaker_init(struct dnspool_breaker *b)
{
	spin_lock_init(&b->lock);
	b->told = DNSPOOL_HEALTH_CLOSED;
	timer_setup(&b->timer, dnspool_breaker_expired, 0);
}

/**
 * dnspool_breaker_stop() - no more announcements: the upstream is going
 * @b: the breaker, whose upstream's pools were shut down
 *
 * Context: process context, no lock held; waits for the timer.
 */
void dnspool_breaker_stop(struct dnspool_breaker *b)
{
	timer_shutdown_sync(&b->timer);
}

/* One more upstream failure, of a query asked at @asked; b->lock held. */
static void dnspool_breaker_failed(struct dnspool_breaker *b, const struct dnspool_params *p,
				   u64 now, u64 asked)
{
	u32 threshold = READ_ONCE(p->breaker_failures);
	u64 first = msecs_to_jiffies(READ_ONCE(p->breaker_backoff_ms));

	if (b->failures < U32_MAX)
		WRITE_ONCE(b->failures, b->failures + 1);
	if (!threshold) {
		/* Set never to open (since it opened, perhaps). */
		WRITE_ONCE(b->open, false);
		return;
	}
	switch (dnspool_breaker_state(b, now)) {
	case DNSPOOL_HEALTH_CLOSED:
		if (b->failures < threshold)
			return;
		b->backoff = first;
		break;
	case DNSPOOL_HEALTH_HALF_OPEN:
		/* Asked before it half-opened: not a probe. */
		if (time_before64(asked, b->open_until))
			return;
		/* The probe failed: back off longer. */
		b->backoff = min(max(b->backoff, first) * 2,
				 first * DNSPOOL_BREAKER_BACKOFF_GROWTH);
		break;
	case DNSPOOL_HEALTH_OPEN:
		return;
	}
	WRITE_ONCE(b->open, true);
	b->open_until = now + b->backoff;
	mod_timer(&b->timer, (unsigned long)b->open_until);
}

/**
 * dnspool_breaker_outcome() - a query to @up ended
 * @up: the upstream
 * @asked: when the query was submitted, in 64-bit jiffies
 * @err: 0 when answered, or its negative errno
 * @answer: the answer, when answered
 *
 * Context: any context but hard interrupt; takes the breaker's lock with
 * bottom halves off.
 */
void dnspool_breaker_outcome(struct dnspool_upstream *up, u64 asked, int err,
			     const u8 *answer)
{
	struct dnspool_breaker *b = &up->breaker;
	unsigned int rcode;
	u64 now;

	/* A race's loser, cancelled: no outcome of the upstream's. */
	if (err == -ECANCELED)
		return;
	if (!err) {
		rcode = dnsmsg_rcode(answer);
		if (rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED)
			err = -EREMOTEIO;
		else if (!dnsmsg_good_answer(answer))
			return;		/* alive, but not a good answer */
	}
	/* The common case, a good answer to a healthy upstream, takes no
	 * lock.
	 */
	if (!err && !READ_ONCE(b->failures) && !READ_ONCE(b->open))
		return;

	spin_lock_bh(&b->lock);
	now = get_jiffies_64();
	/* Half-open, which its timer has not announced yet. */
	dnspool_breaker_announce(b, now);
	if (!err) {
		WRITE_ONCE(b->failures, 0);
		WRITE_ONCE(b->open, false);
		b->backoff = 0;
	} else {
		b->last_error = err;
		b->last_error_at = now;
		if (dnspool_error_class(err) == DNSPOOL_ERROR_CLASS_UPSTREAM)
			dnspool_breaker_failed(b, &up->params, now, asked);
	}
	/* Opened, opened again after a failed probe, or closed. */
	dnspool_breaker_announce(b, now);
	spin_unlock_bh(&b->lock);
}

/**
 * dnspool_breaker_read() - what the breaker shows now
 * @b: the breaker
 * @info: filled in
 *
 * Context: process context; takes the breaker's lock with bottom halves
 * off.
 */
void dnspool_breaker_read(struct dnspool_breaker *b, struct dnspool_breaker_info *info)
{
	spin_lock_bh(&b->lock);
	dnspool_breaker_snap(b, get_jiffies_64(), info);
	spin_unlock_bh(&b->lock);
}
