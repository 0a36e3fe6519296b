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

PG=/usr/lib/postgresql/15/bin
if [ ! -x "$PG/postgres" ] || [ ! -e /usr/lib/postgresql/15/lib/wal2json.so ] || ! command -v openssl >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 postgresql-15-wal2json openssl
fi

SOURCE_PORT=${E2E_SOURCE_PORT:-5440}
TARGET_PORT=${E2E_TARGET_PORT:-5441}
ETCD_PORT=${E2E_ETCD_PORT:-2389}
APISERVER_PORT=${E2E_APISERVER_PORT:-16443}
WORK=$(mktemp -d /tmp/pgstream-e2e.XXXXXX)
chown postgres "$WORK"
pids=()
cleanup() {
  # The API server first (it drains its watches, and would wait for an etcd stopped before it).
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill "${pids[i]}" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.2; done
    kill -9 "${pids[i]}" 2>/dev/null || true
  done
  # Only this run's pgstream processes: their config files live under $WORK.
  pkill -f "$PGSTREAM_BIN .*$WORK/" 2>/dev/null || true
  for side in source target; do
    [ -d "$WORK/$side" ] && su postgres -c "$PG/pg_ctl -D $WORK/$side -m fast stop >/dev/null" || true
  done
  wait 2>/dev/null || true
  [ -n "${E2E_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT

postgres() { # side port wal_level extra-settings
  su postgres -c "$PG/initdb -D $WORK/$1 -A scram-sha-256 --pwfile=<(echo postgres) >/dev/null"
  su postgres -c "$PG/pg_ctl -D $WORK/$1 -l $WORK/$1.log -w -o '-c port=$2 -c wal_level=$3 $4 -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK' start >/dev/null"
}
postgres source "$SOURCE_PORT" logical "-c rds.logical_replication=on"
# PostgreSQL minors from November 2026 load only the output plugins listed in output_plugin_libraries;
# an RDS parameter group plays this part. Older minors do not know the setting.
psql_source() { PGPASSWORD=postgres "$PG/psql" -h 127.0.0.1 -p "$SOURCE_PORT" -U postgres -d postgres -Atqc "$1"; }
if [ "$(psql_source "SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'")" = 1 ]; then
  psql_source "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'wal2json'"
  psql_source "SELECT pg_reload_conf()" >/dev/null
fi
postgres target "$TARGET_PORT" replica ""

# The API server: service-account tokens signed by a fresh key, a static admin token, RBAC on.
openssl genrsa -out "$WORK/sa.key" 2048 2>/dev/null
openssl rsa -in "$WORK/sa.key" -pubout -out "$WORK/sa.pub" 2>/dev/null
ADMIN_TOKEN=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
echo "$ADMIN_TOKEN,e2e-admin,e2e-admin,system:masters" > "$WORK/tokens.csv"
"$KUBE_BIN/etcd" --data-dir "$WORK/etcd" --listen-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" --listen-peer-urls "http://127.0.0.1:$((ETCD_PORT + 1))" \
  --log-level warn > "$WORK/etcd.log" 2>&1 &
pids+=($!)
"$KUBE_BIN/kube-apiserver" --etcd-servers="http://127.0.0.1:$ETCD_PORT" --bind-address=127.0.0.1 \
  --secure-port="$APISERVER_PORT" --cert-dir="$WORK/certs" --authorization-mode=RBAC --token-auth-file="$WORK/tokens.csv" \
  --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$WORK/sa.pub" \
  --service-account-signing-key-file="$WORK/sa.key" --service-cluster-ip-range=10.96.0.0/16 > "$WORK/apiserver.log" 2>&1 &
pids+=($!)
export KUBECONFIG=$WORK/admin.kubeconfig
"$KUBE_BIN/kubectl" config set-cluster e2e --server="https://127.0.0.1:$APISERVER_PORT" --insecure-skip-tls-verify=true >/dev/null
"$KUBE_BIN/kubectl" config set-credentials e2e-admin --token="$ADMIN_TOKEN" >/dev/null
"$KUBE_BIN/kubectl" config set-context e2e --cluster=e2e --user=e2e-admin >/dev/null
"$KUBE_BIN/kubectl" config use-context e2e >/dev/null
for _ in $(seq 1 60); do
  "$KUBE_BIN/kubectl" get --raw /readyz >/dev/null 2>&1 && break
  sleep 1
done
"$KUBE_BIN/kubectl" get --raw /readyz >/dev/null
echo "e2e peers: PostgreSQL $("$PG/postgres" --version | awk '{print $3}') on $SOURCE_PORT and $TARGET_PORT," \
  "Kubernetes $("$KUBE_BIN/kubectl" version -o json | sed -n 's/.*"gitVersion": "\(v[^"]*\)".*/\1/p' | tail -n 1)" \
  "on $APISERVER_PORT, $("$PGSTREAM_BIN" --version 2>/dev/null | head -n 1)"

export E2E_SOURCE_PORT=$SOURCE_PORT E2E_TARGET_PORT=$TARGET_PORT E2E_WORK=$WORK PGPASSWORD=postgres PGSTREAM_BIN KUBE_BIN
if [ -n "${E2E_PEERS_ONLY:-}" ]; then
  env | grep -E '^(E2E_|PGPASSWORD=|PGSTREAM_BIN=|KUBE_BIN=|KUBECONFIG=)' | sed 's/^/export /' > "$WORK/e2e.env"
  echo "peers up: . $WORK/e2e.env, then mvn -Pe2e verify -Dit.test=...; Ctrl-C stops them"
  trap 'exit 0' INT TERM
  sleep infinity &
  wait $!
fi
mvn -B -ntp -Pe2e verify
