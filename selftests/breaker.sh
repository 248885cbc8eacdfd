#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each upstream's circuit breaker: breaker-failures upstream failures in a
# row (no answer in time, SERVFAIL, REFUSED) open it; after the back-off
# it is half-open; a failed probe opens it again for twice as long; a good
# answer closes it.  A query addressed to the upstream is still sent while
# it is open.  Local failures never count: in a namespace with no
# ephemeral port left, a healthy upstream's queries all fail, as this
# host's failures, and its breaker stays closed (the seed's failure mode).
# dnspoolctl monitor sees every change.
. "$(dirname "$0")/lib.sh"

DROP=5361	# reads queries, answers none; later answers them
SERVFAIL=5362
REFUSED=5363
IDS=$(mktemp)
MON=$(mktemp)
PIDS=
cleanup() {
	kill $PIDS 2>/dev/null
	ip netns del tight 2>/dev/null
	rm -f "$IDS" "$MON"
}
trap cleanup EXIT

# field NAME KEY: KEY of `dnspoolctl -j upstream show NAME`
field() {
	"$CTL" -j upstream show "$1" | jq -r ".[0].$2"
}

# ask NAME: one query, its outcome ignored (it may fail)
ask() {
	"$CTL" query @"$1" a.dnspool.test A >/dev/null 2>&1
}

say() {
	echo "# $("$CTL" upstream show "$1" | sed -n 2p)"
}

ktap_print_header
ktap_set_plan 8
dnspool_load
upstreams_clear

# The monitor, from before anything happens: it has joined its group once
# it prints an upstream added after it started.
"$CTL" -j monitor >"$MON" &
PIDS="$PIDS $!"
for i in $(seq 50); do
	"$CTL" upstream add "m$i" udp://192.0.2.9 && "$CTL" upstream del "m$i"
	sleep 0.2
	grep -q "\"m$i\".*\"event\":\"del\"" "$MON" && break
done
grep -q '"event":"del"' "$MON" || ktap_exit_fail_msg "the monitor saw nothing"

