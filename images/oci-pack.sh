#!/usr/bin/env bash
# Packs a directory into a one-layer image tarball, without a registry or a daemon:
#   images/oci-pack.sh [-u USER] [-w WORKDIR] [-e KEY=VALUE]... DIR NAME:TAG OUT.tar [ENTRYPOINT [ARG...]]
# The tarball is both an OCI image layout (oci-layout, index.json; `ctr image import` and skopeo's oci-archive:)
# and a `docker save` archive (manifest.json; Jib's tar:// base and `docker load`), as Docker 25+ writes them.
# The layer is DIR with owners and modes as on disk and every mtime set to 0: the same DIR gives the same image.
set -euo pipefail

user="" workdir="/" env_json=""
while getopts u:w:e: opt; do
  case $opt in
    u) user=$OPTARG ;;
    w) workdir=$OPTARG ;;
    e) env_json="$env_json${env_json:+,}\"$OPTARG\"" ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -ge 3 ] || { sed -n 2,3p "$0" >&2; exit 2; }
dir=$1 name=$2 out=$3
shift 3
# The name as the kubelet looks it up (docker.io/library/x:1 for x:1): containerd keeps an imported name as it is.
if [[ $name != */* ]]; then
  name=docker.io/library/$name
elif [[ ${name%%/*} != *[.:]* && ${name%%/*} != localhost ]]; then
  name=docker.io/$name
fi
# JSON strings of the entrypoint; the arguments are plain words (no quotes or backslashes to escape).
entrypoint=""
for arg in "$@"; do entrypoint="$entrypoint${entrypoint:+,}\"$arg\""; done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/blobs/sha256"
blob() { # file: moves it into blobs/ and prints its digest
  local d
  d=$(sha256sum "$1" | cut -d' ' -f1)
  mv "$1" "$stage/blobs/sha256/$d"
  echo "$d"
}
size() { stat -c %s "$stage/blobs/sha256/$1"; }

tar --sort=name --mtime=@0 --numeric-owner --format=gnu -C "$dir" -cf "$stage/layer" .
layer=$(blob "$stage/layer")
printf '{"architecture":"amd64","os":"linux","config":{"User":"%s","WorkingDir":"%s","Env":[%s],"Entrypoint":[%s]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"images/oci-pack.sh"}]}' \
  "$user" "$workdir" "$env_json" "$entrypoint" "$layer" > "$stage/config"
config=$(blob "$stage/config")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
  "$config" "$(size "$config")" "$layer" "$(size "$layer")" > "$stage/manifest"
manifest=$(blob "$stage/manifest")
# containerd names the image by io.containerd.image.name; the OCI ref name is the tag, as skopeo writes it.
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
  "$manifest" "$(size "$manifest")" "$name" "${name##*:}" > "$stage/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$stage/oci-layout"
printf '[{"Config":"blobs/sha256/%s","RepoTags":["%s"],"Layers":["blobs/sha256/%s"]}]' "$config" "$name" "$layer" > "$stage/manifest.json"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --format=gnu -C "$stage" -cf "$out" oci-layout index.json manifest.json blobs
