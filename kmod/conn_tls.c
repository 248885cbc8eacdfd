// SPDX-License-Identifier: GPL-2.0
/*
 * DNS over TLS (RFC 7858): a TCP connection on which the kernel's handshake
 * agent (tlshd, reached through net/handshake) does the TLS handshake and
 * installs kernel TLS; DNS messages are then framed as over TCP.
 *
 * The handshake runs in userspace, outside the connection's work, and ends
 * in dnspool_tls_done().  Whoever closes the connection cancels a handshake
 * still pending or, when the cancel loses the race with its completion,
 * waits until dnspool_tls_done() has returned: it never runs on a freed
 * connection.
 *
 * While the agent holds the socket, none of our callbacks is installed:
 * they go in once TCP is connected and come out before the handshake is
 * asked for, and go in again over kernel TLS's own once it is installed
 * (as nvme-tcp does).  Kernel TLS thus saves and, when the socket closes,
 * restores the socket's original callbacks, never ours: the socket may
 * outlive the connection and this module, in the agent's hands.
 *
 * Kernel TLS hands the reader one record type per read, named in a control
 * message: the server's session tickets are read past; an alert, or any
 * other handshake message (6.12 cannot follow a KeyUpdate), ends the
 * connection.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/in.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <net/handshake.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <net/tls.h>
#include <net/tls_prot.h>

#include "conn.h"
#include "conn_tcp.h"
#include "pool.h"
#include "sock.h"
#include "race.h"
#include "trace.h"
#include "upstream.h"

/* How much longer than the dial's deadline the agent may try. */
#define DNSPOOL_TLS_AGENT_GRACE_MS	1000

/* Non-data records read past per run of the work before it yields. */
#define DNSPOOL_TLS_SKIP_BUDGET		16

/* The handshake message of a TLS 1.3 session ticket (RFC 8446, 4.6.1). */
#define DNSPOOL_TLS_HS_NEW_SESSION_TICKET	4

enum dnspool_tls_phase {
	DNSPOOL_TLS_CONNECTING,		/* TCP connecting */
	DNSPOOL_TLS_HANDSHAKE,		/* the agent has the socket */
	DNSPOOL_TLS_SESSION,		/* kernel TLS installed */
};

struct dnspool_tls {
	struct dnspool_stream_rx rx;
	/* The name the server's certificate must carry, for messages.  The
	 * agent is given the socket file's own copy (see dnspool_tls_open()).
	 */
	char peername[DNSPOOL_TLS_NAME_MAX_LEN + 1];
	/* The connection's work alone changes these, and dnspool_tls_stop()
	 * once the work no longer runs.
	 */
	enum dnspool_tls_phase phase;
	bool submitted;			/* the callback runs unless cancelled */
	bool requested;			/* its outcome not yet counted */
	ktime_t requested_at;
	/* Written by dnspool_tls_done() before it sets @done (release). */
	int status;
	s64 took_us;
	bool done;
	struct completion handshake_done;
	/* A non-data record being read past: its type and first bytes. */
	bool skipping;
	u8 skip_type;
	u8 skip_head[2];
	u8 skip_have;
};

static int dnspool_tls_open(struct dnspool_conn *conn)
{
	struct dnspool_tls *tls;
	int err;

	tls = kzalloc(sizeof(*tls), GFP_KERNEL_ACCOUNT);
	if (!tls)
		return -ENOMEM;
	init_completion(&tls->handshake_done);
	dnspool_upstream_tls_name(conn->pool->up, tls->peername, sizeof(tls->peername));
	conn->priv = tls;

	err = dnspool_sock_create(conn, SOCK_STREAM, IPPROTO_TCP);
	if (err)
		return err;
	/* The agent receives the socket as a file descriptor, and reads the
	 * peer name when it takes the request.  The handshake layer holds a
	 * reference on the file from the request until its end or cancel,
	 * and the accept takes its own before it gives the file to the
	 * agent: a name that lives as long as the file is always there.  The
	 * file's own name is such a name.
	 */
	err = dnspool_sock_alloc_file(conn, tls->peername);
	if (err)
		return err;
	tcp_sock_set_nodelay(conn->sock->sk);
	return 0;
}

