"""HTTP face of the server: pages, API, tokens, origins, embedding headers, persistence, CLI."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import socket
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from server import cli
from server.app import make_app
from server.config import Config
from server.keys import MANAGER
from server.manager import SessionGone

ORIGIN = "https://course.example.org"


@pytest.fixture
def config(tmp_path):
    return Config(data_dir=tmp_path, embed_origins=(ORIGIN,))


@pytest.fixture
async def client(aiohttp_client, config):
    return await aiohttp_client(make_app(config))


@pytest.fixture
async def session(client):
    body = await (await client.post("/api/sessions")).json()
    body["edit"] = parse_qs(urlsplit(body["edit_url"]).query)["token"][0]
    body["view"] = parse_qs(urlsplit(body["view_url"]).query)["token"][0]
    return body


def page_config(html: str) -> dict:
    found = re.search(r'<script id="cowasm-config" type="application/json">(.*?)</script>', html)
    assert found, "page has no config"
    return json.loads(found.group(1))


async def test_create_returns_links_for_each_role(client, session):
    assert set(session) >= {"id", "edit_url", "view_url", "embed_url"}
    assert session["edit"] != session["view"]
    info = await (await client.get(f"/api/sessions/{session['id']}?token={session['edit']}")).json()
    assert info["running"] is True


async def test_pages_render_the_config_for_the_token_role(client, session):
    resp = await client.get(f"/s/{session['id']}?token={session['edit']}")
    assert resp.status == 200
    config = page_config(await resp.text())
    assert config["role"] == "writer" and config["editUrl"] and not config["readonly"]
    assert config["termUrl"].startswith(f"/ws/term/{session['id']}?token=")

    config = page_config(
        await (await client.get(f"/s/{session['id']}?token={session['view']}")).text()
    )
    assert config["role"] == "viewer" and config["editUrl"] is None
    assert session["edit"] not in json.dumps(config)  # a viewer never learns the edit token

    url = f"/embed/{session['id']}?token={session['edit']}&readonly=1&theme=light"
    config = page_config(await (await client.get(url)).text())
    assert config["embed"] and config["readonly"] and config["theme"] == "light"
    assert config["token"] == session["view"]  # read-only embeds are enforced by the server


@pytest.mark.parametrize("path", ["/s/{id}", "/embed/{id}", "/api/sessions/{id}", "/ws/term/{id}"])
async def test_no_or_wrong_token_is_forbidden(client, session, path):
    url = path.format(id=session["id"])
    assert (await client.get(url)).status == 403
    assert (await client.get(url + "?token=wrong")).status == 403
    assert (
        await client.get(path.format(id="nosuchsess") + f"?token={session['edit']}")
    ).status == 403


async def test_only_the_edit_token_manages_a_session(client, session):
    url = f"/api/sessions/{session['id']}"
    assert (await client.delete(f"{url}?token={session['view']}")).status == 403
    assert (
        await client.get(url, headers={"Authorization": f"Bearer {session['view']}"})
    ).status == 403
    resp = await client.delete(url, headers={"Authorization": f"Bearer {session['edit']}"})
    assert resp.status == 204
    assert (
        await client.get(f"/s/{session['id']}?token={session['edit']}")
    ).status == 410  # "deleted", not "bad link"


async def test_websocket_from_a_foreign_origin_is_refused(client, session):
    url = f"/ws/term/{session['id']}?token={session['edit']}"
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect(url, headers={"Origin": "https://evil.example.com"})
    assert refused.value.status == 403
    host = client.make_url("/").host
    for origin in (ORIGIN, f"http://{host}:{client.port}"):  # an embedder, and the same origin
        ws = await client.ws_connect(url, headers={"Origin": origin})
        assert json.loads((await ws.receive()).data)["type"] == "hello"
        await ws.close()


async def test_embed_pages_may_be_framed_by_the_listed_origins_only(client, session):
    embed = await client.get(f"/embed/{session['id']}?token={session['view']}")
    assert embed.headers["Content-Security-Policy"] == f"frame-ancestors 'self' {ORIGIN}"
    assert "X-Frame-Options" not in embed.headers
    full = await client.get(f"/s/{session['id']}?token={session['view']}")
    assert full.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    assert full.headers["Referrer-Policy"] == "no-referrer"  # tokens are in URLs


async def test_template_gives_each_browser_its_own_copy(client, session):
    url = f"/embed/template/{session['id']}?token={session['view']}&cmd=echo+hi&theme=light"
    first = await client.get(url, allow_redirects=False)
    assert first.status == 303  # plain http: the copy's state is carried in the URL
    copy_url = first.headers["Location"]
    copy_id = urlsplit(copy_url).path.rsplit("/", 1)[1]
    assert copy_id != session["id"] and "theme=light" in copy_url
    cookie = first.cookies[f"cowasm_tpl_{session['id']}"]
    assert cookie.value.startswith(copy_id + ".")

    again = await client.get(url, allow_redirects=False)  # the cookie jar sends it back
    assert again.headers["Location"] == copy_url
    client.session.cookie_jar.clear()
    other = await client.get(url, allow_redirects=False)  # another browser
    assert other.headers["Location"] != copy_url

    page = await client.get(copy_url)
    assert page_config(await page.text())["role"] == "writer"


async def test_template_over_https_uses_a_cross_site_cookie(aiohttp_client, tmp_path):
    client = await aiohttp_client(
        make_app(Config(data_dir=tmp_path, public_url="https://t.example"))
    )
    body = await (await client.post("/api/sessions")).json()
    assert body["edit_url"].startswith("https://t.example/s/")
    token = parse_qs(urlsplit(body["view_url"]).query)["token"][0]
    resp = await client.get(f"/embed/template/{body['id']}?token={token}")
    assert resp.status == 200
    set_cookie = resp.headers["Set-Cookie"]
    assert "SameSite=None" in set_cookie and "Secure" in set_cookie
    assert page_config(await resp.text())["termUrl"].startswith("wss://t.example/ws/term/")


async def test_sessions_survive_a_server_restart(aiohttp_client, tmp_path):
    first = await aiohttp_client(make_app(Config(data_dir=tmp_path)))
    body = await (await first.post("/api/sessions")).json()
    await first.close()
    second = await aiohttp_client(make_app(Config(data_dir=tmp_path)))
    resp = await second.get(urlsplit(body["view_url"])._replace(scheme="", netloc="").geturl())
    assert resp.status == 200


async def test_health_and_metrics(client):
    assert (await client.get("/healthz")).status == 200
    text = await (await client.get("/metrics")).text()
    assert "# TYPE cowasm_bytes_out_total counter" in text
    assert "cowasm_sessions 0" in text


@pytest.fixture
def root_logging():
    """cli.main sets up logging on this test's captured stderr: put the handlers back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def test_cli_refuses_a_busy_port_in_one_line(capsys, root_logging):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as exited:
            cli.main(["--port", str(port)])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"127.0.0.1:{port}" in err


