// SPDX-License-Identifier: GPL-2.0
/* dnspoolctl upstream add|set|del|show|save */
#define _GNU_SOURCE		/* strerrorname_np() */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <linux/dnspool.h>

#include "args.h"
#include "dnspoolctl.h"
#include "nl.h"

static const char usage_text[] =
	"Usage: dnspoolctl [-j] [-n NETNS] upstream add NAME URI [OPTION]...\n"
	"       dnspoolctl [-j] [-n NETNS] upstream set NAME [OPTION]...\n"
	"       dnspoolctl [-j] [-n NETNS] upstream del NAME\n"
	"       dnspoolctl [-j] [-n NETNS] upstream show [NAME]\n"
	"       dnspoolctl [-n NETNS] upstream save [NAME]\n"
	"URI:   udp://ADDR[:PORT] | tcp://ADDR[:PORT] | tls://ADDR[:PORT]\n"
	"       (IPv6 in brackets; port 53 by default, 853 for tls)\n"
	"OPTION: max-conns N | idle-timeout DUR | reap-interval DUR |\n"
	"        dial-timeout DUR | timeout DUR | tls-name HOST |\n"
	"        rotate-queries N | rotate-interval DUR |\n"
	"        rto-initial DUR | rto-min DUR | rto-max DUR (udp) |\n"
	"        breaker-failures N | breaker-backoff DUR\n"
	"DUR:   a number and a unit: 250ms, 10s, 5m, 1h\n";

static int usage(void)
{
	fputs(usage_text, stdout);
	return EXIT_OK;
}

/* Bad usage gets one line, not the whole usage text. */
static int bad_usage(const char *cmd, const char *what)
{
	dp_usage_err("upstream %s: %s (see dnspoolctl upstream --help)", cmd, what);
	return EXIT_USAGE;
}

/* Options that take a duration, and the attribute each sets. */
static const struct {
	const char *opt;
	int attr;
} durations[] = {
	{ "idle-timeout", DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS },
	{ "reap-interval", DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS },
	{ "dial-timeout", DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS },
	{ "timeout", DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS },
	{ "rotate-interval", DNSPOOL_A_UPSTREAM_ROTATE_INTERVAL_MS },
	{ "rto-initial", DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS },
	{ "rto-min", DNSPOOL_A_UPSTREAM_RTO_MIN_MS },
	{ "rto-max", DNSPOOL_A_UPSTREAM_RTO_MAX_MS },
	{ "breaker-backoff", DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS },
};

/* Options that take a count, and the attribute each sets. */
static const struct {
	const char *opt;
	int attr;
} counts[] = {
	{ "max-conns", DNSPOOL_A_UPSTREAM_MAX_CONNS },
	{ "rotate-queries", DNSPOOL_A_UPSTREAM_ROTATE_QUERIES },
	{ "breaker-failures", DNSPOOL_A_UPSTREAM_BREAKER_FAILURES },
};

/* The options shared by add and set, as attributes of @msg. */
static int put_options(struct nl_msg *msg, int argc, char **argv)
{
	uint32_t v;
	size_t i;

	for (; argc > 0; argc -= 2, argv += 2) {
		const char *opt = argv[0], *val = argv[1];

		if (argc < 2)
			return dp_usage_err("option '%s' needs a value", opt);
		for (i = 0; i < ARRAY_LEN(counts); i++)
			if (!strcmp(opt, counts[i].opt))
				break;
		if (i < ARRAY_LEN(counts)) {
			if (parse_u32(val, &v))
				return -1;
			nla_put_u32(msg, counts[i].attr, v);
			continue;
		}
		if (!strcmp(opt, "tls-name")) {
			if (nla_put_string(msg, DNSPOOL_A_UPSTREAM_TLS_NAME, val) < 0)
				return dp_usage_err("tls-name '%.20s...' is too long", val);
			continue;
		}
		for (i = 0; i < ARRAY_LEN(durations); i++)
			if (!strcmp(opt, durations[i].opt))
				break;
		if (i == ARRAY_LEN(durations))
			return dp_usage_err("unknown option '%s' (see dnspoolctl upstream --help)", opt);
		if (parse_duration_ms(val, &v))
			return -1;
		nla_put_u32(msg, durations[i].attr, v);
	}
	return 0;
}

static int run(struct nl_msg *msg, dp_msg_fn fn, void *arg)
{
	return dp_request(msg, fn, arg) ? EXIT_FAIL : EXIT_OK;
}

