"""The teacher's view of a template: its copies (one per student), as a page and as JSON.

Both are authorised by the template's edit token, and give the copies' view and edit links:
whoever may change the template may watch and join its copies. Listing reads SQLite and the
running terminals only; nothing here starts a kernel (thumbnails use server.watch).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from .db import SessionRow
from .keys import CONFIG, MANAGER
from .pages import THEMES, render, session_urls
from .security import base_url, request_token

PAGE_MAX = 200  # copies per API call; a class of any size is paged


async def _template(request: web.Request) -> SessionRow:
    row = await request.app[MANAGER].get(request.match_info["id"])
    if row is None or row.role_for(request_token(request)) != "writer":
        raise web.HTTPForbidden(text="bad template or edit token")
    return row


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name} must be an integer") from None
    if not low <= value <= high:
        raise web.HTTPBadRequest(text=f"{name} must be between {low} and {high}")
    return value


def watch_url(request: web.Request, row: SessionRow) -> str:
    path = f"/ws/term/{row.id}?{urlencode({'token': row.view_token, 'watch': 1})}"
    public = request.app[CONFIG].public_url
    return "ws" + public.rstrip("/").removeprefix("http") + path if public else path


def copy_info(request: web.Request, row: SessionRow) -> dict[str, Any]:
    term = request.app[MANAGER].terminals.get(row.id)
    urls = session_urls(request, row, "writer")
    return {
        "id": row.id, "label": row.label, "created": row.created,
        "last_active": row.last_active, "running": term is not None,
        "people": len(term.people()) if term else 0,
        "processes": term.nprocs if term else 0,
        "view_url": urls["viewUrl"], "edit_url": urls["editUrl"],
        "watch_url": watch_url(request, row),
    }  # fmt: skip


async def copies(request: web.Request) -> web.Response:
    template = await _template(request)
    limit = _int(request, "limit", 100, 1, PAGE_MAX)
    offset = _int(request, "offset", 0, 0, 1 << 31)
    db = request.app[MANAGER].db
    rows = await db.list_sessions(template.id, limit, offset, newest_first=False)
    return web.json_response({
        "template": template.id, "total": await db.count(template.id), "limit": limit,
        "offset": offset, "copies": [copy_info(request, row) for row in rows],
    })  # fmt: skip


async def teacher_page(request: web.Request) -> web.Response:
    template = await _template(request)
    theme = request.query.get("theme")
    base = base_url(request)
    config = {
        "template": template.id,
        "token": template.edit_token,
        "copiesUrl": f"/api/sessions/{template.id}/copies",
        "templateUrl": f"{base}/embed/template/{template.id}?token={template.view_token}",
        "sessionUrl": f"{base}/s/{template.id}?token={template.edit_token}",
        "theme": theme if theme in THEMES else "dark",
    }
    return render(request, "teacher.html", config, f"cowasm class of {template.id}")


ROUTES = [
    web.get("/teach/{id}", teacher_page),
    web.get("/api/sessions/{id}/copies", copies),
]
