#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Queries through the pools against real upstreams (unbound): answers equal
# what kdig gets straight from the same server, over udp and tcp; reuse;
# truncated UDP answers retried over TCP; statistics.
. "$(dirname "$0")/lib.sh"

PORT=5301
UNBOUND=
cleanup() { [ -n "$UNBOUND" ] && kill "$UNBOUND" 2>/dev/null; }
trap cleanup EXIT

ktap_print_header
ktap_set_plan 10
dnspool_load
upstreams_clear
# Tuned for another reason than delivery: --batch over TCP opens the tcp
# pool's 10 connections, and with the udp upstream's one they pass
# unbound's default of 10 incoming TCP connections, past which it resets
# some (seen on the slow debug kernel).  These tests are about queries and
# --batch; the pool's handling of resets is pool.sh's and wire.sh's.
UNBOUND_TUNING="incoming-num-tcp: 100"
UNBOUND=$(start_unbound 127.0.0.1 $PORT) || ktap_exit_fail_msg "no unbound"
"$CTL" upstream add u udp://127.0.0.1:$PORT || ktap_exit_fail_msg "cannot add u"
"$CTL" upstream add t tcp://127.0.0.1:$PORT || ktap_exit_fail_msg "cannot add t"

# The answer section's data, sorted, through dnspool and straight from unbound.
via_pool() { "$CTL" -j query "@$1" "$2" "$3" ${4:-} | jq -r '.answers[].data' | sort; }
direct() { kdig +short ${3:-} -p $PORT @127.0.0.1 "$1" "$2" | sort; }

same_answers() {
	local up=$1 flag=$2 name type a b
	for name in "a.dnspool.test A" "a.dnspool.test AAAA" "mx.dnspool.test MX" \
		    "txt.dnspool.test TXT" "h77.dnspool.test A"; do
		set -- $name
		a=$(via_pool "$up" "$1" "$2" $flag)
		b=$(direct "$1" "$2")
		if [ -z "$a" ] || [ "$a" != "$b" ]; then
			echo "# $up $1 $2: dnspool said '$a', kdig said '$b'"
			return 1
		fi
	done
}
check "udp: answers equal kdig's" same_answers u
check "tcp: answers equal kdig's" same_answers t

json_fields() {
	local out
	# One query first, so that the next reuses its socket even on a slow
	# kernel, where the earlier tests' socket may have rotated (60 s).
	"$CTL" query @u a.dnspool.test A >/dev/null || return 1
	out=$("$CTL" -j query @u a.dnspool.test A) || return 1
	jq -e '.upstream == "u" and .transport == "udp" and .rcode == "NOERROR" and
	       (.answers | length) == 1 and .answers[0].name == "a.dnspool.test." and
	       .answers[0].type == "A" and .answers[0].ttl == 300 and (.rtt_us | type) == "number" and
	       .reused == true' <<<"$out" >/dev/null || { echo "# $out"; return 1; }
}
check "JSON answer: upstream, transport, rcode, answers, rtt, reused" json_fields

dig_like() {
	local out rtt ms
	out=$("$CTL" query @t mx.dnspool.test MX) || return 1
	rtt=$(sed -n 's/^;; RTT: \([0-9]*\) us$/\1/p' <<<"$out")
	ms=$(sed -n 's/^;; Query time: \([0-9]*\) msec$/\1/p' <<<"$out")
	grep -q "ANSWER SECTION" <<<"$out" && grep -q "mx.dnspool.test.*MX.*10 a.dnspool.test." <<<"$out" &&
	grep -q ";; UPSTREAM: t (tcp)" <<<"$out" && [ -n "$rtt" ] && [ -n "$ms" ] &&
	# The answer's time is its RTT rounded up to dig's milliseconds (a
	# kernel that keeps time with jiffies, as the debug one under TCG,
	# may measure 0 us), and the date is this year's.
	[ "$ms" = $(((rtt + 999) / 1000)) ] &&
	grep -q ";; WHEN: .* $(date +%Y)" <<<"$out" ||
		{ echo "$out" | sed 's/^/# /'; return 1; }
}
check "text answer reads like dig, with its time and date" dig_like

# -j: one line per object, for scripts; -p: indented, the same JSON.
json_forms() {
	local j p
	j=$("$CTL" -j upstream show u) && p=$("$CTL" -p upstream show u) || return 1
	[ "$(wc -l <<<"$j")" = 1 ] && [ "$(wc -l <<<"$p")" -gt 5 ] &&
	[ "$(jq -S . <<<"$j")" = "$(jq -S . <<<"$p")" ] || { echo "# -j: $j"; echo "# -p: $p"; return 1; }
}
check "-j prints compact JSON, -p the same indented" json_forms

