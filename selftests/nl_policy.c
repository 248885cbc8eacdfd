// SPDX-License-Identifier: GPL-2.0
/*
 * The dnspool family at the netlink level, below what dnspoolctl would
 * ever send: strict validation, the policy's checks, extack messages and
 * offsets, missing-attribute reports.  Every rejected request must leave
 * the registry as it was.  Dumps that a change interrupts say so; answers
 * a reader has no room for are counted, and the reader told.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/dnspool.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* What the kernel answered to one request. */
struct answer {
	int error;		/* 0 or a negative errno */
	char msg[256];		/* NLMSGERR_ATTR_MSG */
	int bad_off;		/* NLMSGERR_ATTR_OFFS, or -1 */
	int miss_type;		/* NLMSGERR_ATTR_MISS_TYPE, or -1 */
	int replies;		/* answer messages before the ack or done */
	int max_conns;		/* of the last answer, or -1 */
};

FIXTURE(nl) {
	struct nl_sock *sk;
	int family;
};

FIXTURE_SETUP(nl)
{
	int one = 1;

	self->sk = nl_socket_alloc();
	ASSERT_NE(NULL, self->sk);
	ASSERT_EQ(0, genl_connect(self->sk));
	setsockopt(nl_socket_get_fd(self->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(self->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	self->family = genl_ctrl_resolve(self->sk, DNSPOOL_FAMILY_NAME);
	ASSERT_LT(0, self->family) TH_LOG("dnspool family not found: module loaded?");
}

FIXTURE_TEARDOWN(nl)
{
	nl_socket_free(self->sk);
}

static struct nl_msg *new_msg(int family, int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg)
		genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			    DNSPOOL_FAMILY_VERSION);
	return msg;
}

/* Send @msg (consumed) and read until its ack, error or end of dump. */
static struct answer request(struct nl_sock *sk, struct nl_msg *msg)
{
	/* No ack nor end of dump seen is a failure, not a success. */
	struct answer a = { .error = -EIO, .bad_off = -1, .miss_type = -1, .max_conns = -1 };
	unsigned char *buf = NULL;
	struct sockaddr_nl who;
	int len, done = 0;

	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_ACK;
	if (nl_send_auto(sk, msg) < 0) {
		a.error = -EIO;
		goto out;
	}
	while (!done && (len = nl_recv(sk, &who, &buf, NULL)) > 0) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		for (; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
			struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
			struct nlmsgerr *e = nlmsg_data(nlh);
			int skip = sizeof(*e);

			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = 1;
				a.error = 0;
				continue;
			}
			if (nlh->nlmsg_type != NLMSG_ERROR) {
				struct nlattr *at[DNSPOOL_A_UPSTREAM_MAX + 1];

				a.replies++;
				if (!genlmsg_parse(nlh, 0, at, DNSPOOL_A_UPSTREAM_MAX, NULL) &&
				    at[DNSPOOL_A_UPSTREAM_MAX_CONNS])
					a.max_conns = nla_get_u32(at[DNSPOOL_A_UPSTREAM_MAX_CONNS]);
				continue;
			}
			done = 1;
			a.error = e->error;
			if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
				continue;
			if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
				skip += e->msg.nlmsg_len - sizeof(e->msg);
			nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + skip),
				  nlh->nlmsg_len - NLMSG_HDRLEN - skip, NULL);
			if (tb[NLMSGERR_ATTR_MSG])
				snprintf(a.msg, sizeof(a.msg), "%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
			if (tb[NLMSGERR_ATTR_OFFS])
				a.bad_off = nla_get_u32(tb[NLMSGERR_ATTR_OFFS]);
			if (tb[NLMSGERR_ATTR_MISS_TYPE])
				a.miss_type = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
		}
		free(buf);
		buf = NULL;
	}
out:
	nlmsg_free(msg);
	return a;
}

/* Byte offset of the last attribute put into @msg, as extack reports it. */
static int last_attr_off(struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *a, *last = NULL;
	int rem;

	nlmsg_for_each_attr(a, nlh, GENL_HDRLEN, rem)
		last = a;
	return last ? (int)((char *)last - (char *)nlh) : -1;
}

static int count_upstreams(struct nl_sock *sk, int family)
{
	struct answer a = request(sk, new_msg(family, DNSPOOL_CMD_UPSTREAM_GET, NLM_F_DUMP));

	return a.error ? a.error : a.replies;
}

