// SPDX-License-Identifier: GPL-2.0
/*
 * dnspoolctl monitor: the family's monitor group, printed as it comes, as
 * `ip monitor` prints rtnetlink's: upstreams, groups and listeners added,
 * changed and deleted, and the circuit breakers opening, half-opening and
 * closing.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include <linux/dnspool.h>
#include <netlink/genl/ctrl.h>

#include "dnspoolctl.h"
#include "nl.h"

static const char usage_text[] =
	"Usage: dnspoolctl [-j] [-n NETNS] monitor\n"
	"Print changes as they happen, one line each (-j: a JSON object each):\n"
	"  upstream add|set NAME URI [OPTION]...   an upstream added, or changed\n"
	"                                          (its whole configuration)\n"
	"  upstream del NAME                       an upstream deleted\n"
	"  health NAME STATE failures N ...        its circuit breaker's new state\n"
	"  group add|set NAME UPSTREAM... [OPTION]...   a group added, or changed\n"
	"  group del NAME                          a group deleted\n"
	"  listener add|set NAME ADDR:PORT [OPTION]...   a listener added, or changed\n"
	"  listener del NAME                       a listener deleted\n";

static const char *event_name(int cmd)
{
	switch (cmd) {
	case DNSPOOL_CMD_UPSTREAM_ADD_NTF:
		return "add";
	case DNSPOOL_CMD_UPSTREAM_CHANGE_NTF:
		return "set";
	case DNSPOOL_CMD_UPSTREAM_DEL_NTF:
		return "del";
	case DNSPOOL_CMD_UPSTREAM_HEALTH_NTF:
		return "health";
	default:
		return NULL;
	}
}

static int on_group_event(struct nlmsghdr *nlh, int cmd)
{
	struct nlattr *tb[DNSPOOL_A_GROUP_MAX + 1];
	const char *event = cmd == DNSPOOL_CMD_GROUP_ADD_NTF ? "add" :
			    cmd == DNSPOOL_CMD_GROUP_DEL_NTF ? "del" : "set";

	if (dp_parse(nlh, tb, DNSPOOL_A_GROUP_MAX) < 0 || !tb[DNSPOOL_A_GROUP_NAME])
		return NL_SKIP;
	if (json_output) {
		json_object *o = dp_group_json(nlh, tb);

		json_object_object_add(o, "event", json_object_new_string(event));
		json_object_object_add(o, "object", json_object_new_string("group"));
		dp_json_print(o);
	} else if (cmd == DNSPOOL_CMD_GROUP_DEL_NTF) {
		printf("group del %s\n", nla_get_string(tb[DNSPOOL_A_GROUP_NAME]));
	} else {
		printf("group %s ", event);
		dp_print_group(nlh, tb, false);
	}
	fflush(stdout);
	return NL_OK;
}

static int on_listener_event(struct nlmsghdr *nlh, int cmd)
{
	struct nlattr *tb[DNSPOOL_A_LISTENER_MAX + 1];
	const char *event = cmd == DNSPOOL_CMD_LISTENER_ADD_NTF ? "add" :
			    cmd == DNSPOOL_CMD_LISTENER_DEL_NTF ? "del" : "set";

	if (dp_parse(nlh, tb, DNSPOOL_A_LISTENER_MAX) < 0 || !tb[DNSPOOL_A_LISTENER_NAME])
		return NL_SKIP;
	if (json_output) {
		json_object *o = dp_listener_json(nlh, tb);

		json_object_object_add(o, "event", json_object_new_string(event));
		json_object_object_add(o, "object", json_object_new_string("listener"));
		dp_json_print(o);
	} else if (cmd == DNSPOOL_CMD_LISTENER_DEL_NTF) {
		printf("listener del %s\n", nla_get_string(tb[DNSPOOL_A_LISTENER_NAME]));
	} else {
		printf("listener %s ", event);
		dp_print_listener(nlh, tb, false);
	}
	fflush(stdout);
	return NL_OK;
}

static int on_event(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *ghdr = nlmsg_data(nlh);
	struct nlattr *tb[DNSPOOL_A_UPSTREAM_MAX + 1];
	const char *event = event_name(ghdr->cmd);
	const char *name;

	(void)arg;
	if (ghdr->cmd == DNSPOOL_CMD_GROUP_ADD_NTF || ghdr->cmd == DNSPOOL_CMD_GROUP_DEL_NTF ||
	    ghdr->cmd == DNSPOOL_CMD_GROUP_CHANGE_NTF)
		return on_group_event(nlh, ghdr->cmd);
	if (ghdr->cmd == DNSPOOL_CMD_LISTENER_ADD_NTF || ghdr->cmd == DNSPOOL_CMD_LISTENER_DEL_NTF ||
	    ghdr->cmd == DNSPOOL_CMD_LISTENER_CHANGE_NTF)
		return on_listener_event(nlh, ghdr->cmd);
	if (!event || dp_parse(nlh, tb, DNSPOOL_A_UPSTREAM_MAX) < 0 ||
	    !tb[DNSPOOL_A_UPSTREAM_NAME])
		return NL_SKIP;
	name = nla_get_string(tb[DNSPOOL_A_UPSTREAM_NAME]);
	if (json_output) {
		json_object *o;

		if (ghdr->cmd == DNSPOOL_CMD_UPSTREAM_HEALTH_NTF) {
			o = json_object_new_object();
			json_object_object_add(o, "name", json_object_new_string(name));
			dp_health_json(o, tb);
		} else {
			o = dp_upstream_json(tb);
		}
		json_object_object_add(o, "event", json_object_new_string(event));
		json_object_object_add(o, "object", json_object_new_string("upstream"));
		dp_json_print(o);
	} else if (ghdr->cmd == DNSPOOL_CMD_UPSTREAM_HEALTH_NTF) {
		printf("health %s ", name);
		dp_print_health(tb);
	} else if (ghdr->cmd == DNSPOOL_CMD_UPSTREAM_DEL_NTF) {
		printf("upstream del %s\n", name);
	} else {
		printf("upstream %s ", event);
		dp_print_upstream(tb);
	}
	fflush(stdout);
	return NL_OK;
}

int cmd_monitor(int argc, char **argv)
{
	struct nl_sock *sk;
	int grp, err;

	if (argc > 0 && (is_help(argv[0]) || !strcmp(argv[0], "help"))) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (argc > 0)
		return dp_usage_exit("monitor: takes no argument (see dnspoolctl monitor --help)");
	sk = dp_socket();
	if (!sk)
		return EXIT_FAIL;
	grp = genl_ctrl_resolve_grp(sk, DNSPOOL_FAMILY_NAME, DNSPOOL_MCGRP_MONITOR);
	if (grp < 0) {
		dp_err("the dnspool family has no monitor group: is the module too old?");
		return EXIT_FAIL;
	}
	err = nl_socket_add_membership(sk, grp);
	if (err < 0) {
		dp_err("cannot join the monitor group: %s", nl_geterror(err));
		return EXIT_FAIL;
	}
	/* Notifications carry no sequence number of ours. */
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, NULL);
	for (;;) {
		err = nl_recvmsgs_default(sk);
		/* A full buffer (or no memory) lost some: say so, go on. */
		if (err == -NLE_NOMEM) {
			dp_err("some changes may have been lost (receive buffer full)");
			continue;
		}
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			dp_err("netlink: %s", nl_geterror(err));
			return EXIT_FAIL;
		}
	}
}
