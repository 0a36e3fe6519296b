package io.pgstream.operator.reconciler;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.pgstream.operator.api.DeletionPolicy;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.SlotRecord;
import io.pgstream.operator.api.StepStatus;
import io.pgstream.operator.config.ReplicationSlots;
import io.pgstream.operator.credentials.Redactor;
import io.pgstream.operator.credentials.ResolvedCredentials;
import io.pgstream.operator.dependent.Step;
import io.pgstream.operator.metrics.PipelineMetrics;
import io.pgstream.operator.slots.SlotDropper;
import io.pgstream.operator.status.EventRecorder;
import io.pgstream.operator.validation.PodTemplateRules;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What deleting a pipeline does to the slots status.slotsCreated records (never to what the current
 * spec names): first everything of it that runs stops; then deletionPolicy Retain names each slot and
 * where it is, and Delete drops them: the slot the spec streams from with pgstream destroy (its schema
 * and event triggers too) when no other pipeline reads that database, every other one over JDBC. What
 * cannot be dropped within {@link #PATIENCE} of the deletion (a terminating namespace without its
 * Secrets, an unreachable server) is named in a SlotRetained Warning, and the finalizer goes.
 */
final class DeletionHandler {
  /** How long a deletion waits for what it needs (a Secret, a consumer to stop, a destroy Job) before it gives up. */
  static final Duration PATIENCE = Duration.ofMinutes(10);
  private static final String INVALID_PASSWORD = "28P01";
  /**
   * What a deletion waits for (a consumer's session to end, a slot to become droppable) announces
   * itself by no event: look again after a quarter of the time the deletion has taken, at least 1 s
   * and at most 30 s, so a short wait ends at once and a long one costs few connections.
   */
  private static final Duration FIRST_RECHECK = Duration.ofSeconds(1);
  private static final Duration LAST_RECHECK = Duration.ofSeconds(30);

  private final PhaseMachine phases;
  private final PipelineInputs inputs;
  private final AllowListGate allowLists;
  private final Dependents children;
  private final PipelineMetrics metrics;
  private final EventRecorder events;
  private final Notices notices;
  private final SlotDropper dropper;
  private final Clock clock;

  DeletionHandler(
      PhaseMachine phases,
      PipelineInputs inputs,
      AllowListGate allowLists,
      Dependents children,
      PipelineMetrics metrics,
      EventRecorder events,
      Notices notices,
      SlotDropper dropper,
      Clock clock) {
    this.phases = phases;
    this.inputs = inputs;
    this.allowLists = allowLists;
    this.children = children;
    this.metrics = metrics;
    this.events = events;
    this.notices = notices;
    this.dropper = dropper;
    this.clock = clock;
  }

  DeleteControl cleanup(PgstreamPipeline p, Context<PgstreamPipeline> ctx) {
    List<SlotRecord> records = SlotRecords.forDeletion(p);
    if (records.isEmpty()) {
      return release(p);
    }
    Optional<String> running = RunningSteps.stop(p, ctx, children);
    if (running.isPresent()) {
      return waitOrGiveUp(p, records, "StoppingSteps", "waiting for " + running.get() + " to stop");
    }
    if (SlotRecords.policy(p) == DeletionPolicy.Retain) {
      events.normal(
          p,
          "SlotRetained",
          ("deletionPolicy Retain: replication slot(s) %s and schema pgstream stay and keep retaining WAL. Drop them with"
                  + " `pgstream destroy`, or in that database: %s")
              .formatted(SlotRecords.describe(records), dropSqls(records)));
      return release(p);
    }
    if (!SlotRecords.readable(p)) {
      // The logins and TLS settings are in the spec: without it the operator cannot connect safely.
      return giveUp(p, records, "the spec cannot be read (" + Objects.requireNonNullElse(p.getSpec().unreadable, "it has no source")
          + "), and with it the source login");
    }
    return drop(p, ctx, records, false);
  }

