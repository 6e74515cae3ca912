"""The terminal as people see it in a real browser: its font's pixels, whose window sets the
size, panes that make room for it, phones, a lost connection, a deleted session, a big paste.

Same machinery as test_browser.py (real server app, headless Chromium), whose fixtures these
tests use.
"""
# ruff: noqa: F811 (pytest passes the imported fixtures by parameter name)

from __future__ import annotations

import base64
import json

import aiohttp
from playwright.async_api import Page

from server.app import make_app
from server.config import Config
from tests.test_browser import (  # noqa: F401 (browser, pages, server, session: fixtures)
    TERM_TEXT,
    browser,
    pages,
    ready,
    server,
    session,
    type_in_terminal,
    wait_for_terminal_text,
)

TERM = "window.cowasm.term"

# Per cell of one terminal row: how many pixels in the lower half of the cell are far from the
# terminal's background colour, from a PNG screenshot of that row.
LOWER_HALF_INK = """async ([png, cellW, cols]) => {
  const bg = window.cowasm.term.term.options.theme.background
    .match(/\\w\\w/g).map(h => parseInt(h, 16))
  const img = new Image(); img.src = 'data:image/png;base64,' + png; await img.decode()
  const c = document.createElement('canvas'); c.width = img.width; c.height = img.height
  const g = c.getContext('2d'); g.drawImage(img, 0, 0)
  const d = g.getImageData(0, 0, c.width, c.height).data, ink = []
  for (let col = 0; col < cols; col++) {
    let n = 0
    for (let y = Math.floor(c.height / 2); y < c.height; y++)
      for (let x = Math.round(col * cellW); x < Math.round((col + 1) * cellW); x++) {
        const i = 4 * (y * c.width + x)
        const far = Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2])
        if (far > 240) n++
      }
    ink.push(n)
  }
  return ink }"""

# Where a line of the terminal's buffer is on screen: [top y, cell width, cell height].
ROW_BOX = """(needle) => { const t = window.cowasm.term.term, b = t.buffer.active
  for (let i = 0; i < b.length; i++) if (b.getLine(i).translateToString(true) === needle) {
    const box = document.querySelector('.term-host .xterm-screen').getBoundingClientRect()
    const w = box.width / t.cols, h = box.height / t.rows
    return [box.x, box.y + (i - b.viewportY) * h, w, h] }
  return null }"""


async def test_underscores_have_ink_at_device_pixel_ratio_1(session, pages) -> None:
    page = await pages.open(session["edit_url"], device_scale_factor=1)
    await ready(page)
    text = "snake_case __init__"
    await type_in_terminal(page, "clear; echo snake_case __init__")
    await page.wait_for_function(f"({ROW_BOX})({text!r}) !== null")
    assert await page.evaluate(f"{TERM}.term.options.fontFamily.includes('JetBrains Mono')")
    assert await page.evaluate(
        "[...document.fonts].some(f => f.family.includes('JetBrains') && f.status === 'loaded')"
    )
    x, y, w, h = await page.evaluate(f"({ROW_BOX})({text!r})")
    png = await page.screenshot(clip={"x": x, "y": y, "width": w * len(text), "height": h})
    ink = await page.evaluate(LOWER_HALF_INK, [base64.b64encode(png).decode(), w, len(text)])
    underscores = [i for i, ch in enumerate(text) if ch == "_"]
    assert all(ink[i] > 0 for i in underscores), (ink, underscores)
    assert ink[text.index(" ")] == 0


async def wait_for_size(page: Page, rows: int, cols: int) -> None:
    await page.wait_for_function(f"{TERM}.term.rows === {rows} && {TERM}.term.cols === {cols}")


async def proposed(page: Page) -> tuple[int, int]:
    dims = await page.evaluate(f"{TERM}.fitAddon.proposeDimensions()")
    return dims["rows"], dims["cols"]


