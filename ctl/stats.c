// SPDX-License-Identifier: GPL-2.0
/* dnspoolctl stats: the pools and their counters. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <linux/dnspool.h>

#include "args.h"
#include "dnspoolctl.h"
#include "nl.h"

/* The counters, by their JSON names and their words under -s. */
static const struct {
	const char *key;
	const char *words;
	int attr;
} counters[] = {
	{ "queries", "queries", DNSPOOL_A_POOL_QUERIES },
	{ "answers", "answers", DNSPOOL_A_POOL_ANSWERS },
	{ "timeouts", "timeouts", DNSPOOL_A_POOL_TIMEOUTS },
	{ "local_errors", "local-errors", DNSPOOL_A_POOL_LOCAL_ERRORS },
	{ "upstream_errors", "upstream-errors", DNSPOOL_A_POOL_UPSTREAM_ERRORS },
	{ "mismatched", "mismatched", DNSPOOL_A_POOL_MISMATCHED },
	{ "malformed", "malformed", DNSPOOL_A_POOL_MALFORMED },
	{ "truncated_retries", "truncated-retries", DNSPOOL_A_POOL_TRUNCATED_RETRIES },
	{ "retries", "retries", DNSPOOL_A_POOL_RETRIES },
	{ "retransmits", "retransmits", DNSPOOL_A_POOL_RETRANSMITS },
	{ "late_answers", "late-answers", DNSPOOL_A_POOL_LATE_ANSWERS },
	{ "undelivered", "undelivered", DNSPOOL_A_POOL_UNDELIVERED },
	{ "conns_opened", "opened", DNSPOOL_A_POOL_CONNS_OPENED },
	{ "conns_closed", "closed", DNSPOOL_A_POOL_CONNS_CLOSED },
	{ "conns_reaped", "reaped", DNSPOOL_A_POOL_CONNS_REAPED },
	{ "rotations", "rotated", DNSPOOL_A_POOL_ROTATIONS },
	{ "reuses", "reuses", DNSPOOL_A_POOL_REUSES },
	{ "dial_failures", "dial-failures", DNSPOOL_A_POOL_DIAL_FAILURES },
	{ "handshakes", NULL, DNSPOOL_A_POOL_HANDSHAKES },
	{ "handshake_failures_agent", NULL, DNSPOOL_A_POOL_HANDSHAKE_FAILURES_AGENT },
	{ "handshake_failures_timeout", NULL, DNSPOOL_A_POOL_HANDSHAKE_FAILURES_TIMEOUT },
	{ "handshake_failures_cert", NULL, DNSPOOL_A_POOL_HANDSHAKE_FAILURES_CERT },
	{ "handshake_failures_other", NULL, DNSPOOL_A_POOL_HANDSHAKE_FAILURES_OTHER },
	{ "handshake_time_us", NULL, DNSPOOL_A_POOL_HANDSHAKE_TIME_US },
};

#define N_COUNTERS (sizeof(counters) / sizeof(counters[0]))

/* The pool's u32 attributes, by their JSON names (the seed's first). */
static const struct {
	const char *key;
	int attr;
} gauges[] = {
	{ "active_count", DNSPOOL_A_POOL_ACTIVE_CONNS },
	{ "total_count", DNSPOOL_A_POOL_TOTAL_CONNS },
	{ "max_connections", DNSPOOL_A_POOL_MAX_CONNS },
	{ "idle_timeout_ms", DNSPOOL_A_POOL_IDLE_TIMEOUT_MS },
	{ "inflight", DNSPOOL_A_POOL_INFLIGHT },
	{ "peak_conns", DNSPOOL_A_POOL_PEAK_CONNS },
	{ "srtt_us", DNSPOOL_A_POOL_SRTT_US },
	{ "rto_ms", DNSPOOL_A_POOL_RTO_MS },
};

