"""Pack Python code for the wasm prefix tree as a few zip files of precompiled .pyc.

    pack.py stdlib LIBDIR OBJDIR OUT.zip   the stdlib without tests, GUI and build-only parts
    pack.py tests  LIBDIR OBJDIR OUT.zip   Lib/test (sources and data, for regression runs)
    pack.py wheels WHEELDIR SITEDIR        one .pyc zip per wheel, plus a .pth naming them

Run with the build Python (the same 3.11 bytecode as the wasm interpreter). Code objects get
the path they have at run time inside the mounted prefix (/usr/local), so tracebacks read well.
"""

import importlib.util
import marshal
import sys
import zipfile
from pathlib import Path

PREFIX = "/usr/local"
# Never shipped: tests, Tk, IDLE, build/installer tools, and things WASI cannot run.
EXCLUDE_TOP = {
    "test",
    "idlelib",
    "tkinter",
    "turtledemo",
    "turtle.py",
    "ensurepip",
    "venv",
    "lib2to3",
    "site-packages",
    "dist-packages",
    "__phello__",
    "msilib",
    "_bootsubprocess.py",
}
SKIP_DIRS = {"__pycache__", "test", "tests", "idle_test"}
# Debian looks the build-time variables up under a shorter name than the build writes.
SYSCONFIGDATA = "_sysconfigdata__wasi_wasm32-wasi.py"
SYSCONFIGDATA_ALIASES = [SYSCONFIGDATA, "_sysconfigdata__wasm32-wasi.py"]
ROOT = Path(__file__).resolve().parents[2]  # the repository this build ran in
BUILD_ROOT = b"/build/cowasm-serve"
# site.py imports these at every start; found in the stdlib zip, the search stops there instead
# of failing through every sys.path entry (reading sympy.zip's whole directory costs ~8 ms).
EMPTY_MODULES = ["sitecustomize", "usercustomize"]
# Wheel sources that need a change for WASI: (old, new) pairs. There is no _ctypes (no libffi).
FIXUPS = {
    "sympy/external/gmpy.py": [
        ("from ctypes import c_long, sizeof", "from struct import calcsize"),
        ("8*sizeof(c_long)", '8*calcsize("l")'),
    ],
}


def pyc(source: bytes, runtime_path: str) -> bytes:
    """A hash-based, unchecked .pyc (PEP 552): the zip never changes, so skip validation."""
    code = compile(source, runtime_path, "exec", dont_inherit=True)
    flags = 0b01
    header = importlib.util.MAGIC_NUMBER + flags.to_bytes(4, "little")
    return header + importlib.util.source_hash(source) + marshal.dumps(code)


def put(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    """Add a member with a fixed date, so the same inputs give the same zip."""
    zf.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED, 9)


def add_tree(
    zf: zipfile.ZipFile, root: Path, prefix: str, runtime: str, skip: set[str], keep_source: bool
) -> None:
    """Add root's files as prefix/..., .py compiled to .pyc (and kept too if keep_source)."""
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_dir() or skip & set(rel.parts[:-1]) or path.suffix in {".pyc", ".pyo"}:
            continue
        name = f"{prefix}/{rel.as_posix()}"
        if path.suffix == ".py":
            try:
                put(zf, name[:-3] + ".pyc", pyc(path.read_bytes(), f"{runtime}/{name}"))
            except SyntaxError:
                if not keep_source:  # only tests carry deliberately broken files
                    raise
            if not keep_source:
                continue
        put(zf, name, path.read_bytes())


def pack_stdlib(libdir: Path, objdir: Path, out: Path) -> None:
    builddir = objdir / (objdir / "pybuilddir.txt").read_text().strip()
    runtime = f"{PREFIX}/lib/python311.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w") as zf:
        for entry in sorted(libdir.iterdir()):
            if entry.name in EXCLUDE_TOP or entry.name.startswith("."):
                continue
            if (entry / "__init__.py").exists():
                add_tree(zf, entry, entry.name, runtime, SKIP_DIRS, keep_source=False)
            elif entry.suffix == ".py":
                put(zf, entry.stem + ".pyc", pyc(entry.read_bytes(), f"{runtime}/{entry.name}"))
        # Build-time paths name the checkout; a neutral root keeps the zip the same everywhere.
        data = (builddir / SYSCONFIGDATA).read_bytes().replace(str(ROOT).encode(), BUILD_ROOT)
        for alias in SYSCONFIGDATA_ALIASES:
            put(zf, alias[:-3] + ".pyc", pyc(data, f"{runtime}/{alias}"))
        for name in EMPTY_MODULES:
            put(zf, f"{name}.pyc", pyc(b"", f"{runtime}/{name}.py"))


def pack_tests(libdir: Path, out: Path) -> None:
    runtime = f"{PREFIX}/lib/python-tests.zip"
    with zipfile.ZipFile(out, "w") as zf:
        add_tree(zf, libdir / "test", "test", runtime, {"__pycache__"}, keep_source=True)


def fixup(name: str, source: bytes) -> bytes:
    for old, new in FIXUPS.get(name, []):
        if old.encode() not in source:
            raise SystemExit(f"pack.py: fixup for {name} no longer applies: {old!r}")
        source = source.replace(old.encode(), new.encode())
    return source


def pack_wheels(wheeldir: Path, sitedir: Path) -> None:
    sitedir.mkdir(parents=True, exist_ok=True)
    names = []
    for wheel in sorted(wheeldir.glob("*.whl")):
        out = sitedir / (wheel.name.split("-")[0].lower() + ".zip")
        runtime = f"{PREFIX}/lib/python3.11/dist-packages/{out.name}"
        with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(out, "w") as zf:
            for info in src.infolist():
                name = info.filename
                if info.is_dir() or {"tests", "test"} & set(name.split("/")[:-1]):
                    continue
                if name.endswith(".py"):
                    put(
                        zf,
                        name[:-3] + ".pyc",
                        pyc(fixup(name, src.read(info)), f"{runtime}/{name}"),
                    )
                elif ".dist-info/" not in name or name.endswith("/METADATA"):
                    put(zf, name, src.read(info))
        names.append(out.name)
    (sitedir / "cowasm-wheels.pth").write_text("".join(f"{n}\n" for n in names))


def main(argv: list[str]) -> None:
    mode, *args = argv
    if mode == "stdlib":
        pack_stdlib(Path(args[0]), Path(args[1]), Path(args[2]))
    elif mode == "tests":
        pack_tests(Path(args[0]), Path(args[2]))
    elif mode == "wheels":
        pack_wheels(Path(args[0]), Path(args[1]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
