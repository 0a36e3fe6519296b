#!/usr/bin/env bash
# make bench-slots: what the slot watch costs the sources with the database checks on. Starts two PostgreSQL 15
# servers A and B (wal_level=logical, wal2json, room for 2,500 slots, pg_stat_statements; e2e/postgres.sh) and etcd
# with a kube-apiserver (e2e/control-plane.sh), then the driver (SlotBench): the operator in its own JVM at its
# default slot-check interval, pipelines brought to streaming with FakeKubelet, the sessions the operator opens on
# each source database over a steady-state window, and the create-to-init-Job latency of new pipelines while B hangs
# (SIGSTOP). Stops exactly what it started (and resumes a stopped B first).
#   SLOTS_SIZES             pipelines on one server, one round each (default 100,1000)
#   SLOTS_TWO_SERVERS       pipelines split over A and B, one round (default 1000; 0: none)
#   SLOTS_HANG_PIPELINES    new pipelines timed per hang state, in two interleaved batches each (default 50; 0: no hang)
#   SLOTS_WINDOW_SECONDS    the steady-state window over which sessions are counted (default 120)
#   SLOTS_RESYNC            0: no restart of the operator (default: one, its resync's checks counted)
#   SLOTS_SLOT_CHECK_SECONDS  the operator's --slot-check-interval (default: its own, 60 s; the smoke uses 10)
#   BENCH_OUT               where bench-slots.md and bench.json go (default results)
# Ports: SLOTS_PG_A_PORT (5490), SLOTS_PG_B_PORT (5491), SLOTS_ETCD_PORT (2410), SLOTS_APISERVER_PORT (16470),
# SLOTS_OPERATOR_HTTP_PORT (18095).
set -euo pipefail
cd "$(dirname "$0")/.."
KUBE_BIN=${KUBE_BIN:-$PWD/.tools/kube-v1.34.4}
[ -x "$KUBE_BIN/kube-apiserver" ] || { echo "missing $KUBE_BIN/kube-apiserver: run e2e/tools.sh once" >&2; exit 1; }
. e2e/postgres.sh
pg_install
CP_ADDRESS=127.0.0.1
CP_PORT=${SLOTS_APISERVER_PORT:-16470}
ETCD_PORT=${SLOTS_ETCD_PORT:-2410}
export SLOTS_PG_A_PORT=${SLOTS_PG_A_PORT:-5490} SLOTS_PG_B_PORT=${SLOTS_PG_B_PORT:-5491}
CLASSPATH_TEST=$(${MVN:-mvn -B -ntp} -q test-compile exec:exec -Dexec.executable=echo -Dexec.classpathScope=test -Dexec.args=%classpath -Dstyle.color=never | sed 's/\x1b\[[0-9;]*m//g' | grep -m1 '^/')
WORK=$(mktemp -d /tmp/pgstream-slots.XXXXXX)
chown postgres "$WORK"
. e2e/control-plane.sh
# Server B's processes (postmaster first): the driver stops them to make B hang, and the teardown resumes them.
b_pids() { local pm; pm=$(head -n 1 "$WORK/b/postmaster.pid" 2>/dev/null) || return 0; echo "$pm" $(cat "/proc/$pm/task/$pm/children" 2>/dev/null); }
cleanup() {
  trap - EXIT INT TERM
  # shellcheck disable=SC2046
  kill -CONT $(b_pids) 2>/dev/null || true
  pids_stop "$WORK/pids"
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One slot per pipeline plus the other rounds', kept inactive (no pgstream runs); connections for the burst of preflight
# checks while 1,000 pipelines are created; pg_stat_statements names the operator's queries.
settings="-c max_connections=300 -c max_replication_slots=2500 -c max_wal_senders=20 -c shared_preload_libraries=pg_stat_statements -c max_slot_wal_keep_size=10GB"
pg_start a "$SLOTS_PG_A_PORT" logical "$settings"
pg_start b "$SLOTS_PG_B_PORT" logical "$settings"
pg_allow_wal2json "$SLOTS_PG_A_PORT"
pg_allow_wal2json "$SLOTS_PG_B_PORT"

: > "$WORK/tokens.csv"
operator_token=$(cp_token slots-operator system:masters)
cp_start "$ETCD_PORT"
cp_kubeconfig "$WORK/operator.kubeconfig" "$operator_token"
KUBECONFIG=$WORK/admin.kubeconfig "$KUBE_BIN/kubectl" apply --server-side -f crds/ >/dev/null
# A CRD without status yet fails kubectl wait (".status.conditions accessor error"): asked again.
for _ in 1 2 3 4 5; do
  KUBECONFIG=$WORK/admin.kubeconfig "$KUBE_BIN/kubectl" wait --for=condition=Established crd --all --timeout=60s >/dev/null 2>&1 && break
  sleep 1
done
KUBECONFIG=$WORK/admin.kubeconfig "$KUBE_BIN/kubectl" wait --for=condition=Established crd --all --timeout=60s >/dev/null

export KUBECONFIG=$WORK/admin.kubeconfig BENCH_WORK=$WORK PGPASSWORD=postgres
export SLOTS_B_PIDFILE=$WORK/b/postmaster.pid
export BENCH_KUBE_VERSION=$("$KUBE_BIN/kubectl" version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -n 1)
export BENCH_PG_VERSION=$("$PG/postgres" --version | awk '{print $3}')
java -cp "$CLASSPATH_TEST" io.pgstream.operator.bench.SlotBench "$@"
