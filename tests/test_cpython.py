"""CPython's own regression tests (Lib/test), run by regrtest inside python.wasm on a real session
machine, one session per test module. PASSING is a fixed list that passes today (docs/wasm.md
lists it with the known failures and why); a module that stops passing names itself."""

from __future__ import annotations

import subprocess
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from server.sessions import batch
from server.sessions.session import Limits
from server.sessions.vfs.hostdir import HostDir

ROOT = Path(__file__).resolve().parents[1]
TESTS_ZIP = ROOT / "wasm" / "build" / "python-tests.zip"
TIMEOUT = 120  # seconds per module; the slowest (test_statistics) takes about 9 s alone
WORKERS = 2  # the machine has 2 cores

PASSING_NAMES = """
abc abstract_numbers aifc __all__ array audioop augassign base64 baseexception bigmem binascii
binop bisect bool bufio builtin bytes bz2 calendar cgi cgitb charmapcodec class cmath cmd
code_module codeccallbacks codecencodings_cn codecencodings_hk codecencodings_iso2022
codecencodings_jp codecencodings_kr codecencodings_tw codecs codeop collections colorsys compare
compileall complex configparser contains context copy copyreg cprofile crypt csv dataclasses
datetime dbm dbm_dumb decimal decorators defaultdict deque descr descrtut dict dictcomps
dictviews difflib doctest2 dynamic dynamicclassattribute email enum enumerate eof errno
except_star exception_group exception_hierarchy exception_variations extcall file filecmp
fileinput float flufl fnmatch fractions frame fstring funcattrs functools future future3 future4
future5 __future__ generator_stop generators genericalias genericpath genexps getopt getpass
gettext glob global grammar graphlib grp gzip hash hashlib heapq hmac html htmlparser
http_cookiejar http_cookies imghdr index int int_literal ipaddress isinstance iter iterlen
itertools json keyword keywordonlyarg list listcomps locale _locale logging long longexp lzma
mailbox mailcap math memoryio memoryview metaclass mimetypes minidom modulefinder
named_expressions netrc nntplib ntpath numeric_tower opcache _opcode opcodes operator optparse
ordered_dict os pathlib patma peepholer pep646_syntax pickle picklebuffer pickletools pipes pkg
pkgutil platform plistlib positional_only_arg posixpath pow pprint print profile property pstats
pulldom pwd py_compile pyexpat quopri raise random range re reprlib richcmp rlcompleter
robotparser sax sched scope secrets set setcomps shelve shlex shutil signal site slice sndhdr
sort source_encoding stat statistics strftime string string_literals stringprep strptime strtod
struct structseq subclassinit sunau sundry super symtable syntax sys_setprofile sysconfig
tabnanny tarfile tempfile textwrap time timeit tokenize tomllib tracemalloc tuple
type_annotations type_comments typechecks types typing ucn unary unicode unicode_file
unicode_file_functions unicode_identifiers unicodedata univnewlines unpack unpack_ex unparse
urlparse userdict userlist userstring utf8source uu uuid warnings wave weakset with xdrlib
xml_dom_minicompat xml_etree xml_etree_c yield_from zipapp zipfile zipimport zlib zoneinfo
threading thread queue threading_local
"""
PASSING = PASSING_NAMES.split()
# Cases left out of a passing module (regrtest -i patterns), with why. The shipped tzdata wheel
# has newer 19th- and early 20th-century history (Dublin, Santiago, Sydney) than 3.11.2's tests
# expect: native python3.11 with the same wheel fails the same 26 cases.
# test_pickle's module race (a thread test, run since python.wasm has threads) writes its modules
# next to the stdlib, which is a read-only mount here. Thread modules:
IGNORED = {
    "zoneinfo": ["*TZDataTests.test_folds_*", "*TZDataTests.test_unambiguous"],
    "pickle": ["*test_unpickle_module_race"],
    # They need _testcapi (not built: --disable-test-modules).
    "threading": ["*SubinterpThreadingTests.test_threads_join*", "*test_frame_tstate_tracing"],
    # More threads at once than a process may have here (64).
    "queue": ["*test_many_threads*"],
}


@pytest.fixture(scope="session")
def tests_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home directory holding Lib/test as pytests/test (regrtest lists its own folder, so it
    cannot run from a zip). The zip is packed from the CPython source on first use."""
    if not TESTS_ZIP.exists():
        subprocess.run(["make", "-C", str(ROOT / "wasm" / "cpython"), "python-tests"], check=True)
    home = tmp_path_factory.mktemp("cpython-tests")
    with zipfile.ZipFile(TESTS_ZIP) as zf:
        zf.extractall(home / "pytests")
    return home


def regrtest(home: Path, module: str) -> batch.Result:
    # -W prints a failing module's output again, verbosely. lzma and large writes need /tmp room.
    ignore = "".join(f" -i '{p}'" for p in IGNORED.get(module.removeprefix("test_"), []))
    script = f"PYTHONPATH=/home/user/pytests exec python3 -m test -W{ignore} {module}"
    limits = Limits(tmp_bytes=256 << 20)
    return batch.run(["/bin/sh", "-c", script], HostDir(home), b"", limits, TIMEOUT)


@pytest.fixture(scope="session")
def runs(request: pytest.FixtureRequest, tests_home: Path):
    """Every selected module's regrtest run, started at once on WORKERS threads (one session
    each, sharing the home, so __pycache__ is written once); each test waits for its own."""
    selected = [
        item.callspec.params["module"]
        for item in request.session.items
        if getattr(item, "originalname", "") == "test_regrtest"
    ]
    with ThreadPoolExecutor(WORKERS) as pool:
        futures: dict[str, Future[batch.Result]] = {
            m: pool.submit(regrtest, tests_home, f"test_{m}") for m in selected
        }
        yield futures
        for f in futures.values():
            f.cancel()


@pytest.mark.parametrize("module", PASSING)
def test_regrtest(runs: dict[str, Future[batch.Result]], module: str) -> None:
    r = runs[module].result()
    out = r.stdout.decode(errors="replace")
    assert r.finished, f"test_{module} did not finish in {TIMEOUT} s:\n{out[-3000:]}"
    detail = out[-6000:] + r.stderr.decode(errors="replace")[-2000:]
    assert r.code == 0 and "Tests result: SUCCESS" in out, detail
    assert "\n1 test OK." in out, f"test_{module} was skipped:\n{detail}"  # not a whole-module skip
