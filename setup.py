"""The wheel carries the built wasm userland and the page as package data (server/_assets).

They are built where the repository keeps them (wasm/dist, web/static/dist, web/templates);
build_py copies them in, so an installed `cowasm` and `cowasm-serve` need no checkout. An
editable install reads them in place instead (server/assets.py), so nothing is copied there.
Everything else is in pyproject.toml.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# (source in the repository, destination under server/_assets)
ASSETS = (
    ("wasm/dist", "wasm"),
    ("web/static/dist", "web/static/dist"),
    ("web/templates", "web/templates"),
)


def _check_built() -> None:
    artifacts = json.loads((HERE / "wasm/manifest.json").read_text())["artifacts"]
    missing = [name for name in artifacts if not (HERE / "wasm/dist" / name).is_file()]
    if missing:
        raise SystemExit(f"wasm artifacts missing: {', '.join(missing)}; run `make setup`")
    if not (HERE / "web/static/dist/app.js").is_file():
        raise SystemExit("web bundle not built (web/static/dist/app.js); run `make web`")


class BuildPyWithAssets(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        _check_built()
        for src, dst in ASSETS:
            target = Path(self.build_lib) / "server" / "_assets" / dst
            shutil.rmtree(target, ignore_errors=True)  # no stale files from an earlier build
            shutil.copytree(HERE / src, target, ignore=shutil.ignore_patterns("__pycache__"))


setup(cmdclass={"build_py": BuildPyWithAssets})
