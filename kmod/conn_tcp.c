// SPDX-License-Identifier: GPL-2.0
/*
 * DNS over TCP (RFC 7766): each message behind a two-byte length, many
 * queries pipelined on one connection, answers in any order.  Reads and
 * writes never block: partial frames are kept until the rest arrives.
 * Over TCP, answers are cut from the stream in softirq, where the segment
 * arrives (tcp_read_sock() from data_ready, as strparser reads); DNS over
 * TLS frames its messages the same way, read by the work over kernel TLS,
 * which needs process context.
 */
#include <linux/in.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "conn.h"
#include "conn_tcp.h"
#include "pool.h"
#include "sock.h"
#include "dnsmsg.h"
#include "race.h"

/* Answers handled per run of the work before it yields. */
#define DNSPOOL_STREAM_RX_BUDGET	256

/* Answers handled in softirq per data_ready before the work takes over. */
#define DNSPOOL_STREAM_RX_BUDGET_NOW	64

static int dnspool_tcp_open(struct dnspool_conn *conn)
{
	struct dnspool_stream_rx *rx;
	int err;

	rx = kzalloc(sizeof(*rx), GFP_KERNEL_ACCOUNT);
	if (!rx)
		return -ENOMEM;
	conn->priv = rx;
	err = dnspool_sock_create(conn, SOCK_STREAM, IPPROTO_TCP);
	if (err)
		return err;
	tcp_sock_set_nodelay(conn->sock->sk);
	return 0;
}

static int dnspool_tcp_dial(struct dnspool_conn *conn)
{
	return dnspool_sock_connect(conn, O_NONBLOCK);
}

/**
 * dnspool_stream_dialed() - is the TCP connection up?
 * @conn: the connection, whose non-blocking connect was started
 *
 * Context: the connection's work.
 * Return: 0 yes, -EINPROGRESS not yet, or the connect's error.
 */
int dnspool_stream_dialed(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;
	int err;

	switch (READ_ONCE(sk->sk_state)) {
	case TCP_ESTABLISHED:
		return 0;
	case TCP_SYN_SENT:
		return -EINPROGRESS;
	default:
		err = sock_error(sk);
		return err ? err : -ECONNREFUSED;
	}
}

/**
 * dnspool_stream_send() - send a query behind its length prefix
 * @conn: the connection
 * @q: the query; q->sent says how much of its frame went out before
 *
 * Sends without blocking, from where the last send stopped.
 *
 * Context: the connection's sender (its work, or over TCP a query's
 * submitter), no lock held.
 * Return: 0 when the frame went out whole, -EAGAIN when the socket is
 * full (q->sent says how far it got), or another error: the stream broke.
 */
int dnspool_stream_send(struct dnspool_conn *conn, struct dnspool_query *q)
{
	u8 prefix[2] = { q->len >> 8, q->len & 0xff };
	size_t total = q->len + 2;
	struct kvec iov[2];
	int nvec = 0, n;

	while (q->sent < total) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };

		nvec = 0;
		if (q->sent < 2) {
			iov[nvec].iov_base = prefix + q->sent;
			iov[nvec++].iov_len = 2 - q->sent;
			iov[nvec].iov_base = q->msg;
			iov[nvec++].iov_len = q->len;
		} else {
			iov[nvec].iov_base = q->msg + q->sent - 2;
			iov[nvec++].iov_len = total - q->sent;
		}
		n = kernel_sendmsg(conn->sock, &msg, iov, nvec, total - q->sent);
		if (n < 0)
			return n;
		dnspool_race("stream_send");
		q->sent += n;
	}
	return 0;
}

