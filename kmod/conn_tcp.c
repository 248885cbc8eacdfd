// SPDX-License-Identifier: GPL-2.0
/*
 * DNS over TCP (RFC 7766): each message behind a two-byte length, many
 * queries pipelined on one connection, answers in any order.  Reads and
 * writes never block: partial frames are kept until the rest arrives.
 * DNS over TLS frames its messages the same way, over kernel TLS.
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

static int dnspool_tcp_read(struct dnspool_conn *conn, void *buf, size_t len)
{
	struct msghdr msg = {};
	struct kvec iov = { .iov_base = buf, .iov_len = len };
	int n;

	n = kernel_recvmsg(conn->sock, &msg, &iov, 1, len, MSG_DONTWAIT);
	if (n == -EAGAIN)
		return 0;
	if (n == 0)
		return -EPIPE;	/* the upstream closed the connection */
	return n;
}

/**
 * dnspool_stream_recv() - read the frames that arrived
 * @conn: the connection
 * @rx: the frame being read, kept across calls
 * @read: reads from the stream without blocking
 *
 * Each whole message goes to dnspool_conn_answer().  After a budget of
 * messages the work is queued again and this returns, so that one busy
 * connection does not hold a worker.
 *
 * Context: the connection's work, no lock held.
 * Return: 0 when drained or yielding, <0 when the connection broke.
 */
int dnspool_stream_recv(struct dnspool_conn *conn, struct dnspool_stream_rx *rx,
			dnspool_stream_read_t read)
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
		dnspool_conn_answer(conn, rx->buf, rx->need);
		rx->buf = NULL;
		rx->prefix_have = 0;
	}
	dnspool_conn_kick(conn);
	return 0;
}

static int dnspool_tcp_recv(struct dnspool_conn *conn)
{
	return dnspool_stream_recv(conn, conn->priv, dnspool_tcp_read);
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
	.destroy = dnspool_tcp_destroy,
	.send_direct = true,
};
