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
#include "pool.h"
#include "sock.h"
#include "dnsmsg.h"
#include "limits.h"
#include "upstream.h"

/* Answers handled per run of the work before it yields. */
#define DNSPOOL_UDP_RX_BUDGET	256

/* Room for the answers to a connection's share of a burst of queries. */
#define DNSPOOL_UDP_RCVBUF	SZ_1M

/* Enough of an answer to find its query and check its question. */
#define DNSPOOL_UDP_RX_HEAD	(DNS_HDR_LEN + 255 + 4)

static int dnspool_udp_open(struct dnspool_conn *conn)
{
	struct net *net = conn->pool->up->net;
	int err, rcvbuf = DNSPOOL_UDP_RCVBUF;

	err = dnspool_sock_create(conn, SOCK_DGRAM, IPPROTO_UDP);
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

static int dnspool_udp_dial(struct dnspool_conn *conn)
{
	return dnspool_sock_connect(conn, 0);
}

static int dnspool_udp_dialed(struct dnspool_conn *conn)
{
	return 0;
}

static int dnspool_udp_send(struct dnspool_conn *conn, struct dnspool_query *q)
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
static int dnspool_udp_recv_head(struct dnspool_conn *conn)
{
	struct msghdr msg = {};
	u8 head[DNSPOOL_UDP_RX_HEAD];
	struct kvec iov = { .iov_base = head, .iov_len = sizeof(head) };
	int n;

	n = kernel_recvmsg(conn->sock, &msg, &iov, 1, sizeof(head), MSG_DONTWAIT);
	if (n < 0)
		return n;
	dnspool_conn_answer_lost(conn, head, n, -ENOMEM);
	return 0;
}

static int dnspool_udp_recv(struct dnspool_conn *conn)
{
	int budget = DNSPOOL_UDP_RX_BUDGET;

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
			n = dnspool_udp_recv_head(conn);
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
	.open = dnspool_udp_open,
	.dial = dnspool_udp_dial,
	.dialed = dnspool_udp_dialed,
	.send = dnspool_udp_send,
	.recv = dnspool_udp_recv,
};
