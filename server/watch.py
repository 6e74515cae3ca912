"""Watch mode of the terminal WebSocket (`/ws/term/{id}?watch=1`): the teacher page's peek.

A watcher is a viewer that is not a person: it is not announced in `viewers`, it does not keep
the kernel from its idle stop, and it never starts a stopped kernel. Watching a stopped session
shows the screen it saved at its stop, then waits; when someone else starts the kernel, the
socket is closed with 1012 so that the watcher reconnects to the live terminal (4404 when the
session is deleted, 1001 when the server shuts down).
"""

from __future__ import annotations

import asyncio
import json

from aiohttp import WSMsgType, web

from .db import SessionRow
from .keys import MANAGER
from .terminal import DEFAULT_COLS, DEFAULT_ROWS, SharedTerminal

STARTED = 1012  # "service restart": reconnect, the kernel is running now
GONE = 4404
SHUTDOWN = 1001
CLOSED = (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR)


async def watch_ws(request: web.Request, row: SessionRow) -> web.WebSocketResponse:
    manager = request.app[MANAGER]
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=64 << 10)
    await ws.prepare(request)
    term = manager.terminals.get(row.id)
    if term is None:
        await _watch_stopped(request, ws, row)
    else:
        await _watch_running(request, ws, term)
    return ws


async def _watch_running(
    request: web.Request, ws: web.WebSocketResponse, term: SharedTerminal
) -> None:
    transport = request.transport
    abort = transport.abort if transport is not None else lambda: None
    client = term.attach(ws, "viewer", "watcher", abort=abort, watcher=True)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:  # acks pace it like any viewer; the rest is ignored
                try:
                    found = json.loads(msg.data)
                    if found.get("type") == "ack":
                        term.ack(client, int(found["bytes"]))
                except (ValueError, KeyError, TypeError, AttributeError):
                    pass
    finally:
        await term.detach(client)


async def _watch_stopped(request: web.Request, ws: web.WebSocketResponse, row: SessionRow) -> None:
    manager = request.app[MANAGER]
    started = manager.when_running(row.id)  # before the await below: a start is not missed
    hello = {"type": "hello", "role": "viewer", "client": None, "session": row.id,
             "rows": DEFAULT_ROWS, "cols": DEFAULT_COLS, "running": False}  # fmt: skip
    await ws.send_str(json.dumps(hello))
    saved = await manager.db.load_scrollback(row.id)
    if saved:
        await ws.send_bytes(saved)
    waiting = asyncio.create_task(started.wait())
    receiving = asyncio.create_task(ws.receive())  # any frame or the close ends the wait
    try:
        while not ws.closed:
            done, _ = await asyncio.wait({waiting, receiving}, return_when=asyncio.FIRST_COMPLETED)
            if waiting in done:
                if manager.closing:
                    await ws.close(code=SHUTDOWN, message=b"shutdown")
                elif await manager.get(row.id) is None:
                    await ws.close(code=GONE, message=b"deleted")
                else:
                    await ws.close(code=STARTED, message=b"started")
                break
            if receiving.result().type in CLOSED:
                break
            receiving = asyncio.create_task(ws.receive())  # an ack: nothing to pace
    finally:
        waiting.cancel()
        receiving.cancel()
