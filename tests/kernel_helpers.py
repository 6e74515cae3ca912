"""Run programs on a real session machine (the wasm userland under our kernel) from tests."""

from __future__ import annotations

from pathlib import Path

from server.sessions import batch
from server.sessions.session import Limits
from server.sessions.vfs.hostdir import HostDir


def run(
    argv: list[str], home: Path, stdin: bytes = b"", timeout: float = 60,
    limits: Limits | None = None,
) -> tuple[int, str, str]:  # fmt: skip
    """Run argv as the session's first program, stdio on pipes: (exit code, stdout, stderr)."""
    r = batch.run(argv, HostDir(home), stdin, limits, timeout)
    assert r.finished, f"{argv} did not finish in {timeout} s"
    return r.code, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")


def sh(script: str, home: Path, **kw: object) -> tuple[int, str, str]:
    return run(["/bin/sh", "-c", script], home, **kw)  # type: ignore[arg-type]
