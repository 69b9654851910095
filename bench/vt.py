"""vt.py - a small terminal screen model for the TUI benchmark: enough of xterm's control sequences (ECMA-48 / DEC VT100 subset that ncurses emits for TERM=xterm-256color) to know what the screen shows after each chunk of output.

Text, cursor motion (CUP, CUU/CUD/CUF/CUB, CHA, VPA, CNL/CPL, HPA), erasing
(ED, EL, ECH), insert/delete of characters and lines (ICH, DCH, IL, DL),
scrolling regions (DECSTBM, IND, RI, SU, SD), REP, save/restore cursor, the
alternate screen and the DEC line-drawing set. Colours and modes are ignored.
Output is decoded as UTF-8; wide characters take two cells.
"""
import codecs
import re
import unicodedata

TOKEN = re.compile(
    r"(?P<text>[^\x00-\x1f\x7f-\x9f]+)"
    r"|\x1b\[(?P<priv>[?>=!<]?)(?P<args>[0-9;:]*)(?P<inter>[ -/]*)(?P<final>[@-~])"
    r"|\x1b\](?P<osc>[^\x07\x1b]*)(?:\x07|\x1b\\)"
    r"|\x1b(?P<cs>[()*+])(?P<set>.)"
    r"|\x1b(?P<esc>[#%].|[ -/]?[0-Z\\^-~])"
    r"|(?P<ctl>[\x00-\x1f\x7f-\x9f])",
    re.S)
# An escape sequence that may still be incomplete at the end of a chunk.
PARTIAL = re.compile(r"\x1b(\[[?>=!<]?[0-9;:]*[ -/]*|\][^\x07\x1b]*\x1b?|[()*+#% -/]?)?\Z")
LINE_DRAWING = dict(zip("`afgjklmnopqrstuvwxyz{|}~",
                        "◆▒°±┘┐┌└┼⎺⎻─⎼⎽├┤┴┬│≤≥π≠£·"))


def char_width(c):
    if unicodedata.combining(c):
        return 0
    return 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1


