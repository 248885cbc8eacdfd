// SPDX-License-Identifier: GPL-2.0
/* dnspoolctl group add|set|del|show */
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <linux/dnspool.h>

#include "args.h"
#include "dnspoolctl.h"
#include "nl.h"

static const char usage_text[] =
	"Usage: dnspoolctl [-n NETNS] group add NAME UPSTREAM... [OPTION]...\n"
	"       dnspoolctl [-n NETNS] group set NAME [UPSTREAM...] [OPTION]...\n"
	"       dnspoolctl [-n NETNS] group del NAME\n"
	"       dnspoolctl [-j] [-n NETNS] group show [NAME]\n"
	"OPTION: strategy sequential|parallel|racing | race-delay DUR|auto |\n"
	"        timeout DUR\n"
	"The members end at the first OPTION; set replaces them when it names any.\n";

static const char *const strategies[] = {
	[DNSPOOL_STRATEGY_SEQUENTIAL] = "sequential",
	[DNSPOOL_STRATEGY_PARALLEL] = "parallel",
	[DNSPOOL_STRATEGY_RACING] = "racing",
};

static const char *strategy_name(uint32_t s)
{
	return s < ARRAY_LEN(strategies) && strategies[s] ? strategies[s] : "unknown";
}

static bool is_option(const char *arg)
{
	return !strcmp(arg, "strategy") || !strcmp(arg, "race-delay") || !strcmp(arg, "timeout");
}

static int bad_usage(const char *cmd, const char *what)
{
	dp_usage_err("group %s: %s (see dnspoolctl group --help)", cmd, what);
	return EXIT_USAGE;
}

/* NAME, its members up to the first option, then the options. */
static int put_group(struct nl_msg *msg, const char *cmd, int argc, char **argv, bool add)
{
	int i = 1, members = 0;
	uint32_t v;
	size_t s;

	if (nla_put_string(msg, DNSPOOL_A_GROUP_NAME, argv[0]) < 0)
		return bad_usage(cmd, "NAME is too long");
	for (; i < argc && !is_option(argv[i]); i++, members++)
		if (nla_put_string(msg, DNSPOOL_A_GROUP_MEMBER, argv[i]) < 0)
			return bad_usage(cmd, "an UPSTREAM name is too long");
	if (add && !members)
		return bad_usage(cmd, "needs at least one UPSTREAM");
	for (; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!is_option(opt))
			return dp_usage_err("group %s: unknown option '%s' (see dnspoolctl group --help)",
					    cmd, opt), EXIT_USAGE;
		if (!val)
			return dp_usage_err("option '%s' needs a value", opt), EXIT_USAGE;
		if (!strcmp(opt, "strategy")) {
			for (s = 1; s < ARRAY_LEN(strategies); s++)
				if (!strcmp(val, strategies[s]))
					break;
			if (s == ARRAY_LEN(strategies))
				return dp_usage_err("unknown strategy '%s' (sequential, parallel, racing)",
						    val), EXIT_USAGE;
			nla_put_u32(msg, DNSPOOL_A_GROUP_STRATEGY, s);
		} else if (!strcmp(opt, "race-delay") && !strcmp(val, "auto")) {
			nla_put_u32(msg, DNSPOOL_A_GROUP_RACE_DELAY_MS, 0);
		} else {
			if (parse_duration_ms(val, &v))
				return EXIT_USAGE;
			nla_put_u32(msg, !strcmp(opt, "timeout") ? DNSPOOL_A_GROUP_TIMEOUT_MS :
				    DNSPOOL_A_GROUP_RACE_DELAY_MS, v);
		}
	}
	return 0;
}

