// SPDX-License-Identifier: GPL-2.0
/*
 * What the transports share: a kernel socket in the upstream's namespace
 * whose callbacks wake the connection's work.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/sched/task.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "conn.h"
#include "limits.h"
#include "pool.h"
#include "sock.h"
#include "upstream.h"

/* The credentials sockets are created with: the kernel's own, set up at
 * module load.
 */
static const struct cred *dnspool_sock_cred;

/* A reference on a socket's file, to be dropped by a namespace's releaser. */
struct dnspool_file_ref {
	struct llist_node node;
	struct file *file;
};

static void dnspool_releaser_work(struct work_struct *work)
{
	struct dnspool_releaser *r = container_of(work, struct dnspool_releaser, work);
	struct llist_node *files = llist_del_all(&r->files);
	struct dnspool_file_ref *ref, *tmp;

	llist_for_each_entry_safe(ref, tmp, files, node) {
		__fput_sync(ref->file);
		kfree(ref);
	}
}

/**
 * dnspool_releaser_init() - a namespace's releaser, empty
 * @r: the releaser
 */
void dnspool_releaser_init(struct dnspool_releaser *r)
{
	init_llist_head(&r->files);
	INIT_WORK(&r->work, dnspool_releaser_work);
}

/**
 * dnspool_releaser_flush() - drop every reference handed to @r so far
 * @r: the releaser
 *
 * Context: process context, holding neither genetlink's cb_lock nor the
 * registry's lock; sleeps.
 */
void dnspool_releaser_flush(struct dnspool_releaser *r)
{
	flush_work(&r->work);
}

/*
 * Socket callbacks run in softirq context (a segment or an ICMP error
 * arrived) or in the process context of whoever holds the socket's lock
 * (a send that frees write space, a close, a connect that fails at once,
 * the backlog processed on release_sock()): they queue the work, which
 * does the rest unlocked, but for a transport that receives in data_ready
 * (UDP, whose data_ready runs in softirq; TCP, which leaves an owned
 * socket to the work).  sk_callback_lock, held
 * for reading meanwhile, keeps the connection: closing takes it for
 * writing first.  Each calls the callback it replaced too: kernel TLS,
 * under ours on a DoT socket, parses records from its own data_ready.
 */
static void dnspool_sk_event(struct sock *sk, enum dnspool_conn_cb cb)
{
	void (*next)(struct sock *sk) = NULL;
	struct dnspool_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = sk->sk_user_data;
	if (conn) {
		const struct dnspool_conn_ops *ops = conn->pool->ops;

		next = conn->saved_cb[cb];
		if (cb == DNSPOOL_CB_DATA_READY && ops->data_ready) {
			ops->data_ready(conn);
		} else if (cb == DNSPOOL_CB_WRITE_SPACE) {
			/* Pairs with the barrier in dnspool_conn_tx(): the
			 * sender sees the space freed, or this sees it
			 * blocked.
			 */
			smp_mb();
			if (READ_ONCE(conn->tx_blocked))
				dnspool_conn_kick(conn);
		} else {
			dnspool_conn_kick(conn);
		}
	}
	read_unlock_bh(&sk->sk_callback_lock);
	if (next)
		next(sk);
}

static void dnspool_sk_data_ready(struct sock *sk)
{
	dnspool_sk_event(sk, DNSPOOL_CB_DATA_READY);
}

static void dnspool_sk_write_space(struct sock *sk)
{
	dnspool_sk_event(sk, DNSPOOL_CB_WRITE_SPACE);
}

static void dnspool_sk_state_change(struct sock *sk)
{
	dnspool_sk_event(sk, DNSPOOL_CB_STATE_CHANGE);
}

/* ICMP unreachable on a connected UDP socket: fail fast. */
static void dnspool_sk_error_report(struct sock *sk)
{
	dnspool_sk_event(sk, DNSPOOL_CB_ERROR_REPORT);
}

/**
 * dnspool_sock_set_rcvbuf() - size a kernel UDP socket's receive buffer
 * @sk: the socket
 * @bytes: what it should hold: room for a burst of datagrams
 *
 * Past net.core.rmem_max only in the host's own namespaces: elsewhere any
 * user may own the namespace, and so the socket and what it holds.
 */
void dnspool_sock_set_rcvbuf(struct sock *sk, int bytes)
{
	if (dnspool_limits_untrusted(sock_net(sk)))
		bytes = min_t(int, bytes, READ_ONCE(sysctl_rmem_max));
	sock_set_rcvbuf(sk, bytes);
}

