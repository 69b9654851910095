#!/usr/bin/python3
"""pcapmangle.py - reshape or damage a classic pcap file for the capture decoder's tests (pcap format as libpcap writes it; IPv4 RFC 791, IPv6 RFC 8200, TCP RFC 9293).

Reads a pcap file (microsecond or nanosecond time stamps, either byte order),
applies one operation and writes a new pcap file in the same byte order.
Standard library only. Frames may be Ethernet (optionally 802.1Q tagged),
Linux SLL/SLL2, BSD loopback (NULL/LOOP) or raw IP; operations that look inside
packets understand IPv4 and IPv6 carrying TCP, and recompute the IP and TCP
checksums of every packet they change.

usage: pcapmangle.py OPERATION ARGS...
  records IN                     list the records: index, file offset, caplen, wire length
  cut IN OUT OFFSET              keep the first OFFSET bytes of the file
  cut-record IN OUT INDEX DELTA  cut the file DELTA bytes into record INDEX (0-based;
                                 DELTA < 16 cuts inside its record header)
  snap IN OUT N                  store at most N bytes of each frame (wire length kept)
  caplen IN OUT INDEX VALUE      write VALUE as record INDEX's captured length (the bytes
                                 that follow are left as they are)
  resegment IN OUT MSS           split every TCP payload into segments of at most MSS bytes
  drop IN OUT (--index N | --match TEXT [--nth K])
                                 remove one packet: by index, or the K-th (1-based)
                                 TCP segment whose payload contains TEXT
  dup IN OUT [--every K]         send every K-th packet twice (default: every packet)
  shuffle IN OUT [--seed S] [--window W] [--runs]
                                 reorder TCP data segments (other packets stay in place):
                                 those inside consecutive windows of W packets (default
                                 4) whatever their direction, or with --runs those of
                                 each run of consecutive segments going the same way
                                 (in blocks of W segments when W is given)
  garble IN OUT --match TEXT [--seed S] [--copy]
                                 overwrite the payload of the first TCP segment holding
                                 TEXT with random bytes (same length); with --copy keep
                                 it and send the garbled copy after it (a retransmission
                                 whose bytes differ)
  conflict IN OUT --match TEXT [--seed S]
                                 move the TCP segment holding TEXT ahead of the segment
                                 before it and follow it with a copy carrying other
                                 bytes: reassembly holds both and must see they differ
  sub IN OUT OLD NEW             replace OLD by NEW (same length; Python escapes such
                                 as \\x1b allowed) in every TCP payload
  ports IN OUT OLD NEW           change TCP port OLD to NEW in both directions
  relink IN OUT TYPE             re-wrap the frames' IP packets as sll, sll2, null or raw
  nsec IN OUT                    the same packets with nanosecond time stamps
  concat [--sort] OUT IN...      the records of several files (same link type) in order,
                                 or with --sort merged by time stamp
  add-flow IN OUT --port P --client TEXT --server TEXT [--first server|client]
                                 add a synthetic IPv4 TCP conversation (handshake, the
                                 two payloads, FIN exchange) between 10.9.0.1 and
                                 10.9.0.2:P, merged by time into IN's packets
  fuzzseed IN OUT [--max-frames N] [--model]
                                 the frames as input for fuzz/fuzz_capture.c (byte 0: link
                                 type, and with --model bit 3: check the Capture screen's
                                 model too; per frame: cut flag and time step, length, bytes)
  garbage-file OUT SIZE [--seed S] [--header]
                                 SIZE random bytes; with --header a valid pcap file
                                 header followed by random records

Exit status: 0 done, 1 the input is not a pcap file this tool handles, 2 usage.
"""
import argparse
import random
import struct
import sys

# Link types (LINKTYPE_* values of the pcap file format).
LT_NULL, LT_EN10MB, LT_RAW, LT_LOOP, LT_SLL, LT_SLL2 = 0, 1, 101, 108, 113, 276
RECORD_HEADER = 16
FILE_HEADER = 24


