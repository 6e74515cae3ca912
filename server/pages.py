"""HTML pages: the landing page, the full session page, the embed page and template copies
(labelled with the `name` of the template link, for the teacher page: server/teacher.py).

Every page renders `config` (the page config of the contract) and `title` into a template of
web/templates; the page's script reads `<script id="cowasm-config">`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from . import errors
from .db import SessionRow
from .keys import CONFIG, MANAGER, TEMPLATES
from .manager import SessionsFull
from .policy import GUARD, landing_reason
from .security import base_url, is_https, request_token

THEMES = ("dark", "light")


def render(request: web.Request, name: str, config: dict[str, Any], title: str) -> web.Response:
    html = request.app[TEMPLATES].get_template(name).render(config=config, title=title)
    return web.Response(text=html, content_type="text/html")


def session_urls(request: web.Request, row: SessionRow, role: str) -> dict[str, str | None]:
    base = base_url(request)
    token = row.edit_token if role == "writer" else row.view_token
    return {
        "editUrl": f"{base}/s/{row.id}?token={row.edit_token}" if role == "writer" else None,
        "viewUrl": f"{base}/s/{row.id}?token={row.view_token}",
        "embedUrl": f"{base}/embed/{row.id}?token={token}",
        # The share menu's other links: a read-only embed, a copy per student (a view token is
        # enough to make copies), and the teacher page (the edit token: it lists the copies).
        "embedViewUrl": f"{base}/embed/{row.id}?token={row.view_token}",
        "templateUrl": f"{base}/embed/template/{row.id}?token={row.view_token}",
        "teachUrl": f"{base}/teach/{row.id}?token={row.edit_token}" if role == "writer" else None,
    }


def page_config(request: web.Request, row: SessionRow, role: str, *, embed: bool,
                cmd: str | None = None) -> dict[str, Any]:  # fmt: skip
    token = row.edit_token if role == "writer" else row.view_token
    term_path = f"/ws/term/{row.id}?{urlencode({'token': token})}"
    public = request.app[CONFIG].public_url
    if public:  # the page may be served by a proxy path the browser cannot infer
        term_path = "ws" + public.rstrip("/").removeprefix("http") + term_path
    theme = request.query.get("theme")
    return {
        "session": row.id,
        "role": role,
        "token": token,
        "name": request.query.get("name"),
        "termUrl": term_path,
        "filesUrl": "/ws/files",
        **session_urls(request, row, role),
        "embed": embed,
        "cmd": cmd if role == "writer" else None,
        "readonly": role != "writer",
        "theme": theme if theme in THEMES else "dark",
    }


async def _authorize(request: web.Request) -> tuple[SessionRow, str]:
    manager = request.app[MANAGER]
    session_id = request.match_info["id"]
    row = await manager.get(session_id)
    role = row.role_for(request.query.get("token") or request_token(request)) if row else None
    if row is None and (deleted := await manager.db.deletion(session_id)) is not None:
        raise errors.gone(*deleted)
    if row is None or role is None:
        raise errors.bad_link()
    if request.query.get("readonly") in ("1", "true"):
        role = "viewer"  # the page gets the view token, so the server enforces it
    return row, role


def _openable(request: web.Request, row: SessionRow) -> None:
    manager = request.app[MANAGER]
    if not manager.can_open(row.id):  # the page's terminal could not start: say so now
        raise errors.full(manager.full_message())


async def index(request: web.Request) -> web.Response:
    config = {"session": None, "role": None, "embed": False, "theme": "dark",
              "createPolicy": request.app[CONFIG].create_policy,
              "createReason": landing_reason(request)}  # fmt: skip
    return render(request, "index.html", config, "cowasm-serve")


async def session_page(request: web.Request) -> web.Response:
    row, role = await _authorize(request)
    _openable(request, row)
    config = page_config(request, row, role, embed=False)
    return render(request, "session.html", config, f"cowasm {row.id}")


async def embed_page(request: web.Request) -> web.Response:
    row, role = await _authorize(request)
    _openable(request, row)
    config = page_config(request, row, role, embed=True, cmd=request.query.get("cmd"))
    return render(request, "embed.html", config, f"cowasm {row.id}")


async def embed_template(request: web.Request) -> web.Response:
    """Each browser gets its own copy of the template session, remembered by a cookie.

    Over https the cookie is `SameSite=None; Secure` (it must work inside a third-party
    iframe) and the page is rendered in place. Over http such a cookie is refused inside
    iframes, so the browser is redirected to its copy's own embed URL: the state is the URL.
    `cmd` is typed into the copy's shell once, by the server, at its first start."""
    manager = request.app[MANAGER]
    template, _ = await _authorize(request)
    cookie = f"cowasm_tpl_{template.id}"
    copy = await _copy_from_cookie(request, cookie)
    label = clean_label(request.query.get("name"))
    if copy is None:
        request.app[GUARD].check(request, template=True)
        try:
            copy = await manager.create(template=template, cmd=request.query.get("cmd"),
                                        label=label)  # fmt: skip
        except SessionsFull as e:
            raise errors.full(str(e)) from e
    else:
        _openable(request, copy)
        if label and label != copy.label:  # the course page now knows the student's name
            await manager.db.set_label(copy.id, label)
    role = "viewer" if request.query.get("readonly") in ("1", "true") else "writer"
    secure = is_https(request)
    if secure:
        response = render(request, "embed.html", page_config(request, copy, role, embed=True),
                          f"cowasm {copy.id}")  # fmt: skip
    else:
        keep = {k: v for k, v in request.query.items() if k in ("readonly", "theme", "name")}
        query = urlencode({"token": copy.edit_token, **keep})
        response = web.HTTPSeeOther(f"/embed/{copy.id}?{query}")
    response.set_cookie(
        cookie, f"{copy.id}.{copy.edit_token}", max_age=180 * 86400, path="/embed/template/",
        httponly=True, secure=secure, samesite="None" if secure else "Lax",
    )  # fmt: skip
    if not secure:
        raise response
    return response


def clean_label(name: str | None) -> str | None:
    """A copy's label: the student's name as the template link gave it, printable, short."""
    label = "".join(c for c in name or "" if c.isprintable()).strip()[:40]
    return label or None


async def _copy_from_cookie(request: web.Request, cookie: str) -> SessionRow | None:
    copy_id, _, token = request.cookies.get(cookie, "").partition(".")
    row = await request.app[MANAGER].get(copy_id) if copy_id else None
    return row if row is not None and row.role_for(token) == "writer" else None
