"""Durable storage of file trees: an append-only log of Y updates per session in SQLite (WAL),
squashed to one update from time to time, and a content-addressed blob directory per session.

Only the event-loop thread uses the connection. An update is committed before the call that
applied it returns, so anything acknowledged (a shell close(), a relayed browser edit) survives
kill -9 (WAL with synchronous=NORMAL is durable against process death; FULL adds power loss).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import threading
from pathlib import Path

from pycrdt import merge_updates


class UpdateLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS updates ("
            " seq INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL, data BLOB NOT NULL)"
        )
        self._db.execute("CREATE INDEX IF NOT EXISTS updates_session ON updates(session, seq)")

    def load(self, session: str) -> list[bytes]:
        rows = self._db.execute(
            "SELECT data FROM updates WHERE session = ? ORDER BY seq", (session,)
        )
        return [bytes(r[0]) for r in rows]

    def append(self, session: str, update: bytes) -> None:
        self._db.execute("INSERT INTO updates(session, data) VALUES (?, ?)", (session, update))

    def replace(self, session: str, update: bytes | None) -> None:
        """Atomically replace a session's log by one update (compaction, copy) or nothing."""
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM updates WHERE session = ?", (session,))
            if update is not None:
                self.append(session, update)

    def squashed(self, session: str) -> bytes | None:
        updates = self.load(session)
        return merge_updates(*updates) if updates else None

    async def fetch(self, session: str) -> list[bytes]:
        return self.load(session)  # SQLite answers in microseconds: inline

    async def fetch_squashed(self, session: str) -> bytes | None:
        return self.squashed(session)

    def close(self) -> None:
        self._db.close()


class BlobStore:
    """Immutable files named by their SHA-256 under blobs/<session>/."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _dir(self, session: str) -> Path:
        return self.root / session

    def path(self, session: str, sha256: str) -> Path:
        return self._dir(session) / sha256

    def put(self, session: str, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        dest = self._dir(session) / sha
        if not dest.exists():
            write_atomic(dest, data)
        return sha

    def get(self, session: str, sha256: str) -> bytes:
        return self.path(session, sha256).read_bytes()

    def keep_only(self, session: str, live: set[str]) -> None:
        d = self._dir(session)
        if d.is_dir():
            for f in d.iterdir():
                if f.name not in live:
                    f.unlink(missing_ok=True)

    async def copy(self, src: str, dst: str) -> None:
        s = self._dir(src)
        if s.is_dir():
            shutil.copytree(s, self._dir(dst), dirs_exist_ok=True)

    async def delete(self, session: str) -> None:
        shutil.rmtree(self._dir(session), ignore_errors=True)


def write_atomic(dest: Path, data: bytes) -> None:
    """A complete file or none: kernel threads and other processes may write the same blob."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
    tmp.write_bytes(data)
    os.replace(tmp, dest)
