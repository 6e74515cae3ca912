"""HTTP access to a session's files: GET (raw bytes) and PUT (replace or create) at
/api/sessions/{id}/files/{path}. Tokens are the caller's business: `authorize(request,
session_id, write)` must raise an aiohttp HTTP error (403/404) when the request may not proceed.
"""

from __future__ import annotations

import asyncio
import errno
import mimetypes
from collections.abc import Awaitable, Callable

from aiohttp import web

from .model import BLOB, DIR, valid_path
from .store import FileTreeStore

Authorize = Callable[[web.Request, str, bool], Awaitable[None]]

_STATUS = {
    errno.ENOENT: web.HTTPNotFound,
    errno.EISDIR: web.HTTPConflict,
    errno.ENOTDIR: web.HTTPConflict,
    errno.ENOSPC: web.HTTPInsufficientStorage,
}


def _path(request: web.Request) -> str:
    path = request.match_info["path"].strip("/")
    if not valid_path(path):
        raise web.HTTPBadRequest(text="bad path")
    return path


def _http_error(exc: OSError) -> web.HTTPException:
    return _STATUS.get(exc.errno or 0, web.HTTPInternalServerError)(text=exc.strerror or str(exc))


def file_handlers(
    store: FileTreeStore, authorize: Authorize
) -> tuple[Callable[[web.Request], Awaitable[web.StreamResponse]], ...]:
    async def get_file(request: web.Request) -> web.StreamResponse:
        session_id = request.match_info["id"]
        await authorize(request, session_id, False)
        tree = await store.open(session_id)
        path = _path(request)
        entry = tree.lookup(path)
        if entry is None:
            raise web.HTTPNotFound(text="no such file")
        if entry.kind == DIR:
            return web.json_response({"kind": "dir", "entries": tree.children(path)})
        ctype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        if entry.kind == BLOB:
            path = await asyncio.to_thread(tree.blob_path, entry)  # may fetch it from the DB
            return web.FileResponse(path, headers={"Content-Type": ctype})
        if ctype.startswith("text/") or ctype == "application/octet-stream":
            ctype = "text/plain; charset=utf-8"
        return web.Response(body=tree.text(path) or b"", headers={"Content-Type": ctype})

    async def put_file(request: web.Request) -> web.StreamResponse:
        session_id = request.match_info["id"]
        await authorize(request, session_id, True)
        tree = await store.open(session_id)
        path = _path(request)
        if (request.content_length or 0) > tree.file_bytes:
            raise web.HTTPRequestEntityTooLarge(max_size=tree.file_bytes, actual_size=0)
        data = bytearray()
        async for chunk in request.content.iter_chunked(1 << 16):
            data += chunk
            if len(data) > tree.file_bytes:
                raise web.HTTPRequestEntityTooLarge(max_size=tree.file_bytes, actual_size=len(data))
        try:
            tree.write_new(path, bytes(data))
        except OSError as exc:
            if exc.errno == errno.EFBIG:
                raise web.HTTPRequestEntityTooLarge(tree.file_bytes, len(data)) from exc
            raise _http_error(exc) from exc
        await tree.durable()  # answered once committed
        entry = tree.lookup(path)
        return web.json_response({"path": path, "kind": entry.kind if entry else "file"})

    return get_file, put_file


def add_routes(app: web.Application, store: FileTreeStore, authorize: Authorize) -> None:
    get_file, put_file = file_handlers(store, authorize)
    app.router.add_get("/api/sessions/{id}/files/{path:.+}", get_file)
    app.router.add_put("/api/sessions/{id}/files/{path:.+}", put_file)
