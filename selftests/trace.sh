#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Tracepoints: each event of the dnspool trace system fires where it says,
# with the upstream, transport, namespace and outcome it names, read from
# tracefs; and the README's bpftrace one-liner draws a histogram of answer
# times per upstream.
. "$(dirname "$0")/lib.sh"

PORT=5351
DOT=8856
DEAD=5352
NAME=$TLS_NAME
UNBOUND=
TLSHD=
BPF=
T=/sys/kernel/tracing
cleanup() {
	kill $UNBOUND $TLSHD $BPF 2>/dev/null
	[ -d $T/events/dnspool ] && echo 0 >$T/events/dnspool/enable
}
trap cleanup EXIT

ktap_print_header
ktap_set_plan 6
dnspool_load
upstreams_clear
[ -d $T/events ] || mount -t tracefs nodev $T || ktap_exit_fail_msg "no tracefs"
[ -d $T/events/dnspool ] || ktap_exit_fail_msg "no dnspool events in tracefs"
tls_env $PORT $DOT
NETNS=$(stat -L -c %i /proc/self/ns/net)

# The trace since the last reset, one event per line.
trace_reset() {
	echo 0 >$T/tracing_on
	: >$T/trace
	echo 1 >$T/events/dnspool/enable
	echo 1 >$T/tracing_on
}
trace_has() {	# EVENT FIELD-ERE...: a line of EVENT with every field
	local ev=$1 line
	shift
	line=$(grep " $ev: " $T/trace) || { echo "# no $ev event"; return 1; }
	for f in "$@"; do
		line=$(grep -E "$f" <<<"$line") || {
			echo "# no $ev event with $f:"
			grep " $ev: " $T/trace | sed 's/^/#   /'
			return 1
		}
	done
}

answered() {
	trace_reset
	"$CTL" upstream add tu udp://127.0.0.1:$PORT || return 1
	"$CTL" query @tu a.dnspool.test >/dev/null || return 1
	"$CTL" query @tu a.dnspool.test AAAA >/dev/null || return 1
	trace_has dnspool_conn_open "upstream=tu " "netns=$NETNS " "transport=udp " "err=0" &&
	trace_has dnspool_query_submit "upstream=tu " "qtype=1 " "err=0 " &&
	trace_has dnspool_query_sent "upstream=tu " "qtype=28 " &&
	trace_has dnspool_query_answered "upstream=tu " "qtype=1 " "rtt_us=[1-9][0-9]* " \
		"err=0 class=none" &&
	trace_has dnspool_query_answered "upstream=tu " "qtype=28 " "reused=1 "
}
check "a query answered: opened, submitted, sent, answered with its time" answered

failed() {
	trace_reset
	"$CTL" upstream add td udp://127.0.0.1:$DEAD || return 1
	expect_error "td: Connection refused" "$CTL" query @td a.dnspool.test || return 1
	trace_has dnspool_query_failed "upstream=td " "err=-111 " "class=upstream" &&
	! grep -q " dnspool_query_answered: upstream=td " $T/trace
}
check "a query refused by the upstream's host: failed, the upstream's error" failed

refused() {
	trace_reset
	# A TCP connection refused: the pool holds the upstream down, and
	# refuses the next query at once, as this host's refusal to dial.  One
	# process sends both, one after the other: a second process could
	# start after the 1 s hold-down on the debug kernel.
	"$CTL" upstream add tt tcp://127.0.0.1:$DEAD || return 1
	printf 'a.dnspool.test\nb.dnspool.test\n' >/tmp/trace.names
	"$CTL" query @tt --batch /tmp/trace.names --concurrency 1 >/dev/null 2>&1
	trace_has dnspool_query_submit "upstream=tt " "transport=tcp " "err=-111 " "class=upstream" &&
	trace_has dnspool_conn_close "upstream=tt " "err=-111"
}
check "a query refused during a hold-down: submitted with the dial's error" refused

closed() {
	trace_reset
	"$CTL" upstream add tx tcp://127.0.0.1:$PORT idle-timeout 200ms reap-interval 100ms ||
		return 1
	"$CTL" query @tx a.dnspool.test >/dev/null || return 1
	"$CTL" query @tu a.dnspool.test >/dev/null || return 1
	"$CTL" upstream del tu || return 1
	local i
	for i in $(seq 50); do
		grep -q " dnspool_conn_reap: upstream=tx " $T/trace && break
		sleep 0.2
	done
	trace_has dnspool_conn_reap "upstream=tx " "transport=tcp " "served=1 " &&
	trace_has dnspool_conn_close "upstream=tx " "err=0" &&
	trace_has dnspool_conn_close "upstream=tu " "err=-108"
}
check "connections reaped when idle and closed when their upstream goes" closed

handshake() {
	trace_reset
	"$CTL" upstream add tt2 tls://127.0.0.1:$DOT tls-name $NAME || return 1
	"$CTL" query @tt2 a.dnspool.test >/dev/null || return 1
	trace_has dnspool_handshake_start "upstream=tt2 " "transport=tls " "err=0" &&
	trace_has dnspool_handshake_end "upstream=tt2 " "status=0 " "took_us=[1-9]" &&
	trace_has dnspool_query_answered "upstream=tt2 " "transport=tls "
}
check "a DoT connection: its handshake started and ended" handshake

# The README's one-liner, as it is printed there.
bpftrace_histogram() {
	local out=/tmp/trace.bpf i
	echo 0 >$T/events/dnspool/enable
	"$CTL" upstream add hist udp://127.0.0.1:$PORT || return 1
	bpftrace -e 'tracepoint:dnspool:dnspool_query_answered { @us[args.upstream] = hist(args.rtt_us); }' \
		>$out 2>&1 &
	BPF=$!
	for i in $(seq 600); do
		grep -q "^Attaching" $out && break
		kill -0 $BPF 2>/dev/null || break
		sleep 0.1
	done
	grep -q "^Attaching" $out || { sed 's/^/# /' $out; return 1; }
	for i in 1 2 3 4 5; do "$CTL" query @hist a.dnspool.test >/dev/null || return 1; done
	kill -INT $BPF
	wait $BPF
	BPF=
	# Five answers, in the histogram's buckets.
	grep -q '^@us\[hist\]:' $out &&
	[ "$(awk '/^\[[0-9KM]+, [0-9KM]+\) +[0-9]+ / { n += $3 } END { print n }' $out)" = 5 ] ||
		{ sed 's/^/# /' $out; return 1; }
}
if ! command -v bpftrace >/dev/null; then
	ktap_test_skip "bpftrace: not installed"
elif [ "${KSFT_KERNEL_FLAVOUR:-}" = debug ]; then
	ktap_test_skip "bpftrace: the debug kernel is built without BPF (see selftests/config)"
else
	check "bpftrace: a histogram of answer times per upstream" bpftrace_histogram
fi
ktap_finished
