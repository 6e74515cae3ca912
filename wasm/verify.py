"""Check wasm/dist against wasm/manifest.json; exit 1 if an artifact is missing or differs."""

from __future__ import annotations

import json
import sys

from manifest import DIST, HERE, sha256


def main() -> int:
    manifest = json.loads((HERE / "manifest.json").read_text())
    bad = [
        name
        for name, meta in manifest["artifacts"].items()
        if not (DIST / name).is_file() or sha256(DIST / name) != meta["sha256"]
    ]
    for name in bad:
        print(f"wasm artifact missing or changed: {name}", file=sys.stderr)
    return 1 if bad or not manifest["artifacts"] else 0


if __name__ == "__main__":
    sys.exit(main())
