"""numpy 1.24 in the machine's python3 (linked into python.wasm, wasm/numpy): linspace, linear
algebra, random, fft and friends against the host's native numpy of the same version, the cost
of start-up without numpy, and numpy's own test modules run by pytest inside the machine."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy
import pytest
from kernel_helpers import run

from server.sessions import batch
from server.sessions.session import Limits
from server.sessions.vfs.hostdir import HostDir

ROOT = Path(__file__).resolve().parents[1]

# Each case is an expression over numpy as np, printed by both sides as JSON.
CASES = {
    "linspace": "np.linspace(0, 10, num=5)",
    "solve": "np.linalg.solve([[3.0, 1, 2], [1, 4, 1], [2, 1, 5]], [1.0, 2, 3])",
    "inv": "np.linalg.inv([[4.0, 7], [2, 6]])",
    "det": "np.linalg.det([[1.0, 2, 3], [4, 5, 6], [7, 8, 10]])",
    "eig": "np.sort(np.linalg.eig([[2.0, 1, 0], [1, 3, 1], [0, 1, 4]])[0])",
    "eigh": "np.linalg.eigh([[2.0, 1], [1, 2]])[0]",
    "svd": "np.linalg.svd([[1.0, 2], [3, 4], [5, 6]])[1]",
    "lstsq": "np.linalg.lstsq([[1.0, 1], [1, 2], [1, 3]], [1.0, 2, 2], rcond=None)[0]",
    "random": "np.random.default_rng(1).random(3)",
    "normal": "np.random.default_rng(42).normal(size=4)",
    "integers": "np.random.default_rng(7).integers(0, 1000, size=6)",
    "legacy": "(np.random.seed(5), np.random.rand(3))[1]",
    "fft": "np.fft.fft([1.0, 2, 3, 4, 5, 6, 7, 8])",
    "rfft": "np.fft.irfft(np.fft.rfft(np.arange(10.0)))",
    "matmul": "np.arange(12.0).reshape(3, 4) @ np.arange(8.0).reshape(4, 2)",
    "ufuncs": "np.sin(np.linspace(0, np.pi, 7)) + np.exp(np.arange(7.0))",
    "reductions": "[np.arange(100).sum(), np.arange(1, 11).prod(), np.std([1.0, 2, 3, 4])]",
    "sort": "np.argsort(np.array([3, 1, 2, 5, 4], dtype=np.int64))",
    "int64": "np.array([2**40, 3], dtype=np.int64) * 3",
    "dtypes": "[np.dtype(t).itemsize for t in 'bhilqpfdgFDG']",
    "version": "np.__version__",
}
# Bit-for-bit the same as native (the same algorithms on IEEE doubles); the rest within 1e-12.
EXACT = {"linspace", "random", "integers", "legacy", "sort", "int64", "matmul", "version"}
# wasm32 is ILP32 and its long double is IEEE quad: these differ from x86-64 by design.
PLATFORM = {"dtypes": [1, 2, 4, 4, 8, 4, 4, 8, 16, 8, 16, 32]}

CALC = """
import json, sys
import numpy as np

def plain(x):
    if isinstance(x, str):
        return x
    x = np.asarray(x).tolist()
    if isinstance(x, list):
        return [plain(v) for v in x]
    return [x.real, x.imag] if isinstance(x, complex) else x

print(json.dumps({k: plain(eval(e)) for k, e in json.loads(sys.argv[1]).items()}))
"""


def test_numpy_matches_native(tmp_path: Path) -> None:
    (tmp_path / "calc.py").write_text(CALC)
    arg = json.dumps(CASES)
    code, out, err = run(["/bin/python3", "calc.py", arg], tmp_path)
    assert code == 0, err
    wasm = json.loads(out)
    native = json.loads(
        subprocess.run(
            [sys.executable, str(tmp_path / "calc.py"), arg], capture_output=True, check=True
        ).stdout
    )
    assert native["version"] == numpy.__version__
    for name in CASES:
        if name in PLATFORM:
            assert wasm[name] == PLATFORM[name], name
        elif name in EXACT:
            assert wasm[name] == native[name], name
        else:
            assert numpy.allclose(wasm[name], native[name], rtol=1e-12, atol=1e-12), name


def test_start_up_does_not_import_numpy(tmp_path: Path) -> None:
    script = (
        "import sys; print('numpy' in sys.modules, "
        "'numpy.core._multiarray_umath' in sys.builtin_module_names)"
    )
    code, out, err = run(["/bin/python3", "-c", script], tmp_path)
    assert (code, out) == (0, "False True\n"), err


def test_extension_modules_are_built_in(tmp_path: Path) -> None:
    script = """
