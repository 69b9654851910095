#!/usr/bin/python3
"""bdat_client.py - minimal SMTP client that sends a message with BDAT chunks (RFC 5321, RFC 3030 CHUNKING).

swaks cannot speak BDAT, so this sends EHLO, MAIL, RCPT..., BDAT n, ..., BDAT n LAST,
QUIT over plain TCP to a loopback server, one command at a time (no pipelining),
and prints a transcript in swaks' style:
  "<-  " / "<** " server reply lines (2xx/3xx / others), " -> " command lines,
  " .. " payload lines of a chunk (CR LF shown as the line break; a chunk that
  stops inside a line ends with a lone "\\" continuation mark), "=== " notes.

usage: bdat_client.py --server HOST:PORT --from ADDR --to ADDR[,ADDR...]
                      --data FILE [--split OFFSET,...] [--helo NAME]
The message file's line ends are turned into CR LF; --split gives the byte
offsets (in the CR LF form) where chunks end, default one cut in the middle.
Exit status: 0 when the message was accepted, 1 otherwise.
"""
import argparse
import socket
import sys

TIMEOUT = 20


class Session:
    def __init__(self, host, port):
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        print("=== Trying %s:%d..." % (host, port))
        self.sock.connect((host, port))
        print("=== Connected to %s." % host)
        self.pending = b""

    def read_reply(self):
        """Read one reply; print its lines; return (code, [texts])."""
        lines = []
        while True:
            while b"\r\n" not in self.pending:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed by server")
                self.pending += chunk
            line, self.pending = self.pending.split(b"\r\n", 1)
            text = line.decode("utf-8", "replace")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                break
        code = lines[-1][:3]
        mark = "<-  " if code[:1] in ("2", "3") else "<** "
        for text in lines:
            print(mark + text)
        return code, lines

    def command(self, line):
        print(" -> " + line)
        self.sock.sendall(line.encode("utf-8") + b"\r\n")
        return self.read_reply()

    def chunk(self, data, last):
        cmd = "BDAT %d%s" % (len(data), " LAST" if last else "")
        print(" -> " + cmd)
        for piece in data.split(b"\r\n")[:-1]:
            print(" .. " + piece.decode("utf-8", "replace"))
        tail = data.split(b"\r\n")[-1]
        if tail:
            print(" .. " + tail.decode("utf-8", "replace") + "\\")
        self.sock.sendall(cmd.encode("ascii") + b"\r\n" + data)
        return self.read_reply()

    def close(self):
        self.sock.close()
        print("=== Connection closed with remote host.")


def load_message(path):
    with open(path, "rb") as f:
        raw = f.read()
    raw = raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if not raw.endswith(b"\r\n"):
        raw += b"\r\n"
    return raw


def split_chunks(data, offsets):
    cuts = sorted(set(o for o in offsets if 0 < o < len(data)))
    chunks, start = [], 0
    for cut in cuts + [len(data)]:
        chunks.append(data[start:cut])
        start = cut
    return chunks


def run(args):
    host, _, port = args.server.rpartition(":")
    host = host.strip("[]")
    data = load_message(args.data)
    offsets = [int(x) for x in args.split.split(",")] if args.split else [len(data) // 2]
    chunks = split_chunks(data, offsets)
    s = Session(host, int(port))
    try:
        code, _ = s.read_reply()
        if code != "220":
            return 1
        code, lines = s.command("EHLO " + args.helo)
        if code != "250" or not any(l[4:].upper() == "CHUNKING" for l in lines):
            print("*** Server did not advertise CHUNKING")
            s.command("QUIT")
            return 1
        s.command("MAIL FROM:<%s>" % getattr(args, "from"))
        accepted = 0
        for rcpt in args.to.split(","):
            code, _ = s.command("RCPT TO:<%s>" % rcpt)
            accepted += code == "250"
        result = 1
        if accepted:
            for i, piece in enumerate(chunks):
                code, _ = s.chunk(piece, i == len(chunks) - 1)
                if code != "250":
                    break
            else:
                result = 0
        s.command("QUIT")
        return result
    finally:
        s.close()


def main(argv):
    ap = argparse.ArgumentParser(description="send one message with BDAT")
    ap.add_argument("--server", required=True)
    ap.add_argument("--from", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--split", default="")
    ap.add_argument("--helo", default="client.example.test")
    args = ap.parse_args(argv)
    try:
        return run(args)
    except (OSError, ConnectionError) as e:
        print("*** %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