static void address(struct nlattr **tb, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned int port = tb[DNSPOOL_A_POOL_PORT] ? ntohs(nla_get_u16(tb[DNSPOOL_A_POOL_PORT])) : 0;

	if (tb[DNSPOOL_A_POOL_IPV4]) {
		inet_ntop(AF_INET, nla_data(tb[DNSPOOL_A_POOL_IPV4]), addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, port);
	} else if (tb[DNSPOOL_A_POOL_IPV6]) {
		inet_ntop(AF_INET6, nla_data(tb[DNSPOOL_A_POOL_IPV6]), addr, sizeof(addr));
		snprintf(buf, len, "[%s]:%u", addr, port);
	}
}

/* Under -s, the counters under the pool's row, wrapped as ip -s does. */
static void print_counters(struct nlattr **tb)
{
	int col = 0;
	size_t i;

	for (i = 0; i < N_COUNTERS && counters[i].words; i++) {
		char item[64];
		int n = snprintf(item, sizeof(item), "%s %llu", counters[i].words,
				 (unsigned long long)dp_get_uint(tb[counters[i].attr]));

		if (col && col + 2 + n > 100) {
			putchar('\n');
			col = 0;
		}
		col += printf("%s%s", col ? "  " : "    ", item);
	}
	putchar('\n');
}

/* A tls pool's handshakes, on a line of their own under its row. */
static void print_handshakes(struct nlattr **tb)
{
	uint64_t done = dp_get_uint(tb[DNSPOOL_A_POOL_HANDSHAKES]);
	uint64_t us = dp_get_uint(tb[DNSPOOL_A_POOL_HANDSHAKE_TIME_US]);

	printf("    tls handshakes %llu, mean %.1f ms; failed: no agent %llu, timeout %llu, certificate %llu, other %llu\n",
	       (unsigned long long)done, done ? us / 1000.0 / done : 0.0,
	       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_POOL_HANDSHAKE_FAILURES_AGENT]),
	       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_POOL_HANDSHAKE_FAILURES_TIMEOUT]),
	       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_POOL_HANDSHAKE_FAILURES_CERT]),
	       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_POOL_HANDSHAKE_FAILURES_OTHER]));
}

/* The latency histogram's bucket @b's bound, as "<128us", "<1.02ms",
 * "<2.1s" (three digits), the last ">=8.39s".
 */
static void bucket_bound(int b, char *buf, size_t len)
{
	unsigned long long us = 1ULL << (b + DNSPOOL_LATENCY_BUCKET_SHIFT);

	if (b == DNSPOOL_LATENCY_BUCKETS - 1)
		snprintf(buf, len, ">=%.3gs", (us >> 1) / 1e6);
	else if (us < 1000)
		snprintf(buf, len, "<%lluus", us);
	else if (us < 1000000)
		snprintf(buf, len, "<%.3gms", us / 1e3);
	else
		snprintf(buf, len, "<%.3gs", us / 1e6);
}

/* The latency histogram's buckets, in order; how many there were. */
static int latency_of(struct nlmsghdr *nlh, uint64_t *counts)
{
	struct nlattr *a;
	int rem, n = 0;

	nlmsg_for_each_attr(a, nlh, GENL_HDRLEN, rem)
		if (nla_type(a) == DNSPOOL_A_POOL_LATENCY_BUCKET && n < DNSPOOL_LATENCY_BUCKETS)
			counts[n++] = dp_get_uint(a);
	return n;
}

/* Under -s, the answers' latency: the buckets that hold any, and the
 * mean; wrapped within 100 columns, as the counters are.
 */
static void print_latency(struct nlmsghdr *nlh, struct nlattr **tb)
{
	uint64_t counts[DNSPOOL_LATENCY_BUCKETS], all = 0;
	int n = latency_of(nlh, counts), b, col;
	char bound[24], item[64];

	col = printf("    latency");
	for (b = 0; b < n; b++) {
		if (!counts[b])
			continue;
		bucket_bound(b, bound, sizeof(bound));
		snprintf(item, sizeof(item), "%s %llu", bound, (unsigned long long)counts[b]);
		if (col + 2 + (int)strlen(item) > 100)
			col = printf("\n           ") - 1;
		col += printf("  %s", item);
		all += counts[b];
	}
	if (all)
		snprintf(item, sizeof(item), "mean %.3fms",
			 dp_get_uint(tb[DNSPOOL_A_POOL_LATENCY_US]) / 1e3 / all);
	else
		snprintf(item, sizeof(item), "-");
	if (col + 2 + (int)strlen(item) > 100)
		printf("\n           ");
	printf("  %s\n", item);
}

