#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Generated hostile clients for a listener, by the thousand, with good
clients among them whose answers are checked.  Each command prints "# "
lines and, last, one line of JSON; it exits 1 when a good client was not
served well, 0 otherwise.

  udp COUNT          COUNT datagrams from addresses all over --net (one
                     socket, each datagram's source set by IP_PKTINFO: the
                     network must be routed to this host's loopback): random
                     bytes, valid queries mutated (bits flipped, bytes
                     changed, cut, grown, counts changed), lengths at the
                     bounds (0, 11, 12, 1232, 1233, 65507), responses,
                     other opcodes, and well-formed queries; a good client
                     (--good) asks one query every --every datagrams, and
                     each of its answers must come, right
  tcp CONNS          CONNS TCP connections from addresses all over --net,
                     each a stream of generated frames (the same messages,
                     length prefixes at and past the bounds, garbage between
                     frames, a last frame cut short), read until the server
                     closes or goes quiet; a good client's query over TCP
                     after every --every connections must be answered

--seed makes a run repeatable; the seed used is printed.
"""
import argparse
import ipaddress
import json
import random
import select
import socket
import struct
import sys
import time

from dns_client_hostile import frame, opt_rr, parse, query

IP_PKTINFO = getattr(socket, 'IP_PKTINFO', 8)
# unbound's answers (start_unbound): hN.dnspool.test A 198.51.100.(N % 250 + 1).
NAMES = 1000


def log(msg):
    print('# ' + msg, flush=True)


def good_query(rng):
    """A query a stub would send: (message, its ID, the A record due)."""
    i = rng.randint(1, NAMES)
    qid = rng.getrandbits(16)
    tail, ar = (opt_rr(rng.choice([512, 1232, 4096])), 1) if rng.random() < 0.5 else (b'', 0)
    return (query(qid, name='h%d.dnspool.test' % i, ar=ar, tail=tail), qid,
            '198.51.100.%d' % (i % 250 + 1))


def mutate(rng, msg):
    """@msg changed at random: what a fuzzer does to a valid message."""
    b = bytearray(msg)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        if op == 0 and b:			# flip bits
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:			# a random byte
            b[rng.randrange(len(b))] = rng.getrandbits(8)
        elif op == 2:				# cut
            del b[rng.randrange(len(b) + 1):]
        elif op == 3:				# grow
            b += rng.randbytes(rng.randint(1, 64))
        elif op == 4 and len(b) >= 12:		# a count changed
            i = 4 + 2 * rng.randrange(4)
            b[i:i + 2] = struct.pack('>H', rng.choice([0, 1, 2, 0xffff, rng.getrandbits(16)]))
        elif op == 5 and len(b) > 13:		# a compression pointer, or a loop
            i = rng.randrange(12, len(b) - 1)
            b[i:i + 2] = struct.pack('>H', 0xc000 | rng.choice([12, i, rng.getrandbits(14)]))
        elif op == 6 and len(b) > 12:		# a label length
            b[rng.randrange(12, len(b))] = rng.choice([0, 63, 64, 0x40, 0x80, 0xff])
    return bytes(b)


def hostile(rng):
    """One generated message: (its kind, its bytes)."""
    r = rng.random()
    if r < 0.25:
        return 'random', rng.randbytes(rng.choice([rng.randint(0, 40), rng.randint(0, 1400)]))
    if r < 0.60:
        return 'mutated', mutate(rng, good_query(rng)[0])
    if r < 0.70:
        n = rng.choice([0, 1, 11, 12, 13, 1231, 1232, 1233, 4096])
        if rng.random() < 0.01:
            n = 65507
        base = good_query(rng)[0]
        return 'bounds', (base + rng.randbytes(max(0, n - len(base))))[:n]
    if r < 0.78:
        m = bytearray(good_query(rng)[0])
        m[2] |= 0x80				# QR
        return 'response', bytes(m)
    if r < 0.85:
        m = bytearray(good_query(rng)[0])
        m[2] = (m[2] & 0x87) | (rng.randint(1, 15) << 3)
        return 'opcode', bytes(m)
    return 'valid', good_query(rng)[0]


def edns_options(msg):
    """Does @msg end with an OPT record whose data (EDNS options) is not
    empty?  The listener forwards options unread; an upstream may judge
    their content (a cookie's length, keepalive over UDP) and answer
    FORMERR."""
    try:
        if len(msg) < 12 or struct.unpack('>H', msg[10:12])[0] == 0:
            return False
        off = 12
        while msg[off]:
            off += msg[off] + 1
        off += 5
        # The OPT record, first of the additional section: root owner.
        if msg[off] != 0 or struct.unpack('>H', msg[off + 1:off + 3])[0] != 41:
            return False
        return struct.unpack('>H', msg[off + 9:off + 11])[0] > 0
    except (IndexError, struct.error):
        return False


def rand_addr(rng, net):
    return str(net[rng.randrange(2, net.num_addresses - 1)])


def udp(args, rng):
    net = ipaddress.ip_network(args.net)
    dst = (args.addr, args.port)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind(('0.0.0.0', 0))
    s.setblocking(False)
    g = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    g.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    g.bind((args.good, 0))
    g.setblocking(False)
    kinds = {}
    want = {}
    got = 0
    bad = 0
    answers = 0
    sent_bytes = 0

    def drain():
        nonlocal got, bad, answers
        while True:
            try:
                s.recv(70000)
                answers += 1
            except BlockingIOError:
                break
        while True:
            try:
                m = g.recv(70000)
            except BlockingIOError:
                return
            p = parse(m)
            if p and p['id'] in want and p['rcode'] == 0 and p['a'] == [want[p['id']]]:
                del want[p['id']]
                got += 1
            else:
                bad += 1
                log('a bad answer to the good client: %s' % p)

    t0 = time.monotonic()
    good = 0
    options = 0
    for n in range(args.count):
        kind, msg = hostile(rng)
        kinds[kind] = kinds.get(kind, 0) + 1
        options += edns_options(msg)
        src = socket.inet_aton(rand_addr(rng, net))
        anc = [(socket.IPPROTO_IP, IP_PKTINFO, struct.pack('=I4s4s', 0, src, bytes(4)))]
        while True:
            try:
                s.sendmsg([msg], anc, 0, dst)
                break
            except BlockingIOError:
                select.select([], [s], [], 0.01)
        sent_bytes += len(msg)
        if n % args.every == 0:
            m, qid, a = good_query(rng)
            while qid in want:
                m, qid, a = good_query(rng)
            want[qid] = a
            g.sendto(m, dst)
            good += 1
        # Paced, as a real client is by its answers: a burst, then a pause
        # to read what came.
        if n % args.burst == args.burst - 1:
            drain()
            time.sleep(args.pause)
    end = time.monotonic() + args.timeout
    while want and time.monotonic() < end:
        select.select([g, s], [], [], 0.1)
        drain()
    time.sleep(0.5)
    drain()
    took = time.monotonic() - t0
    report = {'sent': args.count, 'kinds': kinds, 'edns_options': options,
              'bytes': sent_bytes, 'answers': answers,
              'good_sent': good, 'good_answered': got, 'good_bad': bad,
              'seconds': round(took, 1)}
    log('%d datagrams in %.1f s (%d a second), kinds %s' %
        (args.count, took, args.count / took, kinds))
    log('good client: %d asked, %d answered right, %d wrong' % (good, got, bad))
    return 0 if not want and not bad else 1, report


def tcp_stream(rng, conns_msgs):
    """A connection's bytes: generated frames, sometimes garbage or a frame
    cut short; how many frames it holds, and how many of them carry EDNS
    options."""
    out = b''
    frames = 0
    options = 0
    for _ in range(conns_msgs):
        r = rng.random()
        if r < 0.05:
            out += rng.randbytes(rng.randint(1, 30))	# garbage: a frame's length
        elif r < 0.15:
            n = rng.choice([0, 1, 11, 12, 1232, 1233, 0xffff])
            body = rng.randbytes(min(n, 2000))
            out += struct.pack('>H', n) + body
        else:
            msg = hostile(rng)[1]
            options += edns_options(msg)
            out += frame(msg)
        frames += 1
    if rng.random() < 0.2:
        out = out[:rng.randrange(len(out) + 1)]
    return out, frames, options


def tcp(args, rng):
    net = ipaddress.ip_network(args.net)
    dst = (args.addr, args.port)
    frames = 0
    options = 0
    closed = 0
    quiet = 0
    failed = 0
    good = 0
    got = 0
    t0 = time.monotonic()
    live = []

    def finish(c):
        nonlocal closed, quiet
        c.settimeout(args.read_timeout)
        try:
            while c.recv(65536):
                pass
            closed += 1
        except socket.timeout:
            quiet += 1
        except OSError:
            closed += 1
        c.close()

    for n in range(args.count):
        data, k, o = tcp_stream(rng, rng.randint(1, args.frames))
        options += o
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.bind((rand_addr(rng, net), 0))
        c.settimeout(10)
        try:
            c.connect(dst)
            c.sendall(data)
            frames += k
        except OSError:
            failed += 1
            c.close()
            continue
        live.append(c)
        if len(live) >= args.parallel:
            finish(live.pop(0))
        if n % args.every == 0:
            m, qid, a = good_query(rng)
            try:
                gs = socket.create_connection(dst, timeout=10, source_address=(args.good, 0))
                gs.sendall(frame(m))
                hdr = gs.recv(2)
                body = b''
                while len(hdr) == 2 and len(body) < struct.unpack('>H', hdr)[0]:
                    chunk = gs.recv(65536)
                    if not chunk:
                        break
                    body += chunk
                gs.close()
                p = parse(body)
                ok = p and p['id'] == qid and p['rcode'] == 0 and p['a'] == [a]
            except OSError as e:
                p, ok = str(e), False
            good += 1
            if ok:
                got += 1
            else:
                log('the good client over TCP: %s' % p)
    for c in live:
        finish(c)
    took = time.monotonic() - t0
    report = {'conns': args.count, 'frames': frames, 'edns_options': options,
              'closed_by_server': closed,
              'quiet': quiet, 'connect_failed': failed, 'good_sent': good,
              'good_answered': got, 'seconds': round(took, 1)}
    log('%d connections, %d frames in %.1f s' % (args.count, frames, took))
    log('good client: %d asked, %d answered right' % (good, got))
    return 0 if got == good else 1, report


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--addr', required=True)
    p.add_argument('--port', type=int, default=53)
    p.add_argument('--net', required=True, help='sources, an IPv4 network routed to lo')
    p.add_argument('--good', required=True, help="the good client's address")
    p.add_argument('--every', type=int, default=100)
    p.add_argument('--seed', type=int)
    p.add_argument('--timeout', type=float, default=20)
    sub = p.add_subparsers(dest='cmd', required=True)
    u = sub.add_parser('udp')
    u.add_argument('count', type=int)
    u.add_argument('--burst', type=int, default=200)
    u.add_argument('--pause', type=float, default=0.002)
    t = sub.add_parser('tcp')
    t.add_argument('count', type=int)
    t.add_argument('--frames', type=int, default=40, help='most frames a connection')
    t.add_argument('--parallel', type=int, default=20, help='connections open at once')
    t.add_argument('--read-timeout', type=float, default=0.5)
    args = p.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().getrandbits(32)
    log('seed %d' % seed)
    rc, report = {'udp': udp, 'tcp': tcp}[args.cmd](args, random.Random(seed))
    report['seed'] = seed
    print(json.dumps(report), flush=True)
    return rc


if __name__ == '__main__':
    sys.exit(main())
