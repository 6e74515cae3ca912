"""FileTreeStore: every session's file tree under one data directory.

data_dir/files.sqlite3 holds the update logs, data_dir/blobs/<session>/ the blob contents (or
PostgreSQL does, see server.storage).
Trees stay loaded (and cached) until release()/delete()/close(); all methods run on the loop.
"""

from __future__ import annotations

import asyncio
import logging
import re
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from ..sessions.session import Limits
from .persist import BlobStore, UpdateLog
from .tree import FileTree

if TYPE_CHECKING:
    from ..storage import Blobs, Updates

log = logging.getLogger(__name__)
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def _committed(done: Future[None] | None) -> None:
    if done is not None:
        await asyncio.wrap_future(done)


class FileTreeStore:
    def __init__(
        self,
        data_dir: Path,
        limits: Limits | None = None,
        updates: Updates | None = None,
        blobs: Blobs | None = None,
    ) -> None:
        """`updates` and `blobs` (server.storage: PostgreSQL's, say) are closed by their owner;
        without them the store makes and closes SQLite's under data_dir."""
        self.data_dir = Path(data_dir)
        limits = limits or Limits()  # the same numbers the kernel enforces on the home mount
        self.file_bytes = limits.file_bytes
        self.tree_bytes = limits.tree_bytes
        self._owns_log = updates is None
        self._log: Updates = updates or UpdateLog(self.data_dir / "files.sqlite3")
        self._blobs: Blobs = blobs or BlobStore(self.data_dir / "blobs")
        self._trees: dict[str, FileTree] = {}

    def loaded(self) -> set[str]:
        """The sessions whose tree is live here."""
        return set(self._trees)

    @staticmethod
    def _check(session_id: str) -> str:
        if not _SESSION_ID.fullmatch(session_id):
            raise ValueError(f"bad session id {session_id!r}")
        return session_id

    async def open(self, session_id: str) -> FileTree:
        tree = self._trees.get(self._check(session_id))
        if tree is None:
            stored = await self._log.fetch(session_id)
            tree = self._trees.get(session_id)  # opened by another task meanwhile
            if tree is None:
                tree = FileTree(session_id, self._log, self._blobs, self.file_bytes,
                                self.tree_bytes, stored)  # fmt: skip
                self._trees[session_id] = tree
        return tree

    async def copy(self, src_id: str, dst_id: str) -> None:
        """Make dst a copy of src's files (dst's previous files, if any, are dropped)."""
        self._check(src_id)
        await self.delete(dst_id)
        src = self._trees.get(src_id)
        update = src.doc.get_update() if src is not None else await self._log.fetch_squashed(src_id)
        await _committed(self._log.replace(dst_id, update))
        await self._blobs.copy(src_id, dst_id)

    async def release(self, session_id: str) -> None:
        """The session's kernel stopped: compact, and forget the tree unless browsers still
        have it open (one live Doc per session, or edits would fork)."""
        tree = self._trees.get(self._check(session_id))
        if tree is None:
            return
        if tree.peers:
            tree.compact()
        else:
            del self._trees[session_id]
            tree.shutdown()
        await tree.durable()

    async def delete(self, session_id: str) -> None:
        tree = self._trees.pop(self._check(session_id), None)
        if tree is not None:
            tree.shutdown(compact=False)
            for peer in list(tree.peers):
                await peer.ws.close()  # type: ignore[attr-defined]
            await tree.durable()
        await _committed(self._log.replace(session_id, None))
        await self._blobs.delete(session_id)

    async def close(self) -> None:
        for tree in self._trees.values():
            tree.shutdown()
        for tree in self._trees.values():
            try:
                await tree.durable()
            except Exception:  # the database is gone: the other trees still get their turn
                log.exception("file tree not saved at close")
        self._trees.clear()
        if self._owns_log:
            self._log.close()
