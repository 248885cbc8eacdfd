# SPDX-License-Identifier: GPL-2.0
# Helpers for the shell selftests, on kselftest's ktap_helpers.sh when the
# kernel source is at hand.  Sourced by each test.
KSFT_DIR=${KSFT_DIR:-/opt/linux/tools/testing/selftests}
. "$KSFT_DIR/kselftest/ktap_helpers.sh"

# Each test runs in a network namespace of its own, as kselftests do: it
# re-executes itself in a new one, loopback up, and leaves the initial
# namespace as it found it (its upstreams, nft tables, sysctls).  The
# module's state is per namespace, so tests cannot see each other's
# upstreams either.  (The benchmark and the demo run where they are
# started: they set DNSPOOL_NETNS=keep.)
if [ -z "${DNSPOOL_NETNS:-}" ]; then
	DNSPOOL_NETNS=own exec unshare --net -- "$BASH" "$0" "$@"
	echo "# cannot make a network namespace for the test" >&2
	exit 1
fi
[ "$DNSPOOL_NETNS" = own ] && ip link set lo up

CTL=${CTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/ctl/dnspoolctl}

# Is the family registered?  Asks the kernel's genetlink controller.
family_registered() {
	genl-ctrl-list 2>/dev/null | grep -qw dnspool
}

dnspool_load() {
	lsmod | grep -qw '^dnspool' || modprobe dnspool
}

# ctl_start_ms NAME: milliseconds one dnspoolctl run takes here
# (`upstream show NAME`): what a bound on a query's time through
# dnspoolctl must add on a slow kernel, where starting it takes seconds.
ctl_start_ms() {
	local t0
	t0=$(date +%s%N)
	"$CTL" -j upstream show "$1" >/dev/null || return 1
	echo $((($(date +%s%N) - t0) / 1000000))
}

# stat_of NAME KEY [NETWORK]: KEY of `dnspoolctl -j stats NAME` for the
# upstream's own pool, or for its NETWORK (udp, tcp, tls) pool.
stat_of() {
	if [ -n "${3:-}" ]; then
		"$CTL" -j stats "$1" | jq ".pools[] | select(.network == \"$3\") | .$2"
	else
		"$CTL" -j stats "$1" | jq ".pools[0].$2"
	fi
}

# Removes every upstream of the current namespace: a test starts afresh.
upstreams_clear() {
	local n
	for n in $("$CTL" -j upstream show | jq -r '.[].name'); do "$CTL" upstream del "$n"; done
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
	local spec
	spec="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/include/uapi/linux/dnspool.yaml"
	python3 - "$ynl" "$spec" "$@" <<'PY'
import sys
ynl_dir, spec, op, prefix, first, last = sys.argv[1:7]
ipv4 = int(sys.argv[7]) if len(sys.argv) > 7 else 0xc0000209
sys.path.append(ynl_dir)
from lib import YnlFamily
ynl = YnlFamily(spec, '')	# no schema check: the build's ynl-regen.sh --check did it
for i in range(int(first), int(last) + 1):
    if op == 'add':
        ynl.do('upstream-add', {'name': f'{prefix}{i}', 'transport': 'udp', 'ipv4': ipv4})
    else:
        ynl.do('upstream-del', {'name': f'{prefix}{i}'})
PY
}

RESPONDER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/upstreams/dns_responder.py"

# responder [-n NETNS] PORT ARGS...: a misbehaving upstream
# (upstreams/dns_responder.py) on 127.0.0.1:PORT, in network namespace
# NETNS if given, started once it listens; its PID joins $PIDS.
responder() {
	local ns= port fifo
	[ "$1" = -n ] && { ns=$2; shift 2; }
	port=$1
	shift
	fifo=$(mktemp -u)
	mkfifo "$fifo"
	${ns:+ip netns exec "$ns"} python3 "$RESPONDER" --port "$port" "$@" >"$fifo" &
	PIDS="$PIDS $!"
	# A debug VM beside others took more than 10 s to start python.
	read -r -t 60 _ <"$fifo" || echo "# the test responder on port $port: not listening after 60 s"
	rm -f "$fifo"
}

