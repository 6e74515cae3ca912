"""Compiled programs: the in-memory and on-disk caches of wasm modules compiled by Cranelift."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from server.sessions import image
from server.sessions.system import dist_file


def with_custom_section(module: bytes, payload: bytes) -> bytes:
    """The same program as a module never seen before (a custom section changes its sha256)."""
    body = b"\x04test" + payload
    assert len(body) < 128  # its size fits one LEB128 byte
    return module + b"\x00" + bytes([len(body)]) + body


def test_sessions_starting_a_new_module_at_once_share_one_compile(tmp_path, monkeypatch):
    # Two sessions that start a module nobody has compiled yet (after an upgrade) once each ran
    # Cranelift and raced to rename the same temporary file: one of them failed to start.
    monkeypatch.setenv("COWASM_CACHE", str(tmp_path))
    data = with_custom_section(dist_file("awk.wasm").read_bytes(), os.urandom(16))
    with ThreadPoolExecutor(2) as pool:
        progs = list(pool.map(lambda _: image.load_bytes("awk", data), range(2)))
    assert progs[0] is progs[1]
    engine = "epoch" if progs[0].epoch else "word"
    assert [p.name for p in tmp_path.iterdir()] == [
        f"{progs[0].sha256}-{engine}-{image.WASMTIME_VERSION}.cwasm"
    ]
