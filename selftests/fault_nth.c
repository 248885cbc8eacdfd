// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection with fail-nth: each allocation that a request makes in
 * the requester's task fails in turn.  Writing N to
 * /proc/thread-self/fail-nth makes the N-th fault-injection point this
 * task passes fail (a slab or page allocation, with failslab and
 * fail_page_alloc set up by fault_nth.sh to count sleeping allocations
 * too); reading it back gives 0 once the fault was injected, what is left
 * of N otherwise.  A generic netlink request's doit runs in the sender's
 * task, from sendmsg(), and so does the ack: fail-nth is set just before
 * the send and cleared just after it, and the replies are read without
 * faults.
 *
 * For each operation, N = 1, 2, ... until the operation no longer reaches
 * the fault (--full), or N = 1..5 and every K-th (--sample K, the regular
 * run).  After each attempt, without faults, the state is read back and
 * must be consistent with what the request was told: an error is a clean
 * errno and left nothing behind (the name is free, the old parameters
 * stay, a deleted object still works); a success left a whole object that
 * works (a query through it is answered).  An ack that could not be
 * allocated is lost, and netlink reports ENOBUFS on the socket: either
 * outcome is then right, as long as it is whole.  Each attempt uses a
 * socket of its own, so nothing of one attempt reaches the next.  The
 * namespace's in-flight count must be back to 0 after each query.
 *
 *   fault_nth [--full | --sample K] [-p UNBOUND_PORT] [-t TLS_PORT]
 *             [-l LISTENER_PORT] [-o OP] [-m MAX_N] [harness options]
 *
 * -t gives unbound's DNS over TLS port (a tlshd running): the TLS
 * operations then also query through their upstreams.  -o runs the
 * operations whose name holds OP only.  Skipped when the kernel has no
 * fault injection (no /proc/self/fail-nth).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <linux/dnspool.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
#define TLS_NAME	"dns.dnspool.test"
#define PROBE_N		1000000		/* a fail-nth no request reaches */
#define QUERY_TIMEOUT	4000		/* ms, of the test's upstreams */

/* Options. */
static int opt_full;
static int opt_sample = 3;
static int opt_uport = 5410;		/* unbound, UDP and TCP */
static int opt_tport;			/* unbound's DNS over TLS, 0: none */
static int opt_lport = 5412;		/* listeners: this port and the next two */
static int opt_max = 5000;		/* the largest N tried */
static const char *opt_only;

static int fam;				/* the family's ID */
static int mon_grp;			/* its monitor group's */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *ename(int err)
{
	const char *s = err > 0 ? strerrorname_np(err) : NULL;
	static char buf[24];

	if (s)
		return s;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* ---- DNS ---- */

static int dns_name(uint8_t *p, const char *name)
{
	int o = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		int len = dot ? dot - name : (int)strlen(name);

		p[o++] = len;
		memcpy(p + o, name, len);
		o += len;
		name += len + (dot ? 1 : 0);
	}
	p[o++] = 0;
	return o;
}

/* A query for hN.dnspool.test A; its length. */
static int dns_query(uint8_t *p, int n, uint16_t id)
{
	char name[64];
	int o = 12;

	memset(p, 0, 12);
	p[0] = id >> 8;
	p[1] = id;
	p[2] = 0x01;	/* RD */
	p[5] = 1;	/* QDCOUNT */
	snprintf(name, sizeof(name), "h%d.dnspool.test", n);
	o += dns_name(p + o, name);
	p[o++] = 0;
	p[o++] = 1;	/* A */
	p[o++] = 0;
	p[o++] = 1;	/* IN */
	return o;
}

static int get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static int skip_name(const uint8_t *m, int len, int o)
{
	while (o < len) {
		if ((m[o] & 0xc0) == 0xc0)
			return o + 2;
		if (!m[o])
			return o + 1;
		o += m[o] + 1;
	}
	return -1;
}

/* Is @m unbound's answer to dns_query(n, id): 198.51.100.(n % 250 + 1)? */
static int dns_right(const uint8_t *m, int len, uint16_t id, int n)
{
	int o = 12, i, qd, an;

	if (len < 12 || get16(m) != id || !(m[2] & 0x80) || (m[3] & 0x0f))
		return 0;
	qd = get16(m + 4);
	an = get16(m + 6);
	for (i = 0; i < qd; i++) {
		o = skip_name(m, len, o);
		if (o < 0 || o + 4 > len)
			return 0;
		o += 4;
	}
	for (i = 0; i < an; i++) {
		int rdlen;

		o = skip_name(m, len, o);
		if (o < 0 || o + 10 > len)
			return 0;
		rdlen = get16(m + o + 8);
		if (o + 10 + rdlen > len)
			return 0;
		if (get16(m + o) == 1 && rdlen == 4)
			return m[o + 10] == 198 && m[o + 11] == 51 && m[o + 12] == 100 &&
			       m[o + 13] == n % 250 + 1;
		o += 10 + rdlen;
	}
	return 0;
}

static int wait_in(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1;
}

/* A query over UDP to 127.0.0.1:@port (a listener): answered right? */
static int udp_ask(int port, int n)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	uint8_t q[512], a[4096];
	int fd, len, got, try, ok = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;
	len = dns_query(q, n, 0x5000 + n);
	for (try = 0; try < 2 && !ok; try++) {
		if (send(fd, q, len, 0) != len)
			break;
		while (wait_in(fd, 3000)) {
			got = recv(fd, a, sizeof(a), MSG_DONTWAIT);
			if (got > 0 && dns_right(a, got, 0x5000 + n, n)) {
				ok = 1;
				break;
			}
			if (got < 0 && errno != EAGAIN)
				break;
		}
	}
out:
	close(fd);
	return ok;
}

/* A TCP connection to 127.0.0.1:@port, with 5 s timeouts; -1 if none. */
static int tcp_open(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timeval tv = { .tv_sec = 5 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int read_full(int fd, uint8_t *p, int len)
{
	int got = 0, n;

	while (got < len) {
		n = recv(fd, p + got, len - got, 0);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* A query on TCP connection @fd: 1 answered right, 0 wrong, -1 closed. */
static int tcp_ask(int fd, int n)
{
	uint8_t q[514], a[4096];
	int len = dns_query(q + 2, n, 0x6000 + n), alen;

	q[0] = len >> 8;
	q[1] = len;
	if (send(fd, q, len + 2, MSG_NOSIGNAL) != len + 2)
		return -1;
	if (read_full(fd, a, 2))
		return -1;
	alen = get16(a);
	if (alen > (int)sizeof(a) || read_full(fd, a, alen))
		return -1;
	return dns_right(a, alen, 0x6000 + n, n);
}

/* ---- netlink ---- */

static int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, one = 1;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

static struct nl_msg *req(int cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg)
		genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, fam, 0, flags, cmd,
			    DNSPOOL_FAMILY_VERSION);
	return msg;
}

static void put_port(struct nl_msg *msg, int type, int port)
{
	nla_put_u16(msg, type, htons(port));
}

static void put_lo(struct nl_msg *msg, int type)
{
	nla_put_u32(msg, type, htonl(INADDR_LOOPBACK));
}

typedef void (*reply_fn)(struct nlmsghdr *nlh, void *arg);

static struct nlattr *attrs(struct nlmsghdr *nlh, int *len)
{
	struct genlmsghdr *g = nlmsg_data(nlh);

	*len = genlmsg_attrlen(g, 0);
	return genlmsg_attrdata(g, 0);
}

/* The extack message of an error, if any. */
static void extack_msg(struct nlmsghdr *nlh, char *buf, size_t size)
{
	struct nlmsgerr *e = nlmsg_data(nlh);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	int skip = sizeof(*e);

	buf[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		skip += e->msg.nlmsg_len - sizeof(e->msg);
	if ((int)nlh->nlmsg_len - NLMSG_HDRLEN - skip <= 0)
		return;
	nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + skip),
		  nlh->nlmsg_len - NLMSG_HDRLEN - skip, NULL);
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(buf, size, "%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
}

static unsigned int ctl_seq = 1 << 20;

/*
 * Sends @msg (consumed) on @fd with an ack asked for, without faults, and
 * reads until its ack or the end of its dump, @fn called on each reply.
 * Returns 0 or the negative errno; -ETIMEDOUT after 15 s of nothing.
 */
static int call(int fd, struct nl_msg *msg, reply_fn fn, void *arg)
{
	static uint8_t buf[1 << 16];
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	unsigned int seq = ++ctl_seq;
	double end = now() + 15;
	int n, err = -ETIMEDOUT;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	n = send(fd, nlh, nlh->nlmsg_len, 0);
	nlmsg_free(msg);
	if (n < 0)
		return -errno;
	while (now() < end) {
		if (!wait_in(fd, (end - now()) * 1000 + 1))
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			continue;	/* ENOBUFS: a reply lost; the ack may still come */
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (fn)
				fn(nlh, arg);
		}
	}
	return err;
}

/* Reads and drops whatever @fd holds. */
static void drain(int fd)
{
	static uint8_t buf[1 << 16];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
}

/* ---- the objects' requests and descriptions ---- */

struct up_cfg {
	int transport, port, max_conns, query_timeout, breaker_failures;
	const char *tls_name;
};

struct up_info {
	int transport, port, max_conns, query_timeout, breaker_failures;
	char tls_name[256];
};

static struct nl_msg *up_add_msg(const char *name, const struct up_cfg *u)
{
	struct nl_msg *msg = req(DNSPOOL_CMD_UPSTREAM_ADD, 0);

	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, name);
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_TRANSPORT, u->transport);
	put_lo(msg, DNSPOOL_A_UPSTREAM_IPV4);
	put_port(msg, DNSPOOL_A_UPSTREAM_PORT, u->port);
	if (u->tls_name)
		nla_put_string(msg, DNSPOOL_A_UPSTREAM_TLS_NAME, u->tls_name);
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_MAX_CONNS, u->max_conns);
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS, u->query_timeout);
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_BREAKER_FAILURES, u->breaker_failures);
	return msg;
}

