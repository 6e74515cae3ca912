"""End-to-end: real browsers (headless Chromium via Playwright) against the real server app.

Needs the web bundle (`npm --prefix web ci && npm --prefix web run build`) and a Chromium
(Debian's /usr/bin/chromium, or Playwright's own). Tests marked `needs_files` skip while the
app does not route the file tree WebSocket (/ws/files/{id}).

Shell markers are typed as arithmetic (`echo a$((6*7))`) so only the shell's output, never the
echo of the typed line, contains `a42`.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from playwright.async_api import Browser, Page, async_playwright

from server.app import make_app
from server.config import Config
from server.keys import FILES

WEB = Path(__file__).resolve().parent.parent / "web"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
TIMEOUT_MS = 30_000

pytestmark = pytest.mark.skipif(
    not (WEB / "static/dist/app.js").is_file(),
    reason="web bundle not built: npm --prefix web ci && npm --prefix web run build",
)

# The terminal's text as the user sees it (xterm.js buffer, scrollback included).
TERM_TEXT = """() => { const b = window.cowasm.term.term.buffer.active, out = []
  for (let i = 0; i < b.length; i++) out.push(b.getLine(i).translateToString(true))
  return out.join('\\n') }"""


@pytest.fixture
async def server(aiohttp_server, tmp_path):
    return await aiohttp_server(make_app(Config(data_dir=tmp_path, housekeeping_interval=0.2)))


@pytest.fixture
def needs_files(server) -> None:
    routes = {r.resource.canonical for r in server.app.router.routes() if r.resource}
    if not any(path.startswith("/ws/files") for path in routes):
        pytest.skip("the app does not serve the file tree WebSocket yet")


@pytest.fixture
async def browser():
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        await b.close()


@pytest.fixture
async def session(server) -> dict:
    async with aiohttp.ClientSession() as http, http.post(server.make_url("/api/sessions")) as resp:
        assert resp.status == 201
        return await resp.json()


class Pages:
    """Opens pages in separate browser contexts (separate people) and collects JS errors."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.errors: list[str] = []

    async def open(self, url: str, width: int = 1280, height: int = 800, **kw) -> Page:
        ctx = await self.browser.new_context(viewport={"width": width, "height": height}, **kw)
        page = await ctx.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda e: self.errors.append(f"{url}: {e}"))
        await page.goto(url)
        return page


@pytest.fixture
async def pages(browser):
    p = Pages(browser)
    yield p
    assert p.errors == []


async def ready(page: Page) -> None:
    """Waits for the terminal's hello (and the file tree's first sync, where there is one)."""
    await page.wait_for_function("window.cowasm && window.cowasm.term.role")


async def files_synced(page: Page) -> None:
    await page.wait_for_function("window.cowasm.store.provider.synced")


EMBED = """([url, command]) => { window.msgs = []
  const f = document.createElement('iframe'); f.src = url; f.width = 800; f.height = 400
  addEventListener('message', (e) => {
    window.msgs.push(e.data)
    if (e.data.type === 'cowasm:ready' && command)
      f.contentWindow.postMessage({type: 'cowasm:run', command}, '*')
  })
  document.body.append(f) }"""


async def embed_in_parent(server, pages: Pages, url: str, command: str | None = None) -> Page:
    """A page of the server's own origin (allowed to frame /embed) holding the embed iframe."""
    parent = await pages.open(str(server.make_url("/healthz")))
    await parent.evaluate(EMBED, [url, command])
    return parent


async def type_in_terminal(page: Page, text: str) -> None:
    await page.click(".term-host")
    await page.keyboard.type(text)
    await page.keyboard.press("Enter")


async def wait_for_terminal_text(page: Page, needle: str) -> None:
    await page.wait_for_function(f"({TERM_TEXT})().includes({needle!r})", timeout=TIMEOUT_MS)


async def wait_for_editor_text(page: Page, needle: str) -> None:
    await page.wait_for_function(
        f"document.querySelector('.cm-content')?.innerText.includes({needle!r})"
    )


# -- pages and presence (no shell needed) ---------------------------------------------------


