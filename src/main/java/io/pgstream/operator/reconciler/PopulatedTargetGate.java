package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PopulatedTargetPolicy;
import io.pgstream.operator.api.SnapshotSpec;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.lifecycle.TableSelectionChange.Selection;
import io.pgstream.operator.preflight.DatabaseConnector;
import io.pgstream.operator.preflight.TableSelection;
import io.pgstream.operator.preflight.TargetTables;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.Messages;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Before a snapshot Job is created: the target copies of the tables it copies must be empty, because
 * a snapshot inserts (COPY or row by row) and fails on the first duplicate key (a re-snapshot by nonce
 * always meets the rows of the first). spec.snapshot.populatedTarget decides: Refuse (wait and say
 * which tables) or Truncate (empty them, as the target login).
 */
final class PopulatedTargetGate {
  static final int LISTED = 10;
  private final DatabaseConnector database;
  private final EventRecorder events;

  PopulatedTargetGate(DatabaseConnector database, EventRecorder events) {
    this.database = database;
    this.events = events;
  }

  /**
   * With Refuse, the first look, taken while everything still runs (a refused re-snapshot leaves
   * streaming alone): the refusal, or null.
   */
  Blocker refusal(PgstreamPipeline p, ResolvedCredentials creds) {
    return policy(p) == PopulatedTargetPolicy.Refuse ? look(p, creds, false, specSelection(p), SNAPSHOT) : null;
  }

  /**
   * The last look, once no pgstream writes to the target any more: Refuse checks again, Truncate
   * empties what holds rows. Null when the snapshot may start.
   */
  Blocker clear(PgstreamPipeline p, ResolvedCredentials creds) {
    return look(p, creds, policy(p) == PopulatedTargetPolicy.Truncate, specSelection(p), SNAPSHOT);
  }

  /** {@link #clear} for a backfill: only the target copies of the tables it copies count. */
  Blocker clearForBackfill(PgstreamPipeline p, ResolvedCredentials creds, Selection tables) {
    return look(p, creds, policy(p) == PopulatedTargetPolicy.Truncate, tables, BACKFILL);
  }

  /** Before a re-snapshot: its tables' target copies are emptied whatever the policy, since replacing them is the point. */
  Blocker emptyForResnapshot(PgstreamPipeline p, ResolvedCredentials creds, Selection tables) {
    return look(p, creds, true, tables, RESNAPSHOT);
  }

  private static Selection specSelection(PgstreamPipeline p) {
    return new Selection(p.getSpec().tables, p.getSpec().excludedTables);
  }

  private static PopulatedTargetPolicy policy(PgstreamPipeline p) {
    return snapshot(p.getSpec()).effectivePopulatedTarget();
  }

  private static SnapshotSpec snapshot(PgstreamPipelineSpec spec) {
    return spec.snapshot == null ? new SnapshotSpec() : spec.snapshot;
  }

  /** Which copy looks, for the messages: its name and the spec field that asked for it. */
  private record Copy(String name, String field) {}

  private static final Copy SNAPSHOT = new Copy("snapshot", "spec.snapshot.nonce");
  private static final Copy BACKFILL = new Copy("backfill", "spec.snapshot.backfill");
  private static final Copy RESNAPSHOT = new Copy("re-snapshot", "spec.snapshot.resnapshot.value");

  private Blocker look(PgstreamPipeline p, ResolvedCredentials creds, boolean truncate, Selection tables, Copy copy) {
    PgstreamPipelineSpec spec = p.getSpec();
    SnapshotSpec snapshot = snapshot(spec);
    boolean mayConnect = spec.preflightEnforced() || truncate;
    // cleanTargetDb: pg_dump --clean drops the selected objects before the snapshot (never before a backfill's copy).
    if (!snapshot.effectiveMode().includesData() || (copy == SNAPSHOT && snapshot.cleansTarget()) || !mayConnect) {
      return null;
    }
    try (Connection source = database.open(spec.source, spec.source.database, creds.sourceUser(), creds.sourcePassword());
        Connection target = database.open(spec.target, spec.target.database, creds.targetUser(), creds.targetPassword())) {
      List<String> populated = TargetTables.populated(target, TableSelection.tables(source, tables.tables(), tables.excluded()));
      if (populated.isEmpty()) {
        return null;
      }
      if (!truncate) {
        return new Blocker(
            "TargetNotEmpty",
            ("The %s would copy into target tables that already hold rows (%s) and fail on the first duplicate key."
                    + " Fix: set spec.snapshot.populatedTarget: Truncate (the operator empties these tables first), empty"
                    + " them yourself, or set %s back to skip the new %s.")
                .formatted(copy.name(), list(populated), copy.field(), copy.name()));
      }
      TargetTables.truncate(target, populated);
      events.normal(
          p,
          "TargetTruncated",
          "spec.snapshot.populatedTarget is Truncate: emptied %s on the target before the %s"
              .formatted(list(populated), copy.name()));
      return null;
    } catch (SQLException e) {
      if ("3D000".equals(e.getSQLState())) {
        return null; // the snapshot creates the target database (createTargetDb): nothing in it yet
      }
      String why = Redactor.redact(String.valueOf(e.getMessage()), creds.secretValues());
      return truncate
          ? new Blocker(
              "TargetTruncateFailed",
              "Could not empty the selected target tables before the " + copy.name() + ": " + why
                  + ". Fix the cause (a table outside the selection that references one of them is not emptied: add it"
                  + " to spec.tables, or empty the tables yourself); the operator tries again with backoff.")
          : new Blocker("TargetCheckFailed", "Could not check whether the target tables are empty: " + why);
    }
  }

  private static String list(List<String> tables) {
    return Messages.firstOf(tables, LISTED);
  }
}
