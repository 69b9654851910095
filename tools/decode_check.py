#!/usr/bin/python3
"""decode_check.py - check `smtpscope decode` output against what a capture is known to hold (RFC 5321, 3030, 4954, 2047 for the headers).

Two sources of truth, both written by someone other than smtpscope:

  transcript  a capture recorded by tools/record-captures.sh: the client's own
              transcript (swaks, or tests/servers/bdat_client.py) and NAME.txt.
              Everything expected - greeting, EHLO, every command with its reply,
              the envelope, the message bytes and headers, TLS, AUTH, the queue
              id - is derived from those files, never typed in here.
  suricata    a suricata-verify test: the eve.json fields its test.yaml says
              Suricata must log (smtp.helo, smtp.mail_from, smtp.rcpt_to[N],
              email.from/to/cc/subject/date/message_id/received, email.status).

The suricata, expect, plausible and jsondiff parts live in decode_check_lib.py.
Output: one line per check, "PASS text", "FAIL text", "KNOWN kind text" (a
difference listed in tests/decode_expect/suricata-known.txt) or "NOTE text",
then for suricata and expect a closing "RESULT ..." line, for the calling shell
script to count. Standard library only.

usage: decode_check.py transcript --name NAME.txt --transcript FILE --json FILE
                                  [--secrets-json FILE] [--text FILE] [--summary FILE]
                                  [--stderr FILE] [--eml-dir DIR] [--port-map OLD:NEW]
       decode_check.py suricata TESTDIR JSONFILE [--known FILE] [--name NAME]
       decode_check.py expect EXPECTFILE CAPTURE JSONFILE
       decode_check.py plausible JSONFILE
       decode_check.py jsondiff A B [--ignore KEYS] [--max N]
"""
import argparse
import base64
import binascii
import email.header
import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ beside the tools
from decode_check_lib import (RESULTS, cmd_expect, cmd_jsondiff, cmd_plausible, cmd_suricata, expect_eq,
                              load_json_lines, note, parse_yaml, report)

# ---------------------------------------------------------------------------
# The client's transcript

SEND_PLAIN = (b" -> ", b"**> ")
SEND_TLS = (b" ~> ", b"*~> ")
RECV_PLAIN = (b"<-  ", b"<** ")
RECV_TLS = (b"<~  ", b"<~* ")


class Command:
    """One client line (or "<end of data>") and the reply lines it got."""

    def __init__(self, line, visible):
        self.line = line          # bytes as sent, without line end
        self.visible = visible    # sent in clear (not inside TLS)
        self.reply = []           # reply lines (bytes, code included)
        self.payload = None       # DATA content or BDAT chunk (bytes), wire form for DATA
        self.suppressed = None    # swaks --suppress-data: "N lines sent"

    @property
    def code(self):
        return int(self.reply[-1][:3]) if self.reply else None

    def reply_text(self):
        return "\n".join(l[4:].decode("utf-8", "replace") for l in self.reply)


