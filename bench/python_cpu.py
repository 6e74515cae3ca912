"""Mixed CPU benchmark: wasm CPython (wasm/dist/python.wasm) against the host's native python3.11,
in one run. Each section runs REPEAT times in the same interpreter, and the two interpreters take
ROUNDS turns (native, wasm, native, wasm ...) so that load from other work hits both; the best
time counts. Prints per-section wasm/native ratios, absolute times, and the geometric mean (the
bar: <= 1.5x); also the median of each round's paired wasm/native ratio.

The wasm side runs as a real session machine would run it: `python3` under the kernel.
"""

from __future__ import annotations

import shutil
import statistics

from bench._versus import TIME_SECTIONS, best, geomean, race_python

REPEAT = 3
ROUNDS = 7
WORKLOAD = (
    r"""
import json, re, sys, time
from decimal import Decimal, getcontext

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)

def loops():
    total = 0
    for i in range(600_000):
        total += i * i % 7
    return total + sum(range(3_000_000))

def strings():
    parts = [str(i) * 3 for i in range(60_000)]
    s = ",".join(parts)
    return len(s.upper().split(",")) + s.count("12") + len(s.replace("1", "one"))

def dicts():
    d = {}
    for i in range(150_000):
        d[f"k{i}"] = i
    return sum(d[f"k{i}"] for i in range(0, 150_000, 3)) + len({v: k for k, v in d.items()})

class Point:
    __slots__ = ("x", "y")
    def __init__(self, x, y):
        self.x, self.y = x, y
    def dist2(self, other):
        return (self.x - other.x) ** 2 + (self.y - other.y) ** 2

class Node:
    def __init__(self, value, left=None, right=None):
        self.value, self.left, self.right = value, left, right
    def total(self):
        kids = (self.left, self.right)
        return self.value + sum(k.total() for k in kids if k)

def tree(depth):
    return Node(depth) if depth == 0 else Node(depth, tree(depth - 1), tree(depth - 1))

def classes():
    pts = [Point(i, i * 2) for i in range(60_000)]
    return sum(a.dist2(b) for a, b in zip(pts, pts[1:])) + tree(14).total()

def sorting():
    data = [(i * 7919) % 100_003 for i in range(200_000)]
    words = [str(x) for x in data[:60_000]]
    return sorted(data)[100] + len(sorted(words, key=len)) + sorted(data, reverse=True)[0]

def regex():
    text = " ".join(f"user{i}@host{i % 97}.example.org id={i}" for i in range(20_000))
    pat = re.compile(r"(\w+)@(\w+)\.example\.org id=(\d+)")
    return sum(int(m.group(3)) for m in pat.finditer(text)) + len(re.sub(r"\d+", "#", text))

def jsons():
    doc = [{"id": i, "name": f"item{i}", "tags": ["a", str(i)], "price": i * 1.5}
           for i in range(20_000)]
    s = json.dumps(doc)
    return len(s) + len(json.loads(s))

def decimals():
    getcontext().prec = 30
    total = Decimal(0)
    for i in range(1, 40_000):
        total += Decimal(1) / Decimal(i)
    return total

SECTIONS = {"recursion": lambda: fib(24), "loops": loops, "strings": strings, "dicts": dicts,
            "classes": classes, "sorting": sorting, "regex": regex, "json": jsons,
            "decimal": decimals}
best = {}
"""
    + TIME_SECTIONS
)


def native_python() -> str:
    """Debian's python3.11 if present (same version as the wasm build), else python3."""
    return shutil.which("python3.11", path="/usr/bin") or shutil.which("python3") or "python3"


def main() -> None:
    rounds = race_python(WORKLOAD, native_python(), REPEAT, ROUNDS)
    native, wasm = best(rounds)
    # The host's speed drifts by up to 2x for minutes at a time (docs/wasm.md), so besides the
    # ratio of each side's best time, each round's wasm time is also divided by the native time
    # measured seconds before it: the median of those paired ratios shrugs off a side that
    # happened to stay in a slow phase.
    paired = {
        k: statistics.median(
            w[k] / n[k] for n, w in zip(rounds["native"], rounds["wasm"], strict=True)
        )
        for k in native
    }
    print(f"{'section':10s} {'native s':>9s} {'wasm s':>9s} {'ratio':>6s} {'paired':>7s}")
    for k in native:
        print(
            f"{k:10s} {native[k]:9.3f} {wasm[k]:9.3f} {wasm[k] / native[k]:6.2f}x {paired[k]:6.2f}x"
        )
    total_n, total_w = sum(native.values()), sum(wasm.values())
    print(f"{'total':10s} {total_n:9.3f} {total_w:9.3f} {total_w / total_n:6.2f}x")
    geo = geomean([wasm[k] / native[k] for k in native])
    print(f"geometric mean of ratios: {geo:.2f}x (bar: 1.5x; native = {native_python()})")
    print(f"geometric mean of paired medians: {geomean(list(paired.values())):.2f}x")
    totals = {side: [sum(r.values()) for r in rs] for side, rs in rounds.items()}
    spread = ", ".join(f"{side} {min(t):.3f}-{max(t):.3f} s" for side, t in totals.items())
    print(f"per-round totals (best of {REPEAT} each): {spread}")


if __name__ == "__main__":
    main()
