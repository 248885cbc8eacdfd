/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A pool's counters, read by the netlink family's pool dump.
 */
#ifndef _DNSPOOL_STATS_H
#define _DNSPOOL_STATS_H

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/minmax.h>
#include <uapi/linux/dnspool.h>

/**
 * struct dnspool_stats - what a pool counted since its upstream was added
 * @queries: queries submitted to it
 * @answers: queries answered
 * @timeouts: queries that ran out of time
 * @local_errors: queries ended by an error of this host
 * @upstream_errors: queries ended by an error of the upstream's
 * @mismatched: answers to no query of ours, or to another question
 * @malformed: messages that are no DNS answer
 * @truncated_retries: truncated answers asked again over TCP
 * @retries: moves of queries to another connection after theirs broke
 * @retransmits: UDP queries sent again, their timeout passed unanswered
 * @late_answers: answers to a transmission whose query was answered (by
 *	another transmission) or ended meanwhile
 * @conns_opened: connections opened (rotations aside)
 * @conns_closed: connections closed, for any reason
 * @conns_reaped: connections closed for being idle
 * @rotations: UDP sockets replaced for a new source port
 * @reuses: queries sent on a connection that had carried one before
 * @dial_failures: connections that failed to open
 * @handshakes: TLS handshakes that succeeded
 * @handshake_failures_agent: TLS handshakes no agent took
 * @handshake_failures_timeout: TLS handshakes past their deadline
 * @handshake_failures_cert: TLS handshakes whose certificate was rejected
 * @handshake_failures_other: TLS handshakes failed otherwise
 * @handshake_time_us: time the successful handshakes took, in all
 * @undelivered: answers the requester's socket could not take
 * @latency: answers by the time from their query's first transmission:
 *	the first bucket counts those under 2^DNSPOOL_LATENCY_BUCKET_SHIFT
 *	us, each next one those under twice the bound before (and at least
 *	that), the last any longer
 * @latency_us: the time the answers in @latency took, in all
 *
 * Each is changed and read without a lock.
 */
struct dnspool_stats {
	atomic64_t queries;
	atomic64_t answers;
	atomic64_t timeouts;
	atomic64_t local_errors;
	atomic64_t upstream_errors;
	atomic64_t mismatched;
	atomic64_t malformed;
	atomic64_t truncated_retries;
	atomic64_t retries;
	atomic64_t retransmits;
	atomic64_t late_answers;
	atomic64_t conns_opened;
	atomic64_t conns_closed;
	atomic64_t conns_reaped;
	atomic64_t rotations;
	atomic64_t reuses;
	atomic64_t dial_failures;
	atomic64_t handshakes;
	atomic64_t handshake_failures_agent;
	atomic64_t handshake_failures_timeout;
	atomic64_t handshake_failures_cert;
	atomic64_t handshake_failures_other;
	atomic64_t handshake_time_us;
	atomic64_t undelivered;
	atomic64_t latency[DNSPOOL_LATENCY_BUCKETS];
	atomic64_t latency_us;
};

/**
 * dnspool_stats_latency() - count an answer that took @us microseconds
 * @st: its pool's counters
 * @us: from its query's first transmission to the answer
 *
 * Context: any.
 */
static inline void dnspool_stats_latency(struct dnspool_stats *st, u32 us)
{
	unsigned int b = min_t(unsigned int, fls(us >> DNSPOOL_LATENCY_BUCKET_SHIFT),
			       DNSPOOL_LATENCY_BUCKETS - 1);

	atomic64_inc(&st->latency[b]);
	atomic64_add(us, &st->latency_us);
}

#endif /* _DNSPOOL_STATS_H */
