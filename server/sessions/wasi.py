"""WASI preview1, the syscall table: decode arguments from linear memory, call the kernel
objects (fd.py, pipe.py, tty.py, vfs/), encode results. Handlers return a WASI errno; an OSError
raised below becomes one in hostcall.define.

Paths arrive relative to a directory fd: fd 3 is the preopened `/` (wasi-libc makes every path
absolute and strips the slash), other directory fds resolve relative to their own path.
"""

from __future__ import annotations

import errno
import os
import struct
import time
from typing import TYPE_CHECKING

import wasmtime

from . import hostcall
from .errno import EBADF, EINVAL, ENOTDIR, ENOTSUP, SUCCESS
from .fd import FT_DIR, FT_OF_KIND, DirFile, OpenFile, VnodeFile
from .proc import Exited
from .vfs.base import DIR, FIFO, FILE, SYMLINK, OpenFlags, Stat, read_file
from .vfs.tree import Resolved

if TYPE_CHECKING:
    from .proc import Process

_IOVEC = struct.Struct("<II")
_IOVEC2 = struct.Struct("<IIII")
_FDSTAT = struct.Struct("<BxHxxxxQQ")
_FILESTAT = struct.Struct("<QQBxxxxxxxQQQQQ")
_DIRENT = struct.Struct("<QQIBxxx")
_SUB = struct.Struct("<QB7xIxxxxQQH6x")  # userdata, tag, clock id | fd, timeout, precision, flags
_EVENT = struct.Struct("<QHBxxxxxQH6x")
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
_U32PAIR = struct.Struct("<II")

RIGHTS_ALL = (1 << 30) - 1
RIGHT_READ, RIGHT_WRITE = 1 << 1, 1 << 6
RIGHT_SEEK_TELL = (1 << 2) | (1 << 5)
FDFLAG_APPEND, FDFLAG_NONBLOCK = 1, 4
O_CREAT, O_DIRECTORY, O_EXCL, O_TRUNC = 1, 2, 4, 8
LOOKUP_FOLLOW = 1
PREOPEN_FD = 3
NS = 1_000_000_000


def _mem(proc: Process) -> hostcall.Memory:
    return proc.image.memory  # type: ignore[union-attr]


# -- args, environment, clocks, random --
def _put_strings(proc: Process, items: list[bytes], ptrs: int, buf: int) -> int:
    mem = _mem(proc)
    offsets = []
    blob = b""
    for item in items:
        offsets.append(buf + len(blob))
        blob += item + b"\0"
    mem.write(buf, blob)
    mem.write(ptrs, struct.pack(f"<{len(offsets)}I", *offsets))
    return SUCCESS


def _put_sizes(proc: Process, items: list[bytes], count_ptr: int, size_ptr: int) -> int:
    _mem(proc).put_u32(count_ptr, len(items))
    _mem(proc).put_u32(size_ptr, sum(len(i) + 1 for i in items))
    return SUCCESS


def args_get(proc: Process, argv: int, buf: int) -> int:
    return _put_strings(proc, proc.argv, argv, buf)


def args_sizes_get(proc: Process, count: int, size: int) -> int:
    return _put_sizes(proc, proc.argv, count, size)


def environ_get(proc: Process, env: int, buf: int) -> int:
    return _put_strings(proc, proc.env, env, buf)


def environ_sizes_get(proc: Process, count: int, size: int) -> int:
    return _put_sizes(proc, proc.env, count, size)


# Each process runs in a thread of its own (each of its wasi-threads too) and makes its
# syscalls there, so the CPU clocks are the calling thread's (the server's own process time
# would mix every session's).
_CLOCKS = (time.time_ns, time.monotonic_ns, time.thread_time_ns, time.thread_time_ns)


def clock_res_get(proc: Process, clock: int, out: int) -> int:
    if clock >= len(_CLOCKS):
        return EINVAL
    _mem(proc).put_u64(out, 1000)
    return SUCCESS


