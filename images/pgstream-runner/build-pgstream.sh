#!/usr/bin/env bash
# Builds pgstream into $1: the version e2e/tools/pgstream/go.mod pins, from the Go module proxy, with
# the patches in images/pgstream-runner/patches/ applied in name order (each says what it fixes and
# how it was measured). The runner image and the e2e tier both build pgstream with this script, so
# the binary the tests prove is the binary the image ships.
set -euo pipefail
out=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
pin=$root/e2e/tools/pgstream
version=$(cd "$pin" && go list -m -f '{{.Version}}' github.com/xataio/pgstream)
work=$(mktemp -d)
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
(cd "$pin" && go mod download github.com/xataio/pgstream)
cp -r "$(cd "$pin" && go list -m -f '{{.Dir}}' github.com/xataio/pgstream)" "$work/pgstream"
chmod -R u+w "$work/pgstream"
for patch in "$root"/images/pgstream-runner/patches/*.patch; do
  (cd "$work/pgstream" && git apply "$patch")
done
cp "$pin/go.mod" "$pin/go.sum" "$pin/tools.go" "$work/"
cd "$work"
go mod edit -replace "github.com/xataio/pgstream=$work/pgstream"
CGO_ENABLED=0 go build -trimpath -ldflags "-X github.com/xataio/pgstream/cmd.Version=$version" -o "$out" github.com/xataio/pgstream
