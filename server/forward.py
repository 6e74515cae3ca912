"""Any node accepts any URL: requests about a session another node runs are forwarded to it.

The `route_to_owner` middleware (installed with --database postgresql://) looks at the routes
that reach a session's live state (its terminal, its file tree, its API) and asks the cluster
who has the session; if it is free this node claims it and serves it, else the request is
proxied to the owner: HTTP with aiohttp's client, WebSockets by a pump each way that keeps
frames, their type and the close code and reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable

import aiohttp
from aiohttp import WSMsgType, web
from multidict import CIMultiDict

from .cluster import Cluster, OwnerUnknown
from .keys import MANAGER

log = logging.getLogger("cowasm.forward")
CLUSTER = web.AppKey("cluster", Cluster)
CLIENT = web.AppKey("forward_client", aiohttp.ClientSession)
FORWARDED = "X-Cowasm-Forwarded-By"  # a forwarded request is never forwarded again
ROUTED = {
    "/ws/term/{id}",
    "/ws/files/{id}",
    "/api/sessions/{id}",
    "/api/sessions/{id}/files/{path}",
    "/api/admin/sessions/{id}",
}
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
}  # fmt: skip
MAX_FRAME = 80 << 20  # the file tree socket's limit (app.files_ws)
FAILOVER_TRIES = 25  # times an unreachable owner is looked up again (FAILOVER_DELAY apart)
FAILOVER_DELAY = 0.2
GONE = 1012  # "service restart": the owner went away mid-session; the page reconnects
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _routed_id(request: web.Request) -> str | None:
    resource = request.match_info.route.resource
    if resource is None or resource.canonical not in ROUTED:
        return None
    sid = request.match_info.get("id", "")
    return sid if SESSION_ID.fullmatch(sid) else None


@web.middleware
async def route_to_owner(request: web.Request, handler: Handler) -> web.StreamResponse:
    sid = _routed_id(request)
    if sid is None or await request.app[MANAGER].get(sid) is None:  # no row: the handler says so
        return await handler(request)
    cluster = request.app[CLUSTER]
    watch = request.query.get("watch") == "1"  # never starts a kernel: takes no lock either
    for _ in range(FAILOVER_TRIES):
        try:
            owner = await cluster.locate(sid, claim=not watch)
        except OwnerUnknown:
            raise web.HTTPServiceUnavailable(text="the session is moving; retry") from None
        if owner is None:
            return await handler(request)
        if FORWARDED in request.headers:  # two nodes disagree for a moment: no ping-pong
            raise web.HTTPServiceUnavailable(text="the session is moving; retry")
        headers = _forward_headers(request, cluster.node_url)
        try:
            if request.headers.get("Upgrade", "").lower() == "websocket":
                return await _proxy_ws(request, owner, headers)
            return await _proxy_http(request, owner, headers)
        except aiohttp.ClientConnectorError as e:  # nothing was sent: safe to try again
            log.warning("owner unreachable", extra={"kv": {"owner": owner, "error": str(e)}})
            # A node killed a moment ago still holds its locks until PostgreSQL notices its
            # connection is gone (milliseconds; a lost machine takes TCP keepalive's time).
            await asyncio.sleep(FAILOVER_DELAY)
    raise web.HTTPBadGateway(text="the session's node does not answer; retry")


def _forward_headers(request: web.Request, node_url: str) -> CIMultiDict[str]:
    headers = CIMultiDict(
        (k, v)
        for k, v in request.headers.items()
        if k.lower() not in HOP_BY_HOP and not k.lower().startswith("sec-websocket-")
    )
    headers["Host"] = request.host  # the owner checks Origin against the host the user sees
    headers[FORWARDED] = node_url
    return headers


async def _proxy_http(request: web.Request, owner: str, headers: CIMultiDict[str]) -> web.Response:
    client = request.app[CLIENT]
    # The body is streamed (an upload may be bigger than aiohttp's read() limit); a refused
    # connection has not read any of it, so the caller may try again.
    body = request.content if request.body_exists else None
    try:
        async with client.request(request.method, owner + request.path_qs, headers=headers,
                                  data=body, allow_redirects=False) as up:  # fmt: skip
            data = await up.read()  # file downloads are bounded by the per-file limit
            out = CIMultiDict((k, v) for k, v in up.headers.items() if k.lower() not in HOP_BY_HOP)
            return web.Response(status=up.status, body=data, headers=out)
    except aiohttp.ClientConnectorError:
        raise
    except aiohttp.ClientError as e:
        log.warning("forward failed", extra={"kv": {"owner": owner, "error": str(e)}})
        raise web.HTTPBadGateway(text="the session's node did not answer; retry") from e


async def _proxy_ws(
    request: web.Request, owner: str, headers: CIMultiDict[str]
) -> web.StreamResponse:
    client = request.app[CLIENT]
    url = owner.replace("http", "ws", 1) + request.path_qs
    try:
        up = await client.ws_connect(url, headers=headers, max_msg_size=MAX_FRAME,
                                     autoclose=False, autoping=True)  # fmt: skip
    except aiohttp.WSServerHandshakeError as e:  # the owner refused: the same answer here
        return web.Response(status=e.status, text=e.message)
    except aiohttp.ClientConnectorError:
        raise
    except aiohttp.ClientError as e:
        log.warning("forward failed", extra={"kv": {"owner": owner, "error": str(e)}})
        raise web.HTTPBadGateway(text="the session's node did not answer; retry") from e
    down = web.WebSocketResponse(max_msg_size=MAX_FRAME, autoclose=False, heartbeat=30)
    pumps: list[asyncio.Task[None]] = []
    try:
        await down.prepare(request)
        pumps = [
            asyncio.create_task(_pump(up, down, GONE, b"the session's node went away")),
            asyncio.create_task(_pump(down, up, 1001, b"client gone")),
        ]
        _, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        if pending:  # the first pump closed the other side: its pump ends soon
            await asyncio.wait(pending, timeout=2.0)
    finally:
        for task in pumps:
            task.cancel()
        await up.close()
    return down


async def _pump(
    src: aiohttp.ClientWebSocketResponse | web.WebSocketResponse,
    dst: aiohttp.ClientWebSocketResponse | web.WebSocketResponse,
    code: int,
    reason: bytes,
) -> None:
    """Copy frames from src to dst until src closes, then close dst with src's code (or with
    `code` and `reason` when src vanished without a close frame)."""
    while True:
        msg = await src.receive()
        if msg.type == WSMsgType.BINARY:
            await _send(dst, dst.send_bytes(msg.data))
        elif msg.type == WSMsgType.TEXT:
            await _send(dst, dst.send_str(msg.data))
        elif msg.type == WSMsgType.CLOSE:
            if msg.data not in (None, 1005, 1006, 1015):  # codes that are never sent
                code, reason = int(msg.data), (msg.extra or "").encode()
            with contextlib.suppress(ConnectionError, RuntimeError):
                await src.close(code=code)  # answer the close handshake
            break
        else:  # CLOSING, CLOSED, ERROR: the peer is gone without a close frame
            break
    if not dst.closed:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await dst.close(code=code, message=reason)


async def _send(dst: object, sending: Awaitable[None]) -> None:
    with contextlib.suppress(ConnectionError, RuntimeError):
        await sending