static int dnspool_tls_dial(struct dnspool_conn *conn)
{
	return dnspool_sock_connect(conn, O_NONBLOCK);
}

/* The agent's answer, from its netlink request (genetlink's cb_lock held). */
static void dnspool_tls_done(void *data, int status, key_serial_t peerid)
{
	struct dnspool_conn *conn = data;
	struct dnspool_tls *tls = conn->priv;

	tls->status = status;
	tls->took_us = ktime_us_delta(ktime_get(), tls->requested_at);
	/* Publishes status and took_us to dnspool_tls_dialed(). */
	smp_store_release(&tls->done, true);
	dnspool_conn_kick(conn);
	dnspool_race("tls_done");
	/* Last: once this is seen, the connection may be freed.  What is
	 * left of this function runs through module text: unload waits for
	 * the agent's request that called it (see dnspool_exit()).
	 */
	complete(&tls->handshake_done);
}

static int dnspool_tls_request_handshake(struct dnspool_conn *conn)
{
	struct dnspool_pool *pool = conn->pool;
	struct dnspool_tls *tls = conn->priv;
	long left = max_t(long, conn->dial_deadline - jiffies, 0);
	struct tls_handshake_args args = {
		.ta_sock = conn->sock,
		.ta_done = dnspool_tls_done,
		.ta_data = conn,
		.ta_peername = file_dentry(conn->sock->file)->d_name.name,
		/* The pool's tick ends the dial at its deadline and counts a
		 * timeout; the agent's own bound comes later, for tlshd
		 * reports its timeouts as EACCES, like a bad certificate.
		 */
		.ta_timeout_ms = jiffies_to_msecs(left) + DNSPOOL_TLS_AGENT_GRACE_MS,
		.ta_keyring = TLS_NO_KEYRING,
	};
	int err;

	/* The agent owns the socket until it answers: our callbacks leave
	 * it, so that kernel TLS, which the agent installs, saves the
	 * socket's own.
	 */
	dnspool_sock_restore_callbacks(conn);
	/* Set first: dnspool_tls_done() may run before the request returns. */
	tls->requested = true;
	tls->requested_at = ktime_get();
	err = tls_client_hello_anon(&args, GFP_KERNEL);
	if (err != -EAGAIN)
		trace_dnspool_handshake_start(conn, err);
	/* Waiting for a slot, or for the agent to take the request: the
	 * pool's tick tells the agent's delay from the upstream's by the
	 * bytes the socket sent (dnspool_sock_sent_nothing()).
	 */
	WRITE_ONCE(conn->dial_waits_locally, !err || err == -EAGAIN);
	if (!err) {
		tls->submitted = true;
		tls->phase = DNSPOOL_TLS_HANDSHAKE;
		return -EINPROGRESS;
	}
	tls->requested = false;
	switch (err) {
	case -EAGAIN:
		/* The namespace has as many handshakes pending as the
		 * handshake layer takes: the pool's tick asks again, and
		 * a dial that waits past its deadline fails as this
		 * host's failure, not the upstream's.
		 */
		return -EINPROGRESS;
	case -ESRCH:
		atomic64_inc(&pool->stats.handshake_failures_agent);
		pr_notice_ratelimited("upstream %s: no TLS handshake agent in its network namespace: start tlshd there\n",
				      pool->up->name);
		return err;
	default:
		atomic64_inc(&pool->stats.handshake_failures_other);
		return err;
	}
}

