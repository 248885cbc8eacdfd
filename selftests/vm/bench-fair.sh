#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The fair benchmark, inside the VM, run by bench.sh:
#   bench-fair.sh UNBOUND_PID RESULT_FILE
# dnspool (libdnspool) against a userspace pool of connected UDP sockets,
# both driven by qload: the same names, the same wire bytes, the same
# window, as many upstream sockets as the dnspool pool used, the same
# unbound (Debian's defaults), the same retransmission timeouts (qload
# retransmits for the userspace pool as dnspool's pools do).
#   tier 1    one system call per query each way (send/recv; one QUERY
#             per sendmsg, answers read one per recvmsg, no peek)
#   tier 2    batches of 16 and 64 (sendmmsg/recvmmsg; many QUERY
#             messages per sendmsg, answers by recvmmsg)
# RUNS interleaved runs of each (user, dnspool, user, ...); for every
# pair the ratio of dnspool's q/s to the user pool's, then the median and
# the spread of the ratios.  CPU per answered query is the whole VM's
# (user + system + softirq, /proc/stat); the upstream's share of a CPU is
# shown, so that a ratio capped by a saturated upstream is seen as one.
# The same tiers against answerer, an upstream that costs next to
# nothing, anchor the limit.  Then latency, one query at a time: over UDP
# against one userspace socket, over TCP against a reused userspace
# connection.  RESULT_FILE gets the machine-readable line.
SRC=/work/src
CTL=$SRC/ctl/dnspoolctl
QLOAD=$SRC/selftests/bench/qload
UNBOUND=$1
OUT=$2
N=${BENCH_FAIR_QUERIES:-20000}
W=${BENCH_FAIR_WINDOW:-200}
RUNS=${BENCH_RUNS:-5}
DIR=$(mktemp -d)
for i in $(seq 1000); do echo "h$i.dnspool.test A"; done >"$DIR/names"

"$CTL" upstream add fair udp://127.0.0.1:5301
"$CTL" upstream add fair-tcp tcp://127.0.0.1:5301
# A first run warms unbound and the pool; the user pool gets as many
# sockets as the dnspool pool opened.
"$QLOAD" --names "$DIR/names" --count "$N" --window "$W" dnspool fair >/dev/null
SOCKS=$("$CTL" -j stats fair | jq '.pools[0].peak_conns')

# run NAME ARGS...: one qload run, its JSON line appended to $DIR/NAME;
# for dnspool (ARGS ending "dnspool UPSTREAM"), with the retransmissions
# its pool made meanwhile.
run() {
	local name=$1 up=${*: -1} r0=0 out
	shift
	[ "${*: -2:1}" = dnspool ] && r0=$(pool_retx "$up")
	out=$("$QLOAD" --names "$DIR/names" "$@") || out='{}'
	[ "${*: -2:1}" = dnspool ] &&
		out=$(jq -c --argjson r $(($(pool_retx "$up") - r0)) '.retransmits = $r' <<<"$out")
	echo "$out" >>"$DIR/$name"
}
pool_retx() {
	"$CTL" -j stats "$1" | jq '[.pools[].retransmits] | add'
}

# pair TAG UPSTREAM_ADDR PID COUNT WINDOW BATCH: RUNS interleaved runs of
# the user pool and dnspool against the upstream at UPSTREAM_ADDR:5301.
pair() {
	local tag=$1 addr=$2 pid=$3 count=$4 window=$5 batch=$6 up=$7 i
	for i in $(seq "$RUNS"); do
		run "$tag.user" --count "$count" --window "$window" --batch "$batch" \
			--pid "$pid" user-udp "$addr" 5301 "$SOCKS"
		run "$tag.dnspool" --count "$count" --window "$window" --batch "$batch" \
			--pid "$pid" dnspool "$up"
	done
}

