"""What people see when the server refuses: error pages for a bad link, a full server, a rate
limit and a closed creation policy, and the landing page's reason and admin token field
(headless Chromium against the real app, like tests/test_browser.py)."""

from __future__ import annotations

import aiohttp
import pytest

from server.app import make_app
from server.config import Config
from tests.test_browser import WEB, Pages, browser, ready  # noqa: F401  (fixtures)

ADMIN = "a-long-admin-token-0123456789"

pytestmark = pytest.mark.skipif(
    not (WEB / "static/dist/error.js").is_file(),
    reason="web bundle not built: npm --prefix web ci && npm --prefix web run build",
)


@pytest.fixture
async def pages(browser):  # noqa: F811
    p = Pages(browser)
    yield p
    assert p.errors == []


async def start(aiohttp_server, tmp_path, **settings):
    return await aiohttp_server(make_app(Config(data_dir=tmp_path, **settings)))


async def create(server, admin: bool = False) -> dict:
    headers = {"Authorization": f"Bearer {ADMIN}"} if admin else {}
    async with aiohttp.ClientSession() as http:
        resp = await http.post(server.make_url("/api/sessions"), headers=headers)
        assert resp.status == 201
        return await resp.json()


async def error_page(page) -> tuple[str, str]:
    title = await page.inner_text(".error-title")
    return title, await page.inner_text(".error-card")


async def test_a_bad_link_shows_what_to_do(aiohttp_server, tmp_path, pages):
    server = await start(aiohttp_server, tmp_path)
    page = await pages.open(str(server.make_url("/s/nosuchsess?token=nope")))
    title, text = await error_page(page)
    assert title == "This link does not work"
    assert "ask whoever shared it" in text
    await page.click("text=Start page")
    await page.wait_for_selector("[data-act=new-session]")


async def test_a_deleted_session_says_so(aiohttp_server, tmp_path, pages):
    server = await start(aiohttp_server, tmp_path)
    made = await create(server)
    async with aiohttp.ClientSession() as http:
        url = server.make_url(f"/api/sessions/{made['id']}?{made['edit_url'].split('?')[1]}")
        assert (await http.delete(url)).status == 204
    page = await pages.open(made["edit_url"])
    title, text = await error_page(page)
    assert title == "This session was deleted"
    assert "with its files" in text


async def test_a_full_server_shows_its_message(aiohttp_server, tmp_path, pages):
    server = await start(aiohttp_server, tmp_path, max_sessions=1)
    first = await create(server)
    second = await create(server)  # the first stops to make room
    watcher = await pages.open(second["view_url"])
    await ready(watcher)
    page = await pages.open(first["edit_url"])
    title, text = await error_page(page)
    assert title == "The server is full"
    assert "runs at most 1 machine at once and all of them are in use" in text
    landing = await pages.open(str(server.make_url("/")))  # New session says it too
    await landing.click("[data-act=new-session]")
    shown = await landing.wait_for_selector("[data-role=create-error]:not([hidden])")
    assert "at most 1 machine" in await shown.inner_text()


async def test_a_rate_limited_template_link_says_when_to_retry(aiohttp_server, tmp_path, pages):
    server = await start(aiohttp_server, tmp_path, create_burst=1, create_rate=0.01)
    template = await create(server)  # uses the one creation of this address
    url = template["view_url"].replace("/s/", "/embed/template/")
    page = await pages.open(url)
    title, text = await error_page(page)
    assert title == "Too many new sessions"
    assert "Try again in" in text


async def test_token_policy_refuses_template_copies_with_a_page(aiohttp_server, tmp_path, pages):
    server = await start(aiohttp_server, tmp_path, admin_token=ADMIN, create_policy="token")
    template = await create(server, admin=True)
    page = await pages.open(template["view_url"].replace("/s/", "/embed/template/"))
    title, text = await error_page(page)
    assert title == "New sessions are not open here"
    assert "administrator only" in text


@pytest.mark.parametrize("policy", ["templates", "token"])
async def test_landing_page_explains_the_policy_and_takes_the_admin_token(
    aiohttp_server, tmp_path, pages, policy
):
    server = await start(aiohttp_server, tmp_path, admin_token=ADMIN, create_policy=policy)
    page = await pages.open(str(server.make_url("/")))
    assert "need the admin token" in await page.inner_text("[data-role=create-reason]")
    await page.fill("input[name=admin-token]", "wrong-token")
    await page.click("[data-act=new-session]")
    shown = await page.wait_for_selector("[data-role=create-error]:not([hidden])")
    assert "The admin token is wrong" in await shown.inner_text()
    await page.fill("input[name=admin-token]", ADMIN)
    await page.click("[data-act=new-session]")
    await page.wait_for_url("**/s/**")
    await ready(page)
