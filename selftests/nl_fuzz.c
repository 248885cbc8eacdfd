// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer of the dnspool generic netlink family.  It learns the family's
 * operations and their attribute policies from the kernel (the controller's
 * CTRL_CMD_GETFAMILY and CTRL_CMD_GETPOLICY), so it follows the spec with
 * no copy of it, and sends messages generated from them: valid ones, and
 * ones with random and boundary values, attributes missing, duplicated,
 * oversized, of the wrong length or unknown, nested sets broken, headers
 * truncated, unknown commands, do and dump flags mixed, random DNS
 * payloads in queries.  Valid traffic goes between them: queries to a real
 * upstream (unbound, or a responder of our own in a user namespace) whose
 * answers must arrive and be right, and upstreams, groups and listeners
 * added and removed.
 *
 * Three actors at once: root in the test's network namespace, an
 * unprivileged user (uid 65534) in the same namespace, whose changes must
 * all fail with EPERM, and the root of a user namespace of its own with its
 * own network namespace.  Each actor that may change its namespace keeps
 * the registry that the kernel's acks say it built, checks each answer
 * against it, and compares it with the kernel's dumps at the end.
 *
 *   nl_fuzz [-n MESSAGES] [-s SEED] [-d SECONDS] [-p UNBOUND_PORT] [harness options]
 *
 * NL_FUZZ_COUNT, NL_FUZZ_SEED, NL_FUZZ_SECONDS and NL_FUZZ_PORT do the same.
 * The seed is printed: a failure replays with -s (the kernel's answers,
 * and so what follows them, depend on timing too).
 *
 * This file holds the actors (forked, one in a user namespace), their
 * sending and draining, their main loop and the tests.  The family's ops
 * and policies are learnt in nl_fuzz_policy.c, the messages generated in
 * nl_fuzz_gen.c, DNS queries made and answers checked in nl_fuzz_dns.c,
 * the registry kept and compared in nl_fuzz_registry.c, and netlink
 * plumbed in nl_fuzz_netlink.c; nl_fuzz.h is what they share.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/dnspool.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "kselftest_harness.h"
#include "nl_fuzz.h"

/* Options. */
static long opt_count = 100000;
static unsigned long long opt_seed;
static int opt_secs = 240;
int opt_uport = 5399;			/* unbound, in the test's netns */

/* Each actor seeds its own stream (actor_main()). */
uint64_t rs = 88172645463325252ULL;

/* ---- an actor's reports ---- */

struct actor *A;

void diag(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "# [%s] ", A ? A->label : "main");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n - 2, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) < 0)
		return;
}

static void hexdump(const uint8_t *p, int len)
{
	char line[200];
	int i, o = 0;

	for (i = 0; i < len && i < 96; i++) {
		o += snprintf(line + o, sizeof(line) - o, "%02x", p[i]);
		if (i % 32 == 31 || i == len - 1 || i == 95) {
			diag("  %s", line);
			o = 0;
		}
	}
}

/* An answer that contradicts what the actor knows. */
void anomaly(const uint8_t *msg, int len, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	A->r->anomalies++;
	if (A->logged++ >= 20)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag("ANOMALY (seed %llu): %s", opt_seed, buf);
	if (msg)
		hexdump(msg, len);
}

/* ---- answers on the request socket ---- */

static void check_valid_answer(struct nlmsghdr *nlh, uint16_t id, int n, const char *how)
{
	struct nlattr *a;
	uint8_t *ap;
	int alen, ok = 0, err = 0, class = 0;

	ap = genl_attrs(nlh, &alen);
	for_each_attr(a, ap, alen) {
		if (ATYPE(a) == DNSPOOL_A_QUERY_MSG)
			ok = answer_right(ADATA(a), ALEN(a), id, n);
		else if (ATYPE(a) == DNSPOOL_A_QUERY_ERROR)
			err = attr_uint(a);
		else if (ATYPE(a) == DNSPOOL_A_QUERY_ERROR_CLASS)
			class = attr_uint(a);
	}
	if (ok) {
		A->r->valid_ok++;
	} else if (err && class == DNSPOOL_ERROR_CLASS_UPSTREAM) {
		/* unbound as it ships resets TCP connections past its
		 * incoming-num-tcp (10 a thread), which the fuzzed upstreams
		 * on its port can reach: the upstream's failure, said so,
		 * counted apart and bounded in the test.
		 */
		A->r->valid_upstream++;
		diag("valid query h%d.dnspool.test: the upstream failed: %s", n,
		     strerrorname_np(err) ?: "?");
	} else {
		A->r->valid_bad++;
		anomaly((uint8_t *)nlh, nlh->nlmsg_len,
			"%s query h%d.dnspool.test: %s%s", how, n, err ? "error " : "wrong answer",
			err ? strerrorname_np(err) ?: "?" : "");
	}
}

