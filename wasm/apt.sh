#!/usr/bin/env bash
# apt.sh ARGS...: apt-get ARGS with a private apt state directory, so the machine's apt setup is
# never touched. Its deb-src list is derived from the machine's own apt sources: no registry host
# name lives in this repo. Used by fetch-source.sh and the PGO tools (wasm/pgo).
set -euo pipefail
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
exec apt-get "${opts[@]}" "$@"
