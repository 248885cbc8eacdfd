#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DNS clients for the listener tests, well-behaved and hostile, whose loops
are too large for the shell.  Each command prints "# " lines about what it
saw and, last, one line of JSON; it exits 1 when what it saw is not what it
was to see, 0 otherwise.

  udp-malformed      datagrams a listener must not forward (empty, short,
                     QR=1, wrong QDCOUNT, bad names, trailing bytes, two OPT
                     records, longer than 1232 bytes, 64 KiB, another
                     opcode), each with its expected fate (nothing, FORMERR,
                     NOTIMP), then one good query as a barrier
  burst N            N queries (hN.dnspool.test A) sent at once over UDP,
                     from each --src given; counts the good answers (their
                     ID, their A record)
  tcp CASE           one TCP client: split (a query in 1-byte writes),
                     pipeline (50 queries in one write, 50 answers),
                     formerr (QDCOUNT=2 in a frame: FORMERR, the connection
                     stays), zero / short / oversized (frames of length 0,
                     5, 1300: the connection is closed), unfinished (a frame
                     never finished: closed, after --idle seconds), idle
                     (nothing sent: the same), closed (nothing sent: closed
                     at once, as a refused client is)
  tcp-many SRC*N,... many idle TCP connections, N from each source address
                     SRC, in order; waits for the server to close (or
                     reset) those past its caps, reports, holds the others
                     until --release exists, and checks they were still
                     open then
  tcp-slow N         a client that pipelines N queries for mid.dnspool.test
                     TXT (673 bytes each) and reads nothing until --release
                     exists; then reads what comes: an answer (or SERVFAIL)
                     to each query it sent

--ready FILE: the JSON report written there too (tcp-many, tcp-slow) once
the connections are up, for the shell to poll.
"""
import argparse
import errno
import json
import os
import resource
import select
import socket
import struct
import sys
import time

NAME_A = 'a.dnspool.test'


def log(msg):
    print('# ' + msg, flush=True)


def qname(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        out += bytes([len(label)]) + label.encode()
    return out + b'\x00'


def opt_rr(size=1232, rdata=b''):
    return b'\x00' + struct.pack('>HHIH', 41, size, 0, len(rdata)) + rdata


def query(qid, name=NAME_A, qtype=1, flags=0x0100, qd=1, an=0, ns=0, ar=0, tail=b'',
          question=None):
    hdr = struct.pack('>HHHHHH', qid, flags, qd, an, ns, ar)
    if question is None:
        question = qname(name) + struct.pack('>HH', qtype, 1)
    return hdr + question + tail


def padded(qid, total):
    """A well-formed query with an OPT record whose padding option makes
    it @total bytes long."""
    base = len(query(qid)) + 11 + 4
    n = total - base
    return query(qid, ar=1, tail=opt_rr(rdata=struct.pack('>HH', 12, n) + bytes(n)))


def parse(msg):
    """(id, flags, rcode, counts, A addresses) of a response, or None."""
    if len(msg) < 12:
        return None
    qid, flags, qd, an, ns, ar = struct.unpack('>HHHHHH', msg[:12])
    addrs = []
    off = 12
    try:
        for _ in range(qd):
            off = skip_name(msg, off) + 4
        for _ in range(an):
            off = skip_name(msg, off)
            rtype, _, _, rdlen = struct.unpack('>HHIH', msg[off:off + 10])
            off += 10
            if rtype == 1 and rdlen == 4:
                addrs.append(socket.inet_ntoa(msg[off:off + 4]))
            off += rdlen
    except (IndexError, struct.error):
        pass
    return {'id': qid, 'qr': flags >> 15, 'opcode': (flags >> 11) & 15, 'tc': (flags >> 9) & 1,
            'rcode': flags & 15, 'qd': qd, 'an': an, 'ns': ns, 'ar': ar, 'a': addrs}


def skip_name(msg, off):
    while True:
        n = msg[off]
        if n == 0:
            return off + 1
        if n & 0xc0 == 0xc0:
            return off + 2
        off += n + 1


def h_addr(i):
    """unbound's address for hI.dnspool.test (start_unbound)."""
    return '198.51.100.%d' % (i % 250 + 1)


def family_of(addr):
    return socket.AF_INET6 if ':' in addr else socket.AF_INET