def clock_time_get(proc: Process, clock: int, _precision: int, out: int) -> int:
    if clock >= len(_CLOCKS):
        return EINVAL
    _mem(proc).put_u64(out, _CLOCKS[clock]())
    return SUCCESS


def random_get(proc: Process, buf: int, length: int) -> int:
    _mem(proc).write(buf, os.urandom(length))
    return SUCCESS


def sched_yield(proc: Process) -> int:
    time.sleep(0)
    return SUCCESS


def proc_exit(proc: Process, code: int) -> int:
    raise Exited(code)


def proc_raise(proc: Process, sig: int) -> int:
    proc.machine.send_signal(proc, sig)
    return SUCCESS


# -- descriptors --
def fd_write(proc: Process, fd: int, iovs: int, n: int, out: int) -> int:
    file = proc.fds.get(fd)
    mem = _mem(proc)
    if n == 1:  # the common case, kept short: it is paid per write(2)
        ptr, length = mem.u32_pair(iovs)
        data = mem.read(ptr, length)
    elif n == 2:  # stdio's flush: what was buffered, then the new bytes (yes: 1 + 1)
        p1, n1, p2, n2 = _IOVEC2.unpack(mem.read(iovs, 16))
        data = mem.read(p1, n1) + mem.read(p2, n2)
    else:
        raw = mem.read(iovs, 8 * n)
        data = b"".join(mem.read(p, ln) for p, ln in _IOVEC.iter_unpack(raw))
    mem.put_u32(out, file.write(proc, data) if data else 0)
    return SUCCESS


def fd_read(proc: Process, fd: int, iovs: int, n: int, out: int) -> int:
    file = proc.fds.get(fd)
    mem = _mem(proc)
    if n == 1:
        ptr, length = mem.u32_pair(iovs)
        mem.check(ptr, length)  # EFAULT before taking data that would then be lost
        data = file.read(proc, length) if length else b""
        mem.write(ptr, data)
    else:
        vecs = list(_IOVEC.iter_unpack(mem.read(iovs, 8 * n)))
        for ptr, length in vecs:
            mem.check(ptr, length)
        total = sum(ln for _, ln in vecs)
        data = file.read(proc, total) if total else b""
        _scatter(mem, vecs, data)
    mem.put_u32(out, len(data))
    return SUCCESS


def _scatter(mem: hostcall.Memory, vecs: list[tuple[int, int]], data: bytes) -> None:
    pos = 0
    for ptr, length in vecs:
        if pos >= len(data):
            break
        mem.write(ptr, data[pos : pos + length])
        pos += length


def fd_pread(proc: Process, fd: int, iovs: int, n: int, offset: int, out: int) -> int:
    file = proc.fds.get(fd)
    mem = _mem(proc)
    vecs = list(_IOVEC.iter_unpack(mem.read(iovs, 8 * n)))
    data = file.pread(sum(ln for _, ln in vecs), offset)
    _scatter(mem, vecs, data)
    mem.put_u32(out, len(data))
    return SUCCESS


def fd_pwrite(proc: Process, fd: int, iovs: int, n: int, offset: int, out: int) -> int:
    file = proc.fds.get(fd)
    mem = _mem(proc)
    data = b"".join(mem.read(p, ln) for p, ln in _IOVEC.iter_unpack(mem.read(iovs, 8 * n)))
    mem.put_u32(out, file.pwrite(data, offset))
    return SUCCESS


def fd_close(proc: Process, fd: int) -> int:
    proc.fds.close(fd)
    return SUCCESS


def fd_seek(proc: Process, fd: int, offset: int, whence: int, out: int) -> int:
    if whence > 2:
        return EINVAL
    _mem(proc).put_u64(out, proc.fds.get(fd).seek(offset, whence))
    return SUCCESS


def fd_tell(proc: Process, fd: int, out: int) -> int:
    _mem(proc).put_u64(out, proc.fds.get(fd).seek(0, 1))
    return SUCCESS


