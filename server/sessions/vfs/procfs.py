"""/proc: the machine's process table as Linux lays it out, for ps, pgrep, pkill and top.

/proc/<pid>/{stat,status,cmdline,comm,statm,exe,fd/}, /proc/self (the caller), /proc/uptime,
/proc/meminfo and /proc/stat. Files are made when opened (a snapshot; stat says size 0, as on
Linux, so readers read to EOF). The caller's own fd/N links to /dev/fd/N, so that opening it
shares the open file (a pipe too), as on Linux; another process's name their files. Times are
in clock ticks (100 per second) since the machine started; memory is the process's wasm linear
memory. The fields follow Linux's fs/proc/array.c, with what a wasm process lacks (faults,
priority, signals) as zeroes.
"""

from __future__ import annotations

import errno
import time
from typing import TYPE_CHECKING

from .. import hostcall
from .base import DIR, FILE, SYMLINK, OpenFlags, Stat

if TYPE_CHECKING:
    from ..machine import Machine
    from ..proc import Process

HZ = 100
PAGE = 4096
_PID_FILES = ("cmdline", "comm", "stat", "statm", "status")
_PID_LINKS = ("exe",)
_PID_DIRS = ("fd",)
_TOP_FILES = ("meminfo", "stat", "uptime")


class SnapshotHandle:
    """A read-only open file over bytes made at open."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def pread(self, size: int, offset: int) -> bytes:
        return self.data[offset : offset + size]

    def pwrite(self, data: bytes | memoryview, offset: int) -> int:
        raise OSError(errno.EBADF, "read-only")

    def size(self) -> int:
        return 0

    def truncate(self, size: int) -> None:
        raise OSError(errno.EROFS, "/proc is read-only")

    def stat(self) -> Stat:
        return Stat(FILE, 0, 0o444)

    def chmod(self, mode: int) -> None:
        raise OSError(errno.EROFS, "/proc is read-only")

    set_times = chmod  # type: ignore[assignment]

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class ProcFS:
    readonly = True
    fstype = "proc"

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.boot_ns = time.monotonic_ns()
        self.boot_wall_ns = time.time_ns()

    def usage(self) -> tuple[int, int]:
        return 0, 0

    # -- the tree --
    def _proc(self, name: str) -> Process:
        proc = self.machine.procs.get(int(name)) if name.isdigit() else None
        if proc is None:
            raise OSError(errno.ENOENT, name)
        return proc

    def lstat(self, path: str) -> Stat:
        parts = path.split("/") if path else []
        booted = self.boot_wall_ns
        if not parts:
            return Stat(DIR, 0, 0o555, booted, booted, ino=1, nlink=2)
        if parts == ["self"]:
            return Stat(SYMLINK, 0, 0o777, booted, booted, ino=2)
        if len(parts) == 1 and parts[0] in _TOP_FILES:
            return Stat(FILE, 0, 0o444, booted, booted, ino=3 + _TOP_FILES.index(parts[0]))
        proc = self._proc(parts[0])
        ino = 16 * (proc.pid + 1)
        t = booted + proc.start_ns - self.boot_ns  # when it started
        if len(parts) == 1:
            return Stat(DIR, 0, 0o555, t, t, ino=ino, nlink=2)
        if len(parts) == 2 and parts[1] in _PID_FILES:
            return Stat(FILE, 0, 0o444, t, t, ino=ino + 1 + _PID_FILES.index(parts[1]))
        if len(parts) == 2 and parts[1] in _PID_LINKS and proc.exe:
            return Stat(SYMLINK, len(proc.exe), 0o777, t, t, ino=ino + 15)
        if len(parts) == 2 and parts[1] in _PID_DIRS:
            return Stat(DIR, 0, 0o500, t, t, ino=ino + 14, nlink=2)
        fd = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else -1
        if parts[1] == "fd" and fd in proc.fds.files:
            return Stat(SYMLINK, 64, 0o700, t, t, ino=(ino + 16) * 1024 + fd)
        raise OSError(errno.ENOENT, path)

    def listdir(self, path: str) -> list[str]:
        if self.lstat(path).kind != DIR:
            raise OSError(errno.ENOTDIR, path)
        if path.endswith("/fd"):
            return [str(fd) for fd in sorted(self._proc(path.split("/")[0]).fds.files)]
        if path:
            return [*_PID_FILES, *_PID_LINKS, *_PID_DIRS]
        with self.machine.cond:
            pids = sorted(self.machine.procs)
        return [*(str(p) for p in pids), "self", *_TOP_FILES]

    def readlink(self, path: str) -> str:
        caller = getattr(hostcall.current, "proc", None)  # None: the server itself asks
        if path == "self":
            if caller is None:
                raise OSError(errno.ENOENT, path)
            return str(caller.pid)
        if self.lstat(path).kind != SYMLINK:
            raise OSError(errno.EINVAL, path)
        parts = path.split("/")
        proc = self._proc(parts[0])
        if parts[1] == "exe":
            return proc.exe
        if proc is caller:
            return f"/dev/fd/{parts[2]}"
        file = proc.fds.files.get(int(parts[2]))
        return getattr(file, "path", None) or f"{type(file).__name__.lower()}:[{id(file)}]"

    def open(self, path: str, flags: OpenFlags) -> SnapshotHandle:
        if flags.write or flags.create or flags.truncate:
            raise OSError(errno.EROFS, "/proc is read-only")
        if self.lstat(path).kind != FILE:
            raise OSError(errno.EISDIR, path)
        if "/" not in path:
            return SnapshotHandle(getattr(self, f"_{path}")())
        pid, name = path.split("/")
        return SnapshotHandle(getattr(self, f"_pid_{name}")(self._proc(pid)))

    def _ro(self, *_args: object) -> None:
        raise OSError(errno.EROFS, "/proc is read-only")

    mkdir = rmdir = unlink = rename = symlink = chmod = set_times = _ro  # type: ignore[assignment]

    # -- what a file says --
    def _uptime(self) -> bytes:
        up = (time.monotonic_ns() - self.boot_ns) / 1e9
        return f"{up:.2f} {up:.2f}\n".encode()

    def _meminfo(self) -> bytes:
        """MemTotal is one process's memory limit: what top and ps take %MEM as a share of."""
        total = self.machine.limits.memory_bytes // 1024
        used = sum(_memory(p) for p in list(self.machine.procs.values())) // 1024
        return f"MemTotal: {total:>8} kB\nMemFree: {max(0, total - used):>9} kB\n".encode()

    def _stat(self) -> bytes:
        ticks = sum(_cpu_ns(p) for p in list(self.machine.procs.values())) * HZ // 10**9
        idle = max(0, (time.monotonic_ns() - self.boot_ns) * HZ // 10**9 - ticks)
        return f"cpu  {ticks} 0 0 {idle} 0 0 0 0 0 0\n".encode()

    def _pid_cmdline(self, proc: Process) -> bytes:
        return b"".join(arg + b"\0" for arg in proc.argv)

    def _pid_comm(self, proc: Process) -> bytes:
        return _comm(proc).encode(errors="replace") + b"\n"

    def _pid_stat(self, proc: Process) -> bytes:
        cpu = _cpu_ns(proc) * HZ // 10**9
        start = (proc.start_ns - self.boot_ns) * HZ // 10**9
        mem = _memory(proc)
        fields = [
            proc.pid, f"({_comm(proc)})", _state(proc), proc.ppid, proc.pgid, proc.sid,
            0, self.machine.tty.fg_pgrp, 0,  # tty_nr (no device numbers in WASI), tpgid, flags
            0, 0, 0, 0, cpu, 0, 0, 0,  # faults, utime, stime, cutime, cstime
            20, 0, 1 + len(proc.threads), 0, start, mem, mem // PAGE,  # priority, nice, threads,
            # starttime, vsz, rss
        ]  # fmt: skip
        return " ".join(str(f) for f in fields).encode(errors="replace") + b"\n"

    def _pid_statm(self, proc: Process) -> bytes:
        pages = _memory(proc) // PAGE
        return f"{pages} {pages} 0 0 0 {pages} 0\n".encode()

    def _pid_status(self, proc: Process) -> bytes:
        kb = _memory(proc) // 1024
        state = _state(proc)
        names = {"R": "running", "S": "sleeping", "T": "stopped", "Z": "zombie"}
        return (
            f"Name:\t{_comm(proc)}\nState:\t{state} ({names[state]})\nTgid:\t{proc.pid}\n"
            f"Pid:\t{proc.pid}\nPPid:\t{proc.ppid}\nUid:\t1000\t1000\t1000\t1000\n"
            f"Gid:\t1000\t1000\t1000\t1000\nVmSize:\t{kb:8} kB\nVmRSS:\t{kb:8} kB\n"
            f"Threads:\t{1 + len(proc.threads)}\n"
        ).encode(errors="replace")


def _comm(proc: Process) -> str:
    """The command's name as Linux keeps it: argv[0]'s last component, 15 bytes at most."""
    arg0 = proc.argv[0].rsplit(b"/", 1)[-1] if proc.argv else proc.name.encode()
    return arg0[:15].decode(errors="replace")


def _state(proc: Process) -> str:
    if proc.status is not None:
        return "Z"
    if proc.stopped:
        return "T"
    return "S" if proc.sleeping else "R"


def _memory(proc: Process) -> int:
    image = proc.image
    return image.memory.size if image is not None and proc.status is None else 0


def _cpu_ns(proc: Process) -> int:
    """CPU time of the process's main thread (its other threads' is not counted)."""
    thread = proc.thread
    if thread is None or thread.ident is None or not thread.is_alive():
        return proc.cpu_ns
    try:
        return time.clock_gettime_ns(time.pthread_getcpuclockid(thread.ident))
    except OSError:  # it ended meanwhile
        return proc.cpu_ns
