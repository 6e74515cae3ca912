#!/usr/bin/env bash
# fetch-source.sh PKG=VERSION DEST: unpack a Debian source package (with Debian's patches applied)
# into DEST, through apt.sh's private apt state (the machine's apt setup is never touched).
set -euo pipefail
spec=$1 dest=$2
here=$(cd "$(dirname "$0")" && pwd)
state=${COWASM_APT_STATE:-$here/build/apt}
mkdir -p "$state"
tmp=$(mktemp -d "$state/src.XXXXXX")
(cd "$tmp" && "$here/apt.sh" source "$spec" >/dev/null 2>&1 || { cd "$tmp" && "$here/apt.sh" source "$spec"; })
dir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
rm -rf "$dest"; mkdir -p "$(dirname "$dest")"; mv "$dir" "$dest"
mkdir -p "$state/tarballs"; mv "$tmp"/*.tar.* "$state/tarballs/" 2>/dev/null || true
rm -rf "$tmp"
echo "fetched $spec -> $dest"
