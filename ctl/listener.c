// SPDX-License-Identifier: GPL-2.0
/* dnspoolctl listener add|set|del|show: the DNS front end's listeners. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <linux/dnspool.h>

#include "args.h"
#include "dnspoolctl.h"
#include "nl.h"

static const char usage_text[] =
	"Usage: dnspoolctl [-n NETNS] listener add NAME ADDR[:PORT] target UPSTREAM|GROUP\n"
	"                      [proto udp|tcp|both] [OPTION]...\n"
	"       dnspoolctl [-n NETNS] listener set NAME [OPTION]...\n"
	"       dnspoolctl [-n NETNS] listener del NAME\n"
	"       dnspoolctl [-j] [-n NETNS] listener show [NAME]\n"
	"ADDR:  IPv4, or IPv6 in brackets ([::1]:5353); port 53 by default\n"
	"OPTION: target UPSTREAM|GROUP | allow PREFIX[,PREFIX]...|any |\n"
	"        rate QPS|off | tcp-idle DUR | tcp-max N\n"
	"PREFIX: ADDR/LEN or ADDR; any: 0.0.0.0/0,::/0 (default 127.0.0.0/8,::1/128)\n"
	"DUR:   a number and a unit: 250ms, 10s, 5m, 1h\n";

static int bad_usage(const char *cmd, const char *what)
{
	dp_usage_err("listener %s: %s (see dnspoolctl listener --help)", cmd, what);
	return EXIT_USAGE;
}

/* One allow PREFIX as its nest; -1 when the message is full. */
static int put_prefix(struct nl_msg *msg, const struct dp_prefix *p)
{
	struct nlattr *nest = nla_nest_start(msg, DNSPOOL_A_LISTENER_ALLOW);

	if (!nest)
		return -1;
	if (p->family == AF_INET) {
		if (nla_put(msg, DNSPOOL_A_PREFIX_IPV4, 4, &p->addr) < 0)
			return -1;
	} else if (nla_put(msg, DNSPOOL_A_PREFIX_IPV6, 16, &p->addr) < 0) {
		return -1;
	}
	if (nla_put_u8(msg, DNSPOOL_A_PREFIX_LEN, p->len) < 0)
		return -1;
	nla_nest_end(msg, nest);
	return 0;
}

/* allow PREFIX[,PREFIX]... or any; @n counts the networks across options. */
static int put_allow(struct nl_msg *msg, const char *val, unsigned int *n)
{
	static const struct dp_prefix any[] = {
		{ .family = AF_INET, .len = 0 }, { .family = AF_INET6, .len = 0 },
	};
	char buf[1024], *tok, *save = NULL;
	struct dp_prefix p;
	size_t i;

	if (!strcmp(val, "any")) {
		for (i = 0; i < ARRAY_LEN(any); i++)
			if (++*n > DNSPOOL_LISTENER_MAX_ALLOW || put_prefix(msg, &any[i]))
				goto too_many;
		return 0;
	}
	if (strlen(val) >= sizeof(buf))
		goto too_many;
	strcpy(buf, val);
	if (!*buf || buf[strlen(buf) - 1] == ',' || *buf == ',' || strstr(buf, ",,"))
		return dp_usage_err("allow '%s': an empty network in the list", val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (parse_prefix(tok, &p))
			return -1;
		if (++*n > DNSPOOL_LISTENER_MAX_ALLOW || put_prefix(msg, &p))
			goto too_many;
	}
	return 0;
too_many:
	return dp_usage_err("allow: at most %d networks", DNSPOOL_LISTENER_MAX_ALLOW);
}

