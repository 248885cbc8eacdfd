#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run selftests in the VM, as kselftest's runner does: each program's own
# TAP nested under "# ", one top-level result per program.  A program
# fails too when the kernel log gained a report during it.
#
# Several VMs of one kernel may share the suite: the host lists the tests
# in /work/queue/order, longest first, and each VM takes the next one no
# VM has taken yet (mkdir in the shared run directory is the claim, atomic
# on the host's file system), so the VMs finish close together.  The host
# merges their TAP back into the suite's order.  Leaf result counts go to
# $out/counts.
cd /work/src/selftests || exit 1
patterns=/work/src/selftests/vm/kernel-log-patterns
out=${1:-/work/out}
queue=/work/queue
counts=$out/counts
: >"$counts"
mkdir -p /tmp/timeline "$out/timeline"
export KSFT_KERNEL_FLAVOUR=${dnspool_kernel:-stock}

# The debug kernel's first VM has every detector; the others boot without
# kmemleak and debug objects (run.sh's vm_kargs() says why).  The tests of
# full-detector-tests run in the first: it takes them before the rest, and
# the others leave them to it.  A kernel without those detectors at all
# (Debian's) runs every test.
pinned=$(grep -v '^#' /work/src/selftests/vm/full-detector-tests)
if grep -qw kmemleak=off /proc/cmdline; then
	order=$(grep -vxF -f <(printf '%s\n' $pinned) "$queue/order")
elif [ -d /sys/kernel/debug/debug_objects ]; then
	order="$(grep -xF -f <(printf '%s\n' $pinned) "$queue/order") $(cat "$queue/order")"
else
	order=$(cat "$queue/order")
fi

stamp() {
	local line
	while IFS= read -r line; do printf '%(%s)T %s\n' -1 "$line"; done
}

echo "TAP version 13"
echo "# VM up for $(cut -d" " -f1 /proc/uptime) s before its first test"
n=0
seen=$(dmesg | wc -l)
for t in $order; do
	mkdir "$queue/$t" 2>/dev/null || continue
	n=$((n + 1))
	log=$(mktemp)
	echo "# selftests: dnspool: $t"
	t0=$(date +%s)
	read -r _ u0 n0 s0 i0 w0 q0 sq0 _ </proc/stat
	# Each line stamped with the second it came, in $out/timeline/ (in
	# /tmp while the test runs): where a test spends its time.  The
	# stamper ends when every writer has closed the pipe; a process the
	# test left behind may hold it, so it gets a few seconds, not a wait.
	# The bound proves a test ends; it measures nothing: on a host half
	# as fast as most, the debug kernel's pool.sh and fault_slab.sh took
	# over 900 s beside the other VMs.
	timeout -k 10 "${DNSPOOL_TEST_TIMEOUT:-1500}" "./$t" > >(stamp >"/tmp/timeline/$t") 2>&1 </dev/null
	rc=$?
	stamper=$!
	for _ in $(seq 50); do kill -0 $stamper 2>/dev/null || break; sleep 0.1; done
	cut -d' ' -f2- "/tmp/timeline/$t" >"$log"
	cp "/tmp/timeline/$t" "$out/timeline/"
	read -r _ u1 n1 s1 i1 w1 q1 sq1 _ </proc/stat
	# Where the VM's CPUs went meanwhile, in seconds (USER_HZ is 100).
	echo "# $t took $(($(date +%s) - t0)) s; CPUs: user $(((u1 + n1 - u0 - n0) / 100)) s," \
		"system $(((s1 + q1 + sq1 - s0 - q0 - sq0) / 100)) s, idle $(((i1 + w1 - i0 - w0) / 100)) s" >>"$log"
	pass=$(grep -E '^ok [0-9]+' "$log" | grep -vc '# SKIP')
	skip=$(grep -cE '^ok [0-9]+ .*# SKIP' "$log")
	fail=$(grep -cE '^not ok [0-9]+' "$log")
	sed 's/^/# /' "$log"
	rm -f "$log"
	if [ $((pass + fail + skip)) -eq 0 ]; then
		# A program that printed no result counts as one.
		case $rc in
		0) pass=1 ;;
		4) skip=1 ;;
		*) fail=1 ;;
		esac
	elif [ $rc -ne 0 ] && [ $rc -ne 4 ] && [ "$fail" -eq 0 ]; then
		echo "# $t exited $rc after reporting no failure"
		fail=1
	fi
	[ $rc -eq 124 ] && echo "# $t timed out"

	new=$(dmesg | tail -n +$((seen + 1)))
	seen=$((seen + $(printf '%s' "$new" | grep -c '')))
	if printf '%s\n' "$new" | grep -qE -f <(grep -v '^#' $patterns); then
		echo "# kernel log reports during $t:"
		printf '%s\n' "$new" | sed 's/^/# dmesg: /'
		fail=$((fail + 1))
	fi

	echo "$t $pass $fail $skip" >>"$counts"
	if [ "$fail" -gt 0 ]; then
		echo "not ok $n selftests: dnspool: $t"
	elif [ "$pass" -eq 0 ]; then
		echo "ok $n selftests: dnspool: $t # SKIP"
	else
		echo "ok $n selftests: dnspool: $t"
	fi
done
echo "1..$n"
echo "# suite complete"
