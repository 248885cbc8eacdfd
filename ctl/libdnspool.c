// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libdnspool: the dnspool family's QUERY operation for applications.
 *
 * Messages are built and walked with libmnl, which puts many netlink
 * messages in one buffer: a batch of queries goes to the kernel in one
 * sendmsg() (genetlink runs every message of it in turn, and answers a
 * refused one with an error carrying its sequence number), and answers
 * are read many per recvmmsg(), never peeked at.  No query asks for an
 * ack: its answer, or its refusal, is its one reply.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/dnspool.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "libdnspool.h"

/* Bytes of queries sent in one sendmsg(), below the socket's send buffer
 * (netlink refuses a message larger than sk_sndbuf).
 */
#define SUBMIT_BYTES	(64 * 1024)
/* The largest query message: headers, a name, a DNS message, a flag. */
#define QUERY_MSG_MAX	(NLMSG_HDRLEN + GENL_HDRLEN + MNL_ALIGN(MNL_ATTR_HDRLEN + \
			 DNSPOOL_NAME_MAX_LEN + 1) + MNL_ALIGN(MNL_ATTR_HDRLEN + 65535) + \
			 MNL_ATTR_HDRLEN)
/* Answers read per recvmmsg(), and the room for each (one skb). */
#define RECV_MSGS	32
#define RECV_BYTES	(72 * 1024)

struct dnspool_client {
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t portid;
	uint32_t seq;
	/* Queued queries: @queued messages in @out[0..@out_len). */
	uint8_t *out;
	size_t out_len;
	unsigned int queued;
	/* Answers: RECV_MSGS buffers of RECV_BYTES, @recv_msgs used. */
	uint8_t *in;
	unsigned int recv_msgs;
	struct mmsghdr msgs[RECV_MSGS];
	struct iovec iov[RECV_MSGS];
	struct sockaddr_nl from[RECV_MSGS];
};

/* The dnspool family's number, from the generic netlink controller. */
static int resolve_family(struct dnspool_client *c)
{
	uint8_t buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;
	struct nlattr *attr;
	ssize_t len;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++c->seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, DNSPOOL_FAMILY_NAME);
	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	len = mnl_socket_recvfrom(c->nl, buf, sizeof(buf));
	if (len < 0)
		return -errno;
	nlh = (struct nlmsghdr *)buf;
	if (!mnl_nlmsg_ok(nlh, len))
		return -EPROTO;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		return e->error ? e->error : -EPROTO;
	}
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN) {
		if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		    !mnl_attr_validate(attr, MNL_TYPE_U16)) {
			c->family = mnl_attr_get_u16(attr);
			return 0;
		}
	}
	return -EPROTO;
}

struct dnspool_client *dnspool_open(void)
{
	struct dnspool_client *c = calloc(1, sizeof(*c));
	int one = 1, err;

