"""Pipes: a bounded byte buffer with a read end and a write end.

Reads block while the buffer is empty and a writer remains (EOF once none does); writes block
while it is full, and fail with EPIPE, after raising SIGPIPE, once no reader remains. Writes of
at most PIPE_BUF bytes are atomic. All waits use the machine's condition, so signals interrupt
them.
"""

from __future__ import annotations

import errno
from collections import deque
from typing import TYPE_CHECKING

from .fd import FT_UNKNOWN, OpenFile
from .signals import SIGPIPE
from .vfs.base import FIFO, Stat

if TYPE_CHECKING:
    from .machine import Machine
    from .proc import Process

CAPACITY = 1 << 20
PIPE_BUF = 4096


class Pipe:
    """The buffer is a queue of the written byte strings, so a read that takes whole writes
    (the common case: equal buffer sizes on both sides) copies nothing."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.chunks: deque[bytes] = deque()
        self.size = 0
        self.readers = 1
        self.writers = 1

    def put(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)

    def take(self, size: int) -> bytes:
        out = []
        want = size
        while want and self.chunks:
            chunk = self.chunks.popleft()
            if len(chunk) > want:
                self.chunks.appendleft(chunk[want:])
                chunk = chunk[:want]
            out.append(chunk)
            want -= len(chunk)
        self.size -= size - want
        return out[0] if len(out) == 1 else b"".join(out)

    def clear(self) -> None:
        self.chunks.clear()
        self.size = 0

    def ends(self) -> tuple[PipeEnd, PipeEnd]:
        return PipeEnd(self, reader=True), PipeEnd(self, reader=False)


class PipeEnd(OpenFile):
    filetype = FT_UNKNOWN  # WASI has no FIFO type; what matters is "not a tty, not seekable"

    def __init__(self, pipe: Pipe, reader: bool) -> None:
        super().__init__(readable=reader, writable=not reader)
        self.pipe = pipe

    def stat(self) -> Stat:
        return Stat(FIFO, self.pipe.size, 0o600)

    def ready(self, write: bool) -> bool:
        p = self.pipe
        if write:
            return p.readers == 0 or p.size < CAPACITY
        return p.size > 0 or p.writers == 0

    def read(self, proc: Process, size: int) -> bytes:
        if not self.readable:
            raise OSError(errno.EBADF, "write end of a pipe")
        p, m = self.pipe, self.pipe.machine
        with m.cond:
            if not p.size and p.writers and self.nonblock:
                raise OSError(errno.EAGAIN, "pipe empty")
            m.block(proc, lambda: p.size > 0 or p.writers == 0)
            data = p.take(size)
            m.cond.notify_all()
            return data

    def write(self, proc: Process, data: bytes) -> int:
        if not self.writable:
            raise OSError(errno.EBADF, "read end of a pipe")
        p, m = self.pipe, self.pipe.machine
        done = 0
        with m.cond:
            while done < len(data):
                need = len(data) - done if len(data) <= PIPE_BUF else 1
                if p.readers and CAPACITY - p.size < need and self.nonblock:
                    if done:
                        return done
                    raise OSError(errno.EAGAIN, "pipe full")
                try:
                    m.block(proc, lambda n=need: p.readers == 0 or CAPACITY - p.size >= n)
                except InterruptedError:
                    if done:
                        return done
                    raise
                if p.readers == 0:
                    m.send_signal(proc, SIGPIPE)
                    raise OSError(errno.EPIPE, "broken pipe")
                chunk = data[done : done + CAPACITY - p.size]
                p.put(chunk)
                done += len(chunk)
                m.cond.notify_all()
        return done

    def release(self) -> None:
        p, m = self.pipe, self.pipe.machine
        with m.cond:
            if self.readable:
                p.readers -= 1
                if not p.readers:
                    p.clear()
            else:
                p.writers -= 1
            m.cond.notify_all()
