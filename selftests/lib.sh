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
	if [ $rc -eq 0 ]; then
		echo "# '$*' succeeded, expected an error matching '$re'"
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
