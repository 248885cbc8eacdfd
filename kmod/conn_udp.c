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
#include "dnsmsg.h"
#include "limits.h"
#include "upstream.h"

/* Answers handled per run of the work before it yields. */
#define UDP_RX_BUDGET	256

/* Room for the answers to a connection's share of a burst of queries. */
#define UDP_RCVBUF	SZ_1M

/* Enough of an answer to find its query and check its question. */
#define UDP_RX_HEAD	(DNS_HDR_LEN + 255 + 4)

static int udp_open(struct dnspool_conn *conn)
{
	struct net *net = conn->pool->up->net;
	int err, rcvbuf = UDP_RCVBUF;

	err = dnspool_conn_create(conn, SOCK_DGRAM, IPPROTO_UDP);
	if (err)
		return err;
	/* Past rmem_max only in the host's own namespaces: elsewhere any
	 * user may own the socket.
	 */
	if (dnspool_limits_untrusted(net))
		rcvbuf = min_t(int, rcvbuf, READ_ONCE(sysctl_rmem_max));
	sock_set_rcvbuf(conn->sock->sk, rcvbuf);
	return 0;
}

static int udp_dial(struct dnspool_conn *conn)
{
	return dnspool_conn_connect(conn, 0);
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

/*
 * No memory for the datagram waiting: its head is read instead, so that its
 * query fails now as this host's failure rather than time out later as the
 * upstream's.
 */
static int udp_recv_head(struct dnspool_conn *conn)
{
	struct msghdr msg = {};
	u8 head[UDP_RX_HEAD];
	struct kvec iov = { .iov_base = head, .iov_len = sizeof(head) };
	int n;

	n = kernel_recvmsg(conn->sock, &msg, &iov, 1, sizeof(head), MSG_DONTWAIT);
	if (n < 0)
		return n;
	dnspool_conn_answer_lost(conn, head, n, -ENOMEM);
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
		if (!buf) {
			n = udp_recv_head(conn);
			if (n < 0)
				return n == -EAGAIN ? 0 : n;
			continue;
		}
		iov.iov_base = buf;
		iov.iov_len = len;
		n = kernel_recvmsg(conn->sock, &msg, &iov, 1, iov.iov_len, MSG_DONTWAIT);
		if (n < 0) {
			kfree(buf);
			return n == -EAGAIN ? 0 : n;
		}
		dnspool_conn_answer(conn, buf, n);
	}
	/* More may be waiting: let other work run first. */
	dnspool_conn_kick(conn);
	return 0;
}

const struct dnspool_conn_ops dnspool_udp_ops = {
	.transport = DNSPOOL_TRANSPORT_UDP,
	.open = udp_open,
	.dial = udp_dial,
	.dialed = udp_dialed,
	.send = udp_send,
	.recv = udp_recv,
};
