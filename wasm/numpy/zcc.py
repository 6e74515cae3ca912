"""The compilers numpy's own distutils build runs, turned into a wasm32-wasi cross build.

    zcc.py cc|c++ ARGS    zig cc / zig c++ for wasm32-wasi, minus the host's flags
    zcc.py ld ARGS        in place of linking an extension module: write its recipe (JSON)

numpy.distutils takes its flags from the host Python's sysconfig (-fPIC, x86 hardening, the
host's Python headers); these are dropped and the wasm CPython's headers put first. There is no
dlopen on WASI, so "linking" an extension only records its objects and libraries: link.py
archives them all and writes the inittab that CPython's link takes in (wasm/cpython/Makefile).
Settings come from the environment: ZIG (the zig command), NUMPY_CFLAGS.
"""

import json
import os
import shlex
import sys

# Host flags that mean nothing on wasm32 or break a static link (PIC code wants a dynamic loader).
DROP_EXACT = {"-fPIC", "-fpic", "-g", "-pthread", "-ffat-lto-objects", "-flto=auto", "-shared"}
DROP_PREFIX = (
    "-fstack-protector",
    "-fstack-clash-protection",
    "-fcf-protection",
    "-ffile-prefix-map",
    "-fdebug-prefix-map",
    "-D_FORTIFY_SOURCE",
    "-specs=",
    "-I/usr/include",
    "-L/usr/lib",
    "-Wl,",
    "-mtune",
    "-march",
)


def keep(arg: str) -> bool:
    return arg not in DROP_EXACT and not arg.startswith(DROP_PREFIX)


def compile_(lang: str, args: list[str]) -> None:
    zig = shlex.split(os.environ["ZIG"])
    flags = shlex.split(os.environ.get("NUMPY_CFLAGS", ""))
    if lang == "c++":
        flags += ["-fno-exceptions", "-fno-rtti"]
    if not {"-c", "-E", "-S"} & set(args):  # distutils' config checks link test programs
        flags += shlex.split(os.environ.get("NUMPY_LDFLAGS", ""))
    # Our flags go last, so that the optimisation level is ours and not the host's -O2.
    cmd = [*zig, lang, "-target", "wasm32-wasi", *filter(keep, args), *flags]
    os.execvp(cmd[0], cmd)


def record_link(args: list[str]) -> None:
    """Write what a linked extension would contain: objects, library dirs and libraries."""
    out, objects, libdirs, libs = None, [], [], []
    it = iter(args)
    for arg in it:
        if arg == "-o":
            out = next(it)
        elif arg.endswith((".o", ".a")):
            objects.append(os.path.abspath(arg))
        elif arg.startswith("-L"):
            libdirs.append(os.path.abspath(arg[2:] or next(it)))
        elif arg.startswith("-l"):
            libs.append(arg[2:] or next(it))
    if out is None:
        sys.exit("zcc.py ld: no -o")
    with open(out, "w") as f:
        json.dump({"objects": objects, "libdirs": libdirs, "libs": libs}, f, indent=1)


def main() -> None:
    mode, args = sys.argv[1], sys.argv[2:]
    # numpy.distutils swaps only the first word of the C compiler's command for C++ sources,
    # which is this script's interpreter: tell C++ by the source's name instead.
    if mode == "cc" and any(a.endswith((".cpp", ".cxx", ".cc")) for a in args):
        mode = "c++"
    if mode in ("cc", "c++"):
        compile_(mode, args)
    elif mode == "ld":
        record_link(args)
    else:
        sys.exit(f"zcc.py: unknown mode {mode}")


if __name__ == "__main__":
    main()
