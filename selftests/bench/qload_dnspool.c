// SPDX-License-Identifier: GPL-2.0
/*
 * qload's dnspool client: libdnspool, a batch of queries per sendmsg() and
 * of answers per recvmmsg() (one each at batch 1), no peek.  The kernel's
 * pool chooses the IDs and checks the answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/dnspool.h>

#include "../../ctl/libdnspool.h"
#include "qload.h"

/* Sequence numbers to slots: more than the queries in flight. */
#define SEQ_RING	(1u << 20)

struct dp {
	struct dnspool_client *nl;
	unsigned int batch;
	unsigned int flags;
	uint32_t *slot_of;	/* by seq % SEQ_RING */
	uint32_t *seq_of;	/* by slot */
	const char *upstream;
	answer_fn fn;
	void *arg;
};

static int dp_open(struct client *c, unsigned int window, unsigned int batch)
{
	struct dp *d = calloc(1, sizeof(*d));

	if (!d || !c->args[0])
		return fprintf(stderr, "qload: dnspool UPSTREAM [tcp]\n"), -1;
	d->upstream = c->args[0];
	d->flags = c->args[1] && !strcmp(c->args[1], "tcp") ? DNSPOOL_SUBMIT_TCP : 0;
	d->batch = batch;
	d->slot_of = calloc(SEQ_RING, sizeof(*d->slot_of));
	d->seq_of = calloc(window, sizeof(*d->seq_of));
	d->nl = dnspool_open();
	if (!d->nl)
		return perror("qload: dnspool_open"), -1;
	if (!d->slot_of || !d->seq_of ||
	    dnspool_set_recv_batch(d->nl, batch > 32 ? 32 : batch))
		return fprintf(stderr, "qload: out of memory\n"), -1;
	c->priv = d;
	return 0;
}

static int dp_flush(struct client *c)
{
	struct dp *d = c->priv;
	int err = dnspool_flush(d->nl);

	if (err)
		fprintf(stderr, "qload: dnspool_flush: %s\n", strerror(-err));
	return err;
}

static int dp_send(struct client *c, unsigned int slot, const struct wire *w)
{
	struct dp *d = c->priv;
	uint32_t seq;
	int err;

	err = dnspool_submit(d->nl, d->upstream, w->buf, w->len, d->flags, &seq);
	if (err)
		return fprintf(stderr, "qload: dnspool_submit: %s\n", strerror(-err)), -1;
	d->slot_of[seq % SEQ_RING] = slot;
	d->seq_of[slot] = seq;
	return dnspool_queued(d->nl) >= d->batch ? dp_flush(c) : 0;
}

static int dp_fds(struct client *c, int *fds, int max)
{
	struct dp *d = c->priv;

	if (max < 1)
		return 0;
	fds[0] = dnspool_fd(d->nl);
	return 1;
}

static void dp_answer(const struct dnspool_answer *a, void *arg)
{
	struct dp *d = arg;
	uint32_t slot = d->slot_of[a->seq % SEQ_RING];

	if (d->seq_of[slot] != a->seq)
		return;
	if (a->refused)
		fprintf(stderr, "qload: refused: %s\n", a->why ?: strerror(a->error));
	d->fn(slot, !a->error, d->arg);
}

static int dp_drain(struct client *c, int fd, answer_fn fn, void *arg)
{
	struct dp *d = c->priv;
	int n;

	(void)fd;
	d->fn = fn;
	d->arg = arg;
	n = dnspool_drain(d->nl, dp_answer, d);
	if (n < 0)
		fprintf(stderr, "qload: dnspool_drain: %s\n", strerror(-n));
	return n;
}

static int dp_sockets(struct client *c)
{
	(void)c;
	return 0;	/* the pool's: in its stats */
}

struct client dnspool_client = {
	.name = "dnspool",
	.open = dp_open,
	.send = dp_send,
	.flush = dp_flush,
	.fds = dp_fds,
	.drain = dp_drain,
	.sockets = dp_sockets,
};
