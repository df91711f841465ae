#!/usr/bin/env bash
# Prints the path of amtool for the Alertmanager configuration check
# (make test-rules): the Alertmanager version pinned in
# tools/amtool/go.mod, the one kube-prometheus-stack deploys, built from
# the Go module proxy into the tools cache once and reused after. Says on
# stderr which binary is used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's/^require github.com\/prometheus\/alertmanager v//p' "$here/amtool/go.mod")"
cache="${PLATFORM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform/tools}"
bin="$cache/amtool-v$version/amtool"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "version $version"; then
  echo "amtool: $version, cached ($bin)" >&2
  echo "$bin"
  exit 0
fi
echo "amtool: building $version from the Go module proxy into $cache (once)" >&2
mkdir -p "$(dirname "$bin")"
(cd "$here/amtool" && GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-X github.com/prometheus/common/version.Version=$version" \
  -o "$bin.tmp" github.com/prometheus/alertmanager/cmd/amtool)
mv "$bin.tmp" "$bin"
echo "amtool: $version, built ($bin)" >&2
echo "$bin"
