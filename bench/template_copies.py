"""A class arrives: N students open a template link (each gets a copy of its files and a
shell), then the teacher lists the copies. Baselines measured in the same run: N blank
sessions (POST /api/sessions) for making copies, and one session's GET /api/sessions/{id}
for listing.

    python -m bench.template_copies [N]
"""

from __future__ import annotations

import asyncio
import sys
import time

import aiohttp

from bench._term import new_session, server

FILES = {f"lesson/step{i}.py": f"# step {i}\nprint({i} * 6)\n" * 20 for i in range(5)}
REPEAT = 5


async def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    await fn()
    return time.perf_counter() - t


async def best(fn) -> float:  # type: ignore[no-untyped-def]
    return min([await timed(fn) for _ in range(REPEAT)])


async def blank_sessions(http: aiohttp.ClientSession, base: str, n: int) -> None:
    for _ in range(n):
        async with http.post(f"{base}/api/sessions") as resp:
            assert resp.status == 201, await resp.text()


async def copies(base: str, template: str, view: str, n: int) -> None:
    """Each student is a new browser: a fresh cookie jar, the template link with a name."""
    for i in range(n):
        async with aiohttp.ClientSession() as student:
            url = f"{base}/embed/template/{template}?token={view}&name=Student+{i:03d}"
            async with student.get(url, allow_redirects=False) as resp:
                assert resp.status == 303, await resp.text()


async def run(n: int) -> None:
    async with server() as (base, _pid), aiohttp.ClientSession() as http:
        await blank_sessions(http, base, 3)  # warm-up: module cache, first kernel start
        t_blank = await timed(lambda: blank_sessions(http, base, n))

        template, edit, view = await new_session(http, base)
        for path, text in FILES.items():
            put = f"{base}/api/sessions/{template}/files/{path}?token={edit}"
            async with http.put(put, data=text.encode()) as resp:
                assert resp.status in (200, 201), await resp.text()
        t_copies = await timed(lambda: copies(base, template, view, n))
        print(f"{n} blank sessions: {t_blank:6.2f} s ({t_blank / n * 1000:5.1f} ms each)")
        print(f"{n} template copies ({len(FILES)} files): {t_copies:6.2f} s "
              f"({t_copies / n * 1000:5.1f} ms each), {t_copies / t_blank:.2f}x blank")  # fmt: skip

        api = f"{base}/api/sessions/{template}"

        async def get(url: str) -> dict:
            async with http.get(url, headers={"Authorization": f"Bearer {edit}"}) as resp:
                assert resp.status == 200, await resp.text()
                return await resp.json() if resp.content_type == "application/json" else {}

        listed = await get(f"{api}/copies?limit=200")
        labels = {c["label"] for c in listed["copies"]}
        assert listed["total"] == n and len(labels) == min(n, 200), listed["total"]
        t_one = await best(lambda: get(api))
        t_all = await best(lambda: get(f"{api}/copies?limit=200"))
        t_page = await best(lambda: get(f"{api}/copies?limit=48&offset={n // 2}"))
        t_teach = await best(lambda: get(f"{base}/teach/{template}?token={edit}"))
        running = sum(c["running"] for c in listed["copies"])
        print(f"list {min(n, 200)} copies: {t_all * 1000:6.2f} ms, {t_all / t_one:5.1f}x one "
              f"session's GET ({t_one * 1000:.2f} ms); a page of 48: {t_page * 1000:6.2f} ms; "
              f"teacher page HTML {t_teach * 1000:.2f} ms (best of {REPEAT}); "
              f"{running} of them running")  # fmt: skip


def main() -> None:
    asyncio.run(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200))


if __name__ == "__main__":
    main()
