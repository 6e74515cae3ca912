"""The `cowasm` import module: what WASI lacks (docs/abi.md is the exact contract).

Handlers decode arguments and call the machine (process table, signals), the descriptor table
or the terminal. Results are >= 0 on success and -errno (WASI numbering) on failure.
"""

from __future__ import annotations

import contextlib
import errno
import struct
import threading
import time
from typing import TYPE_CHECKING

import wasmtime

from . import hostcall, signals, wasi
from .fd import DirFile
from .pipe import Pipe
from .tty import TtyFile

if TYPE_CHECKING:
    from .proc import Process

O_CLOEXEC, O_NONBLOCK = 0x80000, 4
_WINSIZE = struct.Struct("<4H")
# statvfs: block size, blocks, free blocks, files, free files (u64); flags, name max (u32).
_STATVFS = struct.Struct("<QQQQQII")
BLOCK = 4096
ST_RDONLY = 1
_RLIMIT = struct.Struct("<QQ")


def _mem(proc: Process) -> hostcall.Memory:
    return proc.image.memory  # type: ignore[union-attr]


def _str(proc: Process, ptr: int) -> str:
    return _mem(proc).cstring(ptr).decode("utf-8", "surrogateescape")


# -- processes --
def getpid(proc: Process) -> int:
    return proc.pid


def getppid(proc: Process) -> int:
    return proc.ppid


def fork(proc: Process) -> int:
    return proc.fork_request()


def execve(proc: Process, path: int, argv: int, envp: int) -> int:
    mem = _mem(proc)
    raise proc.machine.exec(
        proc, _str(proc, path), mem.cstring_array(argv), mem.cstring_array(envp)
    )


SPAWN_SETSID, SPAWN_SETPGROUP = 1, 2


def spawn(
    proc: Process, path: int, argv: int, envp: int, fdmap: int, nfdmap: int, flags: int, pgid: int
) -> int:
    mem = _mem(proc)
    fds = list(struct.unpack(f"<{nfdmap}i", mem.read(fdmap, 4 * nfdmap))) if nfdmap else []
    child = proc.machine.spawn(
        proc, _str(proc, path), mem.cstring_array(argv), mem.cstring_array(envp), fds,
        setsid=bool(flags & SPAWN_SETSID),
        pgid=pgid if flags & SPAWN_SETPGROUP else None,
    )  # fmt: skip
    return child.pid


def waitpid(proc: Process, pid: int, status_ptr: int, options: int) -> int:
    got, status = proc.machine.wait(proc, pid, options)
    if got and status_ptr:
        _mem(proc).put_i32(status_ptr, status)
    return got


def exit_group(proc: Process, code: int) -> int:
    from .proc import Exited

    raise Exited(code)


def kill(proc: Process, pid: int, sig: int) -> int:
    proc.machine.kill(proc, pid, sig)
    return 0


def _target(proc: Process, pid: int) -> Process:
    if pid == 0:
        return proc
    target = proc.machine.procs.get(pid)
    if target is None or target.status is not None:
        raise OSError(errno.ESRCH, "no such process")
    return target


def setpgid(proc: Process, pid: int, pgid: int) -> int:
    _target(proc, pid).set_group(pgid)
    return 0


def getpgid(proc: Process, pid: int) -> int:
    return _target(proc, pid).pgid


def setsid(proc: Process) -> int:
    proc.new_session()
    return proc.sid


def getsid(proc: Process, pid: int) -> int:
    return _target(proc, pid).sid


# -- descriptors --
def pipe2(proc: Process, fds_ptr: int, flags: int) -> int:
    r, w = Pipe(proc.machine).ends()
    for end in (r, w):
        end.nonblock = bool(flags & O_NONBLOCK)
    rfd = proc.fds.install(r, cloexec=bool(flags & O_CLOEXEC))
    try:
        wfd = proc.fds.install(w, cloexec=bool(flags & O_CLOEXEC))
    except OSError:
        proc.fds.close(rfd)
        raise
    _mem(proc).write(fds_ptr, struct.pack("<ii", rfd, wfd))
    return 0


def dup(proc: Process, fd: int) -> int:
    return proc.fds.install(proc.fds.get(fd).incref())


def dup3(proc: Process, old: int, new: int, flags: int) -> int:
    return proc.fds.dup2(old, new, cloexec=bool(flags & O_CLOEXEC))


def dupfd(proc: Process, fd: int, minfd: int, cloexec: int) -> int:
    return proc.fds.install(proc.fds.get(fd).incref(), minfd, bool(cloexec))


def cloexec(proc: Process, fd: int, value: int) -> int:
    proc.fds.get(fd)
    if value == 1:
        proc.fds.cloexec.add(fd)
    elif value == 0:
        proc.fds.cloexec.discard(fd)
    return int(fd in proc.fds.cloexec)