  /**
   * deletionPolicy Delete. Each recorded slot is dropped over JDBC, except the one the spec streams
   * from when no other pipeline reads its database: that one goes with pgstream destroy, which also
   * removes the schema and event triggers (unless {@code noJobs}: the namespace refuses new Jobs).
   */
  private DeleteControl drop(PgstreamPipeline p, Context<PgstreamPipeline> ctx, List<SlotRecord> records, boolean noJobs) {
    List<PgstreamPipeline> all = ctx.getPrimaryCache().list().toList();
    String streamed = p.getSpec().mode != null && p.getSpec().mode.replicates() ? ReplicationSlots.slotFor(p) : null;
    SlotRecord byDestroy = null;
    List<SlotRecord> direct = new ArrayList<>();
    for (SlotRecord r : records) {
      if (SlotRecords.slotClaimedByOthers(p, r, all)) {
        continue; // another pipeline streams from it now: not this one's to drop
      }
      boolean destroyable = !noJobs && byDestroy == null && streamed != null && SlotRecords.current(r)
          && SlotRecords.at(r, p.getSpec().source, streamed) && SlotRecords.databaseUsedByOthers(p, r, all).isEmpty();
      if (destroyable) {
        byDestroy = r;
      } else {
        direct.add(r);
      }
    }
    List<SlotRecord> left = new ArrayList<>();
    String why = dropDirectly(p, direct, all, noJobs, left);
    if (!left.isEmpty()) {
      // The slot left for pgstream destroy is not dropped either: a give-up names it with the others.
      Optional.ofNullable(byDestroy).ifPresent(left::add);
      return waitOrGiveUp(p, left, "DestroyBlocked", why);
    }
    if (byDestroy == null) {
      return release(p);
    }
    try {
      return destroy(p, ctx, byDestroy);
    } catch (KubernetesClientException e) {
      if (!NamespaceTerminating.refused(e)) {
        throw e;
      }
      return drop(p, ctx, records, true);
    }
  }

  /** Drops each record's slot over JDBC; the ones still there go to {@code left}, and the returned text says why. */
  private String dropDirectly(PgstreamPipeline p, List<SlotRecord> direct, List<PgstreamPipeline> all, boolean noJobs, List<SlotRecord> left) {
    if (direct.isEmpty()) {
      return null;
    }
    PipelineInputs.Result logins = inputs.logins(p);
    if (logins instanceof PipelineInputs.Unavailable unavailable) {
      left.addAll(direct);
      return "cannot log in to the source: " + unavailable.message();
    }
    ResolvedCredentials creds = ((PipelineInputs.Ready) logins).credentials();
    List<String> problems = new ArrayList<>();
    for (SlotRecord r : direct) {
      Optional<String> refused = allowLists.connectionRefusal(r.host);
      if (refused.isPresent()) {
        left.add(r);
        problems.add(r.name + ": " + refused.get());
        continue;
      }
      try {
        SlotDropper.Result result =
            dropper.drop(SlotRecords.connection(p.getSpec().source, r), r.database, creds.sourceUser(), creds.sourcePassword(), r.name);
        switch (result) {
          case DROPPED -> events.normal(p, "SlotDropped", "Dropped replication slot %s on %s; %s".formatted(r.name, SlotRecords.where(r), whySchemaStays(p, r, all, noJobs)));
          case ACTIVE -> {
            left.add(r);
            problems.add(r.name + " is held by a consumer");
          }
          case ABSENT -> {}
        }
      } catch (SQLException e) {
        left.add(r);
        problems.add(r.name + ": " + Redactor.redact(e.getMessage(), creds.secretValues()));
        if (INVALID_PASSWORD.equals(e.getSQLState())) {
          // Rotated since the logins were cached, maybe: the next look reads the Secrets again.
          inputs.forget(p);
        }
      }
    }
    return String.join("; ", problems);
  }

  private static String whySchemaStays(PgstreamPipeline p, SlotRecord r, List<PgstreamPipeline> all, boolean noJobs) {
    List<String> others = SlotRecords.databaseUsedByOthers(p, r, all);
    if (!others.isEmpty()) {
      return "schema pgstream and its event triggers stay there: pipeline(s) " + String.join(", ", others)
          + " still read that database, and the last of them deleted with deletionPolicy Delete removes them";
    }
    if (noJobs) {
      return "the namespace is being deleted and refuses the destroy Job, so schema pgstream and its event triggers stay there"
          + " (DROP SCHEMA pgstream CASCADE removes them)";
    }
    return "it is not the slot the spec streams from, so pgstream destroy does not run for it and schema pgstream stays there";
  }

