#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make profile`'s front-end part, inside the VM (stock kernel): where an
# answer's time goes through a listener and through dnsdist, under the
# load of make bench's front-end saturation runs (dnsperf, 10 sockets,
# 200 queries in flight, against unbound as shipped).  With bpftrace:
#   1. wake-ups per answer, by waker and wakee;
#   2. on-CPU kernel functions, sampled: the function on the CPU (self),
#      and every function of the sampled stacks (inclusive), the top ones.
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
	under 'profile:hz:499 { @[kstack(perf, 40)] = count(); }
	       END { print(@); clear(@); }' "$addr" >"$DIR/stacks"
	# bpftrace prints each stack, innermost first, then "]: COUNT".
	awk -v answers="$(answers)" '
		/^@\[/ { n = 0; next }
		/^\t/ { sub(/^\t[0-9a-f]+ /, ""); sub(/\+.*/, ""); f[++n] = $0; next }
		/^\]: / {
			c = $2
			if (n == 0) { user += c; total += c; next }
			if (f[1] ~ /default_idle|cpu_idle|native_safe_halt|pv_native_safe_halt/) next
			total += c; self[f[1]] += c
			delete seen
			for (i = 1; i <= n; i++) if (!(f[i] in seen)) { seen[f[i]] = 1; incl[f[i]] += c }
		}
		END {
			printf "#   busy samples %d (user space %d), %d answers\n", total, user, answers
			for (k in self) printf "S %6.2f %s\n", 100 * self[k] / total, k
			for (k in incl) printf "I %6.2f %s\n", 100 * incl[k] / total, k
		}' "$DIR/stacks" >"$DIR/funcs"
	grep '^#' "$DIR/funcs"
	echo "#   self:"
	grep '^S' "$DIR/funcs" | sort -k2 -rn | head -25 | awk '{ printf "#     %6.2f %s\n", $2, $3 }'
	echo "#   inclusive:"
	grep '^I' "$DIR/funcs" | sort -k2 -rn | head -60 | awk '{ printf "#     %6.2f %s\n", $2, $3 }'
done
"$CTL" -s stats
kill "$DNSDIST" "$UNBOUND"
rm -rf "$DIR"
