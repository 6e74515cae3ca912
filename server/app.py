"""The app factory and its routes table. Handlers are short; policy lives in the manager."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref

import aiohttp
import jinja2
from aiohttp import web

from . import admin, errors, forward, pages, teacher
from .assets import check_wasm, check_web
from .cluster import Cluster
from .config import Config
from .db import SessionRow
from .homes import FileTreeHomes, Homes, HostDirHomes
from .keys import CONFIG, FILES, MANAGER, METRICS, TEMPLATES
from .manager import SessionManager, SessionsFull, kernel_factory
from .metrics import Metrics, render
from .policy import GUARD, CreationGuard
from .security import check_origin, request_token, security_headers
from .sessions import system
from .storage import Storage, open_storage
from .ws_term import term_ws

log = logging.getLogger("cowasm.app")
FILE_SOCKETS = web.AppKey("file_sockets", weakref.WeakSet)  # closed first at shutdown


async def _edit_row(request: web.Request) -> SessionRow:
    row = await request.app[MANAGER].get(request.match_info["id"])
    if row is None or row.role_for(request_token(request)) != "writer":
        raise web.HTTPForbidden(text="bad session or edit token")
    return row


async def create_session(request: web.Request) -> web.Response:
    request.app[GUARD].check(request, template=False)
    try:
        row = await request.app[MANAGER].create()
    except SessionsFull as e:
        raise errors.full(str(e)) from e
    urls = pages.session_urls(request, row, "writer")
    body = {"id": row.id, "edit_url": urls["editUrl"], "view_url": urls["viewUrl"],
            "embed_url": urls["embedUrl"]}  # fmt: skip
    return web.json_response(body, status=201)


async def get_session(request: web.Request) -> web.Response:
    row = await _edit_row(request)
    term = request.app[MANAGER].terminals.get(row.id)
    return web.json_response({
        "id": row.id, "created": row.created, "last_active": row.last_active,
        "template": row.template, "running": term is not None,
        "processes": term.nprocs if term else 0,
        "size": list(term.size) if term else None,
        "clients": [c.info() for c in term.people()] if term else [],  # not watchers
    })  # fmt: skip


async def delete_session(request: web.Request) -> web.Response:
    row = await _edit_row(request)
    await request.app[MANAGER].delete(row.id)
    return web.Response(status=204)


async def healthz(request: web.Request) -> web.Response:
    return web.Response(text="ok\n")


async def metrics(request: web.Request) -> web.Response:
    manager = request.app[MANAGER]
    terms = list(manager.terminals.values())
    clients = [c for t in terms for c in t.people()]  # the teacher page's watchers are not
    text = render(
        request.app[METRICS],
        stored=await manager.db.count(),
        running=len(terms),
        processes=sum(t.nprocs for t in terms),
        writers=sum(c.role == "writer" for c in clients),
        viewers=sum(c.role == "viewer" for c in clients),
    )
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


ROUTES = [
    web.get("/", pages.index),
    web.get("/s/{id}", pages.session_page),
    web.get("/embed/template/{id}", pages.embed_template),
    web.get("/embed/{id}", pages.embed_page),
    web.post("/api/sessions", create_session),
    web.get("/api/sessions/{id}", get_session),
    web.delete("/api/sessions/{id}", delete_session),
    web.get("/ws/term/{id}", term_ws),
    web.get("/healthz", healthz),
    web.get("/metrics", metrics),
    *admin.ROUTES,
    *teacher.ROUTES,
]


async def files_ws(request: web.Request) -> web.StreamResponse:
    """The y-websocket endpoint of a session's file tree (server.files speaks the protocol)."""
    check_origin(request)
    row = await request.app[MANAGER].get(request.match_info["id"])
    role = row.role_for(request_token(request)) if row else None
    if row is None or role is None:
        raise web.HTTPForbidden(text="bad session or token")
    tree = await request.app[FILES].open(row.id)
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=80 << 20)
    await ws.prepare(request)
    request.app[FILE_SOCKETS].add(ws)
    return await tree.handle_ws(request, ws, readonly=role != "writer")


async def authorize_files(request: web.Request, session_id: str, write: bool) -> None:
    row = await request.app[MANAGER].get(session_id)
    role = row.role_for(request_token(request)) if row else None
    if role is None or (write and role != "writer"):
        raise web.HTTPForbidden(text="bad session or token")


def _homes(app: web.Application, config: Config, storage: Storage) -> Homes:
    """The collaborative file tree when server.files provides it, else host directories."""
    try:
        from .files import FileTreeStore
        from .files.routes import add_routes
    except ImportError:
        log.warning("server.files unavailable: homes are plain directories")
        return HostDirHomes(config.data_dir)
    store = FileTreeStore(
        config.data_dir, config.limits, updates=storage.updates, blobs=storage.blobs
    )
    app[FILES] = store
    app.router.add_get("/ws/files/{id}", files_ws)
    add_routes(app, store, authorize_files)
    return FileTreeHomes(store)


async def _goodbye(ws: web.WebSocketResponse) -> None:
    with contextlib.suppress(TimeoutError, ConnectionError, RuntimeError):
        await asyncio.wait_for(ws.close(code=1001, message=b"shutdown"), 0.5)


def make_app(config: Config) -> web.Application:
    check_web(config.static_dir, config.templates_dir)  # refuse to serve a page without its JS
    check_wasm(system.DIST)  # or sessions whose shell cannot start
    storage = open_storage(config)
    cluster = None
    if config.database:  # several nodes: psycopg is there (open_storage imported it)
        from .pg import named

        cluster = Cluster(named(config.database, config.node_url), config.node_url or "")
    middlewares = [security_headers, errors.error_pages]
    if cluster is not None:  # several nodes: a session's requests go to the node running it
        middlewares.append(forward.route_to_owner)
    app = web.Application(middlewares=middlewares)
    db = storage.sessions
    homes = _homes(app, config, storage)
    metrics_ = Metrics()
    manager = SessionManager(config, db, homes, metrics_, kernel=kernel_factory, cluster=cluster)
    if cluster is not None:
        app[forward.CLUSTER] = cluster
    app[CONFIG], app[METRICS], app[MANAGER] = config, metrics_, manager
    app[GUARD], app[FILE_SOCKETS] = CreationGuard(config), weakref.WeakSet()
    app[TEMPLATES] = jinja2.Environment(
        loader=jinja2.FileSystemLoader(config.templates_dir), autoescape=True
    )
    app.router.add_routes(ROUTES)
    if config.static_dir.is_dir():
        app.router.add_static("/static", config.static_dir)

    async def on_startup(app: web.Application) -> None:
        await db.start()
        if cluster is not None:
            await cluster.start()
            app[forward.CLIENT] = aiohttp.ClientSession(auto_decompress=False)
        manager.start_housekeeping()

    async def on_shutdown(app: web.Application) -> None:
        # Goodbyes to terminal and file tree clients and kernel stops run at once, each
        # bounded, so that SIGTERM with open tabs exits in well under 2 s.
        files = [_goodbye(ws) for ws in list(app[FILE_SOCKETS])]
        await manager.close(*files)

    async def on_cleanup(app: web.Application) -> None:
        if cluster is not None:
            await app[forward.CLIENT].close()
            await cluster.close()
        await storage.close()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app
