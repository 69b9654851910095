#!/usr/bin/python3
"""bounce_agreement.py - compare `smtpscope explain --json` on a set of bounce
emails with the expected values in that set's expected.jsonl.

Usage: bounce_agreement.py [options] SMTPSCOPE BOUNCES_DIR

For every *.eml named in expected.jsonl the binary is run as
`SMTPSCOPE explain --json FILE`; each expected row is matched with a reported
recipient (by address, case-insensitive, when the row has one, else by its
1-based recipient_index). Per-field agreement is printed as percentages:

  reason      reason name, every row
  status      enhanced status, rows whose expected status is real (rows with
              status_pseudo, the X.0.9NN codes the reference classifier
              invents, and rows with no status are skipped)
  replycode   basic reply code, rows that expect one
  permanent   "permanent" against the row's hardbounce
  address     a recipient exists at that position, its address is not empty
              and occurs in the email (the expected rows name no address)

The exit status is 1 when a field falls below its --min-FIELD bar (percent),
2 on usage errors. Standard library only.
"""
import argparse
import json
import os
import subprocess
import sys

FIELDS = ("reason", "status", "replycode", "permanent", "address")


def run_explain(binary, path, timeout):
    try:
        out = subprocess.run([binary, "explain", "--json", path], capture_output=True,
                             timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    text = out.stdout.decode("utf-8", "replace").strip()
    if not text:
        return None, "no output (exit %d): %s" % (out.returncode,
                                                   out.stderr.decode("utf-8", "replace").strip()[:200])
    try:
        return json.loads(text.splitlines()[0] if text.count("\n") and text.startswith("{\"") and
                          text.splitlines()[0].endswith("}") else text), None
    except ValueError as exc:
        return None, "bad JSON: %s" % exc


def pick_recipient(report, row):
    rcpts = (report or {}).get("recipients") or []
    want = (row.get("address") or "").lower()
    if want:
        for r in rcpts:
            if (r.get("address") or "").lower() == want:
                return r
    idx = int(row.get("recipient_index") or 1) - 1
    return rcpts[idx] if 0 <= idx < len(rcpts) else None


def compare_row(row, got, raw):
    """Return {field: (applicable, agrees, expected, got)}."""
    res = {}
    g = got or {}
    res["reason"] = (True, g.get("reason") == row["reason"], row["reason"], g.get("reason"))
    st_app = bool(row.get("status")) and not row.get("status_pseudo")
    res["status"] = (st_app, g.get("status") == row.get("status"), row.get("status"), g.get("status"))
    want_code = str(row.get("replycode") or "")
    got_code = g.get("reply_code")
    got_code = "" if got_code in (None, 0) else str(got_code)
    res["replycode"] = (bool(want_code), got_code == want_code, want_code, got_code)
    res["permanent"] = (True, bool(g.get("permanent")) == bool(row.get("hardbounce")),
                        row.get("hardbounce"), g.get("permanent"))
    addr = (g.get("address") or "")
    if row.get("address"):
        ok = addr.lower() == row["address"].lower()
    else:
        ok = bool(addr) and addr.lower().encode() in raw.lower()
    res["address"] = (True, ok, row.get("address") or "(in email)", addr)
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary", help="the smtpscope binary")
    ap.add_argument("bounces", help="directory with *.eml and expected.jsonl")
    for f in FIELDS:
        ap.add_argument("--min-" + f, type=float, default=0.0, metavar="PCT",
                        help="fail when %s agreement is below PCT" % f)
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per email")
    ap.add_argument("-q", "--quiet", action="store_true", help="do not list disagreements")
    ap.add_argument("-v", "--verbose", action="store_true", help="show diagnostics of disagreements")
    args = ap.parse_args()

    exp_path = os.path.join(args.bounces, "expected.jsonl")
    try:
        with open(exp_path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
    except (OSError, ValueError) as exc:
        print("bounce_agreement: cannot read %s: %s" % (exp_path, exc), file=sys.stderr)
        return 2

    reports, raws = {}, {}
    for name in sorted({r["file"] for r in rows}):
        path = os.path.join(args.bounces, name)
        with open(path, "rb") as fh:
            raws[name] = fh.read()
        reports[name] = run_explain(args.binary, path, args.timeout)

    totals = {f: [0, 0] for f in FIELDS}
    bad = []
    for row in rows:
        report, error = reports[row["file"]]
        got = pick_recipient(report, row)
        res = compare_row(row, got, raws[row["file"]])
        wrong = []
        for f in FIELDS:
            app, ok, want, have = res[f]
            if not app:
                continue
            totals[f][0] += 1
            totals[f][1] += ok
            if not ok:
                wrong.append("%s: want %r got %r" % (f, want, have))
        if wrong:
            bad.append((row, got, error, wrong))

    if not args.quiet and bad:
        print("Disagreements:")
        for row, got, error, wrong in bad:
            print("  %s #%s: %s%s" % (row["file"], row["recipient_index"], "; ".join(wrong),
                                      (" [" + error + "]") if error else ""))
            if args.verbose and got:
                diag = (got.get("diagnostic") or "").replace("\n", " | ")
                print("      stage=%s diag=%s" % (got.get("stage"), diag[:300]))
    failed = False
    print("Agreement over %d rows in %d emails:" % (len(rows), len(reports)))
    for f in FIELDS:
        n, ok = totals[f]
        pct = 100.0 * ok / n if n else 100.0
        bar = getattr(args, "min_" + f)
        low = pct + 1e-9 < bar
        failed |= low
        print("  %-10s %6.2f%%  (%d/%d)%s" % (f, pct, ok, n,
                                              ("  BELOW %.1f%%" % bar) if low else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
