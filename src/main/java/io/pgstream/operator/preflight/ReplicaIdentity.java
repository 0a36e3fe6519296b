package io.pgstream.operator.preflight;

import io.pgstream.operator.api.PgstreamPipelineSpec;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Streamed tables whose updates and deletes pgstream 1.3.1 cannot apply. wal2json (format-version 2)
 * sends the old key of a change as "identity": the primary key, the REPLICA IDENTITY index, or every
 * column for FULL; without one it drops the UPDATE or DELETE with only a WARNING ("no tuple identifier")
 * in the source's log. pgstream builds the target's WHERE clause from that identity as {@code "col" = $n}
 * (pkg/wal/processor/postgres/postgres_wal_dml_adapter.go, buildWhereQuery), so with FULL every column's
 * type needs an = operator (json, xml, point… have none: "operator does not exist: json = unknown", and
 * strict mode stops pgstream).
 */
final class ReplicaIdentity {
  static final String CODE = "TablesWithoutReplicaIdentity";

  private ReplicaIdentity() {}

  /**
   * The selected tables as pgstream sees them in the WAL: plain tables and the leaf partitions of
   * selected partitioned tables (wal2json names the partition; a parent's REPLICA IDENTITY is not
   * inherited by its partitions).
   */
  private static final String STREAMED =
      """
      WITH selected AS (
        SELECT c.oid, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE
      """
          + TableSelection.STREAMED
          + """
        AND c.relkind IN ('r', 'p')
      ), streamed AS (
        SELECT oid FROM selected WHERE relkind = 'r'
        UNION SELECT t.relid FROM selected s, pg_partition_tree(s.oid) t WHERE s.relkind = 'p' AND t.isleaf
      )
      SELECT n.nspname, c.relname, c.relreplident::text,
             EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
             EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisreplident AND i.indisvalid) AS has_index,
             ARRAY(SELECT DISTINCT format_type(a.atttypid, NULL) FROM pg_attribute a
                    WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS types
        FROM streamed s JOIN pg_class c ON c.oid = s.oid AND c.relkind = 'r'
        JOIN pg_namespace n ON n.oid = c.relnamespace
       ORDER BY 1, 2
      """;

  /** The finding naming every such table with its fix, or null. */
  static Finding check(Connection c, PgstreamPipelineSpec spec) throws SQLException {
    record Row(String schema, String name, String identity, boolean pk, boolean index, List<String> types) {}
    List<Row> rows =
        Jdbc.query(
            c,
            STREAMED,
            rs ->
                new Row(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getBoolean(4),
                    rs.getBoolean(5),
                    List.of((String[]) rs.getArray(6).getArray())),
            TableSelection.streamedParams(spec.tables, spec.excludedTables));
    Map<String, Boolean> equality = new HashMap<>();
    List<String> tables = new ArrayList<>();
    List<String> fixes = new ArrayList<>();
    for (Row r : rows) {
      String problem =
          switch (r.identity()) {
            case "d" -> r.pk() ? null : "no primary key, REPLICA IDENTITY DEFAULT";
            case "n" -> "REPLICA IDENTITY NOTHING";
            case "i" -> r.index() ? null : "REPLICA IDENTITY USING INDEX, but the index is gone or invalid";
            default -> null;
          };
      if (problem == null && !r.identity().equals("f")) {
        continue;
      }
      List<String> noEquality = new ArrayList<>();
      for (String type : r.types()) {
        // The operator lookup pgstream's "col" = $n makes; format_type quotes the type name.
        if (!equality.containsKey(type)) {
          equality.put(type, Jdbc.probe(c, "SELECT NULL::" + type + " = NULL::" + type).isEmpty());
        }
        if (!equality.get(type)) {
          noEquality.add(type);
        }
      }
      String table = Jdbc.ident(r.schema()) + "." + Jdbc.ident(r.name());
      String types = String.join(", ", noEquality);
      if (r.identity().equals("f") && !noEquality.isEmpty()) {
        problem = "REPLICA IDENTITY FULL, but no = operator for " + types;
      }
      if (problem == null) {
        continue;
      }
      tables.add(table + " (" + problem + ")");
      fixes.add(
          noEquality.isEmpty()
              ? "ALTER TABLE " + table + " REPLICA IDENTITY FULL;"
              : "add a primary key to " + table + " (FULL cannot match columns of type " + types + ");");
    }
    if (tables.isEmpty()) {
      return null;
    }
    return Finding.error(
        Side.SOURCE,
        CODE,
        "Updates and deletes of these tables would not reach the target, which keeps the old rows: "
            + String.join("; ", tables)
            + ". Without a key wal2json drops their UPDATE and DELETE events (only a WARNING \"no tuple identifier\" in"
            + " the source's and pgstream's logs); with REPLICA IDENTITY FULL, pgstream matches rows by WHERE \"column\""
            + " = value for every column, which fails without an = operator and stops the stream.",
        "On the source: "
            + String.join(" ", fixes)
            + " (REPLICA IDENTITY FULL logs whole old rows: more WAL), or add a primary key, or accept it with"
            + " spec.acknowledge: ["
            + CODE
            + "].");
  }
}
