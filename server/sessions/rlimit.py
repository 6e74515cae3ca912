"""Resource limits (getrlimit/setrlimit, dash's ulimit): per process, inherited by fork, spawn and
exec. Three are enforced, from the session's Limits: open files (the descriptor table), processes
(fork and spawn) and memory (the wasm memory of the next image: exec, fork, spawn). The others are
kept and reported, as a user's defaults on Linux. A user may lower a hard limit, never raise it.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .session import Limits

INFINITY = (1 << 64) - 1
CPU, FSIZE, DATA, STACK, CORE, RSS, NPROC, NOFILE, MEMLOCK, AS = range(10)
LOCKS, SIGPENDING, MSGQUEUE, NICE, RTPRIO, RTTIME = range(10, 16)
NLIMITS = 16


class Rlimits:
    def __init__(self, limits: Limits) -> None:
        mem, inf = limits.memory_bytes, INFINITY
        self.values: list[tuple[int, int]] = [(inf, inf)] * NLIMITS
        for resource, value in (
            (DATA, (mem, mem)), (AS, (mem, mem)), (NPROC, (limits.processes,) * 2),
            (NOFILE, (limits.open_files,) * 2), (STACK, (8 << 20, inf)), (CORE, (0, inf)),
            (MEMLOCK, (8 << 20, 8 << 20)), (SIGPENDING, (64, 64)), (MSGQUEUE, (819200, 819200)),
            (NICE, (0, 0)), (RTPRIO, (0, 0)),
        ):  # fmt: skip
            self.values[resource] = value

    def copy(self) -> Rlimits:
        new = Rlimits.__new__(Rlimits)
        new.values = list(self.values)
        return new

    def get(self, resource: int) -> tuple[int, int]:
        if not 0 <= resource < NLIMITS:
            raise OSError(errno.EINVAL, "no such resource")
        return self.values[resource]

    def set(self, resource: int, cur: int, hard: int) -> None:
        old_hard = self.get(resource)[1]
        if cur > hard:
            raise OSError(errno.EINVAL, "soft limit above hard limit")
        if hard > old_hard:
            raise OSError(errno.EPERM, "only root raises a hard limit")
        self.values[resource] = (cur, hard)

    def cur(self, resource: int) -> int:
        return self.values[resource][0]

    @property
    def memory(self) -> int:
        """The byte limit of a new image's memory: the lower of AS and DATA."""
        return min(self.cur(AS), self.cur(DATA))