class Transcript:
    def __init__(self, path):
        with open(path, "rb") as f:
            raw = f.read().split(b"\n")
        self.greeting = []
        self.commands = []
        self.tls_cipher = None    # "TLSv1.3:TLS_AES_256_GCM_SHA384:256"
        self.tls_before_greeting = False
        self.server = None        # (address, port) from "=== Trying"
        self.closed = False
        self.tls_greeting = False
        self.parse(raw)

    def parse(self, lines):
        queue = []           # commands awaiting a reply, in order
        data_lines = None    # content lines after a 354 to DATA
        bdat = None
        in_reply = None
        for line in lines:
            m, t = line[:4], line[4:]
            if m == b"=== ":
                self.note(t)
            elif m in SEND_PLAIN + SEND_TLS:
                visible = m in SEND_PLAIN
                if data_lines is not None:
                    t = t[:-1] if t.endswith(b"\r") else t
                    m_sup = re.match(rb"^(\d+) lines sent$", t) if not data_lines else None
                    if t == b"." or m_sup:
                        # the end marker, or swaks --suppress-data's "N lines sent"
                        # standing for the whole content and its end marker
                        end = Command(b"<end of data>", visible)
                        end.payload = b"".join((l[1:] if l.startswith(b".") else l) + b"\r\n"
                                               for l in data_lines)
                        if m_sup:
                            end.suppressed = int(m_sup.group(1))
                        queue.append(end)
                        self.commands.append(end)
                        data_lines = None
                    else:
                        data_lines.append(t)
                    continue
                c = Command(t, visible)
                bdat = c if re.match(rb"(?i)^BDAT \d+", t) else None
                if bdat is not None:
                    bdat.payload = b""
                queue.append(c)
                self.commands.append(c)
            elif m == b" .. " and bdat is not None:
                if t.endswith(b"\\"):
                    bdat.payload += t[:-1]
                else:
                    bdat.payload += t + b"\r\n"
            elif m in RECV_PLAIN + RECV_TLS:
                if in_reply is None:
                    if queue:
                        in_reply = queue.pop(0)
                    elif not self.commands and not self.greeting and not self.tls_greeting:
                        in_reply = "greeting"
                    else:
                        in_reply = Command(b"<unsolicited>", m in RECV_PLAIN)
                if in_reply == "greeting":
                    if m in RECV_PLAIN:  # a greeting inside TLS is not on the wire in clear
                        self.greeting.append(t)
                    else:
                        self.tls_greeting = True
                else:
                    in_reply.reply.append(t)
                if len(t) < 4 or t[3:4] != b"-":
                    done = in_reply
                    in_reply = None
                    if done != "greeting" and done.line.upper() == b"DATA" and t[:3] == b"354":
                        data_lines = []

    def note(self, t):
        m = re.match(rb"^Trying (.*):(\d+)\.\.\.$", t)
        if m:
            self.server = (m.group(1).decode().strip("[]"), int(m.group(2)))
        m = re.match(rb"^TLS started with cipher (\S+)", t)
        if m:
            self.tls_cipher = m.group(1).decode()
            if not self.greeting:
                self.tls_before_greeting = True
        if t.startswith(b"Connection closed"):
            self.closed = True


class CaptureInfo:
    """NAME.txt written by tools/record-captures.sh."""

    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.text = f.read()
        self.lines = self.text.split("\n")
        self.queue_id = self.field("queue id")
        self.client = self.field("client") or ""
        cap = self.field("capture") or ""
        m = re.search(r"link type (\S+).*?, (\d+) packets", cap)
        self.linktype = m.group(1) if m else None
        self.packets = int(m.group(2)) if m else None
        self.password = self.option("-ap")
        self.user = self.option("-au")
        self.auth_mech = self.option("-a")
        m = re.search(r"^subject:\s+the encoded-word decodes to: (.*)$", self.text, re.M)
        self.subject_decoded = m.group(1) if m else None
        self.headers, self.file_bytes = self.headers_as_sent()
        m = re.search(r"^message:\s+(\d+) lines, (\d+) bytes with CR LF line ends, (\d+) lines starting with a dot",
                      self.text, re.M)
        self.msg_lines, self.msg_bytes, self.msg_dots = (int(x) for x in m.groups()) if m else (None,) * 3
        self.expected = self.expected_replies()

    def field(self, name):
        m = re.search(r"^%s:\s+(.*)$" % re.escape(name), self.text, re.M)
        return m.group(1).strip() if m else None

    def option(self, opt):
        words = self.client.split()
        for i, w in enumerate(words[:-1]):
            if w == opt:
                return words[i + 1].strip("'")
        return None

    def headers_as_sent(self):
        for i, l in enumerate(self.lines):
            m = re.match(r"^message headers as sent(?: \((\d+) bytes in the file)?", l)
            if m:
                block = []
                for h in self.lines[i + 1:]:
                    if not h.startswith("  "):
                        break
                    block.append(h[2:])
                return block, int(m.group(1)) if m.group(1) else None
        return None, None

    def expected_replies(self):
        out = []
        try:
            i = self.lines.index("expected replies (checked against the transcript):")
        except ValueError:
            return out
        for l in self.lines[i + 1:]:
            m = re.match(r"^  (.*?)\s+-> (.*)$", l)
            if not m:
                break
            out.append((m.group(1), m.group(2)))
        return out


# ---------------------------------------------------------------------------
# Message headers (RFC 5322 unfolding, RFC 2047 decoding)


def header_fields(lines):
    """{lower-case name: unfolded value} of the first occurrence of each field."""
    fields, cur = {}, None
    for l in lines:
        if not l:
            break
        if l[:1] in (" ", "\t") and cur:
            fields[cur] += " " + l.strip()
            continue
        name, sep, value = l.partition(":")
        if not sep:
            continue
        cur = name.strip().lower()
        if cur in fields:
            cur = None
            continue
        fields[cur] = value.strip()
    return fields


