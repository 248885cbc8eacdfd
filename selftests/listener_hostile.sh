#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Listeners against hostile clients, and torn down under load: datagrams
# that are no forwardable query (dropped, or FORMERR, or NOTIMP; counted;
# never forwarded); TCP frames split to single bytes, pipelined, of length
# 0, short, oversized, never finished; idle connections closed after
# tcp-idle; the caps on connections, overall and per client network,
# with thousands of idle connections held while good clients are served;
# a client that reads nothing; and a listener, its target, its namespace
# and the module removed while dnsperf loads it.  The kernel log is
# checked after the test (KASAN and lockdep on the debug kernel).
. "$(dirname "$0")/lib.sh"

UPORT=5501	# unbound
LPORT=5502
PIDS=
UNBOUND=
TMP=$(mktemp -d)
cleanup() {
	kill $PIDS $UNBOUND 2>/dev/null
	ip netns pids gone 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del gone 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# Waits (60 s at most) until the process $1 exits; its status is $?, 255
# when it did not end.
reap() {
	local end=$((SECONDS + 60))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -ge $end ] && { echo "# process $1 did not end"; return 255; }
		sleep 0.2
	done
	wait "$1"
}

# ended PID...: each ended within reap's bound, whatever its status
# (dnsperf's, when its server went away, is not the point).
ended() {
	local p
	for p in "$@"; do
		reap "$p"
		[ $? -ne 255 ] || return 1
	done
}

# settled NAME KEY VALUE: listener NAME's KEY reaches VALUE within 10 s (a
# counter may move just after the client saw the outcome).
settled() {
	wait_until 10 eval "[ \"\$(listener_stat $1 $2)\" = $3 ]" ||
		{ echo "# $1's $2: $(listener_stat "$1" "$2"), expected $3"; return 1; }
}

# A background client (hostile ARGS) that writes its report to $TMP/ready
# once its connections are up and holds them until $TMP/release exists;
# its PID in BG.  held waits for the report and prints it.
hold() {
	rm -f "$TMP/ready" "$TMP/release"
	python3 "$HOSTILE" --ready "$TMP/ready" --release "$TMP/release" "$@" >"$TMP/held.out" 2>&1 &
	BG=$!
	PIDS="$PIDS $BG"
}
held() {
	wait_until 120 test -f "$TMP/ready" || { echo "# the client did not get ready"; return 1; }
	cat "$TMP/ready"
}
# release: lets it go; its status, its output passed on.
release() {
	local rc
	touch "$TMP/release"
	reap $BG
	rc=$?
	sed 's/^\([^#]\)/# \1/' "$TMP/held.out"
	return $rc
}

ok_a() { [ "$(kdig +short +timeout=5 "$@" a.dnspool.test A)" = 192.0.2.10 ]; }

# counters NAME: the listener's counters that matter here, as JSON
counters() {
	listener_stats "$1" | jq -c '{queries, answers, servfail, malformed, truncated, drops,
				      inflight, tcp_conns, tcp_conns_total, tcp_refused}'
}

# delta KEY BEFORE AFTER: AFTER's KEY less BEFORE's (two counters JSONs)
delta() { echo $(($(jq ".$1" <<<"$3") - $(jq ".$1" <<<"$2"))); }

# dnsperf_bg NAME ADDR PORT MODE SECONDS: dnsperf in the background against
# ADDR:PORT over MODE (udp or tcp), its output in $TMP/NAME; its PID in
# PERF.  Paced (-Q) to load the listener, not to starve the VM.
dnsperf_bg() {
	dnsperf -s "$2" -p "$3" -m "$4" -l "$5" -d "$NAMES" -c 4 -q 64 -Q 2000 -t 2 \
		>"$TMP/$1" 2>&1 &
	PERF=$!
	PIDS="$PIDS $PERF"
}
# loaded NAME [NETNS]: wait (30 s at most) until both dnsperfs reach
# listener NAME: a query taken and a TCP connection accepted.  A second's
# sleep was not enough for a debug VM on a loaded host, where dnsperf had
# sent nothing yet.
loaded() {
	wait_until 30 eval "listener_stats $1 ${2:-} | jq -e '.queries > 0 and .tcp_conns_total > 0' >/dev/null" ||
		{ echo "# listener $1 not loaded after 30 s: $(listener_stats "$1" "${2:-}")"; return 1; }
}
perf_said() {
	echo "# $1: $(grep -E 'Queries (sent|completed|lost)' "$TMP/$1" | tr -s ' \n' ' ')"
}

# Counters that add up: what was answered or dropped was forwarded or
# malformed; nothing is in flight once the load is gone.
sane() {
	jq -e '.answers <= .queries + .malformed and .inflight == 0 and .servfail <= .answers and
	       .queries <= .answers + .drops' <<<"$1" >/dev/null ||
		{ echo "# counters do not add up: $1"; return 1; }
}

