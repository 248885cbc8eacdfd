#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The test command (`make check`): build everything inside the Debian 13
# image, boot it under QEMU on each kernel, run every selftest there, and
# print kselftest TAP with a last line "N passed, N failed".
#
#   run.sh [--kernel stock|debug|all]
#          [--shell|--demo|--bench|--profile|--soak|--faults|--coverage]
#          [--tests "a.sh b.sh"]
#
# --tests picks the tests to run; with --bench or --profile, one part:
# "frontend" (either), "netlink" (--profile).  --faults runs the fault
# injection tests at length (fault_nth.sh, fault_slab.sh: guest.sh says how).
# --coverage runs the suite on the debug kernel with the module built for
# gcov, and prints its coverage (coverage.py).
#
# stock: Debian 13's own kernel, what users run.  debug: 6.12 of our own
# build with KASAN, lockdep, kmemleak, UBSAN and debug objects (kernel/).
#
# Runs as root on a Debian host.  Environment: DNSPOOL_CACHE (cache
# directory, default /var/cache/dnspool), DNSPOOL_ACCEL=kvm (opt-in KVM).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

kernel=all
mode=check
tests=
while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=$2; shift ;;
	--shell) mode=shell ;;
	--demo) mode=demo ;;
	--bench) mode=bench ;;
	--profile) mode=profile ;;
	--soak) mode=soak ;;
	--faults) mode=faults ;;
	--coverage) mode=coverage kernel=debug ;;
	--tests) tests=$2; shift ;;
	*) die "unknown argument '$1'" ;;
	esac
	shift
done
case $kernel in
all) kernels="stock debug" ;;
stock|debug) kernels=$kernel ;;
*) die "unknown kernel '$kernel' (stock, debug or all)" ;;
esac
[ "$(id -u)" = 0 ] || die "run as root: it builds an image and mounts it"

host_tools() {
	local missing=
	for t in qemu-system-x86_64:qemu-system-x86 debootstrap:debootstrap \
		 busybox:busybox-static xz:xz-utils zstd:zstd cpio:cpio rsync:rsync; do
		command -v "${t%%:*}" >/dev/null || missing="$missing ${t#*:}"
	done
	[ -f /bin/busybox ] && file_is_static /bin/busybox || missing="$missing busybox-static"
	[ -z "$missing" ] && return 0
	log "installing host tools:$missing"
	apt-get update -q >/dev/null &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		$missing >/dev/null || die "apt-get install$missing failed"
}
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }

RUN=${DNSPOOL_RUN:-$CACHE/run}
PASS=0 FAIL=0 SKIP=0 NUM=0

# One top-level TAP result.
result() {
	local ok=$1 name=$2
	NUM=$((NUM + 1))
	if [ "$ok" = ok ]; then
		PASS=$((PASS + 1)); echo "ok $NUM $name"
	else
		FAIL=$((FAIL + 1)); echo "not ok $NUM $name"
	fi
}

# Kernel $1's image, release, build tree (as seen in the image) and, for
# the debug kernel, its cache directory (KBUILD, mounted at /kbuild).
select_kernel() {
	case $1 in
	stock)
		KBUILD= KVER=$(stock_kver)
		KIMG="$IMAGE/boot/vmlinuz-$KVER" KDIR="/lib/modules/$KVER/build"
		;;
	debug)
		if [ -n "${DEBUG_BUILD_PID:-}" ]; then
			# Built in the background while the stock kernel ran.
			wait "$DEBUG_BUILD_PID" || { cat "$RUN/kernel-debug.log"; return 1; }
			DEBUG_BUILD_PID=
			sed 's/^/# /; s/^# # /# /' "$RUN/kernel-debug.log"
			KBUILD=$(cat "$RUN/kernel-debug.path")
		else
			KBUILD=$("$VM_DIR/kernel-debug.sh") || return 1
		fi
		KVER=$(cat "$KBUILD/kernelrelease")
		KIMG="$KBUILD/build/arch/x86/boot/bzImage" KDIR=/kbuild/build
		;;
	esac
}

