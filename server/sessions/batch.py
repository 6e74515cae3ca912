"""Run one program on a fresh machine with pipes for stdio, and collect what it printed.

For scripts, tests and benchmarks: `run(["/bin/sh", "-c", "ls | wc -l"], HostDir(path))`.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from .fd import HostStream
from .session import Limits, Session, SessionConfig
from .vfs.base import Backend


def exit_code(status: int) -> int:
    """A shell-style exit code ($?) from a wait status."""
    return (status >> 8) & 0xFF if status & 0x7F == 0 else 128 + (status & 0x7F)


@dataclass
class Result:
    status: int  # wait status
    stdout: bytes
    stderr: bytes
    finished: bool  # False if it was killed at the timeout

    @property
    def code(self) -> int:
        return exit_code(self.status)


def run(
    argv: list[str],
    home: Backend,
    stdin: bytes = b"",
    limits: Limits | None = None,
    timeout: float | None = None,
) -> Result:
    rin, win = os.pipe()
    rout, wout = os.pipe()
    rerr, werr = os.pipe()
    done = threading.Event()
    status = [0]

    def on_exit(st: int) -> None:
        status[0] = st
        done.set()

    session = Session(SessionConfig(limits=limits or Limits()), home, lambda b: None, on_exit)
    stdio = [HostStream(rin, True), HostStream(wout, False), HostStream(werr, False)]
    outs: dict[int, bytearray] = {rout: bytearray(), rerr: bytearray()}

    def drain(fd: int) -> None:
        while chunk := os.read(fd, 65536):
            outs[fd].extend(chunk)

    readers = [threading.Thread(target=drain, args=(fd,), daemon=True) for fd in outs]
    for t in readers:
        t.start()
    try:
        session.start(argv, stdio=stdio)
        os.write(win, stdin)
        os.close(win)
        win = -1
        finished = done.wait(timeout)
        session.stop()
    finally:
        for fd in (win, wout, werr):
            if fd >= 0:
                os.close(fd)
        for t in readers:
            t.join(5)
        for fd in (rin, rout, rerr):
            os.close(fd)
    return Result(status[0], bytes(outs[rout]), bytes(outs[rerr]), finished)
