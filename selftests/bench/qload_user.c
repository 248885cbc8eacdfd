// SPDX-License-Identifier: GPL-2.0
/*
 * qload's userspace clients, as a forwarder with its own pool would be
 * written: connected UDP sockets (send/recv, or sendmmsg/recvmmsg with a
 * batch), or one reused TCP connection (RFC 7766 framing, pipelined).  A
 * query's ID is its slot; an answer counts if its ID, socket and question
 * match, as dnspool checks them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "qload.h"

#define MSG_MAX		4096
#define BATCH_MAX	64
#define HDR		12

struct user {
	unsigned int nsocks, batch;
	int *fd;
	/* Each slot's query (a 2-byte length first, for TCP), its ID set. */
	uint8_t (*q)[MSG_MAX + 2];
	size_t *qlen;
	/* Per socket: sends queued. */
	struct mmsghdr (*out)[BATCH_MAX];
	struct iovec (*oiov)[BATCH_MAX];
	unsigned int *nout;
	/* Receive: one buffer per message of a batch (UDP), a stream (TCP). */
	struct mmsghdr in[BATCH_MAX];
	struct iovec iiov[BATCH_MAX];
	uint8_t (*ibuf)[MSG_MAX];
	size_t have;
};

static int sock_to(const char *addr, const char *port, int type)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, type, 0), one = 1;

	sa.sin_port = htons(atoi(port));
	if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return perror("qload: connect"), -1;
	if (type == SOCK_STREAM)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Connected first, non-blocking after: the loop never waits in I/O. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

static int user_open(struct client *c, unsigned int window, unsigned int batch, int type)
{
	struct user *u = calloc(1, sizeof(*u));
	unsigned int i;

	if (!u || !c->args[0] || !c->args[1])
		return fprintf(stderr, "qload: %s ADDR PORT%s\n", c->name,
			       type == SOCK_DGRAM ? " SOCKETS" : ""), -1;
	u->nsocks = type == SOCK_DGRAM && c->args[2] ? atoi(c->args[2]) : 1;
	u->batch = batch > BATCH_MAX ? BATCH_MAX : batch;
	u->fd = calloc(u->nsocks, sizeof(*u->fd));
	u->q = calloc(window, sizeof(*u->q));
	u->qlen = calloc(window, sizeof(*u->qlen));
	u->out = calloc(u->nsocks, sizeof(*u->out));
	u->oiov = calloc(u->nsocks, sizeof(*u->oiov));
	u->nout = calloc(u->nsocks, sizeof(*u->nout));
	u->ibuf = calloc(BATCH_MAX, sizeof(*u->ibuf));
	if (!u->nsocks || !u->fd || !u->q || !u->qlen || !u->out || !u->oiov || !u->nout ||
	    !u->ibuf)
		return fprintf(stderr, "qload: out of memory\n"), -1;
	for (i = 0; i < u->nsocks; i++) {
		u->fd[i] = sock_to(c->args[0], c->args[1], type);
		if (u->fd[i] < 0)
			return -1;
	}
	for (i = 0; i < BATCH_MAX; i++) {
		u->iiov[i].iov_base = u->ibuf[i];
		u->iiov[i].iov_len = MSG_MAX;
		u->in[i].msg_hdr.msg_iov = &u->iiov[i];
		u->in[i].msg_hdr.msg_iovlen = 1;
	}
	c->priv = u;
	return 0;
}

static int udp_open(struct client *c, unsigned int window, unsigned int batch)
{
	return user_open(c, window, batch, SOCK_DGRAM);
}

static int tcp_open(struct client *c, unsigned int window, unsigned int batch)
{
	return user_open(c, window, batch, SOCK_STREAM);
}

static int user_flush_sock(struct user *u, unsigned int s)
{
	unsigned int done = 0;

	while (done < u->nout[s]) {
		int n;

		if (u->batch == 1)
			n = send(u->fd[s], u->out[s][done].msg_hdr.msg_iov->iov_base,
				 u->out[s][done].msg_hdr.msg_iov->iov_len, 0) < 0 ? -1 : 1;
		else
			n = sendmmsg(u->fd[s], u->out[s] + done, u->nout[s] - done, 0);
		if (n < 0) {
			/* A full socket buffer drops the query, as a real
			 * client's would be: the loop counts it lost later.
			 */
			if (errno == EAGAIN || errno == ENOBUFS)
				break;
			return perror("qload: send"), -1;
		}
		done += n;
	}
	u->nout[s] = 0;
	return 0;
}

