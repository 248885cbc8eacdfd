#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Run every selftest in the VM, as kselftest's runner does: each program's
# own TAP nested under "# ", one top-level result per program.  A program
# fails too when the kernel log gained a report during it.  The counts of
# leaf results go to /work/out/counts for the host's final line.
cd /work/src/selftests || exit 1
patterns=/work/src/selftests/vm/kernel-log-patterns
counts=/work/out/counts
: >"$counts"
export KSFT_KERNEL_FLAVOUR=${dnspool_kernel:-stock}

tests=$(make -s --no-print-directory list-tests)
# make check TESTS="a.sh b.sh" runs just those.
[ -n "${dnspool_tests:-}" ] && tests=${dnspool_tests//,/ }
echo "TAP version 13"
echo "1..$(echo $tests | wc -w)"
n=0
seen=$(dmesg | wc -l)
for t in $tests; do
	n=$((n + 1))
	log=$(mktemp)
	echo "# selftests: dnspool: $t"
	t0=$(date +%s)
	timeout -k 10 900 "./$t" >"$log" 2>&1 </dev/null
	rc=$?
	echo "# $t took $(($(date +%s) - t0)) s" >>"$log"
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

	echo "$pass $fail $skip" >>"$counts"
	if [ "$fail" -gt 0 ]; then
		echo "not ok $n selftests: dnspool: $t"
	elif [ "$pass" -eq 0 ]; then
		echo "ok $n selftests: dnspool: $t # SKIP"
	else
		echo "ok $n selftests: dnspool: $t"
	fi
done
echo "# suite complete"
