#!/usr/bin/python3
"""aiosmtpd_auth.py - AUTH-capable SMTP test server on loopback (RFC 5321, RFC 4954, RFC 4616 PLAIN).

Uses Debian's python3-aiosmtpd. Offers AUTH PLAIN and AUTH LOGIN over plain TCP
(auth_require_tls=False) for one demo account; a wrong password gets 535 5.7.8.
Each accepted message is saved as MAILDIR/NNNN.eml with its envelope beside it in
MAILDIR/NNNN.env. Prints "ready" on stdout once it is listening.

usage: aiosmtpd_auth.py --port PORT --user USER --password PASS --maildir DIR
                        [--host 127.0.0.1|::1] [--require-auth] [--hostname NAME]
"""
import argparse
import asyncio
import logging
import os
import signal
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class SaveHandler:
    """Writes every accepted message and its envelope to the mail directory."""

    def __init__(self, maildir):
        self.maildir = maildir
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.maildir, "%04d" % self.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or b"")
        with open(base + ".env", "w", encoding="utf-8") as f:
            f.write("auth: %s\n" % ("yes" if session.authenticated else "no"))
            f.write("mail_from: %s\n" % envelope.mail_from)
            for rcpt in envelope.rcpt_tos:
                f.write("rcpt_to: %s\n" % rcpt)
        return "250 2.0.0 Ok: saved as %04d" % self.count


def make_authenticator(user, password):
    want = LoginPassword(user.encode("utf-8"), password.encode("utf-8"))

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data == want
        return AuthResult(success=ok, handled=False)

    return authenticate


def parse_args(argv):
    ap = argparse.ArgumentParser(description="AUTH-capable SMTP test server")
    ap.add_argument("--host", default="127.0.0.1", choices=("127.0.0.1", "::1"))
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--require-auth", action="store_true")
    ap.add_argument("--hostname", default="submit.test")
    return ap.parse_args(argv)


async def serve(args):
    handler = SaveHandler(args.maildir)
    authenticator = make_authenticator(args.user, args.password)

    def factory():
        return SMTP(handler, hostname=args.hostname, ident="ESMTP aiosmtpd test server",
                    auth_require_tls=False, auth_required=args.require_auth,
                    authenticator=authenticator, data_size_limit=10240000, timeout=60)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, host=args.host, port=args.port)
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set_result, None)
    print("ready", flush=True)
    await stop
    server.close()
    await server.wait_closed()


def main(argv):
    # Plain-text AUTH is the point of this server; silence the library's advice.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    args = parse_args(argv)
    os.makedirs(args.maildir, exist_ok=True)
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