# names_file N [PREFIX]: a file of N "PREFIXi.dnspool.test A" lines, for
# dnspoolctl query --batch; its path is echoed.
names_file() {
	local f i
	f=$(mktemp)
	for i in $(seq "$1"); do echo "${2:-h}$i.dnspool.test A"; done >"$f"
	echo "$f"
}

# The test PKI, made once and shared by the tests: unbound serves DNS over
# TLS with it and tlshd trusts its CA.
DNSPOOL_PKI=${DNSPOOL_PKI:-/tmp/dnspool-pki}
TLS_NAME=dns.dnspool.test
# The query timeout of an upstream whose first query waits on its TLS
# handshake: 15 s, not the default 5, for that handshake with tlshd took
# over 5 s (5.2 s, and more) in a VM on a host shared with other VMs.
# shellcheck disable=SC2034 # for the tests that source this file
TLS_FIRST_TIMEOUT=15s

# tls_pki DIR: a test CA (ca.pem) and, signed by it, a server key and
# certificate (server-key.pem, server.pem) for $TLS_NAME, made with
# certtool.  ECDSA P-256: RSA key generation is slow under TCG.  Nothing is
# done when DIR/server.pem exists: it is renamed into place last.
tls_pki() {
	local dir=$1
	[ -f "$dir/server.pem" ] && return 0
	mkdir -p "$dir" || return 1
	cat >"$dir/ca.tmpl" <<-EOF
		cn = "dnspool test CA"
		ca
		cert_signing_key
		expiration_days = 3650
	EOF
	cat >"$dir/server.tmpl" <<-EOF
		cn = "$TLS_NAME"
		dns_name = "$TLS_NAME"
		tls_www_server
		signing_key
		expiration_days = 3650
	EOF
	# Keys readable by their owner only.
	(
		key() { (umask 077 && certtool --generate-privkey --key-type=ecdsa \
			 --curve=secp256r1 --no-text --outfile "$1"); }
		key "$dir/ca-key.pem" &&
		certtool --generate-self-signed --load-privkey "$dir/ca-key.pem" \
			--template "$dir/ca.tmpl" --no-text --outfile "$dir/ca.pem" &&
		key "$dir/server-key.pem" &&
		certtool --generate-certificate --load-privkey "$dir/server-key.pem" \
			--load-ca-certificate "$dir/ca.pem" --load-ca-privkey "$dir/ca-key.pem" \
			--template "$dir/server.tmpl" --no-text --outfile "$dir/server.pem.tmp" &&
		mv "$dir/server.pem.tmp" "$dir/server.pem"
	) >"$dir/certtool.log" 2>&1 || {
		echo "# certtool failed: $(cat "$dir/certtool.log")" >&2
		return 1
	}
}

