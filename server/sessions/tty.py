"""The session's terminal: termios state and the line discipline.

Keystrokes arrive from the web (any thread) through `input`; programs read and write through
`TtyFile`. With ICANON a line is edited before any program sees it, by the readline-like
editor in lineedit.py; without it, reads get the keys as they come (VMIN). ISIG turns ^C, ^\\
and ^Z into signals for the foreground process group, and a background job that reads gets
SIGTTIN. Output gets ONLCR. The window size is kept here and a change raises SIGWINCH.
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

from .fd import FT_CHAR, OpenFile
from .lineedit import SHELL, LineEditor
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
PROMPT = 256  # bytes of output kept since the last newline: the prompt, redrawn after a listing


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
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.prompt = b""  # output since the last newline
        self.editor = LineEditor(self)
        self.waiting: list[Process] = []  # processes blocked reading the terminal
        self.queued: str | None = None  # a Run command for the shell's next read (type_line)
        self.displaced = False  # output came after the edited line's echo: show it again

    # -- output --
    def write(self, data: bytes) -> int:
        out = data.replace(b"\n", b"\r\n") if self.oflag & OPOST and self.oflag & ONLCR else data
        _, nl, tail = data.rpartition(b"\n")
        self.prompt = (tail if nl else self.prompt + tail)[-PROMPT:]
        with self.out_lock:
            self.output(out)
        if self.editor.line:  # typed ahead: the line shows again after the next prompt
            self.displaced = True
        return len(data)

    def echo(self, text: str) -> None:
        if self.lflag & ECHO and text:
            with self.out_lock:
                self.output(text.encode())

    def echo_prompt(self) -> None:
        """The program's prompt again (the output since the last newline), for a redraw."""
        if self.lflag & ECHO:
            with self.out_lock:
                self.output(self.prompt)

    # -- input (from the web) --
    def input(self, data: bytes) -> None:
        m = self.machine
        text = self.decoder.decode(data)
        with m.cond:
            i = 0
            while i < len(text):
                run = None if self.editor.busy else _PLAIN.match(text, i)
                if run and (not self.lflag & ICANON or self.editor.cursor == len(self.editor.line)):
                    self._plain(run.group())  # a paste: whole runs, not key by key
                    i = run.end()
                else:
                    self.key(text[i])
                    i += 1
            m.cond.notify_all()

    def _plain(self, run: str) -> None:
        """Printable text typed at the end of the line (or in raw mode)."""
        if self.lflag & ICANON:
            self.editor.append(run)
        else:
            self.raw += run.encode()
            self.echo(run)

    def key(self, ch: str) -> None:
        if self.editor.esc:  # the rest of an escape sequence
            self.editor.key(ch)
            return
        if ch == "\r" and self.iflag & ICRNL:
            ch = "\n"
        if self.lflag & ISIG:
            sig = {self.cc[VINTR]: SIGINT, self.cc[VQUIT]: SIGQUIT, self.cc[VSUSP]: SIGTSTP}.get(
                ord(ch) if len(ch) == 1 and ord(ch) < 128 else -1
            )
            if sig:
                self.echo("^" + chr(ord(ch) + 64) if self.lflag & ECHOCTL else "")
                self.editor.reset()
                self.raw.clear()
                self.queued = None  # a Run not yet typed is interrupted too
                self.machine.signal_group(self.fg_pgrp, sig)
                return
        if not self.lflag & ICANON:
            self.raw += ch.encode()
            self.echo(ch if ch != "\n" else "\r\n")
            return
        self.editor.key(ch)

    def control(self, ch: str) -> str | None:
        """Which of termios's editing characters `ch` is: "eof", "erase", "kill" or "werase"."""
        code = ord(ch) if len(ch) == 1 else -1
        for name, index in (("eof", VEOF), ("erase", VERASE), ("kill", VKILL), ("werase", VWERASE)):
            if code == self.cc[index]:
                return name
        return None

    def type_line(self, text: str) -> bool:
        """Type `text` and Enter at the shell's prompt, replacing the line being edited (the
        page's Run button); if the shell is still finishing a command, once it prompts again.
        False, typing nothing, while another program has the terminal or the shell has yet to
        read a line or command already entered (a double click runs once)."""
        m = self.machine
        with m.cond:
            shell = self.editor.shell_in_foreground() or self._shell_taking_back()
            if not shell or not self.lflag & ICANON or self.lines or self.queued is not None:
                return False
            if shell in self.waiting:
                self.editor.type_line(text)
                m.cond.notify_all()
            else:  # still finishing a command: typed after its prompt, when it reads
                self.queued = text
        return True

    def _shell_taking_back(self) -> Process | None:
        """The session's shell when the foreground job has ended (or none has started yet) and
        the shell has yet to take the terminal back: a Run then waits for its prompt."""
        procs = self.machine.procs.values()
        if any(p.pgid == self.fg_pgrp and p.status is None for p in procs):
            return None
        init = self.machine.procs.get(self.machine.leader_pid)
        return init if init and init.name == SHELL and init.status is None else None

    def foreground_leader(self) -> Process | None:
        return self.machine.procs.get(self.fg_pgrp)

    # -- reads (from programs) --
    def readable(self) -> bool:
        return bool(self.lines) if self.lflag & ICANON else bool(self.raw) or self.cc[VMIN] == 0

    def read(self, proc: Process, size: int, nonblock: bool) -> bytes:
        m = self.machine
        with m.cond:
            init = m.procs.get(m.leader_pid)
            if init and self.fg_pgrp and proc.pgid != self.fg_pgrp and proc.sid == init.sid:
                self._background_read(proc)
            self.editor.reader = proc.name
            if self.lflag & ICANON and not self.lines:
                self._prompted(proc)
            if nonblock and not self.readable():
                raise BlockingIOError(11, "no input")
            self.waiting.append(proc)
            try:
                m.block(proc, self.readable)
            finally:
                self.waiting.remove(proc)
            if self.lflag & ICANON:
                line = self.lines.popleft()
                if len(line) > size:
                    self.lines.appendleft(line[size:])
                    line = line[:size]
                return line
            data = bytes(self.raw[:size])
            del self.raw[:size]
            return data

    def _prompted(self, proc: Process) -> None:
        """A program asks for a line, its prompt written: a line typed ahead shows again after
        the prompt (as readline redraws it), or gives way to a Run command queued for the shell."""
        displaced, self.displaced = self.displaced, False
        if self.queued is not None and proc is self.editor.shell_in_foreground():
            text, self.queued = self.queued, None
            if displaced:  # its echo is above the prompt: nothing to erase on this line
                self.editor.line, self.editor.cursor = "", 0
            self.editor.type_line(text)
        elif displaced:
            self.editor.redisplay()

    def _background_read(self, proc: Process) -> None:
        """A background job reading the terminal gets SIGTTIN (job control), or EIO."""
        if proc.signals.disp[SIGTTIN] == IGNORE or proc.signals.mask & bit(SIGTTIN):
            raise OSError(errno.EIO, "background read from the terminal")
        self.machine.signal_group(proc.pgid, SIGTTIN)
        raise InterruptedError(errno.EINTR, "background read")

    def set_canonical_input(self) -> None:
        """Leaving canonical mode hands pending lines and the edited line to raw reads."""
        if not self.lflag & ICANON and (self.lines or self.editor.line):
            self.raw += b"".join(self.lines) + self.editor.take_line().encode()
            self.lines.clear()

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
