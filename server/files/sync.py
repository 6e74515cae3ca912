"""The y-websocket protocol over an aiohttp WebSocket for one FileTree.

Messages: varUint type, then payload. 0 sync (step 1 / step 2 / update), 1 awareness,
3 queryAwareness. The server sends its step 1 first and answers the client's step 1 with a
step 2; updates from writers are applied (and persisted) then relayed to every other peer,
unless they would overfill the tree (quota.py): then the writer's connection is closed with
TREE_FULL; viewers' updates are ignored; awareness is relayed for everyone and retracted on
disconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiohttp import WSMsgType, web
from pycrdt import (
    Decoder,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    create_sync_message,
    handle_sync_message,
    read_message,
)

from .quota import TreeFull
from .tree import FileTree, Peer

log = logging.getLogger(__name__)

QUERY_AWARENESS = 3
# Close code for a refused update: in 4400-4499, which y-websocket's provider does not reconnect
# after (reconnecting would resend the same update). The page reloads to get the server's state.
TREE_FULL = 4413
MAX_BACKLOG = 32 << 20  # a peer this far behind is dropped; its provider reconnects and resyncs


class WsPeer(Peer):
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.clients: set[int] = set()  # awareness client ids announced on this connection
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._backlog = 0
        self._task = asyncio.create_task(self._drain())
        self._closing: asyncio.Task[bool] | None = None

    def send(self, message: bytes) -> None:
        self._backlog += len(message)
        if self._backlog > MAX_BACKLOG:
            if self._closing is None:
                self._task.cancel()
                self._closing = asyncio.create_task(self.ws.close())
            return
        self._queue.put_nowait(message)

    async def _drain(self) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            while True:
                message = await self._queue.get()
                self._backlog -= len(message)
                await self.ws.send_bytes(message)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


def _awareness_clients(payload: bytes) -> list[tuple[int, bool]]:
    """(client id, still present) for each entry of an awareness update."""
    dec = Decoder(payload)
    out = []
    for _ in range(dec.read_var_uint()):
        client = dec.read_var_uint()
        dec.read_var_uint()  # clock
        out.append((client, dec.read_var_string() != "null"))
    return out


def _all_awareness(tree: FileTree) -> bytes | None:
    clients = list(tree.awareness.states)
    if not clients:
        return None
    return create_awareness_message(tree.awareness.encode_awareness_update(clients))


def _handle(tree: FileTree, peer: WsPeer, data: bytes, readonly: bool) -> None:
    kind = data[0]
    if kind == YMessageType.SYNC:
        if data[1] == YSyncMessageType.SYNC_STEP1:
            reply = handle_sync_message(data[1:], tree.doc)
            if reply is not None:
                peer.send(reply)
        elif not readonly:
            update = read_message(data[2:])  # step 2 or update: both carry one update
            if update != b"\x00\x00":  # empty
                tree.quota.apply(update, origin=peer)
    elif kind == YMessageType.AWARENESS:
        payload = read_message(data[1:])
        for client, present in _awareness_clients(payload):
            (peer.clients.add if present else peer.clients.discard)(client)
        tree.awareness.apply_awareness_update(payload, peer)
        for other in list(tree.peers):
            if other is not peer:
                other.send(data)
    elif kind == QUERY_AWARENESS:
        message = _all_awareness(tree)
        if message is not None:
            peer.send(message)


async def serve(
    tree: FileTree, request: web.Request, ws: web.WebSocketResponse, readonly: bool
) -> web.WebSocketResponse:
    if not ws.prepared:
        await ws.prepare(request)
    peer = WsPeer(ws)
    tree.peers.add(peer)
    try:
        peer.send(create_sync_message(tree.doc))
        message = _all_awareness(tree)
        if message is not None:
            peer.send(message)
        async for msg in ws:
            if msg.type != WSMsgType.BINARY or not msg.data:
                continue
            try:
                _handle(tree, peer, msg.data, readonly)
            except TreeFull as exc:
                log.info("refused an update from %s: %s", request.remote, exc)
                await ws.close(code=TREE_FULL, message=b"file tree full")
                break
            except Exception:  # a malformed message costs the sender its connection
                log.warning("bad y-websocket message from %s", request.remote, exc_info=True)
                break
    finally:
        tree.peers.discard(peer)
        if peer.clients:
            gone = list(peer.clients)
            tree.awareness.remove_awareness_states(gone, "disconnect")
            update = create_awareness_message(tree.awareness.encode_awareness_update(gone))
            for other in list(tree.peers):
                other.send(update)
        await peer.stop()
        await ws.close()
    return ws
