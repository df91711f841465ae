#!/usr/bin/env bash
# Prints the path of promtool for the rule tests (make test-rules): the
# Prometheus version pinned in tools/promtool/go.mod (v0.316.0 is
# Prometheus 3.16), built from the Go module proxy into the tools cache
# once and reused after. Says on stderr which binary is used.
# `promtool.sh replay` prints the path of the alert replay command
# (tools/promtool/replay, the same Prometheus), rebuilt when its source
# changes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
module="$(sed -n 's/^\(require \)\{0,1\}[[:space:]]*github.com\/prometheus\/prometheus v0\.\([0-9]*\)\.\([0-9]*\)$/\2 \3/p' "$here/promtool/go.mod")"
read -r mm patch <<<"$module"
version="$((mm / 100)).$((mm % 100)).$patch"
cache="${PLATFORM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform/tools}"
if [ "${1:-}" = replay ]; then
  sum="$(sha256sum "$here/promtool/replay/main.go" "$here/promtool/go.sum" | sha256sum | cut -c1-12)"
  bin="$cache/promtool-v$version/replay-$sum"
  if [ ! -x "$bin" ]; then
    echo "replay: building against Prometheus $version into $cache" >&2
    mkdir -p "$(dirname "$bin")"
    (cd "$here/promtool" && GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp" ./replay)
    mv "$bin.tmp" "$bin"
  fi
  echo "replay: Prometheus $version rule engine ($bin)" >&2
  echo "$bin"
  exit 0
fi
bin="$cache/promtool-v$version/promtool"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "version $version"; then
  echo "promtool: $version, cached ($bin)" >&2
  echo "$bin"
  exit 0
fi
echo "promtool: building $version from the Go module proxy into $cache (about 4 minutes, once)" >&2
mkdir -p "$(dirname "$bin")"
(cd "$here/promtool" && GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-X github.com/prometheus/common/version.Version=$version" \
  -o "$bin.tmp" github.com/prometheus/prometheus/cmd/promtool)
mv "$bin.tmp" "$bin"
echo "promtool: $version, built ($bin)" >&2
echo "$bin"