static void ctl_msg(struct nlmsghdr *nlh, void *arg)
{
	struct batch *b = arg;
	struct pend *p = NULL;
	int i;

	for (i = 0; i < b->n; i++)
		if (b->p[i].seq == nlh->nlmsg_seq)
			p = &b->p[i];
	if (!p || p->done) {
		A->strays++;	/* answers of queries sent without waiting */
		return;
	}
	if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE) {
		p->done = 1;
		p->err = nlh->nlmsg_type == NLMSG_ERROR ?
			 ((struct nlmsgerr *)NLMSG_DATA(nlh))->error : *(int *)NLMSG_DATA(nlh);
		return;
	}
	p->replies++;
	A->replies++;
	if (p->valid_query && nlh->nlmsg_type == fam_id)
		check_valid_answer(nlh, p->qid, p->qn, "waited");
}

/* ---- queries on the side sockets ---- */

static void fq_msg(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *a;
	uint8_t *ap;
	int alen, err = 0;

	if (nlh->nlmsg_type == NLMSG_ERROR) {
		err = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
		A->fq_errs[err < NERR && err >= 0 ? err : NERR - 1]++;
		return;
	}
	ap = genl_attrs(nlh, &alen);
	for_each_attr(a, ap, alen)
		if (ATYPE(a) == DNSPOOL_A_QUERY_ERROR)
			err = attr_uint(a);
	if (err)
		A->fq_qerr[err < NERR ? err : NERR - 1]++;
	else
		A->fq_answers++;
}

/* What the kernel lists of the actor's namespace now, on a socket of its
 * own: said once, at the first valid query refused, to tell a name gone
 * from a lookup that missed it.
 */
static void say_listed(void)
{
	static struct names ns;
	static int said;
	char line[512];
	int k, i, fd, len;

	if (said++)
		return;
	fd = nl_open(1 << 20);
	if (fd < 0)
		return;
	for (k = K_UP; k <= K_GROUP; k++) {
		len = 0;
		line[0] = 0;
		if (dump_names(fd, k, &ns))
			continue;
		for (i = 0; i < ns.n && len < (int)sizeof(line) - 40; i++)
			len += snprintf(line + len, sizeof(line) - len, " %s", ns.name[i]);
		diag("the kernel lists %d %ss now:%s", ns.n, kind_name[k], line);
	}
	close(fd);
}

static void vq_msg(struct nlmsghdr *nlh, void *arg)
{
	int i;

	for (i = 0; i < A->nvq; i++)
		if (A->vq[i].seq == nlh->nlmsg_seq)
			break;
	if (i == A->nvq)
		return;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		A->r->valid_bad++;
		anomaly(NULL, 0, "valid query h%d to %s refused: %s", A->vq[i].n, A->vq[i].to,
			strerrorname_np(-((struct nlmsgerr *)NLMSG_DATA(nlh))->error) ?: "?");
		say_listed();
	} else {
		check_valid_answer(nlh, A->vq[i].id, A->vq[i].n, "valid");
	}
	A->vq[i] = A->vq[--A->nvq];
}

static void mon_msg(struct nlmsghdr *nlh, void *arg)
{
	A->notifs++;
}

static long dummy_overruns;