# -- files --
def chdir(proc: Process, path: int) -> int:
    res = proc.machine.tree.resolve(_str(proc, path), proc.cwd)
    if res.backend.lstat(res.rel).kind != "dir":
        raise OSError(errno.ENOTDIR, res.path)
    proc.cwd = res.path
    return 0


def getcwd(proc: Process, buf: int, size: int) -> int:
    data = proc.cwd.encode() + b"\0"
    if len(data) > size:
        raise OSError(errno.ERANGE, "buffer too small")
    _mem(proc).write(buf, data)
    return len(data) - 1


def umask(proc: Process, mask: int) -> int:
    old, proc.umask = proc.umask, mask & 0o777
    return old


def _resolve_at(proc: Process, dirfd: int, path: int, follow: bool = True):  # type: ignore[no-untyped-def]
    name = _str(proc, path)
    base = proc.cwd
    if not name.startswith("/") and dirfd >= 0:
        d = proc.fds.get(dirfd)
        if isinstance(d, DirFile):
            base = d.path
    return proc.machine.tree.resolve(name, base, follow)


def chmod(proc: Process, path: int, mode: int) -> int:
    res = _resolve_at(proc, -1, path)
    res.backend.chmod(res.rel, mode)
    return 0


def fchmod(proc: Process, fd: int, mode: int) -> int:
    proc.fds.get(fd).chmod(mode)
    return 0


def mode(proc: Process, dirfd: int, path: int, follow: int) -> int:
    if path == 0:
        return proc.fds.get(dirfd).stat().st_mode
    res = _resolve_at(proc, dirfd, path, bool(follow))
    return res.backend.lstat(res.rel).st_mode


def mkfifo(proc: Process, dirfd: int, path: int, mode: int) -> int:
    res = _resolve_at(proc, dirfd, path, follow=False)
    try:
        res.backend.lstat(res.rel)
    except FileNotFoundError:
        pass
    else:
        raise OSError(errno.EEXIST, res.path)
    wasi.check_parent(proc, res)
    make = getattr(res.backend, "mkfifo", None)
    if make is None:  # /dev, /proc, the shared file tree: no FIFOs there
        raise OSError(errno.EROFS if res.backend.readonly else errno.EPERM, res.path)
    make(res.rel, mode & 0o7777 & ~proc.umask)
    return 0


