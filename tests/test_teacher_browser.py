# ruff: noqa: F811  (pytest fixtures imported from tests/test_browser.py are parameters here)
"""End-to-end: the teacher page (/teach/{template}) and the share menu in a real Chromium,
against the real server app (fixtures from tests/test_browser.py)."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import aiohttp
from playwright.async_api import Page

from server.keys import MANAGER
from tests.test_browser import (  # noqa: F401 (fixtures)
    TIMEOUT_MS,
    browser,
    pages,
    pytestmark,
    ready,
    server,
    session,
    type_in_terminal,
)

# The text of a thumbnail's terminal (by copy id), or of the large watch view.
THUMB_TEXT = """(id) => { const c = id ? window.cowasm.live.get(id) : window.cowasm.watcher
  if (!c) return ''
  const b = c.term.buffer.active, out = []
  for (let i = 0; i < b.length; i++) out.push(b.getLine(i).translateToString(true))
  return out.join('\\n') }"""


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


async def thumb_shows(page: Page, copy_id: str | None, needle: str) -> None:
    await page.wait_for_function(
        f"([id, s]) => ({THUMB_TEXT})(id).includes(s)", arg=[copy_id, needle], timeout=TIMEOUT_MS
    )


async def test_the_teacher_page_shows_each_students_copy_live(server, session, pages) -> None:
    template = f"/embed/template/{session['id']}?token={token_of(session['view_url'])}"
    students = {}
    for name in ("Ada", "Bob"):
        page = await pages.open(str(server.make_url(f"{template}&name={name}")))
        await ready(page)
        students[name] = page
    ids = {n: await p.evaluate("window.cowasm.config.session") for n, p in students.items()}

    teacher = await pages.open(str(server.make_url(f"/teach/{session['id']}")) +
                               f"?token={token_of(session['edit_url'])}")  # fmt: skip
    for name, copy_id in ids.items():
        label = teacher.locator(f".copy-card[data-id='{copy_id}'] .copy-label")
        assert await label.inner_text() == name
    assert await teacher.inner_text(".class-count") == "2 copies"

    await type_in_terminal(students["Ada"], "echo a$((6*7))")
    await thumb_shows(teacher, ids["Ada"], "a42")  # live in the thumbnail

    await teacher.click(f".copy-card[data-id='{ids['Ada']}'] .thumb")
    await thumb_shows(teacher, None, "a42")  # watched large
    join = await teacher.get_attribute(".watch-dialog [data-act=open-edit]", "href")
    view = await teacher.get_attribute(".watch-dialog [data-act=open-view]", "href")
    assert f"/s/{ids['Ada']}?token=" in join and f"/s/{ids['Ada']}?token=" in view
    assert join != view and "can type" in await teacher.inner_text(".watch-dialog .join")
    await type_in_terminal(students["Bob"], "echo b$((6*7))")
    await thumb_shows(teacher, ids["Bob"], "b42")
    # The teacher is no one in the students' sessions.
    people = await students["Ada"].evaluate("document.querySelectorAll('.chip').length")
    assert people <= 1


async def test_watching_a_stopped_copy_does_not_restart_it(server, session, pages) -> None:
    manager = server.app[MANAGER]
    template = f"/embed/template/{session['id']}?token={token_of(session['view_url'])}&name=Cy"
    async with aiohttp.ClientSession() as http:
        resp = await http.get(server.make_url(template), allow_redirects=False)
        copy_id = urlsplit(resp.headers["Location"]).path.rsplit("/", 1)[1]
        row = await manager.get(copy_id)
        ws = await http.ws_connect(server.make_url(f"/ws/term/{copy_id}?token={row.edit_token}"))
        await ws.send_bytes(b"echo c$((6*7))\r")
        async with asyncio.timeout(30):
            while b"c42" not in manager.terminals[copy_id].ring.tail(1 << 12):
                await asyncio.sleep(0.05)
        await ws.close()
    await manager.stop(copy_id)

    teacher = await pages.open(str(server.make_url(f"/teach/{session['id']}")) +
                               f"?token={token_of(session['edit_url'])}")  # fmt: skip
    card = f".copy-card[data-id='{copy_id}']"
    assert await teacher.inner_text(f"{card} .copy-state") == "STOPPED"  # text-transform
    await thumb_shows(teacher, copy_id, "c42")  # the screen saved at the stop
    await teacher.wait_for_selector(f"{card}[data-watch=saved]")
    await teacher.click(f"{card} .thumb")
    await thumb_shows(teacher, None, "c42")
    assert copy_id not in manager.terminals  # neither the thumbnail nor the large view started it


async def test_the_embed_menu_defaults_to_read_only_and_offers_the_class_links(
    server, session, pages
) -> None:
    edit, view = token_of(session["edit_url"]), token_of(session["view_url"])
    page = await pages.open(session["edit_url"])
    await ready(page)
    await page.click("[data-act=share-embed]")
    snippet = await page.input_value(".share-panel textarea")
    assert f"/embed/{session['id']}?token={view}" in snippet and edit not in snippet
    assert not await page.is_visible(".share-panel .warning")

    await page.check("input[value=copy]")
    snippet = await page.input_value(".share-panel textarea")
    assert f"/embed/template/{session['id']}?token={view}" in snippet
    await page.check("input[value=edit]")
    assert edit in await page.input_value(".share-panel textarea")
    assert "can type" in await page.inner_text(".share-panel .warning")
    teach = await page.get_attribute("[data-act=open-teach]", "href")
    assert teach.endswith(f"/teach/{session['id']}?token={edit}")
    await page.keyboard.press("Escape")
    await page.click("[data-act=share-embed]")  # reopens on the safe choice
    assert await page.is_checked("input[value=view]")

    viewer = await pages.open(session["view_url"])  # viewers: no editable embed, no teacher page
    await ready(viewer)
    await viewer.click("[data-act=share-embed]")
    kinds = await viewer.eval_on_selector_all(
        "input[name=embed-kind]", "els => els.map(e => e.value)"
    )
    assert kinds == ["view", "copy"]
    assert await viewer.query_selector("[data-act=open-teach]") is None
    assert edit not in await viewer.content()


async def test_a_class_connects_a_bounded_number_of_thumbnails(server, session, pages) -> None:
    template = f"/embed/template/{session['id']}?token={token_of(session['view_url'])}"
    async with aiohttp.ClientSession() as http:
        for i in range(20):
            http.cookie_jar.clear()  # another student's browser
            url = server.make_url(f"{template}&name=S{i:02d}")
            assert (await http.get(url, allow_redirects=False)).status == 303
    teacher = await pages.open(
        str(server.make_url(f"/teach/{session['id']}?token={token_of(session['edit_url'])}")),
        width=1900, height=3000,  # every card on screen
    )  # fmt: skip
    await teacher.wait_for_function("document.querySelectorAll('.copy-card').length === 20")
    await teacher.wait_for_function("document.querySelectorAll('[data-watch=live]').length === 12")
    live = await teacher.evaluate("[...window.cowasm.live.keys()]")
    cards = await teacher.eval_on_selector_all(".copy-card", "els => els.map(e => e.dataset.id)")
    assert live == cards[:12]  # the first twelve in page order, the rest wait their turn
    watchers = sum(
        c.watcher for t in server.app[MANAGER].terminals.values() for c in t.clients.values()
    )
    assert watchers == 12
