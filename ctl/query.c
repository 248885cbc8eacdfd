// SPDX-License-Identifier: GPL-2.0
/*
 * dnspoolctl query: DNS messages through the kernel's pools, by
 * libdnspool.  Every query gets one outcome: the answer, or an error (the
 * kernel's answer for a failed query, or the netlink error for a refused
 * request).  Queries go in batches, as many as the window has room for
 * per sendmsg(); answers are drained many per recvmmsg().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <ldns/ldns.h>
#include <linux/dnspool.h>

#include "args.h"
#include "libdnspool.h"
#include "dnspoolctl.h"
#include "nl.h"

static const char usage_text[] =
	"Usage: dnspoolctl [-j] [-n NETNS] query [@NAME] QNAME [TYPE] [+tcp]\n"
	"       dnspoolctl [-j] [-n NETNS] query [@NAME] [+tcp] --raw FILE|-\n"
	"       dnspoolctl [-j] [-n NETNS] query [@NAME] [+tcp] --batch FILE|- [--concurrency N]\n"
	"@NAME: the upstream to ask (default: the first one added)\n"
	"TYPE:  A (default), AAAA, MX, TXT, ... as dig(1) spells them\n"
	"+tcp:  over TCP even to a udp upstream\n"
	"--raw: send the wire-format query in FILE, write the wire answer to stdout\n"
	"--batch: one 'QNAME [TYPE]' per line, N in flight (default 100); prints a summary\n";

/* Longest the kernel can take to answer: dial plus query timeouts, and
 * room; the kernel always answers, this only guards against a bug.
 */
#define ANSWER_WAIT_MS	(10 * 60 * 1000)

struct query_opts {
	const char *upstream;
	bool tcp;
};

/* One query waiting for its answer. */
struct pending {
	uint8_t *wire;
	size_t len;
	uint32_t seq;
	bool answered;
	const char *label;	/* for messages */
	double sent_at;		/* seconds, monotonic */
	double latency;		/* seconds, from send to answer */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct outcome {
	int error;			/* positive errno, 0 answered */
	uint32_t error_class;
	char text[512];			/* of a refused request */
	uint8_t *msg;
	size_t len;
	char upstream[DNSPOOL_NAME_MAX_LEN + 1];
	char group[DNSPOOL_NAME_MAX_LEN + 1];	/* asked of a group: "" otherwise */
	uint32_t asked;				/* members it asked */
	uint32_t transport;
	uint32_t rtt_us;
	bool reused;
};

/* Fills @out from what libdnspool read; @o names the upstream asked. */
static void read_outcome(const struct dnspool_answer *a, const struct query_opts *o,
			 struct outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->error = a->error;
	out->error_class = a->error_class;
	out->transport = a->transport;
	if (a->upstream)
		snprintf(out->upstream, sizeof(out->upstream), "%s", a->upstream);
	if (a->group)
		snprintf(out->group, sizeof(out->group), "%s", a->group);
	out->asked = a->asked;
	if (a->refused) {
		/* Refused at once: the kernel says why, in which attribute. */
		const char *attr = a->attr && !a->attr_missing ?
				   dp_attr_name(DNSPOOL_CMD_QUERY, a->attr) : NULL;
		char why[sizeof(out->text) - DNSPOOL_NAME_MAX_LEN - 2];

		dp_refusal_text(DNSPOOL_CMD_QUERY, a->error, a->why, attr,
				a->attr_missing ? a->attr : -1, why, sizeof(why));
		if (o->upstream)
			snprintf(out->text, sizeof(out->text), "%s: %s", o->upstream, why);
		else
			snprintf(out->text, sizeof(out->text), "%s", why);
		return;
	}
	if (a->error) {
		snprintf(out->text, sizeof(out->text), "%s: %s (%s error)", out->upstream,
			 dnspool_strerror(a->error, a->transport),
			 a->error_class == DNSPOOL_ERROR_CLASS_UPSTREAM ? "upstream" : "local");
		return;
	}
	out->msg = (uint8_t *)a->msg;
	out->len = a->len;
	out->rtt_us = a->rtt_us;
	out->reused = a->reused;
}

typedef void (*outcome_fn)(struct pending *p, struct outcome *o, void *arg);

/* The queries of one exchange, and what to do with each outcome. */
struct exchange {
	const struct query_opts *o;
	struct pending *pend;
	unsigned int n;
	uint32_t base;		/* the first query's sequence number */
	unsigned int got;
	outcome_fn fn;
	void *arg;
};

static void on_answer(const struct dnspool_answer *a, void *arg)
{
	struct exchange *ex = arg;
	uint32_t i = a->seq - ex->base;
	struct pending *p;
	struct outcome out;

	/* Not ours (a stale answer), or seen. */
	if (i >= ex->n || ex->pend[i].answered)
		return;
	p = &ex->pend[i];
	read_outcome(a, ex->o, &out);
	p->answered = true;
	p->latency = now_s() - p->sent_at;
	ex->got++;
	ex->fn(p, &out, ex->arg);
}

static struct dnspool_client *query_client(void)
{
	static struct dnspool_client *c;

