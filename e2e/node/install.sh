#!/usr/bin/env bash
# e2e/node/install.sh: the Debian 12 packages the real-node tier needs, installed when missing (as root): debootstrap
# and buildah (images/: the bases and the runner image), python3 (images/oci-pack.py), containerd, runc, the CNI
# plugins and busybox-static (the node and its pause image), openssl, iproute2 and procps (pgrep, sysctl).
set -euo pipefail
missing=()
for need in debootstrap:debootstrap buildah:buildah python3:python3 containerd:containerd runc:runc \
  /usr/lib/cni/bridge:containernetworking-plugins /bin/busybox:busybox-static openssl:openssl ip:iproute2 pgrep:procps; do
  what=${need%%:*}
  if [[ $what == /* ]]; then [ -x "$what" ] && continue; else command -v "$what" >/dev/null && continue; fi
  missing+=("${need#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 \
    --no-install-recommends "${missing[@]}"
fi
