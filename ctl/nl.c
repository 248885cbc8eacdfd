// SPDX-License-Identifier: GPL-2.0
/*
 * One request and its answers at a time, with the kernel's extended ack
 * turned into a one-line error that names the offending attribute.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/dnspool.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include "args.h"
#include "dnspoolctl.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static struct nl_sock *sk;
static int family;

/* Attribute names as dnspoolctl's options spell them, for error messages,
 * per attribute set.
 */
static const char *const upstream_attrs[DNSPOOL_A_UPSTREAM_MAX + 1] = {
	[DNSPOOL_A_UPSTREAM_NAME] = "name",
	[DNSPOOL_A_UPSTREAM_TRANSPORT] = "transport",
	[DNSPOOL_A_UPSTREAM_IPV4] = "ipv4",
	[DNSPOOL_A_UPSTREAM_IPV6] = "ipv6",
	[DNSPOOL_A_UPSTREAM_PORT] = "port",
	[DNSPOOL_A_UPSTREAM_TLS_NAME] = "tls-name",
	[DNSPOOL_A_UPSTREAM_MAX_CONNS] = "max-conns",
	[DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS] = "idle-timeout",
	[DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS] = "reap-interval",
	[DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS] = "dial-timeout",
	[DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS] = "timeout",
	[DNSPOOL_A_UPSTREAM_ROTATE_QUERIES] = "rotate-queries",
	[DNSPOOL_A_UPSTREAM_ROTATE_INTERVAL_MS] = "rotate-interval",
	[DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS] = "rto-initial",
	[DNSPOOL_A_UPSTREAM_RTO_MIN_MS] = "rto-min",
	[DNSPOOL_A_UPSTREAM_RTO_MAX_MS] = "rto-max",
	[DNSPOOL_A_UPSTREAM_BREAKER_FAILURES] = "breaker-failures",
	[DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS] = "breaker-backoff",
};

static const char *const query_attrs[DNSPOOL_A_QUERY_MAX + 1] = {
	[DNSPOOL_A_QUERY_UPSTREAM] = "name",
	[DNSPOOL_A_QUERY_MSG] = "message",
	[DNSPOOL_A_QUERY_TCP] = "+tcp",
};

static const char *const group_attrs[DNSPOOL_A_GROUP_MAX + 1] = {
	[DNSPOOL_A_GROUP_NAME] = "name",
	[DNSPOOL_A_GROUP_MEMBER] = "member",
	[DNSPOOL_A_GROUP_STRATEGY] = "strategy",
	[DNSPOOL_A_GROUP_RACE_DELAY_MS] = "race-delay",
	[DNSPOOL_A_GROUP_TIMEOUT_MS] = "timeout",
};

static const char *const listener_attrs[DNSPOOL_A_LISTENER_MAX + 1] = {
	[DNSPOOL_A_LISTENER_NAME] = "name",
	[DNSPOOL_A_LISTENER_IPV4] = "ipv4",
	[DNSPOOL_A_LISTENER_IPV6] = "ipv6",
	[DNSPOOL_A_LISTENER_PORT] = "port",
	[DNSPOOL_A_LISTENER_PROTO] = "proto",
	[DNSPOOL_A_LISTENER_TARGET] = "target",
	[DNSPOOL_A_LISTENER_ALLOW] = "allow",
	[DNSPOOL_A_LISTENER_RATE] = "rate",
	[DNSPOOL_A_LISTENER_TCP_IDLE_MS] = "tcp-idle",
	[DNSPOOL_A_LISTENER_TCP_MAX] = "tcp-max",
};

static const char *const pool_attrs[DNSPOOL_A_POOL_MAX + 1] = {
	[DNSPOOL_A_POOL_UPSTREAM] = "name",
};

const char *dp_attr_name(int cmd, unsigned int type)
{
	const char *const *names = upstream_attrs;
	unsigned int n = ARRAY_LEN(upstream_attrs);

	if (cmd == DNSPOOL_CMD_QUERY) {
		names = query_attrs;
		n = ARRAY_LEN(query_attrs);
	} else if (cmd == DNSPOOL_CMD_POOL_GET) {
		names = pool_attrs;
		n = ARRAY_LEN(pool_attrs);
	} else if (cmd >= DNSPOOL_CMD_GROUP_ADD && cmd <= DNSPOOL_CMD_GROUP_GET) {
		names = group_attrs;
		n = ARRAY_LEN(group_attrs);
	} else if (cmd >= DNSPOOL_CMD_LISTENER_ADD && cmd <= DNSPOOL_CMD_LISTENER_GET) {
		names = listener_attrs;
		n = ARRAY_LEN(listener_attrs);
	}
	if (type < n && names[type])
		return names[type];
	return "unknown";
}