# start_unbound ADDR PORT [TLSPORT]: an unbound serving dnspool.test (and
# h1..h1000, and big.dnspool.test, too big for a UDP answer) on ADDR:PORT,
# in the current network namespace; with TLSPORT, over TLS on ADDR:TLSPORT
# too, as $TLS_NAME with the certificate of tls_pki $DNSPOOL_PKI.  Its PID
# is echoed; it stops with the test.  It runs with Debian's defaults;
# UNBOUND_TUNING, if set, holds server: lines for a test that needs more
# (and says why).
start_unbound() {
	local addr=$1 port=$2 tlsport=${3:-} dir i
	dir=$(mktemp -d /tmp/unbound.XXXXXX)
	{
		for i in $(seq 1000); do
			echo "	local-data: \"h$i.dnspool.test. 300 IN A 198.51.100.$((i % 250 + 1))\""
		done
		for i in $(seq 12); do
			echo "	local-data: 'big.dnspool.test. 300 IN TXT \"$(printf "%0200d" "$i")\"'"
		done
	} >"$dir/bulk.conf"
	# Included always: empty without a TLS port.  unbound serves TLS on
	# the interfaces whose port is tls-port.
	echo "# DNS over TLS" >"$dir/tls.conf"
	if [ -n "$tlsport" ]; then
		tls_pki "$DNSPOOL_PKI" || return 1
		cat >>"$dir/tls.conf" <<-EOF
			interface: $addr@$tlsport
			tls-port: $tlsport
			tls-service-key: "$DNSPOOL_PKI/server-key.pem"
			tls-service-pem: "$DNSPOOL_PKI/server.pem"
		EOF
	fi
	printf '# tuning\n%s\n' "${UNBOUND_TUNING:-}" >"$dir/tuning.conf"
	sed -e "s|@ADDR@|$addr|g; s|@PORT@|$port|g; s|@DIR@|$dir|g" \
		"$(dirname "${BASH_SOURCE[0]}")/upstreams/unbound.conf.in" >"$dir/unbound.conf"
	unbound -c "$dir/unbound.conf" >"$dir/log" 2>&1 &
	echo $!
	# Ready when it answers, over TLS too.
	for i in $(seq 100); do
		kdig +short +timeout=1 +retry=0 -p "$port" @"$addr" a.dnspool.test >/dev/null 2>&1 &&
		{ [ -z "$tlsport" ] || kdig +short +timeout=2 +retry=0 +tls +tls-ca="$DNSPOOL_PKI/ca.pem" \
			+tls-hostname=$TLS_NAME -p "$tlsport" @"$addr" a.dnspool.test >/dev/null 2>&1; } &&
		return 0
		sleep 0.2
	done
	echo "# unbound on $addr:$port${tlsport:+ and TLS $tlsport} did not start: $(cat "$dir/log")" >&2
	return 1
}

# tls_env PORT TLSPORT: the test PKI, an unbound on 127.0.0.1 serving
# PORT and DNS over TLS on TLSPORT, and a tlshd; their PIDs in UNBOUND and
# TLSHD.  The test ends when one cannot start.
tls_env() {
	tls_pki "$DNSPOOL_PKI" || ktap_exit_fail_msg "cannot make the test PKI"
	UNBOUND=$(start_unbound 127.0.0.1 "$1" "$2") || ktap_exit_fail_msg "no unbound"
	TLSHD=$(start_tlshd) || ktap_exit_fail_msg "no tlshd"
}

# The id of the generic netlink family "handshake"'s multicast group
# "tlshd", which handshake agents join.
handshake_group() {
	genl ctrl get name handshake 2>/dev/null |
		sed -n 's/.*ID-\(0x[0-9a-f]*\) *name: tlshd.*/\1/p'
}

# handshake_listening PID [GROUP]: has PID joined GROUP (handshake_group's)?
# That is what the kernel asks of a handshake agent (genl_has_listeners()),
# and tlshd's last step before it waits for requests; it logs nothing then.
# /proc/net/netlink lists this netns's sockets with their inode and first
# 32 groups: a group beyond those cannot be seen there, and returns 2.
# Members first, read by the shell itself, then whose they are: polls
# until tlshd is ready fork nothing (a fork is slow under TCG).
handshake_listening() {
	local pid=$1 grp=${2:-$(handshake_group)} members= eth groups inode line
	[ -n "$grp" ] || return 1
	if [ $((grp)) -gt 32 ]; then
		echo "# handshake group $((grp)) is beyond /proc/net/netlink's 32" >&2
		return 2
	fi
	while read -r _ eth _ groups _ _ _ _ _ inode; do
		[ "$eth" = 16 ] && (((0x$groups >> (grp - 1)) & 1)) && members+=" $inode "
	done </proc/net/netlink
	[ -n "$members" ] || return 1
	while read -r line; do
		[[ $line =~ socket:\[([0-9]+)\]$ ]] &&
		[[ $members == *" ${BASH_REMATCH[1]} "* ]] && return 0
	done < <(ls -l /proc/"$pid"/fd 2>/dev/null)
	return 1
}