/* A query of random content to a random name, not waited for. */
static void send_fuzz_query(struct mbuf *m)
{
	static uint8_t q[8192];
	char name[DNSPOOL_NAME_MAX_LEN + 1];
	int off, len;

	m->len = 0;
	off = msg_begin(m, fam_id, NLM_F_REQUEST, ++A->seq, DNSPOOL_CMD_QUERY,
			DNSPOOL_FAMILY_VERSION);
	if (chance(90)) {
		pick_name(name, 1, chance(3));
		put_str(m, DNSPOOL_A_QUERY_UPSTREAM, name);
	}
	if (chance(97)) {
		len = chance(25) ? dns_query(q, 1 + rnd(1000), rnd64()) : dns_fuzz(q, sizeof(q));
		attr_put(m, DNSPOOL_A_QUERY_MSG, q, len);
	}
	if (chance(15))
		attr_put(m, DNSPOOL_A_QUERY_TCP, NULL, 0);
	if (chance(3))
		put_u32(m, DNSPOOL_A_QUERY_MAX + 1 + rnd(3), rnd64());
	msg_end(m, off);
	if (send(A->fq, m->b, m->len, 0) == m->len) {
		A->r->fq++;
		A->r->msgs++;
	}
}

/* A valid query to the actor's real upstream, or its group. */
static void send_valid_query(struct mbuf *m)
{
	uint8_t q[512];
	struct vq *v;
	int off, len;

	if (A->nvq >= NVQ)
		return;
	v = &A->vq[A->nvq];
	v->n = 1 + rnd(1000);
	v->id = rnd64();
	v->seq = ++A->seq;
	v->sent = now();
	m->len = 0;
	off = msg_begin(m, fam_id, NLM_F_REQUEST, v->seq, DNSPOOL_CMD_QUERY,
			DNSPOOL_FAMILY_VERSION);
	v->to = chance(70) ? "ub" : "ug";
	put_str(m, DNSPOOL_A_QUERY_UPSTREAM, v->to);
	len = dns_query(q, v->n, v->id);
	attr_put(m, DNSPOOL_A_QUERY_MSG, q, len);
	if (A->port == opt_uport && chance(20))
		attr_put(m, DNSPOOL_A_QUERY_TCP, NULL, 0);
	msg_end(m, off);
	if (send(A->vqs, m->b, m->len, 0) == m->len) {
		A->nvq++;
		A->r->vq++;
		A->r->msgs++;
		A->r->valid_sent++;
	}
}

/* ---- an actor's run ---- */

/* Weights of commands: each op the kernel has, and numbers it has not. */
static int pick_cmd(void)
{
	if (chance(3))
		return chance(50) ? DNSPOOL_CMD_MAX + 1 + rnd(300) : rnd(DNSPOOL_CMD_MAX + 1);
	return ops[rnd(nops)].cmd;
}

static void run_batch(struct mbuf *m, struct batch *b)
{
	int k = 1 + rnd(6), i, last = 0;

	m->len = 0;
	b->n = 0;
	for (i = 0; i < k && !last && m->len < 16384; i++) {
		int cmd = pick_cmd();
		struct pend *p = &b->p[b->n];

		last = gen_msg(m, p, cmd, 1);
		b->n++;
		/* a query with NLM_F_ACK is waited for: to the real upstream only */
		if (p->cmd == DNSPOOL_CMD_QUERY && p->processed &&
		    (((struct nlmsghdr *)(m->b + p->off))->nlmsg_flags & NLM_F_ACK)) {
			uint8_t q[512];
			int off;

			if (!p->genl_ok || chance(90)) {
				((struct nlmsghdr *)(m->b + p->off))->nlmsg_flags &= ~NLM_F_ACK;
				p->want_ack = 0;
			}
			if (p->want_ack && p->genl_ok && !last) {
				/* rewritten as a valid query to our upstream */
				m->len = p->off;
				off = msg_begin(m, fam_id, NLM_F_REQUEST | NLM_F_ACK, p->seq,
						DNSPOOL_CMD_QUERY, DNSPOOL_FAMILY_VERSION);
				put_str(m, DNSPOOL_A_QUERY_UPSTREAM, chance(50) ? "ub" : "ug");
				p->qn = 1 + rnd(1000);
				p->qid = rnd64();
				attr_put(m, DNSPOOL_A_QUERY_MSG, q, dns_query(q, p->qn, p->qid));
				msg_end(m, off);
				p->len = m->len - p->off;
				p->valid_query = 1;
				A->r->valid_sent++;
			} else if (p->want_ack) {
				((struct nlmsghdr *)(m->b + p->off))->nlmsg_flags &= ~NLM_F_ACK;
				p->want_ack = 0;
			}
		}
	}
	b->m = m;
	if (send(A->ctl, m->b, m->len, 0) < 0) {
		A->send_errs++;
		for (i = 0; i < b->n; i++)
			b->p[i].nl_ok = b->p[i].want_ack = b->p[i].processed = b->p[i].genl_ok = 0;
	}
	A->r->ctl += b->n;
	A->r->msgs += b->n;
	/* Handled before send() returned: the acks are queued already,
	 * and the parts of a dump come as they are read.
	 */
	for (;;) {
		int pending = 0;

		for (i = 0; i < b->n; i++)
			if (b->p[i].want_ack && !b->p[i].done)
				pending = 1;
		if (!pending)
			break;
		if (rx_drain(A->ctl, ctl_msg, b, &A->r->overruns) < 0)
			break;
	}
	for (i = 0; i < b->n; i++) {
		if (b->p[i].valid_query && !b->p[i].replies) {
			A->r->valid_bad++;
			anomaly(NULL, 0, "waited query h%d: no answer (%s)", b->p[i].qn,
				!b->p[i].done ? "no ack either" :
				strerrorname_np(-b->p[i].err) ?: "ack 0");
			if (b->p[i].done && b->p[i].err)
				say_listed();
		}
		account(b, &b->p[i]);
	}
	if (A->uncertain)
		resync();
}

