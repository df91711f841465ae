#!/usr/bin/env bash
# Prints the path of the LogQL checker for the rule tests (make
# test-rules): tools/logql/main.go built against the Loki version pinned
# in tools/logql/go.mod, whose parser the Loki ruler runs on the
# log-based alerts, from the Go module proxy into the tools cache once and
# reused after (rebuilt when the checker's source or pins change). Says on
# stderr which binary is used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's/^\(require \)\{0,1\}[[:space:]]*github.com\/grafana\/loki\/v3 v\([0-9.]*\)$/\2/p' "$here/logql/go.mod")"
if [ -z "$version" ]; then
  echo "logql: no github.com/grafana/loki/v3 version in $here/logql/go.mod" >&2
  exit 1
fi
cache="${PLATFORM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform/tools}"
sum="$(sha256sum "$here/logql/main.go" "$here/logql/go.mod" "$here/logql/go.sum" | sha256sum | cut -c1-12)"
bin="$cache/logql-v$version/logql-$sum"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "version v$version"; then
  echo "logql: Loki $version parser, cached ($bin)" >&2
  echo "$bin"
  exit 0
fi
echo "logql: building against Loki $version from the Go module proxy into $cache (once)" >&2
mkdir -p "$(dirname "$bin")"
(cd "$here/logql" && GOFLAGS=-mod=mod go build -trimpath -o "$bin.tmp" .)
mv "$bin.tmp" "$bin"
echo "logql: Loki $version parser, built ($bin)" >&2
echo "$bin"
