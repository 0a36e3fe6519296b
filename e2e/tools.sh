#!/usr/bin/env bash
# Builds the real peers of the e2e tier from the Go module proxy into .tools/, once per version:
# pgstream (e2e/tools/pgstream, patched by images/pgstream-runner/build-pgstream.sh) and kube-apiserver, kubectl, etcd
# (e2e/tools/kube; with argument `node` also kube-controller-manager, kube-scheduler and kubelet). The versions
# are pinned by the go.mod/go.sum beside each tools.go; a second run finds the binaries and builds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=$PWD/.tools
mkdir -p "$TOOLS"

version() { (cd "e2e/tools/$1" && go list -m -f '{{.Version}}' "$2"); }

# pgstream as the runner image builds it, patches included; the name changes with the patches.
PGSTREAM_BIN=$(images/pgstream-runner/pgstream-bin.sh)

KUBE_VERSION=$(version kube k8s.io/kubernetes)
KUBE_DIR=$TOOLS/kube-$KUBE_VERSION
# The real-peer tier needs the API server and kubectl; `e2e/tools.sh node` (the real node) also the rest.
KUBE_CMDS="kube-apiserver kubectl"
if [ "${1:-}" = node ]; then
  KUBE_CMDS="$KUBE_CMDS kube-controller-manager kube-scheduler kubelet"
fi
missing=""
for cmd in $KUBE_CMDS etcd; do [ -x "$KUBE_DIR/$cmd" ] || missing="$missing $cmd"; done
if [ -n "$missing" ]; then
  echo "building$missing for Kubernetes $KUBE_VERSION" >&2
  minor=$(echo "$KUBE_VERSION" | cut -d. -f2)
  # What the release build stamps, so /version and kubectl's skew check see the real version.
  ldflags="-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1"
  ldflags="$ldflags -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1"
  ldflags="$ldflags -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  mkdir -p "$KUBE_DIR"
  for cmd in $missing; do
    if [ "$cmd" = etcd ]; then
      (cd e2e/tools/kube && go build -o "$KUBE_DIR/etcd" go.etcd.io/etcd/server/v3)
    else
      (cd e2e/tools/kube && go build -ldflags "$ldflags" -o "$KUBE_DIR/$cmd" "k8s.io/kubernetes/cmd/$cmd")
    fi
  done
fi

echo "PGSTREAM_BIN=$PGSTREAM_BIN"
echo "KUBE_BIN=$KUBE_DIR"
