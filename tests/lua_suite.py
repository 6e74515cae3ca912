"""Lua's official test suite (lua-5.3.4-tests) as npm's fengari 0.1.5 ships it: each Jest test in
`test/test-suite/*.test.js` embeds a chunk of the official .lua files as a JS template literal and
loads it with `luaL_loadstring` (or `luaL_loadbuffer`/`luaL_loadfile`). This module reads those JS
files with a small tokenizer and gives back each test case's Lua source and chunk name, exactly as
fengari's harness would load it. `python tests/lua_suite.py [DIR]` writes the cases out as files.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# tests/luasuite/package.json pins fengari; `make luasuite` (part of `make test`) installs it.
PACKAGE_DIR = ROOT / "tests" / "luasuite"
SUITE = PACKAGE_DIR / "node_modules" / "fengari" / "test" / "test-suite"


@dataclass(frozen=True)
class Case:
    file: str  # "strings" for strings.test.js
    name: str  # the Jest test's name, "[test-suite] strings: ..." without the prefix
    source: bytes  # the chunk, UTF-8 as fengari's to_luastring makes it
    chunkname: bytes  # what fengari's load call named it (luaL_loadstring: the source itself)
    needs_ltests: bool  # uses fengari's JS-only `T` library (ltests.js), which lua.c lacks
    jest_skipped: bool  # `test.skip` in fengari (the chunk is still official Lua code)

    @property
    def id(self) -> str:
        return f"{self.file}: {self.name}"


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "punct", "str" (a string or template literal, cooked), "num"
    text: str


TOKEN = re.compile(
    r"(?P<space>\s+)|(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<name>[A-Za-z_$][\w$]*)"
    r"|(?P<num>\d+(?:\.\d+)?)|(?P<quote>[`'\"])|(?P<punct>=>|===|!==|==|!=|&&|\|\||[^\s\w])",
    re.S,
)
# `T.testC(...)`, `T[...]`, `require('T')`, but not `packsize("T")` or `T = t`: fengari opens T in
# more tests than use it (luaopen_tests in events.test.js), so what counts is the use.
USES_T = re.compile(rb"""(?<![\w.'"])T\s*[.\[:]|require\s*\(?\s*['"]T['"]""")
SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def tokenize(js: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(js):
        m = TOKEN.match(js, pos)
        if m is None:
            raise ValueError(f"cannot tokenize at {js[pos : pos + 40]!r}")
        kind = m.lastgroup
        assert kind is not None
        if kind == "quote":
            text, pos = read_string(js, m.end(), m.group())
            tokens.append(Token("str", text))
            continue
        if kind not in ("space", "comment"):
            tokens.append(Token(kind, m.group()))
        pos = m.end()
    return tokens


def read_string(js: str, pos: int, quote: str) -> tuple[str, int]:
    """Cook a string or template literal's body from pos (after the opening quote): the JS string
    value and the position after the closing quote. No `${}` substitutions occur in the suite."""
    out: list[str] = []
    while True:
        c = js[pos]
        if c == quote:
            return "".join(out), pos + 1
        if c == "\\":
            e = js[pos + 1]
            pos += 2
            if e == "\r" and js[pos] == "\n":
                pos += 1
            if e in "\r\n\u2028\u2029":
                continue  # line continuation
            if e == "x":
                out.append(chr(int(js[pos : pos + 2], 16)))
                pos += 2
            elif e == "u" and js[pos] == "{":
                end = js.index("}", pos)
                out.append(chr(int(js[pos + 1 : end], 16)))
                pos = end + 1
            elif e == "u":
                out.append(chr(int(js[pos : pos + 4], 16)))
                pos += 4
            elif e in "123456789" or (e == "0" and js[pos].isdigit()):
                raise ValueError("octal escapes are not allowed in template literals")
            else:
                out.append(SIMPLE_ESCAPES.get(e, e))
            continue
        if c == "$" and quote == "`" and js[pos + 1] == "{":
            raise ValueError("template substitutions are not supported")
        if c == "\r" and quote == "`":
            c = "\n"  # templates normalise CRLF and CR to LF
            if js[pos + 1] == "\n":
                pos += 1
        elif c == "\n" and quote != "`":
            raise ValueError("unterminated string literal")
        out.append(c)
        pos += 1


class Parser:
    """Walks one .test.js file's tokens: top-level `const X = <string expr>;` and `test(...)` or
    `test.skip(...)` blocks whose bodies assign `luaCode` and call one luaL_load* function."""

    def __init__(self, tokens: list[Token], suite: Path) -> None:
        self.t = tokens
        self.i = 0
        self.suite = suite
        self.consts: dict[str, str] = {}

    def peek(self, *texts: str) -> bool:
        return all(
            self.i + k < len(self.t) and self.t[self.i + k].text == text
            for k, text in enumerate(texts)
        )

    def expect(self, text: str) -> Token:
        tok = self.t[self.i]
        if tok.text != text:
            raise ValueError(f"expected {text!r}, got {tok.text!r} at token {self.i}")
        self.i += 1
        return tok

    def string_expr(self, scope: dict[str, str]) -> str:
        """A `+`-joined sum of literals and known names, up to `;` or `)`."""
        parts: list[str] = []
        while True:
            tok = self.t[self.i]
            self.i += 1
            if tok.kind == "str":
                parts.append(tok.text)
            elif tok.kind == "name" and tok.text in scope:
                parts.append(scope[tok.text])
            else:
                raise ValueError(f"not a string expression: {tok.text!r}")
            if not self.peek("+"):
                return "".join(parts)
            self.i += 1

    def cases(self, file: str) -> list[Case]:
        found: list[Case] = []
        while self.i < len(self.t):
            if self.peek("const") and self.t[self.i + 3].kind == "str":
                name = self.t[self.i + 1].text
                self.i += 3
                self.consts[name] = self.string_expr(self.consts)
            elif self.peek("test", "(") or self.peek("test", ".", "skip", "("):
                skipped = self.peek("test", ".")
                self.i += 4 if skipped else 2
                title = self.t[self.i].text
                self.i += 1
                self.expect(",")
                case = self.test_body(file, title, skipped)
                if case is not None:
                    found.append(case)
            else:
                self.i += 1
        return found

    def test_body(self, file: str, title: str, skipped: bool) -> Case | None:
        for text in ("(", ")", "=>", "{"):
            self.expect(text)
        scope = dict(self.consts)
        depth = 1
        loads: list[tuple[bytes, bytes]] = []  # (source, chunkname)
        while depth:
            if self.peek("let") and self.t[self.i + 2].text == "=":
                var = self.t[self.i + 1].text
                self.i += 3
                if self.peek("to_luastring", "("):  # let b = to_luastring(luaCode)
                    self.i += 2
                    scope[var] = self.string_expr(scope)
                    self.expect(")")
                elif self.t[self.i].kind == "str" or self.t[self.i].text in scope:
                    scope[var] = self.string_expr(scope)
                continue
            for fn in ("luaL_loadstring", "luaL_loadbuffer", "luaL_loadfile"):
                if self.peek(fn, "(", "L", ","):
                    self.i += 4
                    loads.append(self.load_call(fn, scope))
            tok = self.t[self.i]
            depth += {"{": 1, "}": -1}.get(tok.text, 0) if tok.kind == "punct" else 0
            self.i += 1
        if skipped and not loads:
            return None  # an empty placeholder
        if len(loads) != 1:
            raise ValueError(f"{file}: {title!r} loads {len(loads)} chunks, expected one")
        source, chunkname = loads[0]
        name = title.removeprefix("[test-suite] ").removeprefix(f"{file}: ")
        return Case(file, name, source, chunkname, USES_T.search(source) is not None, skipped)

    def load_call(self, fn: str, scope: dict[str, str]) -> tuple[bytes, bytes]:
        if fn == "luaL_loadfile":  # luaL_loadfile(L, to_luastring("test/test-suite/pm-x.lua"))
            self.expect("to_luastring")
            self.expect("(")
            path = self.string_expr({})
            # pm-*.lua are files because their Latin-1 bytes do not fit a JS string
            return (self.suite / Path(path).name).read_bytes(), ("@" + path).encode()
        if self.peek("to_luastring", "("):
            self.i += 2
            source = self.string_expr(scope)
            self.expect(")")
        else:
            source = scope[self.t[self.i].text]
            self.i += 1
        if fn == "luaL_loadstring":
            return to_luastring(source), to_luastring(source)
        # luaL_loadbuffer(L, b, b.length, to_luastring("@db.lua"))
        while not self.peek("to_luastring", "("):
            self.i += 1
        self.i += 2
        return to_luastring(source), to_luastring(self.string_expr({}))


def to_luastring(text: str) -> bytes:
    """fengari's to_luastring: UTF-8 of the JS string's UTF-16 code units, surrogate pairs joined
    and lone surrogates encoded as themselves."""
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return joined.encode("utf-8", "surrogatepass")


def load_cases(suite: Path = SUITE) -> list[Case]:
    """Every test case of every *.test.js in suite, in file order."""
    cases: list[Case] = []
    for path in sorted(suite.glob("*.test.js")):
        file = path.name.removesuffix(".test.js")
        cases += Parser(tokenize(path.read_text()), suite).cases(file)
    # nextvar.test.js has two tests named "JS tests": number repeats so that ids stay unique
    seen: dict[str, int] = {}
    for n, case in enumerate(cases):
        seen[case.id] = seen.get(case.id, 0) + 1
        if seen[case.id] > 1:
            cases[n] = replace(case, name=f"{case.name} #{seen[case.id]}")
    return cases


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else Path("lua-suite-cases")
    for n, case in enumerate(load_cases()):
        (out / case.file).mkdir(parents=True, exist_ok=True)
        flags = " (needs T)" * case.needs_ltests + " (test.skip)" * case.jest_skipped
        (out / case.file / f"{n:03d}.lua").write_bytes(case.source)
        print(f"{n:03d} {case.id}{flags}")


if __name__ == "__main__":
    main(sys.argv[1:])
