package io.pgstream.operator.preflight;

import io.pgstream.operator.api.AcknowledgedRisk;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.SnapshotSpec;
import io.pgstream.operator.status.Messages;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Selected columns whose values pgstream 1.3.1 does not carry exactly, as TypeFidelityE2E measured
 * them against real pgstream and wal2json (results/type-fidelity.md). Only the column's own type
 * counts: domains over numeric, float and bytea and arrays of them were measured exact (wal2json
 * sends them as strings), and every other type family tested was exact.
 */
final class ColumnFidelityChecks {
  static final String CODE = AcknowledgedRisk.InexactTypes.name();
  static final String FIX = "Change the column type, exclude the table, or accept it with spec.acknowledge: [InexactTypes].";

  /** What goes wrong, and on which of pgstream's two write paths. */
  enum Loss {
    /** wal2json sends numeric as a JSON number and pgstream decodes it into a float64. */
    NUMERIC(true, "streamed values pass through a float64: digits past the 15th-17th are lost, NaN and Infinity become NULL, trailing zeros of the scale are dropped"),
    /** wal2json writes NaN and Infinity as JSON null. */
    FLOAT(true, "streamed NaN, Infinity and -Infinity become NULL and -0 becomes 0"),
    BYTEA(true, "streamed values arrive as the bytes of their hex text (\\x00ff becomes \\x30306666)"),
    ARRAY(false, "the snapshot flattens multi-dimensional values and drops lower bounds other than 1"),
    RANGE(false, "the snapshot cannot encode the values (numrange, daterange and tsrange always, tstzrange with an infinite bound): with bulk ingest it retries forever, row by row it stops"),
    /** pgstream's COPY encoder; its row-by-row INSERTs carry these. */
    BULK(false, "the bulk-ingest snapshot (COPY) cannot write the values and retries forever");

    final boolean streaming;
    final String effect;

    Loss(boolean streaming, String effect) {
      this.streaming = streaming;
      this.effect = effect;
    }
  }

  private ColumnFidelityChecks() {}

  /** One error finding per kind of loss that applies to the pipeline's mode, naming its columns. */
  static List<Finding> check(Connection c, PgstreamPipelineSpec spec) throws SQLException {
    record Column(String name, String type, Loss loss) {}
    List<Column> columns =
        Jdbc.query(
            c,
            """
            SELECT name, type, loss FROM (
              SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) || '.' || quote_ident(a.attname) AS name,
                     format_type(a.atttypid, a.atttypmod) AS type, n.nspname, c.relname, a.attnum,
                     CASE WHEN a.atttypid = 'numeric'::regtype THEN 'NUMERIC'
                          WHEN a.atttypid IN ('real'::regtype, 'double precision'::regtype) THEN 'FLOAT'
                          WHEN a.atttypid = 'bytea'::regtype THEN 'BYTEA'
                          WHEN t.typtype = 'b' AND t.typcategory = 'A' THEN 'ARRAY'
                          WHEN t.typtype = 'r' AND r.rngsubtype NOT IN ('integer'::regtype, 'bigint'::regtype) THEN 'RANGE'
                          WHEN a.atttypid IN ('time with time zone'::regtype, 'money'::regtype) OR t.typtype = 'c' THEN 'BULK'
                     END AS loss
                FROM pg_class c
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                JOIN pg_type t ON t.oid = a.atttypid
                LEFT JOIN pg_range r ON r.rngtypid = t.oid
               WHERE c.relkind IN ('r', 'p') AND
            """
                + TableSelection.STREAMED
                + ") columns WHERE loss IS NOT NULL ORDER BY nspname, relname, attnum",
            rs -> new Column(rs.getString(1), rs.getString(2), Loss.valueOf(rs.getString(3))),
            TableSelection.streamedParams(spec.tables, spec.excludedTables));

    Map<Loss, List<String>> byLoss = new LinkedHashMap<>();
    for (Column col : columns) {
      if (applies(col.loss(), spec)) {
        byLoss.computeIfAbsent(col.loss(), k -> new ArrayList<>()).add(col.name() + " (" + col.type() + ")");
      }
    }
    List<Finding> findings = new ArrayList<>();
    byLoss.forEach(
        (loss, names) -> {
          String listed = Messages.firstOf(names, SourceChecks.LISTED);
          String fix =
              loss == Loss.BULK ? "Set spec.snapshot.bulkIngest: false (row-by-row snapshot writes carry these types). " + FIX : FIX;
          findings.add(
              Finding.error(
                  Side.SOURCE, CODE, listed + ": pgstream does not carry these values exactly; " + loss.effect + ".", fix));
        });
    return findings;
  }

  private static boolean applies(Loss loss, PgstreamPipelineSpec spec) {
    if (loss.streaming) {
      return spec.mode.replicates();
    }
    SnapshotSpec s = spec.snapshot == null ? new SnapshotSpec() : spec.snapshot;
    boolean copiesData = spec.mode.snapshots() && s.effectiveMode().includesData();
    // Bulk ingest (COPY) unless spec.snapshot.bulkIngest is false.
    return loss == Loss.BULK ? copiesData && s.effectiveBulkIngest() : copiesData;
  }
}
