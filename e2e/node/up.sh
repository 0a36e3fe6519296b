#!/usr/bin/env bash
# e2e/node/up.sh WORKDIR: a real single-node Kubernetes cluster, everything under WORKDIR, stopped by
# e2e/node/down.sh WORKDIR. etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kubelet (built by
# e2e/tools.sh), containerd + runc + the CNI bridge plugin (Debian). Every process it starts is recorded in
# WORKDIR/pids, every link in WORKDIR/links. Writes WORKDIR/node.env and returns once the node is Ready.
#
# Addresses (change them to run two clusters at once; only links this script makes carry them):
#   NODE_IP (10.214.0.1)               on the bridge: the node's InternalIP, where the kubelet (10250) and the
#                                      API server (443) listen. It is also the `kubernetes` Service's ClusterIP
#                                      (the first address of NODE_SERVICE_RANGE, 10.214.0.0/24), so pods reach
#                                      the API server without kube-proxy.
#   NODE_POD_SUBNET (10.213.0.0/24)    the pods' bridge; its first address is the host's side, where pods reach
#                                      servers on the host (node.env: NODE_GATEWAY).
#   NODE_ETCD_PORT (2489, and 2490)    etcd on 127.0.0.1.
# Needs root on Debian 12 (e2e/node/install.sh installs containerd, runc, the CNI plugins, busybox-static when missing).
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 WORKDIR" >&2; exit 2; }
cd "$(dirname "$0")/../.."
WORK=$(realpath -m "$1")
if [ -e "$WORK/pids" ]; then echo "$WORK holds a cluster already: e2e/node/down.sh $WORK first" >&2; exit 1; fi
eval "$(./e2e/tools.sh node)"
e2e/node/install.sh

NODE_IP=${NODE_IP:-10.214.0.1}
NODE_SERVICE_RANGE=${NODE_SERVICE_RANGE:-10.214.0.0/24}
NODE_POD_SUBNET=${NODE_POD_SUBNET:-10.213.0.0/24}
NODE_GATEWAY=${NODE_POD_SUBNET%.*/*}.1
NODE_NAME=pgstream-node
# Links and the cgroup are named after WORKDIR, so that two clusters never share one.
id=$(printf %s "$WORK" | sha256sum | cut -c1-8)
BRIDGE=pgsb$id CGROUP=/pgstream-node-$id
KUBELET_ROOT=$WORK/kubelet
CONTAINERD=$WORK/containerd
CTR="ctr --address $CONTAINERD/containerd.sock --namespace k8s.io"

mkdir -p "$WORK"
. e2e/control-plane.sh
started=$(date +%s)
# Whatever fails from here on, the cluster so far goes away again; its logs stay, unless interrupted.
on_exit() {
  case $? in
    0) ;;
    130 | 143) e2e/node/down.sh "$WORK" ;;
    *) echo "up failed: tearing down, logs kept in $WORK" >&2; E2E_NODE_KEEP_LOGS=1 e2e/node/down.sh "$WORK" ;;
  esac
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The pods' bridge, made here rather than by the CNI plugin (whose isGateway would turn on IP forwarding for the
# whole machine). It also carries the node's address: this kernel has no dummy links.
ip link add "$BRIDGE" type bridge
echo "$BRIDGE" >> "$WORK/links"
ip addr add "$NODE_GATEWAY/${NODE_POD_SUBNET#*/}" dev "$BRIDGE"
ip addr add "$NODE_IP/32" dev "$BRIDGE"
ip link set "$BRIDGE" up

