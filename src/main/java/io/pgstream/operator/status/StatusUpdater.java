package io.pgstream.operator.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.pgstream.operator.api.Phase;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.api.PgstreamPipelineStatus;
import io.pgstream.operator.logs.RowValues;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A working copy of a pipeline's status. Conditions keep their lastTransitionTime unless their
 * status flips, so recomputing an unchanged pipeline yields an identical status and nothing is
 * written.
 */
public final class StatusUpdater {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final PgstreamPipelineStatus before;
  private final PgstreamPipelineStatus status;
  private final long generation;
  private final Clock clock;

  public StatusUpdater(PgstreamPipeline pipeline, Clock clock) {
    this.before = copy(pipeline.getStatus() == null ? new PgstreamPipelineStatus() : pipeline.getStatus());
    this.status = copy(before);
    this.generation = Optional.ofNullable(pipeline.getMetadata().getGeneration()).orElse(0L);
    this.clock = clock;
    status.observedGeneration = generation;
  }

  public PgstreamPipelineStatus status() {
    return status;
  }

  public PgstreamPipelineStatus before() {
    return before;
  }

  public void phase(Phase phase) {
    status.phase = phase;
  }

  public void set(ConditionType type, boolean value, String reason, String message) {
    String flag = value ? "True" : "False";
    // A flag set one way and back within one reconcile (a later step overriding an earlier one) is no transition.
    String transition =
        Stream.of(condition(status, type), condition(before, type))
            .flatMap(Optional::stream)
            .filter(c -> flag.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .findFirst()
            .orElse(now());
    Condition updated =
        new ConditionBuilder()
            .withType(type.name())
            .withStatus(flag)
            .withReason(reason)
            .withMessage(RowValues.strip(message))
            .withObservedGeneration(generation)
            .withLastTransitionTime(transition)
            .build();
    List<Condition> conditions = new ArrayList<>(status.conditions == null ? List.of() : status.conditions);
    conditions.removeIf(c -> type.name().equals(c.getType()));
    conditions.add(updated);
    conditions.sort(Comparator.comparing(c -> order(c.getType())));
    status.conditions = conditions;
  }

  /** Removes a condition that no longer applies. */
  public void remove(ConditionType type) {
    if (status.conditions != null && condition(status, type).isPresent()) {
      List<Condition> conditions = new ArrayList<>(status.conditions);
      conditions.removeIf(c -> type.name().equals(c.getType()));
      status.conditions = conditions;
    }
  }

  public boolean changed() {
    return !JSON.valueToTree(before).equals(JSON.valueToTree(status));
  }

  public static Optional<Condition> condition(PgstreamPipelineStatus status, ConditionType type) {
    if (status == null || status.conditions == null) {
      return Optional.empty();
    }
    return status.conditions.stream().filter(c -> type.name().equals(c.getType())).findFirst();
  }

  /** Whether a condition's status or reason differs between two statuses. */
  public static boolean transitioned(PgstreamPipelineStatus a, PgstreamPipelineStatus b, ConditionType type) {
    Optional<Condition> x = condition(a, type);
    Optional<Condition> y = condition(b, type);
    return !Objects.equals(x.map(Condition::getStatus), y.map(Condition::getStatus))
        || !Objects.equals(x.map(Condition::getReason), y.map(Condition::getReason));
  }

  private static int order(String type) {
    try {
      return ConditionType.valueOf(type).ordinal();
    } catch (IllegalArgumentException unknown) {
      return Integer.MAX_VALUE;
    }
  }

  private String now() {
    return Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static PgstreamPipelineStatus copy(PgstreamPipelineStatus s) {
    return JSON.convertValue(s, PgstreamPipelineStatus.class);
  }
}
