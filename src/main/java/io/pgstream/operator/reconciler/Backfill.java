package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.api.ResnapshotSpec;
import io.pgstream.operator.api.StepState;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.config.PgstreamConfigRenderer;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.lifecycle.TableSelectionChange;
import io.pgstream.operator.lifecycle.TableSelectionChange.Selection;
import io.pgstream.operator.status.ConditionType;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.status.Messages;
import io.pgstream.operator.status.StatusUpdater;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Tables the spec selects after the snapshot (PhaseTable TABLES_ADDED: MARK_STALE). SnapshotStale
 * names them and they stay out of streaming, so pgstream never writes into a target table the
 * snapshot never created and their rows never half-arrive; the covered tables stream on. A new
 * spec.snapshot.backfill copies just them: streaming pauses (its pods gone, as before any snapshot),
 * a Job snapshots only those tables, they join the covered selection, and streaming resumes from the
 * slot, which kept every change made meanwhile; replaying those over the copy converges, inserts the
 * copy already holds being skipped (on_conflict_action nothing, see PgstreamConfigRenderer#onConflictAction).
 * Tables the spec drops (TABLES_REMOVED) stop streaming and keep their rows on the target.
 *
 * <p>A new spec.snapshot.resnapshot value (PhaseTable RESNAPSHOT) runs the same copy for chosen tables
 * the target already holds, their target copies emptied first (rows deleted on the source since must
 * not survive). A failed one leaves them emptied or half copied, so streaming stays paused until a new
 * value: nothing half-arrives, and the slot keeps every change.
 */
final class Backfill {
  static final String STALE = "TablesNotSnapshotted";
  private static final Duration WAIT_FOR_WRITERS = Duration.ofSeconds(5);
  private final Dependents children;
  private final PopulatedTargetGate populatedTarget;
  private final SnapshotPosition snapshotPosition;
  private final EventRecorder events;
  private final Clock clock;

  Backfill(
      Dependents children, PopulatedTargetGate populatedTarget, SnapshotPosition snapshotPosition, EventRecorder events, Clock clock) {
    this.children = children;
    this.populatedTarget = populatedTarget;
    this.snapshotPosition = snapshotPosition;
    this.events = events;
    this.clock = clock;
  }

  /** After the snapshot, before streaming: empty when streaming (or completion) may go on. */
  Optional<Outcome> step(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, RenderedConfig config, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    if (!p.getSpec().mode.snapshots()) {
      return Optional.empty();
    }
    Selection wanted = TableCoverage.wanted(p.getSpec());
    if (st.snapshot.tables == null) {
      // Taken before the operator recorded selections: the spec as it is now is what it covers.
      TableCoverage.record(st.snapshot, wanted);
    }
    if (TableCoverage.backfillRunning(st)) {
      Optional<Outcome> running = run(p, ctx, s, config, creds);
      if (running.isPresent()) {
        return running;
      }
    }
    Selection covered = TableCoverage.covered(st);
    TableSelectionChange change = TableSelectionChange.between(covered, wanted);
    if (!change.removed().isEmpty()) {
      narrow(p, st, covered, wanted, change.removed());
      covered = TableCoverage.covered(st);
    }
    String asked = p.getSpec().snapshot == null ? null : p.getSpec().snapshot.backfill;
    // Suspended, or held by a failed re-snapshot (whose record the backfill's would replace): a new value waits,
    // unhandled, and starts once the pipeline runs again.
    boolean held = resnapshotFailed(st) && st.backfill.configHash != null;
    boolean newValue = asked != null && !asked.equals(st.backfillHandled) && !Suspension.requested(p) && !held;
    if (newValue) {
      st.backfillHandled = asked;
    }
    if (newValue && !change.added().isEmpty()) {
      st.backfill = begin(change.backfill(covered, wanted), asked, false);
      events.normal(p, "BackfillStarted", "Backfilling " + list(st.backfill.tables) + ": streaming pauses meanwhile");
      Optional<Outcome> running = run(p, ctx, s, config, creds);
      if (running.isPresent()) {
        return running;
      }
    }
    Optional<Outcome> resnapshot = resnapshot(p, ctx, s, config, creds, covered, wanted);
    if (resnapshot.isPresent() || resnapshotFailed(st)) {
      return resnapshot;
    }
    if (change.added().isEmpty()) {
      if (!StatusUpdater.condition(st, ConditionType.SnapshotStale).map(c -> "False".equals(c.getStatus())).orElse(false)) {
        s.set(ConditionType.SnapshotStale, false, "AllTablesCopied", "The target holds every table the spec selects");
      }
      return Optional.empty();
    }
    String stale = staleMessage(st, change.added());
    s.set(ConditionType.SnapshotStale, true, staleReason(st), stale);
    if (p.getSpec().mode.replicates() && TableCoverage.nothingToStream(p)) {
      children.deployment.delete(p, ctx);
      String message = "Every selected table waits for a backfill, so nothing streams: set spec.snapshot.backfill to a new value";
      s.phase(Phase.Streaming);
      s.set(ConditionType.Streaming, false, "NothingToStream", message);
      s.set(ConditionType.Degraded, true, staleReason(st), stale);
      s.set(ConditionType.Ready, false, "NothingToStream", message);
      return Optional.of(Outcome.onChange());
    }
    return Optional.empty();
  }

  /**
   * SnapshotStale does not stop streaming but is a problem: after the streaming step judged the
   * pipeline, Degraded says so unless something worse already does.
   */
  static Outcome keepStaleVisible(StatusUpdater s, Outcome outcome) {
    PgstreamPipelineStatus st = s.status();
    StatusUpdater.condition(st, ConditionType.SnapshotStale)
        .filter(c -> "True".equals(c.getStatus()))
        .filter(c -> StatusUpdater.condition(st, ConditionType.Degraded).map(d -> "False".equals(d.getStatus())).orElse(true))
        .ifPresent(c -> s.set(ConditionType.Degraded, true, c.getReason(), c.getMessage()));
    return outcome;
  }

  /**
   * A new spec.snapshot.resnapshot value starts a re-snapshot of its tables, or is refused (nothing
   * emptied, streaming goes on); a failed one that emptied them keeps streaming paused. Empty when
   * streaming may go on.
   */
  private Optional<Outcome> resnapshot(
      PgstreamPipeline p,
      Context<PgstreamPipeline> ctx,
      StatusUpdater s,
      RenderedConfig config,
      ResolvedCredentials creds,
      Selection covered,
      Selection wanted) {
    PgstreamPipelineStatus st = s.status();
    ResnapshotSpec asked = p.getSpec().snapshot == null ? null : p.getSpec().snapshot.resnapshot;
    if (asked != null && asked.value != null && !asked.value.equals(st.resnapshotHandled) && !Suspension.requested(p)) {
      st.resnapshotHandled = asked.value;
      Selection tables = new Selection(asked.tables, List.of());
      st.backfill = begin(tables, asked.value, true);
      List<String> unselected = tables.tables().stream().filter(t -> !covered.selects(t) || !wanted.selects(t)).toList();
      if (!unselected.isEmpty() || !copiesRows(p)) {
        st.backfill.state = StepState.Failed;
        st.backfill.reason = "ResnapshotRefused";
        st.backfill.message = unselected.isEmpty()
            ? "spec.snapshot.mode copies no rows, so there is nothing to re-snapshot"
            : "The pipeline does not select %s, or the target never got them: a re-snapshot copies only tables the target"
                .formatted(list(unselected))
                + " holds (for tables the spec added, set spec.snapshot.backfill). Nothing was emptied; streaming goes on.";
        // The Warning Event is Degraded's (Announcer), which keepStaleVisible raises with this reason.
      } else {
        events.normal(p, "ResnapshotStarted", "Re-snapshotting " + list(tables.tables()) + ": streaming pauses meanwhile");
        Optional<Outcome> running = run(p, ctx, s, config, creds);
        if (running.isPresent()) {
          return running;
        }
      }
    }
    if (!resnapshotFailed(st)) {
      return Optional.empty();
    }
    StepStatus failed = st.backfill;
    String reason = Objects.requireNonNullElse(failed.reason, "ResnapshotFailed");
    String message = "The re-snapshot (spec.snapshot.resnapshot.value " + failed.nonce + ") of " + list(failed.tables)
        + " failed: " + failed.message;
    if (failed.configHash == null || !p.getSpec().mode.replicates() || Suspension.requested(p)) {
      s.set(ConditionType.SnapshotStale, true, reason, message + " Set a new value to try again.");
      return Optional.empty();
    }
    message += " Their target copies were emptied, so streaming stays paused (the slot keeps every change) until a new"
        + " spec.snapshot.resnapshot.value copies them again.";
    children.deployment.delete(p, ctx);
    s.phase(Phase.Streaming);
    s.set(ConditionType.SnapshotStale, true, reason, message);
    s.set(ConditionType.Streaming, false, reason, message);
    s.set(ConditionType.Degraded, true, reason, message);
    s.set(ConditionType.Ready, false, reason, message);
    return Optional.of(Outcome.onChange());
  }

  private static boolean copiesRows(PgstreamPipeline p) {
    return p.getSpec().snapshot == null || p.getSpec().snapshot.effectiveMode().includesData();
  }

  private static boolean resnapshotFailed(PgstreamPipelineStatus st) {
    return st.backfill != null && Boolean.TRUE.equals(st.backfill.resnapshot) && st.backfill.state == StepState.Failed;
  }

  private Optional<Outcome> run(
      PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, RenderedConfig config, ResolvedCredentials creds) {
    PgstreamPipelineStatus st = s.status();
    StepStatus recorded = st.backfill;
    boolean resnapshot = Boolean.TRUE.equals(recorded.resnapshot);
    Selection tables = new Selection(recorded.tables, recorded.excludedTables);
    if (recorded.configHash == null) {
      Optional<Outcome> waiting = stopWriters(p, ctx, s);
      if (waiting.isPresent()) {
        return waiting;
      }
      // Again on the pass that creates the Job: nothing wrote in between, so a re-snapshot empties nothing twice.
      Blocker refused =
          resnapshot ? populatedTarget.emptyForResnapshot(p, creds, tables) : populatedTarget.clearForBackfill(p, creds, tables);
      if (refused != null) {
        st.backfill.state = StepState.Failed;
        st.backfill.message = refused.message();
        return Optional.empty();
      }
      if (!config.files().containsKey(PgstreamConfigRenderer.BACKFILL_FILE)) {
        // Rendered from the status this pass started with: the Job reads backfill.yaml from the next one.
        s.set(ConditionType.SnapshotStale, true, "Backfilling", recorded.message);
        paused(p, ctx, s, recorded.message);
        return Optional.of(Outcome.after(Duration.ofSeconds(1)));
      }
    }
    StepStatus next = StepPlanner.advance(children.job(Step.BACKFILL), p, ctx, st, recorded, creds.secretValues(), clock);
    next.tables = recorded.tables;
    next.excludedTables = recorded.excludedTables;
    next.nonce = recorded.nonce;
    next.resnapshot = recorded.resnapshot;
    st.backfill = next;
    if (next.state == StepState.Running) {
      s.set(ConditionType.SnapshotStale, true, "Backfilling", next.message);
      paused(p, ctx, s, next.message);
      return Optional.of(Outcome.onChange());
    }
    if (next.state == StepState.Failed) {
      return Optional.empty();
    }
    snapshotPosition.record(p, next, creds);
    if (resnapshot) {
      // The target held them before: the selection it covers stays as it was.
      events.normal(p, "ResnapshotCompleted", "Re-snapshotted " + list(tables.tables()) + "; streaming resumes from the slot");
      s.set(ConditionType.SnapshotStale, false, "Resnapshotted", next.message + ": " + list(tables.tables()) + " copied again");
    } else {
      TableCoverage.record(st.snapshot, TableCoverage.covered(st).union(tables));
      events.normal(p, "BackfillCompleted", "Backfilled " + list(tables.tables()) + "; they stream from now on");
      s.set(ConditionType.SnapshotStale, false, "Backfilled", next.message + ": " + list(tables.tables()) + " copied");
    }
    // The ConfigMap of this pass still holds backfill.yaml (and held-out tables): stream once it is rendered without.
    paused(p, ctx, s, "The copy finished; streaming resumes with " + list(tables.tables()));
    return Optional.of(Outcome.after(Duration.ofSeconds(1)));
  }

  /** Every writer to the target stops first: the streaming pods, and an earlier backfill Job and its pods. */
  private Optional<Outcome> stopWriters(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s) {
    String job = Children.job(p, Step.BACKFILL);
    children.job(Step.BACKFILL).getSecondaryResource(p, ctx)
        .ifPresent(old -> ctx.getClient().resource(old).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete());
    boolean writing =
        children.deployment.getSecondaryResource(p, ctx).isPresent()
            || children.job(Step.BACKFILL).getSecondaryResource(p, ctx).isPresent()
            || PipelinePods.anyUnfinished(PipelinePods.streaming(ctx.getClient(), p))
            || PipelinePods.anyUnfinished(PipelinePods.ofJob(ctx.getClient(), p.getMetadata().getNamespace(), job));
    if (!writing) {
      return Optional.empty();
    }
    String message = "The backfill waits until nothing writes to the target: Deployment " + Children.deployment(p)
        + " and an earlier Job " + job + " and their pods must be gone";
    s.set(ConditionType.SnapshotStale, true, "Backfilling", message);
    paused(p, ctx, s, message);
    return Optional.of(Outcome.after(WAIT_FOR_WRITERS));
  }

  private void paused(PgstreamPipeline p, Context<PgstreamPipeline> ctx, StatusUpdater s, String message) {
    children.deployment.delete(p, ctx);
    s.phase(Phase.Snapshotting);
    if (p.getSpec().mode.replicates()) {
      s.set(ConditionType.Streaming, false, "PausedForBackfill", message);
    }
    s.set(ConditionType.Degraded, false, "AsExpected", "No problems");
    s.set(ConditionType.Ready, false, "Backfilling", message);
  }

  /** The spec dropped tables: they stop streaming, so the target no longer counts as holding them current. */
  private void narrow(PgstreamPipeline p, PgstreamPipelineStatus st, Selection covered, Selection wanted, List<String> removed) {
    TableCoverage.record(st.snapshot, covered.intersection(wanted));
    events.normal(
        p,
        "TablesRemoved",
        ("%s no longer selected: they stop streaming and their rows stay on the target as they are; selecting them again"
                + " later needs a backfill")
            .formatted(list(removed)));
  }

  private static StepStatus begin(Selection tables, String value, boolean resnapshot) {
    StepStatus step = new StepStatus();
    step.state = StepState.Running;
    step.nonce = value;
    step.resnapshot = resnapshot ? Boolean.TRUE : null;
    step.message = "Waiting to start the " + (resnapshot ? "re-snapshot" : "backfill") + " of " + list(tables.tables());
    TableCoverage.record(step, tables);
    return step;
  }

  private static boolean backfillFailed(PgstreamPipelineStatus st) {
    return st.backfill != null && st.backfill.state == StepState.Failed && st.backfill.resnapshot == null;
  }

  private static String staleReason(PgstreamPipelineStatus st) {
    return backfillFailed(st) ? "BackfillFailed" : STALE;
  }

  private static String staleMessage(PgstreamPipelineStatus st, List<String> added) {
    String failed =
        backfillFailed(st)
            ? " The last backfill (spec.snapshot.backfill " + st.backfill.nonce + ") failed: " + st.backfill.message + "."
            : "";
    return ("The snapshot did not copy %s, which the spec now selects: they do not stream (the other tables do) until"
            + " spec.snapshot.backfill is set to a new value, which pauses streaming, copies just them and resumes."
            + " Tables the spec no longer selects stop streaming and keep their rows on the target.%s")
        .formatted(list(added), failed);
  }

  private static String list(List<String> tables) {
    return Messages.firstOf(tables, PopulatedTargetGate.LISTED);
  }
}
