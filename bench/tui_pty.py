"""tui_pty.py - run a program on a pseudo-terminal for the TUI benchmark: a reader thread stamps each chunk of output as it arrives, a screen model (vt.py) follows it, keys are written and timed. No RFC.
"""
import fcntl
import os
import queue
import signal
import struct
import subprocess
import termios
import threading
import time

import vt

TERM = "xterm-256color"


def _keys():
    """Key sequences of TERM from terminfo (keypad transmit mode, as curses sets it)."""
    want = {"knp": b"\x1b[6~", "kpp": b"\x1b[5~", "kend": b"\x1bOF", "khome": b"\x1bOH", "kcbt": b"\x1b[Z"}
    try:
        import curses
        fd = os.open(os.devnull, os.O_WRONLY)
        try:
            curses.setupterm(TERM, fd)
        finally:
            os.close(fd)
        for cap in want:
            s = curses.tigetstr(cap)
            if s:
                want[cap] = s
    except Exception:  # no terminfo entry: xterm's own sequences above
        pass
    return want


_K = _keys()
KEY_PGDN, KEY_PGUP, KEY_END, KEY_HOME, KEY_BTAB = _K["knp"], _K["kpp"], _K["kend"], _K["khome"], _K["kcbt"]


class Tty:
    """argv on a rows x cols pseudo-terminal, with TERM=xterm-256color and a UTF-8 locale."""

    def __init__(self, argv, rows, cols, extra_env=None):
        env = dict(os.environ)
        for k in ("NO_COLOR", "SMTPSCOPE_LOG", "SMTPSCOPE_LOAD_DELAY_MS", "SMTPSCOPE_LOAD_PACKETS",
                  "LINES", "COLUMNS", "ESCDELAY"):
            env.pop(k, None)
        env.update({"TERM": TERM, "LC_ALL": "C.UTF-8"})
        env.update(extra_env or {})
        self.screen = vt.Screen(rows, cols)
        self.q = queue.Queue()
        self.last_t = None
        self.eof = False
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()
        self.t0 = time.monotonic()
        try:
            self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                         close_fds=True, start_new_session=True)
        finally:
            os.close(slave)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _reader(self):
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                data = b""
            t = time.monotonic()
            self.q.put((t, data or None))
            if not data:
                return

    def _take(self, timeout):
        """Feed the next chunk to the screen; its arrival time, or None (nothing
        within timeout, or the end of output)."""
        if self.eof:
            if timeout > 0:
                time.sleep(min(timeout, 0.05))
            return None
        try:
            t, data = self.q.get(timeout=max(0.0, timeout)) if timeout > 0 else self.q.get_nowait()
        except queue.Empty:
            return None
        if data is None:
            self.eof = True
            return None
        self.screen.feed(data)
        self.last_t = t
        return t

    def drain(self):
        while self._take(0) is not None:
            pass

    def idle(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            self._take(left)

    def _until(self, pred, deadline):
        while True:
            left = deadline - time.monotonic()
            t = self._take(left)
            if t is None:
                if left <= 0 or self.eof:
                    return None
                continue
            if pred(self.screen):
                return t

    def wait(self, pred, timeout):
        """Seconds from the spawn to the chunk after which pred(screen) holds
        (at once if it already does); None after timeout."""
        self.drain()
        if pred(self.screen) and self.last_t is not None:
            return self.last_t - self.t0
        t = self._until(pred, time.monotonic() + timeout)
        return None if t is None else t - self.t0

    def send(self, data):
        t = time.monotonic()
        if data:
            os.write(self.master, data)
        return t

    def write_all(self, data):
        """Write a large input (a paste) in pieces; for a thread of its own, as
        each write waits until the program has read enough."""
        try:
            for i in range(0, len(data), 4096):
                os.write(self.master, data[i:i + 4096])
        except OSError:
            pass

    def key_until(self, key, pred, timeout):
        """Write key; seconds until pred(screen) holds after a chunk, or None."""
        self.drain()
        t_send = self.send(key)
        t = self._until(pred, t_send + timeout)
        return None if t is None else t - t_send

    def key_settle(self, key, quiet, timeout):
        """Write key and read until the output pauses for quiet seconds. Returns
        (seconds to the chunk after which the screen first looked as it does at
        the end, seconds to the first chunk), or None when nothing changed."""
        self.drain()
        before = self.screen.text()
        t_send = self.send(key)
        snaps = []
        while time.monotonic() - t_send < timeout:
            t = self._take(quiet)
            if t is None:
                break
            snaps.append((t, self.screen.text()))
        if not snaps or snaps[-1][1] == before:
            return None
        final = snaps[-1][1]
        t_done = next(t for t, s in snaps if s == final)
        return t_done - t_send, snaps[0][0] - t_send

    def peak_rss_kb(self):
        try:
            with open("/proc/%d/status" % self.proc.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return None

    def quit(self, keys, timeout=10):
        """Write keys; seconds until the program exits, or None."""
        t_send = self.send(keys)
        end = t_send + timeout
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                return time.monotonic() - t_send
            self._take(0.02)
        return None

    def close(self):
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 3)):
                try:
                    self.proc.send_signal(sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        try:
            os.close(self.master)
        except OSError:
            pass
        self.thread.join(1)
