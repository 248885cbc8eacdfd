#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the VM: the module loaded, unbound as a real
# upstream, upstreams and a group added, queries sent, pools and health
# inspected, and a listener answering dig and dnsperf.
SRC=/work/src
CTL=$SRC/ctl/dnspoolctl
DNSPOOL_NETNS=keep . "$SRC/selftests/lib.sh" >/dev/null
run() { echo "\$ $*"; "$@"; echo; }

echo "== dnspool demo on $(uname -r) =="
run modprobe dnspool
UNBOUND=$(start_unbound 127.0.0.1 53)
run "$CTL" upstream add local-udp udp://127.0.0.1
run "$CTL" upstream add local-tcp tcp://127.0.0.1:53 max-conns 4 idle-timeout 1m
run "$CTL" upstream show
run "$CTL" query @local-udp a.dnspool.test
run "$CTL" -j query @local-tcp mx.dnspool.test MX
echo "# a UDP answer too big for 1232 bytes comes back over TCP:"
"$CTL" -j query @local-udp big.dnspool.test TXT | jq '{upstream, transport, rcode, answers: (.answers | length)}'
echo
for i in $(seq 1000); do echo "h$i.dnspool.test A"; done >/tmp/names
echo "# 3000 queries, 1000 in flight at once, on each pool:"
run "$CTL" query @local-udp --batch /tmp/names --concurrency 1000
run "$CTL" query @local-tcp --batch /tmp/names --concurrency 1000
run "$CTL" query @local-udp +tcp --batch /tmp/names --concurrency 1000
echo "# the sockets to the upstream, as ss sees them:"
run ss -Hanu dst :53
run ss -Hant dst :53
run "$CTL" stats
echo "# a group: the two upstreams raced, the second asked after 20 ms without an answer:"
run "$CTL" group add both local-udp local-tcp strategy racing race-delay 20ms
run "$CTL" query @both --batch /tmp/names --concurrency 100
run "$CTL" group show both
echo "# a listener: unmodified DNS clients (dig, glibc) answered from the kernel, through the group:"
run "$CTL" listener add stub 127.0.0.2:53 target both
run dig +short @127.0.0.2 a.dnspool.test
run dig +tcp +short @127.0.0.2 mx.dnspool.test MX
run dig @127.0.0.2 big.dnspool.test TXT +noedns +ignore +noall +comments
echo "\$ dnsperf -s 127.0.0.2 -d /tmp/names -l 3 -c 4 -q 50"
dnsperf -s 127.0.0.2 -d /tmp/names -l 3 -c 4 -q 50 | grep -v '^\[Timeout\]'
echo
run "$CTL" listener show
echo "# each upstream's health (its circuit breaker):"
run "$CTL" upstream show
echo "# a bad request gets a one-line error and a non-zero exit:"
run "$CTL" upstream set local-udp max-conns 0
run "$CTL" query @nope a.dnspool.test
run "$CTL" upstream del local-tcp
run "$CTL" listener del stub
run "$CTL" group del both
run "$CTL" upstream del local-tcp
run modprobe -r dnspool
kill "$UNBOUND"
