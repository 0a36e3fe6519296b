#!/usr/bin/env bash
# make e2e: the real-peer tier. Starts, on loopback and in a scratch directory:
#   - a source PostgreSQL 15 (wal_level=logical, wal2json, RDS roles emulated) and a target PostgreSQL 15
#     (wal_level=replica, which also serves as the "logical decoding is off" source of a preflight case),
#   - etcd and a kube-apiserver (RBAC, service-account tokens), with an admin kubeconfig,
# then runs the *E2E test classes against them (mvn -Pe2e verify) and stops everything.
# Needs root on Debian (installs postgresql-15 and postgresql-15-wal2json when missing) and Go with the
# Go module proxy (e2e/tools.sh builds pgstream, kube-apiserver, kubectl and etcd into .tools/ once).
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(./e2e/tools.sh)"
. e2e/postgres.sh
pg_install

SOURCE_PORT=${E2E_SOURCE_PORT:-5440}
TARGET_PORT=${E2E_TARGET_PORT:-5441}
ETCD_PORT=${E2E_ETCD_PORT:-2389}
CP_ADDRESS=127.0.0.1
CP_PORT=${E2E_APISERVER_PORT:-16443}
WORK=$(mktemp -d /tmp/pgstream-e2e.XXXXXX)
chown postgres "$WORK"
. e2e/control-plane.sh
# Stops exactly what this run started (recorded in $WORK/pids), also on Ctrl-C and SIGTERM.
cleanup() {
  trap - EXIT INT TERM
  pids_stop "$WORK/pids"
  [ -n "${E2E_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_start_both "$SOURCE_PORT" "$TARGET_PORT"

cp_start "$ETCD_PORT"
export KUBECONFIG=$WORK/admin.kubeconfig
echo "e2e peers: PostgreSQL $("$PG/postgres" --version | awk '{print $3}') on $SOURCE_PORT and $TARGET_PORT," \
  "Kubernetes $("$KUBE_BIN/kubectl" version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -n 1)" \
  "on $CP_PORT, $("$PGSTREAM_BIN" --version 2>/dev/null | head -n 1)"

export E2E_SOURCE_PORT=$SOURCE_PORT E2E_TARGET_PORT=$TARGET_PORT E2E_WORK=$WORK PGPASSWORD=postgres PGSTREAM_BIN KUBE_BIN
if [ -n "${E2E_PEERS_ONLY:-}" ]; then
  env | grep -E '^(E2E_|PGPASSWORD=|PGSTREAM_BIN=|KUBE_BIN=|KUBECONFIG=)' | sed 's/^/export /' > "$WORK/e2e.env"
  echo "peers up: . $WORK/e2e.env, then mvn -Pe2e verify -Dit.test=...; Ctrl-C stops them"
  sleep infinity &
  pid_record sleep $!
  wait $!
fi
# In a process group of its own: the teardown stops mvn, the test JVM and every process the tests started (pgstream,
# the operator), even one whose parent is gone.
setsid mvn -B -ntp -Pe2e verify &
pid_record group:mvn $!
wait $!