/* dnspool_stream_recv(), its answers ending in @b. */
static int __dnspool_stream_recv(struct dnspool_conn *conn, struct dnspool_stream_rx *rx,
				 dnspool_stream_read_t read, struct dnspool_batch *b)
{
	int budget = DNSPOOL_STREAM_RX_BUDGET;
	int n;

	while (budget--) {
		if (rx->prefix_have < 2) {
			n = read(conn, rx->prefix + rx->prefix_have, 2 - rx->prefix_have);
			if (n <= 0)
				return n;
			rx->prefix_have += n;
			if (rx->prefix_have < 2)
				return 0;
			rx->need = (rx->prefix[0] << 8) | rx->prefix[1];
			if (rx->need < DNS_HDR_LEN) {
				/* No DNS message is this short: the stream is
				 * not DNS, or lost its framing.
				 */
				atomic64_inc(&conn->pool->stats.malformed);
				return -EPROTO;
			}
			rx->buf = kmalloc(rx->need, GFP_KERNEL);
			if (!rx->buf)
				return -ENOMEM;
			rx->have = 0;
		}
		n = read(conn, rx->buf + rx->have, rx->need - rx->have);
		if (n <= 0)
			return n;
		rx->have += n;
		if (rx->have < rx->need)
			return 0;
		dnspool_conn_answer(conn, rx->buf, rx->need, b);
		rx->buf = NULL;
		rx->prefix_have = 0;
	}
	dnspool_conn_kick(conn);
	return 0;
}

/**
 * dnspool_stream_recv() - read the frames that arrived
 * @conn: the connection
 * @rx: the frame being read, kept across calls
 * @read: reads from the stream without blocking
 *
 * Each whole message goes to dnspool_conn_answer(), all in one batch.
 * After a budget of messages the work is queued again and this returns,
 * so that one busy connection does not hold a worker.
 *
 * Context: the connection's work, no lock held.
 * Return: 0 when drained or yielding, <0 when the connection broke.
 */
int dnspool_stream_recv(struct dnspool_conn *conn, struct dnspool_stream_rx *rx,
			dnspool_stream_read_t read)
{
	struct dnspool_batch b = DNSPOOL_BATCH(GFP_KERNEL);
	int n = __dnspool_stream_recv(conn, rx, read, &b);

	dnspool_batch_flush(&b);
	return n;
}

/* What a read of the socket's queue feeds the parser with. */
struct dnspool_tcp_feed {
	struct dnspool_conn *conn;
	struct dnspool_batch b;	/* the answers' */
	bool atomic;	/* in softirq: no sleep, no lock but the socket's */
	bool stalled;	/* a message the work must allocate for */
};

/* Hands a whole message on: where it arrived, or in the work. */
static void dnspool_tcp_deliver(struct dnspool_tcp_feed *feed, u8 *msg, size_t len)
{
	struct dnspool_conn *conn = feed->conn;

	if (!feed->atomic)
		dnspool_conn_answer(conn, msg, len, &feed->b);
	else if (!dnspool_conn_answer_atomic(conn, msg, len, &feed->b))
		atomic_inc(&conn->sock->sk->sk_drops);
}

/*
 * tcp_read_sock()'s actor: frames cut from the bytes of @skb from @offset,
 * each whole message handed on, at most desc->count of them.  Runs under
 * the socket's lock, taken by the work or held in softirq (bh_lock_sock(),
 * the socket not owned), which guards the frame being read.  Returns the
 * bytes it used; 0 stops the read.
 */
static int dnspool_tcp_actor(read_descriptor_t *desc, struct sk_buff *skb,
			     unsigned int offset, size_t len)
{
	struct dnspool_tcp_feed *feed = desc->arg.data;
	struct dnspool_conn *conn = feed->conn;
	struct dnspool_stream_rx *rx = conn->priv;
	size_t used = 0, n;

	while (used < len && !rx->err && !feed->stalled && desc->count) {
		if (rx->prefix_have < 2) {
			n = min(2 - rx->prefix_have, len - used);
			if (skb_copy_bits(skb, offset + used, rx->prefix + rx->prefix_have, n))
				break;
			rx->prefix_have += n;
			used += n;
			if (rx->prefix_have < 2)
				break;
			rx->need = (rx->prefix[0] << 8) | rx->prefix[1];
			rx->have = 0;
			if (rx->need < DNS_HDR_LEN) {
				/* No DNS message is this short: the stream is
				 * not DNS, or lost its framing.
				 */
				atomic64_inc(&conn->pool->stats.malformed);
				rx->err = -EPROTO;
				break;
			}
		}
		if (!rx->buf) {
			/* A long message waits for the work, which may sleep
			 * for its memory; and ends where it may sleep too.
			 */
			if (feed->atomic && rx->need > DNSPOOL_ATOMIC_ANSWER_MAX) {
				feed->stalled = true;
				break;
			}
			rx->buf = kmalloc(rx->need, feed->atomic ? GFP_ATOMIC | __GFP_NOWARN :
								   GFP_KERNEL);
			if (!rx->buf) {
				if (feed->atomic)
					feed->stalled = true;
				else
					rx->err = -ENOMEM;
				break;
			}
		}
		n = min(rx->need - rx->have, len - used);
		if (skb_copy_bits(skb, offset + used, rx->buf + rx->have, n))
			break;
		rx->have += n;
		used += n;
		if (rx->have < rx->need)
			break;
		desc->count--;
		dnspool_tcp_deliver(feed, rx->buf, rx->need);
		rx->buf = NULL;
		rx->prefix_have = 0;
	}
	return used;
}