def decode_2047(v):
    try:
        return str(email.header.make_header(email.header.decode_header(v)))
    except (email.errors.HeaderParseError, UnicodeDecodeError, LookupError):
        return v


# ---------------------------------------------------------------------------
# Checks of one recorded capture


def b64_forms(secret, user):
    """The spellings of a password on the wire: itself, base64 alone, PLAIN."""
    s = secret.encode()
    forms = {secret, base64.b64encode(s).decode()}
    if user:
        forms.add(base64.b64encode(b"\0" + user.encode() + b"\0" + s).decode())
        forms.add(base64.b64encode(user.encode() + b"\0" + user.encode() + b"\0" + s).decode())
    return forms


def secret_tokens(tr, password):
    """Client lines of the transcript whose base64 carries the password."""
    out = []
    for c in tr.commands:
        for tok in c.line.split():
            try:
                dec = base64.b64decode(tok, validate=True)
            except (binascii.Error, ValueError):
                continue
            if password.encode() in dec:
                out.append(tok.decode())
    return out


class TxnExpect:
    def __init__(self):
        self.commands = []
        self.mail = None
        self.rcpts = []
        self.data = None       # the DATA or first BDAT command
        self.bdats = []
        self.end = None        # the command whose reply is the final reply


def split_transactions(tr):
    """The visible commands cut into session-level ones and transactions."""
    session, txns, cur = [], [], None
    for c in tr.commands:
        if not c.visible:
            continue
        verb = c.line.split(b" ")[0].upper()
        if verb == b"MAIL":
            cur = TxnExpect()
            txns.append(cur)
            cur.mail = c
        elif cur is None or verb in (b"QUIT", b"RSET", b"EHLO", b"HELO", b"STARTTLS"):
            cur = None
            session.append(c)
            continue
        cur.commands.append(c)
        if verb == b"RCPT":
            cur.rcpts.append(c)
        elif verb == b"DATA":
            cur.data = c
        elif verb == b"BDAT":
            cur.bdats.append(c)
            cur.data = cur.data or c
            if re.search(rb"(?i)\bLAST\b", c.line):
                cur.end = c
        elif c.line == b"<end of data>":
            cur.end = c
        if cur.end is not None and cur.end.reply:
            cur = None
    return session, txns


def path_of(line):
    m = re.search(rb":\s*<([^>]*)>", line)
    return m.group(1).decode() if m else None


def check_reply(what, cmd, got):
    if not cmd.reply:
        return report(got is None, "%s: no reply in the transcript, none decoded" % what)
    if got is None:
        return report(False, "%s: reply %d missing" % (what, cmd.code))
    ok = got.get("code") == cmd.code and got.get("text") == cmd.reply_text()
    return report(ok, "%s: reply %d %s%s" % (what, cmd.code, cmd.reply[-1][4:].decode("utf-8", "replace"),
                                             "" if ok else " (got %r %r)" % (got.get("code"), got.get("text"))))


def check_command_list(what, want, got):
    """want: transcript Commands; got: JSON command objects, same order."""
    if not report(len(want) == len(got), "%s: %d commands (got %d)" % (what, len(want), len(got))):
        return
    for w, g in zip(want, got):
        line = w.line.decode("utf-8", "replace")
        if w.line == b"<end of data>":
            ok = g["verb"] == "MESSAGE"
        elif g["masked"]:
            ok = line.startswith(g["command"]) and len(g["command"]) < len(line)
        else:
            ok = g["command"] == line
        report(ok, "%s: command %r decoded as %r" % (what, line, g["command"]))
        check_reply("%s: %s" % (what, line if not g["masked"] else g["command"] + "***"), w, g["reply"])
        if g["reply"] is not None:
            report(g["latency_ms"] is not None and g["latency_ms"] >= 0,
                   "%s: %s has a latency >= 0 (%r ms)" % (what, g["command"] or g["verb"], g["latency_ms"]))


