#!/usr/bin/python3
"""decode_check_lib.py - shared part of tools/decode_check.py: reporting, and the checks against suricata-verify's test.yaml, hand-checked facts, reply plausibility and JSON comparison (RFC 5321; RFC 3463 status codes).

The suricata part reads the eve.json fields a suricata-verify test.yaml says
Suricata logs (smtp.helo, smtp.mail_from, smtp.rcpt_to[N], email.from/to/cc/
subject/date/message_id/received, email.status) and looks for them in the
sessions `smtpscope decode --json` wrote. Standard library only.
"""
import hashlib
import json
import os
import re


# ---------------------------------------------------------------------------
# Reporting


RESULTS = []


def report(ok, text):
    RESULTS.append(ok)
    print(("PASS " if ok else "FAIL ") + text)
    return ok


def expect_eq(what, want, got):
    if want == got:
        shown = repr(got)
        return report(True, "%s: %s" % (what, shown if len(shown) <= 70 else shown[:67] + "..."))
    return report(False, "%s: expected %r, got %r" % (what, want, got))


def note(text):
    print("NOTE " + text)


def short(v, n=60):
    v = str(v)
    return v if len(v) <= n else v[:n - 3] + "..."


def load_json_lines(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for n, l in enumerate(f, 1):
            if not l.strip():
                continue
            try:
                out.append(json.loads(l))
            except ValueError as e:
                report(False, "JSON line %d is valid JSON (%s)" % (n, e))
    return out


# ---------------------------------------------------------------------------
# suricata-verify test.yaml


def yaml_scalar(v):
    v = v.strip()
    if v.startswith('"') and v.endswith('"') and len(v) >= 2:
        return bytes(v[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
    if v.startswith("'") and v.endswith("'") and len(v) >= 2:
        return v[1:-1].replace("''", "'")
    if v.startswith("[") and v.endswith("]"):
        return [yaml_scalar(x) for x in split_flow(v[1:-1])]
    return v


def split_flow(s):
    out, cur, q = [], "", None
    for ch in s:
        if q:
            cur += ch
            if ch == q:
                q = None
        elif ch in "\"'":
            q = ch
            cur += ch
        elif ch == ",":
            out.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur)
    return out


KEY_RE = re.compile(r"^([^\s'\"#][^:]*?|\"[^\"]*\"|'[^']*'):(?:\s+(.*))?$")


def parse_yaml(text):
    """The block mappings, sequences and scalars test.yaml files use."""
    lines = []
    for raw in text.split("\n"):
        s = raw.rstrip()
        if not s.strip() or s.lstrip().startswith("#"):
            continue
        lines.append([len(s) - len(s.lstrip(" ")), s.strip()])
    pos = [0]

    def block(ind):
        if lines[pos[0]][1].startswith("- ") or lines[pos[0]][1] == "-":
            return seq(ind)
        return mapping(ind)

    def seq(ind):
        out = []
        while pos[0] < len(lines) and lines[pos[0]][0] == ind and \
                (lines[pos[0]][1].startswith("- ") or lines[pos[0]][1] == "-"):
            content = lines[pos[0]][1][2:].strip()
            if not content:
                pos[0] += 1
                out.append(block(lines[pos[0]][0]) if pos[0] < len(lines) else None)
            elif KEY_RE.match(content):
                lines[pos[0]] = [ind + 2, content]  # the item is a mapping at ind + 2
                out.append(mapping(ind + 2))
            else:
                out.append(yaml_scalar(content))
                pos[0] += 1
        return out

    def mapping(ind):
        out = {}
        while pos[0] < len(lines) and lines[pos[0]][0] == ind and not lines[pos[0]][1].startswith("- "):
            m = KEY_RE.match(lines[pos[0]][1])
            pos[0] += 1
            if not m:
                continue
            key = yaml_scalar(m.group(1))
            val = m.group(2)
            if val is None or val == "":
                nxt = lines[pos[0]] if pos[0] < len(lines) else None
                if nxt and (nxt[0] > ind or (nxt[0] == ind and nxt[1].startswith("- "))):
                    out[key] = block(nxt[0])
                else:
                    out[key] = None
            else:
                out[key] = yaml_scalar(val)
        return out

    return block(lines[0][0]) if lines else {}


def version_tuple(v):
    return tuple(int(x) for x in re.findall(r"\d+", str(v)))


def applies(req):
    """Filters written for Suricata versions before 8.0.7 describe older behaviour."""
    if not req:
        return True
    if "lt-version" in req:
        return False
    return True


# The eve.json fields smtpscope's JSON has an equivalent for.


OUR_FIELD = re.compile(r"^(smtp\.(helo|mail_from|rcpt_to)|email\.(from|to|cc|subject|subject_md5|date|message_id|"
                       r"received|status))(\[\d+\])?$")


def ours(key):
    return key == "email" or bool(OUR_FIELD.match(key))


def strip_brackets(v):
    v = v.strip()
    return v[1:-1] if v.startswith("<") and v.endswith(">") else v


def split_addresses(v):
    """A To/Cc header split at commas outside quotes and angle brackets."""
    out, cur, q, angle = [], "", False, 0
    for ch in v or "":
        if ch == '"':
            q = not q
        elif not q and ch == "<":
            angle += 1
        elif not q and ch == ">":
            angle = max(0, angle - 1)
        if ch == "," and not q and not angle:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def squash(v):
    return re.sub(r"\s+", "", v or "")


def field_value(s, t, key):
    """(found, value) of a Suricata field name in our session s / transaction t."""
    m = re.match(r"^([a-z0-9_.]+)(?:\[(\d+)\])?$", key)
    base, idx = m.group(1), m.group(2)
    h = t.get("headers") or {}
    if base == "smtp.helo":
        vals = s["helo"]
    elif base == "smtp.mail_from":
        vals = t["mail_from"]
    elif base == "smtp.rcpt_to":
        vals = [r["address"] for r in t["rcpt"]]
    elif base in ("email.to", "email.cc"):
        vals = split_addresses(h.get(base[6:]))
    elif base == "email.received":
        vals = h.get("received") or []
    elif base == "email":
        return (t.get("headers") is not None, None)
    elif base == "email.subject_md5":
        vals = h.get("subject")
    elif base.startswith("email."):
        vals = h.get(base[6:])
    else:
        return (False, None)
    if idx is not None:
        i = int(idx)
        return (i < len(vals), vals[i] if i < len(vals) else None)
    if isinstance(vals, list):
        return (bool(vals), vals)
    return (vals is not None, vals)


def message_seen(t):
    """Suricata's email.status PARSE_DONE: the message content went by whole."""
    d = t.get("data")
    return bool(d) and d["missing_bytes"] == 0 and t.get("headers") is not None


def compare_field(key, want, got):
    base = key.split("[")[0]
    if base in ("smtp.mail_from", "smtp.rcpt_to"):
        return strip_brackets(want) == (got or "")
    if base == "email.status":
        return want == "PARSE_DONE" and got is True
    if base == "email.subject_md5":
        return got is not None and hashlib.md5(got.encode("utf-8")).hexdigest() == want
    if base == "smtp.helo" and isinstance(want, str) and want.endswith("\r"):
        # a command line cut at Suricata's 4096-byte cap keeps its CR
        return want[:-1] == got
    if base == "email.received":
        return squash(want) == squash(got)  # Suricata drops the folding white space
    return want == got


def txn_matches(s, t, match):
    diffs = []
    for key, want in match.items():
        if key == "not-has-key":
            for k in (want if isinstance(want, list) else [want]):
                if ours(k):
                    found, _ = field_value(s, t, k)
                    if found:
                        diffs.append("%s present" % k)
            continue
        if not ours(key):
            continue
        if key == "email.status":
            got = message_seen(t)
        else:
            found, got = field_value(s, t, key)
        if not compare_field(key, want, got):
            diffs.append("%s: want %r, got %r" % (key, want, got))
    return diffs


def endpoint_ok(s, match):
    for key, side, part in (("src_ip", "client", "address"), ("src_port", "client", "port"),
                            ("dest_ip", "server", "address"), ("dest_port", "server", "port")):
        if key in match and str(s[side][part]) != str(match[key]):
            return False
    return True


def ips_blocked(y):
    """The test runs Suricata as an IPS that drops part of the flow: what it
    logs describes the traffic left after the drop, not the capture."""
    for item in y.get("checks") or []:
        if not isinstance(item, dict):
            continue
        st = item.get("stats") or {}
        if str(st.get("firewall.blocked", "0")) not in ("0", ""):
            return True
        m = (item.get("filter") or {}).get("match") or {}
        c = str((item.get("filter") or {}).get("count", "1"))
        if m.get("event_type") == "drop" and c != "0":
            return True
    return False


SESSION_ONLY = {"index": 0, "mail_from": None, "rcpt": [], "data": None, "headers": None}


def check_filter(n, f, sessions):
    """One filter of test.yaml; returns None when nothing in it is ours."""
    match = f.get("match") or {}
    count = int(f.get("count", 1)) if str(f.get("count", "1")).isdigit() else 1
    ev = match.get("event_type")
    mine = [k for k in match if ours(k)]
    nhk = match.get("not-has-key")
    if nhk:
        nhk = nhk if isinstance(nhk, list) else [nhk]
        if any(ours(k) for k in nhk):
            mine.append("not-has-key")
    plain_count = ev == "smtp" and not mine and set(match) <= {"event_type", "tx_id", "src_ip", "src_port",
                                                               "dest_ip", "dest_port", "proto"}
    if not mine and not plain_count:
        return None
    if ev not in (None, "smtp") and count == 0:
        return None  # "no alert / no file with ..." is about Suricata's rules
    cands = []
    for s in sessions:
        if not endpoint_ok(s, match):
            continue
        # Suricata numbers its transactions its own way (tx_id), so they are
        # matched by content. A session without MAIL is still one event there.
        txns = s["transactions"] or ([SESSION_ONLY] if s["helo"] is not None else [])
        if count == 0 and "tx_id" in match:
            # "no transaction number N": a trailing HELO/QUIT-only one
            txns = [t for t in txns if t["index"] == int(match["tx_id"]) + 1]
        cands += [(s, t) for t in txns]
    hits = [(s, t) for s, t in cands if not txn_matches(s, t, match)]
    desc = ", ".join("%s=%s" % (k, short(match[k])) for k in mine) or "transactions"
    if ev == "smtp" or count == 0:
        ok = len(hits) == count
    else:
        ok = len(hits) >= 1 if count else not hits  # one alert/file may cover several mails
    if ok:
        return (True, "filter %d (count %d): %s" % (n, count, desc))
    why = "%d matching transaction(s), want %d" % (len(hits), count)
    if cands and not hits:
        best = min((txn_matches(s, t, match) for s, t in cands), key=len)
        why += "; nearest differs: " + "; ".join(short(d, 150) for d in best)
    elif not cands:
        why += "; no transaction"
    return (False, "filter %d (count %d): %s: %s" % (n, count, desc, why))


def load_known(path, testname):
    """{filter number: (kind, reason)} listed for this test in the known file."""
    out = {}
    if not path:
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, num, kind, reason = line.split(None, 3)
            if name == testname:
                out[int(num)] = (kind, reason)
    return out


def cmd_suricata(a):
    ypath = os.path.join(a.testdir, "test.yaml")
    with open(ypath, encoding="utf-8") as f:
        y = parse_yaml(f.read())
    sessions = load_json_lines(a.json)
    known = load_known(a.known, a.name or os.path.basename(os.path.normpath(a.testdir)))
    asserted = failed = nknown = 0
    if ips_blocked(y):
        print("NOTE Suricata runs as an IPS that blocks part of the flow: its expectations do not describe the capture")
        print("RESULT none 0 0")
        return
    for n, item in enumerate(y.get("checks") or [], 1):
        if not isinstance(item, dict) or "filter" not in item:
            continue
        f = item["filter"] or {}
        if not applies(f.get("requires")):
            continue
        r = check_filter(n, f, sessions)
        if r is None:
            continue
        if n in known:
            kind, reason = known[n]
            if r[0]:
                failed += 1
                print("FAIL %s: listed as a known %s, but it now matches: update the known list" % (r[1], kind))
            else:
                nknown += 1
                print("KNOWN %s %s (%s)" % (kind, r[1], reason))
            continue
        asserted += 1
        failed += not r[0]
        print(("PASS " if r[0] else "FAIL ") + r[1])
    if failed:
        verdict = "fail"
    elif asserted:
        verdict = "known" if nknown else "pass"
    else:
        verdict = "known" if nknown else "none"
    print("RESULT %s %d %d %d" % (verdict, asserted, failed, nknown))


# ---------------------------------------------------------------------------
# Hand-checked facts (tests/decode_expect/*.txt)


def json_path(obj, path):
    """(found, value) of a dotted path with [N] list indexes."""
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            i = int(part[1:-1])
            if not isinstance(obj, list) or i >= len(obj):
                return (False, None)
            obj = obj[i]
        else:
            if not isinstance(obj, dict) or part not in obj:
                return (False, None)
            obj = obj[part]
    return (True, obj)


def cmd_expect(a):
    sessions = load_json_lines(a.json)
    n = 0
    with open(a.file, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            cap, sess, path, value = line.split(" ", 3)
            if cap != a.capture:
                continue
            n += 1
            what = "%s session %s %s" % (cap, sess, path)
            if sess == "count":
                expect_eq("%s: sessions" % cap, json.loads(value), len(sessions))
                continue
            i = int(sess) - 1
            if i >= len(sessions):
                report(False, "%s: session %s missing (%d decoded)" % (what, sess, len(sessions)))
                continue
            m = re.match(r"^len\((.*)\)$", path)
            found, got = json_path(sessions[i], m.group(1) if m else path)
            if m and found:
                got = len(got)
            if not found:
                report(False, "%s: not in the output" % what)
            elif value.startswith("~"):
                want = json.loads(value[1:])
                report(isinstance(got, str) and want in got, "%s contains %r (got %r)" % (what, want, short(got)))
            else:
                expect_eq(what, json.loads(value), got)
    print("RESULT %d" % n)


def json_diff(a, b, path=""):
    """Paths where two decoded JSON values differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in list(a) + [k for k in b if k not in a]:
            out += json_diff(a.get(k), b.get(k), "%s.%s" % (path, k) if path else k)
        return out
    if isinstance(a, list) and isinstance(b, list):
        out = []
        for i in range(max(len(a), len(b))):
            out += json_diff(a[i] if i < len(a) else None, b[i] if i < len(b) else None, "%s[%d]" % (path, i))
        return out
    return [] if a == b else ["%s: %s -> %s" % (path, short(repr(a), 70), short(repr(b), 70))]


def drop_keys(v, keys):
    if isinstance(v, dict):
        return {k: drop_keys(x, keys) for k, x in v.items() if k not in keys}
    if isinstance(v, list):
        return [drop_keys(x, keys) for x in v]
    return v


def cmd_jsondiff(a):
    x, y = load_json_lines(a.a), load_json_lines(a.b)
    if a.ignore:
        keys = set(a.ignore.split(","))
        x, y = drop_keys(x, keys), drop_keys(y, keys)
    diffs = json_diff(x, y)
    RESULTS.append(not diffs)
    for d in diffs[:a.max]:
        print(d)
    if len(diffs) > a.max:
        print("... %d more" % (len(diffs) - a.max))


# ---------------------------------------------------------------------------
# Replies that cannot answer the command they are matched to


def implausible(verb, code, text, status=None):
    """Why a reply cannot be the answer to verb, or None."""
    if status == "2.1.5" and verb != "RCPT":
        return "2.1.5 (destination address valid) answers only RCPT"
    if code == 354 and verb != "DATA":
        return "354 answers only DATA"
    if code == 221 and verb != "QUIT":
        return "221 (closing) answers only QUIT"
    if code in (235, 334) and verb not in ("AUTH", "AUTH-RESPONSE"):
        return "%d answers only AUTH" % code
    if code == 220 and verb not in ("STARTTLS",):
        return "220 after the greeting answers only STARTTLS"
    if "queued as" in (text or "") and verb not in ("MESSAGE", "BDAT"):
        return "a 'queued as' reply answers only the end of the message"
    return None


def cmd_plausible(a):
    for s in load_json_lines(a.json):
        cmds = list(s["commands"])
        for t in s["transactions"]:
            cmds += t["commands"]
        bad = []
        for c in cmds:
            r = c.get("reply")
            if r:
                why = implausible(c["verb"], r["code"], r["text"], r.get("status"))
                if why:
                    bad.append("%s got %d (%s)" % (c["command"] or c["verb"], r["code"], why))
        report(not bad, "session %d: every reply fits the command it is matched to%s" % (
            s["session"], "" if not bad else ": " + "; ".join(short(b, 90) for b in bad[:3])))
