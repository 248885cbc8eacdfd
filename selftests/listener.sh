#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Listeners, the in-kernel DNS front end of a network namespace, with the
# clients that ship: their configuration (defaults, names shared with
# upstreams and groups, a busy address, the capabilities needed); kdig and
# dig over UDP and TCP getting what unbound gives them directly; answers
# too long for a UDP client sent empty with TC, and complete over TCP; the
# target failing or deleted (SERVFAIL); glibc's resolver through a
# namespace's resolv.conf; two container-like namespaces, each with its
# own listener and upstream; the allow list and the rate limit for clients
# over a veth.  Hostile clients and teardown: listener_hostile.sh.
. "$(dirname "$0")/lib.sh"

UPORT=5401	# unbound
LPORT=5402	# the listener most tests use
DIR=$(cd "$(dirname "$0")" && pwd)
PIDS=
UNBOUND=
TMP=$(mktemp -d)
cleanup() {
	kill $PIDS $UNBOUND 2>/dev/null
	for ns in c1 c2 far; do
		ip netns pids $ns 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del $ns 2>/dev/null
		rm -rf /etc/netns/$ns
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
no_net_admin() { capsh --drop=cap_net_admin -- -c '"$0" "$@"' "$@"; }
no_bind_service() { capsh --drop=cap_net_bind_service -- -c '"$0" "$@"' "$@"; }

# show NAME [NETNS]: listener NAME's JSON object (listener show -j)
show() { "$CTL" ${2:+-n "$2"} -j listener show "$1" | jq -c '.[0]'; }

# answers PORT NAME TYPE [FLAGS]: the answer data kdig gets, sorted.
answers() {
	local port=$1 name=$2 type=$3
	shift 3
	kdig +short +timeout=5 +retry=1 "$@" -p "$port" @127.0.0.1 "$name" "$type" | sort
}

# status PORT NAME TYPE [FLAGS]: the status (rcode) kdig reports.
status() {
	local port=$1 name=$2 type=$3
	shift 3
	kdig +timeout=5 +retry=1 "$@" -p "$port" @127.0.0.1 "$name" "$type" |
		grep -o 'status: [A-Z]*' | head -n 1
}

ktap_print_header
ktap_set_plan 18
dnspool_load
upstreams_clear
UNBOUND=$(start_unbound 127.0.0.1 $UPORT) || ktap_exit_fail_msg "no unbound"
"$CTL" upstream add u udp://127.0.0.1:$UPORT || ktap_exit_fail_msg "cannot add u"

defaults() {
	local got want line
	"$CTL" listener add d 127.0.0.1 target u || return 1
	got=$(show d | jq -c '[.address, .port, .proto, .target, .allow, .rate, .tcp_idle_ms, .tcp_max]')
	want='["127.0.0.1",53,"both","u",["127.0.0.0/8","::1/128"],0,10000,256]'
	[ "$got" = "$want" ] || { echo "# got  $got"; echo "# want $want"; return 1; }
	line=$("$CTL" listener show d | head -n 1)
	[ "$line" = "d 127.0.0.1:53 proto both target u allow 127.0.0.0/8,::1/128 rate off tcp-idle 10s tcp-max 256" ] ||
		{ echo "# listener show: $line"; return 1; }
	# Port 53 by default, both transports.
	[ "$(answers 53 a.dnspool.test A)" = 192.0.2.10 ] &&
	[ "$(answers 53 a.dnspool.test A +tcp)" = 192.0.2.10 ]
}
check "listener add: port 53, both transports, loopback allowed, no rate, tcp-idle 10s, tcp-max 256" defaults

set_del() {
	local got want
	"$CTL" group add g u || return 1
	"$CTL" listener set d target g allow 10.0.0.0/8,fd00::/8 rate 100 tcp-idle 2s tcp-max 8 || return 1
	got=$(show d | jq -c '[.address, .port, .proto, .target, .allow, .rate, .tcp_idle_ms, .tcp_max]')
	want='["127.0.0.1",53,"both","g",["10.0.0.0/8","fd00::/8"],100,2000,8]'
	[ "$got" = "$want" ] || { echo "# got  $got"; echo "# want $want"; return 1; }
	# Only what is given changes.
	"$CTL" listener set d rate off allow 127.0.0.0/8 || return 1
	got=$(show d | jq -c '[.target, .allow, .rate, .tcp_idle_ms, .tcp_max]')
	[ "$got" = '["g",["127.0.0.0/8"],0,2000,8]' ] || { echo "# got $got"; return 1; }
	# A group as the target: answered through its member.
	[ "$(answers 53 a.dnspool.test A)" = 192.0.2.10 ] || return 1
	expect_error "proto" "$CTL" listener set d proto udp &&
	"$CTL" listener del d && ! "$CTL" listener show d >/dev/null 2>&1 &&
	[ "$("$CTL" -j listener show | jq length)" = 0 ] &&
	# Its port is free again.
	"$CTL" listener add d 127.0.0.1 proto udp target u && "$CTL" listener del d
}
check "listener set changes what it is given (a group as target); del; show" set_del

names() {
	"$CTL" listener add n1 127.0.0.1:$LPORT target u || return 1
	expect_error "has this name|File exists" "$CTL" listener add u 127.0.0.1:5403 target u &&
	expect_error "has this name|File exists" "$CTL" listener add g 127.0.0.1:5403 target u &&
	expect_error "has this name|File exists" "$CTL" listener add n1 127.0.0.1:5403 target u &&
	expect_error "has this name|File exists" "$CTL" upstream add n1 udp://192.0.2.1 &&
	expect_error "has this name|File exists" "$CTL" group add n1 u &&
	expect_error "nope|No such file|target" "$CTL" listener add n2 127.0.0.1:5403 target nope &&
	expect_error "nope|No such file|target" "$CTL" listener set n1 target nope &&
	expect_error "No such file|no listener" "$CTL" listener del nope &&
	# A listener is no upstream: not a group's member, not queried by name.
	expect_error "n1" "$CTL" group add g2 n1 &&
	! "$CTL" listener show n2 >/dev/null 2>&1 &&
	[ "$(show n1 | jq -r .target)" = u ] &&
	"$CTL" listener del n1
}
check "names shared with upstreams and groups (EEXIST); a target must exist" names

busy() {
	local rc
	"$CTL" listener add b1 127.0.0.1:$LPORT target u || return 1
	busy_refused
	rc=$?
	"$CTL" listener del b1 && return $rc
}
busy_refused() {
	# unbound's address, both transports or one; a listener's.
	expect_error "in use" "$CTL" listener add b2 127.0.0.1:$UPORT target u &&
	expect_error "in use" "$CTL" listener add b2 127.0.0.1:$UPORT proto udp target u &&
	expect_error "in use" "$CTL" listener add b2 127.0.0.1:$UPORT proto tcp target u &&
	expect_error "in use" "$CTL" listener add b2 127.0.0.1:$LPORT target u &&
	expect_error "in use" "$CTL" listener add b2 127.0.0.1:$LPORT proto udp target u &&
	# A wildcard is no address of a listener.
	expect_error "wildcard" "$CTL" listener add b2 0.0.0.0:$LPORT target u &&
	expect_error "wildcard" "$CTL" listener add b2 "[::]:$LPORT" target u &&
	! "$CTL" listener show b2 >/dev/null 2>&1 &&
	# What failed took nothing: unbound answers, b1 answers.
	[ "$(answers $UPORT a.dnspool.test A)" = 192.0.2.10 ] &&
	[ "$(answers $LPORT a.dnspool.test A)" = 192.0.2.10 ]
}
check "an address in use: EADDRINUSE; a wildcard refused; nothing taken" busy

privileges() {
	expect_error "Operation not permitted" no_net_admin "$CTL" listener add p 127.0.0.1:5403 target u &&
	expect_error "Operation not permitted" nobody "$CTL" listener add p 127.0.0.1:5403 target u &&
	# A port below 1024 needs CAP_NET_BIND_SERVICE too; one above does not.
	expect_error "Permission denied|CAP_NET_BIND_SERVICE" \
		no_bind_service "$CTL" listener add p 127.0.0.1 target u &&
	expect_error "Permission denied|CAP_NET_BIND_SERVICE" \
		no_bind_service "$CTL" listener add p 127.0.0.1:1023 target u &&
	no_bind_service "$CTL" listener add p 127.0.0.1:5403 target u &&
	expect_error "Operation not permitted" no_net_admin "$CTL" listener set p rate 5 &&
	expect_error "Operation not permitted" no_net_admin "$CTL" listener del p &&
	nobody "$CTL" listener show p >/dev/null &&
	"$CTL" listener del p
}
check "CAP_NET_ADMIN needed; a port below 1024 needs CAP_NET_BIND_SERVICE" privileges

# A container's root: an unprivileged user's own user and network
# namespace, where it has CAP_NET_BIND_SERVICE: port 53 is its own.
container_root() {
	local out
	cat >"$TMP/userns.sh" <<-EOF
		ip link set lo up
		d=\$(mktemp -d); mkfifo \$d/ready
		python3 "$RESPONDER" --port 5404 >\$d/ready &
		read -r -t 30 _ <\$d/ready
		$CTL upstream add r udp://127.0.0.1:5404 &&
		$CTL listener add l 127.0.0.1 target r &&
		kdig +short +timeout=5 @127.0.0.1 a.dnspool.test A &&
		kdig +short +timeout=5 +tcp @127.0.0.1 a.dnspool.test A &&
		$CTL -j listener show l | jq -r '.[0].port'
		kill %1
	EOF
	chmod 755 "$TMP"
	chmod 644 "$TMP/userns.sh"
	out=$(nobody unshare -Urn bash "$TMP/userns.sh" 2>&1)
	printf '%s\n' "$out" | sed 's/^/# /'
	[ "$out" = "$(printf '192.0.2.99\n192.0.2.99\n53')" ]
}
check "the root of an unprivileged user's namespaces listens on its port 53" container_root

"$CTL" listener add l 127.0.0.1:$LPORT target u || ktap_exit_fail_msg "cannot add listener l"

# TOOL (kdig or dig) asking PORT the eight queries in one run, with FLAGS:
# the statuses and records it printed, sorted, in $TMP/TOOL.PORT.FLAGS.
QUERIES="a.dnspool.test A a.dnspool.test AAAA mx.dnspool.test MX txt.dnspool.test TXT
	 h77.dnspool.test A mid.dnspool.test TXT big.dnspool.test TXT nx.dnspool.test A"
ask_all() {
	local tool=$1 port=$2 flags=$3
	if [ "$tool" = kdig ]; then
		# shellcheck disable=SC2086 # the queries, split
		kdig +timeout=5 +retry=1 $flags -p "$port" @127.0.0.1 $QUERIES
	else
		# shellcheck disable=SC2086
		dig +time=5 +tries=2 $flags -p "$port" @127.0.0.1 $QUERIES
	fi 2>/dev/null | grep -oE 'status: [A-Z]+|^[^;].*' | sort >"$TMP/$tool.$port.$flags"
}

# Through the listener with TOOL and FLAGS, and straight from unbound over
# UDP (TCP when truncated): the same statuses and records.
same_as_unbound() {
	local tool=$1 flags=$2 b a got
	b=$(listener_stats l)
	[ -s "$TMP/$tool.$UPORT." ] || ask_all "$tool" $UPORT ""
	ask_all "$tool" $LPORT "$flags"
	a=$(listener_stats l)
	got="$TMP/$tool.$LPORT.$flags"
	echo "# $(grep -c . "$got") lines: $(grep status "$got" | uniq -c | paste -sd,)"
	diff -u "$TMP/$tool.$UPORT." "$got" | sed 's/^/# /'
	[ "$(grep -c '^status: NOERROR' "$got")" = 7 ] && [ "$(grep -c '^status: NXDOMAIN' "$got")" = 1 ] &&
	[ "$(grep -c 'IN.TXT' "$got")" = 16 ] && cmp -s "$TMP/$tool.$UPORT." "$got" || return 1
	# Each went through the listener; over UDP, big's truncated answer
	# made the tool ask again over TCP (both send EDNS, 1232 bytes).
	jq -e --argjson b "$b" '.queries - $b.queries >= 8 and .tcp_conns_total > $b.tcp_conns_total' \
		<<<"$a" >/dev/null || { echo "# $b -> $a"; return 1; }
}
check "kdig over UDP (TCP once truncated): what unbound answers" same_as_unbound kdig ""
check "kdig over TCP: what unbound answers" same_as_unbound kdig +tcp
check "dig over UDP (TCP once truncated): what unbound answers" same_as_unbound dig ""
check "dig over TCP: what unbound answers" same_as_unbound dig +tcp

# dig +ignore's header for NAME TXT with FLAGS: "tc ANSWER ADDITIONAL"
header() {
	local name=$1 out line
	shift
	out=$(dig +ignore +time=5 +tries=1 "$@" -p $LPORT @127.0.0.1 "$name" TXT) || return 1
	line="$(grep -qE '^;; flags:[^;]* tc[ ;]' <<<"$out" && echo tc || echo -)"
	line+=" $(grep -oE 'ANSWER: [0-9]+' <<<"$out") $(grep -oE 'ADDITIONAL: [0-9]+' <<<"$out")"
	echo "# $name $*: $line" >&2
	grep -q 'QUERY: 1,' <<<"$out" && grep -q "^;$name" <<<"$out" ||
		{ echo "# no question in: $out" >&2; return 1; }
	echo "$line"
}

truncated() {
	local t0 t1 got
	t0=$(listener_stat l truncated)
	# 673 bytes: more than 512 (no EDNS), less than 1232 (EDNS), more than 600.
	[ "$(header mid.dnspool.test +noedns)" = "tc ANSWER: 0 ADDITIONAL: 0" ] &&
	[ "$(header mid.dnspool.test +bufsize=1232)" = "- ANSWER: 3 ADDITIONAL: 1" ] &&
	got=$(header mid.dnspool.test +bufsize=600) &&
	[[ $got =~ ^"tc ANSWER: 0 ADDITIONAL: "[01]$ ]] &&
	# About 2.5 KB: too long for either.
	[ "$(header big.dnspool.test +noedns)" = "tc ANSWER: 0 ADDITIONAL: 0" ] &&
	got=$(header big.dnspool.test +bufsize=1232) &&
	[[ $got =~ ^"tc ANSWER: 0 ADDITIONAL: "[01]$ ]] || return 1
	t1=$(listener_stat l truncated)
	[ $((t1 - t0)) = 4 ] || { echo "# truncated: $t0 -> $t1, expected 4 more"; return 1; }
}
check "an answer too long for the UDP client: header and question, TC set, counted" truncated

ipv6() {
	"$CTL" listener add six "[::1]:$LPORT" target u || return 1
	[ "$(show six | jq -c '[.address, .port]')" = "[\"::1\",$LPORT]" ] &&
	[ "$(kdig +short +timeout=5 -p $LPORT @::1 a.dnspool.test AAAA)" = 2001:db8::10 ] &&
	[ "$(kdig +short +timeout=5 +tcp -p $LPORT @::1 a.dnspool.test AAAA)" = 2001:db8::10 ] &&
	[ "$(listener_stat six answers)" = 2 ] && "$CTL" listener del six
}
check "an IPv6 listener, beside an IPv4 one on the same port" ipv6

servfail() {
	local s0 s1 out
	responder 5405 --drop
	"$CTL" upstream add dead udp://127.0.0.1:5405 timeout 500ms || return 1
	"$CTL" upstream add tmp udp://127.0.0.1:$UPORT || return 1
	"$CTL" listener add f 127.0.0.1:5406 target dead || return 1
	out=$(status 5406 a.dnspool.test A) &&
	[ "$out" = "status: SERVFAIL" ] || { echo "# silent upstream: $out"; return 1; }
	[ "$(listener_stat f servfail)" = 1 ] || return 1
	# Its target deleted: SERVFAIL, the listener stays.
	"$CTL" listener set f target tmp || return 1
	[ "$(answers 5406 a.dnspool.test A)" = 192.0.2.10 ] || return 1
	"$CTL" upstream del tmp || return 1
	s0=$(listener_stat f servfail)
	out=$(status 5406 a.dnspool.test A +tcp) &&
	[ "$out" = "status: SERVFAIL" ] || { echo "# target deleted, TCP: $out"; return 1; }
	out=$(status 5406 a.dnspool.test A) &&
	[ "$out" = "status: SERVFAIL" ] || { echo "# target deleted, UDP: $out"; return 1; }
	s1=$(listener_stat f servfail)
	[ $((s1 - s0)) = 2 ] && [ "$(show f | jq -r .target)" = tmp ] || return 1
	"$CTL" listener set f target u && [ "$(answers 5406 a.dnspool.test A)" = 192.0.2.10 ] &&
	"$CTL" listener del f
}
check "the target failing, or deleted: SERVFAIL, counted; set target mends it" servfail

# A named namespace NS with unbound (or, with a second argument, the test
# responder answering 192.0.2.99) on 127.0.0.1:$UPORT, its upstream "up",
# its listener "dns" on 127.0.0.1:53 and its resolv.conf naming it, as
# iproute2 bind-mounts /etc/netns/NS/resolv.conf for ip netns exec.
resolver_ns() {
	local ns=$1
	ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	if [ -z "${2:-}" ]; then
		ip netns exec "$ns" bash -c ". '$DIR/lib.sh'; start_unbound 127.0.0.1 $UPORT" >/dev/null ||
			return 1
	else
		responder -n "$ns" $UPORT
	fi
	"$CTL" -n "$ns" upstream add up udp://127.0.0.1:$UPORT &&
	"$CTL" -n "$ns" listener add dns 127.0.0.1 target up || return 1
	mkdir -p /etc/netns/"$ns"
	printf 'nameserver 127.0.0.1\noptions timeout:3 attempts:2\n' >/etc/netns/"$ns"/resolv.conf
}

# getent ahosts NAME in NS: its addresses, sorted, one a line.
ahosts() {
	ip netns exec "$1" timeout 30 getent ahosts "$2" | awk '{ print $1 }' | sort -u
}

glibc() {
	local rc
	resolver_ns c1 || return 1
	[ "$(ahosts c1 a.dnspool.test | paste -sd' ')" = "192.0.2.10 2001:db8::10" ] &&
	[ "$(ahosts c1 h5.dnspool.test)" = 198.51.100.6 ] || return 1
	ip netns exec c1 timeout 30 getent ahosts nx.dnspool.test
	rc=$?
	[ $rc = 2 ] || { echo "# getent for a name that does not exist: exit $rc"; return 1; }
	# Over TCP (options use-vc): A and AAAA on one connection.
	printf 'nameserver 127.0.0.1\noptions use-vc timeout:3 attempts:2\n' >/etc/netns/c1/resolv.conf
	[ "$(ahosts c1 a.dnspool.test | paste -sd' ')" = "192.0.2.10 2001:db8::10" ] || return 1
	echo "# $(listener_stats dns c1 | jq -c '{queries, answers, tcp_conns_total, servfail}')"
	[ "$(listener_stat dns tcp_conns_total c1)" -ge 1 ] && [ "$(listener_stat dns servfail c1)" = 0 ]
}
check "glibc's resolver (getent ahosts) through the resolv.conf of ip netns, UDP and TCP" glibc

# Two container-like namespaces, the same names and port in each, their
# own upstreams: each sees its own answers, listeners and counters.  c1
# is glibc's, with unbound; c2 has the test responder.
containers() {
	local a b
	resolver_ns c2 responder || return 1
	a=$(ahosts c1 a.dnspool.test | paste -sd' ')
	b=$(ahosts c2 a.dnspool.test | paste -sd' ')
	[ "$a" = "192.0.2.10 2001:db8::10" ] && [ "$b" = 192.0.2.99 ] ||
		{ echo "# c1: $a; c2: $b"; return 1; }
	[ "$(ip netns exec c1 kdig +short +timeout=5 +tcp @127.0.0.1 h9.dnspool.test)" = 198.51.100.10 ] &&
	[ "$(ip netns exec c2 kdig +short +timeout=5 +tcp @127.0.0.1 h9.dnspool.test)" = 192.0.2.99 ] ||
		return 1
	[ "$("$CTL" -n c1 -j listener show | jq -c '[.[] | [.name, .target]]')" = '[["dns","up"]]' ] &&
	[ "$("$CTL" -j listener show | jq -r '[.[].name] | join(",")')" = l ] || return 1
	# c2's queries are not c1's.
	a=$(listener_stat dns queries c1)
	ip netns exec c2 kdig +short +timeout=5 @127.0.0.1 x.dnspool.test >/dev/null
	[ "$(listener_stat dns queries c1)" = "$a" ] || return 1
	# One deleted, the other serves.
	"$CTL" -n c1 listener del dns &&
	[ "$(ip netns exec c2 kdig +short +timeout=5 @127.0.0.1 h9.dnspool.test)" = 192.0.2.99 ] &&
	[ "$("$CTL" -n c1 -j listener show | jq length)" = 0 ]
}
check "two namespaces, each with its listener on port 53 and its upstream: isolated" containers

# A namespace "far" on a veth: 10.9.0.2/24 and 10.9.1.2/24 there, 10.9.0.1
# and 10.9.1.1 here; fd09::2 there, fd09::1 here.
ip netns add far && ip -n far link set lo up &&
ip link add v-far type veth peer name eth0 netns far &&
ip addr add 10.9.0.1/24 dev v-far && ip addr add 10.9.1.1/24 dev v-far &&
ip addr add fd09::1/64 dev v-far nodad && ip link set v-far up &&
ip -n far addr add 10.9.0.2/24 dev eth0 && ip -n far addr add 10.9.1.2/24 dev eth0 &&
ip -n far addr add fd09::2/64 dev eth0 nodad && ip -n far link set eth0 up ||
	ktap_exit_fail_msg "cannot make the veth namespace"
far() { ip netns exec far "$@"; }

acl() {
	local r0 q0 out
	"$CTL" listener add acl 10.9.0.1:$LPORT target u || return 1
	"$CTL" listener add acl6 "[fd09::1]:$LPORT" target u || return 1
	r0=$(listener_stat acl refused_acl)
	q0=$(upstream_queries u)
	# Outside the default allow list: no answer over UDP, a closed
	# connection over TCP; counted; nothing forwarded.
	out=$(far python3 "$HOSTILE" --addr 10.9.0.1 --port $LPORT burst 3 --quiet 1.5 | tail -n 1)
	[ "$(jq .answered <<<"$out")" = 0 ] || { echo "# UDP from outside: $out"; return 1; }
	far python3 "$HOSTILE" --addr 10.9.0.1 --port $LPORT --timeout 10 tcp closed >/dev/null ||
		{ echo "# TCP from outside: not closed"; return 1; }
	far kdig +timeout=2 +retry=0 +tcp -p $LPORT @fd09::1 a.dnspool.test >/dev/null 2>&1 &&
		{ echo "# TCP from outside, IPv6: answered"; return 1; }
	[ "$(listener_stat acl refused_acl)" = $((r0 + 4)) ] &&
	[ "$(listener_stat acl6 refused_acl)" = 1 ] && [ "$(listener_stat acl queries)" = 0 ] &&
	[ "$(upstream_queries u)" = "$q0" ] || { echo "# $(listener_stats acl)"; return 1; }
	# Allowed: answered, over both.
	"$CTL" listener set acl allow 10.9.0.0/24 && "$CTL" listener set acl6 allow fd09::/64 ||
		return 1
	[ "$(far kdig +short +timeout=5 -p $LPORT @10.9.0.1 a.dnspool.test)" = 192.0.2.10 ] &&
	[ "$(far kdig +short +timeout=5 +tcp -p $LPORT @10.9.0.1 a.dnspool.test)" = 192.0.2.10 ] &&
	[ "$(far kdig +short +timeout=5 +tcp -p $LPORT @fd09::1 a.dnspool.test)" = 192.0.2.10 ] &&
	[ "$(listener_stat acl refused_acl)" = $((r0 + 4)) ] || return 1
	# The list replaced: outside again.
	"$CTL" listener set acl allow 192.0.2.0/24,10.9.1.0/24 || return 1
	far python3 "$HOSTILE" --addr 10.9.0.1 --port $LPORT --timeout 10 tcp closed >/dev/null &&
	[ "$(listener_stat acl refused_acl)" = $((r0 + 5)) ] &&
	# ... but its other address is inside.
	[ "$(far kdig +short +timeout=5 -b 10.9.1.2 -p $LPORT @10.9.0.1 a.dnspool.test)" = 192.0.2.10 ]
}
check "allow: clients outside ignored (UDP) or disconnected (TCP), counted; set replaces it" acl

# rate 10: a client network's burst of 100 gets 10 or a few more through,
# the rest dropped and counted; another /24 has its own bucket; loopback
# clients are never limited; rate off lifts it.
rate() {
	local far lo off n
	"$CTL" listener add rl 10.9.0.1:5407 allow 10.9.0.0/16,127.0.0.0/8 rate 10 target u || return 1
	far=$(far python3 "$HOSTILE" --addr 10.9.0.1 --port 5407 --src 10.9.0.2 --src 10.9.1.2 \
		burst 100 --quiet 2 | tail -n 1)
	lo=$(python3 "$HOSTILE" --addr 10.9.0.1 --port 5407 --src 127.0.0.1 burst 100 | tail -n 1)
	echo "# from far: $far; from 127.0.0.1: $lo"
	echo "# $(listener_stats rl | jq -c '{queries, answers, rate_limited, drops}')"
	jq -e '.by_src | all(.[]; . >= 10 and . < 100)' <<<"$far" >/dev/null &&
	jq -e '.bad == 0' <<<"$far" >/dev/null && jq -e '.answered == 100' <<<"$lo" >/dev/null ||
		return 1
	# Each query either forwarded (and answered) or limited.
	n=$(jq .answered <<<"$far")
	[ "$(listener_stat rl rate_limited)" = $((200 - n)) ] &&
	[ "$(listener_stat rl queries)" = $((n + 100)) ] || return 1
	"$CTL" listener set rl rate off || return 1
	off=$(far python3 "$HOSTILE" --addr 10.9.0.1 --port 5407 --src 10.9.0.2 burst 100 | tail -n 1)
	jq -e '.answered == 100' <<<"$off" >/dev/null || { echo "# rate off: $off"; return 1; }
}
check "rate: per client /24 a bucket of QPS, the excess dropped and counted; loopback exempt" rate

stats_json() {
	local out
	out=$("$CTL" -j stats) || return 1
	jq -e '.listeners | length >= 1 and all(.[]; has("name") and has("queries") and
	       has("answers") and has("servfail") and has("refused_acl") and has("rate_limited") and
	       has("malformed") and has("truncated") and has("tcp_conns") and
	       has("tcp_conns_total") and has("tcp_refused") and has("drops") and has("inflight")) and
	       (.[] | select(.name == "l") | .queries >= 28 and .answers >= .queries and
	        .truncated >= 4 and .inflight == 0 and .tcp_conns == 0 and .malformed == 0)' \
		<<<"$out" >/dev/null || { jq -c .listeners <<<"$out" | sed 's/^/# /'; return 1; }
	out=$("$CTL" stats) || return 1
	grep -qE '^LISTENER ' <<<"$out" && grep -qE '^l +both +127\.0\.0\.1:5402 +u ' <<<"$out" &&
	[ "$(awk '{ if (length > m) m = length } END { print m }' <<<"$out")" -le 100 ] ||
		{ echo "$out" | sed 's/^/# /'; return 1; }
}
check "stats: the listeners and their counters, as JSON and in the table" stats_json
ktap_finished