	if (c)
		return c;
	c = dnspool_open();
	if (!c && errno == ENOENT)
		dp_err("the dnspool netlink family is not available: is the module loaded? (modprobe dnspool)");
	else if (!c)
		dp_err("cannot open a generic netlink socket: %s", strerror(errno));
	return c;
}

/* Sends every query of @pend, at most @window in flight. */
static int exchange(const struct query_opts *o, struct pending *pend, unsigned int n,
		    unsigned int window, outcome_fn fn, void *arg)
{
	struct exchange ex = { .o = o, .pend = pend, .n = n, .fn = fn, .arg = arg };
	struct dnspool_client *c = query_client();
	unsigned int flags = o->tcp ? DNSPOOL_SUBMIT_TCP : 0, sent = 0;
	int err;

	if (!c)
		return -1;
	while (ex.got < n) {
		/* Fill the window, one sendmsg() per batch. */
		while (sent < n && sent - ex.got < window) {
			pend[sent].sent_at = now_s();
			err = dnspool_submit(c, o->upstream, pend[sent].wire, pend[sent].len, flags,
					     &pend[sent].seq);
			if (err) {
				dp_err("cannot send: %s", strerror(-err));
				return -1;
			}
			if (!sent)
				ex.base = pend[0].seq;
			sent++;
		}
		err = dnspool_flush(c);
		if (err) {
			dp_err("cannot send: %s", strerror(-err));
			return -1;
		}
		err = dnspool_wait(c, ANSWER_WAIT_MS);
		if (!err) {
			dp_err("no answer from the kernel");
			return -1;
		}
		if (err > 0)
			err = dnspool_drain(c, on_answer, &ex);
		if (err < 0) {
			dp_err("netlink: %s%s", strerror(-err),
			       err == -ENOBUFS ? " (answers lost: receive buffer full or no memory)" : "");
			return -1;
		}
	}
	return 0;
}

static int build_query(const char *qname, const char *type, uint8_t **wire, size_t *len)
{
	ldns_rr_type t = LDNS_RR_TYPE_A;
	ldns_pkt *pkt = NULL;
	ldns_status st;

	if (type) {
		t = ldns_get_rr_type_by_name(type);
		if (!t)
			return dp_usage_exit("unknown type '%s'", type);
	}
	st = ldns_pkt_query_new_frm_str(&pkt, qname, t, LDNS_RR_CLASS_IN, LDNS_RD);
	if (st != LDNS_STATUS_OK)
		return dp_usage_err("bad name '%s': %s", qname, ldns_get_errorstr_by_id(st));
	ldns_pkt_set_random_id(pkt);
	ldns_pkt_set_edns_udp_size(pkt, 1232);
	st = ldns_pkt2wire(wire, pkt, len);
	ldns_pkt_free(pkt);
	if (st != LDNS_STATUS_OK)
		return dp_usage_err("cannot build a query for '%s': %s", qname, ldns_get_errorstr_by_id(st));
	return 0;
}

static const char *rcode_name(ldns_pkt *pkt)
{
	ldns_lookup_table *r = ldns_lookup_by_id(ldns_rcodes, ldns_pkt_get_rcode(pkt));

	return r ? r->name : "UNKNOWN";
}

static json_object *answer_json(ldns_pkt *pkt, const struct outcome *o)
{
	json_object *obj = json_object_new_object(), *answers = json_object_new_array();
	ldns_rr_list *rrs = ldns_pkt_answer(pkt);

	json_object_object_add(obj, "upstream", json_object_new_string(o->upstream));
	json_object_object_add(obj, "transport", json_object_new_string(transport_name(o->transport)));
	json_object_object_add(obj, "rcode", json_object_new_string(rcode_name(pkt)));
	for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); i++) {
		ldns_rr *rr = ldns_rr_list_rr(rrs, i);
		json_object *a = json_object_new_object();
		ldns_buffer *data = ldns_buffer_new(256);
		char *owner = ldns_rdf2str(ldns_rr_owner(rr));
		char *type = ldns_rr_type2str(ldns_rr_get_type(rr));

		for (size_t j = 0; j < ldns_rr_rd_count(rr); j++) {
			if (j)
				ldns_buffer_printf(data, " ");
			ldns_rdf2buffer_str(data, ldns_rr_rdf(rr, j));
		}
		json_object_object_add(a, "name", json_object_new_string(owner ? owner : ""));
		json_object_object_add(a, "type", json_object_new_string(type ? type : ""));
		json_object_object_add(a, "ttl", json_object_new_int64(ldns_rr_ttl(rr)));
		json_object_object_add(a, "data", json_object_new_string(ldns_buffer_export2str(data)));
		json_object_array_add(answers, a);
		free(owner);
		free(type);
		ldns_buffer_free(data);
	}
	json_object_object_add(obj, "answers", answers);
	if (o->group[0]) {
		json_object_object_add(obj, "group", json_object_new_string(o->group));
		json_object_object_add(obj, "asked", json_object_new_int64(o->asked));
	}
	json_object_object_add(obj, "rtt_us", json_object_new_int64(o->rtt_us));
	json_object_object_add(obj, "reused", json_object_new_boolean(o->reused));
	return obj;
}

