"""`cowasm attach URL` against a real server: piped keystrokes in, the session's output out."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from server.app import make_app
from server.attach import term_ws_url
from server.config import Config

ROOT = Path(__file__).resolve().parent.parent


def test_links_become_terminal_socket_urls():
    assert (
        term_ws_url("https://h.org/s/abc?token=T", "ann")
        == "wss://h.org/ws/term/abc?token=T&name=ann"
    )
    assert (
        term_ws_url("http://h:8/embed/abc?token=T&theme=dark", None)
        == "ws://h:8/ws/term/abc?token=T"
    )
    assert term_ws_url("http://h/pre/s/abc?token=T", None) == "ws://h/pre/ws/term/abc?token=T"
    with pytest.raises(ValueError):
        term_ws_url("http://h/s/abc", None)  # no token


async def attach(url: str, keys: bytes) -> tuple[int, bytes, bytes]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.attach", url, "--name", "robot",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(keys), 60)
    return proc.returncode or 0, out, err


async def test_attach_types_as_a_writer_and_watches_as_a_viewer(aiohttp_client, tmp_path):
    client = await aiohttp_client(make_app(Config(data_dir=tmp_path)))
    body = await (await client.post("/api/sessions")).json()

    status, out, err = await attach(body["edit_url"], b"echo at$((2*21))\r")
    assert status == 0, err
    assert b"at42" in out
    assert b"attached as writer robot" in err

    status, out, err = await attach(body["view_url"], b"echo no$((1+1))\r")
    assert status == 0, err
    assert b"at42" in out  # the replay
    assert b"no2" not in out
    assert b"attached as viewer" in err