async def test_size_follows_the_writer_who_typed_last(session, pages) -> None:
    big = await pages.open(session["edit_url"], width=1400, height=900)
    small = await pages.open(session["edit_url"], width=900, height=600)
    for page in (big, small):
        await ready(page)
    big_size, small_size = await proposed(big), await proposed(small)
    assert big_size != small_size

    await type_in_terminal(small, "echo s$((6*7))")
    await wait_for_terminal_text(big, "s42")
    await wait_for_size(big, *small_size)
    assert await big.locator(".term-host.letterboxed").count() == 1  # framed: not its size
    assert "'s window" in await big.inner_text(".term-size")  # and says whose it is
    assert await small.locator(".term-host.letterboxed").count() == 0

    await type_in_terminal(big, "echo b$((6*7))")
    await wait_for_size(small, *big_size)  # bigger than its window: it scrolls
    await small.wait_for_selector(".term-host.letterboxed")
    await big.wait_for_selector(".term-host:not(.letterboxed)")
    host = await small.evaluate(
        "(e => [e.scrollWidth > e.clientWidth, e.scrollHeight > e.clientHeight])"
        "(document.querySelector('.term-host'))"
    )
    assert host == [True, True]

    for bad in ({"rows": "30", "cols": 80}, {"rows": 30.5, "cols": 80}, {"rows": True, "cols": 80},
                {"cols": 80}):  # fmt: skip
        await big.evaluate(
            f"""m => new Promise(done => {{
              {TERM}.addEventListener('error', e => done(e.detail), {{once: true}})
              {TERM}.ws.send(m) }})""",
            json.dumps({"type": "resize", **bad}),
        )
    await wait_for_terminal_text(big, "integer rows and cols")
    assert await big.evaluate(f"{TERM}.isOpen")
    await wait_for_size(big, *big_size)


