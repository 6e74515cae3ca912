"""Named pipes (mkfifo): a Pipe per FIFO file, shared by every open of it in the machine.

As on Linux, opening one end blocks until the other end is open (O_NONBLOCK: a reader returns at
once, a writer without a reader gets ENXIO); O_RDWR never blocks. The pipe lives while any end is
open; the next open after the last close starts an empty one. Ends are pipe.py's PipeEnds, whose
reader/writer counts the FIFO keeps (a fresh Pipe counts one of each, which the FIFO sets itself).
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

from .pipe import Pipe, PipeEnd

if TYPE_CHECKING:
    from .machine import Machine
    from .proc import Process


class Fifo:
    def __init__(self, machine: Machine) -> None:
        self.pipe = Pipe(machine)
        self.pipe.readers = self.pipe.writers = 0
        self.opened = [0, 0]  # readers, writers ever opened: a quick open and close still counts

    @property
    def idle(self) -> bool:
        return not self.pipe.readers and not self.pipe.writers


class FifoEnd(PipeEnd):
    """An end opened by path. O_RDWR makes a read end that writes too and holds a writer's place
    (so its reads never see EOF)."""

    def __init__(self, pipe: Pipe, reader: bool, also_writer: bool = False) -> None:
        super().__init__(pipe, reader)
        self.also_writer = also_writer
        self.writable = self.writable or also_writer

    def release(self) -> None:
        if self.also_writer:
            with self.pipe.machine.cond:
                self.pipe.writers -= 1
        super().release()


class FifoTable:
    """The machine's open FIFOs, by (mount, inode)."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.fifos: dict[tuple[int, int], Fifo] = {}

    def open(
        self, proc: Process, key: tuple[int, int], read: bool, write: bool, nonblock: bool
    ) -> FifoEnd:
        m = self.machine
        with m.cond:
            fifo = self.fifos.get(key)
            if fifo is None or fifo.idle:
                fifo = self.fifos[key] = Fifo(m)
            p = fifo.pipe
            if read and write:
                p.readers += 1
                p.writers += 1
                fifo.opened[0] += 1
                fifo.opened[1] += 1
                end = FifoEnd(p, reader=True, also_writer=True)
            elif write:
                if nonblock and not p.readers:
                    raise OSError(errno.ENXIO, "no reader on the FIFO")
                end = self._wait(proc, fifo, mine=1)
            else:
                end = self._wait(proc, fifo, mine=0, block=not nonblock)
            end.nonblock = nonblock
            m.cond.notify_all()
            return end

    def _wait(self, proc: Process, fifo: Fifo, mine: int, block: bool = True) -> FifoEnd:
        """Open one end and wait until the other side has been opened (since, or already)."""
        p, m = fifo.pipe, self.machine
        if mine:
            p.writers += 1
        else:
            p.readers += 1
        fifo.opened[mine] += 1
        end = FifoEnd(p, reader=not mine)
        m.cond.notify_all()
        other = 1 - mine
        seen = fifo.opened[other]
        has_other = (lambda: p.writers > 0) if other else (lambda: p.readers > 0)
        if block and not has_other():
            try:
                m.block(proc, lambda: has_other() or fifo.opened[other] != seen)
            except BaseException:
                end.decref()
                raise
        return end