static int dnspool_tls_handshake_result(struct dnspool_conn *conn)
{
	struct dnspool_stats *st = &conn->pool->stats;
	struct dnspool_tls *tls = conn->priv;
	const char *name = conn->pool->up->name;

	tls->requested = false;		/* over, and counted */
	trace_dnspool_handshake_end(conn, tls->status, tls->took_us);
	switch (tls->status) {
	case 0:
		atomic64_inc(&st->handshakes);
		atomic64_add(tls->took_us, &st->handshake_time_us);
		tls->phase = DNSPOOL_TLS_SESSION;
		return 0;
	case -EACCES:
		/* tlshd's answer to any failed handshake, a rejected
		 * certificate first of all: the upstream's.
		 */
		atomic64_inc(&st->handshake_failures_cert);
		pr_notice_ratelimited("upstream %s: TLS handshake rejected by tlshd: the certificate is not trusted or not for %s, or the server refused (tlshd's log says which)\n",
				      name, tls->peername);
		return -EKEYREJECTED;
	case -ETIMEDOUT:
		atomic64_inc(&st->handshake_failures_timeout);
		return -ETIMEDOUT;
	default:
		atomic64_inc(&st->handshake_failures_other);
		pr_notice_ratelimited("upstream %s: TLS handshake failed: %d\n",
				      name, tls->status);
		return tls->status < 0 ? tls->status : -EIO;
	}
}

static int dnspool_tls_dialed(struct dnspool_conn *conn)
{
	struct dnspool_tls *tls = conn->priv;
	int err;

	switch (tls->phase) {
	case DNSPOOL_TLS_CONNECTING:
		err = dnspool_stream_dialed(conn);
		return err ? err : dnspool_tls_request_handshake(conn);
	case DNSPOOL_TLS_HANDSHAKE:
		/* Pairs with dnspool_tls_done(). */
		if (!smp_load_acquire(&tls->done))
			return -EINPROGRESS;
		err = dnspool_tls_handshake_result(conn);
		/* Over kernel TLS's callbacks: it calls ours on every
		 * segment, and the work reads whole records; what arrived
		 * before is read as soon as this returns.
		 */
		if (!err)
			dnspool_sock_install_callbacks(conn);
		return err;
	default:
		return 0;
	}
}

/* A non-data record was read whole. */
static int dnspool_tls_record_end(struct dnspool_tls *tls)
{
	switch (tls->skip_type) {
	case TLS_RECORD_TYPE_HANDSHAKE:
		/* Session tickets: we do not resume sessions. */
		if (tls->skip_have && tls->skip_head[0] == DNSPOOL_TLS_HS_NEW_SESSION_TICKET)
			return 0;
		return -EPROTO;
	case TLS_RECORD_TYPE_ALERT:
		/* close_notify: the server ended the session. */
		if (tls->skip_have == 2 && tls->skip_head[1] == TLS_ALERT_DESC_CLOSE_NOTIFY)
			return -EPIPE;
		return -ECONNRESET;
	default:
		return -EPROTO;
	}
}

/*
 * Reads application data into @buf, past the records that hold none, at
 * most DNSPOOL_TLS_SKIP_BUDGET of those per call: a server sending nothing but
 * session tickets does not hold the work.
 */
static int dnspool_tls_read(struct dnspool_conn *conn, void *buf, size_t len)
{
	struct dnspool_tls *tls = conn->priv;
	int skipped = 0;
	u8 scratch[128];

	for (;;) {
		/* Fresh for every read: put_cmsg() advances the control
		 * buffer, and a non-data record read without one is put back
		 * and fails every read after.  Zeroed: a read that puts no
		 * control message leaves a level that is not SOL_TLS, which
		 * tls_get_record_type() reads as no record type.
		 */
		union {
			struct cmsghdr cmsg;
			u8 buf[CMSG_SPACE(sizeof(u8))];
		} u = {};
		struct msghdr msg = {
			.msg_control = &u,
			.msg_controllen = sizeof(u),
		};
		struct kvec iov = {
			.iov_base = tls->skipping ? scratch : buf,
			.iov_len = tls->skipping ? sizeof(scratch) : len,
		};
		const u8 *data = iov.iov_base;
		size_t head;
		int n, err;
		u8 type;

		n = kernel_recvmsg(conn->sock, &msg, &iov, 1, iov.iov_len, MSG_DONTWAIT);
		if (n == -EAGAIN)
			return 0;
		if (n == 0)
			return -EPIPE;	/* closed without close_notify */
		if (n < 0)
			return n;
		type = tls_get_record_type(conn->sock->sk, &u.cmsg);
		if (!tls->skipping) {
			if (type == TLS_RECORD_TYPE_DATA)
				return n;
			tls->skip_type = type;
			tls->skip_have = 0;
		} else if (type != tls->skip_type) {
			return -EPROTO;
		}
		head = min_t(size_t, n, sizeof(tls->skip_head) - tls->skip_have);
		memcpy(tls->skip_head + tls->skip_have, data, head);
		tls->skip_have += head;
		/* Kernel TLS marks the end of a record. */
		tls->skipping = !(msg.msg_flags & MSG_EOR);
		if (!tls->skipping) {
			err = dnspool_tls_record_end(tls);
			if (err)
				return err;
		}
		if (++skipped == DNSPOOL_TLS_SKIP_BUDGET) {
			dnspool_conn_kick(conn);
			return 0;
		}
	}
}

