// SPDX-License-Identifier: GPL-2.0
/*
 * A listener's UDP socket.  Its data_ready (softirq) queues the listener's
 * UDP work, which reads the client datagrams and forwards the queries:
 * the pools take queries in process context.  Their answers are sent where
 * the queries end (lsn_xmit.c); the work answers only what it refuses
 * (FORMERR, NOTIMP), with udp_sendmsg(), which may sleep.
 */
#include <linux/net.h>
#include <linux/sched/mm.h>
#include <linux/sizes.h>
#include <linux/uio.h>
#include <net/sock.h>

#include "listener.h"
#include "pool.h"
#include "sock.h"

/* Datagrams read per run of the work before it yields. */
#define DNSPOOL_LSN_UDP_BUDGET	64

/* Room for a burst of clients' queries while the work is not running:
 * with the default (net.core.rmem_default, 208 KiB), dnsperf's 200 queries
 * in flight through a group of two upstreams overflowed it.
 */
#define DNSPOOL_LSN_UDP_RCVBUF	SZ_1M

static void dnspool_lsn_udp_data_ready(struct sock *sk)
{
	struct dnspool_listener *l;

	read_lock_bh(&sk->sk_callback_lock);
	l = sk->sk_user_data;
	if (l)
		dnspool_listener_kick(l, &l->udp_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

/**
 * dnspool_lsn_udp_open() - open, bind and watch a listener's UDP socket
 * @l: the listener, unlisted yet
 *
 * Bound in the requester's context, so that a privileged port needs what a
 * bind of its own would need.
 *
 * Context: process context, the requester's; sleeps.
 * Return: 0 or a negative errno (-EADDRINUSE, -EACCES, ...).
 */
int dnspool_lsn_udp_open(struct dnspool_listener *l)
{
	struct socket *sock;
	struct sock *sk;
	int err;

	err = sock_create_kern(l->net, l->addr.ss_family, SOCK_DGRAM, IPPROTO_UDP, &sock);
	if (err)
		return err;
	err = kernel_bind(sock, (struct sockaddr *)&l->addr,
			  l->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							 sizeof(struct sockaddr_in6));
	if (err) {
		sock_release(sock);
		return err;
	}
	sk = sock->sk;
	dnspool_sock_set_rcvbuf(sk, DNSPOOL_LSN_UDP_RCVBUF);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = l;
	l->udp_data_ready = sk->sk_data_ready;
	sk->sk_data_ready = dnspool_lsn_udp_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	l->udp = sock;
	rcu_assign_pointer(l->udp_sk, sk);
	return 0;
}

/**
 * dnspool_lsn_udp_close() - close a listener's UDP socket
 * @l: the listener, dead
 *
 * Answers sent meanwhile are done when it returns; later ones are dropped.
 *
 * Context: process context; sleeps.
 */
void dnspool_lsn_udp_close(struct dnspool_listener *l)
{
	struct socket *sock = l->udp;

	if (!sock)
		return;
	RCU_INIT_POINTER(l->udp_sk, NULL);
	synchronize_rcu();
	write_lock_bh(&sock->sk->sk_callback_lock);
	sock->sk->sk_user_data = NULL;
	sock->sk->sk_data_ready = l->udp_data_ready;
	write_unlock_bh(&sock->sk->sk_callback_lock);
	mutex_lock(&l->sock_lock);
	l->udp = NULL;
	mutex_unlock(&l->sock_lock);
	sock_release(sock);
	if (cancel_work_sync(&l->udp_work))
		dnspool_listener_put(l);
}

static void dnspool_lsn_udp_send(struct dnspool_listener *l, struct socket *sock,
				 struct sockaddr_storage *to, void *buf, size_t len)
{
	struct msghdr msg = {
		.msg_name = to,
		.msg_namelen = to->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							  sizeof(struct sockaddr_in6),
		.msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	struct kvec iov = { .iov_base = buf, .iov_len = len };

	if (kernel_sendmsg(sock, &msg, &iov, 1, len) == len)
		atomic64_inc(&l->stats.answers);
	else
		atomic64_inc(&l->stats.drops);
}

/* One client datagram of @len bytes (perhaps more than was read). */
static void dnspool_lsn_udp_query(struct dnspool_listener *l, struct socket *sock,
				  struct sockaddr_storage *from, size_t len)
{
	struct dnspool_lquery *lq;
	struct in6_addr client;
	size_t err_len;

	dnspool_client_addr(from, &client);
	if (!dnspool_lquery_admit(l, &client))
		return;
	lq = dnspool_lquery_new(l, l->udp_rx, len, &err_len);
	if (!lq) {
		if (err_len)
			dnspool_lsn_udp_send(l, sock, from, l->udp_rx, err_len);
		return;
	}
	lq->client = *from;
	dnspool_lquery_submit(lq);
}

/**
 * dnspool_lsn_udp_work() - a listener's UDP work: client queries in
 * @work: the listener's udp_work
 *
 * Context: process context, on dnspool_wq; charges what it allocates to
 * the listener's owner's memory cgroup.
 */
void dnspool_lsn_udp_work(struct work_struct *work)
{
	struct dnspool_listener *l = container_of(work, struct dnspool_listener, udp_work);
	struct kvec iov = { .iov_base = l->udp_rx, .iov_len = sizeof(l->udp_rx) };
	struct mem_cgroup *old = set_active_memcg(l->memcg);
	struct sockaddr_storage from;
	struct socket *sock;
	unsigned int n;
	int len;

	mutex_lock(&l->sock_lock);
	sock = l->udp;
	for (n = 0; sock && n < DNSPOOL_LSN_UDP_BUDGET; n++) {
		struct msghdr msg = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_flags = MSG_DONTWAIT,
		};

		len = kernel_recvmsg(sock, &msg, &iov, 1, iov.iov_len, MSG_DONTWAIT | MSG_TRUNC);
		if (len == -EAGAIN)
			break;
		if (len < 0)
			continue;
		dnspool_lsn_udp_query(l, sock, &from, len);
	}
	if (sock && n == DNSPOOL_LSN_UDP_BUDGET)
		dnspool_listener_kick(l, &l->udp_work);
	mutex_unlock(&l->sock_lock);
	set_active_memcg(old);
	dnspool_listener_put(l);
}