# summary TAG LABEL KEY: medians of both, and the median and spread of
# the pairs' ratios of KEY (dnspool over user), added to $DIR/report; the
# median ratio on stdout.
summary() {
	local tag=$1 label=$2 key=$3 out
	out=$(jq -rn --arg title "$label" --arg key "$key" \
		--slurpfile u "$DIR/$tag.user" --slurpfile d "$DIR/$tag.dnspool" '
		def median: sort | if length == 0 then 0 else .[(length - 1) / 2 | floor] end;
		def pct: . * 1000 | floor / 10;
		def r2: . * 100 | round / 100;
		[range($u | length)] | map(($d[.][$key] // 0) / (($u[.][$key] // 0) + 1e-9)) as $ratios |
		def row($name; $runs):
			"  \($name | .[0:8] | . + " " * (8 - length)) " +
			"q/s \($runs | map(.qps // 0) | median | floor)" +
			" (\($runs | map(.qps // 0) | min | floor)-\($runs | map(.qps // 0) | max | floor))" +
			"  answered \($runs | map((.answered // 0) / (.sent // 1)) | median | pct)%" +
			"  retx \($runs | map(.retransmits // 0) | median)" +
			"  p50 \($runs | map(.p50_us // 0) | median) us" +
			"  cpu/q \($runs | map(.cpu_us_per_q // 0) | median) us" +
			"  upstream cpu \($runs | map(.upstream_cpu // 0) | median | pct)%";
		"\($title)\n" + row("user"; $u) + "\n" + row("dnspool"; $d) + "\n" +
		"  ratio (\($key)): median \($ratios | median | r2)x, " +
		"spread \($ratios | min | r2)-\($ratios | max | r2)x over \($ratios | length) pairs\n" +
		"\($ratios | median | r2)"')
	# All but the last line to the report; the last, the median, out.
	printf '%s\n' "${out%$'\n'*}" >>"$DIR/report"
	echo "${out##*$'\n'}"
}

echo "# The fair benchmark: $N queries, $W in flight, $SOCKS upstream sockets each" \
	"(the dnspool pool's), identical wire bytes; $RUNS interleaved runs; unbound as shipped"
pair t1 127.0.0.1 "$UNBOUND" "$N" "$W" 1 fair
pair t16 127.0.0.1 "$UNBOUND" "$N" "$W" 16 fair
pair t64 127.0.0.1 "$UNBOUND" "$N" "$W" 64 fair
: >"$DIR/report"
t1=$(summary t1 "tier 1 (one system call per query each way)" qps)
t16=$(summary t16 "tier 2, batch 16" qps)
t64=$(summary t64 "tier 2, batch 64" qps)
cpu=$(summary t1 "tier 1, CPU per answered query" cpu_us_per_q)
cat "$DIR/report"

echo
echo "# The limit anchor: the same clients against answerer (no lookup, batched I/O)"
"$SRC/selftests/bench/answerer" 127.0.0.9 5301 >/dev/null &
ANSWERER=$!
sleep 0.5
"$CTL" upstream add anchor udp://127.0.0.9:5301
"$QLOAD" --names "$DIR/names" --count "$N" --window "$W" dnspool anchor >/dev/null
pair a1 127.0.0.9 "$ANSWERER" "$N" "$W" 1 anchor
pair a64 127.0.0.9 "$ANSWERER" "$N" "$W" 64 anchor
: >"$DIR/report"
summary a1 "anchor, tier 1" qps >/dev/null
summary a64 "anchor, tier 2, batch 64" qps >/dev/null
cat "$DIR/report"
kill "$ANSWERER"

echo
echo "# Latency, one query at a time, 2000 queries: UDP against one userspace socket,"
echo "# TCP against one reused userspace connection"
SOCKS=1 pair u1 127.0.0.1 "$UNBOUND" 2000 1 1 fair
for i in $(seq "$RUNS"); do
	run c1tcp.user --count 2000 --window 1 --pid "$UNBOUND" user-tcp 127.0.0.1 5301
	run c1tcp.dnspool --count 2000 --window 1 --pid "$UNBOUND" dnspool fair-tcp
done
: >"$DIR/report"
udp=$(summary u1 "UDP, concurrency 1" p50_us)
tcp=$(summary c1tcp "TCP, concurrency 1, reused connections" p50_us)
cat "$DIR/report"

"$CTL" upstream del fair
"$CTL" upstream del fair-tcp
"$CTL" upstream del anchor
echo "bench: tier1=$t1 tier2_16=$t16 tier2_64=$t64 tcp_reused_p50=$tcp udp_c1_p50=$udp cpu_per_q=$cpu" >"$OUT"
rm -rf "$DIR"
