#!/usr/bin/python3
"""tui_bench.py - the terminal UI benchmark: the real smtpscope binary on a pseudo-terminal, its output read as it comes and kept on a screen model (bench/vt.py), keys written and timed to the update that shows them. No RFC.

usage: tui_bench.py --smtpscope BIN [--capture PCAP] [--long PCAP] [--lines N]
                    [--size COLSxROWS] [--runs N] [--keys N] [--workdir DIR]
                    [--noops N] [--load-timeout S] [--report FILE]

Figures (each with its target from the product brief):
  first frame     exec of `smtpscope` to Home fully drawn (title and key bar)
  first rows      exec of `smtpscope decode CAPTURE` to the first table row
  keys (loading)  `?` to the help drawn and `q` to the table drawn again, while
                  the capture is still being read
  scrolling       PgDn / PgUp / End / Home in long transcripts, to the screen settled:
                  the Capture timeline of the one session in --long (N lines), and
                  the Session screen after --noops NOOP lines were pasted into
                  `smtpscope connect` (the built-in practice server)
Every wait is bounded; the program is stopped (TERM, then KILL) if it does not
quit. A key's time is taken from the moment it is written to the moment the
chunk of output that completes the expected screen was read (a reader thread
stamps each chunk as it arrives).
"""
import argparse
import os
import random
import re
import statistics
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ left in bench/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tui_pty  # noqa: E402

T_FIRST_FRAME_MS = 50
T_FIRST_ROWS_MS = 1000
T_KEY_MS = 50
T_SCROLL_MS = 50

ROW_RE = re.compile(r"^\s*\d+(?:\.\d+)?\s+\d\d:\d\d:\d\d")
NOOP_RE = re.compile(r"NOOP (\d{6})")


def ms(x):
    return None if x is None else x * 1000.0


def fmt(v):
    return "-" if v is None else "%.1f ms" % v


class Report:
    def __init__(self):
        self.lines = []
        self.targets = []

    def say(self, s=""):
        self.lines.append(s)
        print(s, file=sys.stderr, flush=True)

    def target(self, what, samples, goal_ms, note=""):
        """One target line from a list of samples (ms): median and max; the verdict
        is on the max (every sample must make it)."""
        samples = [s for s in samples if s is not None]
        if not samples:
            self.targets.append("  %-56s %20s   %-10s %s" % (what, "-", "< %d ms" % goal_ms, note or "no sample"))
            return
        med, top = statistics.median(samples), max(samples)
        verdict = "PASS" if top < goal_ms else ("MISS (median passes)" if med < goal_ms else "MISS")
        fig = "%s / %s" % (fmt(med), fmt(top)) if len(samples) > 1 else fmt(top)
        self.targets.append("  %-56s %20s   %-10s %s%s" % (what, fig, "< %d ms" % goal_ms, verdict,
                                                            "  " + note if note else ""))


def home_drawn(rows):
    return lambda scr: "| Home" in scr.line(0) and scr.line(rows - 1).strip() != ""


def capture_drawn(rows):
    return lambda scr: "| Capture" in scr.line(0) and scr.line(rows - 1).strip() != ""


def first_row(scr):
    return any(ROW_RE.match(scr.line(y)) for y in range(2, scr.rows - 2))


def loading(scr):
    return "Loading [" in scr.text()


LOADED_RE = re.compile(r"Read \d+ SMTP sessions?|: \d+ sessions?, \d+ transactions")


def loaded(scr):
    return "Loading [" not in scr.text() and LOADED_RE.search(scr.text()) is not None


def help_shown(scr):
    return "Keys on the Capture screen" in scr.line(1) and scr.line(scr.rows - 1).startswith("q Close")


def table_back(scr):
    return "| Capture" in scr.line(0) and "# time" in scr.line(1) and \
        scr.line(scr.rows - 1).startswith("Enter Open")


def status_clear(scr):
    return scr.line(scr.rows - 2).strip() == "" or "row " in scr.line(scr.rows - 2)


# ---- the scenarios ----

