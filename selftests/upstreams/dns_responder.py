#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A misbehaving DNS upstream for the tests, answering every question with
A 192.0.2.99, in ways unbound never would:

  --reverse N        TCP: read N queries, then answer them in reverse order
  --split            TCP: send each answer in 1-byte writes (partial frames)
  --urgent           TCP: send a byte of urgent data (MSG_OOB) before each
                     answer
  --close-after N    TCP: close the connection after reading N queries,
                     unanswered (once; later connections are answered)
  --close-times K    with --close-after: close K connections so (0: all)
  --wrong-question   UDP: first answer each query for another name, then
                     correctly
  --ids FILE         write the ID of every query received, one per line
  --tls CERT KEY     TCP: DNS over TLS (TLS 1.3, which sends session tickets)
  --answer-limit N   TCP: answer N queries on each connection, then close it
                     (over TLS with a close_notify first)
  --idle-timeout S   TCP: close a connection idle for S seconds (over TLS
                     with a close_notify first)
  --silent           TCP: accept connections and never send anything (a TLS
                     handshake that never ends)
  --tickets N        over TLS: send N session tickets after the handshake
  --drop             UDP: read every query, answer none
  --ignore N         UDP: drop the first N datagrams of each question (name,
                     type, class), answer the others
  --delay S          answer every query (every datagram, over UDP) after S
                     seconds
  --fold-case        UDP: first answer each query for its name with Latin-1
                     letters' case changed (another name: octets above 127
                     are not folded), then with ASCII letters upper-cased
                     (the same name, RFC 4343)
  --rcode N          UDP: answer every query with rcode N (2 SERVFAIL, 5
                     REFUSED) and no record
  --stall-first S    TCP: on the first connection, read nothing for S
                     seconds, with a small receive buffer, so that the
                     client's writes stop part-way; then serve it
"""
import argparse
import os
import socket
import ssl
import struct
import sys
import threading
import time


def answer(query, name_override=None):
    """A response to @query: same ID and question, one A record."""
    qid, flags = struct.unpack('>HH', query[:4])
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    question = query[12:end + 5]
    if name_override:
        labels = b''.join(bytes([len(x)]) + x.encode() for x in name_override.split('.'))
        question = labels + b'\x00' + question[-4:]
    hdr = struct.pack('>HHHHHH', qid, 0x8180 | (flags & 0x0100), 1, 1, 0, 0)
    rr = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + bytes([192, 0, 2, 99])
    return hdr + question + rr


def answer_rcode(query, rcode):
    """A response to @query with @rcode: same ID and question, no record."""
    qid, flags = struct.unpack('>HH', query[:4])
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    hdr = struct.pack('>HHHHHH', qid, 0x8180 | (flags & 0x0100) | rcode, 1, 0, 0, 0)
    return hdr + query[12:end + 5]


def fold_latin1(name):
    """@name (wire format) with Latin-1 letters' case changed."""
    return bytes(c ^ 0x20 if 0xc0 <= (c & 0xdf) <= 0xde and (c & 0xdf) != 0xd7 else c
                 for c in name)


def fold_ascii(name):
    """@name (wire format) with ASCII letters upper-cased; length octets
    are below 64 and stay as they are."""
    return bytes(c - 0x20 if 0x61 <= c <= 0x7a else c for c in name)


def answer_folded(query, fold):
    """answer(@query) with its question's name passed through @fold."""
    end = 12
    while query[end] != 0:
        end += query[end] + 1
    msg = answer(query)
    return msg[:12] + fold(msg[12:end]) + msg[end:]


def log_id(args, query):
    if args.ids:
        with open(args.ids, 'a') as f:
            f.write('%d\n' % struct.unpack('>H', query[:2]))


def recv_exact(conn, n):
    buf = b''
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


closes = {'done': 0}
closes_lock = threading.Lock()


def close_this_one(args):
    """--close-after: whether this connection is one of those closed."""
    with closes_lock:
        if args.close_times and closes['done'] >= args.close_times:
            return False
        closes['done'] += 1
        return True


def close(args, conn):
    """Over TLS, close_notify first.  Then the peer's queries still coming
    are read and dropped: closing with unread data would reset the
    connection, and a reset loses the answers already sent."""
    conn.settimeout(1)
    if args.tls:
        try:
            conn = conn.unwrap()
        except (OSError, ValueError):
            pass
    try:
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(4096):
            pass
    except (OSError, ValueError):
        pass
    conn.close()