static void print_tally(const char *what, long *t, int negative)
{
	char line[1024];
	int i, o = 0, best, shown;
	long tmp[NERR];

	memcpy(tmp, t, sizeof(tmp));
	for (shown = 0; shown < 14; shown++) {
		best = -1;
		for (i = 0; i < NERR; i++)
			if (tmp[i] && (best < 0 || tmp[i] > tmp[best]))
				best = i;
		if (best < 0)
			break;
		o += snprintf(line + o, sizeof(line) - o, " %s%s %ld",
			      negative && best ? "-" : "",
			      best ? strerrorname_np(best) ?: "?" : "ok", tmp[best]);
		tmp[best] = 0;
	}
	if (o)
		diag("%s:%s", what, line);
}

/* The fixed upstreams and group of an actor's namespace, pointing at its
 * real upstream.  Return: 0 or -errno.
 */
static int add_fixed(int fd, int port)
{
	struct mbuf *m = malloc(sizeof(*m));
	uint16_t p = htons(port);
	int err = 0, off, i;

	for (i = 0; i < 2 && !err; i++) {
		m->len = 0;
		off = msg_begin(m, fam_id, 0, 0, DNSPOOL_CMD_UPSTREAM_ADD, DNSPOOL_FAMILY_VERSION);
		put_str(m, DNSPOOL_A_UPSTREAM_NAME, reserved[i]);
		put_u32(m, DNSPOOL_A_UPSTREAM_TRANSPORT, DNSPOOL_TRANSPORT_UDP);
		put_u32(m, DNSPOOL_A_UPSTREAM_IPV4, htonl(0x7f000001));
		attr_put(m, DNSPOOL_A_UPSTREAM_PORT, &p, 2);
		/* the debug kernel under emulation is slow */
		put_u32(m, DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS, 30000);
		put_u32(m, DNSPOOL_A_UPSTREAM_BREAKER_FAILURES, 1000);
		msg_end(m, off);
		err = nl_call(fd, m, NULL, NULL);
	}
	if (!err) {
		m->len = 0;
		off = msg_begin(m, fam_id, 0, 0, DNSPOOL_CMD_GROUP_ADD, DNSPOOL_FAMILY_VERSION);
		put_str(m, DNSPOOL_A_GROUP_NAME, "ug");
		put_str(m, DNSPOOL_A_GROUP_MEMBER, "ub");
		put_u32(m, DNSPOOL_A_GROUP_TIMEOUT_MS, 30000);
		msg_end(m, off);
		err = nl_call(fd, m, NULL, NULL);
	}
	free(m);
	return err;
}