static struct nl_msg *up_set_msg(const char *name, const struct up_cfg *u)
{
	struct nl_msg *msg = req(DNSPOOL_CMD_UPSTREAM_SET, 0);

	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, name);
	if (u->tls_name)
		nla_put_string(msg, DNSPOOL_A_UPSTREAM_TLS_NAME, u->tls_name);
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_MAX_CONNS, u->max_conns);
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS, u->query_timeout);
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_BREAKER_FAILURES, u->breaker_failures);
	return msg;
}

static struct nl_msg *name_msg(int cmd, int attr, const char *name)
{
	struct nl_msg *msg = req(cmd, 0);

	nla_put_string(msg, attr, name);
	return msg;
}

static void up_parse(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_UPSTREAM_MAX + 1];
	struct up_info *ui = arg;

	if (genlmsg_parse(nlh, 0, tb, DNSPOOL_A_UPSTREAM_MAX, NULL))
		return;
#define U32(t) (tb[t] ? (int)nla_get_u32(tb[t]) : -1)
	ui->transport = U32(DNSPOOL_A_UPSTREAM_TRANSPORT);
	ui->max_conns = U32(DNSPOOL_A_UPSTREAM_MAX_CONNS);
	ui->query_timeout = U32(DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS);
	ui->breaker_failures = U32(DNSPOOL_A_UPSTREAM_BREAKER_FAILURES);
	ui->port = tb[DNSPOOL_A_UPSTREAM_PORT] ? ntohs(nla_get_u16(tb[DNSPOOL_A_UPSTREAM_PORT])) : -1;
	if (tb[DNSPOOL_A_UPSTREAM_TLS_NAME])
		snprintf(ui->tls_name, sizeof(ui->tls_name), "%s",
			 nla_get_string(tb[DNSPOOL_A_UPSTREAM_TLS_NAME]));
}

static int up_get(int fd, const char *name, struct up_info *ui)
{
	memset(ui, 0, sizeof(*ui));
	ui->transport = -1;
	return call(fd, name_msg(DNSPOOL_CMD_UPSTREAM_GET, DNSPOOL_A_UPSTREAM_NAME, name),
		    up_parse, ui);
}

/* Does @ui describe @u whole? */
static int up_is(const struct up_info *ui, const struct up_cfg *u)
{
	return ui->transport == u->transport && ui->port == u->port &&
	       ui->max_conns == u->max_conns && ui->query_timeout == u->query_timeout &&
	       ui->breaker_failures == u->breaker_failures &&
	       (!u->tls_name || !strcmp(ui->tls_name, u->tls_name));
}

struct grp_cfg {
	const char *member[2];
	int n, strategy, race_delay;
};

struct grp_info {
	char member[8][64];
	int n, strategy, race_delay;
};

static struct nl_msg *grp_msg(int cmd, const char *name, const struct grp_cfg *g)
{
	struct nl_msg *msg = req(cmd, 0);
	int i;

	nla_put_string(msg, DNSPOOL_A_GROUP_NAME, name);
	for (i = 0; i < g->n; i++)
		nla_put_string(msg, DNSPOOL_A_GROUP_MEMBER, g->member[i]);
	nla_put_u32(msg, DNSPOOL_A_GROUP_STRATEGY, g->strategy);
	nla_put_u32(msg, DNSPOOL_A_GROUP_RACE_DELAY_MS, g->race_delay);
	return msg;
}

static void grp_parse(struct nlmsghdr *nlh, void *arg)
{
	struct grp_info *gi = arg;
	struct nlattr *a;
	int len, rem;

	nla_for_each_attr(a, attrs(nlh, &len), len, rem) {
		switch (nla_type(a)) {
		case DNSPOOL_A_GROUP_MEMBER:
			if (gi->n < 8)
				snprintf(gi->member[gi->n++], 64, "%s", (char *)nla_data(a));
			break;
		case DNSPOOL_A_GROUP_STRATEGY:
			gi->strategy = nla_get_u32(a);
			break;
		case DNSPOOL_A_GROUP_RACE_DELAY_MS:
			gi->race_delay = nla_get_u32(a);
			break;
		}
	}
}

static int grp_get(int fd, const char *name, struct grp_info *gi)
{
	memset(gi, 0, sizeof(*gi));
	return call(fd, name_msg(DNSPOOL_CMD_GROUP_GET, DNSPOOL_A_GROUP_NAME, name),
		    grp_parse, gi);
}

static int grp_is(const struct grp_info *gi, const struct grp_cfg *g)
{
	int i;

	if (gi->n != g->n || gi->strategy != g->strategy || gi->race_delay != g->race_delay)
		return 0;
	for (i = 0; i < g->n; i++)
		if (strcmp(gi->member[i], g->member[i]))
			return 0;
	return 1;
}

struct lsn_cfg {
	const char *target;
	int rate, tcp_idle, nallow;	/* nallow: 1, 127.0.0.0/8; 2, and ::1 */
};

struct lsn_info {
	char target[64];
	int port, rate, tcp_idle, nallow;
};

static void put_allow(struct nl_msg *msg, int nallow)
{
	struct nlattr *nest = nla_nest_start(msg, DNSPOOL_A_LISTENER_ALLOW);
	struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT;

	nla_put_u32(msg, DNSPOOL_A_PREFIX_IPV4, htonl(0x7f000000));
	nla_put_u8(msg, DNSPOOL_A_PREFIX_LEN, 8);
	nla_nest_end(msg, nest);
	if (nallow < 2)
		return;
	nest = nla_nest_start(msg, DNSPOOL_A_LISTENER_ALLOW);
	nla_put(msg, DNSPOOL_A_PREFIX_IPV6, sizeof(lo6), &lo6);
	nla_put_u8(msg, DNSPOOL_A_PREFIX_LEN, 128);
	nla_nest_end(msg, nest);
}

static struct nl_msg *lsn_add_msg(const char *name, int port, const char *target)
{
	struct nl_msg *msg = req(DNSPOOL_CMD_LISTENER_ADD, 0);

	nla_put_string(msg, DNSPOOL_A_LISTENER_NAME, name);
	put_lo(msg, DNSPOOL_A_LISTENER_IPV4);
	put_port(msg, DNSPOOL_A_LISTENER_PORT, port);
	nla_put_u32(msg, DNSPOOL_A_LISTENER_PROTO, DNSPOOL_LISTENER_PROTO_BOTH);
	nla_put_string(msg, DNSPOOL_A_LISTENER_TARGET, target);
	return msg;
}

static struct nl_msg *lsn_set_msg(const char *name, const struct lsn_cfg *l)
{
	struct nl_msg *msg = req(DNSPOOL_CMD_LISTENER_SET, 0);

	nla_put_string(msg, DNSPOOL_A_LISTENER_NAME, name);
	nla_put_string(msg, DNSPOOL_A_LISTENER_TARGET, l->target);
	nla_put_u32(msg, DNSPOOL_A_LISTENER_RATE, l->rate);
	nla_put_u32(msg, DNSPOOL_A_LISTENER_TCP_IDLE_MS, l->tcp_idle);
	put_allow(msg, l->nallow);
	return msg;
}