static int group_change(int argc, char **argv, int cmd, const char *name)
{
	struct nl_msg *msg;
	int err;

	if (argc < 1)
		return bad_usage(name, "needs NAME");
	if (cmd == DNSPOOL_CMD_GROUP_DEL && argc != 1)
		return bad_usage(name, "needs NAME and nothing else");
	msg = dp_msg_new(cmd, 0);
	if (!msg)
		return EXIT_FAIL;
	err = put_group(msg, name, argc, argv, cmd == DNSPOOL_CMD_GROUP_ADD);
	if (err) {
		nlmsg_free(msg);
		return EXIT_USAGE;
	}
	return dp_request(msg, NULL, NULL) ? EXIT_FAIL : EXIT_OK;
}

static int group_add(int argc, char **argv)
{
	return group_change(argc, argv, DNSPOOL_CMD_GROUP_ADD, "add");
}

static int group_set(int argc, char **argv)
{
	return group_change(argc, argv, DNSPOOL_CMD_GROUP_SET, "set");
}

static int group_del(int argc, char **argv)
{
	return group_change(argc, argv, DNSPOOL_CMD_GROUP_DEL, "del");
}

/* The group's members and their good answers, in order. */
static int members_of(struct nlmsghdr *nlh, const char **names, uint64_t *answers, int max)
{
	struct nlattr *a;
	int rem, n = 0, k = 0;

	nlmsg_for_each_attr(a, nlh, GENL_HDRLEN, rem) {
		if (nla_type(a) == DNSPOOL_A_GROUP_MEMBER && n < max)
			names[n++] = nla_get_string(a);
		else if (nla_type(a) == DNSPOOL_A_GROUP_MEMBER_ANSWERS && k < max)
			answers[k++] = dp_get_uint(a);
	}
	return n;
}

/* One line in the syntax `group add` takes, and the counters below it. */
void dp_print_group(struct nlmsghdr *nlh, struct nlattr **tb, bool counters)
{
	const char *names[DNSPOOL_GROUP_MAX_MEMBERS];
	uint64_t answers[DNSPOOL_GROUP_MAX_MEMBERS] = {};
	uint32_t delay = tb[DNSPOOL_A_GROUP_RACE_DELAY_MS] ?
			 nla_get_u32(tb[DNSPOOL_A_GROUP_RACE_DELAY_MS]) : 0;
	int n = members_of(nlh, names, answers, DNSPOOL_GROUP_MAX_MEMBERS), i;
	char dur[32];

	printf("%s", nla_get_string(tb[DNSPOOL_A_GROUP_NAME]));
	for (i = 0; i < n; i++)
		printf(" %s", names[i]);
	printf(" strategy %s race-delay ",
	       strategy_name(tb[DNSPOOL_A_GROUP_STRATEGY] ?
			     nla_get_u32(tb[DNSPOOL_A_GROUP_STRATEGY]) : 0));
	if (delay)
		format_duration_ms(delay, dur, sizeof(dur));
	printf("%s", delay ? dur : "auto");
	format_duration_ms(tb[DNSPOOL_A_GROUP_TIMEOUT_MS] ?
			   nla_get_u32(tb[DNSPOOL_A_GROUP_TIMEOUT_MS]) : 0, dur, sizeof(dur));
	printf(" timeout %s\n", dur);
	if (!counters)
		return;
	printf("    queries %llu answers %llu failovers %llu races %llu won-by-other %llu",
	       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_GROUP_QUERIES]),
	       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_GROUP_ANSWERS]),
	       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_GROUP_FAILOVERS]),
	       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_GROUP_RACES]),
	       (unsigned long long)dp_get_uint(tb[DNSPOOL_A_GROUP_RACES_WON_OTHER]));
	for (i = 0; i < n; i++)
		printf(" %s %llu", names[i], (unsigned long long)answers[i]);
	putchar('\n');
}

