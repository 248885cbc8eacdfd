#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The pools' answer latency histogram (log2 buckets kept by the module) in
# stats -j and -s, and `stats --format prometheus` for node_exporter's
# textfile collector: promtool (Prometheus' own checker) accepts it, and
# its samples are the kernel's counters, per upstream and transport, with
# a histogram whose buckets add up to the answers.
. "$(dirname "$0")/lib.sh"

PORT=5311
LPORT=5312
UNBOUND=
TMP=$(mktemp -d)
cleanup() {
	[ -n "$UNBOUND" ] && kill "$UNBOUND" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

ktap_print_header
ktap_set_plan 4
dnspool_load
upstreams_clear
UNBOUND=$(start_unbound 127.0.0.1 $PORT) || ktap_exit_fail_msg "no unbound"
"$CTL" upstream add u udp://127.0.0.1:$PORT &&
# max-conns 4: the pool pipelines the batch over fewer connections than
# unbound's default of 10 incoming TCP connections, past which it resets
# some (seen on the debug kernel); resets are pool.sh's and wire.sh's.
"$CTL" upstream add t-q.1 tcp://127.0.0.1:$PORT max-conns 4 &&
"$CTL" listener add l 127.0.0.1:$LPORT target u || ktap_exit_fail_msg "cannot configure"
f=$(names_file 200)
"$CTL" query @u --batch "$f" --concurrency 20 >/dev/null &&
"$CTL" query @t-q.1 --batch "$f" --concurrency 20 >/dev/null &&
kdig +short -p $LPORT @127.0.0.1 h1.dnspool.test A >/dev/null ||
	ktap_exit_fail_msg "queries failed"
rm -f "$f"

# stats -j: a bucket per bound, the last unbounded; they add up to the
# answers, and their time in all is more than none.
histogram_json() {
	local p
	p=$("$CTL" -j stats u | jq '.pools[0]')
	jq -e '(.latency | length) == 18 and .latency[0].le_us == 128 and
	       .latency[16].le_us == 8388608 and .latency[17].le_us == null and
	       ([.latency[].answers] | add) == .answers and .answers >= 200 and
	       .latency_us > 0' <<<"$p" >/dev/null || { echo "# $p"; return 1; }
	# From "    latency" to the mean, wrapped within 100 columns.
	"$CTL" -s stats u |
		awk '/^    latency  / { p = 1 } p { print } p && /  mean / { exit }' >"$TMP/latency"
	sed 's/^/# /' "$TMP/latency"
	head -n1 "$TMP/latency" | grep -Eq '^    latency  <[0-9.]+(us|ms|s) [0-9]+' &&
	tail -n1 "$TMP/latency" | grep -Eq '  mean [0-9.]+ms$' &&
	[ "$(awk 'length > 100' "$TMP/latency" | wc -l)" = 0 ]
}
check "the latency histogram: 18 log2 buckets adding up to the answers (-j, -s)" histogram_json

prometheus_valid() {
	"$CTL" stats --format prometheus >"$TMP/metrics" || return 1
	promtool check metrics <"$TMP/metrics" 2>&1 | sed 's/^/# promtool: /'
	[ "${PIPESTATUS[0]}" = 0 ]
}
check "stats --format prometheus: promtool check metrics accepts it" prometheus_valid

# sample NAME LABELS: the sample's value.
sample() {
	awk -v key="$1$2" '$1 == key { print $2 }' "$TMP/metrics"
}

prometheus_values() {
	local k n tq='upstream="t-q.1",transport="tcp"' u='upstream="u",transport="udp"'
	for k in queries answers upstream_errors retransmits; do
		[ "$(sample "dnspool_${k}_total" "{$u}")" = "$(stat_of u $k)" ] ||
			{ echo "# $k: $(sample "dnspool_${k}_total" "{$u}")"; return 1; }
	done
	n=$(stat_of u answers)
	[ "$(sample dnspool_answers_total "{$tq}")" = 200 ] &&
	[ "$(sample dnspool_answer_latency_seconds_count "{$u}")" = "$n" ] &&
	[ "$(sample dnspool_answer_latency_seconds_bucket "{$u,le=\"+Inf\"}")" = "$n" ] &&
	[ "$(sample dnspool_listener_queries_total '{listener="l"}')" = 1 ] || return 1
	# Cumulative: never falling, from the first bucket to +Inf.
	grep "^dnspool_answer_latency_seconds_bucket{$u," "$TMP/metrics" |
		awk '$2 < last { bad = 1 } { last = $2; n++ } END { exit bad || n != 18 }'
}
check "the samples are the kernel's counters; the histogram is cumulative" prometheus_values

format_usage() {
	expect_error 'takes prometheus' "$CTL" stats --format xml &&
	expect_error 'at most one NAME' "$CTL" stats --format prometheus u t
}
check "--format: bad usage said on one line" format_usage
ktap_finished