static void lsn_parse(struct nlmsghdr *nlh, void *arg)
{
	struct lsn_info *li = arg;
	struct nlattr *a;
	int len, rem;

	nla_for_each_attr(a, attrs(nlh, &len), len, rem) {
		switch (nla_type(a)) {
		case DNSPOOL_A_LISTENER_TARGET:
			snprintf(li->target, sizeof(li->target), "%s", (char *)nla_data(a));
			break;
		case DNSPOOL_A_LISTENER_PORT:
			li->port = ntohs(nla_get_u16(a));
			break;
		case DNSPOOL_A_LISTENER_RATE:
			li->rate = nla_get_u32(a);
			break;
		case DNSPOOL_A_LISTENER_TCP_IDLE_MS:
			li->tcp_idle = nla_get_u32(a);
			break;
		case DNSPOOL_A_LISTENER_ALLOW:
			li->nallow++;
			break;
		}
	}
}

static int lsn_get(int fd, const char *name, struct lsn_info *li)
{
	memset(li, 0, sizeof(*li));
	return call(fd, name_msg(DNSPOOL_CMD_LISTENER_GET, DNSPOOL_A_LISTENER_NAME, name),
		    lsn_parse, li);
}

static int lsn_is(const struct lsn_info *li, const struct lsn_cfg *l)
{
	return !strcmp(li->target, l->target) && li->rate == l->rate &&
	       li->tcp_idle == l->tcp_idle && li->nallow == l->nallow;
}

/* A query's answer: right, or its error. */
struct qans {
	int seen, right, error;
	uint16_t id;
	int n;
};

static void q_parse(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_QUERY_MAX + 1];
	struct qans *qa = arg;

	if (genlmsg_parse(nlh, 0, tb, DNSPOOL_A_QUERY_MAX, NULL))
		return;
	qa->seen++;
	if (tb[DNSPOOL_A_QUERY_MSG])
		qa->right = dns_right(nla_data(tb[DNSPOOL_A_QUERY_MSG]),
				      nla_len(tb[DNSPOOL_A_QUERY_MSG]), qa->id, qa->n);
	if (tb[DNSPOOL_A_QUERY_ERROR])
		qa->error = nla_get_u32(tb[DNSPOOL_A_QUERY_ERROR]);
}

static struct nl_msg *query_msg(const char *name, int n, int tcp)
{
	struct nl_msg *msg = req(DNSPOOL_CMD_QUERY, 0);
	uint8_t q[512];

	nla_put_string(msg, DNSPOOL_A_QUERY_UPSTREAM, name);
	nla_put(msg, DNSPOOL_A_QUERY_MSG, dns_query(q, n, 0x4000 + n), q);
	if (tcp)
		nla_put_flag(msg, DNSPOOL_A_QUERY_TCP);
	return msg;
}

/* A query through upstream or group @name, waited for: 0 when answered
 * right, else the request's errno or the answer's (negative), or -EBADMSG.
 */
static int ask(int fd, const char *name, int n, int tcp)
{
	struct qans qa = { .id = 0x4000 + n, .n = n };
	int err = call(fd, query_msg(name, n, tcp), q_parse, &qa);

	if (err)
		return err;
	if (qa.error)
		return -qa.error;
	return qa.seen == 1 && qa.right ? 0 : -EBADMSG;
}

static void netns_parse(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_NETNS_MAX + 1];
	int *v = arg;

	if (genlmsg_parse(nlh, 0, tb, DNSPOOL_A_NETNS_MAX, NULL))
		return;
	if (tb[DNSPOOL_A_NETNS_CONNS])
		v[0] = nla_get_u32(tb[DNSPOOL_A_NETNS_CONNS]);
	if (tb[DNSPOOL_A_NETNS_INFLIGHT])
		v[1] = nla_get_u32(tb[DNSPOOL_A_NETNS_INFLIGHT]);
}

/* The namespace's connections and queries in flight; -1s on error. */
static void netns_counts(int fd, int *conns, int *inflight)
{
	int v[2] = { -1, -1 };

	call(fd, req(DNSPOOL_CMD_NETNS_GET, 0), netns_parse, v);
	*conns = v[0];
	*inflight = v[1];
}

struct names {
	char name[64][64];
	int n;
	int name_attr;
};

static void names_parse(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *a;
	struct names *ns = arg;
	int len, rem;

	nla_for_each_attr(a, attrs(nlh, &len), len, rem)
		if (nla_type(a) == ns->name_attr && ns->n < 64)
			snprintf(ns->name[ns->n++], 64, "%s", (char *)nla_data(a));
}

static int dump_names(int fd, int cmd, int attr, struct names *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->name_attr = attr;
	return call(fd, req(cmd, NLM_F_DUMP), names_parse, ns);
}

/* Deletes every listener, group and upstream of the namespace. */
static int clear_all(int fd)
{
	static const int kind[][3] = {
		{ DNSPOOL_CMD_LISTENER_GET, DNSPOOL_CMD_LISTENER_DEL, DNSPOOL_A_LISTENER_NAME },
		{ DNSPOOL_CMD_GROUP_GET, DNSPOOL_CMD_GROUP_DEL, DNSPOOL_A_GROUP_NAME },
		{ DNSPOOL_CMD_UPSTREAM_GET, DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_A_UPSTREAM_NAME },
	};
	struct names ns;
	int k, i, err = 0;

	for (k = 0; k < 3; k++) {
		if (dump_names(fd, kind[k][0], kind[k][2], &ns))
			err = -1;
		for (i = 0; i < ns.n; i++)
			if (call(fd, name_msg(kind[k][1], kind[k][2], ns.name[i]), NULL, NULL))
				err = -1;
	}
	return err;
}

/* ---- an attempt: one request, the N-th fault injected ---- */

enum kind { DO, ASYNC, DUMP };

struct result {
	int nth, reached;
	int send_err;		/* of send(), positive */
	int acked, error;	/* an ack, or a dump's end, was read; its errno */
	int enobufs;		/* the socket reported a lost message */
	int replies;
	char ext[256];
	struct qans qa;		/* a query's answer */
	struct names ns;	/* a dump's names */
	int intr;		/* a dump part flagged NLM_F_DUMP_INTR */
};

/* What an attempt's request did, as far as its sender can tell. */
enum outcome { FAILED, DONE, UNKNOWN, BROKEN };

struct ctx;

struct op {
	const char *name;
	enum kind kind;
	int tls;					/* needs -t */
	const int *errs;				/* errnos allowed besides ENOMEM, ENOBUFS */
	int (*prepare)(struct ctx *c);			/* the state it starts from */
	struct nl_msg *(*request)(struct ctx *c);	/* the request faulted */
	void (*verify)(struct ctx *c, struct result *r);
	int (*setup)(struct ctx *c);			/* what its attempts share, once */
};

#define MAXERR 134

struct ctx {
	struct __test_metadata *md;
	const struct op *op;
	int ctl;		/* requests without faults */
	int mon;		/* the monitor group's notifications */
	int failfd;		/* fail-nth */
	int nth;		/* of the attempt */
	int n;			/* a query's number: hN.dnspool.test */
	int lclient;		/* a client's TCP connection to a listener */
	int conns;		/* the namespace's connections before the attempt */
	int failures;
	/* counts */
	int errs[MAXERR + 1], qerrs[MAXERR + 1];
	int attempts, reached, ok, lost;
};

/* Reports an inconsistency: the test fails. */
static void bad(struct ctx *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->failures++;
	if (c->failures <= 30)
		printf("# FAIL %s, fail-nth %d: %s\n", c->op->name, c->nth, buf);
}

static int allowed(const struct op *op, int err)
{
	const int *e;

	if (err == ENOMEM || err == ENOBUFS)
		return 1;
	for (e = op->errs; e && *e; e++)
		if (*e == err)
			return 1;
	return 0;
}

static void count_err(int *v, int err)
{
	v[err > 0 && err <= MAXERR ? err : 0]++;
}

static enum outcome outcome(struct ctx *c, struct result *r)
{
	if (r->send_err) {
		count_err(c->errs, r->send_err);
		if (allowed(c->op, r->send_err))
			return FAILED;
		bad(c, "send() failed with %s", ename(r->send_err));
		return BROKEN;
	}
	if (r->acked && r->error) {
		count_err(c->errs, r->error);
		if (allowed(c->op, r->error))
			return FAILED;
		bad(c, "failed with %s (\"%s\")", ename(r->error), r->ext);
		return BROKEN;
	}
	if (r->acked) {
		c->ok++;
		return DONE;
	}
	if (r->enobufs) {
		c->lost++;
		return UNKNOWN;
	}
	bad(c, "no ack, no error, no ENOBUFS within the timeout");
	return BROKEN;
}