/**
 * dnspool_sock_writable() - may the connection's socket take a send?
 * @conn: the connection, with its socket
 *
 * What a datagram socket's write_space callback would wake on: less than
 * half its send buffer in use (for a stream, the stream's own test).
 *
 * Return: true when there is room.
 */
bool dnspool_sock_writable(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	return sk->sk_type == SOCK_STREAM ? sk_stream_is_writeable(sk) : sock_writeable(sk);
}

/**
 * dnspool_sock_sent_nothing() - has the connection's stream carried no
 * byte yet?
 * @conn: the connection, with its stream socket
 *
 * Whether a TLS handshake that is late reached the upstream at all: the
 * agent sends its ClientHello on the socket once it takes the request.
 * The connection's own SYN carries no data, and is not counted.
 *
 * Context: any; reads a counter that the socket's owner updates.
 * Return: true when no data was ever sent.
 */
bool dnspool_sock_sent_nothing(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	return sk->sk_protocol == IPPROTO_TCP && !READ_ONCE(tcp_sk(sk)->bytes_sent);
}

/**
 * dnspool_sock_install_callbacks() - socket events wake the connection
 * @conn: the connection, whose socket has none of ours installed
 *
 * The callbacks replaced are kept, and called by ours.
 */
void dnspool_sock_install_callbacks(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	conn->saved_cb[DNSPOOL_CB_DATA_READY] = sk->sk_data_ready;
	conn->saved_cb[DNSPOOL_CB_WRITE_SPACE] = sk->sk_write_space;
	conn->saved_cb[DNSPOOL_CB_STATE_CHANGE] = sk->sk_state_change;
	conn->saved_cb[DNSPOOL_CB_ERROR_REPORT] = sk->sk_error_report;
	sk->sk_user_data = conn;
	sk->sk_data_ready = dnspool_sk_data_ready;
	sk->sk_write_space = dnspool_sk_write_space;
	sk->sk_state_change = dnspool_sk_state_change;
	sk->sk_error_report = dnspool_sk_error_report;
	write_unlock_bh(&sk->sk_callback_lock);
	conn->cb_installed = true;
}

/**
 * dnspool_sock_restore_callbacks() - put the replaced callbacks back
 * @conn: the connection
 *
 * Afterwards no callback of the socket reaches the connection or this
 * module's code, whoever holds the socket.  Does nothing when ours are not
 * installed.
 */
void dnspool_sock_restore_callbacks(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;

	if (!conn->cb_installed)
		return;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = conn->saved_cb[DNSPOOL_CB_DATA_READY];
	sk->sk_write_space = conn->saved_cb[DNSPOOL_CB_WRITE_SPACE];
	sk->sk_state_change = conn->saved_cb[DNSPOOL_CB_STATE_CHANGE];
	sk->sk_error_report = conn->saved_cb[DNSPOOL_CB_ERROR_REPORT];
	write_unlock_bh(&sk->sk_callback_lock);
	conn->cb_installed = false;
}

/**
 * dnspool_sock_open() - the new connection's socket, from its transport
 * @conn: the connection
 *
 * Created with the kernel's credentials: a pool's socket serves every
 * requester, so it takes none's uid (uid-based routing, owner matches) or
 * label, and a DoT socket's file none's credentials.  Its memory cgroup and
 * cgroup, though, are those of the calling task (sk_alloc() takes them
 * from current, not from its credentials): a connection opened for a
 * query, in the requester's context, is charged to the requester.
 *
 * Context: process context, no lock held; sleeps.
 * Return: 0 or a negative errno.
 */
int dnspool_sock_open(struct dnspool_conn *conn)
{
	const struct cred *old;
	int err;

	might_sleep();
	old = override_creds(dnspool_sock_cred);
	err = conn->pool->ops->open(conn);
	revert_creds(old);
	return err;
}

/**
 * dnspool_sock_init() - module load: the sockets' credentials
 *
 * Return: 0 or -ENOMEM.
 */
int dnspool_sock_init(void)
{
	dnspool_sock_cred = prepare_kernel_cred(&init_task);
	return dnspool_sock_cred ? 0 : -ENOMEM;
}

/**
 * dnspool_sock_exit() - module unload, every socket closed
 */
void dnspool_sock_exit(void)
{
	put_cred(dnspool_sock_cred);
}

