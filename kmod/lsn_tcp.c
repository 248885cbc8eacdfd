// SPDX-License-Identifier: GPL-2.0
/*
 * A listener's TCP side (RFC 7766): a listening socket whose data_ready
 * queues the accept work, and client connections, each served by a work
 * of its own that reads length-prefixed queries as they come (partial
 * frames kept across runs), forwards them, and writes the answers in the
 * order they end, never blocking: a slow client holds its own connection's
 * queries back (at most DNSPOOL_LISTENER_TCP_PIPELINE of them), nobody
 * else's.  A connection idle for tcp-idle, with no query in flight, is
 * closed; so is one that sends what is not a query's frame.
 */
#include <linux/net.h>
#include <linux/sched/mm.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "dnsmsg.h"
#include "listener.h"
#include "pool.h"

/* Connections accepted, and frames read, per run of a work. */
#define DNSPOOL_LSN_TCP_BUDGET	64

/**
 * struct dnspool_lclient - a client network's TCP connections to a listener
 * @node: in the listener's clients table, under its lock
 * @key: the network (dnspool_client_net())
 * @n: its open connections
 */
struct dnspool_lclient {
	struct hlist_node node;
	u64 key;
	unsigned int n;
};

static void dnspool_lconn_release(struct kref *ref)
{
	struct dnspool_lconn *c = container_of(ref, struct dnspool_lconn, ref);

	dnspool_listener_put(c->l);
	kfree(c);
}

/**
 * dnspool_lconn_put() - drop a reference on a client connection
 * @c: the connection
 *
 * Context: any context but hard interrupt.
 */
void dnspool_lconn_put(struct dnspool_lconn *c)
{
	kref_put(&c->ref, dnspool_lconn_release);
}

static void dnspool_lconn_kick(struct dnspool_lconn *c)
{
	kref_get(&c->ref);
	if (!queue_work(dnspool_wq, &c->work))
		dnspool_lconn_put(c);
}

/**
 * dnspool_lconn_answered() - a query of a client connection ended
 * @lq: the query, whose outcome is set
 *
 * Its connection's work writes the answer, or drops it if the connection
 * closed meanwhile.
 *
 * Context: any context but hard interrupt.
 */
void dnspool_lconn_answered(struct dnspool_lquery *lq)
{
	struct dnspool_lconn *c = lq->conn;

	atomic_dec(&c->inflight);
	llist_add(&lq->node, &c->answers);
	dnspool_lconn_kick(c);
}

/* Socket callbacks (softirq, or the socket lock's owner): wake the work. */
static void dnspool_lconn_event(struct sock *sk, int which)
{
	void (*next)(struct sock *sk) = NULL;
	struct dnspool_lconn *c;

	read_lock_bh(&sk->sk_callback_lock);
	c = sk->sk_user_data;
	if (c) {
		next = which == 0 ? c->saved_data_ready :
		       which == 1 ? c->saved_write_space : c->saved_state_change;
		dnspool_lconn_kick(c);
	}
	read_unlock_bh(&sk->sk_callback_lock);
	if (next)
		next(sk);
}

static void dnspool_lconn_data_ready(struct sock *sk)
{
	dnspool_lconn_event(sk, 0);
}

static void dnspool_lconn_write_space(struct sock *sk)
{
	dnspool_lconn_event(sk, 1);
}

static void dnspool_lconn_state_change(struct sock *sk)
{
	dnspool_lconn_event(sk, 2);
}

static void dnspool_lconn_timer(struct timer_list *t)
{
	struct dnspool_lconn *c = from_timer(c, t, timer);

	dnspool_lconn_kick(c);
}

/* Takes @c's socket away from our callbacks. */
static void dnspool_lconn_unwatch(struct dnspool_lconn *c)
{
	struct sock *sk = c->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = c->saved_data_ready;
	sk->sk_write_space = c->saved_write_space;
	sk->sk_state_change = c->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
}

static struct dnspool_lclient *dnspool_lclient_find(struct dnspool_listener *l, u64 key)
{
	struct dnspool_lclient *lc;

	hash_for_each_possible(l->clients, lc, node, siphash_1u64(key, &l->rate_key))
		if (lc->key == key)
			return lc;
	return NULL;
}

