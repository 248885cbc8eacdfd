#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A listener under generated hostile clients (upstreams/dns_client_fuzz.py)
# from a namespace "fz-far" on a veth, whose sources span 10.21.0.0/16 (half
# of it outside the listener's allow list): tens of thousands of
# datagrams (random, mutated queries, lengths at the bounds, responses,
# other opcodes, good queries) and thousands of TCP streams of generated
# frames, with a good client among them that must be answered right.
# Every datagram is accounted for by the listener's counters (or the
# socket's drops); only queries reach the pools; the upstream (unbound,
# extended statistics on) saw no message it found malformed, no response
# and no other opcode.  The kernel log is checked after the test.
#
# 100000 datagrams and 1000 TCP streams on the stock kernel; on the debug
# kernel, where a datagram costs six times as much, 5000 and 150 (each
# case of the generator still hundreds of times), which its detectors
# (KASAN, lockdep, kmemleak) watch.  DNSPOOL_FUZZ_UDP and
# DNSPOOL_FUZZ_TCP size it (datagrams, connections); DNSPOOL_FUZZ_SEED
# repeats a run.
. "$(dirname "$0")/lib.sh"

UPORT=5601
FUZZ="$(cd "$(dirname "$0")" && pwd)/upstreams/dns_client_fuzz.py"
UDP_COUNT=${DNSPOOL_FUZZ_UDP:-100000}
TCP_COUNT=${DNSPOOL_FUZZ_TCP:-1000}
if [ "${KSFT_KERNEL_FLAVOUR:-}" = debug ]; then
	UDP_COUNT=${DNSPOOL_FUZZ_UDP:-5000}
	TCP_COUNT=${DNSPOOL_FUZZ_TCP:-150}
fi
SEED=${DNSPOOL_FUZZ_SEED:+--seed $DNSPOOL_FUZZ_SEED}
UNBOUND=
TMP=$(mktemp -d)
cleanup() {
	kill $UNBOUND 2>/dev/null
	ip netns del fz-far 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_print_header
ktap_set_plan 6
dnspool_load || ktap_exit_fail_msg "cannot load dnspool"
# Extended statistics, to count what the upstream found malformed; they
# change nothing of how it answers.
UNBOUND=$(UNBOUND_TUNING="extended-statistics: yes" start_unbound 127.0.0.1 $UPORT) &&
	unbound_control "$UNBOUND" || ktap_exit_fail_msg "no unbound with its remote control"
"$CTL" upstream add u udp://127.0.0.1:$UPORT || ktap_exit_fail_msg "cannot add u"

# fz-far: 10.20.0.2 on the veth, and 10.21.0.0/16 routed to its loopback,
# so that a client there may send from any of its addresses.
ip netns add fz-far && ip -n fz-far link set lo up &&
ip link add v-fz type veth peer name eth0 netns fz-far &&
ip addr add 10.20.0.1/24 dev v-fz && ip link set v-fz up &&
ip route add 10.21.0.0/16 via 10.20.0.2 &&
ip -n fz-far addr add 10.20.0.2/24 dev eth0 && ip -n fz-far link set eth0 up &&
ip -n fz-far route add local 10.21.0.0/16 dev lo &&
ip -n fz-far route add default via 10.20.0.1 ||
	ktap_exit_fail_msg "cannot make the veth namespace"
far() { ip netns exec fz-far "$@"; }
"$CTL" listener add fz 10.20.0.1 target u allow 10.21.0.0/17 tcp-idle 2s ||
	ktap_exit_fail_msg "cannot add listener fz"
[ "$(far kdig -b 10.21.0.10 +short +timeout=5 @10.20.0.1 h7.dnspool.test)" = 198.51.100.8 ] ||
	ktap_exit_fail_msg "the listener does not answer far"

# The listener's counters that account for client messages, and its
# socket's drops (ss: the skmem "d" field), as JSON.
counters() {
	local d
	d=$(ss -Huamn src 10.20.0.1:53 | grep -o ',d[0-9]*)' | tr -dc 0-9)
	listener_stats fz | jq -c --argjson d "${d:-0}" --argjson p "$(upstream_queries u)" \
		'{queries, answers, malformed, refused_acl, rate_limited, drops, servfail,
		  tcp_conns, tcp_conns_total, tcp_refused, inflight, sockdrops: $d, pool: $p}'
}
# malformed_upstream: what the upstream counted of messages no listener
# may forward: responses (QR), TC set, other opcodes; then its FORMERR
# answers.  The listener forwards a query's EDNS options unread (it reads
# the header, the question and the OPT record's size, as it documents):
# an upstream may find their content malformed (a cookie's length, a
# keepalive over UDP), so its FORMERR answers may be at most the messages
# forwarded with options.
malformed_upstream() {
	local k n sum=0
	for k in num.query.flags.QR num.query.flags.TC num.query.opcode.IQUERY \
		 num.query.opcode.STATUS num.query.opcode.NOTIFY num.query.opcode.UPDATE; do
		n=$(unbound_stat "$UNBOUND" "$k")
		sum=$((sum + ${n:-0}))
	done
	n=$(unbound_stat "$UNBOUND" num.answer.rcode.FORMERR)
	echo "$sum ${n:-0}"
}
read -r UP_BAD0 UP_FORMERR0 < <(malformed_upstream)