/*
 * Reads what the socket holds, at most @budget messages; its lock held as
 * for the actor.  Returns true when the read stopped with data left for
 * the work: the budget spent, a message to allocate for, or urgent data,
 * which tcp_read_sock() does not read past (no DNS server sends it: the
 * work then fails the connection).
 */
static bool dnspool_tcp_feed(struct dnspool_conn *conn, struct dnspool_tcp_feed *feed,
			     size_t budget)
{
	read_descriptor_t desc = { .arg.data = feed, .count = budget };
	struct sock *sk = conn->sock->sk;

	tcp_read_sock(sk, &desc, dnspool_tcp_actor);
	dnspool_batch_flush(&feed->b);
	return !desc.count || feed->stalled || READ_ONCE(tcp_sk(sk)->urg_data);
}

/*
 * The work's receive, under the socket's lock: what softirq left (a socket
 * the work or a sender held then, a long message), then whether the stream
 * broke or ended.
 */
static int dnspool_tcp_recv(struct dnspool_conn *conn)
{
	struct dnspool_tcp_feed feed = { .conn = conn, .b = DNSPOOL_BATCH(GFP_KERNEL) };
	struct dnspool_stream_rx *rx = conn->priv;
	struct sock *sk = conn->sock->sk;
	bool more;
	int err;

	lock_sock(sk);
	more = dnspool_tcp_feed(conn, &feed, DNSPOOL_STREAM_RX_BUDGET);
	err = rx->err ?: sock_error(sk);
	if (!err && READ_ONCE(tcp_sk(sk)->urg_data))
		err = -EPROTO;
	/* The upstream closed the connection. */
	if (!err && (READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) &&
	    skb_queue_empty(&sk->sk_receive_queue))
		err = -EPIPE;
	release_sock(sk);
	if (!err && more)
		dnspool_conn_kick(conn);
	return err;
}

/*
 * The socket's data_ready, in softirq with the socket's spinlock held:
 * answers are cut from the stream and end their queries there, as UDP
 * answers do, unless the socket is owned (by the work, a sender, or
 * whoever runs its backlog on release_sock(), as strparser checks), which
 * leaves them to the work.
 */
static void dnspool_tcp_data_ready(struct dnspool_conn *conn)
{
	struct dnspool_tcp_feed feed = {
		.conn = conn, .b = DNSPOOL_BATCH(GFP_ATOMIC), .atomic = true,
	};
	struct dnspool_stream_rx *rx = conn->priv;
	struct sock *sk = conn->sock->sk;

	if (sock_owned_by_user_nocheck(sk) || READ_ONCE(conn->state) != DNSPOOL_CONN_READY) {
		dnspool_conn_kick(conn);
		return;
	}
	if (dnspool_tcp_feed(conn, &feed, DNSPOOL_STREAM_RX_BUDGET_NOW) || rx->err)
		dnspool_conn_kick(conn);
}

/**
 * dnspool_stream_rx_free() - free the frame being read
 * @rx: the frame
 */
void dnspool_stream_rx_free(struct dnspool_stream_rx *rx)
{
	kfree(rx->buf);
	rx->buf = NULL;
}

static void dnspool_tcp_destroy(struct dnspool_conn *conn)
{
	if (conn->priv)
		dnspool_stream_rx_free(conn->priv);
	kfree(conn->priv);
}

const struct dnspool_conn_ops dnspool_tcp_ops = {
	.transport = DNSPOOL_TRANSPORT_TCP,
	.open = dnspool_tcp_open,
	.dial = dnspool_tcp_dial,
	.dialed = dnspool_stream_dialed,
	.send = dnspool_stream_send,
	.recv = dnspool_tcp_recv,
	.data_ready = dnspool_tcp_data_ready,
	.destroy = dnspool_tcp_destroy,
	.send_direct = true,
};
