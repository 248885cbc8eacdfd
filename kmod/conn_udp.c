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
#include <net/udp.h>

#include "conn.h"
#include "pool.h"
#include "sock.h"
#include "dnsmsg.h"
#include "upstream.h"

/* Answers handled per run of the work before it yields. */
#define DNSPOOL_UDP_RX_BUDGET	256

/* Answers handled in softirq per data_ready before the work takes over. */
#define DNSPOOL_UDP_RX_BUDGET_NOW	64

/*
 * A connection with more queries in flight than this leaves its answers to
 * its work, as NAPI leaves interrupts for polling under load: one wake-up
 * then drains many answers, off the receiving CPU.  With fewer, each answer
 * ends its query in softirq, a wake-up sooner.  (make bench, 200 queries in
 * flight over 10 sockets on loopback: 0.61x of a userspace pool's rate
 * with every answer in softirq, 0.67x so; one query at a time as fast.)
 */
#define DNSPOOL_UDP_RX_NOW_MAX_INFLIGHT	8

/* Room for the answers to a connection's share of a burst of queries. */
#define DNSPOOL_UDP_RCVBUF	SZ_1M

/* Enough of an answer to find its query and check its question. */
#define DNSPOOL_UDP_RX_HEAD	(DNS_HDR_LEN + 255 + 4)

static int dnspool_udp_open(struct dnspool_conn *conn)
{
	int err;

	err = dnspool_sock_create(conn, SOCK_DGRAM, IPPROTO_UDP);
	if (err)
		return err;
	dnspool_sock_set_rcvbuf(conn->sock->sk, DNSPOOL_UDP_RCVBUF);
#ifdef CONFIG_NET_RX_BUSY_POLL
	/* Answers are dequeued in softirq, which must not busy-poll. */
	WRITE_ONCE(conn->sock->sk->sk_ll_usec, 0);
#endif
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

/* Counts @field in the socket's family's UDP statistics, as udp_recvmsg()
 * and udpv6_recvmsg() would have.
 */
static void dnspool_udp_count(struct sock *sk, int field)
{
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6) {
		UDP6_INC_STATS(sock_net(sk), field, 0);
		return;
	}
#endif
	UDP_INC_STATS(sock_net(sk), field, 0);
}

/*
 * The next datagram off the socket's queue, as an skb (as sunrpc's UDP
 * transport reads its replies): one dequeue per answer, no peek for its
 * size.  The checksum is checked where udp_recvmsg() would check it,
 * before the copy.  NULL when none is left, *@err saying why.
 */
static struct sk_buff *dnspool_udp_dequeue(struct sock *sk, int *err)
{
	struct sk_buff *skb;

	for (;;) {
		skb = skb_recv_udp(sk, MSG_DONTWAIT, err);
		if (!skb)
			return NULL;
		if (udp_skb_csum_unnecessary(skb) || !__udp_lib_checksum_complete(skb))
			break;
		atomic_inc(&sk->sk_drops);
		dnspool_udp_count(sk, UDP_MIB_CSUMERRORS);
		dnspool_udp_count(sk, UDP_MIB_INERRORS);
		kfree_skb(skb);
	}
	dnspool_udp_count(sk, UDP_MIB_INDATAGRAMS);
	return skb;
}

/*
 * An answer, for dnspool_conn_answer() in process context, or where it
 * arrives (@b GFP_ATOMIC, in softirq) for dnspool_conn_answer_atomic().
 * With no memory for it its head is read instead, so that its query fails
 * now as this host's failure rather than time out later as the upstream's.
 */
static void dnspool_udp_answer(struct dnspool_conn *conn, struct sk_buff *skb,
			       struct dnspool_batch *b)
{
	bool atomic = !gfpflags_allow_blocking(b->gfp);
	struct sock *sk = conn->sock->sk;
	unsigned int len = udp_skb_len(skb);
	u8 *msg;

