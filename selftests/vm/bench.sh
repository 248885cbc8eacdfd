#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`, inside the VM.  First the fair benchmark (bench-fair.sh):
# dnspool through libdnspool against a userspace pool, like for like;
# its machine-readable line ends the output.  Then the front end
# (bench-frontend.sh): dnsperf against one unbound directly and through a
# dnspool listener, dnsdist and unbound as a forwarder, caches off: q/s,
# p50/p99, CPU per query, sockets; its line follows the fair one.  Then one
# query load, in one run, through
#   per-query  a userspace client opening a socket per query (the seed's
#              original design),
#   user-pool  a userspace client with its own pool of 10 UDP sockets,
#   dnspool    the kernel's pools, through dnspoolctl --batch,
# against the same unbound (Debian's defaults, as every upstream here);
# then the seed's scenario: three upstreams, 1000 queries in flight to
# each at once; then TCP latency on a new connection per query
# against a reused one; then DNS over TLS: a query on a new connection
# (handshake included) against one on a reused connection, and reused DoT
# against reused TCP.  Figures are ratios: under software emulation
# absolute times mean little, ratios in one run do.  Beside every q/s,
# the share of queries answered and the retransmissions that took: no
# figure rewards dropping queries.  (The userspace clients never
# retransmit: a query they lose stays lost.)  Over a lossy path (netem),
# retransmission against one try, and a group racing two upstreams against
# one of them alone (p99).
SRC=/work/src
CTL=$SRC/ctl/dnspoolctl
BENCH=$SRC/selftests/bench/dnsbench
DNSPOOL_NETNS=keep . "$SRC/selftests/lib.sh" >/dev/null
N=${BENCH_QUERIES:-20000}
W=${BENCH_IN_FLIGHT:-1000}

modprobe dnspool
UNBOUND=$(start_unbound 127.0.0.1 5301 8853) || exit 1
TLSHD=$(start_tlshd) || exit 1
names=$(mktemp)
for i in $(seq "$N"); do echo "h$(( (i - 1) % 1000 + 1 )).dnspool.test A"; done >"$names"
"$CTL" upstream add bench udp://127.0.0.1:5301
"$CTL" upstream add bench-tcp tcp://127.0.0.1:5301
"$CTL" upstream add bench-tls tls://127.0.0.1:8853 tls-name "$TLS_NAME"

echo "# kernel $(uname -r)"
"$SRC/selftests/vm/bench-fair.sh" "$UNBOUND" "$names.fair"
echo
"$SRC/selftests/vm/bench-frontend.sh" "$names.frontend"
echo
echo "# $N queries for A records, $W in flight, against unbound on loopback"
per=$("$BENCH" udp-per-query 127.0.0.1 5301 "$names" "$W")
pool=$("$BENCH" udp-pool 127.0.0.1 5301 "$names" "$W" 10)
dp=$("$CTL" -j query @bench --batch "$names" --concurrency "$W" | jq -c .)
dp_socks=$("$CTL" -j stats bench | jq '[.pools[] | .conns_opened + .rotations] | add')
dp_retx=$("$CTL" -j stats bench | jq '[.pools[] | .retransmits] | add')
dp=$(jq -c --argjson s "$dp_socks" --argjson r "$dp_retx" '. + {sockets: $s, ports: $s, retx: $r}' <<<"$dp")

row() {
	jq -r --argjson base "$per" --arg name "$1" '
		"\($name)\t\(.answered)/\(.sent // .queries) \(.answered * 1000 / (.sent // .queries) | floor / 10)%\t\(.retx // 0)\t\(.sockets)\t\(.ports)\t\(.qps | floor)\t\(.p50_us | floor)\t\(.p99_us | floor)\t" +
		"\((.qps / $base.qps * 100 | floor) / 100)x\t\((.p50_us / $base.p50_us * 100 | floor) / 100)x\t\((.p99_us / $base.p99_us * 100 | floor) / 100)x"' <<<"$2"
}
{
	printf 'client\tanswered\tretx\tsockets\tports\tq/s\tp50_us\tp99_us\tq/s ratio\tp50 ratio\tp99 ratio\n'
	row per-query "$per"
	row user-pool "$pool"
	row dnspool "$dp"
} | awk -F'\t' '{ printf "%-10s %18s %6s %8s %6s %8s %8s %8s %10s %10s %10s\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }'

