#!/usr/bin/env bash
# fetch-source.sh PKG=VERSION DEST: unpack a Debian source package (with Debian's patches applied)
# into DEST, without touching the machine's apt setup. A private apt state directory gets a deb-src
# list derived from the machine's own apt sources, so no registry host name lives in this repo.
set -euo pipefail
spec=$1 dest=$2
here=$(cd "$(dirname "$0")" && pwd)
state=${COWASM_APT_STATE:-$here/build/apt}
mkdir -p "$state/sources.list.d" "$state/lists/partial" "$state/archives/partial"
opts=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$state/sources.list.d"
      -o Dir::State::Lists="$state/lists" -o Dir::Cache::Archives="$state/archives"
      -o APT::Sandbox::User=root -qq)
if [ ! -e "$state/updated" ]; then
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] && sed 's/^Types: deb$/Types: deb deb-src/' "$f" > "$state/sources.list.d/$(basename "$f")"
  done
  if [ -s /etc/apt/sources.list ]; then
    grep -E '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' > "$state/sources.list.d/machine.list" || true
  fi
  apt-get "${opts[@]}" update
  touch "$state/updated"
fi
tmp=$(mktemp -d "$state/src.XXXXXX")
(cd "$tmp" && apt-get "${opts[@]}" source "$spec" >/dev/null 2>&1 || { cd "$tmp" && apt-get "${opts[@]}" source "$spec"; })
dir=$(find "$tmp" -mindepth 1 -maxdepth 1 -type d | head -n1)
rm -rf "$dest"; mkdir -p "$(dirname "$dest")"; mv "$dir" "$dest"
mkdir -p "$state/tarballs"; mv "$tmp"/*.tar.* "$state/tarballs/" 2>/dev/null || true
rm -rf "$tmp"
echo "fetched $spec -> $dest"
