// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz's messages, generated from the learnt policies: names, addresses,
 * ports and integers, valid and at or past their bounds; attributes of a
 * policy, nested ones too; valid requests as a client sends them; and the
 * damage done to attributes and headers, with what the kernel will make
 * of the result.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "nl_fuzz.h"

/* ---- attribute classes, as the policies show them ---- */

enum cls {
	C_OTHER, C_NAME, C_MEMBER, C_HOST, C_ADDR4, C_ADDR6, C_PORT, C_DNS,
	C_INT, C_FLAG, C_NEST,
};

static enum cls cls_of(const struct apol *ap)
{
	switch (ap->type) {
	case NL_ATTR_TYPE_NUL_STRING:
		if (ap->maxlen == DNSPOOL_NAME_MAX_LEN)
			return C_NAME;
		return C_HOST;
	case NL_ATTR_TYPE_STRING:
		return C_MEMBER;
	case NL_ATTR_TYPE_BINARY:
		if (ap->minlen == 16 && ap->maxlen == 16)
			return C_ADDR6;
		return C_DNS;
	case NL_ATTR_TYPE_U32:
		if (ap->min == 0 && ap->max == 0xffffffffULL)
			return C_ADDR4;
		return C_INT;
	case NL_ATTR_TYPE_U16:
		if (ap->min == 1 && ap->max == 0xffff)
			return C_PORT;
		return C_INT;
	case NL_ATTR_TYPE_U8:
	case NL_ATTR_TYPE_U64:
	case NL_ATTR_TYPE_UINT:
		return C_INT;
	case NL_ATTR_TYPE_FLAG:
		return C_FLAG;
	case NL_ATTR_TYPE_NESTED:
	case NL_ATTR_TYPE_NESTED_ARRAY:
		return C_NEST;
	}
	return C_OTHER;
}

static int int_size(int type)
{
	switch (type) {
	case NL_ATTR_TYPE_U8: return 1;
	case NL_ATTR_TYPE_U16: return 2;
	case NL_ATTR_TYPE_U64: return 8;
	}
	return 4;
}

/* ---- names and values ---- */

const char *reserved[] = { "u0", "ub", "ug" };
static const char *keywords[] = { "strategy", "race-delay", "timeout" };
static const char name_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

int is_reserved(const char *s)
{
	unsigned int i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (!strcmp(s, reserved[i]))
			return 1;
	return 0;
}

/* A name of the small pool, mostly; an existing one, a random valid one,
 * or (with @bad) a name the kernel refuses.  @target: may name the
 * actor's fixed upstreams and group (a member, a target, a query's).
 */
void pick_name(char *out, int target, int bad)
{
	int i, n;

	if (bad) {
		switch (rnd(6)) {
		case 0: strcpy(out, ""); return;
		case 1: strcpy(out, keywords[rnd(3)]); return;
		case 2: strcpy(out, "f 1"); return;
		case 3: strcpy(out, "f/1"); return;
		case 4:
			n = DNSPOOL_NAME_MAX_LEN;
			for (i = 0; i < n; i++)
				out[i] = 'a' + rnd(26);
			out[n] = 0;
			return;
		default:
			n = 1 + rnd(10);
			for (i = 0; i < n; i++)
				out[i] = 1 + rnd(255);
			out[n] = 0;
			return;
		}
	}
	if (target && chance(25)) {
		strcpy(out, reserved[rnd(3)]);
		return;
	}
	if (A->nreg && chance(25)) {
		i = rnd(A->nreg);
		if (!is_reserved(A->reg[i].name) || target) {
			strcpy(out, A->reg[i].name);
			return;
		}
	}
	if (chance(4)) {
		n = 1 + rnd(chance(50) ? 8 : DNSPOOL_NAME_MAX_LEN);
		for (i = 0; i < n; i++)
			out[i] = name_chars[rnd(sizeof(name_chars) - 1)];
		out[n] = 0;
		if (is_reserved(out) || !strcmp(out, "strategy") ||
		    !strcmp(out, "race-delay") || !strcmp(out, "timeout"))
			out[0] = 'x';
		return;
	}
	sprintf(out, "f%u", rnd(8));
}

static uint32_t pick_addr4(void)
{
	switch (rnd(12)) {
	case 0: return 0;
	case 1: return 0xffffffff;
	case 2: return htonl(0xe0000001);	/* multicast */
	case 3: return htonl(0xc0000200 | rnd(256));
	case 4: return rnd64();
	case 5: case 6: return htonl(0x7f000000 | rnd(1 << 24));
	}
	return htonl(0x7f000001);
}

