// SPDX-License-Identifier: GPL-2.0
/*
 * dnspoolctl stats --format prometheus: the pools' and listeners' counters
 * in Prometheus' text exposition format (version 0.0.4), for
 * node_exporter's textfile collector.  Names and labels follow
 * Prometheus' conventions: counters end in _total, times are in seconds,
 * and each metric family's samples come together under its HELP and TYPE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/dnspool.h>

#include "args.h"
#include "dnspoolctl.h"
#include "nl.h"

/* How a metric's value is read from an attribute. */
enum scale {
	AS_IS,		/* a count */
	US,		/* microseconds, shown in seconds */
	MS,		/* milliseconds, shown in seconds */
};

struct metric {
	const char *name;	/* after dnspool_ (pools) or dnspool_listener_ */
	const char *type;	/* counter or gauge */
	const char *help;
	int attr;
	enum scale scale;
};

static const struct metric pool_metrics[] = {
	{ "queries_total", "counter", "Queries submitted to the pool.", DNSPOOL_A_POOL_QUERIES, AS_IS },
	{ "answers_total", "counter", "Queries answered.", DNSPOOL_A_POOL_ANSWERS, AS_IS },
	{ "timeouts_total", "counter", "Queries that ran out of time.", DNSPOOL_A_POOL_TIMEOUTS, AS_IS },
	{ "local_errors_total", "counter", "Queries ended by an error of this host.",
	  DNSPOOL_A_POOL_LOCAL_ERRORS, AS_IS },
	{ "upstream_errors_total", "counter", "Queries ended by an error of the upstream's.",
	  DNSPOOL_A_POOL_UPSTREAM_ERRORS, AS_IS },
	{ "mismatched_total", "counter", "Answers to no query of the pool, or to another question.",
	  DNSPOOL_A_POOL_MISMATCHED, AS_IS },
	{ "malformed_total", "counter", "Messages from the upstream that are no DNS answer.",
	  DNSPOOL_A_POOL_MALFORMED, AS_IS },
	{ "truncated_retries_total", "counter", "Truncated answers asked again over TCP.",
	  DNSPOOL_A_POOL_TRUNCATED_RETRIES, AS_IS },
	{ "retries_total", "counter", "Moves of queries to another connection after theirs broke.",
	  DNSPOOL_A_POOL_RETRIES, AS_IS },
	{ "retransmits_total", "counter", "UDP queries sent again, unanswered in time.",
	  DNSPOOL_A_POOL_RETRANSMITS, AS_IS },
	{ "late_answers_total", "counter", "Answers to a transmission whose query had ended.",
	  DNSPOOL_A_POOL_LATE_ANSWERS, AS_IS },
	{ "undelivered_total", "counter", "Answers the requester's socket could not take.",
	  DNSPOOL_A_POOL_UNDELIVERED, AS_IS },
	{ "connections_opened_total", "counter", "Connections opened.",
	  DNSPOOL_A_POOL_CONNS_OPENED, AS_IS },
	{ "connections_closed_total", "counter", "Connections closed, for any reason.",
	  DNSPOOL_A_POOL_CONNS_CLOSED, AS_IS },
	{ "connections_reaped_total", "counter", "Connections closed for being idle.",
	  DNSPOOL_A_POOL_CONNS_REAPED, AS_IS },
	{ "rotations_total", "counter", "UDP sockets replaced for a new source port.",
	  DNSPOOL_A_POOL_ROTATIONS, AS_IS },
	{ "reuses_total", "counter", "Queries sent on a connection that had carried one before.",
	  DNSPOOL_A_POOL_REUSES, AS_IS },
	{ "dial_failures_total", "counter", "Connections that failed to open.",
	  DNSPOOL_A_POOL_DIAL_FAILURES, AS_IS },
	{ "tls_handshakes_total", "counter", "TLS handshakes that succeeded.",
	  DNSPOOL_A_POOL_HANDSHAKES, AS_IS },
	{ "tls_handshake_seconds_total", "counter", "Time the successful TLS handshakes took.",
	  DNSPOOL_A_POOL_HANDSHAKE_TIME_US, US },
	{ "connections", "gauge", "Connections open.", DNSPOOL_A_POOL_TOTAL_CONNS, AS_IS },
	{ "connections_active", "gauge", "Connections open with queries in flight.",
	  DNSPOOL_A_POOL_ACTIVE_CONNS, AS_IS },
	{ "connections_max", "gauge", "Most connections the pool may open.",
	  DNSPOOL_A_POOL_MAX_CONNS, AS_IS },
	{ "inflight_queries", "gauge", "Queries in flight.", DNSPOOL_A_POOL_INFLIGHT, AS_IS },
	{ "srtt_seconds", "gauge", "Smoothed round-trip time (absent before the first sample).",
	  DNSPOOL_A_POOL_SRTT_US, US },
	{ "rto_seconds", "gauge", "Retransmission timeout.", DNSPOOL_A_POOL_RTO_MS, MS },
};