/* Reads what the kernel sent for the attempt's request, on @fd. */
static void collect(int fd, unsigned int seq, enum kind kind, struct result *r)
{
	static uint8_t buf[1 << 16];
	struct nlmsghdr *nlh;
	double end = now() + (kind == ASYNC ? 2.0 * QUERY_TIMEOUT / 1000 + 2 : 5);
	int n;

	while (now() < end) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			r->enobufs++;
			continue;
		}
		if (n < 0) {
			/*
			 * The doit and the ack ran in send(): their messages
			 * are all queued by now.  A lost one (ENOBUFS) will
			 * not come.  A dump's later parts come as it is read,
			 * an async query's answer when it ends.
			 */
			if (r->enobufs && kind != DUMP)
				return;
			wait_in(fd, (end - now()) * 1000 + 1);
			continue;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				r->acked = 1;
				r->error = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				extack_msg(nlh, r->ext, sizeof(r->ext));
				return;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				r->acked = 1;
				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					r->error = -*(int *)NLMSG_DATA(nlh);
				return;
			}
			r->replies++;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				r->intr = 1;
			if (kind == DUMP) {
				names_parse(nlh, &r->ns);
			} else {
				q_parse(nlh, &r->qa);
				/* an async query's answer is its end */
				if (kind == ASYNC) {
					r->acked = 1;
					return;
				}
			}
		}
	}
}

/*
 * The namespace has the connections it had before the attempt: the ones
 * the attempt opened were closed with their upstreams, none is counted
 * that is not there (each is charged against the namespace's bounds).
 */
static void expect_conns(struct ctx *c)
{
	int conns = -1, inflight, i;

	for (i = 0; i < 50; i++) {
		netns_counts(c->ctl, &conns, &inflight);
		if (conns == c->conns)
			return;
		usleep(100000);
	}
	bad(c, "the namespace counts %d connections afterwards, %d before", conns, c->conns);
}

static int fail_nth_set(struct ctx *c, int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", n);

	return pwrite(c->failfd, buf, len, 0) == len ? 0 : -1;
}

/*
 * One attempt with fail-nth @nth (PROBE_N: never reached); the number of
 * fault-injection points the request passed, when not reached; -1 when
 * the attempt could not be made.
 */
static int attempt(struct ctx *c, int nth, struct result *r)
{
	const struct op *op = c->op;
	struct nlmsghdr *nlh;
	struct nl_msg *msg;
	static unsigned int seq;
	char buf[16] = "";
	int fd, sent, err, points = -1, inflight;
	long left;

	memset(r, 0, sizeof(*r));
	r->nth = c->nth = nth;
	c->n = (c->n + 7) % 1000 + 1;
	r->qa.n = c->n;
	r->qa.id = 0x4000 + c->n;
	r->ns.name_attr = DNSPOOL_A_UPSTREAM_NAME;
	netns_counts(c->ctl, &c->conns, &inflight);
	if (op->prepare && op->prepare(c)) {
		bad(c, "cannot set up the attempt's starting state");
		return -1;
	}
	fd = nl_open();
	msg = op->request(c);
	if (fd < 0 || !msg) {
		bad(c, "no socket or message");
		if (fd >= 0)
			close(fd);
		nlmsg_free(msg);
		return -1;
	}
	nlh = nlmsg_hdr(msg);
	nlh->nlmsg_flags |= NLM_F_REQUEST | (op->kind == DO ? NLM_F_ACK : 0) |
			    (op->kind == DUMP ? NLM_F_DUMP : 0);
	nlh->nlmsg_seq = ++seq;

	/* Nothing between the write and the send: the fault is the request's. */
	if (fail_nth_set(c, nth)) {
		bad(c, "cannot write %s: %s", FAIL_NTH, strerror(errno));
		close(fd);
		nlmsg_free(msg);
		return -1;
	}
	sent = send(fd, nlh, nlh->nlmsg_len, 0);
	err = errno;
	left = pread(c->failfd, buf, sizeof(buf) - 1, 0) > 0 ? strtol(buf, NULL, 10) : -1;
	fail_nth_set(c, 0);

	if (left < 0)
		bad(c, "cannot read %s back", FAIL_NTH);
	r->reached = left == 0;
	if (!r->reached && left > 0)
		points = nth - left;
	r->send_err = sent < 0 ? err : 0;
	if (sent >= 0)
		collect(fd, nlh->nlmsg_seq, op->kind, r);
	close(fd);
	nlmsg_free(msg);
	drain(c->mon);
	c->attempts++;
	c->reached += r->reached;
	op->verify(c, r);
	expect_conns(c);
	drain(c->mon);
	return points;
}

/* ---- the operations ---- */

#define UP_A	"fi-a"		/* the groups' members and listeners' target */
#define UP_B	"fi-b"
#define UP_NEW	"fi-new"	/* added under faults */
#define UP_SET	"fi-set"
#define UP_TLS	"fi-tls"
#define UP_Q	"fi-q"		/* a new one per query: its connection is new */
#define UP_DEL	"fi-del"
#define GRP	"fi-grp"
#define GRP_Q	"fi-qgrp"
#define LSN	"fi-lsn"

static const struct up_cfg up_udp = {
	DNSPOOL_TRANSPORT_UDP, 0, 4, QUERY_TIMEOUT, 5, NULL };

static struct up_cfg udp_cfg(void)
{
	struct up_cfg u = up_udp;

	u.port = opt_uport;
	return u;
}

static struct up_cfg tls_cfg(void)
{
	struct up_cfg u = { DNSPOOL_TRANSPORT_TLS, opt_tport ? opt_tport : 853, 4,
			    QUERY_TIMEOUT, 5, TLS_NAME };
	return u;
}

static int add_plain(struct ctx *c, const char *name, const struct up_cfg *u)
{
	return call(c->ctl, up_add_msg(name, u), NULL, NULL);
}

static int del_plain(struct ctx *c, int cmd, int attr, const char *name)
{
	return call(c->ctl, name_msg(cmd, attr, name), NULL, NULL);
}

/* A query through @name answered right, without faults. */
static void expect_answer(struct ctx *c, const char *name, int tcp)
{
	int err = ask(c->ctl, name, c->n, tcp);

	if (err)
		bad(c, "a query through %s afterwards: %s", name, ename(-err));
}

/* No query of the namespace is in flight after an attempt. */
static void expect_idle(struct ctx *c)
{
	int conns, inflight, i;

	for (i = 0; i < 20; i++) {
		netns_counts(c->ctl, &conns, &inflight);
		if (!inflight)
			return;
		usleep(50000);
	}
	bad(c, "the namespace counts %d queries in flight afterwards", inflight);
}

/* upstream-add: an upstream whole and working, or none and the name free */
static void verify_up_add(struct ctx *c, struct result *r, const struct up_cfg *u)
{
	enum outcome o = outcome(c, r);
	struct up_info ui;
	int err = up_get(c->ctl, UP_NEW, &ui);

	if (o == BROKEN)
		goto out;
	if (o == FAILED && err != -ENOENT)
		bad(c, "failed with %s, yet upstream-get says %s", ename(r->send_err ?: r->error),
		    err ? ename(-err) : "it exists");
	if (o == DONE && err)
		bad(c, "succeeded, yet upstream-get says %s", ename(-err));
	if (!err) {
		if (!up_is(&ui, u))
			bad(c, "the upstream is not what was asked: transport %d port %d "
			    "max-conns %d query-timeout %d tls-name '%s'", ui.transport, ui.port,
			    ui.max_conns, ui.query_timeout, ui.tls_name);
		if (u->transport != DNSPOOL_TRANSPORT_TLS || opt_tport)
			expect_answer(c, UP_NEW, 0);
		if ((err = del_plain(c, DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_A_UPSTREAM_NAME, UP_NEW)))
			bad(c, "upstream-del afterwards: %s", ename(-err));
	} else if (err == -ENOENT) {
		/* the name is free */
		if ((err = add_plain(c, UP_NEW, u)))
			bad(c, "no upstream left, yet its name is not free: %s", ename(-err));
		else
			del_plain(c, DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_A_UPSTREAM_NAME, UP_NEW);
	} else {
		bad(c, "upstream-get afterwards: %s", ename(-err));
	}
	expect_idle(c);
	return;
out:
	del_plain(c, DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_A_UPSTREAM_NAME, UP_NEW);
}

static struct nl_msg *rq_up_add_udp(struct ctx *c)
{
	struct up_cfg u = udp_cfg();

	return up_add_msg(UP_NEW, &u);
}

static void vf_up_add_udp(struct ctx *c, struct result *r)
{
	struct up_cfg u = udp_cfg();

	verify_up_add(c, r, &u);
}