def udp_socket(args):
    s = socket.socket(family_of(args.addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    if args.src:
        s.bind((args.src[0], 0))
    return s


def done(ok, report):
    print(json.dumps(report), flush=True)
    return 0 if ok else 1


NOERROR, FORMERR, NOTIMP = 0, 1, 4


def udp_malformed(args):
    """Each case: (name, datagram, the rcode expected back or None for no
    answer at all).  IDs are distinct: the answers are matched by ID."""
    hdr_only = struct.pack('>HHHHHH', 0x0b01, 0x0100, 1, 0, 0, 0)
    hdr_only2 = struct.pack('>HHHHHH', 0x0b09, 0x0100, 1, 0, 0, 0)
    cases = [
        ('empty', b'', None),
        ('5 bytes', b'\x0b\x02\x01\x00\x00', None),
        ('11 bytes', hdr_only[:11], None),
        ('QR=1', query(0x0b04, flags=0x8180), None),
        ('QR=1 64 KiB', padded(0x0b05, 65507)[:2] + b'\x81\x80' + padded(0x0b05, 65507)[4:],
         None),
        ('QDCOUNT=0', query(0x0b06, qd=0, question=b''), FORMERR),
        ('QDCOUNT=2', query(0x0b07, qd=2, question=(qname(NAME_A) + b'\x00\x01\x00\x01') * 2),
         FORMERR),
        ('QDCOUNT=2, one question', query(0x0b08, qd=2), FORMERR),
        ('header only', hdr_only2, FORMERR),
        ('name past the end', query(0x0b0a, question=b'\x3fabc'), FORMERR),
        ('name a pointer loop', query(0x0b0b, question=b'\xc0\x0c\x00\x01\x00\x01'), FORMERR),
        ('name of 300 octets',
         query(0x0b0c, question=(b'\x3f' + b'x' * 63) * 4 + b'\x2a' + b'y' * 42 + b'\x00' +
               b'\x00\x01\x00\x01'), FORMERR),
        ('label type 0x40', query(0x0b0d, question=b'\x41a\x00\x00\x01\x00\x01'), FORMERR),
        ('trailing bytes', query(0x0b0e, tail=b'\xde\xad\xbe\xef'), FORMERR),
        ('two OPT records', query(0x0b0f, ar=2, tail=opt_rr() + opt_rr()), FORMERR),
        ('an answer record in a query',
         query(0x0b10, an=1, tail=b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + b'\x01\x02\x03\x04'),
         FORMERR),
        ('1232 bytes, the most', padded(0x0b17, 1232), NOERROR),
        ('1233 bytes', padded(0x0b11, 1233), FORMERR),
        ('1300 bytes', padded(0x0b12, 1300), FORMERR),
        ('64 KiB', padded(0x0b13, 65507), FORMERR),
        ('opcode STATUS', query(0x0b14, flags=0x1100), NOTIMP),
        ('opcode NOTIFY', query(0x0b15, flags=0x2100), NOTIMP),
        ('opcode UPDATE', query(0x0b16, flags=0x2900), NOTIMP),
    ]
    s = udp_socket(args)
    dst = (args.addr, args.port)
    want = {}
    for name, msg, rcode in cases:
        s.sendto(msg, dst)
        if len(msg) >= 2:
            want[struct.unpack('>H', msg[:2])[0]] = (name, rcode)
        time.sleep(0.01)
    # The barrier: a good query, forwarded and answered.
    barrier = 0x0bff
    s.sendto(query(barrier), dst)
    got = {}
    deadline = time.monotonic() + args.timeout
    linger = None
    while True:
        now = time.monotonic()
        end = min(deadline, linger) if linger else deadline
        if now >= end:
            break
        r, _, _ = select.select([s], [], [], end - now)
        if not r:
            continue
        msg = s.recv(70000)
        p = parse(msg)
        if not p:
            log('an answer of %d bytes' % len(msg))
            got.setdefault(-1, []).append(p)
            continue
        got.setdefault(p['id'], []).append(p)
        expected = [i for i, (_, rc) in want.items() if rc is not None] + [barrier]
        if linger is None and all(i in got for i in expected):
            # Anything more would come soon after: wait a little for it.
            linger = time.monotonic() + 0.5
    ok = True
    for name, msg, rcode in cases:
        qid = struct.unpack('>H', msg[:2])[0] if len(msg) >= 2 else None
        answers = got.pop(qid, []) if qid is not None else []
        if rcode is None:
            fine = not answers
            seen = 'nothing' if fine else 'rcode %s' % [a['rcode'] for a in answers]
        else:
            if rcode == NOERROR:
                fine = (len(answers) == 1 and answers[0]['rcode'] == 0 and
                        answers[0]['a'] == ['192.0.2.10'])
            else:
                fine = (len(answers) == 1 and answers[0]['rcode'] == rcode and
                        answers[0]['qr'] == 1 and answers[0]['an'] == 0)
            seen = 'nothing' if not answers else ', '.join(
                'qr %d rcode %d an %d' % (a['qr'], a['rcode'], a['an']) for a in answers)
        log('%-28s %5d bytes: %s%s' % (name, len(msg), seen, '' if fine else
                                         '  <- expected %s' % ('nothing' if rcode is None
                                                              else 'rcode %d' % rcode)))
        ok = ok and fine
    b = got.pop(barrier, [])
    if len(b) != 1 or b[0]['rcode'] != 0 or b[0]['a'] != ['192.0.2.10']:
        log('the good query after them: %s' % b)
        ok = False
    if got:
        log('unexpected answers: %s' % got)
        ok = False
    # What the listener's counters are to show: the barrier and the good
    # cases forwarded, the others malformed.
    return done(ok, {'cases': len(cases),
                     'forwarded': 1 + sum(1 for c in cases if c[2] == NOERROR),
                     'malformed': sum(1 for c in cases if c[2] != NOERROR),
                     'silent': sum(1 for c in cases if c[2] is None)})


def burst(args):
    """N queries from each --src at once (one socket each, the bursts
    interleaved), then answers until all came or none for --quiet s.
    With --servfail-ok a SERVFAIL to a query is counted apart, not bad: the
    answer of a forwarder that could not get one (fault_slab.sh)."""
    dst = (args.addr, args.port)
    n = args.count
    base = 0x2000
    srcs = args.src or [None]
    socks = []
    for src in srcs:
        s = socket.socket(family_of(args.addr), socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        if src:
            s.bind((src, 0))
        socks.append(s)
    for i in range(1, n + 1):
        for s in socks:
            s.sendto(query(base + i, name='h%d.dnspool.test' % i), dst)
    seen = [set() for _ in socks]
    bad = servfail = 0
    last = time.monotonic()
    while sum(map(len, seen)) < n * len(socks) and time.monotonic() - last < args.quiet:
        r, _, _ = select.select(socks, [], [], 0.1)
        for s in r:
            p = parse(s.recv(4096))
            last = time.monotonic()
            i = p['id'] - base if p else 0
            got = seen[socks.index(s)]
            if args.servfail_ok and p and 1 <= i <= n and p['rcode'] == 2 and i not in got:
                servfail += 1
                got.add(i)
                continue
            if not p or not 1 <= i <= n or p['rcode'] != 0 or p['a'] != [h_addr(i)] or i in got:
                bad += 1
                log('a bad answer: %s' % p)
                continue
            got.add(i)
    report = {'sent': n * len(socks), 'answered': sum(map(len, seen)) - servfail, 'bad': bad}
    if args.servfail_ok:
        report['servfail'] = servfail
    if len(socks) > 1:
        report['by_src'] = {src: len(got) for src, got in zip(srcs, seen)}
    return done(bad == 0, report)


def tcp_connect(args, timeout=10):
    s = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
    if args.src:
        s.bind((args.src[0], 0))
    s.settimeout(timeout)
    s.connect((args.addr, args.port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def frame(msg):
    return struct.pack('>H', len(msg)) + msg


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def recv_frame(s):
    prefix = recv_exact(s, 2)
    if prefix is None:
        return None
    return recv_exact(s, struct.unpack('>H', prefix)[0])


def wait_closed(s, timeout):
    """Seconds until the server closed the connection (EOF or reset,
    nothing read before), or None when it stayed open for @timeout; what it
    sent meanwhile, if anything, is an error."""
    t0 = time.monotonic()
    s.settimeout(timeout)
    try:
        data = s.recv(65536)
    except socket.timeout:
        return None, b''
    except ConnectionResetError:
        data = b''
    return time.monotonic() - t0, data


def tcp_case(args):
    case = args.case
    ok = True
    report = {'case': case}
    try:
        s = tcp_connect(args)
    except ConnectionResetError as e:
        # Reset before connect() returned: closed at once indeed.
        log('connect: %s' % e)
        return done(case == 'closed', {'case': case, 'connect': str(e)})
    except OSError as e:
        return done(False, {'case': case, 'connect': str(e)})
    if case == 'split':
        # Twice, each byte a segment of its own: the second on the same
        # connection.
        for qid in (0x3101, 0x3102):
            for b in frame(query(qid)):
                s.send(bytes([b]))
                time.sleep(0.002)
            p = parse(recv_frame(s) or b'')
            log('split query %#x: %s' % (qid, p))
            ok = ok and p is not None and p['id'] == qid and p['a'] == ['192.0.2.10']
    elif case == 'pipeline':
        n = 50
        s.sendall(b''.join(frame(query(0x3200 + i, name='h%d.dnspool.test' % i))
                           for i in range(1, n + 1)))
        order = []
        for _ in range(n):
            p = parse(recv_frame(s) or b'')
            if not p:
                log('the connection ended after %d answers' % len(order))
                ok = False
                break
            i = p['id'] - 0x3200
            if not 1 <= i <= n or p['a'] != [h_addr(i)] or i in order:
                log('a bad answer: %s' % p)
                ok = False
            order.append(i)
        report['answers'] = len(order)
        report['in_order'] = order == sorted(order)
    elif case == 'formerr':
        s.sendall(frame(query(0x3301, qd=2)))
        p = parse(recv_frame(s) or b'')
        log('QDCOUNT=2: %s' % p)
        ok = p is not None and p['id'] == 0x3301 and p['rcode'] == FORMERR
        s.sendall(frame(query(0x3302)))
        p = parse(recv_frame(s) or b'')
        log('then a good query: %s' % p)
        ok = ok and p is not None and p['id'] == 0x3302 and p['a'] == ['192.0.2.10']
    elif case in ('zero', 'short', 'oversized'):
        msg = {'zero': b'', 'short': b'\x34\x01\x01\x00\x00',
               'oversized': padded(0x3402, 1300)}[case]
        try:
            s.sendall(frame(msg))
        except OSError as e:
            log('send: %s' % e)
        took, data = wait_closed(s, args.timeout)
        log('frame of %d bytes: %s' % (len(msg), 'still open after %ds' % args.timeout
                                       if took is None else 'closed'))
        ok = took is not None and not data
    elif case in ('unfinished', 'idle'):
        if case == 'unfinished':
            s.sendall(frame(query(0x3501))[:10])
        took, data = wait_closed(s, args.timeout)
        log('%s: %s' % (case, 'still open after %ds' % args.timeout if took is None
                        else 'closed after %.2f s' % took))
        # Never before the idle time (the timer cannot fire early).
        ok = took is not None and not data and took >= args.idle * 0.9
        report['closed_after'] = took
    elif case == 'closed':
        took, data = wait_closed(s, args.timeout)
        log('closed at once: %s' % ('no' if took is None else 'after %.2f s' % took))
        ok = took is not None and not data
    else:
        log('no such case')
        ok = False
    s.close()
    return done(ok, report)


def raise_nofile(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(n, soft), hard), hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def wait_release(path, timeout=600):
    end = time.monotonic() + timeout
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.1)


def write_ready(args, report):
    if args.ready:
        tmp = args.ready + '.tmp'
        with open(tmp, 'w') as f:
            f.write(json.dumps(report) + '\n')
        os.rename(tmp, args.ready)


def tcp_many(args):
    """args.groups: "SRC*N,SRC*N": N connections from each source address,
    in order.  Connections the server closes are counted refused (and
    closed here); the others are held."""
    plan = []
    for g in args.groups.split(','):
        src, n = g.split('*')
        plan += [src] * int(n)
    limit = raise_nofile(len(plan) + 64)
    if limit < len(plan) + 64:
        log('only %d descriptors' % limit)
        return done(False, {})
    poller = select.poll()
    open_ = {}
    refused = 0
    failed = 0

    def reap(wait_ms):
        nonlocal refused
        for fd, _ in poller.poll(wait_ms):
            s = open_.pop(fd)
            poller.unregister(fd)
            try:
                data = s.recv(16)
            except OSError:
                data = b''
            if data:
                log('a refused connection sent %r' % data)
            s.close()
            refused += 1

    for src in plan:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        s.settimeout(30)
        try:
            s.connect((args.addr, args.port))
        except ConnectionResetError:
            # Refused connections are reset: this one before connect()
            # returned.
            s.close()
            refused += 1
            continue
        except OSError as e:
            failed += 1
            log('connect from %s: %s' % (src, e))
            s.close()
            continue
        open_[s.fileno()] = s
        poller.register(s.fileno(), select.POLLIN)
        reap(0)
    # Those past the caps are closed at once: wait for as many as expected,
    # then a little more for any beyond.
    end = time.monotonic() + args.timeout
    while refused < args.expect_refused and time.monotonic() < end:
        reap(100)
    reap(1000)
    report = {'connections': len(plan), 'kept': len(open_), 'refused': refused,
              'failed': failed}
    log('%s' % report)
    write_ready(args, report)
    wait_release(args.release)
    # The kept ones are still open: nothing to read, no EOF.
    closed_meanwhile = 0
    for fd, _ in poller.poll(0):
        closed_meanwhile += 1
    for s in open_.values():
        s.close()
    report['closed_meanwhile'] = closed_meanwhile
    return done(failed == 0 and closed_meanwhile == 0 and refused == args.expect_refused and
                len(open_) == len(plan) - args.expect_refused, report)


def tcp_slow(args):
    s = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(30)
    s.connect((args.addr, args.port))
    sent = 0
    s.setblocking(False)
    # mid.dnspool.test TXT, with EDNS: unbound's 673 bytes come back over
    # UDP to the pools, whole.
    msgs = [frame(query(0x4000 + i, name='mid.dnspool.test', qtype=16, ar=1, tail=opt_rr()))
            for i in range(args.count)]
    data = b''.join(msgs)
    # Whatever the server takes within a few seconds: once it stops
    # reading (its answers unread here), the rest stays unsent.
    end = time.monotonic() + 5
    while data and time.monotonic() < end:
        try:
            n = s.send(data)
            data = data[n:]
            sent += n
        except BlockingIOError:
            time.sleep(0.05)
    report = {'bytes_sent': sent, 'queries_sent': sent // len(msgs[0])}
    write_ready(args, report)
    wait_release(args.release)
    # Now read what came, for a while: the connection still works.  An
    # answer is the TXT record, or SERVFAIL when the pool gave the query
    # up (a debug VM's upstream, loaded, may keep a few past their 5 s):
    # the listener answered it either way.  15 s between frames: such a
    # SERVFAIL comes 5 s after its query left the listener.
    s.setblocking(True)
    s.settimeout(15)
    answers = servfail = 0
    try:
        while True:
            m = recv_frame(s)
            if m is None:
                break
            p = parse(m)
            if p and 0 <= p['id'] - 0x4000 < args.count:
                if p['an'] == 3:
                    answers += 1
                elif p['rcode'] == 2:
                    servfail += 1
            if answers + servfail == report['queries_sent']:
                break
    except (socket.timeout, OSError):
        pass
    s.close()
    report['answers'] = answers
    report['servfail'] = servfail
    log('%s' % report)
    return done(answers > 0 and answers + servfail == report['queries_sent'], report)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--addr', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--src', action='append',
                   help='source address (burst: one burst from each one given)')
    p.add_argument('--timeout', type=float, default=20)
    p.add_argument('--ready')
    p.add_argument('--release')
    sub = p.add_subparsers(dest='cmd', required=True)
    sub.add_parser('udp-malformed')
    b = sub.add_parser('burst')
    b.add_argument('count', type=int)
    b.add_argument('--quiet', type=float, default=3,
                   help='seconds without an answer that end the wait')
    b.add_argument('--servfail-ok', action='store_true',
                   help='count SERVFAIL answers apart, not as bad')
    t = sub.add_parser('tcp')
    t.add_argument('case')
    t.add_argument('--idle', type=float, default=0)
    m = sub.add_parser('tcp-many')
    m.add_argument('groups')
    m.add_argument('--expect-refused', type=int, default=0)
    s = sub.add_parser('tcp-slow')
    s.add_argument('count', type=int)
    args = p.parse_args()
    return {'udp-malformed': udp_malformed, 'burst': burst, 'tcp': tcp_case,
            'tcp-many': tcp_many, 'tcp-slow': tcp_slow}[args.cmd](args)


if __name__ == '__main__':
    sys.exit(main())
