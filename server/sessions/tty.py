"""The session's terminal: termios state and the line discipline.

Keystrokes arrive from the web (any thread) through `input`; programs read and write through
`TtyFile`. With ICANON the discipline edits a line before any program sees it, and goes beyond
POSIX's erase/kill with what people expect from readline: cursor keys, Home/End,
Ctrl-A/E/K/U/W/L, a history per program (dash and python each keep their own; Ctrl-R), and Tab
completion while the shell is in the foreground (complete.py). ISIG turns ^C, ^\\ and ^Z into
signals for the foreground process group. Output gets ONLCR. The window size is kept here and a
change raises SIGWINCH.
"""

from __future__ import annotations

import codecs
import errno
import re
import struct
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from .complete import complete
from .fd import FT_CHAR, OpenFile
from .signals import IGNORE, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGWINCH, bit
from .vfs.base import CHARDEV, Stat

if TYPE_CHECKING:
    from .machine import Machine
    from .proc import Process

# termios flags (Linux values, see docs/abi.md)
ICRNL, IXON = 0o400, 0o2000
OPOST, ONLCR = 0o1, 0o4
ISIG, ICANON, ECHO, ECHOE, ECHOK, ECHOCTL, ECHOKE, IEXTEN = (
    0o1,
    0o2,
    0o10,
    0o20,
    0o40,
    0o1000,
    0o4000,
    0o100000,
)
CS8, CREAD, B38400 = 0o60, 0o200, 0o17
VINTR, VQUIT, VERASE, VKILL, VEOF, VTIME, VMIN, VSUSP, VWERASE = 0, 1, 2, 3, 4, 5, 6, 10, 14
_TERMIOS = struct.Struct("<4IB32s3x2I")  # 60 bytes
_PLAIN = re.compile(r"[^\x00-\x1f\x7f]+")  # no control characters: nothing to edit or signal
HISTORY = 500
PROMPT = 256  # bytes of output kept since the last newline: the prompt, redrawn after a listing
LISTING = 300  # more Tab candidates than this are counted, not listed
SHELL = "dash"  # the program whose lines get Tab completion

# Editing keys after escape-sequence decoding.
_KEYS = {
    "\x1b[A": "up",
    "\x1b[B": "down",
    "\x1b[C": "right",
    "\x1b[D": "left",
    "\x1bOA": "up",
    "\x1bOB": "down",
    "\x1bOC": "right",
    "\x1bOD": "left",
    "\x1b[H": "home",
    "\x1b[F": "end",
    "\x1bOH": "home",
    "\x1bOF": "end",
    "\x1b[1~": "home",
    "\x1b[4~": "end",
    "\x1b[7~": "home",
    "\x1b[8~": "end",
    "\x1b[3~": "delete",
    "\x1b[1;5D": "word-left",  # Ctrl-Left and Ctrl-Right, as xterm.js sends them
    "\x1b[1;5C": "word-right",
    "\x1bb": "word-left",  # Alt-B and Alt-F, as in readline
    "\x1bf": "word-right",
    "\x01": "home",
    "\x05": "end",
    "\x02": "left",
    "\x06": "right",
    "\x0b": "kill-end",
    "\x0c": "clear",
    "\x10": "up",
    "\x0e": "down",
}