def statvfs(proc: Process, dirfd: int, path: int, buf: int) -> int:
    # path 0 is fstatvfs: a pipe or terminal is on no mounted tree, so it has no room
    file = proc.fds.get(dirfd) if path == 0 else None
    backend = file.backend if file is not None else _resolve_at(proc, dirfd, path).backend
    size, free = backend.usage() if backend else (0, 0)
    flags = ST_RDONLY if backend and backend.readonly else 0
    info = _STATVFS.pack(BLOCK, size // BLOCK, free // BLOCK, 0, 0, flags, 255)
    _mem(proc).write(buf, info)
    return 0


def rlimit(proc: Process, resource: int, new_ptr: int, old_ptr: int) -> int:
    """getrlimit (old_ptr) and setrlimit (new_ptr): {u64 cur, u64 max}."""
    if old_ptr:
        _mem(proc).write(old_ptr, _RLIMIT.pack(*proc.rlimits.get(resource)))
    if new_ptr:
        proc.set_rlimit(resource, *_RLIMIT.unpack(_mem(proc).read(new_ptr, 16)))
    return 0


# -- signals --
def sigaction(proc: Process, sig: int, disp: int) -> int:
    if not 0 < sig < signals.NSIG or disp not in (0, 1, 2, 3):
        raise OSError(errno.EINVAL, "bad signal")
    if sig in signals.UNCATCHABLE:
        raise OSError(errno.EINVAL, "cannot catch")
    with proc.machine.cond:
        old = proc.signals.disp[sig]
        proc.signals.disp[sig] = disp
        if disp == signals.IGNORE:
            proc.signals.pending &= ~signals.bit(sig)
    return old


def sigprocmask(proc: Process, how: int, mask: int, has_mask: int, old_ptr: int) -> int:
    mask &= 0xFFFFFFFF
    # Signals are delivered in the main thread only, so another thread's mask (its own, as
    # pthread_sigmask's is) is kept for it and changes nothing.
    thread = hostcall.current.thread
    with proc.machine.cond:
        old = proc.signals.mask if thread is None else thread.mask
        new = old
        if has_mask:
            if how == 0:
                new = old | mask
            elif how == 1:
                new = old & ~mask
            elif how == 2:
                new = mask
            else:
                raise OSError(errno.EINVAL, "bad how")
        if thread is None:
            proc.signals.mask = new
        else:
            thread.mask = new
    if old_ptr:
        _mem(proc).put_u32(old_ptr, old)
    return 0


def sigsuspend(proc: Process, mask: int) -> int:
    m = proc.machine
    if hostcall.current.thread is not None:  # no signal is delivered here: wait for the end
        with m.cond:
            m.block(proc, lambda: False)
    with m.cond:
        saved = proc.signals.mask
        proc.signals.mask = mask & 0xFFFFFFFF
        with contextlib.suppress(InterruptedError):
            m.block(proc, lambda: False)
    try:
        proc.deliver_signals()  # handlers run under the temporary mask
    finally:
        with m.cond:
            proc.signals.mask = saved
    raise InterruptedError(errno.EINTR, "sigsuspend")


def sigpending(proc: Process, ptr: int) -> int:
    _mem(proc).put_u32(ptr, proc.signals.pending)
    return 0


def alarm(proc: Process, seconds: int) -> int:
    old = proc.alarm
    remaining = 0
    if old is not None:
        old.cancel()
        remaining = max(0, round(getattr(old, "due", 0) - time.monotonic()))
    proc.alarm = None
    if seconds:
        timer = threading.Timer(seconds, proc.machine.send_signal, (proc, signals.SIGALRM))
        timer.due = time.monotonic() + seconds  # type: ignore[attr-defined]
        timer.daemon = True
        timer.start()
        proc.alarm = timer
    return remaining


def poll_signals(proc: Process) -> int:
    # The word is the whole process's: only the main thread, which delivers signals, clears
    # it, and never while the process dies (its other threads must still see it).
    img = proc.image
    main = hostcall.current.thread is None
    if img is not None and img.interrupt_addr and main and not proc.kill_sig:
        hostcall._i32_at(img.memory.base + img.interrupt_addr).value = 0
    elif not main and proc.stopped:
        with proc.machine.cond:
            proc.pause_thread()
    return 0


# -- terminal --
def _tty(proc: Process, fd: int) -> TtyFile:
    file = proc.fds.get(fd)
    if not isinstance(file, TtyFile):
        raise OSError(errno.ENOTTY, "not a terminal")
    return file


def tcgetattr(proc: Process, fd: int, ptr: int) -> int:
    _mem(proc).write(ptr, _tty(proc, fd).tty.get_attr())
    return 0


def tcsetattr(proc: Process, fd: int, _action: int, ptr: int) -> int:
    _tty(proc, fd).tty.set_attr(_mem(proc).read(ptr, 60))
    return 0


def tcgetpgrp(proc: Process, fd: int) -> int:
    return _tty(proc, fd).tty.fg_pgrp


def tcsetpgrp(proc: Process, fd: int, pgrp: int) -> int:
    _tty(proc, fd).tty.fg_pgrp = pgrp
    return 0


def winsize(proc: Process, fd: int, ptr: int, set_: int) -> int:
    tty = _tty(proc, fd).tty
    if set_:
        rows, cols, _x, _y = _WINSIZE.unpack(_mem(proc).read(ptr, 8))
        tty.resize(rows, cols)
    else:
        _mem(proc).write(ptr, _WINSIZE.pack(tty.rows, tty.cols, 0, 0))
    return 0


TABLE = {
    "getpid": ("", getpid), "getppid": ("", getppid), "fork": ("", fork),
    "execve": ("III", execve), "spawn": ("IIIIiii", spawn), "waitpid": ("iIi", waitpid),
    "kill": ("ii", kill), "setpgid": ("ii", setpgid), "getpgid": ("i", getpgid),
    "setsid": ("", setsid), "getsid": ("i", getsid),
    "pipe2": ("Ii", pipe2), "dup": ("i", dup), "dup3": ("iii", dup3), "dupfd": ("iii", dupfd),
    "cloexec": ("ii", cloexec),
    "chdir": ("I", chdir), "getcwd": ("II", getcwd), "umask": ("i", umask),
    "chmod": ("Ii", chmod), "fchmod": ("ii", fchmod), "mode": ("iIi", mode),
    "statvfs": ("iII", statvfs), "mkfifo": ("iIi", mkfifo), "rlimit": ("iII", rlimit),
    "sigaction": ("ii", sigaction), "sigprocmask": ("iiiI", sigprocmask),
    "sigsuspend": ("i", sigsuspend), "sigpending": ("I", sigpending), "alarm": ("i", alarm),
    "poll_signals": ("", poll_signals),
    "tcgetattr": ("iI", tcgetattr), "tcsetattr": ("iiI", tcsetattr),
    "tcgetpgrp": ("i", tcgetpgrp), "tcsetpgrp": ("ii", tcsetpgrp), "winsize": ("iIi", winsize),
}  # fmt: skip
RESTARTABLE = frozenset({"waitpid"})  # SA_RESTART handlers restart it (hostcall.define)


def define_all(linker: wasmtime.Linker) -> None:
    for name, (params, handler) in TABLE.items():
        restart = name in RESTARTABLE
        hostcall.define(linker, "cowasm", name, params, handler, errno_sign=-1, restart=restart)
    hostcall.define(linker, "cowasm", "exit_group", "i", exit_group, has_result=False)
