#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The front-end benchmark, inside the VM, run by bench.sh:
#   bench-frontend.sh RESULT_FILE
# dnsperf asks one unbound upstream (Debian's defaults, serving
# h1..h1000.dnspool.test on 127.0.2.1:5301) through four paths:
#   direct       dnsperf to the upstream itself;
#   listener     a dnspool listener (127.0.2.2:5300) whose target is an
#                upstream of the upstream's address;
#   dnsdist      dnsdist as it ships, one backend, no packet cache
#                (127.0.2.3:5300; upstreams/dnsdist.conf.in);
#   unbound-fwd  unbound forwarding "." to the upstream with its cache off
#                (127.0.2.4:5300; upstreams/unbound-forwarder.conf.in).
# RUNS interleaved rounds of the four, twice: at saturation (OUTSTANDING
# queries in flight, SECS seconds each), then at a fixed offered load
# (dnsperf -Q) of half the weakest forwarder's median throughput, for
# latency.  Answers are counted only when NOERROR: no figure rewards
# failing queries.
#   latency   p50 and p99 from dnsperf's latency histogram (-O
#             latency-histogram, bins of about 3%; a percentile is its bin's
#             upper bound); each fixed-load run sends a fixed count of
#             queries and waits for every answer, so a lost query is a real
#             one, counted as slower than any answer.
#   CPU       the whole VM's busy time (/proc/stat: user, nice, system, irq,
#             softirq, steal) in a window of each saturation run, per
#             answer; "added" is that less the direct path's: what the
#             forwarder costs, wherever the kernel charged it (much of a
#             listener's work runs in softirq, charged to whichever task it
#             interrupted).  "own": the forwarder's process (/proc/PID/stat),
#             for dnspool its kworker and ksoftirqd threads'.  dnsperf's
#             busiest thread's share of a CPU is shown: near 100% it would
#             be the limit.
#   sockets   distinct source ports that sent to the upstream during a
#             saturation run (an nftables set filled from the output hook:
#             every socket, a kernel's included, whatever its life), and
#             the sockets open to the upstream near its end (see open_now;
#             for dnspool the pool's total-conns, dnspoolctl -j stats).
#   caches    the upstream's own count of queries received (unbound-control
#             stats_noreset total.num.queries) against the answers dnsperf
#             got.  The 1000 names repeat every 1000 queries: a forwarder
#             answering from a cache would show the upstream a small share.
#             (unbound merges identical queries in flight into one: a
#             fraction of a percent fewer is not a cache.)
# RESULT_FILE gets the machine-readable line.
SRC=/work/src
CTL=$SRC/ctl/dnspoolctl
OUT=$1
RUNS=${BENCH_FRONTEND_RUNS:-3}
SECS=${BENCH_FRONTEND_SECS:-4}
LAT_SECS=${BENCH_FRONTEND_LAT_SECS:-5}
OUTSTANDING=${BENCH_FRONTEND_OUTSTANDING:-200}
CLIENTS=${BENCH_FRONTEND_CLIENTS:-10}
PATHS=${BENCH_FRONTEND_PATHS:-direct listener dnsdist unbound-fwd}
UP=127.0.2.1 UP_PORT=5301 FE_PORT=5300
HZ=$(getconf CLK_TCK)
DIR=$(mktemp -d /tmp/frontend.XXXXXX)
DNSPOOL_NETNS=keep . "$SRC/selftests/lib.sh" >/dev/null
for i in $(seq 1000); do echo "h$i.dnspool.test A"; done >"$DIR/names"

addr_of() {
	case $1 in
	direct) echo "$UP $UP_PORT" ;;
	listener) echo "127.0.2.2 $FE_PORT" ;;
	dnsdist) echo "127.0.2.3 $FE_PORT" ;;
	unbound-fwd) echo "127.0.2.4 $FE_PORT" ;;
	esac
}

# answers ADDR PORT: does ADDR:PORT answer a query of the upstream's zone?
answers() {
	kdig +short +timeout=1 +retry=0 -p "$2" @"$1" h1.dnspool.test 2>/dev/null | grep -q 198.51.100
}

