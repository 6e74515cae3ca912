"""One session's file tree: the Y.Doc, its durable log, and a thread-safe read cache.

Threading: the Doc belongs to the event-loop thread. Kernel worker threads read through the
cache (`lookup`, `text`, `listdir`; plain dicts updated by doc observers under a lock, so `cat`
never hops threads) and mutate through `call()`, which runs a function on the loop thread and
waits for it (or runs it inline when already on the loop thread, so it cannot deadlock there).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import errno
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

from pycrdt import Awareness, Doc, Map, Text, create_update_message

from . import textdiff
from .model import BLOB, DIR, FILE, Entry, entry_from_value, is_text, now_ms, parent, valid_path
from .quota import BrowserQuota

if TYPE_CHECKING:
    from aiohttp import web

    from ..storage import Blobs, Updates
    from .backend import TreeBackend

log = logging.getLogger(__name__)
T = TypeVar("T")

KERNEL = "kernel"  # transaction origin of shell/HTTP writes
CALL_TIMEOUT = 30.0  # a worker waiting on a wedged loop gets EIO instead of hanging forever
COMPACT_EVERY = 500  # log rows per session before squashing to one


class Peer:
    """A connected y-websocket client: an outgoing queue drained by its own task."""

    def send(self, message: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError


class FileTree:
    def __init__(
        self,
        session_id: str,
        updates: Updates,
        blobs: Blobs,
        file_bytes: int,
        tree_bytes: int,
        stored: list[bytes],
    ) -> None:
        """`stored`: the session's logged updates (the store reads them, awaiting PostgreSQL)."""
        self.session_id = session_id
        self.file_bytes = file_bytes
        self.tree_bytes = tree_bytes
        self._log = updates
        self.blobs = blobs
        self._loop = asyncio.get_running_loop()
        self._owner = threading.get_ident()
        self._closed = False

        self.doc: Doc = Doc()
        self.files = self.doc.get("files", type=Map)
        self.tree = self.doc.get("tree", type=Map)
        self._last_write: concurrent.futures.Future[None] | None = None  # see durable()
        for update in stored:
            self.doc.apply_update(update)
        self._log_rows = len(stored)

        self.awareness = Awareness(self.doc)
        self.awareness.set_local_state(None)  # the server has no cursor of its own
        self.peers: set[Peer] = set()
        self.quota = BrowserQuota(self)  # the size limit for browsers' updates
        self._origin: Any = None

        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._texts: dict[str, bytes] = {}
        self._touched: dict[str, float] = {}  # mtimes of texts edited by browsers
        self._dirs: set[str] | None = None  # implied directories, rebuilt when keys change
        self._total = 0
        self._inos: dict[str, int] = {}
        with self._lock:
            for key in list(self.tree.keys()):
                self._refresh_entry(key)
            for key in list(self.files.keys()):
                self._refresh_text(key)
        self._subs = [
            self.doc.observe(self._on_update),
            self.files.observe_deep(self._on_files),
            self.tree.observe_deep(self._on_tree),
        ]

    # ---- the two faces: kernel backend and y-websocket endpoint ----------------------

    def backend(self) -> TreeBackend:
        from .backend import TreeBackend

        return TreeBackend(self)

    async def handle_ws(
        self, request: web.Request, ws: web.WebSocketResponse, readonly: bool
    ) -> web.WebSocketResponse:
        from .sync import serve

        return await serve(self, request, ws, readonly)

    # ---- thread marshalling -------------------------------------------------------------

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn on the loop thread and return its result (OSErrors propagate)."""
        if threading.get_ident() == self._owner:
            return fn(*args)
        if self._closed:
            raise OSError(errno.EIO, "file tree closed")
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            if fut.set_running_or_notify_cancel():
                try:
                    fut.set_result(fn(*args))
                except BaseException as exc:
                    fut.set_exception(exc)

        try:
            self._loop.call_soon_threadsafe(run)
            result = fut.result(timeout=CALL_TIMEOUT)
            if (last := self._last_write) is not None:  # a deferred log: wait for the commit,
                self._wait_committed(last)  # so that close() returns once it is durable
            return result
        except RuntimeError as exc:  # loop closed
            raise OSError(errno.EIO, "file tree closed") from exc
        except concurrent.futures.TimeoutError as exc:
            fut.cancel()
            raise OSError(errno.EIO, "file tree busy") from exc

    @staticmethod
    def _wait_committed(last: concurrent.futures.Future[None]) -> None:
        try:
            last.result(timeout=CALL_TIMEOUT)
        except concurrent.futures.TimeoutError:
            raise
        except Exception as exc:  # the database refused the write: it is not durable
            raise OSError(errno.EIO, f"file tree not saved: {exc}") from exc

    async def durable(self) -> None:
        """Return once every change made so far is committed (the log's writes are in order,
        so the last one's commit covers the others). Loop-thread callers use it before they
        answer (HTTP PUT); call() waits the same way in its worker thread."""
        if (last := self._last_write) is not None:
            await asyncio.wrap_future(last)

    @contextmanager
    def transaction(self, origin: Any = KERNEL) -> Iterator[None]:
        """A doc transaction whose origin the update observer can see (pycrdt hides it)."""
        self._origin = origin
        try:
            with self.doc.transaction(origin=origin):
                yield
        finally:
            self._origin = None

    # ---- observers (loop thread, inside the transaction commit) ------------------------

    def _on_update(self, event: Any) -> None:
        update = event.update
        done = self._log.append(self.session_id, update)
        self._log_rows += 1
        if self._log_rows > COMPACT_EVERY:
            self._loop.call_soon(self.compact)
        message = create_update_message(update)
        peers = [peer for peer in self.peers if peer is not self._origin]
        if done is None:  # committed already
            self._relay(message, peers)
        else:  # relayed once committed; commits finish in order, so relays stay in order
            self._last_write = done
            committed = asyncio.wrap_future(done)
            committed.add_done_callback(lambda f: self._committed(f, message, peers))

    def _committed(self, f: asyncio.Future[None], message: bytes, peers: list[Peer]) -> None:
        if f.cancelled() or f.exception() is not None:  # the database is gone: nobody is told
            log.error("file tree update not saved: %r", None if f.cancelled() else f.exception())
            return
        self._relay(message, peers)

    def _relay(self, message: bytes, peers: list[Peer]) -> None:
        for peer in peers:
            peer.send(message)

    def _changed_keys(self, events: list[Any]) -> set[str]:
        keys: set[str] = set()
        for ev in events:
            if ev.path:
                keys.add(str(ev.path[0]))
            else:
                keys.update(ev.keys)
        return keys

    # An exception escaping an observer would abort the sender's connection after the update
    # was already applied, so the cache refreshers log instead of raising.

    def _on_files(self, events: list[Any]) -> None:
        try:
            with self._lock:
                for key in self._changed_keys(events):
                    self._refresh_text(key)
                    if self._origin != KERNEL:
                        self._touched[key] = now_ms()
        except Exception:
            log.exception("file cache refresh failed")

    def _on_tree(self, events: list[Any]) -> None:
        try:
            with self._lock:
                for key in self._changed_keys(events):
                    self._refresh_entry(key)
        except Exception:
            log.exception("tree cache refresh failed")

    def _size(self, key: str) -> int:
        if key in self._texts:
            return len(self._texts[key])
        e = self._entries.get(key)
        return e.size if e is not None and e.kind == BLOB else 0

    def _refresh_text(self, key: str) -> None:
        if not valid_path(key):
            return
        old = self._size(key)
        value = self.files.get(key)
        if isinstance(value, Text):
            if key not in self._texts:
                self._dirs = None
            self._texts[key] = str(value).encode()
        elif self._texts.pop(key, None) is not None:
            self._dirs = None
        self._total += self._size(key) - old

    def _refresh_entry(self, key: str) -> None:
        if not valid_path(key):
            return
        old = self._size(key)
        entry = entry_from_value(self.tree.get(key))
        if entry is None:
            if self._entries.pop(key, None) is not None:
                self._dirs = None
        else:
            if key not in self._entries:
                self._dirs = None
            self._entries[key] = entry
        self._total += self._size(key) - old

    # ---- thread-safe reads --------------------------------------------------------------

    @property
    def total_bytes(self) -> int:
        return self._total

    def _implied_dirs(self) -> set[str]:
        if self._dirs is None:
            dirs = {""}
            for key in (*self._entries, *self._texts):
                p = parent(key)
                while p not in dirs:
                    dirs.add(p)
                    p = parent(p)
            self._dirs = dirs
        return self._dirs

    def lookup(self, path: str) -> Entry | None:
        """The entry at path; text sizes and mtimes come from the live text."""
        with self._lock:
            return self._lookup(path)

    def _lookup(self, path: str) -> Entry | None:
        if path == "":
            return Entry(DIR, 0o755, 0.0)
        e = self._entries.get(path)
        text = self._texts.get(path)
        if e is None:
            if text is not None:
                return Entry(FILE, 0o644, self._touched.get(path, 0.0), len(text))
            if path in self._implied_dirs():
                return Entry(DIR, 0o755, 0.0)
            return None
        if e.kind == FILE:
            mtime = max(e.mtime_ms, self._touched.get(path, 0.0))
            return replace(e, size=len(text or b""), mtime_ms=mtime)
        return e

    def text(self, path: str) -> bytes | None:
        """Current content of a text file (a snapshot: bytes are immutable)."""
        with self._lock:
            return self._texts.get(path)

    def children(self, path: str) -> list[str]:
        prefix = path + "/" if path else ""
        with self._lock:
            names = {
                key[len(prefix) :].split("/", 1)[0]
                for key in (*self._entries, *self._texts, *self._implied_dirs())
                if key.startswith(prefix) and key != path
            }
        return sorted(names)

    def ino(self, path: str) -> int:
        with self._lock:
            return self._inos.setdefault(path, len(self._inos) + 2)

    # ---- mutations (loop thread: reach them through call()) ---------------------------

    def _need_parent_dir(self, path: str) -> None:
        p = parent(path)
        e = self._lookup(p)
        if e is None:
            raise OSError(errno.ENOENT, "no such directory", p)
        if e.kind != DIR:
            raise OSError(errno.ENOTDIR, "not a directory", p)

    def _subtree(self, path: str) -> list[str]:
        prefix = path + "/"
        keys = {k for k in (*self._entries, *self._texts) if k.startswith(prefix)}
        return sorted(keys)

    def _check_space(self, path: str, new_size: int) -> None:
        if new_size > self.file_bytes:
            raise OSError(errno.EFBIG, "file too large", path)
        if self._total - self._size(path) + new_size > self.tree_bytes:
            raise OSError(errno.ENOSPC, "file tree full", path)

    def create_file(self, path: str, mode: int, exclusive: bool) -> Entry:
        """O_CREAT: an empty text file, unless it exists (EEXIST if exclusive)."""
        e = self._lookup(path)
        if e is not None:
            if exclusive:
                raise OSError(errno.EEXIST, "file exists", path)
            return e
        self._need_parent_dir(path)
        entry = Entry(FILE, mode & 0o7777, now_ms(), 0)
        with self.transaction():
            self.files[path] = Text()
            self.tree[path] = entry.to_json()
        return entry

    def write(self, path: str, data: bytes, base: bytes | None = None) -> None:
        """Store data as the file's content. For text, apply only the difference from `base` (what
        the writer started from) to the live text, so concurrent browser edits elsewhere survive."""
        e = self._lookup(path)
        if e is None or e.kind == DIR:
            return  # unlinked or replaced while open: the writes go nowhere, as with an inode
        self._check_space(path, len(data))
        mtime = now_ms()
        if is_text(data):
            ytext = self.files.get(path)
            with self.transaction():
                if e.kind == FILE and isinstance(ytext, Text):
                    current = self._texts.get(path, b"")
                    edits = textdiff.merge(current if base is None else base, data, current)
                    for start, end, repl in reversed(edits):
                        if end > start:
                            del ytext[start:end]
                        if repl:
                            ytext.insert(start, repl.decode())
                    size = len(ytext)
                else:
                    self.files[path] = Text(data.decode())
                    size = len(data)
                self.tree[path] = Entry(FILE, e.mode, mtime, size).to_json()
        else:
            sha = self.blobs.put(self.session_id, data)
            with self.transaction():
                if path in self.files:
                    del self.files[path]
                self.tree[path] = Entry(BLOB, e.mode, mtime, len(data), sha).to_json()
        self._touched.pop(path, None)

    def write_new(self, path: str, data: bytes, mode: int = 0o644) -> None:
        """Create or replace a whole file, making missing parent directories (HTTP PUT)."""
        parts = path.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            e = self._lookup(d)
            if e is None:
                self.mkdir(d, 0o755)
            elif e.kind != DIR:
                raise OSError(errno.ENOTDIR, "not a directory", d)
        e = self._lookup(path)
        if e is not None and e.kind == DIR:
            raise OSError(errno.EISDIR, "is a directory", path)
        if e is None:
            self.create_file(path, mode, exclusive=False)
        self.write(path, data)

    def blob_path(self, entry: Entry) -> str:
        return str(self.blobs.path(self.session_id, entry.sha256))

    def read(self, path: str) -> bytes:
        """Whole content of a file (any thread)."""
        e = self.lookup(path)
        if e is None:
            raise OSError(errno.ENOENT, "no such file", path)
        if e.kind == DIR:
            raise OSError(errno.EISDIR, "is a directory", path)
        if e.kind == BLOB:
            return self.blobs.get(self.session_id, e.sha256)
        return self.text(path) or b""

    def mkdir(self, path: str, mode: int) -> None:
        if self._lookup(path) is not None:
            raise OSError(errno.EEXIST, "file exists", path)
        self._need_parent_dir(path)
        with self.transaction():
            self.tree[path] = Entry(DIR, mode & 0o7777, now_ms()).to_json()

    def rmdir(self, path: str) -> None:
        e = self._lookup(path)
        if e is None:
            raise OSError(errno.ENOENT, "no such directory", path)
        if e.kind != DIR:
            raise OSError(errno.ENOTDIR, "not a directory", path)
        if path == "":
            raise OSError(errno.EBUSY, "mount root", path)
        if self._subtree(path):
            raise OSError(errno.ENOTEMPTY, "directory not empty", path)
        if path in self.tree:
            with self.transaction():
                del self.tree[path]

    def unlink(self, path: str) -> None:
        e = self._lookup(path)
        if e is None:
            raise OSError(errno.ENOENT, "no such file", path)
        if e.kind == DIR:
            raise OSError(errno.EISDIR, "is a directory", path)
        with self.transaction():
            self._remove(path)

    def _remove(self, key: str) -> None:
        if key in self.files:
            del self.files[key]
        if key in self.tree:
            del self.tree[key]

    def rename(self, src: str, dst: str) -> None:
        es, ed = self._lookup(src), self._lookup(dst)
        if es is None:
            raise OSError(errno.ENOENT, "no such file", src)
        if src == "" or dst == "":
            raise OSError(errno.EBUSY, "mount root")
        if src == dst:
            return
        if dst.startswith(src + "/"):
            raise OSError(errno.EINVAL, "cannot move a directory into itself", dst)
        self._need_parent_dir(dst)
        if ed is not None:
            if es.kind == DIR and ed.kind != DIR:
                raise OSError(errno.ENOTDIR, "not a directory", dst)
            if es.kind != DIR and ed.kind == DIR:
                raise OSError(errno.EISDIR, "is a directory", dst)
            if ed.kind == DIR and self._subtree(dst):
                raise OSError(errno.ENOTEMPTY, "directory not empty", dst)
        moves = [(src, dst)] + [(k, dst + k[len(src) :]) for k in self._subtree(src)]
        with self.transaction():
            if ed is not None:
                self._remove(dst)
            for old, new in moves:
                text = self.files.get(old)
                content = str(text) if isinstance(text, Text) else None
                value = self.tree.get(old)
                entry = entry_from_value(value) if value is not None else None
                self._remove(old)
                if content is not None:
                    self.files[new] = Text(content)
                if entry is not None:
                    self.tree[new] = entry.to_json()
                elif old == src and es.kind == DIR:
                    self.tree[new] = es.to_json()  # an implied directory becomes explicit
        with self._lock:
            for old, new in moves:
                if old in self._inos:
                    self._inos[new] = self._inos.pop(old)

    def set_meta(self, path: str, mode: int | None, mtime_ms: float | None) -> None:
        e = self._lookup(path)
        if e is None:
            raise OSError(errno.ENOENT, "no such file", path)
        if path == "":
            return
        e = replace(
            e,
            mode=e.mode if mode is None else mode & 0o7777,
            mtime_ms=e.mtime_ms if mtime_ms is None else mtime_ms,
        )
        with self.transaction():
            self.tree[path] = e.to_json()
        if mtime_ms is not None:
            self._touched.pop(path, None)

    # ---- maintenance (loop thread) ------------------------------------------------------

    def compact(self) -> None:
        """Squash the log to one update and drop blobs nothing refers to."""
        if self._closed:
            return
        if (done := self._log.replace(self.session_id, self.doc.get_update())) is not None:
            self._last_write = done
        self._log_rows = 1
        with self._lock:
            live = {e.sha256 for e in self._entries.values() if e.kind == BLOB}
        self.blobs.keep_only(self.session_id, live)

    def shutdown(self, compact: bool = True) -> None:
        """Record browser-edit mtimes, squash the log, and stop serving."""
        if self._closed:
            return
        if compact:
            touched = [(p, m) for p, m in self._touched.items() if p in self._entries]
            if touched:
                with self.transaction("server"):
                    for path, mtime in touched:
                        self.tree[path] = replace(self._entries[path], mtime_ms=mtime).to_json()
            self.compact()
        self._closed = True
        for sub in self._subs:
            sub.drop()
        self._subs.clear()