ktap_print_header
ktap_set_plan 14
dnspool_load
upstreams_clear
# Tuned for another reason than delivery: the teardown tests' dnsperf over
# TCP opens connections of its own besides the pools'; past unbound's
# default of 10 incoming TCP connections it resets some.
UNBOUND_TUNING="incoming-num-tcp: 100"
UNBOUND=$(start_unbound 127.0.0.1 $UPORT) || ktap_exit_fail_msg "no unbound"
"$CTL" upstream add u udp://127.0.0.1:$UPORT || ktap_exit_fail_msg "cannot add u"
"$CTL" listener add h 127.0.0.1:$LPORT target u || ktap_exit_fail_msg "cannot add listener h"
NAMES=$(names_file 1000)

udp_malformed() {
	local b a out q0 q1
	b=$(counters h)
	q0=$(upstream_queries u)
	out=$(hostile --port $LPORT udp-malformed) || return 1
	a=$(counters h)
	q1=$(upstream_queries u)
	echo "# $out; $b -> $a"
	# The good ones (1232 bytes, and the barrier) alone were forwarded;
	# each other one counted malformed, and answered unless silent.
	[ "$(delta malformed "$b" "$a")" = "$(jq .malformed <<<"$out")" ] &&
	[ "$(delta queries "$b" "$a")" = "$(jq .forwarded <<<"$out")" ] &&
	[ $((q1 - q0)) = "$(jq .forwarded <<<"$out")" ] &&
	[ "$(delta answers "$b" "$a")" = "$(jq '.cases + 1 - .silent' <<<"$out")" ] &&
	[ "$(delta servfail "$b" "$a")" = 0 ]
}
check "UDP: short, QR=1, wrong QDCOUNT, bad names, 64 KiB...: dropped or FORMERR/NOTIMP, never forwarded" \
	udp_malformed

# tcp_case CASE MALFORMED QUERIES [ARGS]: the client's TCP case passes; the
# listener counted MALFORMED malformed and forwarded QUERIES queries.
tcp_case() {
	local case=$1 m=$2 q=$3 b a
	shift 3
	b=$(counters h)
	hostile --port $LPORT "$@" tcp "$case" >/dev/null || return 1
	settled h malformed $(($(jq .malformed <<<"$b") + m)) &&
	settled h queries $(($(jq .queries <<<"$b") + q))
}
check "TCP: a query in 1-byte segments, then another on the same connection" tcp_case split 0 2
check "TCP: 50 queries pipelined in one write, 50 answers matched by ID" tcp_case pipeline 0 50
check "TCP: a frame with two questions: FORMERR, and the connection serves on" tcp_case formerr 1 1

tcp_bad_frames() {
	local q0
	q0=$(upstream_queries u)
	tcp_case zero 1 0 --timeout 20 && tcp_case short 1 0 --timeout 20 &&
	tcp_case oversized 1 0 --timeout 20 &&
	[ "$(upstream_queries u)" = "$q0" ] &&
	wait_until 20 eval '[ "$(listener_stat h tcp_conns)" = 0 ]'
}
check "TCP frames of length 0, 5 and 1300: the connection closed, counted, nothing forwarded" \
	tcp_bad_frames

unfinished() {
	"$CTL" listener set h tcp-idle 1s || return 1
	# Generous bounds, to prove it ends; never before tcp-idle.
	hostile --port $LPORT --timeout 30 tcp unfinished --idle 1 >/dev/null &&
	hostile --port $LPORT --timeout 30 tcp idle --idle 1 >/dev/null || return 1
	"$CTL" listener set h tcp-idle 10s &&
	wait_until 20 eval '[ "$(listener_stat h tcp_conns)" = 0 ]'
}
check "TCP: a frame never finished, and a client that sends nothing: closed after tcp-idle" \
	unfinished

# tcp-max 40: one client network (/24) may hold 10.  15 from two addresses
# of one /24, then 40 from four other /24s: 10 + 30 kept, 15 closed at once
# and counted.  Meanwhile UDP serves, and a 56th TCP client is refused too.
caps() {
	local b a r t
	"$CTL" listener add cap 127.0.0.1:5503 tcp-max 40 tcp-idle 5m target u || return 1
	b=$(counters cap)
	hold --port 5503 --timeout 60 tcp-many --expect-refused 15 \
		"127.0.6.1*8,127.0.6.2*7,127.0.7.1*10,127.0.8.1*10,127.0.9.1*10,127.0.10.1*10"
	r=$(held) || { release; return 1; }
	echo "# $r"
	wait_until 30 eval '[ "$(listener_stat cap tcp_conns)" = 40 ]'
	a=$(counters cap)
	echo "# $a"
	ok_a -p 5503 @127.0.0.1 &&
	! kdig +short +timeout=3 +retry=0 +tcp -p 5503 @127.0.0.1 a.dnspool.test >/dev/null 2>&1 || {
		release; return 1; }
	t=$(($(jq .tcp_refused <<<"$b") + 16))
	settled cap tcp_refused $t && settled cap tcp_conns 40 || { release; return 1; }
	a=$(counters cap)
	release || return 1
	jq -e '.kept == 40 and .refused == 15' <<<"$r" >/dev/null &&
	[ "$(delta tcp_conns_total "$b" "$a")" = 40 ] || return 1
	wait_until 30 eval '[ "$(listener_stat cap tcp_conns)" = 0 ]' && "$CTL" listener del cap
}
check "tcp-max and a client network's quarter: extra connections closed at once, counted" caps