struct single {
	int ret;
	bool raw;
};

static void print_single(struct pending *p, struct outcome *o, void *arg)
{
	struct single *s = arg;
	ldns_pkt *pkt = NULL;

	(void)p;
	if (o->error) {
		dp_err("%s", o->text);
		s->ret = EXIT_FAIL;
		return;
	}
	if (s->raw) {
		s->ret = fwrite(o->msg, 1, o->len, stdout) == o->len ? EXIT_OK : EXIT_FAIL;
		return;
	}
	if (ldns_wire2pkt(&pkt, o->msg, o->len) != LDNS_STATUS_OK) {
		dp_err("%s sent an answer that does not parse", o->upstream);
		s->ret = EXIT_FAIL;
		return;
	}
	if (json_output) {
		dp_json_print(answer_json(pkt, o));
	} else {
		struct timeval now;

		/* As dig says them: when the answer came, and how long it
		 * took (rounded up: an answer takes no less than its RTT).
		 */
		gettimeofday(&now, NULL);
		ldns_pkt_set_timestamp(pkt, now);
		ldns_pkt_set_querytime(pkt, (o->rtt_us + 999) / 1000);
		ldns_pkt_print(stdout, pkt);
		printf(";; UPSTREAM: %s (%s)\n;; RTT: %u us\n;; REUSED: %s\n", o->upstream,
		       transport_name(o->transport), o->rtt_us, o->reused ? "yes" : "no");
		if (o->group[0])
			printf(";; GROUP: %s (%u asked)\n", o->group, o->asked);
	}
	ldns_pkt_free(pkt);
	s->ret = EXIT_OK;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t cap = 0;

	*data = NULL;
	*len = 0;
	if (!f) {
		dp_err("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			*data = realloc(*data, cap);
			if (!*data) {
				dp_err("out of memory");
				return -1;
			}
		}
		size_t n = fread(*data + *len, 1, cap - *len, f);

		*len += n;
		if (!n)
			break;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static int query_one(const struct query_opts *o, uint8_t *wire, size_t len, bool raw)
{
	struct pending p = { .wire = wire, .len = len };
	struct single s = { .ret = EXIT_FAIL, .raw = raw };

	if (exchange(o, &p, 1, 1, print_single, &s))
		s.ret = EXIT_FAIL;
	return s.ret;
}

struct summary {
	unsigned long sent, answered, local, upstream, refused;
	char first_error[1024];
};

static void count_outcome(struct pending *p, struct outcome *o, void *arg)
{
	struct summary *sum = arg;

	if (!o->error) {
		sum->answered++;
		return;
	}
	if (o->msg == NULL && !o->upstream[0])
		sum->refused++;
	else if (o->error_class == DNSPOOL_ERROR_CLASS_UPSTREAM)
		sum->upstream++;
	else
		sum->local++;
	if (!sum->first_error[0])
		snprintf(sum->first_error, sizeof(sum->first_error), "%s: %s", p->label, o->text);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median and 99th percentile of the latencies of the answered queries. */
static void percentiles(struct pending *pend, unsigned int n, double *p50, double *p99)
{
	double *l = calloc(n ? n : 1, sizeof(*l));
	unsigned int k = 0;

	*p50 = *p99 = 0;
	if (!l)
		return;
	for (unsigned int i = 0; i < n; i++)
		if (pend[i].answered)
			l[k++] = pend[i].latency;
	qsort(l, k, sizeof(*l), cmp_double);
	if (k) {
		*p50 = l[k / 2];
		*p99 = l[k * 99 / 100];
	}
	free(l);
}

static int query_batch(const struct query_opts *o, const char *path, unsigned int window)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	struct pending *pend = NULL;
	struct summary sum = {};
	unsigned int n = 0, cap = 0, lineno = 0;
	char line[1024];
	double t0, elapsed, p50, p99;
	int ret = EXIT_OK;

	if (!f) {
		dp_err("cannot open '%s': %s", path, strerror(errno));
		return EXIT_FAIL;
	}
	while (fgets(line, sizeof(line), f)) {
		char *qname, *type, *save;
		uint8_t *wire;
		size_t len;

		lineno++;
		qname = strtok_r(line, " \t\r\n", &save);
		if (!qname || *qname == '#')
			continue;
		type = strtok_r(NULL, " \t\r\n", &save);
		if (build_query(qname, type, &wire, &len)) {
			dp_err("%s:%u: not a query", path, lineno);
			ret = EXIT_USAGE;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			pend = realloc(pend, cap * sizeof(*pend));
			if (!pend) {
				dp_err("out of memory");
				return EXIT_FAIL;
			}
		}
		memset(&pend[n], 0, sizeof(pend[n]));
		pend[n].wire = wire;
		pend[n].len = len;
		pend[n].label = strdup(qname);
		n++;
	}
	if (f != stdin)
		fclose(f);
	if (ret != EXIT_OK)
		return ret;

	t0 = now_s();
	if (exchange(o, pend, n, window, count_outcome, &sum))
		ret = EXIT_FAIL;
	elapsed = now_s() - t0;
	sum.sent = n;
	percentiles(pend, n, &p50, &p99);
	if (json_output) {
		json_object *obj = json_object_new_object();

		json_object_object_add(obj, "sent", json_object_new_int64(sum.sent));
		json_object_object_add(obj, "answered", json_object_new_int64(sum.answered));
		json_object_object_add(obj, "local_errors", json_object_new_int64(sum.local));
		json_object_object_add(obj, "upstream_errors", json_object_new_int64(sum.upstream));
		json_object_object_add(obj, "refused", json_object_new_int64(sum.refused));
		json_object_object_add(obj, "elapsed_s", json_object_new_double(elapsed));
		json_object_object_add(obj, "qps", json_object_new_double(elapsed > 0 ? n / elapsed : 0));
		json_object_object_add(obj, "p50_us", json_object_new_int64(p50 * 1e6));
		json_object_object_add(obj, "p99_us", json_object_new_int64(p99 * 1e6));
		dp_json_print(obj);
	} else {
		printf("sent %lu answered %lu local-errors %lu upstream-errors %lu refused %lu elapsed %.3fs qps %.0f p50 %.0fus p99 %.0fus\n",
		       sum.sent, sum.answered, sum.local, sum.upstream, sum.refused, elapsed,
		       elapsed > 0 ? n / elapsed : 0, p50 * 1e6, p99 * 1e6);
	}
	if (sum.first_error[0])
		dp_err("first error: %s", sum.first_error);
	for (unsigned int i = 0; i < n; i++) {
		free(pend[i].wire);
		free((char *)pend[i].label);
	}
	free(pend);
	if (ret == EXIT_OK && sum.answered != sum.sent)
		ret = EXIT_FAIL;
	return ret;
}

int cmd_query(int argc, char **argv)
{
	struct query_opts o = {};
	const char *raw = NULL, *batch = NULL, *qname = NULL, *type = NULL;
	uint32_t window = 100;
	uint8_t *wire;
	size_t len;
	int ret;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (is_help(a)) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		} else if (a[0] == '@' && !o.upstream) {
			o.upstream = a + 1;
		} else if (!strcmp(a, "+tcp")) {
			o.tcp = true;
		} else if (!strcmp(a, "--raw") || !strcmp(a, "--batch") ||
			   !strcmp(a, "--concurrency")) {
			if (i + 1 == argc)
				return dp_usage_exit("query: %s needs a value", a);
			if (!strcmp(a, "--raw"))
				raw = argv[++i];
			else if (!strcmp(a, "--batch"))
				batch = argv[++i];
			else if (parse_u32(argv[++i], &window) || !window)
				return dp_usage_exit("query: --concurrency takes a number from 1");
		} else if (!qname && a[0] != '-' && a[0] != '+') {
			qname = a;
		} else if (qname && !type && a[0] != '-' && a[0] != '+') {
			type = a;
		} else {
			return dp_usage_exit("query: unexpected '%s' (see dnspoolctl query --help)",
					     a);
		}
	}
	if (!!raw + !!batch + !!qname != 1)
		return dp_usage_exit("query: give one of QNAME, --raw FILE or --batch FILE");
	if (batch)
		return query_batch(&o, batch, window);
	if (raw) {
		if (read_file(raw, &wire, &len))
			return EXIT_FAIL;
	} else if (build_query(qname, type, &wire, &len)) {
		return EXIT_USAGE;
	}
	ret = query_one(&o, wire, len, raw != NULL);
	free(wire);
	return ret;
}