def bench_first_frame(a, rep):
    samples = []
    session_later = None
    for _ in range(a.runs):
        with tui_pty.Tty([a.smtpscope], a.rows, a.cols) as t:
            samples.append(ms(t.wait(home_drawn(a.rows), 10)))
            if session_later is None:
                session_later = "step by step (later)" in t.screen.text()
            t.quit(b"q")
    rep.say("first frame (Home): %s" % ", ".join(fmt(s) for s in samples))
    rep.target("first frame (Home), exec to drawn, %d runs" % a.runs, samples, T_FIRST_FRAME_MS)
    return session_later


def bench_first_rows(a, rep):
    frames, rows = [], []
    for _ in range(a.runs):
        with tui_pty.Tty([a.smtpscope, "decode", a.capture], a.rows, a.cols) as t:
            frames.append(ms(t.wait(capture_drawn(a.rows), 10)))
            rows.append(ms(t.wait(first_row, 10)))
            t.quit(b"q")
    rep.say("decode CAPTURE, first frame: %s; first row: %s" % (
        ", ".join(fmt(s) for s in frames), ", ".join(fmt(s) for s in rows)))
    rep.target("decode %s: first frame, %d runs" % (a.cap_label, a.runs), frames, T_FIRST_FRAME_MS)
    rep.target("decode %s: first table rows, %d runs" % (a.cap_label, a.runs), rows, T_FIRST_ROWS_MS)


def key_samples_while_loading(a, t, rnd):
    """Alternate ? and q while the capture loads; returns (help ms, back ms)."""
    shown, back = [], []
    while len(shown) < a.keys and loading(t.screen):
        t.idle(rnd.uniform(0.03, 0.12))
        if not loading(t.screen):
            break
        lat = t.key_until(b"?", help_shown, 5)
        if lat is None:
            break
        shown.append(ms(lat))
        t.idle(rnd.uniform(0.02, 0.06))
        lat = t.key_until(b"q", table_back, 5)
        if lat is None:
            break
        back.append(ms(lat))
    return shown, back


def bench_capture(a, rep):
    log = os.path.join(a.workdir, "tui-capture.log")
    if os.path.exists(log):
        os.unlink(log)
    rnd = random.Random(1)
    with tui_pty.Tty([a.smtpscope, "decode", a.capture], a.rows, a.cols, {"SMTPSCOPE_LOG": log}) as t:
        t.wait(first_row, 10)
        shown, back = key_samples_while_loading(a, t, rnd)
        t_load = t.wait(loaded, a.load_timeout)
        hwm = t.peak_rss_kb()
        nav = []
        if t_load is not None and t.wait(status_clear, 10) is not None:
            for key in (tui_pty.KEY_END, tui_pty.KEY_HOME, tui_pty.KEY_PGDN, tui_pty.KEY_PGDN,
                        tui_pty.KEY_PGUP, tui_pty.KEY_END, tui_pty.KEY_PGUP, tui_pty.KEY_HOME):
                r = t.key_settle(key, 0.3, 10)
                if r is not None:
                    nav.append(ms(r[0]))
        rows = re.search(r"row \d+ of (\d+)", t.screen.text())
        t_quit = t.quit(b"q", 60)
    longest = None
    try:
        with open(log) as f:
            m = re.findall(r"longest slice (\d+) ms", f.read())
            longest = int(m[-1]) if m else None
    except OSError:
        pass
    rep.say("keys while loading: ? -> help %s; q -> table %s" % (
        ", ".join(fmt(s) for s in shown), ", ".join(fmt(s) for s in back)))
    rep.target("keys while loading %s: ? shows help (%d)" % (a.cap_label, len(shown)), shown, T_KEY_MS)
    rep.target("keys while loading %s: q back to table (%d)" % (a.cap_label, len(back)), back, T_KEY_MS)
    load = "%.2f s" % t_load if t_load is not None else "not within %d s" % a.load_timeout
    peak = "%.0f MB" % (hwm / 1024) if hwm else "?"
    slice_ms = "%d ms" % longest if longest is not None else "?"
    rep.info.append("  whole %s capture read in the UI: %s after exec; peak RSS %s; longest reading slice %s "
                    "(SMTPSCOPE_LOG)" % (a.cap_label, load, peak, slice_ms))
    if nav:
        rep.info.append("  table keys after the load (End, Home, PgDn, PgUp on %s rows): median %s, max %s" % (
            rows.group(1) if rows else "all", fmt(statistics.median(nav)), fmt(max(nav))))
    rep.info.append("  quit after the load: %s" % ("%.2f s" % t_quit if t_quit is not None else "did not quit in 60 s"))


