"""The PostgreSQL storage (`--database postgresql://...`): the sessions table, the file trees'
update logs and their blobs, shared by every node of a cluster (docs/scale.md).

The same interfaces as server.db.Database and server.files.persist.UpdateLog/BlobStore, over
psycopg 3 (`pip install cowasm-serve[postgres]`, imported only here). Each store has its own
autocommit connection; psycopg serializes a connection's calls, so kernel threads may read
blobs while the loop writes. Calls are one round trip each: an update is committed before
append() returns, so an acknowledged edit survives the node's death.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from pycrdt import merge_updates

from .db import SessionRow, new_row
from .files.persist import BlobStore, write_atomic

try:
    import psycopg
except ImportError as e:  # pragma: no cover - depends on the install
    raise ImportError(
        "--database postgresql:// needs psycopg: pip install 'cowasm-serve[postgres]'"
    ) from e

log = logging.getLogger("cowasm.pg")
T = TypeVar("T")
SCHEMA_LOCK = 0x636F7761736D  # an advisory lock id: nodes starting together create tables once
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id          TEXT PRIMARY KEY,
    edit_token  TEXT NOT NULL,
    view_token  TEXT NOT NULL,
    created     DOUBLE PRECISION NOT NULL,
    last_active DOUBLE PRECISION NOT NULL,
    template    TEXT,
    cmd         TEXT,
    label       TEXT
);
CREATE INDEX IF NOT EXISTS sessions_by_template ON sessions(template, created);
CREATE INDEX IF NOT EXISTS sessions_by_last_active ON sessions(last_active);
CREATE TABLE IF NOT EXISTS scrollback (
    id   TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    data BYTEA NOT NULL
);
CREATE TABLE IF NOT EXISTS deletions (
    id      TEXT PRIMARY KEY,
    deleted DOUBLE PRECISION NOT NULL,
    reason  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS file_updates (
    seq     BIGSERIAL PRIMARY KEY,
    session TEXT NOT NULL,
    data    BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS file_updates_session ON file_updates(session, seq);
CREATE TABLE IF NOT EXISTS blobs (
    session TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    data    BYTEA NOT NULL,
    PRIMARY KEY (session, sha256)
);
CREATE TABLE IF NOT EXISTS owners (  -- which node runs a session (see server.cluster)
    session TEXT PRIMARY KEY,
    node    TEXT NOT NULL,
    since   DOUBLE PRECISION NOT NULL
);
"""