# The packages in $1/debs installed with dpkg into an overlay of the
# image, as on a Debian system: DKMS builds the module for the stock
# kernel (the one the VM runs), natively (under emulation it took over ten
# minutes).  What the installation added is kept in $1/pkgroot for
# packages.sh, which loads DKMS' module and runs the installed tool and
# library in the VM.  Then dpkg --purge in a second overlay on top: its
# outcome, in $1/pkgroot.purge, is packages.sh's too.
pkg_install() {
	local dir=$1
	rm -rf "$dir/pkgroot" "$dir/pkgwork" "$dir/pkgmnt" "$dir/pkgpurge"
	mkdir -p "$dir/pkgroot" "$dir/pkgwork" "$dir/pkgmnt" "$dir/pkgpurge/up" "$dir/pkgpurge/work"
	unshare -m --propagation private bash -ec '
		img=$1 dir=$2 kver=$3
		chrooted() {
			mount -t proc proc "$1/proc" && mount --rbind /dev "$1/dev" &&
			mkdir -p "$1/debs" && mount --bind "$dir/debs" "$1/debs" &&
			chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
				LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive bash -ec "$2"
		}
		mount -t overlay overlay -o "lowerdir=$img,upperdir=$dir/pkgroot,workdir=$dir/pkgwork" \
			"$dir/pkgmnt"
		chrooted "$dir/pkgmnt" "
			dpkg -i /debs/*.deb
			v=\$(dpkg-query -W -f '\''\${Version}'\'' dnspool-dkms)
			dkms status dnspool/\$v -k $kver | grep -q installed ||
				dkms install dnspool/\$v -k $kver
			dkms status"
		umount -lR "$dir/pkgmnt"
		rmdir "$dir/pkgroot/debs" 2>/dev/null || true
		mount -t overlay overlay \
			-o "lowerdir=$dir/pkgroot:$img,upperdir=$dir/pkgpurge/up,workdir=$dir/pkgpurge/work" \
			"$dir/pkgmnt"
		chrooted "$dir/pkgmnt" "
			dpkg --purge dnspool-dkms dnspoolctl libdnspool-dev libdnspool0 \
				dnspoolctl-dbgsym libdnspool0-dbgsym >&2
			echo dkms: \$(dkms status dnspool | wc -l) entries
			echo modules: \$(find /usr/lib/modules/$kver -path \"*/dkms/dnspool.ko*\" | wc -l)
			echo dnspoolctl: \$(ls /usr/sbin/dnspoolctl 2>/dev/null | wc -l)
			echo unit: \$(ls /usr/lib/systemd/system/dnspool.service \
				/etc/systemd/system/multi-user.target.wants/dnspool.service 2>/dev/null | wc -l)
			echo packages: \$(dpkg-query -W -f '\''\${db:Status-Abbrev}\n'\'' \
				dnspool-dkms dnspoolctl libdnspool0 libdnspool-dev 2>/dev/null | grep -c ^ii)" \
			>"$dir/pkgroot.purge"
		umount -lR "$dir/pkgmnt"
	' bash "$IMAGE" "$dir" "$KVER"
	rm -rf "$dir/pkgwork" "$dir/pkgmnt" "$dir/pkgpurge"
}