def noop_range(scr):
    nums = [int(x) for x in NOOP_RE.findall(scr.text())]
    return (min(nums), max(nums)) if nums else None


def bench_scroll(a, rep):
    """The Capture timeline of the one long session in --long."""
    with tui_pty.Tty([a.smtpscope, "decode", a.long], a.rows, a.cols) as t:
        if t.wait(loaded, 120) is None or t.wait(status_clear, 10) is None:
            rep.targets.append("  scroll Capture timeline: skipped (the long session did not load)")
            return
        t_open = t.key_until(b"\r", lambda s: "| Capture timeline" in s.line(0) and NOOP_RE.search(s.text()), 30)
        t.key_settle(b"", 0.3, 5)  # let the screen settle

        def at_end(b, a_, s):
            return "221 2.0.0 Bye" in s

        def at_top(b, a_, s):
            return "220 mx.example.test" in s
        plan = [("PgDn", tui_pty.KEY_PGDN, down)] * 6 + [("PgUp", tui_pty.KEY_PGUP, up)] * 3 + \
               [("End", tui_pty.KEY_END, at_end), ("PgUp", tui_pty.KEY_PGUP, up), ("PgUp", tui_pty.KEY_PGUP, up),
                ("Home", tui_pty.KEY_HOME, at_top), ("PgDn", tui_pty.KEY_PGDN, down),
                ("End", tui_pty.KEY_END, at_end), ("Home", tui_pty.KEY_HOME, at_top)]
        bad = []
        per = scroll_plan(t, plan, bad)
        t.quit(b"qq", 30)
    report_scroll(rep, "scroll Capture timeline", "%s lines" % format(a.lines, ","), per, bad)
    rep.info.append("  opening that timeline (Enter, the document built and laid out): %s" % fmt(ms(t_open)))


def session_all_answered(n):
    last = "NOOP %06d" % n

    def pred(scr):
        text = scr.text()
        return last in text and "250 2.0.0 Ok" in text.split(last)[-1]
    return pred


def scroll_plan(t, plan, rep_bad):
    """Write each key of plan [(name, bytes, check)], settle, check the screen;
    returns {name: [ms or None]}."""
    per = {}
    for name, key, check in plan:
        before = noop_range(t.screen)
        r = t.key_settle(key, 0.3, 10)
        after = noop_range(t.screen)
        if r is None or after is None or not check(before, after, t.screen.text()):
            rep_bad.append(name)
        per.setdefault(name, []).append(ms(r[0]) if r else None)
    return per


def report_scroll(rep, label, size, per, bad):
    allv = [v for vs in per.values() for v in vs if v is not None]
    rep.say("%s: %s" % (label, "; ".join("%s %s" % (k, ", ".join(fmt(v) for v in vs)) for k, vs in per.items())))
    note = "wrong screen after: %s" % ", ".join(sorted(set(bad))) if bad else ""
    rep.target("%s, %s (%d keys)" % (label, size, len(allv)), allv, T_SCROLL_MS, note)
    rep.info.append("  %s, per key:" % label)
    for k, vs in per.items():
        vs = [v for v in vs if v is not None]
        if vs:
            rep.info.append("    %-5s median %s, max %s (%d)" % (k, fmt(statistics.median(vs)), fmt(max(vs)), len(vs)))


def down(b, a, _):
    return b is None or a[0] > b[0]


def up(b, a, _):
    return b is None or a[0] < b[0]


