#!/usr/bin/python3
"""netutil.py - loopback helpers for the test servers (RFC 5321 greeting, RFC 8314 implicit TLS).

Subcommands (standard library only, loopback addresses only):
  free-port [N]                  print N TCP ports free on 127.0.0.1 (and ::1 when present)
  port-free PORT...              exit 0 when every PORT is free on 127.0.0.1 (and ::1)
  has-ipv6                       exit 0 when a socket can bind to ::1
  wait-banner HOST PORT SECS [--tls]
                                 wait until HOST:PORT answers with a 220 greeting (through
                                 TLS first with --tls), send QUIT, exit 0; exit 1 on timeout
"""
import socket
import ssl
import sys
import time

LOOPBACK = ("127.0.0.1", "::1")


def has_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def port_free(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            # Servers set SO_REUSEADDR, so old TIME_WAIT connections do not block them.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
        return True
    except OSError:
        return False


def free_ports(count):
    v6 = has_ipv6()
    found = []
    for _ in range(200):
        if len(found) == count:
            break
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port in found or (v6 and not port_free("::1", port)):
            continue
        found.append(port)
    if len(found) != count:
        sys.exit("netutil: could not find %d free ports" % count)
    return found


def read_reply(sock):
    """Read one complete SMTP reply (possibly multi-line); return its text."""
    data = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            return data.decode("latin-1")
        data += chunk
        lines = data.split(b"\r\n")
        for line in lines[:-1]:
            if len(line) >= 4 and line[3:4] == b" ":
                return data.decode("latin-1")
        if len(data) > 65536:
            return data.decode("latin-1")


def try_banner(host, port, use_tls, budget):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(max(0.2, min(budget, 3.0)))
    try:
        sock.connect((host, port))
        if use_tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            sock = ctx.wrap_socket(sock)
        reply = read_reply(sock)
        if not reply.startswith("220"):
            return False
        sock.sendall(b"QUIT\r\n")
        read_reply(sock)
        return True
    except (OSError, ssl.SSLError):
        return False
    finally:
        sock.close()


def wait_banner(host, port, seconds, use_tls):
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if try_banner(host, port, use_tls, left):
            return True
        time.sleep(0.1)


def main(argv):
    if len(argv) >= 1 and argv[0] == "free-port":
        count = int(argv[1]) if len(argv) > 1 else 1
        print(" ".join(str(p) for p in free_ports(count)))
        return 0
    if len(argv) >= 2 and argv[0] == "port-free":
        hosts = LOOPBACK if has_ipv6() else LOOPBACK[:1]
        free = all(port_free(h, int(p)) for p in argv[1:] for h in hosts)
        return 0 if free else 1
    if argv == ["has-ipv6"]:
        return 0 if has_ipv6() else 1
    if len(argv) in (4, 5) and argv[0] == "wait-banner":
        host, port, secs = argv[1], int(argv[2]), float(argv[3])
        if host not in LOOPBACK:
            sys.exit("netutil: loopback addresses only")
        use_tls = len(argv) == 5 and argv[4] == "--tls"
        if wait_banner(host, port, secs, use_tls):
            return 0
        print("netutil: no 220 greeting from %s port %d within %g s" % (host, port, secs),
              file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
