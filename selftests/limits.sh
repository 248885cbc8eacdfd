#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What a requester, a user, a namespace and the user who owns it may hold:
# queries in flight per socket and per user, refused at once past the
# bound, with why; connections per namespace (stricter for one an
# unprivileged user made) and per owning user, past which pools share the
# connections they have; and socket buffers held to the host's limits in
# such namespaces.  The bounds are module parameters, lowered here to make
# them reachable; each test sets back what it lowered.
. "$(dirname "$0")/lib.sh"

SILENT=5361	# a UDP upstream that reads nothing and answers nothing
PARAMS=/sys/module/dnspool/parameters
PIDS=
TMP=$(mktemp -d)
cleanup() {
	kill $PIDS 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
limit_of() { "$CTL" -j limits | jq ".$1"; }

# A UDP socket on port $1 that is never read, in the current namespace.
SILENT_PY='import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
time.sleep(120)'

ktap_print_header
ktap_set_plan 7
dnspool_load
upstreams_clear
mkfifo "$TMP/ready"
python3 -c "$SILENT_PY" $SILENT >"$TMP/ready" &
PIDS="$PIDS $!"
read -r -t 10 _ <"$TMP/ready" || ktap_exit_fail_msg "the silent upstream did not start"
"$CTL" upstream add silent udp://127.0.0.1:$SILENT timeout 3s || ktap_exit_fail_msg "no upstream"
chmod 755 "$TMP"

per_socket() {
	local f out seen
	echo 5 >$PARAMS/max_inflight_per_socket
	f=$(names_file 8)
	"$CTL" -j query @silent --batch "$f" --concurrency 8 >"$TMP/batch" 2>"$TMP/err" &
	sleep 1
	seen=$("$CTL" -j limits)
	wait $!
	echo 4096 >$PARAMS/max_inflight_per_socket
	rm -f "$f"
	out=$(cat "$TMP/batch")
	echo "# $(jq -c . <<<"$out"); during it: $(jq -c . <<<"$seen")"
	jq -e '.refused == 3 and .upstream_errors == 5' <<<"$out" >/dev/null &&
	jq -e '.inflight == 5 and .user_inflight == 5 and .max_inflight_socket == 5' \
		<<<"$seen" >/dev/null &&
	grep -q "max_inflight_per_socket" "$TMP/err" || { cat "$TMP/err"; return 1; }
}
check "queries in flight per socket: the bound's worth taken, the rest refused" per_socket

per_user() {
	local f a b n
	echo 6 >$PARAMS/max_inflight_per_user
	f=$(names_file 4)
	chmod 644 "$f"
	"$CTL" -j query @silent --batch "$f" --concurrency 4 >"$TMP/a" 2>/dev/null &
	a=$!
	"$CTL" -j query @silent --batch "$f" --concurrency 4 >"$TMP/b" 2>/dev/null &
	b=$!
	sleep 1
	# Another user is not held back by root's queries.
	nobody "$CTL" -j query @silent --batch "$f" --concurrency 4 >"$TMP/c" 2>/dev/null
	wait $a $b
	echo 16384 >$PARAMS/max_inflight_per_user
	rm -f "$f"
	n=$(jq -s 'map(.refused) | add' "$TMP/a" "$TMP/b")
	echo "# root's two sockets: $n refused; nobody's: $(jq -c . "$TMP/c")"
	[ "$n" = 2 ] && jq -e '.refused == 0 and .upstream_errors == 4' "$TMP/c" >/dev/null
}
check "queries in flight per user: one user's sockets share the bound, others have theirs" \
	per_user

check "limits reports the bounds; nothing is left in flight" eval \
	'[ "$(limit_of inflight)" = 0 ] && [ "$(limit_of max_inflight_user)" = 16384 ] &&
	 [ "$(limit_of max_conns)" = 4096 ] && [ "$(limit_of owner_uid)" = null ]'

# In an unprivileged user's own namespace: connections bounded by the
# stricter bound; the pool shares the ones it has, and answers all.
userns_conns() {
	local out
	echo 3 >$PARAMS/max_conns_per_userns_netns
	cat >"$TMP/in-userns.sh" <<-EOF
		ip link set lo up
		d=\$(mktemp -d); mkfifo \$d/ready
		python3 "$RESPONDER" --port 5362 >\$d/ready &
		read -r -t 30 _ <\$d/ready
		$CTL upstream add u udp://127.0.0.1:5362 max-conns 50 || exit 1
		$CTL -j query @u --batch "$TMP/names" --concurrency 100 >/dev/null 2>&1
		$CTL -j stats u | jq -c '.pools[0] | {answers, peak_conns, conns_opened}'
		$CTL -j limits | jq -c .
		kill %1
	EOF
	names_file 100 >"$TMP/names.path"
	mv "$(cat "$TMP/names.path")" "$TMP/names"
	chmod 644 "$TMP/names" "$TMP/in-userns.sh"
	out=$(nobody unshare -Urn bash "$TMP/in-userns.sh" 2>&1)
	echo 256 >$PARAMS/max_conns_per_userns_netns
	printf '%s\n' "$out" | sed 's/^/# /'
	head -n 1 <<<"$out" | jq -e '.answers == 100 and .peak_conns <= 3' >/dev/null &&
	sed -n 2p <<<"$out" | jq -e '.max_conns == 3 and .owner_uid == 0' >/dev/null
}
check "an unprivileged user's namespace: at most its bound of connections, all answered" \
	userns_conns

# Socket buffers past net.core.rmem_max only in the host's own namespaces.
rcvbuf() {
	local max host
	max=$(sysctl -n net.core.rmem_max)
	host=$(ss -uamnH dst 127.0.0.1:$SILENT | grep -o 'rb[0-9]*' | head -n 1 | tr -d rb)
	echo "# rmem_max $max; host namespace's UDP socket rb $host"
	[ -n "$host" ] && [ "$host" -gt $((2 * max)) ]
}
check "the host's own namespace: UDP buffers past rmem_max" rcvbuf

userns_rcvbuf() {
	local max rb
	max=$(sysctl -n net.core.rmem_max)
	cat >"$TMP/rb.sh" <<-EOF
		ip link set lo up
		d=\$(mktemp -d); mkfifo \$d/ready
		python3 -c '$SILENT_PY' 5363 >\$d/ready &
		read -r -t 30 _ <\$d/ready
		$CTL upstream add r udp://127.0.0.1:5363 timeout 1s
		$CTL query @r a.dnspool.test >/dev/null 2>&1 &
		sleep 0.5
		ss -uamnH dst 127.0.0.1:5363
		wait %2
		kill %1
	EOF
	chmod 644 "$TMP/rb.sh"
	rb=$(nobody unshare -Urn bash "$TMP/rb.sh" 2>&1 | grep -o 'rb[0-9]*' | head -n 1 | tr -d rb)
	echo "# rmem_max $max; an unprivileged namespace's UDP socket rb $rb"
	[ -n "$rb" ] && [ "$rb" -le $((2 * max)) ]
}
check "an unprivileged user's namespace: UDP buffers within rmem_max" userns_rcvbuf

# Two namespaces of one unprivileged user share that user's bound.
owner_conns() {
	local out
	echo 4 >$PARAMS/max_conns_per_user
	echo 3 >$PARAMS/max_conns_per_userns_netns
	cat >"$TMP/owner.sh" <<-EOF
		ip link set lo up
		export d=\$(mktemp -d); mkfifo \$d/ready
		python3 -c '$SILENT_PY' 5364 >\$d/ready &
		read -r -t 30 _ <\$d/ready
		$CTL upstream add s udp://127.0.0.1:5364 timeout 3s
		# Busy connections: the pool grows to its bound, 3.
		$CTL -j query @s --batch "$TMP/names" --concurrency 300 >/dev/null 2>&1 &
		sleep 1
		# A second namespace of the same user, its pool busy too: 1 left.
		unshare -n bash -c '
			ip link set lo up
			mkfifo \$d/ready2
			python3 -c '"'"'$SILENT_PY'"'"' 5364 >\$d/ready2 &
			read -r -t 30 _ <\$d/ready2
			$CTL upstream add s udp://127.0.0.1:5364 timeout 2s
			$CTL -j query @s --batch "$TMP/names" --concurrency 300 >/dev/null 2>&1 &
			sleep 1
			$CTL -j stats s | jq -c ".pools[0] | {peak_conns}"
			$CTL -j limits | jq -c .
			wait %2; kill %1'
		wait %2
		kill %1
	EOF
	chmod 644 "$TMP/owner.sh"
	out=$(nobody unshare -Urn bash "$TMP/owner.sh" 2>&1)
	echo 4096 >$PARAMS/max_conns_per_user
	echo 256 >$PARAMS/max_conns_per_userns_netns
	printf '%s\n' "$out" | sed 's/^/# /'
	head -n 1 <<<"$out" | jq -e '.peak_conns == 1' >/dev/null &&
	sed -n 2p <<<"$out" | jq -e '.owner_conns == 4 and .max_owner_conns == 4' >/dev/null
}
check "one owner's namespaces share its bound on connections" owner_conns
ktap_finished
