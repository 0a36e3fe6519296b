package io.pgstream.operator.lifecycle;

import static io.pgstream.operator.lifecycle.ChangeKind.*;
import static io.pgstream.operator.lifecycle.Reaction.*;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The phase machine's table: for every {@link Stage} and every {@link ChangeKind}, the one {@link
 * Reaction}. The reconciler decides from it, the README shows it ({@link #markdown()}, checked by a
 * test), and the lifecycle model test holds the reconciler to it.
 */
public final class PhaseTable {
  private static final Map<Stage, Map<ChangeKind, Reaction>> TABLE = new EnumMap<>(Stage.class);

  static {
    row(Stage.NEW, APPLY, APPLY, APPLY, APPLY, APPLY, APPLY, REFUSE, APPLY, APPLY, APPLY, APPLY, RE_PREPARE, RE_PREPARE,
        APPLY, APPLY, NOTHING, NOTHING, NOTHING, HOLD, APPLY, NOTHING, NOTHING, ADOPT_OR_BLOCK, RESUME, DELETE);
    row(Stage.INITIALIZING, WAIT_FOR_STEP, WAIT_FOR_STEP, WAIT_FOR_STEP, APPLY, APPLY, APPLY, REFUSE, APPLY, APPLY,
        APPLY, WAIT_FOR_STEP, RE_PREPARE, RE_PREPARE, APPLY, APPLY, NOTHING, NOTHING, RESTART_STEP, WAIT_FOR_STEP,
        NOTHING, NOTHING, NOTHING, ADOPT_OR_BLOCK, RESUME, DELETE);
    // STREAM_TUNING waits too: the snapshot writes with the same target settings (batch, onConflictAction, strictMode).
    row(Stage.SNAPSHOTTING, WAIT_FOR_STEP, WAIT_FOR_STEP, WAIT_FOR_STEP, WAIT_FOR_STEP, WAIT_FOR_STEP, WAIT_FOR_STEP,
        REFUSE, WAIT_FOR_STEP, WAIT_FOR_STEP, WAIT_FOR_STEP, WAIT_FOR_STEP, RE_PREPARE, RE_PREPARE, RESTART_STEP,
        RESNAPSHOT_TABLES, NOTHING, NOTHING, RESTART_STEP, WAIT_FOR_STEP, NOTHING, NOTHING, NOTHING, ADOPT_OR_BLOCK,
        RESUME, DELETE);
    row(Stage.STREAMING, ROLL_STREAMING, BLOCK_GAP, BLOCK_GAP, BLOCK_GAP, MARK_STALE, ROLL_STREAMING, REFUSE,
        NEXT_SNAPSHOT, ROLL_STREAMING, ROLL_STREAMING, ROLL_STREAMING, RE_PREPARE, RE_PREPARE, NEW_SNAPSHOT,
        RESNAPSHOT_TABLES, NOTHING, NOTHING, NOTHING, HOLD, RECREATE_STREAMING, ROLL_STREAMING, BLOCK_SLOT_LOST,
        ADOPT_OR_BLOCK, RESUME, DELETE);
    row(Stage.COMPLETED, NEXT_SNAPSHOT, NEXT_SNAPSHOT, NOTHING, NEXT_SNAPSHOT, MARK_STALE, NOTHING, REFUSE,
        NEXT_SNAPSHOT, NOTHING, NEXT_SNAPSHOT, NEXT_SNAPSHOT, RE_PREPARE, RE_PREPARE, NEW_SNAPSHOT, RESNAPSHOT_TABLES,
        NOTHING, NOTHING, NOTHING, NOTHING, NOTHING, NOTHING, NOTHING, ADOPT_OR_BLOCK, RESUME, DELETE);
    row(Stage.FAILED, RERUN_FAILED, RERUN_FAILED, RERUN_FAILED, RERUN_FAILED, RERUN_FAILED, RERUN_FAILED, REFUSE,
        RERUN_FAILED, RERUN_FAILED, RERUN_FAILED, RERUN_FAILED, RERUN_FAILED, RE_PREPARE, RERUN_FAILED, APPLY,
        RERUN_FAILED, AUTO_RETRY, NOTHING, NOTHING, NOTHING, NOTHING, NOTHING, ADOPT_OR_BLOCK, RESUME, DELETE);
  }

  private PhaseTable() {}

  private static void row(Stage stage, Reaction... reactions) {
    ChangeKind[] kinds = ChangeKind.values();
    if (reactions.length != kinds.length) {
      throw new IllegalStateException(stage + ": " + reactions.length + " reactions for " + kinds.length + " kinds");
    }
    Map<ChangeKind, Reaction> row = new EnumMap<>(ChangeKind.class);
    for (int i = 0; i < kinds.length; i++) {
      row.put(kinds[i], reactions[i]);
    }
    TABLE.put(stage, row);
  }

  public static Reaction reaction(Stage stage, ChangeKind kind) {
    return TABLE.get(stage).get(kind);
  }

  /** The children that should exist in a stage; any other child of the pipeline is removed. */
  public static List<Child> desiredChildren(Stage stage, boolean replicates) {
    return switch (stage) {
      case NEW -> List.of(Child.CONFIG_MAP, Child.SECRET);
      case INITIALIZING -> List.of(Child.CONFIG_MAP, Child.SECRET, Child.INIT_JOB);
      case SNAPSHOTTING -> List.of(Child.CONFIG_MAP, Child.SECRET, Child.INIT_JOB, Child.SNAPSHOT_JOB);
      case STREAMING -> replicates
          ? List.of(Child.CONFIG_MAP, Child.SECRET, Child.INIT_JOB, Child.SNAPSHOT_JOB, Child.STREAMING_DEPLOYMENT)
          : List.of(Child.CONFIG_MAP, Child.SECRET, Child.SNAPSHOT_JOB);
      case COMPLETED -> List.of(Child.CONFIG_MAP, Child.SECRET, Child.SNAPSHOT_JOB);
      case FAILED -> List.of(Child.CONFIG_MAP, Child.SECRET, Child.FAILED_JOB);
    };
  }

  /** The table as the README shows it: one row per change kind, one column per stage. */
  public static String markdown() {
    StringBuilder out = new StringBuilder("| Change |");
    for (Stage stage : Stage.values()) {
      out.append(' ').append(stage.name()).append(" |");
    }
    out.append("\n|---|");
    out.append("---|".repeat(Stage.values().length)).append('\n');
    for (ChangeKind kind : ChangeKind.values()) {
      out.append("| ").append(kind.name()).append(": ").append(kind.description()).append(" |");
      for (Stage stage : Stage.values()) {
        out.append(' ').append(reaction(stage, kind).name()).append(" |");
      }
      out.append('\n');
    }
    out.append("\n| Reaction | What the operator does |\n|---|---|\n");
    for (Reaction reaction : Reaction.values()) {
      out.append("| ").append(reaction.name()).append(" | ").append(reaction.description()).append(" |\n");
    }
    return out.toString();
  }
}
