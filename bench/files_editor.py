"""How fast a big text file opens in the session page's editor (the issue's goal: "a 1 MB text
file opens in the editor in under a second"), against a 10 KB file as the baseline, in headless
Chromium (Playwright) on a real server app running in this process.

  click -> editor:   the page is loaded and synced; a click on the file's tree row, timed in the
                     page until CodeMirror holds the whole file (doc length) and until the next
                     frame is painted; then a jump to the last line until it is drawn.
  cold load #path:   a fresh browser context navigates to the session page with #path; times
                     (from navigation start) when the file tree is synced and when the editor
                     holds the whole file and has painted it.
  keystroke -> shell: a key typed at the top of the open file, until the kernel's file backend
                     (what `cat` reads through the VFS) returns it; then one real `head -c` in
                     the shared terminal checks the shell sees the text typed into the 1 MB file.
The 10 KB cold-load baseline uses a session holding only that file.

Usage: .venv/bin/python -m bench.files_editor [--runs 5] [--keys 20]
Needs the web bundle (npm --prefix web run build) and Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright

from server.app import make_app
from server.config import Config
from server.keys import FILES
from server.sessions.vfs.base import OpenFlags

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip
BIG, SMALL = "big.py", "small.py"
TYPED = "zqxjkvbpygfwmucl"  # letters that appear in no command we type


def python_like(size: int) -> str:
    """About `size` bytes of ASCII Python-looking lines (so highlighting has real work)."""
    lines, total, i = [], 0, 0
    while total < size:
        line = (
            f"def handler_{i}(request, retries={i % 7}):  # line {i}\n"
            if i % 4 == 0
            else f"    value_{i} = compute('{i:06d}', [n * {i % 13} for n in range(10)])\n"
        )
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines)[:size].rsplit("\n", 1)[0] + "\n# the last line\n"


@contextlib.asynccontextmanager
async def serve() -> AsyncIterator[tuple[web.Application, str]]:
    """The real app on a free localhost port with a throwaway data dir."""
    with tempfile.TemporaryDirectory(prefix="files-editor-bench-") as data:
        app = make_app(Config(data_dir=Path(data), log_level="warning"))
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        try:
            yield app, f"http://127.0.0.1:{port}"
        finally:
            await runner.cleanup()


def ms(values: list[float]) -> str:
    s = sorted(values)
    return f"p50 {s[len(s) // 2]:7.1f} ms  max {s[-1]:7.1f} ms"


# In the page: click the row, then wait for the next painted frame; times in ms from the click.
CLICK = """async ([path, n]) => {
  const ed = window.cowasm.editor
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))
  const t0 = performance.now()
  document.querySelector(`.tree-row[data-path="${path}"]`).click()
  const opened = performance.now()
  if (ed.path !== path || ed.view.state.doc.length !== n) throw new Error('not opened at once')
  await frame()
  const painted = performance.now()
  ed.view.dispatch({ selection: { anchor: n }, scrollIntoView: true })
  await frame()
  const lines = ed.view.dom.querySelectorAll('.cm-line')
  const last = lines[lines.length - 2]?.textContent // the doc ends with a newline
  if (!last?.includes('the last line')) throw new Error('last line not drawn')
  return [opened - t0, painted - t0, performance.now() - painted]
}"""

# Before the page's scripts: note (ms since navigation start) when the tree is synced and when
# the editor holds the whole file, then when that frame is painted.
WATCH = """([path, n]) => {
  const b = window.__bench = {}
  const poll = () => {
    const c = window.cowasm
    if (c && !b.scripts) b.scripts = performance.now()
    if (c && !b.synced && c.store.provider.synced) b.synced = performance.now()
    if (c && c.editor.path === path && c.editor.view.state.doc.length === n) {
      b.open = performance.now()
      requestAnimationFrame(() => setTimeout(() => { b.painted = performance.now() }, 0))
      return
    }
    setTimeout(poll, 1)
  }
  poll()
}"""


async def click_open(page: Page, runs: int, sizes: dict[str, int]) -> None:
    results: dict[str, list[list[float]]] = {p: [] for p in sizes}
    for _ in range(runs):
        for path, n in sizes.items():  # alternate, so each open replaces the other file
            results[path].append(await page.evaluate(CLICK, [path, n]))
    for path, rows in results.items():
        opened, painted, to_end = zip(*rows, strict=True)
        print(f"click -> editor, {sizes[path]:>7} B  doc loaded {ms(list(opened))};  "
              f"painted {ms(list(painted))};  jump to last line {ms(list(to_end))}")  # fmt: skip


async def cold_open(browser: Browser, url: str, path: str, n: int, runs: int) -> None:
    scripts, synced, opened, painted = [], [], [], []
    for _ in range(runs):
        ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await ctx.new_page()
        await page.add_init_script(f"({WATCH})({[path, n]!r})")
        await page.goto(f"{url}#{path}")
        await page.wait_for_function("window.__bench.painted", timeout=60_000)
        b = await page.evaluate("window.__bench")
        scripts.append(b["scripts"])
        synced.append(b["synced"])
        opened.append(b["open"])
        painted.append(b["painted"])
        await ctx.close()
    print(f"cold load #{path:8s} {n:>7} B  page scripts ran {ms(scripts)};  tree synced "
          f"{ms(synced)};  doc loaded {ms(opened)};  painted {ms(painted)}")  # fmt: skip


async def keystrokes(
    app: web.Application, page: Page, sid: str, path: str, n: int, keys: int
) -> str:
    """Types `keys` letters at the top of `path`; returns what was typed."""
    await page.evaluate(CLICK, [path, n])
    backend = (await app[FILES].open(sid)).backend()
    loop = asyncio.get_running_loop()

    def shell_reads(expect: bytes) -> float:
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            h = backend.open(path, OpenFlags(read=True))
            head = h.pread(len(expect), 0)
            h.close()
            if head == expect:
                return time.perf_counter()
            time.sleep(0.0002)
        raise TimeoutError(expect)

    await page.evaluate("window.cowasm.editor.view.focus()")
    await page.evaluate("window.cowasm.editor.view.dispatch({selection: {anchor: 0}})")
    samples = []
    typed = ""
    for i in range(keys):
        typed = "".join(TYPED[j % len(TYPED)] for j in range(i + 1))
        fut = loop.run_in_executor(None, shell_reads, typed.encode())
        t0 = time.perf_counter()
        await page.keyboard.type(typed[-1])
        samples.append((await fut - t0) * 1000)
    print(f"keystroke -> shell read, {n:>7} B  {ms(samples)}  (n={keys})")
    return typed


async def shell_head(page: Page, typed: str) -> None:
    # The real shell: `head` prints the typed letters (which the command line does not contain).
    await page.click(".term-host")
    await page.keyboard.type(f"head -c {len(typed)} {BIG}; echo")
    t0 = time.perf_counter()
    await page.keyboard.press("Enter")
    await page.wait_for_function(
        """(s) => { const b = window.cowasm.term.term.buffer.active
          for (let i = 0; i < b.length; i++)
            if (b.getLine(i).translateToString(true).includes(s)) return true
          return false }""",
        arg=typed,
        timeout=60_000,
    )
    print(f"shell `head -c` on the 1 MB file shows the typed text after "
          f"{(time.perf_counter() - t0) * 1000:.0f} ms (Enter -> output)")  # fmt: skip


async def new_session(
    http: aiohttp.ClientSession, base: str, files: dict[str, str]
) -> tuple[str, str]:
    """A session holding `files` (written through the HTTP file API); returns (id, edit URL)."""
    async with http.post(f"{base}/api/sessions") as resp:
        session: dict[str, Any] = await resp.json()
    sid, url = session["id"], session["edit_url"]
    token = url.rsplit("token=", 1)[1]
    for path, text in files.items():
        async with http.put(f"{base}/api/sessions/{sid}/files/{path}?token={token}",
                            data=text.encode()) as resp:  # fmt: skip
            assert resp.status == 200, await resp.text()
    return sid, url


async def measure(runs: int, keys: int) -> None:
    contents = {BIG: python_like(1_000_000), SMALL: python_like(10_000)}
    sizes = {p: len(t) for p, t in contents.items()}
    print(f"files: {BIG} {sizes[BIG]} B ({contents[BIG].count(chr(10))} lines), "
          f"{SMALL} {sizes[SMALL]} B; {runs} runs each")  # fmt: skip
    async with serve() as (app, base), aiohttp.ClientSession() as http:
        sid, url = await new_session(http, base, contents)
        _, small_url = await new_session(http, base, {SMALL: contents[SMALL]})  # the baseline
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                await cold_open(browser, url, BIG, sizes[BIG], runs)
                await cold_open(browser, small_url, SMALL, sizes[SMALL], runs)
                ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
                page = await ctx.new_page()
                await page.goto(url)
                await page.wait_for_function("window.cowasm && window.cowasm.store.provider.synced")
                await page.wait_for_selector(f".tree-row[data-path='{BIG}']")
                await click_open(page, runs, sizes)
                await keystrokes(app, page, sid, SMALL, sizes[SMALL], keys)
                await shell_head(page, await keystrokes(app, page, sid, BIG, sizes[BIG], keys))
            finally:
                await browser.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keys", type=int, default=20)
    args = ap.parse_args(sys.argv[1:])
    asyncio.run(measure(args.runs, args.keys))


if __name__ == "__main__":
    main()
