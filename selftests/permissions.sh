#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Changes need CAP_NET_ADMIN in the user namespace that owns the network
# namespace; reads need nothing.
. "$(dirname "$0")/lib.sh"

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
no_net_admin() { capsh --drop=cap_net_admin -- -c '"$0" "$@"' "$@"; }

ktap_print_header
ktap_set_plan 9
dnspool_load
upstreams_clear
"$CTL" upstream add p udp://192.0.2.1 || ktap_exit_fail_msg "cannot add an upstream"

for who in nobody no_net_admin; do
	check "$who: add fails with EPERM" \
		expect_error 'Operation not permitted' $who "$CTL" upstream add q udp://192.0.2.2
	check "$who: set and del fail with EPERM" eval \
		"expect_error 'Operation not permitted' $who $CTL upstream set p max-conns 3 &&
		 expect_error 'Operation not permitted' $who $CTL upstream del p"
	check "$who: show works" eval "[ \"\$($who $CTL upstream save p | cut -d' ' -f1)\" = p ] &&
		$who $CTL upstream show p | grep -q '^    health closed'"
done

# A container's root: an unprivileged user's own user and network namespace.
container_root() {
	nobody unshare -Urn sh -c "
		$CTL upstream add c tcp://192.0.2.3 && $CTL upstream set c max-conns 2 &&
		[ \"\$($CTL -j upstream show | jq -c '[.[] | [.name, .max_conns]]')\" = '[[\"c\",2]]' ] &&
		$CTL upstream del c"
}
check "root of a user namespace manages its own netns's upstreams" container_root

# The same root has no say over the namespace it did not create.
container_root_outside() {
	nobody unshare -Ur sh -c "
		$CTL upstream show p >/dev/null &&
		! $CTL upstream add c tcp://192.0.2.3 2>/dev/null &&
		! $CTL upstream del p 2>/dev/null" &&
	[ "$("$CTL" -j upstream show | jq -r '.[].name')" = p ]
}
check "root of a user namespace cannot change the initial netns's upstreams" container_root_outside
check "the upstream is unchanged" eval "[ \"\$($CTL -j upstream show p | jq -c '.[0].max_conns')\" = 10 ]"
"$CTL" upstream del p
ktap_finished
