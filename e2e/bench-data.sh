#!/usr/bin/env bash
# make bench-data: the data-plane benchmark (src/test/java/io/pgstream/operator/benchdata/DataBench.java).
# Starts a source and a target PostgreSQL 15 as the e2e tier does (e2e/postgres.sh), runs the bench against them
# with the real pgstream the e2e tier builds, writes results/bench-data.{md,json,png}, and stops what it started.
#   BENCH_ROWS (2000000), BENCH_CHANGES (200000), BENCH_REPS (2), BENCH_LAG_SECONDS (30), BENCH_LAG_RATES (10,100)
#   BENCH_SNAPSHOT_SWEEP, BENCH_STREAM_SWEEP, BENCH_LAG_SWEEP: ';'-separated CRD settings run beside the rendered
#     defaults, e.g. "copyWorkers=2;tableWorkers=2,copyWorkers=2" or "size=2000;size=10000,maxBytes=16777216"
#   BENCH_PHASES (snapshot,backlog,lag): the phases measured (the target always gets one snapshot to stream into)
#   BENCH_OUT (results), BENCH_SOURCE_PORT (5480), BENCH_TARGET_PORT (5481), BENCH_HEALTH_PORT (19495)
# Needs root on Debian (installs postgresql-15 and postgresql-15-wal2json when missing) and Go (pgstream's path).
set -euo pipefail
cd "$(dirname "$0")/.."
. e2e/postgres.sh
. e2e/control-plane.sh
pg_install
PGSTREAM_BIN=$(images/pgstream-runner/pgstream-bin.sh)

SOURCE_PORT=${BENCH_SOURCE_PORT:-5480}
TARGET_PORT=${BENCH_TARGET_PORT:-5481}
MVN=${MVN:-mvn -B -ntp}
WORK=$(mktemp -d /tmp/pgstream-bench-data.XXXXXX)
chown postgres "$WORK"
cleanup() {
  trap - EXIT INT TERM
  pids_stop "$WORK/pids"
  [ -n "${BENCH_KEEP:-}" ] || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Compiling shares the machine: niced. The rounds themselves run at normal priority.
nice $MVN -q test-compile
pg_start_both "$SOURCE_PORT" "$TARGET_PORT"
for port in "$SOURCE_PORT" "$TARGET_PORT"; do
  # Room for a few hundred MB of writes between checkpoints; everything else stays PostgreSQL's default.
  PGPASSWORD=postgres "$PG/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc "ALTER SYSTEM SET max_wal_size = '4GB'"
  PGPASSWORD=postgres "$PG/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -Atqc "SELECT pg_reload_conf()" >/dev/null
done

cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
wal2json=$(dpkg-query -W -f '${Version}' postgresql-15-wal2json 2>/dev/null || echo '?')
export BENCH_MACHINE="$(nproc) CPUs ($cpu), $mem RAM, $(uname -sr); PostgreSQL $("$PG/postgres" --version | awk '{print $3}'), wal2json $wal2json"
export BENCH_PGSTREAM_VERSION="$("$PGSTREAM_BIN" --version 2>/dev/null | head -n 1), $(basename "$PGSTREAM_BIN")"
export BENCH_COMMAND=${BENCH_COMMAND:-make bench-data}
export BENCH_SOURCE_PORT=$SOURCE_PORT BENCH_TARGET_PORT=$TARGET_PORT BENCH_HEALTH_PORT=${BENCH_HEALTH_PORT:-19495}
export PGPASSWORD=postgres PGSTREAM_BIN PG_BIN=$PG E2E_WORK=$WORK
# In a process group of its own: the teardown stops the JVM and every pgstream it started.
setsid $MVN -q exec:java -Dexec.mainClass=io.pgstream.operator.benchdata.DataBench -Dexec.classpathScope=test \
  -Djava.awt.headless=true &
pid_record group:mvn $!
wait $!