class PcapError(Exception):
    pass


class Pcap:
    """A classic pcap file: header fields and a list of [ts_sec, ts_frac, wirelen, bytes]."""

    def __init__(self, endian="<", magic=0xA1B2C3D4, snaplen=262144, linktype=LT_EN10MB):
        self.endian = endian
        self.magic = magic
        self.snaplen = snaplen
        self.linktype = linktype
        self.records = []

    @classmethod
    def read(cls, path):
        with open(path, "rb") as f:
            raw = f.read()
        if len(raw) < FILE_HEADER:
            raise PcapError("%s: shorter than a pcap file header" % path)
        for endian in ("<", ">"):
            magic = struct.unpack(endian + "I", raw[:4])[0]
            if magic in (0xA1B2C3D4, 0xA1B23C4D):
                break
        else:
            raise PcapError("%s: not a classic pcap file (pcapng is not handled)" % path)
        _, _, _, _, _, snaplen, linktype = struct.unpack(endian + "IHHiIII", raw[:FILE_HEADER])
        p = cls(endian, magic, snaplen, linktype & 0x0FFFFFFF)
        off = FILE_HEADER
        while off + RECORD_HEADER <= len(raw):
            sec, frac, caplen, wirelen = struct.unpack(endian + "IIII", raw[off:off + RECORD_HEADER])
            data = raw[off + RECORD_HEADER:off + RECORD_HEADER + caplen]
            if len(data) < caplen:
                raise PcapError("%s: record %d is cut short" % (path, len(p.records)))
            p.records.append([sec, frac, wirelen, data])
            off += RECORD_HEADER + caplen
        return p

    def header(self):
        return struct.pack(self.endian + "IHHiIII", self.magic, 2, 4, 0, 0, self.snaplen, self.linktype)

    def record_bytes(self, rec):
        sec, frac, wirelen, data = rec
        return struct.pack(self.endian + "IIII", sec, frac, len(data), wirelen) + data

    def write(self, path):
        with open(path, "wb") as f:
            f.write(self.header())
            for rec in self.records:
                f.write(self.record_bytes(rec))

    def frac_per_sec(self):
        return 1000000000 if self.magic == 0xA1B23C4D else 1000000


# --- checksums and packet dissection -------------------------------------------------


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def link_offset(linktype, frame):
    """Offset of the IP header in frame, or None when the frame carries no IP."""
    if linktype == LT_EN10MB:
        off, etype = 12, None
        while off + 2 <= len(frame):
            etype = struct.unpack("!H", frame[off:off + 2])[0]
            if etype in (0x8100, 0x88A8):
                off += 4
                continue
            break
        return off + 2 if etype in (0x0800, 0x86DD) else None
    if linktype == LT_SLL:
        return 16
    if linktype == LT_SLL2:
        return 20
    if linktype in (LT_NULL, LT_LOOP):
        return 4
    if linktype == LT_RAW:
        return 0
    return None


