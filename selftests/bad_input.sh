#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad input: each is rejected with a one-line message naming what is wrong,
# a non-zero exit, and no change to the registry.
. "$(dirname "$0")/lib.sh"

snapshot() { "$CTL" -j upstream show; }

# $1 description, $2 ERE the message must match, then the dnspoolctl
# arguments.  The registry must be as it was before the first rejection.
reject() {
	local desc=$1 re=$2 after
	shift 2
	if ! expect_error "$re" "$CTL" "$@"; then
		ktap_test_fail "$desc"
		return
	fi
	after=$(snapshot)
	if [ "$BEFORE" != "$after" ]; then
		echo "# registry changed: $BEFORE -> $after"
		ktap_test_fail "$desc"
		return
	fi
	ktap_test_pass "$desc"
}

long=$(printf 'n%.0s' $(seq 64))

ktap_print_header
ktap_set_plan 32
dnspool_load
upstreams_clear
"$CTL" upstream add a udp://192.0.2.1 || ktap_exit_fail_msg "cannot add the first upstream"
"$CTL" upstream add b tls://192.0.2.2 || ktap_exit_fail_msg "cannot add the second upstream"
BEFORE=$(snapshot)

reject "unknown scheme" "unknown scheme 'http'" upstream add x http://192.0.2.3
reject "not a URI" "not a URI" upstream add x 192.0.2.3
reject "bad IPv4 address" "'192.0.2' is not an IPv4 address" upstream add x udp://192.0.2
reject "bad IPv6 address" "not an IPv6 address" upstream add x 'udp://[2001:db8::g]'
reject "IPv6 without brackets" "brackets" upstream add x udp://2001:db8::1
reject "a host name, not an address" "not an IPv4 address" upstream add x udp://dns.example
reject "unspecified address (kernel)" "ipv4: upstream address must be a unicast address" upstream add x udp://0.0.0.0
reject "multicast address (kernel)" "ipv6: upstream address must be a unicast address" upstream add x 'udp://[ff02::1]'
reject "port 0" "port must be a number from 1 to 65535" upstream add x udp://192.0.2.3:0
reject "port 65536" "port must be a number from 1 to 65535" upstream add x udp://192.0.2.3:65536
reject "empty name (kernel)" "name '': name is empty" upstream add "" udp://192.0.2.3
reject "name with a space (kernel)" "may hold only letters" upstream add "x y" udp://192.0.2.3
reject "over-long name (kernel policy)" "name '$long'" upstream add "$long" udp://192.0.2.3
reject "duplicate name (kernel)" "name 'a': an upstream, a group or a listener has this name" upstream add a tcp://192.0.2.3
reject "max-conns 0 (kernel policy)" "max-conns: .*range" upstream add x udp://192.0.2.3 max-conns 0
reject "max-conns 5000 (kernel policy)" "max-conns: .*range" upstream set a max-conns 5000
reject "idle-timeout 10ms (kernel policy)" "idle-timeout: .*range" upstream add x udp://192.0.2.3 idle-timeout 10ms
reject "timeout 2m (kernel policy)" "timeout: .*range" upstream set a timeout 2m
reject "breaker-failures 1001 (kernel policy)" "breaker-failures: .*range" upstream set a breaker-failures 1001
reject "breaker-backoff 5ms (kernel policy)" "breaker-backoff: .*range" upstream add x udp://192.0.2.3 breaker-backoff 5ms
reject "duration without a unit" "needs a unit" upstream set a dial-timeout 5
reject "duration with an unknown unit" "unknown unit 'd'" upstream set a dial-timeout 5d
reject "unknown option" "unknown option 'max-conn'" upstream set a max-conn 5
reject "tls-name on a udp upstream (kernel)" "tls-name '.*': tls-name applies only to tls upstreams" upstream set a tls-name x.example
reject "tls-name with a space (kernel)" "tls-name .*: tls-name must be a host name" upstream set b tls-name "a b.example"
reject "tls-name with a control character (kernel)" "tls-name must be a host name" upstream set b tls-name "$(printf 'x\033[2Jy')"
reject "tls-name label over 63 characters (kernel)" "tls-name must be a host name" upstream set b tls-name "$(printf 'a%.0s' $(seq 64)).example"
reject "set of an unknown upstream (kernel)" "name 'nope': no upstream of this name" upstream set nope max-conns 2
reject "del of an unknown upstream (kernel)" "name 'nope': no upstream of this name" upstream del nope
reject "missing URI" "upstream add: needs NAME and URI" upstream add x

# An option without its value is bad usage: exit 2, as documented.
value_missing() {
	local a rc
	for a in --raw --batch --concurrency; do
		"$CTL" query @a $a >/dev/null 2>/tmp/usage.err
		rc=$?
		[ $rc = 2 ] && grep -q "query: $a needs a value" /tmp/usage.err ||
			{ echo "# query $a: exit $rc: $(cat /tmp/usage.err)"; return 1; }
	done
}
check "query --raw, --batch, --concurrency without a value: bad usage, exit 2" value_missing

limit() {
	ynl_bulk add l 3 256 || return 1
	BEFORE=$(snapshot)
	reject "the 257th upstream of a namespace (kernel)" "256 upstreams, the most it may have" \
		upstream add l257 udp://192.0.2.9
	ynl_bulk del l 3 256
}
limit || echo "# filling the namespace to its limit failed"
"$CTL" upstream del a
"$CTL" upstream del b
ktap_finished
