"""Minimal text edits and their rebase: the rule for a shell write racing a browser edit."""

from __future__ import annotations

import random

from server.files import textdiff
from server.files.textdiff import apply, diff

ALPHABET = "ab\né😀 "


def rand(rng: random.Random, n: int) -> bytes:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, n))).encode()


def merge(base: bytes, ours: bytes, theirs: bytes) -> bytes:
    return apply(theirs, textdiff.merge(base, ours, theirs))


def test_diff_round_trips_on_character_boundaries() -> None:
    rng = random.Random(1)
    for _ in range(2000):
        a, b = rand(rng, 40), rand(rng, 40)
        edits = diff(a, b)
        assert apply(a, edits) == b
        for start, end, repl in edits:
            a[:start].decode(), a[start:end].decode(), repl.decode()


def test_append_is_one_small_insert() -> None:
    base = b"x" * 100_000
    assert diff(base, base + b"more\n") == [(100_000, 100_000, b"more\n")]


def test_separate_line_changes_stay_separate() -> None:
    a = b"one\ntwo\nthree\nfour\n"
    b = b"ONE\ntwo\nthree\nFOUR\n"
    assert [(s, e) for s, e, _ in diff(a, b)] == [(0, 3), (14, 18)]


def test_changes_in_different_places_both_survive() -> None:
    base = b"line1\nline2\nline3\nline4\n"
    shell = base.replace(b"line1", b"LINE1") + b"appended\n"
    browser = b"# top\n" + base.replace(b"line4", b"browser4")
    assert merge(base, shell, browser) == b"# top\nLINE1\nline2\nline3\nbrowser4\nappended\n"


def test_overlapping_change_shell_wins_its_region() -> None:
    base = b"a\nb\nc\n"
    assert merge(base, b"a\nSHELL\nc\n", b"a\nbrowser\nc\n") == b"a\nSHELL\nc\n"


def test_whole_line_diffs_round_trip() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        a, b = rand(rng, 40), rand(rng, 40)
        edits = diff(a, b, whole_lines=True)
        assert apply(a, edits) == b
        for start, end, _ in edits:
            assert start == 0 or a[start - 1] == 0x0A
            assert end in (0, len(a)) or a[end - 1] == 0x0A


def test_random_merges_are_valid_utf8_and_identity_without_concurrency() -> None:
    rng = random.Random(2)
    for _ in range(2000):
        base, ours, theirs = rand(rng, 30), rand(rng, 30), rand(rng, 30)
        merge(base, ours, theirs).decode()
        assert merge(base, ours, base) == ours
        assert merge(base, base, theirs) == theirs