# start_tlshd: a tlshd in the current network namespace (the kernel hands a
# socket's handshake to an agent in the socket's own netns) that trusts the
# CA of tls_pki $DNSPOOL_PKI for servers' certificates.  Its PID is echoed;
# it logs to syslog unless -s, so its log is tlshd.log in the directory of
# its config.  It stops with the test.
start_tlshd() {
	local dir pid grp end
	tls_pki "$DNSPOOL_PKI" || return 1
	grp=$(handshake_group)
	[ -n "$grp" ] || { echo "# no handshake family in this kernel" >&2; return 1; }
	dir=$(mktemp -d /tmp/tlshd.XXXXXX)
	cat >"$dir/tlshd.conf" <<-EOF
		[debug]
		loglevel=1
		tls=0
		nl=0

		[authenticate]

		[authenticate.client]
		x509.truststore=$DNSPOOL_PKI/ca.pem

		[authenticate.server]
	EOF
	tlshd -c "$dir/tlshd.conf" -s >"$dir/tlshd.log" 2>&1 &
	pid=$!
	echo $pid
	# Ready when it listens: a handshake before that fails with -ESRCH.
	# Bounded in time, not in polls: a poll is slow on a loaded host.
	# The bound proves it starts; it measures nothing: the debug kernel
	# in a VM just booted, beside three others, took over 10 s.
	end=$((SECONDS + 60))
	while [ $SECONDS -lt $end ]; do
		handshake_listening $pid "$grp"
		case $? in
		0) return 0 ;;
		2) break ;;
		esac
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	echo "# tlshd did not start listening within 60 s: $(cat "$dir/tlshd.log")" >&2
	return 1
}

# wait_until SECONDS CMD...: runs CMD every 0.2 s until it succeeds, for
# SECONDS at most (bounded in time, not in polls: a poll is slow on the
# debug kernel); fails when it never did.
wait_until() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# listener_stats NAME [NETNS]: listener NAME's object in `dnspoolctl -j
# stats` (its configuration and counters), of netns NETNS if given.
listener_stats() {
	"$CTL" ${2:+-n "$2"} -j stats | jq -c --arg n "$1" '.listeners[] | select(.name == $n)'
}

# listener_stat NAME KEY [NETNS]: one counter of listener_stats.
listener_stat() {
	listener_stats "$1" "${3:-}" | jq -r ".$2"
}

# upstream_queries NAME [NETNS]: queries upstream NAME's pools (all of
# them: udp, tcp for truncated answers) were asked.
upstream_queries() {
	"$CTL" ${2:+-n "$2"} -j stats "$1" | jq '[.pools[].queries] | add'
}

# unbound_conf PID: the configuration file unbound PID runs with.
unbound_conf() {
	tr '\0' '\n' <"/proc/$1/cmdline" | sed -n '/^-c$/{n;p}'
}

# unbound_control PID: turns the remote control of unbound PID (of
# start_unbound) on, on a local socket beside its configuration (the
# template turns it off), and reloads it (SIGHUP): unbound_stat can then
# read its counters.
unbound_control() {
	local conf
	conf=$(unbound_conf "$1")
	printf '\tcontrol-enable: yes\n\tcontrol-interface: "%s/control.sock"\n' \
		"${conf%/*}" >>"$conf"
	kill -HUP "$1"
	wait_until 30 eval "[ -n \"\$(unbound_stat $1 total.num.queries)\" ]"
}

# unbound_stat PID KEY: counter KEY of unbound PID (unbound-control
# stats_noreset), empty when unbound prints none (it leaves out most zeros).
unbound_stat() {
	unbound-control -c "$(unbound_conf "$1")" stats_noreset 2>/dev/null |
		sed -n "s/^${2//./\\.}=//p"
}

HOSTILE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/upstreams/dns_client_hostile.py"

# hostile ARGS...: the test DNS client (upstreams/dns_client_hostile.py),
# its "# " lines passed on, its last line (JSON) on stdout; its status.
hostile() {
	local out rc
	out=$(python3 "$HOSTILE" "$@")
	rc=$?
	grep '^#' <<<"$out" >&2
	grep -v '^#' <<<"$out" | tail -n 1
	return $rc
}