class Tcp:
    """TCP segment inside a frame: offsets of the IP and TCP headers and payload."""

    def __init__(self, frame, ip):
        self.frame = bytearray(frame)
        self.ip = ip
        self.version = self.frame[ip] >> 4
        if self.version == 4:
            ihl = (self.frame[ip] & 0x0F) * 4
            total = struct.unpack("!H", self.frame[ip + 2:ip + 4])[0]
            if self.frame[ip + 9] != 6:
                raise ValueError("not TCP")
            self.tcp = ip + ihl
            self.end = ip + total
        elif self.version == 6:
            if self.frame[ip + 6] != 6:
                raise ValueError("not TCP (or IPv6 extension headers)")
            self.tcp = ip + 40
            self.end = ip + 40 + struct.unpack("!H", self.frame[ip + 4:ip + 6])[0]
        else:
            raise ValueError("not IP")
        if self.end > len(self.frame) or self.tcp + 20 > self.end:
            raise ValueError("cut or malformed")
        self.payload_at = self.tcp + (self.frame[self.tcp + 12] >> 4) * 4
        if self.payload_at > self.end:
            raise ValueError("bad TCP header length")

    @property
    def payload(self):
        return bytes(self.frame[self.payload_at:self.end])

    @property
    def seq(self):
        return struct.unpack("!I", self.frame[self.tcp + 4:self.tcp + 8])[0]

    @property
    def flags(self):
        return self.frame[self.tcp + 13]

    def ports(self):
        return struct.unpack("!HH", self.frame[self.tcp:self.tcp + 4])

    def rebuild(self, payload=None, seq=None, flags=None):
        """A new frame with this header and another payload / sequence number."""
        f = bytearray(self.frame[:self.payload_at])
        if seq is not None:
            f[self.tcp + 4:self.tcp + 8] = struct.pack("!I", seq & 0xFFFFFFFF)
        if flags is not None:
            f[self.tcp + 13] = flags
        f += self.payload if payload is None else payload
        ip, tcp = self.ip, self.tcp
        if self.version == 4:
            f[ip + 2:ip + 4] = struct.pack("!H", len(f) - ip)
            f[ip + 10:ip + 12] = b"\0\0"
            f[ip + 10:ip + 12] = struct.pack("!H", csum(bytes(f[ip:tcp])))
            pseudo = bytes(f[ip + 12:ip + 20]) + struct.pack("!BBH", 0, 6, len(f) - tcp)
        else:
            f[ip + 4:ip + 6] = struct.pack("!H", len(f) - tcp)
            pseudo = bytes(f[ip + 8:ip + 40]) + struct.pack("!IxxxB", len(f) - tcp, 6)
        f[tcp + 16:tcp + 18] = b"\0\0"
        f[tcp + 16:tcp + 18] = struct.pack("!H", csum(pseudo + bytes(f[tcp:])))
        return bytes(f)


def dissect(pcap, rec):
    """The Tcp view of a record, or None when it is not a whole TCP segment."""
    ip = link_offset(pcap.linktype, rec[3])
    if ip is None or ip >= len(rec[3]):
        return None
    try:
        return Tcp(rec[3], ip)
    except (ValueError, IndexError, struct.error):
        return None


def fix_wirelen(rec):
    """A record whose frame was rebuilt keeps caplen == wirelen."""
    rec[2] = len(rec[3])
    return rec


# --- operations --------------------------------------------------------------------


def op_records(a):
    p = Pcap.read(a.input)
    off = FILE_HEADER
    for i, rec in enumerate(p.records):
        t = dissect(p, rec)
        what = ""
        if t:
            sp, dp = t.ports()
            what = " tcp %d>%d flags=0x%02x payload=%d" % (sp, dp, t.flags, len(t.payload))
        print("%d %d %d %d%s" % (i, off, len(rec[3]), rec[2], what))
        off += RECORD_HEADER + len(rec[3])
    return None


def op_cut(a):
    with open(a.input, "rb") as f:
        raw = f.read()
    with open(a.output, "wb") as f:
        f.write(raw[:a.offset])
    return None


def op_cut_record(a):
    p = Pcap.read(a.input)
    if not 0 <= a.index < len(p.records):
        raise PcapError("record %d does not exist (%d records)" % (a.index, len(p.records)))
    off = FILE_HEADER + sum(RECORD_HEADER + len(r[3]) for r in p.records[:a.index])
    with open(a.input, "rb") as f:
        raw = f.read()
    with open(a.output, "wb") as f:
        f.write(raw[:off + a.delta])
    return None


def op_caplen(a):
    p = Pcap.read(a.input)
    if not 0 <= a.index < len(p.records):
        raise PcapError("record %d does not exist (%d records)" % (a.index, len(p.records)))
    off = FILE_HEADER + sum(RECORD_HEADER + len(r[3]) for r in p.records[:a.index])
    with open(a.input, "rb") as f:
        raw = bytearray(f.read())
    raw[off + 8:off + 12] = struct.pack(p.endian + "I", a.value & 0xFFFFFFFF)
    with open(a.output, "wb") as f:
        f.write(raw)
    return None


