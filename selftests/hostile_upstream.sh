#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pools against a hostile upstream (upstreams/dns_upstream_hostile.py),
# one misbehaviour at a time, over UDP, TCP and TLS: answers under other
# IDs, for other questions, with a name that points at itself, cut short,
# oversized, from another port or address; zero-length frames, garbage
# after a frame, resets part-way and on the first read, a TLS record no
# key decrypts.  Clients ask through a listener, 30 queries at once, and
# check every answer (its ID, its A record): whatever the upstream sends
# that is not the right answer carries 203.0.113.66, so a wrong answer
# that reached a client would fail the check.  Each misbehaviour must be
# counted (the pool's counters, or the kernel's own UDP counters for
# datagrams a connected socket never sees), and the pool must then serve
# again.  The kernel log is checked after the test.
. "$(dirname "$0")/lib.sh"

HUP="$(cd "$(dirname "$0")" && pwd)/upstreams/dns_upstream_hostile.py"
N=30
PIDS=
TLSHD=
TMP=$(mktemp -d)
cleanup() {
	kill $PIDS $TLSHD 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_print_header
ktap_set_plan 13
dnspool_load
upstreams_clear
TLSHD=$(start_tlshd) || ktap_exit_fail_msg "no tlshd"
# Kernel TLS and its ciphers, loaded now rather than by the first
# handshake: under emulation, on a loaded host, the first handshake and
# its module loads outlasted the dial once the VMs ran a host thread each.
modprobe tls 2>/dev/null

# hup MODE PORT ARGS...: the hostile upstream in MODE on 127.0.0.1:PORT.
hup() {
	local fifo
	fifo=$(mktemp -u)
	mkfifo "$fifo"
	python3 "$HUP" "$1" --port "$2" "${@:3}" >"$fifo" &
	PIDS="$PIDS $!"
	read -r -t 10 _ <"$fifo"
	rm -f "$fifo"
}

# UDP's NoPorts counter in this namespace: datagrams no socket took.
udp_noports() {
	awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "NoPorts") c = i; h = 1 }
		       else print $c }' /proc/net/snmp
}

# served NAME LPORT COUNT: COUNT queries at once through listener NAME on
# LPORT, every one answered right.
served() {
	local out
	out=$(hostile --port "$2" --timeout 30 burst "$3" --quiet 15) ||
		{ echo "# $1: $out"; return 1; }
	jq -e --argjson n "$3" '.answered == $n and .bad == 0' <<<"$out" >/dev/null ||
		{ echo "# $1: $out"; return 1; }
}

# against NAME URI LPORT JQ [OPTIONS...]: upstream NAME at URI, a listener
# on LPORT for it; N queries served right through it, the pool's counters
# (dnspoolctl -j stats, its first pool) meeting JQ; then 10 more served.
against() {
	local name=$1 uri=$2 lport=$3 expr=$4 s
	shift 4
	"$CTL" upstream add "$name" "$uri" "$@" &&
	"$CTL" listener add "l-$name" "127.0.0.1:$lport" target "$name" || return 1
	served "$name" "$lport" $N ||
		{ "$CTL" -s stats "$name" | sed 's/^/# /'; return 1; }
	s=$("$CTL" -j stats "$name" | jq -c '.pools[0]')
	echo "# $name: $(jq -c '{answers, mismatched, malformed, late_answers, retries,
		retransmits, upstream_errors, timeouts, conns_opened}' <<<"$s")"
	jq -e "$expr" <<<"$s" >/dev/null || { echo "# $name: not $expr"; return 1; }
	served "$name" "$lport" 10 &&
	"$CTL" listener del "l-$name" && "$CTL" upstream del "$name"
}

# A bad answer is counted mismatched, or late when its ID is a query's
# that ended meanwhile: under load, or on the debug kernel, queries are
# retransmitted and answered before the bad answers to the first
# transmission arrive.
hup wrong-id 5701
check "udp: answers under another ID: counted mismatched, never given" \
	against wid udp://127.0.0.1:5701 5801 ".mismatched + .late_answers >= $N"

hup wrong-question 5702
check "udp: answers for another question: counted mismatched, never given" \
	against wq udp://127.0.0.1:5702 5802 ".mismatched + .late_answers >= $N"

hup question-loop 5703
check "udp: answers whose question's name points at itself: mismatched" \
	against loop udp://127.0.0.1:5703 5803 ".mismatched + .late_answers >= $N"

hup short 5704
check "udp: answers cut to 7 bytes, a header, half a question: malformed, mismatched" \
	against short udp://127.0.0.1:5704 5804 \
	".malformed >= $N and .mismatched + .late_answers >= 2 * $N"

hup oversized 5705
check "udp: 65 KB answers under another ID: mismatched, never given" \
	against big udp://127.0.0.1:5705 5805 ".mismatched + .late_answers >= $N"

# A connected UDP socket takes datagrams from its peer alone: the others go
# to no socket, and the kernel counts them (NoPorts).  The pool sees only
# right answers: late ones are to retransmissions.
other_source() {
	local mode=$1 port=$2 lport=$3 n0 n1
	hup "$mode" "$port" || return 1
	n0=$(udp_noports)
	against "$mode" "udp://127.0.0.1:$port" "$lport" \
		'.mismatched == 0 and .malformed == 0 and .late_answers <= .retransmits' || return 1
	n1=$(udp_noports)
	echo "# UDP NoPorts: $n0 -> $n1"
	[ $((n1 - n0)) -ge $((N + 10)) ]
}
check "udp: answers from another port: never seen by the pool, counted by UDP" \
	other_source other-port 5706 5806
check "udp: answers from another address: never seen by the pool, counted by UDP" \
	other_source other-addr 5707 5807

# Over TCP and TLS the first connection misbehaves; its queries are asked
# again on another, once.
hup zero-frame 5711 --tcp
check "tcp: a frame of length 0: malformed, the connection's queries retried" \
	against zero tcp://127.0.0.1:5711 5811 '.malformed >= 1 and .retries >= 1'

hup garbage-after 5712 --tcp
check "tcp: garbage after an answer: malformed, the queries after it retried" \
	against garb tcp://127.0.0.1:5712 5812 '.malformed >= 1'

hup half-then-reset 5713 --tcp
check "tcp: half an answer, then a reset: the connection's queries retried" \
	against half tcp://127.0.0.1:5713 5813 '.retries >= 1'

hup reset-on-read 5714 --tcp
check "tcp: a reset on the first query: retried on another connection" \
	against rst tcp://127.0.0.1:5714 5814 '.retries >= 1'

# The queries wait on the first handshake (TLS_FIRST_TIMEOUT): with the
# default 5 s they timed out before the record under test came.  The
# listener's client waits 30 s.
hup garbage-record 5721 --tls "$DNSPOOL_PKI/server.pem" "$DNSPOOL_PKI/server-key.pem"
check "tls: a record no key decrypts: the connection's queries retried" \
	against grec tls://127.0.0.1:5721 5821 '.retries >= 1' \
	tls-name "$TLS_NAME" timeout "$TLS_FIRST_TIMEOUT"

hup half-then-reset 5722 --tls "$DNSPOOL_PKI/server.pem" "$DNSPOOL_PKI/server-key.pem"
check "tls: half an answer, then a reset: the connection's queries retried" \
	against thalf tls://127.0.0.1:5722 5822 '.retries >= 1' \
	tls-name "$TLS_NAME" timeout "$TLS_FIRST_TIMEOUT"

ktap_finished
