#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each network namespace has its own registry; deleting a namespace or
# unloading the module with upstreams present leaves nothing behind (the
# runner checks the kernel log; the debug kernel's kmemleak checks memory).
. "$(dirname "$0")/lib.sh"

# Fails when dnspoolctl does: an empty list must mean an empty registry.
names() {
	local out
	out=$("$CTL" -j "$@" upstream show) || { echo "# dnspoolctl $* failed" >&2; echo FAILED; return 1; }
	jq -r '[.[].name] | sort | join(",")' <<<"$out"
}

cleanup() { ip netns del blue 2>/dev/null; ip netns del green 2>/dev/null; }
trap cleanup EXIT

ktap_print_header
ktap_set_plan 6
dnspool_load
upstreams_clear
ip netns add blue && ip netns add green || ktap_exit_fail_msg "cannot create namespaces"

separate() {
	"$CTL" -n blue upstream add one udp://192.0.2.1 &&
	"$CTL" -n blue upstream add two tcp://192.0.2.2 &&
	"$CTL" -n green upstream add one tls://192.0.2.3 &&
	[ "$(names -n blue)" = one,two ] && [ "$(names -n green)" = one ] && [ -z "$(names)" ] &&
	[ "$("$CTL" -n green -j upstream show one | jq -r '.[0].transport')" = tls ]
}
check "two namespaces keep separate registries, same names allowed" separate

del_in_one() {
	"$CTL" -n blue upstream del one && [ "$(names -n blue)" = two ] && [ "$(names -n green)" = one ]
}
check "del in one namespace leaves the other alone" del_in_one

check "unknown namespace is an error" expect_error "cannot open network namespace 'nope'" \
	"$CTL" -n nope upstream show

delete_netns() {
	local i
	for i in $(seq 20); do
		ip netns add tmp$i && "$CTL" -n tmp$i upstream add a udp://192.0.2.4 &&
		"$CTL" -n tmp$i upstream add b tls://[2001:db8::4] && ip netns del tmp$i || return 1
	done
	ip netns del green && [ "$(names -n blue)" = two ]
}
check "deleting namespaces that hold upstreams" delete_netns

unload_with_upstreams() {
	"$CTL" upstream add here tcp://192.0.2.5 && modprobe -r dnspool && modprobe dnspool &&
	[ -z "$(names)" ] && [ -z "$(names -n blue)" ]
}
check "unload with upstreams in several namespaces, reload starts empty" unload_with_upstreams

unload_after_netns_gone() {
	ip netns add green && "$CTL" -n green upstream add x udp://192.0.2.6 &&
	ip netns del green && modprobe -r dnspool && modprobe dnspool
}
check "unload right after a namespace with upstreams is deleted" unload_after_netns_gone
ktap_finished