def fd_fdstat_get(proc: Process, fd: int, out: int) -> int:
    if fd == PREOPEN_FD and fd not in proc.fds.files:  # the preopen outlives a close (see _path)
        _mem(proc).write(out, _FDSTAT.pack(FT_DIR, 0, RIGHTS_ALL, RIGHTS_ALL))
        return SUCCESS
    file = proc.fds.get(fd)
    flags = (FDFLAG_APPEND if file.append else 0) | (FDFLAG_NONBLOCK if file.nonblock else 0)
    rights = RIGHTS_ALL
    if not file.seekable:
        rights &= ~RIGHT_SEEK_TELL  # what makes wasi-libc's isatty() true for a terminal
    if not file.readable:
        rights &= ~RIGHT_READ
    if not file.writable and not isinstance(file, DirFile):
        rights &= ~RIGHT_WRITE
    _mem(proc).write(out, _FDSTAT.pack(file.filetype, flags, rights, RIGHTS_ALL))
    return SUCCESS


def fd_fdstat_set_flags(proc: Process, fd: int, flags: int) -> int:
    file = proc.fds.get(fd)
    file.append = bool(flags & FDFLAG_APPEND)
    file.nonblock = bool(flags & FDFLAG_NONBLOCK)
    return SUCCESS


def fd_fdstat_set_rights(proc: Process, fd: int, _base: int, _inheriting: int) -> int:
    proc.fds.get(fd)
    return SUCCESS


def _filestat(proc: Process, out: int, st: Stat, filetype: int | None = None, dev: int = 1) -> int:
    ft = filetype if filetype is not None else FT_OF_KIND.get(st.kind, 0)
    _mem(proc).write(
        out,
        _FILESTAT.pack(dev, st.ino, ft, st.nlink, st.size, st.atime_ns, st.mtime_ns, st.mtime_ns),
    )
    return SUCCESS


def fd_filestat_get(proc: Process, fd: int, out: int) -> int:
    file = proc.fds.get(fd)
    return _filestat(proc, out, file.stat(), file.filetype, file.dev)


def fd_filestat_set_size(proc: Process, fd: int, size: int) -> int:
    file = proc.fds.get(fd)
    if not isinstance(file, VnodeFile) or not file.writable:
        return EINVAL if not isinstance(file, VnodeFile) else EBADF
    file.handle.truncate(size)
    return SUCCESS


def _times(atim: int, mtim: int, flags: int) -> tuple[int | None, int | None]:
    now = time.time_ns()
    a = now if flags & 2 else atim if flags & 1 else None
    m = now if flags & 8 else mtim if flags & 4 else None
    return a, m


def fd_filestat_set_times(proc: Process, fd: int, atim: int, mtim: int, flags: int) -> int:
    proc.fds.get(fd).set_times(*_times(atim, mtim, flags))
    return SUCCESS


def fd_advise(proc: Process, fd: int, _off: int, _len: int, _advice: int) -> int:
    proc.fds.get(fd)
    return SUCCESS


def fd_allocate(proc: Process, fd: int, off: int, length: int) -> int:
    file = proc.fds.get(fd)
    if isinstance(file, VnodeFile) and file.handle.size() < off + length:
        file.handle.truncate(off + length)
    return SUCCESS


def fd_sync(proc: Process, fd: int) -> int:
    proc.fds.get(fd).sync()
    return SUCCESS


def fd_datasync(proc: Process, fd: int) -> int:
    return fd_sync(proc, fd)


def fd_prestat_get(proc: Process, fd: int, out: int) -> int:
    """fd 3 is always the preopened "/", whatever a program later put there (see _path)."""
    if fd != PREOPEN_FD:
        return EBADF
    _mem(proc).write(out, _U32PAIR.pack(0, 1))
    return SUCCESS


def fd_prestat_dir_name(proc: Process, fd: int, buf: int, length: int) -> int:
    if fd != PREOPEN_FD:
        return EBADF
    _mem(proc).write(buf, b"/"[:length])
    return SUCCESS


def fd_renumber(proc: Process, fd: int, to: int) -> int:
    proc.fds.dup2(fd, to)
    proc.fds.close(fd)
    return SUCCESS


