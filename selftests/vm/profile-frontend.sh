#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make profile`'s front-end part, inside the VM (stock kernel): where an
# answer's time goes through a listener and through dnsdist, under the
# load of make bench's front-end saturation runs (dnsperf, 10 sockets,
# 200 queries in flight, against unbound as shipped).  With bpftrace:
#   1. wake-ups per answer, by waker and wakee;
#   2. on-CPU kernel functions, sampled: the function on the CPU (self),
#      and every function of the sampled stacks (inclusive), the top ones;
#   3. the same samples as CPU time per answer, by where it went: each
#      task's user space; dnspool's own code (a stack with a dnspool_
#      function and no network-stack entry point inside it: its logic,
#      allocations, timers, wake-ups); the network stack called by dnspool
#      (sends, receives, routes, and softirqs run on its way); and the
#      rest of each task's kernel time (system calls, the network stack,
#      scheduling).
SRC=/work/src
CTL=$SRC/ctl/dnspoolctl
DNSPOOL_NETNS=keep . "$SRC/selftests/lib.sh" >/dev/null
UP=127.0.2.1 UP_PORT=5301
SECS=4

# load ADDR: dnsperf at saturation through ADDR:5300; its answer count in
# $DIR/answers.
load() {
	dnsperf -s "$1" -p 5300 -c 10 -q 200 -t 2 -l "$SECS" -d "$DIR/names" \
		-O suppress=timeouts,unexpected,congestion >"$DIR/dnsperf.out" 2>&1
	sed -nE 's/^ *Queries completed: *([0-9]+).*/\1/p' "$DIR/dnsperf.out" >"$DIR/answers"
}
# Run by under(): profile-frontend.sh --load DIR ADDR.
if [ "${1:-}" = --load ]; then
	DIR=$2
	load "$3"
	exit
fi
DIR=$(mktemp -d /tmp/profile-fe.XXXXXX)

modprobe dnspool
for i in $(seq 1000); do echo "h$i.dnspool.test A"; done >"$DIR/names"
UNBOUND=$(start_unbound $UP $UP_PORT) || exit 1
"$CTL" upstream add fe-up "udp://$UP:$UP_PORT" &&
	"$CTL" listener add fe 127.0.2.2:5300 target fe-up || exit 1
sed -e "s|@ADDR@|127.0.2.3|g; s|@PORT@|5300|g; s|@DIR@|$DIR|g; s|@UPSTREAM@|$UP:$UP_PORT|g" \
	"$SRC/selftests/upstreams/dnsdist.conf.in" >"$DIR/dnsdist.conf"
dnsdist --supervised --disable-syslog -C "$DIR/dnsdist.conf" >"$DIR/dnsdist.log" 2>&1 &
DNSDIST=$!
sleep 3

load 127.0.2.2
load 127.0.2.3

# under PROG ADDR: the load through ADDR under the bpftrace program PROG,
# stopped when the load ends.
under() {
	bpftrace -q -e "$1" -c "/bin/bash $0 --load $DIR $2" 2> >(grep -v -e WARNING -e 'Additional Info' >&2)
}
answers() { cat "$DIR/answers"; }

