package io.pgstream.operator.durable;

import io.pgstream.operator.preflight.Jdbc;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The table pgstream_operator.pipelines on a pipeline's target database: one row per namespace/name
 * (the target database is implied), so a pipeline re-created under the same name (new UID) finds
 * what its predecessor finished. Status is the working copy; this row is what survives losing it.
 */
public final class ProgressRecords {
  public static final String SCHEMA = "pgstream_operator";
  public static final String TABLE = SCHEMA + ".pipelines";
  private static final String COLUMNS =
      "namespace, name, uid, mode, source_host, source_port, source_database, slot, initialized_at, snapshot_nonce,"
          + " snapshot_hash, snapshot_tables, snapshot_completed_at";

  private ProgressRecords() {}

  /** Creates the schema and table when missing; as an admin, also lets {@code writer} read and write the rows. */
  public static void ensureTable(Connection c, String writer) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("CREATE SCHEMA IF NOT EXISTS " + SCHEMA);
      st.execute(
          "CREATE TABLE IF NOT EXISTS " + TABLE + " (namespace text NOT NULL, name text NOT NULL, uid text, mode text,"
              + " source_host text, source_port int, source_database text, slot text, initialized_at timestamptz,"
              + " snapshot_nonce text, snapshot_hash text, snapshot_tables text[], snapshot_completed_at timestamptz,"
              + " recorded_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (namespace, name))");
      if (writer != null) {
        st.execute("GRANT USAGE ON SCHEMA " + SCHEMA + " TO " + Jdbc.ident(writer));
        st.execute("GRANT SELECT, INSERT, UPDATE ON " + TABLE + " TO " + Jdbc.ident(writer));
      }
    }
  }

  /** Upserts the whole row: it mirrors what status said when written. */
  public static void write(Connection c, ProgressRecord r) throws SQLException {
    if (!exists(c)) {
      ensureTable(c, null);
    }
    Jdbc.query(
        c,
        "INSERT INTO " + TABLE + " (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            + " ON CONFLICT (namespace, name) DO UPDATE SET (" + COLUMNS.substring("namespace, name, ".length())
            + ", recorded_at) = (EXCLUDED.uid, EXCLUDED.mode, EXCLUDED.source_host, EXCLUDED.source_port,"
            + " EXCLUDED.source_database, EXCLUDED.slot, EXCLUDED.initialized_at, EXCLUDED.snapshot_nonce,"
            + " EXCLUDED.snapshot_hash, EXCLUDED.snapshot_tables, EXCLUDED.snapshot_completed_at, now()) RETURNING 1",
        rs -> 1,
        r.namespace(),
        r.name(),
        r.uid(),
        r.mode(),
        r.sourceHost(),
        r.sourcePort(),
        r.sourceDatabase(),
        r.slot(),
        time(r.initializedAt()),
        r.snapshotNonce(),
        r.snapshotHash(),
        r.snapshotTables(),
        time(r.snapshotCompletedAt()));
  }

  /** The row of namespace/name; empty when there is none or the table was never created. */
  public static Optional<ProgressRecord> read(Connection c, String namespace, String name) throws SQLException {
    if (!exists(c)) {
      return Optional.empty();
    }
    return Jdbc.one(c, "SELECT " + COLUMNS + " FROM " + TABLE + " WHERE namespace = ? AND name = ?", ProgressRecords::row, namespace, name);
  }

  private static boolean exists(Connection c) throws SQLException {
    return Jdbc.isTrue(c, "SELECT to_regclass(?) IS NOT NULL", TABLE);
  }

  private static ProgressRecord row(ResultSet rs) throws SQLException {
    Array tables = rs.getArray("snapshot_tables");
    return new ProgressRecord(
        rs.getString("namespace"),
        rs.getString("name"),
        rs.getString("uid"),
        rs.getString("mode"),
        rs.getString("source_host"),
        (Integer) rs.getObject("source_port"),
        rs.getString("source_database"),
        rs.getString("slot"),
        instant(rs.getObject("initialized_at", OffsetDateTime.class)),
        rs.getString("snapshot_nonce"),
        rs.getString("snapshot_hash"),
        tables == null ? null : List.copyOf(Arrays.asList((String[]) tables.getArray())),
        instant(rs.getObject("snapshot_completed_at", OffsetDateTime.class)));
  }

  private static OffsetDateTime time(String instant) {
    return instant == null ? null : OffsetDateTime.ofInstant(Instant.parse(instant), ZoneOffset.UTC);
  }

  private static String instant(OffsetDateTime t) {
    return t == null ? null : t.toInstant().toString();
  }
}
