#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fault injection with fail-nth (issue 19): fault_nth fails, in turn, each
# allocation a request makes in the requester's task (upstream, group and
# listener add, set and del, queries with and without ack, a dump), and
# checks after each that the request failed cleanly or succeeded whole.
# Its TAP is this test's.  Here: failslab and fail_page_alloc set up so
# that sleeping allocations count too (GFP_KERNEL is what the module's
# requests mostly use) and failures stay quiet in the kernel log, put back
# at exit; an unbound, with DNS over TLS and a tlshd when they start.
# Every N is tried: on the debug kernel under emulation the full sweep
# took 58 s, a sample (FAULT_NTH_SAMPLE=K: N = 1..5 and every K-th) 50 s;
# setting up unbound, TLS and kmemleak's scans cost most, so the regular
# run does the full sweep.  FAULT_NTH_MIN_ORDER sets
# fail_page_alloc's min-order (0 by default: single pages fail too);
# FAULT_NTH_VERBOSE=2 logs each injected fault with its stack.
# Skipped on a kernel without fault injection (Debian's).
. "$(dirname "$0")/lib.sh"

UPORT=5410	# unbound, UDP and TCP
TPORT=5411	# unbound, DNS over TLS
LPORT=5412	# the listeners: 5412, 5413, 5414
DBG=/sys/kernel/debug

if [ ! -e /proc/self/fail-nth ] || [ ! -d $DBG/failslab ]; then
	ktap_print_header
	ktap_skip_all "this kernel has no fault injection (CONFIG_FAULT_INJECTION," \
		"CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS)"
	exit "$KSFT_SKIP"
fi

# The knobs, and what the test sets them to.  ignore-gfp-wait N: sleeping
# allocations may fail too.  verbose 0: no "forcing a failure" stack dump
# per fault.  fail-nth fails only this test's own tasks: probability stays
# 0, so no other task sees a fault.
declare -A WANT=(
	[failslab/ignore-gfp-wait]=N
	[failslab/verbose]=${FAULT_NTH_VERBOSE:-0}
	[fail_page_alloc/ignore-gfp-wait]=N
	[fail_page_alloc/ignore-gfp-highmem]=Y
	[fail_page_alloc/verbose]=${FAULT_NTH_VERBOSE:-0}
	[fail_page_alloc/min-order]=${FAULT_NTH_MIN_ORDER:-0}
)
declare -A SAVED
for k in "${!WANT[@]}"; do
	[ -e "$DBG/$k" ] || continue
	SAVED[$k]=$(cat "$DBG/$k")
	echo "${WANT[$k]}" >"$DBG/$k" || ktap_exit_fail_msg "cannot set $DBG/$k"
done

UNBOUND=
TLSHD=
cleanup() {
	local k
	for k in "${!SAVED[@]}"; do echo "${SAVED[$k]}" >"$DBG/$k"; done
	kill $UNBOUND $TLSHD 2>/dev/null
}
trap cleanup EXIT

dnspool_load
upstreams_clear
# DNS over TLS when it can be had: unbound serving it, and a tlshd.
tls=
if UNBOUND=$(start_unbound 127.0.0.1 $UPORT $TPORT) && TLSHD=$(start_tlshd); then
	tls="-t $TPORT"
else
	echo "# no DNS over TLS upstream: the TLS queries are skipped"
	kill $UNBOUND $TLSHD 2>/dev/null
	TLSHD=
	UNBOUND=$(start_unbound 127.0.0.1 $UPORT) || ktap_exit_fail_msg "no unbound"
fi

if [ -n "${FAULT_NTH_SAMPLE:-}" ]; then
	mode="--sample $FAULT_NTH_SAMPLE"
else
	mode=--full
fi
echo "# fault_nth $mode on $(uname -r)"
# shellcheck disable=SC2086
"$(dirname "$0")/fault_nth" $mode -p $UPORT $tls -l $LPORT
