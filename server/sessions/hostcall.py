"""Host functions on wasmtime's unchecked call path, and fast access to linear memory.

wasmtime-py's generic host-function path converts every argument through `Val` objects and costs
about 8-10 us a call. Here each import is a raw ctypes callback that unpacks its arguments from
wasmtime's `val_raw` array with one precompiled struct format, which brings a call down to about
1 us. The callback finds the calling process in a thread-local (each OS thread runs one process,
or one of a threaded process's threads: `current.thread`, None for the main one), runs the
handler, stores an `i32` result, and delivers pending signals on the way out.

A Python exception raised by a handler (process exit, exec, a kill) cannot cross wasm frames: it
is parked in the thread-local and a trap is returned; the process runner re-raises it when the
trap surfaces from the call into wasm.
"""

from __future__ import annotations

import ctypes
import struct
import threading
from collections.abc import Callable
from typing import Any

import wasmtime
from wasmtime import _ffi as ffi

from .errno import wasi_errno

current = threading.local()

_Callback = ctypes.CFUNCTYPE(
    ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t
)
_CallbackU32 = ctypes.CFUNCTYPE(
    ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32),
    ctypes.c_size_t,
)  # fmt: skip
_Finalizer = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_no_finalizer = _Finalizer(lambda _env: None)
memory_data = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p)(
    ("wasmtime_memory_data", ffi.dll)
)
memory_data_size = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p, ctypes.c_void_p)(
    ("wasmtime_memory_data_size", ffi.dll)
)
shared_data = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p)(
    ("wasmtime_sharedmemory_data", ffi.dll)
)
shared_data_size = ctypes.CFUNCTYPE(ctypes.c_size_t, ctypes.c_void_p)(
    ("wasmtime_sharedmemory_data_size", ffi.dll)
)
_i32_at = ctypes.c_int32.from_address
_Reserved = ctypes.c_ubyte * (1 << 32)  # one array type for every view (ctypes caches each size)
_U32, _U64, _U32PAIR = struct.Struct("<I"), struct.Struct("<Q"), struct.Struct("<II")
_KEEP: list[Any] = []  # callbacks must outlive every linker that uses them

# Parameter kinds: "i" signed i32, "I" unsigned i32 (pointers, sizes), "Q" u64, "q" i64.
_SLOT = {"i": "i12x", "I": "I12x", "q": "q8x", "Q": "Q8x"}


def _valtype(kind: str) -> wasmtime.ValType:
    return wasmtime.ValType.i64() if kind in "qQ" else wasmtime.ValType.i32()


class Exit(BaseException):
    """Raised inside a host call to leave wasm: the process exits, execs or is killed."""


def trap(message: str) -> int:
    msg = message.encode()
    return ctypes.cast(ffi.wasmtime_trap_new(msg, len(msg)), ctypes.c_void_p).value or 0


def define(
    linker: wasmtime.Linker,
    module: str,
    name: str,
    params: str,
    handler: Callable[..., int | None],
    has_result: bool = True,
    errno_sign: int = 1,
    restart: bool = False,
) -> None:
    """Define `module.name` in `linker`: `handler(proc, *args)` returns the i32 result.

    An OSError from the handler becomes its WASI errno times `errno_sign` (WASI calls return
    errno, our `cowasm` calls return -errno). With `restart`, a call interrupted by a signal
    runs the handlers and starts again when all of them were installed with SA_RESTART."""
    fmt = struct.Struct("<" + "".join(_SLOT[k] for k in params))
    size = fmt.size
    unpack = fmt.unpack

    def callback(_env: int, _caller: int, args: int, _n: int) -> int:
        proc = current.proc
        try:
            try:
                result = handler(proc, *unpack(ctypes.string_at(args, size)))
            except OSError as err:
                result = errno_sign * wasi_errno(err.errno)
                if restart and isinstance(err, InterruptedError):
                    call_args = unpack(ctypes.string_at(args, size))
                    result = _restart(proc, handler, call_args, result, errno_sign)
            if has_result:
                _i32_at(args).value = result  # type: ignore[assignment]
            if proc.signals.pending and proc.signals.deliverable:
                proc.deliver_signals()
            return 0
        except BaseException as exc:
            current.exc = exc
            return trap(type(exc).__name__)

    stop = 4 * len(params)  # in u32 units: each val_raw slot is 16 bytes

    def callback_u32(_env: int, _caller: int, args: Any, _n: int) -> int:
        """The same for all-u32 parameters (most calls: pointers, sizes, fds): a strided slice
        of a u32 pointer reads them in one step, about 0.3 us less than string_at + unpack."""
        proc = current.proc
        try:
            try:
                result = handler(proc, *args[0:stop:4])
            except OSError as err:
                result = errno_sign * wasi_errno(err.errno)
                if restart and isinstance(err, InterruptedError):
                    result = _restart(proc, handler, args[0:stop:4], result, errno_sign)
            if has_result:
                args[0] = result  # ctypes stores the low 32 bits: a negative errno stays one
            if proc.signals.pending and proc.signals.deliverable:
                proc.deliver_signals()
            return 0
        except BaseException as exc:
            current.exc = exc
            return trap(type(exc).__name__)

    cb = _CallbackU32(callback_u32) if params and set(params) <= {"I"} else _Callback(callback)
    _KEEP.append(cb)
    ty = wasmtime.FuncType(
        [_valtype(k) for k in params], [wasmtime.ValType.i32()] if has_result else []
    )
    mod, nm = module.encode(), name.encode()
    err = ffi.wasmtime_linker_define_func_unchecked(
        linker.ptr(),
        ctypes.create_string_buffer(mod),
        len(mod),
        ctypes.create_string_buffer(nm),
        len(nm),
        ty.ptr(),
        ctypes.cast(cb, ffi.wasmtime_func_unchecked_callback_t),
        None,
        ctypes.cast(_no_finalizer, ctypes.CFUNCTYPE(None, ctypes.c_void_p)),
    )
    if err:
        raise wasmtime.WasmtimeError._from_ptr(err)


