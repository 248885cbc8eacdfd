#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The family driven by a client none of our code wrote: the kernel's own
# YNL CLI (tools/net/ynl/cli.py), reading nothing but the spec.  Proves the
# spec, the UAPI header and the module agree.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$(dirname "$0")/.." && pwd)
YNL_DIR=${YNL_DIR:-/opt/linux/tools/net/ynl}
SPEC=$SRC/include/uapi/linux/dnspool.yaml

# The spec is checked against the schema once per run, by the build
# (ynl-regen.sh --check): each call here skips it, which takes seconds.
ynl() { python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --output-json "$@"; }

PORT=5361
SILENT=5362
UNBOUND=
PIDS=
cleanup() { kill $UNBOUND $PIDS 2>/dev/null; }
trap cleanup EXIT

ktap_print_header
[ -f "$YNL_DIR/cli.py" ] || { ktap_skip_all "no YNL CLI at $YNL_DIR"; exit "$KSFT_SKIP"; }
ktap_set_plan 13
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
	[ "$("$CTL" upstream save y6)" = \
	  "y6 tls://[2001:db8::53]:8853 max-conns 4 breaker-failures 5 idle-timeout 5m reap-interval 30s dial-timeout 10s timeout 1200ms breaker-backoff 1s tls-name dns.example.test" ]
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

# a.dnspool.test A, ID 0x1234, RD, as the wire has it
QUERY=123401000001000000000000016107646e73706f6f6c04746573740000010001

# The YNL library asks for an ack, and takes the reply that comes before
# it: the module waits for the answer and sends it as the reply.
query_sync() {
	local got
	UNBOUND=$(start_unbound 127.0.0.1 $PORT) || return 1
	"$CTL" upstream add yq udp://127.0.0.1:$PORT || return 1
	got=$(ynl --do query --json "{\"upstream\": \"yq\", \"msg\": \"$QUERY\"}") || return 1
	# Its ID restored, QR set, one question, one answer: 192.0.2.10.
	jq -e '.upstream == "yq" and .transport == "udp" and ."rtt-us" > 0 and
	       (.msg | startswith("1234") and .[8:16] == "00010001" and endswith("c000020a"))' \
		<<<"$got" >/dev/null || { echo "# got $got"; return 1; }
}
check "query through the YNL CLI: the answer is the request's reply" query_sync

# A query that times out: the reply carries the error and whose it is.
query_sync_error() {
	local got
	responder $SILENT --drop
	"$CTL" upstream add ys udp://127.0.0.1:$SILENT timeout 1s || return 1
	got=$(ynl --do query --json "{\"upstream\": \"ys\", \"msg\": \"$QUERY\"}") || return 1
	jq -e '.upstream == "ys" and .error == 110 and ."error-class" == "upstream" and
	       (has("msg") | not)' <<<"$got" >/dev/null || { echo "# got $got"; return 1; }
}
check "query through the YNL CLI that times out: error and class in the reply" query_sync_error

pool_dump() {
	local got
	got=$(ynl --dump pool-get) || return 1
	jq -e '[.[] | select(.upstream == "yq")] | length == 2 and
	       (.[] | select(.transport == "udp") | .queries == 1 and .answers == 1 and
	        ."total-conns" == 1 and .ipv4 == "127.0.0.1") and
	       (.[] | select(.transport == "tcp") | .queries == 0)' <<<"$got" >/dev/null &&
	jq -e '.[] | select(.upstream == "ys" and .transport == "udp") |
	       .timeouts == 1 and ."upstream-errors" == 1' \
		<<<"$got" >/dev/null || { echo "# got $got"; return 1; }
	"$CTL" upstream del yq && "$CTL" upstream del ys
}
check "pool-get dump through the YNL CLI: each pool and its counters" pool_dump
# Listeners, allow list nested, through the YNL CLI; kdig is answered.
listener_ops() {
	local got
	# The unbound of query_sync, still serving.
	"$CTL" upstream add yl udp://127.0.0.1:$PORT || return 1
	ynl --do listener-add --json "{\"name\": \"yls\", \"ipv4\": 2130706433, \"port\": 5363,
		\"proto\": \"udp\", \"target\": \"yl\", \"allow\": [{\"ipv4\": 2130706432, \"len\": 8},
		{\"ipv6\": \"00000000000000000000000000000001\", \"len\": 128}]}" >/dev/null || return 1
	ynl --do listener-set --json '{"name": "yls", "rate": 100}' >/dev/null || return 1
	[ "$(kdig +short +timeout=2 +retry=1 -p 5363 @127.0.0.1 a.dnspool.test)" = 192.0.2.10 ] ||
		return 1
	got=$(ynl --dump listener-get) || return 1
	jq -e '.[0] | .name == "yls" and .proto == "udp" and .rate == 100 and .queries == 1 and
	       .answers == 1 and (.allow | length == 2) and .allow[0].len == 8' \
		<<<"$got" >/dev/null || { echo "# got $got"; return 1; }
	ynl --do listener-del --json '{"name": "yls"}' >/dev/null &&
	! "$CTL" listener show yls >/dev/null 2>&1 && "$CTL" upstream del yl
}
check "listener-add (nested allow), -set, -get dump, -del through the YNL CLI" listener_ops
# The monitor group, as the YNL CLI subscribes to it: it gets the
# notifications of upstreams added and deleted once it has joined, which
# takes it a while to start: upstreams come and go meanwhile.
subscribe() {
	local out pid i
	out=$(mktemp)
	ynl --subscribe monitor --sleep 12 >"$out" 2>&1 &
	pid=$!
	for i in $(seq 10); do
		"$CTL" upstream add "ymon$i" udp://192.0.2.7 && "$CTL" upstream del "ymon$i"
		sleep 1
	done
	wait $pid
	grep -q upstream-add-ntf "$out" && grep -q upstream-del-ntf "$out" && grep -q ymon "$out" ||
		{ sed 's/^/# /' "$out" | head -20; rm -f "$out"; return 1; }
	rm -f "$out"
}
check "the monitor group through the YNL CLI: upstream-add-ntf, upstream-del-ntf" subscribe
ktap_finished
