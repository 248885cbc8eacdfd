// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module that holds dnspool's race windows open: dnspool built
 * with DNSPOOL_RACE_WINDOWS=1 calls dnspool_race_hook at points where
 * another context may act on the same object (kmod/race.h); this module
 * sets the hook and, when a parameter arms a point, sleeps there once, so
 * that the other context runs inside the window.  A test then checks that
 * nothing breaks (on the debug kernel, KASAN sees any use after free).
 * Never part of dnspool.ko, never installed.
 *
 * Each parameter holds the delay in milliseconds and is cleared when the
 * delay is made; "fired" counts the delays made.
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/string.h>

static int tls_done_ms;
module_param(tls_done_ms, int, 0644);
MODULE_PARM_DESC(tls_done_ms,
		 "Sleep in the handshake agent's completion callback (tls_done()) after it woke the connection and before it signals its completion");

static int stream_send_ms;
module_param(stream_send_ms, int, 0644);
MODULE_PARM_DESC(stream_send_ms,
		 "Sleep in a query's send on a TCP or TLS stream after a write returned and before the query is told how much went out");

static atomic_t fired = ATOMIC_INIT(0);
module_param_named(fired, fired.counter, int, 0444);
MODULE_PARM_DESC(fired, "How many delays were made");

/* dnspool's hook (kmod/race.c). */
extern void (*dnspool_race_hook)(const char *where);

/* Sleeps the delay armed in @param, once. */
static void delay_once(int *param)
{
	int ms = xchg(param, 0);

	if (ms <= 0)
		return;
	atomic_inc(&fired);
	msleep(ms);
}

static void delay_race(const char *where)
{
	if (!strcmp(where, "tls_done"))
		delay_once(&tls_done_ms);
	else if (!strcmp(where, "stream_send"))
		delay_once(&stream_send_ms);
}

static int __init delay_init(void)
{
	WRITE_ONCE(dnspool_race_hook, delay_race);
	return 0;
}

/* The tests unload it once the contexts they held have returned. */
static void __exit delay_exit(void)
{
	WRITE_ONCE(dnspool_race_hook, NULL);
}

module_init(delay_init);
module_exit(delay_exit);
MODULE_DESCRIPTION("dnspool self-test: sleeps that hold race windows open");
MODULE_LICENSE("GPL");