/*
 * Releases a client connection's socket.  A kernel socket's TCP timers
 * stop when it is closed (tcp_close()), so one left to finish its close
 * (its FIN, answers not yet acknowledged) would never time out, and it
 * holds no reference on the namespace: it takes one, as a user's socket
 * holds, while the listener lives; otherwise, and for a connection
 * refused, it is reset.
 */
static void dnspool_lconn_release_sock(struct dnspool_listener *l, struct socket *sock,
				       bool graceful)
{
	struct sock *sk = sock->sk;

	if (graceful && !READ_ONCE(l->dead) && maybe_get_net(l->net)) {
		sk_net_refcnt_upgrade(sk);
		put_net(l->net);
		kernel_sock_shutdown(sock, SHUT_RDWR);
	} else {
		sock_no_linger(sk);
	}
	sock_release(sock);
}

/*
 * The connection leaves its listener's list and counts, and its socket
 * closes; queries in flight drop their answers.  From its own work.
 */
static void dnspool_lconn_close(struct dnspool_lconn *c)
{
	struct dnspool_listener *l = c->l;
	struct dnspool_lclient *lc;

	dnspool_lconn_unwatch(c);
	timer_delete_sync(&c->timer);
	spin_lock_bh(&l->lock);
	list_del(&c->node);
	WRITE_ONCE(l->nconns, l->nconns - 1);
	lc = dnspool_lclient_find(l, c->net_key);
	if (lc && !--lc->n) {
		hash_del(&lc->node);
		kfree(lc);
	}
	spin_unlock_bh(&l->lock);
	dnspool_lconn_release_sock(l, c->sock, true);
	c->sock = NULL;
	if (atomic_dec_and_test(&l->live))
		wake_up_var(&l->live);
	dnspool_lconn_put(c);		/* the list's */
}

/* An answer leaves the connection, written or not. */
static void dnspool_lconn_done_with(struct dnspool_lconn *c, struct dnspool_lquery *lq,
				    bool written)
{
	list_del(&lq->out);
	c->out_bytes -= lq->reply_len;
	atomic_dec(&c->pending);
	atomic64_inc(written ? &lq->l->stats.answers : &lq->l->stats.drops);
	dnspool_lquery_free(lq);
}

/* Moves the answers handed to the work behind those being written. */
static void dnspool_lconn_take_answers(struct dnspool_lconn *c)
{
	struct llist_node *list = llist_reverse_order(llist_del_all(&c->answers));
	struct dnspool_lquery *lq, *tmp;

	llist_for_each_entry_safe(lq, tmp, list, node) {
		if (c->sock)
			dnspool_lquery_build_reply(lq, true);
		list_add_tail(&lq->out, &c->out);
		c->out_bytes += lq->reply_len;
	}
}

/* Writes what it can of the answers; false when the connection broke. */
static bool dnspool_lconn_write(struct dnspool_lconn *c)
{
	struct dnspool_lquery *lq, *tmp;

	list_for_each_entry_safe(lq, tmp, &c->out, out) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
		struct kvec iov[2];
		size_t left;
		int n;

		if (!list_is_last(&lq->out, &c->out))
			msg.msg_flags |= MSG_MORE;
		if (c->out_off < 2) {
			iov[0].iov_base = lq->prefix + c->out_off;
			iov[0].iov_len = 2 - c->out_off;
			iov[1].iov_base = lq->reply;
			iov[1].iov_len = lq->reply_len;
		} else {
			iov[0].iov_base = lq->reply + c->out_off - 2;
			iov[0].iov_len = lq->reply_len - (c->out_off - 2);
			iov[1].iov_len = 0;
		}
		left = iov[0].iov_len + iov[1].iov_len;
		n = kernel_sendmsg(c->sock, &msg, iov, iov[1].iov_len ? 2 : 1, left);
		if (n == -EAGAIN)
			return true;
		if (n < 0)
			return false;
		c->last = jiffies;
		if (n < left) {
			c->out_off += n;
			return true;
		}
		c->out_off = 0;
		dnspool_lconn_done_with(c, lq, true);
	}
	return true;
}