  /** pgstream destroy for the slot the spec streams from (the allow lists and the pod template rules still apply). */
  private DeleteControl destroy(PgstreamPipeline p, Context<PgstreamPipeline> ctx, SlotRecord slot) {
    Optional<Blocker> refused = allowLists.refusal(p);
    if (refused.isPresent()) {
      return waitOrGiveUp(
          p,
          List.of(slot),
          "DestroyBlocked",
          refused.get().message() + ". To drop it, set the spec back to an allowed image and hosts, or set spec.deletionPolicy: Retain");
    }
    List<String> rejected = PodTemplateRules.problems(p.getSpec());
    if (!rejected.isEmpty()) {
      return waitOrGiveUp(
          p, List.of(slot), "DestroyBlocked", String.join("; ", rejected) + ". To drop it, fix spec.podTemplate, or set spec.deletionPolicy: Retain");
    }
    PipelineInputs.Result resolved = inputs.resolve(p, ctx);
    if (resolved instanceof PipelineInputs.Unavailable unavailable) {
      return waitOrGiveUp(p, List.of(slot), "DestroyBlocked", unavailable.message() + ". Restore it, or set spec.deletionPolicy: Retain");
    }
    ResolvedCredentials creds = ((PipelineInputs.Ready) resolved).credentials();
    StepStatus destroy = StepPlanner.advance(children.job(Step.DESTROY), p, ctx, p.getStatus(), null, creds.secretValues(), clock);
    return switch (destroy.state) {
      case Succeeded -> {
        events.normal(
            p,
            "SlotDropped",
            "pgstream destroy dropped replication slot %s and schema pgstream on %s (no other pipeline reads that database)"
                .formatted(slot.name, SlotRecords.where(slot)));
        yield release(p);
      }
      case Failed -> waitOrGiveUp(
          p, List.of(slot), "DestroyFailed", destroy.message + " Fix the cause and delete the Job to retry, or set spec.deletionPolicy: Retain");
      default -> DeleteControl.noFinalizerRemoval().rescheduleAfter(recheck(p));
    };
  }

  /**
   * Says once why the slots are still there and looks again; after {@link #PATIENCE} names them in a
   * SlotRetained Warning and lets the pipeline go, so no deletion hangs.
   */
  private DeleteControl waitOrGiveUp(PgstreamPipeline p, List<SlotRecord> left, String reason, String why) {
    String deleted = p.getMetadata().getDeletionTimestamp();
    if (deleted != null && Duration.between(Instant.parse(deleted), Instant.now(clock)).compareTo(PATIENCE) >= 0) {
      return giveUp(p, left, why);
    }
    notices.warnOnce(
        p,
        reason,
        ("Cannot drop replication slot(s) %s yet: %s. Deletion keeps trying for %d minutes after it began, then leaves"
                + " them and names them in a SlotRetained Warning.")
            .formatted(SlotRecords.describe(left), why, PATIENCE.toMinutes()));
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(recheck(p));
  }

  private Duration recheck(PgstreamPipeline p) {
    String deleted = p.getMetadata().getDeletionTimestamp();
    Duration taken = deleted == null ? Duration.ZERO : Duration.between(Instant.parse(deleted), Instant.now(clock));
    Duration quarter = taken.dividedBy(4);
    return quarter.compareTo(FIRST_RECHECK) < 0 ? FIRST_RECHECK : quarter.compareTo(LAST_RECHECK) > 0 ? LAST_RECHECK : quarter;
  }

  private DeleteControl giveUp(PgstreamPipeline p, List<SlotRecord> left, String why) {
    events.warning(
        p,
        "SlotRetained",
        ("deletionPolicy Delete, but replication slot(s) %s could not be dropped (%s). They stay and keep retaining WAL"
                + " until dropped: connect to each database and run %s")
            .formatted(SlotRecords.describe(left), why, dropSqls(left)));
    return release(p);
  }

  private static String dropSqls(List<SlotRecord> records) {
    return String.join(" ", records.stream().map(SlotRecords::dropSql).toList());
  }

  private DeleteControl release(PgstreamPipeline p) {
    phases.forget(p);
    notices.forget(p);
    metrics.forget(p.getMetadata().getNamespace(), p.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }
}
