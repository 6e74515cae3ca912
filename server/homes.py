"""Where a session's /home/user lives: the collaborative file tree (server.files) when it is
installed, else a plain host directory under data_dir/files/<id> (kept for when server.files is
absent, e.g. a kernel-only checkout)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any, Protocol

from .sessions.vfs.base import Backend


class Homes(Protocol):
    async def open(self, session_id: str) -> Backend: ...
    async def release(self, session_id: str) -> None: ...  # its kernel stopped
    async def copy(self, src_id: str, dst_id: str) -> None: ...
    async def delete(self, session_id: str) -> None: ...
    async def close(self) -> None: ...
    def loaded(self) -> set[str]: ...  # sessions whose home is live on this node


class HostDirHomes:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir / "files"

    async def open(self, session_id: str) -> Backend:
        from .sessions.vfs.hostdir import HostDir

        path = self.root / session_id
        path.mkdir(parents=True, exist_ok=True)
        return HostDir(path)

    async def release(self, session_id: str) -> None:
        pass

    async def copy(self, src_id: str, dst_id: str) -> None:
        src = self.root / src_id
        if src.is_dir():
            await asyncio.to_thread(shutil.copytree, src, self.root / dst_id, symlinks=True)

    async def delete(self, session_id: str) -> None:
        await asyncio.to_thread(shutil.rmtree, self.root / session_id, True)

    async def close(self) -> None:
        pass

    def loaded(self) -> set[str]:
        return set()


class FileTreeHomes:
    """Adapter over server.files.FileTreeStore: one FileTree per running session."""

    def __init__(self, store: Any) -> None:
        self.store = store

    async def open(self, session_id: str) -> Backend:
        tree = await self.store.open(session_id)
        return tree.backend()

    async def release(self, session_id: str) -> None:
        await self.store.release(session_id)

    async def copy(self, src_id: str, dst_id: str) -> None:
        await self.store.copy(src_id, dst_id)

    async def delete(self, session_id: str) -> None:
        await self.store.delete(session_id)

    async def close(self) -> None:
        await self.store.close()

    def loaded(self) -> set[str]:
        return self.store.loaded()