/* A complete frame in c->rx: forward the query, or answer its error. */
static void dnspool_lconn_frame(struct dnspool_lconn *c, size_t len)
{
	struct dnspool_listener *l = c->l;
	struct dnspool_lquery *lq;
	struct dnspool_query *q;
	size_t err_len;

	if (!dnspool_lquery_admit(l, &c->client))
		return;
	lq = dnspool_lquery_new(l, c->rx + 2, len, &err_len);
	if (lq) {
		kref_get(&c->ref);
		lq->conn = c;
		atomic_inc(&c->pending);
		atomic_inc(&c->inflight);
		dnspool_lquery_submit(lq);
		return;
	}
	if (!err_len)
		return;
	/* The error answer, built in c->rx, joins the others, as a query
	 * answered at once would.
	 */
	q = dnspool_query_alloc(sizeof(*lq), c->rx + 2, err_len, 0, 0, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(q)) {
		atomic64_inc(&l->stats.drops);
		return;
	}
	lq = container_of(q, struct dnspool_lquery, q);
	kref_get(&l->ref);
	lq->l = l;
	kref_get(&c->ref);
	lq->conn = c;
	lq->reply = q->msg;
	lq->reply_len = err_len;
	lq->prefix[0] = err_len >> 8;
	lq->prefix[1] = err_len & 0xff;
	atomic_inc(&c->pending);
	list_add_tail(&lq->out, &c->out);
	c->out_bytes += err_len;
}

/* The connection holds what it may: it is read no more meanwhile. */
static bool dnspool_lconn_full(struct dnspool_lconn *c)
{
	return atomic_read(&c->pending) >= DNSPOOL_LISTENER_TCP_PIPELINE ||
	       c->out_bytes >= DNSPOOL_LISTENER_TCP_OUT_MAX;
}

/*
 * Reads frames while the connection may have more queries pending.  False
 * when it is to close: the client sent what is not a query's frame, or the
 * connection broke.  Sets c->eof when the client closed its side, and
 * c->rx_blocked when it stopped at a bound.
 */
static bool dnspool_lconn_read(struct dnspool_lconn *c)
{
	unsigned int frames = 0;

	c->rx_blocked = false;
	while (!dnspool_lconn_full(c)) {
		struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
		size_t want = 2;
		struct kvec iov;
		int n;

		if (c->rx_len >= 2)
			want += c->rx[0] << 8 | c->rx[1];
		iov.iov_base = c->rx + c->rx_len;
		iov.iov_len = want - c->rx_len;
		n = kernel_recvmsg(c->sock, &msg, &iov, 1, iov.iov_len, MSG_DONTWAIT);
		if (n == -EAGAIN)
			return true;
		if (n <= 0) {
			c->eof = !n;
			return !n;
		}
		c->rx_len += n;
		if (c->rx_len == 2) {
			size_t len = c->rx[0] << 8 | c->rx[1];

			if (len < DNS_HDR_LEN || len > DNSPOOL_QUERY_MAX_LEN) {
				atomic64_inc(&c->l->stats.malformed);
				return false;
			}
			continue;
		}
		if (c->rx_len < want)
			continue;
		c->rx_len = 0;
		c->last = jiffies;
		dnspool_lconn_frame(c, want - 2);
		if (++frames == DNSPOOL_LSN_TCP_BUDGET) {
			dnspool_lconn_kick(c);
			return true;
		}
	}
	c->rx_blocked = true;
	return true;
}

static void dnspool_lconn_work(struct work_struct *work)
{
	struct dnspool_lconn *c = container_of(work, struct dnspool_lconn, work);
	struct dnspool_listener *l = c->l;
	struct mem_cgroup *old = set_active_memcg(l->memcg);
	struct dnspool_lquery *lq, *tmp;
	unsigned long idle;
	bool ok;

	dnspool_lconn_take_answers(c);
	if (!c->sock)
		goto drop;
	ok = !READ_ONCE(l->dead) && dnspool_lconn_write(c);
	if (ok && !c->eof)
		ok = dnspool_lconn_read(c) && dnspool_lconn_write(c);
	/* Room was made by this run's writes, with nothing else to wake it. */
	if (ok && c->rx_blocked && !dnspool_lconn_full(c))
		dnspool_lconn_kick(c);
	/* The client is done sending, and has every answer: close. */
	if (c->eof && !atomic_read(&c->pending))
		ok = false;
	rcu_read_lock();
	idle = msecs_to_jiffies(rcu_dereference(l->cfg)->tcp_idle_ms);
	rcu_read_unlock();
	if (ok && !atomic_read(&c->inflight) && time_after_eq(jiffies, c->last + idle))
		ok = false;
	if (ok) {
		/* With queries in flight, their answers wake the work. */
		if (!atomic_read(&c->inflight))
			mod_timer(&c->timer, c->last + idle);
		goto out;
	}
	dnspool_lconn_close(c);
drop:
	list_for_each_entry_safe(lq, tmp, &c->out, out)
		dnspool_lconn_done_with(c, lq, false);
out:
	set_active_memcg(old);
	dnspool_lconn_put(c);		/* the work's */
}