static struct nl_msg *add_msg(int family, const char *name)
{
	struct nl_msg *msg = new_msg(family, DNSPOOL_CMD_UPSTREAM_ADD, 0);

	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, name);
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_TRANSPORT, DNSPOOL_TRANSPORT_UDP);
	return msg;
}

static void put_v4(struct nl_msg *msg, const char *addr)
{
	struct in_addr in;

	inet_pton(AF_INET, addr, &in);
	nla_put(msg, DNSPOOL_A_UPSTREAM_IPV4, 4, &in);
}

/* Expect @msg rejected with @err, the bad attribute the last one put (when
 * @at_last), @text in the message, and the registry unchanged.
 */
#define EXPECT_REJECT(msg, err, at_last, text) do {				\
	int _before = count_upstreams(self->sk, self->family);			\
	int _off = (at_last) ? last_attr_off(msg) : -1;				\
	struct answer _a = request(self->sk, (msg));				\
	EXPECT_EQ(-(err), _a.error);						\
	if (at_last)								\
		EXPECT_EQ(_off, _a.bad_off);					\
	if (text)								\
		EXPECT_NE(NULL, strstr(_a.msg, (text) ? (text) : ""))		\
			TH_LOG("extack said '%s'", _a.msg);			\
	EXPECT_EQ(_before, count_upstreams(self->sk, self->family));		\
} while (0)

TEST_F(nl, add_get_del)
{
	struct nl_msg *msg = add_msg(self->family, "nlp-ok");
	struct answer a;

	put_v4(msg, "192.0.2.53");
	ASSERT_EQ(0, request(self->sk, msg).error);
	msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_GET, 0);
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp-ok");
	a = request(self->sk, msg);
	EXPECT_EQ(0, a.error);
	EXPECT_EQ(1, a.replies);
	msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_DEL, 0);
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp-ok");
	EXPECT_EQ(0, request(self->sk, msg).error);
}

TEST_F(nl, unknown_attribute_rejected)
{
	struct nl_msg *msg = add_msg(self->family, "nlp");

	put_v4(msg, "192.0.2.1");
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_MAX + 5, 1);
	EXPECT_REJECT(msg, EINVAL, 1, NULL);
}

TEST_F(nl, attribute_not_of_this_command_rejected)
{
	struct nl_msg *msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_SET, 0);

	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp");
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_TRANSPORT, DNSPOOL_TRANSPORT_TCP);
	EXPECT_REJECT(msg, EINVAL, 1, "Unsupported attribute");
}

TEST_F(nl, transport_out_of_enum)
{
	struct nl_msg *msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_ADD, 0);

	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp");
	put_v4(msg, "192.0.2.1");
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_TRANSPORT, 7);
	EXPECT_REJECT(msg, ERANGE, 1, "out of range");
}

TEST_F(nl, port_zero)
{
	struct nl_msg *msg = add_msg(self->family, "nlp");

	put_v4(msg, "192.0.2.1");
	nla_put_u16(msg, DNSPOOL_A_UPSTREAM_PORT, 0);
	EXPECT_REJECT(msg, ERANGE, 1, "out of range");
}

TEST_F(nl, ipv6_wrong_length)
{
	struct nl_msg *msg = add_msg(self->family, "nlp");
	char addr[4] = { 1, 2, 3, 4 };

	nla_put(msg, DNSPOOL_A_UPSTREAM_IPV6, sizeof(addr), addr);
	EXPECT_REJECT(msg, ERANGE, 1, NULL);
}

TEST_F(nl, ipv6_link_local)
{
	struct nl_msg *msg = add_msg(self->family, "nlp");
	struct in6_addr in6;

	inet_pton(AF_INET6, "fe80::1", &in6);
	nla_put(msg, DNSPOOL_A_UPSTREAM_IPV6, sizeof(in6), &in6);
	EXPECT_REJECT(msg, EINVAL, 1, "link-local");
}

TEST_F(nl, both_addresses)
{
	struct nl_msg *msg = add_msg(self->family, "nlp");
	struct in6_addr in6;

	put_v4(msg, "192.0.2.1");
	inet_pton(AF_INET6, "2001:db8::1", &in6);
	nla_put(msg, DNSPOOL_A_UPSTREAM_IPV6, sizeof(in6), &in6);
	EXPECT_REJECT(msg, EINVAL, 1, "not both");
}

