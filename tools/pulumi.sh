#!/usr/bin/env bash
# Prints the path of a Pulumi CLI for the real-engine tests (make e2e):
# a `pulumi` on PATH at least as new as the pinned version, else the pinned
# version built from the Go module proxy through the wrapper module in
# tools/pulumi into the tools cache, where later runs reuse it.
# Says on stderr which CLI is used and where it came from.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's/^require github.com\/pulumi\/pulumi\/pkg\/v3 v//p' "$here/pulumi/go.mod")"
cache="${PLATFORM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform/tools}"
cached="$cache/pulumi-v$version/pulumi"

# newer_or_equal A B: A >= B for dotted versions.
newer_or_equal() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }

if ambient="$(command -v pulumi 2>/dev/null)" && [ "$ambient" != "$cached" ]; then
  have="$(pulumi version 2>/dev/null | sed 's/^v//')"
  if [ -n "$have" ] && newer_or_equal "$have" "$version"; then
    echo "Pulumi CLI: v$have from PATH ($ambient)" >&2
    echo "$ambient"
    exit 0
  fi
fi
if [ -x "$cached" ] && [ "$("$cached" version 2>/dev/null)" = "v$version" ]; then
  echo "Pulumi CLI: v$version, cached ($cached)" >&2
  echo "$cached"
  exit 0
fi
echo "Pulumi CLI: building v$version from the Go module proxy into $cache (about 4 minutes, once)" >&2
mkdir -p "$(dirname "$cached")"
(cd "$here/pulumi" && GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
  -o "$cached.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
mv "$cached.tmp" "$cached"
echo "Pulumi CLI: v$version, built ($cached)" >&2
echo "$cached"
