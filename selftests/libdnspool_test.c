// SPDX-License-Identifier: GPL-2.0
/*
 * libdnspool against the module and a real unbound, run by libdnspool.sh,
 * which starts unbound and adds the upstreams named in DNSPOOL_UDP and
 * DNSPOOL_TCP.  Batches of queries in one sendmsg() each get one answer
 * apiece, matched by sequence number, with the client's own ID back; a
 * refused query in a batch is answered with its refusal and the others
 * still run; answers with no room are reported as ENOBUFS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/dnspool.h>

/* Before ldns.h, whose headers make the harness's ctype use warn. */
#include "kselftest_harness.h"
#include <ldns/ldns.h>

#include "../ctl/libdnspool.h"

#define MAX_Q	1024

struct seen {
	unsigned int answers[MAX_Q];	/* by seq - first */
	uint32_t first;
	uint16_t id[MAX_Q];		/* the ID each query was sent with */
	int error[MAX_Q];
	bool refused[MAX_Q];
	char why[MAX_Q][128];
	uint32_t transport[MAX_Q];
	int rcode[MAX_Q];
	bool id_back[MAX_Q];		/* the answer carried the client's ID */
	int stray;			/* answers to no query of ours */
};

/* A query for hN.dnspool.test A, with ID @id (the kernel restores it). */
static size_t make_query(unsigned int n, uint16_t id, uint8_t **wire)
{
	char name[64];
	ldns_pkt *pkt;
	size_t len = 0;

	snprintf(name, sizeof(name), "h%u.dnspool.test.", n % 1000 + 1);
	pkt = ldns_pkt_query_new(ldns_dname_new_frm_str(name), LDNS_RR_TYPE_A,
				 LDNS_RR_CLASS_IN, LDNS_RD);
	if (!pkt)
		return 0;
	ldns_pkt_set_id(pkt, id);
	if (ldns_pkt2wire(wire, pkt, &len) != LDNS_STATUS_OK)
		len = 0;
	ldns_pkt_free(pkt);
	return len;
}

static void on_answer(const struct dnspool_answer *a, void *arg)
{
	struct seen *s = arg;
	uint32_t i = a->seq - s->first;

	if (i >= MAX_Q) {
		s->stray++;
		return;
	}
	s->answers[i]++;
	s->error[i] = a->error;
	s->refused[i] = a->refused;
	s->transport[i] = a->transport;
	if (a->why)
		snprintf(s->why[i], sizeof(s->why[i]), "%s", a->why);
	if (a->msg && a->len >= 12) {
		s->rcode[i] = a->msg[3] & 0xf;
		s->id_back[i] = (a->msg[0] << 8 | a->msg[1]) == s->id[i];
	}
}

/* Submits @n queries to @up (NULL entries: a missing upstream), flushing
 * every @batch, then drains until all are answered or 60 s passed.
 */
static int run(struct dnspool_client *c, struct seen *s, const char *const *up,
	       unsigned int n, unsigned int batch, unsigned int flags)
{
	unsigned int i, got = 0;
	time_t until;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++) {
		uint8_t *wire;
		uint32_t seq;
		size_t len;

		s->id[i] = 0x1000 + i;
		len = make_query(i, s->id[i], &wire);
		if (!len || dnspool_submit(c, up[i] ? up[i] : "no-such-upstream", wire, len,
					   flags, &seq))
			return -1;
		free(wire);
		if (!i)
			s->first = seq;
		if (seq != s->first + i)
			return -1;
		if (dnspool_queued(c) >= batch && dnspool_flush(c))
			return -1;
	}
	if (dnspool_flush(c))
		return -1;
	/* A bound that proves nothing hangs, not a speed: past the longest
	 * query timeout libdnspool.sh sets.
	 */
	until = time(NULL) + 60;
	while (got < n && time(NULL) < until) {
		int r = dnspool_wait(c, 100);

		if (r < 0)
			return r;
		r = dnspool_drain(c, on_answer, s);
		if (r < 0)
			return r;
		got += r;
	}
	return got;
}

FIXTURE(lib) {
	struct dnspool_client *c;
	struct seen s;
	const char *udp, *tcp;
	const char *ups[MAX_Q];
};

FIXTURE_SETUP(lib)
{
	self->udp = getenv("DNSPOOL_UDP");
	self->tcp = getenv("DNSPOOL_TCP");
	ASSERT_NE(NULL, self->udp) TH_LOG("run by libdnspool.sh");
	ASSERT_NE(NULL, self->tcp);
	self->c = dnspool_open();
	ASSERT_NE(NULL, self->c) TH_LOG("dnspool_open: %s", strerror(errno));
	for (int i = 0; i < MAX_Q; i++)
		self->ups[i] = self->udp;
}

