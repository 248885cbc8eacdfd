// SPDX-License-Identifier: GPL-2.0
/*
 * The registry an actor keeps: the upstreams, groups and listeners the
 * kernel's acks say it made; each answer checked against it, and it
 * against the kernel's dumps (after a lost ack, and at the end), and its
 * entries deleted at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl_fuzz.h"

const char *kind_name[] = { "none", "upstream", "group", "listener" };

static int reg_find(const char *name)
{
	int i;

	for (i = 0; i < A->nreg; i++)
		if (!strcmp(A->reg[i].name, name))
			return i;
	return -1;
}

void reg_add(const char *name, int kind)
{
	if (A->nreg < NREG) {
		snprintf(A->reg[A->nreg].name, sizeof(A->reg[0].name), "%s", name);
		A->reg[A->nreg++].kind = kind;
	}
}

static void reg_del(int i)
{
	A->reg[i] = A->reg[--A->nreg];
}

/* The last top-level attribute 1 (the name of upstream, group and
 * listener requests), as a C string: what the kernel looks up.
 */
static int msg_name(const uint8_t *msg, char *out)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
	struct nlattr *a;
	uint8_t *p;
	int len, found = 0;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return 0;
	p = genl_attrs(nlh, &len);
	for_each_attr(a, p, len) {
		if (ATYPE(a) == 1 && ALEN(a) > 0 && ALEN(a) <= DNSPOOL_NAME_MAX_LEN + 1 &&
		    memchr(ADATA(a), 0, ALEN(a))) {
			strcpy(out, (char *)ADATA(a));
			found = 1;
		}
	}
	return found;
}

/* Does @msg name (for the kernel) one of the actor's fixed upstreams and
 * group?
 */
int msg_names_fixed(const uint8_t *msg)
{
	char name[DNSPOOL_NAME_MAX_LEN + 1];

	return msg_name(msg, name) && is_reserved(name);
}

/* What an answer tells of the registry, checked against what the actor
 * knows; the registry updated.
 */