class Screen:
    def __init__(self, rows, cols):
        self.rows, self.cols = rows, cols
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.pending = ""
        self.reset()

    def reset(self):
        self.grid = [[" "] * self.cols for _ in range(self.rows)]
        self.y = self.x = 0
        self.wrap_next = False
        self.top, self.bot = 0, self.rows - 1
        self.saved = (0, 0)
        self.last = " "
        self.g = ["B", "B"]
        self.shift = 0

    # ---- reading the screen ----

    def line(self, y):
        return "".join(c for c in self.grid[y] if c is not None).rstrip()

    def text(self):
        return "\n".join(self.line(y) for y in range(self.rows))

    # ---- primitives ----

    def blank_row(self):
        return [" "] * self.cols

    def clamp(self):
        self.y = max(0, min(self.rows - 1, self.y))
        self.x = max(0, min(self.cols - 1, self.x))
        self.wrap_next = False

    def scroll_up(self, n=1, top=None, bot=None):
        top = self.top if top is None else top
        bot = self.bot if bot is None else bot
        n = min(n, bot - top + 1)
        del self.grid[top:top + n]
        for _ in range(n):
            self.grid.insert(bot - n + 1, self.blank_row())

    def scroll_down(self, n=1, top=None, bot=None):
        top = self.top if top is None else top
        bot = self.bot if bot is None else bot
        n = min(n, bot - top + 1)
        del self.grid[bot - n + 1:bot + 1]
        for _ in range(n):
            self.grid.insert(top, self.blank_row())

    def index(self):
        if self.y == self.bot:
            self.scroll_up()
        elif self.y < self.rows - 1:
            self.y += 1

    def put(self, s):
        if self.g[self.shift] == "0":
            s = "".join(LINE_DRAWING.get(c, c) for c in s)
        row = self.grid[self.y]
        for c in s:
            w = char_width(c)
            if w == 0:
                continue
            if self.wrap_next or self.x + w > self.cols:
                self.x = 0
                self.index()
                row = self.grid[self.y]
                self.wrap_next = False
            row[self.x] = c
            if w == 2 and self.x + 1 < self.cols:
                row[self.x + 1] = None
            self.x += w
            if self.x >= self.cols:
                self.x = self.cols - 1
                self.wrap_next = True
            self.last = c

    def erase(self, y, x0, x1):
        row = self.grid[y]
        for x in range(max(0, x0), min(self.cols, x1)):
            row[x] = " "

    # ---- sequences ----

    def csi(self, priv, args, final):
        ps = [int(a) if a.isdigit() else 0 for a in args.replace(":", ";").split(";")] if args else []
        p1 = ps[0] if ps else 0
        n = max(1, p1)
        if priv:
            if final in "hl" and any(p in (47, 1047, 1049) for p in ps):
                self.grid = [self.blank_row() for _ in range(self.rows)]
            return
        if final in "Hf":
            self.y = (ps[0] if ps and ps[0] else 1) - 1
            self.x = (ps[1] if len(ps) > 1 and ps[1] else 1) - 1
            self.clamp()
        elif final == "A":
            self.y = max(self.top if self.y >= self.top else 0, self.y - n)
            self.wrap_next = False
        elif final == "B":
            self.y = min(self.bot if self.y <= self.bot else self.rows - 1, self.y + n)
            self.wrap_next = False
        elif final in "Ca":
            self.x += n
            self.clamp()
        elif final == "D":
            self.x -= n
            self.clamp()
        elif final == "E":
            self.y, self.x = self.y + n, 0
            self.clamp()
        elif final == "F":
            self.y, self.x = self.y - n, 0
            self.clamp()
        elif final in "G`":
            self.x = n - 1
            self.clamp()
        elif final == "d":
            self.y = n - 1
            self.clamp()
        elif final == "J":
            self.erase_display(p1)
        elif final == "K":
            if p1 == 0:
                self.erase(self.y, self.x, self.cols)
            elif p1 == 1:
                self.erase(self.y, 0, self.x + 1)
            else:
                self.erase(self.y, 0, self.cols)
        elif final == "X":
            self.erase(self.y, self.x, self.x + n)
        elif final == "@":
            row = self.grid[self.y]
            row[self.x:self.x] = [" "] * n
            del row[self.cols:]
        elif final == "P":
            row = self.grid[self.y]
            del row[self.x:self.x + n]
            row.extend([" "] * (self.cols - len(row)))
        elif final in "LM" and self.top <= self.y <= self.bot:
            if final == "L":
                self.scroll_down(n, self.y, self.bot)
            else:
                self.scroll_up(n, self.y, self.bot)
            self.x = 0
        elif final == "S":
            self.scroll_up(n)
        elif final == "T" and len(ps) <= 1:
            self.scroll_down(n)
        elif final == "b":
            self.put(self.last * n)
        elif final == "r":
            top = (ps[0] if ps and ps[0] else 1) - 1
            bot = (ps[1] if len(ps) > 1 and ps[1] else self.rows) - 1
            if 0 <= top < bot < self.rows:
                self.top, self.bot = top, bot
                self.y = self.x = 0
                self.wrap_next = False

    def erase_display(self, p):
        if p == 0:
            self.erase(self.y, self.x, self.cols)
            for y in range(self.y + 1, self.rows):
                self.grid[y] = self.blank_row()
        elif p == 1:
            self.erase(self.y, 0, self.x + 1)
            for y in range(0, self.y):
                self.grid[y] = self.blank_row()
        elif p in (2, 3):
            self.grid = [self.blank_row() for _ in range(self.rows)]

    def esc(self, s):
        if s == "7":
            self.saved = (self.y, self.x)
        elif s == "8":
            self.y, self.x = self.saved
            self.clamp()
        elif s == "D":
            self.index()
        elif s == "E":
            self.x = 0
            self.index()
        elif s == "M":
            if self.y == self.top:
                self.scroll_down()
            elif self.y > 0:
                self.y -= 1
        elif s == "c":
            self.reset()

    def control(self, c):
        if c == "\r":
            self.x = 0
            self.wrap_next = False
        elif c in "\n\x0b\x0c":
            self.index()
            self.wrap_next = False
        elif c == "\b":
            self.x = max(0, self.x - 1)
            self.wrap_next = False
        elif c == "\t":
            self.x = min(self.cols - 1, (self.x // 8 + 1) * 8)
        elif c == "\x0e":
            self.shift = 1
        elif c == "\x0f":
            self.shift = 0

    def feed(self, data):
        """Take a chunk of output (bytes)."""
        s = self.pending + self.decoder.decode(data)
        self.pending = ""
        pos, end = 0, len(s)
        while pos < end:
            if s[pos] == "\x1b" and end - pos < 256 and PARTIAL.match(s, pos):
                self.pending = s[pos:]  # an escape sequence not complete yet
                return
            m = TOKEN.match(s, pos)
            if m is None or m.group("ctl") == "\x1b":
                pos += 1  # not one we know: drop the escape byte
                continue
            pos = m.end()
            self.token(m)

    def token(self, m):
        kind = m.lastgroup
        if kind == "text":
            self.put(m.group("text"))
        elif m.group("final") is not None:
            if not m.group("inter"):
                self.csi(m.group("priv"), m.group("args"), m.group("final"))
        elif m.group("cs") is not None:
            if m.group("cs") in "()":
                self.g["()".index(m.group("cs"))] = m.group("set")
        elif m.group("esc") is not None:
            self.esc(m.group("esc"))
        elif m.group("ctl") is not None:
            self.control(m.group("ctl"))
