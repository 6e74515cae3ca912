"""Programs: compiled wasm modules, cached, and their running instances.

Two wasmtime Engines serve every session, each with one Linker holding our WASI and `cowasm`
host functions (they find their process through a thread-local). Programs that export
libcowasm's interrupt word (python, dash) check it in their compute loops, so the kernel reaches
them by writing the word; they run on an engine without epoch interruption, which saves about
13% of CPU time. Other programs (toybox) run on an engine with epoch checks, so that a busy one
can still be killed. Each Program keeps an InstancePre, so starting or forking a process is a
Store plus an instantiate. Compiled code is cached on disk keyed by the module's sha256, the
engine and the wasmtime version, so a warm start skips Cranelift entirely; the least recently
used entries beyond CACHE_BYTES are dropped (every build of python.wasm leaves 20 MB behind).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
import wasmtime
from wasmtime import _ffi as ffi

from . import hostcall

WASMTIME_VERSION = "50.0.1"
EPOCH_TICK = 0.01  # seconds between epoch ticks: how soon a busy process notices a kill
WASM_STACK = 8 << 20  # bytes of native stack wasm may use (deep C recursion in CPython)
THREAD_STACK = 64 << 20  # worker threads host that stack plus Python's own frames
INTERRUPT_WORD = b"__cowasm_interrupt"
CACHE_BYTES = 512 << 20  # compiled modules kept on disk
PROFILER = os.environ.get("COWASM_PROFILER", "")  # a wasmtime profiler; bypasses the disk cache

_lock = threading.Lock()
_engines: dict[bool, tuple[wasmtime.Engine, wasmtime.Linker]] = {}
_programs: dict[str, Program] = {}
_loading: dict[str, threading.Lock] = {}  # per module: one compile, however many start it at once


def cache_dir() -> Path:
    path = Path(os.environ.get("COWASM_CACHE") or platformdirs.user_cache_dir("cowasm"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def engine(epoch: bool = True) -> wasmtime.Engine:
    return _engine_and_linker(epoch)[0]


def linker(epoch: bool = True) -> wasmtime.Linker:
    return _engine_and_linker(epoch)[1]


def _engine_and_linker(epoch: bool) -> tuple[wasmtime.Engine, wasmtime.Linker]:
    with _lock:
        if epoch not in _engines:
            from . import abi, kthread, wasi  # the host function tables

            config = wasmtime.Config()
            config.epoch_interruption = epoch
            # wasmtime insists that max_wasm_stack fits in the (unused) async stack size.
            ffi.dll.wasmtime_config_async_stack_size_set(
                config.ptr(), ctypes.c_size_t(WASM_STACK + (1 << 20))
            )
            config.max_wasm_stack = WASM_STACK
            config.cranelift_opt_level = "speed"
            # Threaded programs import a shared memory (wasm threads and atomics are on by
            # default); allowing shared memories changes no code compiled for private ones.
            config.shared_memory = True
            if PROFILER:  # e.g. "perfmap": lets `perf report` name wasm functions
                config.profiler = PROFILER
            eng = wasmtime.Engine(config)
            lk = wasmtime.Linker(eng)
            wasi.define_all(lk)
            abi.define_all(lk)
            kthread.define_all(lk)
            _engines[epoch] = eng, lk
            if epoch:
                threading.Thread(target=_tick, args=(eng,), name="epoch", daemon=True).start()
            threading.stack_size(THREAD_STACK)
        return _engines[epoch]


def _tick(eng: wasmtime.Engine) -> None:
    while True:
        time.sleep(EPOCH_TICK)
        eng.increment_epoch()


def _exports_interrupt_word(data: bytes) -> bool:
    """Whether the module seems to export the interrupt word (a scan; load_bytes checks)."""
    return INTERRUPT_WORD in data


@dataclass(eq=False)
class Program:
    name: str
    sha256: str
    module: wasmtime.Module
    pre: wasmtime.InstancePre | None  # None for a threaded program: see Image
    forks: bool  # built with asyncify (can fork)
    epoch: bool  # runs on the engine with epoch checks (it has no interrupt word)
    initial_pages: frozenset[int] | None = None  # pages not zero in a fresh instance (see clone)
    shared: wasmtime.MemoryType | None = None  # a threaded build's imported env.memory

    @property
    def min_memory(self) -> int:
        """Bytes of linear memory an instance starts with (exec checks it against RLIMIT_AS)."""
        if self.shared is not None:
            return self.shared.limits.min * 65536
        for export in self.module.exports:
            if isinstance(export.type, wasmtime.MemoryType):
                return export.type.limits.min * 65536
        return 0


def load_bytes(name: str, data: bytes) -> Program:
    sha = hashlib.sha256(data).hexdigest()
    with _lock:
        prog = _programs.get(sha)
        if prog is not None:
            return prog
        loading = _loading.setdefault(sha, threading.Lock())
    # Sessions that start a new module together (after an upgrade, python.wasm takes Cranelift
    # a minute) wait for one compile instead of each running its own.
    with loading:
        with _lock:
            prog = _programs.get(sha)
        if prog is None:
            prog = _load(name, sha, data)
            with _lock:
                _programs[sha] = prog
                del _loading[sha]
    return prog


def _load(name: str, sha: str, data: bytes) -> Program:
    epoch = not _exports_interrupt_word(data)
    module = _compile(data, sha, epoch)
    exports = {e.name for e in module.exports}
    if not epoch and INTERRUPT_WORD.decode() not in exports:
        epoch = True  # the name was elsewhere in the module: it needs epoch checks after all
        module = _compile(data, sha, epoch)
    forks = "asyncify_start_unwind" in exports
    shared = _shared_memory_import(module)
    if shared is not None:  # each process links its own memory (Image)
        return Program(name, sha, module, None, forks, epoch, shared=shared)
    return Program(name, sha, module, linker(epoch).instantiate_pre(module), forks, epoch)


def _shared_memory_import(module: wasmtime.Module) -> wasmtime.MemoryType | None:
    """The memory a threaded program imports (`env.memory`, shared), if it is one."""
    for imp in module.imports:
        ty = imp.type
        if isinstance(ty, wasmtime.MemoryType) and ty.is_shared:
            if (imp.module, imp.name) != ("env", "memory"):
                raise wasmtime.WasmtimeError(f"shared memory must be env.memory, not {imp.name}")
            return ty
    return None


def _compile(data: bytes, sha: str, epoch: bool) -> wasmtime.Module:
    """The compiled module for an engine, from the disk cache or Cranelift."""
    eng = engine(epoch)
    cached = cache_dir() / f"{sha}-{'epoch' if epoch else 'word'}-{WASMTIME_VERSION}.cwasm"
    if cached.exists() and not PROFILER:
        try:
            module = wasmtime.Module.deserialize_file(eng, str(cached))
        except wasmtime.WasmtimeError:
            pass
        else:
            with contextlib.suppress(OSError):
                os.utime(cached)  # its mtime says when it was last used
            return module
    module = wasmtime.Module(eng, data)
    tmp = cached.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")  # servers share it
    tmp.write_bytes(module.serialize())
    os.replace(tmp, cached)
    prune_cache(cached.parent, CACHE_BYTES)
    return module


def prune_cache(folder: Path, limit: int) -> None:
    """Delete the least recently used compiled modules until the rest fit in `limit` bytes (the
    newest always stays)."""
    entries = []
    for path in folder.glob("*.cwasm"):
        with contextlib.suppress(OSError):
            st = path.stat()
            entries.append((st.st_mtime_ns, st.st_size, path))
    entries.sort()
    total = sum(size for _, size, _ in entries)
    for _, size, path in entries[:-1]:
        if total <= limit:
            break
        with contextlib.suppress(OSError):
            path.unlink()
        total -= size


def load_file(path: str) -> Program:
    """A program from a host file, remembered by path and mtime so a start is one stat."""
    st = os.stat(path)
    key = f"{path}:{st.st_mtime_ns}:{st.st_size}"
    with _lock:
        prog = _programs.get(key)
    if prog is None:
        prog = load_bytes(Path(path).stem, Path(path).read_bytes())
        with _lock:
            _programs[key] = prog
    return prog


_EpochCallback = ctypes.CFUNCTYPE(
    ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p,
    ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_uint8),
)  # fmt: skip
_set_epoch_callback = ctypes.CFUNCTYPE(
    None, ctypes.c_void_p, _EpochCallback, ctypes.c_void_p, ctypes.c_void_p
)(("wasmtime_store_epoch_deadline_callback", ffi.dll))


@_EpochCallback
def _on_epoch(_ctx: int, _env: int, delta: Any, kind: Any) -> int:
    """Every epoch tick while wasm runs: stop a killed process, flag signals for a busy one."""
    proc = getattr(hostcall.current, "proc", None)
    if proc is not None and proc.on_tick():
        msg = b"killed"
        return ctypes.cast(ffi.wasmtime_error_new(msg), ctypes.c_void_p).value or 0
    delta[0] = 1
    kind[0] = 0  # continue
    return 0


PAGE = 4096
_ZERO_PAGE = ctypes.create_string_buffer(PAGE)
_memcmp = ctypes.CDLL(None).memcmp
_memcmp.restype = ctypes.c_int
_memcmp.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]


def _nonzero_pages(base: int, size: int) -> frozenset[int]:
    return frozenset(
        off // PAGE for off in range(0, size, PAGE) if _memcmp(base + off, _ZERO_PAGE, PAGE)
    )


def _new_store(program: Program, memory_limit: int) -> wasmtime.Store:
    store = wasmtime.Store(engine(program.epoch))
    store.set_limits(memory_size=memory_limit)
    if program.epoch:
        store.set_epoch_deadline(1)
        _set_epoch_callback(ctypes.cast(store.ptr(), ctypes.c_void_p).value, _on_epoch, None, None)
    return store


def _shared_memory(program: Program, memory_limit: int) -> wasmtime.SharedMemory:
    """A threaded process's memory: the module's limits, its maximum capped by RLIMIT_AS (a
    shared memory is outside every store's limiter, so growth past its maximum fails instead)."""
    ty = program.shared
    assert ty is not None
    top = min(ty.limits.max if ty.limits.max is not None else 65536, memory_limit >> 16)
    limits = wasmtime.Limits(ty.limits.min, max(top, ty.limits.min))
    return wasmtime.SharedMemory(engine(program.epoch), wasmtime.MemoryType(limits, shared=True))


def _link_shared(
    program: Program, memory: wasmtime.SharedMemory, store: wasmtime.Store
) -> wasmtime.InstancePre:
    """Pre-link a threaded program to one process's memory: a clone of the engine's linker
    (the host functions) plus `env.memory`; every thread instantiates from it."""
    base = linker(program.epoch)
    lk = wasmtime.Linker.__new__(wasmtime.Linker)
    lk._set_ptr(ffi.wasmtime_linker_clone(base.ptr()))
    lk.engine = base.engine
    # wasmtime-py's SharedMemory._as_extern wraps one pointer too many: build the extern here.
    union = ffi.wasmtime_extern_union(sharedmemory=memory.ptr())
    ext = ffi.wasmtime_extern_t(ffi.WASMTIME_EXTERN_SHAREDMEMORY, union)
    mod, name = ctypes.create_string_buffer(b"env"), ctypes.create_string_buffer(b"memory")
    err = ffi.wasmtime_linker_define(lk.ptr(), store._context(), mod, 3, name, 6, ctypes.byref(ext))
    if err:
        raise wasmtime.WasmtimeError._from_ptr(err)
    return lk.instantiate_pre(program.module)


class Image:
    """One instance of a program: a process's current memory and code (its main thread's)."""

    def __init__(self, program: Program, memory_limit: int) -> None:
        self.program = program
        self.memory_limit = memory_limit
        store = self.store = _new_store(program, memory_limit)
        if program.min_memory > memory_limit:  # ulimit -v below what the program starts with
            raise OSError(errno.ENOMEM, f"{program.name} needs more memory than the limit")
        self.shared: wasmtime.SharedMemory | None = None
        self.memory: hostcall.Memory
        if program.pre is not None:
            self.pre = program.pre
            self.instance = self.pre.instantiate(store)
            ex = self.instance.exports(store)
            self.memory = hostcall.Memory(store, ex["memory"])  # type: ignore[arg-type]
        else:
            self.shared = _shared_memory(program, memory_limit)
            self.pre = _link_shared(program, self.shared, store)
            self.instance = self.pre.instantiate(store)
            ex = self.instance.exports(store)
            self.memory = hostcall.SharedMemory(self.shared)
        self.exports = ex
        self.start = ex["_start"]
        self.signal_fn = ex.get("__cowasm_signal")
        word = ex.get("__cowasm_interrupt")
        self.interrupt_addr = word.value(store) if isinstance(word, wasmtime.Global) else 0
        fork_buf = ex.get("__cowasm_fork_buf")
        self.fork_buf = fork_buf.value(store) if isinstance(fork_buf, wasmtime.Global) else 0

    def thread_instance(self) -> tuple[wasmtime.Store, wasmtime.Func]:
        """A new instance for another thread of a threaded program (its own Store, the same
        memory): the store and its `wasi_thread_start` export."""
        store = _new_store(self.program, self.memory_limit)
        try:
            instance = self.pre.instantiate(store)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as err:  # e.g. no room for its tables
            raise OSError(errno.EAGAIN, f"cannot instantiate a thread: {err}") from None
        start = instance.exports(store).get("wasi_thread_start")
        if not isinstance(start, wasmtime.Func):
            raise OSError(errno.ENOSYS, "no wasi_thread_start export")
        return store, start

    def call(self, name: str, *args: int) -> Any:
        return self.exports[name](self.store, *args)  # type: ignore[operator]

    def asyncify_state(self) -> int:
        return self.call("asyncify_get_state") if self.program.forks else 0  # type: ignore[no-any-return]

    def clone(self, memory_limit: int) -> Image:
        """A copy for a forked child: same module, same memory and stack pointer.

        Only pages that differ from a fresh instance are copied: a page that is zero in the
        parent and zero in a fresh instance (most of the stack and heap) is left alone, which
        spares the child the page faults of touching it.
        """
        child = Image(self.program, memory_limit)
        if self.shared is not None and child.shared is not None:  # a threaded program's
            grow = (self.memory.sync() - child.memory.sync()) >> 16
            if grow > 0:
                child.shared.grow(grow)
        else:
            mem, cmem = self.memory.ref, child.memory.ref
            grow = mem.size(self.store) - cmem.size(child.store)
            if grow > 0:
                cmem.grow(child.store, grow)
        size = self.memory.sync()
        child.memory.sync()
        src, dst = self.memory.base, child.memory.base
        initial = self.program.initial_pages
        if initial is None:
            initial = self.program.initial_pages = _nonzero_pages(dst, child.memory.size)
        for off in range(0, size, PAGE):
            if (off // PAGE) in initial or _memcmp(src + off, _ZERO_PAGE, PAGE):
                ctypes.memmove(dst + off, src + off, PAGE)
        sp = self.exports["__stack_pointer"]
        child.exports["__stack_pointer"].set_value(child.store, sp.value(self.store))  # type: ignore[union-attr]
        return child