/* JSON: "latency": [{"le_us": 128, "answers": N}, ..., {"le_us": null, ...}]. */
static void add_latency(json_object *o, struct nlmsghdr *nlh, struct nlattr **tb)
{
	uint64_t counts[DNSPOOL_LATENCY_BUCKETS];
	int n = latency_of(nlh, counts), b;
	json_object *list = json_object_new_array();

	for (b = 0; b < n; b++) {
		json_object *bucket = json_object_new_object();

		json_object_object_add(bucket, "le_us", b == DNSPOOL_LATENCY_BUCKETS - 1 ? NULL :
				       json_object_new_int64(1LL << (b + DNSPOOL_LATENCY_BUCKET_SHIFT)));
		json_object_object_add(bucket, "answers", json_object_new_int64(counts[b]));
		json_object_array_add(list, bucket);
	}
	json_object_object_add(o, "latency", list);
	json_object_object_add(o, "latency_us",
			       json_object_new_int64(dp_get_uint(tb[DNSPOOL_A_POOL_LATENCY_US])));
}

struct table {
	json_object *list;
	bool header_done;
};

/* The table's columns: 98 wide. */
#define ROW_FMT "%-14.14s %-4s %-22.22s %11s %8s %9s %9s %7s %6s\n"

static int on_pool(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_POOL_MAX + 1];
	struct table *t = arg;
	char addr[64] = "", dur[32], conns[40], inflight[16], queries[24], answers[24], failed[24],
	     retx[24];
	size_t i;

	if (dp_parse(nlh, tb, DNSPOOL_A_POOL_MAX) < 0 || !tb[DNSPOOL_A_POOL_UPSTREAM])
		return NL_SKIP;
	address(tb, addr, sizeof(addr));
	if (t->list) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "name",
				       json_object_new_string(nla_get_string(tb[DNSPOOL_A_POOL_UPSTREAM])));
		json_object_object_add(o, "address", json_object_new_string(addr));
		json_object_object_add(o, "network",
				       json_object_new_string(transport_name(dp_get_u32(tb, DNSPOOL_A_POOL_TRANSPORT))));
		for (i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++)
			json_object_object_add(o, gauges[i].key,
					       json_object_new_int64(dp_get_u32(tb, gauges[i].attr)));
		for (i = 0; i < N_COUNTERS; i++)
			json_object_object_add(o, counters[i].key,
					       json_object_new_int64(dp_get_uint(tb[counters[i].attr])));
		add_latency(o, nlh, tb);
		json_object_array_add(t->list, o);
		return NL_OK;
	}
	if (!t->header_done) {
		printf(ROW_FMT, "UPSTREAM", "NET", "ADDRESS", "ACT/TOT/MAX", "INFLIGHT",
		       "QUERIES", "ANSWERS", "FAILED", "RETX");
		t->header_done = true;
	}
	snprintf(conns, sizeof(conns), "%u/%u/%u", dp_get_u32(tb, DNSPOOL_A_POOL_ACTIVE_CONNS),
		 dp_get_u32(tb, DNSPOOL_A_POOL_TOTAL_CONNS), dp_get_u32(tb, DNSPOOL_A_POOL_MAX_CONNS));
	snprintf(inflight, sizeof(inflight), "%u", dp_get_u32(tb, DNSPOOL_A_POOL_INFLIGHT));
	snprintf(queries, sizeof(queries), "%llu",
		 (unsigned long long)dp_get_uint(tb[DNSPOOL_A_POOL_QUERIES]));
	snprintf(answers, sizeof(answers), "%llu",
		 (unsigned long long)dp_get_uint(tb[DNSPOOL_A_POOL_ANSWERS]));
	snprintf(failed, sizeof(failed), "%llu",
		 (unsigned long long)(dp_get_uint(tb[DNSPOOL_A_POOL_LOCAL_ERRORS]) +
				      dp_get_uint(tb[DNSPOOL_A_POOL_UPSTREAM_ERRORS])));
	snprintf(retx, sizeof(retx), "%llu",
		 (unsigned long long)dp_get_uint(tb[DNSPOOL_A_POOL_RETRANSMITS]));
	printf(ROW_FMT, nla_get_string(tb[DNSPOOL_A_POOL_UPSTREAM]),
	       transport_name(dp_get_u32(tb, DNSPOOL_A_POOL_TRANSPORT)), addr, conns, inflight,
	       queries, answers, failed, retx);
	if (!show_details)
		return NL_OK;
	format_duration_ms(dp_get_u32(tb, DNSPOOL_A_POOL_IDLE_TIMEOUT_MS), dur, sizeof(dur));
	printf("    idle-timeout %s  peak-conns %u\n", dur, dp_get_u32(tb, DNSPOOL_A_POOL_PEAK_CONNS));
	format_duration_ms(dp_get_u32(tb, DNSPOOL_A_POOL_RTO_MS), dur, sizeof(dur));
	if (tb[DNSPOOL_A_POOL_SRTT_US])
		printf("    srtt %.3fms  rto %s\n", dp_get_u32(tb, DNSPOOL_A_POOL_SRTT_US) / 1000.0, dur);
	else
		printf("    srtt -  rto %s\n", dur);
	print_counters(tb);
	print_latency(nlh, tb);
	if (dp_get_u32(tb, DNSPOOL_A_POOL_TRANSPORT) == DNSPOOL_TRANSPORT_TLS)
		print_handshakes(tb);
	return NL_OK;
}

