# SPDX-License-Identifier: GPL-2.0
# Helpers for the shell selftests, on kselftest's ktap_helpers.sh when the
# kernel source is at hand.  Sourced by each test.
KSFT_DIR=${KSFT_DIR:-/opt/linux/tools/testing/selftests}
. "$KSFT_DIR/kselftest/ktap_helpers.sh"

CTL=${CTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/ctl/dnspoolctl}

# Is the family registered?  Asks the kernel's genetlink controller.
family_registered() {
	genl-ctrl-list 2>/dev/null | grep -qw dnspool
}

dnspool_load() {
	lsmod | grep -qw '^dnspool' || modprobe dnspool
}

# Run "$@" expecting failure with exit code 1 or 2 and a one-line message
# on stderr matching the ERE $1.
expect_error() {
	local re=$1 out rc
	shift
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne 1 ] && [ $rc -ne 2 ]; then
		echo "# '$*' exited $rc, expected 1 or 2 and an error matching '$re'"
		return 1
	fi
	if [ "$(printf '%s\n' "$out" | wc -l)" -ne 1 ] || ! printf '%s\n' "$out" | grep -qE "$re"; then
		echo "# '$*' said '$out' (exit $rc), expected one line matching '$re'"
		return 1
	fi
	return 0
}

# Run "$@" and report it as one test.  (ktap_test_result expands its
# command unquoted, which breaks arguments that hold spaces.)
check() {
	local desc=$1
	shift
	if "$@"; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

# ynl_bulk add|del PREFIX FROM TO [IPV4]: many upstreams added (udp, IPV4
# as a number, 192.0.2.9 by default) or deleted in one process, through
# the kernel's YNL library: a dnspoolctl process each is slow on the debug
# kernel.
ynl_bulk() {
	local ynl=${YNL_DIR:-/opt/linux/tools/net/ynl}
	local spec schema=${YNL_SCHEMA:-/opt/linux/Documentation/netlink/genetlink-legacy.yaml}
	spec="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/include/uapi/linux/dnspool.yaml"
	python3 - "$ynl" "$spec" "$schema" "$@" <<'PY'
import sys
ynl_dir, spec, schema, op, prefix, first, last = sys.argv[1:8]
ipv4 = int(sys.argv[8]) if len(sys.argv) > 8 else 0xc0000209
sys.path.append(ynl_dir)
from lib import YnlFamily
ynl = YnlFamily(spec, schema)
for i in range(int(first), int(last) + 1):
    if op == 'add':
        ynl.do('upstream-add', {'name': f'{prefix}{i}', 'transport': 'udp', 'ipv4': ipv4})
    else:
        ynl.do('upstream-del', {'name': f'{prefix}{i}'})
PY
}

# names_file N [PREFIX]: a file of N "PREFIXi.dnspool.test A" lines, for
# dnspoolctl query --batch; its path is echoed.
names_file() {
	local f i
	f=$(mktemp)
	for i in $(seq "$1"); do echo "${2:-h}$i.dnspool.test A"; done >"$f"
	echo "$f"
}

# start_unbound ADDR PORT: an unbound serving dnspool.test (and h1..h1000,
# and big.dnspool.test, too big for a UDP answer) on ADDR:PORT, in the
# current network namespace.  Its PID is echoed; it stops with the test.
start_unbound() {
	local addr=$1 port=$2 dir i
	dir=$(mktemp -d /tmp/unbound.XXXXXX)
	{
		for i in $(seq 1000); do
			echo "	local-data: \"h$i.dnspool.test. 300 IN A 198.51.100.$((i % 250 + 1))\""
		done
		for i in $(seq 12); do
			echo "	local-data: 'big.dnspool.test. 300 IN TXT \"$(printf "%0200d" "$i")\"'"
		done
	} >"$dir/bulk.conf"
	sed -e "s|@ADDR@|$addr|g; s|@PORT@|$port|g; s|@DIR@|$dir|g" \
		"$(dirname "${BASH_SOURCE[0]}")/upstreams/unbound.conf.in" >"$dir/unbound.conf"
	sysctl -qw net.core.rmem_max=16777216 net.core.wmem_max=16777216
	unbound -c "$dir/unbound.conf" >"$dir/log" 2>&1 &
	echo $!
	# Ready when it answers.
	for i in $(seq 100); do
		kdig +short +timeout=1 +retry=0 -p "$port" @"$addr" a.dnspool.test >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	echo "# unbound on $addr:$port did not start: $(cat "$dir/log")" >&2
	return 1
}
