# shellcheck shell=bash
# Sourced by e2e/run.sh and e2e/node/run.sh: the e2e tier's two PostgreSQL 15 servers, a source (wal_level=logical,
# wal2json, rds.logical_replication=on) and a target (wal_level=replica), superuser postgres with password postgres,
# data under WORK (which the postgres user must own), each recorded with pid_record (e2e/control-plane.sh).
#   PG_LISTEN      listen_addresses (default 127.0.0.1)
#   PG_HBA_SUBNET  a subnet allowed in besides loopback, with passwords (the pods' subnet of the real node)
PG=/usr/lib/postgresql/15/bin

pg_install() {
  if [ ! -x "$PG/postgres" ] || [ ! -e /usr/lib/postgresql/15/lib/wal2json.so ] || ! command -v openssl >/dev/null; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-15 postgresql-15-wal2json openssl
  fi
}

pg_start() { # side port wal_level extra-settings
  su postgres -c "$PG/initdb -D $WORK/$1 -A scram-sha-256 --pwfile=<(echo postgres) >/dev/null"
  if [ -n "${PG_HBA_SUBNET:-}" ]; then echo "host all all $PG_HBA_SUBNET scram-sha-256" >> "$WORK/$1/pg_hba.conf"; fi
  su postgres -c "$PG/pg_ctl -D $WORK/$1 -l $WORK/$1.log -w -o '-c port=$2 -c wal_level=$3 $4 -c listen_addresses=${PG_LISTEN:-127.0.0.1} -c unix_socket_directories=$WORK' start >/dev/null"
  # SIGINT is PostgreSQL's fast shutdown: it ends the sessions, then stops.
  pid_record "postgres-$1" "$(head -n 1 "$WORK/$1/postmaster.pid")" INT
}

# PostgreSQL minors from November 2026 load only the output plugins listed in output_plugin_libraries;
# an RDS parameter group plays this part. Older minors do not know the setting.
pg_allow_wal2json() { # port
  local psql="$PG/psql -h 127.0.0.1 -p $1 -U postgres -d postgres -Atqc"
  if [ "$(PGPASSWORD=postgres $psql "SELECT count(*) FROM pg_settings WHERE name = 'output_plugin_libraries'")" = 1 ]; then
    PGPASSWORD=postgres $psql "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'wal2json'"
    PGPASSWORD=postgres $psql "SELECT pg_reload_conf()" >/dev/null
  fi
}

pg_start_both() { # source-port target-port
  pg_start source "$1" logical "-c rds.logical_replication=on"
  pg_allow_wal2json "$1"
  pg_start target "$2" replica ""
}