/* The listeners' table: 99 wide. */
#define LISTENER_FMT "%-14.14s %-5s %-22.22s %-12.12s %9s %9s %8s %7s %5s\n"

static int on_listener(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_LISTENER_MAX + 1];
	char addr[64] = "?", queries[24], answers[24], servfail[24], refused[24], drops[24];
	unsigned int port;
	bool *header_done = arg;

	if (dp_parse(nlh, tb, DNSPOOL_A_LISTENER_MAX) < 0 || !tb[DNSPOOL_A_LISTENER_NAME])
		return NL_SKIP;
	if (!*header_done) {
		printf(LISTENER_FMT, "LISTENER", "PROTO", "ADDRESS", "TARGET", "QUERIES", "ANSWERS",
		       "SERVFAIL", "REFUSED", "DROPS");
		*header_done = true;
	}
	port = tb[DNSPOOL_A_LISTENER_PORT] ? ntohs(nla_get_u16(tb[DNSPOOL_A_LISTENER_PORT])) : 0;
	if (tb[DNSPOOL_A_LISTENER_IPV4] && nla_len(tb[DNSPOOL_A_LISTENER_IPV4]) >= 4)
		format_addr_port(AF_INET, nla_data(tb[DNSPOOL_A_LISTENER_IPV4]), port, addr,
				 sizeof(addr));
	else if (tb[DNSPOOL_A_LISTENER_IPV6] && nla_len(tb[DNSPOOL_A_LISTENER_IPV6]) >= 16)
		format_addr_port(AF_INET6, nla_data(tb[DNSPOOL_A_LISTENER_IPV6]), port, addr,
				 sizeof(addr));
	snprintf(queries, sizeof(queries), "%llu",
		 (unsigned long long)dp_get_uint(tb[DNSPOOL_A_LISTENER_QUERIES]));
	snprintf(answers, sizeof(answers), "%llu",
		 (unsigned long long)dp_get_uint(tb[DNSPOOL_A_LISTENER_ANSWERS]));
	snprintf(servfail, sizeof(servfail), "%llu",
		 (unsigned long long)dp_get_uint(tb[DNSPOOL_A_LISTENER_SERVFAIL]));
	/* Turned away by policy: outside allow, or past the rate. */
	snprintf(refused, sizeof(refused), "%llu",
		 (unsigned long long)(dp_get_uint(tb[DNSPOOL_A_LISTENER_REFUSED_ACL]) +
				      dp_get_uint(tb[DNSPOOL_A_LISTENER_RATE_LIMITED])));
	snprintf(drops, sizeof(drops), "%llu",
		 (unsigned long long)dp_get_uint(tb[DNSPOOL_A_LISTENER_DROPS]));
	printf(LISTENER_FMT, nla_get_string(tb[DNSPOOL_A_LISTENER_NAME]),
	       listener_proto_name(dp_get_u32(tb, DNSPOOL_A_LISTENER_PROTO)), addr, tb[DNSPOOL_A_LISTENER_TARGET] ?
	       nla_get_string(tb[DNSPOOL_A_LISTENER_TARGET]) : "?",
	       queries, answers, servfail, refused, drops);
	if (show_details)
		dp_print_listener_counters(tb, true);
	return NL_OK;
}

