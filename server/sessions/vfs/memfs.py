"""An in-memory tree: the per-session /tmp, and the skeleton of the system image (/bin, /etc).

Nodes are plain objects; a file node may instead point at a host file (read-only), which is how
/bin/dash refers to wasm/dist/dash.wasm without copying it. `limit` bounds the bytes held.
"""

from __future__ import annotations

import errno
import itertools
import os
import threading
import time

from .base import DIR, FIFO, FILE, SYMLINK, OpenFlags, Stat

_inodes = itertools.count(1000)


class Node:
    __slots__ = (
        "atime_ns", "children", "data", "host_path", "ino", "kind", "mode", "mtime_ns", "nlink",
        "target",
    )  # fmt: skip

    def __init__(self, kind: str, mode: int) -> None:
        self.kind = kind
        self.mode = mode
        self.mtime_ns = self.atime_ns = time.time_ns()
        self.nlink = 1
        self.ino = next(_inodes)
        self.children: dict[str, Node] = {}
        self.data = bytearray()
        self.target = ""
        self.host_path: str | None = None

    def chmod(self, mode: int) -> None:
        self.mode = mode & 0o7777

    def touch(self) -> None:
        """A directory's entries changed: its mtime moves, as on Linux (maildir rereads on it)."""
        self.mtime_ns = time.time_ns()

    def set_times(self, atime_ns: int | None, mtime_ns: int | None) -> None:
        if mtime_ns is not None:
            self.mtime_ns = mtime_ns
        if atime_ns is not None:
            self.atime_ns = atime_ns

    def stat(self) -> Stat:
        size = len(self.data)
        if self.host_path is not None:
            size = os.stat(self.host_path).st_size
        elif self.kind == SYMLINK:
            size = len(self.target)
        elif self.kind == DIR:
            size = 4096
        return Stat(self.kind, size, self.mode, self.mtime_ns, self.atime_ns, self.ino, self.nlink)


class MemHandle:
    def __init__(self, fs: MemFS, node: Node) -> None:
        self.fs, self.node = fs, node

    def pread(self, size: int, offset: int) -> bytes:
        if self.node.host_path is not None:
            with open(self.node.host_path, "rb") as f:
                f.seek(offset)
                return f.read(size)
        return bytes(self.node.data[offset : offset + size])

    def pwrite(self, data: bytes | memoryview, offset: int) -> int:
        node = self.node
        end = offset + len(data)
        with self.fs.lock:
            self.fs.charge(max(0, end - len(node.data)))
            if offset > len(node.data):
                node.data.extend(bytes(offset - len(node.data)))
            node.data[offset:end] = data
            node.mtime_ns = time.time_ns()
        return len(data)

    def size(self) -> int:
        return self.node.stat().size

    def truncate(self, size: int) -> None:
        node = self.node
        with self.fs.lock:
            if size > len(node.data):
                self.fs.charge(size - len(node.data))
                node.data.extend(bytes(size - len(node.data)))
            else:
                self.fs.used -= len(node.data) - size
                del node.data[size:]
            node.mtime_ns = time.time_ns()

    def stat(self) -> Stat:
        return self.node.stat()

    def chmod(self, mode: int) -> None:
        self.fs._writable()
        self.node.chmod(mode)

    def set_times(self, atime_ns: int | None, mtime_ns: int | None) -> None:
        self.fs._writable()
        self.node.set_times(atime_ns, mtime_ns)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


