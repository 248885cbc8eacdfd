#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Groups of upstreams: their configuration (names shared with upstreams,
# members that cannot be deleted), each strategy's meaning with upstreams
# that are fast, slow, silent and SERVFAIL-ing, checked by which upstream
# answered and how many were asked, never by speed; the breaker steering
# the choice; and teardown with group queries in flight.
. "$(dirname "$0")/lib.sh"

FAST=5371	# answers at once
SLOW=5372	# answers after 1 s
SILENT=5373	# answers nothing
SERVFAIL=5374	# answers SERVFAIL
FAST2=5375
PIDS=
cleanup() {
	kill $PIDS 2>/dev/null
	ip netns del grp 2>/dev/null
}
trap cleanup EXIT

# ask GROUP: one query's JSON, whatever its outcome
ask() {
	"$CTL" -j query @"$1" a.dnspool.test A 2>/dev/null
}

# answered GROUP UPSTREAM ASKED [RCODE]: the group's answer came from
# UPSTREAM after ASKED members were asked, with RCODE (NOERROR)
answered() {
	local out want
	out=$(ask "$1")
	want="$2 $3 ${4:-NOERROR} $1"
	[ "$(jq -r '"\(.upstream) \(.asked) \(.rcode) \(.group)"' <<<"$out")" = "$want" ] ||
		{ echo "# $1: got $out, want $want"; return 1; }
}

ktap_print_header
ktap_set_plan 13
dnspool_load
upstreams_clear

responder $FAST
responder $SLOW --delay 1
responder $SILENT --drop
responder $SERVFAIL --rcode 2
responder $FAST2
for u in fast:$FAST slow:$SLOW silent:$SILENT servfail:$SERVFAIL fast2:$FAST2; do
	"$CTL" upstream add "${u%%:*}" udp://127.0.0.1:"${u#*:}" || exit 1
done

config() {
	"$CTL" group add g1 fast slow strategy racing race-delay 300ms timeout 3s || return 1
	[ "$("$CTL" group show g1 | head -n1)" = "g1 fast slow strategy racing race-delay 300ms timeout 3s" ] ||
		{ "$CTL" group show g1 | sed 's/^/# /'; return 1; }
	"$CTL" group set g1 slow fast silent strategy parallel || return 1
	[ "$("$CTL" -j group show g1 | jq -c '.[0] | [[.members[].upstream], .strategy, .race_delay_ms, .timeout_ms]')" = \
	  '[["slow","fast","silent"],"parallel",300,3000]' ] || return 1
	"$CTL" group del g1 && ! "$CTL" group show g1 >/dev/null 2>&1
}
check "group add, show, set (members replaced), del" config

rejects() {
	"$CTL" group add g2 fast || return 1
	expect_error "name 'fast': an upstream, a group or a listener has this name" "$CTL" group add fast slow &&
	expect_error "name 'g2': an upstream, a group or a listener has this name" "$CTL" upstream add g2 udp://192.0.2.1 &&
	expect_error "member 'nope': no upstream of this name" "$CTL" group add g3 fast nope &&
	expect_error "an upstream is a member once" "$CTL" group add g3 fast fast &&
	expect_error "keyword" "$CTL" upstream add timeout udp://192.0.2.1 &&
	expect_error "needs at least one UPSTREAM" "$CTL" group add g3 strategy racing &&
	expect_error "unknown strategy 'fastest'" "$CTL" group add g3 fast strategy fastest &&
	expect_error "a member of group 'g2': remove it from the group first" "$CTL" upstream del fast &&
	"$CTL" query @fast a.dnspool.test >/dev/null &&
	! "$CTL" group show g3 >/dev/null 2>&1 && "$CTL" group del g2
}
check "bad groups refused with why; a member cannot be deleted" rejects

sequential() {
	"$CTL" group add seq silent fast strategy sequential || return 1
	"$CTL" group add seq2 servfail fast || return 1
	"$CTL" group add seq3 servfail || return 1
	# The silent member is left after its first retransmissions.
	answered seq fast 2 && answered seq2 fast 2 && answered seq3 servfail 1 SERVFAIL &&
	[ "$("$CTL" -j group show seq | jq '.[0] | [.failovers, .races, .races_won_other, .members[1].answers] | join(",")' -r)" = 1,0,1,1 ]
}
check "sequential: the next member on silence or SERVFAIL; SERVFAIL when none does better" sequential

parallel() {
	"$CTL" group add par slow fast silent strategy parallel || return 1
	answered par fast 3 &&
	[ "$("$CTL" -j group show par | jq -r '.[0] | [.races, .races_won_other] | join(",")')" = 2,1 ]
}
check "parallel: all asked at once, the first good answer wins" parallel

racing() {
	# A long delay: the slow first member answers before the second is
	# asked.  A short one: the second is asked meanwhile and wins.
	"$CTL" group add rlong slow fast strategy racing race-delay 10s || return 1
	"$CTL" group add rshort slow fast strategy racing race-delay 100ms || return 1
	"$CTL" group add rfail servfail fast strategy racing race-delay 10s || return 1
	answered rlong slow 1 && answered rshort fast 2 && answered rfail fast 2
}
check "racing: the next member only after race-delay, or at once on a failure" racing

racing_auto() {
	"$CTL" group add rauto silent fast strategy racing || return 1
	answered rauto fast 2 &&
	[ "$("$CTL" -j group show rauto | jq -r '.[0].race_delay_ms')" = 0 ]
}
check "racing with race-delay auto (the first member's RTO)" racing_auto

