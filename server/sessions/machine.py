"""The machine of one session: its process table, terminal and file tree.

One condition variable guards all of a machine's shared state (pipes, the terminal's input, the
process table); every change that a waiter may be waiting for notifies it (pipes skip the
notification when nobody waits for their change) and every blocking call waits on it, so a
signal only has to notify to interrupt any wait. Processes are few per session, which keeps
this simple design cheap.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from . import hostcall, image, rlimit, signals
from .fd import DirFile, OpenFile
from .fifo import FifoTable
from .proc import Exec, Process
from .signals import SIGCHLD, SIGCONT, SIGKILL, STOPPING
from .tty import Tty, TtyFile
from .vfs.base import FILE, read_file
from .vfs.tree import Tree

if TYPE_CHECKING:
    from .session import Limits

log = logging.getLogger(__name__)
WNOHANG, WUNTRACED = 1, 2
MAX_SHEBANG_DEPTH = 4


class Machine:
    def __init__(
        self,
        tree: Tree,
        limits: Limits,
        output: Callable[[bytes], None],
        on_exit: Callable[[int], None],
        rows: int = 24,
        cols: int = 80,
    ) -> None:
        self.tree = tree
        self.limits = limits
        self.on_exit = on_exit
        self.cond = threading.Condition(threading.RLock())
        self.procs: dict[int, Process] = {}
        self.next_pid = 1
        self.tty = Tty(self, output, rows, cols)
        self.fifos = FifoTable(self)
        self.halted = False
        self.init: Process | None = None  # pid 1 (start_init)
        # The leader's end ends the machine; with wait_orphans (the CLI's `sh -c`) the processes
        # left behind run to their end first, as the host's orphans would; its status counts.
        self.leader_pid = 1
        self.wait_orphans = False
        self.leader_status: int | None = None
        self.ended = False
        self.awaited: dict[int, int] = {}  # pid -> pipe readers lingering for its writes
        self.pollers = 0  # processes in poll_oneoff: every pipe change concerns them

    # -- waiting --
    def block(self, proc: Process, ready: Callable[[], bool], timeout: float | None = None) -> bool:
        """Wait (holding cond) until `ready()`; False on timeout. EINTR if a signal arrives."""
        proc.sleeping = True
        if proc.pid in self.awaited:  # readers lingering for its output need wait no more
            self.cond.notify_all()
        try:
            return self._block(proc, ready, timeout)
        finally:
            proc.sleeping = False

    def _block(self, proc: Process, ready: Callable[[], bool], timeout: float | None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        if getattr(hostcall.current, "thread", None) is not None:
            return self._block_thread(proc, ready, deadline)
        while not ready():
            if proc.signals.deliverable and not proc.kill_sig:
                stop = proc.signals.take_stop()
                if stop:  # stopping and continuing does not interrupt the call
                    proc.stop(stop)
                    continue
            if proc.signals.deliverable or proc.kill_sig:
                raise InterruptedError(errno.EINTR, "interrupted")
            if not self._wait(deadline):
                return False
        return True

    def _block_thread(
        self, proc: Process, ready: Callable[[], bool], deadline: float | None
    ) -> bool:
        """The same for a thread other than the main one: signals are the main thread's, so
        only the process's end (kill_sig) interrupts its wait; it stays stopped with them."""
        while proc.stopped or not ready():
            if proc.kill_sig:
                raise InterruptedError(errno.EINTR, "interrupted")
            if not self._wait(None if proc.stopped else deadline):
                return False
        return True

    def _wait(self, deadline: float | None) -> bool:
        """Wait on cond (held) until notified or the deadline; False once it has passed."""
        if deadline is None:
            self.cond.wait()
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self.cond.wait(left)
        return True

    # -- creating processes --
    def _new_process(self, parent: Process | None) -> Process:
        with self.cond:
            if self.halted:
                raise OSError(errno.EAGAIN, "machine halted")
            if parent is not None and parent.kill_sig:  # dying (a thread's last call, say)
                raise OSError(errno.EAGAIN, "process ending")
            self.check_process_limit(parent)
            pid = self.next_pid
            self.next_pid += 1
            proc = Process(self, pid, parent)
            self.procs[pid] = proc
            if parent:
                parent.children.add(pid)
            return proc

    def check_process_limit(self, parent: Process | None = None) -> None:
        """EAGAIN at the session's process limit or the parent's RLIMIT_NPROC; threads count
        as processes, as Linux counts them for RLIMIT_NPROC."""
        with self.cond:
            live = sum(
                1 + len(p.threads)
                for p in self.procs.values()
                if p.status is None and p is not self.init
            )
        limit = self.limits.processes
        if parent is not None:
            limit = min(limit, parent.rlimits.cur(rlimit.NPROC))
        if live >= limit:
            raise OSError(errno.EAGAIN, "process limit reached")

    def start_init(
        self, argv: list[str], env: dict[str, str], cwd: str, stdio: list[OpenFile] | None = None
    ) -> Process:
        """The session's first program (pid 2, its shell), on the terminal (or on `stdio`, for
        the CLI). Its parent is pid 1, init: the kernel's, never run, it adopts orphans and
        reaps them at once (so the shell's $PPID is 1, as a login shell's is some process)."""
        init = self.init = self._new_process(None)
        init.argv, init.sleeping = [b"init"], True
        proc = self._new_process(init)
        proc.sid = proc.pgid = self.leader_pid = proc.pid
        if stdio:
            for file in stdio:
                proc.fds.install(file)
        else:
            proc.fds.install(TtyFile(self.tty))
            proc.fds.dup2(0, 1)
            proc.fds.dup2(0, 2)
        root = self.tree.resolve("/")
        proc.fds.install(DirFile(root.backend, root.rel, "/"))  # fd 3: the preopen
        proc.cwd = cwd
        self.tty.fg_pgrp = proc.pgid
        self._load(
            proc, argv[0], [a.encode() for a in argv], [f"{k}={v}".encode() for k, v in env.items()]
        )
        proc.start()
        return proc

    def _load(self, proc: Process, path: str, argv: list[bytes], env: list[bytes]) -> None:
        prog, argv, proc.exe = self.find_program(proc, path, argv)
        proc.argv, proc.env = argv, env
        proc.image = image.Image(prog, proc.rlimits.memory)

    def fork(self, parent: Process) -> Process:
        child = self._new_process(parent)
        try:
            child.image = parent.image.clone(parent.rlimits.memory)  # type: ignore[union-attr]
        except Exception:
            self._discard(child)
            raise
        return child

    def spawn(
        self,
        parent: Process,
        path: str,
        argv: list[bytes],
        env: list[bytes],
        fdmap: list[int],
        setsid: bool = False,
        pgid: int | None = None,
    ) -> Process:
        """posix_spawn; the child's new session (setsid) or group (pgid, 0 for its own) is made
        before it runs, as the child itself would before its exec."""
        child = self._new_process(parent)
        try:
            if setsid:
                child.new_session()
            elif pgid is not None:
                child.set_group(pgid)
            for fd, src in enumerate(fdmap):  # -1: closed in the child
                child.fds.close(fd, missing_ok=True)
                if src >= 0:
                    child.fds.files[fd] = parent.fds.get(src).incref()
            child.fds.exec()
            child.signals.exec()  # caught signals are the parent's handlers: default again
            self._load(child, path, argv, env)
        except BaseException:
            self._discard(child)
            raise
        child.start()
        return child

    def _discard(self, proc: Process) -> None:
        with self.cond:
            proc.fds.close_all()
            self.procs.pop(proc.pid, None)
            parent = self.procs.get(proc.ppid)
            if parent:
                parent.children.discard(proc.pid)

    def exec(self, proc: Process, path: str, argv: list[bytes], env: list[bytes]) -> Exec:
        if proc.threads or hostcall.current.thread is not None:
            raise OSError(errno.ENOSYS, "execve in a process with threads")
        program, argv, exe = self.find_program(proc, path, argv)
        if program.min_memory > proc.rlimits.memory:  # fail while the old image can go on
            raise OSError(errno.ENOMEM, path)
        return Exec(program, argv, exe, env)

    def find_program(
        self, proc: Process, path: str, argv: list[bytes]
    ) -> tuple[image.Program, list[bytes], str]:
        """Resolve `path` to a program, its argv and its file's path (/proc/PID/exe); `#!`
        scripts become their interpreter's argv."""
        for _ in range(MAX_SHEBANG_DEPTH):
            res = self.tree.resolve(path, proc.cwd)
            st = res.backend.lstat(res.rel)
            if st.kind != FILE or not st.mode & 0o100:  # the user's execute bit (wasi.check_access)
                raise OSError(errno.EACCES, path)
            head = read_file(res.backend, res.rel, 256)
            if head.startswith(b"\0asm"):
                host = getattr(res.backend, "host_file", None)
                host_path = host(res.rel) if host else None
                if host_path:  # /bin's programs: loaded once per path, not re-read and hashed
                    return image.load_file(host_path), argv, res.path
                data = read_file(res.backend, res.rel)
                return image.load_bytes(res.path.rsplit("/", 1)[-1], data), argv, res.path
            if not head.startswith(b"#!"):
                raise OSError(errno.ENOEXEC, path)
            line = head[2:].split(b"\n", 1)[0].strip().split(None, 1)
            if not line:
                raise OSError(errno.ENOEXEC, path)
            argv = [line[0], *line[1:], path.encode(), *argv[1:]]
            path = line[0].decode()
        raise OSError(errno.ELOOP, path)

    # -- ending processes --
    def exit(self, proc: Process, status: int) -> None:
        proc.fds.close_all()
        if proc.alarm:
            proc.alarm.cancel()
        with self.cond:
            proc.status = status
            init = self.procs.get(1)
            for pid in proc.children:
                child = self.procs.get(pid)
                if child and init and init is not proc:
                    child.ppid = 1
                    init.children.add(pid)
            proc.children.clear()
            parent = self.procs.get(proc.ppid)
            if parent is None or parent.status is not None or parent is self.init:
                self.procs.pop(proc.pid, None)  # nobody will wait: reap now
                if parent is not None:
                    parent.children.discard(proc.pid)
            elif parent.signals.disp[SIGCHLD] == signals.IGNORE:
                self.procs.pop(proc.pid, None)
                parent.children.discard(proc.pid)
            else:
                self.send_signal(parent, SIGCHLD)
            self.cond.notify_all()
        with self.cond:
            if proc.pid == self.leader_pid:
                self.leader_status = status
            last = self.leader_status is not None and not self.ended
            if last and self.wait_orphans:
                last = not self.live_processes()
            self.ended = self.ended or last
        if last:
            self.halt()
            self.on_exit(self.leader_status)  # type: ignore[arg-type]

    def halt(self) -> None:
        """Kill every process (the session ends or stops)."""
        with self.cond:
            self.halted = True
            for p in list(self.procs.values()):
                if p.status is None:
                    self.send_signal(p, SIGKILL)
            self.cond.notify_all()

    def child_changed(self, proc: Process) -> None:
        parent = self.procs.get(proc.ppid)
        if parent:
            self.send_signal(parent, SIGCHLD)
        self.cond.notify_all()

    def wait(self, proc: Process, pid: int, options: int) -> tuple[int, int]:
        """waitpid(2): (pid, status) of a changed child, (0, 0) with WNOHANG and none."""
        with self.cond:
            while (found := self._changed_child(proc, pid, options)) is None:
                if options & WNOHANG:
                    return 0, 0
                self.block(proc, lambda: self._changed_child(proc, pid, options) is not None)
            child, status = found
            if status & 0x7F == 0x7F:
                child.stop_reported = True
            else:
                proc.children.discard(child.pid)
                self.procs.pop(child.pid, None)
            return child.pid, status

    def _changed_child(self, proc: Process, pid: int, options: int) -> tuple[Process, int] | None:
        """A child matching waitpid's `pid` that exited (or stopped, with WUNTRACED)."""
        kids = [self.procs[c] for c in proc.children if c in self.procs]
        match = [
            k for k in kids
            if pid == -1 or k.pid == pid or (pid == 0 and k.pgid == proc.pgid)
            or (pid < -1 and k.pgid == -pid)
        ]  # fmt: skip
        if not match:
            raise OSError(errno.ECHILD, "no child")
        for k in match:
            if k.status is not None:
                return k, k.status
            if options & WUNTRACED and k.stopped and not k.stop_reported:
                return k, (k.stopped << 8) | 0x7F
        return None

    # -- signals --
    def send_signal(self, proc: Process, sig: int) -> None:
        with self.cond:
            if proc.status is not None or sig == 0 or proc is self.init:
                return
            if sig == SIGCONT and proc.stopped:
                proc.stopped = 0
                proc.stop_reported = False
            if not proc.signals.wants(sig):
                self.cond.notify_all()
                return
            if sig in STOPPING and proc.signals.disp[sig] == signals.DEFAULT and proc.stopped:
                return
            proc.signals.pending |= signals.bit(sig)
            disp = proc.signals.disp[sig]
            blocked = proc.signals.mask & signals.bit(sig) and sig != SIGKILL
            if not blocked and (
                sig == SIGKILL
                or (disp == signals.DEFAULT and sig not in STOPPING
                    and sig not in signals.IGNORED_BY_DEFAULT)
            ):  # fmt: skip
                proc.kill_sig = sig  # stops it even in the middle of pure computation
            if not blocked:
                proc.interrupt(sig)
            self.cond.notify_all()

    def kill(self, sender: Process, pid: int, sig: int) -> None:
        if not 0 <= sig < signals.NSIG:
            raise OSError(errno.EINVAL, "bad signal")
        with self.cond:
            if pid > 0:
                targets = [self.procs[pid]] if pid in self.procs else []
            elif pid == 0:
                targets = [p for p in self.procs.values() if p.pgid == sender.pgid]
            elif pid == -1:
                targets = [p for p in self.procs.values() if p.pid != 1 and p is not sender]
            else:
                targets = [p for p in self.procs.values() if p.pgid == -pid]
            targets = [p for p in targets if p.status is None]
            if not targets:
                raise OSError(errno.ESRCH, "no such process")
            for p in targets:
                self.send_signal(p, sig)

    def signal_group(self, pgid: int, sig: int) -> None:
        with self.cond:
            for p in list(self.procs.values()):
                if p.pgid == pgid and p.status is None:
                    self.send_signal(p, sig)

    def live_processes(self) -> int:
        with self.cond:
            return sum(1 for p in self.procs.values() if p.status is None and p is not self.init)