# Copy the tree and build module, tool and tests in the image for a kernel.
build() {
	local k=$1 kdir=$2 dir="$RUN/$1"
	rm -rf "$dir"
	mkdir -p "$dir/out"
	rsync -a --exclude .git --exclude '*.o' --exclude '*.ko' "$SRC_DIR/" "$dir/src/"
	# The debug kernel's modules.builtin and friends, for modprobe in the VM.
	[ -z "$KBUILD" ] || cp -a "$KBUILD/modroot/lib/modules" "$dir/modules"
	KBUILD=$KBUILD in_image "$dir" bash -c "
		cd /work/src &&
		make module KDIR=$kdir W=1 DNSPOOL_RACE_WINDOWS=1 ${GCOV:+DNSPOOL_GCOV=1} \
			>/work/build-module.log 2>&1 &&
		make ctl selftests KDIR=$kdir KSFT_DIR=/opt/linux/tools/testing/selftests DNSPOOL_RACE_WINDOWS=1" \
		>"$dir/build.log" 2>&1 || { cat "$dir/build-module.log" >>"$dir/build.log"; return 1; }
	# The Debian packages, installed for packages.sh: Debian's kernel only.
	if [ "$k" = stock ]; then
		in_image "$dir" env DNSPOOL_DEB_VERSION="$("$SRC_DIR/ctl/mkdeb.sh" --version)" \
			make -C /work/src deb DEBDIR=/work/debs >>"$dir/build.log" 2>&1 &&
		pkg_install "$dir" >>"$dir/build.log" 2>&1 || return 1
	fi
	# modprobe's indexes, with the module in updates/ as `make install`
	# puts it, made here at native speed: depmod over the stock kernel's
	# 4,000 modules is slow under emulation, and each VM's boot paid it.
	# The VM lays them over its own.
	KBUILD=$KBUILD in_image "$dir" sh -ec "
		m=/work/modroot/lib/modules/$KVER
		rm -rf /work/modroot
		mkdir -p \$m /work/modules/$KVER
		if [ -n '$KBUILD' ]; then
			cp -a /work/modules/$KVER/. \$m/
		else
			cp -a /lib/modules/$KVER/. \$m/
		fi
		mkdir -p \$m/updates
		cp /work/src/kmod/dnspool.ko \$m/updates/
		depmod -b /work/modroot $KVER
		cp \$m/modules.* /work/modules/$KVER/
		rm -rf /work/modroot" >>"$dir/build.log" 2>&1 || return 1
}