steered() {
	"$CTL" upstream add dead udp://127.0.0.1:$SILENT timeout 200ms breaker-failures 1 breaker-backoff 1m ||
		return 1
	"$CTL" query @dead a.dnspool.test >/dev/null 2>&1
	[ "$("$CTL" -j upstream show dead | jq -r '.[0].health')" = open ] || return 1
	"$CTL" group add steer dead fast2 || return 1
	# Open: skipped, no failover needed.
	answered steer fast2 1
}
check "an open breaker's upstream is skipped" steered

all_open() {
	"$CTL" upstream add dead2 udp://127.0.0.1:$SILENT timeout 200ms breaker-failures 1 breaker-backoff 1m ||
		return 1
	"$CTL" query @dead2 a.dnspool.test >/dev/null 2>&1
	"$CTL" group add allopen dead dead2 timeout 1s || return 1
	# Both open: the one that failed least recently (dead) is tried, and
	# fails again; dead2 is not asked.
	out=$("$CTL" query @allopen a.dnspool.test 2>&1)
	[[ $out == "dnspoolctl: dead: "* ]] || { echo "# $out"; return 1; }
	[ "$("$CTL" -j upstream show | jq -r '[.[] | select(.name | startswith("dead")) | "\(.name)=\(.failures)"] | join(" ")')" = \
	  "dead=2 dead2=1" ]
}
check "every member open: the one that failed least recently is tried" all_open

# Many group queries in flight, with races and slow members, while the
# group is deleted: each gets one outcome, nothing hangs.
del_in_flight() {
	local f out
	"$CTL" group add busy slow fast strategy racing race-delay 500ms || return 1
	f=$(names_file 200 b)
	"$CTL" -j query @busy --batch "$f" --concurrency 200 >/tmp/busy.out 2>/dev/null &
	local pid=$!
	sleep 0.3
	"$CTL" group del busy || return 1
	wait $pid
	rm -f "$f"
	out=$(cat /tmp/busy.out)
	[ "$(jq '.answered + .local_errors + .upstream_errors + .refused' <<<"$out")" = 200 ] || { echo "# $out"; return 1; }
}
check "a group deleted with 200 queries in flight: each answered once" del_in_flight

# A namespace deleted with group queries in flight (members slow): no leak,
# no hang (the debug kernel's kmemleak and hung-task checks watch).
netns_exit() {
	local f
	ip netns add grp || return 1
	ip -n grp link set lo up
	responder -n grp $SLOW --delay 1
	"$CTL" -n grp upstream add s udp://127.0.0.1:$SLOW || return 1
	"$CTL" -n grp upstream add t udp://127.0.0.1:$SILENT || return 1
	"$CTL" -n grp group add g s t strategy parallel || return 1
	f=$(names_file 50 n)
	"$CTL" -n grp query @g --batch "$f" --concurrency 50 >/dev/null 2>&1 &
	local pid=$!
	sleep 0.3
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	ip netns del grp
	rm -f "$f"
	sleep 1
	! ip netns list | grep -qw grp
}
check "a namespace deleted with group queries in flight" netns_exit

breaker_unchanged_by_losers() {
	# parallel's losers are cancelled: their breakers count nothing.
	"$CTL" upstream add slowb udp://127.0.0.1:$SLOW breaker-failures 1 || return 1
	"$CTL" group add pl slowb fast strategy parallel || return 1
	answered pl fast 2 || return 1
	sleep 1.2
	[ "$("$CTL" -j upstream show slowb | jq -r '.[0] | "\(.health) \(.failures)"')" = "closed 0" ]
}
check "cancelled losers do not count against their upstream" breaker_unchanged_by_losers

# Members changed, then a former member deleted, while queries race: the
# queries in flight finish with what they started with (the deleted
# upstream's end with its pools), each once.
members_changed_in_flight() {
	local f out pid
	"$CTL" upstream add slow3 udp://127.0.0.1:$SLOW timeout 30s || return 1
	"$CTL" group add chg slow3 silent fast strategy racing race-delay 400ms timeout 20s || return 1
	f=$(names_file 200 c)
	"$CTL" -j query @chg --batch "$f" --concurrency 200 >/tmp/chg.out 2>/dev/null &
	pid=$!
	sleep 0.2
	"$CTL" group set chg fast || return 1
	"$CTL" upstream del slow3 || return 1
	wait $pid
	rm -f "$f"
	out=$(cat /tmp/chg.out)
	[ "$(jq '.answered + .local_errors + .upstream_errors + .refused' <<<"$out")" = 200 ] ||
		{ echo "# $out"; return 1; }
	answered chg fast 1
}
check "members changed and one deleted with queries in flight" members_changed_in_flight

# The module unloaded with group queries racing: every one ends (the
# family answers them before it goes), nobody hangs.
unload_in_flight() {
	local f rc
	"$CTL" upstream add black udp://127.0.0.1:$SILENT timeout 30s || return 1
	"$CTL" upstream add black2 udp://127.0.0.1:$SILENT timeout 30s || return 1
	"$CTL" group add gone black black2 strategy racing race-delay 100ms timeout 30s || return 1
	f=$(names_file 300 u)
	"$CTL" -j query @gone --batch "$f" --concurrency 300 >/tmp/gunload.out 2>/dev/null &
	sleep 2
	modprobe -r dnspool || return 1
	wait $!
	rc=$?
	rm -f "$f"
	modprobe dnspool
	[ $rc = 1 ] && jq -e '.sent == 300 and .answered == 0' /tmp/gunload.out >/dev/null ||
		{ echo "# exit $rc: $(cat /tmp/gunload.out)"; return 1; }
}
check "module unloaded with 300 group queries racing: all end" unload_in_flight
ktap_finished
