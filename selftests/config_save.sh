#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A configuration that survives a reboot: dnspoolctl save prints the
# namespace's upstreams, groups and listeners as the commands that add
# them, and dnspoolctl -b runs such a file.  Saved, the module unloaded
# and loaded, the file run: the same configuration, by save's text and by
# every object's JSON.  A failing line of a batch names its number and
# stops the run.  The systemd unit that applies /etc/dnspool/dnspool.conf
# at boot passes systemd-analyze verify (the VM has no systemd as PID 1).
. "$(dirname "$0")/lib.sh"

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Every object of the namespace as JSON, sorted, health and counters
# included (nothing ran through them, so they are the same each time).
everything() {
	"$CTL" -j upstream show | jq -S 'sort_by(.name)' &&
	"$CTL" -j group show | jq -S 'sort_by(.name)' &&
	"$CTL" -j listener show | jq -S 'sort_by(.name)'
}

clear_all() {
	local n
	for n in $("$CTL" -j listener show | jq -r '.[].name'); do "$CTL" listener del "$n"; done
	for n in $("$CTL" -j group show | jq -r '.[].name'); do "$CTL" group del "$n"; done
	upstreams_clear
}

ktap_print_header
ktap_set_plan 4
dnspool_load
clear_all

# Options away from their defaults wherever the commands take them.
configure() {
	"$CTL" -b - <<-EOF
		# upstreams, then what names them
		upstream add u4 udp://192.0.2.1:5353 max-conns 3 timeout 2s rto-initial 300ms rto-min 60ms
		upstream add u6 udp://[2001:db8::1] rotate-queries 500 breaker-failures 7
		upstream add t4 tcp://192.0.2.2 idle-timeout 30s max-conns 2
		upstream add s4 tls://192.0.2.3 tls-name dns.example breaker-backoff 3s

		group add race u4 t4 strategy racing race-delay 40ms timeout 4s
		group add seq u6 u4 s4 strategy sequential
		listener add l1 127.0.0.1:5301 target race allow 127.0.0.0/8,10.0.0.0/8 rate 50
		listener add l2 127.0.0.1:5302 proto udp target u4   # trailing comment
		listener add l6 [::1]:5303 proto tcp target seq tcp-idle 4s tcp-max 40
	EOF
}

round_trip() {
	local before after
	configure || return 1
	"$CTL" save >"$TMP/saved" || return 1
	sed 's/^/# /' "$TMP/saved"
	before=$(everything) || return 1
	modprobe -r dnspool && modprobe dnspool || return 1
	[ -z "$("$CTL" save | grep -v '^#')" ] || { echo "# not empty after a reload"; return 1; }
	"$CTL" -b "$TMP/saved" || return 1
	after=$(everything) || return 1
	[ "$before" = "$after" ] || { diff <(echo "$before") <(echo "$after") | sed 's/^/# /'; return 1; }
	"$CTL" save | cmp -s - "$TMP/saved"
}
check "save, unload, load, -b: the same upstreams, groups and listeners" round_trip

# Lines 1 and 2 run, 3 fails (its name is taken), 4 never runs.
failing_line() {
	local err rc
	clear_all
	printf '%s\n' "upstream add b1 udp://192.0.2.10" "upstream add b2 udp://192.0.2.11" \
		"upstream add b1 udp://192.0.2.12" "upstream add b3 udp://192.0.2.13" >"$TMP/bad"
	err=$("$CTL" -b "$TMP/bad" 2>&1 >/dev/null)
	rc=$?
	echo "# exit $rc: $err"
	[ "$rc" = 1 ] && [ "$(wc -l <<<"$err")" = 1 ] && grep -q "^dnspoolctl: $TMP/bad:3: " <<<"$err" &&
	[ "$("$CTL" -j upstream show | jq -c '[.[].name] | sort')" = '["b1","b2"]' ] || return 1
	# Bad usage on a line: exit code 2, named the same way.
	printf 'upstream add b4 udp://192.0.2.14\nupstream frobnicate\n' >"$TMP/bad"
	err=$("$CTL" -b "$TMP/bad" 2>&1 >/dev/null)
	rc=$?
	echo "# exit $rc: $err"
	[ "$rc" = 2 ] && grep -q "^dnspoolctl: $TMP/bad:2: " <<<"$err" &&
	"$CTL" upstream show b4 >/dev/null
}
check "a failing line of -b is named by its number and stops the run" failing_line

batch_usage() {
	expect_error 'cannot open batch file' "$CTL" -b "$TMP/none" &&
	expect_error 'takes no OBJECT' "$CTL" -b "$TMP/bad" upstream show &&
	expect_error 'not JSON' "$CTL" -j save
}
check "-b and save: bad usage said on one line" batch_usage

# The unit as `make install` writes it (here with this tree's dnspoolctl).
# --man=no: the image has no man-db to look the page up with.
unit_verifies() {
	local ctl
	ctl=$(readlink -f "$CTL")
	sed "s|@SBINDIR@/dnspoolctl|$ctl|" "$(dirname "$0")/../ctl/dnspool.service.in" \
		>"$TMP/dnspool.service"
	grep -q '^After=tlshd.service$' "$TMP/dnspool.service" &&
	grep -q '^Before=nss-lookup.target$' "$TMP/dnspool.service" || return 1
	systemd-analyze verify --man=no "$TMP/dnspool.service" 2>&1 | sed 's/^/# /'
	[ "${PIPESTATUS[0]}" = 0 ]
}
check "the systemd unit passes systemd-analyze verify" unit_verifies
ktap_finished