def op_snap(a):
    p = Pcap.read(a.input)
    for rec in p.records:
        rec[3] = rec[3][:a.n]
    p.snaplen = a.n
    return p


def op_resegment(a):
    p = Pcap.read(a.input)
    out = []
    for rec in p.records:
        t = dissect(p, rec)
        pl = t.payload if t else b""
        if not t or len(pl) <= a.mss:
            out.append(rec)
            continue
        for i in range(0, len(pl), a.mss):
            piece = pl[i:i + a.mss]
            last = i + a.mss >= len(pl)
            flags = t.flags if last else t.flags & ~0x09  # FIN and PSH on the last piece only
            out.append(fix_wirelen([rec[0], rec[1], 0, t.rebuild(piece, t.seq + i, flags)]))
    p.records = out
    return p


def op_drop(a):
    p = Pcap.read(a.input)
    if a.index is not None:
        if not 0 <= a.index < len(p.records):
            raise PcapError("record %d does not exist" % a.index)
        del p.records[a.index]
        return p
    needle = a.match.encode("utf-8")
    seen = 0
    for i, rec in enumerate(p.records):
        t = dissect(p, rec)
        if t and needle in t.payload:
            seen += 1
            if seen == a.nth:
                del p.records[i]
                return p
    raise PcapError("no TCP segment holds %r (%d found, wanted number %d)" % (a.match, seen, a.nth))


def op_dup(a):
    p = Pcap.read(a.input)
    out = []
    for i, rec in enumerate(p.records):
        out.append(rec)
        if i % a.every == 0:
            out.append(list(rec))
    p.records = out
    return p


def data_key(p, rec):
    """The direction of a TCP data segment (no SYN/FIN/RST), or None."""
    t = dissect(p, rec)
    if t and t.payload and not t.flags & 0x07:
        return t.ports()
    return None


def op_shuffle(a):
    p = Pcap.read(a.input)
    rng = random.Random(a.seed)
    if a.window is None:
        a.window = 1 << 62 if a.runs else 4
    keys = [data_key(p, rec) for rec in p.records]
    groups = []  # lists of record indexes whose packets are permuted among themselves
    if a.runs:
        # Runs of consecutive data segments going the same way (what TCP
        # reassembly alone must put back in order), cut into blocks of W.
        for i, k in enumerate(keys):
            if k is None:
                continue
            if groups and groups[-1][-1] == i - 1 and keys[i - 1] == k and len(groups[-1]) < a.window:
                groups[-1].append(i)
            else:
                groups.append([i])
    else:
        # Data segments inside windows of W packets, whatever their direction.
        for i in range(0, len(p.records), a.window):
            groups.append([j for j in range(i, min(i + a.window, len(p.records))) if keys[j]])
    out = list(p.records)
    for g in groups:
        moved = [p.records[j] for j in g]
        rng.shuffle(moved)
        for j, rec in zip(g, moved):
            out[j] = rec
    p.records = out
    return p


def op_garble(a):
    p = Pcap.read(a.input)
    rng = random.Random(a.seed)
    needle = a.match.encode("utf-8")
    for i, rec in enumerate(p.records):
        t = dissect(p, rec)
        if t and needle in t.payload:
            junk = bytes(rng.randrange(256) for _ in range(len(t.payload)))
            new = fix_wirelen([rec[0], rec[1], 0, t.rebuild(junk)])
            if a.copy:
                p.records.insert(i + 1, new)  # a retransmission with other bytes
            else:
                p.records[i] = new
            return p
    raise PcapError("no TCP segment holds %r" % a.match)


