// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	include/uapi/linux/dnspool.yaml */
/* YNL-GEN kernel source */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "netlink-gen.h"

#include <uapi/linux/dnspool.h>

/* Integer value ranges */
static const struct netlink_range_validation dnspool_a_upstream_idle_timeout_ms_range = {
	.min	= 100ULL,
	.max	= 86400000ULL,
};

static const struct netlink_range_validation dnspool_a_upstream_reap_interval_ms_range = {
	.min	= 100ULL,
	.max	= 3600000ULL,
};

static const struct netlink_range_validation dnspool_a_upstream_dial_timeout_ms_range = {
	.min	= 100ULL,
	.max	= 300000ULL,
};

static const struct netlink_range_validation dnspool_a_upstream_query_timeout_ms_range = {
	.min	= 10ULL,
	.max	= 60000ULL,
};

static const struct netlink_range_validation dnspool_a_upstream_rotate_queries_range = {
	.min	= 1ULL,
	.max	= 1000000ULL,
};

static const struct netlink_range_validation dnspool_a_upstream_rotate_interval_ms_range = {
	.min	= 100ULL,
	.max	= 86400000ULL,
};

static const struct netlink_range_validation dnspool_a_upstream_rto_initial_ms_range = {
	.min	= 10ULL,
	.max	= 60000ULL,
};

static const struct netlink_range_validation dnspool_a_upstream_rto_min_ms_range = {
	.min	= 10ULL,
	.max	= 60000ULL,
};

static const struct netlink_range_validation dnspool_a_upstream_rto_max_ms_range = {
	.min	= 10ULL,
	.max	= 60000ULL,
};

static const struct netlink_range_validation dnspool_a_upstream_breaker_backoff_ms_range = {
	.min	= 10ULL,
	.max	= 600000ULL,
};

static const struct netlink_range_validation dnspool_a_group_race_delay_ms_range = {
	.max	= 60000ULL,
};

static const struct netlink_range_validation dnspool_a_group_timeout_ms_range = {
	.min	= 10ULL,
	.max	= 60000ULL,
};

static const struct netlink_range_validation dnspool_a_listener_rate_range = {
	.max	= 1000000ULL,
};

static const struct netlink_range_validation dnspool_a_listener_tcp_idle_ms_range = {
	.min	= 100ULL,
	.max	= 3600000ULL,
};

static const struct netlink_range_validation dnspool_a_listener_tcp_max_range = {
	.min	= 1ULL,
	.max	= 65536ULL,
};

