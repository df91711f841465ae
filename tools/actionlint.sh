#!/usr/bin/env bash
# Prints the path of actionlint for the workflow tests
# (tests/workflows_test.go, PLATFORM_ACTIONLINT): the version pinned in
# tools/actionlint/go.mod, built from the Go module proxy into the tools
# cache once and reused after. Says on stderr which binary is used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's/^require github.com\/rhysd\/actionlint v//p' "$here/actionlint/go.mod")"
if [ -z "$version" ]; then
  echo "actionlint: no 'require github.com/rhysd/actionlint vX.Y.Z' line in $here/actionlint/go.mod" >&2
  exit 1
fi
cache="${PLATFORM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform/tools}"
bin="$cache/actionlint-v$version/actionlint"
if [ -x "$bin" ] && [ "$("$bin" -version 2>/dev/null | head -n1)" = "$version" ]; then
  echo "actionlint: $version, cached ($bin)" >&2
  echo "$bin"
  exit 0
fi
echo "actionlint: building $version from the Go module proxy into $cache (once)" >&2
mkdir -p "$(dirname "$bin")"
(cd "$here/actionlint" && GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-X github.com/rhysd/actionlint.version=$version" \
  -o "$bin.tmp" github.com/rhysd/actionlint/cmd/actionlint)
mv "$bin.tmp" "$bin"
echo "actionlint: $version, built ($bin)" >&2
echo "$bin"
