#!/usr/bin/env bash
# Checks the images images/build-local.sh listed in target/images/images.txt the way a node uses
# them: imports each tarball into a containerd of its own (`ctr -n k8s.io image import`, under the
# listed name) and runs commands in it with runc, as the image's user, with a read-only root, no
# capabilities and only /tmp writable (as the chart runs the pods). Each command's output must
# match; the image's configured user must be 65532. Stops the containerd it started, by its PID.
# Needs root, containerd and runc (Debian's).
set -euo pipefail
cd "$(dirname "$0")/.."
list=${IMAGES_OUT:-$PWD/target/images}/images.txt
work=$(mktemp -d /tmp/images-check.XXXXXX)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/config.toml" <<EOF
version = 2
root = "$work/root"
state = "$work/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$work/sock"
[ttrpc]
  address = "$work/sock.ttrpc"
EOF
containerd --config "$work/config.toml" > "$work/containerd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$work/sock" ] && break; sleep 0.1; done
ctr=(ctr -a "$work/sock" -n k8s.io)

failures=0
n=0
# containerd's default set, all dropped (ctr takes no ALL), as the chart's `drop: [ALL]`.
caps=()
for cap in CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE; do
  caps+=(--cap-drop "CAP_$cap")
done
# expect IMAGE REGEX COMMAND...: runs COMMAND in IMAGE; its output must match REGEX.
expect() {
  local image=$1 regex=$2 output
  shift 2
  n=$((n + 1))
  if output=$("${ctr[@]}" run --rm --read-only "${caps[@]}" \
      --mount type=tmpfs,src=tmpfs,dst=/tmp,options=nosuid:nodev "$image" "images-check-$n" "$@" 2>&1 < /dev/null) \
      && grep -qE "$regex" <<< "$output"; then
    echo "ok    $image: $* -> $(head -1 <<< "$output")"
  else
    echo "FAIL  $image: $* (expected /$regex/):"; sed 's/^/      /' <<< "$output"
    failures=$((failures + 1))
  fi
}

# The image's config (User, Entrypoint) as containerd stored it.
config() {
  local manifest
  manifest=$("${ctr[@]}" image ls name=="$1" | awk 'NR == 2 { print $3 }')
  "${ctr[@]}" content get "$("${ctr[@]}" content get "$manifest" | python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')" \
    | python3 -c 'import json,sys; c=json.load(sys.stdin)["config"]; print(c.get("User", "")); print(json.dumps(c.get("Entrypoint") or []))'
}

while read -r tar image; do
  "${ctr[@]}" image import "$tar" > /dev/null
  "${ctr[@]}" image ls -q | grep -qxF "$image" || { echo "FAIL  $tar did not import as $image"; failures=$((failures + 1)); continue; }
  { read -r user; read -r entrypoint; } < <(config "$image")
  if [ "$user" = 65532:65532 ]; then echo "ok    $image: runs as $user"; else echo "FAIL  $image: user '$user'"; failures=$((failures + 1)); fi
  mapfile -t entry < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$entrypoint")
  expect "$image" '^uid=65532\(nonroot\) gid=65532\(nonroot\)' id
  case $image in
    */pgstream-operator:*)
      expect "$image" '^openjdk version "17\.' java -version
      expect "$image" '^Usage: pgstream-operator' "${entry[@]}" --help
      ;;
    */pgstream-runner:*)
      tag=${image##*:}
      major=${tag##*-pg}
      expect "$image" "^pgstream version v${tag%-pg*}$" "${entry[@]}" --version
      # The very binary the e2e tier runs.
      expect "$image" "^$(sha256sum "$(images/pgstream-runner/pgstream-bin.sh)" | cut -c1-64) " sha256sum /usr/bin/pgstream
      expect "$image" "^pg_dump \(PostgreSQL\) $major\." pg_dump --version
      expect "$image" "^pg_dumpall \(PostgreSQL\) $major\." pg_dumpall --version
      expect "$image" "^psql \(PostgreSQL\) $major\." psql --version
      ;;
  esac
done < "$list"
exit $((failures > 0))
