#!/usr/bin/env bash
# e2e/node/restart-kubelet.sh WORKDIR: stops the kubelet of the cluster e2e/node/up.sh WORKDIR started (by its recorded
# PID, TERM) and starts it again with the same arguments, as a node's service manager restarts it after an upgrade.
# The pods' containers keep running in containerd meanwhile. Returns once the node is Ready again.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
cd "$(dirname "$0")/../.."
WORK=$(realpath "$1")
. e2e/control-plane.sh
. "$WORK/node.env"
grep ' kubelet$' "$WORK/pids" > "$WORK/pids.kubelet"
pids_stop "$WORK/pids.kubelet"
grep -v ' kubelet$' "$WORK/pids" > "$WORK/pids.rest" && mv "$WORK/pids.rest" "$WORK/pids"
rm "$WORK/pids.kubelet"
mapfile -t args < "$WORK/kubelet.args"
# A session of its own: it outlives the caller (a test JVM whose process group its teardown stops).
setsid "$KUBE_BIN/kubelet" "${args[@]}" >> "$WORK/kubelet.log" 2>&1 < /dev/null &
pid_record kubelet $!
# Ready again only after a heartbeat from the new kubelet, not the last one of the old.
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
for _ in $(seq 1 120); do
  beat=$("$KUBE_BIN/kubectl" get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')
  ready=$("$KUBE_BIN/kubectl" get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')
  [[ $ready == True && ! $beat < $since ]] && break
  sleep 1
done
[[ $ready == True && ! $beat < $since ]] || { echo "node $NODE_NAME not Ready after the kubelet restart" >&2; exit 1; }
echo "kubelet restarted (pid $!), node $NODE_NAME Ready"
