// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module that plants one bug on load, chosen by parameter, so
 * that the harness can prove its detectors fail a run.  Never part of
 * dnspool.ko, never installed.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "WARN on load");

static bool lockdep;
module_param(lockdep, bool, 0444);
MODULE_PARM_DESC(lockdep, "take two mutexes in both orders");

static bool kasan;
module_param(kasan, bool, 0444);
MODULE_PARM_DESC(kasan, "read past the end of an allocation");

static bool leak;
module_param(leak, bool, 0444);
MODULE_PARM_DESC(leak, "leak an allocation");

static DEFINE_MUTEX(bug_a);
static DEFINE_MUTEX(bug_b);
static void *bug_leaked;

static noinline void bug_lock_inversion(void)
{
	mutex_lock(&bug_a);
	mutex_lock(&bug_b);
	mutex_unlock(&bug_b);
	mutex_unlock(&bug_a);

	mutex_lock(&bug_b);
	mutex_lock(&bug_a);
	mutex_unlock(&bug_a);
	mutex_unlock(&bug_b);
}

static noinline int bug_out_of_bounds(void)
{
	volatile char *p = kmalloc(16, GFP_KERNEL);
	int v;

	if (!p)
		return -ENOMEM;
	v = p[16];
	kfree((void *)p);
	return v;
}

static int __init bug_init(void)
{
	WARN(warn, "dnspool_selftest_bug: planted warning\n");
	if (lockdep)
		bug_lock_inversion();
	if (kasan)
		pr_info("dnspool_selftest_bug: read %d\n", bug_out_of_bounds());
	if (leak) {
		bug_leaked = kmalloc(128, GFP_KERNEL);
		/* Forget it: only kmemleak can find it now. */
		bug_leaked = NULL;
	}
	return 0;
}

static void __exit bug_exit(void)
{
}

module_init(bug_init);
module_exit(bug_exit);
MODULE_DESCRIPTION("dnspool harness self-test: planted bugs");
MODULE_LICENSE("GPL");
