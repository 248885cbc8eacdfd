// SPDX-License-Identifier: GPL-2.0
/*
 * DNS over TCP (RFC 7766): each message behind a two-byte length, many
 * queries pipelined on one connection, answers in any order.  Reads and
 * writes never block: partial frames are kept until the rest arrives.
 */
#include <linux/in.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "conn.h"
#include "dnsmsg.h"

/* The frame being read. */
struct tcp_rx {
	u8 prefix[2];
	size_t prefix_have;
	u8 *buf;		/* the message, once its length is known */
	size_t need, have;
};

/* Answers handled per run of the work before it yields. */
#define TCP_RX_BUDGET	256

static int tcp_dial(struct dnspool_conn *conn)
{
	struct tcp_rx *rx;
	int err;

	rx = kzalloc(sizeof(*rx), GFP_KERNEL_ACCOUNT);
	if (!rx)
		return -ENOMEM;
	conn->priv = rx;
	err = dnspool_conn_open(conn, SOCK_STREAM, IPPROTO_TCP, O_NONBLOCK);
	if (conn->sock)
		tcp_sock_set_nodelay(conn->sock->sk);
	return err;
}

static int tcp_dialed(struct dnspool_conn *conn)
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

static int tcp_send(struct dnspool_conn *conn, struct dnspool_query *q)
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
		q->sent += n;
	}
	return 0;
}

/* Reads into @buf up to @len bytes: >0 read, 0 nothing yet, <0 error. */
static int tcp_read(struct dnspool_conn *conn, void *buf, size_t len)
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

static int tcp_recv(struct dnspool_conn *conn)
{
	struct tcp_rx *rx = conn->priv;
	int budget = TCP_RX_BUDGET;
	int n;

	while (budget--) {
		if (rx->prefix_have < 2) {
			n = tcp_read(conn, rx->prefix + rx->prefix_have, 2 - rx->prefix_have);
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
		n = tcp_read(conn, rx->buf + rx->have, rx->need - rx->have);
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

static void tcp_destroy(struct dnspool_conn *conn)
{
	struct tcp_rx *rx = conn->priv;

	if (rx)
		kfree(rx->buf);
	kfree(rx);
}

const struct dnspool_conn_ops dnspool_tcp_ops = {
	.transport = DNSPOOL_TRANSPORT_TCP,
	.dial = tcp_dial,
	.dialed = tcp_dialed,
	.send = tcp_send,
	.recv = tcp_recv,
	.destroy = tcp_destroy,
};