async def test_new_session_button_opens_an_editing_page(server, pages) -> None:
    page = await pages.open(str(server.make_url("/")))
    await page.click("[data-act=new-session]")
    await page.wait_for_url("**/s/**")
    await ready(page)
    assert (await page.inner_text(".badge")).lower() == "editing"
    await page.wait_for_selector(".presence .chip.self")
    assert await page.is_visible("[data-act=copy-edit]")


async def test_presence_shows_writers_and_viewers(session, pages) -> None:
    writer = await pages.open(session["edit_url"])
    viewer = await pages.open(session["view_url"])
    await ready(writer)
    await ready(viewer)
    await writer.wait_for_function("document.querySelectorAll('.presence .chip').length === 2")
    assert await writer.locator(".presence .chip.viewer").count() == 1
    assert (await viewer.inner_text(".badge")).lower() == "view only"
    # Viewers cannot type and are not offered the edit link.
    assert await viewer.evaluate("window.cowasm.term.term.options.disableStdin")
    assert not await viewer.is_visible("[data-act=copy-edit]")


async def test_renaming_yourself_updates_everyones_chips(session, pages) -> None:
    a = await pages.open(session["edit_url"])
    b = await pages.open(session["edit_url"])
    await ready(a)
    await ready(b)
    a.once("dialog", lambda d: asyncio.ensure_future(d.accept("Ada Lovelace")))
    await a.click(".presence .chip.self")
    await b.wait_for_selector(".presence .chip:has-text('Ada Lovelace')")