def bench_session(a, rep):
    """The Session screen: `smtpscope connect` (the built-in practice server),
    a paste of --noops NOOP lines, then the transcript scrolled."""
    n = a.noops
    with tui_pty.Tty([a.smtpscope, "connect"], a.rows, a.cols) as t:
        if t.wait(lambda s: "| Session" in s.line(0) and "220 " in s.text() and "[ready]" in s.text(), 15) is None:
            rep.targets.append("  session transcript: skipped (`smtpscope connect` did not show a ready session)")
            return
        data = b"".join(b"NOOP %06d\r" % i for i in range(1, n + 1))
        t0 = time.monotonic()
        writer = threading.Thread(target=t.write_all, args=(data,), daemon=True)
        writer.start()
        done = t.wait(session_all_answered(n), a.load_timeout)
        writer.join(5)
        if done is None:
            rep.targets.append("  session transcript: skipped (%d NOOPs not answered within %d s)" % (n, a.load_timeout))
            return
        fill = time.monotonic() - t0
        t.idle(0.5)
        m = re.search(r"(\d+) entries", t.screen.text())
        entries = int(m.group(1)) if m else 0
        last = "NOOP %06d" % n
        plan = [("PgUp", tui_pty.KEY_PGUP, up)] * 6 + [("PgDn", tui_pty.KEY_PGDN, down)] * 3
        bad = []
        per = scroll_plan(t, plan, bad)
        t.key_settle(tui_pty.KEY_BTAB, 0.3, 5)  # into the transcript, where Home / End move
        plan = [("Home", tui_pty.KEY_HOME, lambda b, a_, s: a_[0] <= 10), ("PgDn", tui_pty.KEY_PGDN, down),
                ("End", tui_pty.KEY_END, lambda b, a_, s: last in s), ("PgUp", tui_pty.KEY_PGUP, up),
                ("Home", tui_pty.KEY_HOME, lambda b, a_, s: a_[0] <= 10),
                ("End", tui_pty.KEY_END, lambda b, a_, s: last in s)]
        for k, v in scroll_plan(t, plan, bad).items():
            per.setdefault(k, []).extend(v)
        t.send(b"\x1b")
        t.idle(0.2)
        t.quit(b"\x1b", 10)
    rows = entries + entries // 2  # per NOOP: the C line, the S line and its folded explanation
    report_scroll(rep, "scroll Session", "%s entries, ~%s rows" % (format(entries, ","), format(rows, ",")),
                  per, bad)
    rep.info.append("  the Session transcript: %d NOOP lines pasted into `smtpscope connect` (the practice server), "
                    "all answered %.1f s after the paste began" % (n, fill))


def main(argv):
    p = argparse.ArgumentParser(description="smtpscope TUI benchmark on a pseudo-terminal")
    p.add_argument("--smtpscope", required=True)
    p.add_argument("--capture")
    p.add_argument("--long")
    p.add_argument("--lines", type=int, default=0)
    p.add_argument("--noops", type=int, default=50000, help="NOOP lines pasted into the Session screen (0: skip)")
    p.add_argument("--size", default="120x40")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--keys", type=int, default=20)
    p.add_argument("--workdir", default=".")
    p.add_argument("--load-timeout", type=int, default=600)
    p.add_argument("--report", help="write the targets block here")
    a = p.parse_args(argv)
    m = re.fullmatch(r"(\d+)x(\d+)", a.size)
    if not m or int(m.group(1)) < 80 or int(m.group(2)) < 24:
        p.error("--size COLSxROWS, at least 80x24")
    a.cols, a.rows = int(m.group(1)), int(m.group(2))
    sys.setswitchinterval(0.0002)  # the reader thread stamps chunks promptly
    rep = Report()
    rep.info = []
    session_later = bench_first_frame(a, rep)
    if a.capture:
        size = os.path.getsize(a.capture)
        a.cap_label = "%.0f GB" % (size / 1e9) if size >= 950e6 else "%.0f MB" % (size / 1e6)
        bench_first_rows(a, rep)
        bench_capture(a, rep)
    else:
        rep.targets.append("  first table rows and keys while loading: skipped (no capture given)")
    if a.long:
        bench_scroll(a, rep)
    else:
        rep.targets.append("  scroll Capture timeline: skipped (no long session capture given)")
    if session_later:
        rep.targets.append("  scroll Session transcript: skipped (the Session screen is not in this build: Home "
                           "lists it as later)")
    elif a.noops > 0:
        bench_session(a, rep)
    else:
        rep.targets.append("  scroll Session: skipped (--noops 0)")
    out = ["targets (informational; the benchmark never fails the build):"] + rep.targets
    if rep.info:
        out += ["other figures:"] + rep.info
    text = "\n".join(out) + "\n"
    if a.report:
        with open(a.report, "w") as f:
            f.write(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