/* The options of add (@add) and set, from argv[0] on. */
static int put_options(struct nl_msg *msg, const char *cmd, int argc, char **argv, bool add)
{
	unsigned int allowed = 0;
	bool target = false;
	uint32_t v;

	for (; argc > 0; argc -= 2, argv += 2) {
		const char *opt = argv[0], *val = argv[1];

		if (argc < 2)
			return dp_usage_err("option '%s' needs a value", opt);
		if (!strcmp(opt, "target")) {
			if (nla_put_string(msg, DNSPOOL_A_LISTENER_TARGET, val) < 0)
				return dp_usage_err("target '%.20s...' is too long", val);
			target = true;
		} else if (!strcmp(opt, "proto")) {
			if (!add)
				return dp_usage_err("listener set: proto is fixed once the listener is added");
			if (parse_listener_proto(val, &v))
				return -1;
			nla_put_u32(msg, DNSPOOL_A_LISTENER_PROTO, v);
		} else if (!strcmp(opt, "allow")) {
			if (put_allow(msg, val, &allowed))
				return -1;
		} else if (!strcmp(opt, "rate")) {
			if (!strcmp(val, "off"))
				v = 0;
			else if (parse_u32(val, &v))
				return -1;
			nla_put_u32(msg, DNSPOOL_A_LISTENER_RATE, v);
		} else if (!strcmp(opt, "tcp-idle")) {
			if (parse_duration_ms(val, &v))
				return -1;
			nla_put_u32(msg, DNSPOOL_A_LISTENER_TCP_IDLE_MS, v);
		} else if (!strcmp(opt, "tcp-max")) {
			if (parse_u32(val, &v))
				return -1;
			nla_put_u32(msg, DNSPOOL_A_LISTENER_TCP_MAX, v);
		} else {
			return dp_usage_err("listener %s: unknown option '%s' (see dnspoolctl listener --help)",
					    cmd, opt);
		}
	}
	if (add && !target)
		return dp_usage_err("listener add: needs target UPSTREAM|GROUP (see dnspoolctl listener --help)");
	return 0;
}

static int listener_change(int argc, char **argv, int cmd, const char *name)
{
	bool add = cmd == DNSPOOL_CMD_LISTENER_ADD;
	struct nl_msg *msg;
	int family, first = 1;
	struct in6_addr addr;
	uint16_t port;

	if (argc < 1 || (add && argc < 2))
		return bad_usage(name, add ? "needs NAME and ADDR[:PORT]" : "needs NAME");
	if (cmd == DNSPOOL_CMD_LISTENER_DEL && argc != 1)
		return bad_usage(name, "needs NAME and nothing else");
	if (add) {
		if (parse_addr_port(argv[1], &family, &addr, &port))
			return EXIT_USAGE;
		first = 2;
	}
	msg = dp_msg_new(cmd, 0);
	if (!msg)
		return EXIT_FAIL;
	if (nla_put_string(msg, DNSPOOL_A_LISTENER_NAME, argv[0]) < 0) {
		nlmsg_free(msg);
		return bad_usage(name, "NAME is too long");
	}
	if (add) {
		if (family == AF_INET)
			nla_put(msg, DNSPOOL_A_LISTENER_IPV4, 4, &addr);
		else
			nla_put(msg, DNSPOOL_A_LISTENER_IPV6, 16, &addr);
		if (port)
			nla_put_u16(msg, DNSPOOL_A_LISTENER_PORT, htons(port));
	}
	if (put_options(msg, name, argc - first, argv + first, add)) {
		nlmsg_free(msg);
		return EXIT_USAGE;
	}
	return dp_request(msg, NULL, NULL) ? EXIT_FAIL : EXIT_OK;
}

static int listener_add(int argc, char **argv)
{
	return listener_change(argc, argv, DNSPOOL_CMD_LISTENER_ADD, "add");
}

static int listener_set(int argc, char **argv)
{
	return listener_change(argc, argv, DNSPOOL_CMD_LISTENER_SET, "set");
}

static int listener_del(int argc, char **argv)
{
	return listener_change(argc, argv, DNSPOOL_CMD_LISTENER_DEL, "del");
}