# What the pools sent the upstream (queries, retransmissions, retries
# over TCP), and what it took: unbound counts a message as a query only
# once its header passed its checks (one question, no answer or authority
# records, QR and TC clear, opcode QUERY or NOTIFY), so a header the
# listener should have refused would make these differ; datagrams its
# socket dropped (ss: skmem "d") count as taken.
pools_sent() {
	"$CTL" -j stats u | jq '[.pools[] | .queries + .retransmits + .truncated_retries] | add'
}
upstream_took() {
	local d
	d=$(ss -Huamn src 127.0.0.1:$UPORT | grep -o ',d[0-9]*)' | tr -dc 0-9)
	echo $(($(unbound_stat "$UNBOUND" total.num.queries) + ${d:-0}))
}
SENT0=$(pools_sent)
TOOK0=$(upstream_took)

udp_fuzz() {
	local c0 c1 out
	c0=$(counters)
	out=$(far python3 "$FUZZ" --addr 10.20.0.1 --net 10.21.0.0/16 --good 10.21.0.10 \
		$SEED udp "$UDP_COUNT") || { echo "$out" | sed 's/^{/# {/'; return 1; }
	echo "$out" | sed 's/^{/# {/'
	echo "$out" | tail -n 1 >"$TMP/udp.json"
	wait_until 30 eval '[ "$(listener_stat fz inflight)" = 0 ]'
	c1=$(counters)
	echo "# counters before: $c0"
	echo "# counters after:  $c1"
	# Every datagram: a query, malformed, outside the allow list, or
	# dropped by the socket; none lost otherwise.
	jq -n -e --argjson a "$c0" --argjson b "$c1" --slurpfile r "$TMP/udp.json" '
		def d(k): $b[k] - $a[k];
		($r[0].sent + $r[0].good_sent) as $sent |
		(d("queries") + d("malformed") + d("refused_acl") + d("rate_limited") + d("sockdrops"))
			== $sent and d("drops") == 0 and d("servfail") == 0' >/dev/null ||
		{ echo "# the counters do not account for every datagram"; return 1; }
}
check "udp: $UDP_COUNT generated datagrams from 10.21.0.0/16, each counted; the good client served" \
	udp_fuzz

# Only queries the listener took reached the pools; and the pools only.
forwarded_queries_only() {
	local q p
	q=$(listener_stat fz queries)
	p=$(upstream_queries u)
	# kdig's query before the fuzzing is in both.
	[ "$q" = "$p" ] || { echo "# the listener took $q queries, the pools were asked $p"; return 1; }
}
check "udp: the pools were asked exactly the queries the listener took" forwarded_queries_only

# upstream_clean JSON...: the upstream took every message the pools sent
# as a query, and saw nothing malformed but what the clients' reports
# (JSON files) say was sent with EDNS options.
upstream_clean() {
	local bad formerr opts sent took
	read -r bad formerr < <(malformed_upstream)
	opts=$(jq -s '[.[].edns_options] | add' "$@")
	sent=$(($(pools_sent) - SENT0))
	took=$(($(upstream_took) - TOOK0))
	echo "# the upstream: $(unbound_stat "$UNBOUND" total.num.queries) queries;" \
	     "$((bad - UP_BAD0)) responses, TC or other opcodes; $((formerr - UP_FORMERR0))" \
	     "FORMERR, for $opts messages sent with EDNS options"
	echo "# the pools sent it $sent messages, it took $took"
	[ "$bad" = "$UP_BAD0" ] && [ $((formerr - UP_FORMERR0)) -le "$opts" ] &&
		[ "$sent" = "$took" ] && return
	unbound-control -c "$(unbound_conf "$UNBOUND")" stats_noreset |
		grep -E 'num\.(query\.(type|opcode|flags|edns)|answer\.rcode)' | sed 's/^/# /'
	return 1
}
check "udp: the upstream took all as queries; a FORMERR only for EDNS options" \
	upstream_clean "$TMP/udp.json"

tcp_fuzz() {
	local out
	out=$(far python3 "$FUZZ" --addr 10.20.0.1 --net 10.21.0.0/16 --good 10.21.0.10 \
		--every 20 $SEED tcp "$TCP_COUNT") || { echo "$out" | sed 's/^{/# {/'; return 1; }
	echo "$out" | sed 's/^{/# {/'
	echo "$out" | tail -n 1 >"$TMP/tcp.json"
	# Every connection ends: closed by the client, or by the listener on a
	# bad frame or after tcp-idle.
	wait_until 30 eval '[ "$(listener_stat fz tcp_conns)" = 0 ] &&
			    [ "$(listener_stat fz inflight)" = 0 ]' ||
		{ echo "# still open: $(counters)"; return 1; }
	echo "# counters after:  $(counters)"
	forwarded_queries_only
}
check "tcp: $TCP_COUNT generated streams; the good client served; every connection ended" \
	tcp_fuzz
check "tcp: the upstream took all as queries; a FORMERR only for EDNS options" \
	upstream_clean "$TMP/udp.json" "$TMP/tcp.json"

total() {
	local d f
	d=$(jq '.sent + .good_sent' "$TMP/udp.json" 2>/dev/null)
	f=$(jq '.frames + .good_sent' "$TMP/tcp.json" 2>/dev/null)
	echo "# messages in all: ${d:-0} datagrams, ${f:-0} TCP frames"
	[ -n "$d" ] && [ -n "$f" ] && [ $((d + f)) -ge "$UDP_COUNT" ] &&
	# The listener still serves, over both.
	[ "$(far kdig -b 10.21.0.10 +short +timeout=5 @10.20.0.1 h9.dnspool.test)" = 198.51.100.10 ] &&
	[ "$(far kdig -b 10.21.0.10 +short +timeout=5 +tcp @10.20.0.1 h9.dnspool.test)" = 198.51.100.10 ]
}
check "at least $UDP_COUNT messages in all, and the listener still serves" total

ktap_finished
