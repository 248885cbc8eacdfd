// SPDX-License-Identifier: GPL-2.0
/*
 * DNS over UDP (RFC 1035 section 4.2.1): a connected UDP socket carries
 * many queries at once, one datagram each.
 */
#include <linux/in.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "conn.h"

/* Answers handled per run of the work before it yields. */
#define UDP_RX_BUDGET	256

/* Room for the answers to a connection's share of a burst of queries. */
#define UDP_RCVBUF	SZ_1M

static int udp_dial(struct dnspool_conn *conn)
{
	int err = dnspool_conn_open(conn, SOCK_DGRAM, IPPROTO_UDP, 0);

	if (conn->sock)
		sock_set_rcvbuf(conn->sock->sk, UDP_RCVBUF);
	return err;
}

static int udp_dialed(struct dnspool_conn *conn)
{
	return 0;
}

static int udp_send(struct dnspool_conn *conn, struct dnspool_query *q)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec iov = { .iov_base = q->msg, .iov_len = q->len };
	int n;

	n = kernel_sendmsg(conn->sock, &msg, &iov, 1, q->len);
	if (n < 0)
		return n;
	q->sent = q->len;
	return 0;
}

static int udp_recv(struct dnspool_conn *conn)
{
	int budget = UDP_RX_BUDGET;

	while (budget--) {
		struct msghdr msg = {};
		struct kvec iov = {};
		u8 *buf;
		int len, n;

		/* The datagram's size first, then a buffer that fits it. */
		len = kernel_recvmsg(conn->sock, &msg, &iov, 0, 0,
				     MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
		if (len == -EAGAIN)
			return 0;
		if (len < 0)
			return len;
		buf = kmalloc(max(len, 1), GFP_KERNEL);
		iov.iov_base = buf;
		iov.iov_len = buf ? len : 0;
		n = kernel_recvmsg(conn->sock, &msg, &iov, 1, iov.iov_len, MSG_DONTWAIT);
		if (n < 0) {
			kfree(buf);
			return n == -EAGAIN ? 0 : n;
		}
		if (!buf) {
			/* Dropped for want of memory; the query will time out. */
			atomic64_inc(&conn->pool->stats.malformed);
			continue;
		}
		dnspool_conn_answer(conn, buf, n);
	}
	/* More may be waiting: let other work run first. */
	dnspool_conn_kick(conn);
	return 0;
}

const struct dnspool_conn_ops dnspool_udp_ops = {
	.transport = DNSPOOL_TRANSPORT_UDP,
	.dial = udp_dial,
	.dialed = udp_dialed,
	.send = udp_send,
	.recv = udp_recv,
};
