/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nl_fuzz, the netlink fuzzer: what its files share.  The family as the
 * kernel describes it (nl_fuzz_policy.c), the randomness, the netlink
 * plumbing (nl_fuzz_netlink.c), DNS queries and answers (nl_fuzz_dns.c),
 * the messages generated (nl_fuzz_gen.c), an actor's state and its
 * registry (nl_fuzz_registry.c); the actors and the tests are nl_fuzz.c's.
 */
#ifndef NL_FUZZ_H
#define NL_FUZZ_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <linux/dnspool.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

extern int opt_uport;			/* unbound, in the test's netns */
#define RPORT 5398			/* our responder, in the user namespace */

/* ---- what the kernel told of the family ---- */

#define NPOL 32
#define NATTR 64
#define NOPS 64

struct apol {
	int set;
	int type;		/* NL_ATTR_TYPE_* */
	uint64_t min, max;	/* unsigned integers */
	uint32_t minlen, maxlen;
	int nest, nestmax;	/* nested: policy index, its max type */
};

struct opinfo {
	int cmd;
	uint32_t flags;		/* GENL_* of CTRL_ATTR_OP_FLAGS */
	int dopol, dumppol;	/* policy indices, or -1 */
};

extern struct apol pol[NPOL][NATTR];
extern int pol_max[NPOL];
extern struct opinfo ops[NOPS];
extern int nops, nop_policies, npolicies;
extern int fam_id, mon_grp;

struct opinfo *op_of(int cmd);
/* Ops and policies of the family, from the kernel.  Return: 0 or -errno. */
int learn_family(void);

/* ---- randomness: xorshift64*, one stream per actor ---- */

extern uint64_t rs;

static inline uint64_t rnd64(void)
{
	rs ^= rs >> 12;
	rs ^= rs << 25;
	rs ^= rs >> 27;
	return rs * 2685821657736338717ULL;
}

static inline uint32_t rnd(uint32_t n)
{
	return n ? (uint32_t)(rnd64() >> 16) % n : 0;
}

static inline int chance(int pct)
{
	return (int)rnd(100) < pct;
}

static inline void rnd_bytes(uint8_t *p, int n)
{
	while (n-- > 0)
		*p++ = rnd64() >> 32;
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- netlink: sockets, messages, attributes ---- */

#define MSG_MAX 70000

struct mbuf {
	int len;
	uint8_t b[MSG_MAX];
};

/* Iterates the well-formed attributes of [buf, buf + len). */
#define for_each_attr(a, buf, len)						\
	for (a = (struct nlattr *)(buf);					\
	     (uint8_t *)a + NLA_HDRLEN <= (uint8_t *)(buf) + (len) &&		\
	     a->nla_len >= NLA_HDRLEN &&					\
	     (uint8_t *)a + a->nla_len <= (uint8_t *)(buf) + (len);		\
	     a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len)))

#define ATYPE(a) ((a)->nla_type & NLA_TYPE_MASK)
#define ADATA(a) ((uint8_t *)(a) + NLA_HDRLEN)
#define ALEN(a) ((int)(a)->nla_len - NLA_HDRLEN)

typedef void (*reply_fn)(struct nlmsghdr *nlh, void *arg);

int nl_open(int rcvbuf);
int msg_begin(struct mbuf *m, uint16_t type, uint16_t flags, uint32_t seq,
	      uint8_t cmd, uint8_t version);
void msg_end(struct mbuf *m, int off);
int room(struct mbuf *m, int len);
void attr_put(struct mbuf *m, uint16_t type, const void *d, int len);
void put_u32(struct mbuf *m, uint16_t type, uint32_t v);
void put_str(struct mbuf *m, uint16_t type, const char *s);
int nest_begin(struct mbuf *m, uint16_t type);
void nest_end(struct mbuf *m, int off);
uint64_t attr_uint(struct nlattr *a);
uint8_t *genl_attrs(struct nlmsghdr *nlh, int *len);
/* One request, synchronously.  Return: its error, or -ETIMEDOUT. */
int nl_call(int fd, struct mbuf *m, reply_fn fn, void *arg);
/* What is queued on @fd, without waiting.  Return: messages, or -1. */
int rx_drain(int fd, void (*fn)(struct nlmsghdr *, void *), void *arg, long *overruns);