def op_conflict(a):
    p = Pcap.read(a.input)
    rng = random.Random(a.seed)
    needle = a.match.encode("utf-8")
    keys = [data_key(p, rec) for rec in p.records]
    for i, rec in enumerate(p.records):
        t = dissect(p, rec) if keys[i] else None
        if not t or needle not in t.payload:
            continue
        j = max((k for k in range(i) if keys[k] == keys[i]), default=None)
        if j is None:
            raise PcapError("the segment holding %r has no earlier segment going the same way" % a.match)
        junk = bytes(rng.randrange(256) for _ in range(len(t.payload)))
        copy = fix_wirelen([rec[0], rec[1], 0, t.rebuild(junk)])
        # S and a differing copy of it both arrive ahead of the segment
        # before S, so reassembly holds both and compares them.
        before = p.records[j]
        p.records = p.records[:j] + p.records[j + 1:i] + [rec, copy, before] + p.records[i + 1:]
        return p
    raise PcapError("no TCP segment holds %r" % a.match)


def unescape(s):
    return s.encode("latin-1", "backslashreplace").decode("unicode_escape").encode("latin-1")


def op_sub(a):
    old, new = unescape(a.old), unescape(a.new)
    if len(old) != len(new) or not old:
        raise PcapError("OLD and NEW must be non-empty and of the same length")
    p = Pcap.read(a.input)
    n = 0
    for rec in p.records:
        t = dissect(p, rec)
        if t and old in t.payload:
            n += t.payload.count(old)
            rec[3] = t.rebuild(t.payload.replace(old, new))
            fix_wirelen(rec)
    if not n:
        raise PcapError("no TCP payload holds %r" % a.old)
    return p


def op_ports(a):
    p = Pcap.read(a.input)
    for rec in p.records:
        t = dissect(p, rec)
        if not t:
            continue
        sp, dp = t.ports()
        if a.old not in (sp, dp):
            continue
        sp, dp = (a.new if sp == a.old else sp), (a.new if dp == a.old else dp)
        t.frame[t.tcp:t.tcp + 4] = struct.pack("!HH", sp, dp)
        rec[3] = t.rebuild()
        fix_wirelen(rec)
    return p


def op_relink(a):
    p = Pcap.read(a.input)
    types = {"sll": LT_SLL, "sll2": LT_SLL2, "null": LT_NULL, "raw": LT_RAW}
    for rec in p.records:
        frame = rec[3]
        ip = link_offset(p.linktype, frame)
        if ip is None or ip >= len(frame) or frame[ip] >> 4 not in (4, 6):
            raise PcapError("a frame without IP cannot be re-wrapped")
        v6 = frame[ip] >> 4 == 6
        etype = 0x86DD if v6 else 0x0800
        mac = frame[6:12] if p.linktype == LT_EN10MB else b"\0" * 6
        body = frame[ip:]
        if a.type == "sll":
            head = struct.pack("!HHH", 0, 772, 6) + mac + b"\0\0" + struct.pack("!H", etype)
        elif a.type == "sll2":
            head = struct.pack("!HHIHBB", etype, 0, 1, 772, 0, 6) + mac + b"\0\0"
        elif a.type == "null":
            head = struct.pack(p.endian + "I", 24 if v6 else 2)  # AF_INET6 as BSD numbers it
        else:
            head = b""
        rec[3] = head + body
        rec[2] = rec[2] - ip + len(head)
    p.linktype = types[a.type]
    return p


def op_nsec(a):
    p = Pcap.read(a.input)
    if p.magic != 0xA1B23C4D:
        p.magic = 0xA1B23C4D
        for rec in p.records:
            rec[1] *= 1000
    return p


def op_concat(a):
    first = None
    for path in a.inputs:
        q = Pcap.read(path)
        if first is None:
            first = q
            continue
        if q.linktype != first.linktype:
            raise PcapError("%s: link type %d differs from %d" % (path, q.linktype, first.linktype))
        scale = first.frac_per_sec() / q.frac_per_sec()
        first.records.extend([r[0], int(r[1] * scale), r[2], r[3]] for r in q.records)
    if a.sort:
        first.records.sort(key=lambda r: (r[0], r[1]))  # stable: equal times keep their order
    return first


