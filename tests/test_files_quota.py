"""The tree-size limit holds for edits from browsers too (docs/protocol.md, "File tree").

The tree in these tests holds 8 MiB; the shell fills 7 MiB of it with blobs first.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from pycrdt import Doc, Map, Text, create_update_message

from server.files import FileTreeStore
from server.files.client import YClient, connect
from server.files.sync import TREE_FULL
from tests.test_files import (
    Limits,
    create,
    in_thread,
    make_app,
    shell_read,
    shell_write,
    text_of,
    until,
    url,
)  # fmt: skip

MiB = 1 << 20


@pytest.fixture
async def server(tmp_path: Path, aiohttp_server):  # type: ignore[no-untyped-def]
    store = FileTreeStore(tmp_path, Limits())
    srv = await aiohttp_server(make_app(store))
    srv.store = store
    yield srv
    await store.close()


async def fill(store: FileTreeStore, size: int = 7 * MiB) -> None:
    backend = (await store.open("s1")).backend()
    await in_thread(lambda: shell_write(backend, "fill0", b"\x00" * (size - size // 2)))
    await in_thread(lambda: shell_write(backend, "fill1", b"\x00" * (size // 2)))


async def test_an_update_that_would_overfill_the_tree_is_refused(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    await fill(server.store)
    tree = await server.store.open("s1")
    backend = tree.backend()
    async with connect(url(server)) as a, connect(url(server)) as b:
        create(a, "small.txt", "fits")
        await until(lambda: text_of(b, "small.txt") == "fits")

        create(a, "big.txt", "x" * (2 * MiB))  # 7 + 2 MiB > 8 MiB
        await until(a.closed.is_set)
        assert a.ws.close_code == TREE_FULL
        assert tree.lookup("big.txt") is None

        # everyone else carries on: the other browser and the shell
        create(b, "after.txt", "still here")
        await until(lambda: tree.text("after.txt") == b"still here")
        assert text_of(b, "big.txt") is None
        await in_thread(lambda: shell_write(backend, "shell.txt", b"from the shell\n"))
        await until(lambda: text_of(b, "shell.txt") == "from the shell\n")
        assert await in_thread(lambda: shell_read(backend, "small.txt")) == b"fits"

        # the refused browser's doc still has big.txt: resyncing it is refused again
        async with aiohttp.ClientSession() as http:
            again = YClient(await http.ws_connect(url(server)), a.doc)
            await until(again.closed.is_set)
            assert again.ws.close_code == TREE_FULL
            await again.close()
        # a fresh doc (the page reloaded) gets the server's state, without big.txt
        async with connect(url(server)) as c:
            await until(lambda: text_of(c, "after.txt") == "still here")
            assert text_of(c, "big.txt") is None and text_of(c, "small.txt") == "fits"

    # nothing of it was persisted
    reopened = FileTreeStore(tmp_path, Limits())
    tree2 = await reopened.open("s1")
    assert tree2.lookup("big.txt") is None and tree2.text("after.txt") == b"still here"
    await reopened.close()


async def test_a_full_tree_can_be_emptied_from_a_browser(server) -> None:  # type: ignore[no-untyped-def]
    await fill(server.store, 8 * MiB)
    tree = await server.store.open("s1")
    async with connect(url(server)) as a:
        files_map = a.doc.get("tree", type=Map)
        await until(lambda: "fill0" in files_map)
        del files_map["fill0"]  # deletions carry no content: always admitted
        await until(lambda: tree.lookup("fill0") is None)
        create(a, "note.txt", "room again")
        await until(lambda: tree.text("note.txt") == b"room again")
        assert not a.closed.is_set()


async def test_content_waiting_for_a_missing_update_counts(server) -> None:  # type: ignore[no-untyped-def]
    """Updates that cannot be integrated yet (they build on one the server has not seen) land
    all at once when it arrives, so the quota counts them while they wait."""
    await fill(server.store)
    tree = await server.store.open("s1")
    doc, updates = Doc(), []
    doc.observe(lambda event: updates.append(event.update))
    doc.get("files", type=Map)["t.txt"] = text = Text("a")
    text += "b" * (600 << 10)
    text += "c" * (600 << 10)
    async with aiohttp.ClientSession() as http, http.ws_connect(url(server)) as ws:
        await ws.send_bytes(create_update_message(updates[1]))  # fits the 1 MiB left: waits
        await ws.send_bytes(create_update_message(updates[2]))  # 600 + 600 KiB do not fit
        msg = await ws.receive(timeout=5)
        while msg.type == aiohttp.WSMsgType.BINARY:  # the server's sync step 1 and step 2
            msg = await ws.receive(timeout=5)
        assert ws.close_code == TREE_FULL
    assert tree.quota.pending_bytes > 600 << 10
    async with connect(url(server)) as a:
        a.doc.get("files", type=Map)  # the first update arrives: the waiting one lands
        a.doc.apply_update(updates[0])
        await until(lambda: tree.text("t.txt") is not None and len(tree.text("t.txt")) > 1)
    assert tree.text("t.txt") == b"a" + b"b" * (600 << 10)
    assert tree.quota.pending_bytes == 0
    assert tree.total_bytes <= Limits.tree_bytes
