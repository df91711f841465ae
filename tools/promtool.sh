#!/usr/bin/env bash
# Prints the path of promtool for the rule tests (make test-rules): the
# Prometheus version pinned in tools/promtool/go.mod (v0.316.0 is
# Prometheus 3.16), built from the Go module proxy into the tools cache
# once and reused after. Says on stderr which binary is used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
module="$(sed -n 's/^require github.com\/prometheus\/prometheus v0\.\([0-9]*\)\.\([0-9]*\)$/\1 \2/p' "$here/promtool/go.mod")"
read -r mm patch <<<"$module"
version="$((mm / 100)).$((mm % 100)).$patch"
cache="${PLATFORM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform/tools}"
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
