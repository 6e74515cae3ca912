"""A shared terminal: one kernel session, its output history, and the clients watching it.

Modelled on terminado's PtyWithClients, plus what it lacks: a read-only role and flow control.

Invariants:
- Output is one byte stream with absolute positions. The scrollback ring keeps its most recent
  `scrollback_bytes` (up to twice that before trimming); it is also every client's send queue:
  a client is just a cursor into the stream, so fan-out copies nothing and memory per client
  is bounded whatever the client does.
- The kernel never waits for a client. Kernel threads append output to a pending list and
  schedule one flush on the event loop; the flush appends to the ring and wakes the senders.
- Each client has its own sender task. It stops sending while the client has `ack_window`
  bytes un-acked (or while its socket does not drain); when it resumes and its cursor has
  fallen out of the ring, it is resynced from the oldest line the ring holds. A client that
  stays stuck for `stall_timeout` seconds is dropped (see `check_stalls`).
- Control messages (viewers, size, exit, started) are queued per client with the stream
  position they follow, so `exit` always arrives after the shell's last output.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import re
import secrets
import shlex
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Protocol

from aiohttp import web

from .files.model import valid_path
from .metrics import Metrics
from .sessions.batch import exit_code  # the kernel reports wait statuses
from .sessions.session import HOME

log = logging.getLogger("cowasm.terminal")

CHUNK = 128 << 10  # largest binary frame sent to a client
FLUSH_INTERVAL = 0.002  # seconds between two flushes of a flood (Wetty uses 2 ms too)
FLOOD_BYTES = 1024  # a flush this big means a flood is going on
ALIGN = 4 << 10  # a replay starts after the first newline within this many bytes
# What xterm.js sends by itself, not a person typing: replies to a program's queries (cursor
# position, device attributes, modes, colours) and focus reports.
TERMINAL_REPORTS = re.compile(
    rb"(?:\x1b\[\d+;\d+R|\x1b\[[?>=][\d;]*c|\x1b\[[IO]|\x1b\[\??[\d;]*\$y"
    rb"|\x1b\][\d;]*rgb:[0-9a-fA-F/]*(?:\x07|\x1b\\))+"
)
MIN_SIZE, MAX_ROWS, MAX_COLS = 2, 500, 1000
DEFAULT_ROWS, DEFAULT_COLS = 24, 80


class KernelSession(Protocol):
    """What server.sessions.session.Session provides."""

    alive: bool
    nprocs: int

    def start(self, argv: list[str] | None = None) -> None: ...
    def write_input(self, data: bytes) -> None: ...
    def type_command(self, command: str) -> bool: ...
    def resize(self, rows: int, cols: int) -> None: ...
    def stop(self) -> None: ...


RUNNERS = {".py": "python3", ".sh": "sh"}  # what the page's Run button runs a file with
BUSY = "A program is running in the terminal: stop it (Ctrl-C) or let it finish, then Run again."


def run_command(path: str) -> str:
    """The command line that runs a file of the home folder, named as the file tree names it."""
    runner = RUNNERS.get(PurePosixPath(path).suffix.lower())
    if not valid_path(path) or any(not c.isprintable() for c in path):
        raise ValueError("not a runnable file name")  # it would be echoed to every terminal
    if runner is None:
        raise ValueError(f"only {' and '.join(RUNNERS)} files run")
    return f"{runner} {shlex.quote(f'{HOME}/{path}')}"


# Builds a kernel session (not yet started): (rows, cols, on_output, on_exit) -> session.
SessionFactory = Callable[[int, int, Callable[[bytes], None], Callable[[int], None]], KernelSession]


class Scrollback:
    """The most recent output, addressed by absolute stream position."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.buf = bytearray()
        self.start = 0  # stream position of buf[0]
        self._last: tuple[tuple[int, int], bytes] = ((-1, 0), b"")

    @property
    def end(self) -> int:
        return self.start + len(self.buf)

    def append(self, data: bytes) -> None:
        self.buf += data
        # Trim only at twice the capacity so the memmove happens once per `capacity` bytes.
        if len(self.buf) > 2 * self.capacity:
            excess = len(self.buf) - self.capacity
            del self.buf[:excess]
            self.start += excess

    def replay_start(self) -> int:
        """Where a joining or resynced reader begins: the newest `capacity` bytes, from just
        after a newline so that it does not start inside an escape sequence or a character."""
        off = max(0, len(self.buf) - self.capacity)
        if self.start == 0 and off == 0:
            return 0
        nl = self.buf.find(b"\n", off, off + ALIGN)
        return self.start + (nl + 1 if nl >= 0 else off)

    def tail(self, limit: int) -> bytes:
        """The newest `limit` bytes or fewer, from a line start when there is one."""
        data = bytes(self.buf[-limit:])
        nl = data.find(b"\n", 0, ALIGN) if len(data) == limit else -1
        return data[nl + 1 :]

    def read(self, pos: int, limit: int) -> bytes:
        # Clients that keep up ask for the same slices: copy each one once, not once per client.
        if self._last[0] == (pos, limit):
            return self._last[1]
        off = pos - self.start
        data = bytes(self.buf[off : off + limit])
        self._last = ((pos, limit), data)
        return data


