// SPDX-License-Identifier: GPL-2.0
/*
 * dnspool: pools of kernel sockets per DNS upstream, driven over generic
 * netlink.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>

#include "netlink.h"
#include "upstream.h"

static int __init dnspool_init(void)
{
	int err;

	err = dnspool_registry_init();
	if (err)
		return err;
	err = dnspool_nl_init();
	if (err) {
		dnspool_registry_exit();
		return err;
	}
	pr_debug("loaded\n");
	return 0;
}

/* The family goes first so that no request runs while the registries of
 * every namespace are torn down.
 */
static void __exit dnspool_exit(void)
{
	dnspool_nl_exit();
	dnspool_registry_exit();
	pr_debug("unloaded\n");
}

module_init(dnspool_init);
module_exit(dnspool_exit);

MODULE_DESCRIPTION("Pools of kernel sockets per DNS upstream");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(DNSPOOL_FAMILY_NAME);