/* Common nested types */
const struct nla_policy dnspool_prefix_nl_policy[DNSPOOL_A_PREFIX_LEN + 1] = {
	[DNSPOOL_A_PREFIX_IPV4] = { .type = NLA_U32, },
	[DNSPOOL_A_PREFIX_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[DNSPOOL_A_PREFIX_LEN] = NLA_POLICY_MAX(NLA_U8, 128),
};

/* DNSPOOL_CMD_UPSTREAM_ADD - do */
static const struct nla_policy dnspool_upstream_add_nl_policy[DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS + 1] = {
	[DNSPOOL_A_UPSTREAM_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_UPSTREAM_TRANSPORT] = NLA_POLICY_RANGE(NLA_U32, 1, 3),
	[DNSPOOL_A_UPSTREAM_IPV4] = { .type = NLA_U32, },
	[DNSPOOL_A_UPSTREAM_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[DNSPOOL_A_UPSTREAM_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[DNSPOOL_A_UPSTREAM_TLS_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_TLS_NAME_MAX_LEN, },
	[DNSPOOL_A_UPSTREAM_MAX_CONNS] = NLA_POLICY_RANGE(NLA_U32, 1, 1024),
	[DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_idle_timeout_ms_range),
	[DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_reap_interval_ms_range),
	[DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_dial_timeout_ms_range),
	[DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_query_timeout_ms_range),
	[DNSPOOL_A_UPSTREAM_ROTATE_QUERIES] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rotate_queries_range),
	[DNSPOOL_A_UPSTREAM_ROTATE_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rotate_interval_ms_range),
	[DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rto_initial_ms_range),
	[DNSPOOL_A_UPSTREAM_RTO_MIN_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rto_min_ms_range),
	[DNSPOOL_A_UPSTREAM_RTO_MAX_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rto_max_ms_range),
	[DNSPOOL_A_UPSTREAM_BREAKER_FAILURES] = NLA_POLICY_MAX(NLA_U32, 1000),
	[DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_breaker_backoff_ms_range),
};

/* DNSPOOL_CMD_UPSTREAM_SET - do */
static const struct nla_policy dnspool_upstream_set_nl_policy[DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS + 1] = {
	[DNSPOOL_A_UPSTREAM_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_UPSTREAM_TLS_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_TLS_NAME_MAX_LEN, },
	[DNSPOOL_A_UPSTREAM_MAX_CONNS] = NLA_POLICY_RANGE(NLA_U32, 1, 1024),
	[DNSPOOL_A_UPSTREAM_IDLE_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_idle_timeout_ms_range),
	[DNSPOOL_A_UPSTREAM_REAP_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_reap_interval_ms_range),
	[DNSPOOL_A_UPSTREAM_DIAL_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_dial_timeout_ms_range),
	[DNSPOOL_A_UPSTREAM_QUERY_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_query_timeout_ms_range),
	[DNSPOOL_A_UPSTREAM_ROTATE_QUERIES] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rotate_queries_range),
	[DNSPOOL_A_UPSTREAM_ROTATE_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rotate_interval_ms_range),
	[DNSPOOL_A_UPSTREAM_RTO_INITIAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rto_initial_ms_range),
	[DNSPOOL_A_UPSTREAM_RTO_MIN_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rto_min_ms_range),
	[DNSPOOL_A_UPSTREAM_RTO_MAX_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_rto_max_ms_range),
	[DNSPOOL_A_UPSTREAM_BREAKER_FAILURES] = NLA_POLICY_MAX(NLA_U32, 1000),
	[DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_upstream_breaker_backoff_ms_range),
};

/* DNSPOOL_CMD_UPSTREAM_DEL - do */
static const struct nla_policy dnspool_upstream_del_nl_policy[DNSPOOL_A_UPSTREAM_NAME + 1] = {
	[DNSPOOL_A_UPSTREAM_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
};

/* DNSPOOL_CMD_UPSTREAM_GET - do */
static const struct nla_policy dnspool_upstream_get_nl_policy[DNSPOOL_A_UPSTREAM_NAME + 1] = {
	[DNSPOOL_A_UPSTREAM_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
};

/* DNSPOOL_CMD_QUERY - do */
static const struct nla_policy dnspool_query_nl_policy[DNSPOOL_A_QUERY_TCP + 1] = {
	[DNSPOOL_A_QUERY_UPSTREAM] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_QUERY_MSG] = { .type = NLA_BINARY, },
	[DNSPOOL_A_QUERY_TCP] = { .type = NLA_FLAG, },
};

/* DNSPOOL_CMD_POOL_GET - dump */
static const struct nla_policy dnspool_pool_get_nl_policy[DNSPOOL_A_POOL_UPSTREAM + 1] = {
	[DNSPOOL_A_POOL_UPSTREAM] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
};

/* DNSPOOL_CMD_GROUP_ADD - do */
static const struct nla_policy dnspool_group_add_nl_policy[DNSPOOL_A_GROUP_TIMEOUT_MS + 1] = {
	[DNSPOOL_A_GROUP_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_GROUP_MEMBER] = { .type = NLA_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_GROUP_STRATEGY] = NLA_POLICY_RANGE(NLA_U32, 1, 3),
	[DNSPOOL_A_GROUP_RACE_DELAY_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_group_race_delay_ms_range),
	[DNSPOOL_A_GROUP_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_group_timeout_ms_range),
};

/* DNSPOOL_CMD_GROUP_SET - do */
static const struct nla_policy dnspool_group_set_nl_policy[DNSPOOL_A_GROUP_TIMEOUT_MS + 1] = {
	[DNSPOOL_A_GROUP_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_GROUP_MEMBER] = { .type = NLA_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_GROUP_STRATEGY] = NLA_POLICY_RANGE(NLA_U32, 1, 3),
	[DNSPOOL_A_GROUP_RACE_DELAY_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_group_race_delay_ms_range),
	[DNSPOOL_A_GROUP_TIMEOUT_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_group_timeout_ms_range),
};

/* DNSPOOL_CMD_GROUP_DEL - do */
static const struct nla_policy dnspool_group_del_nl_policy[DNSPOOL_A_GROUP_NAME + 1] = {
	[DNSPOOL_A_GROUP_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
};

/* DNSPOOL_CMD_GROUP_GET - do */
static const struct nla_policy dnspool_group_get_nl_policy[DNSPOOL_A_GROUP_NAME + 1] = {
	[DNSPOOL_A_GROUP_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
};

/* DNSPOOL_CMD_LISTENER_ADD - do */
static const struct nla_policy dnspool_listener_add_nl_policy[DNSPOOL_A_LISTENER_TCP_MAX + 1] = {
	[DNSPOOL_A_LISTENER_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_LISTENER_IPV4] = { .type = NLA_U32, },
	[DNSPOOL_A_LISTENER_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[DNSPOOL_A_LISTENER_PORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[DNSPOOL_A_LISTENER_PROTO] = NLA_POLICY_MAX(NLA_U32, 2),
	[DNSPOOL_A_LISTENER_TARGET] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_LISTENER_ALLOW] = NLA_POLICY_NESTED(dnspool_prefix_nl_policy),
	[DNSPOOL_A_LISTENER_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_listener_rate_range),
	[DNSPOOL_A_LISTENER_TCP_IDLE_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_listener_tcp_idle_ms_range),
	[DNSPOOL_A_LISTENER_TCP_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_listener_tcp_max_range),
};

/* DNSPOOL_CMD_LISTENER_SET - do */
static const struct nla_policy dnspool_listener_set_nl_policy[DNSPOOL_A_LISTENER_TCP_MAX + 1] = {
	[DNSPOOL_A_LISTENER_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_LISTENER_TARGET] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
	[DNSPOOL_A_LISTENER_ALLOW] = NLA_POLICY_NESTED(dnspool_prefix_nl_policy),
	[DNSPOOL_A_LISTENER_RATE] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_listener_rate_range),
	[DNSPOOL_A_LISTENER_TCP_IDLE_MS] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_listener_tcp_idle_ms_range),
	[DNSPOOL_A_LISTENER_TCP_MAX] = NLA_POLICY_FULL_RANGE(NLA_U32, &dnspool_a_listener_tcp_max_range),
};

/* DNSPOOL_CMD_LISTENER_DEL - do */
static const struct nla_policy dnspool_listener_del_nl_policy[DNSPOOL_A_LISTENER_NAME + 1] = {
	[DNSPOOL_A_LISTENER_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
};

/* DNSPOOL_CMD_LISTENER_GET - do */
static const struct nla_policy dnspool_listener_get_nl_policy[DNSPOOL_A_LISTENER_NAME + 1] = {
	[DNSPOOL_A_LISTENER_NAME] = { .type = NLA_NUL_STRING, .len = DNSPOOL_NAME_MAX_LEN, },
};

/* Ops table for dnspool */
const struct genl_split_ops dnspool_nl_ops[18] = {
	{
		.cmd		= DNSPOOL_CMD_UPSTREAM_ADD,
		.doit		= dnspool_nl_upstream_add_doit,
		.policy		= dnspool_upstream_add_nl_policy,
		.maxattr	= DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_UPSTREAM_SET,
		.pre_doit	= dnspool_nl_pre_doit_upstream,
		.doit		= dnspool_nl_upstream_set_doit,
		.post_doit	= dnspool_nl_post_doit_upstream,
		.policy		= dnspool_upstream_set_nl_policy,
		.maxattr	= DNSPOOL_A_UPSTREAM_BREAKER_BACKOFF_MS,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_UPSTREAM_DEL,
		.pre_doit	= dnspool_nl_pre_doit_upstream,
		.doit		= dnspool_nl_upstream_del_doit,
		.post_doit	= dnspool_nl_post_doit_upstream,
		.policy		= dnspool_upstream_del_nl_policy,
		.maxattr	= DNSPOOL_A_UPSTREAM_NAME,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_UPSTREAM_GET,
		.pre_doit	= dnspool_nl_pre_doit_upstream,
		.doit		= dnspool_nl_upstream_get_doit,
		.post_doit	= dnspool_nl_post_doit_upstream,
		.policy		= dnspool_upstream_get_nl_policy,
		.maxattr	= DNSPOOL_A_UPSTREAM_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= DNSPOOL_CMD_UPSTREAM_GET,
		.dumpit	= dnspool_nl_upstream_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= DNSPOOL_CMD_QUERY,
		.doit		= dnspool_nl_query_doit,
		.policy		= dnspool_query_nl_policy,
		.maxattr	= DNSPOOL_A_QUERY_TCP,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_POOL_GET,
		.dumpit		= dnspool_nl_pool_get_dumpit,
		.policy		= dnspool_pool_get_nl_policy,
		.maxattr	= DNSPOOL_A_POOL_UPSTREAM,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd	= DNSPOOL_CMD_NETNS_GET,
		.doit	= dnspool_nl_netns_get_doit,
		.flags	= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_GROUP_ADD,
		.doit		= dnspool_nl_group_add_doit,
		.policy		= dnspool_group_add_nl_policy,
		.maxattr	= DNSPOOL_A_GROUP_TIMEOUT_MS,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_GROUP_SET,
		.doit		= dnspool_nl_group_set_doit,
		.policy		= dnspool_group_set_nl_policy,
		.maxattr	= DNSPOOL_A_GROUP_TIMEOUT_MS,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_GROUP_DEL,
		.doit		= dnspool_nl_group_del_doit,
		.policy		= dnspool_group_del_nl_policy,
		.maxattr	= DNSPOOL_A_GROUP_NAME,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_GROUP_GET,
		.doit		= dnspool_nl_group_get_doit,
		.policy		= dnspool_group_get_nl_policy,
		.maxattr	= DNSPOOL_A_GROUP_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= DNSPOOL_CMD_GROUP_GET,
		.dumpit	= dnspool_nl_group_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= DNSPOOL_CMD_LISTENER_ADD,
		.doit		= dnspool_nl_listener_add_doit,
		.policy		= dnspool_listener_add_nl_policy,
		.maxattr	= DNSPOOL_A_LISTENER_TCP_MAX,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_LISTENER_SET,
		.doit		= dnspool_nl_listener_set_doit,
		.policy		= dnspool_listener_set_nl_policy,
		.maxattr	= DNSPOOL_A_LISTENER_TCP_MAX,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_LISTENER_DEL,
		.doit		= dnspool_nl_listener_del_doit,
		.policy		= dnspool_listener_del_nl_policy,
		.maxattr	= DNSPOOL_A_LISTENER_NAME,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= DNSPOOL_CMD_LISTENER_GET,
		.doit		= dnspool_nl_listener_get_doit,
		.policy		= dnspool_listener_get_nl_policy,
		.maxattr	= DNSPOOL_A_LISTENER_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= DNSPOOL_CMD_LISTENER_GET,
		.dumpit	= dnspool_nl_listener_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
};

static const struct genl_multicast_group dnspool_nl_mcgrps[] = {
	[DNSPOOL_NLGRP_MONITOR] = { "monitor", },
};