TEST_F(nl, missing_address)
{
	struct nl_msg *msg = add_msg(self->family, "nlp");
	struct answer a = request(self->sk, msg);

	EXPECT_EQ(-EINVAL, a.error);
	EXPECT_EQ(DNSPOOL_A_UPSTREAM_IPV4, a.miss_type);
	EXPECT_NE(NULL, strstr(a.msg, "address missing"));
}

TEST_F(nl, missing_name)
{
	struct nl_msg *msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_DEL, 0);
	struct answer a = request(self->sk, msg);

	EXPECT_EQ(-EINVAL, a.error);
	EXPECT_EQ(DNSPOOL_A_UPSTREAM_NAME, a.miss_type);
}

TEST_F(nl, name_not_terminated)
{
	struct nl_msg *msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_ADD, 0);

	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_TRANSPORT, DNSPOOL_TRANSPORT_UDP);
	put_v4(msg, "192.0.2.1");
	nla_put(msg, DNSPOOL_A_UPSTREAM_NAME, 4, "abcd");
	EXPECT_REJECT(msg, EINVAL, 1, NULL);
}

TEST_F(nl, empty_tls_name)
{
	struct nl_msg *msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_ADD, 0);

	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp");
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_TRANSPORT, DNSPOOL_TRANSPORT_TLS);
	put_v4(msg, "192.0.2.1");
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_TLS_NAME, "");
	EXPECT_REJECT(msg, EINVAL, 1, "tls-name is empty");
}

TEST_F(nl, reserved_header_field)
{
	struct nl_msg *msg = add_msg(self->family, "nlp");
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(msg));

	put_v4(msg, "192.0.2.1");
	g->reserved = 1;
	EXPECT_REJECT(msg, EINVAL, 0, "reserved");
}

TEST_F(nl, unknown_command)
{
	struct nl_msg *msg = new_msg(self->family, DNSPOOL_CMD_MAX + 1, 0);

	EXPECT_EQ(-EOPNOTSUPP, request(self->sk, msg).error);
}

TEST_F(nl, failed_add_leaves_existing_alone)
{
	struct nl_msg *msg = add_msg(self->family, "nlp-dup");
	struct answer a;

	put_v4(msg, "192.0.2.7");
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_MAX_CONNS, 7);
	ASSERT_EQ(0, request(self->sk, msg).error);
	msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_ADD, 0);
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp-dup");
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_TRANSPORT, DNSPOOL_TRANSPORT_TCP);
	put_v4(msg, "192.0.2.8");
	a = request(self->sk, msg);
	EXPECT_EQ(-EEXIST, a.error);
	/* set with one bad value changes none of the good ones */
	msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_SET, 0);
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp-dup");
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_MAX_CONNS, 9);
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_TLS_NAME, "x.example");
	a = request(self->sk, msg);
	EXPECT_EQ(-EINVAL, a.error);
	msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_GET, 0);
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp-dup");
	EXPECT_EQ(7, request(self->sk, msg).max_conns);
	msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_DEL, 0);
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp-dup");
	EXPECT_EQ(0, request(self->sk, msg).error);
}

/* A raw generic netlink socket, read with recv() in buffers of our size. */
static int raw_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static int raw_send(int fd, struct nl_msg *msg, unsigned int seq)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int ret;

	nlh->nlmsg_seq = seq;
	ret = send(fd, nlh, nlh->nlmsg_len, 0) == (ssize_t)nlh->nlmsg_len ? 0 : -1;
	nlmsg_free(msg);
	return ret;
}

/*
 * A dump of 200 upstreams, read 4 KiB at a time so that it takes many
 * rounds; an upstream deleted after the first round: a later round is
 * flagged NLM_F_DUMP_INTR.
 */