async def test_hiding_the_editor_gives_the_terminal_its_width(session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    before = (await page.locator(".term-pane").bounding_box())["width"]
    cols = await page.evaluate(f"{TERM}.term.cols")
    await page.click("[data-pane=editor]")
    assert await page.locator(".editor-pane").is_hidden()
    after = (await page.locator(".term-pane").bounding_box())["width"]
    assert after > before + 200
    await page.wait_for_function(f"{TERM}.term.cols > {cols}")  # the terminal grew too
    assert await page.get_attribute("[data-pane=editor]", "aria-pressed") == "false"

    await page.reload()  # remembered
    await ready(page)
    assert await page.locator(".editor-pane").is_hidden()
    await page.click("[data-pane=tree]")  # both hidden: the terminal has the whole width
    width = await page.evaluate("innerWidth")
    assert (await page.locator(".term-pane").bounding_box())["width"] > width - 40
    await page.click("[data-pane=editor]")
    assert await page.locator(".editor-pane").is_visible()


async def test_phone_shows_one_pane_at_a_time_with_tabs(session, pages) -> None:
    page = await pages.open(
        session["edit_url"], width=390, height=844, is_mobile=True, has_touch=True
    )
    await ready(page)
    term = await page.locator(".term-pane").bounding_box()
    assert term is not None and term["width"] > 360 and term["height"] > 550
    assert await page.locator(".tree-pane").is_hidden()
    assert await page.evaluate(f"{TERM}.term.cols") >= 40
    assert await page.evaluate(f"{TERM}.term.options.fontSize") >= 13
    await type_in_terminal(page, "echo p$((6*7))")
    await wait_for_terminal_text(page, "p42")

    await page.evaluate("localStorage.setItem('cowasm-hidden-panes', '[\"tree\"]')")
    await page.reload()  # hidden on a wide screen: a phone's tab still shows it
    await ready(page)
    await page.click(".tab[data-tab=tree]")
    assert await page.locator(".tree-pane").is_visible()
    assert await page.locator(".term-pane").is_hidden()
    await page.click(".tab[data-tab=editor]")
    assert await page.locator(".editor-pane").is_visible()
    await page.click(".tab[data-tab=term]")
    assert await page.locator(".term-pane").is_visible()
    assert await page.evaluate(f"{TERM}.term.rows") > 20


async def test_connection_loss_shows_a_banner_and_keeps_the_keys(
    aiohttp_server, tmp_path, pages
) -> None:
    def start(port: int | None = None):
        app = make_app(Config(data_dir=tmp_path, housekeeping_interval=0.2))
        # Sockets still open after the goodbye (the file tree's) must not hold the restart.
        return aiohttp_server(app, port=port, shutdown_timeout=1)

    server = await start()
    async with aiohttp.ClientSession() as http, http.post(server.make_url("/api/sessions")) as r:
        session = await r.json()
    page = await pages.open(session["edit_url"])
    await ready(page)
    await type_in_terminal(page, "echo r$((6*7))")
    await wait_for_terminal_text(page, "r42")
    banner = page.locator(".term-banner")
    assert await banner.is_hidden()

    port = server.port
    await server.close()  # the server goes away (a restart)
    await banner.wait_for(state="visible")
    assert "Connection lost" in await banner.inner_text()
    await page.keyboard.type("echo q$((6*7))")
    await page.keyboard.press("Enter")
    assert "15 bytes typed" in await banner.inner_text()  # queued, and said so
    gen = await page.evaluate(f"{TERM}.gen")
    await page.click(".term-banner [data-act=retry]")  # tries again at once (and fails)
    await page.wait_for_function(f"{TERM}.gen > {gen}")
    assert await banner.is_visible()

    await start(port)  # the same data folder: the session comes back, as after a restart
    await page.evaluate(f"{TERM}.retryNow()")  # what the button does, without its backoff
    await banner.wait_for(state="hidden")
    await wait_for_terminal_text(page, "q42")  # the keys typed offline ran after the reconnect


async def test_a_deleted_session_says_so_and_is_read_only(server, session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    assert await page.inner_text(".topbar .badge") == "EDITING"
    token = session["edit_url"].rsplit("token=", 1)[1]
    async with (
        aiohttp.ClientSession() as http,
        http.delete(
            server.make_url(f"/api/sessions/{session['id']}"),
            headers={"Authorization": f"Bearer {token}"},
        ) as resp,
    ):
        assert resp.status == 204
    banner = page.locator(".term-banner")
    await banner.wait_for(state="visible")
    assert "This session was deleted" in await banner.inner_text()
    assert await page.inner_text(".topbar .badge") == "DELETED"
    assert await page.evaluate(f"{TERM}.term.options.disableStdin")
    assert await page.evaluate("document.querySelector('.editor-pane').inert")
    assert await page.locator(".term-banner [data-act=retry]").is_hidden()


async def test_a_session_deleted_while_the_page_was_away_says_so(server, session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    await page.evaluate(f"{TERM}.close()")  # away (a laptop asleep)
    token = session["edit_url"].rsplit("token=", 1)[1]
    async with aiohttp.ClientSession() as http:
        url = server.make_url(f"/api/sessions/{session['id']}")
        await http.delete(url, headers={"Authorization": f"Bearer {token}"})
    await page.evaluate(f"{TERM}.connect()")  # refused with 403 at the upgrade
    banner = page.locator(".term-banner")
    await banner.wait_for(state="visible")
    await page.wait_for_function(
        "document.querySelector('.term-banner').innerText.includes('no longer exists')"
    )
    assert await page.inner_text(".topbar .badge") == "GONE"
    assert await page.evaluate(f"{TERM}.fatal.code") == 403


async def test_a_2_mib_paste_is_counted_exactly(session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    await type_in_terminal(page, "wc -c")  # what follows is typed ahead, as in a real tty
    await page.evaluate(f"{TERM}.term.paste(('x'.repeat(63) + '\\n').repeat(32768))")
    await page.keyboard.press("Control+D")
    await page.wait_for_function(f"({TERM_TEXT})().includes('\\n2097152')", timeout=120_000)
    assert await page.evaluate(f"{TERM}.gen") == 1  # the socket was never dropped
    assert await page.evaluate(f"{TERM}.isOpen")