/*
 * A client connection of @l, open and counted, or NULL when a cap refuses
 * it or memory lacks.
 */
static struct dnspool_lconn *dnspool_lconn_new(struct dnspool_listener *l, struct socket *sock,
					       const struct in6_addr *client)
{
	u64 key = dnspool_client_net(client);
	struct dnspool_lclient *lc, *fresh;
	struct dnspool_lconn *c;
	u32 max, per_client;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!c || !fresh)
		goto drop;
	rcu_read_lock();
	max = rcu_dereference(l->cfg)->tcp_max;
	rcu_read_unlock();
	per_client = max(max / 4, 1U);

	spin_lock_bh(&l->lock);
	lc = dnspool_lclient_find(l, key);
	if (READ_ONCE(l->dead) || l->nconns >= max || (lc && lc->n >= per_client)) {
		spin_unlock_bh(&l->lock);
		atomic64_inc(&l->stats.tcp_refused);
		kfree(c);
		kfree(fresh);
		return NULL;
	}
	if (!lc) {
		lc = fresh;
		fresh = NULL;
		lc->key = key;
		hash_add(l->clients, &lc->node, siphash_1u64(key, &l->rate_key));
	}
	lc->n++;
	kref_init(&c->ref);		/* the list's */
	kref_get(&l->ref);
	c->l = l;
	c->client = *client;
	c->net_key = key;
	c->sock = sock;
	INIT_WORK(&c->work, dnspool_lconn_work);
	timer_setup(&c->timer, dnspool_lconn_timer, 0);
	init_llist_head(&c->answers);
	INIT_LIST_HEAD(&c->out);
	c->last = jiffies;
	list_add_tail(&c->node, &l->conns);
	WRITE_ONCE(l->nconns, l->nconns + 1);
	atomic_inc(&l->live);
	spin_unlock_bh(&l->lock);
	kfree(fresh);
	atomic64_inc(&l->stats.tcp_conns_total);
	return c;

drop:
	atomic64_inc(&l->stats.drops);
	kfree(c);
	kfree(fresh);
	return NULL;
}

/* Serves an accepted connection, or closes it at once. */
static void dnspool_lsn_tcp_accepted(struct dnspool_listener *l, struct socket *sock)
{
	struct sockaddr_storage peer;
	struct dnspool_lconn *c;
	struct in6_addr client;
	struct sock *sk;

	if (kernel_getpeername(sock, (struct sockaddr *)&peer) < 0)
		goto close;
	dnspool_client_addr(&peer, &client);
	if (!dnspool_lquery_admit(l, &client))
		goto close;
	c = dnspool_lconn_new(l, sock, &client);
	if (!c)
		goto close;
	sk = sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	/* Its data_ready is the listening socket's, ours: TCP's own is
	 * the one to call and to restore.
	 */
	c->saved_data_ready = l->tcp_data_ready;
	c->saved_write_space = sk->sk_write_space;
	c->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = c;
	sk->sk_data_ready = dnspool_lconn_data_ready;
	sk->sk_write_space = dnspool_lconn_write_space;
	sk->sk_state_change = dnspool_lconn_state_change;
	write_unlock_bh(&sk->sk_callback_lock);
	/* What came before the callbacks were ours. */
	dnspool_lconn_kick(c);
	return;

close:
	/* No callback of ours outlives the socket's release. */
	sk = sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_data_ready = l->tcp_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	dnspool_lconn_release_sock(l, sock, false);
}

