#!/usr/bin/python3
"""make-sample.py - build the bundled sample capture by merging recorded SMTP captures into one pcap file (pcap format as libpcap writes it; IPv4 RFC 791, IPv6 RFC 8200, TCP RFC 9293, checksum update RFC 1624).

usage: samples/make-sample.py [-o OUT] [--repeat N] [--max-size BYTES] PCAP...
       samples/make-sample.py                (the bundled sample: see DEFAULT_INPUTS)

Each input is a classic pcap file (microsecond or nanosecond time stamps,
either byte order) holding one or more SMTP sessions; all inputs must share a
link type. The inputs are laid one after the other in the order given: every
file is shifted in time so that it starts a few seconds (a fixed, repeating
pattern of pauses) after the previous one ended, the first one keeping its own
start time. The output is a microsecond pcap in little-endian order.

--repeat N lays the whole list N times; every copy after the first gets its
own client ports (TCP checksums are updated incrementally, RFC 1624) so that
each copy is a new connection. The tests use this to build large captures.

Inputs larger than --max-size (default 256 KiB) are left out with a message:
the bundled sample must stay small. Standard library only; the output depends
on nothing but the inputs, so running it again gives the same bytes.
"""
import os
import struct
import sys

# The bundled sample, relative to the project top: every kind of session the
# recorded captures hold (a delivery to two recipients, pipelining with a
# refused recipient, AUTH PLAIN and LOGIN, a failed AUTH, a message refused
# for its size, a client that quits before DATA, BDAT, STARTTLS, and IPv6).
# large-body.pcap (2 MB) stays out: the sample must stay small; implicit-tls.pcap
# too, as its wrapper port is neither 465 nor opened by a clear 220 greeting.
DEFAULT_INPUTS = [
    "tests/captures/plain.pcap",
    "tests/captures/pipelining.pcap",
    "tests/captures/auth-plain.pcap",
    "tests/captures/auth-fail.pcap",
    "tests/captures/size-reject.pcap",
    "tests/captures/auth-login.pcap",
    "tests/captures/quit-early.pcap",
    "tests/captures/bdat.pcap",
    "tests/captures/starttls.pcap",
    "tests/captures/plain-ipv6.pcap",
]
DEFAULT_OUT = "samples/sample.pcap"
DEFAULT_MAX_SIZE = 256 * 1024
# Pauses between sessions, in microseconds, used in turn.
PAUSES = [3200000, 11700000, 1400000, 27900000, 6300000, 800000, 14200000]

MAGIC_USEC = 0xA1B2C3D4
MAGIC_NSEC = 0xA1B23C4D
DLT_EN10MB = 1
DLT_RAW = 101
DLT_LINUX_SLL = 113


class PcapError(Exception):
    pass


def read_pcap(path):
    """Return (linktype, [(ts_usec, frame bytes, wire length)])."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise PcapError("%s: too short for a pcap header" % path)
    for endian in ("<", ">"):
        magic = struct.unpack(endian + "I", data[:4])[0]
        if magic in (MAGIC_USEC, MAGIC_NSEC):
            break
    else:
        raise PcapError("%s: not a classic pcap file (pcapng is not read here)" % path)
    nsec = magic == MAGIC_NSEC
    linktype = struct.unpack(endian + "I", data[20:24])[0] & 0x0FFFFFFF
    recs = []
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise PcapError("%s: record cut short at offset %d" % (path, off - 16))
        usec = frac // 1000 if nsec else frac
        recs.append((sec * 1000000 + usec, data[off:off + caplen], wirelen))
        off += caplen
    return linktype, recs


def ip_offset(linktype, frame):
    """Offset of the IP header in frame, or -1 when it is not IP."""
    if linktype == DLT_RAW:
        return 0
    if linktype == DLT_LINUX_SLL:
        return 16 if len(frame) >= 16 and frame[14:16] in (b"\x08\x00", b"\x86\xdd") else -1
    if linktype != DLT_EN10MB or len(frame) < 14:
        return -1
    off, etype = 12, frame[12:14]
    while etype in (b"\x81\x00", b"\x88\xa8") and len(frame) >= off + 6:
        off += 4
        etype = frame[off:off + 2]
    return off + 2 if etype in (b"\x08\x00", b"\x86\xdd") else -1


def tcp_offset(frame, ip):
    """Offset of the TCP header, or -1 (not TCP, or a fragment)."""
    if ip < 0 or len(frame) < ip + 20:
        return -1
    ver = frame[ip] >> 4
    if ver == 4:
        ihl = (frame[ip] & 0x0F) * 4
        frag = struct.unpack("!H", frame[ip + 6:ip + 8])[0] & 0x1FFF
        if frame[ip + 9] != 6 or frag:
            return -1
        tcp = ip + ihl
    elif ver == 6 and len(frame) >= ip + 40 and frame[ip + 6] == 6:
        tcp = ip + 40
    else:
        return -1
    return tcp if len(frame) >= tcp + 20 else -1


def server_port(linktype, recs):
    """The port of the server: the destination of the first SYN, else the
    lower port of the first TCP packet."""
    first = None
    for _, frame, _ in recs:
        tcp = tcp_offset(frame, ip_offset(linktype, frame))
        if tcp < 0:
            continue
        sport, dport = struct.unpack("!HH", frame[tcp:tcp + 4])
        flags = frame[tcp + 13]
        if flags & 0x02 and not flags & 0x10:
            return dport
        if first is None:
            first = min(sport, dport)
    return first


def csum_update(cksum, old, new):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word."""
    s = (~cksum & 0xFFFF) + (~old & 0xFFFF) + new
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def rewrite_client_port(linktype, frame, srv, new_port_of):
    """Give the client side of frame a new port (new_port_of(old) -> new)."""
    tcp = tcp_offset(frame, ip_offset(linktype, frame))
    if tcp < 0:
        return frame
    sport, dport = struct.unpack("!HH", frame[tcp:tcp + 4])
    if dport == srv and sport != srv:
        at, old = tcp, sport
    elif sport == srv and dport != srv:
        at, old = tcp + 2, dport
    else:
        return frame
    new = new_port_of(old)
    b = bytearray(frame)
    b[at:at + 2] = struct.pack("!H", new)
    if len(b) >= tcp + 18:
        ck = struct.unpack("!H", b[tcp + 16:tcp + 18])[0]
        b[tcp + 16:tcp + 18] = struct.pack("!H", csum_update(ck, old, new))
    return bytes(b)