	if (!c)
		return NULL;
	errno = 0;
	c->out = malloc(SUBMIT_BYTES + QUERY_MSG_MAX);
	c->in = malloc((size_t)RECV_MSGS * RECV_BYTES);
	c->nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
	if (!c->out || !c->in || !c->nl)
		goto fail;
	if (mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	c->portid = mnl_socket_get_portid(c->nl);
	/* Why a query was refused, and in which attribute: the refusal
	 * carries the request whole (no NETLINK_CAP_ACK), in which the
	 * offset the kernel gives finds the attribute.
	 */
	mnl_socket_setsockopt(c->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	err = resolve_family(c);
	if (err) {
		errno = err == -ENOENT ? ENOENT : -err;
		goto fail_errno;
	}
	dnspool_set_rcvbuf(c, 8 << 20);
	for (int i = 0; i < RECV_MSGS; i++) {
		c->iov[i].iov_base = c->in + (size_t)i * RECV_BYTES;
		c->iov[i].iov_len = RECV_BYTES;
		c->msgs[i].msg_hdr.msg_iov = &c->iov[i];
		c->msgs[i].msg_hdr.msg_iovlen = 1;
		c->msgs[i].msg_hdr.msg_name = &c->from[i];
		c->msgs[i].msg_hdr.msg_namelen = sizeof(c->from[i]);
	}
	c->recv_msgs = RECV_MSGS;
	return c;

fail:
	if (!errno)
		errno = ENOMEM;
fail_errno:
	err = errno;
	dnspool_close(c);
	errno = err;
	return NULL;
}

void dnspool_close(struct dnspool_client *c)
{
	if (!c)
		return;
	if (c->nl)
		mnl_socket_close(c->nl);
	free(c->out);
	free(c->in);
	free(c);
}

int dnspool_fd(const struct dnspool_client *c)
{
	return mnl_socket_get_fd(c->nl);
}

int dnspool_set_rcvbuf(struct dnspool_client *c, int bytes)
{
	int fd = dnspool_fd(c);

	if (!setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) ||
	    !setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		return 0;
	return -errno;
}

int dnspool_set_recv_batch(struct dnspool_client *c, unsigned int msgs)
{
	if (!msgs || msgs > RECV_MSGS)
		return -EINVAL;
	c->recv_msgs = msgs;
	return 0;
}

int dnspool_submit(struct dnspool_client *c, const char *upstream, const void *msg,
		   size_t len, unsigned int flags, uint32_t *seq)
{
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	int err;

	if (len > 65535 - MNL_ATTR_HDRLEN ||
	    (upstream && strlen(upstream) > DNSPOOL_NAME_MAX_LEN))
		return -EMSGSIZE;
	if (c->out_len >= SUBMIT_BYTES) {
		err = dnspool_flush(c);
		if (err)
			return err;
	}
	/* Room for the largest query past SUBMIT_BYTES: it always fits. */
	nlh = mnl_nlmsg_put_header(c->out + c->out_len);
	nlh->nlmsg_type = c->family;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	if (!++c->seq)
		c->seq = 1;
	nlh->nlmsg_seq = c->seq;
	nlh->nlmsg_pid = c->portid;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = DNSPOOL_CMD_QUERY;
	genl->version = DNSPOOL_FAMILY_VERSION;
	if (upstream)
		mnl_attr_put_strz(nlh, DNSPOOL_A_QUERY_UPSTREAM, upstream);
	mnl_attr_put(nlh, DNSPOOL_A_QUERY_MSG, len, msg);
	if (flags & DNSPOOL_SUBMIT_TCP)
		mnl_attr_put(nlh, DNSPOOL_A_QUERY_TCP, 0, NULL);
	c->out_len += nlh->nlmsg_len;
	c->queued++;
	*seq = c->seq;
	return 0;
}

unsigned int dnspool_queued(const struct dnspool_client *c)
{
	return c->queued;
}

int dnspool_flush(struct dnspool_client *c)
{
	ssize_t n;

	if (!c->out_len)
		return 0;
	/* The kernel runs each message before sendmsg() returns. */
	n = mnl_socket_sendto(c->nl, c->out, c->out_len);
	if (n < 0)
		return -errno;
	c->out_len = 0;
	c->queued = 0;
	return 0;
}

/* The attribute of the echoed request @e (@len bytes) at offset @off. */
static uint16_t attr_at(const struct nlmsgerr *e, size_t len, uint32_t off)
{
	const struct nlmsghdr *req = &e->msg;
	const struct nlattr *attr;

	if (len < sizeof(*e) || req->nlmsg_len > len - sizeof(*e) + sizeof(*req) ||
	    req->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return 0;
	mnl_attr_for_each(attr, req, GENL_HDRLEN) {
		size_t at = (const uint8_t *)attr - (const uint8_t *)req;

		if (off >= at && off < at + attr->nla_len)
			return mnl_attr_get_type(attr);
	}
	return 0;
}

/* What an extended ack says of a refusal: its reason and attribute. */
static void refusal(const struct nlmsghdr *nlh, struct dnspool_answer *a)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh), off = sizeof(*e);
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(e->msg);
	if (off > len)
		return;
	/* The macro's cursor is named attr. */
	mnl_attr_for_each_payload((const void *)((const uint8_t *)e + off), len - off) {
		switch (mnl_attr_get_type(attr)) {
		case NLMSGERR_ATTR_MSG:
			if (!mnl_attr_validate(attr, MNL_TYPE_NUL_STRING))
				a->why = mnl_attr_get_str(attr);
			break;
		case NLMSGERR_ATTR_OFFS:
			if (!mnl_attr_validate(attr, MNL_TYPE_U32) &&
			    !(nlh->nlmsg_flags & NLM_F_CAPPED))
				a->attr = attr_at(e, len, mnl_attr_get_u32(attr));
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (!mnl_attr_validate(attr, MNL_TYPE_U32)) {
				a->attr = mnl_attr_get_u32(attr);
				a->attr_missing = true;
			}
			break;
		}
	}
}

struct answer_attrs {
	const struct nlattr *tb[DNSPOOL_A_QUERY_MAX + 1];
};

static int answer_attr(const struct nlattr *attr, void *data)
{
	struct answer_attrs *a = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= DNSPOOL_A_QUERY_MAX)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static uint32_t attr_u32(const struct nlattr *attr)
{
	return attr && !mnl_attr_validate(attr, MNL_TYPE_U32) ? mnl_attr_get_u32(attr) : 0;
}

/* Fills @a from one answer message; false if it is not one. */
static bool read_answer(const struct nlmsghdr *nlh, struct dnspool_answer *a)
{
	struct answer_attrs at = {};
	const struct nlattr *msg, *up, *group;

	memset(a, 0, sizeof(*a));
	a->seq = nlh->nlmsg_seq;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e) || !e->error)
			return false;
		a->error = -e->error;
		a->error_class = DNSPOOL_ERROR_CLASS_LOCAL;
		a->refused = true;
		refusal(nlh, a);
		return true;
	}
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
	    mnl_attr_parse(nlh, GENL_HDRLEN, answer_attr, &at) < 0)
		return false;
	up = at.tb[DNSPOOL_A_QUERY_UPSTREAM];
	if (up && !mnl_attr_validate(up, MNL_TYPE_NUL_STRING))
		a->upstream = mnl_attr_get_str(up);
	a->transport = attr_u32(at.tb[DNSPOOL_A_QUERY_TRANSPORT]);
	group = at.tb[DNSPOOL_A_QUERY_GROUP];
	if (group && !mnl_attr_validate(group, MNL_TYPE_NUL_STRING))
		a->group = mnl_attr_get_str(group);
	a->asked = attr_u32(at.tb[DNSPOOL_A_QUERY_ASKED]);
	if (at.tb[DNSPOOL_A_QUERY_ERROR]) {
		a->error = attr_u32(at.tb[DNSPOOL_A_QUERY_ERROR]);
		a->error_class = attr_u32(at.tb[DNSPOOL_A_QUERY_ERROR_CLASS]);
		return a->error != 0;
	}
	msg = at.tb[DNSPOOL_A_QUERY_MSG];
	if (!msg)
		return false;
	a->msg = mnl_attr_get_payload(msg);
	a->len = mnl_attr_get_payload_len(msg);
	a->rtt_us = attr_u32(at.tb[DNSPOOL_A_QUERY_RTT_US]);
	a->reused = at.tb[DNSPOOL_A_QUERY_REUSED] &&
		    !mnl_attr_validate(at.tb[DNSPOOL_A_QUERY_REUSED], MNL_TYPE_U8) &&
		    mnl_attr_get_u8(at.tb[DNSPOOL_A_QUERY_REUSED]);
	return true;
}