responder $DROP --drop --ids "$IDS"
DROP_PID=${PIDS##* }
# No retransmission within the 300 ms timeout (rto-initial is 400 ms): one
# datagram per query, which the test counts.
# A back-off long enough for the checks made while it is open on a slow
# (debug) kernel: with 10 s, a debug VM beside others, where each reading
# starts a dnspoolctl and a jq, saw it half-open before the checks of the
# open state had ended.
"$CTL" upstream add dead udp://127.0.0.1:$DROP timeout 300ms \
	breaker-failures 3 breaker-backoff 30s || exit 1

opens() {
	local j
	ask dead; ask dead
	[ "$(field dead health)" = closed ] && [ "$(field dead failures)" = 2 ] || { say dead; return 1; }
	ask dead
	# One reading: readings one by one, each a dnspoolctl started, may
	# straddle the back-off's end on a slow kernel.
	j=$("$CTL" -j upstream show dead) || return 1
	echo "# $(jq -c '.[0] | {health, failures, last_error, last_error_class, probe_in_ms}' <<<"$j")"
	jq -e '.[0] | .health == "open" and .failures == 3 and .last_error == "ETIMEDOUT" and
		.last_error_class == "upstream" and .probe_in_ms > 0 and .probe_in_ms <= 30000' \
		<<<"$j" >/dev/null
}
check "three upstream failures in a row open the breaker" opens

still_sent() {
	ask dead
	# Four queries, four datagrams: the one asked while open was sent.
	[ "$(wc -l <"$IDS")" = 4 ] || { echo "# the responder saw $(wc -l <"$IDS") queries"; return 1; }
	[ "$(field dead health)" = open ]
}
check "a query addressed to an open upstream is still sent" still_sent

half_open_then_longer() {
	local wait
	wait=$(field dead probe_in_ms)
	sleep "$(awk -v ms="$wait" 'BEGIN { print ms / 1000 + 0.2 }')"
	[ "$(field dead health)" = half-open ] || { say dead; return 1; }
	ask dead
	say dead
	# The probe failed: open for 60 s now.
	[ "$(field dead health)" = open ] && [ "$(field dead probe_in_ms)" -gt 30000 ]
}
check "half-open after the back-off; a failed probe opens it for twice as long" \
	half_open_then_longer

closes() {
	kill "$DROP_PID" && wait "$DROP_PID" 2>/dev/null
	responder $DROP
	"$CTL" query @dead a.dnspool.test A >/dev/null || return 1
	say dead
	[ "$(field dead health)" = closed ] && [ "$(field dead failures)" = 0 ] &&
	[ "$(field dead probe_in_ms)" = null ] && [ "$(field dead last_error)" = ETIMEDOUT ]
}
check "a good answer closes it" closes

# rcode RCODE NAME PORT: RCODE answers count as failures, and the query
# still returns the answer.
rcode() {
	local out
	responder "$3" --rcode "$1"
	"$CTL" upstream add "$2" udp://127.0.0.1:"$3" breaker-failures 2 breaker-backoff 1m || return 1
	out=$("$CTL" -j query @"$2" a.dnspool.test A) || return 1
	[ "$(jq -r .rcode <<<"$out")" = "$4" ] || { echo "# $out"; return 1; }
	ask "$2"
	say "$2"
	[ "$(field "$2" health)" = open ] && [ "$(field "$2" last_error)" = EREMOTEIO ] &&
	[ "$(field "$2" last_error_class)" = upstream ]
}
check "SERVFAIL and REFUSED answers count as the upstream's failures" \
	eval "rcode 2 sf $SERVFAIL SERVFAIL && rcode 5 rf $REFUSED REFUSED"

never() {
	"$CTL" upstream add quiet udp://127.0.0.1:$SERVFAIL breaker-failures 0 || return 1
	ask quiet; ask quiet; ask quiet
	say quiet
	[ "$(field quiet health)" = closed ] && [ "$(field quiet failures)" = 3 ]
}
check "breaker-failures 0: it never opens" never

# The seed's failure mode: a forwarder out of ephemeral ports blamed its
# upstreams.  Here the one ephemeral port is held by a listener, so no
# connection can be opened: every query fails with EADDRNOTAVAIL, this
# host's failure, and the healthy upstream's breaker stays closed.
ports_exhausted() {
	local f out ns=(-n tight)
	ip netns add tight || return 1
	ip -n tight link set lo up
	ip netns exec tight sysctl -qw net.ipv4.ip_local_port_range="40000 40000"
	responder -n tight 5364 --tcp
	responder -n tight 40000 --tcp	# holds the ephemeral port
	"$CTL" "${ns[@]}" upstream add t tcp://127.0.0.1:5364 breaker-failures 3 || return 1
	f=$(names_file 10 n)
	out=$("$CTL" "${ns[@]}" -j query --batch "$f" --concurrency 1)
	rm -f "$f"
	echo "# $(jq -c '{answered, local_errors, upstream_errors}' <<<"$out")"
	echo "# $("$CTL" "${ns[@]}" upstream show t | sed -n 2p)"
	[ "$(jq .local_errors <<<"$out")" = 10 ] || return 1
	[ "$("$CTL" "${ns[@]}" -j upstream show t | jq -r '.[0] | [.health, .failures, .last_error, .last_error_class] | join(" ")')" = \
	  "closed 0 EADDRNOTAVAIL local" ]
}
check "no ephemeral port left: all queries fail locally, the breaker stays closed" ports_exhausted

# What the monitor printed for dead, in order: added, then each change of
# its breaker's state; and a change of parameters.  A probe may fail once
# more than the checks above asked, when a slow kernel's responder
# answers after the 300 ms timeout: one more half-open, open.
monitored() {
	local got want
	"$CTL" upstream set dead max-conns 2 || return 1
	sleep 0.5
	got=$(jq -r 'select(.name == "dead") | "\(.event) \(.health)"' "$MON" | paste -sd,)
	want="add closed,health open,health half-open,health open,(health half-open,health open,)*health closed,set closed"
	[[ $got =~ ^$want$ ]] || { echo "# got  $got"; echo "# want $want"; return 1; }
	[ "$got" = "${want/(health half-open,health open,)\*/}" ] ||
		echo "# a probe failed once more than asked: $got"
}
check "monitor: added, opened, half-open, opened again, closed, changed" monitored
ktap_finished
