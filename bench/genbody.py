#!/usr/bin/python3
"""genbody.py - a deterministic plain-text message body of an exact size for the send benchmark (RFC 5322 line lengths, RFC 5321 dot-stuffing exercised).

usage: genbody.py BYTES OUTFILE

Lines of words under 80 characters with LF line ends, numbered so that a
damaged copy is easy to spot; about one line in 97 starts with a dot, so the
client has to dot-stuff (RFC 5321 4.5.2). The file is written to OUTFILE.tmp
and renamed, so an interrupted run leaves no half file behind.
"""
import os
import sys

WORDS = (b"the quick brown fox jumps over a lazy dog while the server answers "
         b"two hundred fifty ok and the client sends the next line").split()


def body_lines(total):
    """Yield lines (bytes, LF-terminated) adding up to exactly total bytes."""
    done = 0
    n = 0
    while done < total:
        n += 1
        words = b" ".join(WORDS[(n + k) % len(WORDS)] for k in range(9))
        line = (b"." if n % 97 == 0 else b"") + b"%08d " % n + words + b"\n"
        if done + len(line) > total:
            line = b"x" * (total - done - 1) + b"\n" if total - done > 1 else b"\n"
        done += len(line)
        yield line


def main(argv):
    if len(argv) != 2 or not argv[0].isdigit() or int(argv[0]) < 1:
        print(__doc__, file=sys.stderr)
        return 2
    total, out = int(argv[0]), argv[1]
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        chunk = []
        size = 0
        for line in body_lines(total):
            chunk.append(line)
            size += len(line)
            if size >= 1 << 20:
                f.write(b"".join(chunk))
                chunk, size = [], 0
        f.write(b"".join(chunk))
    if os.path.getsize(tmp) != total:
        os.unlink(tmp)
        print("genbody: wrong size written", file=sys.stderr)
        return 1
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
