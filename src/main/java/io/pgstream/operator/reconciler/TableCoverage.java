package io.pgstream.operator.reconciler;

import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.config.RenderOptions;
import io.pgstream.operator.lifecycle.TableSelectionChange;
import io.pgstream.operator.lifecycle.TableSelectionChange.Selection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which tables the target holds, as recorded in status.snapshot (patterns, see {@link
 * TableSelectionChange}), and what that means for rendering. Read from the status as it was at the
 * start of a reconcile, so the ConfigMap the pods read always matches what status says.
 */
final class TableCoverage {
  private TableCoverage() {}

  /**
   * The tables whose rows the target should hold: spec.tables less spec.excludedTables and, when the
   * pipeline snapshots, less spec.snapshot.schemaOnlyTables (their DDL is copied, their rows neither
   * copied nor streamed). So a table taken out of schemaOnlyTables is an addition that needs a
   * backfill, and one put in is a removal, like an edit of excludedTables.
   */
  static Selection wanted(PgstreamPipelineSpec spec) {
    List<String> schemaOnly = spec.effectiveSchemaOnlyTables();
    if (schemaOnly.isEmpty()) {
      return new Selection(spec.tables, spec.excludedTables);
    }
    List<String> excluded = new ArrayList<>(spec.excludedTables == null ? List.of() : spec.excludedTables);
    schemaOnly.stream().filter(t -> !excluded.contains(t)).forEach(excluded::add);
    return new Selection(spec.tables, excluded);
  }

  /** The selection the target holds, or null before a snapshot finished or when it predates the record. */
  static Selection covered(PgstreamPipelineStatus st) {
    if (st == null || st.snapshot == null || st.snapshot.state != StepState.Succeeded || st.snapshot.tables == null) {
      return null;
    }
    return new Selection(st.snapshot.tables, st.snapshot.excludedTables);
  }

  static void record(StepStatus step, Selection selection) {
    step.tables = selection.tables();
    step.excludedTables = selection.excluded().isEmpty() ? null : selection.excluded();
  }

  /**
   * Called with the snapshot's record before and after a step of its Job: a new Job records the
   * selection it copies (the spec now) and supersedes every earlier backfill; the same Job keeps
   * what was recorded when it was created.
   */
  static void recordSnapshot(PgstreamPipelineStatus st, StepStatus before, PgstreamPipelineSpec spec) {
    StepStatus now = st.snapshot;
    if (before != null && before.tables != null && Objects.equals(before.configHash, now.configHash)) {
      now.tables = before.tables;
      now.excludedTables = before.excludedTables;
      return;
    }
    record(now, wanted(spec));
    st.backfill = null;
    // The new snapshot copies every table afresh: a re-snapshot value asked for before it is answered by it.
    st.resnapshotHandled = spec.snapshot == null || spec.snapshot.resnapshot == null ? null : spec.snapshot.resnapshot.value;
  }

  static boolean backfillRunning(PgstreamPipelineStatus st) {
    return st != null && st.backfill != null && st.backfill.state == StepState.Running && st.backfill.tables != null;
  }

  /** The renderer's inputs from the pipeline's progress: held-out tables and the running backfill. */
  static RenderOptions renderOptions(PgstreamPipeline p) {
    PgstreamPipelineStatus st = p.getStatus();
    Selection covered = p.getSpec().mode.snapshots() ? covered(st) : null;
    if (covered == null) {
      return RenderOptions.NONE;
    }
    List<String> heldOut = TableSelectionChange.between(covered, wanted(p.getSpec())).heldOut();
    Selection backfill =
        backfillRunning(st) ? new Selection(st.backfill.tables, st.backfill.excludedTables) : null;
    return new RenderOptions(heldOut, covered.tables(), backfill);
  }

  /** Whether replication would stream no table at all: every selected one waits for a backfill. */
  static boolean nothingToStream(PgstreamPipeline p) {
    RenderOptions options = renderOptions(p);
    List<String> tables = p.getSpec().tables;
    return tables != null && !options.heldOutTables().isEmpty()
        && TableSelectionChange.streamed(tables, options.heldOutTables(), options.coveredTables()).isEmpty();
  }
}
