// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module that opens race windows in dnspool and the handshake
 * layer by delaying one step of theirs, once, when a parameter arms it:
 * a test then drives the race the window admits and checks that nothing
 * breaks (on the debug kernel, KASAN sees any use after free).  Kprobes
 * make the delays; the code under test is the code that ships.  Never part
 * of dnspool.ko, never installed.
 *
 * Each parameter holds the delay in milliseconds and is cleared when the
 * delay is made; "fired" counts the delays made.
 */
#include <linux/delay.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/string.h>

static int tls_done_ms;
module_param(tls_done_ms, int, 0644);
MODULE_PARM_DESC(tls_done_ms,
		 "Delay the handshake agent's completion callback (dnspool's tls_done()) after it wakes the connection and before it signals its completion");

static int accept_ms;
module_param(accept_ms, int, 0644);
MODULE_PARM_DESC(accept_ms,
		 "Delay the handshake layer's accept (tls_handshake_accept()), after it took the request off the pending list and before the agent gets the socket");

static int stream_send_ms;
module_param(stream_send_ms, int, 0644);
MODULE_PARM_DESC(stream_send_ms,
		 "Delay dnspool's send of a query on a TCP or TLS stream (dnspool_stream_send()), after the connection let go of its lock");

static int fired;
module_param(fired, int, 0444);
MODULE_PARM_DESC(fired, "How many delays were made");

/* Takes the delay armed in @param, once. */
static void delay_once(int *param)
{
	int ms = xchg(param, 0);

	if (ms <= 0)
		return;
	fired++;
	/* Probe handlers may not sleep: spin.  The other CPU runs on. */
	mdelay(ms);
}

/* dnspool_conn_kick() returns to tls_done(), in the agent's DONE request. */
static int kick_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	if (READ_ONCE(tls_done_ms) && in_task() && !strcmp(current->comm, "tlshd"))
		delay_once(&tls_done_ms);
	return 0;
}

static struct kretprobe kick_probe = {
	.kp.symbol_name = "dnspool_conn_kick",
	.handler = kick_ret,
};

static int accept_pre(struct kprobe *p, struct pt_regs *regs)
{
	delay_once(&accept_ms);
	return 0;
}

static struct kprobe accept_probe = {
	.symbol_name = "tls_handshake_accept",
	.pre_handler = accept_pre,
};

static int send_pre(struct kprobe *p, struct pt_regs *regs)
{
	delay_once(&stream_send_ms);
	return 0;
}

static struct kprobe send_probe = {
	.symbol_name = "dnspool_stream_send",
	.pre_handler = send_pre,
};

static int __init delay_init(void)
{
	int err;

	/* dnspool must be loaded: its function is probed by name. */
	err = register_kretprobe(&kick_probe);
	if (err) {
		pr_err("dnspool_selftest_delay: cannot probe dnspool_conn_kick: %d\n", err);
		return err;
	}
	err = register_kprobe(&accept_probe);
	if (err) {
		pr_err("dnspool_selftest_delay: cannot probe tls_handshake_accept: %d\n", err);
		goto err_kick;
	}
	err = register_kprobe(&send_probe);
	if (err) {
		pr_err("dnspool_selftest_delay: cannot probe dnspool_stream_send: %d\n", err);
		goto err_accept;
	}
	return 0;

err_accept:
	unregister_kprobe(&accept_probe);
err_kick:
	unregister_kretprobe(&kick_probe);
	return err;
}

static void __exit delay_exit(void)
{
	unregister_kprobe(&send_probe);
	unregister_kprobe(&accept_probe);
	unregister_kretprobe(&kick_probe);
}

module_init(delay_init);
module_exit(delay_exit);
MODULE_DESCRIPTION("dnspool self-test: delays that open race windows");
MODULE_LICENSE("GPL");