ADJECTIVES = ["Brave", "Calm", "Clever", "Eager", "Gentle", "Happy", "Jolly", "Kind", "Lively",
              "Merry", "Quick", "Sunny", "Witty"]  # fmt: skip
ANIMALS = ["Otter", "Panda", "Heron", "Lynx", "Koala", "Falcon", "Badger", "Dolphin", "Fox", "Owl",
           "Puffin", "Tiger", "Walrus"]  # fmt: skip
COLORS = [
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4",
    "#f032e6", "#469990", "#9a6324", "#800000", "#808000", "#000075",
]  # fmt: skip


def friendly_name() -> str:
    return f"{random.choice(ADJECTIVES)} {random.choice(ANIMALS)}"


@dataclass(eq=False)
class Client:
    ws: web.WebSocketResponse
    role: str  # "writer" or "viewer"
    name: str
    color: str
    id: str = field(default_factory=lambda: secrets.token_hex(4))
    abort: Callable[[], None] = lambda: None  # cuts the connection without a goodbye
    size: tuple[int, int] | None = None  # what this writer's window can show
    typed: int = 0  # when this writer last typed or ran (a SharedTerminal tick; 0: never)
    cursor: int = 0  # next stream position to send
    sent: int = 0  # bytes sent (for acks; resyncs skip positions, not sent bytes)
    acked: int = 0
    acks: bool = False  # flow control starts with the first ack; until then TCP paces it
    control: deque[tuple[int, str]] = field(default_factory=deque)  # (position, JSON)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    stuck_since: float | None = None  # when it last started waiting on acks or a drain
    task: asyncio.Task[None] | None = None
    watcher: bool = False  # the teacher page's peek: not a person, does not keep it running

    def info(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "color": self.color, "role": self.role}


