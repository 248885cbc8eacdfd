#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The family driven by a client none of our code wrote: the kernel's own
# YNL CLI (tools/net/ynl/cli.py), reading nothing but the spec.  Proves the
# spec, the UAPI header and the module agree.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/.." && pwd)
YNL_DIR=${YNL_DIR:-/opt/linux/tools/net/ynl}
SPEC=$SRC/include/uapi/linux/dnspool.yaml
SCHEMA=${YNL_SCHEMA:-/opt/linux/Documentation/netlink/genetlink-legacy.yaml}

ynl() { python3 "$YNL_DIR/cli.py" --spec "$SPEC" --schema "$SCHEMA" --output-json "$@"; }

ktap_print_header
[ -f "$YNL_DIR/cli.py" ] || { ktap_skip_all "no YNL CLI at $YNL_DIR"; exit "$KSFT_SKIP"; }
ktap_set_plan 8
dnspool_load
upstreams_clear

# 192.0.2.1 as the spec's big-endian u32
add_v4() {
	ynl --do upstream-add --json '{"name": "y4", "transport": "udp", "ipv4": 3221225985}' >/dev/null
}
check "upstream-add (IPv4) through the YNL CLI" add_v4

add_v6() {
	ynl --do upstream-add --json '{"name": "y6", "transport": "tls", "ipv6": "20010db8000000000000000000000053",
		"port": 8853, "tls-name": "dns.example.test", "max-conns": 4, "query-timeout-ms": 1200}' >/dev/null
}
check "upstream-add (IPv6, options) through the YNL CLI" add_v6

get_one() {
	local got
	got=$(ynl --do upstream-get --json '{"name": "y4"}') || return 1
	jq -e '.name == "y4" and .transport == "udp" and .ipv4 == "192.0.2.1" and .port == 53 and
	       ."max-conns" == 10 and ."idle-timeout-ms" == 300000 and ."reap-interval-ms" == 30000 and
	       ."dial-timeout-ms" == 10000 and ."query-timeout-ms" == 5000' <<<"$got" >/dev/null ||
		{ echo "# got $got"; return 1; }
}
check "upstream-get reports every parameter, defaults included" get_one

dump_all() {
	local got
	got=$(ynl --dump upstream-get) || return 1
	[ "$(jq -r '[.[].name] | sort | join(",")' <<<"$got")" = y4,y6 ] &&
	[ "$(jq -r '.[] | select(.name == "y6") | [.ipv6, .port, ."tls-name", ."max-conns"] | join(" ")' <<<"$got")" = \
	  "2001:db8::53 8853 dns.example.test 4" ] || { echo "# got $got"; return 1; }
}
check "upstream-get dump lists both, as dnspoolctl added them" dump_all

agree_with_ctl() {
	[ "$("$CTL" upstream show y6)" = \
	  "y6 tls://[2001:db8::53]:8853 max-conns 4 idle-timeout 5m reap-interval 30s dial-timeout 10s timeout 1200ms tls-name dns.example.test" ]
}
check "dnspoolctl reads what the YNL CLI wrote" agree_with_ctl

out_of_range() {
	local before out
	before=$("$CTL" -j upstream show)
	out=$(ynl --do upstream-set --json '{"name": "y4", "max-conns": 0, "idle-timeout-ms": 1000}' 2>&1) &&
		{ echo "# accepted: $out"; return 1; }
	grep -q "integer out of range" <<<"$out" &&
	grep -q "max-conns" <<<"$out" || { echo "# said: $out"; return 1; }
	[ "$("$CTL" -j upstream show)" = "$before" ] || { echo "# the registry changed"; return 1; }
}
check "out-of-range attribute rejected with extack naming it, nothing changed" out_of_range

missing() {
	local out
	out=$(ynl --do upstream-add --json '{"name": "y5", "ipv4": 3221225985}' 2>&1) &&
		{ echo "# accepted: $out"; return 1; }
	grep -q "miss-type" <<<"$out" && grep -q "transport" <<<"$out" &&
	ynl --do upstream-del --json '{"name": "y4"}' >/dev/null &&
	ynl --do upstream-del --json '{"name": "y6"}' >/dev/null &&
	[ "$("$CTL" -j upstream show | jq length)" = 0 ] || { echo "# said: $out"; return 1; }
}
check "missing transport reported as a missing attribute; upstream-del" missing

netns_get() {
	local got
	got=$(ynl --do netns-get) || return 1
	jq -e '.conns == 0 and ."max-conns" == 4096 and ."max-inflight-socket" == 4096 and
	       ."max-inflight-user" == 16384 and (has("owner-uid") | not)' <<<"$got" >/dev/null ||
		{ echo "# got $got"; return 1; }
}
check "netns-get: the namespace's bounds and their use" netns_get
ktap_finished
