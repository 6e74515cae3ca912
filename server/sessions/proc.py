"""Processes: one wasm image in one worker thread, with a descriptor table, a cwd and signals.

The runner calls the image's `_start` and handles what comes back out of wasm:
- an asyncify unwind started by the `fork` import: clone the image into a child process, then
  rewind both (the parent gets the pid, the child 0);
- `Exec`: a new image replaces the old one in the same process;
- `Exited`/`Killed`: the process ends; the machine records the wait status.
Host exceptions cannot cross wasm frames, so host calls park them in `hostcall.current.exc` and
return a trap (see hostcall.py); `_call_wasm` re-raises them here.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import threading
import time
from typing import TYPE_CHECKING

import wasmtime

from . import hostcall, rlimit, signals
from .errno import wasi_errno
from .fd import FdTable
from .image import Image, Program
from .rlimit import Rlimits
from .signals import CAUGHT, CAUGHT_RESTART, DEFAULT, SignalState

if TYPE_CHECKING:
    from .kthread import KThread
    from .machine import Machine

log = logging.getLogger(__name__)
STRAGGLER_WAIT = 1.0  # seconds a dying process waits for threads busy in pure wasm


class Exited(hostcall.Exit):
    def __init__(self, code: int) -> None:
        self.code = code & 0xFF


class Killed(hostcall.Exit):
    def __init__(self, sig: int) -> None:
        self.sig = sig


class ThreadExit(hostcall.Exit):
    """`cowasm.thread_exit`: the calling thread ends, the process lives on (pthread_exit)."""


class Exec(hostcall.Exit):
    def __init__(self, program: Program, argv: list[bytes], exe: str, env: list[bytes]) -> None:
        self.program, self.argv, self.exe, self.env = program, argv, exe, env


class Process:
    def __init__(self, machine: Machine, pid: int, parent: Process | None) -> None:
        self.machine = machine
        self.pid = pid
        self.ppid = parent.pid if parent else 0
        self.pgid = parent.pgid if parent else pid
        self.sid = parent.sid if parent else pid
        self.fds = parent.fds.fork() if parent else FdTable(machine.limits.open_files)
        self.cwd = parent.cwd if parent else "/"
        self.umask = parent.umask if parent else 0o022
        self.rlimits = parent.rlimits.copy() if parent else Rlimits(machine.limits)
        self.signals = parent.signals.fork() if parent else SignalState()
        self.argv: list[bytes] = list(parent.argv) if parent else []
        self.env: list[bytes] = list(parent.env) if parent else []
        self.exe = parent.exe if parent else ""  # the program file's path (/proc/PID/exe)
        self.image: Image | None = None
        self.children: set[int] = set()
        self.status: int | None = None  # wait status once a zombie
        self.stopped = 0  # the stop signal while stopped
        self.stop_reported = False  # a WUNTRACED wait reports a stop once
        self.kill_sig = 0  # a terminating signal to act on at the next epoch tick
        self.fork_result = 0
        self.alarm: threading.Timer | None = None
        self.thread: threading.Thread | None = None
        self.start_ns = time.monotonic_ns()
        self.sleeping = False  # waiting in Machine.block (ps shows S, else R)
        self.cpu_ns = 0  # its thread's CPU time, once it has exited
        # Threads besides the main one (wasi-threads, kthread.py), by tid; all share the image's
        # memory. The first to end the whole process sets end_status and reports it.
        self.threads: dict[int, KThread] = {}
        self.next_tid = 1
        self.end_status: int | None = None
        self.main_done = False

    @property
    def name(self) -> str:
        return self.image.program.name if self.image else ""

    def set_rlimit(self, resource: int, cur: int, hard: int) -> None:
        self.rlimits.set(resource, cur, hard)
        if resource == rlimit.NOFILE:  # open descriptors stay; new ones must fit under it
            self.fds.limit = min(cur, self.machine.limits.open_files)

    # -- sessions and process groups --
    def set_group(self, pgid: int) -> None:
        """setpgid: join group `pgid`, or lead a new one when it is 0."""
        if pgid < 0:
            raise OSError(errno.EINVAL, "negative process group")
        self.pgid = pgid or self.pid

    def new_session(self) -> None:
        """setsid: lead a new session and a new process group."""
        if self.pgid == self.pid:
            raise OSError(errno.EPERM, "already a group leader")
        self.sid = self.pgid = self.pid

    # -- running --
    def start(self, rewind: bool = False) -> None:
        self.thread = threading.Thread(
            target=self._run, args=(rewind,), name=f"pid{self.pid}", daemon=True
        )
        self.thread.start()

    def _run(self, rewind: bool) -> None:
        hostcall.current.proc = self
        hostcall.current.exc = None
        hostcall.current.thread = None  # the main thread
        status = 0
        try:
            while True:
                try:
                    self._call_start(rewind)
                    rewind = self._forked()
                    if not rewind:
                        raise Exited(0)
                except Exec as ex:
                    self.fds.exec()
                    self.signals.exec()
                    self.argv, self.exe, self.env = ex.argv, ex.exe, ex.env
                    self.image = Image(ex.program, self.rlimits.memory)
                    rewind = False
        except ThreadExit:
            status = self._outlive_main()
        except Exited as ex:
            status = ex.code << 8
        except Killed as ex:
            status = ex.sig
        except Exception:
            if not self.kill_sig:  # else: killed while the host was calling into the image
                log.exception("process %d crashed", self.pid)
            status = self.kill_sig or signals.SIGSYS
        finally:
            self.cpu_ns = time.thread_time_ns()
            self.thread_ended(None, status)

    def _outlive_main(self) -> int:
        """pthread_exit in the main thread: the process lives until its other threads end
        (status 0) or something ends it (then that status)."""
        with self.machine.cond:
            while self.threads and self.end_status is None and not self.kill_sig:
                self.machine.cond.wait()
            return self.kill_sig or 0

    def thread_ended(self, thread: KThread | None, status: int | None) -> None:
        """A thread (None: the main one) left wasm. With a status it ends the whole process:
        the first to do so stops the others and, once they are gone (or after STRAGGLER_WAIT,
        for one busy in wasm that nothing can stop), reports the process to the machine."""
        m = self.machine
        with m.cond:
            if thread is None:
                self.main_done = True
            else:
                self.threads.pop(thread.tid, None)
            reporter = status is not None and self.end_status is None
            if reporter:
                self.end_status = status
                if self.threads or not self.main_done:
                    self._stop_threads()
            m.cond.notify_all()
            if not reporter:
                return
            deadline = time.monotonic() + STRAGGLER_WAIT
            while self.threads or not self.main_done:
                left = deadline - time.monotonic()
                if left <= 0:
                    log.warning("process %d: %d threads still busy", self.pid, len(self.threads))
                    break
                m.cond.wait(left)
        self.image = None
        m.exit(self, status)  # type: ignore[arg-type]

    def _stop_threads(self) -> None:
        """Make every other thread end (holds cond): its next host call raises Killed (the
        pending SIGKILL bit sends it through deliver_signals), a wait in Machine.block wakes,
        and wasm waits see the interrupt word, which stays set while the process dies."""
        self.kill_sig = self.kill_sig or signals.SIGKILL
        self.signals.pending |= signals.bit(signals.SIGKILL)
        self.interrupt(self.kill_sig)

    def _call_start(self, rewind: bool) -> None:
        img = self.image
        assert img is not None
        if rewind:
            img.call("asyncify_start_rewind", img.fork_buf)
        self.call_wasm(img.start)

    def call_wasm(
        self, func: wasmtime.Func, *args: int, store: wasmtime.Store | None = None
    ) -> None:
        """Call into wasm in the main thread's store, or another thread's `store`."""
        if store is None:
            img = self.image
            assert img is not None
            store = img.store
        try:
            func(store, *args)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as trap:
            exc, hostcall.current.exc = hostcall.current.exc, None
            if exc is not None:
                raise exc from None
            if self.kill_sig:
                raise Killed(self.kill_sig) from None
            self.report_trap(trap)
            raise Killed(signals.SIGSEGV) from None

    def report_trap(self, trap: Exception) -> None:
        lines = [ln for ln in str(trap).strip().splitlines() if ln.strip()]
        first = lines[-1].strip().removeprefix("wasm trap: ") if lines else "trap"
        log.debug("process %d trapped: %s", self.pid, trap)
        if "stack" in first and "exhausted" in first:
            first = "stack overflow (call stack exhausted)"
        msg = f"{self.name}: wasm trap: {first}\n".encode()
        with contextlib.suppress(OSError):
            self.fds.get(2).write(self, msg)

    # -- fork --
    def fork_request(self) -> int:
        """The `fork` import. First call: start the unwind. Second (rewinding): the result."""
        img = self.image
        assert img is not None
        if not img.program.forks or not img.fork_buf:
            raise OSError(errno.ENOSYS, "fork needs an asyncify build")
        if self.threads or hostcall.current.thread is not None:
            raise OSError(errno.ENOSYS, "fork of a process with threads")
        if img.asyncify_state() == 2:
            img.call("asyncify_stop_rewind")
            return self.fork_result
        self.machine.check_process_limit(self)
        # The header's end was set by libcowasm; the unwind starts at the beginning of the data.
        img.memory.put_u32(img.fork_buf, img.fork_buf + 8)
        img.call("asyncify_start_unwind", img.fork_buf)
        return 0

    def _forked(self) -> bool:
        """After `_start` returned: if it unwound for fork, make the child and rewind both."""
        img = self.image
        assert img is not None
        if img.asyncify_state() != 1:
            return False
        img.call("asyncify_stop_unwind")
        try:
            child = self.machine.fork(self)
        except OSError as err:
            self.fork_result = -wasi_errno(err.errno)
            return True
        self.fork_result = child.pid
        child.start(rewind=True)
        return True

    # -- signals --
    def deliver_signals(self) -> bool:
        """Act on pending signals at a syscall boundary (called on the way out of every import).
        True when handlers ran and every one was installed with SA_RESTART: a blocking call
        they interrupted is to be restarted (hostcall.define)."""
        if self.kill_sig:
            raise Killed(self.kill_sig)
        if hostcall.current.thread is not None:
            return False  # caught signals run in the main thread only, as CPython wants
        img = self.image
        if img is None or (img.program.forks and img.asyncify_state() != 0):
            return False  # mid-unwind or mid-rewind: deliver after the fork completes
        m = self.machine
        ran = interrupting = False
        while True:
            with m.cond:
                sig = self.signals.take()
                if not sig:
                    return ran and not interrupting
                disp = self.signals.disp[sig]
                if disp >= CAUGHT and sig not in signals.UNCATCHABLE and img.signal_fn:
                    saved = self.signals.mask
                    self.signals.mask |= signals.bit(sig)
                    ran = True
                    interrupting |= disp != CAUGHT_RESTART
                elif disp == DEFAULT and sig in signals.STOPPING:
                    self.stop(sig)
                    continue
                elif disp == DEFAULT and sig not in signals.IGNORED_BY_DEFAULT:
                    raise Killed(sig)
                else:
                    continue
            try:
                self.call_wasm(img.signal_fn, sig)  # type: ignore[arg-type]
            finally:
                with m.cond:
                    self.signals.mask = saved

    def stop(self, sig: int) -> None:
        """Default action of SIGTSTP and friends: sleep until SIGCONT (or death). Holds cond."""
        m = self.machine
        self.stopped = sig
        m.child_changed(self)
        if self.threads:  # the others park at their next look at the word (pause_thread)
            self.interrupt(sig)
        while self.stopped and not self.kill_sig:
            m.cond.wait()
        self.stopped = 0

    def pause_thread(self) -> None:
        """Another thread's share of a stop: wait while the process is stopped. Holds cond."""
        while self.stopped and not self.kill_sig:
            self.machine.cond.wait()

    def on_tick(self) -> bool:
        """Epoch tick in this process's thread (programs without an interrupt word): True to
        trap it now, for a terminating signal."""
        return bool(self.kill_sig)

    def interrupt(self, sig: int) -> None:
        """Tell a program that checks libcowasm's interrupt word (python, dash) that a signal
        waits: it calls `poll_signals` at its next check. Any thread may write the word."""
        img = self.image
        if img is not None and img.interrupt_addr:
            hostcall._i32_at(img.memory.base + img.interrupt_addr).value = sig