json_object *dp_group_json(struct nlmsghdr *nlh, struct nlattr **tb)
{
	const char *names[DNSPOOL_GROUP_MAX_MEMBERS];
	uint64_t answers[DNSPOOL_GROUP_MAX_MEMBERS] = {};
	int n = members_of(nlh, names, answers, DNSPOOL_GROUP_MAX_MEMBERS), i;
	json_object *o = json_object_new_object(), *m = json_object_new_array();
	static const struct { const char *key; int attr; } counters[] = {
		{ "queries", DNSPOOL_A_GROUP_QUERIES },
		{ "answers", DNSPOOL_A_GROUP_ANSWERS },
		{ "failovers", DNSPOOL_A_GROUP_FAILOVERS },
		{ "races", DNSPOOL_A_GROUP_RACES },
		{ "races_won_other", DNSPOOL_A_GROUP_RACES_WON_OTHER },
	};

	json_object_object_add(o, "name",
			       json_object_new_string(nla_get_string(tb[DNSPOOL_A_GROUP_NAME])));
	for (i = 0; i < n; i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "upstream", json_object_new_string(names[i]));
		json_object_object_add(e, "answers", json_object_new_int64(answers[i]));
		json_object_array_add(m, e);
	}
	json_object_object_add(o, "members", m);
	json_object_object_add(o, "strategy",
			       json_object_new_string(strategy_name(tb[DNSPOOL_A_GROUP_STRATEGY] ?
					nla_get_u32(tb[DNSPOOL_A_GROUP_STRATEGY]) : 0)));
	json_object_object_add(o, "race_delay_ms",
			       json_object_new_int64(tb[DNSPOOL_A_GROUP_RACE_DELAY_MS] ?
					nla_get_u32(tb[DNSPOOL_A_GROUP_RACE_DELAY_MS]) : 0));
	json_object_object_add(o, "timeout_ms",
			       json_object_new_int64(tb[DNSPOOL_A_GROUP_TIMEOUT_MS] ?
					nla_get_u32(tb[DNSPOOL_A_GROUP_TIMEOUT_MS]) : 0));
	for (i = 0; i < (int)ARRAY_LEN(counters); i++)
		json_object_object_add(o, counters[i].key,
				       json_object_new_int64(dp_get_uint(tb[counters[i].attr])));
	return o;
}

static int on_group(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_GROUP_MAX + 1];

	if (dp_parse(nlh, tb, DNSPOOL_A_GROUP_MAX) < 0 || !tb[DNSPOOL_A_GROUP_NAME])
		return NL_SKIP;
	if (arg)
		json_object_array_add(arg, dp_group_json(nlh, tb));
	else
		dp_print_group(nlh, tb, true);
	return NL_OK;
}

/**
 * dp_groups_list() - the namespace's groups, as JSON objects into @list
 * @list: a JSON array, or NULL to print them as text
 * @name: one group, or NULL for all
 *
 * Return: EXIT_OK or EXIT_FAIL.
 */
int dp_groups_list(json_object *list, const char *name)
{
	struct nl_msg *msg = dp_msg_new(DNSPOOL_CMD_GROUP_GET, name ? 0 : NLM_F_DUMP);

	if (!msg)
		return EXIT_FAIL;
	if (name)
		nla_put_string(msg, DNSPOOL_A_GROUP_NAME, name);
	return dp_request(msg, on_group, list) ? EXIT_FAIL : EXIT_OK;
}

static int group_show(int argc, char **argv)
{
	json_object *list = json_output ? json_object_new_array() : NULL;
	int ret;

	if (argc > 1)
		return bad_usage("show", "takes at most one NAME");
	ret = dp_groups_list(list, argc ? argv[0] : NULL);
	if (list && ret == EXIT_OK)
		return dp_json_print(list);
	json_object_put(list);
	return ret;
}

int cmd_group(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "add", group_add }, { "set", group_set },
		{ "del", group_del }, { "show", group_show },
	};
	size_t i;
	int j;

	if (argc < 1)
		return group_show(0, NULL);
	for (j = 0; j < argc; j++)
		if (is_help(argv[j]) || (!j && !strcmp(argv[j], "help"))) {
			fputs(usage_text, stdout);
			return EXIT_OK;
		}
	for (i = 0; i < ARRAY_LEN(cmds); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	dp_usage_err("unknown group command '%s' (add, set, del, show)", argv[0]);
	return EXIT_USAGE;
}
