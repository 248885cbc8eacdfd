#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A hostile DNS upstream for hostile_upstream.sh.  It answers hN.dnspool.test
A with 198.51.100.(N % 250 + 1), as the tests' unbound does, and misbehaves
first, in one way per run (MODE); whatever it sends that is not the right
answer carries the address 203.0.113.66, so that a client given it would
show it.

UDP modes (each query gets the bad datagrams, then its right answer):
  wrong-id        an answer under another ID
  other-port      the right answer, from another port of the same address
  other-addr      the right answer, from another address (--other-addr)
  short           7 bytes, then the header alone, then the header and half
                  of the question
  question-loop   an answer whose question's name is a compression pointer
                  to itself
  wrong-question  an answer for another name
  oversized       an answer padded with 65000 bytes of garbage past its
                  records (a datagram of 65 KB), under another ID

TCP and TLS modes (the first --bad connections misbehave; later ones are
served right):
  zero-frame      a frame of length 0, then the right answer
  garbage-after   the right answer, then 5 bytes of garbage as a frame, then
                  the rest of the stream's answers
  half-then-reset half of the answer's frame, then a reset (SO_LINGER 0)
  reset-on-read   a reset as soon as a query is read
  garbage-record  TLS only: instead of the answer, a record that no key
                  decrypts, written under the TLS session

Prints "ready" once listening; counts what it did in --report FILE (JSON)
on SIGTERM.
"""
import argparse
import json
import os
import signal
import socket
import ssl
import struct
import sys
import threading
import time

from dns_responder import recv_exact

BAD_ADDR = bytes([203, 0, 113, 66])


def question_end(query):
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    return end + 5


def answer(query, qid=None, addr=None, question=None):
    """The right answer to @query, or one with another ID, address or
    question."""
    q_id, flags = struct.unpack('>HH', query[:4])
    qend = question_end(query)
    if question is None:
        question = query[12:qend]
    if addr is None:
        name = query[13:13 + query[12]].decode('ascii', 'replace')
        n = int(name[1:]) if name[:1] == 'h' and name[1:].isdigit() else 0
        addr = bytes([198, 51, 100, n % 250 + 1])
    hdr = struct.pack('>HHHHHH', q_id if qid is None else qid, 0x8180 | (flags & 0x0100),
                      1, 1, 0, 0)
    rr = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + addr
    return hdr + question + rr


counts = {}


def count(what):
    counts[what] = counts.get(what, 0) + 1


def serve_udp(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.addr, args.port))
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind((args.other_addr if args.mode == 'other-addr' else args.addr, 0))
    print('ready', flush=True)
    while True:
        query, peer = s.recvfrom(65535)
        count('queries')
        try:
            right = answer(query)
        except (IndexError, ValueError, struct.error):
            continue
        qid = struct.unpack('>H', query[:2])[0]
        bad = []
        m = args.mode
        if m == 'wrong-id':
            bad = [answer(query, qid=qid ^ 0x5a5a, addr=BAD_ADDR)]
        elif m == 'short':
            bad = [right[:7], right[:12], right[:12 + (question_end(query) - 12) // 2]]
        elif m == 'question-loop':
            bad = [answer(query, addr=BAD_ADDR, question=b'\xc0\x0c\x00\x01\x00\x01')]
        elif m == 'wrong-question':
            bad = [answer(query, addr=BAD_ADDR,
                          question=b'\x07spoofed\x07example\x00\x00\x01\x00\x01')]
        elif m == 'oversized':
            bad = [answer(query, qid=qid ^ 0x5a5a, addr=BAD_ADDR) + b'\xff' * 65000]
        for b in bad:
            s.sendto(b, peer)
            count('bad')
        if m in ('other-port', 'other-addr'):
            other.sendto(answer(query, addr=BAD_ADDR), peer)
            count('bad')
        s.sendto(right, peer)


def reset(conn):
    """Closes @conn (a TLS one too) with a reset."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    conn.close()


nconns = 0
lock = threading.Lock()


def serve_conn(args, conn):
    global nconns
    with lock:
        nconns += 1
        bad = nconns <= args.bad
    count('connections')
    if args.tls:
        try:
            conn = args.tls_ctx.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            return
    m = args.mode if bad else 'good'
    try:
        while True:
            prefix = recv_exact(conn, 2)
            if prefix is None:
                break
            query = recv_exact(conn, struct.unpack('>H', prefix)[0])
            if query is None:
                break
            count('queries')
            right = answer(query)
            frame = struct.pack('>H', len(right)) + right
            if m == 'zero-frame':
                conn.sendall(b'\x00\x00' + frame)
                count('bad')
            elif m == 'garbage-after':
                conn.sendall(frame + b'\x00\x05' + bytes([0xde, 0xad, 0xbe, 0xef, 0x66]))
                count('bad')
            elif m == 'half-then-reset':
                conn.sendall(frame[:len(frame) // 2])
                count('bad')
                time.sleep(0.1)
                reset(conn)
                return
            elif m == 'reset-on-read':
                count('bad')
                reset(conn)
                return
            elif m == 'garbage-record':
                # An application-data record of 16 bytes: no key decrypts
                # it, below the TLS layer's back.
                os.write(conn.fileno(), b'\x17\x03\x03\x00\x10' + b'\x66' * 16)
                count('bad')
                time.sleep(1)
                conn.close()
                return
            else:
                conn.sendall(frame)
    except OSError:
        pass
    try:
        conn.close()
    except OSError:
        pass


def serve_tcp(args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((args.addr, args.port))
    s.listen(64)
    print('ready', flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve_conn, args=(args, conn), daemon=True).start()


def main():
    p = argparse.ArgumentParser()
    p.add_argument('mode')
    p.add_argument('--addr', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--other-addr', default='127.0.0.2')
    p.add_argument('--tcp', action='store_true')
    p.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'))
    p.add_argument('--bad', type=int, default=1, help='TCP: connections that misbehave')
    p.add_argument('--report')
    args = p.parse_args()

    def report(*_):
        if args.report:
            with open(args.report, 'w') as f:
                json.dump(counts, f)
        sys.exit(0)
    signal.signal(signal.SIGTERM, report)
    if args.tls:
        args.tcp = True
        args.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        args.tls_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        args.tls_ctx.load_cert_chain(*args.tls)
    if args.tcp:
        serve_tcp(args)
    serve_udp(args)


if __name__ == '__main__':
    sys.exit(main())
