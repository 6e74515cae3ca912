"""The wheel: built from this checkout, installed into a fresh venv and used from another folder.

The checkout's build inputs are copied to a scratch folder first so that the build leaves no
build/ behind; dependencies come from the package index as for any user (pip's cache keeps
this to seconds). The wasm modules compile once into the shared on-disk cache.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest

from server.sessions.system import build_root

ROOT = Path(__file__).resolve().parent.parent
# What `pip wheel` reads: the project files, the package and the built artifacts it ships.
BUILD_INPUTS = (
    "pyproject.toml",
    "setup.py",
    "MANIFEST.in",
    "README.md",
    "LICENSE",
    "server",
    "wasm/manifest.json",
    "wasm/dist",
    "web/static/dist",
    "web/templates",
)
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed, and nothing of this checkout on its path."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    for name in BUILD_INPUTS:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
            shutil.copytree(ROOT / name, src / name, ignore=ignore)
        else:
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", tmp / "dist", src], check=True)
    (wheel,) = (tmp / "dist").glob("cowasm_serve-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", tmp / "venv"], check=True)
    subprocess.run([*pip, "--python", tmp / "venv/bin/python", "install", wheel], check=True)
    return tmp / "venv"


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working folder outside the checkout."""
    (tmp_path / "cwd").mkdir()
    return tmp_path / "cwd"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COWASM_DIST")}
    return env | extra


def run(venv: Path, *cmd: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / cmd[0]), *cmd[1:]],
        cwd=cwd,
        env=clean_env(**env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_installed_package_reads_its_own_copy_of_the_artifacts(venv, elsewhere):
    code = "from server import assets; print(assets.wasm_dist(), assets.web_dir())"
    r = run(venv, "python", "-c", code, cwd=elsewhere)
    (site,) = venv.glob("lib/python*/site-packages")
    assert r.stdout.split() == [str(site / "server/_assets/wasm"), str(site / "server/_assets/web")]


def test_cowasm_runs_the_shell_and_python(venv, elsewhere):
    r = run(venv, "cowasm", "sh", "-c", "echo hi; ls /bin | wc -l", cwd=elsewhere)
    commands = len(build_root().root.children["bin"].children)  # the checkout's /bin
    assert (r.returncode, r.stdout.split(), r.stderr) == (0, ["hi", str(commands)], "")
    # The standard library's zip and the tzdata wheel of the prefix (dist-packages) are found.
    script = "import sys, zoneinfo as z; print(sys.version_info[:2], z.ZoneInfo('Europe/Paris'))"
    r = run(venv, "cowasm", "python3", "-c", script, cwd=elsewhere)
    assert (r.returncode, r.stdout) == (0, "(3, 11) Europe/Paris\n"), r.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(venv: Path, elsewhere: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [venv / "bin/cowasm-serve", "--port", str(port), "--data-dir", elsewhere / "data"],
        cwd=elsewhere,
        env=clean_env(),
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:
        if "msg=listening" in line:
            break
    else:
        pytest.fail(f"cowasm-serve exited with {proc.wait()} before listening")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


async def test_cowasm_serve_serves_the_page_and_a_shell(server):
    async with aiohttp.ClientSession(server) as http:
        async with http.get("/") as r:
            assert r.status == 200 and "/static/dist/landing.js" in await r.text()
        async with http.get("/static/dist/app.js") as r:
            assert r.status == 200 and r.content_type.endswith("/javascript")
            assert await r.read() == (ROOT / "web/static/dist/app.js").read_bytes()
        async with http.post("/api/sessions") as r:
            assert r.status == 201
            created = await r.json()
        token = created["edit_url"].split("token=")[1]
        screen = b""
        async with http.ws_connect(f"/ws/term/{created['id']}?token={token}") as ws:
            while b"/home/user$ " not in screen:
                msg = await ws.receive(timeout=60)
                assert msg.type in (aiohttp.WSMsgType.BINARY, aiohttp.WSMsgType.TEXT), msg
                if msg.type == aiohttp.WSMsgType.BINARY:
                    screen += msg.data


def test_a_missing_web_bundle_is_a_one_line_error_at_start(venv, elsewhere):
    app_js = next(venv.glob("lib/python*/site-packages/server/_assets/web/static/dist/app.js"))
    app_js.rename(app_js.with_suffix(".moved"))
    try:
        r = run(venv, "cowasm-serve", "--port", str(free_port()), "--data-dir", ".", cwd=elsewhere)
    finally:
        app_js.with_suffix(".moved").rename(app_js)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1].startswith("web bundle not built: ")
    assert str(app_js) in r.stderr and "run `make web`" in r.stderr


def test_missing_wasm_artifacts_are_named(venv, elsewhere):
    r = run(venv, "cowasm", "sh", "-c", "echo hi", cwd=elsewhere, COWASM_DIST=str(elsewhere))
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.startswith(f"wasm artifacts missing in {elsewhere}: dash.wasm, toybox.wasm")