/* "127.0.0.1:53", "[::1]:5353"; the address alone into @addr when given. */
static void format_address(struct nlattr **tb, char *buf, size_t len, char *addr, size_t alen)
{
	unsigned int port = tb[DNSPOOL_A_LISTENER_PORT] ?
			    ntohs(nla_get_u16(tb[DNSPOOL_A_LISTENER_PORT])) : 0;
	int family = tb[DNSPOOL_A_LISTENER_IPV4] ? AF_INET : AF_INET6;
	struct nlattr *a = family == AF_INET ? tb[DNSPOOL_A_LISTENER_IPV4] :
			   tb[DNSPOOL_A_LISTENER_IPV6];

	snprintf(buf, len, "?");
	if (addr)
		snprintf(addr, alen, "?");
	if (!a || nla_len(a) < (family == AF_INET ? 4 : 16))
		return;
	format_addr_port(family, nla_data(a), port, buf, len);
	if (addr)
		inet_ntop(family, nla_data(a), addr, alen);
}

/* The allow list's networks, in order, as ADDR/LEN; how many. */
static int allow_list(struct nlmsghdr *nlh, char (*nets)[INET6_ADDRSTRLEN + 4], int max)
{
	struct nlattr *a, *tb[DNSPOOL_A_PREFIX_MAX + 1];
	int rem, n = 0;

	nlmsg_for_each_attr(a, nlh, GENL_HDRLEN, rem) {
		struct nlattr *ip;
		int family;

		if (nla_type(a) != DNSPOOL_A_LISTENER_ALLOW || n >= max ||
		    nla_parse_nested(tb, DNSPOOL_A_PREFIX_MAX, a, NULL) < 0)
			continue;
		family = tb[DNSPOOL_A_PREFIX_IPV4] ? AF_INET : AF_INET6;
		ip = tb[family == AF_INET ? DNSPOOL_A_PREFIX_IPV4 : DNSPOOL_A_PREFIX_IPV6];
		if (!ip || nla_len(ip) < (family == AF_INET ? 4 : 16))
			continue;
		format_prefix(family, nla_data(ip),
			      tb[DNSPOOL_A_PREFIX_LEN] ? nla_get_u8(tb[DNSPOOL_A_PREFIX_LEN]) : 0,
			      nets[n++], sizeof(nets[0]));
	}
	return n;
}

static bool serves_tcp(struct nlattr **tb)
{
	return dp_get_u32(tb, DNSPOOL_A_LISTENER_PROTO) != DNSPOOL_LISTENER_PROTO_UDP;
}

/* One line in the syntax `listener add` takes (TCP's options for TCP). */
static void print_config(struct nlmsghdr *nlh, struct nlattr **tb)
{
	char nets[DNSPOOL_LISTENER_MAX_ALLOW][INET6_ADDRSTRLEN + 4], addr[INET6_ADDRSTRLEN + 8],
	     dur[32];
	int n = allow_list(nlh, nets, DNSPOOL_LISTENER_MAX_ALLOW), i;
	uint32_t rate = dp_get_u32(tb, DNSPOOL_A_LISTENER_RATE);

	format_address(tb, addr, sizeof(addr), NULL, 0);
	printf("%s %s proto %s target %s", nla_get_string(tb[DNSPOOL_A_LISTENER_NAME]), addr,
	       listener_proto_name(dp_get_u32(tb, DNSPOOL_A_LISTENER_PROTO)),
	       tb[DNSPOOL_A_LISTENER_TARGET] ? nla_get_string(tb[DNSPOOL_A_LISTENER_TARGET]) : "?");
	for (i = 0; i < n; i++)
		printf("%s%s", i ? "," : " allow ", nets[i]);
	if (rate)
		printf(" rate %u", rate);
	else
		printf(" rate off");
	if (serves_tcp(tb)) {
		format_duration_ms(dp_get_u32(tb, DNSPOOL_A_LISTENER_TCP_IDLE_MS), dur, sizeof(dur));
		printf(" tcp-idle %s tcp-max %u", dur, dp_get_u32(tb, DNSPOOL_A_LISTENER_TCP_MAX));
	}
	putchar('\n');
}

