"""The shell sees the shared tree as /home/user: browser edits are readable by `cat`, shell
writes reach the browser's Doc."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from pycrdt import Map

from server.files import FileTreeStore
from server.sessions import system
from tests.test_files import Limits, create, make_app, text_of, until, url

pytestmark = pytest.mark.skipif(
    not (system.dist_file("dash.wasm").exists() and system.dist_file("toybox.wasm").exists()),
    reason="needs wasm/dist (dash, toybox)",
)


async def test_shell_and_browser_share_home(tmp_path: Path, aiohttp_server) -> None:  # type: ignore[no-untyped-def]
    from server.files.client import connect
    from server.sessions.session import Session, SessionConfig

    store = FileTreeStore(tmp_path, Limits())
    srv = await aiohttp_server(make_app(store))
    tree = await store.open("s1")
    loop = asyncio.get_running_loop()
    out = bytearray()
    session = Session(
        SessionConfig(),
        tree.backend(),
        on_output=lambda b: loop.call_soon_threadsafe(out.extend, b),
        on_exit=lambda status: None,
    )
    async with connect(url(srv)) as browser:
        create(browser, "notes.txt", "written in the browser\n")
        await until(lambda: tree.text("notes.txt") is not None)
        session.start()
        try:
            session.write_input(b"cat notes.txt\r")
            await until(lambda: b"written in the browser" in out, timeout=30)
            session.write_input(b"echo from-shell > s.txt; mkdir d; echo x >> notes.txt\r")
            await until(lambda: text_of(browser, "s.txt") == "from-shell\n", timeout=30)
            await until(lambda: text_of(browser, "notes.txt") == "written in the browser\nx\n")
            await until(lambda: browser.doc.get("tree", type=Map).get("d", {}).get("kind") == "dir")
            session.write_input(b"ls; wc -c < s.txt\r")
            await until(lambda: b"11" in out[out.rfind(b"wc -c") :], timeout=30)
        finally:
            await loop.run_in_executor(None, session.stop)
    await store.close()


async def test_hostile_names_from_a_browser_stay_inside_the_tree(
    tmp_path: Path, aiohttp_server
) -> None:  # type: ignore[no-untyped-def]
    from server.files.client import connect
    from server.sessions import batch

    store = FileTreeStore(tmp_path / "data", Limits())
    srv = await aiohttp_server(make_app(store))
    tree = await store.open("s1")
    loop = asyncio.get_running_loop()
    async with connect(url(srv)) as browser:
        for name in ("../escape.txt", "/abs.txt", "a/../../up.txt", "ok.txt"):
            create(browser, name, "x\n")
        await until(lambda: tree.text("ok.txt") is not None)
        r = await loop.run_in_executor(
            None,
            batch.run,
            ["/bin/sh", "-c", "ls -a; cat ok.txt; cat /home/escape.txt"],
            tree.backend(),
        )
    listing = r.stdout.decode().split()
    assert "ok.txt" in listing and ".." in listing and "escape.txt" not in listing
    assert not list(tmp_path.rglob("escape.txt")) and not list(tmp_path.rglob("up.txt"))
    await store.close()