/* ---- DNS ---- */

/* The query of hN.dnspool.test A, id @id; its length. */
int dns_query(uint8_t *p, int n, uint16_t id);
/* A query to fuzz the checker and the upstreams with; its length. */
int dns_fuzz(uint8_t *p, int cap);
/* Does @m answer hN.dnspool.test A, id @id, with 198.51.100.(N % 250 + 1)? */
int answer_right(const uint8_t *m, int len, uint16_t id, int n);
/* Our responder on 127.0.0.1:RPORT, a child process.  Return: its pid, or -1. */
pid_t start_responder(void);

/* ---- an actor's state ---- */

enum kind { K_NONE, K_UP, K_GROUP, K_LSN };
extern const char *kind_name[];

#define NREG 1024
#define NERR 256
#define NVQ 64

struct vq {
	uint32_t seq;
	uint16_t id;
	int n;
	double sent;
	const char *to;		/* "ub" or "ug" */
};

struct result {
	long msgs, ctl, fq, vq;
	long anomalies, mismatches;
	long valid_sent, valid_ok, valid_bad, valid_upstream;
	long admin_ok, admin_not_eperm, admin_eperm;
	long overruns, resyncs, noack;
	double secs;
	int finished;
	int setup_failed;
};

struct actor {
	const char *label;
	int privileged;		/* may change the namespace: keeps a registry */
	int port;		/* the real upstream's */
	long quota;
	double deadline;
	struct result *r;
	volatile struct result *wait_for;	/* an actor using our upstreams */
	int ctl, fq, vqs, mon;
	uint32_t seq;
	long errs[NERR], noack_n, replies, strays, fq_errs[NERR], fq_answers, fq_qerr[NERR];
	long notifs, mon_overruns, fq_overruns, send_errs;
	long logged;
	struct { char name[DNSPOOL_NAME_MAX_LEN + 1]; int kind; } reg[NREG];
	int nreg;
	struct vq vq[NVQ];
	int nvq;
	int uncertain;
};

extern struct actor *A;

void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* An answer that contradicts what the actor knows. */
void anomaly(const uint8_t *msg, int len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- message generation ---- */

/* What was sent, and what came back. */
struct pend {
	uint32_t seq;
	int off, len;		/* in the batch */
	int cmd;
	int nl_ok;		/* the kernel reads it: it acks if asked, or on error */
	int processed;		/* a request handed to genetlink */
	int genl_ok;		/* well formed up to the op's permission check */
	int admin;		/* the op needs CAP_NET_ADMIN */
	int want_ack;
	int valid_query;	/* a waited-for query to our real upstream: checked */
	int qn;
	uint16_t qid;
	int done, err, replies;
};

struct batch {
	struct mbuf *m;
	struct pend p[8];
	int n;
};

/* The fixed upstreams and group of each namespace: "u0", "ub", "ug". */
extern const char *reserved[];
/* Is @s one of them? */
int is_reserved(const char *s);

/* A name for a request; @target: may name the fixed ones; @bad: refused. */
void pick_name(char *out, int target, int bad);
/* One message for @cmd into @m at its end; @p describes it.  Return: 1
 * when it must be the last of its batch.
 */
int gen_msg(struct mbuf *m, struct pend *p, int cmd, int may_break);

/* ---- the actor's registry ---- */

struct names {
	int n;
	char name[NREG][DNSPOOL_NAME_MAX_LEN + 1];
	int intr;
};

void reg_add(const char *name, int kind);
int msg_names_fixed(const uint8_t *msg);
/* What an answer tells of the registry, checked; the registry updated. */
void account(struct batch *b, struct pend *p);
/* Dumps @kind's names; retries an interrupted dump.  Return: 0 or -errno. */
int dump_names(int fd, int kind, struct names *ns);
/* Sets the actor's registry to the kernel's (after a lost ack). */
void resync(void);
/* Compares the registry with the kernel's.  Return: differences. */
int compare_registry(void);
/* Deletes everything of the actor's registry.  Return: failures. */
int clear_registry(void);

#endif /* NL_FUZZ_H */