static void pick_addr6(uint8_t *a)
{
	memset(a, 0, 16);
	switch (rnd(6)) {
	case 0: a[0] = 0xfe; a[1] = 0x80; a[15] = 1; break;	/* link-local */
	case 1: a[0] = 0xff; a[1] = 0x02; a[15] = 1; break;	/* multicast */
	case 2: break;						/* :: */
	case 3: rnd_bytes(a, 16); break;
	case 4: a[10] = a[11] = 0xff; a[12] = 127; a[15] = 1; break;	/* v4-mapped */
	default: a[15] = 1;					/* ::1 */
	}
}

static int cur_cmd;

static uint16_t pick_port(void)
{
	/* A listener never takes the real upstreams' port. */
	if (cur_cmd == DNSPOOL_CMD_LISTENER_ADD) {
		uint16_t p = chance(10) ? 53 : 1 + rnd(65535);

		return htons(p == opt_uport || p == RPORT ? 53 : p);
	}
	switch (rnd(10)) {
	case 0: return htons(1 + rnd(1023));
	case 1: return htons(65535);
	case 2: return htons(53);
	case 3: case 4: case 5: return htons(1024 + rnd(64000));
	}
	return htons(A->port);
}

/* An unsigned integer for a range [min, max] of a @size-byte type: in it
 * mostly, at its ends, or just past them.
 */
static uint64_t pick_int(const struct apol *ap, int size, int bad)
{
	uint64_t all = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
	uint64_t min = ap->min, max = ap->max > all ? all : ap->max;

	if (bad || chance(15)) {
		switch (rnd(6)) {
		case 0: return (min - 1) & all;
		case 1: return (max + 1) & all;
		case 2: return 0;
		case 3: return all;
		case 4: return rnd64() & all;
		default: return min;
		}
	}
	switch (rnd(4)) {
	case 0: return min;
	case 1: return max;
	}
	return min + (max - min + 1 ? rnd64() % (max - min + 1) : rnd64());
}

/* ---- message generation ---- */

static int op_admin(int cmd)
{
	struct opinfo *op = op_of(cmd);

	return op && (op->flags & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM));
}

/* Values of one attribute of class @c in @buf; its length. */
static int gen_value(uint8_t *buf, int cap, const struct apol *ap, int type, int admin_name,
		     int bad)
{
	enum cls c = cls_of(ap);
	char name[300];
	uint64_t v;
	int len, i;

	switch (c) {
	case C_NAME:
	case C_MEMBER:
		pick_name(name, !admin_name || type != 1, bad && chance(50));
		len = strlen(name);
		memcpy(buf, name, len);
		if (c == C_NAME || chance(50))
			buf[len++] = 0;
		if (bad && chance(50)) {
			switch (rnd(3)) {
			case 0: if (len && buf[len - 1] == 0) len--; break;	/* no NUL */
			case 1: buf[len++] = 'x'; buf[len++] = 0; break;	/* after a NUL */
			default: memset(buf + len, 0, 5); len += 5;		/* more NULs */
			}
		}
		return len;
	case C_HOST:
		switch (rnd(bad ? 6 : 3)) {
		case 0: strcpy(name, "dns.dnspool.test"); break;
		case 1: strcpy(name, "127.0.0.1"); break;
		case 2: strcpy(name, "::1"); break;
		case 3: strcpy(name, "-bad-.example"); break;
		case 4: strcpy(name, ""); break;
		default:
			len = ap->maxlen + rnd(3) - 1;
			for (i = 0; i < len; i++)
				name[i] = i % 10 == 9 ? '.' : 'a';
			name[len] = 0;
		}
		len = strlen(name) + 1;
		memcpy(buf, name, len);
		return len;
	case C_ADDR4:
		v = pick_addr4();
		memcpy(buf, &v, 4);
		return 4;
	case C_ADDR6:
		pick_addr6(buf);
		return 16;
	case C_PORT:
		if (bad) {
			v = rnd(3) ? 0 : rnd(65536);
			memcpy(buf, &v, 2);
			return 2;
		}
		*(uint16_t *)buf = pick_port();
		return 2;
	case C_DNS:
		if (chance(40)) {
			len = dns_query(buf, 1 + rnd(1000), rnd64());
			return len;
		}
		return dns_fuzz(buf, cap);
	case C_INT:
		len = int_size(ap->type);
		v = pick_int(ap, len, bad);
		memcpy(buf, &v, len);	/* little-endian host */
		return len;
	case C_FLAG:
		return 0;
	default:
		len = rnd(32);
		rnd_bytes(buf, len);
		return len;
	}
}

