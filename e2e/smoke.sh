#!/usr/bin/env bash
# Real-peer smoke test (first step of the real-peer tier): the pod specs the operator generates, run with
# a real pgstream binary against a real PostgreSQL 15 with wal2json: init, snapshot, streaming of an
# insert, an update and a delete, and a restart that resumes. Not part of `make test` yet.
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
trap 'pkill -f "pgstream-$PGSTREAM_VERSION" || true; su postgres -c "$PG/pg_ctl -D $WORK/data -m fast stop >/dev/null" || true' EXIT
export PGPASSWORD=postgres
sql() { psql -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
# Passwords with characters that must be percent-encoded, as the operator's derived Secret holds them.
sql -c "CREATE ROLE src LOGIN SUPERUSER PASSWORD 's:r@c/1'" -c "CREATE ROLE tgt LOGIN PASSWORD 't%g?t2'" \
    -c "CREATE DATABASE app_source" -c "CREATE DATABASE app_target OWNER tgt"
sql -d app_source -c "CREATE TABLE public.orders (id int PRIMARY KEY, total numeric); INSERT INTO public.orders SELECT g, g * 1.5 FROM generate_series(1, 100) g"

# The operator runs against the mock API server and this database; its pod specs are executed with pgstream.
export E2E_PORT=$PORT PGSTREAM_BIN=$PGSTREAM
mvn -B -ntp -q test-compile exec:java -Dexec.mainClass=io.pgstream.operator.e2e.PodSpecE2E -Dexec.classpathScope=test