class SharedTerminal:
    def __init__(
        self,
        session_id: str,
        factory: SessionFactory,
        *,
        scrollback_bytes: int = 512 << 10,
        ack_window: int = 1 << 20,
        stall_timeout: float = 60.0,
        metrics: Metrics | None = None,
    ) -> None:
        self.id = session_id
        self._factory = factory
        self._ack_window = ack_window
        self._stall_timeout = stall_timeout
        self._metrics = metrics or Metrics()
        self._loop = asyncio.get_running_loop()
        self.ring = Scrollback(scrollback_bytes)
        self.clients: dict[str, Client] = {}
        self.size = (DEFAULT_ROWS, DEFAULT_COLS)
        self.size_by: str | None = None  # the writer whose window sets the size
        self._ticks = itertools.count(1)  # orders writers' typing (the size rule)
        self.session: KernelSession | None = None
        self.exit_status: int | None = None  # set while the shell has exited
        self.idle_since: float | None = time.monotonic()  # None while someone is attached
        self._generation = 0  # ignores callbacks from a session that was replaced
        self._lock = threading.Lock()
        self._pending: list[bytes] = []
        self._flush_scheduled = False
        self._last_flush = 0.0
        self._last_flush_size = 0
        self._type_after_prompt: bytes | None = None
        self._starting: asyncio.Task[None] | None = None

    # -- the kernel side --------------------------------------------------------------------

    async def start(self, type_first: str | None = None) -> None:
        """Start a shell (pid 1). `type_first` is typed once the shell has printed its prompt."""
        self._type_after_prompt = type_first.encode() + b"\r" if type_first else None
        self._generation += 1
        gen = self._generation
        rows, cols = self.size

        def on_output(data: bytes) -> None:  # kernel thread
            with self._lock:
                if gen != self._generation:
                    return
                self._pending.append(data)
                if self._flush_scheduled:
                    return
                self._flush_scheduled = True
            self._loop.call_soon_threadsafe(self._schedule_flush)

        def on_exit(status: int) -> None:  # kernel thread
            self._loop.call_soon_threadsafe(self._exited, gen, status)

        session = self._factory(rows, cols, on_output, on_exit)
        self.session = session
        self.exit_status = None
        await asyncio.to_thread(session.start)

    async def stop(self) -> None:
        session, self.session = self.session, None
        self._generation += 1
        if session is not None:
            await asyncio.to_thread(session.stop)

    @property
    def nprocs(self) -> int:
        return self.session.nprocs if self.session is not None and self.exit_status is None else 0

    def _schedule_flush(self) -> None:
        """Small output (an echoed key) goes out at once; during a flood (the previous flush
        was big) output is sent at most once per FLUSH_INTERVAL, in big chunks, so that
        fan-out costs per flush and not per write."""
        wait = self._last_flush + FLUSH_INTERVAL - self._loop.time()
        if wait > 0 and self._last_flush_size >= FLOOD_BYTES:
            self._loop.call_later(wait, self._flush)
        else:
            self._flush()

    def _flush(self) -> None:
        self._last_flush = self._loop.time()
        with self._lock:
            data = b"".join(self._pending)
            self._pending.clear()
            self._flush_scheduled = False
        self._last_flush_size = len(data)
        if not data:
            return
        self.ring.append(data)
        for client in self.clients.values():
            client.wake.set()
        if self._type_after_prompt and self.session is not None:
            typed, self._type_after_prompt = self._type_after_prompt, None
            self.session.write_input(typed)

    def _exited(self, gen: int, wait_status: int) -> None:
        if gen != self._generation:
            return
        self._flush()  # the shell's last words go before `exit`
        status = exit_code(wait_status)
        self.exit_status = status
        log.info("shell exited", extra={"kv": {"session": self.id, "status": status}})
        self.broadcast({"type": "exit", "status": status})

    # -- the client side --------------------------------------------------------------------

    def attach(
        self,
        ws: web.WebSocketResponse,
        role: str,
        name: str | None,
        abort: Callable[[], None] = lambda: None,
        watcher: bool = False,
    ) -> Client:
        name = (name or "").strip()[:40] or friendly_name()
        client = Client(ws, role, name, self._color(), abort=abort, watcher=watcher)
        self.clients[client.id] = client
        if not watcher:
            self.idle_since = None
        client.cursor = self.ring.replay_start()
        rows, cols = self.size
        hello = {"type": "hello", "role": role, "client": client.id, "session": self.id,
                 "rows": rows, "cols": cols, "name": name, "color": client.color}  # fmt: skip
        client.control.append((client.cursor, json.dumps(hello)))
        if self.exit_status is not None:
            self._send_to(client, {"type": "exit", "status": self.exit_status}, self.ring.end)
        if not watcher:
            self._broadcast_viewers()
        client.wake.set()  # its hello and replay
        client.task = asyncio.create_task(self._sender(client), name=f"term-send-{client.id}")
        return client

    async def detach(self, client: Client) -> None:
        if self.clients.pop(client.id, None) is None:
            return
        if client.task is not None:
            client.task.cancel()
        if self.idle_since is None and not self.people():
            self.idle_since = time.monotonic()
        if client.size is not None:
            self._apply_size()
        if not client.watcher:
            self._broadcast_viewers()

    async def close_clients(self, reason: str, code: int = 1001, timeout: float = 2.0) -> None:
        """Say goodbye to everyone (1001: server shutting down; 4404: session deleted); a
        client that does not answer the close within `timeout` seconds is cut off."""

        async def bye(client: Client) -> None:
            if client.task is not None:
                client.task.cancel()
            try:
                closing = client.ws.close(code=code, message=reason.encode())
                await asyncio.wait_for(closing, timeout)
            except (TimeoutError, ConnectionError, RuntimeError):
                client.abort()

        await asyncio.gather(*(bye(c) for c in list(self.clients.values())))

    async def input(self, client: Client, data: bytes) -> None:
        """Keystrokes from a client; viewers' are dropped. Enter after `exit` restarts."""
        if client.role != "writer":
            return
        if not TERMINAL_REPORTS.fullmatch(data):  # every writer's page answers a query
            self._typed(client)
        if self.exit_status is not None or self.session is None:
            if b"\r" in data or b"\n" in data:
                await self.restart()
            return
        self.session.write_input(data)

    async def run(self, client: Client, path: str) -> str | None:
        """Run a file of the home folder (the page's Run button) as if a writer typed the
        command at the prompt. Returns why it did not, for the client to show."""
        if client.role != "writer":
            return "viewers cannot run files"
        command = run_command(path)
        self._typed(client)
        if self.exit_status is not None or self.session is None:
            await self.restart(type_first=command)  # the shell had exited: a new one runs it
        elif not self.session.type_command(command):
            return BUSY
        return None

    async def restart(self, type_first: str | None = None) -> None:
        if self._starting is None:  # two Enters at once start one shell
            self._starting = asyncio.create_task(self._restart(type_first))
        task = self._starting
        await asyncio.shield(task)

    async def _restart(self, type_first: str | None) -> None:
        try:
            await self.stop()
            await self.start(type_first)
            self.broadcast({"type": "started"})
        finally:
            self._starting = None

    def resize(self, client: Client, rows: int, cols: int) -> None:
        if client.role != "writer":
            return
        client.size = (min(max(rows, MIN_SIZE), MAX_ROWS), min(max(cols, MIN_SIZE), MAX_COLS))
        self._apply_size()

    def _typed(self, client: Client) -> None:
        client.typed = next(self._ticks)
        if client.id != self.size_by and client.size is not None:
            self._apply_size()  # the size follows whoever typed last

    def rename(self, client: Client, name: str) -> None:
        client.name = name.strip()[:40] or client.name
        self._broadcast_viewers()

    def ack(self, client: Client, nbytes: int) -> None:
        client.acks = True
        client.acked = min(client.acked + max(nbytes, 0), client.sent)
        client.wake.set()

    def _apply_size(self) -> None:
        """Size rule: the window of the writer who typed (or ran) last among the writers that
        sent a size; before anyone typed, the earliest of them. Unchanged when none has
        (viewers never size the terminal); the others' pages letterbox it."""
        sized = [c for c in self.clients.values() if c.size is not None]
        leader = max(sized, key=lambda c: c.typed, default=None)  # ties: the first attached
        if leader is None or leader.size is None:
            return
        size, by = leader.size, leader.id
        if (size, by) == (self.size, self.size_by):
            return
        self.size_by = by
        if size != self.size:
            self.size = size
            if self.session is not None and self.exit_status is None:
                self.session.resize(*size)
        self.broadcast({"type": "size", "rows": size[0], "cols": size[1], "by": by})

    def people(self) -> list[Client]:
        """The clients that are someone using the session (watchers are not)."""
        return [c for c in self.clients.values() if not c.watcher]

    def _broadcast_viewers(self) -> None:
        self.broadcast({"type": "viewers", "clients": [c.info() for c in self.people()]})

    def broadcast(self, message: dict[str, Any]) -> None:
        for client in self.clients.values():
            self._send_to(client, message, self.ring.end)

    def _send_to(self, client: Client, message: dict[str, Any], pos: int) -> None:
        client.control.append((pos, json.dumps(message)))
        client.wake.set()

    def _color(self) -> str:
        used = {c.color for c in self.clients.values()}
        free = [c for c in COLORS if c not in used]
        return random.choice(free or COLORS)

    async def _sender(self, client: Client) -> None:
        ws, ring = client.ws, self.ring
        try:
            while not ws.closed:
                await client.wake.wait()
                client.wake.clear()
                while not ws.closed:
                    if client.cursor < ring.start:  # fell out of the ring: resync
                        client.cursor = ring.replay_start()
                    while client.control and client.control[0][0] <= client.cursor:
                        await ws.send_str(client.control.popleft()[1])
                    limit = ring.end
                    if client.control:
                        limit = min(limit, max(client.control[0][0], client.cursor))
                    room = CHUNK
                    if client.acks:
                        room = self._ack_window - (client.sent - client.acked)
                    if client.cursor >= limit:
                        if client.control:  # its position fell out of the ring
                            await ws.send_str(client.control.popleft()[1])
                            continue
                        client.stuck_since = None
                        break
                    if room <= 0:
                        client.stuck_since = client.stuck_since or time.monotonic()
                        break  # wait for an ack
                    data = ring.read(client.cursor, min(limit - client.cursor, CHUNK, room))
                    client.stuck_since = client.stuck_since or time.monotonic()
                    await ws.send_bytes(data)  # waits while this client's socket is full
                    client.stuck_since = None
                    client.cursor += len(data)
                    client.sent += len(data)
                    self._metrics.bytes_out += len(data)
        except (ConnectionError, RuntimeError):
            pass  # the socket went away; the handler's receive loop ends and detaches

    def check_stalls(self, now: float) -> None:
        """Drop clients that have been stuck (no acks, or a socket that does not drain) for
        longer than `stall_timeout`. Called from the manager's housekeeping task."""
        for client in list(self.clients.values()):
            since = client.stuck_since
            if since is not None and now - since > self._stall_timeout:
                log.info("dropping stalled client",
                         extra={"kv": {"session": self.id, "client": client.id}})  # fmt: skip
                self._metrics.clients_dropped += 1
                if client.task is not None:
                    client.task.cancel()
                client.abort()
