package io.pgstream.operator.api;

/** Annotations a user sets on a pipeline to act on it; each handled value is recorded in status. */
public final class Annotations {
  /** A new value re-runs the failed step with unchanged inputs. */
  public static final String RETRY = "pgstream.io/retry";
  /** A new value stops the running init or snapshot Job so that waiting spec changes take effect. */
  public static final String ABORT = "pgstream.io/abort";
  /**
   * A new value restarts streaming: the Deployment's pod template carries the value handled, so it rolls once
   * (Recreate: the old pod is gone before the new one starts), as kubectl rollout restart does.
   */
  public static final String RESTART = "pgstream.io/restart";
  /**
   * "true" pauses reconciling: the operator changes nothing of the pipeline (children, databases, AWS) and
   * says so in condition ReconcilePaused, until the annotation is removed or set to anything else.
   */
  public static final String RECONCILE_PAUSED = "pgstream.io/reconcile-paused";

  private Annotations() {}
}