static int upstream_add(int argc, char **argv)
{
	struct nl_msg *msg;
	struct dp_uri uri;

	if (argc < 2)
		return bad_usage("add", "needs NAME and URI");
	if (parse_uri(argv[1], &uri))
		return EXIT_USAGE;
	msg = dp_msg_new(DNSPOOL_CMD_UPSTREAM_ADD, 0);
	if (!msg)
		return EXIT_FAIL;
	if (nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, argv[0]) < 0) {
		nlmsg_free(msg);
		return bad_usage("add", "NAME is too long");
	}
	nla_put_u32(msg, DNSPOOL_A_UPSTREAM_TRANSPORT, uri.transport);
	if (uri.family == AF_INET)
		nla_put(msg, DNSPOOL_A_UPSTREAM_IPV4, 4, &uri.addr);
	else
		nla_put(msg, DNSPOOL_A_UPSTREAM_IPV6, 16, &uri.addr);
	if (uri.port)
		nla_put_u16(msg, DNSPOOL_A_UPSTREAM_PORT, htons(uri.port));
	if (put_options(msg, argc - 2, argv + 2)) {
		nlmsg_free(msg);
		return EXIT_USAGE;
	}
	return run(msg, NULL, NULL);
}

static int upstream_set(int argc, char **argv)
{
	struct nl_msg *msg;

	if (argc < 1)
		return bad_usage("set", "needs NAME");
	msg = dp_msg_new(DNSPOOL_CMD_UPSTREAM_SET, 0);
	if (!msg)
		return EXIT_FAIL;
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, argv[0]);
	if (put_options(msg, argc - 1, argv + 1)) {
		nlmsg_free(msg);
		return EXIT_USAGE;
	}
	return run(msg, NULL, NULL);
}

static int upstream_del(int argc, char **argv)
{
	struct nl_msg *msg;

	if (argc != 1)
		return bad_usage("del", "needs NAME and nothing else");
	msg = dp_msg_new(DNSPOOL_CMD_UPSTREAM_DEL, 0);
	if (!msg)
		return EXIT_FAIL;
	nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, argv[0]);
	return run(msg, NULL, NULL);
}

/* "udp://192.0.2.1:53", "tls://[2001:db8::1]:853" */
static void format_uri(struct nlattr **tb, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	int v6 = !tb[DNSPOOL_A_UPSTREAM_IPV4] && tb[DNSPOOL_A_UPSTREAM_IPV6];
	uint16_t port = 0;

	if (tb[DNSPOOL_A_UPSTREAM_IPV4])
		inet_ntop(AF_INET, nla_data(tb[DNSPOOL_A_UPSTREAM_IPV4]), addr, sizeof(addr));
	else if (v6)
		inet_ntop(AF_INET6, nla_data(tb[DNSPOOL_A_UPSTREAM_IPV6]), addr, sizeof(addr));
	if (tb[DNSPOOL_A_UPSTREAM_PORT])
		port = ntohs(nla_get_u16(tb[DNSPOOL_A_UPSTREAM_PORT]));
	snprintf(buf, len, "%s://%s%s%s:%u",
		 transport_name(tb[DNSPOOL_A_UPSTREAM_TRANSPORT] ?
				nla_get_u32(tb[DNSPOOL_A_UPSTREAM_TRANSPORT]) : 0),
		 v6 ? "[" : "", addr, v6 ? "]" : "", port);
}

static const char *health_name(uint32_t state)
{
	switch (state) {
	case DNSPOOL_HEALTH_CLOSED:
		return "closed";
	case DNSPOOL_HEALTH_OPEN:
		return "open";
	case DNSPOOL_HEALTH_HALF_OPEN:
		return "half-open";
	default:
		return "unknown";
	}
}

static const char *class_name(uint32_t class)
{
	return class == DNSPOOL_ERROR_CLASS_UPSTREAM ? "upstream" : "local";
}

/* "ECONNREFUSED", or the number when the C library has no name for it. */
static const char *errno_name(uint32_t err, char *buf, size_t len)
{
	const char *name = strerrorname_np((int)err);

	if (name)
		return name;
	snprintf(buf, len, "%u", err);
	return buf;
}

/* The circuit breaker: "open failures 5 probe-in 812ms ..." and a newline. */
void dp_print_health(struct nlattr **tb)
{
	char dur[32], num[16];

	printf("%s failures %u", health_name(dp_get_u32(tb, DNSPOOL_A_UPSTREAM_HEALTH)),
	       dp_get_u32(tb, DNSPOOL_A_UPSTREAM_FAILURES));
	if (tb[DNSPOOL_A_UPSTREAM_PROBE_IN_MS]) {
		format_duration_ms(dp_get_u32(tb, DNSPOOL_A_UPSTREAM_PROBE_IN_MS), dur, sizeof(dur));
		printf(" probe-in %s", dur);
	}
	if (tb[DNSPOOL_A_UPSTREAM_LAST_ERROR]) {
		format_duration_ms(dp_get_u32(tb, DNSPOOL_A_UPSTREAM_LAST_ERROR_AGE_MS), dur,
				   sizeof(dur));
		printf(" last-error %s (%s) %s ago",
		       errno_name(dp_get_u32(tb, DNSPOOL_A_UPSTREAM_LAST_ERROR), num, sizeof(num)),
		       class_name(dp_get_u32(tb, DNSPOOL_A_UPSTREAM_LAST_ERROR_CLASS)), dur);
	}
	putchar('\n');
}