/**
 * dnspool_sock_create() - a socket of @type to the upstream's family, in
 * its network namespace
 * @conn: the connection, which gets it
 * @type: SOCK_DGRAM or SOCK_STREAM
 * @proto: IPPROTO_UDP or IPPROTO_TCP
 *
 * Called by a transport's open(), under dnspool_sock_open()'s credentials.
 *
 * Context: process context; sleeps.
 * Return: 0 or a negative errno.
 */
int dnspool_sock_create(struct dnspool_conn *conn, int type, int proto)
{
	struct dnspool_upstream *up = conn->pool->up;
	int err;

	might_sleep();
	err = sock_create_kern(up->net, up->addr.ss_family, type, proto, &conn->sock);
	if (err)
		conn->sock = NULL;
	return err;
}

/**
 * dnspool_sock_connect() - start connecting to the upstream
 * @conn: the connection, with its socket
 * @flags: O_NONBLOCK, or 0
 *
 * Our callbacks are installed first: the connection's work learns when a
 * non-blocking connect completes.
 *
 * Context: process context.
 * Return: 0 when connected or connecting, or a negative errno.
 */
int dnspool_sock_connect(struct dnspool_conn *conn, int flags)
{
	struct dnspool_upstream *up = conn->pool->up;
	int alen, err;

	dnspool_sock_install_callbacks(conn);
	alen = up->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					       sizeof(struct sockaddr_in6);
	err = kernel_connect(conn->sock, (struct sockaddr *)&up->addr, alen, flags);
	if (err == -EINPROGRESS)
		err = 0;
	return err;
}

/**
 * dnspool_sock_alloc_file() - give the socket a file
 * @conn: the connection, with its socket
 * @name: the file's name
 *
 * A socket whose TLS handshake is done by the handshake agent needs one:
 * the agent receives it as a file descriptor.  On failure the socket is
 * released.
 *
 * Return: 0 or a negative errno.
 */
int dnspool_sock_alloc_file(struct dnspool_conn *conn, const char *name)
{
	struct file *file;

	/* Made now: closing the connection may not fail. */
	conn->file_ref = kmalloc(sizeof(*conn->file_ref), GFP_KERNEL_ACCOUNT);
	if (!conn->file_ref) {
		sock_release(conn->sock);
		conn->sock = NULL;
		return -ENOMEM;
	}
	file = sock_alloc_file(conn->sock, 0, name);
	if (IS_ERR(file)) {
		conn->sock = NULL;	/* sock_alloc_file() released it */
		kfree(conn->file_ref);
		conn->file_ref = NULL;
		return PTR_ERR(file);
	}
	return 0;
}

/**
 * dnspool_sock_close() - close the connection's socket
 * @conn: the connection, whose work no longer runs
 *
 * An abortive close leaves no FIN_WAIT orphans behind a pool.  Our
 * callbacks are removed first, so that the socket may outlive the
 * connection, and this module: a socket with a file is released through
 * it, and the last reference may be the handshake agent's.
 *
 * Kernel sockets hold no reference on their namespace, so our last
 * reference must be dropped before the namespace's TCP state goes.  It
 * goes to the namespace's releaser, whatever the context: out of the
 * locks of the closer (genetlink's, the registry's), and flushed by the
 * namespace's exit and by module unload before either goes on.  (fput()
 * from a task would defer the release to the task's return to user space:
 * rmmod's, past the exit of a namespace that died meanwhile.)  The
 * handshake agent's descriptor, when it
 * is the last reference, is released by the agent, which lives in the
 * socket's namespace and so keeps it alive (an agent that moved to another
 * namespace while holding it could make the socket outlive its own: the
 * handshake layer leaves that to its agents).
 *
 * Context: process context, no spinlock held.
 */
void dnspool_sock_close(struct dnspool_conn *conn)
{
	struct socket *sock = conn->sock;
	struct dnspool_releaser *r;

	if (!sock)
		return;
	dnspool_sock_restore_callbacks(conn);
	sock_no_linger(sock->sk);
	conn->sock = NULL;
	if (!sock->file) {
		sock_release(sock);
		return;
	}
	r = &dnspool_net(conn->pool->up->net)->releaser;
	conn->file_ref->file = sock->file;
	llist_add(&conn->file_ref->node, &r->files);
	queue_work(dnspool_wq, &r->work);
	conn->file_ref = NULL;
}
