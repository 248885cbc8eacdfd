// SPDX-License-Identifier: GPL-2.0
/*
 * What nl_fuzz knows of the family, learnt from the kernel: its id, its
 * monitor group, its operations (CTRL_CMD_GETFAMILY) and the attribute
 * policies of each (CTRL_CMD_GETPOLICY).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nl_fuzz.h"

struct apol pol[NPOL][NATTR];
int pol_max[NPOL];
struct opinfo ops[NOPS];
int nops, nop_policies, npolicies;
int fam_id, mon_grp;

struct opinfo *op_of(int cmd)
{
	int i;

	for (i = 0; i < nops; i++)
		if (ops[i].cmd == cmd)
			return &ops[i];
	return NULL;
}

static void family_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *a, *o, *f;
	uint8_t *p;
	int len;

	p = genl_attrs(nlh, &len);
	for_each_attr(a, p, len) {
		if (ATYPE(a) == CTRL_ATTR_FAMILY_ID) {
			fam_id = attr_uint(a);
		} else if (ATYPE(a) == CTRL_ATTR_OPS) {
			for_each_attr(o, ADATA(a), ALEN(a)) {
				struct opinfo op = { .dopol = -1, .dumppol = -1 };

				for_each_attr(f, ADATA(o), ALEN(o)) {
					if (ATYPE(f) == CTRL_ATTR_OP_ID)
						op.cmd = attr_uint(f);
					else if (ATYPE(f) == CTRL_ATTR_OP_FLAGS)
						op.flags = attr_uint(f);
				}
				if (nops < NOPS && op.cmd)
					ops[nops++] = op;
			}
		} else if (ATYPE(a) == CTRL_ATTR_MCAST_GROUPS) {
			for_each_attr(o, ADATA(a), ALEN(a)) {
				int id = 0, mon = 0;

				for_each_attr(f, ADATA(o), ALEN(o)) {
					if (ATYPE(f) == CTRL_ATTR_MCAST_GRP_ID)
						id = attr_uint(f);
					else if (ATYPE(f) == CTRL_ATTR_MCAST_GRP_NAME)
						mon = !strcmp((char *)ADATA(f), DNSPOOL_MCGRP_MONITOR);
				}
				if (mon)
					mon_grp = id;
			}
		}
	}
}

static void policy_reply(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *a, *o, *f, *t;
	uint8_t *p;
	int len;

	p = genl_attrs(nlh, &len);
	for_each_attr(a, p, len) {
		if (ATYPE(a) == CTRL_ATTR_OP_POLICY) {
			for_each_attr(o, ADATA(a), ALEN(a)) {
				struct opinfo *op = op_of(ATYPE(o));

				if (!op)
					continue;
				nop_policies++;
				for_each_attr(f, ADATA(o), ALEN(o)) {
					if (ATYPE(f) == CTRL_ATTR_POLICY_DO)
						op->dopol = attr_uint(f);
					else if (ATYPE(f) == CTRL_ATTR_POLICY_DUMP)
						op->dumppol = attr_uint(f);
				}
			}
		} else if (ATYPE(a) == CTRL_ATTR_POLICY) {
			/* policy index -> attribute type -> its description */
			for_each_attr(o, ADATA(a), ALEN(a)) {
				int idx = ATYPE(o);

				if (idx >= NPOL)
					continue;
				if (idx >= npolicies)
					npolicies = idx + 1;
				for_each_attr(f, ADATA(o), ALEN(o)) {
					int at = ATYPE(f);
					struct apol *ap;

					if (at >= NATTR)
						continue;
					ap = &pol[idx][at];
					ap->set = 1;
					ap->max = ~0ULL;
					ap->maxlen = 0xffff;
					if (at > pol_max[idx])
						pol_max[idx] = at;
					for_each_attr(t, ADATA(f), ALEN(f)) {
						switch (ATYPE(t)) {
						case NL_POLICY_TYPE_ATTR_TYPE:
							ap->type = attr_uint(t); break;
						case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
							ap->min = attr_uint(t); break;
						case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
							ap->max = attr_uint(t); break;
						case NL_POLICY_TYPE_ATTR_MIN_LENGTH:
							ap->minlen = attr_uint(t); break;
						case NL_POLICY_TYPE_ATTR_MAX_LENGTH:
							ap->maxlen = attr_uint(t); break;
						case NL_POLICY_TYPE_ATTR_POLICY_IDX:
							ap->nest = attr_uint(t); break;
						case NL_POLICY_TYPE_ATTR_POLICY_MAXTYPE:
							ap->nestmax = attr_uint(t); break;
						}
					}
				}
			}
		}
	}
}

/* Ops and policies of the family, from the kernel.  Return: 0 or -errno. */
int learn_family(void)
{
	struct mbuf *m = calloc(1, sizeof(*m));
	int fd = nl_open(1 << 20), err, off;

	if (fd < 0 || !m)
		return -ENOMEM;
	nops = nop_policies = npolicies = 0;
	memset(pol, 0, sizeof(pol));
	memset(pol_max, 0, sizeof(pol_max));
	off = msg_begin(m, GENL_ID_CTRL, NLM_F_REQUEST, 0, CTRL_CMD_GETFAMILY, 1);
	put_str(m, CTRL_ATTR_FAMILY_NAME, DNSPOOL_FAMILY_NAME);
	msg_end(m, off);
	err = nl_call(fd, m, family_reply, NULL);
	if (!err) {
		m->len = 0;
		off = msg_begin(m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_DUMP, 0,
				CTRL_CMD_GETPOLICY, 1);
		put_str(m, CTRL_ATTR_FAMILY_NAME, DNSPOOL_FAMILY_NAME);
		msg_end(m, off);
		err = nl_call(fd, m, policy_reply, NULL);
	}
	close(fd);
	free(m);
	return err;
}