static int print_listeners(void)
{
	bool header_done = false;

	return dp_listeners_each(on_listener, &header_done);
}

int cmd_stats(int argc, char **argv)
{
	struct table t = { .list = json_output ? json_object_new_array() : NULL };
	json_object *obj, *groups, *listeners;
	struct nl_msg *msg;
	int ret;

	if (argc && is_help(argv[0])) {
		printf("Usage: dnspoolctl [-j|-p] [-s] [-n NETNS] stats [NAME]\n"
		       "       dnspoolctl [-n NETNS] stats --format prometheus [NAME]\n"
		       "The pools of every upstream, or of NAME, with their connections and main\n"
		       "counters (-s: every counter); without NAME, then the listeners and their\n"
		       "counters, and the namespace's bounds and their use (as limits does).\n"
		       "-j prints {\"pools\": [...], \"groups\": [...], \"listeners\": [...]}\n"
		       "(the groups and the listeners with their counters, without NAME).\n"
		       "--format prometheus: Prometheus' text format, for node_exporter's\n"
		       "textfile collector (the pools, and the listeners without NAME).\n");
		return EXIT_OK;
	}
	if (argc && !strcmp(argv[0], "--format")) {
		if (argc < 2 || strcmp(argv[1], "prometheus"))
			return dp_usage_exit("stats: --format takes prometheus");
		if (argc > 3)
			return dp_usage_exit("stats: takes at most one NAME (see dnspoolctl stats --help)");
		json_object_put(t.list);
		return dp_stats_prometheus(argc > 2 ? argv[2] : NULL);
	}
	if (argc > 1)
		return dp_usage_exit("stats: takes at most one NAME (see dnspoolctl stats --help)");
	msg = dp_msg_new(DNSPOOL_CMD_POOL_GET, NLM_F_DUMP);
	if (!msg)
		return EXIT_FAIL;
	if (argc)
		nla_put_string(msg, DNSPOOL_A_POOL_UPSTREAM, argv[0]);
	ret = dp_request(msg, on_pool, &t) ? EXIT_FAIL : EXIT_OK;
	/* The text form ends with the listeners and the bounds; JSON has
	 * the bounds from limits.
	 */
	if (!t.list && !argc && ret == EXIT_OK && print_listeners() != EXIT_OK)
		ret = EXIT_FAIL;
	if (!t.list && !argc && ret == EXIT_OK && print_limits())
		ret = EXIT_FAIL;
	if (!t.list)
		return ret;
	if (ret != EXIT_OK) {
		json_object_put(t.list);
		return ret;
	}
	/* An object of lists, one per kind of thing, so that more kinds
	 * can join without breaking readers.
	 */
	obj = json_object_new_object();
	json_object_object_add(obj, "pools", t.list);
	groups = json_object_new_array();
	json_object_object_add(obj, "groups", groups);
	listeners = json_object_new_array();
	json_object_object_add(obj, "listeners", listeners);
	if (!argc && (dp_groups_list(groups, NULL) != EXIT_OK ||
		      dp_listeners_list(listeners, NULL) != EXIT_OK)) {
		json_object_put(obj);
		return EXIT_FAIL;
	}
	return dp_json_print(obj);
}
