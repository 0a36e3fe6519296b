#!/usr/bin/env bash
# make e2e-node-smoke: the real node (e2e/node/up.sh) runs a Job from an image built here, as the operator's pods
# will run: non-root, read-only root filesystem, no capabilities, RuntimeDefault seccomp. Its pod fetches a token
# from a server on the host's bridge address (where pods will reach the PostgreSQL servers) and /readyz from the
# API server through the `kubernetes` Service. Then the cluster goes away (also on Ctrl-C or SIGTERM).
# NODE_SMOKE_PORT (18080): the host server's port, on the bridge address only.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
WORK=$(mktemp -d /tmp/pgstream-node.XXXXXX)
# On failure (not on Ctrl-C or SIGTERM) the logs stay in $WORK.
on_exit() {
  case $? in
    0 | 130 | 143) e2e/node/down.sh "$WORK" ;;
    *) E2E_NODE_KEEP_LOGS=1 e2e/node/down.sh "$WORK" ;;
  esac
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
e2e/node/up.sh "$WORK"
. "$WORK/node.env"
. e2e/control-plane.sh
kubectl() { "$KUBE_BIN/kubectl" "$@"; }

port=${NODE_SMOKE_PORT:-18080}
token=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
mkdir -p "$WORK/www"
echo "$token" > "$WORK/www/token"
busybox httpd -f -p "$NODE_GATEWAY:$port" -h "$WORK/www" &
pid_record httpd $!

images/oci-pack.py --rootfs "$WORK/images/busybox" --tag localhost/pgstream-e2e/busybox:smoke --out "$WORK/images/smoke.tar" --user 65532:65532 --entrypoint '["/bin/busybox"]'
$NODE_CTR images import "$WORK/images/smoke.tar" >/dev/null
kubectl apply -f - <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: smoke}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: smoke
          image: localhost/pgstream-e2e/busybox:smoke
          imagePullPolicy: Never
          args: [sh, -c, 'set -e; t=\$(wget -q -O - http://$NODE_GATEWAY:$port/token); echo "token: \$t"; a=\$(wget -q -O - https://\$KUBERNETES_SERVICE_HOST:\$KUBERNETES_SERVICE_PORT/readyz); echo "api: \$a"']
          securityContext:
            readOnlyRootFilesystem: true
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
EOF
for _ in $(seq 1 120); do
  state=$(kubectl get job smoke -o jsonpath='{.status.conditions[?(@.status=="True")].type}')
  [[ $state == *Complete* || $state == *Failed* ]] && break
  sleep 1
done
if [[ $state != *Complete* ]]; then
  echo "job smoke did not complete (conditions: ${state:-none})" >&2
  kubectl describe job/smoke
  kubectl describe pods -l job-name=smoke
  kubectl logs job/smoke || true
  tail -n 30 "$WORK/kubelet.log" "$WORK/containerd.log"
  exit 1
fi
kubectl get pods -l job-name=smoke -o wide
log=$(kubectl logs job/smoke)
echo "$log"
# busybox's wget does not check the API server's certificate; that it answered through the Service is the point.
grep -qx "token: $token" <<< "$log" || { echo "the pod did not get the host server's token" >&2; exit 1; }
grep -qx "api: ok" <<< "$log" || { echo "the pod did not reach the API server through its Service" >&2; exit 1; }
echo "smoke passed in $(($(date +%s) - started)) s (teardown follows)"
