#!/usr/bin/env bash
# Real-peer smoke test (first step of the real-peer tier): the config the operator renders, run by a
# real pgstream binary against a real PostgreSQL 15 with wal2json: init, snapshot, then streaming of
# an insert, an update and a delete. Not part of `make test` yet.
#   make e2e-smoke      (as root on Debian: installs postgresql-15 and postgresql-15-wal2json if missing)
# pgstream is built from the Go module proxy; v1.4.x is not served there, so v1.3.1 is used.
set -euo pipefail
cd "$(dirname "$0")/.."
PGSTREAM_VERSION=${PGSTREAM_VERSION:-v1.3.1}
TOOLS=$PWD/.tools
WORK=$(mktemp -d /tmp/pgstream-e2e.XXXXXX)
PORT=${E2E_PORT:-5440}
PG=/usr/lib/postgresql/15/bin

if [ ! -x "$PG/postgres" ] || [ ! -e /usr/lib/postgresql/15/lib/wal2json.so ]; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 postgresql-15-wal2json
fi
if [ ! -x "$TOOLS/pgstream-$PGSTREAM_VERSION" ]; then
  build=$(mktemp -d)
  (cd "$build" && go mod init pgstream-build >/dev/null 2>&1 && go get "github.com/xataio/pgstream@$PGSTREAM_VERSION" \
    && go build -o "$TOOLS/pgstream-$PGSTREAM_VERSION" github.com/xataio/pgstream)
fi
PGSTREAM=$TOOLS/pgstream-$PGSTREAM_VERSION

chown postgres "$WORK"
su postgres -c "$PG/initdb -D $WORK/data -A scram-sha-256 --pwfile=<(echo postgres) >/dev/null"
su postgres -c "$PG/pg_ctl -D $WORK/data -l $WORK/server.log -w -o '-c wal_level=logical -c port=$PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK' start >/dev/null"
trap 'pkill -f "pgstream-$PGSTREAM_VERSION run" || true; su postgres -c "$PG/pg_ctl -D $WORK/data -m fast stop >/dev/null" || true' EXIT
export PGPASSWORD=postgres
sql() { psql -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
# Passwords with characters that must be percent-encoded, as the operator's derived Secret holds them.
sql -c "CREATE ROLE src LOGIN SUPERUSER PASSWORD 's:r@c/1'" -c "CREATE ROLE tgt LOGIN PASSWORD 't%g?t2'" \
    -c "CREATE DATABASE app_source" -c "CREATE DATABASE app_target OWNER tgt"
sql -d app_source -c "CREATE TABLE public.orders (id int PRIMARY KEY, total numeric); INSERT INTO public.orders SELECT g, g * 1.5 FROM generate_series(1, 100) g"

cat > "$WORK/pipeline.yaml" <<YAML
apiVersion: pgstream.io/v1alpha1
kind: PgstreamPipeline
metadata: {name: e2e, namespace: default}
spec:
  mode: snapshot_and_replication
  source: {host: 127.0.0.1, port: $PORT, database: app_source, sslMode: disable,
           username: {secretKeyRef: {name: s, key: u}}, password: {secretKeyRef: {name: s, key: p}}}
  target: {host: 127.0.0.1, port: $PORT, database: app_target, sslMode: disable,
           username: {secretKeyRef: {name: t, key: u}}, password: {secretKeyRef: {name: t, key: p}}}
  tables: ["public.*"]
YAML
java -jar target/pgstream-operator-*-SNAPSHOT.jar render -f "$WORK/pipeline.yaml" > "$WORK/rendered.txt"
awk -v dir="$WORK" '/^# .*\.yaml$/ {file = dir "/" $2; next} /^---$/ {next} {print > file}' "$WORK/rendered.txt"

export PGSTREAM_SOURCE_USER=src PGSTREAM_SOURCE_PASSWORD='s%3Ar%40c%2F1' PGSTREAM_TARGET_USER=tgt PGSTREAM_TARGET_PASSWORD='t%25g%3Ft2'
cd "$WORK"
"$PGSTREAM" init -c replication.yaml >init.log 2>&1
[ "$(sql -d app_source -c "SELECT plugin FROM pg_replication_slots WHERE slot_name = 'pgstream_default_e2e'")" = wal2json ]
"$PGSTREAM" snapshot -c snapshot.yaml >snapshot.log 2>&1
[ "$(sql -d app_target -c 'SELECT count(*) FROM public.orders')" = 100 ]
"$PGSTREAM" run -c replication.yaml >run.log 2>&1 &
for _ in $(seq 30); do curl -fs http://127.0.0.1:9910/ready >/dev/null && break; sleep 1; done
sql -d app_source -c "INSERT INTO public.orders VALUES (1001, 10)" -c "UPDATE public.orders SET total = 0 WHERE id = 1" -c "DELETE FROM public.orders WHERE id = 2"
for _ in $(seq 30); do
  got=$(sql -d app_target -c "SELECT count(*) || ',' || (SELECT total FROM public.orders WHERE id = 1) || ',' || (SELECT count(*) FROM public.orders WHERE id IN (1001, 2)) FROM public.orders")
  [ "$got" = "100,0,1" ] && break
  sleep 1
done
echo "target after streaming: rows,total(id=1),rows(1001|2) = $got"
[ "$got" = "100,0,1" ]
echo "1 passed, 0 failed"
