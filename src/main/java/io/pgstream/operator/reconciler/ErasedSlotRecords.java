package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineSpec;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.Children;
import io.pgstream.operator.dependent.SlotLocation;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.durable.ProgressRecord;
import io.pgstream.operator.preflight.DatabaseConnector;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Status was erased while the pipeline's step Jobs survived: the Jobs say a slot may exist, and
 * status.slotsCreated, which deletion works from, is empty. The records are rebuilt ({@link
 * LostSlotRecords}) first thing in a reconcile, before validation, the allow lists or a gate can end
 * it, so the slot stays tracked whatever else is wrong with the spec; an invalid spec still ends as
 * its condition. Only the source and target logins are used, over the connections the pipeline
 * itself uses, and only to hosts the allow list admits.
 */
final class ErasedSlotRecords {
  private final DatabaseConnector database;
  private final Dependents children;
  private final PipelineInputs inputs;
  private final AllowListGate allowLists;
  private final LostSlotRecords lostSlots;

  ErasedSlotRecords(DatabaseConnector database, Dependents children, PipelineInputs inputs, AllowListGate allowLists, LostSlotRecords lostSlots) {
    this.database = database;
    this.children = children;
    this.inputs = inputs;
    this.allowLists = allowLists;
    this.lostSlots = lostSlots;
  }

  /**
   * Before anything else of a reconcile: rebuilds the records when status holds neither progress nor
   * slot records but a step Job outlived it. True when records that should be there could not be
   * rebuilt (a login, a host or a database is not reachable yet): look again later.
   */
  boolean restoreFirst(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st) {
    PgstreamPipelineSpec spec = p.getSpec();
    if (!needed(p, ctx, st) || spec.target == null) {
      return false;
    }
    boolean refused = allowLists.connectionRefusal(spec.source.host).isPresent() || allowLists.connectionRefusal(spec.target.host).isPresent();
    if (refused || !(inputs.logins(p) instanceof PipelineInputs.Ready ready)) {
      return true;
    }
    return restore(p, ctx, st, ready.credentials()).isPresent();
  }

  /** The records the target's progress row and the source name; empty when done, else why they could not be read. */
  Optional<String> restore(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st, ResolvedCredentials creds) {
    if (hasRecords(st)) {
      return Optional.empty();
    }
    PgstreamPipelineSpec spec = p.getSpec();
    try {
      Optional<ProgressRecord> row = Optional.empty();
      try (Connection target = database.open(spec.target, spec.target.database, creds.targetUser(), creds.targetPassword())) {
        row = SnapshotStateGate.readable(target, p);
      } catch (SQLException e) {
        if (!"3D000".equals(e.getSQLState())) {
          throw e; // a missing target database holds no row
        }
      }
      Optional<Job> init = children.job(Step.INIT).getSecondaryResource(p, ctx);
      Optional<SlotLocation> made = init.flatMap(j -> SlotLocation.parse(StepPlanner.annotation(j, Children.SLOT_ANNOTATION)));
      List<SlotLocation> initJob = Stream.concat(
              made.stream(), init.stream().flatMap(j -> SlotLocation.parseAll(StepPlanner.annotation(j, Children.SLOTS_RECORDED_ANNOTATION)).stream()))
          .toList();
      // A running init may make its slot any moment: recorded now, whether or not the source has it yet.
      Optional<SlotLocation> making = init.filter(j -> !JobStates.finished(j)).flatMap(j -> made);
      lostSlots.restore(p, ctx, st, row, initJob, making, creds);
      return Optional.empty();
    } catch (SQLException e) {
      return Optional.of(Redactor.redact(String.valueOf(e.getMessage()), creds.secretValues()));
    }
  }

  /** Status holds no progress and no slot records, and an init or snapshot Job of the pipeline exists. */
  boolean needed(PgstreamPipeline p, Context<PgstreamPipeline> ctx, PgstreamPipelineStatus st) {
    return SlotRecords.readable(p) && st.init == null && st.snapshot == null && !hasRecords(st) && stepJobsOutlivedStatus(p, ctx);
  }

  /** The Jobs outlived the status (it was erased, not the pipeline): they say what ran. */
  boolean stepJobsOutlivedStatus(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    return children.job(Step.INIT).getSecondaryResource(p, ctx).isPresent()
        || children.job(Step.SNAPSHOT).getSecondaryResource(p, ctx).isPresent();
  }

  private static boolean hasRecords(PgstreamPipelineStatus st) {
    return st.slotsCreated != null && !st.slotsCreated.isEmpty();
  }
}
