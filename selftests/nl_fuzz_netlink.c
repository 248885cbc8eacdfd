// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz's netlink plumbing: its sockets, messages and attributes built
 * in a buffer, one request called synchronously, and a socket's queue
 * drained without waiting.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "nl_fuzz.h"

int nl_open(int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

int msg_begin(struct mbuf *m, uint16_t type, uint16_t flags, uint32_t seq,
		     uint8_t cmd, uint8_t version)
{
	int off = m->len;
	struct nlmsghdr *nlh = (struct nlmsghdr *)(m->b + off);
	struct genlmsghdr *g = (struct genlmsghdr *)(nlh + 1);

	memset(nlh, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = version;
	m->len += NLMSG_HDRLEN + GENL_HDRLEN;
	return off;
}

void msg_end(struct mbuf *m, int off)
{
	((struct nlmsghdr *)(m->b + off))->nlmsg_len = m->len - off;
}

int room(struct mbuf *m, int len)
{
	return m->len + NLA_HDRLEN + NLA_ALIGN(len) <= MSG_MAX - 64;
}

void attr_put(struct mbuf *m, uint16_t type, const void *d, int len)
{
	struct nlattr *a = (struct nlattr *)(m->b + m->len);
	int tot = NLA_HDRLEN + len;

	if (!room(m, len))
		return;
	a->nla_type = type;
	a->nla_len = tot > 0xffff ? 0xffff : tot;
	if (len)
		memcpy(a + 1, d, len);
	memset((uint8_t *)a + tot, 0, NLA_ALIGN(tot) - tot);
	m->len += NLA_ALIGN(tot);
}

void put_u32(struct mbuf *m, uint16_t type, uint32_t v)
{
	attr_put(m, type, &v, 4);
}

void put_str(struct mbuf *m, uint16_t type, const char *s)
{
	attr_put(m, type, s, strlen(s) + 1);
}

int nest_begin(struct mbuf *m, uint16_t type)
{
	int off = m->len;

	attr_put(m, type | NLA_F_NESTED, NULL, 0);
	return off;
}

void nest_end(struct mbuf *m, int off)
{
	((struct nlattr *)(m->b + off))->nla_len = m->len - off;
}

uint64_t attr_uint(struct nlattr *a)
{
	uint64_t v64 = 0;
	uint32_t v32 = 0;
	uint16_t v16 = 0;

	switch (ALEN(a)) {
	case 1: return *ADATA(a);
	case 2: memcpy(&v16, ADATA(a), 2); return v16;
	case 4: memcpy(&v32, ADATA(a), 4); return v32;
	case 8: memcpy(&v64, ADATA(a), 8); return v64;
	}
	return 0;
}

uint8_t *genl_attrs(struct nlmsghdr *nlh, int *len)
{
	*len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	return (uint8_t *)nlh + NLMSG_HDRLEN + GENL_HDRLEN;
}

/*
 * One request, synchronously: sent with NLM_F_ACK, read until its ack or
 * the end of its dump (replies of other sequence numbers are dropped).
 * Return: the error of the ack or the dump, or -ETIMEDOUT.
 */
int nl_call(int fd, struct mbuf *m, reply_fn fn, void *arg)
{
	static uint8_t buf[65536];
	struct nlmsghdr *req = (struct nlmsghdr *)m->b;
	static uint32_t seq = 0x40000000;
	double end = now() + 40;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	req->nlmsg_seq = ++seq;
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	if (send(fd, m->b, m->len, 0) != m->len)
		return -errno;
	while (now() < end) {
		int n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		if (n < 0) {
			if (errno == EAGAIN)
				poll(&pfd, 1, 200);
			continue;	/* ENOBUFS: the ack may come still */
		}
		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return *(int *)NLMSG_DATA(nlh);
			if (fn)
				fn(nlh, arg);
		}
	}
	return -ETIMEDOUT;
}

#define RXN 16
static uint8_t rx[RXN][65536];

/* Reads what is queued on @fd, without waiting; @fn for each message.
 * Return: messages read, or -1 when nothing was queued.
 */
int rx_drain(int fd, void (*fn)(struct nlmsghdr *, void *), void *arg, long *overruns)
{
	struct mmsghdr mm[RXN];
	struct iovec iov[RXN];
	int i, n, total = 0;

	for (;;) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < RXN; i++) {
			iov[i].iov_base = rx[i];
			iov[i].iov_len = sizeof(rx[i]);
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, mm, RXN, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == ENOBUFS) {
				(*overruns)++;
				continue;
			}
			if (errno == EINTR)
				continue;
			return total ? total : -1;
		}
		for (i = 0; i < n; i++) {
			struct nlmsghdr *nlh = (struct nlmsghdr *)rx[i];
			int len = mm[i].msg_len;

			for (; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len)) {
				fn(nlh, arg);
				total++;
			}
		}
		if (n < RXN)
			return total;
	}
}
