"""Pipes: a bounded byte buffer with a read end and a write end.

Reads block while the buffer is empty and a writer remains (EOF once none does); writes block
while it is full, and fail with EPIPE, after raising SIGPIPE, once no reader remains. Writes of
at most PIPE_BUF bytes are atomic. All waits use the machine's condition, so signals interrupt
them.

Small writes are the costly case: waking the reader's thread per write costs far more than
the write. So a write notifies only when someone waits for what it changed (a blocked reader
whose wish is met, a poller), and a reader that wakes to less than it asked for lingers up to
LINGER for more while the writer keeps running: `yes` and `python -u` then hand over a batch
per wake instead of a line. The writer blocking anywhere (Machine.block) or closing ends the
linger at once, so request/response exchanges over pipes add no delay.
"""

from __future__ import annotations

import contextlib
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
BATCH = 64 << 10  # a lingering reader is content with this much
LINGER = 0.001  # seconds a reader waits for more while a running writer adds small writes


class Pipe:
    """The buffer is a queue of the written byte strings, so a read that takes whole writes
    (the common case: equal buffer sizes on both sides) copies nothing."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.chunks: deque[bytes] = deque()
        self.offset = 0  # bytes of chunks[0] already read
        self.size = 0
        self.readers = 1
        self.writers = 1
        self.read_waiters = 0  # readers blocked in read()
        self.read_want = 1  # bytes that satisfy them: a write below this wakes nobody
        self.write_waiters = 0  # writers blocked on a full buffer
        self.writer: Process | None = None  # the last one to write: is it still running?

    def put(self, data: bytes) -> None:
        self.chunks.append(data)
        self.size += len(data)

    def take(self, size: int) -> bytes:
        """Up to `size` bytes from the front. The first chunk is consumed through an offset, so
        small reads of a big write do not copy its rest each time."""
        out = []
        want = size
        chunks = self.chunks
        while want and chunks:
            chunk, off = chunks[0], self.offset
            left = len(chunk) - off
            if left > want:
                out.append(chunk[off : off + want])
                self.offset = off + want
                want = 0
            else:
                out.append(chunk[off:] if off else chunk)
                chunks.popleft()
                self.offset = 0
                want -= left
        self.size -= size - want
        return out[0] if len(out) == 1 else b"".join(out)

    def clear(self) -> None:
        self.chunks.clear()
        self.offset = 0
        self.size = 0

    def ends(self) -> tuple[PipeEnd, PipeEnd]:
        return PipeEnd(self, reader=True), PipeEnd(self, reader=False)

    def writer_running(self) -> bool:
        w = self.writer
        return w is not None and not w.sleeping and w.status is None and not w.stopped

    def wait_readable(self, proc: Process) -> None:
        """Block (holding cond) until data is buffered or no writer remains."""
        self.read_want = 1
        self.read_waiters += 1
        try:
            self.machine.block(proc, lambda: self.size > 0 or self.writers == 0)
        finally:
            self.read_waiters -= 1

    def linger(self, proc: Process, want: int) -> None:
        """Wait (holding cond) up to LINGER for `want` bytes while the last writer runs; its
        blocking anywhere ends the wait (Machine.block notifies for an awaited process)."""
        writer, m = self.writer, self.machine
        if writer is None:
            return
        self.read_want = want if not self.read_waiters else min(self.read_want, want)
        self.read_waiters += 1
        m.awaited[writer.pid] = m.awaited.get(writer.pid, 0) + 1
        try:
            m.block(
                proc,
                lambda: self.size >= want or not self.writers or not self.writer_running(),
                LINGER,
            )
        finally:
            self.read_waiters -= 1
            if m.awaited[writer.pid] == 1:
                del m.awaited[writer.pid]
            else:
                m.awaited[writer.pid] -= 1


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
            if not p.size and p.writers:
                if self.nonblock:
                    raise OSError(errno.EAGAIN, "pipe empty")
                p.wait_readable(proc)
                want = min(size, BATCH)
                if p.size < want and p.writers and p.writer_running():
                    # data is there now: a signal ends this wait, not the read
                    with contextlib.suppress(InterruptedError):
                        p.linger(proc, want)
            data = p.take(size)
            if p.write_waiters or m.pollers:
                m.cond.notify_all()
            return data

    def write(self, proc: Process, data: bytes) -> int:
        if not self.writable:
            raise OSError(errno.EBADF, "read end of a pipe")
        p, m = self.pipe, self.pipe.machine
        done = 0
        with m.cond:
            p.writer = proc
            if p.readers and p.size + len(data) <= CAPACITY:  # room for all: the common case
                p.put(data)
                if (p.read_waiters and p.size >= p.read_want) or m.pollers:
                    m.cond.notify_all()
                return len(data)
            while done < len(data):
                need = len(data) - done if len(data) <= PIPE_BUF else 1
                if p.readers and CAPACITY - p.size < need:
                    if self.nonblock:
                        if done:
                            return done
                        raise OSError(errno.EAGAIN, "pipe full")
                    p.write_waiters += 1
                    try:
                        m.block(proc, lambda n=need: p.readers == 0 or CAPACITY - p.size >= n)
                    except InterruptedError:
                        if done:
                            return done
                        raise
                    finally:
                        p.write_waiters -= 1
                if p.readers == 0:
                    m.send_signal(proc, SIGPIPE)
                    raise OSError(errno.EPIPE, "broken pipe")
                chunk = data[done : done + CAPACITY - p.size]
                p.put(chunk)
                done += len(chunk)
                if (p.read_waiters and p.size >= p.read_want) or m.pollers:
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
