"""Run programs on a real session machine (the wasm userland under our kernel) from tests."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from server.sessions.cli import exit_code
from server.sessions.fd import HostStream
from server.sessions.session import Limits, Session, SessionConfig
from server.sessions.vfs.hostdir import HostDir


def run(argv: list[str], home: Path, stdin: bytes = b"", timeout: float = 60,
        limits: Limits | None = None) -> tuple[int, str, str]:  # fmt: skip
    """Run argv as pid 1 with pipes for stdio; returns (exit code, stdout, stderr)."""
    rin, win = os.pipe()
    rout, wout = os.pipe()
    rerr, werr = os.pipe()
    done = threading.Event()
    status = [0]

    def on_exit(st: int) -> None:
        status[0] = st
        done.set()

    session = Session(
        SessionConfig(limits=limits or Limits()), HostDir(home), lambda b: None, on_exit
    )
    session.start(
        argv, stdio=[HostStream(rin, True), HostStream(wout, False), HostStream(werr, False)]
    )
    outs: dict[int, bytearray] = {rout: bytearray(), rerr: bytearray()}

    def drain(fd: int) -> None:
        while chunk := os.read(fd, 65536):
            outs[fd].extend(chunk)

    readers = [threading.Thread(target=drain, args=(fd,), daemon=True) for fd in outs]
    for t in readers:
        t.start()
    os.write(win, stdin)
    os.close(win)
    finished = done.wait(timeout)
    session.stop()
    for fd in (wout, werr):
        os.close(fd)
    for t in readers:
        t.join(5)
    for fd in (rin, rout, rerr):
        os.close(fd)
    assert finished, f"{argv} did not finish in {timeout} s"
    return (
        exit_code(status[0]),
        outs[rout].decode(errors="replace"),
        outs[rerr].decode(errors="replace"),
    )


def sh(script: str, home: Path, **kw: object) -> tuple[int, str, str]:
    return run(["/bin/sh", "-c", script], home, **kw)  # type: ignore[arg-type]