FIXTURE_TEARDOWN(lib)
{
	dnspool_close(self->c);
}

/* 1000 queries, 64 per sendmsg(): each answered once, NOERROR, its ID back. */
TEST_F(lib, batches_answered_once_each)
{
	struct seen *s = &self->s;
	int i;

	ASSERT_EQ(1000, run(self->c, s, self->ups, 1000, 64, 0));
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(1, s->answers[i]) TH_LOG("query %d", i);
		ASSERT_EQ(0, s->error[i]) TH_LOG("query %d: %s", i, strerror(s->error[i]));
		ASSERT_EQ(0, s->rcode[i]);
		ASSERT_TRUE(s->id_back[i]);
		ASSERT_EQ(DNSPOOL_TRANSPORT_UDP, s->transport[i]);
	}
	ASSERT_EQ(0, s->stray);
	/* Nothing more comes. */
	ASSERT_EQ(0, dnspool_drain(self->c, on_answer, s));
}

/* One query of a batch names no upstream: it alone is refused, with the
 * kernel's reason, and the others of its sendmsg() run.
 */
TEST_F(lib, refusal_in_a_batch)
{
	struct seen *s = &self->s;
	int i;

	self->ups[5] = NULL;
	ASSERT_EQ(16, run(self->c, s, self->ups, 16, 16, 0));
	for (i = 0; i < 16; i++) {
		ASSERT_EQ(1, s->answers[i]);
		if (i == 5)
			continue;
		ASSERT_EQ(0, s->error[i]);
		ASSERT_FALSE(s->refused[i]);
	}
	ASSERT_EQ(ENOENT, s->error[5]);
	ASSERT_TRUE(s->refused[5]);
	ASSERT_STREQ("no upstream or group of this name", s->why[5]);
}

/* DNSPOOL_SUBMIT_TCP takes a udp upstream's TCP pool; a tcp upstream's
 * queries pipeline on its connections.
 */
TEST_F(lib, tcp)
{
	struct seen *s = &self->s;
	int i;

	ASSERT_EQ(50, run(self->c, s, self->ups, 50, 8, DNSPOOL_SUBMIT_TCP));
	for (i = 0; i < 50; i++) {
		ASSERT_EQ(0, s->error[i]);
		ASSERT_EQ(DNSPOOL_TRANSPORT_TCP, s->transport[i]);
	}
	for (i = 0; i < MAX_Q; i++)
		self->ups[i] = self->tcp;
	ASSERT_EQ(200, run(self->c, s, self->ups, 200, 64, 0));
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(0, s->error[i]);
		ASSERT_TRUE(s->id_back[i]);
	}
}

/* A receive buffer with no room: answers are lost, and drain says so. */
TEST_F(lib, lost_answers_reported)
{
	struct seen *s = &self->s;
	int r = 0, i;

	ASSERT_EQ(0, dnspool_set_rcvbuf(self->c, 0));
	memset(s, 0, sizeof(*s));
	for (i = 0; i < 200; i++) {
		uint8_t *wire;
		uint32_t seq;
		size_t len = make_query(i, i, &wire);

		ASSERT_EQ(0, dnspool_submit(self->c, self->udp, wire, len, 0, &seq));
		free(wire);
	}
	ASSERT_EQ(0, dnspool_flush(self->c));
	for (i = 0; i < 50 && r != -ENOBUFS; i++) {
		dnspool_wait(self->c, 100);
		r = dnspool_drain(self->c, on_answer, s);
	}
	ASSERT_EQ(-ENOBUFS, r);
}

TEST_F(lib, bad_arguments)
{
	char name[DNSPOOL_NAME_MAX_LEN + 2];
	uint32_t seq;

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	ASSERT_EQ(-EMSGSIZE, dnspool_submit(self->c, name, "x", 1, 0, &seq));
	ASSERT_EQ(-EINVAL, dnspool_set_recv_batch(self->c, 0));
	ASSERT_EQ(-EINVAL, dnspool_set_recv_batch(self->c, 33));
	ASSERT_EQ(0, dnspool_queued(self->c));
	ASSERT_NE(NULL, strstr(dnspool_strerror(ESRCH, DNSPOOL_TRANSPORT_TLS), "tlshd"));
}

TEST_HARNESS_MAIN