stalled_once = threading.Event()


def serve_tcp_conn(args, conn):
    if args.stall_first and not stalled_once.is_set():
        stalled_once.set()
        time.sleep(args.stall_first)
    if args.silent:
        try:
            while conn.recv(4096):
                pass
        except OSError:
            pass
        conn.close()
        return
    if args.tls:
        try:
            conn = args.tls_ctx.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            return
    pending = []
    answered = 0
    closing = args.close_after and close_this_one(args)
    if args.idle_timeout:
        conn.settimeout(args.idle_timeout)
    while True:
        try:
            prefix = recv_exact(conn, 2)
        except TimeoutError:
            break
        if prefix is None:
            break
        query = recv_exact(conn, struct.unpack('>H', prefix)[0])
        if query is None:
            break
        log_id(args, query)
        if closing:
            pending.append(query)
            if len(pending) >= args.close_after:
                break
            continue
        pending.append(query)
        if args.reverse and len(pending) < args.reverse:
            continue
        if args.delay:
            time.sleep(args.delay)
        for q in reversed(pending):
            try:
                msg = answer(q)
            except (IndexError, struct.error):
                continue        # not a DNS query: the stream lost its framing
            data = struct.pack('>H', len(msg)) + msg
            if args.urgent:
                conn.send(b'!', socket.MSG_OOB)
            if args.split:
                for i in range(len(data)):
                    conn.sendall(data[i:i + 1])
                    time.sleep(0.001)
            else:
                conn.sendall(data)
            answered += 1
        pending = []
        if args.answer_limit and answered >= args.answer_limit:
            break
    close(args, conn)


def say_ready():
    """'ready' on stdout, once listening.  A test that gave up waiting for
    it has closed the pipe: the responder serves all the same."""
    try:
        print('ready', flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--addr', default='127.0.0.1')
    p.add_argument('--port', type=int, required=True)
    p.add_argument('--tcp', action='store_true')
    p.add_argument('--reverse', type=int, default=0)
    p.add_argument('--split', action='store_true')
    p.add_argument('--urgent', action='store_true')
    p.add_argument('--close-after', type=int, default=0)
    p.add_argument('--close-times', type=int, default=1)
    p.add_argument('--wrong-question', action='store_true')
    p.add_argument('--ids')
    p.add_argument('--tls', nargs=2, metavar=('CERT', 'KEY'))
    p.add_argument('--answer-limit', type=int, default=0)
    p.add_argument('--idle-timeout', type=float, default=0)
    p.add_argument('--silent', action='store_true')
    p.add_argument('--fold-case', action='store_true')
    p.add_argument('--stall-first', type=float, default=0)
    p.add_argument('--tickets', type=int, default=0)
    p.add_argument('--drop', action='store_true')
    p.add_argument('--ignore', type=int, default=0)
    p.add_argument('--delay', type=float, default=0)
    p.add_argument('--rcode', type=int, default=0)
    args = p.parse_args()
    if args.tls:
        args.tcp = True
        args.tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        args.tls_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        args.tls_ctx.load_cert_chain(*args.tls)
        if args.tickets:
            args.tls_ctx.num_tickets = args.tickets
    if args.silent:
        args.tcp = True

    if args.tcp:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if args.stall_first:
            # Inherited by accepted connections: the client's writes stop
            # part-way soon.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        s.bind((args.addr, args.port))
        s.listen(64)
        say_ready()
        while True:
            conn, _ = s.accept()
            threading.Thread(target=serve_tcp_conn, args=(args, conn), daemon=True).start()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((args.addr, args.port))
    say_ready()
    seen = {}
    while True:
        query, peer = s.recvfrom(65535)
        log_id(args, query)
        if args.drop:
            continue
        if seen.get(query[12:], 0) < args.ignore:
            seen[query[12:]] = seen.get(query[12:], 0) + 1
            continue
        if args.delay:
            threading.Timer(args.delay, s.sendto, (answer(query), peer)).start()
            continue
        if args.rcode:
            s.sendto(answer_rcode(query, args.rcode), peer)
            continue
        if args.wrong_question:
            s.sendto(answer(query, 'spoofed.example'), peer)
        if args.fold_case:
            s.sendto(answer_folded(query, fold_latin1), peer)
            s.sendto(answer_folded(query, fold_ascii), peer)
            continue
        s.sendto(answer(query), peer)


if __name__ == '__main__':
    sys.exit(main())
