#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make soak`, inside the VM: 1,000,000 queries or more through the pools
# (udp, tcp and tls, by dnspoolctl --batch) and a listener (dnsperf), in
# rounds, while every few seconds something changes: the upstream (unbound)
# is restarted, upstream options are set, a second listener is added and
# deleted.  Over UDP, TCP and the listener 99% of the queries must be
# answered (a restart loses what the old upstream had queued, and the
# queries on its connections that a retry does not save); TLS's share is
# shown.  Before and after (everything deleted, the pools' sockets
# closed, caches dropped): the kernel's unreclaimable slab, the sockets in
# use, TCP and UDP sockets, and tlshd's file descriptors.  Nothing may
# grow: sockets and descriptors must come back to what they were, the slab
# within 1 MiB (other kernel activity moves it too).  Its TAP (one line
# per check) and a last line "soak: queries=N answered=N ..." follow.
SRC=/work/src
CTL=$SRC/ctl/dnspoolctl
DNSPOOL_NETNS=keep . "$SRC/selftests/lib.sh" >/dev/null
QUERIES=1000000
ROUND=25000		# queries per path per round
PORT=5301 DOT=8853
DIR=$(mktemp -d /tmp/soak.XXXXXX)

modprobe dnspool
UNBOUND=$(start_unbound 127.0.0.1 $PORT $DOT) || { echo "Bail out! no unbound"; exit 1; }
TLSHD=$(start_tlshd) || { echo "Bail out! no tlshd"; exit 1; }
for i in $(seq $ROUND); do echo "h$(( (i - 1) % 1000 + 1 )).dnspool.test A"; done >"$DIR/names"

add_all() {
	"$CTL" upstream add s-udp udp://127.0.0.1:$PORT &&
	"$CTL" upstream add s-tcp tcp://127.0.0.1:$PORT &&
	"$CTL" upstream add s-tls tls://127.0.0.1:$DOT tls-name "$TLS_NAME" &&
	"$CTL" listener add s-l 127.0.0.2:5300 target s-udp
}
del_all() {
	local k n
	for k in listener group upstream; do
		for n in $("$CTL" -j "$k" show | jq -r '.[].name'); do "$CTL" "$k" del "$n"; done
	done
}

# measure: the figures that must not grow, as JSON.
measure() {
	local unrecl sockets tcp udp fds
	sync
	echo 3 >/proc/sys/vm/drop_caches
	unrecl=$(awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo)
	sockets=$(awk '/^sockets:/ { print $3 }' /proc/net/sockstat)
	tcp=$(awk '/^TCP:/ { print $3 }' /proc/net/sockstat)
	udp=$(awk '/^UDP:/ { print $3 }' /proc/net/sockstat)
	fds=$(find "/proc/$TLSHD/fd" -mindepth 1 -maxdepth 1 | wc -l)
	printf '{"sunreclaim_kb":%s,"sockets":%s,"tcp":%s,"udp":%s,"tlshd_fds":%s}\n' \
		"$unrecl" "$sockets" "$tcp" "$udp" "$fds"
}

# settle: everything deleted, then until the sockets in use stop falling
# (closed connections linger in TIME_WAIT, not as sockets in use).
settle() {
	local last=-1 now i
	del_all
	for i in $(seq 30); do
		now=$(awk '/^sockets:/ { print $3 }' /proc/net/sockstat)
		[ "$now" = "$last" ] && break
		last=$now
		sleep 1
	done
}

# One round: ROUND queries on each path at once; answered counts to $DIR.
round() {
	local p
	for p in udp tcp tls; do
		"$CTL" -j query @s-$p --batch "$DIR/names" --concurrency 200 >"$DIR/$p.json" \
			2>"$DIR/$p.err" &
	done
	dnsperf -s 127.0.0.2 -p 5300 -d "$DIR/names" -n 1 -c 10 -q 200 -t 2 \
		-O suppress=timeouts,unexpected,congestion >"$DIR/dnsperf.out" 2>&1 &
	wait
	for p in udp tcp tls; do
		jq -r '.answered // 0' "$DIR/$p.json" 2>/dev/null || echo 0
	done
	sed -nE 's/^ *Queries completed: *([0-9]+).*/\1/p' "$DIR/dnsperf.out"
}