# The kubelet's cgroup parent, in every hierarchy (cgroup v1 here, and the cgroup2 mount beside it).
echo "$CGROUP" > "$WORK/cgroup"
for h in /sys/fs/cgroup/*/; do
  mountpoint -q "$h" || continue
  mkdir -p "$h${CGROUP#/}"
  if [ -f "$h/cpuset.cpus" ]; then
    cat "$h/cpuset.cpus" > "$h${CGROUP#/}/cpuset.cpus"
    cat "$h/cpuset.mems" > "$h${CGROUP#/}/cpuset.mems"
  fi
done
# The kubelet sets these kernel tunables for the whole machine; down.sh puts them back.
sysctl -n vm.overcommit_memory kernel.panic kernel.panic_on_oops | paste -sd' ' > "$WORK/sysctl"

# Who is who: a static token per component, the node's one as the Node authorizer expects it.
KCM_TOKEN=$(cp_token system:kube-controller-manager)
SCHEDULER_TOKEN=$(cp_token system:kube-scheduler)
KUBELET_TOKEN=$(cp_token "system:node:$NODE_NAME" system:nodes)
# The API server's client certificate towards the kubelet (kubectl logs, exec), from a CA the kubelet trusts.
mkdir -p "$WORK/pki"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/pki/ca.key" -out "$WORK/pki/ca.crt" -days 2 \
  -subj /CN=pgstream-node-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$WORK/pki/apiserver-kubelet.key" -out "$WORK/pki/apiserver-kubelet.csr" \
  -subj /O=system:masters/CN=kube-apiserver-kubelet-client 2>/dev/null
openssl x509 -req -in "$WORK/pki/apiserver-kubelet.csr" -CA "$WORK/pki/ca.crt" -CAkey "$WORK/pki/ca.key" \
  -CAcreateserial -out "$WORK/pki/apiserver-kubelet.crt" -days 2 2>/dev/null

CP_ADDRESS=$NODE_IP CP_PORT=443 CP_AUTHZ=Node,RBAC CP_SERVICE_RANGE=$NODE_SERVICE_RANGE
cp_start "${NODE_ETCD_PORT:-2489}" --enable-admission-plugins=NodeRestriction --kubelet-preferred-address-types=InternalIP \
  --kubelet-client-certificate="$WORK/pki/apiserver-kubelet.crt" --kubelet-client-key="$WORK/pki/apiserver-kubelet.key"
export KUBECONFIG=$WORK/admin.kubeconfig
kubectl() { "$KUBE_BIN/kubectl" "$@"; }
cluster_ip=$(kubectl get service kubernetes -o jsonpath='{.spec.clusterIP}')
[ "$cluster_ip" = "$NODE_IP" ] || { echo "NODE_IP $NODE_IP must be the first address of NODE_SERVICE_RANGE (got $cluster_ip)" >&2; exit 1; }

cp_kubeconfig "$WORK/controller-manager.kubeconfig" "$KCM_TOKEN"
"$KUBE_BIN/kube-controller-manager" --kubeconfig="$WORK/controller-manager.kubeconfig" --controllers='*,-nodeipam' \
  --use-service-account-credentials --service-account-private-key-file="$WORK/sa.key" \
  --root-ca-file="$WORK/certs/apiserver.crt" --leader-elect=false --secure-port=0 > "$WORK/controller-manager.log" 2>&1 &
pid_record kube-controller-manager $!
cp_kubeconfig "$WORK/scheduler.kubeconfig" "$SCHEDULER_TOKEN"
"$KUBE_BIN/kube-scheduler" --kubeconfig="$WORK/scheduler.kubeconfig" --leader-elect=false --secure-port=0 \
  > "$WORK/scheduler.log" 2>&1 &
pid_record kube-scheduler $!

# containerd with everything under WORKDIR. restrict_oom_score_adj: the machine withholds CAP_SYS_RESOURCE, and
# without it runc fails every sandbox ("can't get final child's PID from pipe").
mkdir -p "$CONTAINERD" "$WORK/cni/net.d" "$WORK/cni/ipam"
cat > "$CONTAINERD/config.toml" <<EOF
version = 2
root = "$CONTAINERD/root"
state = "$CONTAINERD/state"
[grpc]
  address = "$CONTAINERD/containerd.sock"
[ttrpc]
  address = "$CONTAINERD/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$CONTAINERD/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:3.10"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$WORK/cni/net.d"
EOF
# One bridge network on the test subnet; no masquerading: pods talk to this machine only.
cat > "$WORK/cni/net.d/10-pgstream-node.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "pgstream-node-$id", "plugins": [
  {"type": "bridge", "bridge": "$BRIDGE", "isGateway": false, "ipMasq": false,
   "ipam": {"type": "host-local", "dataDir": "$WORK/cni/ipam", "ranges": [[{"subnet": "$NODE_POD_SUBNET", "gateway": "$NODE_GATEWAY"}]],
            "routes": [{"dst": "0.0.0.0/0", "gw": "$NODE_GATEWAY"}]}},
  {"type": "loopback"}]}
EOF
# In a session of its own, which its shims keep: down.sh finds them there should containerd die first.
setsid containerd --config "$CONTAINERD/config.toml" > "$WORK/containerd.log" 2>&1 &
pid_record containerd $!
for _ in $(seq 1 30); do $CTR version >/dev/null 2>&1 && break; sleep 0.5; done
# The sandbox image, from Debian's busybox-static: a container that sleeps is all a pause container does here.
mkdir -p "$WORK/images/busybox/bin"
cp /bin/busybox "$WORK/images/busybox/bin/busybox"
images/oci-pack.py --rootfs "$WORK/images/busybox" --tag registry.k8s.io/pause:3.10 --out "$WORK/images/pause.tar" --entrypoint '["/bin/busybox", "sleep", "2147483647"]'
$CTR images import "$WORK/images/pause.tar" >/dev/null

mkdir -p "$KUBELET_ROOT"
cp_kubeconfig "$WORK/kubelet.kubeconfig" "$KUBELET_TOKEN"
cat > "$WORK/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
healthzBindAddress: $NODE_IP
containerRuntimeEndpoint: unix://$CONTAINERD/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP
failCgroupV1: false
failSwapOn: false
enforceNodeAllocatable: []
# The kubelet cannot read filesystem stats of /dev/vda here; only memory counts for eviction.
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%, nodefs.inodesFree: 1%}
# Imported images cannot be pulled again: never collect them.
imageGCHighThresholdPercent: 100
podLogsDir: $WORK/pod-logs
volumePluginDir: $WORK/volume-plugins
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $WORK/pki/ca.crt}
authorization: {mode: Webhook}
EOF
# Its arguments stay in WORKDIR/kubelet.args: e2e/node/restart-kubelet.sh starts it again with them.
printf '%s\n' --config="$WORK/kubelet.yaml" --kubeconfig="$WORK/kubelet.kubeconfig" --root-dir="$KUBELET_ROOT" \
  --cert-dir="$KUBELET_ROOT/pki" --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" > "$WORK/kubelet.args"
mapfile -t kubelet_args < "$WORK/kubelet.args"
"$KUBE_BIN/kubelet" "${kubelet_args[@]}" > "$WORK/kubelet.log" 2>&1 &
pid_record kubelet $!

cat > "$WORK/node.env" <<EOF
export KUBECONFIG=$WORK/admin.kubeconfig
export KUBE_BIN=$KUBE_BIN
export NODE_NAME=$NODE_NAME
export NODE_IP=$NODE_IP
export NODE_GATEWAY=$NODE_GATEWAY
export NODE_POD_SUBNET=$NODE_POD_SUBNET
export NODE_CONTAINERD_SOCKET=$CONTAINERD/containerd.sock
# \$NODE_CTR images import IMAGE.tar: an image the pods can run (imagePullPolicy IfNotPresent or Never).
export NODE_CTR="$CTR"
EOF

for _ in $(seq 1 120); do
  [ "$(kubectl get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] && break
  sleep 1
done
kubectl wait --for=condition=Ready "node/$NODE_NAME" --timeout=1s >/dev/null
# The node lifecycle controller lifts the not-ready taint a moment after Ready; pods schedule from then on.
for _ in $(seq 1 30); do
  [ -z "$(kubectl get node "$NODE_NAME" -o jsonpath='{.spec.taints}')" ] && break
  sleep 1
done
[ -z "$(kubectl get node "$NODE_NAME" -o jsonpath='{.spec.taints}')" ] || { echo "node $NODE_NAME still tainted" >&2; exit 1; }
echo "node $NODE_NAME Ready after $(($(date +%s) - started)) s: $(basename "$KUBE_BIN") at https://$NODE_IP:443," \
  "pods on $NODE_POD_SUBNET reach the host at $NODE_GATEWAY; . $WORK/node.env"
