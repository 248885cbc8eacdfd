// SPDX-License-Identifier: GPL-2.0
/*
 * What the transports share: a kernel socket in the upstream's namespace
 * whose callbacks wake the connection's work.
 */
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "conn.h"
#include "upstream.h"

/*
 * Socket callbacks run in softirq context: they only queue the work.  Each
 * calls the callback it replaced too: a DoT socket is read by the handshake
 * agent, which waits on it, before it is ours; and kernel TLS, installed
 * on top of us, calls ours when a whole record is there.
 */
static void conn_sk_event(struct sock *sk, enum dnspool_conn_cb cb)
{
	void (*next)(struct sock *sk) = NULL;
	struct dnspool_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn) {
		next = conn->saved_cb[cb];
		if (cb != DNSPOOL_CB_WRITE_SPACE || READ_ONCE(conn->tx_blocked))
			dnspool_conn_kick(conn);
	}
	read_unlock_bh(&sk->sk_callback_lock);
	if (next)
		next(sk);
}

static void conn_sk_data_ready(struct sock *sk)
{
	conn_sk_event(sk, DNSPOOL_CB_DATA_READY);
}

static void conn_sk_write_space(struct sock *sk)
{
	conn_sk_event(sk, DNSPOOL_CB_WRITE_SPACE);
}

static void conn_sk_state_change(struct sock *sk)
{
	conn_sk_event(sk, DNSPOOL_CB_STATE_CHANGE);
}

/* ICMP unreachable on a connected UDP socket: fail fast. */
static void conn_sk_error_report(struct sock *sk)
{
	conn_sk_event(sk, DNSPOOL_CB_ERROR_REPORT);
}

static void conn_install_callbacks(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	conn->saved_cb[DNSPOOL_CB_DATA_READY] = sk->sk_data_ready;
	conn->saved_cb[DNSPOOL_CB_WRITE_SPACE] = sk->sk_write_space;
	conn->saved_cb[DNSPOOL_CB_STATE_CHANGE] = sk->sk_state_change;
	conn->saved_cb[DNSPOOL_CB_ERROR_REPORT] = sk->sk_error_report;
	sk->sk_user_data = conn;
	sk->sk_data_ready = conn_sk_data_ready;
	sk->sk_write_space = conn_sk_write_space;
	sk->sk_state_change = conn_sk_state_change;
	sk->sk_error_report = conn_sk_error_report;
	write_unlock_bh(&sk->sk_callback_lock);
}

/* Before the socket goes: no callback may reach a freed connection. */
static void conn_restore_callbacks(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = conn->saved_cb[DNSPOOL_CB_DATA_READY];
	sk->sk_write_space = conn->saved_cb[DNSPOOL_CB_WRITE_SPACE];
	sk->sk_state_change = conn->saved_cb[DNSPOOL_CB_STATE_CHANGE];
	sk->sk_error_report = conn->saved_cb[DNSPOOL_CB_ERROR_REPORT];
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
	int err;

	err = sock_create_kern(up->net, up->addr.ss_family, type, proto, &sock);
	if (err)
		return err;
	return dnspool_conn_connect(conn, sock, flags);
}

/* @sock becomes the connection's, and connects to the upstream. */
int dnspool_conn_connect(struct dnspool_conn *conn, struct socket *sock, int flags)
{
	struct dnspool_upstream *up = conn->pool->up;
	int alen, err;

	conn->sock = sock;
	conn_install_callbacks(conn);
	alen = up->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					       sizeof(struct sockaddr_in6);
	err = kernel_connect(sock, (struct sockaddr *)&up->addr, alen, flags);
	if (err == -EINPROGRESS)
		err = 0;
	return err;
}

/*
 * Sockets with a file (DoT) are released by a work of their own, for two
 * reasons.  Their release takes the socket inode's lock, under which a
 * netlink socket's release takes genetlink's cb_lock, and pools close
 * connections under cb_lock (in our handlers) and the registry's lock:
 * lockdep sees one lock class for all socket inodes.  And the handshake
 * agent may hold the socket a little longer (tlshd closes its descriptor
 * after its answer): kernel TLS, if installed, puts our data_ready back
 * when the socket closes, so the last reference must be ours, dropped
 * here, with this module still loaded.  The work waits for it, up to a
 * deadline past the agent's own.  Namespace exit and unload flush it.
 */
/* The agent's own bound on a handshake is the dial timeout and a second
 * (conn_tls.c); a margin on top.
 */
#define TLS_AGENT_HOLD	(3 * HZ)

struct dnspool_conn_file {
	struct list_head node;
	struct file *file;
	unsigned long deadline;		/* jiffies */
};

/* Protects conn_files. */
static DEFINE_SPINLOCK(conn_files_lock);
static LIST_HEAD(conn_files);

static void conn_files_release(struct work_struct *work);
static DECLARE_DELAYED_WORK(conn_files_work, conn_files_release);

static void conn_files_release(struct work_struct *work)
{
	struct dnspool_conn_file *cf, *tmp;
	LIST_HEAD(done);
	bool waiting;

	spin_lock(&conn_files_lock);
	list_for_each_entry_safe(cf, tmp, &conn_files, node)
		if (file_count(cf->file) == 1 || time_after(jiffies, cf->deadline))
			list_move(&cf->node, &done);
	waiting = !list_empty(&conn_files);
	spin_unlock(&conn_files_lock);

	list_for_each_entry_safe(cf, tmp, &done, node) {
		__fput_sync(cf->file);
		kfree(cf);
	}
	if (waiting)
		queue_delayed_work(dnspool_wq, &conn_files_work, HZ / 20);
}

/* Gives @sock a file named @name, for the handshake agent; @sock is
 * released on error.
 */
int dnspool_conn_alloc_file(struct dnspool_conn *conn, struct socket *sock,
			    const char *name)
{
	struct dnspool_conn_file *cf;
	struct file *file;

	cf = kmalloc(sizeof(*cf), GFP_KERNEL_ACCOUNT);
	if (!cf) {
		sock_release(sock);
		return -ENOMEM;
	}
	file = sock_alloc_file(sock, 0, name);
	if (IS_ERR(file)) {
		kfree(cf);	/* sock_alloc_file() released the socket */
		return PTR_ERR(file);
	}
	cf->file = file;
	conn->file = cf;
	return 0;
}

/* Every socket closed so far is released when this returns; sleeps. */
void dnspool_conn_flush_files(void)
{
	bool waiting;

	for (;;) {
		flush_delayed_work(&conn_files_work);
		spin_lock(&conn_files_lock);
		waiting = !list_empty(&conn_files);
		spin_unlock(&conn_files_lock);
		if (!waiting)
			return;
		msleep(50);
	}
}

/*
 * Closes the socket: an abortive close leaves no FIN_WAIT orphans behind a
 * pool.  No callback reaches the connection after this.
 */
void dnspool_conn_close(struct dnspool_conn *conn)
{
	struct socket *sock = conn->sock;

	if (!sock)
		return;
	conn_restore_callbacks(conn);
	sock_no_linger(sock->sk);
	conn->sock = NULL;
	if (conn->file) {
		conn->file->deadline = jiffies + TLS_AGENT_HOLD +
			msecs_to_jiffies(READ_ONCE(conn->pool->up->params.dial_timeout_ms));
		spin_lock(&conn_files_lock);
		list_add_tail(&conn->file->node, &conn_files);
		spin_unlock(&conn_files_lock);
		conn->file = NULL;
		mod_delayed_work(dnspool_wq, &conn_files_work, 0);
	} else {
		sock_release(sock);
	}
}
