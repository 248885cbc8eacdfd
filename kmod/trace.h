/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of dnspool: connections opened, closed and reaped; queries
 * submitted, sent, answered and failed; TLS handshakes started and ended.
 * Each names the upstream, its transport and its namespace's inode number
 * (as in /proc/PID/ns/net).  For example, a histogram of answer times per
 * upstream:
 *
 *   bpftrace -e 'tracepoint:dnspool:dnspool_query_answered
 *                { @us[args.upstream] = hist(args.rtt_us); }'
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM dnspool

#if !defined(_DNSPOOL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _DNSPOOL_TRACE_H

#include <linux/string.h>
#include <linux/tracepoint.h>

#include "conn.h"
#include "dnsmsg.h"
#include "pool.h"
#include "query.h"
#include "upstream.h"

#define dnspool_show_transport(t)				\
	__print_symbolic(t, { DNSPOOL_TRANSPORT_UDP, "udp" },	\
			    { DNSPOOL_TRANSPORT_TCP, "tcp" },	\
			    { DNSPOOL_TRANSPORT_TLS, "tls" })

#ifndef _DNSPOOL_TRACE_HELPERS
#define _DNSPOOL_TRACE_HELPERS
/* The question's type: checked present when the query was made. */
static inline u16 dnspool_trace_qtype(const struct dnspool_query *q)
{
	const u8 *p = q->msg + DNS_HDR_LEN + q->name_len;

	return (p[0] << 8) | p[1];
}
#endif

DECLARE_EVENT_CLASS(dnspool_conn_class,
		    TP_PROTO(const struct dnspool_conn *conn, int err),
		    TP_ARGS(conn, err),
		    TP_STRUCT__entry(__array(char, upstream, DNSPOOL_NAME_MAX_LEN + 1)
				     __field(u32, netns)
				     __field(u8, transport)
				     __field(const void *, conn)
				     __field(u64, served)
				     __field(int, err)),
		    TP_fast_assign(strscpy(__entry->upstream, conn->pool->up->name,
					   sizeof(__entry->upstream));
				   __entry->netns = conn->pool->up->net->ns.inum;
				   __entry->transport = conn->pool->ops->transport;
				   __entry->conn = conn;
				   __entry->served = conn->served;
				   __entry->err = err;),
		    TP_printk("upstream=%s netns=%u transport=%s conn=%p served=%llu err=%d",
			      __entry->upstream, __entry->netns,
			      dnspool_show_transport(__entry->transport), __entry->conn,
			      __entry->served, __entry->err));

/* A connection was made and starts to open. */
DEFINE_EVENT(dnspool_conn_class, dnspool_conn_open,
	     TP_PROTO(const struct dnspool_conn *conn, int err),
	     TP_ARGS(conn, err));

/* A connection closed: err says why (0: idle, rotated, or shut down). */
DEFINE_EVENT(dnspool_conn_class, dnspool_conn_close,
	     TP_PROTO(const struct dnspool_conn *conn, int err),
	     TP_ARGS(conn, err));

/* A connection idle past idle-timeout is about to close. */
DEFINE_EVENT(dnspool_conn_class, dnspool_conn_reap,
	     TP_PROTO(const struct dnspool_conn *conn, int err),
	     TP_ARGS(conn, err));

/* A TLS handshake was handed to the agent (err 0) or could not be. */
DEFINE_EVENT(dnspool_conn_class, dnspool_handshake_start,
	     TP_PROTO(const struct dnspool_conn *conn, int err),
	     TP_ARGS(conn, err));

/* The agent's answer: status 0, or its error; took_us since the start. */
TRACE_EVENT(dnspool_handshake_end,
	    TP_PROTO(const struct dnspool_conn *conn, int status, s64 took_us),
	    TP_ARGS(conn, status, took_us),
	    TP_STRUCT__entry(__array(char, upstream, DNSPOOL_NAME_MAX_LEN + 1)
			     __field(u32, netns)
			     __field(const void *, conn)
			     __field(int, status)
			     __field(s64, took_us)),
	    TP_fast_assign(strscpy(__entry->upstream, conn->pool->up->name,
				   sizeof(__entry->upstream));
			   __entry->netns = conn->pool->up->net->ns.inum;
			   __entry->conn = conn;
			   __entry->status = status;
			   __entry->took_us = took_us;),
	    TP_printk("upstream=%s netns=%u conn=%p status=%d took_us=%lld",
		      __entry->upstream, __entry->netns, __entry->conn,
		      __entry->status, __entry->took_us));

DECLARE_EVENT_CLASS(dnspool_query_class,
		    TP_PROTO(const struct dnspool_query *q, int err),
		    TP_ARGS(q, err),
		    TP_STRUCT__entry(__array(char, upstream, DNSPOOL_NAME_MAX_LEN + 1)
				     __field(u32, netns)
				     __field(u8, transport)
				     __field(const void *, query)
				     __field(u16, id)
				     __field(u16, qtype)
				     __field(bool, reused)
				     __field(u8, retries)
				     __field(u8, tries)
				     __field(u32, rtt_us)
				     __field(int, err)
				     __field(u8, error_class)),
		    TP_fast_assign(strscpy(__entry->upstream, q->pool->up->name,
					   sizeof(__entry->upstream));
				   __entry->netns = q->pool->up->net->ns.inum;
				   __entry->transport = q->pool->ops->transport;
				   __entry->query = q;
				   __entry->id = q->wire_id;
				   __entry->qtype = dnspool_trace_qtype(q);
				   __entry->reused = q->reused;
				   __entry->retries = q->retries;
				   __entry->tries = q->tries;
				   __entry->rtt_us = err ? 0 : q->rtt_us;
				   __entry->err = err;
				   __entry->error_class = err ? dnspool_error_class(err) : 0;),
		    TP_printk("upstream=%s netns=%u transport=%s query=%p id=%u qtype=%u reused=%d retries=%u tries=%u rtt_us=%u err=%d class=%s",
			      __entry->upstream, __entry->netns,
			      dnspool_show_transport(__entry->transport), __entry->query,
			      __entry->id, __entry->qtype, __entry->reused,
			      __entry->retries, __entry->tries, __entry->rtt_us, __entry->err,
			      !__entry->err ? "none" :
			      __entry->error_class == DNSPOOL_ERROR_CLASS_UPSTREAM ?
			      "upstream" : "local"));

/* A query entered a pool (err 0) or was refused (it then ends here). */
DEFINE_EVENT(dnspool_query_class, dnspool_query_submit,
	     TP_PROTO(const struct dnspool_query *q, int err),
	     TP_ARGS(q, err));

/* A query went out whole on its connection (id is its wire ID). */
DEFINE_EVENT(dnspool_query_class, dnspool_query_sent,
	     TP_PROTO(const struct dnspool_query *q, int err),
	     TP_ARGS(q, err));

/* A UDP query's timeout passed unanswered: it is queued again, under a
 * new wire ID (id), on the same or another connection.
 */
DEFINE_EVENT(dnspool_query_class, dnspool_query_retransmit,
	     TP_PROTO(const struct dnspool_query *q, int err),
	     TP_ARGS(q, err));

/* A query was answered, rtt_us after it was first sent. */
DEFINE_EVENT(dnspool_query_class, dnspool_query_answered,
	     TP_PROTO(const struct dnspool_query *q, int err),
	     TP_ARGS(q, err));

/* A query taken by a pool ended unanswered. */
DEFINE_EVENT(dnspool_query_class, dnspool_query_failed,
	     TP_PROTO(const struct dnspool_query *q, int err),
	     TP_ARGS(q, err));

#endif /* _DNSPOOL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