static const struct metric listener_metrics[] = {
	{ "queries_total", "counter", "Queries taken from clients.", DNSPOOL_A_LISTENER_QUERIES, AS_IS },
	{ "answers_total", "counter", "Answers sent to clients.", DNSPOOL_A_LISTENER_ANSWERS, AS_IS },
	{ "servfail_total", "counter", "SERVFAIL answers, the target having failed.",
	  DNSPOOL_A_LISTENER_SERVFAIL, AS_IS },
	{ "refused_acl_total", "counter", "Clients outside the allow list, turned away.",
	  DNSPOOL_A_LISTENER_REFUSED_ACL, AS_IS },
	{ "rate_limited_total", "counter", "Queries dropped past a client network's rate.",
	  DNSPOOL_A_LISTENER_RATE_LIMITED, AS_IS },
	{ "malformed_total", "counter", "Messages that are no forwardable query.",
	  DNSPOOL_A_LISTENER_MALFORMED, AS_IS },
	{ "truncated_total", "counter", "Answers truncated for a UDP client.",
	  DNSPOOL_A_LISTENER_TRUNCATED, AS_IS },
	{ "drops_total", "counter", "Queries or answers dropped for want of room.",
	  DNSPOOL_A_LISTENER_DROPS, AS_IS },
	{ "tcp_connections_total", "counter", "TCP connections accepted.",
	  DNSPOOL_A_LISTENER_TCP_CONNS_TOTAL, AS_IS },
	{ "tcp_refused_total", "counter", "TCP connections closed at once, over a cap.",
	  DNSPOOL_A_LISTENER_TCP_REFUSED, AS_IS },
	{ "inflight_queries", "gauge", "Queries in flight.", DNSPOOL_A_LISTENER_INFLIGHT, AS_IS },
	{ "tcp_connections", "gauge", "TCP connections open.", DNSPOOL_A_LISTENER_TCP_CONNS, AS_IS },
};

/* The messages of one dump, kept to be walked once per metric. */
struct dump {
	struct nlmsghdr **msgs;
	size_t n, cap;
	bool failed;
};

static int keep(struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	struct nlmsghdr *copy;

	if (d->n == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 16;
		struct nlmsghdr **msgs = realloc(d->msgs, cap * sizeof(*msgs));

		if (!msgs) {
			d->failed = true;
			return NL_STOP;
		}
		d->msgs = msgs;
		d->cap = cap;
	}
	copy = malloc(nlh->nlmsg_len);
	if (!copy) {
		d->failed = true;
		return NL_STOP;
	}
	memcpy(copy, nlh, nlh->nlmsg_len);
	d->msgs[d->n++] = copy;
	return NL_OK;
}

static void dump_free(struct dump *d)
{
	while (d->n)
		free(d->msgs[--d->n]);
	free(d->msgs);
}

/* A label's value, escaped as the format wants. */
static void print_label_value(const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			printf("\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", stdout);
		else
			putchar(*v);
	}
}

/* {upstream="NAME",transport="udp"} or {listener="NAME"}, with @extra
 * (already formatted, or NULL) last.
 */
static void print_labels(int kind, struct nlattr **tb, const char *extra)
{
	if (kind == DNSPOOL_CMD_POOL_GET) {
		fputs("{upstream=\"", stdout);
		print_label_value(nla_get_string(tb[DNSPOOL_A_POOL_UPSTREAM]));
		printf("\",transport=\"%s\"",
		       transport_name(dp_get_u32(tb, DNSPOOL_A_POOL_TRANSPORT)));
	} else {
		fputs("{listener=\"", stdout);
		print_label_value(nla_get_string(tb[DNSPOOL_A_LISTENER_NAME]));
		putchar('"');
	}
	if (extra)
		printf(",%s", extra);
	putchar('}');
}

static int parse(int kind, struct nlmsghdr *nlh, struct nlattr **tb)
{
	int max = kind == DNSPOOL_CMD_POOL_GET ? DNSPOOL_A_POOL_MAX : DNSPOOL_A_LISTENER_MAX;
	int name = kind == DNSPOOL_CMD_POOL_GET ? DNSPOOL_A_POOL_UPSTREAM : DNSPOOL_A_LISTENER_NAME;

	return dp_parse(nlh, tb, max) < 0 || !tb[name] ? -1 : 0;
}