static int dp_connect(void)
{
	int one = 1, rcvbuf = 8 << 20, err;

	if (sk)
		return 0;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	err = genl_connect(sk);
	if (err < 0) {
		dp_err("cannot open a generic netlink socket: %s", nl_geterror(err));
		return -1;
	}
	/* Error messages and offending attributes from the kernel; capped
	 * acks, since the request is still at hand.
	 */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Answers to many queries in flight: a large receive buffer, past
	 * rmem_max when privileged.
	 */
	if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	family = genl_ctrl_resolve(sk, DNSPOOL_FAMILY_NAME);
	if (family < 0) {
		dp_err("the dnspool netlink family is not available: is the module loaded? (modprobe dnspool)");
		return -1;
	}
	return 0;
}

void dp_nl_close(void)
{
	nl_socket_free(sk);
	sk = NULL;
}

struct nl_msg *dp_msg_new(int cmd, int flags)
{
	struct nl_msg *msg;

	if (dp_connect())
		return NULL;
	msg = nlmsg_alloc();
	if (!msg) {
		dp_err("out of memory");
		return NULL;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags, cmd,
			 DNSPOOL_FAMILY_VERSION)) {
		nlmsg_free(msg);
		dp_err("out of memory");
		return NULL;
	}
	return msg;
}

struct dp_req {
	struct nl_msg *msg;
	dp_msg_fn fn;
	void *arg;
	int err;
	int done;
	char why[512];
};

/* "allow 10.0.0.1/8": a listener's allow nest @a, as the user typed it. */
static const char *allow_text(struct nlattr *a, char *buf, size_t len)
{
	struct nlattr *tb[DNSPOOL_A_PREFIX_MAX + 1];
	char net[INET6_ADDRSTRLEN + 4] = "";
	int family;

	if (nla_parse_nested(tb, DNSPOOL_A_PREFIX_MAX, a, NULL) >= 0 &&
	    (tb[DNSPOOL_A_PREFIX_IPV4] || tb[DNSPOOL_A_PREFIX_IPV6])) {
		family = tb[DNSPOOL_A_PREFIX_IPV4] ? AF_INET : AF_INET6;
		format_prefix(family, nla_data(tb[family == AF_INET ? DNSPOOL_A_PREFIX_IPV4 :
						   DNSPOOL_A_PREFIX_IPV6]),
			      tb[DNSPOOL_A_PREFIX_LEN] ? nla_get_u8(tb[DNSPOOL_A_PREFIX_LEN]) : 0,
			      net, sizeof(net));
	}
	snprintf(buf, len, "allow%s%s", *net ? " " : "", net);
	return buf;
}

/*
 * Names the attribute of our own request at byte offset @off into @buf,
 * with its value when it is a name the user typed; an offset within a
 * listener's allow nest names the network.
 */
static const char *attr_at(struct nl_msg *msg, unsigned int off, char *buf, size_t len)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int cmd = ((struct genlmsghdr *)nlmsg_data(nlh))->cmd;
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, nlh, GENL_HDRLEN, rem) {
		const char *name = dp_attr_name(cmd, nla_type(a));

		unsigned int start = (char *)a - (char *)nlh;

		if (cmd >= DNSPOOL_CMD_LISTENER_ADD && cmd <= DNSPOOL_CMD_LISTENER_SET &&
		    nla_type(a) == DNSPOOL_A_LISTENER_ALLOW && off >= start &&
		    off < start + nla_total_size(nla_len(a)))
			return allow_text(a, buf, len);
		if (start != off)
			continue;
		/* The names the user typed are worth repeating. */
		if (!strcmp(name, "name") || !strcmp(name, "tls-name") || !strcmp(name, "member") ||
		    !strcmp(name, "target"))
			snprintf(buf, len, "%s '%.*s'", name,
				 (int)strnlen(nla_data(a), nla_len(a)), (char *)nla_data(a));
		else
			snprintf(buf, len, "%s", name);
		return buf;
	}
	return NULL;
}

