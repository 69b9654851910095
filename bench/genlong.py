#!/usr/bin/python3
"""genlong.py - a pcap file holding one SMTP session (RFC 5321) with a very long transcript, for the TUI scrolling benchmark.

usage: genlong.py COMMANDS OUTFILE

The session: a 220 greeting, EHLO and its reply, COMMANDS times "NOOP nnnnnn"
(numbered, RFC 5321 4.1.1.9 allows an argument) each answered "250 2.0.0 Ok",
then QUIT / 221 and the connection closes; every segment is its own Ethernet /
IPv4 / TCP packet with correct checksums, 1 ms between commands and 0.2 ms to
each reply. 2 * COMMANDS + 6 transcript lines in all.
"""
import os
import struct
import sys

CLIENT = (bytes([10, 0, 0, 1]), 40000, b"\x02\x00\x00\x00\x00\x01")
SERVER = (bytes([10, 0, 0, 2]), 25, b"\x02\x00\x00\x00\x00\x02")
START_US = 1_780_000_000 * 1_000_000  # an arbitrary fixed start time


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


class Flow:
    """Writes the packets of one TCP connection, keeping sequence numbers."""

    def __init__(self, out):
        self.out = out
        self.seq = {0: 1000, 1: 5000}  # 0: client, 1: server
        self.ip_id = 1

    def packet(self, t_us, side, flags, payload=b""):
        src, dst = (CLIENT, SERVER) if side == 0 else (SERVER, CLIENT)
        seq, ack = self.seq[side], self.seq[1 - side]
        tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq, ack if flags & 0x10 else 0,
                          5 << 4, flags, 65535, 0, 0) + payload
        pseudo = src[0] + dst[0] + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), self.ip_id & 0xFFFF, 0x4000, 64, 6, 0,
                         src[0], dst[0])
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        self.ip_id += 1
        frame = dst[2] + src[2] + b"\x08\x00" + ip + tcp
        self.out.append(struct.pack("<IIII", t_us // 1_000_000, t_us % 1_000_000, len(frame), len(frame)) + frame)
        self.seq[side] += len(payload) + (1 if flags & 0x03 else 0)  # SYN and FIN take a number


def session(commands):
    """Yield the pcap records of the whole session."""
    out = []
    f = Flow(out)
    t = START_US
    f.packet(t, 0, 0x02)
    f.packet(t + 100, 1, 0x12)
    f.packet(t + 200, 0, 0x10)
    f.packet(t + 1000, 1, 0x18, b"220 mx.example.test ESMTP benchmark server\r\n")
    f.packet(t + 2000, 0, 0x18, b"EHLO client.example.test\r\n")
    f.packet(t + 2200, 1, 0x18, b"250-mx.example.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n")
    yield from out
    t += 3000
    for n in range(1, commands + 1):
        out.clear()
        f.packet(t, 0, 0x18, b"NOOP %06d\r\n" % n)
        f.packet(t + 200, 1, 0x18, b"250 2.0.0 Ok\r\n")
        yield from out
        t += 1000
    out.clear()
    f.packet(t, 0, 0x18, b"QUIT\r\n")
    f.packet(t + 200, 1, 0x18, b"221 2.0.0 Bye\r\n")
    f.packet(t + 300, 1, 0x11)
    f.packet(t + 400, 0, 0x11)
    f.packet(t + 500, 1, 0x10)
    yield from out


def main(argv):
    if len(argv) != 2 or not argv[0].isdigit() or int(argv[0]) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    commands, path = int(argv[0]), argv[1]
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        batch = []
        for rec in session(commands):
            batch.append(rec)
            if len(batch) >= 4096:
                fh.write(b"".join(batch))
                batch.clear()
        fh.write(b"".join(batch))
    os.replace(tmp, path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
