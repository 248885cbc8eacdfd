#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DNS over TLS when things go away: a handshake the server never answers
# (dial-timeout), and upstream removal, module unload and namespace
# deletion during a handshake and during traffic.  The kernel log is
# checked after the test (KASAN and lockdep on the debug kernel).
. "$(dirname "$0")/lib.sh"

PORT=5331
DOT=8854
SILENT=5332
PKI=$DNSPOOL_PKI
NAME=$TLS_NAME
PIDS=
UNBOUND=
TLSHD=
cleanup() {
	kill $PIDS $UNBOUND $TLSHD 2>/dev/null
	for ns in hs traffic pend; do ip netns del $ns 2>/dev/null; done
}
trap cleanup EXIT

# Waits (10 s at most) until the process $1 exits; its status is $?, 255
# when it did not end.
reap() {
	local i
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return; }
		sleep 0.1
	done
	echo "# process $1 did not end"
	return 255
}

# The query $QPID ended, failed.
query_failed() {
	local rc
	reap $QPID
	rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 255 ]
}

# A query to @$1 in the background, its status to be reaped; $QPID.
query_bg() {
	"$CTL" ${2:+-n $2} query "@$1" a.dnspool.test >/dev/null 2>&1 &
	QPID=$!
}

# Kills every process in netns $1 and deletes it.
netns_kill() {
	ip netns pids "$1" | xargs -r kill -9
	sleep 0.2
	ip netns del "$1"
}

ktap_print_header
ktap_set_plan 7
dnspool_load
upstreams_clear
tls_env $PORT $DOT
responder $SILENT --silent

# dial-timeout 5 s: the silent server must have had tlshd's ClientHello
# for the timeout to be its.  With 1 s, tlshd on the debug kernel beside
# three other VMs had not sent it yet, and the module rightly called the
# failure this host's (EAGAIN, a local error).
handshake_timeout() {
	local out
	"$CTL" upstream add slow tls://127.0.0.1:$SILENT tls-name $NAME dial-timeout 5s timeout 8s ||
		return 1
	expect_error "slow: Connection timed out \(upstream error\)" "$CTL" query @slow a.dnspool.test ||
		return 1
	out=$("$CTL" -j stats slow | jq -c '.pools[0] | {handshake_failures_timeout, dial_failures, total_count}')
	echo "# $out"
	[ "$out" = '{"handshake_failures_timeout":1,"dial_failures":1,"total_count":0}' ]
}
check "a handshake the server never answers ends at dial-timeout, counted" handshake_timeout

removed_in_handshake() {
	"$CTL" upstream add gone tls://127.0.0.1:$SILENT tls-name $NAME || return 1
	query_bg gone
	sleep 1
	[ "$(stat_of gone total_count)" = 1 ] || { echo "# no handshake under way"; return 1; }
	"$CTL" upstream del gone || return 1
	query_failed
}
check "upstream removed during a handshake: its query ends, nothing stuck" removed_in_handshake

unload_in_handshake() {
	"$CTL" upstream add gone tls://127.0.0.1:$SILENT tls-name $NAME || return 1
	query_bg gone
	sleep 1
	rmmod dnspool || return 1
	query_failed || return 1
	modprobe dnspool
}
check "module unloaded during a handshake" unload_in_handshake

# The first query waits on the handshake (TLS_FIRST_TIMEOUT).
unload_in_traffic() {
	local f rc
	"$CTL" upstream add busy tls://127.0.0.1:$DOT tls-name $NAME max-conns 2 \
		timeout $TLS_FIRST_TIMEOUT ||
		return 1
	"$CTL" query @busy a.dnspool.test >/dev/null || return 1
	f=$(names_file 1000)
	"$CTL" query @busy --batch "$f" --concurrency 1000 >/dev/null 2>&1 &
	QPID=$!
	sleep 0.5
	rmmod dnspool || return 1
	reap $QPID
	rc=$?
	rm -f "$f"
	# Answered, or failed: it ended.
	[ $rc -ne 255 ] && modprobe dnspool
}
check "module unloaded with 1000 queries in flight over TLS" unload_in_traffic

# A namespace with its own tlshd (the handshake agent is per namespace).
netns_with_agent() {
	ip netns add "$1" && ip -n "$1" link set lo up &&
	ip netns exec "$1" bash -c ". '$(dirname "$0")/lib.sh'; start_tlshd" >/dev/null
}

netns_in_handshake() {
	local n
	netns_with_agent hs || return 1
	responder -n hs $SILENT --silent
	"$CTL" -n hs upstream add x tls://127.0.0.1:$SILENT tls-name $NAME || return 1
	query_bg x hs
	sleep 1
	n=$("$CTL" -n hs -j stats x | jq '.pools[0].total_count')
	[ "$n" = 1 ] || { echo "# $n connections, expected one in its handshake"; return 1; }
	netns_kill hs
}
check "namespace deleted during a handshake tlshd had taken" netns_in_handshake

netns_pending_handshake() {
	netns_with_agent pend || return 1
	responder -n pend $SILENT --silent
	# A stopped agent never takes the request: it stays pending.
	ip netns pids pend | xargs -r kill -STOP
	"$CTL" -n pend upstream add x tls://127.0.0.1:$SILENT tls-name $NAME || return 1
	query_bg x pend
	sleep 1
	netns_kill pend
}
check "namespace deleted with a handshake request pending" netns_pending_handshake

netns_in_traffic() {
	local f
	netns_with_agent traffic || return 1
	ip netns exec traffic bash -c ". '$(dirname "$0")/lib.sh'; tls_pki $PKI; start_unbound 127.0.0.1 $PORT $DOT" >/dev/null ||
		return 1
	"$CTL" -n traffic upstream add t tls://127.0.0.1:$DOT tls-name $NAME max-conns 2 || return 1
	f=$(names_file 1000)
	ip netns exec traffic "$CTL" query @t --batch "$f" --concurrency 1000 >/dev/null 2>&1 &
	sleep 1.5
	netns_kill traffic
	rm -f "$f"
	# The module outlives the namespace, and unloads.
	sleep 1
	rmmod dnspool && modprobe dnspool
}
check "namespace deleted with queries in flight over TLS" netns_in_traffic
ktap_finished
