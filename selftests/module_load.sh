#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The module loads and unloads cleanly, many times over, and its generic
# netlink family comes and goes with it.
. "$(dirname "$0")/lib.sh"

ROUNDS=20
# KASAN and lockdep make each round slow: fewer rounds, same test.
[ "${KSFT_KERNEL_FLAVOUR:-}" = debug ] && ROUNDS=10

load_unload_rounds() {
	local i
	for i in $(seq $ROUNDS); do
		modprobe dnspool || { echo "# load $i failed"; return 1; }
		family_registered || { echo "# family missing after load $i"; return 1; }
		modprobe -r dnspool || { echo "# unload $i failed"; return 1; }
		! family_registered || { echo "# family still there after unload $i"; return 1; }
	done
}

# The family's alias (MODULE_ALIAS_GENL_FAMILY) lets the kernel load the
# module when a client asks for the family.
ctl_loads_module() {
	"$CTL" upstream show >/dev/null && lsmod | grep -qw '^dnspool'
}

ctl_without_module() {
	local rc
	echo "install dnspool /bin/false" >/etc/modprobe.d/dnspool-test.conf
	expect_error 'not available.*modprobe dnspool' "$CTL" upstream show
	rc=$?
	rm -f /etc/modprobe.d/dnspool-test.conf
	return $rc
}

ktap_print_header
ktap_print_msg "$ROUNDS rounds on the ${KSFT_KERNEL_FLAVOUR:-stock} kernel"
ktap_set_plan 3
modprobe -r dnspool 2>/dev/null
check "load and unload $ROUNDS times, the family registered each time" load_unload_rounds
check "dnspoolctl says so when the module cannot be loaded" ctl_without_module
check "dnspoolctl loads the module on demand" ctl_loads_module
ktap_finished
