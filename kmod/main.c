// SPDX-License-Identifier: GPL-2.0
/*
 * dnspool: pools of kernel sockets per DNS upstream, driven over generic
 * netlink.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "sock.h"
#include "netlink.h"
#include "pool.h"
#include "upstream.h"

static int __init dnspool_init(void)
{
	int err;

	/* Connections' I/O, reaping and closing; it may run while memory is
	 * short, since answers free what queries hold.
	 */
	dnspool_wq = alloc_workqueue("dnspool", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	if (!dnspool_wq)
		return -ENOMEM;
	err = dnspool_sock_init();
	if (err)
		goto err_wq;
	err = dnspool_registry_init();
	if (err)
		goto err_conn;
	err = dnspool_nl_init();
	if (err)
		goto err_registry;
	pr_debug("loaded\n");
	return 0;

err_registry:
	dnspool_registry_exit();
err_conn:
	dnspool_sock_exit();
err_wq:
	destroy_workqueue(dnspool_wq);
	return err;
}

/*
 * Queries in flight are answered with an error while the family is still
 * there; then the family goes, so that no request runs while the
 * registries of every namespace are freed; the work queue goes last.
 *
 * The family's removal also waits for the TLS handshake agent's callbacks
 * (dnspool_tls_done()): the pools' shutdown waited for every one to signal
 * its completion, but its return runs through this module's text, inside
 * the agent's DONE request; genl_unregister_family() takes genetlink's
 * cb_lock for writing, which that request holds for reading.
 */
static void __exit dnspool_exit(void)
{
	dnspool_nl_close_queries();
	dnspool_registry_shutdown();
	/* Queries asked of groups deliver their outcomes from the work queue:
	 * their member queries ended with the pools.
	 */
	flush_workqueue(dnspool_wq);
	dnspool_nl_exit();
	dnspool_registry_exit();
	dnspool_sock_exit();
	destroy_workqueue(dnspool_wq);
	/* Groups' member lists are freed by RCU callbacks of this module. */
	rcu_barrier();
	pr_debug("unloaded\n");
}

module_init(dnspool_init);
module_exit(dnspool_exit);

MODULE_DESCRIPTION("Pools of kernel sockets per DNS upstream");
MODULE_LICENSE("GPL");
MODULE_ALIAS_GENL_FAMILY(DNSPOOL_FAMILY_NAME);
