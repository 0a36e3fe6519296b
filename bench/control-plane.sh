#!/usr/bin/env bash
# make bench: etcd and a kube-apiserver (the e2e tier's, e2e/control-plane.sh) with an audit log of the operator's
# and the floor client's requests, then the benchmark driver (OperatorBench): the mock-server rounds, then operator
# and floor rounds against this API server. Stops exactly what it started. Ports: BENCH_ETCD_PORT, BENCH_APISERVER_PORT.
# BENCH_SIZES (default 1,100,1000,10000), BENCH_MOCK_SIZES (default 1,100,1000; empty: none), BENCH_OUT (default results).
set -euo pipefail
cd "$(dirname "$0")/.."
KUBE_BIN=${KUBE_BIN:-$PWD/.tools/kube-v1.34.4}
[ -x "$KUBE_BIN/kube-apiserver" ] || { echo "missing $KUBE_BIN/kube-apiserver: run e2e/tools.sh once" >&2; exit 1; }
CP_ADDRESS=127.0.0.1
CP_PORT=${BENCH_APISERVER_PORT:-16449}
ETCD_PORT=${BENCH_ETCD_PORT:-2395}
# The test classpath (the driver and the operator's JVM use it), compiled before anything starts.
CLASSPATH_TEST=$(${MVN:-mvn -B -ntp} -q test-compile exec:exec -Dexec.executable=echo -Dexec.classpathScope=test -Dexec.args=%classpath -Dstyle.color=never | sed 's/\x1b\[[0-9;]*m//g' | grep -m1 '^/')
WORK=$(mktemp -d /tmp/pgstream-bench.XXXXXX)
. e2e/control-plane.sh
cleanup() {
  trap - EXIT INT TERM
  pids_stop "$WORK/pids"
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Who asks what, counted on the API server's side: one audit line per finished request of the two measured users.
cat > "$WORK/audit-policy.yaml" <<'POLICY'
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived", "ResponseStarted"]
rules:
  - level: Metadata
    users: ["bench-operator", "bench-floor"]
  - level: None
POLICY
: > "$WORK/tokens.csv"
operator_token=$(cp_token bench-operator system:masters)
floor_token=$(cp_token bench-floor system:masters)
cp_start "$ETCD_PORT" --audit-policy-file="$WORK/audit-policy.yaml" --audit-log-path="$WORK/audit.log" \
  --audit-log-maxsize=102400 --audit-log-format=json
cp_kubeconfig "$WORK/operator.kubeconfig" "$operator_token"
cp_kubeconfig "$WORK/floor.kubeconfig" "$floor_token"
KUBECONFIG=$WORK/admin.kubeconfig "$KUBE_BIN/kubectl" apply --server-side -f crds/ >/dev/null
# kubectl wait fails at once on a CRD that has no conditions yet, so it is asked again until then.
for _ in $(seq 1 30); do
  KUBECONFIG=$WORK/admin.kubeconfig "$KUBE_BIN/kubectl" wait --for=condition=Established crd --all --timeout=60s >/dev/null 2>&1 && break
  sleep 1
done
KUBECONFIG=$WORK/admin.kubeconfig "$KUBE_BIN/kubectl" wait --for=condition=Established crd --all --timeout=60s >/dev/null

export KUBECONFIG=$WORK/admin.kubeconfig BENCH_WORK=$WORK
export BENCH_KUBE_VERSION=$("$KUBE_BIN/kubectl" version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -n 1)
export BENCH_ETCD_VERSION=$("$KUBE_BIN/etcd" --version | sed -n 's/^etcd Version: //p')
java -cp "$CLASSPATH_TEST" -Djava.awt.headless=true io.pgstream.operator.bench.OperatorBench "$@"
