#!/usr/bin/env bash
# Builds a base image from Debian 12 packages, without a registry or a daemon, as an image tarball
# (images/oci-pack.py) and prints its path:
#   jre        openjdk-17-jre-headless: the operator's base (make image-local, Jib's tar:// base)
#   pg-client  postgresql-client-15 (pg_dump, pg_dumpall, psql): the pgstream runner's base (pg15)
# A minimal Debian (debootstrap --variant=minbase) with bookworm-security's updates, the packages,
# user 65532 (nonroot) as the default user, docs and apt's caches removed (copyright files kept).
# Nothing needs a shell at run time; the image still holds Debian's essential packages.
# A second run reuses the tarball while the key holds: this script, the packer, and the candidate
# versions of the packages as the host's apt lists give them (apt-get update refreshes them).
# Needs root (debootstrap, chroot), debootstrap and python3.
set -euo pipefail
name=${1:?usage: build.sh jre|pg-client}
root=$(cd "$(dirname "$0")/../.." && pwd)
out_dir=${IMAGES_OUT:-$root/target/images}/base
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
case $name in
  jre) packages=(openjdk-17-jre-headless) ;;
  # The clients' own directory first: Debian's /usr/bin/pg_dump is a perl wrapper that picks a version.
  pg-client) packages=(postgresql-client-15); path=/usr/lib/postgresql/15/bin:$path ;;
  *) echo "unknown base: $name" >&2; exit 2 ;;
esac

key=$( { cat "$0" "$root/images/oci-pack.py"; echo "$name $suite"
         apt-cache policy "${packages[@]}" | grep -E '^[^ ]|Candidate:'; } | sha256sum | cut -c1-12)
out=$out_dir/$name-$key.tar
tag=localhost/pgstream-operator/base-$name:$suite-$key
if [ -f "$out" ]; then
  echo "$out $tag (cached)"
  exit 0
fi

mkdir -p "$out_dir" "$out_dir/debs"
rootfs=$(mktemp -d "$out_dir/rootfs-$name.XXXXXX")
cleanup() {
  if mountpoint -q "$rootfs/proc"; then umount "$rootfs/proc"; fi
  rm -rf "$rootfs"
}
trap cleanup EXIT

echo "base $name: debootstrap $suite into $rootfs" >&2
debootstrap --variant=minbase --cache-dir="$out_dir/debs" "$suite" "$rootfs" "$mirror" >&2
cat > "$rootfs/etc/apt/sources.list" <<EOF
deb $mirror $suite main
deb $mirror $suite-updates main
deb ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} $suite-security main
EOF
# The JRE's postinst (ca-certificates-java) runs java, which needs /proc.
mount -t proc proc "$rootfs/proc"
in_root() { chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@" >&2; }
in_root apt-get update -q
in_root apt-get upgrade -qy
in_root apt-get install -qy --no-install-recommends "${packages[@]}"
in_root groupadd --gid 65532 nonroot
in_root useradd --uid 65532 --gid 65532 --home-dir /home/nonroot --create-home --shell /usr/sbin/nologin nonroot
dpkg-query --admindir="$rootfs/var/lib/dpkg" -W -f '${Package} ${Version}\n' > "$out.packages.tmp"
in_root apt-get clean
umount "$rootfs/proc"

# What a running container never reads: caches, logs, docs (but the copyright files), and what the
# runtime provides itself (device nodes, resolv.conf, hostname).
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/* "$rootfs"/var/log/* "$rootfs"/tmp/* \
  "$rootfs"/usr/share/man "$rootfs"/usr/share/info "$rootfs"/usr/share/locale "$rootfs"/usr/share/doc-base \
  "$rootfs"/dev/* "$rootfs"/etc/resolv.conf "$rootfs"/etc/hostname
find "$rootfs/usr/share/doc" -type f ! -name copyright -delete
find "$rootfs/usr/share/doc" -type l -delete
find "$rootfs/usr/share/doc" -depth -type d -empty -delete

"$root/images/oci-pack.py" --rootfs "$rootfs" --tag "$tag" --out "$out" --user 65532:65532 \
  --env "PATH=$path" --history "images/base/build.sh $name" \
  --label "org.opencontainers.image.description=Debian $suite minbase with ${packages[*]}" >&2
mv "$out.packages.tmp" "$out.packages"
echo "$out $tag"