# ready ADDR PORT: polls answers for 20 s at most.
ready() {
	local end=$((SECONDS + 20))
	until answers "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# The upstream: start_unbound's, its remote control on, so that its count
# of queries can be read.
start_upstream() {
	UPSTREAM=$(start_unbound $UP $UP_PORT) || return 1
	unbound_control "$UPSTREAM" || { echo "# no remote control"; return 1; }
	ready $UP $UP_PORT
}
# Its count of queries received, in SEEN.
upstream_seen() {
	SEEN=$(unbound_stat "$UPSTREAM" total.num.queries)
	[ -n "$SEEN" ]
}

# from_template FILE ADDR [SEP]: a template of upstreams/ made to listen
# on ADDR and forward to the upstream (its address and port joined by SEP,
# ":" by default; unbound's is "@").
from_template() {
	sed -e "s|@ADDR@|$2|g; s|@PORT@|$FE_PORT|g; s|@DIR@|$DIR|g" \
	    -e "s|@UPSTREAM@|$UP${3:-:}$UP_PORT|g" "$SRC/selftests/upstreams/$1"
}

# start PATH: its forwarder, answering; its PID (or none) in PID_<path>.
start() {
	local a port
	read -r a port < <(addr_of "$1")
	case $1 in
	listener)
		"$CTL" upstream add fe-up "udp://$UP:$UP_PORT" &&
		"$CTL" listener add fe "$a:$FE_PORT" target fe-up || return 1
		;;
	dnsdist)
		from_template dnsdist.conf.in "$a" >"$DIR/dnsdist.conf"
		dnsdist --supervised --disable-syslog -C "$DIR/dnsdist.conf" >"$DIR/dnsdist.log" 2>&1 &
		PID_dnsdist=$!
		;;
	unbound-fwd)
		from_template unbound-forwarder.conf.in "$a" @ >"$DIR/unbound-fwd.conf"
		unbound -c "$DIR/unbound-fwd.conf" >"$DIR/unbound-fwd.log" 2>&1 &
		PID_unbound_fwd=$!
		;;
	esac
	if ready "$a" "$port"; then
		[ "$1" = unbound-fwd ] && IDLE_unbound_fwd=$(sock_fds "$PID_unbound_fwd")
		return 0
	fi
	echo "# $1 does not answer on $a:$port: $(cat "$DIR/$1.log" 2>/dev/null)"
	return 1
}

pid_of() {
	case $1 in
	dnsdist) echo "$PID_dnsdist" ;;
	unbound-fwd) echo "$PID_unbound_fwd" ;;
	esac
}

# ticks PID: its user and system time, in clock ticks (threads included),
# in TICKS.
ticks() {
	local s
	TICKS=0
	{ read -ra s <"/proc/$1/stat"; } 2>/dev/null && TICKS=$((s[13] + s[14]))
}
# TID and ticks of each thread of PID.
thread_ticks() {
	local f s
	for f in /proc/"$1"/task/*/stat; do
		{ read -ra s <"$f"; } 2>/dev/null && echo "${s[0]} $((s[13] + s[14]))"
	done
}
# The whole VM's idle ticks (idle and iowait), in IDLE, and the time in
# microseconds, in NOW.  Busy time is elapsed time on every CPU less idle
# time: the kernel measures idle time exactly (nohz), but samples busy
# time a tick at a time, and under TCG ticks come late and are lost.
# Nothing is started (this runs at the edges of a measured window).
idle() {
	local i w
	read -r _ _ _ _ i w _ </proc/stat
	IDLE=$((i + w)) NOW=${EPOCHREALTIME/./}
}
NCPU=$(getconf _NPROCESSORS_ONLN)
# nap SECONDS: sleep, without starting a process.
mkfifo "$DIR/nap"
exec {NAP}<>"$DIR/nap"
nap() {
	read -rt "$1" -u $NAP
}
# PID and ticks of each kworker and ksoftirqd thread.
kthreads() {
	local f l s
	for f in /proc/[0-9]*/stat; do
		read -r l <"$f" 2>/dev/null || continue
		case $l in
		*"(kworker"*|*"(ksoftirqd"*) read -ra s <<<"$l"; echo "${s[0]} $((s[13] + s[14]))" ;;
		esac
	done
}
# delta FILE0 FILE1: the sum of "ID TICKS" lines' growth from FILE0 to
# FILE1 (an ID new in FILE1 counts whole), and the largest growth.
delta() {
	awk 'NR == FNR { t0[$1] = $2; next }
	     { d = $2 - t0[$1]; sum += d; if (d > max) max = d }
	     END { print sum + 0, max + 0 }' "$1" "$2"
}

