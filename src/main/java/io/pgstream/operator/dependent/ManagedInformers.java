package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;

/** Informer settings shared by all dependents. */
final class ManagedInformers {
  private ManagedInformers() {}

  static <R extends HasMetadata> InformerEventSourceConfiguration.Builder<R> onlyManaged(
      InformerEventSourceConfiguration.Builder<R> builder) {
    return builder.withLabelSelector(Children.SELECTOR);
  }
}