static struct nl_msg *rq_up_add_tcp(struct ctx *c)
{
	struct up_cfg u = udp_cfg();

	u.transport = DNSPOOL_TRANSPORT_TCP;
	return up_add_msg(UP_NEW, &u);
}

static void vf_up_add_tcp(struct ctx *c, struct result *r)
{
	struct up_cfg u = udp_cfg();

	u.transport = DNSPOOL_TRANSPORT_TCP;
	verify_up_add(c, r, &u);
}

static struct nl_msg *rq_up_add_tls(struct ctx *c)
{
	struct up_cfg u = tls_cfg();

	return up_add_msg(UP_NEW, &u);
}

static void vf_up_add_tls(struct ctx *c, struct result *r)
{
	struct up_cfg u = tls_cfg();

	verify_up_add(c, r, &u);
}

/* upstream-set: the old parameters whole, or the new ones whole */
static const struct up_cfg set_new = { 0, 0, 7, 2500, 9, NULL };

static struct up_cfg set_cfg(int which)
{
	struct up_cfg u = udp_cfg();

	if (which) {
		u.max_conns = set_new.max_conns;
		u.query_timeout = set_new.query_timeout;
		u.breaker_failures = set_new.breaker_failures;
	}
	return u;
}

static int pr_up_set(struct ctx *c)
{
	struct up_cfg u = set_cfg(0);
	struct up_info ui;

	if (up_get(c->ctl, UP_SET, &ui) == -ENOENT && add_plain(c, UP_SET, &u))
		return -1;
	return call(c->ctl, up_set_msg(UP_SET, &u), NULL, NULL);
}

/* fi-set with its connection open, before the first attempt counts them */
static int su_up_set(struct ctx *c)
{
	struct up_cfg u = set_cfg(0);

	return add_plain(c, UP_SET, &u) || ask(c->ctl, UP_SET, 3, 0);
}

static struct nl_msg *rq_up_set(struct ctx *c)
{
	struct up_cfg u = set_cfg(1);

	return up_set_msg(UP_SET, &u);
}

static void verify_set(struct ctx *c, struct result *r, const char *name,
		       const struct up_cfg *old, const struct up_cfg *new, int query)
{
	enum outcome o = outcome(c, r);
	struct up_info ui;
	int err = up_get(c->ctl, name, &ui), is_old, is_new;

	if (err) {
		bad(c, "upstream-get afterwards: %s", ename(-err));
		return;
	}
	is_old = up_is(&ui, old);
	is_new = up_is(&ui, new);
	if (o == FAILED && !is_old)
		bad(c, "failed, yet the parameters changed");
	if (o == DONE && !is_new)
		bad(c, "succeeded, yet the parameters are not the new ones");
	if (!is_old && !is_new)
		bad(c, "parameters half changed: max-conns %d query-timeout %d "
		    "breaker-failures %d tls-name '%s'", ui.max_conns, ui.query_timeout,
		    ui.breaker_failures, ui.tls_name);
	if (query)
		expect_answer(c, name, 0);
}

static void vf_up_set(struct ctx *c, struct result *r)
{
	struct up_cfg old = set_cfg(0), new = set_cfg(1);

	verify_set(c, r, UP_SET, &old, &new, 1);
}

/* upstream-set of a TLS upstream's tls-name (no connection: no query) */
static struct up_cfg tls_set_cfg(int which)
{
	struct up_cfg u = tls_cfg();

	if (which) {
		u.tls_name = "dns2.dnspool.test";
		u.max_conns = 6;
	}
	return u;
}

static int pr_up_set_tls(struct ctx *c)
{
	struct up_cfg u = tls_set_cfg(0);
	struct up_info ui;

	if (up_get(c->ctl, UP_TLS, &ui) == -ENOENT && add_plain(c, UP_TLS, &u))
		return -1;
	return call(c->ctl, up_set_msg(UP_TLS, &u), NULL, NULL);
}

static struct nl_msg *rq_up_set_tls(struct ctx *c)
{
	struct up_cfg u = tls_set_cfg(1);

	return up_set_msg(UP_TLS, &u);
}

static void vf_up_set_tls(struct ctx *c, struct result *r)
{
	struct up_cfg old = tls_set_cfg(0), new = tls_set_cfg(1);

	verify_set(c, r, UP_TLS, &old, &new, 0);
}

/* group-add: a group whole and working, or none and the name free */
static const struct grp_cfg grp_two = { { UP_A, UP_B }, 2, DNSPOOL_STRATEGY_PARALLEL, 100 };
static const struct grp_cfg grp_one = { { UP_A }, 1, DNSPOOL_STRATEGY_SEQUENTIAL, 100 };
static const struct grp_cfg grp_race = { { UP_B, UP_A }, 2, DNSPOOL_STRATEGY_RACING, 40 };

static struct nl_msg *rq_grp_add(struct ctx *c)
{
	return grp_msg(DNSPOOL_CMD_GROUP_ADD, GRP, &grp_two);
}

static void vf_grp_add(struct ctx *c, struct result *r)
{
	enum outcome o = outcome(c, r);
	struct grp_info gi;
	int err = grp_get(c->ctl, GRP, &gi);

	if (o == FAILED && err != -ENOENT)
		bad(c, "failed, yet group-get says %s", err ? ename(-err) : "it exists");
	if (o == DONE && err)
		bad(c, "succeeded, yet group-get says %s", ename(-err));
	if (!err) {
		if (!grp_is(&gi, &grp_two))
			bad(c, "the group is not what was asked: %d members, strategy %d",
			    gi.n, gi.strategy);
		expect_answer(c, GRP, 0);
		if ((err = del_plain(c, DNSPOOL_CMD_GROUP_DEL, DNSPOOL_A_GROUP_NAME, GRP)))
			bad(c, "group-del afterwards: %s", ename(-err));
	} else if (err == -ENOENT && o != BROKEN) {
		if ((err = call(c->ctl, grp_msg(DNSPOOL_CMD_GROUP_ADD, GRP, &grp_two), NULL, NULL)))
			bad(c, "no group left, yet its name is not free: %s", ename(-err));
		else
			del_plain(c, DNSPOOL_CMD_GROUP_DEL, DNSPOOL_A_GROUP_NAME, GRP);
	} else if (err != -ENOENT) {
		bad(c, "group-get afterwards: %s", ename(-err));
	}
	expect_idle(c);
}

/* group-set: the old group whole, or the new one */
static int pr_grp_set(struct ctx *c)
{
	struct grp_info gi;

	if (grp_get(c->ctl, GRP, &gi) == -ENOENT)
		return call(c->ctl, grp_msg(DNSPOOL_CMD_GROUP_ADD, GRP, &grp_one), NULL, NULL);
	return call(c->ctl, grp_msg(DNSPOOL_CMD_GROUP_SET, GRP, &grp_one), NULL, NULL);
}

static struct nl_msg *rq_grp_set(struct ctx *c)
{
	return grp_msg(DNSPOOL_CMD_GROUP_SET, GRP, &grp_race);
}

static void vf_grp_set(struct ctx *c, struct result *r)
{
	enum outcome o = outcome(c, r);
	struct grp_info gi;
	int err = grp_get(c->ctl, GRP, &gi);

	if (err) {
		bad(c, "group-get afterwards: %s", ename(-err));
		return;
	}
	if (o == FAILED && !grp_is(&gi, &grp_one))
		bad(c, "failed, yet the group changed");
	if (o == DONE && !grp_is(&gi, &grp_race))
		bad(c, "succeeded, yet the group is not the new one");
	if (!grp_is(&gi, &grp_one) && !grp_is(&gi, &grp_race))
		bad(c, "group half changed: %d members, strategy %d, race delay %d",
		    gi.n, gi.strategy, gi.race_delay);
	expect_answer(c, GRP, 0);
	expect_idle(c);
}

/* group-del: gone, or whole and working */
static int pr_grp_del(struct ctx *c)
{
	return call(c->ctl, grp_msg(DNSPOOL_CMD_GROUP_ADD, GRP, &grp_two), NULL, NULL);
}

static struct nl_msg *rq_grp_del(struct ctx *c)
{
	return name_msg(DNSPOOL_CMD_GROUP_DEL, DNSPOOL_A_GROUP_NAME, GRP);
}