static int flip;

/* Attributes of policy @pi into @m, nested ones recursively. */
static void gen_attrs(struct mbuf *m, int pi, int admin, int depth, int bad)
{
	static uint8_t vbuf[8192];
	int t, k, reps;

	if (pi < 0 || pi >= NPOL || depth > 3)
		return;
	for (t = 1; t <= pol_max[pi]; t++) {
		const struct apol *ap = &pol[pi][t];
		enum cls c = cls_of(ap);
		int p = t == 1 ? 85 : 35;

		if (!ap->set || !chance(p))
			continue;
		/* Two addresses are an error of their own: mostly one. */
		if ((c == C_ADDR6 && flip) && !bad && chance(80))
			continue;
		if (c == C_ADDR4)
			flip = 1;
		reps = 1;
		if (c == C_MEMBER)
			reps = chance(5) ? DNSPOOL_GROUP_MAX_MEMBERS + rnd(3) : 1 + rnd(3);
		else if (c == C_NEST)
			reps = chance(5) ? DNSPOOL_LISTENER_MAX_ALLOW + rnd(3) : rnd(3);
		else if (bad && chance(10))
			reps = 2;	/* duplicated */
		for (k = 0; k < reps; k++) {
			int vbad = bad && chance(20), len;

			if (c == C_NEST) {
				int off = nest_begin(m, t);

				if (bad && chance(10))
					((struct nlattr *)(m->b + off))->nla_type &= ~NLA_F_NESTED;
				if (vbad && chance(30)) {
					len = rnd(40);
					rnd_bytes(vbuf, len);
					if (room(m, len)) {
						memcpy(m->b + m->len, vbuf, len);
						m->len += NLA_ALIGN(len);
					}
				} else {
					int save = flip;

					flip = 0;
					gen_attrs(m, ap->nest, 0, depth + 1, bad);
					flip = save;
				}
				nest_end(m, off);
				continue;
			}
			len = gen_value(vbuf, sizeof(vbuf), ap, t, admin, vbad);
			if (vbad && chance(40) && c != C_FLAG) {
				/* the wrong length: another type's */
				static const int lens[] = { 0, 1, 2, 3, 5, 7, 8, 16, 17, 64 };

				len = lens[rnd(10)];
				rnd_bytes(vbuf, len);
			}
			if (room(m, len))
				attr_put(m, t | (vbad && chance(10) ? NLA_F_NET_BYTEORDER : 0), vbuf, len);
		}
	}
}

