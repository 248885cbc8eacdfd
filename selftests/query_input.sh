#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# What the pools relay: a stub's query (opcode QUERY, one question, at most
# an EDNS OPT record and a last TSIG record, at most 1232 bytes, no zone
# transfer), nothing else.  Each message that is not one is refused by the
# request, with a one-line reason naming the message, and never reaches
# the pool.
. "$(dirname "$0")/lib.sh"

PORT=5371
PIDS=
TMP=$(mktemp -d)
cleanup() { kill $PIDS 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT

# The messages, one file each in $TMP, from lines "FILE SPEC...": the query
# a.dnspool.test A with the header's fields and sections changed as each
# SPEC says.  One python run makes them all: a process is slow to start
# on the debug kernel.
make_wire() {
	python3 - "$TMP" <<-'PY'
		import struct, sys
		d = sys.argv[1]
		name = b'\x01a\x07dnspool\x04test\x00'
		def opt(rdata=b''):
		    return b'\x00' + struct.pack('>HHIH', 41, 1232, 0, len(rdata)) + rdata
		def tsig():
		    rdata = b'\x0bhmac-sha256\x00' + bytes(16)
		    return b'\x03key\x00' + struct.pack('>HHIH', 250, 255, 0, len(rdata)) + rdata
		def a_rr():
		    return b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + bytes([192, 0, 2, 1])
		for line in open(d + '/specs'):
		    file, *specs = line.split()
		    h = dict(id=0x1234, flags=0x0100, qd=1, an=0, ns=0, ar=0)
		    body = name + struct.pack('>HH', 1, 1)
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
		    hdr = struct.pack('>HHHHHH', h['id'], h['flags'], h['qd'], h['an'], h['ns'], h['ar'])
		    open(d + '/' + file, 'wb').write(hdr + body)
	PY
}

# taken FILE DESC: the message is answered (the responder's flags, the
# client's ID).
answered() { "$CTL" query @q --raw "$TMP/$1" | od -An -tx1 -N4 | grep -q '12 34 81 80'; }
taken() { check "$2" answered "$1"; }
# refused FILE DESC ERE: refused, with a reason matching ERE.
refused() { check "$2" expect_error "q: message: .*$3" "$CTL" query @q --raw "$TMP/$1"; }

ktap_print_header
ktap_set_plan 24
dnspool_load
upstreams_clear
responder $PORT
"$CTL" upstream add q udp://127.0.0.1:$PORT || ktap_exit_fail_msg "no upstream"
cat >"$TMP/specs" <<-'SPECS'
	plain
	opt ar=1 add=opt()
	opt_tsig ar=2 add=opt()+tsig()
	pad1232 ar=1 pad=1232
	response flags=0x8180
	notify flags=0x2000
	update flags=0x2800
	two_q qd=2 add=b"\x01b\x00\x00\x01\x00\x01"
	no_q qd=0
	answer an=1 add=a_rr()
	authority ns=1 add=a_rr()
	extra_a ar=1 add=a_rr()
	two_opt ar=2 add=opt()+opt()
	tsig_first ar=2 add=tsig()+opt()
	trailing raw=00
	pad1233 ar=1 pad=1233
	axfr qtype=252
	cookie ar=1 add=opt(b"\x00\x0a\x00\x08"+bytes(8))
	opt_short ar=1 add=opt(b"\x00\x0a\x00\x08abc")
	tc flags=0x0300
	qt_opt qtype=41
	qt_tsig qtype=250
	qt_maila qtype=254
SPECS
make_wire || ktap_exit_fail_msg "cannot make the messages"

taken plain "a plain query is taken"
taken opt "with an EDNS OPT record"
taken opt_tsig "with OPT and a last TSIG record"
taken pad1232 "padded with EDNS to 1232 bytes, the most"
taken cookie "with an EDNS option (a client cookie)"
refused response "a response (QR set)" "the QR bit is set"
refused notify "opcode NOTIFY" "only opcode QUERY"
refused update "opcode UPDATE" "only opcode QUERY"
refused two_q "two questions" "exactly one question"
refused no_q "no question" "exactly one question"
refused answer "an answer record" "no answer or authority"
refused authority "an authority record" "no answer or authority"
refused extra_a "an A record in the additional section" "other than one OPT"
refused two_opt "two OPT records" "other than one OPT"
refused tsig_first "TSIG before OPT" "other than one OPT"
refused trailing "bytes after the last record" "bytes follow"
refused pad1233 "1233 bytes" "at most 1232 bytes"
refused axfr "a zone transfer (AXFR)" "zone transfers"
refused opt_short "an EDNS option longer than the OPT record's data" "options do not fill"
refused tc "the TC bit set" "no TC bit"
refused qt_opt "a question for type OPT" "meta-type"
refused qt_tsig "a question for type TSIG" "meta-type"
refused qt_maila "a question for type MAILA" "MAILA"
# The refused never reached the pool: it counted the five taken.
check "nothing refused reached the pool" eval '[ "$(stat_of q queries)" = 5 ]'
"$CTL" upstream del q
ktap_finished
