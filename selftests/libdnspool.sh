#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# libdnspool, the client library, against the module and unbound (as
# Debian ships it): its tests are libdnspool_test's, run here with the
# upstreams it needs, its TAP as this test's.
. "$(dirname "$0")/lib.sh"

PORT=5381
dnspool_load
upstreams_clear
UNBOUND=$(start_unbound 127.0.0.1 $PORT) || ktap_exit_fail_msg "no unbound"
trap 'kill $UNBOUND 2>/dev/null' EXIT
# unbound as shipped takes 10 TCP connections (per thread), and once more
# than half are in use it gives each new one 0.2 to 0.3 s without a query
# before it closes it (setup_tcp_handler() in its netevent.c), resetting
# it if pipelined queries arrived meanwhile: on a slow VM a query then
# ended ECONNRESET after its moves.  The udp upstream's TCP pool and the
# tcp upstream's stay within 2 connections each, 4 of unbound's 10.  The
# debug kernel is slow: 1000 queries at once need more than the 5 s
# default query timeout there.
opts="max-conns 2"
[ "${KSFT_KERNEL_FLAVOUR:-}" = debug ] && opts="$opts timeout 30s"
"$CTL" upstream add lib-udp udp://127.0.0.1:$PORT $opts || ktap_exit_fail_msg "cannot add lib-udp"
"$CTL" upstream add lib-tcp tcp://127.0.0.1:$PORT $opts || ktap_exit_fail_msg "cannot add lib-tcp"
DNSPOOL_UDP=lib-udp DNSPOOL_TCP=lib-tcp "$(dirname "$0")/libdnspool_test"