class MemFS:
    def __init__(self, limit: int = 64 << 20, readonly: bool = False) -> None:
        self.root = Node(DIR, 0o755)
        self.readonly = readonly
        self.limit = limit
        self.used = 0
        self.lock = threading.RLock()

    # -- building (used for the system image before it is sealed read-only) --
    def add(
        self, path: str, kind: str, mode: int = 0o755, target: str = "", host: str = ""
    ) -> Node:
        parent, name = self._parent(path, create=True)
        node = parent.children.get(name) or Node(kind, mode)
        node.kind, node.mode, node.target = kind, mode, target
        node.host_path = host or None
        parent.children[name] = node
        return node

    @property
    def fstype(self) -> str:
        return "image" if self.readonly else "tmpfs"

    def usage(self) -> tuple[int, int]:
        if not self.readonly:
            return self.limit, max(0, self.limit - self.used)
        with self.lock:  # the sealed system image: full, its size what it holds
            nodes, size = [self.root], 0
            while nodes:
                node = nodes.pop()
                nodes.extend(node.children.values())
                size += node.stat().size if node.kind == FILE else 0
        return size, 0

    def charge(self, nbytes: int) -> None:
        if self.used + nbytes > self.limit:
            raise OSError(errno.ENOSPC, "no space left in this tree")
        self.used += nbytes

    def _lookup(self, path: str) -> Node:
        node = self.root
        for part in path.split("/") if path else ():
            if node.kind != DIR:
                raise OSError(errno.ENOTDIR, path)
            try:
                node = node.children[part]
            except KeyError:
                raise OSError(errno.ENOENT, path) from None
        return node

    def _parent(self, path: str, create: bool = False) -> tuple[Node, str]:
        head, _, name = path.rpartition("/")
        node = self.root
        for part in head.split("/") if head else ():
            child = node.children.get(part)
            if child is None and create:
                child = node.children[part] = Node(DIR, 0o755)
            if child is None:
                raise OSError(errno.ENOENT, path)
            if child.kind != DIR:
                raise OSError(errno.ENOTDIR, path)
            node = child
        return node, name

    def _writable(self) -> None:
        if self.readonly:
            raise OSError(errno.EROFS, "read-only file system")

    # -- the Backend protocol --
    def lstat(self, path: str) -> Stat:
        return self._lookup(path).stat()

    def listdir(self, path: str) -> list[str]:
        node = self._lookup(path)
        if node.kind != DIR:
            raise OSError(errno.ENOTDIR, path)
        return list(node.children)

    def readlink(self, path: str) -> str:
        node = self._lookup(path)
        if node.kind != SYMLINK:
            raise OSError(errno.EINVAL, path)
        return node.target

    def open(self, path: str, flags: OpenFlags) -> MemHandle:
        with self.lock:
            try:
                node = self._lookup(path)
                if flags.create and flags.exclusive:
                    raise OSError(errno.EEXIST, path)
            except FileNotFoundError:
                if not flags.create:
                    raise
                self._writable()
                parent, name = self._parent(path)
                node = parent.children[name] = Node(FILE, flags.mode)
                parent.touch()
            if node.kind == DIR and flags.write:
                raise OSError(errno.EISDIR, path)
            if flags.write or flags.truncate:
                self._writable()
            handle = MemHandle(self, node)
            if flags.truncate and node.kind == FILE:
                handle.truncate(0)
            return handle

    def mkdir(self, path: str, mode: int) -> None:
        self._writable()
        with self.lock:
            parent, name = self._parent(path)
            if name in parent.children:
                raise OSError(errno.EEXIST, path)
            parent.children[name] = Node(DIR, mode)
            parent.touch()

    def mkfifo(self, path: str, mode: int) -> None:
        """A FIFO node: only its name and mode live here, the pipe is the kernel's (fifo.py)."""
        self._writable()
        with self.lock:
            parent, name = self._parent(path)
            if name in parent.children:
                raise OSError(errno.EEXIST, path)
            parent.children[name] = Node(FIFO, mode)
            parent.touch()

    def rmdir(self, path: str) -> None:
        self._writable()
        with self.lock:
            parent, name = self._parent(path)
            node = self._lookup(path)
            if node.kind != DIR:
                raise OSError(errno.ENOTDIR, path)
            if node.children:
                raise OSError(errno.ENOTEMPTY, path)
            del parent.children[name]
            parent.touch()

    def unlink(self, path: str) -> None:
        self._writable()
        with self.lock:
            parent, name = self._parent(path)
            node = self._lookup(path)
            if node.kind == DIR:
                raise OSError(errno.EISDIR, path)
            node.nlink -= 1
            if not node.nlink:
                self.used -= len(node.data)
            del parent.children[name]
            parent.touch()

    def rename(self, src: str, dst: str) -> None:
        self._writable()
        with self.lock:
            sparent, sname = self._parent(src)
            node = self._lookup(src)
            dparent, dname = self._parent(dst)
            old = dparent.children.get(dname)
            if old is not None and old is not node:
                if old.kind == DIR and (node.kind != DIR or old.children):
                    raise OSError(errno.ENOTEMPTY if node.kind == DIR else errno.EISDIR, dst)
                if node.kind == DIR and old.kind != DIR:
                    raise OSError(errno.ENOTDIR, dst)
                old.nlink -= 1
                if not old.nlink:
                    self.used -= len(old.data)
            if node.kind == DIR and (dst + "/").startswith(src + "/"):
                raise OSError(errno.EINVAL, dst)
            del sparent.children[sname]
            dparent.children[dname] = node
            sparent.touch()
            dparent.touch()

    def link(self, src: str, dst: str) -> None:
        self._writable()
        with self.lock:
            node = self._lookup(src)
            parent, name = self._parent(dst)
            if name in parent.children:
                raise OSError(errno.EEXIST, dst)
            parent.children[name] = node
            node.nlink += 1
            parent.touch()

    def symlink(self, target: str, path: str) -> None:
        self._writable()
        with self.lock:
            parent, name = self._parent(path)
            if name in parent.children:
                raise OSError(errno.EEXIST, path)
            node = parent.children[name] = Node(SYMLINK, 0o777)
            node.target = target
            parent.touch()

    def chmod(self, path: str, mode: int) -> None:
        self._writable()
        self._lookup(path).chmod(mode)

    def set_times(self, path: str, atime_ns: int | None, mtime_ns: int | None) -> None:
        self._writable()
        self._lookup(path).set_times(atime_ns, mtime_ns)

    def host_file(self, path: str) -> str | None:
        """The host file behind `path`, if it is one (lets exec load it by path)."""
        try:
            return self._lookup(path).host_path
        except OSError:
            return None
