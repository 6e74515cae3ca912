"""Session ownership across nodes sharing one PostgreSQL (docs/scale.md).

A session runs on the node holding its advisory lock, a session-level lock on this node's own
connection: when the node dies, PostgreSQL sees the connection drop and frees its locks, so the
next request anywhere takes the lock and restarts the session from its durable files. The
`owners` table says which node holds a lock (its advertised URL), for forwarding. Uses
psycopg's async connection: a lock query never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from typing import Any

log = logging.getLogger("cowasm.cluster")
CLAIM_GRACE = 30.0  # seconds a claimed session without a kernel or files is kept before release
SETTLE_TRIES = 40  # a lock held but no owner row yet: the new owner is writing it
SETTLE_DELAY = 0.05


class OwnerUnknown(Exception):
    """The session's lock is held, but no node says it holds it."""


def lock_key(session_id: str) -> int:
    """A 64-bit advisory lock id for a session (signed, as PostgreSQL's bigint)."""
    digest = hashlib.sha256(b"cowasm-session:" + session_id.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class Cluster:
    def __init__(self, database_url: str, node_url: str) -> None:
        self.database_url = database_url
        self.node_url = node_url.rstrip("/")
        self._conn: Any = None
        self._held: dict[str, float] = {}  # session: monotonic time it was last claimed
        self._lock = asyncio.Lock()  # one query at a time on the lock connection

    async def start(self) -> None:
        import psycopg  # the tables exist: server.pg made them when the app was made

        self._conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
        # Rows this node left behind when it last died say nothing now: their locks are gone.
        await self._execute("DELETE FROM owners WHERE node = %s", (self.node_url,))
        log.info("cluster node", extra={"kv": {"node": self.node_url}})

    async def _execute(self, sql: str, args: tuple[Any, ...]) -> Any:
        async with self._lock:
            cur = await self._conn.execute(sql, args)
            return await cur.fetchone() if cur.description else None

    def holds(self, session_id: str) -> bool:
        return session_id in self._held

    async def locate(self, session_id: str, claim: bool = True) -> str | None:
        """None when the session is (now) this node's; else the URL of the node that has it.
        With claim=False a free session is not taken (None: nobody runs it)."""
        key = lock_key(session_id)
        for _ in range(SETTLE_TRIES):
            if session_id in self._held:
                self._held[session_id] = time.monotonic()
                return None
            # One round trip: try the lock, record ourselves if we got it, and read the owner
            # row as it was before (the CTE's insert is not visible to the outer query).
            got, owner = await self._execute(
                "WITH l AS (SELECT pg_try_advisory_lock(%s) AS got), ins AS ("
                " INSERT INTO owners SELECT %s, %s, %s FROM l WHERE got AND %s"
                " ON CONFLICT (session) DO UPDATE SET node = excluded.node, since = excluded.since)"
                " SELECT got, (SELECT node FROM owners WHERE session = %s) FROM l",
                (key, session_id, self.node_url, time.time(), claim, session_id),
            )
            if got and not claim:
                await self._execute("SELECT pg_advisory_unlock(%s)", (key,))
                return None
            if got:
                if session_id in self._held:  # claimed meanwhile by another task: locks count
                    await self._execute("SELECT pg_advisory_unlock(%s)", (key,))
                else:
                    self._held[session_id] = time.monotonic()
                    log.info("session claimed", extra={"kv": {"session": session_id}})
                return None
            if owner is not None and owner != self.node_url:
                return str(owner)
            await asyncio.sleep(SETTLE_DELAY)  # taken a moment ago: its row is on its way
        raise OwnerUnknown(session_id)

    async def claim(self, session_id: str) -> None:
        """Make sure this node holds the session (a new one, or one about to start here)."""
        owner = await self.locate(session_id)
        if owner is not None:
            raise OwnerUnknown(f"session {session_id} runs on {owner}")

    async def release_unused(self, in_use: set[str]) -> set[str]:
        """Give up the sessions this node claimed but no longer runs (no kernel, no loaded
        files) for CLAIM_GRACE seconds, so another node may take them. Returns the sessions
        whose locks were lost with a broken lock connection: their kernels must stop, since
        another node may start them now (their files are durable)."""
        import psycopg

        try:
            await self._execute("SELECT 1", ())
        except psycopg.Error as e:
            lost = set(self._held)
            self._held.clear()
            log.error("lock connection lost", extra={"kv": {"error": str(e), "held": len(lost)}})
            with contextlib.suppress(psycopg.Error):
                await self._conn.close()
            self._conn = await psycopg.AsyncConnection.connect(self.database_url, autocommit=True)
            return lost
        now = time.monotonic()
        for sid, since in list(self._held.items()):
            if sid in in_use:
                self._held[sid] = now
            elif now - since > CLAIM_GRACE:
                await self.release(sid)
        return set()

    async def release(self, session_id: str) -> None:
        if self._held.pop(session_id, None) is None:
            return
        await self._execute(
            "DELETE FROM owners WHERE session = %s AND node = %s", (session_id, self.node_url)
        )
        await self._execute("SELECT pg_advisory_unlock(%s)", (lock_key(session_id),))

    async def close(self) -> None:
        """Shutdown: the kernels are stopped and saved; the locks go with the connection."""
        if self._conn is None:
            return
        try:
            await self._execute("DELETE FROM owners WHERE node = %s", (self.node_url,))
        finally:
            await self._conn.close()
            self._held.clear()
