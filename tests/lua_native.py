"""Debian's native amd64 lua5.4 of the same source as wasm/dist/lua.wasm, unpacked (not installed)
into wasm/build/lua-native by `make -C wasm/lua native`, for tests that compare with it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NATIVE = ROOT / "wasm" / "build" / "lua-native"


def native_lua() -> Path | None:
    """The native lua5.4, unpacked on first use; None when it cannot be fetched."""
    lua = NATIVE / "usr" / "bin" / "lua5.4"
    if not lua.exists():
        make = ["make", "-C", str(ROOT / "wasm" / "lua"), "native"]
        if subprocess.run(make, capture_output=True).returncode != 0:
            return None
    return lua


def native_env() -> dict[str, str]:
    libs = ":".join(str(p) for p in (NATIVE / "usr" / "lib").iterdir())
    return {**os.environ, "LD_LIBRARY_PATH": libs}


def run_native(lua: Path, args: list[str], cwd: Path, stdin: bytes = b"") -> tuple[int, str, str]:
    # argv[0] "lua", as in the machine, so that messages name the same program
    r = subprocess.run(
        ["lua", *args], executable=lua, cwd=cwd, input=stdin, capture_output=True, env=native_env()
    )
    return r.returncode, r.stdout.decode(), r.stderr.decode()