def synth_frame(src, dst, sport, dport, seq, ack, flags, payload):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags,
                      65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64, 6, 0,
                     bytes(src), bytes(dst))
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    frame = eth + ip + tcp + payload
    t = Tcp(frame, 14)
    return t.rebuild()


def op_add_flow(a):
    p = Pcap.read(a.input)
    if p.linktype != LT_EN10MB:
        raise PcapError("add-flow writes Ethernet frames: the input must be Ethernet")
    c, s = [10, 9, 0, 1], [10, 9, 0, 2]
    cp, sp = 40999, a.port
    cseq, sseq = 1000, 5000
    cdata, sdata = unescape(a.client), unescape(a.server)
    ACK, PSH, SYN, FIN = 0x10, 0x08, 0x02, 0x01
    pkts = [(c, s, cp, sp, cseq, 0, SYN, b""), (s, c, sp, cp, sseq, cseq + 1, SYN | ACK, b""),
            (c, s, cp, sp, cseq + 1, sseq + 1, ACK, b"")]
    cnext, snext = cseq + 1, sseq + 1
    order = [("c", cdata), ("s", sdata)] if a.first == "client" else [("s", sdata), ("c", cdata)]
    for who, data in order:
        if not data:
            continue
        if who == "c":
            pkts.append((c, s, cp, sp, cnext, snext, PSH | ACK, data))
            cnext += len(data)
            pkts.append((s, c, sp, cp, snext, cnext, ACK, b""))
        else:
            pkts.append((s, c, sp, cp, snext, cnext, PSH | ACK, data))
            snext += len(data)
            pkts.append((c, s, cp, sp, cnext, snext, ACK, b""))
    pkts += [(c, s, cp, sp, cnext, snext, FIN | ACK, b""), (s, c, sp, cp, snext, cnext + 1, FIN | ACK, b""),
             (c, s, cp, sp, cnext + 1, snext + 1, ACK, b"")]
    per = p.frac_per_sec()
    t0 = (p.records[0][0] * per + p.records[0][1]) if p.records else 0
    step = per // 1000  # one packet per millisecond
    merged = [((r[0] * per + r[1]), 0, i, r) for i, r in enumerate(p.records)]
    for i, pk in enumerate(pkts):
        when = t0 + (i + 1) * step
        frame = synth_frame(*pk)
        merged.append((when, 1, i, [when // per, when % per, len(frame), frame]))
    merged.sort(key=lambda m: (m[0], m[1], m[2]))
    p.records = [m[3] for m in merged]
    return p


# Link types in the order fuzz/fuzz_capture.c and fuzz_pkt.c pick them by byte 0.
FUZZ_LINKS = [LT_EN10MB, LT_SLL, LT_SLL2, LT_NULL, LT_LOOP, LT_RAW]
FUZZ_MODEL = 0x08  # fuzz_capture.c: bit 3 of byte 0


def op_fuzzseed(a):
    p = Pcap.read(a.input)
    if p.linktype not in FUZZ_LINKS:
        raise PcapError("link type %d has no place in the fuzz input format" % p.linktype)
    out = bytearray([FUZZ_LINKS.index(p.linktype) | (FUZZ_MODEL if a.model else 0)])
    per = p.frac_per_sec()
    last = None
    for sec, frac, wirelen, data in p.records[:a.max_frames]:
        now = (sec * per + frac) * 10 // per  # tenths of a second
        step = 0 if last is None else max(0, min(127, now - last))
        last = now
        data = data[:0xFFFF]
        out += bytes([step | (0x80 if wirelen > len(data) else 0)]) + struct.pack("!H", len(data)) + data
    with open(a.output, "wb") as f:
        f.write(out)
    return None


def op_garbage_file(a):
    rng = random.Random(a.seed)
    with open(a.output, "wb") as f:
        if not a.header:
            f.write(bytes(rng.randrange(256) for _ in range(a.size)))
            return None
        p = Pcap()
        f.write(p.header())
        left = a.size
        while left > 0:
            n = rng.randrange(1, 200)
            data = bytes(rng.randrange(256) for _ in range(n))
            f.write(p.record_bytes([1700000000 + (a.size - left), 0, n + rng.randrange(3), data]))
            left -= n + RECORD_HEADER
    return None


def build_parser():
    ap = argparse.ArgumentParser(prog="pcapmangle.py", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="op", required=True)

    def cmd(name, fn, io=True):
        s = sub.add_parser(name)
        s.set_defaults(fn=fn)
        if io:
            s.add_argument("input")
            s.add_argument("output")
        return s

    s = sub.add_parser("records")
    s.set_defaults(fn=op_records)
    s.add_argument("input")
    cmd("cut", op_cut).add_argument("offset", type=int)
    s = cmd("cut-record", op_cut_record)
    s.add_argument("index", type=int)
    s.add_argument("delta", type=int)
    cmd("snap", op_snap).add_argument("n", type=int)
    s = cmd("caplen", op_caplen)
    s.add_argument("index", type=int)
    s.add_argument("value", type=int)
    cmd("resegment", op_resegment).add_argument("mss", type=int)
    s = cmd("drop", op_drop)
    s.add_argument("--index", type=int)
    s.add_argument("--match")
    s.add_argument("--nth", type=int, default=1)
    cmd("dup", op_dup).add_argument("--every", type=int, default=1)
    s = cmd("shuffle", op_shuffle)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--window", type=int, default=None)
    s.add_argument("--runs", action="store_true")
    s = cmd("garble", op_garble)
    s.add_argument("--match", required=True)
    s.add_argument("--copy", action="store_true")
    s.add_argument("--seed", type=int, default=1)
    s = cmd("conflict", op_conflict)
    s.add_argument("--match", required=True)
    s.add_argument("--seed", type=int, default=1)
    s = cmd("sub", op_sub)
    s.add_argument("old")
    s.add_argument("new")
    s = cmd("ports", op_ports)
    s.add_argument("old", type=int)
    s.add_argument("new", type=int)
    cmd("relink", op_relink).add_argument("type", choices=["sll", "sll2", "null", "raw"])
    cmd("nsec", op_nsec)
    s = sub.add_parser("concat")
    s.set_defaults(fn=op_concat)
    s.add_argument("--sort", action="store_true")
    s.add_argument("output")
    s.add_argument("inputs", nargs="+")
    s = cmd("add-flow", op_add_flow)
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--client", default="")
    s.add_argument("--server", default="")
    s.add_argument("--first", choices=["client", "server"], default="client")
    s = cmd("fuzzseed", op_fuzzseed)
    s.add_argument("--max-frames", type=int, default=1000)
    s.add_argument("--model", action="store_true")
    s = sub.add_parser("garbage-file")
    s.set_defaults(fn=op_garbage_file)
    s.add_argument("output")
    s.add_argument("size", type=int)
    s.add_argument("--seed", type=int, default=1)
    s.add_argument("--header", action="store_true")
    return ap


def main(argv):
    a = build_parser().parse_args(argv)
    if a.op == "drop" and (a.index is None) == (a.match is None):
        print("pcapmangle: drop needs exactly one of --index and --match", file=sys.stderr)
        return 2
    if a.op == "dup" and a.every < 1 or a.op == "shuffle" and a.window is not None and a.window < 1 or \
            a.op == "resegment" and a.mss < 1:
        print("pcapmangle: counts must be positive", file=sys.stderr)
        return 2
    try:
        out = a.fn(a)
        if out is not None:
            out.write(a.output)
    except (PcapError, OSError) as e:
        print("pcapmangle: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