/* One line per upstream, in the syntax `upstream add` takes. */
void dp_print_upstream(struct nlattr **tb)
{
	char uri[96], dur[32];
	size_t i;

	format_uri(tb, uri, sizeof(uri));
	printf("%s %s max-conns %u", nla_get_string(tb[DNSPOOL_A_UPSTREAM_NAME]), uri,
	       dp_get_u32(tb, DNSPOOL_A_UPSTREAM_MAX_CONNS));
	if (dp_get_u32(tb, DNSPOOL_A_UPSTREAM_TRANSPORT) == DNSPOOL_TRANSPORT_UDP)
		printf(" rotate-queries %u", dp_get_u32(tb, DNSPOOL_A_UPSTREAM_ROTATE_QUERIES));
	printf(" breaker-failures %u", dp_get_u32(tb, DNSPOOL_A_UPSTREAM_BREAKER_FAILURES));
	for (i = 0; i < ARRAY_LEN(durations); i++) {
		/* Rotation and retransmission are UDP matters. */
		if ((durations[i].attr == DNSPOOL_A_UPSTREAM_ROTATE_INTERVAL_MS ||
		     durations[i].attr == DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS ||
		     durations[i].attr == DNSPOOL_A_UPSTREAM_RTO_MIN_MS ||
		     durations[i].attr == DNSPOOL_A_UPSTREAM_RTO_MAX_MS) &&
		    dp_get_u32(tb, DNSPOOL_A_UPSTREAM_TRANSPORT) != DNSPOOL_TRANSPORT_UDP)
			continue;
		format_duration_ms(dp_get_u32(tb, durations[i].attr), dur, sizeof(dur));
		printf(" %s %s", durations[i].opt, dur);
	}
	if (tb[DNSPOOL_A_UPSTREAM_TLS_NAME])
		printf(" tls-name %s", nla_get_string(tb[DNSPOOL_A_UPSTREAM_TLS_NAME]));
	putchar('\n');
}

/* The circuit breaker's fields, added to @o. */
void dp_health_json(json_object *o, struct nlattr **tb)
{
	json_object_object_add(o, "health",
			       json_object_new_string(health_name(dp_get_u32(tb, DNSPOOL_A_UPSTREAM_HEALTH))));
	json_object_object_add(o, "failures",
			       json_object_new_int64(dp_get_u32(tb, DNSPOOL_A_UPSTREAM_FAILURES)));
	if (tb[DNSPOOL_A_UPSTREAM_PROBE_IN_MS])
		json_object_object_add(o, "probe_in_ms",
				       json_object_new_int64(dp_get_u32(tb, DNSPOOL_A_UPSTREAM_PROBE_IN_MS)));
	if (tb[DNSPOOL_A_UPSTREAM_LAST_ERROR]) {
		uint32_t err = dp_get_u32(tb, DNSPOOL_A_UPSTREAM_LAST_ERROR);
		char num[16];

		json_object_object_add(o, "last_error",
				       json_object_new_string(errno_name(err, num, sizeof(num))));
		json_object_object_add(o, "last_error_errno", json_object_new_int64(err));
		json_object_object_add(o, "last_error_class",
				       json_object_new_string(class_name(dp_get_u32(tb,
						DNSPOOL_A_UPSTREAM_LAST_ERROR_CLASS))));
		json_object_object_add(o, "last_error_age_ms",
				       json_object_new_int64(dp_get_u32(tb,
						DNSPOOL_A_UPSTREAM_LAST_ERROR_AGE_MS)));
	}
}

