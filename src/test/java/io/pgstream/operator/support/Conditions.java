package io.pgstream.operator.support;

import io.fabric8.kubernetes.api.model.Condition;
import io.pgstream.operator.api.PgstreamPipeline;
import java.util.Optional;

/** A pipeline's condition as tests compare it: "True/Reason", and its message. */
public final class Conditions {
  private Conditions() {}

  /** "status/reason" of the condition, or null when the pipeline or the condition is missing. */
  public static String of(PgstreamPipeline p, String type) {
    return find(p, type).map(c -> c.getStatus() + "/" + c.getReason()).orElse(null);
  }

  public static String message(PgstreamPipeline p, String type) {
    return find(p, type).map(Condition::getMessage).orElse(null);
  }

  private static Optional<Condition> find(PgstreamPipeline p, String type) {
    if (p == null || p.getStatus() == null) {
      return Optional.empty();
    }
    return p.getStatus().conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }
}