def _readdir_order(name: str) -> tuple[int, str]:
    """Names in order, numbers by value first: /proc lists pids as Linux does (ps relies on it)."""
    return (len(name), name) if name.isdigit() else (1 << 30, name)


def fd_readdir(proc: Process, fd: int, buf: int, length: int, cookie: int, out: int) -> int:
    file = proc.fds.get(fd)
    if not isinstance(file, DirFile):
        return ENOTDIR
    if cookie == 0 or not file.listing:
        file.listing = [".", "..", *sorted(file.backend.listdir(file.rel), key=_readdir_order)]
    names = file.listing
    blob = bytearray()
    for i in range(cookie, len(names)):
        name = names[i].encode()
        try:
            st = file.backend.lstat(f"{file.rel}/{names[i]}".lstrip("/")) if i > 1 else None
        except OSError:
            continue
        ft = FT_OF_KIND.get(st.kind, 0) if st else 3
        blob += _DIRENT.pack(i + 1, st.ino if st else 1, len(name), ft) + name
        if len(blob) >= length:
            break
    data = bytes(blob[:length])
    _mem(proc).write(buf, data)
    _mem(proc).put_u32(out, len(data))
    return SUCCESS


# -- paths --
def _path(proc: Process, dirfd: int, ptr: int, length: int, follow: bool = True) -> Resolved:
    raw = _mem(proc).read(ptr, length).decode("utf-8", "surrogateescape")
    if "\0" in raw:
        raise OSError(errno.EINVAL, "NUL in path")
    # wasi-libc sends every absolute or cwd-relative path on fd 3, the preopen it found at
    # start-up; a shell may since have put a file there (`exec 3>log`) or closed it, so fd 3
    # means "/" unless it holds a directory.
    base = proc.fds.files.get(dirfd)
    if isinstance(base, DirFile):
        start = base.path
    elif dirfd == PREOPEN_FD:
        start = "/"
    else:
        raise OSError(errno.ENOTDIR if base else errno.EBADF, "not a directory fd")
    return proc.machine.tree.resolve(raw or ".", start, follow)


def path_open(
    proc: Process, dirfd: int, lookup: int, ptr: int, length: int, oflags: int,
    rights: int, _inheriting: int, fdflags: int, out: int,
) -> int:  # fmt: skip
    res = _path(proc, dirfd, ptr, length, follow=bool(lookup & LOOKUP_FOLLOW))
    if length and _mem(proc).read(ptr + length - 1, 1) == b"/":
        oflags |= O_DIRECTORY  # "name/" must be a directory (and is never created as a file)
    file = open_resolved(proc, res, oflags, rights, fdflags)
    _mem(proc).put_u32(out, proc.fds.install(file))
    return SUCCESS


def open_resolved(proc: Process, res: Resolved, oflags: int, rights: int, fdflags: int) -> OpenFile:
    file = _open_resolved(proc, res, oflags, rights, fdflags)
    file.dev = proc.machine.tree.device(res.backend)
    file.backend = res.backend
    return file