# The churn, every 3 s while the rounds run, one change in turn.  The
# upstream restarts as a service manager restarts it without a gap: a new
# unbound binds beside the old one (unbound sets SO_REUSEPORT), then the
# old one stops, closing its connections and losing what it had queued.
churn() {
	local i=0 old
	while :; do
		sleep 3
		case $((i++ % 5)) in
		0)	old=$(cat "$DIR/unbound.pid")
			start_unbound 127.0.0.1 $PORT $DOT >"$DIR/unbound.pid"
			kill "$old" ;;
		1)	"$CTL" upstream set s-udp max-conns $((RANDOM % 10 + 1)) ;;
		2)	"$CTL" listener add s-l2 127.0.0.3:5300 target s-tcp ;;
		3)	"$CTL" upstream set s-tcp idle-timeout $((RANDOM % 5 + 1))s
			"$CTL" upstream set s-tls max-conns $((RANDOM % 4 + 1)) ;;
		4)	"$CTL" listener del s-l2 ;;
		esac >/dev/null 2>&1
	done
}

echo "TAP version 13"
echo "1..4"
echo "# kernel $(uname -r); $QUERIES queries or more, $ROUND per path per round"
# A first round, then everything deleted: what the first use allocates
# once (module caches, tlshd's) is in the baseline.
add_all && round >/dev/null
settle
before=$(measure)
echo "# before: $before"

add_all
echo "$UNBOUND" >"$DIR/unbound.pid"
churn &
CHURN=$!
sent=0 answered=0 rounds=0 t0=$SECONDS
while [ $sent -lt $QUERIES ]; do
	n=$(round | awk '{ s += $1 } END { print s }')
	answered=$((answered + n))
	sent=$((sent + 4 * ROUND))
	rounds=$((rounds + 1))
	opened=$("$CTL" -j stats | jq '[.. | objects | .conns_opened? // empty] | add')
	echo "# round $rounds: $n of $((4 * ROUND)) answered; $opened connections opened"
done
took=$((SECONDS - t0))
kill $CHURN 2>/dev/null
wait $CHURN 2>/dev/null
"$CTL" stats | sed 's/^/# /'
"$CTL" -j stats >"$DIR/stats.json"
settle
after=$(measure)
echo "# after:  $after"
kill "$(cat "$DIR/unbound.pid")" "$TLSHD" 2>/dev/null

result() {
	if [ "$1" = 0 ]; then echo "ok $2 $3"; else echo "not ok $2 $3"; fi
}
jq -n -e --argjson a "$before" --argjson b "$after" '$b.sockets <= $a.sockets and
	$b.tcp <= $a.tcp and $b.udp <= $a.udp' >/dev/null
result $? 1 "sockets in use back to what they were (all, TCP, UDP)"
jq -n -e --argjson a "$before" --argjson b "$after" '$b.tlshd_fds <= $a.tlshd_fds' >/dev/null
result $? 2 "tlshd's file descriptors back to what they were"
jq -n -e --argjson a "$before" --argjson b "$after" \
	'$b.sunreclaim_kb - $a.sunreclaim_kb <= 1024' >/dev/null
result $? 3 "unreclaimable slab within 1 MiB of what it was"
# What each path answered.  A restart closes the upstream's connections:
# UDP and TCP queries are retried or retransmitted and must almost all be
# answered; TLS's share is shown (new connections need a handshake each).
jq -r '.pools[] | select(.queries > 0) |
	"# \(.name) \(.network): \(.answers) of \(.queries) answered (\(.answers * 1000 / .queries | floor / 10)%)"' \
	"$DIR/stats.json"
jq -r '.listeners[] | select(.queries > 0) |
	"# listener \(.name): \(.answers - .servfail) of \(.queries) answered, \(.servfail) SERVFAIL"' \
	"$DIR/stats.json"
[ $sent -ge $QUERIES ] && jq -e '
	([.pools[] | select(.queries > 0 and .network != "tls") | .answers * 100 >= .queries * 99]
	 | all) and
	([.listeners[] | select(.queries > 0) | (.answers - .servfail) * 100 >= .queries * 99] | all)' \
	"$DIR/stats.json" >/dev/null
result $? 4 "$sent queries sent; over UDP, TCP and the listener at least 99% answered"
echo "soak: queries=$sent answered=$answered rounds=$rounds seconds=$took" \
     "before=$before after=$after"
rm -rf "$DIR"
