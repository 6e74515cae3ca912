"""The teacher's side of templates, over HTTP and WebSockets: labelled copies, their listing
(server/teacher.py), watch mode (server/watch.py) and the labels' schema migration."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from server.app import make_app
from server.config import Config
from server.db import Database
from server.keys import MANAGER


@pytest.fixture
async def client(aiohttp_client, tmp_path):
    return await aiohttp_client(make_app(Config(data_dir=tmp_path)))


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


@pytest.fixture
async def template(client) -> dict:
    body = await (await client.post("/api/sessions")).json()
    return {
        "id": body["id"],
        "edit": token_of(body["edit_url"]),
        "view": token_of(body["view_url"]),
    }


async def student_copy(client, template: dict, name: str | None) -> str:
    """What a student's browser does with the template link: its own copy (a new cookie jar)."""
    client.session.cookie_jar.clear()
    query = f"&name={name}" if name else ""
    url = f"/embed/template/{template['id']}?token={template['view']}{query}"
    resp = await client.get(url, allow_redirects=False)
    assert resp.status == 303
    return urlsplit(resp.headers["Location"]).path.rsplit("/", 1)[1]


def copies_url(template: dict, token: str = "edit") -> str:
    return f"/api/sessions/{template['id']}/copies?token={template[token]}"


async def list_copies(client, template: dict, query: str = "") -> dict:
    resp = await client.get(
        f"/api/sessions/{template['id']}/copies?token={template['edit']}{query}"
    )
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def prompt(term) -> None:
    async with asyncio.timeout(30):
        while b"$ " not in term.ring.tail(1 << 10):
            await asyncio.sleep(0.05)


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int:
    """Reads until the server closes the socket; its close code."""
    async with asyncio.timeout(10):
        while (msg := await ws.receive()).type != aiohttp.WSMsgType.CLOSE:
            pass
    return msg.data


async def test_copies_are_labelled_and_listed_for_the_template_edit_token(client, template):
    ada = await student_copy(client, template, "Ada%20L.")
    bob = await student_copy(client, template, "Bob")
    await client.post("/api/sessions")  # not a copy: not listed
    body = await list_copies(client, template)
    assert body["total"] == 2
    assert {c["id"]: c["label"] for c in body["copies"]} == {ada: "Ada L.", bob: "Bob"}
    first = body["copies"][0]
    assert first["running"] and first["people"] == 0
    assert token_of(first["edit_url"]) != token_of(first["view_url"])
    assert first["watch_url"].endswith("&watch=1")

    page = await list_copies(client, template, "&limit=1&offset=1")
    assert page["total"] == 2 and [c["id"] for c in page["copies"]] == [body["copies"][1]["id"]]
    view = await client.get(copies_url(template, "view"))
    assert view.status == 403  # the view token makes copies but does not list them
    assert (await client.get(f"/teach/{template['id']}?token={template['view']}")).status == 403
    assert (await client.get(f"/teach/{template['id']}?token={template['edit']}")).status == 200
    bad = await client.get(
        f"/api/sessions/{template['id']}/copies?token={template['edit']}&limit=x"
    )
    assert bad.status == 400


async def test_a_later_visit_with_a_name_labels_the_copy(client, template):
    url = f"/embed/template/{template['id']}?token={template['view']}"
    first = await client.get(url, allow_redirects=False)  # no name yet
    copy = urlsplit(first.headers["Location"]).path.rsplit("/", 1)[1]
    assert (await list_copies(client, template))["copies"][0]["label"] is None
    again = await client.get(url + "&name=Grace", allow_redirects=False)  # the cookie: same copy
    assert copy in again.headers["Location"]
    assert [c["label"] for c in (await list_copies(client, template))["copies"]] == ["Grace"]


