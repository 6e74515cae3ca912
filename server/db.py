"""The sessions table (SQLite, WAL mode) so that links survive a server restart; server.pg
has the same interface over PostgreSQL for a cluster of nodes.

Rows are tiny and calls take microseconds, so they run on the event loop thread directly; the
methods are coroutines because PostgreSQL's take a network round trip.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id          TEXT PRIMARY KEY,
    edit_token  TEXT NOT NULL,
    view_token  TEXT NOT NULL,
    created     REAL NOT NULL,
    last_active REAL NOT NULL,
    template    TEXT,          -- id of the session whose files this one copied
    cmd         TEXT,          -- typed into the shell at its first start, then cleared
    label       TEXT           -- a template copy's student name, shown on the teacher page
);
CREATE INDEX IF NOT EXISTS sessions_by_template ON sessions(template, created);
CREATE TABLE IF NOT EXISTS scrollback (  -- the last output of a stopped kernel
    id   TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    data BLOB NOT NULL
);
"""
# Kept apart from the sessions table: which ids were deleted, when and why (a link to one gets
# "deleted", not "bad link"). Pruned after a year.
DELETIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS deletions (
    id      TEXT PRIMARY KEY,
    deleted REAL NOT NULL,
    reason  TEXT NOT NULL      -- "deleted" (DELETE) or "expired" (retention)
);
"""


@dataclass(frozen=True)
class SessionRow:
    id: str
    edit_token: str
    view_token: str
    created: float
    last_active: float
    template: str | None = None
    cmd: str | None = None
    label: str | None = None

    def role_for(self, token: str | None) -> str | None:
        """ "writer", "viewer" or None, compared in constant time."""
        if not token:
            return None
        if secrets.compare_digest(token, self.edit_token):
            return "writer"
        if secrets.compare_digest(token, self.view_token):
            return "viewer"
        return None


def new_row(template: str | None, cmd: str | None, label: str | None) -> SessionRow:
    """A new session's row: a fresh id and tokens (both stores insert it as it is)."""
    now = time.time()
    return SessionRow(
        id=secrets.token_urlsafe(8)[:10],
        edit_token=secrets.token_urlsafe(24),
        view_token=secrets.token_urlsafe(24),
        created=now,
        last_active=now,
        template=template,
        cmd=cmd,
        label=label,
    )


class Database:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)  # autocommit
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._migrate()
        self._db.executescript(SCHEMA)
        self._db.executescript(DELETIONS_SCHEMA)

    def _migrate(self) -> None:
        """Columns added since a database was made (SessionRow is built from SELECT *, so
        they are appended in SessionRow's field order)."""
        found = self._db.execute("PRAGMA table_info(sessions)").fetchall()
        if found and "label" not in {col[1] for col in found}:
            self._db.execute("ALTER TABLE sessions ADD COLUMN label TEXT")

    async def create(
        self, template: str | None = None, cmd: str | None = None, label: str | None = None
    ) -> SessionRow:
        row = new_row(template, cmd, label)
        self._db.execute(
            "INSERT INTO sessions (id, edit_token, view_token, created, last_active, template,"
            " cmd, label) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (row.id, row.edit_token, row.view_token, row.created, row.last_active, template,
             cmd, label),
        )  # fmt: skip
        return row

    async def get(self, session_id: str) -> SessionRow | None:
        cur = self._db.execute("SELECT * FROM sessions WHERE id = ?", (session_id,))
        found = cur.fetchone()
        return SessionRow(*found) if found else None

    async def touch(self, session_id: str) -> None:
        self._db.execute(
            "UPDATE sessions SET last_active = ? WHERE id = ?", (time.time(), session_id)
        )

    async def set_label(self, session_id: str, label: str | None) -> None:
        self._db.execute("UPDATE sessions SET label = ? WHERE id = ?", (label, session_id))

    async def clear_cmd(self, session_id: str) -> None:
        self._db.execute("UPDATE sessions SET cmd = NULL WHERE id = ?", (session_id,))

    async def save_scrollback(self, session_id: str, data: bytes) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO scrollback SELECT id, ? FROM sessions WHERE id = ?",
            (data, session_id),
        )

    async def load_scrollback(self, session_id: str) -> bytes:
        found = self._db.execute("SELECT data FROM scrollback WHERE id = ?", (session_id,))
        row = found.fetchone()
        return bytes(row[0]) if row else b""

    async def delete(self, session_id: str) -> None:
        self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    async def list_sessions(
        self,
        template: str | None = None,
        limit: int = 100,
        offset: int = 0,
        newest_first: bool = True,
    ) -> list[SessionRow]:
        """Sessions newest first (or oldest first: a class list where newcomers go last); only
        the copies of `template` when it is given."""
        where, args = ("WHERE template = ?", [template]) if template is not None else ("", [])
        order = "DESC" if newest_first else "ASC"
        cur = self._db.execute(
            f"SELECT * FROM sessions {where} ORDER BY created {order}, id LIMIT ? OFFSET ?",
            (*args, max(limit, 0), max(offset, 0)),
        )
        return [SessionRow(*found) for found in cur.fetchall()]

    async def idle_before(self, session_cutoff: float | None, copy_cutoff: float | None,
                    limit: int) -> list[str]:  # fmt: skip
        """Ids last active before the cutoff of their kind (None: that kind never expires)."""
        never = -1.0  # last_active is never below it
        cur = self._db.execute(
            "SELECT id FROM sessions WHERE (template IS NULL AND last_active < ?)"
            " OR (template IS NOT NULL AND last_active < ?) ORDER BY last_active LIMIT ?",
            (session_cutoff or never, copy_cutoff or never, limit),
        )
        return [found[0] for found in cur.fetchall()]

    async def record_deletion(self, session_id: str, reason: str) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO deletions VALUES (?, ?, ?)", (session_id, time.time(), reason)
        )

    async def deletion(self, session_id: str) -> tuple[float, str] | None:
        found = self._db.execute(
            "SELECT deleted, reason FROM deletions WHERE id = ?", (session_id,)
        ).fetchone()
        return (found[0], found[1]) if found else None

    async def prune_deletions(self, before: float) -> None:
        self._db.execute("DELETE FROM deletions WHERE deleted < ?", (before,))

    async def count(self, template: str | None = None) -> int:
        if template is None:
            return self._db.execute("SELECT count(*) FROM sessions").fetchone()[0]
        cur = self._db.execute("SELECT count(*) FROM sessions WHERE template = ?", (template,))
        return cur.fetchone()[0]

    async def start(self) -> None:
        pass

    async def close(self) -> None:
        self._db.close()