def _open_resolved(
    proc: Process, res: Resolved, oflags: int, rights: int, fdflags: int
) -> OpenFile:
    device = getattr(res.backend, "device", None)
    if device is not None:
        dev = device(res.rel, proc)
        if dev is not None:
            if oflags & O_CREAT and oflags & O_EXCL:
                raise OSError(errno.EEXIST, res.path)
            return dev
    try:
        st = res.backend.lstat(res.rel)
    except FileNotFoundError:
        st = None
        if not oflags & O_CREAT:
            raise
        if oflags & O_DIRECTORY:
            raise OSError(errno.EISDIR, res.path) from None
    if st is not None and oflags & O_CREAT and oflags & O_EXCL:
        raise OSError(errno.EEXIST, res.path)
    if st is not None and st.kind == SYMLINK:
        raise OSError(errno.ELOOP, res.path)
    if st is not None and st.kind == DIR:
        if rights & RIGHT_WRITE or oflags & (O_CREAT | O_TRUNC):  # as Linux: at open, not write
            raise OSError(errno.EISDIR, res.path)
        if not st.mode & 0o400:  # opening a directory reads it, as open(2) without O_PATH
            raise OSError(errno.EACCES, res.path)
        return DirFile(res.backend, res.rel, res.path)
    if oflags & O_DIRECTORY:
        raise OSError(errno.ENOTDIR, res.path)
    write = bool(rights & RIGHT_WRITE) or bool(oflags & O_TRUNC)
    read = bool(rights & RIGHT_READ) or not write
    if st is not None:
        check_access(res, st, read=read, write=write)
        if st.kind == FIFO:
            key = (id(res.backend), st.ino)
            return proc.machine.fifos.open(proc, key, read, write, bool(fdflags & FDFLAG_NONBLOCK))
    flags = OpenFlags(
        read=read, write=write, create=bool(oflags & O_CREAT), exclusive=bool(oflags & O_EXCL),
        truncate=bool(oflags & O_TRUNC), mode=0o666 & ~proc.umask,
    )  # fmt: skip
    if st is None:
        check_parent(proc, res)
    handle = res.backend.open(res.rel, flags)
    file = VnodeFile(handle, res.path, read, write)
    file.append = bool(fdflags & FDFLAG_APPEND)
    file.nonblock = bool(fdflags & FDFLAG_NONBLOCK)
    return file


def check_access(res: Resolved, st: Stat, read: bool = False, write: bool = False) -> None:
    """Mode bits, as for a non-root user: every file is the user's (libcowasm's stat says so), so
    the owner's bits decide. A read-only mount refuses writing first (EROFS), as on Linux."""
    if write and res.backend.readonly and st.kind != FIFO:
        raise OSError(errno.EROFS, res.path)
    if (read and not st.mode & 0o400) or (write and not st.mode & 0o200):
        raise OSError(errno.EACCES, res.path)


def check_parent(proc: Process, res: Resolved) -> None:
    """Adding or removing a name needs write and search permission on its directory (EROFS first,
    as on Linux: the backend raises it)."""
    if res.backend.readonly or not res.rel:
        return
    parent = proc.machine.tree.resolve(res.path.rsplit("/", 1)[0] or "/")
    if parent.backend.lstat(parent.rel).mode & 0o300 != 0o300:
        raise OSError(errno.EACCES, res.path)


def path_filestat_get(
    proc: Process, dirfd: int, lookup: int, ptr: int, length: int, out: int
) -> int:
    res = _path(proc, dirfd, ptr, length, bool(lookup & LOOKUP_FOLLOW))
    dev = proc.machine.tree.device(res.backend)
    return _filestat(proc, out, res.backend.lstat(res.rel), dev=dev)


def path_filestat_set_times(
    proc: Process, dirfd: int, lookup: int, ptr: int, length: int, atim: int, mtim: int, flags: int
) -> int:
    res = _path(proc, dirfd, ptr, length, bool(lookup & LOOKUP_FOLLOW))
    res.backend.set_times(res.rel, *_times(atim, mtim, flags))
    return SUCCESS


def path_create_directory(proc: Process, dirfd: int, ptr: int, length: int) -> int:
    res = _path(proc, dirfd, ptr, length, follow=False)
    if not res.rel or _exists(res):  # EEXIST comes before EROFS, and a mount's root exists
        raise OSError(errno.EEXIST, res.path)
    check_parent(proc, res)
    res.backend.mkdir(res.rel, 0o777 & ~proc.umask)
    return SUCCESS


def _exists(res: Resolved) -> bool:
    try:
        res.backend.lstat(res.rel)
    except FileNotFoundError:
        return False
    return True


def path_remove_directory(proc: Process, dirfd: int, ptr: int, length: int) -> int:
    res = _path(proc, dirfd, ptr, length, follow=False)
    if not res.rel:
        raise OSError(errno.EBUSY, res.path)
    check_parent(proc, res)
    res.backend.rmdir(res.rel)
    return SUCCESS


