#!/usr/bin/python3
"""sink_smtpd.py - a loopback SMTP server (aiosmtpd, RFC 5321) that accepts every message and throws it away, for the send benchmark when Postfix cannot run.

usage: sink_smtpd.py PORT LOGFILE [--seconds N]

Listens on 127.0.0.1:PORT with no message size limit, appends one line
"accepted SIZE" (bytes of the message as received, after un-stuffing) to
LOGFILE per message, prints "ready" once listening and stops by itself after
N seconds (default 1800) or on SIGTERM. Needs Debian's python3-aiosmtpd.
"""
import signal
import sys
import threading

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, log):
        self.log = log

    async def handle_DATA(self, server, session, envelope):
        with open(self.log, "a") as f:
            f.write("accepted %d\n" % len(envelope.original_content or envelope.content or b""))
        envelope.content = envelope.original_content = None
        return "250 2.0.0 Ok: discarded"


def main(argv):
    if len(argv) not in (2, 4) or not argv[0].isdigit() or (len(argv) == 4 and argv[2] != "--seconds"):
        print(__doc__, file=sys.stderr)
        return 2
    port, log = int(argv[0]), argv[1]
    seconds = float(argv[3]) if len(argv) == 4 else 1800.0
    ctl = Controller(Sink(log), hostname="127.0.0.1", port=port, data_size_limit=None,
                     decode_data=False, server_hostname="sink.test")
    ctl.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    print("ready", flush=True)
    done.wait(seconds)
    ctl.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
