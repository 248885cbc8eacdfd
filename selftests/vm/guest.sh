#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The VM's PID 1 after switch_root: set the system up, install the module
# as `make install` would, run what the kernel command line asks
# (dnspool_mode=check|faults|coverage|shell|demo|bench|profile|soak|
# bug:NAME), save the kernel log, power off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=${TERM:-linux}

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mkdir -p /run/netns
hostname dnspool-vm
ip link set lo up
# kmemleak's thread scans every ten minutes, each scan a long stretch of
# a CPU under KASAN; what the run reads are the scans it asks for (the
# fault tests', and two at the end, below), so the thread stops.
# (Its file is there even when kmemleak=off disabled it.)
kmemleak=
[ -e /sys/kernel/debug/kmemleak ] && ! grep -qw kmemleak=off /proc/cmdline && kmemleak=on
[ -n "$kmemleak" ] && echo scan=off >/sys/kernel/debug/kmemleak
# A stuck task is a failure we want to see within the run.
echo 60 >/proc/sys/kernel/hung_task_timeout_secs 2>/dev/null

src=/work/src
# A VM sharing the suite with others of its kernel (run.sh) keeps its own
# results apart: /work/NAME/out.
out=/work/${dnspool_vm:+$dnspool_vm/}out
mkdir -p "$out"
kver=$(uname -r)
uname -r >"$out/uname"
# Either kernel: modprobe's indexes with dnspool.ko in updates/, made by
# the host (run.sh's build()), over the image's.  A kernel of our own
# brings its modules too: linked, not copied (read over 9p when one
# loads; copying them took 20 s of each debug VM's boot).
if [ -d "/work/modules/$kver" ]; then
	mkdir -p "/lib/modules/$kver"
	cp /work/modules/"$kver"/modules.* "/lib/modules/$kver/"
	[ -d "/work/modules/$kver/kernel" ] &&
		ln -sfn "/work/modules/$kver/kernel" "/lib/modules/$kver/kernel"
fi
mkdir -p "/lib/modules/$kver/updates"
cp "$src/kmod/dnspool.ko" "/lib/modules/$kver/updates/"
grep -q '^updates/dnspool.ko:' "/lib/modules/$kver/modules.dep" || depmod -a "$kver"

# Second serial port: the test output, apart from the kernel's console.
tap=/dev/ttyS1
[ -c $tap ] || tap=/dev/console

case "${dnspool_mode:-check}" in
check)
	"$src/selftests/vm/guest-tests.sh" "$out" >$tap 2>&1
	;;
coverage)
	# make coverage: the suite, then the module's gcov counters (kept by
	# the kernel across unloads) beside kbuild's notes, and their report.
	"$src/selftests/vm/guest-tests.sh" "$out" >$tap 2>&1
	find /sys/kernel/debug/gcov -path '*/kmod/*.gcda' | while read -r f; do
		cat "$f" >"$src/kmod/${f##*/}"
	done
	(cd "$src" && python3 selftests/vm/coverage.py kmod) >"$out/coverage.txt" 2>&1
	;;
faults)
	# make faults: the fault injection tests at length.  fail-nth's
	# sweep is whole in the regular run too; failslab's runs 6 rounds
	# at 2, 10 and 30 percent, against one at 20.
	# Six rounds take longer than a test's usual bound (1500 s).
	FAULT_SLAB_ROUNDS=6 FAULT_SLAB_PERCENT="2 10 30" FAULT_SLAB_LOAD=10 \
		DNSPOOL_TEST_TIMEOUT=2400 \
		"$src/selftests/vm/guest-tests.sh" "$out" >$tap 2>&1
	;;
demo)
	"$src/selftests/vm/demo.sh" >$tap 2>&1
	;;
bench)
	# run.sh --bench --tests frontend: the front end's part alone.
	case ${dnspool_tests:-all} in
	frontend) modprobe dnspool && "$src/selftests/vm/bench-frontend.sh" /tmp/frontend.line &&
		cat /tmp/frontend.line ;;
	*) "$src/selftests/vm/bench.sh" ;;
	esac >$tap 2>&1
	;;
profile)
	# run.sh --profile --tests netlink|frontend: one part only.
	case ${dnspool_tests:-all} in
	netlink) "$src/selftests/vm/profile.sh" ;;
	frontend) "$src/selftests/vm/profile-frontend.sh" ;;
	*) "$src/selftests/vm/profile.sh"; "$src/selftests/vm/profile-frontend.sh" ;;
	esac >$tap 2>&1
	;;
soak)
	"$src/selftests/vm/soak.sh" >$tap 2>&1
	;;
shell)
	modprobe dnspool
	echo "dnspool VM: module loaded; the tree is in $src; exit to power off."
	setsid -c bash -l </dev/ttyS0 >/dev/ttyS0 2>&1
	;;
bug:*)
	# A planted bug for the harness's own tests (selftests/modules/).
	echo "# planting ${dnspool_mode#bug:}" >$tap
	insmod "$src/selftests/modules/dnspool_selftest_bug.ko" "${dnspool_mode#bug:}=1" >$tap 2>&1
	sleep 1
	rmmod dnspool_selftest_bug 2>/dev/null
	echo "# planted" >$tap
	;;
esac

if [ -n "$kmemleak" ]; then
	# Two scans, a pause apart: kmemleak reports what stayed unreferenced.
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >"$out/kmemleak.txt"
fi
dmesg >"$out/dmesg.txt"
echo "# guest done" >$tap
sync
echo o >/proc/sysrq-trigger
sleep 60
