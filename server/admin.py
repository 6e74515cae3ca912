"""The admin API (`Authorization: Bearer <--admin-token>`): list and delete any session."""

from __future__ import annotations

from aiohttp import web

from . import errors
from .keys import CONFIG, MANAGER
from .policy import is_admin

MAX_LIMIT = 1000


def require_admin(request: web.Request) -> None:
    if not request.app[CONFIG].admin_token:
        raise errors.Refusal(404, "admin_disabled", "No admin API",
                             "the admin API is off: start the server with --admin-token",
                             "")  # fmt: skip
    if not is_admin(request):
        raise errors.Refusal(401, "unauthorized", "Admin token needed",
                             "send the admin token as 'Authorization: Bearer TOKEN'", "",
                             {"WWW-Authenticate": "Bearer"})  # fmt: skip


def _int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise errors.Refusal(400, "bad_request", "Bad request",
                             f"{name} must be an integer from {low} to {high}", "")  # fmt: skip
    return value


async def list_sessions(request: web.Request) -> web.Response:
    require_admin(request)
    limit = _int(request, "limit", 100, 1, MAX_LIMIT)
    offset = _int(request, "offset", 0, 0, 1 << 62)
    manager = request.app[MANAGER]
    rows = await manager.db.list_sessions(request.query.get("template") or None, limit, offset)
    sessions = []
    for row in rows:
        term = manager.terminals.get(row.id)
        sessions.append({
            "id": row.id, "created": row.created, "last_active": row.last_active,
            "template": row.template, "running": term is not None,
            "processes": term.nprocs if term else 0,
            "clients": len(term.clients) if term else 0,
        })  # fmt: skip
    return web.json_response({"sessions": sessions, "limit": limit, "offset": offset})


async def delete_session(request: web.Request) -> web.Response:
    require_admin(request)
    manager = request.app[MANAGER]
    session_id = request.match_info["id"]
    if await manager.get(session_id) is None:
        raise errors.Refusal(404, "not_found", "No such session",
                             f"no session {session_id!r}", "")  # fmt: skip
    await manager.delete(session_id)
    return web.Response(status=204)


ROUTES = [
    web.get("/api/admin/sessions", list_sessions),
    web.delete("/api/admin/sessions/{id}", delete_session),
]