def test_cli_refuses_a_bad_flag(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.parse_args(["--port", "http"])
    assert exited.value.code == 2
    assert "--port" in capsys.readouterr().err


async def test_a_session_opened_while_it_stops_waits_for_the_stop(client, session):
    manager = client.app[MANAGER]
    term = manager.terminals[session["id"]]
    async with asyncio.timeout(30):
        while b"$ " not in term.ring.tail(1 << 10):
            await asyncio.sleep(0.05)
    # A client that does not answer the close handshake keeps the stop going (up to 2 s).
    ws = await client.ws_connect(
        f"/ws/term/{session['id']}?token={session['view']}", autoclose=False
    )
    stopping = asyncio.create_task(manager.stop(session["id"]))
    await asyncio.sleep(0)  # the stop has begun: the kernel is no longer listed as running
    assert session["id"] not in manager.terminals
    again = await manager.open(await manager.get(session["id"]))
    assert stopping.done()
    shown = again.ring.tail(1 << 10)  # the first shell's screen was saved, then shown
    assert b"$ " in shown.split(b"[session restarted]")[0]
    await ws.close()


async def test_a_session_opened_while_it_is_deleted_stays_deleted(client, session):
    manager = client.app[MANAGER]
    row = await manager.get(session["id"])
    ws = await client.ws_connect(
        f"/ws/term/{session['id']}?token={session['view']}", autoclose=False
    )  # it does not answer the close handshake: the stop takes a while
    deleting = asyncio.create_task(manager.delete(session["id"]))
    await asyncio.sleep(0)
    with pytest.raises(SessionGone):
        await manager.open(row)
    await deleting
    assert session["id"] not in manager.terminals and await manager.get(session["id"]) is None
    await ws.close()


async def test_max_sessions_stops_idle_machines_and_refuses_when_all_are_watched(
    aiohttp_client, tmp_path
):
    client = await aiohttp_client(make_app(Config(data_dir=tmp_path, max_sessions=1)))
    first = await (await client.post("/api/sessions")).json()
    second = await (await client.post("/api/sessions")).json()  # the first, unwatched, stops
    running = client.app[MANAGER].terminals
    assert list(running) == [second["id"]]
    token = parse_qs(urlsplit(second["view_url"]).query)["token"][0]
    ws = await client.ws_connect(f"/ws/term/{second['id']}?token={token}")
    assert (await client.post("/api/sessions")).status == 503
    token = parse_qs(urlsplit(first["view_url"]).query)["token"][0]
    refused = await client.ws_connect(f"/ws/term/{first['id']}?token={token}")
    assert "all of them are in use" in json.loads((await refused.receive()).data)["message"]
    assert (await refused.receive()).type == aiohttp.WSMsgType.CLOSE
    assert refused.close_code == 1013  # try again later: the page reconnects with backoff
    await ws.close()