async def test_theme_switch_restyles_page_and_terminal(session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    before = await page.evaluate("window.cowasm.term.term.options.theme.background")
    theme = await page.get_attribute("html", "data-theme")
    await page.click("[data-act=theme]")
    assert await page.get_attribute("html", "data-theme") != theme
    assert await page.evaluate("window.cowasm.term.term.options.theme.background") != before


async def test_embed_announces_itself_to_the_parent_page(server, session, pages) -> None:
    parent = await embed_in_parent(server, pages, session["embed_url"])
    await parent.wait_for_function("window.msgs.some(m => m.type === 'cowasm:ready')")
    ready_msg = await parent.evaluate("window.msgs.find(m => m.type === 'cowasm:ready')")
    assert ready_msg["session"] == session["id"]


# -- the shared shell ----------------------------------------------------------------------


async def test_writers_share_one_terminal(session, pages) -> None:
    a = await pages.open(session["edit_url"])
    b = await pages.open(session["edit_url"])
    viewer = await pages.open(session["view_url"])
    for p in (a, b, viewer):
        await ready(p)
    await type_in_terminal(a, "echo a$((6*7))")
    await wait_for_terminal_text(b, "a42")
    await wait_for_terminal_text(viewer, "a42")
    await type_in_terminal(viewer, "echo v$((6*7))")  # ignored: viewers cannot type
    await type_in_terminal(b, "echo b$((6*7))")
    await wait_for_terminal_text(a, "b42")
    assert "v42" not in await a.evaluate(TERM_TEXT)


async def test_reconnect_replays_without_duplicates(session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    await type_in_terminal(page, "echo r$((6*7))")
    await wait_for_terminal_text(page, "r42")
    await page.evaluate("window.cowasm.term.ws.close()")  # the network drops
    await page.wait_for_function("window.cowasm.term.gen > 1 && window.cowasm.term.isOpen")
    await wait_for_terminal_text(page, "r42")
    await page.wait_for_timeout(500)  # let the whole replay arrive
    text = await page.evaluate(TERM_TEXT)
    assert text.count("\nr42") == 1


async def test_embed_runs_commands_from_the_parent_page(server, session, pages) -> None:
    parent = await embed_in_parent(server, pages, session["embed_url"], "echo e$((6*7)); exit 3")
    await parent.wait_for_function(
        "window.msgs.some(m => m.type == 'cowasm:exit' && m.status == 3)"
    )
    frame = parent.frames[1]
    await frame.wait_for_function(f"({TERM_TEXT})().includes('e42')")


async def test_embed_types_its_cmd_once(session, pages):
    url = session["embed_url"] + "&cmd=" + quote("echo c$((6*7))")
    page = await pages.open(url)
    await wait_for_terminal_text(page, "c42")
    await page.reload()  # the same tab: not typed again
    await wait_for_terminal_text(page, "c42")
    await page.wait_for_timeout(1000)
    assert (await page.evaluate(TERM_TEXT)).count("\nc42") == 1


# -- files and the editor ------------------------------------------------------------------


async def new_file_via_tree(page: Page, name: str, text: str = "") -> None:
    """Creates `name` from the tree's New file button and types `text` into its editor."""
    await page.click("[data-act=new-file]")
    await page.keyboard.type(name)
    await page.keyboard.press("Enter")
    await page.wait_for_selector(f".tree-row.active[data-path='{name}']")
    if text:
        await page.click(".cm-content")
        await page.keyboard.type(text)


LOADED_SCRIPTS = "performance.getEntriesByType('resource').map((e) => e.name)"


@pytest.mark.usefixtures("needs_files")
async def test_the_editor_code_loads_only_when_a_file_is_opened(session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    await files_synced(page)
    await type_in_terminal(page, "echo a$((6*7))")
    await wait_for_terminal_text(page, "a42")  # the terminal works without CodeMirror
    assert not [u for u in await page.evaluate(LOADED_SCRIPTS) if "/chunks/editor-" in u]
    assert await page.text_content(".editor-placeholder") == (
        "Open a file from the tree to edit it together."
    )
    await new_file_via_tree(page, "first.txt", "typed")
    await wait_for_editor_text(page, "typed")
    assert [u for u in await page.evaluate(LOADED_SCRIPTS) if "/chunks/editor-" in u]


KEYWORD_SPAN = (
    "[...document.querySelectorAll('.cm-line span')].some((s) => s.textContent === 'def')"
)


@pytest.mark.usefixtures("needs_files")
async def test_highlighting_follows_the_file_type(session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    await files_synced(page)
    await new_file_via_tree(page, "notes.txt", "def f(): pass")
    await wait_for_editor_text(page, "def f(): pass")
    assert not await page.evaluate(KEYWORD_SPAN)  # plain text stays plain
    await new_file_via_tree(page, "prog.py", "def f(): pass")
    await page.wait_for_function(KEYWORD_SPAN)  # Python's mode loaded on demand and applied
    await page.click(".tree-row[data-path='notes.txt']")
    await wait_for_editor_text(page, "def f(): pass")
    assert not await page.evaluate(KEYWORD_SPAN)


@pytest.mark.usefixtures("needs_files")
async def test_two_people_edit_one_file_and_see_each_others_cursor(session, pages) -> None:
    a = await pages.open(session["edit_url"])
    b = await pages.open(session["edit_url"])
    for p in (a, b):
        await ready(p)
        await files_synced(p)
    await new_file_via_tree(a, "hello.py", "print('from a')\n")
    await b.click(".tree-row[data-path='hello.py']")
    await wait_for_editor_text(b, "from a")
    await b.click(".cm-content")
    await b.keyboard.press("Control+End")
    await b.keyboard.type("print('from b')")
    await wait_for_editor_text(a, "from b")
    await a.wait_for_selector(".cm-ySelectionCaret")  # b's cursor, drawn in a's editor
    viewer = await pages.open(session["view_url"] + "#hello.py")
    await files_synced(viewer)
    await viewer.wait_for_selector(".editor-pane:not(.empty) .cm-content")
    assert await viewer.get_attribute(".cm-content", "contenteditable") == "false"
    assert not await viewer.is_visible("[data-act=new-file]")


@pytest.mark.usefixtures("needs_files")
async def test_rename_and_delete_reach_other_browsers(session, pages) -> None:
    a = await pages.open(session["edit_url"])
    b = await pages.open(session["edit_url"])
    for p in (a, b):
        await ready(p)
        await files_synced(p)
    await new_file_via_tree(a, "src/old.txt")  # creates the folder too
    await a.click(".cm-content")
    await a.keyboard.type("some text")
    await b.click(".tree-row[data-path='src']")
    await b.click(".tree-row[data-path='src/old.txt']")
    await wait_for_editor_text(b, "some text")
    await a.click(".tree-row[data-path='src/old.txt'] [data-act=rename]")
    await a.keyboard.press("Control+A")
    await a.keyboard.type("new.txt")
    await a.keyboard.press("Enter")
    await b.wait_for_selector(".tree-row[data-path='src/new.txt']")
    assert await b.locator(".tree-row[data-path='src/old.txt']").count() == 0
    # b's editor follows the file to its new name.
    await b.wait_for_selector(".editor-title:has-text('src/new.txt')")
    await wait_for_editor_text(b, "some text")
    a.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
    await a.hover(".tree-row[data-path='src']")  # row actions show on hover
    await a.click(".tree-row[data-path='src'] [data-act=delete]")
    await b.wait_for_selector(".tree-row[data-path='src']", state="detached")


@pytest.mark.usefixtures("needs_files")
async def test_upload_text_and_binary_then_download(session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    await files_synced(page)
    blob = bytes(range(256)) * 4
    await page.set_input_files(".tree-pane input[type=file]", files=[
        {"name": "notes.md", "mimeType": "text/markdown", "buffer": b"# Notes\n"},
        {"name": "data.bin", "mimeType": "application/octet-stream", "buffer": blob},
    ])  # fmt: skip
    await page.click(".tree-row[data-path='notes.md']")
    await wait_for_editor_text(page, "# Notes")
    await page.wait_for_selector(".tree-row[data-path='data.bin']")
    await page.hover(".tree-row[data-path='data.bin']")
    async with page.expect_download() as info:
        await page.click(".tree-row[data-path='data.bin'] [data-act=download]")
    download = await info.value
    assert Path(await download.path()).read_bytes() == blob


@pytest.mark.usefixtures("needs_files")
async def test_a_script_written_in_the_editor_runs_in_the_shell(session, pages) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    await files_synced(page)
    await new_file_via_tree(page, "run.sh", "echo s$((6*7))\n")
    await type_in_terminal(page, "sh run.sh")
    await wait_for_terminal_text(page, "s42")


async def test_the_run_button_runs_the_open_file(session, pages) -> None:
    page = await pages.open(session["edit_url"])
    viewer = await pages.open(session["view_url"])
    await ready(page)
    await files_synced(page)
    await new_file_via_tree(page, "notes.txt", "not a program")
    await wait_for_editor_text(page, "not a program")
    assert await page.is_hidden("[data-act=run]")
    await new_file_via_tree(page, "hi.py", 'print("r" + str(6 * 7))')
    await page.click("[data-act=run]")
    await wait_for_terminal_text(page, "python3 /home/user/hi.py")
    await wait_for_terminal_text(page, "r42")
    await page.click(".cm-content")
    await page.keyboard.press("Control+Enter")  # the same from the keyboard
    count = f"({TERM_TEXT})().split('r42').length - 1"
    await page.wait_for_function(f"{count} === 2")
    await ready(viewer)
    await files_synced(viewer)
    await viewer.click(".tree-row[data-path='hi.py']")
    await wait_for_editor_text(viewer, "6 * 7")
    assert await viewer.is_hidden("[data-act=run]")  # viewers watch, they do not run


@pytest.mark.usefixtures("needs_files")
async def test_an_edit_that_would_overfill_the_tree_is_refused_and_said_so(
    server, session, pages
) -> None:
    page = await pages.open(session["edit_url"])
    await ready(page)
    await files_synced(page)
    await new_file_via_tree(page, "big.txt")
    await page.click(".cm-content")
    tree = await server.app[FILES].open(session["id"])
    tree.tree_bytes = tree.total_bytes + 1000  # a small tree, for this test
    await page.keyboard.insert_text("x" * 5000)
    await page.wait_for_selector(".status-dot[data-state=full]")
    await page.wait_for_selector(".toast.error:has-text('file tree is full')")
    assert tree.text("big.txt") == b""
    other = await pages.open(session["edit_url"] + "#big.txt")  # a fresh doc: the server's
    await ready(other)
    await files_synced(other)
    await other.wait_for_selector(".editor-pane:not(.empty) .cm-content")
    assert await other.text_content(".cm-content") == ""
    await type_in_terminal(other, "wc -c big.txt; echo a$((6*7))")
    await wait_for_terminal_text(other, "a42")
    assert "0 big.txt" in await other.evaluate(TERM_TEXT)
