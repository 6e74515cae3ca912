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


def test_the_disk_cache_drops_the_least_recently_used_modules_beyond_its_limit(
    tmp_path, monkeypatch
):
    # Each build of python.wasm used to leave its 20 MB of compiled code in the cache for good.
    monkeypatch.setenv("COWASM_CACHE", str(tmp_path))
    monkeypatch.setattr(image, "_programs", {})
    awk = dist_file("awk.wasm").read_bytes()
    old, used, new = (with_custom_section(awk, os.urandom(16)) for _ in range(3))
    shas = {
        name: image.load_bytes("awk", data).sha256 for name, data in (("old", old), ("used", used))
    }
    entry = {name: next(tmp_path.glob(f"{sha}-*.cwasm")) for name, sha in shas.items()}
    for name, age in (("old", 2000), ("used", 3000)):  # both compiled long ago, "used" first
        os.utime(entry[name], ns=(0, entry[name].stat().st_mtime_ns - age * 10**9))
    monkeypatch.setattr(image, "_programs", {})  # a new process: `used` comes from the disk
    image.load_bytes("awk", used)  # and is now the more recently used
    size = entry["used"].stat().st_size
    monkeypatch.setattr(image, "CACHE_BYTES", 2 * size + size // 2)  # room for two
    image.load_bytes("awk", new)
    kept = sorted(p.name.split("-")[0] for p in tmp_path.glob("*.cwasm"))
    assert shas["old"] not in kept and shas["used"] in kept and len(kept) == 2