# A tcp-max of 3: a quarter of it rounds up to one per client network.
cap_of_one() {
	local r
	"$CTL" listener add one 127.0.0.1:5504 tcp-max 3 tcp-idle 5m target u || return 1
	hold --port 5504 --timeout 60 tcp-many --expect-refused 2 "127.0.11.1*2,127.0.11.2*1,127.0.12.1*1"
	r=$(held) || { release; return 1; }
	wait_until 30 eval '[ "$(listener_stat one tcp_conns)" = 2 ]'
	echo "# $r; $(counters one)"
	settled one tcp_refused 2 && jq -e '.kept == 2' <<<"$r" >/dev/null || { release; return 1; }
	release && "$CTL" listener del one
}
check "tcp-max 3: one connection per client network" cap_of_one

# 2000 idle connections from 20 client networks, all held (tcp-max 2100):
# all counted, and kdig is served meanwhile, over UDP and TCP.  500 on the
# debug kernel, where each costs several times as much: the same paths,
# under its detectors; the stock kernel carries the count.
IDLE_PER_NET=100
[ "${KSFT_KERNEL_FLAVOUR:-}" = debug ] && IDLE_PER_NET=25
IDLE=$((IDLE_PER_NET * 20))
thousands() {
	local r a i groups=
	"$CTL" listener add many 127.0.0.1:5505 tcp-max 2100 tcp-idle 10m target u || return 1
	for i in $(seq 20); do groups+="${groups:+,}127.1.$i.1*$IDLE_PER_NET"; done
	hold --port 5505 --timeout 60 tcp-many --expect-refused 0 "$groups"
	r=$(held) || { release; return 1; }
	wait_until 60 eval '[ "$(listener_stat many tcp_conns)" = $IDLE ]'
	a=$(counters many)
	echo "# $r; $a"
	ok_a -p 5505 @127.0.0.1 && ok_a +tcp -p 5505 @127.0.0.1 || { release; return 1; }
	release || return 1
	jq -e --argjson n $IDLE '.kept == $n and .refused == 0' <<<"$r" >/dev/null &&
	jq -e --argjson n $IDLE '.tcp_conns == $n and .tcp_conns_total == $n and .tcp_refused == 0' \
		<<<"$a" >/dev/null || return 1
	wait_until 60 eval '[ "$(listener_stat many tcp_conns)" = 0 ]' &&
	[ "$(listener_stat many tcp_conns_total)" = $((IDLE + 1)) ] && "$CTL" listener del many
}
check "$IDLE idle TCP connections held, all counted; good clients served meanwhile" thousands

# A client pipelines 1000 queries for 673-byte answers and reads nothing:
# its connection stalls, others are served; once it reads, it gets every
# answer.
slow_reader() {
	local r
	hold --port $LPORT tcp-slow 1000
	r=$(held) || { release; return 1; }
	echo "# $r; $(counters h)"
	ok_a -p $LPORT @127.0.0.1 && ok_a +tcp -p $LPORT @127.0.0.1 &&
	hostile --port $LPORT tcp pipeline >/dev/null || { release; return 1; }
	release || return 1
	wait_until 30 eval '[ "$(listener_stat h tcp_conns)" = 0 ]' || return 1
	wait_until 30 eval '[ "$(listener_stat h inflight)" = 0 ]' || return 1
	echo "# $(counters h)"
}
check "a client that reads nothing does not hold up the others" slow_reader

# Each teardown under dnsperf, over UDP and TCP, started a second before.
under_load_del() {
	local p1 p2 s
	"$CTL" listener add td 127.0.0.1:5510 target u || return 1
	dnsperf_bg td.udp 127.0.0.1 5510 udp 4
	p1=$PERF
	dnsperf_bg td.tcp 127.0.0.1 5510 tcp 4
	p2=$PERF
	loaded td || return 1
	s=$(counters td)
	echo "# under load: $s"
	timeout 60 "$CTL" listener del td || return 1
	ended "$p1" "$p2" || return 1
	perf_said td.udp
	perf_said td.tcp
	jq -e '.queries > 0 and .answers <= .queries and .inflight <= .queries' <<<"$s" >/dev/null ||
		return 1
	! "$CTL" listener show td >/dev/null 2>&1 &&
	# Its address is free again, TCP's included.
	"$CTL" listener add td 127.0.0.1:5510 target u && ok_a -p 5510 @127.0.0.1 &&
	ok_a +tcp -p 5510 @127.0.0.1 && "$CTL" listener del td
}
check "listener del under dnsperf (UDP and TCP): no hang, its address free again" under_load_del

