#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`, inside the VM: load the module and drive it with dnspoolctl.
CTL=/work/src/ctl/dnspoolctl
run() { echo "\$ $*"; "$@"; echo; }

echo "== dnspool demo on $(uname -r) =="
run modprobe dnspool
run lsmod
run "$CTL" upstream add local-udp udp://127.0.0.1
run "$CTL" upstream add local-tcp tcp://127.0.0.1:53 max-conns 4 idle-timeout 1m
run "$CTL" upstream add local-dot 'tls://[::1]' tls-name dns.test
run "$CTL" upstream show
run "$CTL" -j upstream show local-dot
run "$CTL" upstream set local-udp max-conns 20 timeout 2s
run "$CTL" upstream show local-udp
echo "# a bad request gets a one-line error and a non-zero exit:"
run "$CTL" upstream add local-udp udp://127.0.0.1
run "$CTL" upstream set local-udp max-conns 0
run ip netns add blue
run "$CTL" -n blue upstream add other udp://192.0.2.1
run "$CTL" -n blue upstream show
run "$CTL" upstream del local-tcp
run "$CTL" upstream show
run modprobe -r dnspool
