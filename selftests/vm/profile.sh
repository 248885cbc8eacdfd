#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make profile`, inside the VM (stock kernel): where a query's time goes
# on the netlink path, against the userspace pool, both driven by qload as
# the fair benchmark drives them (same load: 20000 queries, 200 in flight,
# one system call per query each way, then batches of 64), against unbound
# as shipped.  With bpftrace, as nothing else in the image profiles:
#   1. hop by hop, by dnspool's tracepoints: from the request to the send
#      (the connection's work woken, the datagram sent), from the send to
#      the answer (the upstream, the socket, the work woken again);
#   2. system calls per answered query, by the client;
#   3. wake-ups per answered query, by waker and wakee;
#   4. on-CPU kernel stacks, sampled, the top ones.
SRC=/work/src
CTL=$SRC/ctl/dnspoolctl
QLOAD=$SRC/selftests/bench/qload
DNSPOOL_NETNS=keep . "$SRC/selftests/lib.sh" >/dev/null
N=20000
W=200

modprobe dnspool
UNBOUND=$(start_unbound 127.0.0.1 5301) || exit 1
names=$(mktemp)
for i in $(seq 1000); do echo "h$i.dnspool.test A"; done >"$names"
"$CTL" upstream add prof udp://127.0.0.1:5301
SOCKS=10
load() {
	"$QLOAD" --names "$names" --count "$N" --window "$W" "$@"
}
load dnspool prof >/dev/null
echo "# kernel $(uname -r); $N queries, $W in flight, against unbound on loopback"

echo
echo "# 1. dnspool, hop by hop (microseconds), one system call per query each way"
bpftrace -q -e '
tracepoint:dnspool:dnspool_query_submit { @sub[args.query] = nsecs; }
tracepoint:dnspool:dnspool_query_sent /@sub[args.query]/ {
	@request_to_send = hist((nsecs - @sub[args.query]) / 1000);
	@sent[args.query] = nsecs;
	delete(@sub[args.query]);
}
tracepoint:dnspool:dnspool_query_answered /@sent[args.query]/ {
	@send_to_answer = hist((nsecs - @sent[args.query]) / 1000);
	delete(@sent[args.query]);
}
END { clear(@sub); clear(@sent); }' -c "$QLOAD --names $names --count $N --window $W dnspool prof" \
	2> >(grep -v -e WARNING -e 'Additional Info' -e '~~~' -e 'hist((nsecs' >&2)

# under PROGRAM BATCH ARGS...: qload's load with batch BATCH through the
# client ARGS, under the bpftrace PROGRAM.
under() {
	local prog=$1 batch=$2
	shift 2
	bpftrace -q -e "$prog" -c "$QLOAD --names $names --count $N --window $W --batch $batch $*"
}

# each FN: FN CLIENT BATCH ARGS... for dnspool and the userspace pool,
# one system call per query each way, then batches of 64.
each() {
	local b
	for b in 1 64; do
		"$1" dnspool $b dnspool prof
		"$1" user-udp $b user-udp 127.0.0.1 5301 $SOCKS
	done
}

# syscalls CLIENT BATCH ARGS...: system calls of qload per answered query.
syscalls() {
	echo "# $1, batch $2"
	shift
	under '
	tracepoint:raw_syscalls:sys_enter /comm == "qload"/ { @[args.id] = count(); }
	END { print(@, 8); clear(@); }' "$@" |
		awk -v n="$N" 'BEGIN {
			split("0 read 1 write 7 poll 44 sendto 45 recvfrom 46 sendmsg 47 recvmsg " \
			      "232 epoll_wait 299 recvmmsg 307 sendmmsg 228 clock_gettime", a, " ")
			for (i = 1; i < length(a); i += 2) name[a[i]] = a[i + 1]
		}
		/^@\[/ { gsub(/[@\[\]:]/, " "); id = $1; c = $2
			 if (c / n >= 0.01)
				printf "#   %-12s %8.2f per query\n", (id in name ? name[id] : "syscall " id), c / n }'
}
echo
echo "# 2. System calls per query (20000 queries)"
each syscalls

# wakeups CLIENT BATCH ARGS...: who wakes whom, per answered query.
wakeups() {
	echo "# $1, batch $2"
	shift
	under '
	tracepoint:sched:sched_wakeup { @[comm, args.comm] = count(); }
	END { print(@); clear(@); }' "$@" |
		sed -nE 's/^@\[(.*), (.*)\]: ([0-9]+)$/\1|\2|\3/p' |
		sed -E 's#(kworker|ksoftirqd|swapper|migration|rcu_[a-z]+)/[^|]*#\1#g' |
		awk -v n="$N" -F'|' '{ w[$1 " -> " $2] += $3 }
			END { for (k in w) if (w[k] / n >= 0.01) printf "#   %-36s %6.3f per query\n", k, w[k] / n }' |
		sort -k5 -rn
}
echo
echo "# 3. Wake-ups per query (waker -> wakee)"
each wakeups

# stacks CLIENT ARGS...: the kernel stacks most often on a CPU.
stacks() {
	echo "# $1: the kernel functions most often on a CPU (samples at 499 Hz, all CPUs, idle aside)"
	shift
	under '
	profile:hz:499 /reg("ip") >= 0xffff800000000000/ { @[ksym(reg("ip"))] = count(); }
	profile:hz:499 /reg("ip") < 0xffff800000000000/ { @user = count(); }
	END { print(@user); print(@, 20); clear(@); clear(@user); }' 1 "$@" |
		sed -nE -e 's/^@user: ([1-9][0-9]*)$/(user-space) \1/p' -e 's/^@\[(.*)\]: ([0-9]+)$/\1 \2/p' |
		grep -v -e idle -e halt | awk '{ printf "#   %-44s %6d\n", $1, $2 }'
}
echo
echo "# 4. On-CPU kernel functions"
stacks dnspool dnspool prof
stacks user-udp user-udp 127.0.0.1 5301 $SOCKS

"$CTL" -s stats prof
kill "$UNBOUND"
rm -f "$names"
