"""The read-only system image every session mounts at `/`, built from wasm/dist.

/bin holds dash (also /bin/sh), toybox with a symlink per command, awk (also nawk), sqlite3, lua
(also lua5.4) and python3; /usr/local is the Python prefix (stdlib zip and site-packages); /etc
has passwd and group (Debian's system accounts and the one user). The mounts for /home/user,
/tmp, /dev and /proc are added by the session.
"""

from __future__ import annotations

from pathlib import Path

from ..assets import wasm_dist
from .vfs.base import DIR, FILE, SYMLINK
from .vfs.memfs import MemFS

DIST = wasm_dist()  # the wheel's copy, the repository's wasm/dist, or COWASM_DIST
# Debian's first few system accounts (base-passwd), then the one user every process runs as.
PASSWD = """\
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
user:x:1000:1000:user:/home/user:/bin/sh
"""
GROUP = """\
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
users:x:100:
nogroup:x:65534:
user:x:1000:
"""
PROFILE = "PS1='$PWD$ '\nexport PS1\n"


def dist_file(name: str) -> Path:
    return DIST / name


def build_root() -> MemFS:
    root = MemFS()
    for d in ("bin", "etc", "home/user", "tmp", "dev", "proc", "usr/local", "root"):
        root.add(d, DIR)
    root.add("usr/bin", SYMLINK, 0o777, target="/bin")
    dash = dist_file("dash.wasm")
    if dash.exists():
        root.add("bin/dash", FILE, 0o755, host=str(dash))
        root.add("bin/sh", SYMLINK, 0o777, target="dash")
    toybox = dist_file("toybox.wasm")
    commands = dist_file("toybox.commands")
    if toybox.exists():
        root.add("bin/toybox", FILE, 0o755, host=str(toybox))
        names = commands.read_text().split() if commands.exists() else []
        for name in names:
            if name not in root.root.children["bin"].children:
                root.add(f"bin/{name}", SYMLINK, 0o777, target="toybox")
    awk = dist_file("awk.wasm")
    if awk.exists():
        root.add("bin/awk", FILE, 0o755, host=str(awk))
        root.add("bin/nawk", SYMLINK, 0o777, target="awk")
    sqlite = dist_file("sqlite3.wasm")
    if sqlite.exists():
        root.add("bin/sqlite3", FILE, 0o755, host=str(sqlite))
    lua = dist_file("lua.wasm")
    if lua.exists():
        root.add("bin/lua", FILE, 0o755, host=str(lua))
        root.add("bin/lua5.4", SYMLINK, 0o777, target="lua")
    python = dist_file("python.wasm")
    if python.exists():
        root.add("bin/python3", FILE, 0o755, host=str(python))
        for alias in ("python", "python3.11"):
            root.add(f"bin/{alias}", SYMLINK, 0o777, target="python3")
    for name, text in (("passwd", PASSWD), ("group", GROUP), ("profile", PROFILE)):
        node = root.add(f"etc/{name}", FILE, 0o644)
        node.data = bytearray(text.encode())
    root.add("etc/hostname", FILE, 0o644).data = bytearray(b"cowasm\n")
    root.readonly = True
    return root


def python_prefix() -> Path:
    return DIST / "python"