def _restart(
    proc: Any, handler: Callable[..., int | None], args: Any, eintr: int, errno_sign: int
) -> int | None:
    """SA_RESTART: run the pending handlers now and, while every one asked for a restart,
    call again; else (or when no handler ran) the call fails with EINTR after all."""
    while proc.deliver_signals():
        try:
            return handler(proc, *args)
        except InterruptedError:
            continue
        except OSError as err:
            return errno_sign * wasi_errno(err.errno)
    return eintr


class Memory:
    """Reads and writes one instance's linear memory by address.

    A 32-bit memory never moves under wasmtime's default (4 GiB reserved) configuration, so its
    base is read once; the size only grows, so bounds are checked against a cached size that is
    refreshed only when a check fails. Access goes through a memoryview of the whole memory:
    ctypes.memmove would release and retake the GIL on every call, which hands the GIL to
    another process's thread in the middle of a syscall (a pipe's two ends run at once).
    """

    __slots__ = ("base", "ctx", "mem", "ref", "size", "view")

    def __init__(self, store: wasmtime.Store, memory: wasmtime.Memory) -> None:
        self.ref = memory  # keeps the extern struct alive
        self.ctx = ctypes.cast(store._context(), ctypes.c_void_p).value
        self.mem = ctypes.addressof(memory._memory)
        self.sync()

    def sync(self) -> int:
        """Refresh the cached base, size and view (after the memory grew); returns the size."""
        self.size: int = memory_data_size(self.ctx, self.mem)
        self.base: int = memory_data(self.ctx, self.mem)
        whole = memoryview(_Reserved.from_address(self.base)).cast("B")
        self.view = whole[: self.size]  # bounded: a stray index cannot leave the memory
        return self.size

    def check(self, ptr: int, length: int) -> int:
        """The host address of memory[ptr:ptr+length], or EFAULT."""
        if ptr + length > self.size:
            self.sync()
            if ptr + length > self.size or ptr < 0:
                raise OSError(14, "bad address")  # EFAULT
        return self.base + ptr

    def read(self, ptr: int, length: int) -> bytes:
        if ptr + length > self.size:
            self.check(ptr, length)
        return self.view[ptr : ptr + length].tobytes()

    def write(self, ptr: int, data: bytes | bytearray | memoryview) -> None:
        n = len(data)
        if ptr + n > self.size:
            self.check(ptr, n)
        self.view[ptr : ptr + n] = data

    def cstring(self, ptr: int, limit: int = 4096) -> bytes:
        """A NUL-terminated string at ptr."""
        self.check(ptr, 1)
        end = min(self.size, ptr + limit)
        data = ctypes.string_at(self.base + ptr, end - ptr)
        nul = data.find(b"\0")
        if nul < 0:
            raise OSError(36, "string too long")  # ENAMETOOLONG
        return data[:nul]

    def cstring_array(self, ptr: int) -> list[bytes]:
        """A NULL-terminated array of string pointers (argv, envp)."""
        out: list[bytes] = []
        while True:
            (p,) = struct.unpack("<I", self.read(ptr + 4 * len(out), 4))
            if p == 0 or len(out) > 65536:
                return out
            out.append(self.cstring(p, 1 << 20))

    def u32(self, ptr: int) -> int:
        return struct.unpack("<I", self.read(ptr, 4))[0]  # type: ignore[no-any-return]

    def u32_pair(self, ptr: int) -> tuple[int, int]:
        """Two u32 at ptr: an iovec (pointer, length), read per write(2)."""
        if ptr + 8 > self.size:
            self.check(ptr, 8)
        return _U32PAIR.unpack_from(self.view, ptr)  # type: ignore[return-value]

    def put_u32(self, ptr: int, value: int) -> None:
        if ptr + 4 > self.size:
            self.check(ptr, 4)
        _U32.pack_into(self.view, ptr, value & 0xFFFFFFFF)

    def put_i32(self, ptr: int, value: int) -> None:
        self.write(ptr, struct.pack("<i", value))

    def put_u64(self, ptr: int, value: int) -> None:
        self.check(ptr, 8)
        _U64.pack_into(self.view, ptr, value & 0xFFFFFFFFFFFFFFFF)


class SharedMemory(Memory):
    """The same over a threaded program's shared memory (wasi-threads): one for all its threads.

    Its base never moves either; any thread may grow it, so a failed check refreshes the size as
    above. The view is replaced before the size, so a reader never pairs a larger size with a
    shorter view."""

    __slots__ = ()

    def __init__(self, memory: wasmtime.SharedMemory) -> None:
        self.ref = memory
        self.mem = ctypes.cast(memory.ptr(), ctypes.c_void_p).value
        self.ctx = None
        self.sync()

    def sync(self) -> int:
        size: int = shared_data_size(self.mem)
        self.base = shared_data(self.mem)
        self.view = memoryview(_Reserved.from_address(self.base)).cast("B")[:size]
        self.size = size
        return size
