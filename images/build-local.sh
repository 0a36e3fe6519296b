#!/usr/bin/env bash
# Builds the project's images on a machine that reaches no image registry and runs no Docker daemon,
# by the recipes users run against registries, with bases built here from Debian packages
# (images/base/build.sh):
#   operator  Jib (pom.xml's jib-maven-plugin) from tar://<the jre base>
#   runner    buildah bud of images/pgstream-runner/Containerfile from oci-archive:<the pg-client
#             base> (PostgreSQL 15's client, Debian 12's), with the pgstream binary the e2e tier runs
# into target/images/ (IMAGES_OUT), and prints one line per image: its tarball and its name:tag,
# which also go to target/images/images.txt. Each tarball imports with `ctr -n k8s.io image import`.
# Needs root, debootstrap, buildah, python3, Maven and Go.
set -euo pipefail
what=${1:-all}
cd "$(dirname "$0")/.."
out=${IMAGES_OUT:-$PWD/target/images}
mkdir -p "$out"

operator() {
  local base
  base=$(images/base/build.sh jre | cut -d' ' -f1)
  ${MVN:-mvn -B -ntp} -q -DskipTests package jib:buildTar -Djib.from.image="tar://$base" \
    -Djib.outputPaths.tar="$out/pgstream-operator.tar" -Djib.console=plain -Dstyle.color=never >&2
  echo "$out/pgstream-operator.tar $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["image"])' target/jib-image.json)"
}

runner() {
  local base major bin version tag key tar store buildah
  base=$(images/base/build.sh pg-client | cut -d' ' -f1)
  major=$(sed -n 's/^postgresql-client-\([0-9]*\) .*/\1/p' "$base.packages")
  bin=$(images/pgstream-runner/pgstream-bin.sh)
  version=$(basename "$bin" | sed 's/^pgstream-v\(.*\)-[^-]*$/\1/')
  tag=ghcr.io/pgstream-operator/pgstream-runner:$version-pg$major
  tar=$out/pgstream-runner-pg$major.tar
  key=$( { basename "$base"; basename "$bin"; cat images/pgstream-runner/Containerfile "$0"; } | sha256sum | cut -c1-12)
  if [ -f "$tar" ] && [ "$(cat "$tar.key" 2>/dev/null)" = "$key" ]; then
    echo "$tar $tag"
    return
  fi
  rm -f "$tar" "$tar.key"
  mkdir -p target/images/pgstream-runner
  cp "$bin" target/images/pgstream-runner/pgstream
  store=$(mktemp -d "$out/buildah.XXXXXX")
  trap 'rm -rf "$store"' EXIT
  buildah="buildah --storage-driver vfs --root $store/root --runroot $store/run"
  # The final stage has no RUN step: nothing is executed, chroot isolation needs no runtime.
  $buildah bud --isolation chroot -f images/pgstream-runner/Containerfile \
    --build-arg PGSTREAM_FROM=prebuilt --build-arg PG_MAJOR="$major" --build-arg PG_IMAGE="oci-archive:$base" \
    -t "$tag" . >&2
  $buildah push --quiet "$tag" "oci-archive:$tar:$tag" >&2
  rm -rf "$store"
  # store is local: the trap must not outlive it (set -u would fail the script at exit).
  trap - EXIT
  echo "$key" > "$tar.key"
  echo "$tar $tag"
}

case $what in
  operator) operator ;;
  runner) runner ;;
  all) { operator; runner; } | tee "$out/images.txt" ;;
  *) echo "usage: build-local.sh operator|runner|all" >&2; exit 2 ;;
esac
