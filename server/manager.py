"""The session manager: lifetime policy only (terminado's managers are the model).

It decides which sessions have a running kernel: a session's shell starts when it is created
and whenever it is opened while stopped; a session nobody has watched for `idle_timeout` is
stopped (its files stay); at most `max_sessions` kernels run, the longest-idle unwatched one
making room for a new one. Template copies are new sessions whose files start as a copy of
another session's and whose `cmd` is typed at their first start. Sessions unused for
`session_ttl` (copies: `copy_ttl`) are deleted, unless someone is attached; last_active is
refreshed every `touch_interval` while someone is.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from .config import Config
from .db import SessionRow
from .homes import Homes
from .metrics import Metrics
from .sessions.session import Limits
from .sessions.vfs.base import Backend
from .terminal import SessionFactory, SharedTerminal

if TYPE_CHECKING:
    from .cluster import Cluster
    from .storage import Sessions

log = logging.getLogger("cowasm.manager")
SAVED_SCROLLBACK = 64 << 10  # output kept across a kernel stop or a server restart
GOODBYE_TIMEOUT = 0.5  # seconds a client may take to answer the close at shutdown
EXPIRE_BATCH = 100  # sessions deleted per retention sweep at most (the next sweep goes on)
DELETIONS_KEPT = 365 * 86400.0  # seconds a deleted id is still reported as deleted


class SessionsFull(Exception):
    """Every running kernel has someone attached and the limit is reached."""


class SessionGone(Exception):
    """The session was deleted while it was being opened."""


def kernel_factory(home: Backend, limits: Limits) -> SessionFactory:
    from .sessions.session import Session, SessionConfig

    def make(rows, cols, on_output, on_exit):  # type: ignore[no-untyped-def]
        config = SessionConfig(limits=limits, rows=rows, cols=cols)
        return Session(config, home, on_output, on_exit)

    return make


class SessionManager:
    def __init__(
        self,
        config: Config,
        db: Sessions,
        homes: Homes,
        metrics: Metrics,
        kernel: Callable[[Backend, Limits], SessionFactory] = kernel_factory,
        cluster: Cluster | None = None,
    ) -> None:
        self.config = config
        self.db = db
        self.cluster = cluster  # several nodes: a kernel runs only where its lock is held
        self.homes = homes
        self.metrics = metrics
        self._kernel = kernel
        self.terminals: dict[str, SharedTerminal] = {}
        self._starting: dict[str, asyncio.Task[SharedTerminal]] = {}
        self._stopping: dict[str, asyncio.Task[None]] = {}
        self._deleting: set[str] = set()
        self._waiting: dict[str, asyncio.Event] = {}  # see when_running
        self.closing = False
        self._housekeeper: asyncio.Task[None] | None = None
        self._touched: dict[str, float] = {}  # session: monotonic time of its last touch
        self._last_sweep = -float("inf")

    def full_message(self) -> str:
        n = self.config.max_sessions
        return (f"This server runs at most {n} machine{'s' if n != 1 else ''} at once and all "
                "of them are in use; try again in a minute.")  # fmt: skip

    async def get(self, session_id: str) -> SessionRow | None:
        return await self.db.get(session_id)

    async def create(
        self, template: SessionRow | None = None, cmd: str | None = None, label: str | None = None
    ) -> SessionRow:
        await self._make_room(0)  # before the row exists: a refused create leaves nothing
        row = await self.db.create(template.id if template else None, cmd, label)
        if template is not None:
            await self.homes.copy(template.id, row.id)
            await self.db.touch(template.id)  # a template in use is not idle
        self.metrics.sessions_created += 1
        log.info("session created", extra={"kv": {"session": row.id, "template": row.template}})
        await self.open(row)
        return row

    async def open(self, row: SessionRow) -> SharedTerminal:
        """The session's terminal, starting its kernel if it is stopped."""
        while (stopping := self._stopping.get(row.id)) is not None:
            await asyncio.wait({stopping})  # its scrollback saved and its files released first
            if row.id in self._deleting or await self.db.get(row.id) is None:
                raise SessionGone(row.id)
        term = self.terminals.get(row.id)
        if term is not None:
            return term
        task = self._starting.get(row.id)
        if task is None:  # concurrent opens share one start
            task = asyncio.create_task(self._start(row))
            self._starting[row.id] = task
            task.add_done_callback(lambda _: self._starting.pop(row.id, None))
        return await asyncio.shield(task)

    async def _start(self, row: SessionRow) -> SharedTerminal:
        await self._make_room(1)
        if self.cluster is not None:
            await self.cluster.claim(row.id)
        home = await self.homes.open(row.id)
        cfg = self.config
        term = SharedTerminal(
            row.id,
            self._kernel(home, cfg.limits),
            scrollback_bytes=cfg.scrollback_bytes,
            ack_window=cfg.ack_window,
            stall_timeout=cfg.stall_timeout,
            metrics=self.metrics,
        )
        saved = await self.db.load_scrollback(row.id)
        if saved:  # what the previous shell showed, then a visible seam
            term.ring.append(saved + b"\r\n\x1b[2m[session restarted]\x1b[0m\r\n")
        await term.start(type_first=row.cmd)
        if row.cmd:
            await self.db.clear_cmd(row.id)
        self.terminals[row.id] = term
        if (started := self._waiting.pop(row.id, None)) is not None:
            started.set()
        log.info("kernel started", extra={"kv": {"session": row.id}})
        return term

    def when_running(self, session_id: str) -> asyncio.Event:
        """Set when the session's kernel next starts (watchers of a stopped one wait on it;
        watching never starts a kernel)."""
        return self._waiting.setdefault(session_id, asyncio.Event())

    def can_open(self, session_id: str) -> bool:
        """Whether open() would succeed now (running already, or room can be made)."""
        if session_id in self.terminals or session_id in self._starting:
            return True
        if len(self.terminals) + len(self._starting) < self.config.max_sessions:
            return True
        return any(t.idle_since is not None for t in self.terminals.values())

    async def _make_room(self, starting_self: int) -> None:
        """Stop the longest-idle unwatched kernel if the limit is reached."""
        if len(self.terminals) + len(self._starting) - starting_self < self.config.max_sessions:
            return
        idle = [t for t in self.terminals.values() if t.idle_since is not None]
        if not idle:
            raise SessionsFull(self.full_message())
        await self.stop(min(idle, key=lambda t: t.idle_since or 0.0).id)

    async def stop(self, session_id: str, reason: str = "stopped") -> None:
        task = self._stopping.get(session_id)
        if task is None:
            term = self.terminals.pop(session_id, None)
            if term is None:
                return
            task = asyncio.create_task(self._stop(session_id, term, reason))
            self._stopping[session_id] = task
            task.add_done_callback(lambda _: self._stopping.pop(session_id, None))
        await asyncio.shield(task)

    async def _stop(self, session_id: str, term: SharedTerminal, reason: str) -> None:
        code = 4404 if reason in ("deleted", "expired") else 1001
        bound = GOODBYE_TIMEOUT if reason == "shutdown" else 2.0
        await term.close_clients(reason, code, timeout=bound)
        await term.stop()
        await self.db.save_scrollback(session_id, term.ring.tail(SAVED_SCROLLBACK))
        await self.homes.release(session_id)
        await self.db.touch(session_id)
        self._touched.pop(session_id, None)
        log.info("kernel stopped", extra={"kv": {"session": session_id, "reason": reason}})

    async def delete(self, session_id: str, reason: str = "deleted") -> None:
        """Delete a session: its machine, files (log and blobs), scrollback and row."""
        self._deleting.add(session_id)  # an open() waiting for the stop must not restart it
        try:
            await self.stop(session_id, reason)
            await self.homes.delete(session_id)
            await self.db.delete(session_id)
            await self.db.record_deletion(session_id, reason)
            if (waiting := self._waiting.pop(session_id, None)) is not None:
                waiting.set()  # its watchers are told it is gone
        finally:
            self._deleting.discard(session_id)
        self._touched.pop(session_id, None)
        log.info(f"session {reason}", extra={"kv": {"session": session_id}})

    # -- background work --------------------------------------------------------------------

    def start_housekeeping(self) -> None:
        self._housekeeper = asyncio.create_task(self._housekeeping())

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(self.config.housekeeping_interval)
            try:
                await self.tick(time.monotonic())
            except Exception:  # one bad session must not end housekeeping for all
                log.exception("housekeeping failed")

    async def tick(self, now: float) -> None:
        """Drop stalled clients; stop kernels nobody has watched for `idle_timeout`; keep the
        watched ones' last_active fresh; now and then, delete sessions past their time."""
        cfg = self.config
        for term in list(self.terminals.values()):
            term.check_stalls(now)
            if term.idle_since is not None and now - term.idle_since > cfg.idle_timeout:
                await self.stop(term.id, "idle")
            elif term.clients and now - self._touched.get(term.id, -cfg.touch_interval) >= (
                cfg.touch_interval
            ):
                await self.db.touch(term.id)
                self._touched[term.id] = now
        if self.cluster is not None:
            lost = await self.cluster.release_unused(
                set(self.terminals) | set(self._starting) | set(self._stopping)
                | self.homes.loaded()
            )  # fmt: skip
            for sid in lost:  # another node may start it now: never run it twice
                await self.stop(sid, "moved")
        if now - self._last_sweep >= cfg.retention_interval:
            self._last_sweep = now
            await self.expire(time.time())

    def in_use(self, session_id: str) -> bool:
        term = self.terminals.get(session_id)
        return session_id in self._starting or (term is not None and bool(term.clients))

    async def expire(self, wall: float) -> list[str]:
        """Delete the sessions idle past their TTL at wall-clock time `wall` (never one with a
        client attached); returns their ids."""
        cfg = self.config
        session_cutoff = wall - cfg.session_ttl if cfg.session_ttl > 0 else None
        copy_cutoff = wall - cfg.copy_ttl if cfg.copy_ttl > 0 else None
        expired = []
        if session_cutoff is not None or copy_cutoff is not None:
            for sid in await self.db.idle_before(session_cutoff, copy_cutoff, EXPIRE_BATCH):
                if self.in_use(sid) or sid in self._deleting:
                    continue
                if self.cluster is not None and await self.cluster.locate(sid) is not None:
                    continue  # another node runs it: its own sweep decides
                await self.delete(sid, "expired")
                expired.append(sid)
        await self.db.prune_deletions(wall - DELETIONS_KEPT)
        return expired

    async def close(self, *also: Awaitable[object]) -> None:
        """Server shutdown: say goodbye to every client and stop every kernel, all at once
        (with `also`, the app's other goodbyes), then save and close the file trees."""
        self.closing = True
        for waiting in self._waiting.values():  # watchers of stopped sessions say goodbye too
            waiting.set()
        self._waiting.clear()
        if self._housekeeper is not None:
            self._housekeeper.cancel()
        stops = (self.stop(sid, "shutdown") for sid in list(self.terminals))
        await asyncio.gather(*stops, *also, return_exceptions=True)
        await self.homes.close()