TEST_F(nl, dump_interrupted_by_a_change)
{
	char name[32], buf[4096];
	int fd, i, n, intr = 0, done = 0, rounds = 0;
	struct nl_msg *msg;

	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "nlp-d%d", i);
		msg = add_msg(self->family, name);
		put_v4(msg, "192.0.2.9");
		ASSERT_EQ(0, request(self->sk, msg).error);
	}
	fd = raw_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, raw_send(fd, new_msg(self->family, DNSPOOL_CMD_UPSTREAM_GET,
					  NLM_F_REQUEST | NLM_F_DUMP), 1));
	while (!done && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
				done = 1;
		}
		if (rounds++ == 0) {
			msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_DEL, 0);
			nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp-d199");
			EXPECT_EQ(0, request(self->sk, msg).error);
		}
	}
	close(fd);
	EXPECT_EQ(1, done);
	EXPECT_LT(2, rounds);
	EXPECT_EQ(1, intr) TH_LOG("no round of %d was flagged interrupted", rounds);
	for (i = 0; i < 199; i++) {
		snprintf(name, sizeof(name), "nlp-d%d", i);
		msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_DEL, 0);
		nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, name);
		EXPECT_EQ(0, request(self->sk, msg).error);
	}
}

/* The pool's undelivered counter, from a dump of the upstream's pools. */
static long long undelivered(struct nl_sock *sk, int family, const char *name)
{
	struct nl_msg *msg = new_msg(family, DNSPOOL_CMD_POOL_GET, NLM_F_DUMP);
	unsigned char *buf = NULL;
	struct sockaddr_nl who;
	long long v = -1;
	int len, done = 0;

	nla_put_string(msg, DNSPOOL_A_POOL_UPSTREAM, name);
	if (nl_send_auto(sk, msg) < 0)
		goto out;
	while (!done && (len = nl_recv(sk, &who, &buf, NULL)) > 0) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		for (; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len)) {
			struct nlattr *tb[DNSPOOL_A_POOL_MAX + 1];

			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				continue;
			}
			if (!genlmsg_parse(nlh, 0, tb, DNSPOOL_A_POOL_MAX, NULL) &&
			    tb[DNSPOOL_A_POOL_UNDELIVERED] && v < 0)
				v = nla_len(tb[DNSPOOL_A_POOL_UNDELIVERED]) == 8 ?
				    (long long)nla_get_u64(tb[DNSPOOL_A_POOL_UNDELIVERED]) :
				    nla_get_u32(tb[DNSPOOL_A_POOL_UNDELIVERED]);
		}
		free(buf);
		buf = NULL;
	}
out:
	nlmsg_free(msg);
	return v;
}

/*
 * 200 queries that fail at once (no route to the upstream), from a socket
 * with the smallest receive buffer that reads nothing meanwhile: the
 * answers that do not fit are counted, and the socket reports ENOBUFS, as
 * netlink does for any message lost.
 */
TEST_F(nl, answers_without_room_are_counted)
{
	static const unsigned char query[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 'a', 0x07, 'd', 'n', 's', 'p', 'o', 'o', 'l', 0x04, 't', 'e', 's', 't',
		0x00, 0x00, 0x01, 0x00, 0x01,
	};
	int fd, i, one = 1, small = 0, err = 0;
	struct pollfd pfd;
	struct nl_msg *msg;
	char buf[8192];

	msg = add_msg(self->family, "nlp-lost");
	put_v4(msg, "192.0.2.77");
	ASSERT_EQ(0, request(self->sk, msg).error);
	fd = raw_socket();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	for (i = 0; i < 200; i++) {
		msg = new_msg(self->family, DNSPOOL_CMD_QUERY, NLM_F_REQUEST);
		nla_put_string(msg, DNSPOOL_A_QUERY_UPSTREAM, "nlp-lost");
		nla_put(msg, DNSPOOL_A_QUERY_MSG, sizeof(query), query);
		ASSERT_EQ(0, raw_send(fd, msg, i + 1));
	}
	/* Every answer is out once the counter and what was read add up. */
	sleep(2);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 100) > 0) {
		if (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) < 0) {
			if (errno == ENOBUFS)
				err = 1;
			else
				break;
		}
	}
	close(fd);
	EXPECT_EQ(1, err) TH_LOG("the reader was not told of lost answers");
	EXPECT_LT(0, undelivered(self->sk, self->family, "nlp-lost"));
	msg = new_msg(self->family, DNSPOOL_CMD_UPSTREAM_DEL, 0);
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, "nlp-lost");
	EXPECT_EQ(0, request(self->sk, msg).error);
}

TEST_HARNESS_MAIN