# Static checks of the tree, in the image: results as TAP.
static_checks() {
	local dir="$RUN/stock" out
	if out=$(grep -E 'warning:|error:' "$dir/build-module.log" "$dir/build.log"); then
		printf '%s\n' "$out" | sed 's/^/# /'
		result fail "build: no warning (module with W=1, dnspoolctl with -Wextra, selftests)"
	else
		result ok "build: no warning (module with W=1, dnspoolctl with -Wextra, selftests)"
	fi
	# An older kernel, by its version number alone (the make command
	# line overrides the kernel Makefile's PATCHLEVEL): refused before
	# anything compiles, naming the minimum.
	rm -rf "$dir/minver"
	rsync -a --exclude .git --exclude '*.o' --exclude '*.ko' "$SRC_DIR/" "$dir/minver/"
	out=$(in_image "$dir" sh -c "cd /work/minver &&
		make module KDIR=/lib/modules/$(stock_kver)/build PATCHLEVEL=1 2>&1")
	if [ $? != 0 ] && grep -q 'Kbuild:.*dnspool needs Linux 6.12 or later to build; this kernel is 6.1\.' <<<"$out" &&
	   ! grep -q ' CC \[M\]' <<<"$out"; then
		result ok "build: a kernel older than 6.12 refused at once, naming 6.12"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		result fail "build: a kernel older than 6.12 refused at once, naming 6.12"
	fi
	# Generated files are held to the generator's style, long lines aside.
	if out=$(in_image "$dir" sh -c '
		cd /work/src/kmod &&
		cp=/opt/linux/scripts/checkpatch.pl &&
		gen="netlink-gen.c netlink-gen.h" &&
		$cp --strict --no-tree --quiet -f $(ls *.c *.h | grep -v -e netlink-gen -e "\.mod\.c") &&
		$cp --strict --no-tree --quiet --ignore LONG_LINE -f $gen' 2>&1); then
		result ok "build: checkpatch.pl --strict kmod/ clean"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		result fail "build: checkpatch.pl --strict kmod/ clean"
	fi
	# kernel-doc on what files share: checked where written, and present
	# on every non-static function.
	out=$(in_image "$dir" sh -c '
		cd /work/src/kmod &&
		perl /opt/linux/scripts/kernel-doc -Wall -none \
			$(ls *.c *.h | grep -v -e netlink-gen -e "\.mod\.c") 2>&1 &&
		awk -f /work/src/selftests/vm/undocumented.awk \
			$(ls *.c | grep -v -e netlink-gen -e "\.mod\.c")' 2>&1)
	if [ $? = 0 ] && [ -z "$out" ]; then
		result ok "build: kernel-doc -Wall kmod/ clean, every non-static function documented"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		result fail "build: kernel-doc -Wall kmod/ clean, every non-static function documented"
	fi
	if out=$("$VM_DIR/ynl-regen.sh" --check 2>&1); then
		result ok "build: YNL spec validates and regenerates the committed files"
	else
		printf '%s\n' "$out" | sed 's/^/# /'
		result fail "build: YNL spec validates and regenerates the committed files"
	fi
}

# boot KERNEL MODE [VM [WATCHDOG]]: one VM run.  A named VM keeps its
# console, TAP and results in $RUN/KERNEL/VM, so that several can run at
# once; an unnamed one in $RUN/KERNEL.  WATCHDOG: seconds before the VM
# is killed, 90 minutes by default (a slow host's debug suite took over
# an hour in its VMs).
boot() {
	local k=$1 bootmode=$2 vm=${3:-} watchdog=${4:-5400}
	local vdir="$RUN/$1${3:+/$3}" accel=tcg,thread=single serial
	[ "${DNSPOOL_ACCEL:-}" = kvm ] && accel=kvm
	rm -rf "$vdir/console.log" "$vdir/tap.log" "$vdir/out"
	mkdir -p "$vdir/out"
	if [ "$bootmode" = shell ]; then
		serial="-serial mon:stdio -serial null"
	else
		serial="-serial file:$vdir/console.log -serial file:$vdir/tap.log"
	fi
	# One host thread runs both vCPUs, in turns (thread=single), and a
	# guest CPU spinning on a lock (PAUSE) yields to the other at once.
	# With a host thread per vCPU, VMs side by side on a host with few
	# cores spun on locks whose holder the host had preempted: the same
	# tests took half as much host CPU again, and longer.
	# -la57: four-level paging.  With five, 6.12's pgtable_l5_enabled()
	# reads the boot CPU's feature bits, which identify_cpu() clears and
	# fills again early in boot; KASAN, asked then from an interrupt,
	# finds no shadow for a direct-map address and reports a
	# wild-memory-access (seen once, under thread=single's timing).
	# Later kernels read CR4 instead.
	# tsc=reliable: under TCG the clocksource watchdog can find the TSC
	# unstable mid-run and patch kernel text, which has oopsed the stock
	# kernel in sched_clock_cpu() during a test.
	timeout -k 10 "$watchdog" qemu-system-x86_64 \
		-accel $accel -cpu max,-la57 -m 2G -smp 2 -nodefaults -no-reboot -display none \
		-kernel "$KIMG" -initrd "$INITRD" \
		-append "console=ttyS0 loglevel=5 panic=-1 log_buf_len=8M tsc=reliable dnspool_mode=$bootmode dnspool_kernel=$k dnspool_vm=$vm dnspool_tests=${tests// /,}${KARGS:+ $KARGS}" \
		-virtfs local,path="$IMAGE",mount_tag=rootfs,security_model=none,readonly=on \
		-virtfs local,path="$RUN/$k",mount_tag=work,security_model=none \
		-device virtio-rng-pci $serial
}

# Kernel log reports of the VM run in $1, printed whole; fails when there are.
kernel_reports() {
	local dir=$1 f
	f="$dir/out/dmesg.txt"
	[ -s "$f" ] || f="$dir/console.log"
	if grep -qE -f <(grep -v '^#' "$VM_DIR/kernel-log-patterns") "$f"; then
		echo "# kernel log of this boot, with reports:"
		sed 's/^/# dmesg: /' "$f"
		return 1
	fi
	if [ -s "$dir/out/kmemleak.txt" ]; then
		echo "# kmemleak:"
		sed 's/^/# kmemleak: /' "$dir/out/kmemleak.txt"
		return 1
	fi
	return 0
}

# Boots until the guest said anything: a boot that printed nothing at all
# is retried once, and said so.
boot_once_retried() {
	local k=$1 vdir="$RUN/$1${3:+/$3}"
	boot "$@"
	if ! [ -s "$vdir/tap.log" ]; then
		echo "# boot on $k printed nothing (a failed boot, not a failed test); retrying once"
		sed 's/^/# console: /' "$vdir/console.log" | tail -n 40
		boot "$@"
	fi
}

# How many VMs share kernel $1's suite (DNSPOOL_VMS sets it): a VM per
# host core for each kernel, side by side.  The debug kernel's keep a core
# busy; the stock kernel's tests wait on timers most of the time (in one
# VM of their own, its CPUs were idle 60% of the time, and the suite took
# 43 minutes).
suite_vms() {
	if [ -n "${DNSPOOL_VMS:-}" ]; then
		echo "$DNSPOOL_VMS"
	elif [ $mode = coverage ]; then
		echo 1	# the module's gcov counters live in one kernel
	else
		nproc
	fi
}

# The tests to run: --tests, or the suite's list, in the suite's order.
suite_tests() {
	if [ -n "$tests" ]; then
		echo $tests
	else
		make -s --no-print-directory -C "$SRC_DIR/selftests" list-tests
	fi
}

# vm_kargs KERNEL I: what the kernel command line of the suite's VM I adds.
# The debug kernel's suite took four times the stock one's CPU, and
# kmemleak and debug objects each add to every allocation's cost (a loop
# of execs, sockets and namespaces took 121 s with both, 79 s without
# kmemleak).  So in the regular run the first VM has every detector and
# runs the tests where leaks and freed timers or works are likeliest
# (selftests/vm/full-detector-tests: teardown, failed allocations)
# before its share of the rest; the others boot without
# kmemleak and debug objects.  KASAN, lockdep and UBSAN watch every VM.
vm_kargs() {
	if [ "$1" = debug ] && [ "$mode" = check ] && [ "$2" -gt 1 ]; then
		echo kmemleak=off no_debug_objects
	fi
}

# suite_start KERNEL MODE: the suite's VMs for KERNEL, in the background
# (their PIDs join SUITE_PIDS).  They take the tests from a queue in the
# order of test-seconds, longest first: a test not listed there is taken
# first of all.
suite_start() {
	local k=$1 bootmode=$2 dir="$RUN/$1" i n args
	rm -rf "$dir/queue" "$dir"/vm*
	mkdir -p "$dir/queue"
	suite_tests | tr ' ' '\n' |
		awk 'NR == FNR { if ($1 !~ /^#/) secs[$1] = $2; next }
		     $1 != "" { print ($1 in secs ? secs[$1] : 999999), $1 }' \
		    "$VM_DIR/test-seconds" - |
		sort -k1,1nr -s | awk '{ print $2 }' >"$dir/queue/order"
	n=$(suite_vms "$k")
	for i in $(seq 1 "$n"); do
		args=$(vm_kargs "$k" "$i")
		[ -n "$args" ] && echo "# vm$i boots with $args" >"$dir/vm$i.boot"
		KARGS=$args boot_once_retried "$k" "$bootmode" "vm$i" >>"$dir/vm$i.boot" 2>&1 &
		SUITE_PIDS="$SUITE_PIDS $!"
		KPIDS[$k]="${KPIDS[$k]:-} $!"
	done
	SUITE_KERNELS="$SUITE_KERNELS $k"
	KIMGS[$k]=$KIMG
}

# A test's lines in a VM's TAP: its output, then its result (last line).
tap_block() {
	[ -f "$2" ] || return 0
	tr -d '\r' <"$2" | awk -v t="$1" '
		$0 == "# selftests: dnspool: " t { on = 1 }
		on { print }
		on && $0 ~ "^(not )?ok [0-9]+ selftests: dnspool: " t "( |$)" { exit }'
}

# suite_report KERNEL: the VMs' results merged into the suite's order and
# numbered into ours, then what holds for the kernel's run as a whole.
suite_report() {
	local k=$1 dir="$RUN/$1" t v vms block last p f s ended=1 clean=1 out
	vms=$(ls -d "$dir"/vm[0-9]*/ 2>/dev/null | sed 's,/$,,')
	echo "# kernel: $(cat "$dir"/vm*/out/uname 2>/dev/null | sort -u | head -n1), in $(echo "$vms" | wc -w) VMs"
	cat "$dir"/vm*.boot 2>/dev/null
	for t in $(suite_tests); do
		block=
		for v in $vms; do
			block=$(tap_block "$t" "$v/tap.log")
			[ -n "$block" ] && break
		done
		last=$(printf '%s\n' "$block" | tail -n 1)
		NUM=$((NUM + 1))
		case $last in
		"ok "*|"not ok "*)
			printf '%s\n' "$block" | sed '$d'
			echo "$last" | sed -E "s/^(not )?ok [0-9]+ /\1ok $NUM $k: /"
			;;
		*)
			[ -n "$block" ] && printf '%s\n' "$block"
			echo "# $t: no result (${block:+its VM died during it}${block:-no VM ran it})"
			echo "not ok $NUM $k: selftests: dnspool: $t"
			FAIL=$((FAIL + 1))
			;;
		esac
	done
	# The VMs' leaf counts: "TEST PASS FAIL SKIP" lines.
	read -r p f s < <(cat "$dir"/vm*/out/counts 2>/dev/null |
			  awk '{ p += $2; f += $3; s += $4 } END { print p + 0, f + 0, s + 0 }')
	PASS=$((PASS + p)) FAIL=$((FAIL + f)) SKIP=$((SKIP + s))
	for v in $vms; do
		grep -q '^# suite complete' "$v/tap.log" 2>/dev/null && continue
		ended=0
		echo "# ${v##*/}: the suite did not end (VM died or hit its watchdog)"
		sed 's/^/# console: /' "$v/console.log" | tail -n 60
	done
	if [ $ended = 1 ]; then
		result ok "$k: the suite ran to its end"
	else
		result fail "$k: the suite ran to its end"
	fi
	for v in $vms; do
		out=$(kernel_reports "$v") && continue
		clean=0
		echo "# ${v##*/}:"
		printf '%s\n' "$out"
	done
	if [ $clean = 1 ]; then
		result ok "$k: kernel log free of WARN, BUG, Oops, hung tasks, corruption"
	else
		result fail "$k: kernel log free of WARN, BUG, Oops, hung tasks, corruption"
	fi
}

# The harness's own test: a planted bug must fail a run, for the right
# reason.  detector_start boots it in the background; detector_report
# reads its log.
detector_start() {
	local k=$1 bug=$2
	boot_once_retried "$k" "bug:$bug" "bug-$bug" 600 >"$RUN/$k/bug-$bug.boot" 2>&1 &
}

detector_report() {
	local k=$1 bug=$2 expect=$3 out
	cat "$RUN/$k/bug-$bug.boot"
	out=$(kernel_reports "$RUN/$k/bug-$bug")
	if [ $? -ne 0 ] && printf '%s\n' "$out" | grep -qE "$expect"; then
		result ok "$k: harness: a planted $bug fails the run ($expect)"
	else
		printf '%s\n' "$out" | tail -n 30
		result fail "$k: harness: a planted $bug fails the run ($expect)"
	fi
}

# The planted bugs' boots, in the background once the first kernel's
# suite ended: they take the cores its VMs left.
detectors_start() {
	local first=${SUITE_KERNELS# } k
	first=${first%% *}
	(
		# shellcheck disable=SC2086
		while kill -0 ${KPIDS[$first]} 2>/dev/null; do sleep 5; done
		for k in $SUITE_KERNELS; do
			KIMG=${KIMGS[$k]}
			while read -r bug _; do
				detector_start "$k" "$bug"
			done < <(detectors "$k")
		done
		wait
	) &
	SUITE_PIDS="$SUITE_PIDS $!"
}

# Each kernel's planted bugs and what must catch them.  A WARN reads the
# same in either kernel's log, judged by the same kernel_reports(): its
# boot is Debian's kernel's alone (a debug boot costs minutes of a CI
# run's cores); the debug kernel's are its own detectors'.
detectors() {
	[ "$1" = debug ] || { echo "warn WARNING: .*dnspool_selftest_bug"; return 0; }
	echo "lockdep possible circular locking dependency detected"
	echo "kasan BUG: KASAN: slab-out-of-bounds"
	echo "leak unreferenced object"
}

# All in one function: bash reads it whole before running it, so editing
# this file during a run cannot derail that run.
main() {
	host_tools
	"$VM_DIR/image.sh" || die "image build failed"
	INITRD=$("$VM_DIR/initramfs.sh") || die "initramfs build failed"
	mkdir -p "$RUN"

	case $mode in
	faults) [ -n "$tests" ] || tests="fault_nth.sh fault_slab.sh" ;;
	coverage) GCOV=1 ;;
	esac
	if [ $mode != check ] && [ $mode != faults ] && [ $mode != coverage ]; then
		k=${kernels%% *}
		select_kernel "$k" || die "no $k kernel"
		build "$k" "$KDIR" || { cat "$RUN/$k/build.log"; die "build failed"; }
		boot "$k" $mode
		[ $mode != shell ] && cat "$RUN/$k/tap.log"
		exit 0
	fi

	echo "TAP version 13"
	start=$SECONDS
	SUITE_PIDS= SUITE_KERNELS=
	declare -gA KIMGS KPIDS
	# A debug kernel to build is built while the stock kernel's suite runs,
	# sharing the cores with it: the build, not the stock suite, is what
	# the debug suite waits for (at the lowest priority it took 28 minutes
	# beside the suite, against 15 alone).
	if [ "$kernels" = "stock debug" ]; then
		"$VM_DIR/kernel-debug.sh" >"$RUN/kernel-debug.path" \
			2>"$RUN/kernel-debug.log" &
		DEBUG_BUILD_PID=$!
	fi
	# Each kernel's suite starts once its module is built, and runs
	# beside the other's.
	for k in $kernels; do
		if ! select_kernel "$k"; then
			result fail "$k: kernel available"
			continue
		fi
		if ! build "$k" "$KDIR"; then
			sed 's/^/# /' "$RUN/$k/build.log" | tail -n 60
			result fail "$k: build module, dnspoolctl and selftests"
			continue
		fi
		result ok "$k: build module, dnspoolctl and selftests"
		[ "$k" = stock ] && [ $mode = check ] && static_checks
		echo "# $k suite started at $((SECONDS - start)) s"
		suite_start "$k" $mode
	done
	[ $mode = check ] && [ -n "$SUITE_KERNELS" ] && detectors_start
	# shellcheck disable=SC2086
	wait $SUITE_PIDS
	echo "# the suites and the planted bugs' boots ended at $((SECONDS - start)) s"
	for k in $SUITE_KERNELS; do
		suite_report "$k"
		[ $mode = check ] || continue
		while read -r bug expect; do
			detector_report "$k" "$bug" "$expect"
		done < <(detectors "$k")
	done
	if [ $mode = coverage ]; then
		cat "$RUN/debug/vm1/out/coverage.txt" 2>/dev/null
		if tail -n 1 "$RUN/debug/vm1/out/coverage.txt" 2>/dev/null | grep -q '^coverage: kmod'; then
			result ok "debug: coverage gathered"
		else
			result fail "debug: coverage gathered"
		fi
	fi
	echo "1..$NUM"
	echo "# total $((SECONDS - start)) s"
	if [ "$SKIP" -gt 0 ]; then
		echo "$PASS passed, $FAIL failed, $SKIP skipped"
	else
		echo "$PASS passed, $FAIL failed"
	fi
	[ "$FAIL" -eq 0 ]
}

main