/* The counters, by their words and JSON names. */
static const struct {
	const char *words;
	const char *key;
	int attr;
} counters[] = {
	{ "queries", "queries", DNSPOOL_A_LISTENER_QUERIES },
	{ "answers", "answers", DNSPOOL_A_LISTENER_ANSWERS },
	{ "servfail", "servfail", DNSPOOL_A_LISTENER_SERVFAIL },
	{ "refused-acl", "refused_acl", DNSPOOL_A_LISTENER_REFUSED_ACL },
	{ "rate-limited", "rate_limited", DNSPOOL_A_LISTENER_RATE_LIMITED },
	{ "malformed", "malformed", DNSPOOL_A_LISTENER_MALFORMED },
	{ "truncated", "truncated", DNSPOOL_A_LISTENER_TRUNCATED },
	{ "drops", "drops", DNSPOOL_A_LISTENER_DROPS },
	{ "inflight", "inflight", DNSPOOL_A_LISTENER_INFLIGHT },
	/* TCP's, for listeners that serve it. */
	{ "tcp-conns", "tcp_conns", DNSPOOL_A_LISTENER_TCP_CONNS },
	{ "tcp-conns-total", "tcp_conns_total", DNSPOOL_A_LISTENER_TCP_CONNS_TOTAL },
	{ "tcp-refused", "tcp_refused", DNSPOOL_A_LISTENER_TCP_REFUSED },
};

/**
 * dp_print_listener_counters() - a listener's counters, indented
 * @tb: its attributes
 * @wrap: as stats -s does: two spaces apart, lines within 100 columns;
 *	  else one line, as group show's
 *
 * "tcp-conns N/TOTAL" is the TCP connections open now, and accepted in all.
 */
void dp_print_listener_counters(struct nlattr **tb, bool wrap)
{
	const char *sep = wrap ? "  " : " ";
	char item[80];
	int col = 0, len;
	size_t i;

	for (i = 0; i < ARRAY_LEN(counters); i++) {
		int attr = counters[i].attr;

		if (attr == DNSPOOL_A_LISTENER_TCP_CONNS_TOTAL ||
		    (attr >= DNSPOOL_A_LISTENER_TCP_CONNS && attr <= DNSPOOL_A_LISTENER_TCP_REFUSED &&
		     !serves_tcp(tb)))
			continue;
		if (attr == DNSPOOL_A_LISTENER_TCP_CONNS)
			len = snprintf(item, sizeof(item), "tcp-conns %llu/%llu",
				       (unsigned long long)dp_get_uint(tb[attr]),
				       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_LISTENER_TCP_CONNS_TOTAL]));
		else
			len = snprintf(item, sizeof(item), "%s %llu", counters[i].words,
				       (unsigned long long)dp_get_uint(tb[attr]));
		if (wrap && col && col + 2 + len > 100) {
			putchar('\n');
			col = 0;
		}
		col += printf("%s%s", col ? sep : "    ", item);
	}
	putchar('\n');
}

/* Its configuration in `listener add` syntax; below, its counters. */
void dp_print_listener(struct nlmsghdr *nlh, struct nlattr **tb, bool with_counters)
{
	print_config(nlh, tb);
	if (with_counters)
		dp_print_listener_counters(tb, false);
}