static void vf_grp_del(struct ctx *c, struct result *r)
{
	enum outcome o = outcome(c, r);
	struct grp_info gi;
	int err = grp_get(c->ctl, GRP, &gi);

	if (o == FAILED && err)
		bad(c, "failed, yet group-get says %s", ename(-err));
	if (o == DONE && err != -ENOENT)
		bad(c, "succeeded, yet group-get says %s", err ? ename(-err) : "it exists");
	if (!err) {
		if (!grp_is(&gi, &grp_two))
			bad(c, "the group left is not whole: %d members", gi.n);
		expect_answer(c, GRP, 0);
		del_plain(c, DNSPOOL_CMD_GROUP_DEL, DNSPOOL_A_GROUP_NAME, GRP);
	}
	expect_idle(c);
}

/* listener-add: a listener whole and answering, or none and the port free */
static struct nl_msg *rq_lsn_add(struct ctx *c)
{
	return lsn_add_msg(LSN, opt_lport, UP_A);
}

static void vf_lsn_add(struct ctx *c, struct result *r)
{
	enum outcome o = outcome(c, r);
	struct lsn_info li;
	int err = lsn_get(c->ctl, LSN, &li), fd, ok;

	if (o == FAILED && err != -ENOENT)
		bad(c, "failed, yet listener-get says %s", err ? ename(-err) : "it exists");
	if (o == DONE && err)
		bad(c, "succeeded, yet listener-get says %s", ename(-err));
	if (!err) {
		if (li.port != opt_lport || strcmp(li.target, UP_A) || li.nallow != 2)
			bad(c, "the listener is not what was asked: port %d target '%s', "
			    "%d networks allowed", li.port, li.target, li.nallow);
		if (!udp_ask(opt_lport, c->n))
			bad(c, "the listener does not answer over UDP");
		fd = tcp_open(opt_lport);
		ok = fd >= 0 ? tcp_ask(fd, c->n) : -1;
		if (fd >= 0)
			close(fd);
		if (ok != 1)
			bad(c, "the listener does not answer over TCP (%s)",
			    fd < 0 ? "no connection" : ok ? "closed" : "wrong answer");
		if ((err = del_plain(c, DNSPOOL_CMD_LISTENER_DEL, DNSPOOL_A_LISTENER_NAME, LSN)))
			bad(c, "listener-del afterwards: %s", ename(-err));
	} else if (err == -ENOENT && o != BROKEN) {
		/* the name, the address and the port are free */
		if ((err = call(c->ctl, lsn_add_msg(LSN, opt_lport, UP_A), NULL, NULL)))
			bad(c, "no listener left, yet another cannot be added: %s", ename(-err));
		else
			del_plain(c, DNSPOOL_CMD_LISTENER_DEL, DNSPOOL_A_LISTENER_NAME, LSN);
	} else if (err != -ENOENT) {
		bad(c, "listener-get afterwards: %s", ename(-err));
	}
	expect_idle(c);
}

/* listener-set: the old configuration whole, or the new one */
static const struct lsn_cfg lsn_old = { UP_A, 0, 10000, 2 };
static const struct lsn_cfg lsn_new = { UP_B, 500, 4000, 1 };

static int pr_lsn_set(struct ctx *c)
{
	struct lsn_info li;

	if (lsn_get(c->ctl, LSN, &li) == -ENOENT &&
	    call(c->ctl, lsn_add_msg(LSN, opt_lport + 1, UP_A), NULL, NULL))
		return -1;
	return call(c->ctl, lsn_set_msg(LSN, &lsn_old), NULL, NULL);
}

static struct nl_msg *rq_lsn_set(struct ctx *c)
{
	return lsn_set_msg(LSN, &lsn_new);
}

static void vf_lsn_set(struct ctx *c, struct result *r)
{
	enum outcome o = outcome(c, r);
	struct lsn_info li;
	int err = lsn_get(c->ctl, LSN, &li);

	if (err) {
		bad(c, "listener-get afterwards: %s", ename(-err));
		return;
	}
	if (o == FAILED && !lsn_is(&li, &lsn_old))
		bad(c, "failed, yet the listener changed");
	if (o == DONE && !lsn_is(&li, &lsn_new))
		bad(c, "succeeded, yet the listener is not the new one");
	if (!lsn_is(&li, &lsn_old) && !lsn_is(&li, &lsn_new))
		bad(c, "listener half changed: target '%s' rate %d tcp-idle %d, %d networks",
		    li.target, li.rate, li.tcp_idle, li.nallow);
	if (!udp_ask(opt_lport + 1, c->n))
		bad(c, "the listener does not answer over UDP afterwards");
	expect_idle(c);
}

/* listener-del, with a client's TCP connection open: gone, its port free
 * and the connection closed; or whole and answering, the connection too.
 */
static int pr_lsn_del(struct ctx *c)
{
	int port = opt_lport + 2;

	if (call(c->ctl, lsn_add_msg(LSN, port, UP_A), NULL, NULL))
		return -1;
	c->lclient = tcp_open(port);
	if (c->lclient < 0 || tcp_ask(c->lclient, c->n) != 1)
		return -1;
	return 0;
}

static struct nl_msg *rq_lsn_del(struct ctx *c)
{
	return name_msg(DNSPOOL_CMD_LISTENER_DEL, DNSPOOL_A_LISTENER_NAME, LSN);
}

static void vf_lsn_del(struct ctx *c, struct result *r)
{
	enum outcome o = outcome(c, r);
	struct lsn_info li;
	int err = lsn_get(c->ctl, LSN, &li), ok;

	if (o == FAILED && err)
		bad(c, "failed, yet listener-get says %s", ename(-err));
	if (o == DONE && err != -ENOENT)
		bad(c, "succeeded, yet listener-get says %s", err ? ename(-err) : "it exists");
	ok = c->lclient >= 0 ? tcp_ask(c->lclient, c->n) : -1;
	if (!err) {
		if (ok != 1)
			bad(c, "the listener is there, its client's connection is not (%d)", ok);
		if (!udp_ask(opt_lport + 2, c->n))
			bad(c, "the listener is there, but does not answer over UDP");
		del_plain(c, DNSPOOL_CMD_LISTENER_DEL, DNSPOOL_A_LISTENER_NAME, LSN);
	} else if (err == -ENOENT) {
		if (ok != -1)
			bad(c, "the listener is gone, its client's connection still answers");
	}
	if (c->lclient >= 0)
		close(c->lclient);
	c->lclient = -1;
	expect_idle(c);
}

/* upstream-del of an upstream with a connection: gone and the name free,
 * or whole and working.
 */
static int pr_up_del(struct ctx *c)
{
	struct up_cfg u = udp_cfg();

	if (add_plain(c, UP_DEL, &u))
		return -1;
	return ask(c->ctl, UP_DEL, c->n, 0);
}

static struct nl_msg *rq_up_del(struct ctx *c)
{
	return name_msg(DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_A_UPSTREAM_NAME, UP_DEL);
}

static void vf_up_del(struct ctx *c, struct result *r)
{
	enum outcome o = outcome(c, r);
	struct up_cfg u = udp_cfg();
	struct up_info ui;
	int err = up_get(c->ctl, UP_DEL, &ui);

	if (o == FAILED && err)
		bad(c, "failed, yet upstream-get says %s", ename(-err));
	if (o == DONE && err != -ENOENT)
		bad(c, "succeeded, yet upstream-get says %s", err ? ename(-err) : "it exists");
	if (!err) {
		if (!up_is(&ui, &u))
			bad(c, "the upstream left is not whole");
		expect_answer(c, UP_DEL, 0);
		del_plain(c, DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_A_UPSTREAM_NAME, UP_DEL);
	}
	expect_idle(c);
}

/*
 * Queries.  A new upstream each time (its connection is opened by the
 * query, in the requester's task), or fi-a's open connection (the query
 * sent from the requester's task), or a group.  The answer is right, or
 * an error; the upstream works afterwards; nothing stays in flight.
 */
static int pr_q_new(struct ctx *c)
{
	struct up_cfg u = udp_cfg();

	return add_plain(c, UP_Q, &u);
}

static int pr_q_tls(struct ctx *c)
{
	struct up_cfg u = tls_cfg();

	return add_plain(c, UP_Q, &u);
}

static int pr_q_grp(struct ctx *c)
{
	struct grp_info gi;

	if (grp_get(c->ctl, GRP_Q, &gi) == -ENOENT)
		return call(c->ctl, grp_msg(DNSPOOL_CMD_GROUP_ADD, GRP_Q, &grp_two), NULL, NULL);
	return 0;
}

static struct nl_msg *rq_q_new(struct ctx *c)
{
	return query_msg(UP_Q, c->n, 0);
}

static struct nl_msg *rq_q_new_tcp(struct ctx *c)
{
	return query_msg(UP_Q, c->n, 1);
}

static struct nl_msg *rq_q_pooled(struct ctx *c)
{
	return query_msg(UP_A, c->n, 0);
}