def merge(inputs, repeat, max_size, log):
    """Return (linktype, [(ts, frame, wirelen)]) of the merged capture."""
    files = []
    for path in inputs:
        size = os.path.getsize(path)
        if size > max_size:
            log("make-sample: leaving out %s (%d bytes, over %d)" % (path, size, max_size))
            continue
        lt, recs = read_pcap(path)
        if not recs:
            log("make-sample: leaving out %s (no packets)" % path)
            continue
        files.append((path, lt, recs, server_port(lt, recs)))
    if not files:
        raise PcapError("no usable input")
    linktype = files[0][1]
    for path, lt, _, _ in files:
        if lt != linktype:
            raise PcapError("%s: link type %d, the others have %d" % (path, lt, linktype))
    out = []
    cursor = files[0][2][0][0]
    turn = 0
    for copy in range(repeat):
        for path, _, recs, srv in files:
            shift = cursor - recs[0][0]

            def new_port(old, copy=copy, turn=turn):
                # a distinct ephemeral port for each (copy, file), stable per file
                return 1024 + (old + copy * 7919 + turn * 131) % 64000
            for ts, frame, wirelen in recs:
                if copy and srv is not None:
                    frame = rewrite_client_port(linktype, frame, srv, new_port)
                out.append((ts + shift, frame, wirelen))
            cursor = recs[-1][0] + shift + PAUSES[turn % len(PAUSES)]
            turn += 1
    return linktype, out


def write_pcap(path, linktype, recs):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", MAGIC_USEC, 2, 4, 0, 0, 262144, linktype))
        for ts, frame, wirelen in recs:
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(frame), wirelen))
            f.write(frame)


def main(argv):
    out = None
    repeat = 1
    max_size = DEFAULT_MAX_SIZE
    inputs = []
    i = 0
    try:
        while i < len(argv):
            a = argv[i]
            if a == "-o" and i + 1 < len(argv):
                out = argv[i + 1]
                i += 1
            elif a == "--repeat" and i + 1 < len(argv):
                repeat = int(argv[i + 1])
                i += 1
            elif a == "--max-size" and i + 1 < len(argv):
                max_size = int(argv[i + 1])
                i += 1
            elif a in ("-h", "--help"):
                print(__doc__)
                return 0
            elif a.startswith("-"):
                raise ValueError("unknown option " + a)
            else:
                inputs.append(a)
            i += 1
        if repeat < 1:
            raise ValueError("--repeat wants a positive number")
    except ValueError as e:
        sys.stderr.write("make-sample: %s\n" % e)
        return 2
    if not inputs:
        top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        inputs = [os.path.join(top, p) for p in DEFAULT_INPUTS]
        out = out or os.path.join(top, DEFAULT_OUT)
    if not out:
        sys.stderr.write("make-sample: -o OUT is needed with explicit inputs\n")
        return 2
    try:
        linktype, recs = merge(inputs, repeat, max_size, lambda m: sys.stderr.write(m + "\n"))
    except (OSError, PcapError) as e:
        sys.stderr.write("make-sample: %s\n" % e)
        return 1
    write_pcap(out, linktype, recs)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
