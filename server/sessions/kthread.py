"""Threads of a process (wasi-threads): an instance per thread over the process's shared memory.

A threaded program imports its memory (`env.memory`, shared; see image.py). `wasi.thread-spawn`
makes a new Store and instance of the same module, linked to the same memory and host functions,
and runs its `wasi_thread_start(tid, arg)` in an OS thread of its own; when that returns (or the
thread calls `cowasm.thread_exit`) the thread is gone. Everything else (descriptors, cwd,
signals, limits, the pid) is the process's: host functions find it through hostcall.current as
for the main thread, and `hostcall.current.thread` says which thread calls. Caught signals are
delivered in the main thread only. A thread that exits the process, traps or is killed ends the
whole process (Process.thread_ended).
"""

from __future__ import annotations

import errno
import logging
import threading
from typing import TYPE_CHECKING

import wasmtime

from . import hostcall, signals
from .proc import Exec, Exited, Killed, ThreadExit

if TYPE_CHECKING:
    from .proc import Process

log = logging.getLogger(__name__)
MAX_THREADS = 64  # per process, the main thread included
MAX_TID = 0x1FFFFFFF  # wasi-threads: tids are positive and leave the top bits to the futex word


class KThread:
    """One thread of a process besides its main one."""

    def __init__(
        self, proc: Process, tid: int, store: wasmtime.Store, start: wasmtime.Func, arg: int
    ) -> None:
        self.proc, self.tid, self.store, self.start = proc, tid, store, start
        self.mask = proc.signals.mask  # inherited, as pthread_create's; kept, never used
        self.os_thread = threading.Thread(
            target=self._run, args=(arg,), name=f"pid{proc.pid}t{tid}", daemon=True
        )

    def _run(self, arg: int) -> None:
        proc = self.proc
        hostcall.current.proc = proc
        hostcall.current.exc = None
        hostcall.current.thread = self
        status: int | None = None  # None: only this thread ends
        try:
            proc.call_wasm(self.start, self.tid, arg, store=self.store)
        except ThreadExit:
            pass
        except Exited as ex:
            status = ex.code << 8
        except Killed as ex:
            status = ex.sig
        except Exec:  # machine.exec refuses threads: not reached
            status = signals.SIGSYS
        except Exception:
            if not proc.kill_sig:
                log.exception("process %d thread %d crashed", proc.pid, self.tid)
            status = proc.kill_sig or signals.SIGSYS
        finally:
            self.store = None  # type: ignore[assignment]
            proc.thread_ended(self, status)


def spawn(proc: Process, arg: int) -> int:
    """`wasi.thread-spawn`: start a thread running `wasi_thread_start(tid, arg)`; its tid."""
    img = proc.image
    if img is None or img.shared is None:
        raise OSError(errno.ENOSYS, "threads need a shared memory")
    m = proc.machine
    with m.cond:
        _check_limits(proc)
    store, start = img.thread_instance()  # outside cond: instantiating takes a while
    with m.cond:
        _check_limits(proc)  # another thread may have spawned, or the process begun to end
        tid = proc.next_tid
        while tid in proc.threads:
            tid = tid % MAX_TID + 1
        proc.next_tid = tid % MAX_TID + 1
        thread = proc.threads[tid] = KThread(proc, tid, store, start, arg)
    try:
        thread.os_thread.start()
    except RuntimeError:  # the host could not make another OS thread
        with m.cond:
            del proc.threads[tid]
        raise OSError(errno.EAGAIN, "no more threads") from None
    return tid


def _check_limits(proc: Process) -> None:
    """EAGAIN past MAX_THREADS, the session's process limit or RLIMIT_NPROC (threads count as
    processes there) or once the process has begun to end. Holds cond."""
    if proc.end_status is not None or proc.kill_sig:
        raise OSError(errno.EAGAIN, "process ending")
    if 1 + len(proc.threads) >= MAX_THREADS:
        raise OSError(errno.EAGAIN, "thread limit reached")
    proc.machine.check_process_limit(proc)


def thread_spawn(proc: Process, arg: int) -> int:
    return spawn(proc, arg)


def thread_exit(proc: Process) -> int:
    raise ThreadExit()


def define_all(linker: wasmtime.Linker) -> None:
    hostcall.define(linker, "wasi", "thread-spawn", "I", thread_spawn, errno_sign=-1)
    hostcall.define(linker, "cowasm", "thread_exit", "", thread_exit, has_result=False)
