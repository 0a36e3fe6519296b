#!/usr/bin/env bash
# Prints the path of the pgstream binary build-pgstream.sh makes, building it into .tools/ once per
# version and patch set (the name changes with either). The e2e tier (e2e/tools.sh) and the local
# runner image (images/build-local.sh) take it from here, so both run the same binary.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
version=$(cd "$root/e2e/tools/pgstream" && go list -m -f '{{.Version}}' github.com/xataio/pgstream)
patches=$(cat "$root"/images/pgstream-runner/patches/*.patch | sha256sum | cut -c1-8)
bin=$root/.tools/pgstream-$version-$patches
if [ ! -x "$bin" ]; then
  echo "building pgstream $version with images/pgstream-runner/patches" >&2
  mkdir -p "$root/.tools"
  "$root/images/pgstream-runner/build-pgstream.sh" "$bin"
fi
echo "$bin"
