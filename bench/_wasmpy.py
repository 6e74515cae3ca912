"""Run wasm/dist/python.wasm under wasmtime's built-in WASI, without the kernel: the python
benchmarks' stand-in until they go through a real session. The `cowasm` imports get minimal
stubs (one process, no signals, no children). As under the kernel, "/" is the only preopen (fd 3,
which libcowasm relies on): a scratch directory holding a hard-linked copy of the prefix tree at
usr/local (wasmtime refuses symlinks that leave the preopen).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
import threading
from pathlib import Path

import wasmtime
from wasmtime import _ffi as ffi

ROOT = Path(__file__).resolve().parent.parent
WASM = ROOT / "wasm/dist/python.wasm"
PREFIX = ROOT / "wasm/dist/python"
CACHE = ROOT / "wasm/build/cache"
# Deep C recursion (json, repr of nested lists) must end in RecursionError, not a trap.
MAX_WASM_STACK = 8 << 20
THREAD_STACK = 64 << 20  # the thread running wasm hosts that stack plus Python's own frames
ENOSYS, ENOTTY = 52, 59


def engine() -> wasmtime.Engine:
    cfg = wasmtime.Config()
    # wasmtime insists that max_wasm_stack fits in the (unused) async stack size.
    ffi.dll.wasmtime_config_async_stack_size_set(cfg.ptr(), ctypes.c_size_t(MAX_WASM_STACK << 1))
    cfg.max_wasm_stack = MAX_WASM_STACK
    cfg.cranelift_opt_level = "speed"
    return wasmtime.Engine(cfg)


def load(eng: wasmtime.Engine, wasm: Path = WASM) -> wasmtime.Module:
    """The compiled module, from a cache keyed by the file's size and mtime (compiling takes s)."""
    st = wasm.stat()
    cached = CACHE / f"{wasm.stem}-{st.st_size}-{st.st_mtime_ns}.cwasm"
    if cached.exists():
        return wasmtime.Module.deserialize_file(eng, str(cached))
    module = wasmtime.Module.from_file(eng, str(wasm))
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = cached.with_suffix(".tmp")
    tmp.write_bytes(module.serialize())
    tmp.rename(cached)
    return module


def _stubs(linker: wasmtime.Linker, module: wasmtime.Module, store_ref: list) -> None:
    """cowasm imports for a lone process: identity, cwd '/', everything else ENOSYS."""

    def mem() -> wasmtime.Memory:
        return store_ref[1].exports(store_ref[0])["memory"]

    def getcwd(buf: int, size: int) -> int:
        mem().write(store_ref[0], b"/\0", buf)
        return 1

    special = {
        "getcwd": getcwd,
        "chdir": lambda path: 0,  # libcowasm keeps wasi-libc's cwd itself
        "getpid": lambda: 42,
        "getppid": lambda: 1,
        "getpgid": lambda pid: 42,
        "getsid": lambda pid: 42,
        "umask": lambda mask: 0o022,
        "sigaction": lambda sig, disp: 0,
        "sigprocmask": lambda how, mask, has, old: 0,
        "poll_signals": lambda: 0,
        "cloexec": lambda fd, value: 1 if value < 0 else 0,
        "tcgetattr": lambda fd, p: -ENOTTY,
        "tcgetpgrp": lambda fd: -ENOTTY,
        "winsize": lambda fd, p, s: -ENOTTY,
    }
    for imp in module.imports:
        if imp.module != "cowasm":
            continue
        ty = imp.type
        fn = special.get(imp.name, lambda *a: -ENOSYS)
        linker.define_func("cowasm", imp.name, ty, fn)


def run(
    args: list[str],
    env: dict[str, str] | None = None,
    stdin: Path | None = None,
    eng: wasmtime.Engine | None = None,
    module: wasmtime.Module | None = None,
    files: dict[str, Path] | None = None,
    capture: bool = True,
) -> tuple[int, bytes, bytes]:
    """python3 ARGS...; returns (exit code, stdout, stderr). `files` maps guest paths (relative
    to /) to host files or folders, hard-linked into the scratch root."""
    eng = eng or engine()
    module = module or load(eng)
    with tempfile.TemporaryDirectory() as root:
        out, err = Path(root, ".stdout"), Path(root, ".stderr")
        wasi = wasmtime.WasiConfig()
        wasi.argv = ["/usr/local/bin/python3", *args]
        wasi.env = list((env or {}).items())
        out.touch(), err.touch()
        if capture:
            wasi.stdout_file, wasi.stderr_file = str(out), str(err)
        else:
            wasi.inherit_stdout(), wasi.inherit_stderr()
        if stdin:
            wasi.stdin_file = str(stdin)
        elif not capture:
            wasi.inherit_stdin()
        shutil.copytree(PREFIX, Path(root, "usr/local"), copy_function=os.link)
        Path(root, "tmp").mkdir()
        for guest, host in (files or {}).items():
            Path(root, guest).parent.mkdir(parents=True, exist_ok=True)
            if host.is_dir():
                shutil.copytree(host, Path(root, guest), copy_function=os.link)
            else:
                os.link(host, Path(root, guest))
        wasi.preopen_dir(root, "/")
        store = wasmtime.Store(eng)
        store.set_wasi(wasi)
        linker = wasmtime.Linker(eng)
        linker.define_wasi()
        ref: list = [store, None]
        _stubs(linker, module, ref)
        inst = linker.instantiate(store, module)
        ref[1] = inst
        result = [0, b""]

        def start() -> None:
            try:
                inst.exports(store)["_start"](store)
            except wasmtime.ExitTrap as e:
                result[0] = e.code
            except wasmtime.Trap as e:
                result[:] = [134, f"\n[trap] {e}".encode()]

        old = threading.stack_size(THREAD_STACK)
        try:
            t = threading.Thread(target=start)
            t.start()
        finally:
            threading.stack_size(old)
        t.join()
        return result[0], out.read_bytes(), err.read_bytes() + result[1]


if __name__ == "__main__":
    import sys

    raise SystemExit(run(sys.argv[1:], capture=False)[0])