for who in listener:127.0.2.2 dnsdist:127.0.2.3; do
	name=${who%%:*} addr=${who#*:}
	echo
	echo "# 1. $name: wake-ups per answer (waker -> wakee)"
	under 'tracepoint:sched:sched_wakeup { @[comm, args.comm] = count(); }
	       END { print(@); clear(@); }' "$addr" >"$DIR/wake"
	sed -nE 's/^@\[(.*), (.*)\]: ([0-9]+)$/\1|\2|\3/p' "$DIR/wake" |
		sed -E 's#(kworker|ksoftirqd|swapper|migration|rcu_[a-z]+)/[^|]*#\1#g' |
		awk -v n="$(answers)" -F'|' '{ w[$1 " -> " $2] += $3 }
			END { for (k in w) if (w[k] / n >= 0.01) printf "#   %-36s %6.3f\n", k, w[k] / n }' |
		sort -k5 -rn
	echo "# 2. $name: on-CPU kernel functions, % of all samples (499 Hz, both CPUs, idle aside)"
	under 'profile:hz:499 { @[comm, kstack(perf, 40)] = count(); }
	       END { print(@); clear(@); }' "$addr" >"$DIR/stacks"
	# bpftrace prints "@[COMM, " then the stack, innermost first, then
	# "]: COUNT"; a sample in user space has no stack.
	awk -v answers="$(answers)" -v us=$((1000000 / 499)) '
		function task(c) {
			if (c ~ /^perf-|^dnsperf/) return "dnsperf"
			if (c ~ /^dnsdist/) return "dnsdist"
			sub(/\/.*/, "", c)
			return c
		}
		function sample(c,    i, j, k) {
			if (n && f[1] ~ /default_idle|cpu_idle|native_safe_halt|pv_native_safe_halt/) return
			total += c
			if (n == 0) { user += c; where["user space: " task(comm)] += c; return }
			self[f[1]] += c
			delete seen
			for (i = 1; i <= n; i++) if (!(f[i] in seen)) { seen[f[i]] = 1; incl[f[i]] += c }
			j = k = 0
			for (i = n; i >= 1; i--) if (f[i] ~ /^dnspool_/) { j = i; break }
			for (i = j - 1; i >= 1; i--) if (f[i] ~ net) { k = i; break }
			if (j && k) where["network stack, called by dnspool"] += c
			else if (j) where["dnspool'"'"'s own code"] += c
			else where["kernel, other: " task(comm)] += c
		}
		BEGIN {
			net = "^(udp_sendmsg|udpv6_sendmsg|sock_sendmsg|kernel_sendmsg|" \
			      "udp_tunnel_xmit_skb|udp_tunnel6_xmit_skb|ip_route_output_flow|" \
			      "ip6_dst_lookup_flow|sock_recvmsg|kernel_recvmsg|skb_recv_udp|" \
			      "__skb_recv_udp|skb_consume_udp|tcp_sendmsg|tcp_recvmsg|" \
			      "__local_bh_enable_ip|do_softirq|handle_softirqs)$"
		}
		/^@\[.*\]: [0-9]+$/ { comm = substr($0, 3); sub(/,.*/, "", comm); n = 0
					sample($NF); next }
		/^@\[/ { comm = substr($0, 3); sub(/,.*/, "", comm); n = 0; next }
		/^\t/ { sub(/^\t[0-9a-f]+ /, ""); sub(/\+.*/, ""); sub(/ .*/, ""); f[++n] = $0; next }
		/^\]: / { sample($2) }
		END {
			printf "#   busy samples %d (user space %d), %d answers: %.1f us of CPU an answer\n",
				total, user, answers, total * us / answers
			for (k in self) printf "S %6.2f %s\n", 100 * self[k] / total, k
			for (k in incl) printf "I %6.2f %s\n", 100 * incl[k] / total, k
			for (k in where) printf "W %6.1f %s\n", where[k] * us / answers, k
		}' "$DIR/stacks" >"$DIR/funcs"
	grep '^#' "$DIR/funcs"
	echo "#   self:"
	grep '^S' "$DIR/funcs" | sort -k2 -rn | head -25 | awk '{ printf "#     %6.2f %s\n", $2, $3 }'
	echo "#   inclusive:"
	grep '^I' "$DIR/funcs" | sort -k2 -rn | head -60 | awk '{ printf "#     %6.2f %s\n", $2, $3 }'
	echo "# 3. $name: CPU time per answer (us), by where it went"
	grep '^W' "$DIR/funcs" | sort -k2 -rn |
		awk '{ v = $2; $1 = $2 = ""; sub(/^ +/, ""); printf "#   %6.1f %s\n", v, $0 }'
done
"$CTL" -s stats
kill "$DNSDIST" "$UNBOUND"
rm -rf "$DIR"
