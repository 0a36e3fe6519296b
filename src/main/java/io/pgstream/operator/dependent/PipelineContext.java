package io.pgstream.operator.dependent;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.ResolvedCredentials;

/** What the reconciler computed once per reconcile and the dependents build their desired state from. */
public final class PipelineContext {
  private PipelineContext() {}

  public static void put(Context<PgstreamPipeline> ctx, RenderedConfig config, ResolvedCredentials credentials) {
    ctx.managedWorkflowAndDependentResourceContext().put(RenderedConfig.class, config);
    ctx.managedWorkflowAndDependentResourceContext().put(ResolvedCredentials.class, credentials);
  }

  static RenderedConfig config(Context<PgstreamPipeline> ctx) {
    return ctx.managedWorkflowAndDependentResourceContext().getMandatory(RenderedConfig.class, RenderedConfig.class);
  }

  static ResolvedCredentials credentials(Context<PgstreamPipeline> ctx) {
    return ctx.managedWorkflowAndDependentResourceContext()
        .getMandatory(ResolvedCredentials.class, ResolvedCredentials.class);
  }
}
