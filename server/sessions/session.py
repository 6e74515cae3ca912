"""A session: one small POSIX machine (process table, terminal, mounts) whose first program is
an interactive shell on the terminal (pid 2; pid 1 is the kernel's init). This is the only
kernel object the web layer touches.

Callbacks run on kernel threads; the caller hops to its event loop itself
(loop.call_soon_threadsafe).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import system
from .fd import OpenFile
from .machine import Machine
from .vfs.base import FILE, Backend
from .vfs.devfs import DevFS
from .vfs.hostdir import HostDir
from .vfs.memfs import MemFS
from .vfs.procfs import ProcFS
from .vfs.tree import Tree

HOME = "/home/user"
DEFAULT_ENV = {
    "HOME": HOME,
    "PATH": "/bin:/usr/local/bin",
    "TERM": "xterm-256color",
    "USER": "user",
    "LOGNAME": "user",
    "SHELL": "/bin/sh",
    "LANG": "C.UTF-8",
    "ENV": "/etc/profile",
}


@dataclass
class Limits:
    memory_bytes: int = 512 << 20  # per process (wasm linear memory)
    processes: int = 64  # per session; fork/spawn beyond this fail with EAGAIN
    open_files: int = 256  # per process
    tmp_bytes: int = 64 << 20  # the in-memory /tmp
    tree_bytes: int = 256 << 20  # the session's home tree
    file_bytes: int = 64 << 20  # one file in the home tree


@dataclass
class SessionConfig:
    limits: Limits = field(default_factory=Limits)
    rows: int = 24
    cols: int = 80
    env: dict[str, str] = field(default_factory=dict)
    wait_orphans: bool = False  # the machine lasts until every process ends (Machine)


def build_tree(machine: Machine, home: Backend, limits: Limits) -> Tree:
    root = system.build_root()
    tree = Tree(root)
    prefix = system.python_prefix()
    if prefix.exists():
        tree.mount("/usr/local", HostDir(prefix, readonly=True))
    tree.mount(HOME, home)
    tmp = MemFS(limits.tmp_bytes)
    tmp.root.mode = 0o1777  # drwxrwxrwt, as every Unix's /tmp
    tree.mount("/tmp", tmp)
    tree.mount("/dev", DevFS(machine.tty))
    tree.mount("/proc", ProcFS(machine))
    root.add("etc/mtab", FILE, 0o444).data = bytearray(tree.mtab())
    return tree


class Session:
    def __init__(
        self,
        config: SessionConfig,
        home: Backend,
        on_output: Callable[[bytes], None],
        on_exit: Callable[[int], None],
    ) -> None:
        self.config = config
        self.home = home
        self.on_output = on_output
        self.on_exit = on_exit
        self.machine: Machine | None = None
        self.exit_status: int | None = None

    def start(
        self, argv: list[str] | None = None, cwd: str = HOME, stdio: list[OpenFile] | None = None
    ) -> None:
        """Start the first program, pid 2 under the kernel's init (by default an interactive shell),
        on a fresh machine."""
        cfg = self.config
        self.exit_status = None
        machine = Machine(
            Tree(MemFS()), cfg.limits, self.on_output, self._exited, cfg.rows, cfg.cols
        )
        machine.tree = build_tree(machine, self.home, cfg.limits)
        machine.wait_orphans = cfg.wait_orphans
        self.machine = machine
        env = {**DEFAULT_ENV, "PWD": cwd, **cfg.env}
        machine.start_init(argv or ["/bin/sh", "-i"], env, cwd, stdio)

    def _exited(self, status: int) -> None:
        self.exit_status = status
        self.on_exit(status)

    def write_input(self, data: bytes) -> None:
        if self.machine is not None and self.alive:
            self.machine.tty.input(data)

    def type_command(self, command: str) -> bool:
        """Type a command line at the shell's prompt; False while a program has the terminal."""
        return self.machine is not None and self.alive and self.machine.tty.type_line(command)

    def resize(self, rows: int, cols: int) -> None:
        self.config.rows, self.config.cols = rows, cols
        if self.machine is not None:
            with self.machine.cond:
                self.machine.tty.resize(rows, cols)

    def stop(self, timeout: float = 2.0) -> None:
        machine = self.machine
        if machine is None:
            return
        machine.halt()
        for proc in list(machine.procs.values()):
            if proc.thread is not None:
                proc.thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self.machine is not None and self.exit_status is None and not self.machine.halted

    @property
    def nprocs(self) -> int:
        return self.machine.live_processes() if self.machine else 0