int dnspool_drain(struct dnspool_client *c, dnspool_answer_fn fn, void *arg)
{
	int fd = dnspool_fd(c), got = 0;

	for (;;) {
		int n;

		for (unsigned int i = 0; i < c->recv_msgs; i++)
			c->msgs[i].msg_hdr.msg_namelen = sizeof(c->from[i]);
		n = recvmmsg(fd, c->msgs, c->recv_msgs, MSG_DONTWAIT, NULL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return got;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			const struct nlmsghdr *nlh = c->iov[i].iov_base;
			int len = c->msgs[i].msg_len;

			/* Only the kernel answers. */
			if (c->from[i].nl_pid)
				continue;
			for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
				struct dnspool_answer a;

				if (!read_answer(nlh, &a))
					continue;
				fn(&a, arg);
				got++;
			}
		}
		if ((unsigned int)n < c->recv_msgs)
			return got;
	}
}

int dnspool_wait(struct dnspool_client *c, int timeout_ms)
{
	struct pollfd pfd = { .fd = dnspool_fd(c), .events = POLLIN };
	int n = poll(&pfd, 1, timeout_ms);

	return n < 0 ? -errno : n;
}

const char *dnspool_strerror(int error, uint32_t transport)
{
	if (transport == DNSPOOL_TRANSPORT_TLS) {
		if (error == ESRCH)
			return "no TLS handshake agent in the upstream's network namespace: start tlshd there";
		if (error == EKEYREJECTED)
			return "TLS certificate rejected: not trusted by tlshd, or not for the upstream's tls-name (tlshd's log says which)";
	}
	return strerror(error);
}