static void print_value(struct nlattr *a, enum scale scale)
{
	uint64_t v = dp_get_uint(a);

	if (scale == US)
		printf(" %.6f\n", v / 1e6);
	else if (scale == MS)
		printf(" %.3f\n", v / 1e3);
	else
		printf(" %llu\n", (unsigned long long)v);
}

static void print_metrics(const struct dump *d, int kind, const char *prefix,
			  const struct metric *m, size_t n)
{
	struct nlattr *tb[(int)DNSPOOL_A_POOL_MAX > (int)DNSPOOL_A_LISTENER_MAX ?
			  DNSPOOL_A_POOL_MAX + 1 : DNSPOOL_A_LISTENER_MAX + 1];
	size_t i, j;

	for (i = 0; i < n; i++) {
		printf("# HELP %s%s %s\n# TYPE %s%s %s\n", prefix, m[i].name, m[i].help,
		       prefix, m[i].name, m[i].type);
		for (j = 0; j < d->n; j++) {
			if (parse(kind, d->msgs[j], tb) || !tb[m[i].attr])
				continue;
			printf("%s%s", prefix, m[i].name);
			print_labels(kind, tb, NULL);
			print_value(tb[m[i].attr], m[i].scale);
		}
	}
}

/* The pools' answer latency: the kernel's log2 buckets, cumulative. */
static void print_latency(const struct dump *d)
{
	struct nlattr *tb[DNSPOOL_A_POOL_MAX + 1], *a;
	static const char name[] = "dnspool_answer_latency_seconds";
	char le[48];
	size_t j;
	int rem;

	printf("# HELP %s Time from a query's first transmission to its answer.\n"
	       "# TYPE %s histogram\n", name, name);
	for (j = 0; j < d->n; j++) {
		uint64_t sum = 0;
		int b = 0;

		if (parse(DNSPOOL_CMD_POOL_GET, d->msgs[j], tb))
			continue;
		nlmsg_for_each_attr(a, d->msgs[j], GENL_HDRLEN, rem) {
			if (nla_type(a) != DNSPOOL_A_POOL_LATENCY_BUCKET)
				continue;
			sum += dp_get_uint(a);
			if (b < DNSPOOL_LATENCY_BUCKETS - 1)
				snprintf(le, sizeof(le), "le=\"%.6f\"",
					 (double)(1ULL << (b + DNSPOOL_LATENCY_BUCKET_SHIFT)) / 1e6);
			else
				snprintf(le, sizeof(le), "le=\"+Inf\"");
			printf("%s_bucket", name);
			print_labels(DNSPOOL_CMD_POOL_GET, tb, le);
			printf(" %llu\n", (unsigned long long)sum);
			b++;
		}
		printf("%s_sum", name);
		print_labels(DNSPOOL_CMD_POOL_GET, tb, NULL);
		print_value(tb[DNSPOOL_A_POOL_LATENCY_US], US);
		printf("%s_count", name);
		print_labels(DNSPOOL_CMD_POOL_GET, tb, NULL);
		printf(" %llu\n", (unsigned long long)sum);
	}
}

/**
 * dp_stats_prometheus() - the namespace's pools (of every upstream, or of
 * @name) and listeners (without @name), in Prometheus' text format
 * @name: an upstream, or NULL
 *
 * Return: EXIT_OK or EXIT_FAIL.
 */
int dp_stats_prometheus(const char *name)
{
	struct dump pools = {}, listeners = {};
	struct nl_msg *msg;
	int ret = EXIT_FAIL;

	msg = dp_msg_new(DNSPOOL_CMD_POOL_GET, NLM_F_DUMP);
	if (!msg)
		return EXIT_FAIL;
	if (name)
		nla_put_string(msg, DNSPOOL_A_POOL_UPSTREAM, name);
	if (dp_request(msg, keep, &pools) || pools.failed)
		goto out;
	if (!name && (dp_listeners_each(keep, &listeners) != EXIT_OK || listeners.failed))
		goto out;
	print_metrics(&pools, DNSPOOL_CMD_POOL_GET, "dnspool_", pool_metrics,
		      ARRAY_LEN(pool_metrics));
	print_latency(&pools);
	if (!name)
		print_metrics(&listeners, DNSPOOL_CMD_LISTENER_GET, "dnspool_listener_",
			      listener_metrics, ARRAY_LEN(listener_metrics));
	ret = fflush(stdout) ? EXIT_FAIL : EXIT_OK;
out:
	if (pools.failed || listeners.failed)
		dp_err("out of memory");
	dump_free(&pools);
	dump_free(&listeners);
	return ret;
}