under_load_target_del() {
	local p1 p2 s out
	"$CTL" upstream add tu udp://127.0.0.1:$UPORT || return 1
	"$CTL" listener add tt 127.0.0.1:5511 target tu || return 1
	dnsperf_bg tt.udp 127.0.0.1 5511 udp 4
	p1=$PERF
	dnsperf_bg tt.tcp 127.0.0.1 5511 tcp 4
	p2=$PERF
	loaded tt || return 1
	timeout 60 "$CTL" upstream del tu || return 1
	out=$(kdig +timeout=5 -p 5511 @127.0.0.1 a.dnspool.test | grep -o 'status: [A-Z]*')
	ended "$p1" "$p2" || return 1
	perf_said tt.udp
	perf_said tt.tcp
	wait_until 30 eval '[ "$(listener_stat tt inflight)" = 0 ]'
	s=$(counters tt)
	echo "# after: $s"
	[ "$out" = "status: SERVFAIL" ] || { echo "# with its target gone: $out"; return 1; }
	jq -e '.servfail > 0' <<<"$s" >/dev/null && sane "$s" || return 1
	"$CTL" listener set tt target u && ok_a -p 5511 @127.0.0.1 && "$CTL" listener del tt
}
check "the target deleted under dnsperf: SERVFAIL after, counters sane" under_load_target_del

# A namespace reached over a veth, with a listener and its upstream (the
# test responder, in it), deleted while dnsperf loads it from here.
under_load_netns_del() {
	local p1 p2 rp
	ip netns add gone && ip -n gone link set lo up &&
	ip link add v-gone type veth peer name eth0 netns gone &&
	ip addr add 10.10.0.1/24 dev v-gone && ip link set v-gone up &&
	ip -n gone addr add 10.10.0.2/24 dev eth0 && ip -n gone link set eth0 up || return 1
	responder -n gone 5512
	rp=${PIDS##* }
	# A setup that failed leaves no namespace behind for the next case.
	"$CTL" -n gone upstream add up udp://127.0.0.1:5512 &&
	"$CTL" -n gone listener add dns 10.10.0.2 allow 10.10.0.0/24 target up &&
	[ "$(kdig +short +timeout=5 @10.10.0.2 a.dnspool.test)" = 192.0.2.99 ] ||
		{ echo "# the namespace's listener did not answer"; ip netns del gone; return 1; }
	dnsperf_bg gone.udp 10.10.0.2 53 udp 4
	p1=$PERF
	dnsperf_bg gone.tcp 10.10.0.2 53 tcp 4
	p2=$PERF
	loaded dns gone || return 1
	echo "# under load: $(listener_stats dns gone | jq -c '{queries, answers, tcp_conns, inflight}')"
	# Its last process gone, it goes with ip netns del.
	kill -9 "$rp" && wait "$rp" 2>/dev/null
	ip netns del gone || return 1
	ended "$p1" "$p2" || return 1
	perf_said gone.udp
	perf_said gone.tcp
	! ip netns list | grep -qw gone
}
check "a namespace deleted under dnsperf: no hang" under_load_netns_del

under_load_unload() {
	local p1 p2
	"$CTL" listener add ul 127.0.0.1:5513 target u || { echo "# listener add ul failed"; return 1; }
	dnsperf_bg ul.udp 127.0.0.1 5513 udp 4
	p1=$PERF
	dnsperf_bg ul.tcp 127.0.0.1 5513 tcp 4
	p2=$PERF
	loaded ul || return 1
	echo "# under load: $(counters ul)"
	timeout 60 modprobe -r dnspool || { echo "# modprobe -r failed"; return 1; }
	ended "$p1" "$p2" || return 1
	perf_said ul.udp
	perf_said ul.tcp
	modprobe dnspool || return 1
	[ "$("$CTL" -j listener show | jq length)" = 0 ] &&
	# Its address is free again.
	"$CTL" upstream add u udp://127.0.0.1:$UPORT && "$CTL" listener add ul 127.0.0.1:5513 target u &&
	ok_a -p 5513 @127.0.0.1 && ok_a +tcp -p 5513 @127.0.0.1
}
check "the module unloaded under dnsperf (UDP and TCP): no hang, reloads clean" under_load_unload

rm -f "$NAMES"
ktap_finished