json_object *dp_listener_json(struct nlmsghdr *nlh, struct nlattr **tb)
{
	char nets[DNSPOOL_LISTENER_MAX_ALLOW][INET6_ADDRSTRLEN + 4], buf[INET6_ADDRSTRLEN + 8],
	     addr[INET6_ADDRSTRLEN] = "";
	int n = allow_list(nlh, nets, DNSPOOL_LISTENER_MAX_ALLOW), i;
	json_object *o = json_object_new_object(), *allow = json_object_new_array();

	format_address(tb, buf, sizeof(buf), addr, sizeof(addr));
	json_object_object_add(o, "name",
			       json_object_new_string(nla_get_string(tb[DNSPOOL_A_LISTENER_NAME])));
	json_object_object_add(o, "address", json_object_new_string(addr));
	json_object_object_add(o, "port", json_object_new_int(tb[DNSPOOL_A_LISTENER_PORT] ?
			       ntohs(nla_get_u16(tb[DNSPOOL_A_LISTENER_PORT])) : 0));
	json_object_object_add(o, "proto",
			       json_object_new_string(listener_proto_name(dp_get_u32(tb, DNSPOOL_A_LISTENER_PROTO))));
	json_object_object_add(o, "target",
			       json_object_new_string(tb[DNSPOOL_A_LISTENER_TARGET] ?
					nla_get_string(tb[DNSPOOL_A_LISTENER_TARGET]) : ""));
	for (i = 0; i < n; i++)
		json_object_array_add(allow, json_object_new_string(nets[i]));
	json_object_object_add(o, "allow", allow);
	json_object_object_add(o, "rate",
			       json_object_new_int64(dp_get_u32(tb, DNSPOOL_A_LISTENER_RATE)));
	json_object_object_add(o, "tcp_idle_ms",
			       json_object_new_int64(dp_get_u32(tb, DNSPOOL_A_LISTENER_TCP_IDLE_MS)));
	json_object_object_add(o, "tcp_max",
			       json_object_new_int64(dp_get_u32(tb, DNSPOOL_A_LISTENER_TCP_MAX)));
	for (i = 0; i < (int)ARRAY_LEN(counters); i++)
		json_object_object_add(o, counters[i].key,
				       json_object_new_int64(dp_get_uint(tb[counters[i].attr])));
	return o;
}

struct list_arg {
	json_object *list;
	dp_msg_fn fn;
	void *arg;
};

static int on_listener(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_LISTENER_MAX + 1];
	struct list_arg *l = arg;

	if (l->fn)
		return l->fn(nlh, l->arg);
	if (dp_parse(nlh, tb, DNSPOOL_A_LISTENER_MAX) < 0 || !tb[DNSPOOL_A_LISTENER_NAME])
		return NL_SKIP;
	if (l->list)
		json_object_array_add(l->list, dp_listener_json(nlh, tb));
	else
		dp_print_listener(nlh, tb, true);
	return NL_OK;
}

static int listeners_get(const char *name, struct list_arg *l)
{
	struct nl_msg *msg = dp_msg_new(DNSPOOL_CMD_LISTENER_GET, name ? 0 : NLM_F_DUMP);

	if (!msg)
		return EXIT_FAIL;
	if (name)
		nla_put_string(msg, DNSPOOL_A_LISTENER_NAME, name);
	return dp_request(msg, on_listener, l) ? EXIT_FAIL : EXIT_OK;
}

/**
 * dp_listeners_list() - the namespace's listeners, as JSON objects into @list
 * @list: a JSON array, or NULL to print them as listener show does
 * @name: one listener, or NULL for all
 *
 * Return: EXIT_OK or EXIT_FAIL.
 */
int dp_listeners_list(json_object *list, const char *name)
{
	struct list_arg l = { .list = list };

	return listeners_get(name, &l);
}

/**
 * dp_listeners_each() - every listener's answer, to @fn (stats' table)
 * @fn: called with each message, and @arg
 * @arg: its argument
 *
 * Return: EXIT_OK or EXIT_FAIL.
 */
int dp_listeners_each(dp_msg_fn fn, void *arg)
{
	struct list_arg l = { .fn = fn, .arg = arg };

	return listeners_get(NULL, &l);
}

static int listener_show(int argc, char **argv)
{
	json_object *list = json_output ? json_object_new_array() : NULL;
	int ret;

	if (argc > 1)
		return bad_usage("show", "takes at most one NAME");
	ret = dp_listeners_list(list, argc ? argv[0] : NULL);
	if (list && ret == EXIT_OK)
		return dp_json_print(list);
	json_object_put(list);
	return ret;
}

int cmd_listener(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "add", listener_add }, { "set", listener_set },
		{ "del", listener_del }, { "show", listener_show },
	};
	size_t i;
	int j;

	if (argc < 1)
		return listener_show(0, NULL);
	for (j = 0; j < argc; j++)
		if (is_help(argv[j]) || (!j && !strcmp(argv[j], "help"))) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		}
	for (i = 0; i < ARRAY_LEN(cmds); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	dp_usage_err("unknown listener command '%s' (add, set, del, show)", argv[0]);
	return EXIT_USAGE;
}
