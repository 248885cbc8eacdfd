#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A failed dial holds new dials back: queries that would need a connection
# fail at once, refused by the request itself with the dial's error and
# why, and the upstream is not dialled again until the hold-down ends
# (1 s, doubling while dials keep failing); a dial that succeeds ends it.
# No unrelated change to the upstream clears it.  A missing handshake agent
# is held down the same way, after one TCP connect, not one per burst.
. "$(dirname "$0")/lib.sh"

PORT=5351	# refused at first, then a responder
DOT=8856
UPORT=5352
NAME=$TLS_NAME
YNL_DIR=${YNL_DIR:-/opt/linux/tools/net/ynl}
SPEC=$(cd "$(dirname "$0")/.." && pwd)/include/uapi/linux/dnspool.yaml
PIDS=
UNBOUND=
cleanup() { kill $PIDS $UNBOUND 2>/dev/null; }
trap cleanup EXIT

# No schema check per call (the build's ynl-regen.sh --check made it): it
# takes seconds on the debug kernel, and this call must land inside a
# hold-down.
ynl() { python3 "$YNL_DIR/cli.py" --spec "$SPEC" --no-schema --output-json "$@"; }
# a.dnspool.test A, in hex, for the YNL CLI
QUERY_HEX=12340100000100000000000001610764 QUERY_HEX+=6e73706f6f6c04746573740000010001

ktap_print_header
ktap_set_plan 6
dnspool_load
upstreams_clear

refused_then_held() {
	local f out
	"$CTL" upstream add down tcp://127.0.0.1:$PORT || return 1
	f=$(names_file 3)
	# One after the other, in one process: the first dial is refused;
	# the next two are refused at once, without a connection attempt.
	out=$("$CTL" -j query @down --batch "$f" --concurrency 1 2>/tmp/down.err)
	T0=$SECONDS
	rm -f "$f"
	echo "# $(jq -c . <<<"$out")"
	jq -e '.upstream_errors == 1 and .refused == 2' <<<"$out" >/dev/null &&
	grep -q "Connection refused (upstream error)" /tmp/down.err &&
	[ "$(stat_of down dial_failures)" = 1 ] && [ "$(stat_of down upstream_errors)" = 3 ] ||
		{ cat /tmp/down.err; "$CTL" -j stats down | sed 's/^/# /'; return 1; }
}
check "a refused dial holds the next ones back: queries fail at once" refused_then_held

# Hold-downs of 1, 2, 4 and 8 s: the fifth dial comes 15 s after the first,
# no sooner, however often queries ask; then the hold-down is 16 s, time
# for the checks that follow even on a slow kernel.  (The bound of 60 s
# only keeps a broken hold-down from hanging the test.)
backoff() {
	local n
	while [ $((SECONDS - T0)) -lt 60 ]; do
		"$CTL" query @down a.dnspool.test >/dev/null 2>&1
		n=$(stat_of down dial_failures)
		[ "$n" -ge 5 ] && break
		sleep 0.3
	done
	echo "# dial $n, $((SECONDS - T0)) s after the first"
	[ "$n" = 5 ] && [ $((SECONDS - T0)) -ge 14 ]
}
check "dials back off while they keep failing: 1, 2, 4, 8 s" backoff

unrelated_set() {
	"$CTL" upstream set down max-conns 3 timeout 2s || return 1
	expect_error "down: .*last connection attempt failed.*hold-down \\(upstream error\\)" \
		"$CTL" query @down a.dnspool.test &&
	[ "$(stat_of down dial_failures)" = 5 ]
}
check "an unrelated change does not end the hold-down" unrelated_set

# Asked once more if the 16 s hold-down ended before the CLI (Python, its
# spec parsed) asked, as on a slow kernel: its query then dialled, was
# refused, and began the next hold-down, of 32 s.
generic_client() {
	local out i
	for i in 1 2; do
		out=$(ynl --do query --json "{\"upstream\": \"down\", \"msg\": \"$QUERY_HEX\"}" 2>&1) ||
			break
		echo "# accepted: $out"
		[ $i = 1 ] && grep -q '"error": 111' <<<"$out" || return 1
	done
	grep -q "last connection attempt failed" <<<"$out" || { echo "# said: $out"; return 1; }
}
check "the kernel's YNL CLI gets the refusal as the request's error, with why" generic_client

recovers() {
	local end=$((SECONDS + 60)) dials
	dials=$(stat_of down dial_failures)
	responder $PORT --tcp
	# Past the hold-down (16 s, or 32 s after the CLI's dial above).
	while [ $SECONDS -lt $end ]; do
		"$CTL" query @down a.dnspool.test >/dev/null 2>&1 && break
		sleep 0.3
	done
	[ "$(stat_of down dial_failures)" = "$dials" ] && [ "$(stat_of down answers)" = 1 ] ||
		{ "$CTL" -j stats down | sed 's/^/# /'; return 1; }
}
check "the upstream back: the first dial after the hold-down serves" recovers

no_agent_once() {
	local f out
	UNBOUND=$(start_unbound 127.0.0.1 $UPORT $DOT) || return 1
	"$CTL" upstream add noagent tls://127.0.0.1:$DOT tls-name $NAME || return 1
	# In one process: those sent while the connection is opened wait for
	# it, those sent after it failed are held down; none succeeds.
	f=$(names_file 23)
	out=$("$CTL" -j query @noagent --batch "$f" --concurrency 23 2>/dev/null)
	rm -f "$f"
	echo "# $(jq -c . <<<"$out")"
	# One TCP connect to the server found no agent; the rest were held.
	[ "$(stat_of noagent handshake_failures_agent)" = 1 ] &&
	[ "$(stat_of noagent dial_failures)" = 1 ] &&
	[ "$(stat_of noagent local_errors)" = 23 ] ||
		{ "$CTL" -j stats noagent | sed 's/^/# /'; return 1; }
}
check "no handshake agent: one TCP connect, then held down" no_agent_once
ktap_finished