void account(struct batch *b, struct pend *p)
{
	const uint8_t *msg = b->m->b + p->off;
	char name[DNSPOOL_NAME_MAX_LEN + 1];
	int kind = K_NONE, i, err = p->err;
	enum { OP_ADD, OP_DEL, OP_GET, OP_OTHER } what = OP_OTHER;

	if (p->done)
		A->errs[-err < NERR && err <= 0 ? -err : NERR - 1]++;
	else if (p->want_ack && !p->valid_query) {
		/* netlink acks every request that asks, unless the ack was lost */
		A->noack_n++;
		if (!A->r->overruns)
			anomaly(msg, p->len, "no ack (cmd %d)", p->cmd);
	}
	if (!A->privileged) {
		if (!p->admin || !p->processed)
			return;
		if (p->done && !err) {
			A->r->admin_ok++;
			anomaly(msg, p->len, "an unprivileged request (cmd %d) succeeded", p->cmd);
		} else if (p->genl_ok && p->done && err != -EPERM) {
			A->r->admin_not_eperm++;
			anomaly(msg, p->len, "an unprivileged request (cmd %d) failed with %s, not EPERM",
				p->cmd, strerrorname_np(-err) ?: "?");
		} else if (err == -EPERM) {
			A->r->admin_eperm++;
		}
		return;
	}
	if (!p->genl_ok) {
		if (p->done && !err && p->processed &&
		    ((struct nlmsghdr *)msg)->nlmsg_type == fam_id)
			anomaly(msg, p->len, "a malformed request (cmd %d) succeeded", p->cmd);
		return;
	}
	switch (p->cmd) {
	case DNSPOOL_CMD_UPSTREAM_ADD: what = OP_ADD; kind = K_UP; break;
	case DNSPOOL_CMD_GROUP_ADD: what = OP_ADD; kind = K_GROUP; break;
	case DNSPOOL_CMD_LISTENER_ADD: what = OP_ADD; kind = K_LSN; break;
	case DNSPOOL_CMD_UPSTREAM_DEL: what = OP_DEL; kind = K_UP; break;
	case DNSPOOL_CMD_GROUP_DEL: what = OP_DEL; kind = K_GROUP; break;
	case DNSPOOL_CMD_LISTENER_DEL: what = OP_DEL; kind = K_LSN; break;
	case DNSPOOL_CMD_UPSTREAM_GET: what = OP_GET; kind = K_UP; break;
	case DNSPOOL_CMD_GROUP_GET: what = OP_GET; kind = K_GROUP; break;
	case DNSPOOL_CMD_LISTENER_GET: what = OP_GET; kind = K_LSN; break;
	}
	if (what == OP_OTHER || (((struct nlmsghdr *)msg)->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
		return;
	if (!p->done) {
		if (what != OP_GET)
			A->uncertain = 1;	/* the ack was lost: ask the kernel */
		return;
	}
	if (!msg_name(msg, name))
		return;
	i = reg_find(name);
	switch (what) {
	case OP_ADD:
		if (!err) {
			if (i >= 0)
				anomaly(msg, p->len, "add of %s '%s' succeeded, but it is a %s",
					kind_name[kind], name, kind_name[A->reg[i].kind]);
			else
				reg_add(name, kind);
		} else if (err == -EEXIST && i < 0) {
			anomaly(msg, p->len, "add of %s '%s': EEXIST, but no such name exists",
				kind_name[kind], name);
		}
		break;
	case OP_DEL:
		if (!err) {
			if (i < 0 || A->reg[i].kind != kind)
				anomaly(msg, p->len, "del of %s '%s' succeeded, but it is a %s",
					kind_name[kind], name, i < 0 ? "none" : kind_name[A->reg[i].kind]);
			if (i >= 0)
				reg_del(i);
		} else if (err == -ENOENT && i >= 0 && A->reg[i].kind == kind) {
			anomaly(msg, p->len, "del of %s '%s': ENOENT, but it exists",
				kind_name[kind], name);
		}
		break;
	case OP_GET:
		if (!err && (i < 0 || A->reg[i].kind != kind))
			anomaly(msg, p->len, "get of %s '%s' succeeded, but it is a %s",
				kind_name[kind], name, i < 0 ? "none" : kind_name[A->reg[i].kind]);
		else if (err == -ENOENT && i >= 0 && A->reg[i].kind == kind)
			anomaly(msg, p->len, "get of %s '%s': ENOENT, but it exists",
				kind_name[kind], name);
		break;
	default:
		break;
	}
}

/* ---- the registry as the kernel dumps it ---- */

static void names_reply(struct nlmsghdr *nlh, void *arg)
{
	struct names *ns = arg;
	struct nlattr *a;
	uint8_t *ap;
	int alen;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		ns->intr = 1;
	ap = genl_attrs(nlh, &alen);
	for_each_attr(a, ap, alen)
		if (ATYPE(a) == 1 && ns->n < NREG)
			snprintf(ns->name[ns->n++], sizeof(ns->name[0]), "%s", (char *)ADATA(a));
}

/* Dumps @kind's names; retries an interrupted dump.  Return: 0 or -errno. */
int dump_names(int fd, int kind, struct names *ns)
{
	static const int cmd[] = { 0, DNSPOOL_CMD_UPSTREAM_GET, DNSPOOL_CMD_GROUP_GET,
				   DNSPOOL_CMD_LISTENER_GET };
	struct mbuf *m = malloc(sizeof(*m));
	int err, tries = 0, off;

	do {
		ns->n = ns->intr = 0;
		m->len = 0;
		off = msg_begin(m, fam_id, NLM_F_REQUEST | NLM_F_DUMP, 0, cmd[kind],
				DNSPOOL_FAMILY_VERSION);
		msg_end(m, off);
		err = nl_call(fd, m, names_reply, ns);
	} while (!err && ns->intr && ++tries < 5);
	free(m);
	return err;
}

/* Sets the actor's registry to the kernel's (after a lost ack). */
void resync(void)
{
	static struct names ns;
	int k, i;

	A->nreg = 0;
	for (k = K_UP; k <= K_LSN; k++) {
		if (dump_names(A->ctl, k, &ns))
			continue;
		for (i = 0; i < ns.n; i++)
			reg_add(ns.name[i], k);
	}
	A->uncertain = 0;
	A->r->resyncs++;
}

/* Compares the registry with the kernel's.  Return: differences. */
int compare_registry(void)
{
	static struct names ns;
	int k, i, j, diff = 0, err;

	for (k = K_UP; k <= K_LSN; k++) {
		err = dump_names(A->ctl, k, &ns);
		if (err) {
			diag("dump of %ss failed: %s", kind_name[k], strerror(-err));
			diff++;
			continue;
		}
		for (i = 0; i < ns.n; i++) {
			j = reg_find(ns.name[i]);
			if (j < 0 || A->reg[j].kind != k) {
				diag("the kernel has %s '%s', the actor %s", kind_name[k], ns.name[i],
				     j < 0 ? "nothing of this name" : kind_name[A->reg[j].kind]);
				diff++;
			}
		}
		for (j = 0; j < A->nreg; j++) {
			if (A->reg[j].kind != k)
				continue;
			for (i = 0; i < ns.n; i++)
				if (!strcmp(ns.name[i], A->reg[j].name))
					break;
			if (i == ns.n) {
				diag("the actor has %s '%s', the kernel not", kind_name[k], A->reg[j].name);
				diff++;
			}
		}
	}
	return diff;
}

/* Deletes everything of the actor's registry.  Return: failures. */
int clear_registry(void)
{
	static const int cmd[] = { 0, DNSPOOL_CMD_UPSTREAM_DEL, DNSPOOL_CMD_GROUP_DEL,
				   DNSPOOL_CMD_LISTENER_DEL };
	struct mbuf *m = malloc(sizeof(*m));
	int k, i, fails = 0, off, err;

	for (k = K_LSN; k >= K_UP; k--) {
		for (i = 0; i < A->nreg; i++) {
			if (A->reg[i].kind != k)
				continue;
			m->len = 0;
			off = msg_begin(m, fam_id, 0, 0, cmd[k], DNSPOOL_FAMILY_VERSION);
			put_str(m, 1, A->reg[i].name);
			msg_end(m, off);
			err = nl_call(A->ctl, m, NULL, NULL);
			if (err) {
				diag("cannot delete %s '%s': %s", kind_name[k], A->reg[i].name,
				     strerror(-err));
				fails++;
			}
		}
	}
	free(m);
	return fails;
}
