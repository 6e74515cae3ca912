"""Public exposure: env-var settings, creation policy, rate limits, retention, the admin API,
the server-full message and error pages (the real app, real SQLite stores, real clients)."""

from __future__ import annotations

import logging
import sqlite3
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from server import cli
from server.app import make_app
from server.config import Config
from server.keys import MANAGER
from server.ratelimit import RateLimiter

ADMIN = "a-long-admin-token-0123456789"
BEARER = {"Authorization": f"Bearer {ADMIN}"}


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def app_client(aiohttp_client, tmp_path, **settings):
    return await aiohttp_client(make_app(Config(data_dir=tmp_path, **settings)))


# -- settings from the environment ----------------------------------------------------------


def test_every_flag_has_an_environment_variable_and_flags_win():
    env = {"COWASM_SERVE_PORT": "9001", "COWASM_SERVE_ADMIN_TOKEN": ADMIN,
           "COWASM_SERVE_CREATE_POLICY": "token", "COWASM_SERVE_SESSION_TTL": "2d",
           "COWASM_SERVE_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1"}  # fmt: skip
    config = cli.parse_args([], env)
    assert (config.port, config.admin_token, config.create_policy) == (9001, ADMIN, "token")
    assert config.session_ttl == 2 * 86400
    assert config.trusted_proxies == ("10.0.0.0/8", "127.0.0.1")
    assert cli.parse_args(["--port", "9002"], env).port == 9002
    parser = cli.build_parser()
    cli.apply_env(parser, {})
    for action in parser._actions:
        if action.option_strings and action.dest not in ("help", "version"):
            assert f"[env COWASM_SERVE_{action.dest.upper()}]" in (action.help or "")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"COWASM_SERVE_PORT": "http"}, "COWASM_SERVE_PORT='http'"),
        ({"COWASM_SERVE_CREATE_POLICY": "closed"}, "COWASM_SERVE_CREATE_POLICY='closed'"),
        ({"COWASM_SERVE_COPY_TTL": "soon"}, "COWASM_SERVE_COPY_TTL='soon'"),
        ({"COWASM_SERVE_PORT": "70000"}, "COWASM_SERVE_PORT"),
        ({"COWASM_SERVE_CREATE_POLICY": "templates"}, "needs an admin token"),
        ({"COWASM_SERVE_ADMIN_TOKEN": "short"}, "at least 16 characters"),
    ],
)
def test_a_bad_setting_is_a_startup_error_naming_it(capsys, env, named):
    with pytest.raises(SystemExit) as exited:
        cli.parse_args([], env)
    assert exited.value.code == 2
    assert named in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit):
        cli.parse_args(["--version"], {})
    assert capsys.readouterr().out.startswith("cowasm-serve ")


# -- creation policy ------------------------------------------------------------------------


async def test_open_policy_lets_anyone_create(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path)
    assert (await client.post("/api/sessions")).status == 201