static int actor_run(void)
{
	static struct mbuf m, qm;
	static struct batch b;
	struct result *r = A->r;
	double t0 = now(), end;
	long iter = 0;
	int one = 1;

	A->ctl = nl_open(8 << 20);
	A->fq = nl_open(1 << 20);
	A->vqs = nl_open(1 << 20);
	A->mon = nl_open(256 << 10);
	if (A->ctl < 0 || A->fq < 0 || A->vqs < 0 || A->mon < 0) {
		diag("cannot open netlink sockets: %s", strerror(errno));
		return 1;
	}
	if (mon_grp && setsockopt(A->mon, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &mon_grp,
				  sizeof(mon_grp)))
		diag("cannot join the monitor group: %s", strerror(errno));
	setsockopt(A->mon, SOL_NETLINK, NETLINK_NO_ENOBUFS, &one, sizeof(one));

	while (r->msgs < A->quota && now() < A->deadline) {
		run_batch(&m, &b);
		if (chance(50)) {
			int k = 1 + rnd(3);

			while (k--)
				send_fuzz_query(&qm);
		}
		rx_drain(A->fq, fq_msg, NULL, &A->fq_overruns);
		if (A->nvq < 6 && chance(25))
			send_valid_query(&qm);
		rx_drain(A->vqs, vq_msg, NULL, &dummy_overruns);
		if (!(++iter % 32))
			rx_drain(A->mon, mon_msg, NULL, &A->mon_overruns);
	}
	r->secs = now() - t0;

	/* The valid queries' answers, all of them. */
	end = now() + 60;
	while (A->nvq && now() < end) {
		struct pollfd pfd = { .fd = A->vqs, .events = POLLIN };

		poll(&pfd, 1, 200);
		rx_drain(A->vqs, vq_msg, NULL, &dummy_overruns);
	}
	while (A->nvq) {
		A->r->valid_bad++;
		anomaly(NULL, 0, "valid query h%d: no answer in %.0f s", A->vq[A->nvq - 1].n,
			now() - A->vq[A->nvq - 1].sent);
		A->nvq--;
	}
	rx_drain(A->fq, fq_msg, NULL, &A->fq_overruns);
	rx_drain(A->mon, mon_msg, NULL, &A->mon_overruns);

	diag("%ld messages (%ld requests, %ld queries not waited for, %ld valid) in %.1f s: %.0f/s",
	     r->msgs, r->ctl, r->fq, r->vq, r->secs, r->msgs / (r->secs > 0 ? r->secs : 1));
	print_tally("acks", A->errs, 1);
	if (A->noack_n)
		diag("acks asked for, none came: %ld (%ld overruns)", A->noack_n, r->overruns);
	print_tally("refused queries", A->fq_errs, 1);
	print_tally("query answers with an error", A->fq_qerr, 0);
	diag("query answers %ld, notifications %ld, replies %ld, late answers %ld, "
	     "overruns: query socket %ld, monitor %ld", A->fq_answers, A->notifs, A->replies,
	     A->strays, A->fq_overruns, A->mon_overruns);
	diag("valid queries: %ld sent, %ld answered right, %ld failed by the upstream, %ld not",
	     r->valid_sent, r->valid_ok, r->valid_upstream, r->valid_bad);
	if (A->privileged) {
		int counts[4] = { 0 }, i;

		r->mismatches = compare_registry();
		for (i = 0; i < A->nreg; i++)
			counts[A->reg[i].kind]++;
		diag("registry: %d upstreams, %d groups, %d listeners; %s (resyncs %ld)",
		     counts[K_UP], counts[K_GROUP], counts[K_LSN],
		     r->mismatches ? "NOT as the kernel has it" : "as the kernel has it",
		     r->resyncs);
		/* The unprivileged actor asks our upstreams till its end. */
		end = now() + 300;
		while (A->wait_for && !A->wait_for->finished && !A->wait_for->setup_failed &&
		       now() < end)
			usleep(100000);
		r->mismatches += clear_registry();
		A->nreg = 0;
		r->mismatches += compare_registry();
	} else {
		diag("changes: %ld refused with EPERM, %ld succeeded, %ld failed otherwise",
		     r->admin_eperm, r->admin_ok, r->admin_not_eperm);
	}
	r->finished = 1;
	return 0;
}

