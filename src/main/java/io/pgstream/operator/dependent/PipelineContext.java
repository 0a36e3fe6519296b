package io.pgstream.operator.dependent;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.pgstream.operator.api.PgstreamPipeline;
import io.pgstream.operator.config.RenderedConfig;
import io.pgstream.operator.credentials.ResolvedCredentials;
import java.util.Optional;

/** What the reconciler computed once per reconcile and the dependents build their desired state from. */
public final class PipelineContext {
  private static final String SNAPSHOT_IMAGE = "snapshot-image";
  private static final String IMAGE = "pgstream-image";
  private static final String RESTART = "restart-handled";

  private PipelineContext() {}

  /** @param image the image of init, streaming and destroy pods ({@link RunnerImages#pgstreamImage}) */
  public static void put(Context<PgstreamPipeline> ctx, RenderedConfig config, ResolvedCredentials credentials, String image) {
    ctx.managedWorkflowAndDependentResourceContext().put(RenderedConfig.class, config);
    ctx.managedWorkflowAndDependentResourceContext().put(ResolvedCredentials.class, credentials);
    ctx.managedWorkflowAndDependentResourceContext().put(IMAGE, image);
  }

  static String image(Context<PgstreamPipeline> ctx) {
    return ctx.managedWorkflowAndDependentResourceContext().getMandatory(IMAGE, String.class);
  }

  public static void snapshotImage(Context<PgstreamPipeline> ctx, String image) {
    ctx.managedWorkflowAndDependentResourceContext().put(SNAPSHOT_IMAGE, image);
  }

  static String snapshotImage(Context<PgstreamPipeline> ctx) {
    return ctx.managedWorkflowAndDependentResourceContext().getMandatory(SNAPSHOT_IMAGE, String.class);
  }

  /** The pgstream.io/restart value the streaming pod template carries (null: none handled yet). */
  public static void restart(Context<PgstreamPipeline> ctx, String handled) {
    if (handled != null) {
      ctx.managedWorkflowAndDependentResourceContext().put(RESTART, handled);
    }
  }

  static Optional<String> restart(Context<PgstreamPipeline> ctx) {
    return ctx.managedWorkflowAndDependentResourceContext().get(RESTART, String.class);
  }

  static RenderedConfig config(Context<PgstreamPipeline> ctx) {
    return ctx.managedWorkflowAndDependentResourceContext().getMandatory(RenderedConfig.class, RenderedConfig.class);
  }

  static ResolvedCredentials credentials(Context<PgstreamPipeline> ctx) {
    return ctx.managedWorkflowAndDependentResourceContext()
        .getMandatory(ResolvedCredentials.class, ResolvedCredentials.class);
  }
}