/*
 * The one-line text of the error in @nlh (an NLMSG_ERROR answering @req):
 * the kernel's extack message and the attribute it names, or strerror.
 */
const char *dp_error_text(struct nlmsghdr *nlh, struct nl_msg *req, char *buf, size_t len)
{
	struct nlmsgerr *e = nlmsg_data(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	const char *msg = NULL, *attr = NULL;
	unsigned int skip = sizeof(*e);
	char name[DNSPOOL_NAME_MAX_LEN + DNSPOOL_TLS_NAME_MAX_LEN + 16];
	int cmd = ((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(req)))->cmd;

	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			skip += e->msg.nlmsg_len - sizeof(e->msg);
		if (nlh->nlmsg_len > NLMSG_HDRLEN + skip)
			nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + skip),
				  nlh->nlmsg_len - NLMSG_HDRLEN - skip, NULL);
	}
	if (tb[NLMSGERR_ATTR_MSG])
		msg = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
	if (tb[NLMSGERR_ATTR_OFFS])
		attr = attr_at(req, nla_get_u32(tb[NLMSGERR_ATTR_OFFS]), name, sizeof(name));
	return dp_refusal_text(cmd, -e->error, msg, attr,
			       tb[NLMSGERR_ATTR_MISS_TYPE] ?
			       (int)nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]) : -1, buf, len);
}

const char *dp_refusal_text(int cmd, int error, const char *msg, const char *attr,
			    int missing, char *buf, size_t len)
{
	if (missing >= 0)
		snprintf(buf, len, "%s%smissing attribute %s", msg ? msg : "", msg ? ": " : "",
			 dp_attr_name(cmd, missing));
	else if (msg && attr)
		snprintf(buf, len, "%s: %s", attr, msg);
	else if (msg)
		snprintf(buf, len, "%s", msg);
	else if (error == EPERM)
		snprintf(buf, len, "%s (CAP_NET_ADMIN needed)", strerror(error));
	else
		snprintf(buf, len, "%s", strerror(error));
	return buf;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct dp_req *req = arg;

	(void)who;
	req->err = e->error;
	req->done = 1;
	dp_error_text(nlh, req->msg, req->why, sizeof(req->why));
	return NL_STOP;
}

int dp_parse(struct nlmsghdr *nlh, struct nlattr **tb, int max)
{
	return genlmsg_parse(nlh, 0, tb, max, NULL);
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct dp_req *req = arg;

	return req->fn ? req->fn(nlmsg_hdr(msg), req->arg) : NL_OK;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct dp_req *req = arg;

	req->done = 1;
	/* A dump that failed midway says so in its DONE message. */
	if (nlh->nlmsg_type == NLMSG_DONE && nlmsg_datalen(nlh) >= (int)sizeof(int) &&
	    *(int *)nlmsg_data(nlh) < 0) {
		req->err = *(int *)nlmsg_data(nlh);
		snprintf(req->why, sizeof(req->why), "%s", strerror(-req->err));
	}
	return NL_STOP;
}

/*
 * Send @msg (consumed), pass every answer to @fn, wait for the ack or the
 * end of the dump.  Returns 0, or a negative errno after printing why.
 */
int dp_request(struct nl_msg *msg, dp_msg_fn fn, void *arg)
{
	struct dp_req req = { .msg = msg, .fn = fn, .arg = arg };
	struct nl_cb *cb;
	int err;

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		dp_err("out of memory");
		return -ENOMEM;
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &req);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, &req);

	err = nl_send_auto(sk, msg);
	while (err >= 0 && !req.done)
		err = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	nlmsg_free(msg);

	if (err < 0 && !req.err) {
		dp_err("netlink: %s", nl_geterror(err));
		return -EIO;
	}
	if (req.err)
		dp_err("%s", req.why);
	return req.err;
}

struct nl_sock *dp_socket(void)
{
	return dp_connect() ? NULL : sk;
}

int dp_family(void)
{
	return family;
}

/* An attribute of type uint (4 or 8 bytes), or 0 when absent. */
uint64_t dp_get_uint(struct nlattr *a)
{
	if (!a)
		return 0;
	return nla_len(a) == 8 ? nla_get_u64(a) : nla_get_u32(a);
}

/* Attribute @attr of @tb as a u32, or 0 when absent. */
uint32_t dp_get_u32(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u32(tb[attr]) : 0;
}