json_object *dp_upstream_json(struct nlattr **tb)
{
	static const struct { const char *key; int attr; } u32s[] = {
		{ "max_conns", DNSPOOL_A_UPSTREAM_MAX_CONNS },
		{ "idle_timeout_ms", DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS },
		{ "reap_interval_ms", DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS },
		{ "dial_timeout_ms", DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS },
		{ "query_timeout_ms", DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS },
		{ "rotate_queries", DNSPOOL_A_UPSTREAM_ROTATE_QUERIES },
		{ "rotate_interval_ms", DNSPOOL_A_UPSTREAM_ROTATE_INTERVAL_MS },
		{ "rto_initial_ms", DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS },
		{ "rto_min_ms", DNSPOOL_A_UPSTREAM_RTO_MIN_MS },
		{ "rto_max_ms", DNSPOOL_A_UPSTREAM_RTO_MAX_MS },
		{ "breaker_failures", DNSPOOL_A_UPSTREAM_BREAKER_FAILURES },
		{ "breaker_backoff_ms", DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS },
	};
	json_object *o = json_object_new_object();
	char addr[INET6_ADDRSTRLEN] = "", uri[96];
	size_t i;

	json_object_object_add(o, "name",
			       json_object_new_string(nla_get_string(tb[DNSPOOL_A_UPSTREAM_NAME])));
	json_object_object_add(o, "transport",
			       json_object_new_string(transport_name(dp_get_u32(tb, DNSPOOL_A_UPSTREAM_TRANSPORT))));
	if (tb[DNSPOOL_A_UPSTREAM_IPV4])
		inet_ntop(AF_INET, nla_data(tb[DNSPOOL_A_UPSTREAM_IPV4]), addr, sizeof(addr));
	else if (tb[DNSPOOL_A_UPSTREAM_IPV6])
		inet_ntop(AF_INET6, nla_data(tb[DNSPOOL_A_UPSTREAM_IPV6]), addr, sizeof(addr));
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "port", json_object_new_int(tb[DNSPOOL_A_UPSTREAM_PORT] ?
			       ntohs(nla_get_u16(tb[DNSPOOL_A_UPSTREAM_PORT])) : 0));
	format_uri(tb, uri, sizeof(uri));
	json_object_object_add(o, "uri", json_object_new_string(uri));
	if (tb[DNSPOOL_A_UPSTREAM_TLS_NAME])
		json_object_object_add(o, "tls_name",
				       json_object_new_string(nla_get_string(tb[DNSPOOL_A_UPSTREAM_TLS_NAME])));
	for (i = 0; i < ARRAY_LEN(u32s); i++)
		json_object_object_add(o, u32s[i].key,
				       json_object_new_int64(dp_get_u32(tb, u32s[i].attr)));
	dp_health_json(o, tb);
	return o;
}

/* on_upstream()'s argument for save. */
static char save_only;

static int on_upstream(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_UPSTREAM_MAX + 1];

	if (dp_parse(nlh, tb, DNSPOOL_A_UPSTREAM_MAX) < 0 || !tb[DNSPOOL_A_UPSTREAM_NAME])
		return NL_SKIP;
	if (arg == &save_only) {
		dp_print_upstream(tb);
	} else if (arg) {
		json_object_array_add(arg, dp_upstream_json(tb));
	} else {
		dp_print_upstream(tb);
		fputs("    health ", stdout);
		dp_print_health(tb);
	}
	return NL_OK;
}

/* show: configuration and health; save: the configuration alone, one
 * line per upstream that `upstream add` takes back.
 */
static int upstream_list(int argc, char **argv, bool save)
{
	json_object *list = json_output && !save ? json_object_new_array() : NULL;
	struct nl_msg *msg;
	int ret;

	if (argc > 1)
		return bad_usage(save ? "save" : "show", "takes at most one NAME");
	msg = dp_msg_new(DNSPOOL_CMD_UPSTREAM_GET, argc ? 0 : NLM_F_DUMP);
	if (!msg)
		return EXIT_FAIL;
	if (argc)
		nla_put_string(msg, DNSPOOL_A_UPSTREAM_NAME, argv[0]);
	ret = run(msg, on_upstream, save ? (void *)&save_only : list);
	if (list && ret == EXIT_OK)
		return dp_json_print(list);
	json_object_put(list);
	return ret;
}

static int upstream_show(int argc, char **argv)
{
	return upstream_list(argc, argv, false);
}

static int upstream_save(int argc, char **argv)
{
	return upstream_list(argc, argv, true);
}

int cmd_upstream(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "add", upstream_add }, { "set", upstream_set },
		{ "del", upstream_del }, { "show", upstream_show },
		{ "save", upstream_save },
	};
	size_t i;
	int j;

	if (argc < 1)
		return upstream_show(0, NULL);
	if (is_help(argv[0]) || !strcmp(argv[0], "help"))
		return usage();
	for (j = 1; j < argc; j++)
		if (is_help(argv[j]))
			return usage();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	dp_usage_err("unknown upstream command '%s' (add, set, del, show, save)", argv[0]);
	return EXIT_USAGE;
}