# Sockets that talk to the upstream: nft's set of their source ports,
# and a counter of the packets that added one (listing a set of
# thousands is slow under TCG; reading a counter is not).
nft -f - <<EOF || exit 1
table inet frontend {
	counter newports { }
	set ports {
		type inet_proto . inet_service
		flags dynamic
		size 65536
	}
	chain out {
		type filter hook output priority 0;
		ip daddr $UP th dport $UP_PORT meta l4proto . th sport != @ports \
			counter name "newports" add @ports { meta l4proto . th sport }
	}
}
EOF
ports_seen() {
	nft list counter inet frontend newports | sed -n 's/.*packets \([0-9]*\).*/\1/p'
}
ports_reset() {
	nft flush set inet frontend ports && nft reset counter inet frontend newports >/dev/null
}
# sock_fds PID: how many sockets PID holds.
sock_fds() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -c 'socket:'
}
# open_now PATH DNSPERF_PID: the sockets PATH has open to the upstream
# now: dnsperf's own (direct); the pool's total-conns (listener);
# dnsdist's connected to the upstream (ss); unbound's beyond those it
# holds idle (its sockets to the upstream live for a query: ss would miss
# most of them, gone before it finds their process).
open_now() {
	case $1 in
	direct) sock_fds "$2" ;;
	listener) "$CTL" -j stats fe-up | jq '[.pools[].total_count] | add' ;;
	dnsdist)
		{ ss -Hnpu dst "$UP:$UP_PORT"; ss -Hnpt dst "$UP:$UP_PORT"; } |
			grep -c "pid=$PID_dnsdist,"
		;;
	unbound-fwd) echo $(($(sock_fds "$PID_unbound_fwd") - IDLE_unbound_fwd)) ;;
	esac
}

# dnsperf's output as JSON: counts, NOERROR answers, run time, and p50
# and p99 in microseconds over every query sent (a lost one: null).
parse() {
	awk '
	/Queries sent:/ { sent = $3 }
	/Queries completed:/ { done = $3 }
	/Queries lost:/ { lost = $3 }
	/Response codes:/ { if (match($0, /NOERROR [0-9]+/)) noerror = substr($0, RSTART + 8, RLENGTH - 8) }
	/Run time \(s\):/ { rt = $4 }
	/Latency bucket/ { h = 1; next }
	h && $2 == "-" { sub(":", "", $3); hi[n] = $3; cnt[n] = $4; n++; next }
	{ h = 0 }
	function pct(p,   k, i, c) {
		k = int(p * (done + lost) + 0.999999)
		for (i = 0; i < n; i++) { c += cnt[i]; if (c >= k) return int(hi[i] * 1e6 + 0.5) }
		return "null"
	}
	END {
		printf "{\"sent\":%d,\"completed\":%d,\"lost\":%d,\"noerror\":%d,\"runtime\":%s,\"p50_us\":%s,\"p99_us\":%s}\n",
			sent, done, lost, noerror, rt + 0, pct(0.5), pct(0.99)
	}' "$1"
}

