"""The line discipline: what a user typing at the shell's prompt sees and what the program reads."""

from __future__ import annotations

import threading

import pytest

from server.sessions.machine import Machine
from server.sessions.proc import Process
from server.sessions.session import Limits
from server.sessions.signals import SIGINT, bit
from server.sessions.tty import ECHO, ICANON
from server.sessions.vfs.memfs import MemFS
from server.sessions.vfs.tree import Tree


class Screen:
    def __init__(self) -> None:
        self.data = bytearray()

    def __call__(self, data: bytes) -> None:
        self.data += data


@pytest.fixture
def machine() -> tuple[Machine, Screen, Process]:
    screen = Screen()
    m = Machine(Tree(MemFS()), Limits(), screen, lambda status: None)
    proc = Process(m, 1, None)
    m.procs[1] = proc
    m.tty.fg_pgrp = proc.pgid
    return m, screen, proc


def read_line(m: Machine, proc: Process) -> bytes:
    return m.tty.read(proc, 1024, nonblock=False)


def test_canonical_line_is_delivered_on_enter_with_echo(machine):
    m, screen, proc = machine
    m.tty.input(b"echo hi")
    assert not m.tty.readable()
    m.tty.input(b"\r")
    assert read_line(m, proc) == b"echo hi\n"
    assert bytes(screen.data) == b"echo hi\r\n"


def test_erase_kill_and_word_erase(machine):
    m, _, proc = machine
    m.tty.input(b"abcd\x7f\x7fX\r")
    assert read_line(m, proc) == b"abX\n"
    m.tty.input(b"junk\x15ok\r")
    assert read_line(m, proc) == b"ok\n"
    m.tty.input(b"one two\x17three\r")
    assert read_line(m, proc) == b"one three\n"


def test_cursor_keys_home_end_and_kill_to_end(machine):
    m, _, proc = machine
    m.tty.input(b"world\x1b[D\x1b[D\x1b[D\x1b[D\x1b[Dhello \x05!\r")
    assert read_line(m, proc) == b"hello world!\n"
    m.tty.input(b"abcdef\x01\x1b[C\x1b[C\x0b\r")
    assert read_line(m, proc) == b"ab\n"


def test_history_up_and_down(machine):
    m, _, proc = machine
    m.tty.input(b"first\r")
    read_line(m, proc)
    m.tty.input(b"second\r")
    read_line(m, proc)
    m.tty.input(b"\x1b[A\x1b[A\r")
    assert read_line(m, proc) == b"first\n"
    # history is now first, second, first: up, up, up, down lands on "second"
    m.tty.input(b"\x1b[A\x1b[A\x1b[A\x1b[B\r")
    assert read_line(m, proc) == b"second\n"


def test_ctrl_d_on_empty_line_is_eof_and_on_text_pushes_it(machine):
    m, _, proc = machine
    m.tty.input(b"\x04")
    assert read_line(m, proc) == b""
    m.tty.input(b"abc\x04")
    assert read_line(m, proc) == b"abc"


def test_ctrl_c_signals_the_foreground_group_and_drops_the_line(machine):
    m, screen, proc = machine
    proc.signals.disp[SIGINT] = 2  # caught
    m.tty.input(b"partial\x03")
    assert proc.signals.pending & bit(SIGINT)
    assert screen.data.endswith(b"^C")
    m.tty.input(b"next\r")
    assert read_line(m, proc) == b"next\n"


def test_blocked_read_is_interrupted_by_a_signal(machine):
    m, _, proc = machine
    proc.signals.disp[SIGINT] = 2
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            read_line(m, proc)
        except InterruptedError as err:
            errors.append(err)

    t = threading.Thread(target=reader)
    t.start()
    m.tty.input(b"\x03")
    t.join(5)
    assert not t.is_alive() and errors


def test_raw_mode_passes_bytes_and_keeps_typed_ahead_text(machine):
    m, screen, proc = machine
    m.tty.input(b"typed")
    attrs = bytearray(m.tty.get_attr())
    lflag = int.from_bytes(attrs[12:16], "little") & ~(ICANON | ECHO)
    attrs[12:16] = lflag.to_bytes(4, "little")
    m.tty.set_attr(bytes(attrs))
    m.tty.input(b"\x1b[A")
    assert m.tty.read(proc, 100, nonblock=False) == b"typed\x1b[A"
    assert screen.data == b"typed"  # no echo in raw mode


def test_output_gets_onlcr(machine):
    m, screen, _ = machine
    m.tty.write(b"a\nb\n")
    assert bytes(screen.data) == b"a\r\nb\r\n"


class Named(Process):
    """A process as the terminal sees it, without a program image behind it."""

    def __init__(self, m: Machine, pid: int, parent: Process | None, name: str) -> None:
        super().__init__(m, pid, parent)
        self._name = name

    @property
    def name(self) -> str:
        return self._name


def test_run_after_a_program_ends_is_typed_at_the_shells_next_prompt():
    screen = Screen()
    m = Machine(Tree(MemFS()), Limits(), screen, lambda status: None)
    shell = m.procs[1] = Named(m, 1, None, "dash")
    job = m.procs[2] = Named(m, 2, shell, "python3")
    job.pgid = m.tty.fg_pgrp = 2
    assert not m.tty.type_line("python3 a.py")  # a program has the terminal: refused
    job.status = 0  # it exited; the shell has yet to reap it and take the terminal back
    assert m.tty.type_line("python3 a.py")
    assert not m.tty.type_line("python3 a.py")  # a double click runs once
    assert screen.data == b""
    m.tty.fg_pgrp = shell.pgid
    m.tty.write(b"$ ")
    assert read_line(m, shell) == b"python3 a.py\n"
    assert screen.data == b"$ python3 a.py\r\n"
