"""Where the wasm userland and the page's files are, and a clear error when they are missing.

An installed wheel carries them as package data under server/_assets (setup.py copies them in);
a repository checkout (the editable install of `make setup`) uses wasm/dist and web/ where they
are built. COWASM_DIST points at another userland folder (profiling, PGO training).
"""

from __future__ import annotations

import os
from importlib.resources import as_file, files
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# What a session cannot do without: the shell, its commands and python3 (awk and sqlite3 are
# left out of /bin when missing, as system.py does for every program).
WASM_REQUIRED = (
    "dash.wasm",
    "toybox.wasm",
    "toybox.commands",
    "python.wasm",
    "python/lib/python311.zip",
)
WEB_REQUIRED = ("static/dist/app.js", "static/dist/app.css", "templates/index.html")


def _packaged(name: str) -> Path | None:
    # A wheel is installed as plain files, so as_file gives the folder itself, never a copy.
    with as_file(files("server") / "_assets" / name) as path:
        return path if path.is_dir() else None


def wasm_dist() -> Path:
    if env := os.environ.get("COWASM_DIST"):
        return Path(env)
    return _packaged("wasm") or REPO / "wasm" / "dist"


def web_dir() -> Path:
    return _packaged("web") or REPO / "web"


class MissingAssets(SystemExit):
    """Start-up refused: files the server or the CLI needs are not there (exit status 1)."""


def check_wasm(dist: Path) -> None:
    missing = [name for name in WASM_REQUIRED if not (dist / name).is_file()]
    if missing:
        hint = "run `make setup` in the repository"
        if os.environ.get("COWASM_DIST"):
            hint = "point COWASM_DIST at a built userland"
        raise MissingAssets(f"wasm artifacts missing in {dist}: {', '.join(missing)}; {hint}")


def check_web(static_dir: Path, templates_dir: Path) -> None:
    where = {"static": static_dir, "templates": templates_dir}
    missing = [
        str(where[top] / rest)
        for top, rest in (name.split("/", 1) for name in WEB_REQUIRED)
        if not (where[top] / rest).is_file()
    ]
    if missing:
        raise MissingAssets(
            f"web bundle not built: {', '.join(missing)} missing; run `make web` in the repository"
        )