# run PATH MODE: one dnsperf run through PATH, its figures as one JSON
# line appended to $DIR/PATH.MODE.  MODE sat: SECS seconds, OUTSTANDING in
# flight; lat: RATE queries a second, RATE * LAT_SECS of them; warm: one
# second, figures dropped.  In a saturation run, CPU times are read over
# a window inside it, from 0.3 s after dnsperf's threads began to 1.2 s
# before its end (dnsperf's start and end, and the sockets counted after
# the window, stay out), and its answers in the window are taken as its
# q/s times the window's length.
run() {
	local path=$1 mode=$2 addr port pid args q0 dp end b0 u0 f0 t0 tasks win=null took=$SECONDS
	local dpsum dpmax open=null
	read -r addr port < <(addr_of "$path")
	pid=$(pid_of "$path")
	args=(-s "$addr" -p "$port" -c "$CLIENTS" -q "$OUTSTANDING" -t 2
	      -O latency-histogram -O suppress=timeouts,unexpected,congestion -O qps-threshold-wait=1)
	case $mode in
	sat) args+=(-d "$DIR/names" -l "$SECS") ;;
	warm) args+=(-d "$DIR/names" -l 1) ;;
	lat) args+=(-d "$DIR/names.lat" -n 1 -Q "$RATE") ;;
	esac
	[ "$mode" = sat ] && ports_reset
	q0=$SEEN
	dnsperf "${args[@]}" >"$DIR/out" 2>"$DIR/out.err" &
	dp=$!
	if [ "$mode" = sat ]; then
		end=$((SECONDS + 10))
		while tasks=(/proc/$dp/task/*) && [ ${#tasks[@]} -lt 3 ] && [ $SECONDS -lt $end ]; do
			nap 0.05
		done
		nap 0.3
		[ "$path" = listener ] && kthreads >"$DIR/k0"
		thread_ticks $dp >"$DIR/t0"
		ticks "$UPSTREAM"; u0=$TICKS
		ticks "${pid:-0}"; f0=$TICKS
		idle; b0=$IDLE t0=$NOW
		nap $((SECS - 2)).5
		idle; b0=$(((NOW - t0) * NCPU * HZ / 1000000 - (IDLE - b0))) t0=$((NOW - t0))
		ticks "$UPSTREAM"; u0=$((TICKS - u0))
		ticks "${pid:-0}"; f0=$((TICKS - f0))
		thread_ticks $dp >"$DIR/t1"
		if [ "$path" = listener ]; then
			kthreads >"$DIR/k1"
			read -r f0 _ < <(delta "$DIR/k0" "$DIR/k1")
		fi
		read -r dpsum dpmax < <(delta "$DIR/t0" "$DIR/t1")
		open=$(open_now "$path" $dp)
		win="{\"secs\": ${t0}e-6, \"busy\": $b0, \"upstream\": $u0, \"own\": $f0,"
		win+=" \"dnsperf\": $dpsum, \"dnsperf_busiest\": $dpmax}"
	fi
	wait $dp
	upstream_seen
	[ "$mode" = warm ] && return
	q0=$((SEEN - q0))
	if ! grep -q 'Queries sent' "$DIR/out"; then
		echo "# dnsperf through $path failed: $(tail -n 3 "$DIR/out.err")"
		return
	fi
	# Ticks in the window, per answer (us) or per second (a share of a CPU).
	local ports=null
	[ "$mode" = sat ] && ports=$(ports_seen)
	parse "$DIR/out" | jq -c --arg path "$path" --argjson seen "$q0" --argjson ports "$ports" \
		--argjson open "${open:-null}" --argjson w "$win" --argjson hz "$HZ" \
		--argjson at "$EPOCHSECONDS" --argjson took $((SECONDS - took)) '
		. + {path: $path, qps: (.noerror / (.runtime + 1e-9)), seen: $seen, at: $at, took: $took,
		     ports: $ports, open: $open} |
		.qps as $q |
		if $w == null then . else (($q * $w.secs + 1e-9) / 1e6) as $aq | (.window = $w) + {
		     cpu_us_q: ($w.busy / $hz / $aq),
		     own_us_q: (if $path == "direct" then null else $w.own / $hz / $aq end),
		     upstream_cpu: ($w.upstream / $hz / $w.secs),
		     dnsperf_cpu: ($w.dnsperf / $hz / $w.secs), dnsperf_busiest: ($w.dnsperf_busiest / $hz / $w.secs)}
		end' >>"$DIR/$path.$mode"
}

START=$SECONDS
echo "# The front end: dnsperf against one unbound (Debian's defaults) directly and through"
echo "# a dnspool listener, dnsdist (no packet cache, one backend) and unbound as a forwarder"
echo "# (forward-no-cache); $RUNS interleaved rounds at saturation ($OUTSTANDING in flight from"
echo "# $CLIENTS sockets, ${SECS}s), then at a fixed load (half the weakest forwarder's q/s, ${LAT_SECS}s)"
start_upstream || exit 1
echo "+$((SECONDS - START)) upstream" >>"$DIR/stamps"
up=
for p in $PATHS; do
	start "$p" && up="$up $p"
	echo "+$((SECONDS - START)) $p" >>"$DIR/stamps"
done
PATHS=${up# }
for p in $PATHS; do run "$p" warm; done
echo "+$((SECONDS - START)) warm" >>"$DIR/stamps"
for r in $(seq "$RUNS"); do
	for p in $PATHS; do run "$p" sat; echo "+$((SECONDS - START)) $p sat" >>"$DIR/stamps"; done
done
# The fixed load: half the weakest forwarder's median q/s, in hundreds.
RATE=${BENCH_FRONTEND_RATE:-$(cat "$DIR"/*.sat 2>/dev/null | jq -s '
	def median: sort | .[(length - 1) / 2 | floor];
	[group_by(.path)[] | select(.[0].path != "direct") | map(.qps) | median] |
	(min // 200) / 2 / 100 | floor * 100 | if . < 100 then 100 else . end')}
awk -v n=$((RATE * LAT_SECS)) '{ l[NR] = $0 } END { for (i = 0; i < n; i++) print l[i % NR + 1] }' \
	"$DIR/names" >"$DIR/names.lat"
for r in $(seq "$RUNS"); do
	for p in $PATHS; do run "$p" lat; echo "+$((SECONDS - START)) $p lat" >>"$DIR/stamps"; done
done

# The table, the ratios and the line, from every run's JSON.
for p in $PATHS; do
	jq -c --arg p "$p" '{path: $p, mode: "sat"} + .' "$DIR/$p.sat" 2>/dev/null
	jq -c --arg p "$p" '{path: $p, mode: "lat"} + .' "$DIR/$p.lat" 2>/dev/null
done >"$DIR/all"
# jq report KIND: the readable report, or the line.
report() {
	jq -rn --arg kind "$1" --arg paths "$PATHS" --argjson rate "$RATE" --argjson secs "$LAT_SECS" \
		--slurpfile all "$DIR/all" '
	def median: map(select(. != null)) | sort |
		if length == 0 then null else .[(length - 1) / 2 | floor] end;
	def r2: if . == null then "n/a" else . * 100 | round / 100 end;
	def i: if . == null then "n/a" else round | tostring end;
	def f1: if . == null then "-" else . * 10 | round / 10 | tostring end;
	def pc: if . == null then "-" else . * 100 | round | tostring + "%" end;
	def lpad($n): tostring | " " * ([$n - length, 0] | max) + .;
	def runs($p; $m): [$all[] | select(.path == $p and .mode == $m)];
	# Per-round ratios of path A to path B of KEY in MODE (the nth run of
	# each), and their median.
	def ratios($a; $b; $m; $k):
		[runs($a; $m), runs($b; $m)] as [$x, $y] |
		[range([$x, $y] | map(length) | min) | ($x[.][$k] // null) as $u | ($y[.][$k] // null) as $v |
		 if $u == null or $v == null or $v == 0 then empty else $u / $v end];
	def ratio_text($name; $r):
		if ($r | length) == 0 then empty else
		"\($name): median \($r | median | r2)x, spread \($r | min | r2)-\($r | max | r2)x over \($r | length) rounds" end;
	def line:
		"frontend: vs_dnsdist_qps=\(ratios("listener"; "dnsdist"; "sat"; "qps") | median | r2)" +
		" vs_direct_qps=\(ratios("listener"; "direct"; "sat"; "qps") | median | r2)" +
		" vs_dnsdist_p99=\(ratios("listener"; "dnsdist"; "lat"; "p99_us") | median | r2)" +
		" upstream_sockets=\(runs("listener"; "sat") | map(.ports) | median | i)" +
		" dnsdist_sockets=\(runs("dnsdist"; "sat") | map(.ports) | median | i)";
	($paths | split(" ")) as $ps |
	(runs("direct"; "sat") | map(.cpu_us_q) | median) as $base |
	def row($p):
		runs($p; "sat") as $s | runs($p; "lat") as $l |
		[$p,
		 "\($s | map(.qps) | median | i) [\($s | map(.qps) | min | i)-\($s | map(.qps) | max | i)]",
		 "\($s | map(.noerror / (.sent + 1e-9)) | median | pc)/\($l | map(.noerror / (.sent + 1e-9)) | median | pc)",
		 ($l | map(.p50_us) | median | i), ($l | map(.p99_us) | median | i),
		 ($s | map(.cpu_us_q) | median | f1),
		 (if $p == "direct" or $base == null then "-" else ($s | map(.cpu_us_q) | median) - $base | f1 end),
		 ($s | map(.own_us_q) | median | f1),
		 "\($s | map(.dnsperf_busiest) | median | pc) (\($s | map(.dnsperf_cpu) | median | pc))",
		 ($s | map(.upstream_cpu) | median | pc),
		 "\(($s + $l | map(.seen) | add) * 1000 / (($s + $l | map(.noerror) | add) + 1e-9) | floor / 10)%",
		 ($s | map(.ports) | median | i),
		 ($s | map(.open) | median | i)];
	if $kind == "line" then line else
	([["path", "q/s median [min-max]", "answered", "p50 us", "p99 us", "CPU us/q", "added",
	   "own", "dnsperf", "upstream", "upstream saw", "ports", "open"]] +
	 [$ps[] | row(.)]) as $rows |
	($rows | map(map(length)) | transpose | map(max)) as $w |
	($rows[] | [range(length) as $k | .[$k] | lpad($w[$k])] | join("  ")),
	"  q/s: NOERROR answers a second at saturation; answered: the NOERROR share at saturation/at",
	"  the fixed load; p50, p99 at \($rate) q/s offered (\($rate * $secs) queries a run, a lost one",
	"  the slowest); CPU us/q: the VM'"'"'s busy time per answer at saturation; added: less the",
	"  direct path'"'"'s; own: the forwarder process'"'"'s (dnspool: its kworker and ksoftirqd threads);",
	"  dnsperf: its busiest thread'"'"'s share of a CPU (all its threads'"'"'); upstream: its share of a",
	"  CPU; upstream saw: its count of queries per answer, all runs; ports: distinct source ports",
	"  to the upstream in a run; open: sockets open to it near a run'"'"'s end",
	ratio_text("listener / dnsdist, q/s"; ratios("listener"; "dnsdist"; "sat"; "qps")),
	ratio_text("listener / direct, q/s"; ratios("listener"; "direct"; "sat"; "qps")),
	ratio_text("listener / unbound-fwd, q/s"; ratios("listener"; "unbound-fwd"; "sat"; "qps")),
	ratio_text("dnsdist / direct, q/s"; ratios("dnsdist"; "direct"; "sat"; "qps")),
	ratio_text("listener / dnsdist, p99"; ratios("listener"; "dnsdist"; "lat"; "p99_us")),
	ratio_text("listener / unbound-fwd, p99"; ratios("listener"; "unbound-fwd"; "lat"; "p99_us")),
	([$all[] | select(.mode == "sat" and (.dnsperf_busiest // 0) > 0.9) | .path] | unique |
	 if length > 0 then "dnsperf: a thread of it used over 90% of a CPU through \(join(", ")): there it may be the limit"
	 else "dnsperf: no thread of it used 90% of a CPU in any saturation run: not the limit" end),
	([$ps[] as $p | select($p != "direct") | ($all | map(select(.path == $p))) as $e |
	  select(($e | map(.seen) | add) < 0.95 * ($e | map(.noerror) | add)) | $p] |
	 if length > 0 then "caches: the upstream saw under 95% of the answers through \(join(", ")): a cache answered"
	 else "caches: off; the upstream saw a query for every answer (within 5%) through every forwarder" end)
	end'
}
echo "+$((SECONDS - START)) runs" >>"$DIR/stamps"
report table
report line >"$OUT"
echo "+$((SECONDS - START)) report" >>"$DIR/stamps"
echo "# the front end took $((SECONDS - START)) s"
# Every run's figures, for a closer look, beside the VM's other output.
[ -d /work/out ] && cp "$DIR/all" /work/out/bench-frontend-runs.json &&
	cp "$DIR/stamps" /work/out/bench-frontend-stamps
if [[ " $PATHS " == *" listener "* ]]; then
	echo "dnspool: listener $("$CTL" -j stats | jq -r '.listeners[] | select(.name == "fe") | [to_entries[] | select(.value | type == "number") | "\(.key) \(.value)"] | join(", ")')"
	echo "    pool $("$CTL" -j stats fe-up | jq -r '.pools[] | "\(.network): total-conns \(.total_count), peak \(.peak_conns), opened \(.conns_opened), rotations \(.rotations), retransmits \(.retransmits)"')"
	"$CTL" listener del fe
	"$CTL" upstream del fe-up
fi
[ -n "${PID_dnsdist:-}" ] && kill "$PID_dnsdist"
[ -n "${PID_unbound_fwd:-}" ] && kill "$PID_unbound_fwd"
kill "$UPSTREAM"
nft delete table inet frontend
rm -rf "$DIR"