async def test_templates_policy_needs_the_admin_for_blank_sessions_only(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path, admin_token=ADMIN,
                              create_policy="templates")  # fmt: skip
    refused = await client.post("/api/sessions")
    assert refused.status == 403
    assert (await refused.json())["error"] == "not_allowed"
    wrong = await client.post("/api/sessions", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 403 and (await wrong.json())["message"] == "The admin token is wrong."
    made = await client.post("/api/sessions", headers=BEARER)
    assert made.status == 201
    template = await made.json()
    url = f"/embed/template/{template['id']}?token={token_of(template['view_url'])}"
    assert (await client.get(url, allow_redirects=False)).status == 303  # anyone gets a copy
    landing = await (await client.get("/")).text()
    assert "New blank sessions need the admin token" in landing


async def test_token_policy_needs_the_admin_for_template_copies_too(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path, admin_token=ADMIN,
                              create_policy="token")  # fmt: skip
    template = await (await client.post("/api/sessions", headers=BEARER)).json()
    url = f"/embed/template/{template['id']}?token={token_of(template['view_url'])}"
    refused = await client.get(url, allow_redirects=False)
    assert refused.status == 403 and refused.content_type == "text/html"
    assert "New sessions are not open here" in await refused.text()
    assert "frame-ancestors" in refused.headers["Content-Security-Policy"]
    allowed = await client.get(url, headers=BEARER, allow_redirects=False)
    assert allowed.status == 303


# -- rate limits ----------------------------------------------------------------------------


async def test_creation_is_rate_limited_per_address(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path, create_burst=2, create_rate=0.01)
    for _ in range(2):
        assert (await client.post("/api/sessions")).status == 201
    limited = await client.post("/api/sessions")
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert "many sessions" in (await limited.json())["message"]
    # An untrusted peer cannot pick its address with X-Forwarded-For.
    forged = await client.post("/api/sessions", headers={"X-Forwarded-For": "203.0.113.9"})
    assert forged.status == 429


async def test_trusted_proxies_forward_the_client_address(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path, create_burst=1, create_rate=0.01,
                              trusted_proxies=("127.0.0.0/8",))  # fmt: skip
    a = {"X-Forwarded-For": "198.51.100.7, 203.0.113.1"}  # spoofed first hop, real last
    b = {"X-Forwarded-For": "203.0.113.2"}
    assert (await client.post("/api/sessions", headers=a)).status == 201
    assert (await client.post("/api/sessions", headers=a)).status == 429
    assert (await client.post("/api/sessions", headers=b)).status == 201
    assert (await client.post("/api/sessions", headers=BEARER)).status == 201  # no admin


def test_a_class_behind_one_address_fits_the_default_burst():
    limiter = RateLimiter(Config().create_rate, Config().create_burst)
    assert all(limiter.take("nat", now=100.0) == 0 for _ in range(40))


def test_rate_limiter_memory_is_bounded():
    limiter = RateLimiter(rate=1.0, burst=5, max_keys=100)
    for i in range(1000):
        limiter.take(f"10.0.{i // 256}.{i % 256}", now=0.0)
    assert len(limiter) == 100
    limiter.take("late", now=10.0)  # the others refilled long ago: forgotten
    assert len(limiter) == 1


# -- retention ------------------------------------------------------------------------------


async def test_idle_sessions_and_copies_expire_with_their_files(aiohttp_client, tmp_path, caplog):
    client = await app_client(aiohttp_client, tmp_path, session_ttl=3600, copy_ttl=60)
    manager = client.app[MANAGER]
    blank = await (await client.post("/api/sessions")).json()
    edit = token_of(blank["edit_url"])
    files = f"/api/sessions/{blank['id']}/files"
    assert (await client.put(f"{files}/notes.txt?token={edit}", data=b"hello")).status < 300
    blob = bytes(range(256)) * 64
    assert (await client.put(f"{files}/data.bin?token={edit}", data=blob)).status < 300
    tpl = f"/embed/template/{blank['id']}?token={edit}"
    copy_id = urlsplit((await client.get(tpl, allow_redirects=False)).headers["Location"]).path
    copy_id = copy_id.rsplit("/", 1)[1]
    watched = await (await client.post("/api/sessions")).json()
    ws = await client.ws_connect(f"/ws/term/{watched['id']}?token={token_of(watched['edit_url'])}")
    await manager.stop(blank["id"])  # saves scrollback and compacts the files
    db = sqlite3.connect(tmp_path / "files.sqlite3")
    count = "SELECT count(*) FROM updates WHERE session = ?"
    assert db.execute(count, (blank["id"],)).fetchone()[0] > 0
    assert any((tmp_path / "blobs" / blank["id"]).iterdir())

    now = time.time()
    assert await manager.expire(now + 120) == [copy_id]  # copies go first
    caplog.set_level(logging.INFO, logger="cowasm.manager")
    expired = await manager.expire(now + 7200)
    assert set(expired) == {blank["id"]}  # the watched one stays, however old
    assert [r.getMessage() for r in caplog.records].count("session expired") == 1
    assert await manager.get(blank["id"]) is None and await manager.get(watched["id"]) is not None
    assert db.execute(count, (blank["id"],)).fetchone()[0] == 0
    assert not (tmp_path / "blobs" / blank["id"]).exists()
    sessions = sqlite3.connect(tmp_path / "cowasm.sqlite3")
    assert sessions.execute("SELECT count(*) FROM scrollback WHERE id = ?",
                            (blank["id"],)).fetchone()[0] == 0  # fmt: skip
    page = await client.get(f"/s/{blank['id']}?token={edit}")
    assert page.status == 410 and "This session was deleted" in await page.text()
    await ws.close()


async def test_watched_sessions_stay_active_and_zero_ttl_never_expires(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path, session_ttl=0, touch_interval=0)
    manager = client.app[MANAGER]
    body = await (await client.post("/api/sessions")).json()
    ws = await client.ws_connect(f"/ws/term/{body['id']}?token={token_of(body['view_url'])}")
    db = sqlite3.connect(tmp_path / "cowasm.sqlite3")
    db.execute("UPDATE sessions SET last_active = 0 WHERE id = ?", (body["id"],))
    db.commit()
    await manager.tick(time.monotonic())
    assert (await manager.get(body["id"])).last_active > time.time() - 60  # touched while watched
    await ws.close()
    assert await manager.expire(time.time() + 10 * 365 * 86400) == []


# -- admin API ------------------------------------------------------------------------------


async def test_admin_api_lists_and_deletes_sessions(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path, admin_token=ADMIN)
    made = [await (await client.post("/api/sessions")).json() for _ in range(3)]
    tpl = f"/embed/template/{made[0]['id']}?token={token_of(made[0]['view_url'])}"
    await client.get(tpl, allow_redirects=False)

    assert (await client.get("/api/admin/sessions")).status == 401
    wrong = await client.get("/api/admin/sessions", headers={"Authorization": "Bearer x"})
    assert wrong.status == 401
    body = await (await client.get("/api/admin/sessions", headers=BEARER)).json()
    listed = body["sessions"]
    assert len(listed) == 4
    assert [s["created"] for s in listed] == sorted((s["created"] for s in listed), reverse=True)
    assert set(listed[0]) == {"id", "created", "last_active", "template", "running",
                              "processes", "clients"}  # fmt: skip
    assert all("token" not in key for s in listed for key in s)
    page = await (await client.get("/api/admin/sessions?limit=2&offset=1", headers=BEARER)).json()
    assert [s["id"] for s in page["sessions"]] == [s["id"] for s in listed[1:3]]
    copies = await client.get(f"/api/admin/sessions?template={made[0]['id']}", headers=BEARER)
    assert [s["template"] for s in (await copies.json())["sessions"]] == [made[0]["id"]]
    assert (await client.get("/api/admin/sessions?limit=0", headers=BEARER)).status == 400

    gone = made[1]["id"]
    assert (await client.delete(f"/api/admin/sessions/{gone}")).status == 401
    assert (await client.delete(f"/api/admin/sessions/{gone}", headers=BEARER)).status == 204
    assert await client.app[MANAGER].get(gone) is None
    assert (await client.delete(f"/api/admin/sessions/{gone}", headers=BEARER)).status == 404


async def test_admin_api_is_off_without_a_token(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path)
    off = await client.get("/api/admin/sessions", headers={"Authorization": "Bearer "})
    assert off.status == 404 and "--admin-token" in (await off.json())["message"]


# -- server full and error pages ------------------------------------------------------------


async def test_a_full_server_says_why(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path, max_sessions=1)
    first = await (await client.post("/api/sessions")).json()
    second = await (await client.post("/api/sessions")).json()  # the first, unwatched, stops
    ws = await client.ws_connect(f"/ws/term/{second['id']}?token={token_of(second['view_url'])}")
    refused = await client.post("/api/sessions")
    assert refused.status == 503 and refused.headers["Retry-After"] == "60"
    message = (await refused.json())["message"]
    assert "at most 1 machine at once and all of them are in use" in message
    page = await client.get(f"/s/{first['id']}?token={token_of(first['view_url'])}")
    assert page.status == 503 and message in await page.text()
    await ws.close()


async def test_bad_links_get_a_styled_page_and_apis_json(aiohttp_client, tmp_path):
    client = await app_client(aiohttp_client, tmp_path, embed_origins=("https://c.example",))
    page = await client.get("/s/nosuchsess?token=x")
    assert page.status == 403 and page.content_type == "text/html"
    html = await page.text()
    assert "This link does not work" in html and 'class="landing-card error-card"' in html
    embed = await client.get("/embed/nosuchsess?token=x")
    assert embed.headers["Content-Security-Policy"] == "frame-ancestors 'self' https://c.example"
    assert "Start page" not in await embed.text()  # no way out of the iframe
    api = await client.get("/api/sessions/nosuchsess?token=x")
    assert api.status == 403 and api.content_type != "text/html"
