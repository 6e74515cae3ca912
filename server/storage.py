"""The storage interface: the sessions table, the file trees' update logs and their blobs, with
two implementations: SQLite and a blob directory under --data-dir (the default, one node), or
PostgreSQL (`--database postgresql://...`, any number of nodes; server.pg)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .config import Config
from .db import Database, SessionRow


class Sessions(Protocol):
    """The sessions table (server.db.Database, server.pg.PgDatabase): coroutines, since
    PostgreSQL's calls are network round trips the loop must not wait for."""

    async def start(self) -> None: ...
    async def create(self, template: str | None = None, cmd: str | None = None,
                     label: str | None = None) -> SessionRow: ...  # fmt: skip
    async def get(self, session_id: str) -> SessionRow | None: ...
    async def touch(self, session_id: str) -> None: ...
    async def set_label(self, session_id: str, label: str | None) -> None: ...
    async def clear_cmd(self, session_id: str) -> None: ...
    async def save_scrollback(self, session_id: str, data: bytes) -> None: ...
    async def load_scrollback(self, session_id: str) -> bytes: ...
    async def delete(self, session_id: str) -> None: ...
    async def list_sessions(self, template: str | None = None, limit: int = 100,
                            offset: int = 0, newest_first: bool = True
                            ) -> list[SessionRow]: ...  # fmt: skip
    async def idle_before(self, session_cutoff: float | None, copy_cutoff: float | None,
                          limit: int) -> list[str]: ...  # fmt: skip
    async def record_deletion(self, session_id: str, reason: str) -> None: ...
    async def deletion(self, session_id: str) -> tuple[float, str] | None: ...
    async def prune_deletions(self, before: float) -> None: ...
    async def count(self, template: str | None = None) -> int: ...
    async def close(self) -> None: ...


class Updates(Protocol):
    """A file tree's durable update log. append and replace return None when the change is
    committed already (SQLite), or the future of its commit (PostgreSQL: a writer thread
    commits in submission order, so the loop never waits on the network)."""

    async def fetch(self, session: str) -> list[bytes]: ...
    async def fetch_squashed(self, session: str) -> bytes | None: ...
    def append(self, session: str, update: bytes) -> Future[None] | None: ...
    def replace(self, session: str, update: bytes | None) -> Future[None] | None: ...
    def close(self) -> None: ...


class Blobs(Protocol):
    """Immutable binary file contents named by their SHA-256, per session."""

    def path(self, session: str, sha256: str) -> Path: ...  # a local file with the content
    def put(self, session: str, data: bytes) -> str: ...
    def get(self, session: str, sha256: str) -> bytes: ...
    def keep_only(self, session: str, live: set[str]) -> None: ...
    async def copy(self, src: str, dst: str) -> None: ...
    async def delete(self, session: str) -> None: ...


@dataclass
class Storage:
    sessions: Sessions
    updates: Updates
    blobs: Blobs

    async def close(self) -> None:
        await self.sessions.close()
        self.updates.close()  # PostgreSQL's waits for its writer: the writes are in


def is_postgres(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("postgresql://", "postgres://"))


def open_storage(config: Config) -> Storage:
    config.data_dir.mkdir(parents=True, exist_ok=True)
    if is_postgres(config.database):
        from . import pg  # psycopg is an optional dependency

        url = pg.named(str(config.database), config.node_url)
        files = pg.PgFiles(url)
        cache = config.data_dir / "blob-cache"
        return Storage(pg.PgDatabase(url), pg.PgUpdateLog(files), pg.PgBlobStore(files, cache))
    from .files.persist import BlobStore, UpdateLog

    return Storage(
        Database(config.db_path),
        UpdateLog(config.data_dir / "files.sqlite3"),
        BlobStore(config.data_dir / "blobs"),
    )
