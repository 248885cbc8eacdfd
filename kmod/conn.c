// SPDX-License-Identifier: GPL-2.0
/*
 * What the transports share: a kernel socket in the upstream's namespace
 * whose callbacks wake the connection's work.
 */
#include <linux/net.h>
#include <net/sock.h>

#include "conn.h"
#include "upstream.h"

/* Socket callbacks run in softirq context: they only queue the work. */
static void conn_sk_wake(struct sock *sk)
{
	struct dnspool_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn)
		dnspool_conn_kick(conn);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void conn_sk_write_space(struct sock *sk)
{
	struct dnspool_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn && READ_ONCE(conn->tx_blocked))
		dnspool_conn_kick(conn);
	read_unlock_bh(&sk->sk_callback_lock);
}

static void conn_install_callbacks(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	conn->saved_data_ready = sk->sk_data_ready;
	conn->saved_write_space = sk->sk_write_space;
	conn->saved_state_change = sk->sk_state_change;
	conn->saved_error_report = sk->sk_error_report;
	sk->sk_user_data = conn;
	sk->sk_data_ready = conn_sk_wake;
	sk->sk_write_space = conn_sk_write_space;
	sk->sk_state_change = conn_sk_wake;
	/* ICMP unreachable on a connected UDP socket: fail fast. */
	sk->sk_error_report = conn_sk_wake;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Before the socket goes: no callback may reach a freed connection. */
void dnspool_conn_restore_callbacks(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = conn->saved_data_ready;
	sk->sk_write_space = conn->saved_write_space;
	sk->sk_state_change = conn->saved_state_change;
	sk->sk_error_report = conn->saved_error_report;
	write_unlock_bh(&sk->sk_callback_lock);
}

/*
 * A socket of @type to the upstream, in its namespace, with our callbacks,
 * connecting (@flags O_NONBLOCK: maybe not yet connected).
 */
int dnspool_conn_open(struct dnspool_conn *conn, int type, int proto, int flags)
{
	struct dnspool_upstream *up = conn->pool->up;
	struct socket *sock;
	int alen, err;

	err = sock_create_kern(up->net, up->addr.ss_family, type, proto, &sock);
	if (err)
		return err;
	conn->sock = sock;
	conn_install_callbacks(conn);
	alen = up->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					       sizeof(struct sockaddr_in6);
	err = kernel_connect(sock, (struct sockaddr *)&up->addr, alen, flags);
	if (err == -EINPROGRESS)
		err = 0;
	return err;
}
