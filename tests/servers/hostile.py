#!/usr/bin/python3
"""hostile.py - misbehaving SMTP peers on loopback for the session tests (RFC 5321, RFC 3207, RFC 2033 LMTP).

Standard library only; listens on 127.0.0.1 (or a unix socket) and exits after
--max-time seconds whatever happens. Prints "ready" once listening.

usage: hostile.py --mode MODE (--port PORT | --unix PATH) [--max-time SECS]
                  [--record NAME TYPE VALUE ...]   (mode dns)

Modes:
  silent          accepts and never says anything
  endless-line    "220-" followed by an endless line without a line end
  garbage         binary garbage instead of a greeting, without end
  escapes         terminal escape sequences in the greeting and replies
  drop-mid-reply  closes in the middle of the EHLO reply
  drop-mid-tls    offers STARTTLS, says 220, then drops during the handshake
  bad-codes       answers EHLO with lines that carry malformed or impossible codes
  slow            one byte every 100 ms
  lmtp            a well-behaved LMTP server (LHLO, one final reply per recipient)
  dns             a tiny authoritative DNS server on UDP (RFC 1035) answering the
                  --record NAME TYPE VALUE entries given (A, AAAA, MX "PREF HOST",
                  TLSA "U S M HEX") with the AD bit set; NXDOMAIN for other names
"""
import argparse
import os
import random
import socket
import socketserver
import sys
import threading
import time

DEADLINE = [0.0]


def left():
    return DEADLINE[0] - time.monotonic()