def path_unlink_file(proc: Process, dirfd: int, ptr: int, length: int) -> int:
    res = _path(proc, dirfd, ptr, length, follow=False)
    check_parent(proc, res)
    res.backend.unlink(res.rel)
    return SUCCESS


def path_rename(proc: Process, fd1: int, p1: int, l1: int, fd2: int, p2: int, l2: int) -> int:
    src = _path(proc, fd1, p1, l1, follow=False)
    dst = _path(proc, fd2, p2, l2, follow=False)
    if src.backend is not dst.backend:
        raise OSError(errno.EXDEV, "cross-device rename")
    check_parent(proc, src)
    check_parent(proc, dst)
    src.backend.rename(src.rel, dst.rel)
    return SUCCESS


def path_symlink(proc: Process, old: int, old_len: int, dirfd: int, ptr: int, length: int) -> int:
    target = _mem(proc).read(old, old_len).decode("utf-8", "surrogateescape")
    res = _path(proc, dirfd, ptr, length, follow=False)
    check_parent(proc, res)
    res.backend.symlink(target, res.rel)
    return SUCCESS


def path_readlink(
    proc: Process, dirfd: int, ptr: int, length: int, buf: int, buf_len: int, out: int
) -> int:
    res = _path(proc, dirfd, ptr, length, follow=False)
    data = res.backend.readlink(res.rel).encode("utf-8", "surrogateescape")[:buf_len]
    _mem(proc).write(buf, data)
    _mem(proc).put_u32(out, len(data))
    return SUCCESS


def path_link(
    proc: Process, fd1: int, _flags: int, p1: int, l1: int, fd2: int, p2: int, l2: int
) -> int:
    """Hard links where the backend has them (host directories, memory trees); elsewhere (the
    shared file tree) a copy."""
    src = _path(proc, fd1, p1, l1)
    dst = _path(proc, fd2, p2, l2, follow=False)
    try:
        dst.backend.lstat(dst.rel)
        raise OSError(errno.EEXIST, dst.path)
    except FileNotFoundError:
        pass
    if src.backend.lstat(src.rel).kind != FILE:
        raise OSError(errno.EPERM, src.path)
    check_parent(proc, dst)
    link = getattr(src.backend, "link", None)
    if link is not None and src.backend is dst.backend:
        link(src.rel, dst.rel)
        return SUCCESS
    data = read_file(src.backend, src.rel)
    out = dst.backend.open(dst.rel, OpenFlags(write=True, create=True, exclusive=True))
    try:
        out.pwrite(data, 0)
        out.flush()
    finally:
        out.close()
    return SUCCESS


# -- poll --
def poll_oneoff(proc: Process, subs: int, events: int, n: int, out: int) -> int:
    mem = _mem(proc)
    raw = mem.read(subs, 48 * n)
    m = proc.machine
    now = time.monotonic_ns()
    deadline: int | None = None
    watches: list[tuple[int, int, OpenFile | None, int]] = []  # userdata, type, file, errno
    for userdata, tag, word, timeout, _prec, flags in _SUB.iter_unpack(raw):
        if tag == 0:  # clock
            if flags & 1:  # absolute
                clock = _CLOCKS[word]() if word < len(_CLOCKS) else time.time_ns()
                due = now + max(0, timeout - clock)
            else:
                due = now + timeout
            deadline = due if deadline is None else min(deadline, due)
            watches.append((userdata, 0, None, due))
        else:
            try:
                watches.append((userdata, tag, proc.fds.get(word), 0))
            except OSError:
                watches.append((userdata, tag, None, -1))

    def ready() -> list[bytes]:
        t = time.monotonic_ns()
        evs = []
        for userdata, tag, file, extra in watches:
            if tag == 0:
                if t >= extra:
                    evs.append(_EVENT.pack(userdata, 0, 0, 0, 0))
            elif file is None:
                evs.append(_EVENT.pack(userdata, EBADF, tag, 0, 0))
            elif file.ready(write=tag == 2):
                evs.append(_EVENT.pack(userdata, 0, tag, 1, 0))
        return evs

    with m.cond:
        m.pollers += 1  # pipes notify on every change while someone polls
        try:
            while not (evs := ready()):
                left = None if deadline is None else (deadline - time.monotonic_ns()) / NS
                if left is not None and left <= 0:
                    continue
                m.block(proc, lambda: bool(ready()), timeout=left)
        finally:
            m.pollers -= 1
    mem.write(events, b"".join(evs))
    mem.put_u32(out, len(evs))
    return SUCCESS