def check_headers(what, t, lines, info):
    h = t.get("headers")
    if not report(h is not None, "%s: headers decoded" % what):
        return
    f = header_fields(lines)
    for key, name in (("subject", "subject"), ("from", "from"), ("to", "to"), ("cc", "cc"), ("date", "date"),
                      ("message_id", "message-id")):
        want = decode_2047(f[name]) if name in f else None
        expect_eq("%s: header %s" % (what, name), want, h.get(key))
    if info.subject_decoded is not None:
        expect_eq("%s: Subject as NAME.txt says it decodes" % what, info.subject_decoded, h.get("subject"))
    report(h.get("complete") is True, "%s: header block complete" % what)


def check_transaction(what, te, t, info, eml_dir, session_id, tr):
    expect_eq("%s: mail_from" % what, path_of(te.mail.line), t["mail_from"])
    check_reply("%s: MAIL" % what, te.mail, t["mail_reply"])
    expect_eq("%s: recipients" % what, [path_of(c.line) for c in te.rcpts], [r["address"] for r in t["rcpt"]])
    for c, r in zip(te.rcpts, t["rcpt"]):
        check_reply("%s: RCPT %s" % (what, r["address"]), c, r["reply"])
        want = {2: "ok", 4: "deferred", 5: "rejected"}.get((c.code or 0) // 100, "no_reply")
        expect_eq("%s: RCPT %s status" % (what, r["address"]), want, r["status"])
        if c.code and c.code >= 400:
            report(r["reply"].get("reason") is not None and r["reply"].get("permanent") == (c.code >= 500),
                   "%s: RCPT %s refusal explained (reason %s)" % (what, r["address"], r["reply"].get("reason")))
    check_command_list(what, te.commands, t["commands"])
    content = None
    if te.data is not None:
        d = t["data"]
        if not report(d is not None, "%s: data step decoded" % what):
            return
        kind = "BDAT" if te.bdats else "DATA"
        expect_eq("%s: data command" % what, kind, d["command"])
        check_reply("%s: %s" % (what, kind), te.data, d["reply"])
        expect_eq("%s: missing_bytes" % what, 0, d["missing_bytes"])
        if te.bdats:
            content = b"".join(c.payload for c in te.bdats)
            for c in te.bdats:
                m = re.match(rb"(?i)^BDAT (\d+)", c.line)
                report(int(m.group(1)) == len(c.payload),
                       "%s: transcript chunk size agrees with %s" % (what, c.line.decode()))
            expect_eq("%s: BDAT chunks" % what, len(te.bdats), d.get("chunks"))
        elif te.end is not None and te.end.suppressed is None:
            content = te.end.payload
        if content is not None:
            expect_eq("%s: message bytes" % what, len(content), d["bytes"])
        elif te.end is not None and info.msg_bytes is not None:
            # swaks counts the lines it sent: the message's, the empty line it
            # adds after them (CR LF), and the end marker.
            extra = te.end.suppressed - 1 - info.msg_lines
            expect_eq("%s: message bytes (NAME.txt's size, %d line(s) added by the client)" % (what, extra),
                      info.msg_bytes + 2 * extra, d["bytes"])
        elif te.end is not None and info.file_bytes is not None:
            # older NAME.txt: the file's size with LF line ends
            expect_eq("%s: message bytes (from the file size and line count)" % what,
                      info.file_bytes + te.end.suppressed, d["bytes"])
    if te.end is not None:
        check_reply("%s: final reply" % what, te.end, t["final_reply"])
        want = "delivered" if te.end.code and te.end.code < 400 else "rejected_message"
        expect_eq("%s: outcome" % what, want, t["outcome"])
        if te.end.code and te.end.code < 400:
            expect_eq("%s: queue id" % what, info.queue_id, t["queue_id"])
    if content is not None:
        check_headers(what, t, content.decode("utf-8", "replace").split("\r\n"), info)
    elif info.headers is not None and te.end is not None:
        check_headers(what, t, info.headers + [""], info)
    if eml_dir is not None and te.end is not None:
        path = os.path.join(eml_dir, "session-%d-txn-%d.eml" % (session_id, t["index"]))
        if not report(os.path.exists(path), "%s: --extract wrote %s" % (what, os.path.basename(path))):
            return
        with open(path, "rb") as f:
            got = f.read()
        if content is not None:
            report(got == content, "%s: extracted .eml equals the message sent (%d bytes)" % (what, len(content)))
        else:
            report(len(got) == t["data"]["bytes"], "%s: extracted .eml has the decoded size" % what)
            if info.headers is not None:
                want = "".join(h + "\r\n" for h in info.headers).encode()
                report(got.startswith(want), "%s: extracted .eml starts with the headers as sent" % what)
            if info.msg_lines is not None:
                lines = got.split(b"\r\n")[:-1]
                report(len(lines) >= info.msg_lines and not b"\n" in b"".join(lines),
                       "%s: extracted .eml has NAME.txt's %d lines, CR LF ended" % (what, info.msg_lines))
                dots = sum(1 for l in lines[:info.msg_lines] if l.startswith(b"."))
                expect_eq("%s: extracted .eml lines starting with a dot (unstuffed)" % what, info.msg_dots, dots)
            elif info.file_bytes is not None:
                report(len(got) - got.count(b"\r\n") == info.file_bytes,
                       "%s: extracted .eml is the file with CR LF line ends" % what)


def check_auth(s, tr, info, texts, secrets_json):
    auth_cmds = [c for c in tr.commands if c.visible and c.line.upper().startswith(b"AUTH ")]
    if not auth_cmds:
        expect_eq("no AUTH in the transcript, none decoded", None, s["auth"])
        return
    a = s["auth"]
    if not report(a is not None, "AUTH decoded"):
        return
    mech = auth_cmds[0].line.split()[1].decode().upper()
    expect_eq("AUTH mechanism", mech, a["mechanism"])
    if info.auth_mech:
        expect_eq("AUTH mechanism as on the swaks command line", info.auth_mech.upper(), a["mechanism"])
    if info.user:
        expect_eq("AUTH user", info.user, a["user"])
    # the reply that ends the exchange: the first non-334 after AUTH
    i = tr.commands.index(auth_cmds[0])
    last = next((c for c in tr.commands[i:] if c.code != 334), None)
    want = "ok" if last and last.code and last.code < 300 else "failed"
    expect_eq("AUTH result", want, a["result"])
    if want == "failed":
        report(any(str(last.code) in p and "AUTH" in p for p in s["problems"]),
               "AUTH failure listed in problems")
    if not info.password:
        note("no password on the client's command line: secrecy not checked")
        return
    forms = b64_forms(info.password, info.user)
    toks = secret_tokens(tr, info.password)
    report(bool(toks), "transcript shows the password's base64 (%s)" % ", ".join(toks))
    for name, text in texts.items():
        leaked = [f for f in forms | set(toks) if f in text]
        report(not leaked, "%s: password never shown%s" % (name, " (found %s)" % leaked if leaked else ""))
    if secrets_json is not None:
        for tok in toks:
            report(tok in secrets_json, "--show-secrets shows the secret line %s" % tok)


def check_tls(s, tr):
    t = s["tls"]
    if tr.tls_cipher is None:
        report(t["used"] is False and t["version"] is None, "no TLS in the transcript, none decoded")
        return
    version, cipher = tr.tls_cipher.split(":")[:2]
    report(t["used"] is True, "TLS used")
    expect_eq("TLS implicit", tr.tls_before_greeting, t["implicit"])
    expect_eq("TLS version (swaks: %s)" % tr.tls_cipher, version, t["version"])
    expect_eq("TLS cipher", cipher, t["cipher"])
    report(t["client_bytes"] > 0 and t["server_bytes"] > 0, "TLS bytes counted both ways")
    if version == "TLSv1.3":
        report(t["certificate_subject"] is None, "TLS 1.3: the certificate is encrypted, none claimed")
    hidden = [c for c in tr.commands if not c.visible]
    report(bool(hidden), "transcript has commands inside TLS (%d)" % len(hidden))
    for c in hidden:
        p = path_of(c.line)
        if p and c.line.upper().startswith((b"MAIL", b"RCPT")):
            report(not any(p == x["mail_from"] for x in s["transactions"]),
                   "envelope inside TLS (%s) not invented" % p)


def check_extensions(s, tr):
    ehlos = [c for c in tr.commands if c.visible and c.line.split(b" ")[0].upper() in (b"EHLO", b"HELO")]
    if not ehlos:
        expect_eq("no HELO/EHLO seen, none decoded", None, s["helo"])
        return
    first = ehlos[0]
    verb, _, name = first.line.decode().partition(" ")
    expect_eq("helo name", name, s["helo"])
    expect_eq("helo command", verb.upper(), s["helo_command"])
    last = [c for c in ehlos if c.code == 250]
    if not last:
        return
    want = []
    for l in last[-1].reply[1:]:
        kw, _, params = l[4:].decode().partition(" ")
        want.append((kw.upper(), params))
    expect_eq("EHLO extensions", want, [(e["keyword"], e["params"]) for e in s["extensions"]])


def check_summary(path, s):
    with open(path, "rb") as f:
        lines = f.read().decode("utf-8", "replace").split("\n")
    rows = [l for l in lines[1:] if l.strip()]
    expect_eq("--summary: one line per transaction", len(s["transactions"]), len(rows))
    for t in s["transactions"]:
        sid = "%d.%d" % (s["session"], t["index"])
        row = next((r for r in rows if r.split()[3:4] == [sid]), None)
        if not report(row is not None, "--summary: line for transaction %s" % sid):
            continue
        words = row.split()
        ok_rcpts = sum(1 for r in t["rcpt"] if r["status"] == "ok")
        fr = t["final_reply"]
        want = [(t["mail_from"] or "<>")[:30], "%d/%d" % (ok_rcpts, len(t["rcpt"])),
                str(t["data"]["bytes"] if t["data"] else 0), t["outcome"]]
        report(words[4:8] == want and (fr is None or str(fr["code"]) in words[8:9]),
               "--summary %s: from, rcpts, bytes, outcome, final reply (%s)" % (sid, " ".join(words[4:10])))


def check_text(path, s, tr):
    with open(path, "rb") as f:
        raw = f.read()
    report(b"\x1b" not in raw, "text output holds no ESC byte")
    text = raw.decode("utf-8", "replace")
    for c in tr.commands:
        if c.visible and c.line != b"<end of data>" and c.line.upper().startswith((b"MAIL", b"RCPT", b"EHLO")):
            report(c.line.decode() in text, "text output shows %s" % c.line.decode())
    for t in s["transactions"]:
        if t["queue_id"]:
            report(("queue id " + t["queue_id"]) in text, "text output shows queue id %s" % t["queue_id"])
        if t["headers"] and t["headers"]["subject"]:
            report(t["headers"]["subject"] in text, "text output shows the decoded Subject")
    return text


def cmd_transcript(a):
    info = CaptureInfo(a.name)
    tr = Transcript(a.transcript)
    sessions = load_json_lines(a.json)
    if not expect_eq("one session decoded", 1, len(sessions)):
        return
    s = sessions[0]
    if tr.server:
        port = tr.server[1]
        if a.port_map:
            old, new = (int(x) for x in a.port_map.split(":"))
            port = new if port == old else port
        expect_eq("server endpoint", {"address": tr.server[0], "port": port}, s["server"])
        expect_eq("detected_by", "port" if port in (25, 465, 587, 2525) else "greeting", s["detected_by"])
    if tr.greeting:
        g = s["greeting"] or {}
        ok = g.get("code") == int(tr.greeting[-1][:3]) and \
            g.get("text") == "\n".join(l[4:].decode() for l in tr.greeting)
        report(ok, "greeting %s (got %r)" % (tr.greeting[-1].decode(), g.get("text")))
    check_extensions(s, tr)
    check_tls(s, tr)
    session_cmds, txns = split_transactions(tr)
    check_command_list("session", session_cmds, s["commands"])
    if expect_eq("transactions in clear", len(txns), len(s["transactions"])):
        for i, (te, t) in enumerate(zip(txns, s["transactions"]), 1):
            check_transaction("txn %d" % i, te, t, info, a.eml_dir, s["session"], tr)
    for cmd, reply in info.expected:
        check_expected_reply(s, cmd, reply)
    rejected = [c for c in tr.commands if c.visible and c.code and c.code >= 400]
    for c in rejected:
        report(any(str(c.code) in p for p in s["problems"]), "problem listed for %s -> %d" % (
            c.line.decode("utf-8", "replace"), c.code))
    if not rejected and tr.tls_cipher is None:
        expect_eq("no problems in a clean session", [], s["problems"])
    expect_eq("no capture gaps", {"count": 0, "bytes": 0}, s["gaps"])
    if tr.closed:
        report(s["close"] in ("fin", "rst") and s["truncated"] is False,
               "connection closed (%s), not truncated" % s["close"])
    texts = {}
    with open(a.json, encoding="utf-8") as f:
        texts["JSON"] = f.read()
    if a.text:
        texts["text"] = check_text(a.text, s, tr)
    if a.summary:
        check_summary(a.summary, s)
        with open(a.summary, encoding="utf-8", errors="replace") as f:
            texts["summary"] = f.read()
    secrets = None
    if a.secrets_json:
        with open(a.secrets_json, encoding="utf-8") as f:
            secrets = f.read()
    check_auth(s, tr, info, texts, secrets)
    if a.stderr and info.packets is not None:
        with open(a.stderr, encoding="utf-8", errors="replace") as f:
            err = f.read()
        m = re.search(r"(\d+) packets \((\S+)\)", err)
        report(bool(m) and int(m.group(1)) == info.packets and m.group(2) == info.linktype,
               "statistics: %s packets, link type %s (stderr: %s)" % (info.packets, info.linktype,
                                                                     m.group(0) if m else "none"))


def all_commands(s):
    out = list(s["commands"])
    for t in s["transactions"]:
        out += t["commands"]
    return out


def check_expected_reply(s, cmd, reply):
    """One "COMMAND -> REPLY" line of NAME.txt against the JSON."""
    what = "NAME.txt: %s -> %s" % (cmd, reply)
    code = int(reply[:3])
    text = reply[4:]
    if cmd == "<greeting>":
        g = s["greeting"] or {}
        if not g and s["tls"]["implicit"]:
            return note("%s: inside TLS, not visible" % what)
        return report(g.get("code") == code and g.get("text", "").split("\n")[-1] == text, what)
    if cmd == "<end of data>":
        got = [t["final_reply"] for t in s["transactions"] if t["final_reply"]]
        if not got and s["tls"]["used"]:
            return note("%s: inside TLS, not visible" % what)
        return report(any(r["code"] == code and r["text"].split("\n")[-1] == text for r in got), what)
    for c in all_commands(s):
        if c["command"] == cmd or (c["masked"] and cmd.startswith(c["command"])):
            r = c["reply"] or {}
            if r.get("code") == code and r.get("text", "").split("\n")[-1] == text:
                return report(True, what)
    visible = any(c["command"] == cmd for c in all_commands(s))
    if not visible and s["tls"]["used"]:
        return note("%s: inside TLS, not visible" % what)
    return report(False, what)


def main(argv):
    ap = argparse.ArgumentParser(prog="decode_check.py")
    sub = ap.add_subparsers(dest="op", required=True)
    t = sub.add_parser("transcript")
    t.add_argument("--name", required=True)
    t.add_argument("--transcript", required=True)
    t.add_argument("--json", required=True)
    t.add_argument("--secrets-json")
    t.add_argument("--text")
    t.add_argument("--summary")
    t.add_argument("--stderr")
    t.add_argument("--eml-dir")
    t.add_argument("--port-map", help="OLD:NEW: the capture's server port was changed from OLD to NEW")
    s = sub.add_parser("suricata")
    s.add_argument("testdir")
    s.add_argument("json")
    s.add_argument("--known", help="file of filters known to differ (tests/decode_expect/suricata-known.txt)")
    s.add_argument("--name", help="the test's name in that file (default: the directory's name)")
    e = sub.add_parser("expect")
    e.add_argument("file")
    e.add_argument("capture")
    e.add_argument("json")
    d = sub.add_parser("jsondiff")  # where two decode --json outputs differ
    d.add_argument("a")
    d.add_argument("b")
    d.add_argument("--max", type=int, default=6)
    d.add_argument("--ignore", help="keys left out of the comparison, comma-separated")
    pl = sub.add_parser("plausible")  # replies matched to commands they cannot answer
    pl.add_argument("json")
    y = sub.add_parser("yaml")  # debugging aid: the parsed test.yaml
    y.add_argument("file")
    a = ap.parse_args(argv)
    if a.op == "transcript":
        cmd_transcript(a)
        return 0 if all(RESULTS) else 1
    if a.op == "suricata":
        cmd_suricata(a)
        return 0
    if a.op == "plausible":
        cmd_plausible(a)
        return 0 if all(RESULTS) else 1
    if a.op == "jsondiff":
        cmd_jsondiff(a)
        return 0 if all(RESULTS) else 1
    if a.op == "expect":
        cmd_expect(a)
        return 0 if all(RESULTS) else 1
    with open(a.file, encoding="utf-8") as f:
        print(parse_yaml(f.read()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
