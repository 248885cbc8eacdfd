// SPDX-License-Identifier: GPL-2.0
/* dnspoolctl limits: the bounds on connections and queries, and their use. */
#include <stdio.h>
#include <json-c/json.h>
#include <linux/dnspool.h>

#include "dnspoolctl.h"
#include "nl.h"

/* The reply's attributes, by their JSON names. */
static const struct {
	const char *key;
	int attr;
} fields[] = {
	{ "conns", DNSPOOL_A_NETNS_CONNS },
	{ "max_conns", DNSPOOL_A_NETNS_MAX_CONNS },
	{ "owner_uid", DNSPOOL_A_NETNS_OWNER_UID },
	{ "owner_conns", DNSPOOL_A_NETNS_OWNER_CONNS },
	{ "max_owner_conns", DNSPOOL_A_NETNS_MAX_OWNER_CONNS },
	{ "inflight", DNSPOOL_A_NETNS_INFLIGHT },
	{ "user_inflight", DNSPOOL_A_NETNS_USER_INFLIGHT },
	{ "max_inflight_socket", DNSPOOL_A_NETNS_MAX_INFLIGHT_SOCKET },
	{ "max_inflight_user", DNSPOOL_A_NETNS_MAX_INFLIGHT_USER },
};

#define N_FIELDS (sizeof(fields) / sizeof(fields[0]))

static int on_limits(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DNSPOOL_A_NETNS_MAX + 1];
	uint32_t v[N_FIELDS] = { 0 };
	size_t i;

	(void)arg;
	if (dp_parse(nlh, tb, DNSPOOL_A_NETNS_MAX) < 0)
		return NL_SKIP;
	for (i = 0; i < N_FIELDS; i++)
		if (tb[fields[i].attr])
			v[i] = nla_get_u32(tb[fields[i].attr]);
	if (json_output) {
		json_object *o = json_object_new_object();

		for (i = 0; i < N_FIELDS; i++)
			if (tb[fields[i].attr])
				json_object_object_add(o, fields[i].key, json_object_new_int64(v[i]));
		dp_json_print(o);
		return NL_OK;
	}
	printf("namespace: connections %u/%u", v[0], v[1]);
	if (tb[DNSPOOL_A_NETNS_OWNER_UID])
		printf(", owner uid %u: connections %u/%u", v[2], v[3], v[4]);
	printf("\nin flight: %u in the namespace, %u yours; at most %u per socket, %u per user\n",
	       v[5], v[6], v[7], v[8]);
	return NL_OK;
}

/* Prints the namespace's bounds and their use; 0 or a negative errno. */
int print_limits(void)
{
	struct nl_msg *msg = dp_msg_new(DNSPOOL_CMD_NETNS_GET, 0);

	if (!msg)
		return -1;
	return dp_request(msg, on_limits, NULL);
}

int cmd_limits(int argc, char **argv)
{
	if (argc && is_help(argv[0])) {
		printf("Usage: dnspoolctl [-j] [-n NETNS] limits\n"
		       "The bounds on the namespace's connections and queries in flight, and their use.\n");
		return EXIT_OK;
	}
	if (argc)
		return dp_usage_exit("limits: takes no argument (see dnspoolctl limits --help)");
	return print_limits() ? EXIT_FAIL : EXIT_OK;
}