	msg = kmalloc(max(len, 1U), atomic ? GFP_ATOMIC | __GFP_NOWARN : GFP_KERNEL);
	if (!msg) {
		u8 buf[DNSPOOL_UDP_RX_HEAD];
		unsigned int n = min_t(unsigned int, len, sizeof(buf));
		const u8 *head = skb_header_pointer(skb, 0, n, buf);

		if (head && atomic)
			dnspool_conn_answer_lost_atomic(conn, head, n, -ENOMEM, b);
		else if (head)
			dnspool_conn_answer_lost(conn, head, n, -ENOMEM);
		skb_consume_udp(sk, skb, len);
		return;
	}
	if (skb_copy_bits(skb, 0, msg, len)) {
		kfree(msg);
		skb_consume_udp(sk, skb, len);
		return;
	}
	skb_consume_udp(sk, skb, len);
	if (!atomic)
		dnspool_conn_answer(conn, msg, len, b);
	else if (!dnspool_conn_answer_atomic(conn, msg, len, b))
		atomic_inc(&sk->sk_drops);
}

/* Reads at most @budget answers into @b; returns how many, *@err saying
 * why it stopped short.
 */
static int dnspool_udp_rx(struct dnspool_conn *conn, int budget, struct dnspool_batch *b,
			  int *err)
{
	struct sock *sk = conn->sock->sk;
	struct sk_buff *skb;
	int n;

	*err = 0;
	for (n = 0; n < budget; n++) {
		skb = dnspool_udp_dequeue(sk, err);
		if (!skb)
			break;
		dnspool_udp_answer(conn, skb, b);
	}
	return n;
}

/* The work's receive: what is still on the socket past the softirq's
 * budget, or all of a busy connection's answers.
 */
static int dnspool_udp_recv(struct dnspool_conn *conn)
{
	struct dnspool_batch b = DNSPOOL_BATCH(GFP_KERNEL);
	int err, n = dnspool_udp_rx(conn, DNSPOOL_UDP_RX_BUDGET, &b, &err);

	dnspool_batch_flush(&b);
	if (n < DNSPOOL_UDP_RX_BUDGET)
		return err == -EAGAIN ? 0 : err;
	/* More may be waiting: let other work run first. */
	dnspool_conn_kick(conn);
	return 0;
}

/*
 * The socket's data_ready, in softirq: the answers waiting are taken off
 * the socket and end their queries here, sparing a wake-up of the work
 * per answer.  Past a budget the work takes the rest; a busy connection's
 * work takes them all.
 */
static void dnspool_udp_data_ready(struct dnspool_conn *conn)
{
	struct dnspool_batch b = DNSPOOL_BATCH(GFP_ATOMIC);
	int err, n;

	if (READ_ONCE(conn->nqueries) > DNSPOOL_UDP_RX_NOW_MAX_INFLIGHT) {
		dnspool_conn_kick(conn);
		return;
	}
	n = dnspool_udp_rx(conn, DNSPOOL_UDP_RX_BUDGET_NOW, &b, &err);
	dnspool_batch_flush(&b);
	if (n < DNSPOOL_UDP_RX_BUDGET_NOW && err != -EAGAIN) {
		/* A socket error (ICMP), which the dequeue took, is the
		 * work's to act on: it is put back for it.
		 */
		WRITE_ONCE(conn->sock->sk->sk_err, -err);
		dnspool_conn_kick(conn);
	} else if (n == DNSPOOL_UDP_RX_BUDGET_NOW) {
		/* Past the budget, the work reads on. */
		dnspool_conn_kick(conn);
	}
}

const struct dnspool_conn_ops dnspool_udp_ops = {
	.transport = DNSPOOL_TRANSPORT_UDP,
	.open = dnspool_udp_open,
	.dial = dnspool_udp_dial,
	.dialed = dnspool_udp_dialed,
	.send = dnspool_udp_send,
	.recv = dnspool_udp_recv,
	.data_ready = dnspool_udp_data_ready,
	.send_direct = true,
};