/* A valid request for @cmd, as a client would send it, into @m. */
static void gen_valid(struct mbuf *m, int cmd)
{
	char name[DNSPOOL_NAME_MAX_LEN + 1];
	uint32_t v;
	int i, n, off;

	switch (cmd) {
	case DNSPOOL_CMD_UPSTREAM_ADD:
		pick_name(name, 0, 0);
		put_str(m, DNSPOOL_A_UPSTREAM_NAME, name);
		v = chance(70) ? DNSPOOL_TRANSPORT_UDP : chance(90) ? DNSPOOL_TRANSPORT_TCP :
		    DNSPOOL_TRANSPORT_TLS;
		put_u32(m, DNSPOOL_A_UPSTREAM_TRANSPORT, v);
		if (chance(90)) {
			v = chance(70) ? htonl(0x7f000001) : htonl(0x7f000000 | rnd(1 << 24));
			put_u32(m, DNSPOOL_A_UPSTREAM_IPV4, v);
		} else {
			uint8_t a6[16] = { [15] = 1 };

			attr_put(m, DNSPOOL_A_UPSTREAM_IPV6, a6, 16);
		}
		if (chance(90)) {
			uint16_t port = chance(70) ? htons(A->port) : htons(1024 + rnd(60000));

			attr_put(m, DNSPOOL_A_UPSTREAM_PORT, &port, 2);
		}
		if (chance(50))
			put_u32(m, DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS, 10 + rnd(2000));
		if (chance(30))
			put_u32(m, DNSPOOL_A_UPSTREAM_MAX_CONNS, 1 + rnd(8));
		if (chance(20)) {
			put_u32(m, DNSPOOL_A_UPSTREAM_RTO_MIN_MS, 10 + rnd(50));
			put_u32(m, DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS, 100 + rnd(100));
			put_u32(m, DNSPOOL_A_UPSTREAM_RTO_MAX_MS, 300 + rnd(1000));
		}
		if (chance(20))
			put_u32(m, DNSPOOL_A_UPSTREAM_BREAKER_FAILURES, rnd(5));
		if (chance(20))
			put_u32(m, DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS, 100 + rnd(5000));
		if (chance(10))
			put_u32(m, DNSPOOL_A_UPSTREAM_ROTATE_QUERIES, 1 + rnd(10));
		break;
	case DNSPOOL_CMD_UPSTREAM_SET:
		pick_name(name, 0, 0);
		put_str(m, DNSPOOL_A_UPSTREAM_NAME, name);
		if (chance(50))
			put_u32(m, DNSPOOL_A_UPSTREAM_MAX_CONNS, 1 + rnd(16));
		if (chance(50))
			put_u32(m, DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS, 10 + rnd(3000));
		if (chance(30))
			put_u32(m, DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS, 100 + rnd(2000));
		if (chance(20))
			put_u32(m, DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS, 10 + rnd(2000));
		if (chance(10))
			put_str(m, DNSPOOL_A_UPSTREAM_TLS_NAME, "dns.dnspool.test");
		break;
	case DNSPOOL_CMD_UPSTREAM_DEL:
	case DNSPOOL_CMD_UPSTREAM_GET:
	case DNSPOOL_CMD_GROUP_DEL:
	case DNSPOOL_CMD_GROUP_GET:
	case DNSPOOL_CMD_LISTENER_DEL:
	case DNSPOOL_CMD_LISTENER_GET:
		pick_name(name, 0, 0);
		put_str(m, 1, name);
		break;
	case DNSPOOL_CMD_GROUP_ADD:
	case DNSPOOL_CMD_GROUP_SET:
		pick_name(name, 0, 0);
		put_str(m, DNSPOOL_A_GROUP_NAME, name);
		n = cmd == DNSPOOL_CMD_GROUP_ADD ? 1 + rnd(3) : rnd(3);
		for (i = 0; i < n; i++) {
			int j, k = 0;

			/* upstreams the actor added, mostly */
			for (j = rnd(A->nreg + 1); k < A->nreg; k++, j++)
				if (A->reg[j % A->nreg].kind == K_UP)
					break;
			if (k < A->nreg && chance(80))
				put_str(m, DNSPOOL_A_GROUP_MEMBER, A->reg[j % A->nreg].name);
			else {
				pick_name(name, 1, 0);
				put_str(m, DNSPOOL_A_GROUP_MEMBER, name);
			}
		}
		if (chance(50))
			put_u32(m, DNSPOOL_A_GROUP_STRATEGY, 1 + rnd(3));
		if (chance(30))
			put_u32(m, DNSPOOL_A_GROUP_RACE_DELAY_MS, rnd(200));
		if (chance(30))
			put_u32(m, DNSPOOL_A_GROUP_TIMEOUT_MS, 10 + rnd(3000));
		break;
	case DNSPOOL_CMD_LISTENER_ADD:
	case DNSPOOL_CMD_LISTENER_SET:
		pick_name(name, 0, 0);
		put_str(m, DNSPOOL_A_LISTENER_NAME, name);
		if (cmd == DNSPOOL_CMD_LISTENER_ADD) {
			uint16_t port = htons(chance(10) ? 53 : 1024 + rnd(60000));

			put_u32(m, DNSPOOL_A_LISTENER_IPV4,
				htonl(0x7f000000 | (1 + rnd((1 << 24) - 2))));
			attr_put(m, DNSPOOL_A_LISTENER_PORT, &port, 2);
			if (chance(50))
				put_u32(m, DNSPOOL_A_LISTENER_PROTO, rnd(3));
		}
		if (cmd == DNSPOOL_CMD_LISTENER_ADD || chance(50)) {
			pick_name(name, 1, 0);
			put_str(m, DNSPOOL_A_LISTENER_TARGET, name);
		}
		n = chance(50) ? 0 : 1 + rnd(3);
		for (i = 0; i < n; i++) {
			uint8_t len = rnd(33);
			uint32_t a4 = len ? htonl(0x7f000000 & (0xffffffffU << (32 - len))) : 0;

			off = nest_begin(m, DNSPOOL_A_LISTENER_ALLOW);
			put_u32(m, DNSPOOL_A_PREFIX_IPV4, a4);
			attr_put(m, DNSPOOL_A_PREFIX_LEN, &len, 1);
			nest_end(m, off);
		}
		if (chance(30))
			put_u32(m, DNSPOOL_A_LISTENER_RATE, rnd(1000));
		if (chance(30))
			put_u32(m, DNSPOOL_A_LISTENER_TCP_IDLE_MS, 100 + rnd(20000));
		if (chance(30))
			put_u32(m, DNSPOOL_A_LISTENER_TCP_MAX, 1 + rnd(chance(90) ? 300 : 65536));
		break;
	case DNSPOOL_CMD_QUERY: {
		uint8_t q[512];

		pick_name(name, 1, 0);
		put_str(m, DNSPOOL_A_QUERY_UPSTREAM, name);
		attr_put(m, DNSPOOL_A_QUERY_MSG, q, dns_query(q, 1 + rnd(1000), rnd64()));
		break;
	}
	case DNSPOOL_CMD_POOL_GET:
		if (chance(60)) {
			pick_name(name, 1, 0);
			put_str(m, DNSPOOL_A_POOL_UPSTREAM, name);
		}
		break;
	}
}