static int dnspool_tls_recv(struct dnspool_conn *conn)
{
	struct dnspool_tls *tls = conn->priv;

	return dnspool_stream_recv(conn, &tls->rx, dnspool_tls_read);
}

/*
 * The connection's work no longer runs; the socket is about to close.  A
 * handshake submitted is cancelled or, if it completed or is completing,
 * waited for: dnspool_tls_done() calls complete() last, so once the
 * completion is seen, dnspool_tls_done() touches the connection no more.  A
 * cancel after the completion loses (the request is marked completed) and
 * the wait returns at once.
 */
static void dnspool_tls_stop(struct dnspool_conn *conn)
{
	struct dnspool_tls *tls = conn->priv;

	if (!tls)
		return;
	if (!tls->submitted) {
		/* Never submitted: the agent had no slot for it. */
		if (conn->error == -EAGAIN)
			atomic64_inc(&conn->pool->stats.handshake_failures_other);
		return;
	}
	if (tls_handshake_cancel(conn->sock->sk)) {
		/* dnspool_tls_done() will not run. */
		if (conn->error == -ETIMEDOUT)
			atomic64_inc(&conn->pool->stats.handshake_failures_timeout);
		return;
	}
	wait_for_completion(&tls->handshake_done);
	/* Counted, unless the work saw its outcome first. */
	if (tls->requested)
		dnspool_tls_handshake_result(conn);
}

static void dnspool_tls_destroy(struct dnspool_conn *conn)
{
	struct dnspool_tls *tls = conn->priv;

	if (tls)
		dnspool_stream_rx_free(&tls->rx);
	kfree(tls);
}

/*
 * Kernel TLS keeps a record that TCP refused (tls_push_sg(): TCP returns
 * -EAGAIN when it cannot allocate an skb, as when its buffer is full) on
 * its tx_list, and reports the message sent.  Only a later send on the
 * socket, or write space, pushes the record out; and write space follows
 * an ACK of data in flight, which an idle connection has none of.  The
 * query would wait for its deadline, counted as the upstream's timeout.
 * So records left behind with room in the buffer are pushed as write
 * space would push them (tls_sw_write_space() schedules kTLS's transmit
 * work), and looked at again on the pool's next tick until none is left.
 */
static bool dnspool_tls_tx_stalled(struct dnspool_conn *conn)
{
	struct sock *sk = conn->sock->sk;
	struct tls_context *ctx;
	bool left;

	lock_sock(sk);
	ctx = tls_get_ctx(sk);
	/* With the buffer full, write space comes with the ACKs. */
	left = ctx && ctx->tx_conf == TLS_SW && !list_empty(&tls_sw_ctx_tx(ctx)->tx_list) &&
	       sk_stream_is_writeable(sk);
	if (left)
		sk->sk_write_space(sk);
	release_sock(sk);
	return left;
}

const struct dnspool_conn_ops dnspool_tls_ops = {
	.transport = DNSPOOL_TRANSPORT_TLS,
	.open = dnspool_tls_open,
	.dial = dnspool_tls_dial,
	.dialed = dnspool_tls_dialed,
	.send = dnspool_stream_send,
	.recv = dnspool_tls_recv,
	.stop = dnspool_tls_stop,
	.destroy = dnspool_tls_destroy,
	.tx_stalled = dnspool_tls_tx_stalled,
	.join_dialing = true,
};
