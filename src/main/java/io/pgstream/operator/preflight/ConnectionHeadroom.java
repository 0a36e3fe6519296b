package io.pgstream.operator.preflight;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.SnapshotSpec;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Whether the source has room for the connections the snapshot opens: max_connections less the slots
 * reserved for superusers (and, on RDS, for rds_superuser; from PostgreSQL 16 for
 * pg_use_reserved_connections) less the sessions open now, and the login's own CONNECTION LIMIT. A
 * snapshot that runs out fails midway with "too many clients" or "remaining connection slots are
 * reserved", after pg_dump may already have written the schema.
 */
final class ConnectionHeadroom {
  /** pg_dump's one connection to the source, ahead of the data copy. */
  static final int SCHEMA_DUMP = 1;

  private ConnectionHeadroom() {}

  /** The most source connections the snapshot holds at once. */
  static int snapshotNeeds(PgstreamPipelineSpec spec) {
    SnapshotSpec s = spec.snapshot == null ? new SnapshotSpec() : spec.snapshot;
    return Math.max(s.sourceConnections(), s.effectiveMode().includesSchema() ? SCHEMA_DUMP : 0);
  }

  /** @param loginLimit the login's CONNECTION LIMIT, -1 when none or when it is a superuser (not held to it) */
  record Room(int maxConnections, int reserved, int inUse, int loginLimit, int loginInUse) {
    int free() {
      int server = maxConnections - reserved - inUse;
      return loginLimit < 0 ? server : Math.min(server, loginLimit - loginInUse);
    }
  }

  static Room read(Connection c) throws SQLException {
    return Jdbc.one(
            c,
            """
            SELECT current_setting('max_connections')::int AS max_connections,
                   current_setting('superuser_reserved_connections')::int
                     + coalesce(nullif(current_setting('reserved_connections', true), '')::int, 0)
                     + coalesce(nullif(current_setting('rds.rds_superuser_reserved_connections', true), '')::int, 0)
                     AS reserved,
                   (SELECT count(*) FROM pg_stat_activity
                     WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::int AS in_use,
                   (SELECT CASE WHEN rolsuper THEN -1 ELSE rolconnlimit END
                      FROM pg_roles WHERE rolname = current_user) AS login_limit,
                   (SELECT count(*) FROM pg_stat_activity
                     WHERE usename = current_user AND backend_type = 'client backend' AND pid <> pg_backend_pid())::int
                     AS login_in_use
            """,
            rs ->
                new Room(
                    rs.getInt("max_connections"),
                    rs.getInt("reserved"),
                    rs.getInt("in_use"),
                    rs.getInt("login_limit"),
                    rs.getInt("login_in_use")))
        .orElseThrow(() -> new SQLException("the connection settings query returned no row"));
  }

  /** null when the snapshot fits; else a warning: what it needs against what is free, and how to make room. */
  static Finding check(Connection c, ServerFacts f, PgstreamPipelineSpec spec) throws SQLException {
    int needs = snapshotNeeds(spec);
    Room room = read(c);
    if (needs <= room.free()) {
      return null;
    }
    SnapshotSpec s = spec.snapshot == null ? new SnapshotSpec() : spec.snapshot;
    String limit =
        room.loginLimit() < 0
            ? ""
            : " Role " + f.user() + " has CONNECTION LIMIT " + room.loginLimit() + " with " + room.loginInUse() + " in use.";
    // A warning (Event, condition message), not an error: preflight runs again on every config change, also for a
    // pipeline whose snapshot is long done, and streaming must not stop over a snapshot it will not take again.
    return Finding.warning(
        SourceChecks.SIDE,
        "SnapshotConnectionsUnavailable",
        ("The snapshot opens up to %d source connections (spec.snapshot workers %d x (1 + schemaWorkers %d x"
                + " tableWorkers %d), at most %d), but only %d are free: max_connections %d, %d reserved, %d in use.%s")
            .formatted(
                needs,
                s.effectiveWorkers(),
                s.effectiveSchemaWorkers(),
                s.effectiveTableWorkers(),
                SnapshotSpec.MAX_SOURCE_CONNECTIONS,
                Math.max(room.free(), 0),
                room.maxConnections(),
                room.reserved(),
                room.inUse(),
                limit),
        "Lower spec.snapshot.schemaWorkers or tableWorkers (each schema worker holds tableWorkers connections), or"
            + " raise max_connections (RDS: the parameter group; it follows the instance class's memory by default),"
            + " or close idle sessions.");
  }
}
