package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.api.SnapshotSpec;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.TargetTables;
import io.pgstream.operator.status.EventRecorder;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Just before a snapshot Job is created: the selected target tables must be empty, because a bulk
 * snapshot copies with COPY, which cannot upsert and fails on the first duplicate key (a re-snapshot
 * by nonce always meets the rows of the first). spec.snapshot.populatedTarget decides: Refuse (wait
 * and say which tables) or Truncate (empty them, as the target login).
 */
final class PopulatedTargetGate {
  static final int LISTED = 10;
  private final DatabaseConnector database;
  private final EventRecorder events;

  PopulatedTargetGate(DatabaseConnector database, EventRecorder events) {
    this.database = database;
    this.events = events;
  }

  /** Null when the snapshot may start. The streaming pod must be gone: it would write between a TRUNCATE and the COPY. */
  Blocker check(PgstreamPipeline p, ResolvedCredentials creds) {
    PgstreamPipelineSpec spec = p.getSpec();
    SnapshotSpec snapshot = spec.snapshot == null ? new SnapshotSpec() : spec.snapshot;
    PopulatedTargetPolicy policy = snapshot.effectivePopulatedTarget();
    boolean mayConnect = spec.preflightEnforced() || policy == PopulatedTargetPolicy.Truncate;
    // cleanTargetDb: pg_dump --clean drops the selected objects before the copy, so there is nothing in the way.
    boolean cleaned = snapshot.effectiveMode().includesSchema() && snapshot.schema != null && Boolean.TRUE.equals(snapshot.schema.cleanTargetDb);
    if (!snapshot.effectiveMode().includesData() || cleaned || !mayConnect) {
      return null;
    }
    try (Connection c = database.open(spec.target, spec.target.database, creds.targetUser(), creds.targetPassword())) {
      List<String> populated = TargetTables.populated(c, spec);
      if (populated.isEmpty()) {
        return null;
      }
      if (policy == PopulatedTargetPolicy.Refuse) {
        return new Blocker(
            "TargetNotEmpty",
            ("The snapshot would copy into target tables that already hold rows (%s). It copies with COPY, which cannot"
                    + " update existing rows, so it would fail on the first duplicate key. Fix: set"
                    + " spec.snapshot.populatedTarget: Truncate (the operator empties these tables first), or empty them"
                    + " yourself. (pgstream 1.3.1 cannot upsert without its injector, so there is no row-by-row option.)")
                .formatted(list(populated)));
      }
      TargetTables.truncate(c, populated);
      events.normal(
          p,
          "TargetTruncated",
          "spec.snapshot.populatedTarget is Truncate: emptied %s on the target before the snapshot".formatted(list(populated)));
      return null;
    } catch (SQLException e) {
      if ("3D000".equals(e.getSQLState())) {
        return null; // the snapshot creates the database (createTargetDb): nothing in it yet
      }
      String why = Redactor.redact(String.valueOf(e.getMessage()), creds.secretValues());
      return policy == PopulatedTargetPolicy.Truncate
          ? new Blocker(
              "TargetTruncateFailed",
              "Could not empty the selected target tables before the snapshot: " + why
                  + ". Fix the cause (a table outside the selection that references one of them is not emptied: add it"
                  + " to spec.tables, or empty the tables yourself); the operator tries again with backoff.")
          : new Blocker("TargetCheckFailed", "Could not check whether the target tables are empty: " + why);
    }
  }

  private static String list(List<String> tables) {
    return tables.size() <= LISTED
        ? String.join(", ", tables)
        : String.join(", ", tables.subList(0, LISTED)) + " and " + (tables.size() - LISTED) + " more";
  }
}