static struct nl_msg *rq_q_grp(struct ctx *c)
{
	return query_msg(GRP_Q, c->n, 0);
}

static void verify_query(struct ctx *c, struct result *r, const char *name, int tcp, int del)
{
	enum outcome o = outcome(c, r);
	int err;

	if (o == DONE) {
		if (r->qa.seen != 1)
			bad(c, "%d answers to one query", r->qa.seen);
		else if (r->qa.error)
			count_err(c->qerrs, r->qa.error);
		else if (!r->qa.right)
			bad(c, "the answer is wrong");
		if (r->qa.error && !allowed(c->op, r->qa.error))
			bad(c, "answered with error %s", ename(r->qa.error));
	}
	if (o == UNKNOWN && r->qa.seen > 1)
		bad(c, "%d answers to one query", r->qa.seen);
	expect_idle(c);
	expect_answer(c, name, tcp);
	if (del && (err = del_plain(c, DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_A_UPSTREAM_NAME, name)))
		bad(c, "upstream-del afterwards: %s", ename(-err));
	expect_idle(c);
}

static void vf_q_new(struct ctx *c, struct result *r)
{
	verify_query(c, r, UP_Q, 0, 1);
}

static void vf_q_new_tcp(struct ctx *c, struct result *r)
{
	verify_query(c, r, UP_Q, 1, 1);
}

static void vf_q_pooled(struct ctx *c, struct result *r)
{
	verify_query(c, r, UP_A, 0, 0);
}

static void vf_q_grp(struct ctx *c, struct result *r)
{
	verify_query(c, r, GRP_Q, 0, 0);
}

/* upstream-get dump: every upstream, or an error */
static struct nl_msg *rq_dump(struct ctx *c)
{
	return req(DNSPOOL_CMD_UPSTREAM_GET, 0);
}

static void vf_dump(struct ctx *c, struct result *r)
{
	enum outcome o = outcome(c, r);
	int i, a = 0, b = 0;

	for (i = 0; i < r->ns.n; i++) {
		a += !strcmp(r->ns.name[i], UP_A);
		b += !strcmp(r->ns.name[i], UP_B);
	}
	if (o == DONE && !r->enobufs && (r->ns.n != 2 || a != 1 || b != 1))
		bad(c, "a dump that ended well gave %d upstreams (%s %d times, %s %d times)",
		    r->ns.n, UP_A, a, UP_B, b);
	if (o == DONE && r->intr)
		bad(c, "a dump flagged interrupted, with nothing changing");
}

/*
 * Errnos allowed besides ENOMEM and ENOBUFS.  Opening a socket (a
 * listener's, a connection's) fails with ENFILE when its inode cannot be
 * allocated: sock_alloc()'s errno, as socket(2) gives it.
 */
static const int sock_errs[] = { ENFILE, 0 };
/*
 * And binding a TCP socket fails with EADDRINUSE when its bind bucket
 * cannot be allocated (inet_csk_get_port()): the port is free afterwards.
 */
static const int lsn_errs[] = { ENFILE, EADDRINUSE, 0 };

#define OP(var, nm, k, t, e, p, rq, vf) \
	static const struct op var = { nm, k, t, e, p, rq, vf }
OP(op_up_add_udp, "upstream-add udp", DO, 0, NULL, NULL, rq_up_add_udp, vf_up_add_udp);
OP(op_up_add_tcp, "upstream-add tcp", DO, 0, NULL, NULL, rq_up_add_tcp, vf_up_add_tcp);
OP(op_up_add_tls, "upstream-add tls", DO, 0, NULL, NULL, rq_up_add_tls, vf_up_add_tls);
static const struct op op_up_set = { "upstream-set", DO, 0, NULL, pr_up_set, rq_up_set,
				     vf_up_set, su_up_set };
OP(op_up_set_tls, "upstream-set tls-name", DO, 0, NULL, pr_up_set_tls, rq_up_set_tls,
   vf_up_set_tls);
OP(op_grp_add, "group-add", DO, 0, NULL, NULL, rq_grp_add, vf_grp_add);
OP(op_grp_set, "group-set", DO, 0, NULL, pr_grp_set, rq_grp_set, vf_grp_set);
OP(op_lsn_add, "listener-add", DO, 0, lsn_errs, NULL, rq_lsn_add, vf_lsn_add);
OP(op_lsn_set, "listener-set", DO, 0, NULL, pr_lsn_set, rq_lsn_set, vf_lsn_set);
OP(op_q_ack, "query ack, new udp connection", DO, 0, sock_errs, pr_q_new, rq_q_new, vf_q_new);
OP(op_q_tcp, "query ack, new tcp connection", DO, 0, sock_errs, pr_q_new, rq_q_new_tcp,
   vf_q_new_tcp);
OP(op_q_tls, "query ack, new tls connection", DO, 1, sock_errs, pr_q_tls, rq_q_new, vf_q_new);
OP(op_q_pooled, "query ack, pooled udp connection", DO, 0, sock_errs, NULL, rq_q_pooled,
   vf_q_pooled);
OP(op_q_grp, "query ack, group", DO, 0, sock_errs, pr_q_grp, rq_q_grp, vf_q_grp);
OP(op_q_async, "query async, new udp connection", ASYNC, 0, sock_errs, pr_q_new, rq_q_new,
   vf_q_new);
OP(op_up_del, "upstream-del", DO, 0, NULL, pr_up_del, rq_up_del, vf_up_del);
OP(op_grp_del, "group-del", DO, 0, NULL, pr_grp_del, rq_grp_del, vf_grp_del);
OP(op_lsn_del, "listener-del", DO, 0, NULL, pr_lsn_del, rq_lsn_del, vf_lsn_del);
OP(op_dump, "upstream-get dump", DUMP, 0, NULL, NULL, rq_dump, vf_dump);

/* ---- the tests ---- */

/* Everything of the namespace deleted, then the members of groups and
 * the listeners' target added, their connections open.
 */
static int base_state(int fd)
{
	struct up_cfg u = udp_cfg();

	if (clear_all(fd))
		return -1;
	if (call(fd, up_add_msg(UP_A, &u), NULL, NULL) ||
	    call(fd, up_add_msg(UP_B, &u), NULL, NULL))
		return -1;
	return ask(fd, UP_A, 1, 0) || ask(fd, UP_B, 2, 0) ? -1 : 0;
}

static int mon_open(void)
{
	int fd = nl_open(), size = 4 << 20;

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (mon_grp > 0)
		setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &mon_grp, sizeof(mon_grp));
	return fd;
}

FIXTURE(fault) {
	struct ctx c;
};

FIXTURE_VARIANT(fault) {
	const struct op *op;
};

FIXTURE_VARIANT_ADD(fault, upstream_add_udp) { .op = &op_up_add_udp };
FIXTURE_VARIANT_ADD(fault, upstream_add_tcp) { .op = &op_up_add_tcp };
FIXTURE_VARIANT_ADD(fault, upstream_add_tls) { .op = &op_up_add_tls };
FIXTURE_VARIANT_ADD(fault, upstream_set) { .op = &op_up_set };
FIXTURE_VARIANT_ADD(fault, upstream_set_tls_name) { .op = &op_up_set_tls };
FIXTURE_VARIANT_ADD(fault, group_add) { .op = &op_grp_add };
FIXTURE_VARIANT_ADD(fault, group_set) { .op = &op_grp_set };
FIXTURE_VARIANT_ADD(fault, listener_add) { .op = &op_lsn_add };
FIXTURE_VARIANT_ADD(fault, listener_set) { .op = &op_lsn_set };
FIXTURE_VARIANT_ADD(fault, query_ack_udp) { .op = &op_q_ack };
FIXTURE_VARIANT_ADD(fault, query_ack_tcp) { .op = &op_q_tcp };
FIXTURE_VARIANT_ADD(fault, query_ack_tls) { .op = &op_q_tls };
FIXTURE_VARIANT_ADD(fault, query_ack_pooled) { .op = &op_q_pooled };
FIXTURE_VARIANT_ADD(fault, query_ack_group) { .op = &op_q_grp };
FIXTURE_VARIANT_ADD(fault, query_async) { .op = &op_q_async };
FIXTURE_VARIANT_ADD(fault, upstream_dump) { .op = &op_dump };
FIXTURE_VARIANT_ADD(fault, upstream_del) { .op = &op_up_del };
FIXTURE_VARIANT_ADD(fault, group_del) { .op = &op_grp_del };
FIXTURE_VARIANT_ADD(fault, listener_del) { .op = &op_lsn_del };