echo
echo "# The seed's scenario: 3 upstreams (unbound, Debian's defaults), 1000 queries in flight"
echo "# to each at once, 3000 names each; dnspool's defaults, and then one transmission per"
echo "# query (rto-min 60s: no retransmission within the 5 s query timeout), as before"
U2=$(start_unbound 127.0.0.2 5301) && U3=$(start_unbound 127.0.0.3 5301) || exit 1
head -n 3000 "$names" >"$names.3000"
# seed_run LABEL [OPTION...]: the three batches at once, one line per upstream.
seed_run() {
	local label=$1 i
	shift
	for i in 1 2 3; do
		"$CTL" upstream add "seed$i" "udp://127.0.0.$i:5301" "$@"
		"$CTL" -j query "@seed$i" --batch "$names.3000" --concurrency 1000 \
			>"$names.seed$i" 2>/dev/null &
	done
	wait
	for i in 1 2 3; do
		jq -r --arg u "$label seed$i" \
			--argjson retx "$("$CTL" -j stats "seed$i" | jq '.pools[0].retransmits')" \
			'"\($u): \(.answered)/\(.sent) answered (\(.answered * 1000 / .sent | floor / 10)%), \($retx) retransmissions, \(.qps | floor) q/s, p50 \(.p50_us | floor) us, p99 \(.p99_us | floor) us"' \
			<"$names.seed$i"
		"$CTL" upstream del "seed$i"
	done
}
seed_run retransmitting
seed_run "one try      " rto-initial 60s rto-min 60s rto-max 60s
kill "$U2" "$U3"

echo
echo "# A lossy path: 15% of datagrams lost each way (netem on a veth pair), unbound behind it,"
echo "# 1000 queries, 200 in flight"
ip netns add bench-loss &&
ip link add bl0 type veth peer name bl1 netns bench-loss &&
ip addr add 10.98.0.1/24 dev bl0 && ip link set bl0 up &&
ip -n bench-loss addr add 10.98.0.2/24 dev bl1 && ip -n bench-loss link set bl1 up &&
ip -n bench-loss link set lo up &&
tc qdisc add dev bl0 root netem loss 15% && tc -n bench-loss qdisc add dev bl1 root netem loss 15% &&
UL=$(ip netns exec bench-loss env DNSPOOL_NETNS=keep bash -c \
	". '$SRC/selftests/lib.sh' >/dev/null; start_unbound 10.98.0.2 53") ||
	exit 1
head -n 1000 "$names" >"$names.1000"
loss_run() {
	local label=$1
	shift
	"$CTL" upstream add lossy udp://10.98.0.2 "$@"
	"$CTL" -j query @lossy --batch "$names.1000" --concurrency 200 2>/dev/null |
		jq -r --arg l "$label" '"\($l): \(.answered)/\(.sent) answered (\(.answered * 1000 / .sent | floor / 10)%), \(.qps | floor) q/s"'
	echo "    $("$CTL" -j stats lossy | jq -r '.pools[0] | "\(.retransmits) retransmissions, \(.late_answers) late answers, srtt \(.srtt_us) us, rto \(.rto_ms) ms"')"
	"$CTL" upstream del lossy
}
loss_run retransmitting
loss_run "one try      " rto-initial 60s rto-min 60s rto-max 60s