force_tcp() {
	[ "$("$CTL" -j query @u a.dnspool.test A +tcp | jq -r .transport)" = tcp ]
}
check "+tcp sends a udp upstream's query over TCP" force_tcp

truncated() {
	local before after out
	before=$("$CTL" -j stats u | jq '.pools[] | select(.network == "udp") | .truncated_retries')
	out=$("$CTL" -j query @u big.dnspool.test TXT) || return 1
	after=$("$CTL" -j stats u | jq '.pools[] | select(.network == "udp") | .truncated_retries')
	[ "$(jq -r .transport <<<"$out")" = tcp ] && [ "$(jq '.answers | length' <<<"$out")" = 12 ] &&
	[ "$after" = $((before + 1)) ] || { echo "# $out; retries $before -> $after"; return 1; }
	[ "$(jq -r '.answers[].data' <<<"$out" | sort)" = "$(direct big.dnspool.test TXT +tcp)" ]
}
check "a truncated UDP answer is retried over TCP to the same server" truncated

raw_id_restored() {
	local out
	# A query for a.dnspool.test A with ID 0x1234, in wire format.
	out=$(printf '\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01a\x07dnspool\x04test\x00\x00\x01\x00\x01' |
	      "$CTL" query @u --raw - | od -An -tx1 | tr -d ' \n')
	# The ID, the QR bit of a response, and the answer's A record.
	[ "${out:0:4}" = 1234 ] && [ $((0x${out:4:2} & 0x80)) = 128 ] &&
	[ "${out: -8}" = c000020a ] || { echo "# answer: $out"; return 1; }
}
check "--raw: wire in, wire out, the client's ID restored" raw_id_restored

batch() {
	local f out
	f=$(mktemp)
	for i in $(seq 500); do echo "h$i.dnspool.test A"; done >"$f"
	out=$("$CTL" -j query @t --batch "$f" --concurrency 200) || { echo "# $out"; return 1; }
	rm -f "$f"
	jq -e '.sent == 500 and .answered == 500' <<<"$out" >/dev/null || { echo "# $out"; return 1; }
}
check "--batch: 500 queries, 200 in flight, all answered" batch

stats_keys() {
	local out
	out=$("$CTL" -j stats) || return 1
	jq -e '.pools | length == 3 and all(.[]; has("name") and has("address") and has("network") and
	       has("active_count") and has("total_count") and has("max_connections") and
	       has("idle_timeout_ms") and has("queries") and has("answers") and has("timeouts") and
	       has("local_errors") and has("upstream_errors") and has("mismatched") and
	       has("truncated_retries") and has("conns_opened") and has("conns_closed") and
	       has("conns_reaped") and has("reuses") and has("inflight") and has("peak_conns")) and
	       (.[] | select(.name == "t") | .answers >= 505 and .conns_opened >= 1 and
	        .conns_opened <= 10 and .max_connections == 10 and .idle_timeout_ms == 300000)' \
		<<<"$out" >/dev/null || { echo "$out" | sed 's/^/# /'; return 1; }
	# The table fits 100 columns; -s adds every counter under each row.
	out=$("$CTL" stats) || return 1
	echo "$out" | sed 's/^/# /'
	[ "$(awk '{ if (length > m) m = length } END { print m }' <<<"$out")" -le 100 ] || return 1
	grep -qE '^t +tcp +127\.0\.0\.1:[0-9]+ +[0-9]+/[0-9]+/10 ' <<<"$out" || return 1
	out=$("$CTL" -s stats t) || return 1
	grep -qE '^    idle-timeout 5m +peak-conns [0-9]+$' <<<"$out" &&
	grep -qE '^    queries [0-9]+  answers [0-9]+  timeouts 0 ' <<<"$out" &&
	grep -qE 'reuses [0-9]+' <<<"$out" &&
	[ "$(awk '{ if (length > m) m = length } END { print m }' <<<"$out")" -le 100 ] ||
		{ echo "$out" | sed 's/^/# /'; return 1; }
}
check "stats: {pools: [...]} with the seed's keys; a table within 100 columns, -s for all" \
	stats_keys
"$CTL" upstream del u
"$CTL" upstream del t
ktap_finished