/* ---- the actors: root, nobody, the root of a user namespace ---- */

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

static int become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
	    setresuid(65534, 65534, 65534))
		return -1;
	/* A process whose credentials changed is not dumpable: its
	 * /proc/self files, uid_map too, would be root's.
	 */
	return prctl(PR_SET_DUMPABLE, 1);
}

/* The root of a user namespace of its own, as a container's: an
 * unprivileged user's namespace with its own network namespace,
 * loopback up.
 */
static int become_container_root(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd;

	if (become_nobody() || unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return -1;
	if (write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/uid_map", "0 65534 1") ||
	    write_file("/proc/self/gid_map", "0 65534 1"))
		return -1;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		return -1;
	close(fd);
	return 0;
}

enum { ROOT, NOBODY, CONTAINER, NACTORS };
static const char *actor_label[] = { "root", "nobody", "userns-root" };
static const int actor_share[] = { 45, 20, 35 };

static void actor_main(int who, struct result *all, double deadline)
{
	static struct actor a;
	struct result *r = &all[who];
	pid_t resp = -1;
	int ret;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	memset(&a, 0, sizeof(a));
	A = &a;
	a.label = actor_label[who];
	a.r = r;
	a.quota = opt_count * actor_share[who] / 100 + 1;
	a.deadline = deadline;
	a.port = opt_uport;
	a.seq = 1000;
	rs = opt_seed * 0x9e3779b97f4a7c15ULL + who + 1;
	rnd64();
	switch (who) {
	case ROOT:
		a.privileged = 1;
		a.wait_for = &all[NOBODY];
		reg_add("u0", K_UP);
		reg_add("ub", K_UP);
		reg_add("ug", K_GROUP);
		break;
	case NOBODY:
		if (become_nobody()) {
			diag("cannot become uid 65534: %s", strerror(errno));
			r->setup_failed = 1;
			_exit(1);
		}
		break;
	case CONTAINER: {
		int fd, err;

		a.privileged = 1;
		a.port = RPORT;
		if (become_container_root()) {
			diag("cannot make a user and network namespace: %s", strerror(errno));
			r->setup_failed = 1;
			_exit(1);
		}
		resp = start_responder();
		fd = nl_open(1 << 20);
		err = resp < 0 || fd < 0 ? -EIO : add_fixed(fd, RPORT);
		if (err) {
			diag("cannot set the user namespace up: %s", strerror(-err));
			r->setup_failed = 1;
			_exit(1);
		}
		close(fd);
		reg_add("u0", K_UP);
		reg_add("ub", K_UP);
		reg_add("ug", K_GROUP);
		break;
	}
	}
	/* credentials changed: the parent's death signal is forgotten */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	ret = actor_run();
	if (resp > 0)
		kill(resp, SIGKILL);
	_exit(ret);
}

/* ---- the tests ---- */

static const int expected_cmds[] = {
	DNSPOOL_CMD_UPSTREAM_ADD, DNSPOOL_CMD_UPSTREAM_SET, DNSPOOL_CMD_UPSTREAM_DEL,
	DNSPOOL_CMD_UPSTREAM_GET, DNSPOOL_CMD_QUERY, DNSPOOL_CMD_POOL_GET,
	DNSPOOL_CMD_NETNS_GET, DNSPOOL_CMD_GROUP_ADD, DNSPOOL_CMD_GROUP_SET,
	DNSPOOL_CMD_GROUP_DEL, DNSPOOL_CMD_GROUP_GET, DNSPOOL_CMD_LISTENER_ADD,
	DNSPOOL_CMD_LISTENER_SET, DNSPOOL_CMD_LISTENER_DEL, DNSPOOL_CMD_LISTENER_GET,
};
#define NEXPECTED ((int)(sizeof(expected_cmds) / sizeof(expected_cmds[0])))

FIXTURE(fuzz) {
	int fd;
};

FIXTURE_SETUP(fuzz)
{
	int err = learn_family();

	ASSERT_EQ(0, err) TH_LOG("the controller did not describe %s: %s (module loaded?)",
				 DNSPOOL_FAMILY_NAME, strerror(-err));
	self->fd = nl_open(4 << 20);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(fuzz)
{
	close(self->fd);
}

/* The ops and policies the kernel gives: the ones of the spec, at least. */
TEST_F(fuzz, learns_ops_and_policies)
{
	int i, t, nattrs = 0;

	for (i = 0; i < nops; i++) {
		struct opinfo *o = &ops[i];
		int pi = o->dopol >= 0 ? o->dopol : o->dumppol, n = 0;

		for (t = 0; pi >= 0 && t <= pol_max[pi]; t++)
			n += pol[pi][t].set;
		nattrs += n;
		TH_LOG("op %2d flags 0x%02x: do policy %d, dump policy %d, %d attributes",
		       o->cmd, o->flags, o->dopol, o->dumppol, n);
	}
	TH_LOG("%d ops, %d with a policy, %d policies, %d attributes; monitor group %d",
	       nops, nop_policies, npolicies, nattrs, mon_grp);
	EXPECT_LE(NEXPECTED, nops);
	for (i = 0; i < NEXPECTED; i++)
		EXPECT_NE(NULL, op_of(expected_cmds[i])) TH_LOG("no op %d", expected_cmds[i]);
	/* all but netns-get, which takes no attribute */
	EXPECT_LE(NEXPECTED - 1, nop_policies);
	EXPECT_NE(0, mon_grp);
	EXPECT_LE(50, nattrs);
}

/* The actors send until their deadline (-d; nl_fuzz.sh gives at most
 * 1000 s), then have 300 s to drain, check and clean: the harness's bound
 * is past both, and within the suite's 1500 s for a test.
 */
TEST_F_TIMEOUT(fuzz, three_actors, 1440)
{
	struct result *res;
	pid_t pid[NACTORS];
	double t0 = now(), deadline = now() + opt_secs;
	long total = 0;
	int i, status, err;

	ASSERT_LE(NEXPECTED, nops);
	TH_LOG("seed %llu, %ld messages, at most %d s, unbound on port %d", opt_seed,
	       opt_count, opt_secs, opt_uport);
	res = mmap(NULL, sizeof(*res) * NACTORS, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	memset(res, 0, sizeof(*res) * NACTORS);
	err = add_fixed(self->fd, opt_uport);
	ASSERT_EQ(0, err) TH_LOG("cannot add the fixed upstreams: %s", strerror(-err));

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < NACTORS; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			actor_main(i, res, deadline);
	}
	for (i = 0; i < NACTORS; i++) {
		/* each ends by the deadline, and then drains, checks, cleans */
		double end = deadline + 300;

		while (waitpid(pid[i], &status, WNOHANG) == 0) {
			if (now() > end) {
				TH_LOG("%s hangs: killed", actor_label[i]);
				kill(pid[i], SIGKILL);
			}
			usleep(100000);
		}
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("%s ended with status 0x%x", actor_label[i], status);
	}
	for (i = 0; i < NACTORS; i++) {
		struct result *r = &res[i];

		total += r->msgs;
		EXPECT_EQ(0, r->setup_failed) TH_LOG("%s could not start", actor_label[i]);
		EXPECT_EQ(1, r->finished) TH_LOG("%s did not finish", actor_label[i]);
		EXPECT_EQ(0, r->anomalies) TH_LOG("%s: %ld anomalies", actor_label[i], r->anomalies);
		EXPECT_EQ(0, r->mismatches) TH_LOG("%s: registry differs", actor_label[i]);
		EXPECT_EQ(0, r->valid_bad) TH_LOG("%s: %ld valid queries not answered right",
						  actor_label[i], r->valid_bad);
		EXPECT_LT(0, r->valid_ok) TH_LOG("%s: no valid query answered", actor_label[i]);
		EXPECT_LE(r->valid_upstream * 100, r->valid_sent)
			TH_LOG("%s: %ld valid queries failed by the upstream, more than 1%%",
			       actor_label[i], r->valid_upstream);
	}
	EXPECT_EQ(0, res[NOBODY].admin_ok);
	EXPECT_EQ(0, res[NOBODY].admin_not_eperm);
	EXPECT_LT(0, res[NOBODY].admin_eperm);
	TH_LOG("%ld messages in all in %.1f s: %.0f/s (root %ld, nobody %ld, userns root %ld)",
	       total, now() - t0, total / (now() - t0), res[ROOT].msgs, res[NOBODY].msgs,
	       res[CONTAINER].msgs);
	EXPECT_LE(opt_count, total) TH_LOG("fewer messages than asked for in %d s", opt_secs);
	munmap(res, sizeof(*res) * NACTORS);
}

static void query_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *a;
	uint8_t *ap;
	int alen;

	ap = genl_attrs(nlh, &alen);
	for_each_attr(a, ap, alen)
		if (ATYPE(a) == DNSPOOL_A_QUERY_MSG)
			*(int *)arg = answer_right(ADATA(a), ALEN(a), 0x4242, 7);
}

/* Afterwards: an upstream added, a query answered, the upstream deleted,
 * and nothing else in the namespace.
 */
TEST_F(fuzz, module_still_works)
{
	static struct mbuf m;
	static struct names ns;
	static struct actor a;
	uint16_t port = htons(opt_uport);
	uint8_t q[512];
	int off, right = 0, k;

	A = &a;
	a.label = "after";
	m.len = 0;
	off = msg_begin(&m, fam_id, 0, 0, DNSPOOL_CMD_UPSTREAM_ADD, DNSPOOL_FAMILY_VERSION);
	put_str(&m, DNSPOOL_A_UPSTREAM_NAME, "alive");
	put_u32(&m, DNSPOOL_A_UPSTREAM_TRANSPORT, DNSPOOL_TRANSPORT_UDP);
	put_u32(&m, DNSPOOL_A_UPSTREAM_IPV4, htonl(0x7f000001));
	attr_put(&m, DNSPOOL_A_UPSTREAM_PORT, &port, 2);
	put_u32(&m, DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS, 30000);
	msg_end(&m, off);
	ASSERT_EQ(0, nl_call(self->fd, &m, NULL, NULL));

	m.len = 0;
	off = msg_begin(&m, fam_id, 0, 0, DNSPOOL_CMD_QUERY, DNSPOOL_FAMILY_VERSION);
	put_str(&m, DNSPOOL_A_QUERY_UPSTREAM, "alive");
	attr_put(&m, DNSPOOL_A_QUERY_MSG, q, dns_query(q, 7, 0x4242));
	msg_end(&m, off);
	EXPECT_EQ(0, nl_call(self->fd, &m, query_reply, &right));
	EXPECT_EQ(1, right) TH_LOG("h7.dnspool.test not answered 198.51.100.8");

	m.len = 0;
	off = msg_begin(&m, fam_id, 0, 0, DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_FAMILY_VERSION);
	put_str(&m, DNSPOOL_A_UPSTREAM_NAME, "alive");
	msg_end(&m, off);
	EXPECT_EQ(0, nl_call(self->fd, &m, NULL, NULL));
	for (k = K_UP; k <= K_LSN; k++) {
		EXPECT_EQ(0, dump_names(self->fd, k, &ns));
		EXPECT_EQ(0, ns.n) TH_LOG("%d %ss left, '%s' first", ns.n, kind_name[k], ns.name[0]);
	}
}

/* Our options first, the harness's after. */
int main(int argc, char **argv)
{
	char *args[argc + 1];
	const char *e;
	int i, n = 0;

	opt_seed = time(NULL) ^ getpid();
	if ((e = getenv("NL_FUZZ_COUNT")))
		opt_count = atol(e);
	if ((e = getenv("NL_FUZZ_SEED")))
		opt_seed = strtoull(e, NULL, 0);
	if ((e = getenv("NL_FUZZ_SECONDS")))
		opt_secs = atoi(e);
	if ((e = getenv("NL_FUZZ_PORT")))
		opt_uport = atoi(e);
	args[n++] = argv[0];
	for (i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "-n"))
			opt_count = atol(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "-s"))
			opt_seed = strtoull(argv[++i], NULL, 0);
		else if (i + 1 < argc && !strcmp(argv[i], "-d"))
			opt_secs = atoi(argv[++i]);
		else if (i + 1 < argc && !strcmp(argv[i], "-p"))
			opt_uport = atoi(argv[++i]);
		else
			args[n++] = argv[i];
	}
	args[n] = NULL;
	return test_harness_run(n, args);
}
