#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Upstream add/set/show/del round trips over udp, tcp and tls, IPv4 and IPv6,
# with the defaults shown, in text and JSON.
. "$(dirname "$0")/lib.sh"

# show -j of one upstream, as a single JSON object
show_one() {
	"$CTL" -j upstream show "$1" | jq -ce '.[0]'
}

# $1 name, $2 URI, $3 the expected JSON fields (a jq object to compare)
round_trip() {
	local name=$1 uri=$2 want=$3 got
	"$CTL" upstream add "$name" "$uri" || return 1
	got=$(show_one "$name") || return 1
	if ! jq -ne --argjson got "$got" --argjson want "$want" \
		'$want | to_entries | all(.value == $got[.key])' >/dev/null; then
		echo "# $name: got $got"
		echo "# $name: want $want"
		return 1
	fi
}

defaults='"max_conns":10,"idle_timeout_ms":300000,"reap_interval_ms":30000,"dial_timeout_ms":10000,"query_timeout_ms":5000'

ktap_print_header
ktap_set_plan 12
dnspool_load
upstreams_clear

check "udp IPv4, default port and parameters" round_trip u4 udp://192.0.2.1 \
	"{\"name\":\"u4\",\"transport\":\"udp\",\"address\":\"192.0.2.1\",\"port\":53,$defaults}"
check "udp IPv6 with a port" round_trip u6 'udp://[2001:db8::1]:5353' \
	"{\"transport\":\"udp\",\"address\":\"2001:db8::1\",\"port\":5353,\"uri\":\"udp://[2001:db8::1]:5353\",$defaults}"
check "tcp IPv4 with options" round_trip t4 tcp://198.51.100.7:54 \
	'{"transport":"tcp","port":54,"max_conns":10}'
check "tcp IPv6, default port" round_trip t6 'tcp://[2001:db8::2]' \
	"{\"transport\":\"tcp\",\"address\":\"2001:db8::2\",\"port\":53,$defaults}"
check "tls IPv4: port 853, tls-name defaults to the address" round_trip s4 tls://203.0.113.9 \
	"{\"transport\":\"tls\",\"port\":853,\"tls_name\":\"203.0.113.9\",$defaults}"

tls6_named() {
	"$CTL" upstream add s6 'tls://[2001:db8::3]:8853' tls-name dns.example.test \
		max-conns 3 idle-timeout 250ms reap-interval 1s dial-timeout 2s timeout 1500ms &&
	[ "$(show_one s6 | jq -c '[.port,.tls_name,.max_conns,.idle_timeout_ms,.reap_interval_ms,.dial_timeout_ms,.query_timeout_ms]')" = \
	  '[8853,"dns.example.test",3,250,1000,2000,1500]' ]
}
check "tls IPv6 with a name and every parameter" tls6_named

set_changes() {
	"$CTL" upstream set u4 max-conns 20 idle-timeout 2m timeout 3s &&
	[ "$(show_one u4 | jq -c '[.max_conns,.idle_timeout_ms,.query_timeout_ms,.reap_interval_ms,.address]')" = \
	  '[20,120000,3000,30000,"192.0.2.1"]' ] &&
	"$CTL" upstream set s4 tls-name resolver.example.test &&
	[ "$(show_one s4 | jq -r .tls_name)" = resolver.example.test ]
}
check "set changes only what it names" set_changes

dump_all() {
	[ "$("$CTL" -j upstream show | jq -r '[.[].name] | sort | join(",")')" = "s4,s6,t4,t6,u4,u6" ]
}
check "show lists every upstream" dump_all

# save's line is the add command's own syntax: it must add back the same;
# show's first line is the same, its second the circuit breaker's state.
text_round_trip() {
	local line got want
	line=$("$CTL" upstream save s6)
	[ "$("$CTL" upstream show s6 | head -n1)" = "$line" ] || return 1
	"$CTL" upstream show s6 | sed -n 2p | grep -Eq '^    health closed failures 0$' || return 1
	want=$(show_one s6 | jq -c 'del(.name)')
	"$CTL" upstream del s6 || return 1
	# shellcheck disable=SC2086
	"$CTL" upstream add $line || return 1
	got=$(show_one s6 | jq -c 'del(.name)')
	[ "$got" = "$want" ] || { echo "# '$line' gave $got, want $want"; return 1; }
}
check "save's text line adds the same upstream back" text_round_trip

many_upstreams() {
	# More than one netlink message holds.
	ynl_bulk add bulk 1 240 || return 1
	[ "$("$CTL" -j upstream show | jq '[.[] | select(.name | startswith("bulk"))] | length')" = 240 ] || return 1
	ynl_bulk del bulk 1 240
}
check "a dump of 240 upstreams" many_upstreams

del_all() {
	local n
	for n in u4 u6 t4 t6 s4 s6; do "$CTL" upstream del "$n" || return 1; done
	[ "$("$CTL" -j upstream show)" = "[ ]" ] || [ "$("$CTL" -j upstream show | jq length)" = 0 ]
}
check "del removes each upstream" del_all
empty_show() {
	local out
	out=$("$CTL" upstream show) && [ -z "$out" ]
}
check "show of an empty registry prints nothing" empty_show
ktap_finished
