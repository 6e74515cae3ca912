"""A minimal y-websocket client for a pycrdt Doc (tests, benchmarks, scripts).

Speaks the same protocol as the browser's WebsocketProvider: sends sync step 1 on connect,
answers the server's step 1, streams local updates, and keeps remote awareness states.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from pycrdt import (
    Awareness,
    Doc,
    YMessageType,
    YSyncMessageType,
    create_awareness_message,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    read_message,
)


class YClient:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, doc: Doc) -> None:
        self.ws = ws
        self.doc = doc
        self.awareness = Awareness(doc)
        self.awareness.set_local_state(None)
        self.synced = asyncio.Event()
        self.received = asyncio.Event()  # set on every message; tests wait on it
        self.closed = asyncio.Event()  # the server closed the socket: see ws.close_code
        self._queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._remote = False
        self._sub = doc.observe(self._on_update)
        self._tasks = [asyncio.create_task(self._send()), asyncio.create_task(self._recv())]
        self._queue.put_nowait(create_sync_message(doc))

    def _on_update(self, event: Any) -> None:
        if not self._remote:  # don't echo what the server just sent
            self._queue.put_nowait(create_update_message(event.update))

    def set_awareness(self, state: dict[str, Any] | None) -> None:
        self.awareness.set_local_state(state)
        update = self.awareness.encode_awareness_update([self.awareness.client_id])
        self._queue.put_nowait(create_awareness_message(update))

    async def _send(self) -> None:
        while True:
            await self.ws.send_bytes(await self._queue.get())

    async def _recv(self) -> None:
        try:
            await self._receive()
        finally:
            self.closed.set()

    async def _receive(self) -> None:
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.BINARY:
                continue
            data: bytes = msg.data
            if data[0] == YMessageType.SYNC:
                self._remote = True
                try:
                    reply = handle_sync_message(data[1:], self.doc)
                finally:
                    self._remote = False
                if reply is not None:
                    self._queue.put_nowait(reply)
                if data[1] == YSyncMessageType.SYNC_STEP2:
                    self.synced.set()
            elif data[0] == YMessageType.AWARENESS:
                self.awareness.apply_awareness_update(read_message(data[1:]), "remote")
            self.received.set()

    async def flush(self) -> None:
        """Wait until every queued message has been handed to the socket."""
        while not self._queue.empty() and not self.ws.closed:
            await asyncio.sleep(0.001)

    async def close(self) -> None:
        await self.flush()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionError):
                await task  # a send to a socket the server closed fails
        self.doc.unobserve(self._sub)
        await self.ws.close()


@asynccontextmanager
async def connect(
    url: str, doc: Doc | None = None, session: aiohttp.ClientSession | None = None
) -> AsyncIterator[YClient]:
    """Connect a Doc to a y-websocket URL (e.g. ws://host/ws/files/<id>?token=T) and sync."""
    async with contextlib.AsyncExitStack() as stack:
        if session is None:
            session = await stack.enter_async_context(aiohttp.ClientSession())
        ws = await session.ws_connect(url)
        client = YClient(ws, doc if doc is not None else Doc())
        try:
            await asyncio.wait_for(client.synced.wait(), 10)
            yield client
        finally:
            await client.close()
