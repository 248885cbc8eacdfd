#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The netlink fuzzer: nl_fuzz learns the family's ops and policies from
# the kernel and sends 100,000 messages or more, valid and not, from root,
# an unprivileged user and the root of a user namespace at once, next to
# valid queries to unbound; then the registry must be what the valid
# requests made, and the module must still work.  Its TAP is this test's.
# NL_FUZZ_COUNT and NL_FUZZ_SEED override the count and the seed (printed).
. "$(dirname "$0")/lib.sh"

PORT=5399
dnspool_load
upstreams_clear
UNBOUND=$(start_unbound 127.0.0.1 $PORT) || ktap_exit_fail_msg "no unbound"
trap 'kill $UNBOUND 2>/dev/null' EXIT
# A bound on the time, in case a machine is much slower: on a 2-core host
# without KVM the debug kernel sent its 100,000 messages in 210 s without
# kmemleak and debug objects, 492 s with them (alone, a VM each), and in
# 1133 s with them beside the suite's other VMs; the stock one in 14 s
# alone.  The regular run has it in a debug VM without those two (it is
# not in selftests/vm/full-detector-tests).  The count is the same on
# both kernels; the bound and the actors' 300 s to drain stay within the
# harness's 1440 s (nl_fuzz.c) and a test's 1500 s.
secs=240
[ "${KSFT_KERNEL_FLAVOUR:-}" = debug ] && secs=1000
"$(dirname "$0")/nl_fuzz" -n "${NL_FUZZ_COUNT:-100000}" -d "$secs" -p $PORT