def named(url: str, node_url: str | None) -> str:
    """The URL as a conninfo that names this node in pg_stat_activity (application_name)."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(url, application_name=f"cowasm-serve {node_url or ''}".strip()[:63])


def connect(url: str) -> Any:
    """An autocommit connection; the tables are made on first use (under an advisory lock,
    since CREATE TABLE IF NOT EXISTS races with itself)."""
    conn = psycopg.connect(url, autocommit=True)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        conn.execute(SCHEMA)
    return conn


class PgDatabase:
    """server.db.Database over PostgreSQL, on psycopg's async connection (start() opens it):
    the loop never waits for a round trip. psycopg runs a connection's queries one at a time."""

    def __init__(self, url: str) -> None:
        self._url = url
        connect(url).close()  # the tables exist before the app starts
        self._db: Any = None

    async def start(self) -> None:
        self._db = await psycopg.AsyncConnection.connect(self._url, autocommit=True)

    async def _run(self, sql: str, args: tuple[Any, ...]) -> Any:
        """Execute; a connection that broke (PostgreSQL restarted) is made again, once."""
        try:
            return await self._db.execute(sql, args)
        except psycopg.OperationalError:
            if not self._db.closed:
                raise
            await self.start()
            return await self._db.execute(sql, args)

    async def _one(self, sql: str, args: tuple[Any, ...]) -> Any:
        return await (await self._run(sql, args)).fetchone()

    async def _all(self, sql: str, args: tuple[Any, ...]) -> list[Any]:
        return await (await self._run(sql, args)).fetchall()

    async def create(
        self, template: str | None = None, cmd: str | None = None, label: str | None = None
    ) -> SessionRow:
        row = new_row(template, cmd, label)
        await self._run(
            "INSERT INTO sessions (id, edit_token, view_token, created, last_active, template,"
            " cmd, label) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            (row.id, row.edit_token, row.view_token, row.created, row.last_active,
             template, cmd, label),
        )  # fmt: skip
        return row

    async def get(self, session_id: str) -> SessionRow | None:
        found = await self._one("SELECT * FROM sessions WHERE id = %s", (session_id,))
        return SessionRow(*found) if found else None

    async def touch(self, session_id: str) -> None:
        await self._run(
            "UPDATE sessions SET last_active = %s WHERE id = %s", (time.time(), session_id)
        )

    async def set_label(self, session_id: str, label: str | None) -> None:
        await self._run("UPDATE sessions SET label = %s WHERE id = %s", (label, session_id))

    async def clear_cmd(self, session_id: str) -> None:
        await self._run("UPDATE sessions SET cmd = NULL WHERE id = %s", (session_id,))

    async def save_scrollback(self, session_id: str, data: bytes) -> None:
        await self._run(
            "INSERT INTO scrollback SELECT id, %s FROM sessions WHERE id = %s"
            " ON CONFLICT (id) DO UPDATE SET data = excluded.data",
            (data, session_id),
        )

    async def load_scrollback(self, session_id: str) -> bytes:
        found = await self._one("SELECT data FROM scrollback WHERE id = %s", (session_id,))
        return bytes(found[0]) if found else b""

    async def delete(self, session_id: str) -> None:
        await self._run("DELETE FROM sessions WHERE id = %s", (session_id,))

    async def list_sessions(
        self,
        template: str | None = None,
        limit: int = 100,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[SessionRow]:
        where, args = ("WHERE template = %s", [template]) if template is not None else ("", [])
        order = "DESC" if newest_first else "ASC"
        rows = await self._all(
            f"SELECT * FROM sessions {where} ORDER BY created {order}, id LIMIT %s OFFSET %s",
            (*args, max(limit, 0), max(offset, 0)),
        )
        return [SessionRow(*found) for found in rows]

    async def idle_before(self, session_cutoff: float | None, copy_cutoff: float | None,
                    limit: int) -> list[str]:  # fmt: skip
        never = -1.0
        rows = await self._all(
            "SELECT id FROM sessions WHERE (template IS NULL AND last_active < %s)"
            " OR (template IS NOT NULL AND last_active < %s) ORDER BY last_active LIMIT %s",
            (session_cutoff or never, copy_cutoff or never, limit),
        )
        return [found[0] for found in rows]

    async def record_deletion(self, session_id: str, reason: str) -> None:
        await self._run(
            "INSERT INTO deletions VALUES (%s, %s, %s) ON CONFLICT (id) DO UPDATE"
            " SET deleted = excluded.deleted, reason = excluded.reason",
            (session_id, time.time(), reason),
        )

    async def deletion(self, session_id: str) -> tuple[float, str] | None:
        found = await self._one(
            "SELECT deleted, reason FROM deletions WHERE id = %s", (session_id,)
        )
        return (found[0], found[1]) if found else None

    async def prune_deletions(self, before: float) -> None:
        await self._run("DELETE FROM deletions WHERE deleted < %s", (before,))

    async def count(self, template: str | None = None) -> int:
        if template is None:
            return (await self._one("SELECT count(*) FROM sessions", ()))[0]
        return (await self._one("SELECT count(*) FROM sessions WHERE template = %s", (template,)))[
            0
        ]

    async def close(self) -> None:
        if self._db is not None:
            await self._db.close()


class PgFiles:
    """The file trees' connection and its writer: one thread that runs every write in the
    order it was submitted, so the event loop never waits for PostgreSQL, a blob is stored
    before the update naming it, and an update's relay (a done callback) follows its commit."""

    def __init__(self, url: str) -> None:
        self._url = url
        self.db = connect(url)
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="pg-files")

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        """Run fn(*args) on the writer thread; fn uses self.db. A connection that broke is made
        again and fn run once more (the writes are idempotent: a Y update applied twice is
        applied once, blobs are keyed by content, replace is one transaction)."""
        return self._writer.submit(self._retrying, fn, *args)

    def _retrying(self, fn: Callable[..., T], *args: Any) -> T:
        try:
            try:
                return fn(*args)
            except psycopg.OperationalError:
                if not self.db.closed:
                    raise
                self.db = connect(self._url)
                return fn(*args)
        except Exception:  # some callers do not wait for the result: say it here
            log.exception("file tree storage failed")
            raise

    def execute(self, sql: str, args: tuple[Any, ...]) -> None:
        self.db.execute(sql, args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """A read or write on the writer thread, after every write submitted before it."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def close(self) -> None:
        self._writer.shutdown(wait=True)  # the writes already submitted are committed first
        self.db.close()


class PgUpdateLog:
    """server.files.persist.UpdateLog over PostgreSQL: append and replace return the future
    of their commit."""

    def __init__(self, files: PgFiles) -> None:
        self._files = files

    def load(self, session: str) -> list[bytes]:
        cur = self._files.db.execute(
            "SELECT data FROM file_updates WHERE session = %s ORDER BY seq", (session,)
        )
        return [bytes(r[0]) for r in cur.fetchall()]

    async def fetch(self, session: str) -> list[bytes]:
        return await self._files.run(self.load, session)

    async def fetch_squashed(self, session: str) -> bytes | None:
        updates = await self.fetch(session)
        return merge_updates(*updates) if updates else None

    def _append(self, session: str, update: bytes) -> None:
        self._files.db.execute(
            "INSERT INTO file_updates(session, data) VALUES (%s, %s)", (session, update)
        )

    def append(self, session: str, update: bytes) -> Future[None]:
        return self._files.submit(self._append, session, update)

    def _replace(self, session: str, update: bytes | None) -> None:
        with self._files.db.transaction():
            self._files.db.execute("DELETE FROM file_updates WHERE session = %s", (session,))
            if update is not None:
                self._append(session, update)

    def replace(self, session: str, update: bytes | None) -> Future[None]:
        return self._files.submit(self._replace, session, update)

    def close(self) -> None:
        self._files.close()


class PgBlobStore(BlobStore):
    """server.files.persist.BlobStore with the contents in PostgreSQL. The kernel and the
    download route read a blob as a file, so the local store is a cache: put() also writes
    there and path() fetches a missing one into it (blobs are immutable: a cached copy never
    goes stale)."""

    def __init__(self, files: PgFiles, cache: Path) -> None:
        super().__init__(cache)
        self._files = files

    def path(self, session: str, sha256: str) -> Path:
        dest = super().path(session, sha256)
        if not dest.exists():  # another node wrote it: fetch once (a kernel thread, mostly)
            found = self._files.submit(self._fetch, session, sha256).result()
            if found is None:
                raise FileNotFoundError(f"no blob {sha256} in session {session}")
            write_atomic(dest, found)
        return dest

    def _fetch(self, session: str, sha256: str) -> bytes | None:
        found = self._files.db.execute(
            "SELECT data FROM blobs WHERE session = %s AND sha256 = %s", (session, sha256)
        ).fetchone()
        return bytes(found[0]) if found else None

    def put(self, session: str, data: bytes) -> str:
        sha = super().put(session, data)
        self._files.submit(
            self._files.execute,
            "INSERT INTO blobs VALUES (%s, %s, %s) ON CONFLICT DO NOTHING",
            (session, sha, data),
        )  # committed before the update that names it, which is submitted after
        return sha

    def keep_only(self, session: str, live: set[str]) -> None:
        self._files.submit(
            self._files.execute,
            "DELETE FROM blobs WHERE session = %s AND NOT (sha256 = ANY(%s))",
            (session, sorted(live)),
        )
        super().keep_only(session, live)

    async def copy(self, src: str, dst: str) -> None:  # the copy's cache fills on first read
        await self._files.run(
            self._files.execute,
            "INSERT INTO blobs SELECT %s, sha256, data FROM blobs WHERE session = %s"
            " ON CONFLICT DO NOTHING",
            (dst, src),
        )

    async def delete(self, session: str) -> None:
        await self._files.run(
            self._files.execute, "DELETE FROM blobs WHERE session = %s", (session,)
        )
        await super().delete(session)