echo
echo "# A group racing two upstreams over the lossy path (the same server, two pools, each"
echo "# packet lost with 15% chance each way) against one of them alone, 1000 queries, 50 in flight"
# p50 and p99 of two batch results (JSON), and the ratio of their p99s.
compare99() {
	jq -rn --arg a "$1" --argjson x "$2" --arg b "$3" --argjson y "$4" --arg r "$5" '
		"\($a): p50 \($x.p50_us | floor) us, p99 \($x.p99_us | floor) us, \($x.answered)/\($x.sent) answered\n" +
		"\($b): p50 \($y.p50_us | floor) us, p99 \($y.p99_us | floor) us, \($y.answered)/\($y.sent) answered\n" +
		"\($r), p99: \(($x.p99_us / $y.p99_us * 100 | floor) / 100)x"'
}
"$CTL" upstream add lossa udp://10.98.0.2
"$CTL" upstream add lossb udp://10.98.0.2
single=$("$CTL" -j query @lossa --batch "$names.1000" --concurrency 50 2>/dev/null | jq -c .)
"$CTL" group add race lossa lossb strategy racing race-delay 50ms
race=$("$CTL" -j query @race --batch "$names.1000" --concurrency 50 2>/dev/null | jq -c .)
compare99 "racing lossa, lossb (race-delay 50ms)" "$race" "lossa alone" "$single" "racing / alone"
"$CTL" group show race | sed 's/^/    /'
"$CTL" group del race
"$CTL" upstream del lossa
"$CTL" upstream del lossb
kill "$UL"
ip netns del bench-loss

echo
echo "# TCP: a new connection per query against a reused one, one query at a time, 500 queries"
head -n 500 "$names" >"$names.500"
# p50 and p99 of two batch results (JSON), and the ratio of their p50s.
compare() {
	jq -rn --arg a "$1" --argjson x "$2" --arg b "$3" --argjson y "$4" --arg r "$5" '
		"\($a): p50 \($x.p50_us | floor) us, p99 \($x.p99_us | floor) us\n" +
		"\($b): p50 \($y.p50_us | floor) us, p99 \($y.p99_us | floor) us\n" +
		"\($r), p50: \(($x.p50_us / $y.p50_us * 100 | floor) / 100)x"'
}
new=$("$BENCH" tcp-per-query 127.0.0.1 5301 "$names.500" 1)
tcp=$("$CTL" -j query @bench-tcp --batch "$names.500" --concurrency 1 | jq -c .)
compare "reused connection (dnspool tcp pool)" "$tcp" \
	"new connection per query (userspace)" "$new" "reused / new"

echo
echo "# DNS over TLS: a query on a new connection (handshake included) against one on a reused"
echo "# connection, 20 each, in microseconds by the kernel's clock: the handshake (request to"
echo "# tlshd until its answer) plus the query's round trip, against a round trip alone"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
rtt_us() { "$CTL" -j query "@$1" a.dnspool.test | jq .rtt_us; }
"$CTL" query @bench-tls a.dnspool.test >/dev/null
for i in $(seq 20); do
	"$CTL" upstream add "fresh$i" tls://127.0.0.1:8853 tls-name "$TLS_NAME"
	rtt=$(rtt_us "fresh$i")
	hs=$("$CTL" -j stats "fresh$i" | jq '.pools[0].handshake_time_us')
	echo $((hs + rtt)) >>"$names.new"
	rtt_us bench-tls >>"$names.reused"
	"$CTL" upstream del "fresh$i"
done
new=$(median <"$names.new")
reused=$(median <"$names.reused")
echo "new DoT connection per query: median $new us; reused DoT connection: median $reused us"
echo "new / reused: $(echo "scale=2; $new / $reused" | bc)x"

echo
echo "# Reused connections, one query at a time, 500 queries: DoT against TCP"
tls=$("$CTL" -j query @bench-tls --batch "$names.500" --concurrency 1 | jq -c .)
compare "DoT (dnspool tls pool)" "$tls" "TCP (dnspool tcp pool), measured above" "$tcp" "DoT / TCP"
echo
"$CTL" stats
kill "$UNBOUND" "$TLSHD"
echo
cat "$names.fair" "$names.frontend"
rm -f "$names" "$names".*