import numpy.core._multiarray_umath as m, numpy.random._pcg64 as p, numpy.linalg.lapack_lite as l
print(m.__spec__.origin, p.__name__, l.__spec__.parent)
"""
    code, out, err = run(["/bin/python3", "-c", script], tmp_path)
    assert (code, out) == (0, "built-in numpy.random._pcg64 numpy.linalg\n"), err


ERRORS = {
    "np.linalg.inv([[1.0, 2], [2, 4]])": "LinAlgError",  # numpy's float status (patch 0003)
    "np.array([1, 2]) // 0": "FloatingPointError",  # integer division by zero, under errstate
    "np.ones(2**31, 'u1')": "ValueError",  # more bytes than wasm32's intp counts: too big
    "np.ones(2**30, 'u1')": "MemoryError",  # over the process's memory limit (512 MiB)
}


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_are_python_exceptions(tmp_path: Path, expr: str) -> None:
    script = (
        "import numpy as np\nnp.seterr(all='raise')\n"
        f"try:\n    {expr}\nexcept Exception as e:\n    print(type(e).__name__)"
    )
    code, out, err = run(["/bin/python3", "-c", script], tmp_path)
    assert (code, out) == (0, ERRORS[expr] + "\n"), err


# numpy's own tests: numpy-tests.zip (not in the image) holds the package with its tests (np/)
# and pytest 7.2 and hypothesis 6.68 (pylib/), which numpy 1.24's tests and conftest need; they
# go into the machine's home for the run only. `make -C wasm/numpy` writes it to wasm/build
# (used when present); tests/data keeps the release's copy (3.5 MB), so that a checkout tests
# numpy without cross-building it (copy the new one there when numpy's recipe changes).
BUILT_TESTS = ROOT / "wasm" / "build" / "numpy" / "numpy-tests.zip"
NUMPY_TESTS = BUILT_TESTS if BUILT_TESTS.exists() else ROOT / "tests" / "data" / "numpy-tests.zip"
TIMEOUT = 600  # seconds per module
WORKERS = 2  # the machine has 2 cores
# numpy test module (under numpy/, without .py) = passes at least: one run of every module on
# 2026-12-04 (docs/wasm.md says what fails and why). Modules that cannot import (no _ctypes, no
# mmap) or only skip (SIMD, CPU features, Cython, limited API) are not listed.
BASELINE_TEXT = """
array_api/tests/test_array_object=24 array_api/tests/test_creation_functions=14
array_api/tests/test_data_type_functions=4 array_api/tests/test_elementwise_functions=2
array_api/tests/test_set_functions=2 array_api/tests/test_sorting_functions=4
array_api/tests/test_validation=3 compat/tests/test_compat=1 core/tests/test__exceptions=11
core/tests/test_abc=5 core/tests/test_api=62 core/tests/test_argparse=5
core/tests/test_array_coercion=192 core/tests/test_arraymethod=40
core/tests/test_arrayprint=45 core/tests/test_conversion_utils=27
core/tests/test_cpu_dispatcher=1 core/tests/test_custom_dtypes=29 core/tests/test_datetime=248
core/tests/test_defchararray=83 core/tests/test_deprecations=133 core/tests/test_dlpack=58
core/tests/test_einsum=64 core/tests/test_errstate=2 core/tests/test_extint128=13
core/tests/test_function_base=30 core/tests/test_getlimits=13 core/tests/test_half=36
core/tests/test_hashtable=9 core/tests/test_indexerrors=8 core/tests/test_indexing=82
core/tests/test_item_selection=5 core/tests/test_longdouble=31 core/tests/test_machar=1
core/tests/test_mem_overlap=25 core/tests/test_nditer=801 core/tests/test_nep50_promotions=24
core/tests/test_numeric=1362 core/tests/test_numerictypes=118 core/tests/test_overrides=126
core/tests/test_print=22 core/tests/test_protocols=2 core/tests/test_records=41
core/tests/test_regression=410 core/tests/test_scalar_ctors=162
core/tests/test_scalar_methods=113 core/tests/test_scalarbuffer=78
core/tests/test_scalarinherit=5 core/tests/test_scalarmath=329 core/tests/test_scalarprint=5
core/tests/test_shape_base=210 core/tests/test_strings=134 core/tests/test_umath=4182
core/tests/test_umath_complex=328 core/tests/test_unicode=76 fft/tests/test_helper=8
fft/tests/test_pocketfft=76 lib/tests/test__datasource=26 lib/tests/test__iotools=24
lib/tests/test__version=8 lib/tests/test_arraypad=607 lib/tests/test_arraysetops=74
lib/tests/test_arrayterator=1 lib/tests/test_financial_expired=1 lib/tests/test_format=37
lib/tests/test_function_base=864 lib/tests/test_histograms=57 lib/tests/test_index_tricks=47
lib/tests/test_loadtxt=276 lib/tests/test_mixins=11 lib/tests/test_nanfunctions=1048
lib/tests/test_packbits=280 lib/tests/test_polynomial=37 lib/tests/test_recfunctions=51
lib/tests/test_regression=27 lib/tests/test_shape_base=75 lib/tests/test_stride_tricks=26
lib/tests/test_twodim_base=37 lib/tests/test_type_check=52 lib/tests/test_ufunclike=6
lib/tests/test_utils=17 linalg/tests/test_deprecations=1 linalg/tests/test_linalg=384
linalg/tests/test_regression=9 ma/tests/test_core=4063 ma/tests/test_deprecations=4
ma/tests/test_extras=99 ma/tests/test_mrecords=24 ma/tests/test_old_ma=41
ma/tests/test_regression=13 ma/tests/test_subclassing=15 matrixlib/tests/test_defmatrix=43
matrixlib/tests/test_interaction=23 matrixlib/tests/test_masked_matrix=14
matrixlib/tests/test_matrix_linalg=120 matrixlib/tests/test_multiarray=2
matrixlib/tests/test_numeric=2 matrixlib/tests/test_regression=4
polynomial/tests/test_chebyshev=41 polynomial/tests/test_classes=237
polynomial/tests/test_hermite=34 polynomial/tests/test_hermite_e=34
polynomial/tests/test_laguerre=34 polynomial/tests/test_legendre=38
polynomial/tests/test_polynomial=35 polynomial/tests/test_polyutils=9
polynomial/tests/test_printing=75 polynomial/tests/test_symbol=52 random/tests/test_direct=3
random/tests/test_generator_mt19937=302 random/tests/test_generator_mt19937_regressions=12
random/tests/test_random=138 random/tests/test_randomstate=175
random/tests/test_randomstate_regression=18 random/tests/test_regression=11
random/tests/test_seed_sequence=2 random/tests/test_smoke=545 testing/tests/test_utils=139
"""
BASELINE = {m: int(n) for m, n in (e.split("=") for e in BASELINE_TEXT.split())}


@pytest.fixture(scope="session")
def numpy_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("numpy-tests")
    with zipfile.ZipFile(NUMPY_TESTS) as zf:
        zf.extractall(home)
    return home


def numpy_pytest(home: Path, module: str) -> batch.Result:
    script = (
        "cd /home/user/np && PYTHONPATH=/home/user/np:/home/user/pylib exec python3 -m pytest "
        f"-q -p no:cacheprovider -o addopts= numpy/{module}.py"
    )
    limits = Limits(tmp_bytes=256 << 20, memory_bytes=1 << 30)
    return batch.run(["/bin/sh", "-c", script], HostDir(home), b"", limits, TIMEOUT)


def counts(out: str) -> dict[str, int]:
    """pytest's summary line, e.g. '3 failed, 120 passed, 2 skipped in 4.1s'."""
    last = out.strip().splitlines()[-1] if out.strip() else ""
    return {k: int(n) for n, k in re.findall(r"(\d+) (\w+)", last)}


@pytest.fixture(scope="session")
def numpy_runs(request: pytest.FixtureRequest, numpy_home: Path):
    selected = [
        item.callspec.params["module"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_numpy_own_tests"
    ]
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = {m: pool.submit(numpy_pytest, numpy_home, m) for m in selected}
        yield futures
        for f in futures.values():
            f.cancel()


@pytest.mark.parametrize("module", sorted(BASELINE))
def test_numpy_own_tests(numpy_runs: dict[str, Future[batch.Result]], module: str) -> None:
    r = numpy_runs[module].result()
    out = r.stdout.decode(errors="replace")
    assert r.finished, f"{module} did not finish in {TIMEOUT} s:\n{out[-3000:]}"
    got = counts(out)
    assert got.get("passed", 0) >= BASELINE[module], out[-6000:] + r.stderr.decode()[-2000:]
