"""Minimal edits between two versions of a UTF-8 text, and their rebase onto a third version.

Offsets are UTF-8 byte offsets because that is how pycrdt indexes a Text; every edit boundary
falls on a character boundary. An edit is (start, end, replacement): replace bytes [start, end)
of the old version with `replacement`.
"""

from __future__ import annotations

from difflib import SequenceMatcher

Edit = tuple[int, int, bytes]

_CHUNK = 4096
_MAX_DIFF_LINES = 20_000  # beyond this the changed middle is replaced wholesale (diff is O(n^2))


def _is_cont(data: bytes, i: int) -> bool:
    return i < len(data) and data[i] & 0xC0 == 0x80


def _prefix_len(a: bytes, b: bytes) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i : i + _CHUNK] == b[i : i + _CHUNK]:  # memcmp per chunk
        i += _CHUNK
    i = min(i, n)
    while i < n and a[i] == b[i]:
        i += 1
    # back off to a character boundary (same bytes before i, so either side tells)
    while i > 0 and (_is_cont(a, i) or _is_cont(b, i)):
        i -= 1
    return i


def _suffix_len(a: bytes, b: bytes, limit: int) -> int:
    """Common suffix length, not reaching into the first `limit` bytes of either side."""
    la, lb = len(a), len(b)
    n = min(la, lb) - limit
    i = 0
    while i + _CHUNK <= n and a[la - i - _CHUNK : la - i] == b[lb - i - _CHUNK : lb - i]:
        i += _CHUNK
    while i < n and a[la - i - 1] == b[lb - i - 1]:
        i += 1
    # the suffix must start on a character boundary
    while i > 0 and _is_cont(a, len(a) - i):
        i -= 1
    return i


def _trimmed(a: bytes, b: bytes, a0: int) -> list[Edit]:
    """One edit covering the differing middle of a and b (offsets shifted by a0), or none."""
    p = _prefix_len(a, b)
    s = _suffix_len(a, b, p)
    if p == len(a) - s and p == len(b) - s:
        return []
    return [(a0 + p, a0 + len(a) - s, b[p : len(b) - s])]


def diff(a: bytes, b: bytes, whole_lines: bool = False) -> list[Edit]:
    """Edits turning a into b, in increasing order, non-overlapping: prefix/suffix trim, then a
    line diff of the middle so that separate changes in a file stay separate edits. With
    whole_lines every edit covers whole lines (what rebase needs to tell which lines both
    sides touched); otherwise edits are trimmed to the characters that changed."""
    p = _prefix_len(a, b)
    s = _suffix_len(a, b, p)
    if whole_lines and (p < len(a) or p < len(b)):
        p = a.rfind(b"\n", 0, p) + 1  # back to the start of the line
        q = len(a) - s
        if 0 < q < len(a) and a[q - 1] != 0x0A:  # on to the start of the next line
            nl = a.find(b"\n", q)
            s = 0 if nl < 0 else len(a) - nl - 1
    am, bm = a[p : len(a) - s], b[p : len(b) - s]
    if not am and not bm:
        return []
    if not am or not bm:
        return [(p, p + len(am), bm)]
    al, bl = am.splitlines(keepends=True), bm.splitlines(keepends=True)
    if (len(al) < 2 and len(bl) < 2) or len(al) + len(bl) > _MAX_DIFF_LINES:
        return [(p, p + len(am), bm)]
    aoff = [0]
    for line in al:
        aoff.append(aoff[-1] + len(line))
    boff = [0]
    for line in bl:
        boff.append(boff[-1] + len(line))
    edits: list[Edit] = []
    matcher = SequenceMatcher(None, al, bl, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old, new = am[aoff[i1] : aoff[i2]], bm[boff[j1] : boff[j2]]
        if whole_lines:
            edits.append((p + aoff[i1], p + aoff[i2], new))
        else:
            edits.extend(_trimmed(old, new, p + aoff[i1]))
    return edits


def apply(a: bytes, edits: list[Edit]) -> bytes:
    out, pos = [], 0
    for start, end, repl in edits:
        out += [a[pos:start], repl]
        pos = end
    out.append(a[pos:])
    return b"".join(out)


def merge(base: bytes, ours: bytes, theirs: bytes) -> list[Edit]:
    """Edits that bring `theirs` (the live text) to include our change from base to ours:
    lines changed by only one side keep that side's version; where both changed the same lines
    ours wins over that region."""
    if theirs == base:
        return diff(base, ours)
    return rebase(diff(base, ours, True), diff(base, theirs, True))


def rebase(ours: list[Edit], theirs: list[Edit]) -> list[Edit]:
    """Move `ours` (made against base) onto base+theirs. Outside the regions both sides changed
    both survive; where our edit touches a region they changed, ours replaces that region."""

    def shift(pos: int, is_end: bool) -> int:
        delta = 0
        for start, end, repl in theirs:
            if start == end:  # their insertion: our starts go after it, our ends before it
                if pos < start or (pos == start and is_end):
                    break
            elif pos <= start:
                break
            elif pos < end:  # inside their replaced range: ours covers all of it
                return start + delta + (len(repl) if is_end else 0)
            delta += len(repl) - (end - start)
        return pos + delta

    out: list[Edit] = []
    last = 0
    for start, end, repl in ours:
        s, e = shift(start, False), shift(end, True)
        s = max(s, last)
        e = max(e, s)
        out.append((s, e, repl))
        last = e
    return out