FIXTURE_SETUP(fault)
{
	struct ctx *c = &self->c;

	memset(c, 0, sizeof(*c));
	c->ctl = c->mon = c->failfd = c->lclient = -1;
	c->md = _metadata;
	c->op = variant->op;
	if (opt_only && !strstr(c->op->name, opt_only))
		SKIP(return, "not asked for (-o %s)", opt_only);
	if (c->op->tls && !opt_tport)
		SKIP(return, "no DNS over TLS upstream (-t)");
	c->failfd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	if (c->failfd < 0)
		SKIP(return, "no %s: this kernel has no fault injection", FAIL_NTH);
	/* No page fault of ours between setting fail-nth and the send. */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	c->ctl = nl_open();
	c->mon = mon_open();
	ASSERT_LE(0, c->ctl);
	ASSERT_LE(0, c->mon);
	ASSERT_EQ(0, base_state(c->ctl)) TH_LOG("cannot set up %s and %s (unbound on port %d?)",
						UP_A, UP_B, opt_uport);
	if (c->op->setup)
		ASSERT_EQ(0, c->op->setup(c)) TH_LOG("%s: cannot set up", c->op->name);
}

FIXTURE_TEARDOWN(fault)
{
	struct ctx *c = &self->c;

	if (c->ctl >= 0) {
		EXPECT_EQ(0, clear_all(c->ctl));
		close(c->ctl);
	}
	if (c->mon >= 0)
		close(c->mon);
	if (c->failfd >= 0)
		close(c->failfd);
	if (c->lclient >= 0)
		close(c->lclient);
}

static void summary(struct ctx *c, int points, int last, double secs)
{
	char buf[1024];
	int n = 0, i;

	n += snprintf(buf + n, sizeof(buf) - n,
		      "%s: %d points (last N reached %d), %d attempts in %.1f s%s: errors:",
		      c->op->name, points, last, c->attempts, secs, opt_full ? "" : " (sampled)");
	for (i = 0; i <= MAXERR; i++)
		if (c->errs[i])
			n += snprintf(buf + n, sizeof(buf) - n, " %s %d", i ? ename(i) : "other",
				      c->errs[i]);
	n += snprintf(buf + n, sizeof(buf) - n, ", acks lost %d, succeeded %d", c->lost, c->ok);
	for (i = 0; i <= MAXERR; i++)
		if (c->qerrs[i])
			n += snprintf(buf + n, sizeof(buf) - n, ", answered %s %d",
				      i ? ename(i) : "other", c->qerrs[i]);
	printf("# %s\n", buf);
}

/*
 * The sweep: first an attempt without a fault counts the points it
 * passes; then N = 1, 2, ... (or a sample), until an attempt at or past
 * that count no longer reaches its fault.
 */
TEST_F_TIMEOUT(fault, sweep, 3600)
{
	struct ctx *c = &self->c;
	struct result r;
	int points, n, last = 0, done = 0;
	double t0 = now();

	points = attempt(c, PROBE_N, &r);
	ASSERT_LT(0, points) TH_LOG("%s: the probe attempt failed", c->op->name);
	ASSERT_EQ(0, c->failures);
	c->attempts = c->ok = c->lost = 0;
	for (n = 1; n <= opt_max && !done; n++) {
		if (!opt_full && n > 5 && n < points && n % opt_sample)
			continue;
		attempt(c, n, &r);
		if (r.reached)
			last = n;
		else if (n >= points)
			done = 1;
		if (c->failures > 30)
			break;
	}
	summary(c, points, last, now() - t0);
	EXPECT_EQ(1, done) TH_LOG("%s: still reaching its fault at fail-nth %d", c->op->name, n - 1);
	EXPECT_EQ(0, c->failures) TH_LOG("%s: %d inconsistencies", c->op->name, c->failures);
}

/* Afterwards: nothing left, and the module still works. */
FIXTURE(after) {
	int fd;
};

FIXTURE_SETUP(after)
{
	self->fd = nl_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(after)
{
	close(self->fd);
}

TEST_F(after, nothing_left_and_module_works)
{
	static const int kind[][2] = {
		{ DNSPOOL_CMD_LISTENER_GET, DNSPOOL_A_LISTENER_NAME },
		{ DNSPOOL_CMD_GROUP_GET, DNSPOOL_A_GROUP_NAME },
		{ DNSPOOL_CMD_UPSTREAM_GET, DNSPOOL_A_UPSTREAM_NAME },
	};
	struct up_cfg u = udp_cfg();
	struct names ns;
	int k, conns, inflight;

	for (k = 0; k < 3; k++) {
		ASSERT_EQ(0, dump_names(self->fd, kind[k][0], kind[k][1], &ns));
		EXPECT_EQ(0, ns.n) TH_LOG("%d left, '%s' first", ns.n, ns.name[0]);
	}
	ASSERT_EQ(0, call(self->fd, up_add_msg("fi-after", &u), NULL, NULL));
	EXPECT_EQ(0, ask(self->fd, "fi-after", 7, 0));
	EXPECT_EQ(0, ask(self->fd, "fi-after", 8, 1));
	EXPECT_EQ(0, call(self->fd, name_msg(DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_A_UPSTREAM_NAME,
					      "fi-after"), NULL, NULL));
	netns_counts(self->fd, &conns, &inflight);
	EXPECT_EQ(0, inflight);
}

/*
 * Reads kmemleak's report @f: prints the first of its unreferenced
 * objects, and counts those that dnspool allocated (a function of the
 * module in the backtrace: "dnspool_..." or "[dnspool]") in *@ours, the
 * others in *@others.
 */
static void kmemleak_read(FILE *f, int *ours, int *others)
{
	char line[512], block[8192];
	int blen = 0, bt = 0, mine = 0, end;

	*ours = *others = 0;
	do {
		end = !fgets(line, sizeof(line), f);
		if (end || !strncmp(line, "unreferenced object", 19)) {
			if (blen && (mine ? (*ours)++ < 5 : (*others)++ < 3))
				printf("# kmemleak%s:\n%s", mine ? "" : ", outside dnspool", block);
			blen = bt = mine = 0;
		}
		if (end)
			break;
		if (strstr(line, "backtrace"))
			bt = 1;
		else if (bt && (strstr(line, "dnspool_") || strstr(line, "[dnspool]")))
			mine = 1;
		if (blen < (int)sizeof(block) - 1)
			blen += snprintf(block + blen, sizeof(block) - blen, "#   %s", line);
	} while (1);
}

/*
 * kmemleak, if the kernel has it: two scans a pause apart (an object is
 * reported once older than 5 s), and no unreferenced object that dnspool
 * allocated.  The runner scans again at the end of the run.
 */
TEST_F_TIMEOUT(after, kmemleak_finds_no_dnspool_object, 600)
{
	int ours, others, fd;
	FILE *f;

	fd = open(KMEMLEAK, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		SKIP(return, "no %s", KMEMLEAK);
	ASSERT_EQ(4, write(fd, "scan", 4));
	sleep(6);
	ASSERT_EQ(4, write(fd, "scan", 4));
	close(fd);
	f = fopen(KMEMLEAK, "r");
	ASSERT_NE(NULL, f);
	kmemleak_read(f, &ours, &others);
	fclose(f);
	if (others)
		printf("# kmemleak: %d unreferenced objects outside dnspool\n", others);
	EXPECT_EQ(0, ours) TH_LOG("kmemleak: %d unreferenced objects of dnspool", ours);
}

/* Our options first, the harness's after. */
int main(int argc, char **argv)
{
	char *args[argc + 1];
	struct nl_sock *sk;
	int i, n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	args[n++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--full"))
			opt_full = 1;
		else if (i + 1 < argc && !strcmp(argv[i], "--sample"))
			opt_sample = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "-p"))
			opt_uport = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "-t"))
			opt_tport = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "-l"))
			opt_lport = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "-m"))
			opt_max = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "-o"))
			opt_only = argv[++i];
		else
			args[n++] = argv[i];
	}
	args[n] = NULL;
	if (opt_sample < 1)
		opt_sample = 1;
	if (access("/proc/self/fail-nth", F_OK))
		ksft_exit_skip("this kernel has no fault injection (no /proc/self/fail-nth)\n");
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk))
		ksft_exit_fail_msg("no generic netlink socket\n");
	fam = genl_ctrl_resolve(sk, DNSPOOL_FAMILY_NAME);
	if (fam < 0)
		ksft_exit_fail_msg("no %s family: module loaded?\n", DNSPOOL_FAMILY_NAME);
	mon_grp = genl_ctrl_resolve_grp(sk, DNSPOOL_FAMILY_NAME, DNSPOOL_MCGRP_MONITOR);
	nl_socket_free(sk);
	return test_harness_run(n, args);
}
