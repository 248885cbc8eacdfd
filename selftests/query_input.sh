#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the pools relay: a stub's query (opcode QUERY, one question, at most
# an EDNS OPT record and a last TSIG record, at most 1232 bytes), nothing
# else.  Each message that is not one is refused by the request, with a
# one-line reason naming the message, and never reaches the upstream.
. "$(dirname "$0")/lib.sh"

PORT=5371
PIDS=
TMP=$(mktemp -d)
cleanup() { kill $PIDS 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

stat_of() { "$CTL" -j stats "$1" | jq ".[0].$2"; }

# wire NAME SPEC...: writes $TMP/NAME, a DNS message: a.dnspool.test A
# with the header's fields and sections changed as SPEC says.
wire() {
	python3 - "$TMP/$1" "${@:2}" <<-'PY'
		import struct, sys
		path, specs = sys.argv[1], sys.argv[2:]
		h = dict(id=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0)
		name = b'\x01a\x07dnspool\x04test\x00'
		body = name + struct.pack('>HH', 1, 1)
		def opt(rdata=b''):
		    return b'\x00' + struct.pack('>HHIH', 41, 1232, 0, len(rdata)) + rdata
		def tsig():
		    rdata = b'\x0bhmac-sha256\x00' + bytes(16)
		    return b'\x03key\x00' + struct.pack('>HHIH', 250, 255, 0, len(rdata)) + rdata
		def a_rr():
		    return b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + bytes([192, 0, 2, 1])
		for s in specs:
		    k, _, v = s.partition('=')
		    if k in h:
		        h[k] = int(v, 0)
		    elif k == 'add':
		        body += eval(v)
		    elif k == 'pad':        # an OPT record padding the message to v bytes
		        n = int(v) - 12 - len(body) - 11 - 4
		        body += opt(struct.pack('>HH', 12, n) + bytes(n))
		    elif k == 'raw':
		        body += bytes.fromhex(v)
		    elif k == 'qtype':
		        body = name + struct.pack('>HH', int(v), 1) + body[len(name) + 4:]
		msg = struct.pack('>HHHHHH', h['id'], h['flags'], h['qd'], h['an'], h['ns'], h['ar']) + body
		open(path, 'wb').write(msg)
	PY
}

refused() {
	local desc=$1 re=$2 before
	shift 2
	wire m "$@" || { ktap_test_fail "$desc"; return; }
	before=$(stat_of q queries)
	if expect_error "q: message: .*$re" "$CTL" query @q --raw "$TMP/m" &&
	   [ "$(stat_of q queries)" = "$before" ]; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

taken() {
	local desc=$1
	shift
	wire m "$@" || { ktap_test_fail "$desc"; return; }
	if "$CTL" query @q --raw "$TMP/m" | od -An -tx1 -N4 | grep -q '12 34 81 80'; then
		ktap_test_pass "$desc"
	else
		ktap_test_fail "$desc"
	fi
}

ktap_print_header
ktap_set_plan 17
dnspool_load
upstreams_clear
responder $PORT
"$CTL" upstream add q udp://127.0.0.1:$PORT || ktap_exit_fail_msg "no upstream"

taken "a plain query is taken"
taken "with an EDNS OPT record" ar=1 'add=opt()'
taken "with OPT and a last TSIG record" ar=2 'add=opt()+tsig()'
taken "padded with EDNS to 1232 bytes, the most" ar=1 pad=1232
refused "a response (QR set)" "the QR bit is set" flags=0x8180
refused "opcode NOTIFY" "only opcode QUERY" flags=0x2000
refused "opcode UPDATE" "only opcode QUERY" flags=0x2800
refused "two questions" "exactly one question" qd=2 'add=b"\x01b\x00\x00\x01\x00\x01"'
refused "no question" "exactly one question" qd=0
refused "an answer record" "no answer or authority" an=1 'add=a_rr()'
refused "an authority record" "no answer or authority" ns=1 'add=a_rr()'
refused "an A record in the additional section" "other than one OPT" ar=1 'add=a_rr()'
refused "two OPT records" "other than one OPT" ar=2 'add=opt()+opt()'
refused "TSIG before OPT" "other than one OPT" ar=2 'add=tsig()+opt()'
refused "bytes after the last record" "bytes follow" raw=00
refused "1233 bytes" "at most 1232 bytes" ar=1 pad=1233
refused "a zone transfer (AXFR)" "zone transfers" qtype=252
"$CTL" upstream del q
ktap_finished
