package io.pgstream.operator.dependent;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.pgstream.operator.api.PgstreamPipeline;

/** An {@link OwnedDependent} that is brought back to its desired state when it drifts. */
public abstract class UpdatableOwnedDependent<R extends HasMetadata> extends OwnedDependent<R>
    implements Updater<R, PgstreamPipeline> {

  protected UpdatableOwnedDependent(Class<R> type, String name) {
    super(type, name);
  }
}
