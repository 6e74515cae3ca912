"""Gather numpy's distutils build (wasm objects, JSON link recipes) into what CPython links.

    link.py BUILD_BASE OUTDIR "CC FLAGS" "AR" VER  -> libnumpy.a, inittab.o, numpy-VER-py3-none-any.whl
    link.py --tests BUILD_BASE OUTDIR WHEELDIR SRC  -> numpy-tests.zip (the package with tests,
                                      their data from SRC, pytest and hypothesis from WHEELDIR)

Each extension module's recipe (zcc.py ld) names its objects and static libraries. One archive
holds them all: an object shared by two modules (lapack_lite's f2c sources, npy_argparse ...)
goes in once. The inittab registers every module under its dotted name; CPython's main adds it
to the built-in table (wasm/cpython/patches/builtin-submodules.patch).
"""

import json
import shlex
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

EXT = ".cpython-311-x86_64-linux-gnu.so"  # the host's suffix, which the recipes carry
DATE = (1980, 1, 1, 0, 0, 0)


def lib_dir(build_base: Path) -> Path:
    (lib,) = build_base.glob("lib.*")
    return lib


def recipes(lib: Path) -> dict[str, dict]:
    """Dotted module name -> its link recipe."""
    found = {}
    for path in sorted(lib.rglob("*.so")):
        name = ".".join(path.relative_to(lib).with_name(path.name.split(".")[0]).parts)
        found[name] = json.loads(path.read_text())
    return found


def archive_members(lib: str, libdirs: list[str], tmp: Path, ar: list[str]) -> list[Path]:
    """The objects of static library lib (extracted), or [] for the C library's own (m)."""
    for d in libdirs:
        archive = Path(d) / f"lib{lib}.a"
        if archive.exists():
            out = tmp / lib
            if not out.exists():
                out.mkdir()
                subprocess.run([*ar, "x", str(archive.resolve())], cwd=out, check=True)
            return sorted(out.glob("*.o"))
    if lib in {"m"}:
        return []
    raise SystemExit(f"link.py: no lib{lib}.a in {libdirs}")


def write_inittab(modules: list[str], out: Path, cc: list[str]) -> None:
    inits = {m: "PyInit_" + m.rsplit(".", 1)[-1] for m in modules}
    if len(set(inits.values())) != len(inits):
        raise SystemExit("link.py: two modules share an init function name")
    lines = ["#include <Python.h>", ""]
    lines += [f"extern PyObject *{f}(void);" for f in inits.values()]
    lines += ["", "struct _inittab _PyCowasm_Inittab[] = {"]
    lines += [f'    {{"{m}", {f}}},' for m, f in inits.items()]
    lines += ["    {0, 0}", "};", ""]
    src = out.with_suffix(".c")
    src.write_text("\n".join(lines))
    subprocess.run([*cc, "-c", str(src), "-o", str(out)], check=True)


# Not in the image: what only a C compiler or a type checker reads, and numpy.distutils (no
# compiler in the machine). pack.py leaves the tests out.
IMAGE_SKIP_SUFFIXES = {".so", ".pyc", ".pyi", ".pxd", ".h", ".c", ".src", ".in", ".pyx"}
IMAGE_SKIP_DIRS = {("numpy", "distutils"), ("numpy", "core", "include"), ("numpy", "random", "_examples")}


def in_image(rel: Path) -> bool:
    return (
        rel.suffix not in IMAGE_SKIP_SUFFIXES
        and "__pycache__" not in rel.parts
        and not any(rel.parts[: len(d)] == d for d in IMAGE_SKIP_DIRS)
    )


def write_wheel(lib: Path, out: Path, version: str) -> None:
    """The Python side of the package as a wheel for pack.py (which leaves tests out)."""
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(lib.rglob("*")):
            if path.is_dir() or not in_image(path.relative_to(lib)):
                continue
            info = zipfile.ZipInfo(path.relative_to(lib).as_posix(), DATE)
            zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
        meta = f"Metadata-Version: 2.1\nName: numpy\nVersion: {version}\n"
        zf.writestr(zipfile.ZipInfo(f"numpy-{version}.dist-info/METADATA", DATE), meta)


def link(build_base: Path, outdir: Path, cc: list[str], ar: list[str], version: str) -> None:
    lib = lib_dir(build_base)
    mods = recipes(lib)
    objects: dict[Path, None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for recipe in mods.values():
            for o in recipe["objects"]:
                objects[Path(o)] = None
            for name in recipe["libs"]:
                for o in archive_members(name, recipe["libdirs"], Path(tmp), ar):
                    objects[o] = None
        out = outdir / "libnumpy.a"
        out.unlink(missing_ok=True)
        # An archive's members are named by file name only: same-named objects of different
        # folders would shadow each other, so each gets a unique name first.
        staged = Path(tmp) / "staged"
        staged.mkdir()
        names = []
        for i, o in enumerate(objects):
            dest = staged / f"{i:04d}_{o.name}"
            dest.write_bytes(o.read_bytes())
            names.append(dest.name)
        subprocess.run([*ar, "rcs", str(out.resolve()), *names], cwd=staged, check=True)
    write_inittab(list(mods), outdir / "inittab.o", cc)
    write_wheel(lib, outdir / f"numpy-{version}-py3-none-any.whl", version)
    print(f"link.py: {len(mods)} modules, {len(objects)} objects -> {out}")


def pack_tests(build_base: Path, outdir: Path, wheels: Path, source: Path) -> None:
    """np/: the whole package with tests and data; pylib/: the test tools' wheels, unpacked."""
    lib = lib_dir(build_base)
    files = {p.relative_to(lib): p for p in lib.rglob("*") if p.is_file()}
    # `setup.py build` leaves the tests' data files (.npy, .pkl, .csv ...) to the install step.
    for p in (source / "numpy").rglob("*"):
        rel = p.relative_to(source)
        if p.is_file() and "tests" in rel.parts and p.suffix not in {".py", ".pyc"}:
            files.setdefault(rel, p)
    with zipfile.ZipFile(outdir / "numpy-tests.zip", "w") as zf:
        for rel, path in sorted(files.items()):
            if path.suffix in {".so", ".pyc"} or "__pycache__" in rel.parts:
                continue
            info = zipfile.ZipInfo("np/" + rel.as_posix(), DATE)
            zf.writestr(info, path.read_bytes(), zipfile.ZIP_DEFLATED)
        for wheel in sorted(wheels.glob("*.whl")):
            with zipfile.ZipFile(wheel) as src:
                for info in src.infolist():
                    if not info.is_dir():
                        name = "pylib/" + info.filename
                        zf.writestr(zipfile.ZipInfo(name, DATE), src.read(info), zipfile.ZIP_DEFLATED)


def main(argv: list[str]) -> None:
    if argv[0] == "--tests":
        pack_tests(Path(argv[1]), Path(argv[2]), Path(argv[3]), Path(argv[4]))
    else:
        link(Path(argv[0]), Path(argv[1]), shlex.split(argv[2]), shlex.split(argv[3]), argv[4])


if __name__ == "__main__":
    main(sys.argv[1:])