class Tty:
    def __init__(self, machine: Machine, output: Callable[[bytes], None], rows: int, cols: int):
        self.machine = machine
        self.output = output
        self.out_lock = threading.Lock()
        self.rows, self.cols = rows, cols
        self.iflag, self.oflag, self.cflag = ICRNL | IXON, OPOST | ONLCR, CS8 | CREAD | B38400
        self.lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
        cc = bytearray(32)
        cc[VINTR], cc[VQUIT], cc[VERASE], cc[VKILL], cc[VEOF] = 3, 0x1C, 0x7F, 0x15, 4
        cc[VMIN], cc[VSUSP], cc[VWERASE] = 1, 0x1A, 0x17
        self.cc = cc
        self.fg_pgrp = 0
        self.lines: deque[bytes] = deque()  # completed canonical lines (b"" is an EOF)
        self.raw = bytearray()  # input for non-canonical reads
        self.line = ""  # the line being edited
        self.cursor = 0
        self.esc = ""  # an escape sequence being received
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.histories: dict[str, list[str]] = {}
        self.hist_pos = 0
        self.reader = ""  # program of the last reader: selects the history (_history)
        self.prompt = b""  # output since the last newline
        self.tabbed = False  # the last key was Tab: a second one lists the candidates
        self.search: str | None = None  # Ctrl-R's query while searching the history
        self.search_at = 0  # the history entry shown
        self.search_saved = ("", 0)  # the line and cursor before the search, for Ctrl-G

    # -- output --
    def write(self, data: bytes) -> int:
        out = data.replace(b"\n", b"\r\n") if self.oflag & OPOST and self.oflag & ONLCR else data
        _, nl, tail = data.rpartition(b"\n")
        self.prompt = (tail if nl else self.prompt + tail)[-PROMPT:]
        with self.out_lock:
            self.output(out)
        return len(data)

    def _echo(self, text: str) -> None:
        if self.lflag & ECHO and text:
            with self.out_lock:
                self.output(text.encode())

    # -- input (from the web) --
    def input(self, data: bytes) -> None:
        m = self.machine
        text = self.decoder.decode(data)
        with m.cond:
            i = 0
            while i < len(text):
                run = None if self.esc or self.search is not None else _PLAIN.match(text, i)
                if run and (self.cursor == len(self.line) or not self.lflag & ICANON):
                    self._plain(run.group())  # a paste: whole runs, not key by key
                    i = run.end()
                else:
                    self._key(text[i])
                    i += 1
            m.cond.notify_all()

    def _plain(self, run: str) -> None:
        """Printable text typed at the end of the line (or in raw mode)."""
        self.tabbed = False
        if self.lflag & ICANON:
            self.line += run
            self.cursor += len(run)
        else:
            self.raw += run.encode()
        self._echo(run)

    def _key(self, ch: str) -> None:
        tabbed, self.tabbed = self.tabbed, False
        if self.esc:
            self.esc += ch
            if len(self.esc) == 2 and ch not in "[O":
                seq, self.esc = self.esc, ""
                if seq in _KEYS:  # Alt and a letter
                    self._edit(_KEYS[seq], seq)
                else:
                    self._key(ch)  # a lone ESC followed by a key: drop the ESC
            elif (len(self.esc) > 2 and (ch.isalpha() or ch == "~")) or len(self.esc) > 8:
                seq, self.esc = self.esc, ""
                self._edit(_KEYS.get(seq, ""), seq)
            return
        if ch == "\r" and self.iflag & ICRNL:
            ch = "\n"
        if self.lflag & ISIG:
            sig = {self.cc[VINTR]: SIGINT, self.cc[VQUIT]: SIGQUIT, self.cc[VSUSP]: SIGTSTP}.get(
                ord(ch) if len(ch) == 1 and ord(ch) < 128 else -1
            )
            if sig:
                self._echo("^" + chr(ord(ch) + 64) if self.lflag & ECHOCTL else "")
                self.line, self.cursor, self.esc, self.search = "", 0, "", None
                self.raw.clear()
                self.machine.signal_group(self.fg_pgrp, sig)
                return
        if not self.lflag & ICANON:
            self.raw += ch.encode()
            self._echo(ch if ch != "\n" else "\r\n")
            return
        if self.search is not None and self._search_key(ch):
            return
        if ch == "\x12":  # Ctrl-R
            self.search, self.search_saved = "", (self.line, self.cursor)
            self.search_at = len(self._history())
            self._show_search(failed=False)
        elif ch == "\x1b":
            self.esc = ch
        elif ch == "\n":
            self._submit(self.line + "\n")
        elif ord(ch) == self.cc[VEOF]:
            if not self.line:
                self.lines.append(b"")
            elif self.cursor < len(self.line):
                self._edit("delete", ch)
            else:
                self._submit(self.line)
        elif ord(ch) == self.cc[VERASE] or ch == "\x08":
            self._edit("erase", ch)
        elif ord(ch) == self.cc[VKILL]:
            self._edit("kill", ch)
        elif ord(ch) == self.cc[VWERASE]:
            self._edit("werase", ch)
        elif ch in _KEYS:
            self._edit(_KEYS[ch], ch)
        elif ch == "\t" and (shell := self._foreground_shell()):
            self._complete(shell, again=tabbed)
        elif ch == "\t" or ch >= " ":
            self._edit("insert", ch)

    def _submit(self, text: str) -> None:
        self._move(len(self.line))
        self._echo("\r\n" if text.endswith("\n") else "")
        entry = text.rstrip("\n")
        hist = self._history()
        if entry.strip() and (not hist or hist[-1] != entry):
            hist.append(entry)
            del hist[:-HISTORY]
        self.hist_pos = len(hist)
        self.lines.append(text.encode())
        self.line, self.cursor = "", 0

    def _move(self, pos: int) -> None:
        if pos < self.cursor:
            self._echo("\b" * (self.cursor - pos))
        elif pos > self.cursor:
            self._echo(self.line[self.cursor : pos])
        self.cursor = pos

    def _replace(self, start: int, end: int, text: str, cursor: int) -> None:
        """Replace line[start:end] by text, redraw from start, leave the cursor at `cursor`."""
        self._move(start)
        self.line = self.line[:start] + text + self.line[end:]
        pad = max(0, end - start - len(text))  # blanks over what the line lost
        self._echo(self.line[start:] + " " * pad + "\b" * (len(self.line) + pad - cursor))
        self.cursor = cursor

    def _edit(self, op: str, ch: str) -> None:
        line, cur = self.line, self.cursor
        if op == "insert":  # a key, or a completion
            if cur == len(line):
                self.line += ch
                self.cursor += len(ch)
                self._echo(ch)
            else:
                self._replace(cur, cur, ch, cur + len(ch))
        elif op == "erase" and cur:
            self._replace(cur - 1, cur, "", cur - 1)
        elif op == "delete" and cur < len(line):
            self._replace(cur, cur + 1, "", cur)
        elif op == "kill":
            self._replace(0, cur, "", 0)
        elif op == "kill-end":
            self._replace(cur, len(line), "", cur)
        elif op == "werase":
            start = self._word_start()
            self._replace(start, cur, "", start)
        elif op == "word-left":
            self._move(self._word_start())
        elif op == "word-right":
            end = len(line) - len(line[cur:].lstrip())
            end = line.find(" ", end)
            self._move(len(line) if end < 0 else end)
        elif op == "left" and cur:
            self._move(cur - 1)
        elif op == "right" and cur < len(line):
            self._move(cur + 1)
        elif op == "home":
            self._move(0)
        elif op == "end":
            self._move(len(line))
        elif op == "clear":  # Ctrl-L, as in readline: a clean screen, the same prompt and line
            self._echo("\x1b[H\x1b[2J")
            self._redraw()
        elif op in ("up", "down"):
            hist = self._history()
            pos = self.hist_pos + (-1 if op == "up" else 1)
            if 0 <= pos <= len(hist):
                self.hist_pos = pos
                text = hist[pos] if pos < len(hist) else ""
                self._replace(0, len(line), text, len(text))

    def _history(self) -> list[str]:
        """The history of the program the line is for: the last reader while it is still in the
        foreground, else the foreground group's leader (a shell that has yet to read)."""
        name = self.reader
        if not any(p.name == name and p.pgid == self.fg_pgrp for p in self.machine.procs.values()):
            leader = self._foreground_leader()
            name = leader.name if leader else name
        return self.histories.setdefault(name, [])

    # -- Ctrl-R: incremental search backwards through the history, as in readline --
    def _search_key(self, ch: str) -> bool:
        """A key typed while searching; False when it ends the search, to be handled as usual
        (Enter runs the line found, cursor keys edit it)."""
        query = self.search or ""
        if ch == "\x12":  # again: the next older match
            self._search_for(query, self.search_at - 1)
        elif ch in ("\x7f", "\x08"):
            self._search_for(query[:-1], len(self._history()) - 1)
        elif ch == "\x07":  # Ctrl-G: give up, back to the line as it was
            self.line, cursor = self.search_saved
            self.search_at = len(self._history())
            self._end_search(cursor)
        elif ch >= " ":
            self._search_for(query + ch, self.search_at)
        else:
            self._end_search()
            return False
        return True

    def _search_for(self, query: str, start: int) -> None:
        hist = self._history()
        self.search = query
        hit = next((i for i in range(min(start, len(hist) - 1), -1, -1) if query in hist[i]), None)
        if hit is not None:
            self.search_at, self.line = hit, hist[hit]
        self._show_search(failed=hit is None)

    def _show_search(self, failed: bool) -> None:
        self._echo(f"\r\x1b[K({'failed ' * failed}reverse-i-search)`{self.search}': {self.line}")

    def _end_search(self, cursor: int | None = None) -> None:
        self.search, self.hist_pos = None, self.search_at
        self.cursor = len(self.line) if cursor is None else cursor
        self._echo("\r\x1b[K")
        self._redraw()

    def _word_start(self) -> int:
        """Where the word before the cursor starts (spaces between are skipped)."""
        start = len(self.line[: self.cursor].rstrip())
        return self.line.rfind(" ", 0, start) + 1

    def type_line(self, text: str) -> bool:
        """Type `text` and Enter at the shell's prompt, replacing the line being edited (the
        page's Run button). False, typing nothing, while another program has the terminal or
        the shell has yet to read a line already entered (a double click runs once)."""
        m = self.machine
        with m.cond:
            if not self._foreground_shell() or not self.lflag & ICANON or self.lines:
                return False
            if self.search is not None:
                self._end_search()
            self.esc, self.tabbed = "", False
            self._replace(0, len(self.line), text, len(text))
            self._submit(self.line + "\n")
            m.cond.notify_all()
        return True

    def _foreground_leader(self) -> Process | None:
        return self.machine.procs.get(self.fg_pgrp)

    def _foreground_shell(self) -> Process | None:
        """The shell, when it leads the foreground group: it is at its prompt, or reading."""
        leader = self._foreground_leader()
        return leader if leader and leader.name == SHELL else None

    def _complete(self, proc: Process, again: bool) -> None:
        """Tab: complete the word before the cursor; a second Tab lists the candidates."""
        env = dict(e.decode(errors="replace").partition("=")[::2] for e in proc.env)
        done = complete(self.machine.tree, proc.cwd, env, self.line[: self.cursor])
        self.tabbed = True
        if text := done.common:
            self._edit("insert", text)
        elif again and done.matches:
            self._list_candidates(done.matches)
        else:
            self._echo("\a")

    def _list_candidates(self, names: list[str]) -> None:
        """Candidates in columns under the line (as ls prints them), then prompt and line again."""
        if len(names) > LISTING:
            lines = [f"{len(names)} possibilities: type more of the name"]
        else:
            width = max(map(len, names)) + 2
            rows = -(-len(names) // max(1, self.cols // width))
            lines = ["".join(n.ljust(width) for n in names[r::rows]).rstrip() for r in range(rows)]
        self._echo("\r\n" + "\r\n".join(lines) + "\r\n")
        self._redraw()

    def _redraw(self) -> None:
        """The prompt (the output since the last newline) and the line again, cursor in place."""
        if self.lflag & ECHO:
            with self.out_lock:
                self.output(self.prompt)
        self._echo(self.line + "\b" * (len(self.line) - self.cursor))

    # -- reads (from programs) --
    def readable(self) -> bool:
        return bool(self.lines) if self.lflag & ICANON else bool(self.raw) or self.cc[VMIN] == 0

    def read(self, proc: Process, size: int, nonblock: bool) -> bytes:
        m = self.machine
        with m.cond:
            init = m.procs.get(1)
            if init and self.fg_pgrp and proc.pgid != self.fg_pgrp and proc.sid == init.sid:
                self._background_read(proc)
            self.reader = proc.name
            if nonblock and not self.readable():
                raise BlockingIOError(11, "no input")
            m.block(proc, self.readable)
            if self.lflag & ICANON:
                line = self.lines.popleft()
                if len(line) > size:
                    self.lines.appendleft(line[size:])
                    line = line[:size]
                return line
            data = bytes(self.raw[:size])
            del self.raw[:size]
            return data

    def _background_read(self, proc: Process) -> None:
        """A background job reading the terminal gets SIGTTIN (job control), or EIO."""
        if proc.signals.disp[SIGTTIN] == IGNORE or proc.signals.mask & bit(SIGTTIN):
            raise OSError(errno.EIO, "background read from the terminal")
        self.machine.signal_group(proc.pgid, SIGTTIN)
        raise InterruptedError(errno.EINTR, "background read")

    def set_canonical_input(self) -> None:
        """Leaving canonical mode hands pending lines and the edited line to raw reads."""
        if not self.lflag & ICANON and (self.lines or self.line):
            self.raw += b"".join(self.lines) + self.line.encode()
            self.lines.clear()
            self.line, self.cursor = "", 0

    # -- termios --
    def get_attr(self) -> bytes:
        return _TERMIOS.pack(
            self.iflag, self.oflag, self.cflag, self.lflag, 0, bytes(self.cc), B38400, B38400
        )

    def set_attr(self, data: bytes) -> None:
        with self.machine.cond:
            self.iflag, self.oflag, self.cflag, self.lflag, _line, cc, _i, _o = _TERMIOS.unpack(
                data
            )
            self.cc = bytearray(cc)
            self.set_canonical_input()
            self.machine.cond.notify_all()

    def resize(self, rows: int, cols: int) -> None:
        if (rows, cols) != (self.rows, self.cols):
            self.rows, self.cols = rows, cols
            self.machine.signal_group(self.fg_pgrp, SIGWINCH)


class TtyFile(OpenFile):
    filetype = FT_CHAR

    def __init__(self, tty: Tty, readable: bool = True, writable: bool = True) -> None:
        super().__init__(readable, writable)
        self.tty = tty

    def read(self, proc: Process, size: int) -> bytes:
        return self.tty.read(proc, size, self.nonblock)

    def write(self, proc: Process, data: bytes) -> int:
        return self.tty.write(data)

    def ready(self, write: bool) -> bool:
        return write or self.tty.readable()

    def stat(self) -> Stat:
        return Stat(CHARDEV, 0, 0o620, ino=5)