class Peer:
    """Line-oriented helpers around one accepted socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        sock.settimeout(0.2)

    def send(self, data):
        self.sock.sendall(data)

    def send_slowly(self, data, gap=0.1):
        for i in range(len(data)):
            if left() <= 0:
                return
            self.sock.sendall(data[i:i + 1])
            time.sleep(gap)

    def line(self):
        """The next line without its CRLF, or None when the peer left or time ran out."""
        while b"\n" not in self.buf:
            if left() <= 0:
                return None
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            self.buf += chunk
            if len(self.buf) > 1 << 20:
                return None
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def drain(self):
        """Read and drop input until the peer leaves or time runs out."""
        while left() > 0:
            try:
                if not self.sock.recv(4096):
                    return
            except socket.timeout:
                continue
            except OSError:
                return


def verb(line):
    return line.split(b" ", 1)[0].upper()


def mode_silent(p):
    p.drain()


def mode_endless_line(p):
    p.send(b"220-")
    chunk = b"A" * 16384
    sent = 0
    while left() > 0 and sent < (256 << 20):
        try:
            p.send(chunk)
        except OSError:
            return
        sent += len(chunk)


def mode_garbage(p):
    rnd = random.Random(5321)
    allowed = bytes(b for b in range(256) if not (0x30 <= b <= 0x39))
    sent = 0
    while left() > 0 and sent < (64 << 20):
        data = bytes(rnd.choice(allowed) for _ in range(4096))
        try:
            p.send(data)
        except OSError:
            return
        sent += len(data)
        time.sleep(0.01)


ESC_REPLIES = {
    b"EHLO": b"250-hostile.test \x1b[2J\x1b[H cleared?\r\n250-\x1b]0;pwned title\x07\r\n250 HELP\r\n",
    b"HELO": b"250 hostile.test \x1b[1mbold\x1b[0m\r\n",
    b"MAIL": b"550 5.7.1 \x1b[5mblinking\x1b[0m refusal \x9b31m with a C1 CSI\r\n",
    b"QUIT": b"221 2.0.0 bye \x1b[0m\r\n",
}


def mode_escapes(p):
    p.send(b"220 hostile.test ESMTP \x1b[31mred\x1b[0m \x1b]2;window title\x07 ready\r\n")
    while True:
        line = p.line()
        if line is None:
            return
        v = verb(line)
        p.send(ESC_REPLIES.get(v, b"250 2.0.0 ok \x1b[K\r\n"))
        if v == b"QUIT":
            return


def mode_drop_mid_reply(p):
    p.send(b"220 hostile.test ESMTP\r\n")
    line = p.line()
    if line is None:
        return
    p.send(b"250-hostile.test\r\n250-PIPELI")
    time.sleep(0.2)


def mode_drop_mid_tls(p):
    p.send(b"220 hostile.test ESMTP\r\n")
    while True:
        line = p.line()
        if line is None:
            return
        v = verb(line)
        if v in (b"EHLO", b"HELO"):
            p.send(b"250-hostile.test\r\n250 STARTTLS\r\n")
        elif v == b"STARTTLS":
            p.send(b"220 2.0.0 go ahead\r\n")
            try:
                p.sock.recv(100)  # part of the ClientHello, then gone
            except OSError:
                pass
            return
        elif v == b"QUIT":
            p.send(b"221 bye\r\n")
            return
        else:
            p.send(b"502 5.5.1 not here\r\n")


def mode_bad_codes(p):
    p.send(b"220 hostile.test ESMTP\r\n")
    while True:
        line = p.line()
        if line is None:
            return
        v = verb(line)
        if v in (b"EHLO", b"HELO"):
            p.send(b"25O-the letter O instead of a zero\r\nabc no code at all\r\n999 impossible code\r\n")
        elif v == b"QUIT":
            p.send(b"221 bye\r\n")
            return
        else:
            p.send(b"2500 four digits\r\n")


def mode_slow(p):
    p.send_slowly(b"220 hostile.test ESMTP slow\r\n")
    while True:
        line = p.line()
        if line is None:
            return
        v = verb(line)
        if v == b"QUIT":
            p.send_slowly(b"221 bye\r\n")
            return
        p.send_slowly(b"250 ok\r\n")


LMTP_USERS = (b"alice@example.test", b"bob@example.test", b"full@example.test")


def lmtp_rcpt(p, line, rcpts):
    addr = line.split(b":", 1)[1].strip().strip(b"<>").lower() if b":" in line else b""
    if addr in LMTP_USERS:
        rcpts.append(addr)
        p.send(b"250 2.1.5 ok\r\n")
    else:
        p.send(b"550 5.1.1 <" + addr + b"> no such user here\r\n")


def lmtp_data(p, rcpts):
    p.send(b"354 go ahead\r\n")
    while True:
        line = p.line()
        if line is None or line == b".":
            break
    for r in rcpts:
        if r.startswith(b"full@"):
            p.send(b"452 4.2.2 <" + r + b"> mailbox full\r\n")
        else:
            p.send(b"250 2.0.0 <" + r + b"> delivered\r\n")


def mode_lmtp(p):
    p.send(b"220 lmtp.test LMTP ready\r\n")
    rcpts = []
    while True:
        line = p.line()
        if line is None:
            return
        v = verb(line)
        if v == b"LHLO":
            p.send(b"250-lmtp.test\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n")
        elif v in (b"EHLO", b"HELO"):
            p.send(b"500 5.5.1 this is LMTP: use LHLO\r\n")
        elif v == b"MAIL":
            rcpts = []
            p.send(b"250 2.1.0 ok\r\n")
        elif v == b"RCPT":
            lmtp_rcpt(p, line, rcpts)
        elif v == b"DATA":
            if rcpts:
                lmtp_data(p, rcpts)
            else:
                p.send(b"503 5.5.1 no valid recipients\r\n")
        elif v == b"QUIT":
            p.send(b"221 2.0.0 bye\r\n")
            return
        else:
            p.send(b"250 2.0.0 ok\r\n")


# ---- mode dns: RFC 1035 4.1 messages, answers from --record ----

DNS_TYPES = {"A": 1, "MX": 15, "AAAA": 28, "TLSA": 52}


def dns_name(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def dns_rdata(rtype, value):
    if rtype == "A":
        return socket.inet_pton(socket.AF_INET, value)
    if rtype == "AAAA":
        return socket.inet_pton(socket.AF_INET6, value)
    if rtype == "MX":
        pref, host = value.split()
        return int(pref).to_bytes(2, "big") + dns_name(host)
    usage, sel, mtype, data = value.split()
    return bytes([int(usage), int(sel), int(mtype)]) + bytes.fromhex(data)


def dns_question(msg):
    """(name, qtype, end offset) of the first question, or None."""
    i, labels = 12, []
    while i < len(msg):
        n = msg[i]
        if n == 0:
            if i + 5 > len(msg):
                return None
            qtype = int.from_bytes(msg[i + 1:i + 3], "big")
            return ".".join(labels).lower(), qtype, i + 5
        if n > 63 or i + 1 + n > len(msg):
            return None
        labels.append(msg[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return None


def dns_answer(msg, records):
    q = dns_question(msg) if len(msg) >= 12 else None
    if q is None:
        return None
    name, qtype, end = q
    known = [r for r in records if r[0] == name]
    answers = [dns_rdata(r[1], r[2]) for r in known if DNS_TYPES[r[1]] == qtype]
    rcode = 0 if known else 3
    flags = 0x8000 | 0x0400 | (msg[2] & 0x01) << 8 | 0x0080 | 0x0020 | rcode
    head = msg[0:2] + flags.to_bytes(2, "big") + b"\0\1" + len(answers).to_bytes(2, "big") + b"\0\0\0\0"
    body = msg[12:end]
    for rd in answers:
        body += b"\xc0\x0c" + qtype.to_bytes(2, "big") + b"\0\1" + (60).to_bytes(4, "big")
        body += len(rd).to_bytes(2, "big") + rd
    return head + body


def serve_dns(port, records):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))
    sock.settimeout(0.2)
    print("ready", flush=True)
    while left() > 0:
        try:
            msg, peer = sock.recvfrom(4096)
        except socket.timeout:
            continue
        reply = dns_answer(msg, records)
        if reply:
            sock.sendto(reply, peer)
    sock.close()
    return 0


MODES = {
    "silent": mode_silent,
    "endless-line": mode_endless_line,
    "garbage": mode_garbage,
    "escapes": mode_escapes,
    "drop-mid-reply": mode_drop_mid_reply,
    "drop-mid-tls": mode_drop_mid_tls,
    "bad-codes": mode_bad_codes,
    "slow": mode_slow,
    "lmtp": mode_lmtp,
    "dns": None,
}


def make_handler(mode):
    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                MODES[mode](Peer(self.request))
            except OSError:
                pass

    return Handler


class TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main(argv):
    ap = argparse.ArgumentParser(description="misbehaving SMTP peers for tests")
    ap.add_argument("--mode", required=True, choices=sorted(MODES))
    ap.add_argument("--port", type=int)
    ap.add_argument("--unix")
    ap.add_argument("--max-time", type=float, default=60.0)
    ap.add_argument("--record", nargs=3, action="append", default=[], metavar=("NAME", "TYPE", "VALUE"))
    args = ap.parse_args(argv)
    if (args.port is None) == (args.unix is None):
        ap.error("give exactly one of --port and --unix")
    DEADLINE[0] = time.monotonic() + max(1.0, min(args.max_time, 600.0))
    if args.mode == "dns":
        if args.port is None:
            ap.error("mode dns needs --port")
        records = [(n.strip(".").lower(), t.upper(), v) for n, t, v in args.record]
        for r in records:
            if r[1] not in DNS_TYPES:
                ap.error("record type must be one of " + ", ".join(DNS_TYPES))
        return serve_dns(args.port, records)
    handler = make_handler(args.mode)
    if args.unix:
        if os.path.exists(args.unix):
            os.unlink(args.unix)
        server = UnixServer(args.unix, handler)
    else:
        server = TCPServer(("127.0.0.1", args.port), handler)
    stopper = threading.Timer(max(0.0, left()), server.shutdown)
    stopper.daemon = True
    stopper.start()
    print("ready", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        if args.unix and os.path.exists(args.unix):
            os.unlink(args.unix)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
