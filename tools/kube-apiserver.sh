#!/usr/bin/env bash
# Prints the path of kube-apiserver for the API-server validation (make
# test-k8s): the version pinned in tools/kube-apiserver/go.mod, built from
# the Go module proxy into the tools cache once and reused after. Says on
# stderr which binary is used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(sed -n 's/^require k8s.io\/kubernetes v//p' "$here/kube-apiserver/go.mod")"
minor="$(echo "$version" | cut -d. -f2)"
cache="${PLATFORM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform/tools}"
bin="$cache/kube-apiserver-v$version/kube-apiserver"
if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "v$version"; then
  echo "kube-apiserver: v$version, cached ($bin)" >&2
  echo "$bin"
  exit 0
fi
echo "kube-apiserver: building v$version from the Go module proxy into $cache (about 4 minutes, once)" >&2
mkdir -p "$(dirname "$bin")"
(cd "$here/kube-apiserver" && GOFLAGS=-mod=mod go build -trimpath \
  -ldflags "-X k8s.io/component-base/version.gitVersion=v$version -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor" \
  -o "$bin.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
mv "$bin.tmp" "$bin"
echo "kube-apiserver: v$version, built ($bin)" >&2
echo "$bin"
