#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Race windows held open: dnspool built for the tests calls a hook where
# another context may act on the same object (kmod/race.h), and a test
# module (modules/dnspool_selftest_delay.c) sleeps there once, so that the
# other context runs inside the window:
#  - the handshake agent's completion callback, between waking the
#    connection and signalling its completion, while the connection fails
#    and is closed (a use after free if the close does not wait for it);
#  - a query's send on a TCP stream, after a write returned and before the
#    query learns how much went out, past the query's deadline (the query
#    must stay its sender's until then: a frame left half-written would
#    corrupt the stream);
#  - the same completion callback held while its upstream is deleted: the
#    delete waits for it, and the namespace's other upstreams must not.
# KASAN on the debug kernel sees any use after free; the log is checked
# after the test.
. "$(dirname "$0")/lib.sh"

PORT=5341
DOT=8855
STALL=5342
NAME=$TLS_NAME
DELAY=$(dirname "$0")/modules/dnspool_selftest_delay.ko
PARAMS=/sys/module/dnspool_selftest_delay/parameters
PIDS=
UNBOUND=
TLSHD=
cleanup() {
	kill $PIDS $UNBOUND $TLSHD 2>/dev/null
	rmmod dnspool_selftest_delay 2>/dev/null
}
trap cleanup EXIT

fired() { cat $PARAMS/fired; }

ktap_print_header
[ -f "$DELAY" ] || ktap_skip_all "the delay module is not built (DNSPOOL_RACE_WINDOWS=1)"
ktap_set_plan 3
dnspool_load
upstreams_clear
tls_env $PORT $DOT
insmod "$DELAY" || ktap_exit_fail_msg "cannot load the delay module"

# The agent rejects the certificate; its callback sleeps 500 ms after it
# woke the connection, which meanwhile sees the outcome, fails and is
# closed.  The close must wait for the callback to finish.
done_vs_free() {
	local before
	"$CTL" upstream add rej tls://127.0.0.1:$DOT tls-name wrong.dnspool.test || return 1
	before=$(fired)
	echo 500 >$PARAMS/tls_done_ms
	expect_error "rej: TLS certificate rejected" "$CTL" query @rej a.dnspool.test || return 1
	[ "$(fired)" = $((before + 1)) ] || { echo "# the delay was not made"; return 1; }
	# The connection is gone; the callback has long returned.
	sleep 1
	[ "$(stat_of rej total_count)" = 0 ] && [ "$(stat_of rej handshake_failures_cert)" = 1 ]
}
check "handshake completion delayed while its connection fails and closes" done_vs_free

# A query's send on a TCP stream is held 1.5 s, past its 1 s deadline.
# How much of its frame goes out is known only when the send returns, so
# the query is its sender's until then: it may not be taken off the stream
# as unsent (a frame left half-written would corrupt every query after it
# on the stream).  It ends only after the send returned: answered, if the
# answer came before the next tick, or timed out.  The stream then serves
# the next query.
send_past_deadline() {
	local before t0 t1
	responder $STALL --tcp
	"$CTL" upstream add st tcp://127.0.0.1:$STALL max-conns 1 timeout 1s || return 1
	"$CTL" query @st a.dnspool.test >/dev/null || return 1
	before=$(fired)
	echo 1500 >$PARAMS/stream_send_ms
	t0=${EPOCHREALTIME/./}
	"$CTL" query @st b.dnspool.test >/dev/null 2>/tmp/st.err ||
		grep -q "st: Connection timed out (upstream error)" /tmp/st.err ||
		{ cat /tmp/st.err; return 1; }
	t1=${EPOCHREALTIME/./}
	echo "# ended after $(((t1 - t0) / 1000)) ms"
	[ "$(fired)" = $((before + 1)) ] || { echo "# the delay was not made"; return 1; }
	# Not before the send returned: the delay alone is 1500 ms.
	[ $((t1 - t0)) -ge 1500000 ] || return 1
	[ "$("$CTL" -j query @st c.dnspool.test | jq -r '.answers[0].data')" = 192.0.2.99 ] &&
	[ "$(stat_of st conns_opened)" = 1 ] && [ "$(stat_of st conns_closed)" = 0 ]
}
check "a send held past its query's deadline: the query is its sender's until it returns" \
	send_past_deadline

# A DoT upstream's handshake completes, and its callback is held 8 s after
# it woke the connection, which meanwhile serves a query.  Deleting the
# upstream closes the connection, which waits for the callback to return.
# Queries to another upstream of the namespace are answered meanwhile: the
# delete holds no lock they need.
del_does_not_block() {
	local before del rc
	"$CTL" upstream add slowdel tls://127.0.0.1:$DOT tls-name $NAME || return 1
	"$CTL" upstream add other udp://127.0.0.1:$PORT || return 1
	before=$(fired)
	echo 8000 >$PARAMS/tls_done_ms
	"$CTL" query @slowdel a.dnspool.test >/dev/null || return 1
	[ "$(fired)" = $((before + 1)) ] || { echo "# the delay was not made"; return 1; }
	"$CTL" upstream del slowdel &
	del=$!
	# Let the delete reach the connection's close.
	sleep 1
	kill -0 $del 2>/dev/null || { echo "# the delete did not wait"; return 1; }
	"$CTL" query @other a.dnspool.test >/dev/null || return 1
	"$CTL" upstream show other >/dev/null || return 1
	kill -0 $del 2>/dev/null || { echo "# answered only once the delete was done"; return 1; }
	wait $del
	rc=$?
	[ $rc = 0 ] && ! "$CTL" upstream show slowdel >/dev/null 2>&1
}
check "an upstream's delete waiting on its connection holds up no other upstream" \
	del_does_not_block
ktap_finished
