"""SIGTERM/SIGINT with open tabs: the real `cowasm-serve` process exits promptly and keeps what
was written. Runs the installed console script on a free port with a temporary data dir."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from server.files.client import connect
from tests.test_browser import (  # noqa: F401  (browser is a fixture)
    CHROMIUM,
    Pages,
    browser,
    files_synced,
    ready,
    type_in_terminal,
)

SERVE = Path(sys.executable).with_name("cowasm-serve")
EXIT_BOUND = 5.0  # the old shutdown (2 s goodbyes, then 10 s for the file sockets) took longer


async def start_server(data_dir: Path) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        str(SERVE), "--port", "0", "--data-dir", str(data_dir),
        stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stderr is not None
    async with asyncio.timeout(60):
        while True:
            line = (await proc.stderr.readline()).decode()
            assert line, "cowasm-serve ended before listening"
            if found := re.search(r"url=(http://\S+)", line):
                return proc, found.group(1)


async def wait_for_text(ws: aiohttp.ClientWebSocketResponse, text: str) -> None:
    seen = ""
    async with asyncio.timeout(60):
        while text not in seen:
            msg = await ws.receive()
            if msg.type == aiohttp.WSMsgType.BINARY:
                seen += msg.data.decode(errors="replace")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
async def test_signal_with_open_tabs_exits_fast_and_keeps_files(tmp_path, sig):
    proc, url = await start_server(tmp_path)
    async with aiohttp.ClientSession() as http, contextlib.AsyncExitStack() as tabs:
        ids = []
        for _ in range(3):
            async with http.post(f"{url}/api/sessions") as resp:
                body = await resp.json()
            token = body["edit_url"].split("token=")[1]
            ids.append((body["id"], token))
        sockets = []
        for sid, token in ids:  # two tabs per session: a terminal and a file tree each
            term = await http.ws_connect(f"{url}/ws/term/{sid}?token={token}")
            await wait_for_text(term, "$ ")
            await tabs.enter_async_context(
                connect(f"{url.replace('http', 'ws')}/ws/files/{sid}?token={token}", session=http)
            )
            sockets.append(term)
        sid, token = ids[0]
        put = await http.put(f"{url}/api/sessions/{sid}/files/notes.txt?token={token}", data=b"hi")
        assert put.status in (200, 201, 204)
        term = sockets[0]
        await term.send_bytes(b"echo shell$((6*7)) > made.txt\r")
        async with asyncio.timeout(30):
            while True:  # the shell wrote it once the file tree API shows it
                got = await http.get(f"{url}/api/sessions/{sid}/files/made.txt?token={token}")
                if got.status == 200:
                    break
                await asyncio.sleep(0.1)

        busy = sockets[1]  # a program that never ends must not hold the exit up
        await busy.send_bytes(b"python3 -c 'print(6*7*1000)\nwhile True: pass'\r")
        await wait_for_text(busy, "42000")  # the loop has begun

        began = time.monotonic()
        proc.send_signal(sig)
        async with asyncio.timeout(EXIT_BOUND):
            code = await proc.wait()
        took = time.monotonic() - began
        print(f"cowasm-serve exited {code} after {sig.name} in {took:.2f} s")
        assert code == 0
        for s in sockets:
            await s.close()

    proc, url = await start_server(tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            base = f"{url}/api/sessions/{sid}/files"
            assert await (await http.get(f"{base}/notes.txt?token={token}")).read() == b"hi"
            made = await (await http.get(f"{base}/made.txt?token={token}")).read()
            assert made == b"shell42\n"
            info = await (await http.get(f"{url}/api/sessions/{sid}?token={token}")).json()
            assert json.dumps(info)  # the session itself came back
    finally:
        proc.terminate()
        await proc.wait()


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium")
async def test_sigterm_with_browser_tabs_open_exits_fast(tmp_path, browser):  # noqa: F811
    """Real tabs (a writer's and a viewer's full page: terminal and file tree sockets each) do
    not hold the exit up, and they tell their users the connection is lost."""
    proc, url = await start_server(tmp_path)
    try:
        async with aiohttp.ClientSession() as http:
            body = await (await http.post(f"{url}/api/sessions")).json()
            tabs = Pages(browser)
            writer = await tabs.open(body["edit_url"])
            viewer = await tabs.open(body["view_url"])
            for tab in (writer, viewer):
                await ready(tab)
                await files_synced(tab)
            await type_in_terminal(writer, "echo tab$((6*7)) > tab.txt")
            token = body["edit_url"].split("token=")[1]
            made = f"{url}/api/sessions/{body['id']}/files/tab.txt?token={token}"
            async with asyncio.timeout(30):
                while (await http.get(made)).status != 200:
                    await asyncio.sleep(0.1)

        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(EXIT_BOUND):
            code = await proc.wait()
        took = time.monotonic() - began
        print(f"cowasm-serve exited {code} with two browser tabs open in {took:.2f} s")
        assert code == 0
        for tab in (writer, viewer):
            banner = tab.locator(".term-banner")
            await banner.wait_for(state="visible")
            assert "Connection lost" in await banner.inner_text()
        assert tabs.errors == []
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