static int user_send(struct client *c, unsigned int slot, const struct wire *w)
{
	struct user *u = c->priv;
	unsigned int s = slot % u->nsocks, k = u->nout[s];
	uint8_t *q = u->q[slot];

	if (w->len > MSG_MAX)
		return fprintf(stderr, "qload: query too long\n"), -1;
	/* TCP's 2-byte length, then the message, its ID the slot. */
	q[0] = w->len >> 8;
	q[1] = w->len;
	memcpy(q + 2, w->buf, w->len);
	q[2] = slot >> 8;
	q[3] = slot;
	u->qlen[slot] = w->len;
	u->oiov[s][k].iov_base = c == &user_tcp_client ? q : q + 2;
	u->oiov[s][k].iov_len = w->len + (c == &user_tcp_client ? 2 : 0);
	u->out[s][k].msg_hdr.msg_iov = &u->oiov[s][k];
	u->out[s][k].msg_hdr.msg_iovlen = 1;
	u->nout[s]++;
	return u->nout[s] >= u->batch ? user_flush_sock(u, s) : 0;
}

static int user_flush(struct client *c)
{
	struct user *u = c->priv;

	for (unsigned int s = 0; s < u->nsocks; s++)
		if (u->nout[s] && user_flush_sock(u, s))
			return -1;
	return 0;
}

static int user_fds(struct client *c, int *fds, int max)
{
	struct user *u = c->priv;
	int n = 0;

	for (unsigned int s = 0; s < u->nsocks && n < max; s++)
		fds[n++] = u->fd[s];
	return n;
}

/* An answer from socket @s: its slot if it matches a query sent there. */
static int match(struct user *u, unsigned int s, const uint8_t *a, size_t len)
{
	unsigned int slot;
	size_t qlen;

	if (len < HDR || !(a[2] & 0x80))
		return -1;
	slot = a[0] << 8 | a[1];
	if (slot % u->nsocks != s || !u->qlen[slot])
		return -1;
	qlen = u->qlen[slot];
	/* The question: from the header to the query's end (no EDNS). */
	if (len < qlen || memcmp(a + HDR, u->q[slot] + 2 + HDR, qlen - HDR))
		return -1;
	return slot;
}

static int udp_drain(struct client *c, int fd, answer_fn fn, void *arg)
{
	struct user *u = c->priv;
	unsigned int s;

	for (s = 0; s < u->nsocks && u->fd[s] != fd; s++)
		;
	for (;;) {
		int n, i;

		if (u->batch == 1) {
			ssize_t len = recv(fd, u->ibuf[0], MSG_MAX, MSG_DONTWAIT);

			n = len < 0 ? -1 : 1;
			u->in[0].msg_len = len;
		} else {
			n = recvmmsg(fd, u->in, u->batch, MSG_DONTWAIT, NULL);
		}
		if (n < 0)
			return errno == EAGAIN ? 0 : (perror("qload: recv"), -1);
		for (i = 0; i < n; i++) {
			int slot = match(u, s, u->ibuf[i], u->in[i].msg_len);

			if (slot >= 0)
				fn(slot, 1, arg);
		}
	}
}

static int tcp_drain(struct client *c, int fd, answer_fn fn, void *arg)
{
	struct user *u = c->priv;
	/* The stream's bytes not yet framed, in the batch buffers' room. */
	uint8_t *buf = u->ibuf[0];
	size_t room = sizeof(*u->ibuf) * BATCH_MAX;

	for (;;) {
		ssize_t n = recv(fd, buf + u->have, room - u->have, MSG_DONTWAIT);
		size_t off = 0;

		if (n == 0)
			return fprintf(stderr, "qload: the upstream closed the connection\n"), -1;
		if (n < 0)
			return errno == EAGAIN ? 0 : (perror("qload: recv"), -1);
		u->have += n;
		while (u->have - off >= 2) {
			size_t len = buf[off] << 8 | buf[off + 1];
			int slot;

			if (u->have - off < 2 + len)
				break;
			slot = match(u, 0, buf + off + 2, len);
			if (slot >= 0)
				fn(slot, 1, arg);
			off += 2 + len;
		}
		memmove(buf, buf + off, u->have - off);
		u->have -= off;
	}
}

static int user_sockets(struct client *c)
{
	return ((struct user *)c->priv)->nsocks;
}

struct client user_udp_client = {
	.name = "user-udp",
	.retransmit = 1,
	.open = udp_open,
	.send = user_send,
	.flush = user_flush,
	.fds = user_fds,
	.drain = udp_drain,
	.sockets = user_sockets,
};

struct client user_tcp_client = {
	.name = "user-tcp",
	.open = tcp_open,
	.send = user_send,
	.flush = user_flush,
	.fds = user_fds,
	.drain = tcp_drain,
	.sockets = user_sockets,
};