async def test_watching_a_stopped_copy_shows_its_saved_screen_without_starting_it(client, template):
    manager = client.app[MANAGER]
    copy = await student_copy(client, template, "Ada")
    await prompt(manager.terminals[copy])
    await manager.stop(copy)
    watch = (await list_copies(client, template))["copies"][0]["watch_url"]
    ws = await client.ws_connect(watch)
    hello = json.loads((await ws.receive()).data)
    assert hello["type"] == "hello" and hello["running"] is False
    assert b"$ " in (await ws.receive()).data  # the screen saved at the stop
    await asyncio.sleep(0.3)
    assert copy not in manager.terminals  # watching did not start it
    assert (await list_copies(client, template))["copies"][0]["running"] is False

    await manager.open(await manager.get(copy))  # a student comes back
    assert await closed_with(ws) == 1012  # reconnect: the watch goes live

    again = await client.ws_connect(watch)  # live now; the kernel stops: 1001, reconnect
    assert json.loads((await again.receive()).data)["type"] == "hello"
    await manager.stop(copy)
    assert await closed_with(again) == 1001


async def test_a_server_shutdown_closes_the_watchers_of_stopped_copies(client, template):
    manager = client.app[MANAGER]
    copy = await student_copy(client, template, "Ada")
    await manager.stop(copy)
    ws = await client.ws_connect((await list_copies(client, template))["copies"][0]["watch_url"])
    assert json.loads((await ws.receive()).data)["running"] is False
    await manager.close()
    assert await closed_with(ws) == 1001  # not left open until the shutdown timeout


async def test_watchers_are_not_people_and_do_not_keep_a_copy_running(client, template):
    manager = client.app[MANAGER]
    copy = await student_copy(client, template, "Ada")
    term = manager.terminals[copy]
    row = await manager.get(copy)
    student = await client.ws_connect(f"/ws/term/{copy}?token={row.edit_token}&name=Ada")
    await prompt(term)
    watch = (await list_copies(client, template))["copies"][0]["watch_url"]
    watcher = await client.ws_connect(watch)
    async with asyncio.timeout(10):  # no output since: its hello and replay come anyway
        assert json.loads((await watcher.receive()).data)["type"] == "hello"
    await student.send_bytes(b"echo a$((6*7))\r")
    seen = b""
    async with asyncio.timeout(30):
        while b"a42" not in seen:
            msg = await watcher.receive()
            seen += msg.data if msg.type == aiohttp.WSMsgType.BINARY else b""
    listed = (await list_copies(client, template))["copies"][0]
    assert listed["people"] == 1
    await student.close()
    async with asyncio.timeout(10):
        while term.people():
            await asyncio.sleep(0.05)
    assert term.idle_since is not None  # the watcher does not hold off the idle stop
    await manager.tick(term.idle_since + manager.config.idle_timeout + 1)
    assert copy not in manager.terminals
    await watcher.close()


async def test_an_old_database_gains_the_label_column(tmp_path):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE sessions (id TEXT PRIMARY KEY, edit_token TEXT NOT NULL, view_token TEXT"
        " NOT NULL, created REAL NOT NULL, last_active REAL NOT NULL, template TEXT, cmd TEXT)"
    )
    old.execute("INSERT INTO sessions VALUES ('tpl', 'e', 'v', 1, 1, NULL, NULL)")
    old.execute("INSERT INTO sessions VALUES ('old', 'e2', 'v2', 2, 2, 'tpl', NULL)")
    old.commit()
    old.close()
    db = Database(path)
    old_row = await db.get("old")
    assert old_row.template == "tpl" and old_row.label is None
    new = await db.create(template="tpl", label="Ada")
    assert [r.id for r in await db.list_sessions("tpl", newest_first=False)] == ["old", new.id]
    assert (await db.get(new.id)).label == "Ada" and await db.count("tpl") == 2
    assert [r.id for r in await db.list_sessions(limit=1, offset=1)] == ["old"]
    await db.close()
    await Database(path).close()  # migrating twice is a no-op