def sock_unsupported(proc: Process, *_args: int) -> int:
    return ENOTSUP


# name -> (params, handler); params as in hostcall.define ("I" u32, "Q" u64, "q" s64)
TABLE = {
    "args_get": ("II", args_get),
    "args_sizes_get": ("II", args_sizes_get),
    "environ_get": ("II", environ_get),
    "environ_sizes_get": ("II", environ_sizes_get),
    "clock_res_get": ("II", clock_res_get),
    "clock_time_get": ("IQI", clock_time_get),
    "random_get": ("II", random_get),
    "sched_yield": ("", sched_yield),
    "proc_raise": ("I", proc_raise),
    "fd_write": ("IIII", fd_write),
    "fd_read": ("IIII", fd_read),
    "fd_pread": ("IIIQI", fd_pread),
    "fd_pwrite": ("IIIQI", fd_pwrite),
    "fd_close": ("I", fd_close),
    "fd_seek": ("IqII", fd_seek),
    "fd_tell": ("II", fd_tell),
    "fd_fdstat_get": ("II", fd_fdstat_get),
    "fd_fdstat_set_flags": ("II", fd_fdstat_set_flags),
    "fd_fdstat_set_rights": ("IQQ", fd_fdstat_set_rights),
    "fd_filestat_get": ("II", fd_filestat_get),
    "fd_filestat_set_size": ("IQ", fd_filestat_set_size),
    "fd_filestat_set_times": ("IQQI", fd_filestat_set_times),
    "fd_advise": ("IQQI", fd_advise),
    "fd_allocate": ("IQQ", fd_allocate),
    "fd_sync": ("I", fd_sync),
    "fd_datasync": ("I", fd_datasync),
    "fd_prestat_get": ("II", fd_prestat_get),
    "fd_prestat_dir_name": ("III", fd_prestat_dir_name),
    "fd_renumber": ("II", fd_renumber),
    "fd_readdir": ("IIIQI", fd_readdir),
    "path_open": ("IIIIIQQII", path_open),
    "path_filestat_get": ("IIIII", path_filestat_get),
    "path_filestat_set_times": ("IIIIQQI", path_filestat_set_times),
    "path_create_directory": ("III", path_create_directory),
    "path_remove_directory": ("III", path_remove_directory),
    "path_unlink_file": ("III", path_unlink_file),
    "path_rename": ("IIIIII", path_rename),
    "path_symlink": ("IIIII", path_symlink),
    "path_readlink": ("IIIIII", path_readlink),
    "path_link": ("IIIIIII", path_link),
    "poll_oneoff": ("IIII", poll_oneoff),
    "sock_accept": ("III", sock_unsupported),
    "sock_recv": ("IIIIII", sock_unsupported),
    "sock_send": ("IIIII", sock_unsupported),
    "sock_shutdown": ("II", sock_unsupported),
}

# Calls that SA_RESTART handlers restart (reads and writes of pipes, ttys and fifos, a fifo's
# open); poll_oneoff (sleep, poll, select) always fails with EINTR, as POSIX says.
RESTARTABLE = frozenset({"fd_read", "fd_write", "fd_pread", "fd_pwrite", "path_open"})


def define_all(linker: wasmtime.Linker) -> None:
    for name, (params, handler) in TABLE.items():
        restart = name in RESTARTABLE
        hostcall.define(linker, "wasi_snapshot_preview1", name, params, handler, restart=restart)
    hostcall.define(linker, "wasi_snapshot_preview1", "proc_exit", "I", proc_exit, has_result=False)