/*
 * One message for @cmd into @m at its end; @p describes it.  Return: 1
 * when it must be the last of its batch (its header lies).
 */
int gen_msg(struct mbuf *m, struct pend *p, int cmd, int may_break)
{
	struct opinfo *op = op_of(cmd);
	int admin = op_admin(cmd), dump = 0, off, last = 0, mode = rnd(100);
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	uint16_t type = fam_id;
	uint8_t version = DNSPOOL_FAMILY_VERSION;
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int sendlen;

	memset(p, 0, sizeof(*p));
	p->seq = ++A->seq;
	if (op && (op->flags & GENL_CMD_CAP_DUMP) &&
	    (!(op->flags & GENL_CMD_CAP_DO) || chance(50)))
		dump = 1;
	if (dump)
		flags |= NLM_F_DUMP;
	off = msg_begin(m, type, flags, p->seq, cmd, version);
	flip = 0;
	cur_cmd = cmd;
	if (mode < 40) {
		gen_valid(m, cmd);
	} else if (op) {
		int pi = dump ? op->dumppol : op->dopol;

		gen_attrs(m, pi, admin, 0, mode >= 70);
	}
	/* Attribute-level damage. */
	if (mode >= 70 || chance(5)) {
		int k = 1 + rnd(2);

		while (k--) {
			uint8_t junk[64];
			int maxt = op && op->dopol >= 0 ? pol_max[op->dopol] : 8;

			switch (rnd(5)) {
			case 0:		/* unknown type */
				rnd_bytes(junk, 8);
				attr_put(m, chance(50) ? maxt + 1 + rnd(4) :
					 chance(50) ? 0 : rnd(NLA_TYPE_MASK + 1), junk, rnd(9));
				break;
			case 1: {	/* oversized */
				int len = chance(90) ? 256 + rnd(4096) : 32768 + rnd(30000);
				static uint8_t big[65536];

				memset(big, 'a' + rnd(26), len);
				if (chance(50))
					big[len - 1] = 0;
				attr_put(m, 1 + rnd(maxt), big, len);
				break;
			}
			case 2:		/* a name attribute twice */
				if (room(m, 16)) {
					char name[DNSPOOL_NAME_MAX_LEN + 1];

					pick_name(name, 0, 0);
					put_str(m, 1, name);
				}
				break;
			case 3:		/* a known type with another type's length */
				rnd_bytes(junk, 64);
				attr_put(m, 1 + rnd(maxt), junk, rnd(24));
				break;
			default:	/* bytes that are no attribute */
				if (room(m, 8)) {
					int n = 1 + rnd(3);

					rnd_bytes(m->b + m->len, n);
					m->len += n;
				}
			}
		}
	}
	msg_end(m, off);
	nlh = (struct nlmsghdr *)(m->b + off);
	g = (struct genlmsghdr *)(nlh + 1);
	sendlen = m->len - off;

	/* Header-level damage. */
	if (chance(8)) {
		switch (rnd(may_break ? 12 : 7)) {
		case 0:
			g->cmd = chance(50) ? rnd(256) : 0;
			/* Not into a change of the actor's fixed upstreams
			 * or group (a query naming "ug" made GROUP_DEL
			 * deletes it): the valid queries, the unprivileged
			 * actor's too, are asked of them.
			 */
			if (op_admin(g->cmd) && msg_names_fixed((uint8_t *)nlh))
				g->cmd = 0;
			break;
		case 1: g->version = rnd(256); break;
		case 2: g->reserved = 1 + rnd(0xffff); break;
		case 3: nlh->nlmsg_flags &= ~NLM_F_REQUEST; break;
		case 4:
			nlh->nlmsg_flags ^= chance(50) ? NLM_F_DUMP :
					    chance(50) ? NLM_F_ROOT : NLM_F_ECHO;
			break;
		case 5: nlh->nlmsg_flags |= 1 << (5 + rnd(11)); break;
		case 6:
			nlh->nlmsg_type = chance(30) ? GENL_ID_CTRL : chance(50) ? rnd(4) :
					  rnd(65536);
			break;
		case 7:		/* nlmsghdr cut */
			nlh->nlmsg_len = rnd(NLMSG_HDRLEN);
			sendlen = chance(50) ? nlh->nlmsg_len : sendlen;
			last = 1;
			break;
		case 8:		/* genlmsghdr cut */
			nlh->nlmsg_len = NLMSG_HDRLEN + rnd(GENL_HDRLEN);
			sendlen = nlh->nlmsg_len;
			last = 1;
			break;
		case 9:		/* longer than what is sent */
			nlh->nlmsg_len += 1 + rnd(100);
			last = 1;
			break;
		case 10:	/* cut in an attribute */
			if (sendlen > NLMSG_HDRLEN + GENL_HDRLEN + 1) {
				nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + 1 +
					rnd(sendlen - NLMSG_HDRLEN - GENL_HDRLEN - 1);
				sendlen = nlh->nlmsg_len;
			}
			last = 1;
			break;
		default: {	/* the last attribute's length past the end, or too small */
			struct nlattr *a, *lasta = NULL;
			uint8_t *ap;
			int alen;

			ap = genl_attrs(nlh, &alen);
			for_each_attr(a, ap, alen)
				lasta = a;
			if (lasta)
				lasta->nla_len = chance(50) ? lasta->nla_len + 4 + rnd(2000) : rnd(4);
			if (chance(30)) {	/* and junk after the message */
				int j = 1 + rnd(NLMSG_HDRLEN - 1);

				rnd_bytes(m->b + m->len, j);
				sendlen += j;
				m->len += j;
			}
			last = 1;
		}
		}
	}
	m->len = off + sendlen;
	/* The next message of the batch starts where the kernel looks. */
	if (!last && sendlen != (int)NLMSG_ALIGN(sendlen)) {
		memset(m->b + m->len, 0, NLMSG_ALIGN(sendlen) - sendlen);
		sendlen = NLMSG_ALIGN(sendlen);
		m->len = off + sendlen;
	}

	/* What the kernel will make of it. */
	p->off = off;
	p->len = sendlen;
	p->cmd = g->cmd;
	p->nl_ok = nlh->nlmsg_len >= NLMSG_HDRLEN && nlh->nlmsg_len <= (uint32_t)sendlen;
	p->want_ack = p->nl_ok && (nlh->nlmsg_flags & NLM_F_ACK);
	p->processed = p->nl_ok && (nlh->nlmsg_flags & NLM_F_REQUEST) &&
		       nlh->nlmsg_type >= NLMSG_MIN_TYPE;
	if (p->processed && nlh->nlmsg_type == fam_id &&
	    nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN && !g->reserved) {
		uint16_t fl = nlh->nlmsg_flags;
		int isdump = (fl & NLM_F_DUMP) == NLM_F_DUMP;
		struct opinfo *o = op_of(g->cmd);

		if (isdump)
			fl &= ~NLM_F_DUMP;
		p->genl_ok = !(fl & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) && o &&
			     (o->flags & (isdump ? GENL_CMD_CAP_DUMP : GENL_CMD_CAP_DO));
		p->admin = op_admin(g->cmd) && !isdump;
	}
	return last;
}
