#!/usr/bin/env bash
# make e2e-node: the operator as a user installs it, on a real node. Builds the images (make images-local), brings up
# a single-node cluster (e2e/node/up.sh), imports the images into its containerd, starts two PostgreSQL 15 servers
# that pods reach on the node's bridge (e2e/postgres.sh), installs the chart with helm exactly as the README's
# "Install on a cluster without a registry" shows, then runs RealNodeE2E (mvn -Pe2e -Dit.test=RealNodeE2E): a
# pipeline applied with kubectl, its Jobs and Deployment run by the kubelet, faults, and the target checked against
# the source after each. Reports (describe, pod logs, timings) go to target/e2e-node/. Everything started is stopped
# by its PID, also on Ctrl-C and SIGTERM; on failure the node's logs stay in the printed directory.
#   E2E_NODE_SOURCE_PORT / E2E_NODE_TARGET_PORT (5450/5451): the servers' ports, on 127.0.0.1 and the bridge.
#   IMAGES_OUT (target/images): where make images-local builds and caches the images (images/build-local.sh).
# Needs root on Debian 12; installs debootstrap, buildah, containerd, runc, the CNI plugins, postgresql-15 and
# postgresql-15-wal2json when missing, and builds helm and the Kubernetes binaries from the Go module proxy.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPORT=$PWD/target/e2e-node
rm -rf "$REPORT"
mkdir -p "$REPORT"
started=$(date +%s)
last=$started
phase() { # name: the time since the last phase
  local now
  now=$(date +%s)
  echo "e2e-node phase $1: $((now - last)) s" | tee -a "$REPORT/timings.txt"
  last=$now
}

e2e/node/install.sh
. e2e/postgres.sh
pg_install
make images-local "$PWD/.tools/helm"
HELM=$PWD/.tools/helm
IMAGES=${IMAGES_OUT:-$PWD/target/images}/images.txt
phase images

WORK=$(mktemp -d /tmp/pgstream-node-e2e.XXXXXX)
chmod 755 "$WORK"
NODE=$WORK/node
. e2e/control-plane.sh
on_exit() {
  local rc=$?
  trap - EXIT INT TERM
  pids_stop "$WORK/pids"
  if [ "$rc" = 0 ] || [ "$rc" = 130 ] || [ "$rc" = 143 ]; then
    e2e/node/down.sh "$NODE" && rm -rf "$WORK"
  else
    E2E_NODE_KEEP_LOGS=1 e2e/node/down.sh "$NODE"
    cp "$NODE"/*.log "$REPORT/" 2>/dev/null
    echo "e2e-node failed: logs in $WORK and $REPORT" >&2
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

e2e/node/up.sh "$NODE"
. "$NODE/node.env"
kubectl() { "$KUBE_BIN/kubectl" "$@"; }
phase node

# The images as a node without a registry gets them; the operator's also under a second tag, for the helm upgrade.
while read -r tar _; do $NODE_CTR images import "$tar" > /dev/null; done < "$IMAGES"
OPERATOR_IMAGE=$(awk '$2 ~ /pgstream-operator:/ {print $2}' "$IMAGES")
RUNNER_IMAGE=$(awk '$2 ~ /pgstream-runner:/ {print $2}' "$IMAGES")
export E2E_NODE_UPGRADE_TAG=${OPERATOR_IMAGE##*:}-upgrade
$NODE_CTR images tag "$OPERATOR_IMAGE" "${OPERATOR_IMAGE%:*}:$E2E_NODE_UPGRADE_TAG" > /dev/null
$NODE_CTR images ls -q | grep -v '^sha256:' | sed 's/^/image on the node: /'
phase import

chown postgres "$WORK"
SOURCE_PORT=${E2E_NODE_SOURCE_PORT:-5450}
TARGET_PORT=${E2E_NODE_TARGET_PORT:-5451}
PG_LISTEN="127.0.0.1,$NODE_GATEWAY" PG_HBA_SUBNET=$NODE_POD_SUBNET pg_start_both "$SOURCE_PORT" "$TARGET_PORT"
phase postgres

# The README's install, word for word but for the tags, which images.txt gives.
"$HELM" install pgstream-operator charts/pgstream-operator --namespace pgstream-system --create-namespace \
  --set image.tag="${OPERATOR_IMAGE##*:}" --set image.pullPolicy=IfNotPresent \
  --set pgstreamImage="$RUNNER_IMAGE" --set runnerImages.15="$RUNNER_IMAGE" \
  --wait --timeout 5m
kubectl get pods --namespace pgstream-system -o wide
phase helm-install

export E2E_SOURCE_PORT=$SOURCE_PORT E2E_TARGET_PORT=$TARGET_PORT E2E_WORK=$WORK E2E_NODE_WORK=$NODE E2E_NODE_REPORT=$REPORT \
  E2E_NODE_OPERATOR_IMAGE=$OPERATOR_IMAGE E2E_NODE_RUNNER_IMAGE=$RUNNER_IMAGE HELM PGPASSWORD=postgres
# In a process group of its own: the teardown stops mvn and the test JVM with it.
setsid mvn -B -ntp -Pe2e verify -Dit.test=RealNodeE2E &
pid_record group:mvn $!
wait $!
phase test
# The node after the tests: what ran (pods Running or Completed, from the images above), the Jobs, and the operator's
# Ready condition.
kubectl get pods,jobs,deployments --all-namespaces -o wide
kubectl get pods --namespace pgstream-system -o jsonpath='{range .items[*]}operator pod {.metadata.name}: Ready={.status.conditions[?(@.type=="Ready")].status} image={.spec.containers[0].image}{"\n"}{end}'
echo "e2e-node passed in $(($(date +%s) - started)) s (teardown follows)" | tee -a "$REPORT/timings.txt"