/**
 * dnspool_lsn_accept_work() - accept a listener's client connections
 * @work: the listener's accept_work
 *
 * Context: process context, on dnspool_wq.
 */
void dnspool_lsn_accept_work(struct work_struct *work)
{
	struct dnspool_listener *l = container_of(work, struct dnspool_listener, accept_work);
	struct mem_cgroup *old = set_active_memcg(l->memcg);
	struct socket *sock;
	unsigned int n;
	int err;

	mutex_lock(&l->sock_lock);
	for (n = 0; l->tcp && n < DNSPOOL_LSN_TCP_BUDGET; n++) {
		err = kernel_accept(l->tcp, &sock, O_NONBLOCK);
		/* A client that reset before its turn: take the next. */
		if (err == -ECONNABORTED)
			continue;
		if (err)
			break;
		dnspool_lsn_tcp_accepted(l, sock);
	}
	if (n == DNSPOOL_LSN_TCP_BUDGET)
		dnspool_listener_kick(l, &l->accept_work);
	mutex_unlock(&l->sock_lock);
	set_active_memcg(old);
	dnspool_listener_put(l);
}

/*
 * The listening socket's data_ready: a connection is ready to accept.  An
 * accepted socket starts with a copy of these callbacks, but not of the
 * user data (SK_USER_DATA_NOCOPY): on it they do nothing until ours
 * replace them.
 */
static void dnspool_lsn_tcp_data_ready(struct sock *sk)
{
	struct dnspool_listener *l;

	read_lock_bh(&sk->sk_callback_lock);
	l = __locked_read_sk_user_data_with_flags(sk, SK_USER_DATA_NOCOPY);
	if (l)
		dnspool_listener_kick(l, &l->accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

/**
 * dnspool_lsn_tcp_open() - open, bind and listen on a listener's TCP socket
 * @l: the listener, unlisted yet
 *
 * Context: process context, the requester's; sleeps.
 * Return: 0 or a negative errno (-EADDRINUSE, -EACCES, ...).
 */
int dnspool_lsn_tcp_open(struct dnspool_listener *l)
{
	struct socket *sock;
	struct sock *sk;
	int err;

	err = sock_create_kern(l->net, l->addr.ss_family, SOCK_STREAM, IPPROTO_TCP, &sock);
	if (err)
		return err;
	sk = sock->sk;
	/* Added again at once, it binds while closed connections linger. */
	sock_set_reuseaddr(sk);
	err = kernel_bind(sock, (struct sockaddr *)&l->addr,
			  l->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
							 sizeof(struct sockaddr_in6));
	if (!err)
		err = kernel_listen(sock, SOMAXCONN);
	if (err) {
		sock_release(sock);
		return err;
	}
	write_lock_bh(&sk->sk_callback_lock);
	__rcu_assign_sk_user_data_with_flags(sk, l, SK_USER_DATA_NOCOPY);
	l->tcp_data_ready = sk->sk_data_ready;
	sk->sk_data_ready = dnspool_lsn_tcp_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	l->tcp = sock;
	return 0;
}

/**
 * dnspool_lsn_tcp_close() - close a listener's TCP side
 * @l: the listener, dead
 *
 * Closes the listening socket, then every client connection, and waits
 * until their sockets are released.
 *
 * Context: process context; sleeps.
 */
void dnspool_lsn_tcp_close(struct dnspool_listener *l)
{
	struct socket *sock = l->tcp;
	struct dnspool_lconn *c;

	if (sock) {
		write_lock_bh(&sock->sk->sk_callback_lock);
		rcu_assign_sk_user_data(sock->sk, NULL);
		sock->sk->sk_data_ready = l->tcp_data_ready;
		write_unlock_bh(&sock->sk->sk_callback_lock);
		mutex_lock(&l->sock_lock);
		l->tcp = NULL;
		mutex_unlock(&l->sock_lock);
		sock_release(sock);
		if (cancel_work_sync(&l->accept_work))
			dnspool_listener_put(l);
	}
	/* Each connection's work sees the listener dead, and closes it. */
	spin_lock_bh(&l->lock);
	list_for_each_entry(c, &l->conns, node)
		dnspool_lconn_kick(c);
	spin_unlock_bh(&l->lock);
	wait_var_event(&l->live, !atomic_read(&l->live));
}
