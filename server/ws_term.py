"""The terminal WebSocket: translates frames into SharedTerminal calls (docs/protocol.md)."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import WSMsgType, web

from .keys import MANAGER, METRICS
from .manager import SessionGone, SessionsFull
from .security import check_origin, request_token
from .terminal import Client, SharedTerminal
from .watch import watch_ws

log = logging.getLogger("cowasm.ws")


async def term_ws(request: web.Request) -> web.StreamResponse:
    check_origin(request)
    manager = request.app[MANAGER]
    row = await manager.get(request.match_info["id"])
    role = row.role_for(request_token(request)) if row else None
    if row is None or role is None:
        raise web.HTTPForbidden(text="bad session or token")
    if request.query.get("watch") == "1":  # the teacher page: never starts a kernel
        return await watch_ws(request, row)

    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=1 << 20)
    await ws.prepare(request)
    request.app[METRICS].connections += 1
    try:
        term = await manager.open(row)
    except SessionsFull as e:  # the page shows the message and reconnects with backoff
        await ws.send_json({"type": "error", "message": str(e)})
        await ws.close(code=1013, message=b"try again later")
        return ws
    except SessionGone:  # deleted while it was stopping
        await ws.close(code=4404, message=b"deleted")
        return ws
    # No await between open() and attach(): the idle reaper cannot stop the terminal between.
    transport = request.transport
    abort = transport.abort if transport is not None else lambda: None
    client = term.attach(ws, role, request.query.get("name"), abort=abort)
    log.info(
        "client attached", extra={"kv": {"session": row.id, "client": client.id, "role": role}}
    )
    try:
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                await term.input(client, msg.data)
            elif msg.type == WSMsgType.TEXT:
                await _control(term, client, msg.data)
    finally:
        await term.detach(client)
        await manager.db.touch(row.id)
        log.info("client detached", extra={"kv": {"session": row.id, "client": client.id}})
    return ws


async def _control(term: SharedTerminal, client: Client, text: str) -> None:
    try:
        msg = json.loads(text)
        kind = msg["type"]
        if kind == "ack":
            term.ack(client, int(msg["bytes"]))
        elif kind == "resize":
            term.resize(client, _dimension(msg, "rows"), _dimension(msg, "cols"))
        elif kind == "name":
            term.rename(client, str(msg["name"]))
        elif kind == "run":
            if refused := await term.run(client, str(msg["path"])):
                await client.ws.send_json({"type": "notice", "message": refused})
        else:
            raise ValueError(f"unknown type {kind!r}")
    except (ValueError, KeyError, TypeError) as e:
        await client.ws.send_json({"type": "error", "message": f"bad message: {e}"})


def _dimension(msg: dict[str, Any], key: str) -> int:
    """A resize's rows or cols: a JSON integer (the terminal clamps it to its range)."""
    value = msg.get(key)
    if type(value) is not int:  # not bool (an int subclass), float or string
        raise ValueError(f"resize needs integer rows and cols, got {key}={value!r}")
    return value
